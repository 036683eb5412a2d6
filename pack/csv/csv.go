// Package csv renders the questionnaire of a Bundle as answers.csv, for
// buyers who paste the answers into their own spreadsheet or GRC tool. It
// reads nothing but the Bundle.
package csv

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/dossier-dev/dossier/pack/bundle"
)

// header is the first row of answers.csv; the column order is part of the
// file's contract.
var header = []string{"id", "section", "question", "answer", "basis", "explanation", "checks", "evidence"}

// Answers writes one row per answer of b, in bundle order, after a header
// row. Checks and evidence IDs are joined with spaces.
//
// Text from the questionnaire and from the server under test ends up in the
// cells, and spreadsheets run a cell that starts with '=', '+', '-' or '@'
// (and some run one that starts with a tab or a carriage return) as a
// formula. Such a cell is written with a leading "'", which spreadsheets
// show as text; the value in pack.json is unchanged.
func Answers(w io.Writer, b *bundle.Bundle) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("writing answers.csv header: %w", err)
	}
	for _, a := range b.Answers {
		rec := Record(a)
		for i := range rec {
			rec[i] = defuse(rec[i])
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("writing answers.csv row %q: %w", a.ID, err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("writing answers.csv: %w", err)
	}
	return nil
}

// Record is one answer as a row of answers.csv, in header's order, before
// defusing: the xlsx export's Answers sheet has the same columns.
func Record(a bundle.Answer) []string {
	ev := make([]string, len(a.Evidence))
	for i, id := range a.Evidence {
		ev[i] = string(id)
	}
	return []string{a.ID, a.Section, a.Question, a.Answer, string(a.Basis), a.Explanation,
		strings.Join(a.Checks, " "), strings.Join(ev, " ")}
}

// defuse keeps a spreadsheet from reading the cell as a formula.
func defuse(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
