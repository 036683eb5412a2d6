// Package export renders a Bundle in the formats other tools import:
// answers.xlsx for spreadsheet questionnaires, SARIF 2.1.0 and JUnit XML of
// the check results for CI, and the ChatGPT app submission import file. Each
// format is one function from the Bundle to bytes; pack.Render holds the one
// switch over them. Like the PDF, every export reads nothing but the Bundle,
// and the same Bundle always gives the same bytes.
package export

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/dossier-dev/dossier/pack/check"
)

// group is the part of a check ID before its first dot: "tool" for
// "tool.write-labeled".
func group(id string) string {
	g, _, _ := strings.Cut(id, ".")
	return g
}

// subjectParts splits a result subject such as "tool:cancel_order" into its
// kind and name; "app" has no name.
func subjectParts(s string) (kind, name string) {
	kind, name, ok := strings.Cut(s, ":")
	if !ok {
		return s, s
	}
	return kind, name
}

func evidenceIDs(ids []check.EvidenceID) []string {
	if len(ids) == 0 {
		return nil
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = string(id)
	}
	return out
}

// indentJSON encodes v as two-space indented JSON with a final newline and
// without HTML escaping, which tools reading these files do not need.
func indentJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
