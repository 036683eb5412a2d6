package collect

import (
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/manifest"
	"github.com/dossier-dev/dossier/pack/plugin"
	"github.com/dossier-dev/dossier/samples/app"
)

var submissionChecks = []string{"submission.package", "submission.listing", "submission.endpoint",
	"submission.domain-verification", "submission.reviewer-account", "submission.test-cases"}

// probeSubmission runs the whole probe of the sample app with one
// submission flaw planted where it belongs (server, manifest or package),
// the package in layout written as a directory or a zip.
func probeSubmission(t *testing.T, flaw, layout string, zipped bool) *Report {
	t.Helper()
	serverFlaw := ""
	for _, f := range app.SubmissionFlaws() {
		if f.Name == flaw && f.Plants == "server" {
			serverFlaw = flaw
		}
	}
	srv, err := app.Start(t.Context(), app.Options{Flaw: serverFlaw})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	m, err := manifest.Parse("manifest.yaml", app.SubmissionManifest(srv.Origin, flaw))
	if err != nil {
		t.Fatal(err)
	}
	toks := sampleTokens(t, srv, m)
	dir := filepath.Join(t.TempDir(), "orderly")
	if zipped {
		dir += ".zip"
	}
	if err := app.WritePlugin(dir, layout, srv.Origin, flaw); err != nil {
		t.Fatal(err)
	}
	pkg, err := plugin.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	rep, _ := runProbe(t, Options{Manifest: m, Tokens: toks, Plugin: pkg, HTTPClient: &http.Client{Transport: srv.Tunnel()}})
	checkInvariants(t, rep)
	return rep
}

// TestSubmissionCleanSample: the clean sample package, in both layouts,
// as a directory and as a zip, passes every submission check it can pass
// on loopback. The endpoint warns (a loopback pack says it was made
// against a local server: a pass would claim a public endpoint nobody
// checked, a fail would blame the app for where the test runs it), and
// no reviewer account is declared.
func TestSubmissionCleanSample(t *testing.T) {
	want := map[string]check.Status{
		"submission.package": check.Pass, "submission.listing": check.Pass, "submission.endpoint": check.Warn,
		"submission.domain-verification": check.Pass, "submission.reviewer-account": check.NA, "submission.test-cases": check.Pass,
	}
	for _, layout := range app.PluginLayouts() {
		for _, zipped := range []bool{false, true} {
			t.Run(layout+map[bool]string{false: " directory", true: " zip"}[zipped], func(t *testing.T) {
				t.Parallel()
				rep := probeSubmission(t, "", layout, zipped)
				for _, id := range submissionChecks {
					r, ok := find(rep.Results, id, "app")
					if !ok || r.Status != want[id] {
						t.Errorf("%s: %s %s, want %s", id, r.Status, r.Detail, want[id])
					}
				}
				if r, _ := find(rep.Results, "submission.endpoint", "app"); !strings.Contains(r.Detail, "local or staging server") {
					t.Errorf("the endpoint warning should say the pack was made against a local server: %s", r.Detail)
				}
				for _, r := range rep.Results {
					if r.Failing() {
						t.Errorf("clean sample with its package: %s %s %s: %s", r.Status, r.ID, r.Subject, r.Detail)
					}
				}
			})
		}
	}
}

// TestSubmissionFlaws: each planted problem fails exactly its check, and
// nothing else fails.
func TestSubmissionFlaws(t *testing.T) {
	for _, f := range app.SubmissionFlaws() {
		if f.Check == "submission.reviewer-account" {
			continue // judged by a sign-in in a browser: cmd/internal/pipeline's TestReviewerAccount
		}
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			rep := probeSubmission(t, f.Name, "codex", true)
			var failing []string
			for _, r := range rep.Results {
				if r.Failing() {
					failing = append(failing, r.ID)
				}
			}
			if len(failing) != 1 || failing[0] != f.Check {
				t.Errorf("flaw %s: failing checks %v, want exactly [%s]\n%s", f.Name, failing, f.Check, dump(rep.Results))
			}
			if f.Name == "client-secret" {
				r, _ := find(rep.Results, f.Check, "app")
				if r.Severity != check.Critical || strings.Contains(r.Detail, "sample-client-secret-not-real") {
					t.Errorf("a credential is critical and never quoted: %+v", r)
				}
			}
		})
	}
}

func TestEndpointVerdict(t *testing.T) {
	tests := []struct {
		url  string
		want check.Status
		says string
	}{
		{"https://mcp.orderly.com/mcp", check.Pass, "public host name"},
		{"http://127.0.0.1:8931/mcp", check.Warn, "local or staging server"},
		{"http://localhost:3000/mcp", check.Warn, "local or staging server"},
		{"https://abc-123.ngrok-free.app/mcp", check.Fail, "temporary tunnel domain"},
		{"https://x.trycloudflare.com/mcp", check.Fail, "temporary tunnel domain"},
		{"https://10.1.2.3/mcp", check.Fail, "private address"},
		{"https://[fe80::1]/mcp", check.Fail, "link-local"},
		{"https://93.184.216.34/mcp", check.Fail, "bare IP address"},
		{"https://mcp.corp.internal/mcp", check.Fail, "only resolves inside a network"},
		{"https://mcpserver/mcp", check.Fail, "only resolves inside a network"},
		{"http://mcp.orderly.com/mcp", check.Fail, "plain HTTP"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			u, _ := url.Parse(tt.url)
			st, why := endpointVerdict(u)
			if st != tt.want || !strings.Contains(why, tt.says) {
				t.Errorf("%s %q, want %s saying %q", st, why, tt.want, tt.says)
			}
		})
	}
}
