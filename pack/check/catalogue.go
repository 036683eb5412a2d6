package check

// Definition describes one check of the public catalogue.
type Definition struct {
	ID       string
	Title    string
	Severity Severity // severity of a failure unless the result says otherwise
	RedFlag  bool     // a failure of this check is shown first in every report
	About             // what it checks, when it fails, the remedy (about.go)
}

// entry is one line of the catalogue; its texts are in about.go.
type entry struct {
	ID       string
	Title    string
	Severity Severity
	RedFlag  bool
}

// Catalogue lists every check this version knows, in catalogue order. The IDs
// are a public contract, described in docs/checks.md (generated from this
// list and about.go: go generate ./pack/check): never change their meaning.
var catalogue = []entry{
	{"listing.privacy-policy", "Privacy policy published", High, true},
	{"listing.support-contact", "Support contact published", Medium, false},
	{"listing.terms", "Terms of service published", Low, false},
	{"listing.metadata", "Listing metadata complete and stable", Medium, false},
	{"listing.availability", "Availability claims match the platform", High, true},

	{"tool.declared", "Live tools match the manifest", High, false},
	{"tool.annotations-explicit", "All three annotation hints are explicit booleans", High, false},
	{"tool.write-labeled", "State-changing tools are not marked read-only", Critical, true},
	{"tool.destructive-labeled", "Destructive tools carry destructiveHint", High, false},
	{"tool.egress-labeled", "Egress tools carry openWorldHint and are writes", High, true},
	{"tool.annotation-heuristics", "Names and descriptions agree with the hints", Low, false},
	{"tool.naming", "Tool names and descriptions are well formed", Medium, false},
	{"tool.text-hygiene", "Tool texts carry no markup, escapes or control characters", Medium, false},
	{"tool.security-schemes", "Per-tool security schemes match the manifest", High, false},
	{"tool.input-validation", "Schema-invalid input is rejected", Medium, false},
	{"tool.output-schema", "Structured output has an output schema", Low, false},

	{"data.minimization", "Every input field has a declared purpose", Medium, false},
	{"data.sensitive-fields", "No restricted data is requested", Critical, true},
	{"data.retention", "Retention windows and deletion are declared", Medium, false},
	{"data.log-redaction", "Log redaction and correlation IDs are declared", Low, false},
	{"data.result-hygiene", "Results carry no secrets or stray PII", Medium, false},

	{"auth.required", "Protected work needs a token", Critical, false},
	{"auth.challenge", "401 challenge points to resource metadata", High, false},
	{"auth.prm", "Protected Resource Metadata is published", High, false},
	{"auth.prm-resource", "Resource metadata names this server", High, false},
	{"auth.as-metadata", "Authorization server metadata is found and consistent", High, false},
	{"auth.pkce-s256", "PKCE with S256 is supported", High, false},
	{"auth.client-registration", "Clients can register", Medium, false},
	{"auth.invalid-token", "Invalid tokens are refused", Critical, false},
	{"auth.audience", "Tokens for other resources are refused", Critical, false},
	{"auth.scope-enforcement", "Scopes are enforced per tool", High, false},
	{"auth.session-not-auth", "A session id is not a credential", High, false},
	{"auth.token-in-query", "Tokens in the query string are refused", Medium, false},
	{"auth.https", "Endpoints use HTTPS off loopback", High, false},
	{"auth.token-lifecycle", "Token lifetime, rotation and revocation are declared", Medium, false},
	{"auth.oidc", "The identity provider is documented", Low, false},
	{"auth.rbac", "RBAC and admin publishing are declared", Low, false},

	{"transport.handshake", "The server answers the MCP handshake", Critical, false},
	{"transport.origin", "Foreign origins are refused", High, false},
	{"transport.protocol-version", "Bogus protocol versions are refused", Low, false},
	{"transport.session-id", "Session ids are well formed and unpredictable", Medium, false},
	{"transport.limits", "Answers stayed within the probe's bounds", Medium, false},

	{"widget.resource", "UI links resolve to UI resources", High, false},
	{"widget.csp-declared", "A narrow CSP is declared", Medium, false},
	{"widget.render", "The widget starts in the browser", High, false},
	{"widget.csp-sufficient", "The widget renders without CSP violations", Medium, false},
	{"widget.egress", "Widget requests stay inside the allow-list", High, false},
	{"widget.privileged-api", "The widget uses no privileged browser API", High, false},
	{"widget.sandbox-escape", "The widget stays inside its sandbox", Critical, true},
	{"widget.domain", "A widget domain is declared", Low, false},

	{"evidence.confirmation", "Every write tool has a confirmation capture", Medium, false},
	{"evidence.attached", "Attached evidence files exist and are hashed", Medium, false},

	{"ops.environments", "Environments are described", Low, false},
	{"ops.patch-policy", "Critical fixes have a time bound", Medium, false},
	{"ops.monitoring", "Monitoring and alerting are described", Low, false},
	{"ops.incident-response", "Incident contacts are named", Medium, false},
	{"ops.audit-logs", "Audit logs are kept", Low, false},

	{"submission.package", "The plugin package can be submitted", High, false},
	{"submission.listing", "The package's listing is complete and agrees with the manifest", Medium, false},
	{"submission.endpoint", "The MCP endpoint is public, HTTPS and no tunnel", High, false},
	{"submission.domain-verification", "The domain verification token is served", High, false},
	{"submission.reviewer-account", "Reviewers can sign in unattended", High, false},
	{"submission.test-cases", "Enough review test cases, naming live tools", Medium, false},

	{"resubmit.contract", "No contract change needs re-submission", Medium, false},
}

var byID = func() map[string]Definition {
	m := make(map[string]Definition, len(catalogue))
	for _, e := range catalogue {
		m[e.ID] = define(e)
	}
	return m
}()

func define(e entry) Definition {
	return Definition{ID: e.ID, Title: e.Title, Severity: e.Severity, RedFlag: e.RedFlag, About: about[e.ID]}
}

// Catalogue returns a copy of every known check definition, in catalogue order.
func Catalogue() []Definition {
	out := make([]Definition, len(catalogue))
	for i, e := range catalogue {
		out[i] = define(e)
	}
	return out
}

// Lookup finds a check definition by ID.
func Lookup(id string) (Definition, bool) {
	d, ok := byID[id]
	return d, ok
}
