package pdf

import (
	"fmt"

	"github.com/johnfercher/maroto/v2/pkg/components/row"

	"github.com/dossier-dev/dossier/pack/bundle"
)

// AnswersOnly makes RenderWith lay out only the questionnaire answers,
// behind a cover that says which pack they were derived from: the document
// dossier answer writes for a buyer's own questionnaire.
type AnswersOnly struct {
	Questionnaire string // the questionnaire's name
	Verified      string // what checking the received pack found, in one line
}

// answersCover names the questionnaire, the app and the pack the answers
// come from, and counts the answers.
func answersCover(d *doc, b *bundle.Bundle, opts Options) {
	a := opts.AnswersOnly
	d.push(spacer(22))
	d.push(d.para("QUESTIONNAIRE ANSWERS", style{size: 10, bold: true, color: colGray}))
	d.push(row.New().Add(d.cellN(gridSize, orDash(a.Questionnaire), style{size: 20, bold: true, color: colBlack}, 3)))
	d.push(d.para("for "+orDash(b.App.Name)+" by "+orDash(b.App.Vendor)+"  ·  version "+orDash(b.App.Version), style{size: 11, color: colBlack}))
	d.push(spacer(8))
	counts := map[string]int{}
	for _, ans := range b.Answers {
		counts[ans.Answer]++
	}
	coverFacts(d, [][2]string{
		{"Server URL", serverURL(b)},
		{"Pack probed", when(b.Created)},
		{"Pack made by", b.Generator.Name + " " + b.Generator.Version},
		{"pack.json SHA-256", opts.PackDigest},
		{"Pack checked", a.Verified},
		{"Answers", fmt.Sprintf("%d: %d yes, %d no, %d partial, %d n.a.", len(b.Answers), counts[bundle.Yes], counts[bundle.No], counts[bundle.Partial], counts[bundle.NA])},
	})
	coverVerdict(d, "The pack's verdict", b.Summary)
	d.push(d.para("Each answer is derived from the check results inside the pack named above, by the rule of the built-in checklist: yes when every mapped result passes on probed or attested ground, no when any fails, partial when some rest on weaker ground, n.a. when none applies. An attestation or waiver that has expired since the pack was made no longer counts. The evidence IDs refer to files inside that pack.", small))
}
