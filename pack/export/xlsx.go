package export

import (
	"archive/zip"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/dossier-dev/dossier/pack/bundle"
)

// column is one column of a sheet; widths are in Excel character units.
type column struct {
	title string
	width float64
}

// XLSX renders answers.xlsx: an Answers sheet with one row per question
// (what spreadsheet questionnaires import) and a Results sheet with every
// check result. Header rows are bold and frozen, long text wraps. Values
// are written as typed strings, never formulas, so text from the server
// under test cannot run in the buyer's spreadsheet.
//
// The bytes are reproducible: the document dates and every zip entry's
// time are b.Created, and excelize writes its parts in a fixed order.
func XLSX(b *bundle.Bundle) ([]byte, error) {
	if b == nil {
		return nil, fmt.Errorf("rendering xlsx: no bundle")
	}
	created := b.Created.UTC()
	if created.IsZero() {
		created = time.Unix(0, 0).UTC()
	}
	f := excelize.NewFile()
	defer f.Close()
	f.SetZipWriter(func(w io.Writer) excelize.ZipWriter { return &stampedZip{zw: zip.NewWriter(w), mod: created} })

	stamp := created.Format(time.RFC3339)
	if err := f.SetDocProps(&excelize.DocProperties{
		Title:          "Questionnaire answers: " + b.App.Name,
		Subject:        strings.TrimSpace(b.App.Name + " " + b.App.Version + " by " + b.App.Vendor),
		Creator:        strings.TrimSpace(b.Generator.Name + " " + b.Generator.Version),
		LastModifiedBy: b.Generator.Name,
		Created:        stamp,
		Modified:       stamp,
		Language:       "en-US",
	}); err != nil {
		return nil, fmt.Errorf("rendering xlsx: setting document properties: %w", err)
	}
	head, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDE3EA"}},
		Alignment: &excelize.Alignment{Vertical: "top", WrapText: true},
	})
	if err != nil {
		return nil, fmt.Errorf("rendering xlsx: %w", err)
	}
	wrap, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}})
	if err != nil {
		return nil, fmt.Errorf("rendering xlsx: %w", err)
	}

	// The Answers columns are those of answers.csv, in the same order.
	answersColumns := []column{
		{"ID", 12}, {"Section", 22}, {"Question", 60}, {"Answer", 10}, {"Basis", 11},
		{"Explanation", 60}, {"Checks", 34}, {"Evidence", 18},
	}
	resultsColumns := []column{
		{"Check", 28}, {"Subject", 34}, {"Status", 9}, {"Basis", 11}, {"Severity", 10}, {"Detail", 80}, {"Evidence", 18},
	}
	answers := make([][]string, 0, len(b.Answers))
	for _, a := range b.Answers {
		answers = append(answers, []string{
			a.ID, a.Section, a.Question, a.Answer, string(a.Basis), a.Explanation,
			strings.Join(a.Checks, " "), strings.Join(evidenceIDs(a.Evidence), " "),
		})
	}
	results := make([][]string, 0, len(b.Results))
	for _, r := range b.Results {
		results = append(results, []string{
			r.ID, r.Subject, string(r.Status), string(r.Basis), string(r.Severity), r.Detail,
			strings.Join(evidenceIDs(r.Evidence), " "),
		})
	}
	// NewFile starts with "Sheet1"; rename it rather than leave an empty sheet.
	if err := f.SetSheetName("Sheet1", "Answers"); err != nil {
		return nil, fmt.Errorf("rendering xlsx: %w", err)
	}
	if _, err := f.NewSheet("Results"); err != nil {
		return nil, fmt.Errorf("rendering xlsx: %w", err)
	}
	for _, s := range []struct {
		name string
		cols []column
		rows [][]string
	}{{"Answers", answersColumns, answers}, {"Results", resultsColumns, results}} {
		titles := make([]string, len(s.cols))
		for i, c := range s.cols {
			titles[i] = c.title
		}
		if err := sheet(f, s.name, titles, s.rows, head, wrap); err != nil {
			return nil, fmt.Errorf("rendering xlsx sheet %s: %w", s.name, err)
		}
		for i, c := range s.cols {
			name, _ := excelize.ColumnNumberToName(i + 1)
			if err := f.SetColWidth(s.name, name, name, c.width); err != nil {
				return nil, fmt.Errorf("rendering xlsx sheet %s: %w", s.name, err)
			}
		}
	}
	f.SetActiveSheet(0)
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, fmt.Errorf("rendering xlsx: %w", err)
	}
	return buf.Bytes(), nil
}

// sheet writes a header row and the rows, freezes the header, styles the
// cells and turns on the auto-filter.
func sheet(f *excelize.File, name string, header []string, rows [][]string, head, wrap int) error {
	put := func(r int, vals []string) error {
		for c, v := range vals {
			cell, err := excelize.CoordinatesToCellName(c+1, r)
			if err != nil {
				return err
			}
			if err := f.SetCellStr(name, cell, v); err != nil {
				return err
			}
		}
		return nil
	}
	if err := put(1, header); err != nil {
		return err
	}
	for i, row := range rows {
		if err := put(i+2, row); err != nil {
			return err
		}
	}
	last, _ := excelize.ColumnNumberToName(len(header))
	if err := f.SetCellStyle(name, "A1", last+"1", head); err != nil {
		return err
	}
	if len(rows) > 0 {
		if err := f.SetCellStyle(name, "A2", fmt.Sprintf("%s%d", last, len(rows)+1), wrap); err != nil {
			return err
		}
	}
	if err := f.SetPanes(name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	return f.AutoFilter(name, fmt.Sprintf("A1:%s%d", last, len(rows)+1), nil)
}

// stampedZip is the zip writer excelize writes through. It stamps every
// entry with the pack's date instead of leaving the time to the library.
type stampedZip struct {
	zw  *zip.Writer
	mod time.Time
}

func (z *stampedZip) Create(name string) (io.Writer, error) {
	return z.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: z.mod})
}

func (z *stampedZip) AddFS(fsys fs.FS) error {
	return fmt.Errorf("adding a file system to answers.xlsx: not supported")
}

func (z *stampedZip) Close() error { return z.zw.Close() }
