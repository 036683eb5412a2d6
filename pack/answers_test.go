package pack

import (
	"strings"
	"testing"
	"time"

	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/manifest"
)

func TestAnswer(t *testing.T) {
	q := Question{ID: "SEC-1", Section: "Security controls", Text: "Labeled?", Checks: []string{"tool.write-labeled", "tool.egress-labeled"}}
	probedPass := func(subject string) check.Result {
		return check.Result{ID: "tool.write-labeled", Subject: subject, Status: check.Pass, Basis: check.Probed, Evidence: []check.EvidenceID{"H0002"}}
	}
	tests := []struct {
		name      string
		results   []check.Result
		answer    string
		basis     check.Basis
		explains  string
		evidences int
	}{
		{
			name:    "all probed passes give yes",
			results: []check.Result{probedPass("tool:a"), probedPass("tool:b")},
			answer:  bundle.Yes, basis: check.Probed, explains: "All 2 results passed", evidences: 1,
		},
		{
			name: "one failure gives no, quoting it",
			results: []check.Result{probedPass("tool:a"),
				{ID: "tool.egress-labeled", Subject: "tool:send", Status: check.Fail, Basis: check.Probed, Detail: "openWorldHint is false.", Evidence: []check.EvidenceID{"H0003"}}},
			answer: bundle.No, basis: check.Probed, explains: "tool.egress-labeled (tool:send, fail): openWorldHint is false.", evidences: 2,
		},
		{
			name: "a declared pass makes it partial with the weaker basis",
			results: []check.Result{probedPass("tool:a"),
				{ID: "tool.egress-labeled", Subject: "tool:b", Status: check.Pass, Basis: check.Declared, Detail: "declared only"}},
			answer: bundle.Partial, basis: check.Declared, explains: "pass, declared only", evidences: 1,
		},
		{
			name: "a warning makes it partial",
			results: []check.Result{probedPass("tool:a"),
				{ID: "tool.egress-labeled", Subject: "tool:b", Status: check.Warn, Basis: check.Probed, Detail: "hmm", Evidence: []check.EvidenceID{"H0002"}}},
			answer: bundle.Partial, basis: check.Probed, explains: "(tool:b, warn)", evidences: 1,
		},
		{
			name:    "only n/a results give n.a. with the reason",
			results: []check.Result{{ID: "tool.write-labeled", Subject: "app", Status: check.NA, Basis: check.Declared, Detail: "no tools."}},
			answer:  bundle.NA, basis: check.Declared, explains: "Does not apply: no tools.",
		},
		{
			name:    "no results at all give n.a. and say so",
			results: []check.Result{{ID: "auth.prm", Subject: "app", Status: check.Fail, Basis: check.Probed}},
			answer:  bundle.NA, basis: check.Absent, explains: "No result was produced",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := answer(q, tt.results)
			if a.Answer != tt.answer || a.Basis != tt.basis {
				t.Fatalf("answer = %s (%s), want %s (%s); explanation %q", a.Answer, a.Basis, tt.answer, tt.basis, a.Explanation)
			}
			if !strings.Contains(a.Explanation, tt.explains) {
				t.Errorf("explanation %q does not contain %q", a.Explanation, tt.explains)
			}
			if len(a.Evidence) != tt.evidences {
				t.Errorf("evidence = %v, want %d items", a.Evidence, tt.evidences)
			}
		})
	}
}

// TestLapse: answering a pack later, an attestation or a waiver that has
// expired since no longer counts; one still running does.
func TestLapse(t *testing.T) {
	m := &manifest.Manifest{
		Attestations: []manifest.Attestation{
			{Check: "ops.monitoring", By: "A", Expires: "2027-01-01"},
			{Check: "ops.audit-logs", By: "B", Expires: "2027-01-01"},
			{Check: "ops.audit-logs", By: "C", Expires: "2029-01-01"},
		},
	}
	waived := func(expires string) *check.Waiver { return &check.Waiver{Owner: "W", Expires: expires} }
	for _, tt := range []struct {
		name      string
		r         check.Result
		now       time.Time
		basis     check.Basis
		waived    bool
		explained bool
	}{
		{"expired attestation", check.Result{ID: "ops.monitoring", Status: check.Pass, Basis: check.Attested}, time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC), check.Declared, false, true},
		{"one attestation still running", check.Result{ID: "ops.audit-logs", Status: check.Pass, Basis: check.Attested}, time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC), check.Attested, false, false},
		{"before expiry", check.Result{ID: "ops.monitoring", Status: check.Pass, Basis: check.Attested}, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), check.Attested, false, false},
		{"no time given", check.Result{ID: "ops.monitoring", Status: check.Pass, Basis: check.Attested}, time.Time{}, check.Attested, false, false},
		{"expired waiver", check.Result{ID: "tool.naming", Status: check.Fail, Basis: check.Probed, Waiver: waived("2027-06-01")}, time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC), check.Probed, false, true},
		{"running waiver", check.Result{ID: "tool.naming", Status: check.Fail, Basis: check.Probed, Waiver: waived("2029-06-01")}, time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC), check.Probed, true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rs := []check.Result{tt.r}
			lapse(rs, m, tt.now)
			r := rs[0]
			if r.Basis != tt.basis || (r.Waiver != nil) != tt.waived || strings.Contains(r.Detail, "no longer counts") != tt.explained {
				t.Errorf("got basis %s, waiver %v, detail %q", r.Basis, r.Waiver, r.Detail)
			}
		})
	}
}
