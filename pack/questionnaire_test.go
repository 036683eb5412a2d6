package pack

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/jsonschema-go/jsonschema"
	"go.yaml.in/yaml/v3"

	"github.com/dossier-dev/dossier/templates"
)

// questionnaireCases are files a buyer might write, each with every error
// ParseQuestionnaire must report, in order, and whether the JSON Schema can
// say so too (it cannot see duplicate IDs, anchors or duplicate keys).
var questionnaireCases = []struct {
	name   string
	yaml   string
	errs   []string
	schema bool // the schema rejects it
}{
	{name: "sound", yaml: "name: Buyer form\nversion: 2\nquestions:\n  - id: Q-1\n    section: S\n    text: Is input validated?\n    checks: [tool.input-validation, tool.naming]\n"},
	{name: "a misspelt key", schema: true,
		yaml: "name: x\nquestions:\n  - id: Q-1\n    txt: Is input validated?\n    checks: [tool.naming]\n",
		errs: []string{`q.yaml:4:5: questions[0].txt: unknown key "txt" (did you mean "text"?)`}},
	{name: "a misspelt check ID", schema: true,
		yaml: "name: x\nquestions:\n  - id: Q-1\n    text: t\n    checks: [tool.naming, tool.input-validaton]\n",
		errs: []string{`q.yaml:5:27: questions[0].checks[1]: "tool.input-validaton" is not a check in the catalogue (did you mean "tool.input-validation"?)`}},
	{name: "a misspelt top-level key", schema: true,
		yaml: "name: x\nquestons: []\n",
		errs: []string{`q.yaml:2:1: questons: unknown key "questons" (did you mean "questions"?)`}},
	{name: "every problem at once", schema: true,
		yaml: "name: x\nversion: one\nquestions:\n  - id: Q-1\n    text: t\n    checks: [data.retension]\n  - id: Q-1\n    txet: t\n    checks: []\n",
		errs: []string{
			`q.yaml:2:10: version: expected a whole number, got a string (!!str "one")`,
			`q.yaml:6:14: questions[0].checks[0]: "data.retension" is not a check in the catalogue (did you mean "data.retention"?)`,
			`q.yaml:7:9: questions[1].id: "Q-1" is the id of questions[0] too: question IDs are unique`,
			`q.yaml:8:5: questions[1].txet: unknown key "txet" (did you mean "text"?)`,
			`q.yaml:9:13: questions[1].checks: the list is empty: name the check IDs whose results answer the question`,
		}},
	{name: "a duplicate question ID",
		yaml: "questions:\n  - {id: A, text: t, checks: [tool.naming]}\n  - {id: A, text: u, checks: [tool.naming]}\n",
		errs: []string{`q.yaml:3:10: questions[1].id: "A" is the id of questions[0] too: question IDs are unique`}},
	{name: "no questions", schema: true,
		yaml: "name: x\nquestions: []\n",
		errs: []string{`q.yaml:2:12: questions: the list is empty: a questionnaire has at least one question`}},
	{name: "no questions key", schema: true,
		yaml: "name: x\n",
		errs: []string{`q.yaml:1:1: questions: missing required key "questions"`}},
	{name: "checks as a string", schema: true,
		yaml: "questions:\n  - id: A\n    text: t\n    checks: tool.naming\n",
		errs: []string{`q.yaml:4:13: questions[0].checks: expected a list, got a string (!!str "tool.naming")`}},
	{name: "blank text", schema: true,
		yaml: "questions:\n  - id: A\n    text: '  '\n    checks: [tool.naming]\n",
		errs: []string{`q.yaml:3:11: questions[0].text: must not be empty`}},
	{name: "a question without its text", schema: true,
		yaml: "questions:\n  - id: A\n    checks: [tool.naming]\n",
		errs: []string{`q.yaml:2:5: questions[0].text: missing required key "text"`}},
	{name: "an empty file", schema: true,
		yaml: "",
		errs: []string{`q.yaml: file is empty (want a mapping starting with "name:" and "questions:")`}},
	{name: "a list at the top", schema: true,
		yaml: "- id: A\n",
		errs: []string{`q.yaml:1:1: expected a mapping of keys such as "name:" and "questions:", got a list (!!seq)`}},
	{name: "an alias",
		yaml: "questions:\n  - id: A\n    text: &t t\n    checks: [tool.naming]\n  - id: B\n    text: *t\n    checks: [tool.naming]\n",
		errs: []string{`q.yaml:3:11: anchors (&t) are not allowed: write the value out`, `q.yaml:6:11: aliases (*t) are not allowed: write the value out`}},
}

// TestParseQuestionnaireErrors replays issue 12's complaint: a questionnaire
// gets its errors as a manifest does, every one at once, each with
// file:line:column, the field's path and, for a misspelt key or check ID,
// the nearest valid one.
func TestParseQuestionnaireErrors(t *testing.T) {
	for _, tt := range questionnaireCases {
		t.Run(tt.name, func(t *testing.T) {
			q, err := ParseQuestionnaire("q.yaml", []byte(tt.yaml))
			if len(tt.errs) == 0 {
				if err != nil || q == nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			var qe *QuestionnaireError
			if !errors.As(err, &qe) {
				t.Fatalf("err = %v (%T), want a *QuestionnaireError", err, err)
			}
			var got []string
			for _, e := range qe.Errs {
				got = append(got, e.Error())
			}
			if strings.Join(got, "\n") != strings.Join(tt.errs, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.errs, "\n"))
			}
		})
	}
}

// TestQuestionnaireSchema checks the schema dossier schema questionnaire
// prints against the parser: it accepts every shipped questionnaire, and
// rejects what the parser rejects, case by case and for every key and
// check ID of the CAIQ sample misspelt in turn.
func TestQuestionnaireSchema(t *testing.T) {
	var s jsonschema.Schema
	if err := json.Unmarshal(QuestionnaireSchema(), &s); err != nil {
		t.Fatalf("the schema is not JSON: %v", err)
	}
	rs, err := s.Resolve(nil)
	if err != nil {
		t.Fatalf("resolving the questionnaire schema: %v", err)
	}
	valid := func(t *testing.T, data []byte) error {
		t.Helper()
		var v any
		if err := yaml.Unmarshal(data, &v); err != nil {
			t.Fatalf("not YAML: %v", err)
		}
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var inst any
		if err := json.Unmarshal(j, &inst); err != nil {
			t.Fatal(err)
		}
		return rs.Validate(inst)
	}

	files, err := filepath.Glob(filepath.Join("..", "samples", "questionnaires", "*.yaml"))
	if err != nil || len(files) < 2 {
		t.Fatalf("sample questionnaires: %v %v", files, err)
	}
	samples := map[string][]byte{"templates/questionnaire.yaml": templates.Questionnaire()}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		samples[filepath.Base(f)] = data
	}
	for name, data := range samples {
		if err := valid(t, data); err != nil {
			t.Errorf("%s does not match the schema: %v", name, err)
		}
	}

	for _, tt := range questionnaireCases {
		if tt.schema != (len(tt.errs) > 0) {
			continue // the parser alone sees it
		}
		t.Run(tt.name, func(t *testing.T) {
			if err := valid(t, []byte(tt.yaml)); (err != nil) != tt.schema {
				t.Errorf("schema says %v; the parser says %v", err, tt.errs)
			}
		})
	}

	// Every key and every check ID of a shipped sample, misspelt.
	caiq := string(samples["caiq-subset.yaml"])
	key := regexp.MustCompile(`(?m)^(\s*(?:- )?)([a-z]+):`)
	checkID := regexp.MustCompile(`\b(tool|data|auth|listing|widget|evidence|ops|transport)\.[a-z-]+`)
	var variants []string
	for _, m := range key.FindAllStringSubmatchIndex(caiq, -1) {
		variants = append(variants, caiq[:m[5]]+"x"+caiq[m[5]:])
	}
	for _, m := range checkID.FindAllStringIndex(caiq, -1) {
		if !strings.HasPrefix(caiq[strings.LastIndex(caiq[:m[0]], "\n")+1:], "#") && !strings.Contains(caiq[strings.LastIndex(caiq[:m[0]], "\n")+1:m[0]], "#") {
			variants = append(variants, caiq[:m[1]-1]+caiq[m[1]:])
		}
	}
	if len(variants) < 100 {
		t.Fatalf("only %d variants of the CAIQ sample", len(variants))
	}
	for _, v := range variants {
		_, perr := ParseQuestionnaire("caiq.yaml", []byte(v))
		serr := valid(t, []byte(v))
		if perr == nil || serr == nil {
			t.Errorf("parser: %v; schema: %v; for a variant differing at %q", perr, serr, firstDiff(caiq, v))
		}
	}
}

// firstDiff returns the line of b where it first differs from a.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return bl[i]
		}
	}
	return ""
}
