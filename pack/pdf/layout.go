package pdf

import (
	"github.com/johnfercher/go-tree/node"
	"github.com/johnfercher/maroto/v2/pkg/components/col"
	"github.com/johnfercher/maroto/v2/pkg/components/line"
	"github.com/johnfercher/maroto/v2/pkg/components/page"
	"github.com/johnfercher/maroto/v2/pkg/components/row"
	mtext "github.com/johnfercher/maroto/v2/pkg/components/text"
	"github.com/johnfercher/maroto/v2/pkg/consts/align"
	"github.com/johnfercher/maroto/v2/pkg/consts/border"
	"github.com/johnfercher/maroto/v2/pkg/consts/fontstyle"
	"github.com/johnfercher/maroto/v2/pkg/core"
	"github.com/johnfercher/maroto/v2/pkg/core/entity"
	"github.com/johnfercher/maroto/v2/pkg/props"
)

// Page geometry, in millimetres, on a grid of gridSize columns.
const (
	marginLeft   = 15
	marginRight  = 15
	marginTop    = 12
	marginBottom = 16 // the page number is drawn inside the bottom margin
	gridSize     = 24
	pageWidth    = 210 // A4
	contentWidth = pageWidth - marginLeft - marginRight

	// maxCellLines bounds one cell, so that no row outgrows a page.
	maxCellLines = 30
)

// style is how a piece of text looks.
type style struct {
	size  float64 // points
	bold  bool
	color *props.Color
	align align.Type
}

var (
	colBlack = &props.Color{Red: 0x21, Green: 0x21, Blue: 0x21}
	colGray  = &props.Color{Red: 0x61, Green: 0x61, Blue: 0x61}
	colWhite = &props.Color{Red: 0xff, Green: 0xff, Blue: 0xff}
	colRule  = &props.Color{Red: 0xd0, Green: 0xd0, Blue: 0xd0}
	colHead  = &props.Color{Red: 0xe8, Green: 0xea, Blue: 0xed}
)

var (
	body     = style{size: 8, color: colBlack}
	bodyBold = style{size: 8, bold: true, color: colBlack}
	small    = style{size: 7, color: colGray}
)

// column is one column of a table: its heading and its width in grid units.
type column struct {
	title string
	span  int
}

// doc lays out rows on maroto's pages and decides page breaks itself, so
// that a table's heading row can be repeated at the top of every page it
// runs onto and a record (the rows of one result) is never split. It mirrors
// maroto's own accounting (maroto.addRow) with the heights maroto computes,
// breaking slightly earlier, so that maroto never breaks on its own.
type doc struct {
	m    core.Maroto
	cfg  *entity.Config
	txt  *text
	prov core.Provider // the measuring document's provider, caught by providerProbe
	root entity.Cell   // the page's content area, as maroto sees it

	header float64 // height of the registered page header; 0 before it
	used   float64 // height used on the current page, header included
	page   int     // current page, from 1
}

// newDoc lays out rows on m, measuring them on meas: a second document of
// the same configuration that is never generated. Measuring a text sets
// its font, and gofpdf writes each font change into the current page, so
// measuring on m itself left a font change per measured text in the
// content of the first page (at 1,000 tools some 12 MB, held until the
// file is written and then compressed into the cover). The measuring
// document is dropped before m is generated.
func newDoc(m, meas core.Maroto, txt *text) *doc {
	cfg := m.GetCurrentConfig()
	d := &doc{
		m:    m,
		cfg:  cfg,
		txt:  txt,
		root: entity.NewRootCell(cfg.Dimensions.Width, cfg.Dimensions.Height, entity.Margins{Left: cfg.Margins.Left, Top: cfg.Margins.Top, Right: cfg.Margins.Right, Bottom: cfg.Margins.Bottom}),
		page: 1,
	}
	// A row of zero height whose only component records the provider maroto
	// measures rows with: maroto offers no other way to learn a row's height
	// before Generate. A row keeps the height it was first measured at, so
	// m reuses the heights measured on meas.
	meas.AddRows(row.New().Add(col.New().Add(providerProbe{got: &d.prov})))
	return d
}

// providerProbe is an invisible component of zero height that remembers the
// provider it is measured with.
type providerProbe struct{ got *core.Provider }

func (p providerProbe) GetStructure() *node.Node[core.Structure] {
	return node.New(core.Structure{Type: "probe"})
}
func (p providerProbe) SetConfig(*entity.Config)           {}
func (p providerProbe) Render(core.Provider, *entity.Cell) {}
func (p providerProbe) GetHeight(pr core.Provider, _ *entity.Cell) float64 {
	*p.got = pr
	return 0
}

// height is the height maroto will give r (maroto caches it in the row).
func (d *doc) height(rows ...core.Row) float64 {
	h := 0.0
	for _, r := range rows {
		r.SetConfig(d.cfg)
		h += r.GetHeight(d.prov, &d.root)
	}
	return h
}

// push adds rows to the current page without looking at the space left.
func (d *doc) push(rows ...core.Row) {
	for _, r := range rows {
		d.used += d.height(r)
		d.m.AddRows(r)
	}
}

// empty reports whether nothing but the page header is on the current page.
func (d *doc) empty() bool { return d.used <= d.header }

// newPage starts a new page unless the current one is still empty.
func (d *doc) newPage() {
	if d.empty() {
		return
	}
	d.m.AddPages(page.New()) // maroto fills the page, starts one and adds the header
	d.used = d.header
	d.page++
}

// place adds rows that must stay together, on a new page when they do not
// fit on this one; head, when not nil, gives the rows to repeat at the top of
// that new page (a table's heading).
func (d *doc) place(unit []core.Row, head func() []core.Row) {
	const slack = 0.05 // break a little before maroto would
	if d.used+d.height(unit...) > d.root.Height-slack && !d.empty() {
		d.newPage()
		if head != nil {
			d.push(head()...)
		}
	}
	d.push(unit...)
}

// registerHeader sets the rows shown at the top of every following page
// and starts that first page.
func (d *doc) registerHeader(rows ...core.Row) error {
	d.newPage()
	h := d.height(rows...)
	if err := d.m.RegisterHeader(rows...); err != nil {
		return err
	}
	d.header = h
	d.used = h
	return nil
}

// table adds a heading row and records (each one or more rows kept
// together); lead (a section title) stays with the heading and the first
// record. With no records, it shows none instead. With no cols, there is no
// heading row. It returns the page the lead is on.
func (d *doc) table(lead []core.Row, cols []column, records [][]core.Row, none string) int {
	head := func() []core.Row { return []core.Row{d.headRow(cols)} }
	if cols == nil {
		head = nil
	}
	if len(records) == 0 {
		d.place(append(lead, d.para(none, body)), nil)
		return d.page
	}
	first := lead
	if head != nil {
		first = append(first, head()...)
	}
	d.place(append(first, records[0]...), nil)
	start := d.page
	for _, rec := range records[1:] {
		d.place(rec, head)
	}
	return start
}

// lateText is a one-line text whose value is known only after layout (a
// page number in the contents): maroto renders pages after every row is
// added, so the value is read at Render.
type lateText struct {
	value *string
	prop  props.Text
	cfg   *entity.Config
}

func (l *lateText) text(s string) core.Component {
	t := mtext.New(s, l.prop)
	t.SetConfig(l.cfg)
	return t
}

func (l *lateText) GetStructure() *node.Node[core.Structure] {
	return node.New(core.Structure{Type: "text", Value: *l.value})
}
func (l *lateText) SetConfig(cfg *entity.Config) { l.cfg = cfg }
func (l *lateText) Render(p core.Provider, c *entity.Cell) {
	l.text(*l.value).Render(p, c)
}
func (l *lateText) GetHeight(p core.Provider, c *entity.Cell) float64 {
	return l.text("0").GetHeight(p, c)
}

// width is the width in millimetres of span grid units.
func width(span int) float64 { return contentWidth * float64(span) / gridSize }

// textProps are the maroto properties of a text cell in style st.
func textProps(st style) props.Text {
	p := props.Text{
		Family:          family,
		Style:           fontstyle.Normal,
		Size:            st.size,
		Color:           st.color,
		Align:           st.align,
		Top:             1,
		Bottom:          1,
		Left:            1,
		Right:           1,
		VerticalPadding: 0.5,
	}
	if p.Align == "" {
		p.Align = align.Left
	}
	if st.bold {
		p.Style = fontstyle.Bold
	}
	return p
}

// cell is a column of span grid units holding s, wrapped to fit.
func (d *doc) cell(span int, s string, st style) core.Col {
	return d.cellN(span, s, st, maxCellLines)
}

// cellN is a cell of at most lines lines.
func (d *doc) cellN(span int, s string, st style, lines int) core.Col {
	p := textProps(st)
	return mtext.NewCol(span, d.txt.fit(s, width(span)-p.Left-p.Right, st.size, st.bold, lines), p)
}

// line is a column holding s on one line, shortened with "…" if needed.
func (d *doc) line(span int, s string, st style) core.Col {
	p := textProps(st)
	return mtext.NewCol(span, d.txt.ellipsize(s, width(span)-p.Left-p.Right, st.size, st.bold), p)
}

// cut reports whether line(span, s, st) shortens s.
func (d *doc) cut(span int, s string, st style) bool {
	p := textProps(st)
	return d.txt.ellipsize(s, width(span)-p.Left-p.Right, st.size, st.bold) != d.txt.clean(s)
}

// badge is a column filled with bg holding a short label in fg.
func (d *doc) badge(span int, label string, fg, bg *props.Color) core.Col {
	st := style{size: 7, bold: true, color: fg, align: align.Center}
	p := textProps(st)
	p.Top = 1.1
	return mtext.NewCol(span, d.txt.ellipsize(label, width(span)-p.Left-p.Right, st.size, true), p).
		WithStyle(&props.Cell{
			BackgroundColor: bg,
			BorderType:      border.Full,
			BorderColor:     colWhite, // a gap between neighbouring badges
			BorderThickness: 0.8,
		})
}

// blank is an empty column.
func blank(span int) core.Col { return col.New(span) }

// para is a full-width paragraph.
func (d *doc) para(s string, st style) core.Row {
	return row.New().Add(d.cell(gridSize, s, st))
}

// spacer is empty vertical space.
func spacer(h float64) core.Row { return row.New(h).Add(col.New()) }

// rule is a thin horizontal line between records.
func rule() core.Row {
	return line.NewRow(1.2, props.Line{Color: colRule, Thickness: 0.2, SizePercent: 100})
}

// title is a section heading.
func (d *doc) title(s string) []core.Row {
	return []core.Row{
		spacer(2),
		d.para(s, style{size: 14, bold: true, color: colBlack}),
		spacer(1),
	}
}

// subtitle is the heading of a group inside a section.
func (d *doc) subtitle(s string) []core.Row {
	return []core.Row{
		spacer(2),
		d.para(s, style{size: 10, bold: true, color: colBlack}),
	}
}

// facts lays out label and value pairs, each pair kept whole; lead stays
// with the first. Values are wrapped; an empty value shows as a dash.
func (d *doc) facts(lead []core.Row, kvs [][2]string) int {
	recs := make([][]core.Row, len(kvs))
	for i, kv := range kvs {
		recs[i] = []core.Row{row.New().Add(
			d.cell(6, kv[0], style{size: 8, bold: true, color: colGray}),
			d.cell(18, orDash(kv[1]), body),
		)}
	}
	return d.table(lead, nil, recs, "Nothing recorded.")
}

// headRow is a table's heading row.
func (d *doc) headRow(cols []column) core.Row {
	r := row.New()
	for _, c := range cols {
		r.Add(d.line(c.span, c.title, style{size: 7, bold: true, color: colBlack}).
			WithStyle(&props.Cell{BackgroundColor: colHead}))
	}
	return r
}
