package pdf

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/johnfercher/maroto/v2/pkg/components/col"
	"github.com/johnfercher/maroto/v2/pkg/components/row"
	"github.com/johnfercher/maroto/v2/pkg/consts/align"
	"github.com/johnfercher/maroto/v2/pkg/consts/border"
	"github.com/johnfercher/maroto/v2/pkg/core"
	"github.com/johnfercher/maroto/v2/pkg/props"

	"github.com/dossier-dev/dossier/internal/english"
	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/live"
)

// Each section is one function that adds its rows to d, in document order.

// colors is a badge's text and fill.
type colors struct{ fg, bg *props.Color }

func rgb(r, g, b int) *props.Color { return &props.Color{Red: r, Green: g, Blue: b} }

// statusColors gives each status its badge; a result that is only declared
// gets the pale variant, so that it never looks observed.
func statusColors(s check.Status, basis check.Basis) colors {
	c := map[check.Status][2]colors{
		check.Pass:   {{colWhite, rgb(0x2e, 0x7d, 0x32)}, {rgb(0x1b, 0x5e, 0x20), rgb(0xdc, 0xef, 0xdc)}},
		check.Fail:   {{colWhite, rgb(0xc6, 0x28, 0x28)}, {rgb(0xb7, 0x1c, 0x1c), rgb(0xfb, 0xdd, 0xdd)}},
		check.Warn:   {{colBlack, rgb(0xf9, 0xa8, 0x25)}, {rgb(0x8d, 0x5a, 0x00), rgb(0xfd, 0xef, 0xc8)}},
		check.Manual: {{colWhite, rgb(0x5e, 0x35, 0xb1)}, {rgb(0x4a, 0x28, 0x8f), rgb(0xe8, 0xe0, 0xf6)}},
		check.NA:     {{colWhite, rgb(0x75, 0x75, 0x75)}, {rgb(0x42, 0x42, 0x42), rgb(0xe6, 0xe6, 0xe6)}},
		check.Error:  {{colWhite, rgb(0x37, 0x47, 0x4f)}, {rgb(0x26, 0x32, 0x38), rgb(0xdd, 0xe3, 0xe6)}},
	}[s]
	if c[0].bg == nil {
		return colors{colBlack, colHead}
	}
	if basis == check.Declared {
		return c[1]
	}
	return c[0]
}

func basisColors(b check.Basis) colors {
	switch b {
	case check.Probed:
		return colors{colWhite, rgb(0x15, 0x65, 0xc0)}
	case check.Declared:
		return colors{rgb(0x6d, 0x4c, 0x00), rgb(0xff, 0xf1, 0xb8)}
	case check.Attested:
		return colors{colWhite, rgb(0x00, 0x79, 0x6b)}
	}
	return colors{colBlack, rgb(0xe0, 0xe0, 0xe0)}
}

func answerColors(a string) colors {
	switch a {
	case bundle.Yes:
		return statusColors(check.Pass, check.Probed)
	case bundle.No:
		return statusColors(check.Fail, check.Probed)
	case bundle.Partial:
		return statusColors(check.Warn, check.Probed)
	}
	return statusColors(check.NA, check.Probed)
}

func (d *doc) statusBadge(span int, r check.Result) core.Col {
	c := statusColors(r.Status, r.Basis)
	return d.badge(span, orDash(string(r.Status)), c.fg, c.bg)
}

// waivedColors mark a failure a named person accepted: still a failure,
// but no longer counted.
var waivedColors = colors{colWhite, rgb(0xe6, 0x51, 0x00)}

// waivedStyle is the line that says who waived a failure.
var waivedStyle = style{size: 8, bold: true, color: rgb(0xbf, 0x36, 0x0c)}

// waivedBy says who accepted a failure, until when and why; the date it
// was accepted is in the Operations section's list of waivers.
func waivedBy(w *check.Waiver) string {
	return "waived by " + orDash(w.Owner) + " until " + orDash(w.Expires) + ": " + orDash(w.Reason)
}

// waiverNote is "WAIVED — waived by …" for a waived result, or "".
func waiverNote(r check.Result) string {
	if r.Waiver == nil {
		return ""
	}
	return "WAIVED — " + waivedBy(r.Waiver)
}

func (d *doc) basisBadge(span int, b check.Basis) core.Col {
	c := basisColors(b)
	return d.badge(span, orDash(string(b)), c.fg, c.bg)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func ids(es []check.EvidenceID) string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = string(e)
	}
	return strings.Join(s, ", ")
}

// statuses is the order statuses are counted in.
var statuses = []check.Status{check.Pass, check.Fail, check.Warn, check.Manual, check.NA, check.Error}

// severities is the order severities are counted in.
var severities = []check.Severity{check.Critical, check.High, check.Medium, check.Low, check.Info}

// section is one part of the document: its heading, as the contents name
// it, and the function that lays it out and returns the page it starts on.
type section struct {
	title  string
	render func(*doc, *bundle.Bundle) int
}

// sections are the document's parts in order, after the cover and the
// contents. The changes since the last submission are there only when the
// pack was compared with one.
func sections(b *bundle.Bundle) []section {
	secs := []section{{"Summary", summary}}
	if b.Changes != nil {
		secs = append(secs, section{"Changes since the last submission", changes})
	}
	secs = withSubmission(secs, b)
	return append(secs, []section{
		{"Questionnaire answers", answers},
		{"Scope map", scopeMap},
		{"Identity and access", identity},
		{"Data and retention", dataRetention},
		{"Operations", operations},
		{"Widgets and evidence", widgets},
		{"All results", results},
		{"Appendix", appendix},
	}...)
}

// cover is the first page: what was reviewed, when, by which tool, the pack
// it belongs to, and the verdict.
func cover(d *doc, b *bundle.Bundle, opts Options) {
	d.push(spacer(22))
	d.push(d.para("SECURITY REVIEW PACK", style{size: 10, bold: true, color: colGray}))
	d.push(row.New().Add(d.cellN(gridSize, orDash(b.App.Name), style{size: 24, bold: true, color: colBlack}, 3)))
	d.push(d.para("by "+orDash(b.App.Vendor)+"  ·  version "+orDash(b.App.Version), style{size: 11, color: colBlack}))
	d.push(spacer(8))

	digest := opts.PackDigest
	if digest == "" {
		digest = "not supplied by the writer of this PDF"
	}
	kvs := [][2]string{
		{"App", b.App.Name},
		{"Vendor", b.App.Vendor},
		{"Version", b.App.Version},
		{"Server URL", serverURL(b)},
		{"Probed", when(b.Created)},
		{"Tool", strings.TrimSpace(b.Generator.Name + " " + b.Generator.Version)},
		{"pack.json SHA-256", digest},
		{"Signature", signature(b.Signature)},
	}
	if c := b.Changes; c != nil {
		kvs = append(kvs, [2]string{"Since the last submission", since(c)})
	}
	coverFacts(d, kvs)
	coverVerdict(d, "Verdict", b.Summary)

	d.push(d.para("Results by status", style{size: 9, bold: true, color: colGray}))
	counts := row.New()
	for _, s := range statuses {
		c := statusColors(s, check.Probed)
		counts.Add(d.badge(4, fmt.Sprintf("%s %d", s, b.Summary.ByStatus[s]), c.fg, c.bg))
	}
	d.push(counts)
	d.push(spacer(2))
	d.push(d.para(fmt.Sprintf("Red flags: %d  ·  Failing results by severity: %s  ·  Waived failures: %d  ·  Results probed: %d, declared only: %d  ·  Tools: %d  ·  Evidence items: %d",
		len(b.RedFlags), severityLine(b.Summary.BySeverity), b.Summary.Waived, b.Summary.Probed, b.Summary.Declared, len(b.Tools), len(b.Evidence)), body))
	d.push(spacer(8))
	d.push(d.para("Everything in this document is rendered from pack.json, the machine-readable form of this pack; the SHA-256 above identifies that file. Text that came from the server under test is shown as data: control characters are removed and characters the embedded fonts cannot draw appear as \uFFFD.", small))
}

// coverFacts lays out the cover's label and value pairs.
func coverFacts(d *doc, kvs [][2]string) {
	for _, kv := range kvs {
		d.push(row.New().Add(
			d.cell(6, kv[0], style{size: 9, bold: true, color: colGray}),
			d.cellN(18, orDash(kv[1]), style{size: 9, color: colBlack}, 4),
		))
	}
	d.push(spacer(8))
}

// coverVerdict lays out the pack's verdict under label, and what could
// not be judged, so a clean verdict with errors never reads as clean.
func coverVerdict(d *doc, label string, s bundle.Summary) {
	d.push(d.para(label, style{size: 9, bold: true, color: colGray}))
	d.push(row.New().Add(d.cellN(gridSize, orDash(s.Verdict), style{size: 12, bold: true, color: colBlack}, 6).
		WithStyle(&props.Cell{BorderType: border.Left, BorderColor: colBlack, BorderThickness: 0.8})))
	d.push(spacer(6))
	if lines := unjudgedLines(s); len(lines) > 0 {
		d.push(d.para(lines[0], style{size: 9, bold: true, color: colBlack}))
		for _, l := range lines[1:] {
			d.push(d.para("• "+l, body))
		}
		d.push(spacer(6))
	}
}

// signature says who signed the pack and how a reader checks it. The PDF
// cannot vouch for itself: the signature covers SHA256SUMS, which covers
// pack.json and this document, so the check is dossier verify's.
func signature(s *bundle.Signature) string {
	if s == nil {
		return "Not signed: nothing vouches for who made this pack"
	}
	alg := ""
	if s.Algorithm != "" {
		alg = " (" + s.Algorithm + ")"
	}
	return "Signed by key ID " + orDash(s.KeyID) + alg + " — verify with: dossier verify PACK --pubkey KEY.pub"
}

// since is the cover's line on the comparison with the last submitted pack.
func since(c *bundle.Changes) string {
	s := fmt.Sprintf("compared with the pack of %s (%s %s): %d %s",
		c.Since.Created.UTC().Format(time.DateOnly), orDash(c.Since.App), orDash(c.Since.Version), len(c.Changes), english.Plural(len(c.Changes), "change", "changes"))
	if c.Resubmit {
		return s + ", re-submission needed"
	}
	return s + ", no re-submission needed"
}

// contentsPage lists the sections with the page each starts on; the page
// numbers go into pageOf once the sections are laid out. A legend of the
// badges follows.
func contentsPage(d *doc, secs []section, pageOf []string) {
	d.push(d.title("Contents")...)
	for i, s := range secs {
		p := textProps(style{size: 10, color: colBlack})
		p.Align = align.Right
		d.push(row.New().Add(d.cell(12, s.title, style{size: 10, color: colBlack}), col.New(2).Add(&lateText{value: &pageOf[i], prop: p})))
	}
	d.push(spacer(8))

	d.push(d.subtitle("How to read the basis of a result or an answer")...)
	for _, l := range [][2]string{
		{string(check.Probed), "observed on the live server or in the browser; evidence attached"},
		{string(check.Declared), "taken from the vendor's manifest only; not observed (shown in pale colours)"},
		{string(check.Attested), "a named person vouched for it, with a date and an expiry"},
		{string(check.Absent), "nothing to go on"},
	} {
		d.push(row.New().Add(d.basisBadge(3, check.Basis(l[0])), blank(1), d.cell(20, l[1], body)))
	}
	d.push(spacer(4))
	d.push(d.subtitle("Statuses")...)
	for _, l := range []struct {
		s    check.Status
		text string
	}{
		{check.Pass, "the check passed"},
		{check.Fail, "the check failed; the severity says how much it matters"},
		{check.Warn, "a weakness that does not fail the check"},
		{check.Manual, "a person must judge; nothing automated can"},
		{check.NA, "does not apply, or the probe was not run; the detail says why"},
		{check.Error, "the probe itself could not run (timeout, refused connection)"},
	} {
		c := statusColors(l.s, check.Probed)
		d.push(row.New().Add(d.badge(3, string(l.s), c.fg, c.bg), blank(1), d.cell(20, l.text, body)))
	}
	d.push(row.New().Add(d.badge(3, "WAIVED", waivedColors.fg, waivedColors.bg), blank(1),
		d.cell(20, "beside fail: a named person accepted it until a date; still a failure, it no longer counts", body)))
	d.push(spacer(4))
	d.push(d.subtitle("Answers")...)
	for _, l := range [][2]string{
		{bundle.Yes, "every check the question maps to passed"},
		{bundle.No, "at least one of its checks failed"},
		{bundle.Partial, "some checks are only declared, or warn"},
		{bundle.NA, "the question does not apply; the explanation says why"},
	} {
		c := answerColors(l[0])
		d.push(row.New().Add(d.badge(3, l[0], c.fg, c.bg), blank(1), d.cell(20, l[1], body)))
	}
}

// serverURL is the probed URL, or the declared one when the probe recorded none.
func serverURL(b *bundle.Bundle) string {
	if b.Observation.Server.URL != "" {
		return b.Observation.Server.URL
	}
	if b.Manifest != nil {
		return b.Manifest.Server.URL
	}
	return ""
}

// when is a time as the document prints it.
func when(t time.Time) string {
	if t.IsZero() {
		return "not recorded"
	}
	return t.UTC().Format(time.DateTime) + " UTC"
}

// severityLine counts failing results by severity, highest first.
func severityLine(by map[check.Severity]int) string {
	var sev []string
	for _, s := range severities {
		if n := by[s]; n > 0 {
			sev = append(sev, fmt.Sprintf("%s %d", s, n))
		}
	}
	if len(sev) == 0 {
		return "none"
	}
	return strings.Join(sev, ", ")
}

// pageHeader is shown at the top of every page after the cover.
func pageHeader(d *doc, b *bundle.Bundle, title string) []core.Row {
	right := title
	if !b.Created.IsZero() {
		right += "  ·  probed " + b.Created.UTC().Format(time.DateOnly)
	}
	return []core.Row{
		row.New().Add(
			d.line(14, orDash(b.App.Name), style{size: 8, bold: true, color: colBlack}),
			d.line(10, right, style{size: 7, color: colGray, align: align.Right}),
		).WithStyle(&props.Cell{BorderType: border.Bottom, BorderColor: colRule, BorderThickness: 0.3}),
		spacer(2),
	}
}

// resultCols are the columns of a table of results.
// The status heading spans the status badge and, for a waived failure, the
// WAIVED badge beside it.
var resultCols = []column{{"Check", 6}, {"Subject", 7}, {"Status", 5}, {"Basis", 3}, {"Severity", 3}}

// resultRecord is one result: a line with the check, subject and badges,
// then the detail and the evidence.
func (d *doc) resultRecord(r check.Result) []core.Row {
	sev := string(r.Severity)
	if sev == "" {
		sev = "—"
	}
	// The first line stays one line high, so the badges keep their shape;
	// what does not fit is repeated in full below.
	detail := r.Detail
	if w := r.Waiver; w != nil {
		// The pack stage appends the waiver to the detail in these words;
		// the line under the badges says it already.
		detail = strings.TrimSuffix(detail, fmt.Sprintf(" Waived by %s on %s until %s: %s", w.Owner, w.Date, w.Expires, w.Reason))
	}
	if r.Basis == check.Declared {
		where := "the manifest"
		if strings.HasPrefix(r.ID, "submission.") {
			where = "the plugin package or the manifest"
		}
		detail = "Declared in " + where + ", not observed. " + detail
	}
	id, subj := d.line(6, r.ID, bodyBold), d.line(7, r.Subject, body)
	if d.cut(6, r.ID, bodyBold) {
		detail = "Check: " + r.ID + ". " + detail
	}
	if d.cut(7, r.Subject, body) {
		detail = "Subject: " + r.Subject + ". " + detail
	}
	waived := blank(2)
	if r.Waiver != nil {
		waived = d.badge(2, "WAIVED", waivedColors.fg, waivedColors.bg)
	}
	rows := []core.Row{row.New().Add(
		id,
		subj,
		d.statusBadge(3, r),
		waived,
		d.basisBadge(3, r.Basis),
		d.cell(3, sev, body),
	)}
	if note := waiverNote(r); note != "" {
		rows = append(rows, row.New().Add(d.cellN(gridSize, note, waivedStyle, 6)))
	}
	ev := "Evidence: none"
	if len(r.Evidence) > 0 {
		ev = "Evidence: " + ids(r.Evidence)
	}
	rows = append(rows, row.New().Add(d.cell(16, detail, body), d.cell(8, ev, small)), rule())
	return rows
}

// summary is the verdict at a glance: the red flags first, then the other
// failures and warnings, worst first, then the counts by status and
// severity and what was probed and what only declared.
func summary(d *doc, b *bundle.Bundle) int {
	lead := append(d.title("Summary"), row.New().Add(d.cellN(gridSize, orDash(b.Summary.Verdict), style{size: 10, bold: true, color: colBlack}, 6).
		WithStyle(&props.Cell{BorderType: border.Left, BorderColor: colBlack, BorderThickness: 0.8})))
	d.place(lead, nil)
	start := d.page

	red := style{size: 10, bold: true, color: rgb(0xc6, 0x28, 0x28)}
	if len(b.RedFlags) == 0 {
		d.place(append(d.subtitle("Red flags"), d.para("No red flags.", style{size: 10, bold: true, color: rgb(0x2e, 0x7d, 0x32)})), nil)
	} else {
		l := []core.Row{spacer(2), d.para(fmt.Sprintf("Red flags (%d%s)", len(b.RedFlags), waivedOf(b.RedFlags)), red),
			d.para("Findings a reviewer should see before anything else: a write or egress tool not labeled as a write, a missing privacy policy, restricted data requested, a widget sandbox escape, or an availability over-claim.", body)}
		d.table(l, resultCols, d.resultRecords(b.RedFlags), "")
	}

	// The other failures and warnings, worst first.
	flagged := map[string]bool{}
	for _, r := range b.RedFlags {
		flagged[r.ID+"\x00"+r.Subject] = true
	}
	var bad, warn []check.Result
	for _, r := range b.Results {
		switch {
		case flagged[r.ID+"\x00"+r.Subject]:
		case r.Failing():
			bad = append(bad, r)
		case r.Status == check.Warn:
			warn = append(warn, r)
		}
	}
	// Waived failures no longer count, so they follow the ones that do.
	sort.SliceStable(bad, func(i, j int) bool {
		if (bad[i].Waiver == nil) != (bad[j].Waiver == nil) {
			return bad[i].Waiver == nil
		}
		return bad[i].Severity.Rank() > bad[j].Severity.Rank()
	})
	d.table(d.subtitle(fmt.Sprintf("Other failures (%d%s)", len(bad), waivedOf(bad))), resultCols, d.resultRecords(bad), "No other failures.")
	const maxWarnings = 40 // the rest are in All results
	var unjudged []check.Result
	for _, r := range b.Results {
		if r.Status == check.Error {
			unjudged = append(unjudged, r)
		}
	}
	if len(unjudged) > 0 {
		l := d.subtitle(fmt.Sprintf("Could not be judged (%d)", len(unjudged)))
		l = append(l, d.para("Neither passes nor failures: a precondition of the check was not met. Each detail names what was missing and how to supply it.", small))
		for _, n := range b.Summary.Needs {
			l = append(l, d.para("• "+n, body))
		}
		if len(unjudged) > maxWarnings {
			l = append(l, d.para(fmt.Sprintf("The first %d; all %d are listed under All results.", maxWarnings, len(unjudged)), small))
			unjudged = unjudged[:maxWarnings]
		}
		d.table(l, resultCols, d.resultRecords(unjudged), "")
	}
	l := d.subtitle(fmt.Sprintf("Warnings (%d)", len(warn)))
	if len(warn) > maxWarnings {
		l = append(l, d.para(fmt.Sprintf("The first %d; all %d are listed under All results.", maxWarnings, len(warn)), small))
		warn = warn[:maxWarnings]
	}
	d.table(l, resultCols, d.resultRecords(warn), "No warnings.")
	// Counts by group and status, and by basis.
	type counts struct {
		status map[check.Status]int
		basis  map[check.Basis]int
		decl   []string // check IDs with a declared-only result
		total  int
	}
	order, byGroup := groupResults(b.Results)
	cs := map[string]*counts{}
	all := &counts{status: map[check.Status]int{}, basis: map[check.Basis]int{}}
	for _, g := range order {
		c := &counts{status: map[check.Status]int{}, basis: map[check.Basis]int{}}
		for _, r := range byGroup[g.prefix] {
			for _, x := range []*counts{c, all} {
				x.status[r.Status]++
				x.basis[r.Basis]++
				x.total++
			}
			// A result that does not apply rests on nothing worth naming here.
			if r.Basis == check.Declared && r.Status != check.NA && !slices.Contains(c.decl, r.ID) {
				c.decl = append(c.decl, r.ID)
			}
		}
		cs[g.prefix] = c
	}
	statusCols := []column{{"Group", 6}}
	for _, s := range statuses {
		statusCols = append(statusCols, column{string(s), 2})
	}
	statusCols = append(statusCols, column{"Total", 2}, column{"Failing by severity", 4})
	countRow := func(name string, c *counts, sev string, st style) core.Row {
		r := row.New().Add(d.cell(6, name, st))
		for _, s := range statuses {
			n := c.status[s]
			cst := st
			if n > 0 && (s == check.Fail || s == check.Error) {
				cst = style{size: st.size, bold: true, color: rgb(0xc6, 0x28, 0x28)}
			}
			r.Add(d.cell(2, strconv.Itoa(n), cst))
		}
		return r.Add(d.cell(2, strconv.Itoa(c.total), st), d.cell(4, sev, st))
	}
	var recs [][]core.Row
	for _, g := range order {
		sev := map[check.Severity]int{}
		for _, r := range byGroup[g.prefix] {
			if r.Failing() && r.Severity != "" {
				sev[r.Severity]++
			}
		}
		recs = append(recs, []core.Row{countRow(g.title, cs[g.prefix], severityLine(sev), body), rule()})
	}
	recs = append(recs, []core.Row{countRow("All results", all, severityLine(b.Summary.BySeverity), bodyBold)})
	d.table(append(d.subtitle("Results by status and severity"), d.para(fmt.Sprintf("Failing means fail or error; the severity is that of the failure. Waived failures: %d; they are counted as fail here, but a named person accepted them until a date, so they no longer count against the verdict.", b.Summary.Waived), small)), statusCols, recs, "No results.")

	basisCols := []column{{"Group", 6}, {"probed", 2}, {"declared", 2}, {"attested", 2}, {"absent", 2}, {"Checks resting on the manifest alone", 10}}
	recs = nil
	for _, g := range order {
		c := cs[g.prefix]
		decl := "—"
		if len(c.decl) > 0 {
			decl = strings.Join(c.decl, ", ")
		}
		recs = append(recs, []core.Row{row.New().Add(
			d.cell(6, g.title, body),
			d.cell(2, strconv.Itoa(c.basis[check.Probed]), body),
			d.cell(2, strconv.Itoa(c.basis[check.Declared]), body),
			d.cell(2, strconv.Itoa(c.basis[check.Attested]), body),
			d.cell(2, strconv.Itoa(c.basis[check.Absent]), body),
			d.cell(10, decl, small),
		), rule()})
	}
	recs = append(recs, []core.Row{row.New().Add(
		d.cell(6, "All results", bodyBold),
		d.cell(2, strconv.Itoa(all.basis[check.Probed]), bodyBold),
		d.cell(2, strconv.Itoa(all.basis[check.Declared]), bodyBold),
		d.cell(2, strconv.Itoa(all.basis[check.Attested]), bodyBold),
		d.cell(2, strconv.Itoa(all.basis[check.Absent]), bodyBold),
		blank(10),
	)})
	d.table(append(d.subtitle("What was probed and what was only declared"),
		d.para(fmt.Sprintf("%d result(s) rest on what the probe observed on the live server or in the browser; %d on the vendor's manifest alone, %d on a named person's attestation, and %d on nothing (not run, or not applicable).",
			all.basis[check.Probed], all.basis[check.Declared], all.basis[check.Attested], all.basis[check.Absent]), body)),
		basisCols, recs, "No results.")

	return start
}

// waivedOf is ", N waived" when some of rs are waived, or "".
func waivedOf(rs []check.Result) string {
	n := 0
	for _, r := range rs {
		if r.Waiver != nil {
			n++
		}
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(", %d waived", n)
}

// resultRecords is resultRecord for each result.
func (d *doc) resultRecords(rs []check.Result) [][]core.Row {
	recs := make([][]core.Row, len(rs))
	for i, r := range rs {
		recs[i] = d.resultRecord(r)
	}
	return recs
}

var answerCols = []column{{"ID", 3}, {"Question", 15}, {"Answer", 3}, {"Basis", 3}}

// answers is the questionnaire, grouped by section in bundle order.
func answers(d *doc, b *bundle.Bundle) int {
	lead := d.title("Questionnaire answers")
	if len(b.Answers) == 0 {
		d.place(append(lead, d.para("No questionnaire answers.", body)), nil)
		return d.page
	}
	start := 0
	var order []string
	groups := map[string][]bundle.Answer{}
	for _, a := range b.Answers {
		if _, ok := groups[a.Section]; !ok {
			order = append(order, a.Section)
		}
		groups[a.Section] = append(groups[a.Section], a)
	}
	for i, sec := range order {
		l := d.subtitle(orDash(sec))
		if i == 0 {
			l = append(lead, l...)
		}
		var recs [][]core.Row
		for _, a := range groups[sec] {
			c := answerColors(a.Answer)
			bc := basisColors(a.Basis)
			rec := []core.Row{row.New().Add(
				d.cell(3, a.ID, bodyBold),
				d.cell(15, a.Question, bodyBold),
				d.badge(3, orDash(a.Answer), c.fg, c.bg),
				d.badge(3, orDash(string(a.Basis)), bc.fg, bc.bg),
			)}
			expl := a.Explanation
			if a.Basis == check.Declared {
				expl = "Declared in the manifest, not observed. " + expl
			}
			if expl != "" {
				rec = append(rec, row.New().Add(blank(3), d.cell(21, expl, body)))
			}
			ev := "none"
			if len(a.Evidence) > 0 {
				ev = ids(a.Evidence)
			}
			rec = append(rec, row.New().Add(blank(3), d.cell(21, "Checks: "+orDash(strings.Join(a.Checks, ", "))+"  ·  Evidence: "+ev, small)), rule())
			recs = append(recs, rec)
		}
		if p := d.table(l, answerCols, recs, ""); i == 0 {
			start = p
		}
	}
	return start
}

var scopeCols = []column{{"Tool", 5}, {"Declared kind", 3}, {"Declared scopes", 4}, {"Live auth scheme", 4}, {"R", 2}, {"D", 2}, {"O", 2}, {"Enforced", 2}}

// scopeMap is one record per tool: what the manifest declares (kind,
// scopes), what the live listing says (securitySchemes, hints), and what the
// probe saw when it called the tool without its scope
// (auth.scope-enforcement).
func scopeMap(d *doc, b *bundle.Bundle) int {
	lead := append(d.title("Scope map"), d.para("One record per tool: the manifest's declaration next to the live tools/list and the scope-enforcement probe. "+
		"R, D and O are the live annotation hints readOnlyHint, destructiveHint and openWorldHint: true, false, or absent (missing or not a boolean, in red). "+
		"Enforced is the result of auth.scope-enforcement for the tool: pass when a token without the tool's scope was refused; the line below says what was seen or why it was not run.", body))
	enforcement := map[string]check.Result{}
	for _, r := range b.Results {
		if r.ID == "auth.scope-enforcement" {
			enforcement[strings.TrimPrefix(r.Subject, "tool:")] = r
		}
	}
	// The most common reason the probe was not run (at 1,000 tools "not
	// listed as callable", for 990) is said once here; only the rows of the
	// tools it applies to leave it out, so a row without a line has it.
	noteOf := func(r check.Result) string {
		note := "Scope enforcement (" + string(r.Basis) + "): " + r.Detail
		if len(r.Evidence) > 0 {
			note += " Evidence: " + ids(r.Evidence) + "."
		}
		return note
	}
	count := map[string]int{}
	common := ""
	for _, t := range b.Tools {
		if r, ok := enforcement[t.Name]; ok && r.Status == check.NA && r.Waiver == nil {
			note := noteOf(r)
			count[note]++
			if c := count[note]; c > count[common] || c == count[common] && note < common {
				common = note
			}
		}
	}
	if count[common] < 2 {
		common = ""
	} else {
		lead = append(lead, d.para(fmt.Sprintf("Enforced is na without a line below for %d tools: %s", count[common], common), small))
	}
	recs := make([][]core.Row, len(b.Tools))
	for i, t := range b.Tools {
		kind, scopes := "not declared", "—"
		if t.Declared != nil {
			kind = orDash(t.Declared.Kind)
			if t.Declared.Egress {
				kind += " + egress"
			}
			if t.Declared.NoAuth {
				kind += ", noauth"
			}
			if len(t.Declared.Scopes) > 0 {
				scopes = strings.Join(t.Declared.Scopes, ", ")
			}
		}
		hint := func(*bool) string { return "not live" }
		schemes := "not live"
		var h live.Hints
		if t.Live != nil {
			hint = func(h *bool) string {
				if h == nil {
					return "absent"
				}
				return strconv.FormatBool(*h)
			}
			schemes = securitySchemes(t.Live.SecuritySchemes)
			if t.Live.SchemesSource == "_meta" {
				schemes += " (from _meta)"
			}
			h = t.Live.Hints
		}
		first := row.New().Add(
			d.cell(5, t.Name, bodyBold),
			d.cell(3, kind, body),
			d.cell(4, scopes, body),
			d.cell(4, schemes, body),
			d.cell(2, hint(h.ReadOnly), hintStyle(t.Live != nil, h.ReadOnly)),
			d.cell(2, hint(h.Destructive), hintStyle(t.Live != nil, h.Destructive)),
			d.cell(2, hint(h.OpenWorld), hintStyle(t.Live != nil, h.OpenWorld)),
		)
		r, ok := enforcement[t.Name]
		if !ok {
			recs[i] = []core.Row{first.Add(d.cell(2, "no result", small)), rule()}
			continue
		}
		note := noteOf(r)
		rec := []core.Row{first.Add(d.statusBadge(2, r))}
		if w := waiverNote(r); w != "" {
			rec = append(rec, row.New().Add(blank(5), d.cellN(19, w, waivedStyle, 6)))
		}
		if note != common || r.Status != check.NA || r.Waiver != nil {
			rec = append(rec, row.New().Add(blank(5), d.cellN(19, note, small, 6)))
		}
		recs[i] = append(rec, rule())
	}
	return d.table(lead, scopeCols, recs, "No tools were declared or listed.")
}

// hintStyle shows an absent hint in red: it blocks submission.
func hintStyle(isLive bool, h *bool) style {
	if isLive && h == nil {
		return style{size: 8, bold: true, color: rgb(0xc6, 0x28, 0x28)}
	}
	return body
}

func securitySchemes(ss []live.SecurityScheme) string {
	if len(ss) == 0 {
		return "none"
	}
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = orDash(s.Type)
		if len(s.Scopes) > 0 {
			parts[i] += " (" + strings.Join(s.Scopes, ", ") + ")"
		}
	}
	return strings.Join(parts, "; ")
}

// group is a group of results: a check ID prefix and its title.
type group struct{ prefix, title string }

// groups are the result groups, by check ID prefix, in catalogue order.
func groups() []group {
	return []group{
		{"listing", "Manifest and listing"},
		{"tool", "Tools"},
		{"data", "Data handling"},
		{"auth", "Identity and access"},
		{"transport", "Transport"},
		{"widget", "Widgets"},
		{"evidence", "Evidence"},
		{"ops", "Operations"},
		{"submission", "Submission readiness"},
		{"resubmit", "Re-submission"},
	}
}

// groupResults sorts results into the catalogue's groups by check ID
// prefix; prefixes outside the catalogue follow, in the order they appear.
// Groups without results are left out.
func groupResults(rs []check.Result) ([]group, map[string][]check.Result) {
	byPrefix := map[string][]check.Result{}
	order := groups()
	known := map[string]bool{}
	for _, g := range order {
		known[g.prefix] = true
	}
	for _, r := range rs {
		p, _, _ := strings.Cut(r.ID, ".")
		if !known[p] {
			known[p] = true
			order = append(order, group{p, p})
		}
		byPrefix[p] = append(byPrefix[p], r)
	}
	var out []group
	for _, g := range order {
		if len(byPrefix[g.prefix]) > 0 {
			out = append(out, g)
		}
	}
	return out, byPrefix
}

var evidenceCols = []column{{"ID", 2}, {"Kind", 3}, {"Title", 6}, {"Path", 5}, {"SHA-256", 8}}

// evidenceIndex is the index of every evidence item with its hash.
func evidenceIndex(d *doc, b *bundle.Bundle, lead []core.Row) int {
	lead = append(lead, d.para("Every file the results refer to, with its path inside the pack and its SHA-256.", body))
	recs := make([][]core.Row, len(b.Evidence))
	for i, e := range b.Evidence {
		recs[i] = []core.Row{row.New().Add(
			d.cell(2, string(e.ID), bodyBold),
			d.cell(3, e.Kind, small),
			d.cell(6, e.Title, body),
			d.cell(5, e.Path, small),
			d.cell(8, e.SHA256, small),
		), rule()}
	}
	return d.table(lead, evidenceCols, recs, "No evidence items.")
}

// unjudgedLines is what the cover says of checks that could not be judged:
// the count, then what the run lacked. None when every check was judged.
func unjudgedLines(s bundle.Summary) []string {
	if s.Unjudged() == 0 {
		return nil
	}
	return append([]string{bundle.UnjudgedText(s.Unjudged()) + " (status error): neither passed nor failed."}, s.Needs...)
}
