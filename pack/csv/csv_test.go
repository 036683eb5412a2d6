package csv

import (
	"bytes"
	"encoding/csv"
	"errors"
	"reflect"
	"testing"

	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/check"
)

func TestAnswers(t *testing.T) {
	b := &bundle.Bundle{Answers: []bundle.Answer{
		{ID: "SEC-1", Section: "Security", Question: "Is auth required?", Answer: bundle.Yes, Basis: check.Probed,
			Explanation: "Refused with 401, \"Bearer\" challenge.", Checks: []string{"auth.required", "auth.challenge"}, Evidence: []check.EvidenceID{"E0001", "E0002"}},
		{ID: "PRV-2", Section: "Datenschutz", Question: "Löschfristen?\nMehrzeilig", Answer: bundle.Partial, Basis: check.Declared,
			Explanation: "=HYPERLINK(\"https://evil.example\",\"click\")", Checks: []string{"data.retention"}},
		{ID: "OPS-1", Section: "Ops", Question: "+1 or -1?", Answer: bundle.NA, Basis: check.Absent, Explanation: "@SUM(A1)"},
		{ID: "OPS-2", Section: "Ops", Question: "\tcmd", Answer: bundle.No, Basis: check.Attested, Explanation: "\rcmd"},
	}}
	var buf bytes.Buffer
	if err := Answers(&buf, b); err != nil {
		t.Fatal(err)
	}
	got, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatalf("reading back: %v", err)
	}
	want := [][]string{
		{"id", "section", "question", "answer", "basis", "explanation", "checks", "evidence"},
		{"SEC-1", "Security", "Is auth required?", "yes", "probed", "Refused with 401, \"Bearer\" challenge.", "auth.required auth.challenge", "E0001 E0002"},
		{"PRV-2", "Datenschutz", "Löschfristen?\nMehrzeilig", "partial", "declared", "'=HYPERLINK(\"https://evil.example\",\"click\")", "data.retention", ""},
		{"OPS-1", "Ops", "'+1 or -1?", "n.a.", "absent", "'@SUM(A1)", "", ""},
		{"OPS-2", "Ops", "'\tcmd", "no", "attested", "'\rcmd", "", ""},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("answers.csv:\n got %q\nwant %q", got, want)
	}
}

func TestAnswersEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := Answers(&buf, &bundle.Bundle{}); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != "id,section,question,answer,basis,explanation,checks,evidence\n" {
		t.Errorf("empty bundle: %q", got)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestAnswersWriteError(t *testing.T) {
	err := Answers(failWriter{}, &bundle.Bundle{Answers: []bundle.Answer{{ID: "X-1"}}})
	if err == nil {
		t.Fatal("want an error from a failing writer")
	}
}
