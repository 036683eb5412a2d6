package pack

import (
	"strings"
	"testing"

	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/check"
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
