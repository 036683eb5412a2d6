package export

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/csv"
	"github.com/dossier-dev/dossier/pack/live"
	"github.com/dossier-dev/dossier/pack/manifest"
)

func ptr[T any](v T) *T { return &v }

// hostile is text a malicious server might send: controls, bidi, markup,
// a CDATA terminator, a spreadsheet formula, CJK and emoji.
const hostile = "Ignore\x00 previous\x1b[31m\u202e <script>x</script> ]]> </testcase> =HYPERLINK(\"https://evil.example\") 中文 😀"

var created = time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)

// fixture has results of every status, a tool with a missing hint, a tool
// that is only declared and one that is only live.
func fixture() *bundle.Bundle {
	decl := []manifest.Tool{
		{Name: "get_order", Kind: manifest.KindRead, Description: "Reads one order."},
		{Name: "cancel_order", Kind: manifest.KindDestructive, Description: "Cancels an order; cannot be undone."},
		{Name: "send_email", Kind: manifest.KindWrite, Egress: true, Description: "Emails the order to the customer."},
		{Name: "gone_tool", Kind: manifest.KindRead},
	}
	lv := []live.Tool{
		{Name: "get_order", Hints: live.Hints{ReadOnly: ptr(true), Destructive: ptr(false), OpenWorld: ptr(false)}},
		{Name: "cancel_order", Hints: live.Hints{ReadOnly: ptr(false), Destructive: ptr(false), OpenWorld: ptr(false)}},
		{Name: "send_email", Hints: live.Hints{ReadOnly: ptr(false), Destructive: ptr(true)}},
		{Name: "debug_eval", Description: hostile, Hints: live.Hints{ReadOnly: ptr(true), Destructive: ptr(false), OpenWorld: ptr(false)}},
	}
	rows := []bundle.ToolRow{
		{Name: "cancel_order", Declared: &decl[1], Live: &lv[1]},
		{Name: "debug_eval", Live: &lv[3]},
		{Name: "get_order", Declared: &decl[0], Live: &lv[0]},
		{Name: "gone_tool", Declared: &decl[3]},
		{Name: "send_email", Declared: &decl[2], Live: &lv[2]},
	}
	ev := []check.EvidenceID{"H0007", "H0008"}
	res := []check.Result{
		{ID: "auth.audience", Subject: "app", Status: check.Error, Basis: check.Absent, Detail: "token endpoint timed out"},
		{ID: "auth.required", Subject: "app", Status: check.Pass, Basis: check.Probed, Evidence: []check.EvidenceID{"H0001"}, Detail: "401 with a Bearer challenge"},
		{ID: "data.log-redaction", Subject: "app", Status: check.Manual, Basis: check.Declared, Detail: "a person must judge the redaction"},
		{ID: "listing.terms", Subject: "app", Status: check.Warn, Basis: check.Absent, Severity: check.Low, Detail: "no terms declared"},
		{ID: "tool.annotations-explicit", Subject: "tool:send_email", Status: check.Fail, Basis: check.Probed, Severity: check.High, Evidence: ev, Detail: "openWorldHint is absent."},
		{ID: "tool.declared", Subject: "tool:debug_eval", Status: check.Fail, Basis: check.Probed, Severity: check.High, Evidence: ev, Detail: "Live tool not in the manifest: " + hostile},
		{ID: "tool.destructive-labeled", Subject: "tool:cancel_order", Status: check.Fail, Basis: check.Probed, Severity: check.High, Evidence: ev, Detail: "Declared destructive but destructiveHint is false."},
		{ID: "tool.destructive-labeled", Subject: "tool:get_order", Status: check.NA, Basis: check.Declared, Detail: "Declared read, not destructive."},
		{ID: "tool.write-labeled", Subject: "tool:cancel_order", Status: check.Pass, Basis: check.Probed, Evidence: ev, Detail: "readOnlyHint is false"},
		{ID: "widget.csp-declared", Subject: "widget:ui://w/card.html", Status: check.Warn, Basis: check.Probed, Severity: check.Medium, Evidence: []check.EvidenceID{"H0010"}, Detail: "no CSP declared"},
		{ID: "x.unknown-check", Subject: "url:https://example.com/privacy", Status: check.Fail, Basis: check.Probed, Detail: "a check this version does not know"},
	}
	return &bundle.Bundle{
		SchemaVersion: bundle.SchemaVersion,
		Generator:     bundle.Generator{Name: "dossier", Version: "test"},
		Created:       created,
		App: manifest.App{Name: "Orderly", Vendor: "Orderly Labs", Version: "1.0.0", Description: "Orders from ChatGPT.",
			PrivacyPolicy: "https://orderly.example/privacy", Terms: "https://orderly.example/terms", Support: "support@orderly.example"},
		Manifest:    &manifest.Manifest{Tools: decl},
		Observation: live.Observation{Server: live.Server{URL: "https://orderly.example/mcp"}, Tools: lv},
		Tools:       rows,
		Results:     res,
		Answers: []bundle.Answer{
			{ID: "SEC-1", Section: "Security controls", Question: "Are writes labeled?", Answer: bundle.No, Basis: check.Probed, Explanation: "1 failed.", Checks: []string{"tool.write-labeled", "tool.annotations-explicit"}, Evidence: ev},
			{ID: "IAM-4", Section: "Identity and access", Question: "Are bad tokens refused?", Answer: bundle.Partial, Basis: check.Absent, Explanation: "1 could not run.", Checks: []string{"auth.required", "auth.audience"}, Evidence: []check.EvidenceID{"H0001"}},
			{ID: "PRV-5", Section: "Privacy and data", Question: hostile, Answer: bundle.NA, Basis: check.Declared, Explanation: "-starts with a dash", Checks: []string{"data.log-redaction"}},
		},
		Summary: bundle.Summary{ByStatus: map[check.Status]int{check.Pass: 2, check.Fail: 4, check.Warn: 2, check.Manual: 1, check.NA: 1, check.Error: 1}, Verdict: "Not ready."},
	}
}

// The JUnit XML as a CI reader sees it.
type (
	readSuites struct {
		Tests    int         `xml:"tests,attr"`
		Failures int         `xml:"failures,attr"`
		Suites   []readSuite `xml:"testsuite"`
	}
	readSuite struct {
		Name     string     `xml:"name,attr"`
		Tests    int        `xml:"tests,attr"`
		Failures int        `xml:"failures,attr"`
		Errors   int        `xml:"errors,attr"`
		Skipped  int        `xml:"skipped,attr"`
		Cases    []readCase `xml:"testcase"`
	}
	readCase struct {
		Name    string `xml:"name,attr"`
		Failure *struct {
			Message string `xml:"message,attr"`
			Type    string `xml:"type,attr"`
			Text    string `xml:",chardata"`
		} `xml:"failure"`
		Error *struct {
			Message string `xml:"message,attr"`
		} `xml:"error"`
		Skipped *struct {
			Message string `xml:"message,attr"`
		} `xml:"skipped"`
		SystemOut string `xml:"system-out"`
	}
)

func TestJUnit(t *testing.T) {
	b := fixture()
	data, err := JUnit(b)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := JUnit(b)
	if !bytes.Equal(data, again) {
		t.Fatal("two renders of junit.xml differ")
	}
	var doc readSuites
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("junit.xml does not parse: %v\n%s", err, data)
	}
	var names []string
	total := 0
	for _, s := range doc.Suites {
		names = append(names, s.Name)
		total += len(s.Cases)
		if s.Tests != len(s.Cases) {
			t.Errorf("suite %s says %d tests and has %d", s.Name, s.Tests, len(s.Cases))
		}
	}
	if want := []string{"auth", "data", "listing", "tool", "widget", "x"}; !slices.Equal(names, want) {
		t.Errorf("suites %v, want %v", names, want)
	}
	if total != len(b.Results) || doc.Tests != total || doc.Failures != 4 {
		t.Errorf("%d test cases (%d in the total, %d failures) for %d results", total, doc.Tests, doc.Failures, len(b.Results))
	}
	find := func(name string) readCase {
		for _, s := range doc.Suites {
			for _, c := range s.Cases {
				if c.Name == name {
					return c
				}
			}
		}
		t.Fatalf("no test case %q", name)
		return readCase{}
	}
	if c := find("tool.declared tool:debug_eval"); c.Failure == nil || c.Failure.Type != "high" || !strings.Contains(c.Failure.Text, "evidence: H0007 H0008") {
		t.Errorf("a fail must be a <failure> of type high with its evidence: %+v", c)
	} else if !strings.Contains(c.Failure.Message, "]]>") || !strings.Contains(c.Failure.Text, "</testcase>") {
		t.Errorf("the server's text was lost: %q", c.Failure.Text)
	}
	if c := find("auth.audience app"); c.Error == nil || c.Error.Message != "token endpoint timed out" {
		t.Errorf("an error must be an <error>: %+v", c)
	}
	if c := find("tool.destructive-labeled tool:get_order"); c.Skipped == nil || !strings.HasPrefix(c.Skipped.Message, "n/a: Declared read") {
		t.Errorf("n/a must be <skipped> with the reason: %+v", c)
	}
	if c := find("data.log-redaction app"); c.Skipped == nil || !strings.HasPrefix(c.Skipped.Message, "manual:") {
		t.Errorf("manual must be <skipped>: %+v", c)
	}
	if c := find("listing.terms app"); c.Failure != nil || c.Skipped != nil || !strings.Contains(c.SystemOut, "status: warn") {
		t.Errorf("warn must pass and say so: %+v", c)
	}
}

func TestXLSX(t *testing.T) {
	b := fixture()
	data, err := XLSX(b)
	if err != nil {
		t.Fatal(err)
	}
	again, err := XLSX(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, again) {
		t.Fatal("two renders of answers.xlsx differ")
	}
	t.Run("zip entries carry the pack's date", func(t *testing.T) {
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range zr.File {
			if !f.Modified.Equal(created) {
				t.Errorf("%s modified %v, want %v", f.Name, f.Modified, created)
			}
		}
	})

	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{"Answers", "Results"}) {
		t.Fatalf("sheets %v", got)
	}
	rows, err := f.GetRows("Answers")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(b.Answers)+1 {
		t.Fatalf("%d rows for %d answers", len(rows), len(b.Answers))
	}
	if want := []string{"ID", "Section", "Question", "Answer", "Basis", "Explanation", "Checks", "Evidence"}; !slices.Equal(rows[0], want) {
		t.Errorf("header %v", rows[0])
	}
	if want := []string{"SEC-1", "Security controls", "Are writes labeled?", "no", "probed", "1 failed.", "tool.write-labeled tool.annotations-explicit", "H0007 H0008"}; !slices.Equal(rows[1], want) {
		t.Errorf("row 1 = %q", rows[1])
	}
	// Text from the server stays text: no formula, the characters XML
	// cannot carry replaced, the rest intact.
	if q := rows[3][2]; !strings.Contains(q, `=HYPERLINK("https://evil.example") 中文 😀`) {
		t.Errorf("the hostile question came back as %q", q)
	}
	if formula, _ := f.GetCellFormula("Answers", "C4"); formula != "" {
		t.Errorf("C4 holds a formula %q", formula)
	}
	if rows[3][5] != "-starts with a dash" {
		t.Errorf("explanation %q", rows[3][5])
	}
	res, err := f.GetRows("Results")
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != len(b.Results)+1 || res[0][0] != "Check" {
		t.Errorf("Results sheet has %d rows (header %v)", len(res), res[0])
	}

	styleID, err := f.GetCellStyle("Answers", "A1")
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(styleID)
	if err != nil || st.Font == nil || !st.Font.Bold {
		t.Errorf("the header is not bold: %+v %v", st, err)
	}
	bodyID, _ := f.GetCellStyle("Answers", "C2")
	if body, _ := f.GetStyle(bodyID); body == nil || body.Alignment == nil || !body.Alignment.WrapText {
		t.Error("the body does not wrap")
	}
	panes, err := f.GetPanes("Answers")
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("the header row is not frozen: %+v %v", panes, err)
	}
	if w, _ := f.GetColWidth("Answers", "C"); w != 60 {
		t.Errorf("question column width %v", w)
	}
	props, err := f.GetDocProps()
	if err != nil || props.Created != created.Format(time.RFC3339) || props.Modified != props.Created {
		t.Errorf("document dates %+v %v, want %s", props, err, created.Format(time.RFC3339))
	}
}

// TestLibreOffice opens answers.xlsx and answers.csv in LibreOffice Calc,
// the tool a buyer without Excel uses: each is converted to the other
// format and read back.
func TestLibreOffice(t *testing.T) {
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("LibreOffice is missing in CI (make test installs libreoffice-calc-nogui)")
		}
		t.Skip("LibreOffice is not installed (apt-get install libreoffice-calc-nogui); skipping the round trip through Calc")
	}
	b := fixture()
	dir := t.TempDir()
	xlsx, err := XLSX(b)
	if err != nil {
		t.Fatal(err)
	}
	var csvBuf bytes.Buffer
	if err := csv.Answers(&csvBuf, b); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "in"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "in", "answers.xlsx"), xlsx, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "in", "answers-csv.csv"), csvBuf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	convert := func(to, in string) {
		t.Helper()
		cmd := exec.CommandContext(t.Context(), soffice, "--headless", "--norestore",
			"-env:UserInstallation=file://"+filepath.ToSlash(filepath.Join(dir, "profile")),
			"--convert-to", to, "--outdir", filepath.Join(dir, "out"), in)
		cmd.Env = append(os.Environ(), "HOME="+dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("soffice --convert-to %s %s: %v\n%s", to, in, err, out)
		}
	}
	convert("csv:Text - txt - csv (StarCalc):44,34,76", filepath.Join(dir, "in", "answers.xlsx"))
	convert("xlsx", filepath.Join(dir, "in", "answers-csv.csv"))

	t.Run("xlsx opens", func(t *testing.T) {
		data, err := os.ReadFile(filepath.Join(dir, "out", "answers.csv"))
		if err != nil {
			t.Fatal(err)
		}
		text := string(data)
		for _, a := range b.Answers {
			if !strings.Contains(text, a.ID) || !strings.Contains(text, a.Explanation) {
				t.Errorf("Calc's CSV of answers.xlsx lacks %s: %s", a.ID, text)
			}
		}
		if !strings.Contains(text, "=HYPERLINK") || strings.Contains(text, "#NAME") {
			t.Errorf("the formula-like text did not stay text: %s", text)
		}
	})
	t.Run("csv opens", func(t *testing.T) {
		f, err := excelize.OpenFile(filepath.Join(dir, "out", "answers-csv.xlsx"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := f.GetRows(f.GetSheetList()[0])
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != len(b.Answers)+1 || rows[0][0] != "id" || rows[1][0] != "SEC-1" {
			t.Fatalf("Calc read answers.csv as %d rows: %q", len(rows), rows)
		}
	})
}
