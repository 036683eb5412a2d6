package pdf

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dossier-dev/dossier/pack/check"
)

// TestRenderScopeMapSharedReason checks that the scope map says the most
// common reason scope enforcement was not run once, with the number of
// tools it applies to, and still gives every other tool's line: another
// not-applicable reason and a pass.
func TestRenderScopeMapSharedReason(t *testing.T) {
	const n = 40
	b := bigFixture(n)
	common := "Not run: the tool is not listed as callable in probe.callable."
	for i := range n {
		r := check.Result{ID: "auth.scope-enforcement", Subject: fmt.Sprintf("tool:tool_%04d", i), Status: check.NA, Basis: check.Declared, Detail: common}
		switch {
		case i < 3:
			r.Detail = fmt.Sprintf("The manifest declares no scope for tool_%04d.", i)
		case i < 5:
			r.Status, r.Basis, r.Detail = check.Pass, check.Probed, fmt.Sprintf("A token without scope.read was refused with 403 (tool_%04d).", i)
		}
		b.Results = append(b.Results, r)
	}
	check.Sort(b.Results)
	flat := words(extract(t, render(t, mustRender(t, b))))
	start := strings.LastIndex(flat, "Scope map One record per tool")
	end := strings.LastIndex(flat, "Identity and access")
	if start < 0 || end < start {
		t.Fatalf("no scope map (at %d, %d)", start, end)
	}
	sec := flat[start:end]
	want := fmt.Sprintf("Enforced is na without a line below for %d tools: Scope enforcement (declared): %s", n-5, common)
	if !strings.Contains(sec, want) {
		t.Errorf("the shared reason is not said once with its count %q: %.800s", want, sec)
	}
	if c := strings.Count(sec, common); c != 1 {
		t.Errorf("the shared reason is given %d times, want once", c)
	}
	for i := range 5 {
		if !strings.Contains(sec, fmt.Sprintf("tool_%04d)", i)) && !strings.Contains(sec, fmt.Sprintf("for tool_%04d.", i)) {
			t.Errorf("tool_%04d: its own scope-enforcement line is missing", i)
		}
	}
}
