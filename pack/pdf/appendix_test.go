package pdf

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dossier-dev/dossier/pack/live"
)

// TestRenderSkippedGrouped checks the appendix's probes not run: each
// probe and reason given once with the number of its subjects, and every
// subject listed, also past the first row of subjects.
func TestRenderSkippedGrouped(t *testing.T) {
	const n = 150 // more than two rows of skipsPerRow
	b := fixture()
	b.Observation.Skipped = nil
	reason := "not run: the tool is not listed as callable in probe.callable"
	for i := range n {
		for _, p := range []string{"auth.scope-enforcement", "tool.input-validation"} {
			b.Observation.Skipped = append(b.Observation.Skipped, live.Skip{Probe: p, Subject: fmt.Sprintf("tool:t%04d", i), Reason: reason})
		}
	}
	b.Observation.Skipped = append(b.Observation.Skipped, live.Skip{Probe: "auth.audience", Subject: "app", Reason: "needs a token minted for another resource"})
	flat := words(extract(t, render(t, mustRender(t, b))))
	start := strings.LastIndex(flat, fmt.Sprintf("Probes not run (%d)", 2*n+1))
	end := strings.LastIndex(flat, "Bounds hit")
	if start < 0 || end < start {
		t.Fatalf("no probes not run section (at %d, %d)", start, end)
	}
	sec := flat[start:end]
	for _, p := range []string{"auth.scope-enforcement", "tool.input-validation"} {
		want := fmt.Sprintf("%s %s (%d subjects)", p, reason, n)
		if c := strings.Count(sec, want); c != 1 {
			t.Errorf("%q is given %d times, want once", want, c)
		}
	}
	if !strings.Contains(sec, "auth.audience needs a token minted for another resource app") {
		t.Errorf("a probe skipped for one subject is not listed with it: %.300s", sec)
	}
	for i := range n {
		s := fmt.Sprintf("tool:t%04d,", i)
		if i == n-1 {
			s = strings.TrimSuffix(s, ",")
		}
		if c := strings.Count(sec, s); c != 2 {
			t.Errorf("%s is listed %d times, want once for each of its two probes", s, c)
		}
	}
}
