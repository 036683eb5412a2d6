// Package ci holds the CI recipes a vendor copies into their repository;
// its test lints them with actionlint, the Go tool go.mod names.
package ci

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// actionlint runs `go tool actionlint` on files from the module root and
// returns its output and whether it found nothing. Shellcheck, which
// actionlint runs on every run: script, is required in CI (make test
// installs it).
func actionlint(t *testing.T, files ...string) (string, bool) {
	t.Helper()
	args := []string{"tool", "actionlint", "-no-color", "-shellcheck="}
	if sc, err := exec.LookPath("shellcheck"); err == nil {
		args[len(args)-1] = "-shellcheck=" + sc
	} else if os.Getenv("CI") == "true" {
		t.Fatal("shellcheck is missing in CI (make test installs it)")
	} else {
		t.Log("shellcheck is not installed (apt-get install shellcheck): run: scripts are not checked")
	}
	cmd := exec.CommandContext(t.Context(), "go", append(args, files...)...)
	cmd.Dir = filepath.Join("..", "..")
	out, err := cmd.CombinedOutput()
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatalf("running go tool actionlint: %v\n%s", err, out)
		}
		return string(out), false
	}
	return string(out), true
}

// TestWorkflowsLint: every workflow under samples/ci passes actionlint
// (expressions, action inputs, permissions, and shellcheck on the scripts).
func TestWorkflowsLint(t *testing.T) {
	files, err := filepath.Glob("*.yml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no workflow under samples/ci: %v", err)
	}
	for i, f := range files {
		files[i] = filepath.Join("samples", "ci", f)
	}
	if out, ok := actionlint(t, files...); !ok {
		t.Fatalf("actionlint finds problems in %s:\n%s", strings.Join(files, " "), out)
	}
}

// TestActionlintHasTeeth: a workflow with a typo in an expression, an
// unquoted variable and an unknown action input is refused.
func TestActionlintHasTeeth(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yml")
	err := os.WriteFile(bad, []byte(`on: push
jobs:
  x:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-deph: 1
      - run: echo ${{ github.refs }}
`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	out, ok := actionlint(t, bad)
	if ok || !strings.Contains(out, "fetch-deph") || !strings.Contains(out, "refs") {
		t.Errorf("actionlint accepted a broken workflow:\n%s", out)
	}
}
