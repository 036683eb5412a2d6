package pdf

import (
	"fmt"
	"slices"
	"strings"

	"github.com/johnfercher/maroto/v2/pkg/components/row"
	"github.com/johnfercher/maroto/v2/pkg/core"

	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/check"
)

// results lists every result. Results about the app, a widget or a URL
// have one record each, grouped as in the check catalogue. Results about a
// tool have one record per tool: a server of 1,000 tools has some 15,000
// tool results, which took 750 pages one per result (half the document, and
// half of its memory) while nearly all of them are passes and a few
// "not applicable" reasons repeated for every tool. A tool's record counts
// its probed passes and names their checks, gives each non-applicable
// reason (and each declared or attested pass) once with the checks it
// applies to, and spells out every failure, warning, error and manual
// result as the summary does. pack.json keeps every result whole.
func results(d *doc, b *bundle.Bundle) int {
	lead := append(d.title("All results"), d.para("Every result of every check, grouped as in the check catalogue, "+
		"which says what each check looks at, when it fails and the remedy: "+check.DocURL+" (each check ID is an anchor, as in #tool.write-labeled). "+
		"Results about a tool are gathered in one record per tool, after the others: its passes counted, every other result spelled out. "+
		"pack.json holds each result with its detail and evidence.", body))
	if len(b.Results) == 0 {
		d.place(append(lead, d.para("No results.", body)), nil)
		return d.page
	}
	var other []check.Result
	byTool := map[string][]check.Result{}
	for _, r := range b.Results {
		if strings.HasPrefix(r.Subject, toolSubject) {
			byTool[r.Subject] = append(byTool[r.Subject], r)
		} else {
			other = append(other, r)
		}
	}
	start := 0
	order, byPrefix := groupResults(other)
	for _, g := range order {
		rs := byPrefix[g.prefix]
		l := d.subtitle(fmt.Sprintf("%s (%s.*): %d result(s)", g.title, g.prefix, len(rs)))
		if start == 0 {
			l = append(lead, l...)
		}
		if p := d.table(l, resultCols, d.resultRecords(rs), ""); start == 0 {
			start = p
		}
	}
	if len(byTool) == 0 {
		return start
	}
	tools := make([]string, 0, len(byTool))
	n := 0
	for t, rs := range byTool {
		tools = append(tools, t)
		n += len(rs)
	}
	slices.Sort(tools)
	l := append(d.subtitle(fmt.Sprintf("Results by tool: %d result(s) about %d tool(s)", n, len(tools))),
		d.para("One record per tool: its result counts, the checks it passed as probed, then every other result, worst first; "+
			"results with the same status, basis and detail are given once, with the checks they came from.", body))
	if start == 0 {
		l = append(lead, l...)
	}
	// Each tool's record is made and placed in turn, rather than gathered
	// into one list of records first as table does.
	head := func() []core.Row { return []core.Row{d.headRow(toolCols)} }
	for i, t := range tools {
		rec := d.toolRecord(t, byTool[t])
		if i == 0 {
			d.place(append(append(l, head()...), rec...), nil)
			if start == 0 {
				start = d.page
			}
			continue
		}
		d.place(rec, head)
	}
	return start
}

// toolCols head the records by tool.
var toolCols = []column{{"Tool; its results other than probed passes", 13}, {"Results by status", 11}}

// toolSubject starts the subject of a result about a tool.
const toolSubject = "tool:"

// spelledOut reports whether r gets a record of its own inside its tool's
// record: anything a reviewer must read one by one.
func spelledOut(r check.Result) bool {
	switch {
	case r.Waiver != nil:
		return true
	case r.Status == check.Pass, r.Status == check.NA:
		return false
	}
	return true
}

// outcome is results of one tool that read the same: their checks and
// what they share.
type outcome struct {
	ids []string
	r   check.Result // the first; its ID is ids[0]
}

// toolRecord is one tool's results: a line with the subject and the counts
// by status, the checks it passed as probed, then each failure, warning,
// error and manual result as its own record, worst first, then the other
// results (not applicable, passes only declared or attested) one line per
// distinct status, basis, severity, detail and evidence.
func (d *doc) toolRecord(subject string, rs []check.Result) []core.Row {
	count := map[check.Status]int{}
	var passed []string
	var passEv []check.EvidenceID
	var own []check.Result
	var same []*outcome
	for _, r := range rs {
		count[r.Status]++
		switch {
		case spelledOut(r):
			own = append(own, r)
		case r.Status == check.Pass && r.Basis == check.Probed:
			passed = append(passed, r.ID)
			passEv = append(passEv, r.Evidence...)
		default:
			i := slices.IndexFunc(same, func(o *outcome) bool {
				return o.r.Status == r.Status && o.r.Basis == r.Basis && o.r.Severity == r.Severity &&
					o.r.Detail == r.Detail && slices.Equal(o.r.Evidence, r.Evidence)
			})
			if i < 0 {
				same = append(same, &outcome{r: r})
				i = len(same) - 1
			}
			same[i].ids = append(same[i].ids, r.ID)
		}
	}
	var counts []string
	for _, s := range statuses {
		if count[s] > 0 {
			counts = append(counts, fmt.Sprintf("%d %s", count[s], s))
		}
	}
	rows := []core.Row{row.New().Add(
		d.cell(13, subject, bodyBold),
		d.cell(11, fmt.Sprintf("%d result(s): %s", len(rs), strings.Join(counts, ", ")), bodyBold),
	)}
	if len(passed) > 0 {
		line := fmt.Sprintf("Passed, probed (%d): %s.", len(passed), strings.Join(passed, ", "))
		if len(passEv) > 0 {
			slices.Sort(passEv)
			line += " Evidence: " + ids(slices.Compact(passEv)) + "."
		}
		rows = append(rows, row.New().Add(blank(1), d.cell(gridSize-1, line, small)))
	}
	slices.SortStableFunc(own, func(a, b check.Result) int { return b.Status.Rank() - a.Status.Rank() })
	for _, r := range own {
		rec := d.resultRecord(r)
		rows = append(rows, rec[:len(rec)-1]...) // the tool's record ends with the rule
	}
	for _, o := range same {
		r := o.r
		line := strings.Join(o.ids, ", ") + ": " + r.Detail
		if r.Severity != "" {
			line += " Severity: " + string(r.Severity) + "."
		}
		if len(r.Evidence) > 0 {
			line += " Evidence: " + ids(r.Evidence) + "."
		}
		rows = append(rows, row.New().Add(blank(1), d.statusBadge(2, r), d.basisBadge(3, r.Basis), d.cell(18, line, body)))
	}
	return append(rows, rule())
}

// topicResults is the table of a topic's results under heading: each
// result has its record, except passes and not-applicable results about a
// single tool, which are counted by check (a server of 1,000 tools has a
// thousand of each); every one of them is in its tool's record under All
// results.
func (d *doc) topicResults(heading string, rs []check.Result, none string) {
	var full []check.Result
	var ids []string
	tally := map[string]map[check.Status]int{}
	for _, r := range rs {
		if !strings.HasPrefix(r.Subject, toolSubject) || spelledOut(r) {
			full = append(full, r)
			continue
		}
		if tally[r.ID] == nil {
			tally[r.ID] = map[check.Status]int{}
			ids = append(ids, r.ID)
		}
		tally[r.ID][r.Status]++
	}
	lead := d.subtitle(fmt.Sprintf("%s (%d)", heading, len(rs)))
	if len(ids) == 0 {
		d.table(lead, resultCols, d.resultRecords(full), none)
		return
	}
	var parts []string
	for _, id := range ids {
		var by []string
		for _, s := range statuses {
			if n := tally[id][s]; n > 0 {
				by = append(by, fmt.Sprintf("%s %d", s, n))
			}
		}
		parts = append(parts, id+": "+strings.Join(by, ", "))
	}
	counted := d.para("Passes and not-applicable results about single tools, counted by check (each is in its tool's record under All results): "+strings.Join(parts, "; ")+".", body)
	if len(full) == 0 {
		d.place(append(lead, counted), nil)
		return
	}
	d.table(append(lead, counted), resultCols, d.resultRecords(full), "")
}
