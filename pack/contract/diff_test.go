package contract

import (
	"maps"
	"slices"
	"testing"

	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/live"
)

// TestResultChanges: each way a result can move between two packs lands
// in its group with the severity at stake, groups in order (failing,
// unjudged, passing) and worst first inside each; what did not move, and
// resubmit.contract, are left out.
func TestResultChanges(t *testing.T) {
	r := func(id, subject string, s check.Status, sev check.Severity) check.Result {
		return check.Result{ID: id, Subject: subject, Status: s, Severity: sev, Detail: id + " " + string(s)}
	}
	old := []check.Result{
		r("tool.destructive-labeled", "tool:cancel", check.Pass, ""),
		r("tool.write-labeled", "tool:note", check.Pass, ""),
		r("tool.naming", "tool:note", check.Warn, ""),
		r("auth.prm", "app", check.Fail, check.High),
		r("listing.terms", "app", check.Pass, ""),
		r("auth.pkce-s256", "app", check.Pass, ""),
		r("listing.metadata", "app", check.Fail, check.Medium),
		r("resubmit.contract", "app", check.Pass, ""),
		r("data.minimization", "tool:note", check.Fail, check.Medium),
	}
	new := []check.Result{
		r("tool.destructive-labeled", "tool:cancel", check.Fail, check.High),
		r("tool.write-labeled", "tool:note", check.Fail, check.Critical),
		r("tool.naming", "tool:note", check.Fail, check.Medium), // warn → fail is worse
		r("auth.prm", "app", check.Pass, ""),
		r("listing.terms", "app", check.Error, ""),
		r("auth.pkce-s256", "app", check.Pass, ""),
		r("listing.metadata", "app", check.NA, ""),
		r("resubmit.contract", "tool:note", check.Fail, check.Medium),
		r("data.minimization", "tool:note", check.Fail, check.Medium), // still failing: no change
		r("tool.declared", "tool:new", check.Warn, ""),                // a new subject, warning
	}
	got := ResultChanges(old, new)
	var lines []string
	for _, c := range got {
		lines = append(lines, c.Change+" "+string(c.Severity)+" "+c.ID+" "+c.Subject+" "+string(c.Old)+"→"+string(c.New))
	}
	want := []string{
		"newly-failing critical tool.write-labeled tool:note pass→fail",
		"newly-failing high tool.declared tool:new →warn", // the catalogue's severity: the warn carries none
		"newly-failing high tool.destructive-labeled tool:cancel pass→fail",
		"newly-failing medium tool.naming tool:note warn→fail",
		"newly-unjudged low listing.terms app pass→error",
		"newly-passing high auth.prm app fail→pass",
		"newly-passing medium listing.metadata app fail→na",
	}
	if !slices.Equal(lines, want) {
		t.Errorf("result changes:\n%q\nwant\n%q", lines, want)
	}
	if got[0].Detail != "tool.write-labeled fail" {
		t.Errorf("detail %q, want the new result's", got[0].Detail)
	}
	if n := ResultChanges(new, new); len(n) != 0 {
		t.Errorf("a pack compared with itself: %+v", n)
	}
}

// TestChangedClaimsCarryASeverity: a check that fails now carries its
// failure's severity, a contract change needing re-submission
// resubmit.contract's, any other change info; confirmed claims carry none.
func TestChangedClaimsCarryASeverity(t *testing.T) {
	old := &bundle.Bundle{Observation: observation(), Results: []check.Result{
		{ID: "tool.destructive-labeled", Subject: "tool:put", Status: check.Pass, Basis: check.Probed},
		{ID: "tool.naming", Subject: "tool:get", Status: check.Pass, Basis: check.Probed},
	}}
	old.Observation.Server.Reached = true
	old.Observation.OAuth = &live.OAuth{Issuer: "https://as.example"}
	new := &bundle.Bundle{Observation: observation(), Results: []check.Result{
		{ID: "tool.destructive-labeled", Subject: "tool:put", Status: check.Fail, Severity: check.High, Detail: "destructiveHint false"},
		{ID: "tool.naming", Subject: "tool:get", Status: check.Pass},
	}}
	new.Observation.Server.Reached = true
	new.Observation.Tools[1].Hints.Destructive = ptr(false)
	new.Observation.OAuth = &live.OAuth{Issuer: "https://as2.example"}
	got := map[string]check.Severity{}
	for _, c := range ClaimsWith(old, new, ClaimOptions{}) {
		if c.Status != Changed {
			if c.Severity != "" {
				t.Errorf("%s %s is %s with severity %s", c.Subject, c.Claim, c.Status, c.Severity)
			}
			continue
		}
		got[c.Subject+" "+c.Claim] = c.Severity
	}
	want := map[string]check.Severity{
		"tool:put check tool.destructive-labeled": check.High,
		"tool:put annotations":                    check.Medium, // resubmit.contract's
		"app issuer":                              check.Info,
	}
	if !maps.Equal(got, want) {
		t.Errorf("changed claims' severities %v, want %v", got, want)
	}
}
