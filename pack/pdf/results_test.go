package pdf

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/live"
	"github.com/dossier-dev/dossier/pack/manifest"
)

// TestRenderResultsByTool checks the compact list of tool results: one
// record per tool whose counts are right, whose probed passes are named
// in one line, in which every other result of that tool (and of no other
// tool) is spelled out with its check and detail, a shared reason given
// once with all its checks, failures before the rest; and that results
// about the app keep a record each.
func TestRenderResultsByTool(t *testing.T) {
	b := bigFixture(0)
	const n = 40
	app := check.Result{ID: "listing.terms", Subject: "app", Status: check.Fail, Basis: check.Declared, Severity: check.Low, Detail: "No terms-of-service URL is declared."}
	b.Results = []check.Result{app}
	type want struct {
		counts, passed string
		spelled        []check.Result // each must be in the tool's record
		once           string         // a detail given once for two checks
	}
	wants := map[string]want{}
	for i := range n {
		name := fmt.Sprintf("tool_%04d", i)
		subj := "tool:" + name
		pass := []check.Result{
			{ID: "tool.naming", Subject: subj, Status: check.Pass, Basis: check.Probed, Evidence: []check.EvidenceID{"E0002", "E0001"}, Detail: "Well formed."},
			{ID: "tool.annotations-explicit", Subject: subj, Status: check.Pass, Basis: check.Probed, Evidence: []check.EvidenceID{"E0001"}, Detail: "All three hints are booleans."},
		}
		na := []check.Result{
			{ID: "auth.scope-enforcement", Subject: subj, Status: check.NA, Basis: check.Declared, Detail: "Not run: the tool is not listed as callable in probe.callable."},
			{ID: "tool.input-validation", Subject: subj, Status: check.NA, Basis: check.Declared, Detail: "Not run: the tool is not listed as callable in probe.callable."},
			{ID: "tool.egress-labeled", Subject: subj, Status: check.NA, Basis: check.Declared, Detail: "Not declared as sending data outside the app."},
		}
		w := want{counts: "5 result(s): 2 pass, 3 na", passed: "Passed, probed (2): tool.annotations-explicit, tool.naming. Evidence: E0001, E0002.", spelled: na,
			once: "auth.scope-enforcement, tool.input-validation: Not run: the tool is not listed as callable in probe.callable."}
		rs := append(pass, na...)
		switch i % 4 {
		case 1:
			f := check.Result{ID: "tool.write-labeled", Subject: subj, Status: check.Fail, Basis: check.Probed, Severity: check.High, Evidence: []check.EvidenceID{"E0001"}, Detail: fmt.Sprintf("%s changes data but says readOnlyHint=true (case %d).", name, i)}
			rs = append(rs, f)
			w.counts = "6 result(s): 2 pass, 1 fail, 3 na"
			w.spelled = append(w.spelled, f)
		case 2:
			e := check.Result{ID: "data.result-hygiene", Subject: subj, Status: check.Error, Basis: check.Probed, Detail: fmt.Sprintf("Calling %s timed out after 10s; raise --call-timeout (case %d).", name, i)}
			m := check.Result{ID: "evidence.confirmation", Subject: subj, Status: check.Manual, Basis: check.Probed, Detail: fmt.Sprintf("Judge the prompt of %s by eye (case %d).", name, i)}
			rs = append(rs, m, e)
			w.counts = "7 result(s): 2 pass, 1 manual, 3 na, 1 error"
			w.spelled = append(w.spelled, e, m)
		case 3:
			d := check.Result{ID: "tool.output-schema", Subject: subj, Status: check.Pass, Basis: check.Declared, Detail: fmt.Sprintf("The manifest says %s returns a schema (case %d).", name, i)}
			rs = append(rs, d)
			w.counts = "6 result(s): 3 pass, 3 na"
			w.spelled = append(w.spelled, d)
		}
		b.Results = append(b.Results, rs...)
		wants[subj] = w
	}
	check.Sort(b.Results)
	b.Summary = summarize(b.Results, "40 tools.")
	path := render(t, mustRender(t, b))
	flat := words(extract(t, path))

	start := strings.LastIndex(flat, "Results by tool:")
	end := strings.LastIndex(flat, "Evidence index")
	if start < 0 || end < start {
		t.Fatalf("no results by tool before the appendix (at %d, %d)", start, end)
	}
	if i := strings.LastIndex(flat[:start], "listing.terms"); i < 0 || !strings.Contains(flat[i:start], app.Detail) {
		t.Errorf("the app's result lost its own record: %s", flat[max(0, i):start])
	}
	sec := flat[start:end]
	layout := extract(t, path, "-layout")
	byTool := layout[strings.LastIndex(layout, "Results by tool:"):]
	if !strings.Contains(sec, fmt.Sprintf("%d result(s) about %d tool(s)", len(b.Results)-1, n)) {
		t.Errorf("the heading does not count the tool results: %.120s", sec)
	}
	for i := range n {
		subj := fmt.Sprintf("tool:tool_%04d", i)
		at := strings.Index(sec, subj+" ")
		if at < 0 {
			t.Errorf("%s has no record", subj)
			continue
		}
		rec := sec[at:]
		if next := strings.Index(rec[len(subj):], fmt.Sprintf("tool:tool_%04d ", i+1)); next >= 0 {
			rec = rec[:len(subj)+next]
		}
		w := wants[subj]
		if !strings.HasPrefix(rec, subj+" "+w.counts) {
			t.Errorf("%s: record starts %.80q, want the counts %q", subj, rec, w.counts)
		}
		if !strings.Contains(rec, w.passed) {
			t.Errorf("%s: the probed passes are not named as %q", subj, w.passed)
		}
		for _, r := range w.spelled {
			if !strings.Contains(rec, r.ID) || !strings.Contains(rec, r.Detail) {
				t.Errorf("%s: %s %s (%q) is not spelled out in its record: %s", subj, r.ID, r.Status, r.Detail, rec)
			}
			// A failure, an error or a manual result has a record of its
			// own, as in the summary: check, subject, status, basis.
			own := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(r.ID) + `\s+` + regexp.QuoteMeta(subj) + `\s+` + string(r.Status) + `\s+` + string(r.Basis) + `\b`)
			if r.Status != check.Pass && r.Status != check.NA && !own.MatchString(byTool) {
				t.Errorf("%s: no line of its own reading %s %s %s %s", subj, r.ID, subj, r.Status, r.Basis)
			}
		}
		if c := strings.Count(rec, w.once); c != 1 {
			t.Errorf("%s: the shared reason is given %d times, want once with both checks: %s", subj, c, rec)
		}
		// Worst first: a failure or an error comes before what does not apply.
		for _, s := range []string{"fail", "error"} {
			if f, na := strings.Index(rec, " "+s+" "), strings.Index(rec, w.once); f >= 0 && f > na {
				t.Errorf("%s: the %s comes after the results that do not apply", subj, s)
			}
		}
		// No other tool's unique details leak into this record.
		for j := range n {
			if j != i && strings.Contains(rec, fmt.Sprintf("(case %d)", j)) {
				t.Errorf("%s: holds a result of tool_%04d", subj, j)
			}
		}
	}
}

// TestRenderDataAtScale checks the data section of a pack of many tools:
// one line per input field with the tool, the field, its type, whether it
// is required, the stated purpose and the server's description; and the
// data.* results about single tools counted by check while a failing one
// keeps its record.
func TestRenderDataAtScale(t *testing.T) {
	const n = 30
	b := bigFixture(0)
	b.Observation.Tools = nil
	b.Manifest.Tools = nil
	b.Results = nil
	for i := range n {
		name := fmt.Sprintf("tool_%04d", i)
		b.Observation.Tools = append(b.Observation.Tools, live.Tool{Name: name, Fields: []live.Field{
			{Name: "limit", Type: "integer", Description: fmt.Sprintf("at most this many (case %d)", i)},
			{Name: "query", Type: "string", Required: true, Description: "what to look for"},
		}})
		b.Manifest.Tools = append(b.Manifest.Tools, manifest.Tool{Name: name, Kind: manifest.KindRead,
			Inputs: map[string]manifest.Input{"limit": {Purpose: "page size"}, "query": {Purpose: "search terms"}}})
		subj := "tool:" + name
		b.Results = append(b.Results,
			check.Result{ID: "data.minimization", Subject: subj, Status: check.Pass, Basis: check.Probed, Detail: "Every input field (2) has a declared purpose."},
			check.Result{ID: "data.result-hygiene", Subject: subj, Status: check.NA, Basis: check.Declared, Detail: "Not run: the tool is not listed as callable in probe.callable."})
	}
	bad := check.Result{ID: "data.sensitive-fields", Subject: "tool:tool_0007", Status: check.Fail, Basis: check.Probed, Severity: check.High, Detail: `Field "query" of tool_0007 asks for a card number.`}
	b.Results = append(b.Results, bad)
	check.Sort(b.Results)
	b.Summary = summarize(b.Results, "30 tools.")
	path := render(t, mustRender(t, b))
	layout := extract(t, path, "-layout")
	for i := range n {
		for _, re := range []string{
			fmt.Sprintf(`(?m)^\s*tool_%04d\s+limit\s+integer\s+no\s+page size\s+at most this many \(case %d\)\s*$`, i, i),
			fmt.Sprintf(`(?m)^\s*tool_%04d\s+query\s+string\s+yes\s+(RESTRICTED DATA.*|search terms\s+what to look for)\s*$`, i),
		} {
			if !regexp.MustCompile(re).MatchString(layout) {
				t.Errorf("no field line matching %s", re)
			}
		}
	}
	flat := words(extract(t, path))
	sec := flat[strings.LastIndex(flat, "Results of the data handling checks"):]
	sec = sec[:strings.Index(sec, "Operations")]
	if want := fmt.Sprintf("Results of the data handling checks (%d)", 2*n+1); !strings.HasPrefix(sec, want) {
		t.Errorf("section starts %.60q, want %q", sec, want)
	}
	if want := fmt.Sprintf("data.minimization: pass %d; data.result-hygiene: na %d.", n, n); !strings.Contains(sec, want) {
		t.Errorf("the per-tool results are not counted as %q: %s", want, sec)
	}
	if !strings.Contains(sec, bad.Detail) || !strings.Contains(sec, bad.Subject) {
		t.Errorf("the failing data result is not spelled out: %s", sec)
	}
	if strings.Contains(sec, "tool:tool_0008") {
		t.Errorf("a passing tool has its own record: %s", sec)
	}
}
