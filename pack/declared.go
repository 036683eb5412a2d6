package pack

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/dossier-dev/dossier/internal/english"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/live"
	"github.com/dossier-dev/dossier/pack/manifest"
)

// Platform is the platform facts file (templates/platform.yaml).
type Platform struct {
	AsOf   string `yaml:"asOf"`
	Source string `yaml:"source"`
	Plans  struct {
		Available             []string `yaml:"available"`
		NotGenerallyAvailable []string `yaml:"notGenerallyAvailable"`
	} `yaml:"plans"`
	Regions struct {
		NotGenerallyAvailable []string `yaml:"notGenerallyAvailable"`
	} `yaml:"regions"`
}

// ParsePlatform reads the platform facts file.
func ParsePlatform(data []byte) (*Platform, error) {
	var p Platform
	if err := yaml.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("reading platform facts: %w", err)
	}
	return &p, nil
}

// declared judges the checks that rest on the manifest alone (and, for the
// token lifecycle, on what the probe saw of the token it obtained).
func declared(m *manifest.Manifest, obs live.Observation, p *Platform) []check.Result {
	var rs []check.Result
	rs = append(rs, listingMetadata(m), listingAvailability(m, p))
	rs = append(rs, dataRetention(m), dataLogRedaction(m))
	rs = append(rs, tokenLifecycle(m, obs.OAuth), authOIDC(m), authRBAC(m))
	rs = append(rs, operations(m)...)
	return rs
}

func result(id, subject string, st check.Status, basis check.Basis, detail string) check.Result {
	r := check.Result{ID: id, Subject: subject, Status: st, Basis: basis, Detail: detail}
	if st == check.Fail || st == check.Warn {
		if d, ok := check.Lookup(id); ok {
			r.Severity = d.Severity
		}
	}
	return r
}

// unfilled fails check id while a manifest field it rests on is still a
// placeholder (init's TODO): a draft never passes for what the vendor has
// yet to say.
func unfilled(m *manifest.Manifest, id string) (check.Result, bool) {
	us := m.Unfilled(id)
	if len(us) == 0 {
		return check.Result{}, false
	}
	return result(id, "app", check.Fail, check.Declared, manifest.UnfilledText(us)), true
}

var unstableWording = regexp.MustCompile(`(?i)\b(beta|alpha|trial|preview|demo|experimental|prototype)\b`)

func listingMetadata(m *manifest.Manifest) check.Result {
	const id = "listing.metadata"
	if r, ok := unfilled(m, id); ok {
		return r
	}
	var missing []string
	for _, f := range []struct{ name, v string }{
		{"name", m.App.Name}, {"vendor", m.App.Vendor}, {"version", m.App.Version}, {"description", m.App.Description},
	} {
		if strings.TrimSpace(f.v) == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return result(id, "app", check.Fail, check.Declared, "The listing lacks "+strings.Join(missing, ", ")+".")
	}
	for _, f := range []struct{ name, v string }{
		{"name", m.App.Name}, {"version", m.App.Version}, {"description", m.App.Description},
	} {
		if w := unstableWording.FindString(f.v); w != "" {
			return result(id, "app", check.Fail, check.Declared,
				fmt.Sprintf("The app's %s says %q; the directory accepts only stable apps, not beta, trial or preview ones.", f.name, w))
		}
	}
	return result(id, "app", check.Pass, check.Declared,
		fmt.Sprintf("Name, vendor, version and description are declared (%s %s by %s), with no beta or trial wording.", m.App.Name, m.App.Version, m.App.Vendor))
}

func listingAvailability(m *manifest.Manifest, p *Platform) check.Result {
	const id = "listing.availability"
	if len(m.App.Plans) == 0 && len(m.App.Regions) == 0 {
		return result(id, "app", check.NA, check.Absent, "The manifest claims no plans or regions, so there is nothing to compare with the platform facts.")
	}
	var over []string
	for _, plan := range m.App.Plans {
		if containsFold(p.Plans.NotGenerallyAvailable, plan) {
			over = append(over, "plan "+plan)
		}
	}
	for _, region := range m.App.Regions {
		if containsFold(p.Regions.NotGenerallyAvailable, region) {
			over = append(over, "region "+region)
		}
	}
	if len(over) > 0 {
		return result(id, "app", check.Fail, check.Declared,
			fmt.Sprintf("The manifest claims availability on %s, which the platform facts of %s list as not generally available.", strings.Join(over, ", "), p.AsOf))
	}
	return result(id, "app", check.Pass, check.Declared,
		fmt.Sprintf("Claimed plans (%s) and regions (%s) agree with the platform facts of %s.",
			orNone(m.App.Plans), orNone(m.App.Regions), p.AsOf))
}

func dataRetention(m *manifest.Manifest) check.Result {
	const id = "data.retention"
	if r, ok := unfilled(m, id); ok {
		return r
	}
	var problems []string
	if len(m.Data.Categories) == 0 {
		problems = append(problems, "no data categories with retention windows are declared")
	}
	if m.Data.Deletion == nil {
		problems = append(problems, "no deletion process is declared")
	}
	if len(problems) > 0 {
		return result(id, "app", check.Fail, check.Declared, capitalize(strings.Join(problems, "; "))+".")
	}
	var parts []string
	for _, c := range m.Data.Categories {
		parts = append(parts, fmt.Sprintf("%s %s", c.Name, c.Retention))
	}
	return result(id, "app", check.Pass, check.Declared,
		fmt.Sprintf("Retention is declared for %d %s (%s); deletion on request within %s.",
			len(m.Data.Categories), english.Plural(len(m.Data.Categories), "category", "categories"), strings.Join(parts, ", "), m.Data.Deletion.Within))
}

func dataLogRedaction(m *manifest.Manifest) check.Result {
	const id = "data.log-redaction"
	if r, ok := unfilled(m, id); ok {
		return r
	}
	var missing []string
	if strings.TrimSpace(m.Data.LogRedaction) == "" {
		missing = append(missing, "log redaction")
	}
	if strings.TrimSpace(m.Data.CorrelationIDs) == "" {
		missing = append(missing, "correlation IDs")
	}
	if len(missing) > 0 {
		return result(id, "app", check.Fail, check.Declared, "The manifest does not describe "+strings.Join(missing, " or ")+".")
	}
	return result(id, "app", check.Pass, check.Declared, "Log redaction and correlation IDs are described; nothing outside the server can confirm them.")
}

func tokenLifecycle(m *manifest.Manifest, oa *live.OAuth) check.Result {
	const id = "auth.token-lifecycle"
	a := m.Server.Auth
	if a.Mode == manifest.AuthNone {
		return result(id, "app", check.NA, check.Declared, "The server declares no sign-in.")
	}
	if r, ok := unfilled(m, id); ok {
		return r
	}
	var missing []string
	if a.TokenLifetime == "" {
		missing = append(missing, "access-token lifetime")
	}
	if a.RefreshRotation == nil {
		missing = append(missing, "refresh-token rotation")
	}
	if strings.TrimSpace(a.Revocation) == "" {
		missing = append(missing, "revocation")
	}
	if len(missing) > 0 {
		return result(id, "app", check.Fail, check.Declared, "The manifest does not declare "+strings.Join(missing, ", ")+".")
	}
	declaredLife, err := a.TokenLifetime.Std()
	if err != nil {
		return result(id, "app", check.Fail, check.Declared, fmt.Sprintf("The declared token lifetime %q cannot be read: %v.", a.TokenLifetime, err))
	}
	rotation := "not rotated"
	if *a.RefreshRotation {
		rotation = "rotated on use"
	}
	detail := fmt.Sprintf("Declared: access tokens live %s, refresh tokens are %s, revocation: %s.", a.TokenLifetime, rotation, a.Revocation)
	if oa != nil && oa.TokenExpiresIn > 0 {
		observed := time.Duration(oa.TokenExpiresIn) * time.Second
		if observed > declaredLife {
			return result(id, "app", check.Fail, check.Declared,
				fmt.Sprintf("%s The token the probe obtained lives %s, longer than declared.", detail, observed))
		}
		detail += fmt.Sprintf(" The token the probe obtained lives %s, within the declared lifetime.", observed)
	}
	return result(id, "app", check.Pass, check.Declared, detail)
}

func authOIDC(m *manifest.Manifest) check.Result {
	const id = "auth.oidc"
	a := m.Server.Auth
	if a.Mode == manifest.AuthNone {
		return result(id, "app", check.NA, check.Declared, "The server declares no sign-in.")
	}
	if a.Issuer == "" {
		return result(id, "app", check.Fail, check.Declared, "No identity provider issuer is declared.")
	}
	if a.OIDCDiscovery == "" {
		return result(id, "app", check.Pass, check.Declared, fmt.Sprintf("The issuer %s is declared; no OIDC discovery URL is given (the OAuth metadata serves instead).", a.Issuer))
	}
	return result(id, "app", check.Pass, check.Declared, fmt.Sprintf("The issuer %s and its discovery document %s are declared.", a.Issuer, a.OIDCDiscovery))
}

func authRBAC(m *manifest.Manifest) check.Result {
	const id = "auth.rbac"
	if !m.App.Workspace {
		return result(id, "app", check.NA, check.Declared, "The app is not declared as an internal workspace connector.")
	}
	if r, ok := unfilled(m, id); ok {
		return r
	}
	if strings.TrimSpace(m.Server.Auth.RBAC) == "" {
		return result(id, "app", check.Fail, check.Declared, "A workspace connector must describe its roles and the admin-only publishing workflow; the manifest does not.")
	}
	return result(id, "app", check.Pass, check.Declared, "Roles and the publishing workflow are described: "+m.Server.Auth.RBAC)
}

func operations(m *manifest.Manifest) []check.Result {
	o := m.Operations
	var contacts []string
	for _, c := range o.Incident {
		s := c.Name
		if c.Role != "" {
			s += " (" + c.Role + ")"
		}
		if c.Email != "" {
			s += " <" + c.Email + ">"
		}
		contacts = append(contacts, s)
	}
	patch := ""
	if o.PatchPolicy != nil {
		patch = fmt.Sprintf("critical fixes within %s", o.PatchPolicy.Critical)
		if o.PatchPolicy.Description != "" {
			patch += "; " + o.PatchPolicy.Description
		}
	}
	items := []struct{ id, value, missing string }{
		{"ops.environments", strings.Join(o.Environments, ", "), "No environments are described."},
		{"ops.patch-policy", patch, "No patch policy with a time bound for critical fixes is declared."},
		{"ops.monitoring", o.Monitoring, "No monitoring or alerting is described."},
		{"ops.incident-response", strings.Join(contacts, "; "), "No incident contacts are named."},
		{"ops.audit-logs", o.AuditLogs, "Audit logging is not described."},
	}
	var rs []check.Result
	for _, it := range items {
		if r, ok := unfilled(m, it.id); ok {
			rs = append(rs, r)
			continue
		}
		if strings.TrimSpace(it.value) == "" {
			rs = append(rs, result(it.id, "app", check.Fail, check.Declared, it.missing))
			continue
		}
		rs = append(rs, result(it.id, "app", check.Pass, check.Declared, "Declared: "+it.value+"."))
	}
	return rs
}

// attest raises declared passes to attested where a named person vouched
// for the check and the attestation has not expired; an expired one stops
// counting and says so.
func attest(rs []check.Result, atts []manifest.Attestation, now time.Time) {
	for i := range rs {
		r := &rs[i]
		for _, a := range atts {
			if a.Check != r.ID {
				continue
			}
			lapsed, err := a.Expires.Lapsed(now)
			if err != nil {
				continue
			}
			if lapsed {
				r.Detail += fmt.Sprintf(" An attestation by %s expired on %s and no longer counts.", a.By, a.Expires)
				continue
			}
			if r.Status == check.Pass && r.Basis == check.Declared {
				r.Basis = check.Attested
				r.Detail += fmt.Sprintf(" Attested by %s on %s (until %s): %s", a.By, a.Date, a.Expires, a.Statement)
			}
		}
	}
}

// waive marks failures that a named person accepted; an expired waiver
// stops counting and says so. A waiver never changes a status: the
// failure is still shown as one.
func waive(rs []check.Result, ws []manifest.Waiver, now time.Time) {
	for i := range rs {
		r := &rs[i]
		if r.Status != check.Fail {
			continue
		}
		for _, w := range ws {
			if w.Check != r.ID || (w.Subject != "" && w.Subject != r.Subject) {
				continue
			}
			lapsed, err := w.Expires.Lapsed(now)
			if err != nil {
				continue
			}
			if lapsed {
				r.Detail += fmt.Sprintf(" A waiver by %s expired on %s and no longer counts.", w.Owner, w.Expires)
				continue
			}
			r.Waiver = &check.Waiver{Owner: w.Owner, Reason: w.Reason, Date: string(w.Date), Expires: string(w.Expires)}
			r.Detail += fmt.Sprintf(" Waived by %s on %s until %s: %s", w.Owner, w.Date, w.Expires, w.Reason)
			break
		}
	}
}

func containsFold(list []string, s string) bool {
	return slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, s) })
}

func orNone(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return strings.Join(list, ", ")
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
