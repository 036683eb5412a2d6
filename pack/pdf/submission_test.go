package pdf

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/check"
)

func withSubmissionResults(b *bundle.Bundle, rs ...check.Result) *bundle.Bundle {
	b.Results = append(b.Results, rs...)
	check.Sort(b.Results)
	return b
}

func TestRenderSubmissionReadiness(t *testing.T) {
	const title = "Submission readiness"
	na := func(id string) check.Result {
		return check.Result{ID: id, Subject: "app", Status: check.NA, Basis: check.Absent, Detail: "No plugin package was given."}
	}
	tests := []struct {
		name    string
		results []check.Result
		want    []string // "" for no section
	}{
		{"package with a secret", []check.Result{
			{ID: "submission.package", Subject: "app", Status: check.Fail, Severity: check.Critical, Basis: check.Declared,
				Detail: "The plugin package \"orderly.zip\" (codex layout, zip): a credential: .mcp.json:7:25: mcpServers.orderly.oauth.clientSecret holds a value (not shown)."},
			{ID: "submission.endpoint", Subject: "app", Status: check.Warn, Severity: check.High, Basis: check.Declared,
				Detail: "The MCP URL \"http://127.0.0.1:8931/mcp\" is on loopback: this pack was made against a local or staging server."},
			na("submission.reviewer-account"),
		}, []string{"Not ready to submit: 1 check fail", ".mcp.json:7:25: mcpServers.orderly.oauth.clientSecret holds a value (not shown)",
			"made against a local or staging server", "third parties report", "Declared in the plugin package or the manifest, not observed."}},
		{"only warnings", []check.Result{
			{ID: "submission.endpoint", Subject: "app", Status: check.Warn, Severity: check.High, Basis: check.Declared, Detail: "On loopback."},
			{ID: "submission.test-cases", Subject: "app", Status: check.Pass, Basis: check.Probed, Detail: "5 positive and 3 negative test cases."},
		}, []string{"No rejection found, with 1 check to read before submitting."}},
		{"nothing applies", []check.Result{na("submission.package"), na("submission.listing")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := render(t, mustRender(t, withSubmissionResults(fixture(), tt.results...)))
			contents := words(extractPages(t, path, 2, 2))
			m := regexp.MustCompile(title + ` (\d+)`).FindStringSubmatch(contents)
			if tt.want == nil {
				if m != nil {
					t.Errorf("the contents list %q though no submission check applies: %s", title, contents)
				}
				return
			}
			if m == nil {
				t.Fatalf("the contents do not list %q: %s", title, contents)
			}
			n, _ := strconv.Atoi(m[1])
			section := words(extractPages(t, path, n, n+1))
			if !strings.HasPrefix(strings.TrimSpace(strings.SplitN(section, title, 2)[1]), strings.Fields(tt.want[0])[0]) {
				t.Errorf("the section does not open with the verdict: %.400s", section)
			}
			for _, w := range tt.want {
				if !strings.Contains(section, w) {
					t.Errorf("the section lacks %q: %.1500s", w, section)
				}
			}
		})
	}
}
