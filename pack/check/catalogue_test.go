package check

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// regenerate is what a failing test tells a contributor to run.
const regenerate = "go generate ./pack/check (then commit docs/checks.md)"

// TestCatalogueTexts: every catalogue entry says what it checks, when it
// fails and the remedy, and about.go describes no check the catalogue lacks.
func TestCatalogueTexts(t *testing.T) {
	seen := map[string]bool{}
	for _, d := range Catalogue() {
		if seen[d.ID] {
			t.Errorf("check %s is listed twice in pack/check/catalogue.go", d.ID)
		}
		seen[d.ID] = true
		if strings.TrimSpace(d.Checks) == "" || strings.TrimSpace(d.FailsWhen) == "" || strings.TrimSpace(d.Remedy) == "" {
			t.Errorf("check %s has no complete entry in pack/check/about.go: add what it checks (Checks), when it fails (FailsWhen) and the remedy (Remedy), then run %s", d.ID, regenerate)
		}
		if d.Severity.Rank() == 0 || strings.TrimSpace(d.Title) == "" {
			t.Errorf("check %s has no title or an unknown severity %q", d.ID, d.Severity)
		}
	}
	for id := range about {
		if !seen[id] {
			t.Errorf("pack/check/about.go describes %s, which is not in the catalogue", id)
		}
	}
}

// TestCatalogueDoc: the committed docs/checks.md is what the catalogue
// generates, and it has an anchor for every check ID (SARIF's helpUri and
// the PDF link to them).
func TestCatalogueDoc(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "checks.md")
	committed, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading the committed catalogue: %v; run %s", err, regenerate)
	}
	generated := CatalogueMarkdown()
	if !bytes.Equal(committed, generated) {
		t.Fatalf("docs/checks.md is not what pack/check/catalogue.go and about.go generate (a check was added or its texts changed): run %s", regenerate)
	}
	for _, d := range Catalogue() {
		if !bytes.Contains(generated, []byte(`<a id="`+d.ID+`"></a>`)) {
			t.Errorf("docs/checks.md has no anchor for %s", d.ID)
		}
		if !strings.HasSuffix(DocLink(d.ID), "docs/checks.md#"+d.ID) {
			t.Errorf("DocLink(%s) = %s", d.ID, DocLink(d.ID))
		}
	}
	// Text is escaped: the remedy of auth.challenge mentions <metadata URL>,
	// which must not become an HTML tag.
	if bytes.Contains(generated, []byte("<metadata URL>")) || !bytes.Contains(generated, []byte("&lt;metadata URL&gt;")) {
		t.Error("catalogue text is not escaped for Markdown")
	}
}
