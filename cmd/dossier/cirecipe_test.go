package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/dossier-dev/dossier/cmd/internal/pipeline"
)

// TestCIRecipeCommands: every dossier command line of the CI recipe names
// a command and flags this dossier has, with values it accepts, so the
// recipe cannot drift from the CLI unnoticed.
func TestCIRecipeCommands(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "samples", "ci", "dossier.yml"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(data), "\\\n", " ")
	// Shell values stand for paths; "${since[@]}" for --since and a pack.
	text = strings.ReplaceAll(text, `"${since[@]}"`, "--since old.zip")
	text = regexp.MustCompile(`"\$[A-Za-z_]+"`).ReplaceAllString(text, "x")
	var lines [][]string
	for _, l := range strings.Split(text, "\n") {
		f := strings.Fields(strings.TrimSpace(l))
		if len(f) > 1 && (f[0] == "dossier" || strings.HasSuffix(f[0], "/bin/dossier\"")) {
			lines = append(lines, f[1:])
		}
	}
	if len(lines) < 3 {
		t.Fatalf("found %d dossier command lines in the recipe", len(lines))
	}
	seen := map[string]bool{}
	for _, args := range lines {
		root := newEnv(io.Discard, io.Discard).rootCmd()
		cmd, rest, err := root.Find(args)
		if err != nil {
			t.Errorf("dossier %s: %v", strings.Join(args, " "), err)
			continue
		}
		seen[cmd.Name()] = true
		cmd.InitDefaultHelpFlag()
		cmd.InitDefaultVersionFlag() // --version, which cobra adds when it runs
		if err := cmd.ParseFlags(rest); err != nil {
			t.Errorf("dossier %s: %v", strings.Join(args, " "), err)
			continue
		}
		if formats, err := cmd.Flags().GetStringSlice("format"); err == nil {
			if _, err := parseFormats(formats); err != nil {
				t.Errorf("dossier %s: %v", strings.Join(args, " "), err)
			}
		}
		if login, err := cmd.Flags().GetString("login"); err == nil && !slices.Contains(append(pipeline.LoginModes(), ""), login) {
			t.Errorf("dossier %s: --login %q is not a mode", strings.Join(args, " "), login)
		}
		if f := cmd.Flags().Lookup("fail-on"); f != nil {
			if _, err := parseFailOn(f.Value.String()); err != nil {
				t.Errorf("dossier %s: %v", strings.Join(args, " "), err)
			}
		}
	}
	for _, want := range []string{"build", "diff"} {
		if !seen[want] {
			t.Errorf("the recipe runs no dossier %s", want)
		}
	}
}

// TestCheckFormats: check takes table, json and md, and names them when
// given another, before anything is probed.
func TestCheckFormats(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), []string{"check", "--manifest", "nowhere.yaml", "--format", "html"}, &stdout, &stderr)
	if code != exitUsage || !strings.Contains(stderr.String(), `--format "html": want table, json or md`) {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
}
