package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	typo := filepath.Join(dir, "typo.yaml")
	sample, err := os.ReadFile("../../samples/orderly/manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// Misspell the first "vendor:" key; the loader must name file, line and key.
	lines := strings.Split(string(sample), "\n")
	line := 0
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "vendor:") {
			lines[i] = strings.Replace(l, "vendor:", "vendorr:", 1)
			line = i + 1
			break
		}
	}
	if line == 0 {
		t.Fatal("the sample manifest has no vendor key")
	}
	if err := os.WriteFile(typo, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}

	// A buyer's questionnaire with a misspelt check ID and a misspelt key:
	// both reported, each at its place, before any server is contacted.
	badQ := filepath.Join(dir, "buyer-form.yaml")
	if err := os.WriteFile(badQ, []byte("name: Buyer\nquestions:\n  - id: B-1\n    txt: Is input validated?\n    checks: [tool.input-validaton]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sampleManifest := "../../samples/orderly/manifest.yaml"

	tests := []struct {
		name     string
		args     []string
		code     int
		stderr   []string
		stdoutIs string
	}{
		{name: "version", args: []string{"version"}, code: exitOK},
		{name: "unknown flag", args: []string{"check", "--nope"}, code: exitUsage, stderr: []string{"unknown flag: --nope"}},
		{name: "no manifest", args: []string{"check"}, code: exitUsage, stderr: []string{"--manifest is required"}},
		{name: "bad fail-on", args: []string{"check", "-m", typo, "--fail-on", "severe"}, code: exitUsage, stderr: []string{`unknown severity "severe"`}},
		{
			name: "typo'd key", args: []string{"check", "-m", typo}, code: exitUsage,
			stderr: []string{typo + ":" + strconv.Itoa(line) + ":", "vendorr", `did you mean "vendor"`},
		},
		{
			name: "questionnaire errors", args: []string{"check", "-m", sampleManifest, "--questionnaire", badQ}, code: exitUsage,
			stderr: []string{
				"dossier: the questionnaire has errors:",
				badQ + `:4:5: questions[0].txt: unknown key "txt" (did you mean "text"?)`,
				badQ + `:5:14: questions[0].checks[0]: "tool.input-validaton" is not a check in the catalogue (did you mean "tool.input-validation"?)`,
			},
		},
		{name: "answer format", args: []string{"answer", dir, "-q", badQ, "--format", "csv,sarif"}, code: exitUsage, stderr: []string{`--format "sarif": want csv, xlsx, pdf or all`}},
		{name: "missing questionnaire file", args: []string{"check", "-m", sampleManifest, "--questionnaire", filepath.Join(dir, "none.yaml")}, code: exitUsage, stderr: []string{"none.yaml"}},
		{name: "missing manifest file", args: []string{"build", "-m", filepath.Join(dir, "none.yaml"), "-o", filepath.Join(dir, "out")}, code: exitUsage, stderr: []string{"none.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(t.Context(), tt.args, &stdout, &stderr)
			if code != tt.code {
				t.Fatalf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, stdout.String(), stderr.String())
			}
			for _, s := range tt.stderr {
				if !strings.Contains(stderr.String(), s) {
					t.Errorf("stderr does not contain %q:\n%s", s, stderr.String())
				}
			}
		})
	}
}

func TestSchemaIsJSON(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), []string{"schema"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var v map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &v); err != nil {
		t.Fatalf("dossier schema is not JSON: %v", err)
	}
	if v["$schema"] == nil || v["properties"] == nil {
		t.Errorf("schema lacks $schema or properties: %v", v)
	}
}

// TestNoBrowserStillCompletes: with a --chrome that does not exist the run
// completes and the evidence checks say why they could not run.
func TestNoBrowserStillCompletes(t *testing.T) {
	out := filepath.Join(t.TempDir(), "pack")
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), []string{"demo", "--chrome", "/nonexistent/chromium", "--out", out}, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	data, err := os.ReadFile(filepath.Join(out, "pack.json"))
	if err != nil {
		t.Fatal(err)
	}
	var b struct {
		Results []struct{ ID, Status, Detail string }
	}
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range b.Results {
		if r.ID == "evidence.confirmation" || r.ID == "widget.csp-sufficient" {
			if r.Status != "error" || !strings.Contains(r.Detail, "no browser found (install chromium, or pass --chrome)") {
				t.Errorf("%s: %s %q", r.ID, r.Status, r.Detail)
			}
			n++
		}
	}
	if n == 0 {
		t.Error("no evidence results at all")
	}
}

// TestRunRemovesItsSpool: the screenshots of a run go through a spool
// directory under TMPDIR (pipeline.Options.Spool), and nothing of it, or
// of Chrome, is left there once the command has ended.
func TestRunRemovesItsSpool(t *testing.T) {
	requireBrowser(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)

	e := newEnv(io.Discard, io.Discard)
	spool := e.pipelineOptions(time.Now()).Spool
	if info, err := os.Stat(spool); err != nil || !info.IsDir() || filepath.Dir(spool) != tmp {
		t.Fatalf("spool %q (%v), want a directory in %s", spool, err, tmp)
	}
	if again := e.pipelineOptions(time.Now()).Spool; again != spool {
		t.Errorf("a second run of the same command got spool %q, want %q", again, spool)
	}
	e.removeSpool()
	if _, err := os.Stat(spool); !os.IsNotExist(err) {
		t.Errorf("removeSpool left %s (%v)", spool, err)
	}

	out := filepath.Join(t.TempDir(), "pack")
	dossier(t, "demo", "--out", out, "--format", "json")
	if _, err := os.Stat(filepath.Join(out, "evidence", "captures", "C0001.png")); err != nil {
		t.Fatalf("the demo wrote no screenshot: %v", err)
	}
	if entries, _ := os.ReadDir(tmp); len(entries) > 0 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("the demo left %v in TMPDIR", names)
	}
}
