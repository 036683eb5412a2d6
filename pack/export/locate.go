package export

import (
	"fmt"
	"slices"

	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/manifest"
)

// place is the manifest line a result rests on: the file, the field path
// and its position. Field is "" and Pos zero when the pack does not record
// where its manifest's fields sit.
type place struct {
	File  string
	Field string
	Pos   manifest.Span
}

// appFields are the manifest fields app-level checks rest on, narrowest
// first; a check not listed rests on the server URL.
var appFields = map[string][]string{
	"listing.privacy-policy":    {"app.privacyPolicy", "app"},
	"listing.support-contact":   {"app.support", "app"},
	"listing.terms":             {"app.terms", "app"},
	"listing.metadata":          {"app"},
	"listing.availability":      {"app.plans", "app.regions", "app"},
	"data.retention":            {"data.categories", "data.deletion", "data"},
	"data.log-redaction":        {"data.logRedaction", "data.correlationIds", "data"},
	"auth.required":             {"server.auth.mode", "server.auth"},
	"auth.challenge":            {"server.auth.mode", "server.auth"},
	"auth.prm":                  {"server.auth.mode", "server.auth"},
	"auth.prm-resource":         {"server.url"},
	"auth.as-metadata":          {"server.auth.issuer", "server.auth"},
	"auth.pkce-s256":            {"server.auth.issuer", "server.auth"},
	"auth.client-registration":  {"server.auth.registration", "server.auth"},
	"auth.token-lifecycle":      {"server.auth.tokenLifetime", "server.auth.refreshRotation", "server.auth.revocation", "server.auth"},
	"auth.oidc":                 {"server.auth.oidcDiscovery", "server.auth.issuer", "server.auth"},
	"auth.rbac":                 {"server.auth.rbac", "app.workspace", "server.auth"},
	"ops.environments":          {"operations.environments", "operations"},
	"ops.patch-policy":          {"operations.patchPolicy", "operations"},
	"ops.monitoring":            {"operations.monitoring", "operations"},
	"ops.incident-response":     {"operations.incidentContacts", "operations"},
	"ops.audit-logs":            {"operations.auditLogs", "operations"},
	"evidence.attached":         {"evidence"},
	"evidence.confirmation":     {"tools"},
	"tool.declared":             {"tools"},
	"tool.annotations-explicit": {"tools"},
	// The plugin package is a file of its own; the endpoint is the URL.
	"submission.listing":             {"submission", "app"},
	"submission.domain-verification": {"submission.challengeToken", "submission.challengeDomain", "submission"},
	"submission.reviewer-account":    {"submission.reviewer", "submission"},
	"submission.test-cases":          {"submission.testCases", "submission.negativeTestCases", "submission"},
}

// toolFields are the fields of a declared tool that tool checks rest on,
// narrowest first, after which comes the tool's entry itself.
var toolFields = map[string][]string{
	"tool.write-labeled":       {"kind"},
	"tool.destructive-labeled": {"kind"},
	"tool.egress-labeled":      {"egress", "kind"},
	"tool.security-schemes":    {"scopes", "noauth"},
	"auth.scope-enforcement":   {"scopes"},
	"data.minimization":        {"inputs"},
	"data.sensitive-fields":    {"inputs"},
	"tool.input-validation":    {"example"},
}

// locate finds the manifest line result r rests on: an attestation it
// rests on; the declared tool of a tool:NAME subject (the tool that links
// a widget:URI one; the entry of a file:PATH one); the field of a url:URL
// one; else the field the check is about; the server URL when nothing
// narrower is known.
func locate(b *bundle.Bundle, r check.Result) place {
	src := b.ManifestSource
	if src == nil {
		return place{}
	}
	p := place{File: src.Path}
	for _, f := range candidates(b, r) {
		if pos, ok := src.At(f); ok {
			p.Field, p.Pos = f, pos
			return p
		}
	}
	return p
}

// candidates lists the field paths result r may rest on, narrowest first.
func candidates(b *bundle.Bundle, r check.Result) []string {
	m := b.Manifest
	if m == nil {
		return []string{"server.url"}
	}
	var out []string
	if r.Basis == check.Attested {
		for i, a := range m.Attestations {
			if a.Check == r.ID {
				out = append(out, fmt.Sprintf("attestations[%d]", i))
			}
		}
	}
	kind, name := subjectParts(r.Subject)
	switch kind {
	case "tool":
		if tp := m.ToolPath(name); tp != "" {
			for _, f := range toolFields[r.ID] {
				out = append(out, tp+"."+f)
			}
			out = append(out, tp)
		}
	case "widget":
		for _, t := range b.Observation.Tools {
			if t.UI == name || slices.Contains(t.UILinks, name) {
				if tp := m.ToolPath(t.Name); tp != "" {
					out = append(out, tp)
				}
			}
		}
	case "url":
		for _, f := range []struct{ path, value string }{{"app.privacyPolicy", m.App.PrivacyPolicy}, {"app.terms", m.App.Terms}, {"app.support", m.App.Support}} {
			if f.value != "" && f.value == name {
				out = append(out, f.path)
			}
		}
	case "file":
		for i, a := range m.Evidence {
			if a.Path == name {
				out = append(out, fmt.Sprintf("evidence[%d]", i))
			}
		}
	}
	out = append(out, appFields[r.ID]...)
	return append(out, "server.url")
}
