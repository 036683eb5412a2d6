package pdf

import (
	"fmt"
	"slices"
	"strings"

	"github.com/johnfercher/maroto/v2/pkg/components/col"
	"github.com/johnfercher/maroto/v2/pkg/components/row"
	"github.com/johnfercher/maroto/v2/pkg/consts/border"
	"github.com/johnfercher/maroto/v2/pkg/core"
	"github.com/johnfercher/maroto/v2/pkg/props"

	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/live"
)

// simulatedLabel names a capture of a host prompt that dossier drew itself.
const simulatedLabel = "Simulated host rendering"

var (
	cspCols       = []column{{"Directive", 6}, {"Declared allow-list", 18}}
	violationCols = []column{{"Directive", 4}, {"Blocked URL", 12}, {"Source", 8}}
	requestCols   = []column{{"URL", 12}, {"Class", 3}, {"Allowed", 3}, {"Blocked", 2}, {"Seen as", 4}}
)

// widgets shows each UI resource with its declared CSP, the results of the
// widget checks and its captures, then the captures of confirmation
// prompts, each image with its caption and the record of how it was made.
func widgets(d *doc, b *bundle.Bundle) int {
	sim := 0
	for _, c := range b.Captures {
		if c.Simulated {
			sim++
		}
	}
	lead := append(d.title("Widgets and evidence"), d.para(fmt.Sprintf(
		"%d UI resource(s) and %d capture(s), %d of them simulated. Each widget was rendered in headless Chrome under exactly the CSP it declares; "+
			"the record under each image says what was applied and what the page did. A capture marked %q is a host prompt dossier drew from the live annotations, not a screenshot of ChatGPT.",
		len(b.Observation.Resources), len(b.Captures), sim, simulatedLabel), body))
	d.place(lead, nil)
	start := d.page
	// A run has one browser: its version, flags and sandbox are given once
	// here rather than in each of what may be hundreds of capture records
	// (the flags alone are eight lines).
	shared := sharedBrowser(b.Captures)
	if shared {
		c := b.Captures[0]
		kvs := [][2]string{{"Browser", c.Chrome}, {"Browser flags", strings.Join(c.Flags, " ")}}
		if c.Sandbox != "" {
			kvs = append(kvs, [2]string{"Browser sandbox", c.Sandbox})
		}
		d.facts(append(d.subtitle("The browser of every capture"), d.para("Each capture below was made in this browser, started with these flags.", body)), kvs)
	}

	shown := map[check.EvidenceID]bool{}
	for i, res := range b.Observation.Resources {
		subject := "widget:" + res.URI
		if i > 0 {
			d.newPage() // a widget, its policy, results and captures read as one
		}
		csp := "none declared"
		if res.CSP != nil {
			csp = list(res.CSP.Source, "—")
		}
		d.facts(d.subtitle("Widget "+res.URI), [][2]string{
			{"Name", res.Name},
			{"MIME type", res.MIMEType},
			{"Widget domain", orDash(res.Domain)},
			{"Linked from tools", list(res.LinkedFrom, "none")},
			{"HTML", fmt.Sprintf("%d bytes, SHA-256 %s", res.Size, res.HTMLSHA256)},
			{"CSP declared in", csp},
		})
		d.table([]core.Row{spacer(2), d.para("Declared content security policy", bodyBold)}, cspCols, d.cspRecords(res.CSP), "No CSP is declared for this widget.")
		var rs []check.Result
		for _, r := range b.Results {
			if r.Subject == subject {
				rs = append(rs, r)
			}
		}
		d.table([]core.Row{spacer(2), d.para("Results for this widget", bodyBold)}, resultCols, d.resultRecords(rs), "No results for this widget.")
		for _, c := range b.Captures {
			if c.Subject == subject {
				d.capture(b, c, shared)
				shown[c.ID] = true
			}
		}
	}
	var rest []live.Capture
	for _, c := range b.Captures {
		if !shown[c.ID] {
			rest = append(rest, c)
		}
	}
	if len(rest) > 0 {
		if len(b.Observation.Resources) > 0 {
			d.newPage() // after the last widget's captures
		}
		d.place(append(d.subtitle("Confirmation prompts and other captures"), d.para("What the host shows before a write tool runs, drawn from the tool's live annotations, with the tools/list entry that makes the host ask.", body)), nil)
		for _, c := range rest {
			d.capture(b, c, shared)
		}
	}
	if len(b.Observation.Resources) == 0 && len(b.Captures) == 0 {
		d.place([]core.Row{d.para("The app lists no UI resources and no captures were made.", body)}, nil)
	}
	return start
}

// cspRecords is one record per CSP directive group.
func (d *doc) cspRecords(c *live.CSP) [][]core.Row {
	if c == nil {
		return nil
	}
	var recs [][]core.Row
	for _, dir := range []struct {
		name string
		list []string
	}{
		{"connect (connect-src)", c.Connect},
		{"resource (script, style, img, font, media)", c.Resource},
		{"frame (frame-src)", c.Frame},
		{"base URI", c.BaseURI},
		{"redirect", c.Redirect},
	} {
		recs = append(recs, []core.Row{row.New().Add(
			d.cell(6, dir.name, bodyBold),
			d.cell(18, list(dir.list, "none: nothing outside the widget's own origin"), body),
		), rule()})
	}
	return recs
}

// sharedBrowser reports whether there are several captures and all were
// made by the same browser with the same flags and sandbox.
func sharedBrowser(cs []live.Capture) bool {
	if len(cs) < 2 {
		return false
	}
	for _, c := range cs[1:] {
		if c.Chrome != cs[0].Chrome || c.Sandbox != cs[0].Sandbox || !slices.Equal(c.Flags, cs[0].Flags) {
			return false
		}
	}
	return true
}

// capture is one capture: its caption, the image, and its record; the
// browser is left out of the record when it is shared (sharedBrowser) and
// given once above.
func (d *doc) capture(b *bundle.Bundle, c live.Capture, shared bool) {
	var ev check.Evidence
	for _, e := range b.Evidence {
		if e.ID == c.ID {
			ev = e
		}
	}
	caption := string(c.ID) + " · " + orDash(ev.Title)
	if c.Simulated {
		caption = string(c.ID) + " · " + simulatedLabel + " · " + orDash(ev.Title)
	}
	unit := []core.Row{spacer(3), d.para(caption, style{size: 9, bold: true, color: colBlack})}
	if c.Simulated {
		unit = append(unit, d.para(simulatedLabel+": dossier drew this host prompt from the tool's live annotations; it is not a screenshot of ChatGPT or any real host.", style{size: 8, bold: true, color: rgb(0xc6, 0x28, 0x28)}))
	}
	unit = append(unit, d.imageRows(c, ev)...)
	d.place(unit, nil)

	viol := fmt.Sprintf("%d", len(c.Violations))
	kvs := [][2]string{
		{"Subject", c.Subject},
		{"Page URL", c.URL},
		{"Time", when(c.Time)},
	}
	if !shared {
		kvs = append(kvs, [2]string{"Browser", c.Chrome})
	}
	kvs = append(kvs,
		[2]string{"Viewport", viewportLine(c)},
		[2]string{"CSP applied", orDash(c.CSP)},
	)
	if len(c.Dropped) > 0 {
		kvs = append(kvs, [2]string{"CSP entries dropped", strings.Join(c.Dropped, ", ")})
	}
	if len(c.Violations)+len(c.Requests)+len(c.Privileged)+len(c.Escapes)+len(c.Bridge) == 0 {
		// One line for a page that did nothing (every simulated prompt).
		kvs = append(kvs, [2]string{"Page activity", "none: no CSP violations, network requests, privileged API calls, sandbox escape attempts or bridge messages"})
	} else {
		kvs = append(kvs,
			[2]string{"CSP violations", viol},
			[2]string{"Network requests", fmt.Sprintf("%d", len(c.Requests))},
			[2]string{"Privileged API calls", list(c.Privileged, "none")},
			[2]string{"Sandbox escape attempts", list(c.Escapes, "none")},
			[2]string{"Bridge messages", list(c.Bridge, "none")},
		)
	}
	// What widget.render rests on, for a widget; a simulated prompt has none.
	if !c.Simulated {
		kvs = append(kvs,
			[2]string{"Uncaught errors", list(c.Errors, "none")},
			[2]string{"Failed loads", list(c.FailedLoads, "none")},
			[2]string{"Refused host requests", list(c.Refused, "none")},
		)
	}
	if len(c.Console) > 0 {
		kvs = append(kvs, [2]string{"Console", strings.Join(c.Console, " | ")})
	}
	kvs = append(kvs,
		[2]string{"PNG SHA-256", c.PNGSHA256},
		[2]string{"HTML SHA-256", c.HTMLSHA256},
		[2]string{"Evidence file", orDash(ev.Path)},
	)
	if !shared {
		kvs = append(kvs, [2]string{"Browser flags", strings.Join(c.Flags, " ")})
		if c.Sandbox != "" {
			kvs = append(kvs, [2]string{"Browser sandbox", c.Sandbox})
		}
	}
	d.facts([]core.Row{spacer(1), d.para("Capture record", bodyBold)}, kvs)
	if len(c.Violations) > 0 {
		recs := make([][]core.Row, len(c.Violations))
		for i, v := range c.Violations {
			recs[i] = []core.Row{row.New().Add(d.cell(4, v.Directive, bodyBold), d.cell(12, v.BlockedURL, body), d.cell(8, orDash(v.Source), small)), rule()}
		}
		d.table([]core.Row{spacer(1), d.para("CSP violations", style{size: 8, bold: true, color: rgb(0xc6, 0x28, 0x28)})}, violationCols, recs, "")
	}
	if len(c.Requests) > 0 {
		recs := make([][]core.Row, len(c.Requests))
		for i, r := range c.Requests {
			st := body
			if !r.Allowed || r.Blocked {
				st = style{size: 8, bold: true, color: rgb(0xc6, 0x28, 0x28)}
			}
			recs[i] = []core.Row{row.New().Add(d.cell(12, r.URL, st), d.cell(3, r.Class, body), d.cell(3, yesNo(r.Allowed), st), d.cell(2, yesNo(r.Blocked), st), d.cell(4, strings.Join(r.Seen, ", "), small)), rule()}
		}
		d.table([]core.Row{spacer(1), d.para("Network requests the widget attempted", bodyBold)}, requestCols, recs, "")
	}
}

// maxImageHeight bounds an image on the page, in millimetres. A simulated
// prompt, a card some 800 pixels wide, is drawn promptWidth wide (centred;
// its text stays about 5 pt) instead of the full 180 mm, so that two of the
// synthetic server's prompts and their records share a page: at 1,000
// tools, 300 prompts took 300 pages.
const (
	maxImageHeight = 150
	promptWidth    = contentWidth * 2 / 3
)

// simulatedBand is the text of the red band above a simulated capture.
var simulatedBand = strings.ToUpper(simulatedLabel) + " · drawn by dossier, not a real host"

// imageRows are the rows of capture c's image: a red band saying so above
// a simulated one, then the image, or a note when its PNG is not at hand.
func (d *doc) imageRows(c live.Capture, ev check.Evidence) []core.Row {
	frame := &props.Cell{BorderType: border.Full, BorderColor: colRule, BorderThickness: 0.3}
	var rows []core.Row
	if c.Simulated {
		red := rgb(0xc6, 0x28, 0x28)
		frame = &props.Cell{BorderType: border.Full, BorderColor: red, BorderThickness: 0.8}
		rows = append(rows, row.New().Add(d.line(gridSize, simulatedBand, style{size: 11, bold: true, color: colWhite}).
			WithStyle(&props.Cell{BackgroundColor: red, BorderType: border.Full, BorderColor: red, BorderThickness: 0.8})))
	}
	data, err := ev.Content()
	if err != nil {
		return append(rows, row.New().Add(d.cell(gridSize, fmt.Sprintf("Image not embedded: %v.", err), bodyBold)).WithStyle(frame))
	}
	if len(data) == 0 {
		return append(rows, row.New().Add(d.cell(gridSize, "Image not embedded: the PNG ("+orDash(ev.Path)+") was not at hand when this PDF was rendered.", bodyBold)).WithStyle(frame))
	}
	img, err := prepareImage(data)
	if err != nil {
		return append(rows, row.New().Add(d.cell(gridSize, fmt.Sprintf("Image not embedded: %s is not a readable PNG (%v).", orDash(ev.Path), err), bodyBold)).WithStyle(frame))
	}
	height := min(contentWidth*float64(img.h)/float64(img.w), maxImageHeight)
	if c.Simulated {
		height = min(height, promptWidth*float64(img.h)/float64(img.w))
	}
	return append(rows, row.New(height).Add(col.New(gridSize).Add(&pngComponent{img: img})).WithStyle(frame))
}

// viewportLine is the viewport a capture was rendered at, and the size of
// the PNG when it shows only part of it (a prompt's card).
func viewportLine(c live.Capture) string {
	if c.Image == "" || c.Image == c.Viewport {
		return c.Viewport
	}
	return c.Viewport + "; the image is the prompt card alone, " + c.Image
}
