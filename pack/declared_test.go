package pack

import (
	"strings"
	"testing"
	"time"

	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/live"
	"github.com/dossier-dev/dossier/pack/manifest"
	"github.com/dossier-dev/dossier/templates"
)

func TestListingAvailability(t *testing.T) {
	p, err := ParsePlatform(templates.Platform())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		plans   []string
		regions []string
		want    check.Status
		says    string
	}{
		{"consumer plans outside the EU", []string{"free", "plus"}, []string{"non-EU", "US"}, check.Pass, "agree"},
		{"enterprise over-claim", []string{"plus", "Enterprise"}, nil, check.Fail, "plan Enterprise"},
		{"EU over-claim", []string{"plus"}, []string{"DE"}, check.Fail, "region DE"},
		{"nothing claimed", nil, nil, check.NA, "nothing to compare"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &manifest.Manifest{App: manifest.App{Plans: tt.plans, Regions: tt.regions}}
			r := listingAvailability(m, p)
			if r.Status != tt.want || !strings.Contains(r.Detail, tt.says) {
				t.Fatalf("got %s %q, want %s containing %q", r.Status, r.Detail, tt.want, tt.says)
			}
		})
	}
}

func TestTokenLifecycleComparesObservedLifetime(t *testing.T) {
	yes := true
	m := &manifest.Manifest{Server: manifest.Server{Auth: manifest.Auth{
		Mode: manifest.AuthOAuth, TokenLifetime: "1h", RefreshRotation: &yes, Revocation: "RFC 7009 endpoint",
	}}}
	if r := tokenLifecycle(m, &live.OAuth{TokenExpiresIn: 3600}); r.Status != check.Pass {
		t.Errorf("1h token, 1h declared: %s %q", r.Status, r.Detail)
	}
	if r := tokenLifecycle(m, &live.OAuth{TokenExpiresIn: 86400}); r.Status != check.Fail || !strings.Contains(r.Detail, "longer than declared") {
		t.Errorf("24h token, 1h declared: %s %q", r.Status, r.Detail)
	}
	m.Server.Auth.Revocation = ""
	if r := tokenLifecycle(m, nil); r.Status != check.Fail || !strings.Contains(r.Detail, "revocation") {
		t.Errorf("no revocation: %s %q", r.Status, r.Detail)
	}
}

func TestAttestations(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	rs := []check.Result{
		{ID: "ops.monitoring", Subject: "app", Status: check.Pass, Basis: check.Declared, Detail: "Declared."},
		{ID: "ops.audit-logs", Subject: "app", Status: check.Pass, Basis: check.Declared, Detail: "Declared."},
		{ID: "ops.environments", Subject: "app", Status: check.Fail, Basis: check.Declared, Detail: "Missing."},
	}
	atts := []manifest.Attestation{
		{Check: "ops.monitoring", By: "Ada", Date: "2026-10-01", Expires: "2027-10-01", Statement: "Pager on."},
		{Check: "ops.audit-logs", By: "Bo", Date: "2025-01-01", Expires: "2026-11-30", Statement: "Kept."},
		{Check: "ops.environments", By: "Cy", Date: "2026-10-01", Expires: "2027-10-01", Statement: "Trust me."},
	}
	attest(rs, atts, now)
	if rs[0].Basis != check.Attested || !strings.Contains(rs[0].Detail, "Attested by Ada") {
		t.Errorf("valid attestation: %+v", rs[0])
	}
	if rs[1].Basis != check.Declared || !strings.Contains(rs[1].Detail, "expired on 2026-11-30") {
		t.Errorf("expired attestation: %+v", rs[1])
	}
	if rs[2].Status != check.Fail || rs[2].Basis != check.Declared {
		t.Errorf("an attestation must not turn a failure into a pass: %+v", rs[2])
	}
}

func TestWaivers(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	rs := []check.Result{
		{ID: "tool.egress-labeled", Subject: "tool:send", Status: check.Fail, Basis: check.Probed, Detail: "No openWorldHint."},
		{ID: "tool.egress-labeled", Subject: "tool:post", Status: check.Fail, Basis: check.Probed, Detail: "No openWorldHint."},
		{ID: "listing.terms", Subject: "app", Status: check.Fail, Basis: check.Declared, Detail: "No terms."},
		{ID: "ops.monitoring", Subject: "app", Status: check.Pass, Basis: check.Declared, Detail: "Declared."},
	}
	ws := []manifest.Waiver{
		{Check: "tool.egress-labeled", Subject: "tool:send", Owner: "Ada (CISO)", Reason: "Fix ships 2027-01.", Date: "2026-11-01", Expires: "2027-01-31"},
		{Check: "listing.terms", Owner: "Bo", Reason: "Legal review.", Date: "2026-01-01", Expires: "2026-06-30"},
		{Check: "ops.monitoring", Owner: "Cy", Reason: "n/a", Date: "2026-01-01", Expires: "2027-06-30"},
	}
	waive(rs, ws, now)
	if rs[0].Waiver == nil || rs[0].Status != check.Fail || rs[0].Counts() || !strings.Contains(rs[0].Detail, "Waived by Ada (CISO)") {
		t.Errorf("waived failure: %+v", rs[0])
	}
	if rs[1].Waiver != nil || !rs[1].Counts() {
		t.Errorf("a waiver for one subject covered another: %+v", rs[1])
	}
	if rs[2].Waiver != nil || !rs[2].Counts() || !strings.Contains(rs[2].Detail, "expired on 2026-06-30") {
		t.Errorf("expired waiver: %+v", rs[2])
	}
	if rs[3].Waiver != nil {
		t.Errorf("a pass cannot be waived: %+v", rs[3])
	}

	q := Question{ID: "SEC-1", Checks: []string{"tool.egress-labeled"}}
	if a := answer(q, rs[:1]); a.Answer != "partial" || !strings.Contains(a.Explanation, "Waived by") {
		t.Errorf("answer on a waived failure = %s: %s", a.Answer, a.Explanation)
	}
	s := summarize(rs[:1], rs[:1], nil)
	if s.Waived != 1 || !strings.HasPrefix(s.Verdict, "No open failures") || !strings.Contains(s.Verdict, "1 waived failure") {
		t.Errorf("summary of a waived red flag: %+v", s)
	}
}
