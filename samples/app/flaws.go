package app

import (
	"fmt"
	"slices"
	"strings"
)

// Flaw is one planted defect. Each is narrow on purpose: a black-box probe can
// see it, and it makes exactly one catalogue check (Check) fail.
type Flaw struct {
	Name        string
	Check       string // the check ID it must fail
	Description string
}

// The flaw names.
const (
	flawWriteReadOnly      = "write-readonly"
	flawDestructiveFalse   = "destructive-false"
	flawMissingAnnotations = "missing-annotations"
	flawSensitiveField     = "sensitive-field"
	flawNoPRM              = "no-prm"
	flawNoResourceMetadata = "no-resource-metadata"
	flawNoS256             = "no-s256"
	flawAcceptInvalidToken = "accept-invalid-token"
	flawNoPrivacyPolicy    = "no-privacy-policy"
	flawNoOriginCheck      = "no-origin-check"
	flawTokenInQuery       = "token-in-query"
	flawForeignAudience    = "accept-foreign-audience"
)

// Flaws lists the defects Options.Flaw can plant, one at a time.
func Flaws() []Flaw {
	return []Flaw{
		{flawWriteReadOnly, "tool.write-labeled",
			"add_order_note (a write) advertises readOnlyHint: true; its destructive and open-world hints are unchanged."},
		{flawDestructiveFalse, "tool.destructive-labeled",
			"cancel_order advertises destructiveHint: false."},
		{flawMissingAnnotations, "tool.annotations-explicit",
			"search_catalog (a read tool) has no annotations object at all."},
		{flawSensitiveField, "data.sensitive-fields",
			"create_return's declared input field \"comment\" keeps its name but its description asks for the full card number and CVV."},
		{flawNoPRM, "auth.prm",
			"Both Protected Resource Metadata URLs (path-suffixed and root) answer 404; the 401 challenge still names the path-suffixed URL, and the authorization server metadata stays reachable."},
		{flawNoResourceMetadata, "auth.challenge",
			"Every challenge carries only Bearer scope=... without resource_metadata, and the server negotiates protocol version 2025-06-18 only " +
				"(it answers any initialize with 2025-06-18), under which a missing resource_metadata is a failure even though the well-known PRM is still served."},
		{flawNoS256, "auth.pkce-s256",
			"Authorization server metadata advertises code_challenge_methods_supported: [\"plain\"]; the server itself still accepts only S256."},
		{flawAcceptInvalidToken, "auth.invalid-token",
			"Any non-empty bearer value that fails validation (garbage, expired, foreign-signed) is accepted as a full-scope token of the test user; " +
				"a correctly signed token for another audience is still refused, and requests without credentials still get 401."},
		{flawNoPrivacyPolicy, "listing.privacy-policy",
			"/privacy answers 404."},
		{flawNoOriginCheck, "transport.origin",
			"The MCP endpoint accepts a foreign Origin header (and a non-loopback Host header): no DNS-rebinding protection."},
		{flawTokenInQuery, "auth.token-in-query",
			"The MCP endpoint also accepts the access token from the ?access_token= query parameter when no Authorization header is sent."},
		{flawForeignAudience, "auth.audience",
			"The MCP endpoint skips the audience check: a token the authorization server signed for another resource is accepted; invalid, expired and foreign-signed tokens are still refused."},
	}
}

// checkFlaw returns an error unless name is "" or a known flaw.
func checkFlaw(name string) error {
	if name == "" {
		return nil
	}
	var names []string
	for _, f := range Flaws() {
		names = append(names, f.Name)
	}
	for _, f := range SubmissionFlaws() {
		if f.Plants == "server" {
			names = append(names, f.Name)
		}
	}
	if slices.Contains(names, name) {
		return nil
	}
	return fmt.Errorf("unknown flaw %q (want one of %s)", name, strings.Join(names, ", "))
}
