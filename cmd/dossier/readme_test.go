package main

import (
	"os"
	"strings"
	"testing"
)

// TestREADMEShowsTheSampleManifest keeps the README's full example and the
// shipped sample manifest from drifting apart.
func TestREADMEShowsTheSampleManifest(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	sample, err := os.ReadFile("../../samples/orderly/manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	block := "```yaml\n" + strings.TrimRight(string(sample), "\n") + "\n```"
	if !strings.Contains(string(readme), block) {
		t.Fatal("README.md does not show samples/orderly/manifest.yaml verbatim; copy it into the README's manifest section")
	}
	for _, s := range []string{"make demo", "make test"} {
		if !strings.Contains(string(readme), s) {
			t.Errorf("README.md does not mention %q", s)
		}
	}
}
