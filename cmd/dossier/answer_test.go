package main

import (
	"encoding/csv"
	"maps"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/dossier-dev/dossier/pack"
	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/check"
)

// TestAnswerFromReceivedPack is issue 12's buyer: a vendor builds a pack
// of the sample app (with one planted flaw) and sends it; the app is gone
// by then. The buyer answers the CAIQ-style sample questionnaire from the
// pack alone (directory or zip), and the answers CSV, parsed back, holds
// one row per question whose answer and evidence follow from the pack's
// own results. A tampered pack is refused, an output directory holding the
// buyer's own files is left alone, and an attestation that has expired
// since the pack was made stops counting.
func TestAnswerFromReceivedPack(t *testing.T) {
	dir := t.TempDir()
	received := filepath.Join(dir, "received")
	dossier(t, "demo", "--flaw", "sensitive-field", "--out", received, "--zip", "--chrome", "/nonexistent/chromium")
	b := readPack(t, received)

	// Nothing answers at the pack's server any more: answer works offline.
	u, err := url.Parse(b.Observation.Server.URL)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := net.DialTimeout("tcp", u.Host, time.Second); err == nil {
		c.Close()
		t.Fatalf("the sample app still listens at %s", u.Host)
	}

	qfile := filepath.Join("..", "..", "samples", "questionnaires", "caiq-subset.yaml")
	data, err := os.ReadFile(qfile)
	if err != nil {
		t.Fatal(err)
	}
	q, err := pack.ParseQuestionnaire(qfile, data)
	if err != nil {
		t.Fatal(err)
	}

	out := filepath.Join(dir, "answers")
	stdout, _ := dossier(t, "answer", received, "--questionnaire", qfile, "--out", out)
	if !strings.Contains(stdout, "Answered 22 questions") || !strings.Contains(stdout, "signature was not checked") {
		t.Errorf("stdout:\n%s", stdout)
	}
	for _, f := range []string{"answers.csv", "answers.xlsx", "answers.pdf", "SHA256SUMS"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("%s not written: %v", f, err)
		}
	}

	rows := readAnswersCSV(t, filepath.Join(out, "answers.csv"))
	if len(rows) != len(q.Questions) {
		t.Fatalf("%d rows for %d questions", len(rows), len(q.Questions))
	}
	answers := map[string]int{}
	withEvidence := 0
	for i, qu := range q.Questions {
		row := rows[i]
		if row["id"] != qu.ID || row["question"] != qu.Text || row["section"] != qu.Section || row["checks"] != strings.Join(qu.Checks, " ") {
			t.Errorf("row %d: %v, want question %s", i, row, qu.ID)
			continue
		}
		// The answer follows from the pack's results, recounted here.
		var mapped []check.Result
		var evidence []string
		for _, r := range b.Results {
			if slices.Contains(qu.Checks, r.ID) {
				mapped = append(mapped, r)
				for _, e := range r.Evidence {
					if !slices.Contains(evidence, string(e)) {
						evidence = append(evidence, string(e))
					}
				}
			}
		}
		slices.Sort(evidence)
		fails := slices.ContainsFunc(mapped, func(r check.Result) bool { return r.Counts() })
		applies := slices.ContainsFunc(mapped, func(r check.Result) bool { return r.Status != check.NA })
		want := map[bool]string{true: bundle.No}[fails]
		switch {
		case !applies:
			want = bundle.NA
		case fails:
		case slices.ContainsFunc(mapped, func(r check.Result) bool {
			return r.Status != check.NA && (r.Status != check.Pass || r.Basis == check.Declared || r.Basis == check.Absent)
		}):
			want = bundle.Partial
		default:
			want = bundle.Yes
		}
		if row["answer"] != want || row["basis"] == "" || row["explanation"] == "" {
			t.Errorf("%s: answer %q (%s: %s), want %q from %d results", qu.ID, row["answer"], row["basis"], row["explanation"], want, len(mapped))
		}
		if want != bundle.NA && row["evidence"] != strings.Join(evidence, " ") {
			t.Errorf("%s: evidence %q, want the results' %q", qu.ID, row["evidence"], strings.Join(evidence, " "))
		}
		if row["evidence"] != "" {
			withEvidence++
		}
		answers[row["answer"]]++
	}
	if answers[bundle.No] == 0 || answers[bundle.Yes] == 0 || withEvidence < len(q.Questions)/2 {
		t.Errorf("answers %v, %d with evidence: the planted flaw should give a no, the rest yes with evidence", answers, withEvidence)
	}

	x, err := excelize.OpenFile(filepath.Join(out, "answers.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	sheet, err := x.GetRows("Answers")
	x.Close()
	if err != nil || len(sheet) < len(q.Questions)+1 || sheet[len(sheet)-1][0] != q.Questions[len(q.Questions)-1].ID {
		t.Errorf("answers.xlsx Answers sheet: %d rows (%v)", len(sheet), err)
	}
	// The PDF: its cover names the pack and, the pack having been built
	// without a browser, says what in it could not be judged.
	if text, ok := pdfText(t, filepath.Join(out, "answers.pdf")); ok {
		flat := strings.Join(strings.Fields(text), " ")
		for _, want := range []string{"QUESTIONNAIRE ANSWERS", "CAIQ-style subset", bundle.UnjudgedText(b.Summary.Unjudged()), q.Questions[0].ID, q.Questions[len(q.Questions)-1].ID} {
			if !strings.Contains(flat, want) {
				t.Errorf("answers.pdf does not say %q:\n%s", want, text)
			}
		}
		if strings.Contains(flat, "Security review pack") {
			t.Error("answers.pdf calls itself the security review pack")
		}
	}

	// The zip the vendor sent gives the same answers, into the same
	// directory (an earlier set of answers may be replaced).
	dossier(t, "answer", filepath.Join(received, "pack.zip"), "--questionnaire", qfile, "--out", out, "--format", "csv")
	if again := readAnswersCSV(t, filepath.Join(out, "answers.csv")); !slices.EqualFunc(again, rows, func(a, b map[string]string) bool {
		return a["id"] == b["id"] && a["answer"] == b["answer"] && a["evidence"] == b["evidence"]
	}) {
		t.Error("the zip's answers differ from the directory's")
	}

	// The buyer's own directory is never replaced.
	mine := filepath.Join(dir, "mine")
	if err := os.MkdirAll(mine, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mine, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := dossierCode(t, "answer", received, "-q", qfile, "--out", mine); code == exitOK || !strings.Contains(errs, "notes.txt") {
		t.Errorf("answering into a directory of the buyer's: exit %d, %s", code, errs)
	}
	if got, err := os.ReadFile(filepath.Join(mine, "notes.txt")); err != nil || string(got) != "mine" {
		t.Errorf("the buyer's file: %q, %v", got, err)
	}

	// Nor is a pack, least of all the one being answered.
	before := digests(t, received)
	if code, _, errs := dossierCode(t, "answer", received, "-q", qfile, "--out", received); code == exitOK || !strings.Contains(errs, "holds a pack") {
		t.Errorf("answering into the received pack: exit %d, %s", code, errs)
	}
	if after := digests(t, received); !maps.Equal(before, after) {
		t.Errorf("the received pack changed: %d files before, %d after", len(before), len(after))
	}

	// A pack changed after it was built is refused, and nothing is written.
	tampered := filepath.Join(dir, "tampered")
	if err := os.CopyFS(tampered, os.DirFS(received)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tampered, "answers.csv"), []byte("id\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	nothing := filepath.Join(dir, "nothing")
	code, _, errs := dossierCode(t, "answer", tampered, "-q", qfile, "--out", nothing)
	if code != exitFindings || !strings.Contains(errs, "does not verify") || !strings.Contains(errs, "answers.csv: changed") {
		t.Errorf("a tampered pack: exit %d, %s", code, errs)
	}
	if _, err := os.Stat(nothing); !os.IsNotExist(err) {
		t.Errorf("answering a tampered pack wrote %s", nothing)
	}

	// After the sample's attestations expire (2027-10-01), what rested on
	// them is declared only: a yes becomes partial, and says why.
	t.Setenv("SOURCE_DATE_EPOCH", "1830297600") // 2028-01-01
	later := filepath.Join(dir, "later")
	dossier(t, "answer", received, "-q", qfile, "--out", later, "--format", "csv")
	lapsed := 0
	for i, row := range readAnswersCSV(t, filepath.Join(later, "answers.csv")) {
		attested := slices.ContainsFunc(b.Results, func(r check.Result) bool {
			return r.Basis == check.Attested && slices.Contains(q.Questions[i].Checks, r.ID)
		})
		switch {
		case attested && rows[i]["answer"] == bundle.Yes:
			lapsed++
			if row["answer"] != bundle.Partial || row["basis"] == string(check.Attested) || !strings.Contains(row["explanation"], "no longer counts") {
				t.Errorf("%s after its attestation expired: %s (%s): %s", row["id"], row["answer"], row["basis"], row["explanation"])
			}
		case row["answer"] != rows[i]["answer"]:
			t.Errorf("%s changed from %s to %s, though it rests on no attestation", row["id"], rows[i]["answer"], row["answer"])
		}
	}
	if lapsed == 0 {
		t.Error("no answer of the sample rested on an attestation alone")
	}
}

// readAnswersCSV parses answers.csv into one map per row, by header.
func readAnswersCSV(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s is not CSV: %v", path, err)
	}
	if len(recs) == 0 || strings.Join(recs[0], ",") != "id,section,question,answer,basis,explanation,checks,evidence" {
		t.Fatalf("%s header: %v", path, recs)
	}
	var rows []map[string]string
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, h := range recs[0] {
			row[h] = rec[i]
		}
		rows = append(rows, row)
	}
	return rows
}

// pdfText is the text of a PDF as pdftotext reads it, or false when
// poppler is not installed here (CI installs it, so there it fails).
func pdfText(t *testing.T, path string) (string, bool) {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext is missing (install poppler-utils; make test does)")
		}
		t.Log("pdftotext not installed (apt-get install poppler-utils): the PDF's text is not checked")
		return "", false
	}
	out, err := exec.Command("pdftotext", "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out), true
}
