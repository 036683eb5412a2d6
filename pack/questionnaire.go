package pack

import (
	"bytes"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/dossier-dev/dossier/internal/bounded"
	"github.com/dossier-dev/dossier/pack/check"
)

// Questionnaire is a checklist whose answers are derived from check results.
type Questionnaire struct {
	Name      string     `yaml:"name"`
	Version   int        `yaml:"version"`
	Questions []Question `yaml:"questions"`
}

// Question is one checklist item mapped to catalogue check IDs.
type Question struct {
	ID      string   `yaml:"id"`
	Section string   `yaml:"section"`
	Text    string   `yaml:"text"`
	Checks  []string `yaml:"checks"`
}

// Bounds on a questionnaire file: the built-in one has some 60 questions
// in about 20 KB.
const (
	MaxQuestionnaire = 1 << 20 // bytes
	maxQuestions     = 5_000
	maxProblems      = 20 // listed in the error; the rest are counted
)

// ReadQuestionnaire reads a questionnaire file (--questionnaire): only a
// regular file of at most MaxQuestionnaire bytes.
func ReadQuestionnaire(path string) ([]byte, error) {
	data, err := bounded.ReadFile(path, MaxQuestionnaire)
	if err != nil {
		return nil, fmt.Errorf("reading the questionnaire: %w", err)
	}
	return data, nil
}

// ParseQuestionnaire reads a questionnaire strictly: unknown keys, unknown
// check IDs, duplicate question IDs and questions without checks are errors.
func ParseQuestionnaire(name string, data []byte) (*Questionnaire, error) {
	if len(data) > MaxQuestionnaire {
		return nil, fmt.Errorf("reading questionnaire %s: %d bytes, more than %d", name, len(data), MaxQuestionnaire)
	}
	// Each question takes at least "- id: x\n  text: y\n  checks: [z]":
	// count the list entries before decoding builds them.
	if n := bytes.Count(data, []byte("\n")); n > 8*maxQuestions {
		return nil, fmt.Errorf("reading questionnaire %s: %d lines, more than %d questions take", name, n, maxQuestions)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var q Questionnaire
	if err := dec.Decode(&q); err != nil {
		return nil, fmt.Errorf("reading questionnaire %s: %w", name, err)
	}
	if len(q.Questions) > maxQuestions {
		return nil, fmt.Errorf("questionnaire %s: %d questions, more than %d", name, len(q.Questions), maxQuestions)
	}
	var problems []string
	if len(q.Questions) == 0 {
		problems = append(problems, "it has no questions")
	}
	seen := map[string]bool{}
	for i, qu := range q.Questions {
		where := fmt.Sprintf("questions[%d]", i)
		if qu.ID == "" {
			problems = append(problems, where+": id is missing")
		} else if seen[qu.ID] {
			problems = append(problems, fmt.Sprintf("%s: id %q is used twice", where, qu.ID))
		}
		seen[qu.ID] = true
		if strings.TrimSpace(qu.Text) == "" {
			problems = append(problems, where+": text is missing")
		}
		if len(qu.Checks) == 0 {
			problems = append(problems, where+": checks is empty")
		}
		for _, id := range qu.Checks {
			if _, ok := check.Lookup(id); !ok {
				problems = append(problems, fmt.Sprintf("%s: %q is not a check ID of the catalogue", where, id))
			}
		}
	}
	if n := len(problems); n > maxProblems {
		problems = append(problems[:maxProblems], fmt.Sprintf("and %d more", n-maxProblems))
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("questionnaire %s: %s", name, strings.Join(problems, "; "))
	}
	return &q, nil
}
