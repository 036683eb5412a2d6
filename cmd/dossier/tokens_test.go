package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/samples/app"
)

// TestUnjudgedTokens: a token variable that is not set, or a token the
// server refuses with 401, leaves the checks that need it error (never an
// auth finding), the summary names the variable, and check exits 1 unless
// --allow-incomplete. Before, an unset variable ran without it and said
// "No failures" with exit 0.
func TestUnjudgedTokens(t *testing.T) {
	srv, err := app.Start(t.Context(), app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	file := sampleManifestAt(t, srv.Origin, "")
	tests := []struct {
		name  string
		set   func(t *testing.T)
		needs string
	}{
		{"unset variable", func(t *testing.T) { sampleTokens(t, srv, "ORDERLY_TOKEN_EMAIL") }, "ORDERLY_TOKEN_EMAIL is not set; set it or use --login dcr"},
		{"token refused with 401", func(t *testing.T) {
			sampleTokens(t, srv, "")
			t.Setenv("ORDERLY_TOKEN_EMAIL", "eyJhbGciOiJub25lIn0.e30.not-a-token-the-server-knows")
		}, "the server refused the token from ORDERLY_TOKEN_EMAIL with 401"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.set(t)
			var stdout, stderr bytes.Buffer
			code := run(t.Context(), []string{"check", "-m", file, "--chrome", "/nonexistent/chromium", "--format", "json"}, &stdout, &stderr)
			if code != exitFailure {
				t.Fatalf("exit %d, want %d (checks not judged)\nstderr: %s", code, exitFailure, stderr.String())
			}
			var out checkOutput
			if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
				t.Fatalf("check --format json: %v", err)
			}
			if !strings.Contains(strings.Join(out.Summary.Needs, "\n"), tt.needs) {
				t.Errorf("summary needs %q, want %q", out.Summary.Needs, tt.needs)
			}
			if out.Summary.Unjudged() == 0 || !strings.Contains(out.Summary.Verdict, "could not be judged") {
				t.Errorf("verdict %q with %d unjudged", out.Summary.Verdict, out.Summary.Unjudged())
			}
			mentions := 0
			for _, r := range out.Results {
				if strings.HasPrefix(r.ID, "auth.") && r.Status == check.Fail {
					t.Errorf("an auth finding from a credentials problem: %s %s: %s", r.ID, r.Subject, r.Detail)
				}
				if r.Status == check.Error && strings.Contains(r.Detail, "ORDERLY_TOKEN_EMAIL") {
					mentions++
				}
			}
			if mentions == 0 {
				t.Error("no error result names ORDERLY_TOKEN_EMAIL as its remedy")
			}

			stdout.Reset()
			stderr.Reset()
			if code := run(t.Context(), []string{"check", "-m", file, "--chrome", "/nonexistent/chromium"}, &stdout, &stderr); code != exitFailure {
				t.Fatalf("table: exit %d", code)
			}
			wants := []string{"could not be judged; to judge them:", "  - " + tt.needs}
			if tt.name == "unset variable" {
				wants = append(wants, "1 token variable is not set.")
			}
			for _, want := range wants {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("the summary does not say %q:\n%s", want, stdout.String())
				}
			}
			if !strings.Contains(stderr.String(), "--allow-incomplete") {
				t.Errorf("stderr does not name --allow-incomplete:\n%s", stderr.String())
			}
			if code := run(t.Context(), []string{"check", "-m", file, "--chrome", "/nonexistent/chromium", "--allow-incomplete"}, &stdout, &stderr); code != exitOK {
				t.Errorf("--allow-incomplete: exit %d", code)
			}
		})
	}
}

// TestBoundsFlagsReachTheProbe: --max-tools and --max-body set the probe's
// bounds, and what a bound hid is error naming the flag that raises it.
func TestBoundsFlagsReachTheProbe(t *testing.T) {
	srv, err := app.Start(t.Context(), app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	sampleTokens(t, srv, "")
	file := sampleManifestAt(t, srv.Origin, "")
	for _, flag := range []string{"--max-tools", "--max-body"} {
		t.Run(flag, func(t *testing.T) {
			value := "1"
			if flag == "--max-body" {
				value = "1KiB"
			}
			var stdout, stderr bytes.Buffer
			code := run(t.Context(), []string{"check", "-m", file, "--chrome", "/nonexistent/chromium", "--format", "json", flag, value}, &stdout, &stderr)
			if code != exitFailure {
				t.Fatalf("exit %d, want %d\n%s", code, exitFailure, stderr.String())
			}
			var out checkOutput
			if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
				t.Fatal(err)
			}
			named := 0
			for _, r := range out.Results {
				if r.Status == check.Error && strings.Contains(r.Detail, flag) {
					named++
				}
			}
			if named == 0 {
				t.Errorf("no error result names %s", flag)
			}
		})
	}
	t.Run("--request-timeout", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		code := run(t.Context(), []string{"check", "-m", file, "--chrome", "/nonexistent/chromium", "--request-timeout", "1ns"}, &stdout, &stderr)
		if code != exitFailure || !strings.Contains(stderr.String(), "did not answer within 1ns") || !strings.Contains(stderr.String(), "raise --request-timeout") {
			t.Errorf("exit %d, want %d with the preflight naming the timeout and its flag\n%s", code, exitFailure, stderr.String())
		}
	})
}
