package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/jsonschema-go/jsonschema"
	"go.yaml.in/yaml/v3"

	"github.com/dossier-dev/dossier/evidence"
	"github.com/dossier-dev/dossier/pack"
	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/manifest"
	"github.com/dossier-dev/dossier/pack/packtest"
	"github.com/dossier-dev/dossier/samples/app"
)

// epoch is the SOURCE_DATE_EPOCH of the tests: 2026-12-01 09:00 UTC.
const epoch = "1796115600"

// requireBrowser skips a test that runs the evidence stage when no browser
// is installed, except in CI, where that is a failure.
func requireBrowser(t *testing.T) {
	t.Helper()
	if _, err := evidence.FindBrowser(""); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v: CI must install chromium (make test does)", err)
		}
		t.Skipf("%v", err)
	}
}

func dossier(t *testing.T, args ...string) (string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), args, &stdout, &stderr); code != exitOK {
		t.Fatalf("dossier %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, stdout.String(), stderr.String())
	}
	return stdout.String(), stderr.String()
}

func digests(t *testing.T, dir string) map[string]string { return packtest.Digests(t, dir) }

func readPack(t *testing.T, dir string) *bundle.Bundle {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "pack.json"))
	if err != nil {
		t.Fatal(err)
	}
	var b bundle.Bundle
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatal(err)
	}
	return &b
}

var loopback = regexp.MustCompile(`127\.0\.0\.1:[0-9]+`)

// judged is what two runs on the same facts must agree on: the results and
// the answers, with the sample app's random port taken out.
func judged(t *testing.T, b *bundle.Bundle) string {
	t.Helper()
	data, err := json.MarshalIndent(struct {
		Results any `json:"results"`
		Answers any `json:"answers"`
	}{b.Results, b.Answers}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return loopback.ReplaceAllString(string(data), "127.0.0.1:PORT")
}

// TestDemoReproducible runs the demo twice with the same SOURCE_DATE_EPOCH
// (same results and answers), then renders the first pack from its
// pack.json twice (every file byte-identical to the pack demo wrote).
func TestDemoReproducible(t *testing.T) {
	requireBrowser(t)
	t.Setenv("SOURCE_DATE_EPOCH", epoch)
	root := t.TempDir()
	one, two := filepath.Join(root, "one"), filepath.Join(root, "two")
	stdout, _ := dossier(t, "demo", "--out", one, "--format", "all")
	for _, f := range pack.Formats() {
		if !strings.Contains(stdout, pack.File(f)) {
			t.Errorf("the summary does not list %s:\n%s", pack.File(f), stdout)
		}
	}
	dossier(t, "demo", "--out", two, "--format", "json")
	b1, b2 := readPack(t, one), readPack(t, two)
	if b1.Created != b2.Created || b1.Created.Format("2006-01-02T15:04:05Z") != "2026-12-01T09:00:00Z" {
		t.Errorf("created %v and %v, want both from SOURCE_DATE_EPOCH", b1.Created, b2.Created)
	}
	if j1, j2 := judged(t, b1), judged(t, b2); j1 != j2 {
		t.Errorf("two demo runs judged differently:\n%s", firstDiff(j1, j2))
	}

	want := digests(t, one)
	from := one
	for _, name := range []string{"render1", "render2"} {
		dir := filepath.Join(root, name)
		_, stderr := dossier(t, "render", filepath.Join(from, "pack.json"), "--out", dir, "--format", "all")
		if strings.Contains(stderr, "not copied") {
			t.Errorf("render did not find the evidence beside pack.json: %s", stderr)
		}
		got := digests(t, dir)
		for f, sum := range want {
			if got[f] != sum {
				t.Errorf("%s: rendering %s/pack.json gave SHA-256 %s, demo wrote %s", f, filepath.Base(from), got[f], sum)
			}
		}
		if len(got) != len(want) {
			t.Errorf("render wrote %d files, demo %d", len(got), len(want))
		}
		from = dir
	}

	t.Run("pack.json matches dossier schema pack", func(t *testing.T) {
		schema, _ := dossier(t, "schema", "pack")
		var s jsonschema.Schema
		if err := json.Unmarshal([]byte(schema), &s); err != nil {
			t.Fatal(err)
		}
		rs, err := s.Resolve(nil)
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(one, "pack.json"))
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatal(err)
		}
		if err := rs.Validate(v); err != nil {
			t.Fatalf("the demo's pack.json does not match the schema: %v", err)
		}
	})
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return "line " + strconv.Itoa(i+1) + ":\n  " + al[i] + "\n  " + bl[i]
		}
	}
	return "lengths differ"
}

// TestBuildWithBuyerQuestionnaire builds the sample app's pack with the
// CAIQ-style sample questionnaire: the answers carry its IDs, in its order,
// in pack.json and in answers.xlsx.
func TestBuildWithBuyerQuestionnaire(t *testing.T) {
	requireBrowser(t)
	t.Setenv("SOURCE_DATE_EPOCH", epoch)
	srv, err := app.Start(t.Context(), app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dir := t.TempDir()
	manifestPath := filepath.Join(dir, "manifest.yaml")
	if err := os.WriteFile(manifestPath, bytes.ReplaceAll(app.Manifest(), []byte(app.CanonicalOrigin), []byte(srv.Origin)), 0o644); err != nil {
		t.Fatal(err)
	}
	var m struct {
		Probe struct {
			Tokens []manifest.TokenSource `yaml:"tokens"`
		} `yaml:"probe"`
	}
	if err := yaml.Unmarshal(app.Manifest(), &m); err != nil {
		t.Fatal(err)
	}
	for _, ts := range m.Probe.Tokens {
		tok, err := srv.TokenFor(ts)
		if err != nil {
			t.Fatal(err)
		}
		t.Setenv(ts.Env, tok)
	}
	qPath := filepath.Join("..", "..", "samples", "questionnaires", "caiq-subset.yaml")
	out := filepath.Join(dir, "pack")
	dossier(t, "build", "--manifest", manifestPath, "--out", out, "--questionnaire", qPath, "--format", "json,xlsx,csv")

	var q struct {
		Questions []struct {
			ID string `yaml:"id"`
		} `yaml:"questions"`
	}
	data, err := os.ReadFile(qPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &q); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, qu := range q.Questions {
		want = append(want, qu.ID)
	}
	var got []string
	for _, a := range readPack(t, out).Answers {
		got = append(got, a.ID)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("answers %v\nwant the questionnaire's IDs %v", got, want)
	}
	for _, id := range []string{"IAM-02.1", "DSP-07.1", "AIS-04.1", "LOG-05.1", "SEF-03.1"} {
		if !slices.Contains(got, id) {
			t.Errorf("no answer %s", id)
		}
	}
	csvData, err := os.ReadFile(filepath.Join(out, "answers.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(csvData), "\nIAM-02.1,Identity and Access Management,") {
		t.Errorf("answers.csv lacks the IAM-02.1 row:\n%s", csvData)
	}
	if _, err := os.Stat(filepath.Join(out, "answers.xlsx")); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(filepath.Join(out, "pack.pdf")); err == nil {
		t.Error("pack.pdf written although --format did not ask for it")
	}
}

func TestRenderAndSchemaErrors(t *testing.T) {
	dir := t.TempDir()
	v2 := filepath.Join(dir, "v2", "pack.json")
	if err := os.MkdirAll(filepath.Dir(v2), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(v2, []byte(`{"schemaVersion": 2}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{name: "render without --out", args: []string{"render", v2}, code: exitUsage, stderr: "--out is required"},
		{name: "render without a file", args: []string{"render", "--out", dir}, code: exitUsage, stderr: "render takes one pack.json, got 0 arguments"},
		{name: "render unknown format", args: []string{"render", v2, "--out", filepath.Join(dir, "o"), "--format", "pdf,docx"}, code: exitUsage, stderr: `unknown format "docx"`},
		{name: "render missing file", args: []string{"render", filepath.Join(dir, "none.json"), "--out", filepath.Join(dir, "o")}, code: exitFailure, stderr: "none.json"},
		{name: "render newer schema", args: []string{"render", v2, "--out", filepath.Join(dir, "o")}, code: exitFailure, stderr: "schemaVersion 2 is not supported"},
		{name: "demo unknown format", args: []string{"demo", "--format", "html"}, code: exitUsage, stderr: `unknown format "html"`},
		{name: "schema unknown", args: []string{"schema", "bundle"}, code: exitUsage, stderr: `want manifest, pack or questionnaire`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(t.Context(), tt.args, &stdout, &stderr)
			if code != tt.code || !strings.Contains(stderr.String(), tt.stderr) {
				t.Fatalf("exit %d, want %d; stderr %q, want it to contain %q", code, tt.code, stderr.String(), tt.stderr)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "o")); err == nil {
		t.Error("a failed render left an output directory")
	}
}

func TestSchemaCommand(t *testing.T) {
	manifestSchema, _ := dossier(t, "schema")
	if again, _ := dossier(t, "schema", "manifest"); again != manifestSchema {
		t.Error("dossier schema and dossier schema manifest differ")
	}
	packSchema, _ := dossier(t, "schema", "pack")
	if packSchema != string(pack.Schema()) {
		t.Error("dossier schema pack is not pack.Schema()")
	}
	if q, _ := dossier(t, "schema", "questionnaire"); q != string(pack.QuestionnaireSchema()) || !strings.Contains(q, `"title": "dossier questionnaire"`) {
		t.Error("dossier schema questionnaire is not pack.QuestionnaireSchema()")
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(packSchema), &v); err != nil {
		t.Fatal(err)
	}
	if v["$id"] != pack.SchemaID || v["$defs"] == nil {
		t.Errorf("the pack schema lacks $id or $defs")
	}
}
