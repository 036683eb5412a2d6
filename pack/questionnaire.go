package pack

import (
	"bytes"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

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

// ParseQuestionnaire reads a questionnaire strictly: unknown keys, unknown
// check IDs, duplicate question IDs and questions without checks are errors.
func ParseQuestionnaire(name string, data []byte) (*Questionnaire, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var q Questionnaire
	if err := dec.Decode(&q); err != nil {
		return nil, fmt.Errorf("reading questionnaire %s: %w", name, err)
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
	if len(problems) > 0 {
		return nil, fmt.Errorf("questionnaire %s: %s", name, strings.Join(problems, "; "))
	}
	return &q, nil
}
