package pack

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/dossier-dev/dossier/templates"
)

// The sample questionnaires ship for buyers to copy; builtin.yaml must stay
// the questionnaire the binary embeds.
func TestSampleQuestionnaires(t *testing.T) {
	dir := filepath.Join("..", "samples", "questionnaires")
	builtin, err := os.ReadFile(filepath.Join(dir, "builtin.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(builtin, templates.Questionnaire()) {
		t.Error("samples/questionnaires/builtin.yaml differs from templates/questionnaire.yaml: copy the template over it")
	}
	tests := []struct {
		file  string
		first string
		min   int
	}{
		{file: "builtin.yaml", first: "SEC-1", min: 30},
		{file: "caiq-subset.yaml", first: "AIS-04.1", min: 20},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			q, err := ParseQuestionnaire(tt.file, data)
			if err != nil {
				t.Fatal(err)
			}
			if len(q.Questions) < tt.min || q.Questions[0].ID != tt.first {
				t.Errorf("%d questions starting with %s, want at least %d starting with %s", len(q.Questions), q.Questions[0].ID, tt.min, tt.first)
			}
		})
	}
}
