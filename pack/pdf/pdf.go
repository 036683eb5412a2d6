// Package pdf renders a Bundle as pack.pdf, the document a buyer's security
// reviewer reads: a cover with the verdict, the red flags, the questionnaire
// answers, the scope map, every result and the evidence index. It reads
// nothing but the Bundle, and the same Bundle always gives the same bytes.
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
// once never see each other's dates. It is the package's only mutable state.
var gofpdfDefaults sync.Mutex

// Render lays out b as a PDF. The bytes depend on b alone: the document's
// dates are b.Created, and its internal catalogs are sorted.
func Render(b *bundle.Bundle) ([]byte, error) {
	if b == nil {
		return nil, errors.New("rendering pdf: no bundle")
	}
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
		WithTitle(txt.clean("Security review pack: "+b.App.Name), true).
		WithSubject(txt.clean(b.App.Name+" "+b.App.Version+" by "+b.App.Vendor), true).
		WithCreator(txt.clean(b.Generator.Name+" "+b.Generator.Version), true).
		Build()

	gofpdfDefaults.Lock()
	gofpdf.SetDefaultCreationDate(created)
	gofpdf.SetDefaultModificationDate(created)
	gofpdf.SetDefaultCatalogSort(true)
	m := maroto.New(cfg)
	gofpdf.SetDefaultCreationDate(time.Time{})
	gofpdf.SetDefaultModificationDate(time.Time{})
	gofpdf.SetDefaultCatalogSort(false)
	gofpdfDefaults.Unlock()

	d := newDoc(m, txt)
	pageOf := make([]string, len(contents))
	cover(d, b, pageOf)
	if err := d.registerHeader(pageHeader(d, b)...); err != nil {
		return nil, fmt.Errorf("rendering pdf: registering page header: %w", err)
	}
	// The sections, in the order of contents; each after the first two
	// starts on a new page.
	for i, section := range []func(*doc, *bundle.Bundle) int{redFlags, answers, scopeMap, results, evidence} {
		if i >= 2 {
			d.newPage()
		}
		pageOf[i] = strconv.Itoa(section(d, b))
	}

	out, err := m.Generate()
	if err != nil {
		return nil, fmt.Errorf("rendering pdf: generating: %w", err)
	}
	return out.GetBytes(), nil
}
