// Package pdf renders a Bundle as pack.pdf, the document a buyer's security
// reviewer reads: a cover with the verdict, a contents page, the summary with
// the red flags first, the changes since the last submission (when the pack
// was compared with one), the questionnaire answers, the scope map, identity,
// data and retention, operations, the widgets with their captures, every
// result and an appendix with the evidence index and the probe settings. It
// reads nothing but the Bundle (and the digest of pack.json, which the writer
// passes in), and the same input always gives the same bytes.
//
// maroto (and its gofpdf backend) stay inside this package.
package pdf

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/johnfercher/maroto/v2"
	"github.com/johnfercher/maroto/v2/pkg/config"
	"github.com/johnfercher/maroto/v2/pkg/consts/fontstyle"
	"github.com/johnfercher/maroto/v2/pkg/consts/pagesize"
	"github.com/johnfercher/maroto/v2/pkg/props"
	"github.com/phpdave11/gofpdf"

	"github.com/dossier-dev/dossier/pack/bundle"
)

// gofpdfDefaults guards gofpdf's process-wide defaults: the creation and
// modification dates and the catalog sort, which gofpdf copies into each
// document when it is created (inside maroto.New). Render sets them, creates
// its document and resets them while holding this lock, so two Renders at
// once never see each other's dates. With tightGC, it is the package's
// only mutable state.
var gofpdfDefaults sync.Mutex

// Options are what the PDF shows that the Bundle cannot say about itself.
type Options struct {
	// PackDigest is the SHA-256 (hex) of the pack.json written beside the
	// PDF. pack.json serializes the Bundle, so only its writer knows the
	// bytes; the cover prints the digest so that a reader can tie the PDF to
	// the JSON. Empty: the cover says it was not supplied.
	PackDigest string
	// AnswersOnly, when set, limits the document to the questionnaire
	// answers (dossier answer).
	AnswersOnly *AnswersOnly
}

// docTitle is the document's title in its metadata.
func docTitle(opts Options) string {
	if opts.AnswersOnly != nil {
		return "Questionnaire answers"
	}
	return "Security review pack"
}

// Render lays out b as a PDF without a pack digest; see RenderWith.
func Render(b *bundle.Bundle) ([]byte, error) { return RenderWith(b, Options{}) }

// RenderWith lays out b as a PDF. The bytes depend on b and opts alone: the
// document's dates are b.Created, and its internal catalogs are sorted.
func RenderWith(b *bundle.Bundle, opts Options) ([]byte, error) {
	if b == nil {
		return nil, errors.New("rendering pdf: no bundle")
	}
	defer holdGC()()
	txt, err := newText()
	if err != nil {
		return nil, fmt.Errorf("rendering pdf: %w", err)
	}
	fonts, err := customFonts()
	if err != nil {
		return nil, fmt.Errorf("rendering pdf: %w", err)
	}
	created := b.Created.UTC()
	if created.IsZero() {
		created = time.Unix(0, 0).UTC() // a fixed date keeps the bytes reproducible
	}
	cfg := config.NewBuilder().
		WithPageSize(pagesize.A4).
		WithLeftMargin(marginLeft).
		WithRightMargin(marginRight).
		WithTopMargin(marginTop).
		WithBottomMargin(marginBottom).
		WithMaxGridSize(gridSize).
		WithCustomFonts(fonts).
		WithDefaultFont(&props.Font{Family: family, Style: fontstyle.Normal, Size: body.size, Color: colBlack}).
		WithPageNumber(props.PageNumber{Pattern: "Page {current} of {total}", Place: props.Bottom, Size: 7, Color: colGray}).
		WithCompression(true).
		WithSequentialMode(). // the other modes merge through pdfcpu: not reproducible
		WithCreationDate(created).
		WithTitle(txt.clean(docTitle(opts)+": "+b.App.Name), true).
		WithSubject(txt.clean(b.App.Name+" "+b.App.Version+" by "+b.App.Vendor), true).
		WithCreator(txt.clean(b.Generator.Name+" "+b.Generator.Version), true).
		Build()

	gofpdfDefaults.Lock()
	gofpdf.SetDefaultCreationDate(created)
	gofpdf.SetDefaultModificationDate(created)
	gofpdf.SetDefaultCatalogSort(true)
	m := maroto.New(cfg)
	meas := maroto.New(cfg)
	gofpdf.SetDefaultCreationDate(time.Time{})
	gofpdf.SetDefaultModificationDate(time.Time{})
	gofpdf.SetDefaultCatalogSort(false)
	gofpdfDefaults.Unlock()

	d := newDoc(m, meas, txt)
	secs := sections(b)
	if opts.AnswersOnly != nil {
		secs = []section{{"Questionnaire answers", answers}}
		answersCover(d, b, opts)
	} else {
		cover(d, b, opts)
	}
	pageOf := make([]string, len(secs))
	if err := d.registerHeader(pageHeader(d, b, docTitle(opts))...); err != nil {
		return nil, fmt.Errorf("rendering pdf: registering page header: %w", err)
	}
	contentsPage(d, secs, pageOf)
	// Each section starts on a new page, so that the contents can name it.
	for i, s := range secs {
		d.newPage()
		pageOf[i] = strconv.Itoa(s.render(d, b))
	}

	d.prov, meas = nil, nil // only m is needed now; see newDoc
	out, err := m.Generate()
	if err != nil {
		return nil, fmt.Errorf("rendering pdf: generating: %w", err)
	}
	return out.GetBytes(), nil
}
