package pack

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/packtest"
)

var update = flag.Bool("update", false, "rewrite testdata/pack.schema.golden.json")

// digests maps every file under dir to its SHA-256.
func digests(t *testing.T, dir string) map[string]string { return packtest.Digests(t, dir) }

func sameFiles(t *testing.T, a, b map[string]string) {
	t.Helper()
	for f, sum := range a {
		if b[f] != sum {
			t.Errorf("%s: SHA-256 %s, then %s", f, sum, b[f])
		}
	}
	for f := range b {
		if _, ok := a[f]; !ok {
			t.Errorf("%s appears only in the second pack", f)
		}
	}
}

// TestRenderFromPackJSON writes a pack in every format, reads its pack.json
// back and writes it again, twice: every file must come out byte for byte
// the same, so a Bundle decoded from pack.json renders as the one that
// wrote it.
func TestRenderFromPackJSON(t *testing.T) {
	b := assembled(t, 24)
	root := t.TempDir()
	first := filepath.Join(root, "built")
	if _, err := Write(t.Context(), b, first, Formats()); err != nil {
		t.Fatal(err)
	}
	want := digests(t, first)
	if len(want) != len(Formats())+len(b.Evidence)+1 {
		t.Fatalf("the pack has %d files, want %d outputs, %d evidence files and SHA256SUMS", len(want), len(Formats()), len(b.Evidence))
	}
	from := first
	for _, name := range []string{"render1", "render2"} {
		back, missing, err := Read(t.Context(), filepath.Join(from, "pack.json"))
		if err != nil {
			t.Fatal(err)
		}
		if len(missing) != 0 {
			t.Fatalf("missing evidence %v", missing)
		}
		dir := filepath.Join(root, name)
		if _, err := Write(t.Context(), back, dir, Formats()); err != nil {
			t.Fatal(err)
		}
		sameFiles(t, want, digests(t, dir))
		from = dir
	}
}

func TestReadRefuses(t *testing.T) {
	b := assembled(t, 3)
	good, err := JSON(b)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		edit   func(dir string, data []byte) []byte
		errHas string
	}{
		{name: "not JSON", edit: func(_ string, _ []byte) []byte { return []byte("%PDF-1.7") }, errHas: "not a pack.json"},
		{name: "no schemaVersion", edit: func(_ string, _ []byte) []byte { return []byte(`{"app": {}}`) }, errHas: "no schemaVersion"},
		{name: "newer schemaVersion", edit: func(_ string, d []byte) []byte {
			return bytes.Replace(d, []byte(`"schemaVersion": 1`), []byte(`"schemaVersion": 2`), 1)
		}, errHas: "schemaVersion 2 is not supported"},
		{name: "unknown field", edit: func(_ string, d []byte) []byte {
			return bytes.Replace(d, []byte(`"schemaVersion": 1,`), []byte(`"schemaVersion": 1, "extra": true,`), 1)
		}, errHas: `unknown field "extra"`},
		{name: "trailing data", edit: func(_ string, d []byte) []byte { return append(d, []byte("{}")...) }, errHas: "after top-level value"},
		{name: "evidence changed", edit: func(dir string, d []byte) []byte {
			p := filepath.Join(dir, "evidence/http/H0001.txt")
			data, _ := os.ReadFile(p)
			data[0] ^= 1 // same size, other bytes
			_ = os.WriteFile(p, data, 0o644)
			return d
		}, errHas: "was changed after the pack was built"},
		{name: "evidence grown", edit: func(dir string, d []byte) []byte {
			p := filepath.Join(dir, "evidence/http/H0001.txt")
			data, _ := os.ReadFile(p)
			_ = os.WriteFile(p, append(data, '\n'), 0o644)
			return d
		}, errHas: "bytes, but the pack's index says"},
		{name: "evidence path outside the pack", edit: func(_ string, d []byte) []byte {
			return bytes.Replace(d, []byte(`"path": "evidence/http/H0001.txt"`), []byte(`"path": "../../etc/passwd"`), 1)
		}, errHas: "not a plain relative path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "pack")
			if _, err := Write(t.Context(), b, dir, []string{"json"}); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(dir, "pack.json")
			if err := os.WriteFile(p, tt.edit(dir, slices.Clone(good)), 0o644); err != nil {
				t.Fatal(err)
			}
			_, _, err := Read(t.Context(), p)
			if err == nil || !strings.Contains(err.Error(), tt.errHas) {
				t.Fatalf("err = %v, want one containing %q", err, tt.errHas)
			}
		})
	}
}

// TestReadWithoutEvidence renders a pack.json whose evidence files are not
// beside it: the index keeps every item, no empty file stands in for one.
func TestReadWithoutEvidence(t *testing.T) {
	b := assembled(t, 3)
	dir := filepath.Join(t.TempDir(), "pack")
	if _, err := Write(t.Context(), b, dir, []string{"json"}); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "evidence/screens/S0001.png")); err != nil {
		t.Fatal(err)
	}
	back, missing, err := Read(t.Context(), filepath.Join(dir, "pack.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) != 1 || missing[0] != "S0001" {
		t.Fatalf("missing = %v, want [S0001]", missing)
	}
	out := filepath.Join(t.TempDir(), "again")
	w, err := Write(t.Context(), back, out, []string{"json"})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(w.Files, "evidence/screens/S0001.png") {
		t.Error("an evidence file that was not at hand was written")
	}
	orig, _ := os.ReadFile(filepath.Join(dir, "pack.json"))
	again, _ := os.ReadFile(filepath.Join(out, "pack.json"))
	if !bytes.Equal(orig, again) {
		t.Error("pack.json changed when rendered without an evidence file")
	}
}

func TestParseFormats(t *testing.T) {
	tests := []struct {
		name  string
		lists []string
		want  []string
		err   string
	}{
		{name: "default", lists: DefaultFormats(), want: []string{"json", "pdf", "csv"}},
		{name: "json added, order fixed", lists: []string{"sarif,csv"}, want: []string{"json", "csv", "sarif"}},
		{name: "repeated flag, spaces, case, duplicates", lists: []string{" XLSX ,junit", "xlsx", "openai,"}, want: []string{"json", "xlsx", "junit", "openai"}},
		{name: "all", lists: []string{"all"}, want: Formats()},
		{name: "unknown", lists: []string{"pdf,docx"}, err: `unknown format "docx"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseFormats(tt.lists)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestWriteUnknownFormat(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	_, err := Write(t.Context(), smallBundle(), dir, []string{"json", "docx"})
	if err == nil || !strings.Contains(err.Error(), `unknown format "docx"`) {
		t.Fatalf("err = %v", err)
	}
	assertNoLeftovers(t, filepath.Dir(dir), filepath.Base(dir))
}

func TestSchemaGolden(t *testing.T) {
	got := Schema()
	if !bytes.Equal(got, Schema()) {
		t.Fatal("two calls of Schema differ")
	}
	packtest.Golden(t, filepath.Join("testdata", "pack.schema.golden.json"), got, *update, "go test ./pack -run TestSchemaGolden -update")
}

// TestPackJSONMatchesSchema validates pack.json against the generated
// schema, and checks that the schema rejects what Read rejects.
func TestPackJSONMatchesSchema(t *testing.T) {
	rs := resolvedSchema(t)
	data, err := JSON(assembled(t, 8))
	if err != nil {
		t.Fatal(err)
	}
	if err := rs.Validate(instance(t, data)); err != nil {
		t.Fatalf("pack.json does not match its schema: %v", err)
	}
	if err := rs.Validate(instance(t, bytes.Replace(data, []byte(`"schemaVersion": 1`), []byte(`"schemaVersion": 2`), 1))); err == nil {
		t.Error("the schema accepts schemaVersion 2")
	}
	if err := rs.Validate(instance(t, bytes.Replace(data, []byte(`"status": "pass"`), []byte(`"status": "passed"`), 1))); err == nil {
		t.Error(`the schema accepts status "passed"`)
	}
	// An empty bundle has nil slices, written as null.
	empty, err := JSON(&bundle.Bundle{SchemaVersion: bundle.SchemaVersion})
	if err != nil {
		t.Fatal(err)
	}
	if err := rs.Validate(instance(t, empty)); err != nil {
		t.Errorf("an empty bundle does not match the schema: %v", err)
	}
}

func resolvedSchema(t *testing.T) *jsonschema.Resolved {
	t.Helper()
	var s jsonschema.Schema
	if err := json.Unmarshal(Schema(), &s); err != nil {
		t.Fatal(err)
	}
	rs, err := s.Resolve(nil)
	if err != nil {
		t.Fatalf("resolving the pack.json schema: %v", err)
	}
	return rs
}

func instance(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// BenchmarkRenderAll renders every format of a 500-tool pack.
func BenchmarkRenderAll(b *testing.B) {
	bb := assembled(b, 500)
	b.ReportAllocs()
	for b.Loop() {
		for _, f := range Formats() {
			if _, err := Render(bb, f); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkRender500 renders each format of a 500-tool pack on its own.
func BenchmarkRender500(b *testing.B) {
	bb := assembled(b, 500)
	for _, f := range Formats() {
		b.Run(f, func(b *testing.B) {
			for b.Loop() {
				if _, err := Render(bb, f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
