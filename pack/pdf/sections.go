package pdf

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/johnfercher/maroto/v2/pkg/components/col"
	"github.com/johnfercher/maroto/v2/pkg/components/row"
	"github.com/johnfercher/maroto/v2/pkg/consts/align"
	"github.com/johnfercher/maroto/v2/pkg/consts/border"
	"github.com/johnfercher/maroto/v2/pkg/core"
	"github.com/johnfercher/maroto/v2/pkg/props"

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

// contents names the sections the cover lists; the page numbers are filled
// in once the sections are laid out.
var contents = []string{"Red flags", "Questionnaire answers", "Scope map", "All results", "Evidence index"}

// cover is the first page: what was reviewed, when, the verdict, and the
// contents, whose page numbers go into pageOf (one per contents entry).
func cover(d *doc, b *bundle.Bundle, pageOf []string) {
	d.push(spacer(22))
	d.push(d.para("SECURITY REVIEW PACK", style{size: 10, bold: true, color: colGray}))
	d.push(row.New().Add(d.cellN(gridSize, orDash(b.App.Name), style{size: 24, bold: true, color: colBlack}, 3)))
	d.push(d.para("by "+orDash(b.App.Vendor)+"  ·  version "+orDash(b.App.Version), style{size: 11, color: colBlack}))
	d.push(spacer(8))

	url := b.Observation.Server.URL
	if url == "" && b.Manifest != nil {
		url = b.Manifest.Server.URL
	}
	probed := "not recorded"
	if !b.Created.IsZero() {
		probed = b.Created.UTC().Format(time.DateTime) + " UTC"
	}
	for _, kv := range [][2]string{
		{"App", b.App.Name},
		{"Vendor", b.App.Vendor},
		{"Version", b.App.Version},
		{"Server URL", url},
		{"Probed", probed},
		{"Generator", strings.TrimSpace(b.Generator.Name + " " + b.Generator.Version)},
	} {
		d.push(row.New().Add(
			d.cell(5, kv[0], style{size: 9, bold: true, color: colGray}),
			d.cellN(19, orDash(kv[1]), style{size: 9, color: colBlack}, 4),
		))
	}
	d.push(spacer(8))

	d.push(d.para("Verdict", style{size: 9, bold: true, color: colGray}))
	d.push(row.New().Add(d.cellN(gridSize, orDash(b.Summary.Verdict), style{size: 12, bold: true, color: colBlack}, 6).
		WithStyle(&props.Cell{BorderType: border.Left, BorderColor: colBlack, BorderThickness: 0.8})))
	d.push(spacer(6))

	d.push(d.para("Results by status", style{size: 9, bold: true, color: colGray}))
	counts := row.New()
	for _, s := range statuses {
		c := statusColors(s, check.Probed)
		counts.Add(d.badge(4, fmt.Sprintf("%s %d", s, b.Summary.ByStatus[s]), c.fg, c.bg))
	}
	d.push(counts)
	d.push(spacer(2))
	var sev []string
	for _, s := range []check.Severity{check.Critical, check.High, check.Medium, check.Low, check.Info} {
		if n := b.Summary.BySeverity[s]; n > 0 {
			sev = append(sev, fmt.Sprintf("%s %d", s, n))
		}
	}
	if len(sev) == 0 {
		sev = []string{"none"}
	}
	d.push(d.para(fmt.Sprintf("Red flags: %d  ·  Failing results by severity: %s  ·  Results probed: %d, declared only: %d  ·  Tools: %d  ·  Evidence items: %d",
		len(b.RedFlags), strings.Join(sev, ", "), b.Summary.Probed, b.Summary.Declared, len(b.Tools), len(b.Evidence)), body))
	d.push(spacer(8))

	d.push(d.para("Contents", style{size: 9, bold: true, color: colGray}))
	for i, name := range contents {
		p := textProps(body)
		p.Align = align.Right
		d.push(row.New().Add(d.cell(8, name, body), col.New(2).Add(&lateText{value: &pageOf[i], prop: p})))
	}
	d.push(spacer(8))

	d.push(d.para("How to read the basis of a result", style{size: 9, bold: true, color: colGray}))
	for _, l := range [][2]string{
		{string(check.Probed), "observed on the live server or in the browser; evidence attached"},
		{string(check.Declared), "taken from the vendor's manifest only; not observed"},
		{string(check.Attested), "a named person vouched for it, with a date and an expiry"},
		{string(check.Absent), "nothing to go on"},
	} {
		d.push(row.New().Add(d.basisBadge(3, check.Basis(l[0])), blank(1), d.cell(20, l[1], body)))
	}
}

// pageHeader is shown at the top of every page after the cover.
func pageHeader(d *doc, b *bundle.Bundle) []core.Row {
	right := "Security review pack"
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
var resultCols = []column{{"Check", 6}, {"Subject", 8}, {"Status", 3}, {"Basis", 3}, {"Severity", 4}}

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
	if r.Basis == check.Declared {
		detail = "Declared in the manifest, not observed. " + detail
	}
	id, subj := d.line(6, r.ID, bodyBold), d.line(8, r.Subject, body)
	if d.cut(6, r.ID, bodyBold) {
		detail = "Check: " + r.ID + ". " + detail
	}
	if d.cut(8, r.Subject, body) {
		detail = "Subject: " + r.Subject + ". " + detail
	}
	rows := []core.Row{row.New().Add(
		id,
		subj,
		d.statusBadge(3, r),
		d.basisBadge(3, r.Basis),
		d.cell(4, sev, body),
	)}
	ev := "Evidence: none"
	if len(r.Evidence) > 0 {
		ev = "Evidence: " + ids(r.Evidence)
	}
	rows = append(rows, row.New().Add(d.cell(16, detail, body), d.cell(8, ev, small)), rule())
	return rows
}

// redFlags lists the red flags first, or says plainly that there are none.
func redFlags(d *doc, b *bundle.Bundle) int {
	lead := d.title("Red flags")
	if len(b.RedFlags) > 0 {
		lead[1] = d.para(fmt.Sprintf("Red flags (%d)", len(b.RedFlags)), style{size: 14, bold: true, color: rgb(0xc6, 0x28, 0x28)})
	}
	if len(b.RedFlags) == 0 {
		d.place(append(lead, d.para("No red flags.", style{size: 10, bold: true, color: rgb(0x2e, 0x7d, 0x32)})), nil)
		return d.page
	}
	lead = append(lead, d.para(fmt.Sprintf("%d finding(s) that a reviewer should see before anything else: a write or egress tool not labeled as a write, a missing privacy policy, restricted data requested, a widget sandbox escape, or an availability over-claim.", len(b.RedFlags)), body))
	recs := make([][]core.Row, len(b.RedFlags))
	for i, r := range b.RedFlags {
		recs[i] = d.resultRecord(r)
	}
	return d.table(lead, resultCols, recs, "")
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

var scopeCols = []column{{"Tool", 6}, {"Declared kind", 3}, {"Scopes (declared)", 4}, {"R", 2}, {"D", 2}, {"O", 2}, {"Live securitySchemes", 5}}

// scopeMap is one row per tool: what the manifest declares next to what
// the live listing says.
func scopeMap(d *doc, b *bundle.Bundle) int {
	lead := append(d.title("Scope map"), d.para("One row per tool: the manifest's declaration next to the live tools/list. R, D and O are the live annotation hints readOnlyHint, destructiveHint and openWorldHint: true, false, or absent (missing or not a boolean).", body))
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
		if t.Live != nil {
			hint = func(h *bool) string {
				if h == nil {
					return "absent"
				}
				return strconv.FormatBool(*h)
			}
			schemes = securitySchemes(t.Live.SecuritySchemes)
		}
		var h live.Hints
		if t.Live != nil {
			h = t.Live.Hints
		}
		recs[i] = []core.Row{row.New().Add(
			d.cell(6, t.Name, bodyBold),
			d.cell(3, kind, body),
			d.cell(4, scopes, body),
			d.cell(2, hint(h.ReadOnly), hintStyle(t.Live != nil, h.ReadOnly)),
			d.cell(2, hint(h.Destructive), hintStyle(t.Live != nil, h.Destructive)),
			d.cell(2, hint(h.OpenWorld), hintStyle(t.Live != nil, h.OpenWorld)),
			d.cell(5, schemes, body),
		), rule()}
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

// groups are the result groups, by check ID prefix, in catalogue order.
var groups = []struct{ prefix, title string }{
	{"listing", "Manifest and listing"},
	{"tool", "Tools"},
	{"data", "Data handling"},
	{"auth", "Identity and access"},
	{"transport", "Transport"},
	{"widget", "Widgets"},
	{"evidence", "Evidence"},
	{"ops", "Operations"},
}

// results lists every result, grouped by check ID prefix; prefixes outside
// the catalogue's groups follow, in the order they appear.
func results(d *doc, b *bundle.Bundle) int {
	lead := d.title("All results")
	if len(b.Results) == 0 {
		d.place(append(lead, d.para("No results.", body)), nil)
		return d.page
	}
	byPrefix := map[string][]check.Result{}
	order := make([]string, 0, len(groups))
	titles := map[string]string{}
	for _, g := range groups {
		order = append(order, g.prefix)
		titles[g.prefix] = g.title
	}
	for _, r := range b.Results {
		p, _, _ := strings.Cut(r.ID, ".")
		if _, ok := titles[p]; !ok {
			titles[p] = p
			order = append(order, p)
		}
		byPrefix[p] = append(byPrefix[p], r)
	}
	start := 0
	for _, p := range order {
		rs := byPrefix[p]
		if len(rs) == 0 {
			continue
		}
		l := d.subtitle(fmt.Sprintf("%s (%s.*): %d result(s)", titles[p], p, len(rs)))
		if start == 0 {
			l = append(lead, l...)
		}
		recs := make([][]core.Row, len(rs))
		for i, r := range rs {
			recs[i] = d.resultRecord(r)
		}
		if p := d.table(l, resultCols, recs, ""); start == 0 {
			start = p
		}
	}
	return start
}

var evidenceCols = []column{{"ID", 2}, {"Kind", 4}, {"Title", 5}, {"Path", 6}, {"SHA-256", 7}}

// evidence is the index of every evidence item with its hash.
func evidence(d *doc, b *bundle.Bundle) int {
	lead := append(d.title("Evidence index"), d.para("Every file the results refer to, with its path inside the pack and its SHA-256.", body))
	recs := make([][]core.Row, len(b.Evidence))
	for i, e := range b.Evidence {
		recs[i] = []core.Row{row.New().Add(
			d.cell(2, string(e.ID), bodyBold),
			d.cell(4, e.Kind, body),
			d.cell(5, e.Title, body),
			d.cell(6, e.Path, body),
			d.cell(7, e.SHA256, small),
		), rule()}
	}
	return d.table(lead, evidenceCols, recs, "No evidence items.")
}
