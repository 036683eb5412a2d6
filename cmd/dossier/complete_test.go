package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// TestCompletion asks the shell-completion command, as bash and zsh do,
// for the values of each flag with a fixed list, and for schema's
// arguments.
func TestCompletion(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want []string
		// noSpace: another item of a comma-separated list may follow.
		noSpace bool
	}{
		{"check --format", []string{"check", "--format", ""}, []string{"table", "json", "md"}, false},
		{"build --format", []string{"build", "--format", ""}, []string{"json", "pdf", "csv", "xlsx", "sarif", "junit", "openai", "md", "all"}, true},
		{"build --format after a comma", []string{"build", "--format", "pdf,s"}, []string{"pdf,sarif"}, true},
		{"render --format leaves out what is given", []string{"render", "pack.json", "--format", "pdf,csv,"}, []string{"pdf,csv,json", "pdf,csv,xlsx", "pdf,csv,sarif", "pdf,csv,junit", "pdf,csv,openai", "pdf,csv,md", "pdf,csv,all"}, true},
		{"check --fail-on", []string{"check", "--fail-on", ""}, []string{"critical", "high", "medium", "low", "info", "none"}, false},
		{"diff --fail-on", []string{"diff", "--fail-on", "h"}, []string{"high"}, false},
		{"build --login", []string{"build", "--login", ""}, []string{"auto", "env", "dcr", "form", "interactive"}, false},
		{"init --login", []string{"init", "--login", "d"}, []string{"dcr"}, false},
		{"demo --flaw", []string{"demo", "--flaw", "no-"}, []string{"no-prm", "no-resource-metadata", "no-s256", "no-privacy-policy", "no-origin-check"}, false},
		{"schema", []string{"schema", ""}, []string{"manifest", "pack", "questionnaire"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(t.Context(), append([]string{"__complete"}, tc.args...), &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
			directive := lines[len(lines)-1]
			var got []string
			for _, l := range lines[:len(lines)-1] {
				v, _, _ := strings.Cut(l, "\t") // a value may carry a description
				got = append(got, v)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("completions %q, want %q", got, tc.want)
			}
			// :4 is ShellCompDirectiveNoFileComp; :6 adds NoSpace.
			want := ":4"
			if tc.noSpace {
				want = ":6"
			}
			if directive != want {
				t.Errorf("directive %s, want %s (no file names)", directive, want)
			}
		})
	}
}
