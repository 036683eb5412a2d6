package pack

import (
	"bytes"
	"fmt"
	"reflect"

	"github.com/dossier-dev/dossier/internal/bounded"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/manifest"
)

// Questionnaire is a checklist whose answers are derived from check
// results. Its tags are read as the manifest's are (manifest.Decode):
// required keys, closed mappings.
type Questionnaire struct {
	Name      string     `yaml:"name"`
	Version   int        `yaml:"version"`
	Questions []Question `yaml:"questions" required:"true"`
}

// Question is one checklist item mapped to catalogue check IDs.
type Question struct {
	ID      string   `yaml:"id" required:"true"`
	Section string   `yaml:"section"`
	Text    string   `yaml:"text" required:"true"`
	Checks  []string `yaml:"checks" required:"true"`
}

// Bounds on a questionnaire file: the built-in one has some 60 questions
// in about 20 KB.
const (
	MaxQuestionnaire = 1 << 20 // bytes
	maxQuestions     = 5_000
)

// QuestionnaireError is every problem found in one questionnaire file, as
// manifest.Errors (file:line:column, field path, in file order); get them
// with errors.As. The CLI exits 2 on it, as on a bad manifest.
type QuestionnaireError struct{ Errs manifest.Errors }

func (e *QuestionnaireError) Error() string { return e.Errs.Error() }
func (e *QuestionnaireError) Unwrap() error { return e.Errs }

// ReadQuestionnaire reads a questionnaire file (--questionnaire): only a
// regular file of at most MaxQuestionnaire bytes.
func ReadQuestionnaire(path string) ([]byte, error) {
	data, err := bounded.ReadFile(path, MaxQuestionnaire)
	if err != nil {
		return nil, fmt.Errorf("reading the questionnaire: %w", err)
	}
	return data, nil
}

// ParseQuestionnaire reads a questionnaire as strictly as a manifest is
// read: unknown keys (with the nearest valid one), wrong types, unknown
// check IDs (with the nearest catalogue ID), duplicate question IDs and
// questions without checks are all reported at once, each at its
// file:line:column, as a *QuestionnaireError.
func ParseQuestionnaire(name string, data []byte) (*Questionnaire, error) {
	whole := func(format string, args ...any) error {
		return &QuestionnaireError{manifest.Errors{{File: name, Msg: fmt.Sprintf(format, args...)}}}
	}
	if len(data) > MaxQuestionnaire {
		return nil, whole("%d bytes, more than %d", len(data), MaxQuestionnaire)
	}
	// Each question takes at least "- id: x\n  text: y\n  checks: [z]":
	// count the lines before decoding builds the list.
	if n := bytes.Count(data, []byte("\n")); n > 8*maxQuestions {
		return nil, whole("%d lines, more than %d questions take", n, maxQuestions)
	}
	var q Questionnaire
	doc := manifest.Decode(name, data, &q, `a mapping starting with "name:" and "questions:"`)
	if len(q.Questions) > maxQuestions {
		return nil, whole("%d questions, more than %d", len(q.Questions), maxQuestions)
	}
	if q.Questions != nil && len(q.Questions) == 0 {
		doc.Errorf("questions", "the list is empty: a questionnaire has at least one question")
	}
	first := map[string]int{}
	for i, qu := range q.Questions {
		at := fmt.Sprintf("questions[%d]", i)
		if j, dup := first[qu.ID]; dup && qu.ID != "" {
			doc.Errorf(at+".id", "%q is the id of questions[%d] too: question IDs are unique", qu.ID, j)
		} else {
			first[qu.ID] = i
		}
		if qu.Checks != nil && len(qu.Checks) == 0 {
			doc.Errorf(at+".checks", "the list is empty: name the check IDs whose results answer the question")
		}
		for j, id := range qu.Checks {
			doc.CheckID(fmt.Sprintf("%s.checks[%d]", at, j), id)
		}
	}
	if errs := doc.Errors(); len(errs) > 0 {
		return nil, &QuestionnaireError{errs}
	}
	return &q, nil
}

// QuestionnaireSchema returns a JSON Schema (draft 2020-12) for the
// questionnaire format, generated from the same types and tags
// ParseQuestionnaire reads, with the catalogue's check IDs as the only
// values a question's checks may hold.
func QuestionnaireSchema() []byte {
	var ids []string
	for _, d := range check.Catalogue() {
		ids = append(ids, d.ID)
	}
	return manifest.SchemaFor(reflect.TypeFor[Questionnaire](), "dossier questionnaire",
		"A checklist whose answers dossier derives from a pack's check results: each question names the catalogue checks that answer it (yes when all pass, no when any fails, partial when some rest on weaker ground, n.a. when none applies). Pass it with --questionnaire to build or answer.",
		manifest.SchemaDocs{
			Type: func(typ string) string {
				if typ == "Question" {
					return "One question of the checklist and the checks whose results answer it."
				}
				return ""
			},
			Field: func(typ, key string) string {
				switch typ + "." + key {
				case "Questionnaire.name":
					return "The questionnaire's name, as the answers show it."
				case "Questionnaire.version":
					return "The questionnaire's own version number."
				case "Questionnaire.questions":
					return "The questions, in the order they are answered."
				case "Question.id":
					return "The question's ID, such as SEC-1 or AIS-04.1; unique."
				case "Question.section":
					return "The section the question is grouped under."
				case "Question.text":
					return "The question as the buyer asks it."
				case "Question.checks":
					return "Catalogue check IDs whose results answer the question."
				}
				return ""
			},
			Extra: func(typ, key string) map[string]any {
				switch typ + "." + key {
				case "Questionnaire.questions":
					return map[string]any{"minItems": 1}
				case "Question.id", "Question.text":
					return map[string]any{"minLength": 1, "pattern": `\S`}
				case "Question.checks":
					return map[string]any{"minItems": 1, "items": map[string]any{"enum": ids}}
				}
				return nil
			},
		})
}
