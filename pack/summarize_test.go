package pack

import (
	"strings"
	"testing"

	"github.com/dossier-dev/dossier/pack/check"
)

// TestVerdictCountsUnjudged: every verdict names the checks that could not
// be judged, and a run that holds some never reads "No failures".
func TestVerdictCountsUnjudged(t *testing.T) {
	res := func(id string, s check.Status) check.Result {
		return check.Result{ID: id, Subject: "app", Status: s, Severity: check.High, Basis: check.Probed}
	}
	flag := check.Result{ID: "data.sensitive-fields", Subject: "tool:x", Status: check.Fail, Severity: check.Critical, Basis: check.Probed}
	tests := []struct {
		name    string
		rs      []check.Result
		flags   []check.Result
		want    []string
		notWant string
	}{
		{"clean", []check.Result{res("auth.prm", check.Pass)}, nil, []string{"No failures: 1 passed."}, "judged"},
		{"errors only", []check.Result{res("auth.prm", check.Pass), res("auth.audience", check.Error), res("auth.scope-enforcement", check.Error)}, nil,
			[]string{"Incomplete: no failures among the checks that ran, but 2 checks could not be judged."}, "No failures"},
		{"failures and errors", []check.Result{res("auth.prm", check.Fail), res("auth.audience", check.Error)}, nil,
			[]string{"Not ready: 1 failing check, no red flags.", "1 check could not be judged."}, "No failures"},
		{"red flag and errors", []check.Result{flag, res("auth.audience", check.Error), res("auth.scope-enforcement", check.Error)}, []check.Result{flag},
			[]string{"Not ready: 1 red flag and 1 failing check.", "2 checks could not be judged."}, "No failures"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := summarize(tt.rs, tt.flags, []string{"X is not set; set it or use --login dcr"})
			for _, w := range tt.want {
				if !strings.Contains(s.Verdict, w) {
					t.Errorf("verdict %q does not say %q", s.Verdict, w)
				}
			}
			if strings.Contains(s.Verdict, tt.notWant) {
				t.Errorf("verdict %q says %q", s.Verdict, tt.notWant)
			}
			if len(s.Needs) != 1 {
				t.Errorf("needs %q", s.Needs)
			}
		})
	}
}
