package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSubmissionDraftWarns: rendering openai-submission.json from a pack
// whose manifest has too few test cases still writes the file, and says on
// stderr, as in the file's notes, what is missing.
func TestSubmissionDraftWarns(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "internal", "pipeline", "testdata", "pack.golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var b map[string]any
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatal(err)
	}
	sub := b["manifest"].(map[string]any)["submission"].(map[string]any)
	sub["testCases"] = sub["testCases"].([]any)[:2]
	dir := t.TempDir()
	in := filepath.Join(dir, "pack.json")
	data, _ := json.Marshal(b)
	if err := os.WriteFile(in, data, 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	out := filepath.Join(dir, "out")
	if code := run(t.Context(), []string{"render", in, "--out", out, "--format", "openai"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	want := "openai-submission.json is a draft; before uploading it:\n  - Too few test cases: add 3 more positive (2 of 5, submission.testCases)"
	if !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr %q lacks %q", stderr.String(), want)
	}
	file, err := os.ReadFile(filepath.Join(out, "openai-submission.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(file, []byte(`"dossier_notes": [`)) || !bytes.Contains(file, []byte("Too few test cases")) {
		t.Errorf("the file does not carry the notes:\n%s", file)
	}
	// A complete draft is written without a warning.
	stderr.Reset()
	if code := run(t.Context(), []string{"render", filepath.Join("..", "internal", "pipeline", "testdata", "pack.golden.json"), "--out", filepath.Join(dir, "clean"), "--format", "openai"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if strings.Contains(stderr.String(), "draft") {
		t.Errorf("the sample's complete draft warns: %s", stderr.String())
	}
}
