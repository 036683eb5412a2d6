package pdf

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/johnfercher/maroto/v2/pkg/components/row"
	"github.com/johnfercher/maroto/v2/pkg/core"

	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/live"
	"github.com/dossier-dev/dossier/pack/manifest"
)

// The topic sections: identity, data and retention, operations. Each sets
// what was observed next to what was declared, then the results of the
// checks of that topic.

// withPrefix returns the results whose check ID starts with prefix+".",
// leaving out the IDs in skip.
func withPrefix(rs []check.Result, prefix string, skip ...string) []check.Result {
	var out []check.Result
	for _, r := range rs {
		if strings.HasPrefix(r.ID, prefix+".") && !slices.Contains(skip, r.ID) {
			out = append(out, r)
		}
	}
	return out
}

// list joins a list for a table cell, or says it is empty.
func list(xs []string, none string) string {
	if len(xs) == 0 {
		return none
	}
	return strings.Join(xs, ", ")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

var setupCols = []column{{"", 6}, {"Observed on the live server", 11}, {"Declared in the manifest", 7}}

// identity is the OAuth setup the probe discovered, next to the manifest's
// declaration, and the results of the auth.* checks.
func identity(d *doc, b *bundle.Bundle) int {
	lead := append(d.title("Identity and access"), d.para("How a client signs in, as the probe discovered it by following the 401 challenge to the protected resource metadata (PRM) and the authorization server's metadata, next to what the manifest declares.", body))
	var decl manifest.Auth
	workspace := false
	if b.Manifest != nil {
		decl = b.Manifest.Server.Auth
		workspace = b.Manifest.App.Workspace
	}
	oa := b.Observation.OAuth
	if oa == nil {
		lead = append(lead, d.para("No OAuth setup was observed: the server did not answer with a Bearer challenge, or the probe did not reach it. Declared auth mode: "+orDash(decl.Mode)+".", bodyBold))
		oa = &live.OAuth{}
	}
	lifetime := "not observed (no token obtained)"
	if oa.TokenExpiresIn > 0 {
		lifetime = fmt.Sprintf("%s (expires_in %d)", seconds(oa.TokenExpiresIn), oa.TokenExpiresIn)
	}
	rotation := "not observed"
	if oa.RefreshRotated != nil {
		rotation = yesNo(*oa.RefreshRotated)
	}
	declRotation := ""
	if decl.RefreshRotation != nil {
		declRotation = yesNo(*decl.RefreshRotation)
	}
	declLifetime := ""
	if decl.TokenLifetime != "" {
		declLifetime = decl.TokenLifetime.String()
	}
	registration := []string{}
	if oa.RegistrationEndpoint != "" {
		registration = append(registration, "dynamic client registration at "+oa.RegistrationEndpoint)
	}
	if oa.CIMD {
		registration = append(registration, "client ID metadata documents supported")
	}
	mode := ""
	if strings.HasPrefix(strings.ToLower(oa.Challenge), "bearer") {
		mode = "OAuth: unauthenticated requests get a Bearer challenge"
	}
	rows := [][3]string{
		{"Auth mode", mode, decl.Mode},
		{"401 challenge (WWW-Authenticate)", oa.Challenge, ""},
		{"Protected resource metadata", oa.PRMURL, ""},
		{"Resource", oa.Resource, serverURL(b)},
		{"Authorization servers", list(oa.AuthorizationServers, ""), ""},
		{"Scopes supported", list(oa.ScopesSupported, ""), list(declaredScopes(b), "")},
		{"Authorization server metadata", oa.MetadataURL, decl.OIDCDiscovery},
		{"Issuer", oa.Issuer, decl.Issuer},
		{"Authorization endpoint", oa.AuthorizationEndpoint, ""},
		{"Token endpoint", oa.TokenEndpoint, ""},
		{"PKCE methods", list(oa.CodeChallengeMethods, "none advertised"), ""},
		{"Client registration", list(registration, "none offered"), decl.Registration},
		{"Revocation", oa.RevocationEndpoint, decl.Revocation},
		{"Token the probe used", tokenSource(oa.Obtained), ""},
		{"Access token lifetime", lifetime, declLifetime},
		{"Token audience", list(oa.TokenAudience, "not observed"), ""},
		{"Token scopes", list(oa.TokenScopes, "not observed"), ""},
		{"Refresh token rotation", rotation, declRotation},
	}
	if workspace || decl.RBAC != "" {
		rows = append(rows, [3]string{"Roles and publishing (RBAC)", "", decl.RBAC})
	}
	recs := make([][]core.Row, len(rows))
	for i, r := range rows {
		recs[i] = []core.Row{row.New().Add(
			d.cell(6, r[0], style{size: 8, bold: true, color: colGray}),
			d.cell(11, orDash(r[1]), body),
			d.cell(7, orDash(r[2]), body),
		), rule()}
	}
	start := d.table(lead, setupCols, recs, "")

	rs := withPrefix(b.Results, "auth", "auth.scope-enforcement")
	d.table(d.subtitle(fmt.Sprintf("Results of the identity and access checks (%d)", len(rs))), resultCols, d.resultRecords(rs), "No auth.* results.")
	if se := withPrefix(b.Results, "auth.scope-enforcement"); len(se) > 0 {
		by := map[check.Status]int{}
		for _, r := range se {
			by[r.Status]++
		}
		var parts []string
		for _, s := range statuses {
			if by[s] > 0 {
				parts = append(parts, fmt.Sprintf("%s %d", s, by[s]))
			}
		}
		d.place([]core.Row{spacer(2), d.para(fmt.Sprintf("auth.scope-enforcement, one result per tool (%s), is in the Scope map.", strings.Join(parts, ", ")), body)}, nil)
	}
	return start
}

// seconds spells a number of seconds out in the largest whole unit.
func seconds(n int) string {
	for _, u := range []struct {
		s    int
		name string
	}{{86400, "day"}, {3600, "hour"}, {60, "minute"}} {
		if n%u.s == 0 {
			if n/u.s == 1 {
				return "1 " + u.name
			}
			return fmt.Sprintf("%d %ss", n/u.s, u.name)
		}
	}
	return fmt.Sprintf("%d seconds", n)
}

// tokenSource says in words how the probe got its token.
func tokenSource(obtained string) string {
	switch obtained {
	case "env":
		return "supplied by the vendor through an environment variable (probe.tokens)"
	case "dcr+pkce":
		return "obtained by the probe: dynamic registration, then authorization code with PKCE"
	case "none", "":
		return "none: only unauthenticated probes ran"
	}
	return obtained
}

// declaredScopes is every scope the manifest's tools declare, sorted.
func declaredScopes(b *bundle.Bundle) []string {
	if b.Manifest == nil {
		return nil
	}
	var out []string
	for _, t := range b.Manifest.Tools {
		for _, s := range t.Scopes {
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	sort.Strings(out)
	return out
}

var (
	categoryCols = []column{{"Data category", 8}, {"Retention", 4}, {"Purpose", 12}}
	fieldCols    = []column{{"Tool", 5}, {"Input field", 4}, {"Type", 2}, {"Required", 2}, {"Purpose (manifest)", 5}, {"Described by the server", 6}}
)

// dataRetention is what data the app keeps and for how long, how it is
// deleted and redacted, and every input field each tool collects with the
// purpose the manifest states for it.
func dataRetention(d *doc, b *bundle.Bundle) int {
	lead := d.title("Data and retention")
	var data manifest.Data
	if b.Manifest != nil {
		data = b.Manifest.Data
	}
	recs := make([][]core.Row, len(data.Categories))
	for i, c := range data.Categories {
		recs[i] = []core.Row{row.New().Add(
			d.cell(8, c.Name, bodyBold),
			d.cell(4, orDash(c.Retention.String()), body),
			d.cell(12, orDash(c.Purpose), body),
		), rule()}
	}
	start := d.table(append(lead, d.subtitle("Data kept and its retention (declared)")...), categoryCols, recs, "No data categories are declared.")

	deletion := ""
	if data.Deletion != nil {
		deletion = data.Deletion.Process
		if data.Deletion.Within != "" {
			deletion += " Time bound: within " + data.Deletion.Within.String() + "."
		}
	}
	d.facts(d.subtitle("Deletion and redaction (declared)"), [][2]string{
		{"Deletion on request", deletion},
		{"Redaction in logs", data.LogRedaction},
		{"Correlation IDs", data.CorrelationIDs},
	})

	// The fields each live tool collects, with the declared purpose.
	var declared map[string]manifest.Tool
	if b.Manifest != nil {
		declared = map[string]manifest.Tool{}
		for _, t := range b.Manifest.Tools {
			declared[t.Name] = t
		}
	}
	sensitive := map[string]string{} // tool → detail of a failing data.sensitive-fields
	for _, r := range b.Results {
		if r.ID == "data.sensitive-fields" && r.Failing() {
			sensitive[strings.TrimPrefix(r.Subject, "tool:")] = r.Detail
		}
	}
	red := style{size: 8, bold: true, color: rgb(0xc6, 0x28, 0x28)}
	missing := 0
	recs = nil
	for _, t := range b.Observation.Tools {
		dt := declared[t.Name]
		first := len(recs)
		seen := map[string]bool{}
		for _, f := range t.Fields {
			seen[f.Name] = true
			typ := f.Type
			if f.Format != "" {
				typ += " (" + f.Format + ")"
			}
			purpose, pst := "", body
			if in, ok := dt.Inputs[f.Name]; ok && strings.TrimSpace(in.Purpose) != "" {
				purpose = in.Purpose
			} else {
				purpose, pst = "NO PURPOSE STATED: the manifest does not say why this field is collected", red
				missing++
			}
			if det, ok := sensitive[t.Name]; ok && strings.Contains(det, `"`+f.Name+`"`) {
				purpose, pst = "RESTRICTED DATA (data.sensitive-fields): "+purpose, red
			}
			// One row a field, the tool's fields together and a rule after
			// the last: at 1,000 tools of three fields this table was 130
			// pages with a line and a rule more for each field.
			recs = append(recs, []core.Row{row.New().Add(
				d.cell(5, t.Name, bodyBold),
				d.cell(4, f.Name, bodyBold),
				d.cell(2, orDash(typ), body),
				d.cell(2, yesNo(f.Required), body),
				d.cell(5, purpose, pst),
				d.cellN(6, orDash(f.Description), small, 4),
			)})
		}
		var extra []string
		for name := range dt.Inputs {
			if !seen[name] {
				extra = append(extra, name)
			}
		}
		sort.Strings(extra)
		for _, name := range extra {
			recs = append(recs, []core.Row{row.New().Add(
				d.cell(5, t.Name, bodyBold),
				d.cell(4, name, body),
				d.cell(2, "—", body),
				d.cell(2, "—", body),
				d.cell(5, dt.Inputs[name].Purpose+" (declared, but not in the live input schema)", body),
				d.cell(6, "—", small),
			)})
		}
		if len(recs) > first {
			recs[len(recs)-1] = append(recs[len(recs)-1], rule())
		}
	}
	note := "Every top-level input property of every live tool, with the purpose the manifest gives it."
	if missing > 0 {
		note += fmt.Sprintf(" %d field(s) have no stated purpose and are marked in red.", missing)
	} else {
		note += " Every field has a stated purpose."
	}
	d.table(append(d.subtitle("Fields each tool collects"), d.para(note, body)), fieldCols, recs, "No live tool has input fields.")

	d.topicResults("Results of the data handling checks", withPrefix(b.Results, "data"), "No data.* results.")
	return start
}

var (
	opsCols         = []column{{"Topic", 5}, {"Declared in the manifest", 13}, {"Result", 3}, {"Basis", 3}}
	contactCols     = []column{{"Name", 6}, {"Role", 6}, {"Email", 7}, {"Phone", 5}}
	attestationCols = []column{{"Check", 6}, {"Attested by", 7}, {"Date", 3}, {"Expires", 3}, {"Status", 5}}
	waiverCols      = []column{{"Check", 6}, {"Waived by", 7}, {"Date", 3}, {"Expires", 3}, {"Status", 5}}
)

// validity is the badge of an attestation or a waiver on the pack's date,
// and whether it has expired.
func validity(expires manifest.Date, at time.Time) (string, colors, bool) {
	red := colors{colWhite, rgb(0xc6, 0x28, 0x28)}
	switch exp, err := expires.Lapsed(at); {
	case err != nil:
		return "EXPIRY UNREADABLE", red, false
	case exp:
		return "EXPIRED", red, true
	}
	return "valid on " + at.Format(time.DateOnly), colors{colWhite, rgb(0x00, 0x79, 0x6b)}, false
}

// expiredNote ends the note over a table of attestations or waivers.
func expiredNote(n, of int) string {
	if n > 0 {
		return fmt.Sprintf("%d of %d are EXPIRED and no longer count.", n, of)
	}
	return "none has expired."
}

// waived lists the failing results a waiver accepts in this pack: those
// that carry it (the pack stage attaches an unexpired waiver to each
// failure it covers).
func waived(rs []check.Result, w manifest.Waiver, expired bool) string {
	if expired {
		return "nothing: it has expired"
	}
	var subjects []string
	for _, r := range rs {
		x := r.Waiver
		if x != nil && r.ID == w.Check && (w.Subject == "" || w.Subject == r.Subject) && x.Owner == w.Owner && x.Expires == string(w.Expires) {
			subjects = append(subjects, r.Subject)
		}
	}
	return list(subjects, "no failing result in this pack")
}

// operations is the operational readiness the vendor declares, the results
// of the ops.* checks, the incident contacts, and every attestation and
// every waiver with its owner and expiry.
func operations(d *doc, b *bundle.Bundle) int {
	lead := d.title("Operations")
	var ops manifest.Operations
	var atts []manifest.Attestation
	if b.Manifest != nil {
		ops = b.Manifest.Operations
		atts = b.Manifest.Attestations
	}
	byID := map[string]check.Result{}
	for _, r := range b.Results {
		if strings.HasPrefix(r.ID, "ops.") {
			byID[r.ID] = r
		}
	}
	patch := ""
	if ops.PatchPolicy != nil {
		patch = "Critical fixes within " + ops.PatchPolicy.Critical.String() + "."
		if ops.PatchPolicy.Description != "" {
			patch += " " + ops.PatchPolicy.Description
		}
	}
	var contacts []string
	for _, c := range ops.Incident {
		contacts = append(contacts, strings.TrimSpace(c.Name+" ("+c.Role+")"))
	}
	topics := []struct{ id, name, value string }{
		{"ops.environments", "Environments", list(ops.Environments, "")},
		{"ops.patch-policy", "Patch policy", patch},
		{"ops.monitoring", "Monitoring", ops.Monitoring},
		{"ops.incident-response", "Incident response", list(contacts, "")},
		{"ops.audit-logs", "Audit logs", ops.AuditLogs},
	}
	recs := make([][]core.Row, len(topics))
	for i, t := range topics {
		r, ok := byID[t.id]
		first := row.New().Add(d.cell(5, t.name, bodyBold), d.cell(13, orDash(t.value), body))
		if ok {
			first.Add(d.statusBadge(3, r), d.basisBadge(3, r.Basis))
		} else {
			first.Add(d.cell(3, "no result", small), blank(3))
		}
		rec := []core.Row{first}
		if w := waiverNote(r); ok && w != "" {
			rec = append(rec, row.New().Add(blank(5), d.cellN(19, w, waivedStyle, 6)))
		}
		if ok {
			rec = append(rec, row.New().Add(blank(5), d.cellN(19, t.id+": "+r.Detail, small, 6)))
		}
		recs[i] = append(rec, rule())
	}
	start := d.table(lead, opsCols, recs, "")

	recs = make([][]core.Row, len(ops.Incident))
	for i, c := range ops.Incident {
		recs[i] = []core.Row{row.New().Add(
			d.cell(6, c.Name, bodyBold), d.cell(6, orDash(c.Role), body), d.cell(7, orDash(c.Email), body), d.cell(5, orDash(c.Phone), body),
		), rule()}
	}
	d.table(d.subtitle("Incident contacts"), contactCols, recs, "No incident contacts are declared.")

	at := b.Created.UTC()
	recs = make([][]core.Row, len(atts))
	nExpired := 0
	for i, a := range atts {
		status, c, exp := validity(a.Expires, at)
		if exp {
			nExpired++
		}
		recs[i] = []core.Row{row.New().Add(
			d.cell(6, a.Check, bodyBold),
			d.cell(7, a.By, body),
			d.cell(3, string(a.Date), body),
			d.cell(3, string(a.Expires), body),
			d.badge(5, status, c.fg, c.bg),
		), row.New().Add(blank(6), d.cellN(18, "Statement: "+a.Statement, small, 8)), rule()}
	}
	note := "A person's statement for a check that cannot be probed. It counts until the end of its expiry date; on " + at.Format(time.DateOnly) + ", the date of this pack, " + expiredNote(nExpired, len(atts))
	d.table(append(d.subtitle("Attestations"), d.para(note, body)), attestationCols, recs, "No attestations.")

	var ws []manifest.Waiver
	if b.Manifest != nil {
		ws = b.Manifest.Waivers
	}
	recs = make([][]core.Row, len(ws))
	nExpired = 0
	for i, w := range ws {
		status, c, exp := validity(w.Expires, at)
		if exp {
			nExpired++
		}
		subject := w.Subject
		if subject == "" {
			subject = "every subject"
		}
		recs[i] = []core.Row{row.New().Add(
			d.cell(6, w.Check, bodyBold),
			d.cell(7, w.Owner, body),
			d.cell(3, string(w.Date), body),
			d.cell(3, string(w.Expires), body),
			d.badge(5, status, c.fg, c.bg),
		), row.New().Add(blank(6), d.cellN(18, "Subject: "+subject+"  ·  Accepts: "+waived(b.Results, w, exp)+"  ·  Reason: "+w.Reason, small, 8)), rule()}
	}
	note = "A named person accepting a known failure. The result stays a failure, marked WAIVED, and stops counting against the verdict and the answers until the end of the expiry date; on " + at.Format(time.DateOnly) + ", the date of this pack, " + expiredNote(nExpired, len(ws))
	d.table(append(d.subtitle("Waivers"), d.para(note, body)), waiverCols, recs, "No waivers: every failure counts.")

	rs := withPrefix(b.Results, "ops")
	known := map[string]bool{}
	for _, t := range topics {
		known[t.id] = true
	}
	var other []check.Result
	for _, r := range rs {
		if !known[r.ID] {
			other = append(other, r)
		}
	}
	if len(other) > 0 {
		d.table(d.subtitle("Other operations results"), resultCols, d.resultRecords(other), "")
	}
	return start
}
