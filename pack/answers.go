package pack

import (
	"fmt"
	"sort"
	"strings"

	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/check"
)

// basisRank orders bases from weakest to strongest.
func basisRank(b check.Basis) int {
	switch b {
	case check.Probed:
		return 3
	case check.Attested:
		return 2
	case check.Declared:
		return 1
	}
	return 0
}

// answer derives one question's answer from the results of its checks:
// no when any fails, yes when every applicable result passes on probed or
// attested ground, partial otherwise, n.a. when nothing applies. The answer
// carries the weakest basis among the results it rests on.
func answer(q Question, results []check.Result) bundle.Answer {
	a := bundle.Answer{ID: q.ID, Section: q.Section, Question: q.Text, Checks: q.Checks}
	want := map[string]bool{}
	for _, id := range q.Checks {
		want[id] = true
	}
	var applicable, na []check.Result
	for _, r := range results {
		if !want[r.ID] {
			continue
		}
		if r.Status == check.NA {
			na = append(na, r)
			continue
		}
		applicable = append(applicable, r)
	}
	if len(applicable) == 0 {
		a.Answer = bundle.NA
		a.Basis = check.Absent
		if len(na) > 0 {
			a.Basis = na[0].Basis
			a.Explanation = "Does not apply: " + na[0].Detail
		} else {
			a.Explanation = "No result was produced for " + strings.Join(q.Checks, ", ") + "."
		}
		return a
	}

	a.Basis = check.Probed
	var failed, weak []check.Result
	for _, r := range applicable {
		if basisRank(r.Basis) < basisRank(a.Basis) {
			a.Basis = r.Basis
		}
		switch {
		case r.Counts():
			failed = append(failed, r)
		case r.Status != check.Pass || r.Basis == check.Declared || r.Basis == check.Absent:
			weak = append(weak, r)
		}
		a.Evidence = append(a.Evidence, r.Evidence...)
	}
	a.Evidence = uniqueEvidence(a.Evidence)
	switch {
	case len(failed) > 0:
		a.Answer = bundle.No
		a.Explanation = explain(len(applicable), "fails", "fail", failed)
	case len(weak) > 0:
		a.Answer = bundle.Partial
		a.Explanation = explain(len(applicable), "rests on weaker ground", "rest on weaker ground", weak)
	default:
		a.Answer = bundle.Yes
		a.Explanation = fmt.Sprintf("All %d %s passed (%s).", len(applicable), plural(len(applicable), "result", "results"), a.Basis)
	}
	return a
}

// explain says how many of n results are in trouble and quotes the first.
func explain(n int, one, many string, rs []check.Result) string {
	first := rs[0]
	s := fmt.Sprintf("%d of %d %s %s. %s (%s, %s): %s", len(rs), n, plural(n, "result", "results"), plural(len(rs), one, many),
		first.ID, first.Subject, describeStatus(first), first.Detail)
	if len(rs) > 1 {
		s += fmt.Sprintf(" And %d more.", len(rs)-1)
	}
	return s
}

func describeStatus(r check.Result) string {
	if r.Status == check.Pass {
		return "pass, " + string(r.Basis) + " only"
	}
	return string(r.Status)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func uniqueEvidence(ids []check.EvidenceID) []check.EvidenceID {
	if len(ids) == 0 {
		return nil
	}
	seen := map[check.EvidenceID]bool{}
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
