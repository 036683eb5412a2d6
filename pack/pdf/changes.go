package pdf

import (
	"fmt"
	"strings"

	"github.com/johnfercher/maroto/v2/pkg/components/row"
	"github.com/johnfercher/maroto/v2/pkg/consts/border"
	"github.com/johnfercher/maroto/v2/pkg/core"
	"github.com/johnfercher/maroto/v2/pkg/props"

	"github.com/dossier-dev/dossier/internal/english"
	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/contract"
)

var (
	changeCols = []column{{"Subject", 7}, {"Kind", 4}, {"What changed", 9}, {"Re-submission", 4}}
	flipCols   = []column{{"ID", 3}, {"Question", 15}, {"Before", 3}, {"Now", 3}}
)

// changes compares this pack with the last submitted one (build --since):
// the verdict, the pack compared with, every change of the reviewed
// contract with the §5.3 rule that decides whether it needs re-submission,
// and the answers that flipped. Rendered only when b.Changes is set.
func changes(d *doc, b *bundle.Bundle) int {
	c := b.Changes
	need := 0
	for _, ch := range c.Changes {
		if ch.Resubmit {
			need++
		}
	}
	verdict := "No re-submission needed: the reviewed contract is unchanged."
	switch {
	case c.Resubmit:
		verdict = fmt.Sprintf("Re-submission needed: %d of %d %s of the reviewed contract need a new review.", need, len(c.Changes), english.Plural(len(c.Changes), "change", "changes"))
	case len(c.Changes) > 0:
		verdict = fmt.Sprintf("No re-submission needed: %d %s, none of which needs a new review.", len(c.Changes), english.Plural(len(c.Changes), "change", "changes"))
	}
	st := style{size: 10, bold: true, color: colBlack}
	bar := colBlack
	if c.Resubmit {
		st.color, bar = rgb(0xc6, 0x28, 0x28), rgb(0xc6, 0x28, 0x28)
	}
	lead := append(d.title("Changes since the last submission"), row.New().Add(d.cellN(gridSize, verdict, st, 4).
		WithStyle(&props.Cell{BorderType: border.Left, BorderColor: bar, BorderThickness: 0.8})))
	digest := c.Since.SHA256
	if digest == "" {
		digest = "none: compared with a live server, not a pack"
	}
	start := d.facts(append(lead, d.subtitle("Compared with")...), [][2]string{
		{"App", c.Since.App},
		{"Version", c.Since.Version},
		{"Created", when(c.Since.Created)},
		{"Server URL", c.Since.Server},
		{"pack.json SHA-256", digest},
	})

	recs := make([][]core.Row, len(c.Changes))
	for i, ch := range c.Changes {
		badge, col := "not needed", colors{colWhite, rgb(0x2e, 0x7d, 0x32)}
		if ch.Resubmit {
			badge, col = "NEEDED", colors{colWhite, rgb(0xc6, 0x28, 0x28)}
		}
		desc := contract.Describe(ch)
		rec := []core.Row{row.New().Add(
			d.cell(7, ch.Subject, bodyBold),
			d.cell(4, ch.Kind, body),
			d.cell(9, desc, body),
			d.badge(4, badge, col.fg, col.bg),
		)}
		// Both whole values, unless the description already gives them.
		if !strings.Contains(desc, ch.Old) || !strings.Contains(desc, ch.New) {
			rec = append(rec, row.New().Add(blank(7), d.cellN(17, "Before: "+orNone(ch.Old)+"  →  Now: "+orNone(ch.New), small, 8)))
		}
		recs[i] = append(rec, row.New().Add(blank(7), d.cellN(17, "Why: "+orDash(ch.Why), small, 4)), rule())
	}
	d.table(append(d.subtitle(fmt.Sprintf("Changes of the reviewed contract (%d)", len(c.Changes))),
		d.para("The server URL, the instructions, every tool's definition and every widget's metadata, compared with the pack above. Schemas are compared by the SHA-256 of their canonical JSON.", body)),
		changeCols, recs, "None: the server, its instructions, the tools and the widgets are as they were.")

	recs = make([][]core.Row, len(c.Flipped))
	for i, f := range c.Flipped {
		recs[i] = []core.Row{row.New().Add(
			d.cell(3, f.ID, bodyBold),
			d.cell(15, orDash(f.Question), body),
			d.answerBadge(3, f.Old, "new question"),
			d.answerBadge(3, f.New, "gone"),
		), rule()}
	}
	d.table(d.subtitle(fmt.Sprintf("Answers that changed (%d)", len(c.Flipped))), flipCols, recs, "No questionnaire answer changed.")
	return start
}

// answerBadge is an answer's badge, or a grey one saying why there is none.
func (d *doc) answerBadge(span int, a, none string) core.Col {
	if a == "" {
		return d.badge(span, none, colBlack, colHead)
	}
	c := answerColors(a)
	return d.badge(span, a, c.fg, c.bg)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
