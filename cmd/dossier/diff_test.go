package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dossier-dev/dossier/pack"
	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/live"
)

// TestDiffEscapesThePacksText: a tool name carrying a terminal escape
// sequence, a newline and a bidi override reaches diff's table escaped,
// never raw.
func TestDiffEscapesThePacksText(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, tools ...string) string {
		b := &bundle.Bundle{SchemaVersion: bundle.SchemaVersion, Created: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)}
		b.Observation.Server = live.Server{URL: "https://app.example/mcp", Reached: true}
		for _, n := range tools {
			b.Observation.Tools = append(b.Observation.Tools, live.Tool{Name: n, Description: "Does " + n})
		}
		p := filepath.Join(dir, name)
		if _, err := pack.Write(t.Context(), b, p, []string{"json"}); err != nil {
			t.Fatal(err)
		}
		return p
	}
	evil := "get\x1b]0;owned\x07\x1b[2J\nFAKE LINE\u202etxt.exe"
	old := write("old", "list")
	new := write("new", "list", evil)
	code, out, errs := dossierCode(t, "diff", old, new)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	for _, raw := range []string{"\x1b", "\x07", "\u202e", "\nFAKE LINE"} {
		if strings.Contains(out, raw) {
			t.Errorf("diff printed %q raw:\n%s", raw, out)
		}
	}
	if !strings.Contains(out, `get\x1b]0;owned\a\x1b[2J\nFAKE LINE\u202etxt.exe`) {
		t.Errorf("the tool's name is not shown escaped:\n%s", out)
	}
}
