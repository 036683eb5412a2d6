package export

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/csv"
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
// The workbook is written here, part by part, rather than through a
// spreadsheet library: two sheets of strings need a few hundred bytes of
// SpreadsheetML, and the library's package initialisation cost every
// dossier command ~4 ms and 1 MB before main. The bytes are reproducible:
// the document dates and every zip entry's time are b.Created, and the
// parts are written in a fixed order.
func XLSX(b *bundle.Bundle) ([]byte, error) {
	if b == nil {
		return nil, fmt.Errorf("rendering xlsx: no bundle")
	}
	created := b.Created.UTC()
	if created.IsZero() {
		created = time.Unix(0, 0).UTC()
	}

	// The Answers columns are those of answers.csv, in the same order, and
	// each row is answers.csv's record (csv.Record).
	answersColumns := []column{
		{"ID", 12}, {"Section", 22}, {"Question", 60}, {"Answer", 10}, {"Basis", 11},
		{"Explanation", 60}, {"Checks", 34}, {"Evidence", 18},
	}
	resultsColumns := []column{
		{"Check", 28}, {"Subject", 34}, {"Status", 9}, {"Basis", 11}, {"Severity", 10}, {"Detail", 80}, {"Evidence", 18},
	}
	answers := make([][]string, 0, len(b.Answers))
	for _, a := range b.Answers {
		answers = append(answers, csv.Record(a))
	}
	results := make([][]string, 0, len(b.Results))
	for _, r := range b.Results {
		results = append(results, []string{
			r.ID, r.Subject, string(r.Status), string(r.Basis), string(r.Severity), r.Detail,
			strings.Join(evidenceIDs(r.Evidence), " "),
		})
	}

	wb := &workbook{strings: map[string]int{}}
	sheets := []struct {
		name string
		cols []column
		rows [][]string
	}{{"Answers", answersColumns, answers}, {"Results", resultsColumns, results}}
	var sheetXML [][]byte
	var names bytes.Buffer
	for i, s := range sheets {
		sheetXML = append(sheetXML, wb.sheet(i == 0, s.cols, s.rows))
		fmt.Fprintf(&names, `<definedName name="_xlnm._FilterDatabase" localSheetId="%d" hidden="1">'%s'!$A$1:$%s$%d</definedName>`,
			i, s.name, columnName(len(s.cols)), len(s.rows)+1)
	}

	stamp := created.Format(time.RFC3339)
	parts := []struct {
		name string
		data []byte
	}{
		{"[Content_Types].xml", []byte(xmlHeader + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
			`<Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
			`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
			`<Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
			`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
			`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>` +
			`<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>` +
			`<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>` +
			`</Types>`)},
		{"_rels/.rels", []byte(xmlHeader + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>` +
			`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>` +
			`<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>` +
			`</Relationships>`)},
		{"docProps/app.xml", []byte(xmlHeader + `<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">` +
			`<Application>` + escape(b.Generator.Name) + `</Application></Properties>`)},
		{"docProps/core.xml", []byte(xmlHeader + `<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" ` +
			`xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
			`<dc:title>` + escape("Questionnaire answers: "+b.App.Name) + `</dc:title>` +
			`<dc:subject>` + escape(strings.TrimSpace(b.App.Name+" "+b.App.Version+" by "+b.App.Vendor)) + `</dc:subject>` +
			`<dc:creator>` + escape(strings.TrimSpace(b.Generator.Name+" "+b.Generator.Version)) + `</dc:creator>` +
			`<cp:lastModifiedBy>` + escape(b.Generator.Name) + `</cp:lastModifiedBy>` +
			`<dc:language>en-US</dc:language>` +
			`<dcterms:created xsi:type="dcterms:W3CDTF">` + stamp + `</dcterms:created>` +
			`<dcterms:modified xsi:type="dcterms:W3CDTF">` + stamp + `</dcterms:modified>` +
			`</cp:coreProperties>`)},
		{"xl/workbook.xml", []byte(xmlHeader + `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
			`<bookViews><workbookView activeTab="0"/></bookViews>` +
			`<sheets><sheet name="Answers" sheetId="1" r:id="rId1"/><sheet name="Results" sheetId="2" r:id="rId2"/></sheets>` +
			`<definedNames>` + names.String() + `</definedNames></workbook>`)},
		{"xl/_rels/workbook.xml.rels", []byte(xmlHeader + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` +
			`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/>` +
			`<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>` +
			`<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>` +
			`</Relationships>`)},
		{"xl/styles.xml", []byte(xmlHeader + stylesXML)},
		{"xl/worksheets/sheet1.xml", sheetXML[0]},
		{"xl/worksheets/sheet2.xml", sheetXML[1]},
		{"xl/sharedStrings.xml", wb.sharedStrings()},
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, p := range parts {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Deflate, Modified: created})
		if err != nil {
			return nil, fmt.Errorf("rendering xlsx: %w", err)
		}
		if _, err := w.Write(p.data); err != nil {
			return nil, fmt.Errorf("rendering xlsx: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("rendering xlsx: %w", err)
	}
	return out.Bytes(), nil
}

const xmlHeader = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"

// stylesXML holds the three cell formats the sheets use: 0 the default,
// 1 the header (bold, shaded, wrapped, top-aligned), 2 the body (wrapped,
// top-aligned).
const stylesXML = `<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
	`<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>` +
	`<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>` +
	`<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>` +
	`<fill><patternFill patternType="solid"><fgColor rgb="FFDDE3EA"/></patternFill></fill></fills>` +
	`<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
	`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
	`<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>` +
	`<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1" applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>` +
	`<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf></cellXfs>` +
	`<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>` +
	`</styleSheet>`

// workbook collects the shared strings of the sheets: every cell is a
// string, stored once in xl/sharedStrings.xml and referred to by index.
type workbook struct {
	strings map[string]int
	order   []string
}

func (wb *workbook) index(s string) int {
	if i, ok := wb.strings[s]; ok {
		return i
	}
	wb.strings[s] = len(wb.order)
	wb.order = append(wb.order, s)
	return len(wb.order) - 1
}

// sheet writes one worksheet: the header row in style 1, the rows in
// style 2, the header frozen, the columns' widths and the auto-filter.
func (wb *workbook) sheet(selected bool, cols []column, rows [][]string) []byte {
	last := columnName(len(cols))
	ref := fmt.Sprintf("A1:%s%d", last, len(rows)+1)
	var x bytes.Buffer
	x.WriteString(xmlHeader)
	x.WriteString(`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">`)
	fmt.Fprintf(&x, `<dimension ref="%s"/>`, ref)
	x.WriteString(`<sheetViews><sheetView`)
	if selected {
		x.WriteString(` tabSelected="1"`)
	}
	x.WriteString(` workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft"/></sheetView></sheetViews>`)
	x.WriteString(`<sheetFormatPr defaultRowHeight="15"/><cols>`)
	for i, c := range cols {
		fmt.Fprintf(&x, `<col min="%d" max="%d" width="%s" customWidth="1"/>`, i+1, i+1, strconv.FormatFloat(c.width, 'f', -1, 64))
	}
	x.WriteString(`</cols><sheetData>`)
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = c.title
	}
	wb.row(&x, 1, 1, header)
	for i, r := range rows {
		wb.row(&x, i+2, 2, r)
	}
	fmt.Fprintf(&x, `</sheetData><autoFilter ref="%s"/></worksheet>`, ref)
	return x.Bytes()
}

func (wb *workbook) row(x *bytes.Buffer, n, style int, vals []string) {
	fmt.Fprintf(x, `<row r="%d">`, n)
	for c, v := range vals {
		fmt.Fprintf(x, `<c r="%s%d" s="%d" t="s"><v>%d</v></c>`, columnName(c+1), n, style, wb.index(cellText(v)))
	}
	x.WriteString(`</row>`)
}

// sharedStrings writes the strings table. Text with leading or trailing
// white space keeps it (xml:space="preserve").
func (wb *workbook) sharedStrings() []byte {
	var x bytes.Buffer
	x.WriteString(xmlHeader)
	fmt.Fprintf(&x, `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">`, len(wb.order), len(wb.order))
	for _, s := range wb.order {
		if s != "" && (strings.ContainsRune("\t\n\r ", rune(s[0])) || strings.ContainsRune("\t\n\r ", rune(s[len(s)-1]))) {
			x.WriteString(`<si><t xml:space="preserve">`)
		} else {
			x.WriteString(`<si><t>`)
		}
		x.WriteString(escape(s))
		x.WriteString(`</t></si>`)
	}
	x.WriteString(`</sst>`)
	return x.Bytes()
}

// maxCellChars is the most UTF-16 units a spreadsheet cell holds.
const maxCellChars = 32767

// cellText is v as a cell holds it: cut to maxCellChars, and every
// literal "_xHHHH_" (which a reader would decode as an escaped character)
// escaped itself, as "_x005F_xHHHH_".
func cellText(v string) string {
	n := 0
	for i, r := range v {
		if n += utf16.RuneLen(r); n > maxCellChars {
			v = v[:i]
			break
		}
	}
	if !strings.Contains(v, "_x") {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '_' && isEscapeAt(v, i) {
			b.WriteString("_x005F")
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

// isEscapeAt reports whether "_xHHHH_" starts at v[i].
func isEscapeAt(v string, i int) bool {
	if i+7 > len(v) || v[i+1] != 'x' || v[i+6] != '_' {
		return false
	}
	for _, c := range []byte(v[i+2 : i+6]) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// escape makes s XML character data: markup characters escaped, and what
// XML 1.0 cannot carry (NUL, most control characters, invalid UTF-8)
// replaced by U+FFFD.
func escape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // a strings.Builder does not fail
	return b.String()
}

// columnName is the letter name of the 1-based column n: A, …, Z, AA, ….
func columnName(n int) string {
	var b []byte
	for ; n > 0; n = (n - 1) / 26 {
		b = append([]byte{byte('A' + (n-1)%26)}, b...)
	}
	return string(b)
}
