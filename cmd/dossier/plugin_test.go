package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/manifest"
	"github.com/dossier-dev/dossier/samples/app"
)

// TestInitPluginThenCheck replays the vendor's path: init --plugin drafts
// the manifest's app, server and submission sections from the sample
// package; the vendor adds what only they know (the challenge token and
// the test cases, as the draft's comment asks); check --plugin then passes
// every submission check it can pass on loopback, in both layouts.
func TestInitPluginThenCheck(t *testing.T) {
	srv, _ := initServer(t)
	sample := app.SubmissionManifest(srv.Origin, "")
	vendorPart := sample[bytes.Index(sample, []byte("  # The domain verification token")):]

	for _, tt := range []struct{ layout, name string }{{"codex", "orderly.zip"}, {"agent-plugins", "orderly"}} {
		t.Run(tt.layout, func(t *testing.T) {
			dir := t.TempDir()
			pkg := filepath.Join(dir, tt.name)
			if err := app.WritePlugin(pkg, tt.layout, srv.Origin, ""); err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			if code := run(t.Context(), []string{"init", "--plugin", pkg, "--token-env", "ORDERLY_INIT_TOKEN"}, &stdout, &stderr); code != exitOK {
				t.Fatalf("init exited %d: %s", code, stderr.String())
			}
			draft := stdout.Bytes()
			m, err := manifest.Parse("draft.yaml", draft)
			if err != nil {
				t.Fatalf("the draft does not parse: %v\n%s", err, draft)
			}
			want, _ := manifest.Parse("sample.yaml", sample)
			if m.App.Name != want.App.Name || m.App.Vendor != want.App.Vendor || m.App.Version != want.App.Version || m.App.Description != want.App.Description ||
				m.App.PrivacyPolicy != want.App.PrivacyPolicy || m.App.Terms != want.App.Terms || m.App.Support != want.App.Support {
				t.Errorf("drafted app %+v, want the package's listing %+v", m.App, want.App)
			}
			if m.Server.URL != srv.URL || m.Submission == nil || m.Submission.Subtitle != want.Submission.Subtitle || m.Submission.Category != want.Submission.Category {
				t.Errorf("drafted server %q, submission %+v", m.Server.URL, m.Submission)
			}

			path := filepath.Join(dir, "manifest.yaml")
			if err := os.WriteFile(path, append(append(draft, '\n'), vendorPart...), 0o644); err != nil {
				t.Fatal(err)
			}
			stdout.Reset()
			stderr.Reset()
			run(t.Context(), []string{"check", "--manifest", path, "--plugin", pkg, "--format", "json", "--login", "env"}, &stdout, &stderr)
			var out checkOutput
			if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
				t.Fatalf("check: %v\n%s", err, stderr.String())
			}
			wantStatus := map[string]check.Status{
				"submission.package": check.Pass, "submission.listing": check.Pass, "submission.endpoint": check.Warn,
				"submission.domain-verification": check.Pass, "submission.reviewer-account": check.NA, "submission.test-cases": check.Pass,
			}
			seen := 0
			for _, r := range out.Results {
				if w, ok := wantStatus[r.ID]; ok {
					seen++
					if r.Status != w {
						t.Errorf("%s: %s %s, want %s", r.ID, r.Status, r.Detail, w)
					}
				}
			}
			if seen != len(wantStatus) {
				t.Errorf("%d submission results, want %d", seen, len(wantStatus))
			}
		})
	}
}

// TestPluginHostileRefused: init and check refuse a hostile package before
// any server is contacted, saying what is wrong with it.
func TestPluginHostileRefused(t *testing.T) {
	p := filepath.Join(t.TempDir(), "evil.zip")
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, _ := zw.Create("../../plugin.json")
	w.Write([]byte(`{"name": "x"}`))
	zw.Close()
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	m := filepath.Join(t.TempDir(), "manifest.yaml")
	if err := os.WriteFile(m, app.SubmissionManifest("http://127.0.0.1:1", ""), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"init", "--plugin", p}, {"check", "--manifest", m, "--plugin", p}} {
		var stdout, stderr bytes.Buffer
		code := run(t.Context(), args, &stdout, &stderr)
		if code != exitFailure || !strings.Contains(stderr.String(), `entry "../../plugin.json" is not a plain relative path`) || strings.Contains(stderr.String(), "127.0.0.1:1") {
			t.Errorf("%s: exit %d, stderr %q", args[0], code, stderr.String())
		}
	}
}
