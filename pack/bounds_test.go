package pack

import (
	"archive/zip"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/check"
)

// within runs f and fails the test if it has not returned in ten seconds:
// a FIFO read would otherwise hang the test for ever.
func within(t *testing.T, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("still reading after 10 seconds")
	}
}

// writeZip writes a zip of the given entries. An entry with zeros
// declares that many bytes of zeros over a few compressed bytes: a zip
// bomb's shape, without the time to deflate it.
func writeZip(t *testing.T, p string, entries []zipEntry) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		if e.zeros > 0 {
			h := &zip.FileHeader{Name: e.name, Method: zip.Deflate, UncompressedSize64: uint64(e.zeros), CompressedSize64: 2}
			w, err := zw.CreateRaw(h)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Write([]byte{3, 0}); err != nil {
				t.Fatal(err)
			}
			continue
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(e.content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

type zipEntry struct {
	name    string
	content string
	zeros   int64
}

// TestReadersAreBounded: every way a received pack can make a reader use
// unbounded memory or block is refused quickly, with a message naming it.
func TestReadersAreBounded(t *testing.T) {
	good := filepath.Join(t.TempDir(), "good")
	if _, err := Write(t.Context(), smallBundle(), good, []string{"json"}); err != nil {
		t.Fatal(err)
	}
	packJSON, err := os.ReadFile(filepath.Join(good, "pack.json"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) string // returns the path to read
		want  string                                // in the error or a problem
	}{
		{"zip bomb", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "bomb.zip")
			writeZip(t, p, []zipEntry{{name: "pack.json", content: string(packJSON)}, {name: "evidence/zeros", zeros: maxPackFile + 1}})
			return p
		}, "declares 134217729 bytes, more than a pack file holds"},
		{"zip entries declaring more than a pack together", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "many.zip")
			var es []zipEntry
			for i := range 5 {
				es = append(es, zipEntry{name: fmt.Sprintf("evidence/z%d", i), zeros: maxPackFile})
			}
			writeZip(t, p, es)
			return p
		}, "more than 536870912 bytes together"},
		{"too many zip entries", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "entries.zip")
			es := make([]zipEntry, maxPackFiles+1)
			for i := range es {
				es[i].name = fmt.Sprintf("e/%d", i)
			}
			writeZip(t, p, es)
			return p
		}, "10001 entries, more than a pack holds"},
		{"zip-slip names", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "slip.zip")
			writeZip(t, p, []zipEntry{{name: "pack.json", content: string(packJSON)}, {name: "../evil", content: "x"}, {name: "/etc/evil", content: "x"}, {name: `a\..\..\evil`, content: "x"}})
			return p
		}, `../evil: not a regular file, or not a plain relative path`},
		{"sparse file in a pack directory", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "pack")
			copyTree(t, good, p)
			sparse := filepath.Join(p, "evidence.bin")
			if err := os.WriteFile(sparse, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(sparse, 2<<30); err != nil {
				t.Fatal(err)
			}
			return p
		}, "larger than allowed"},
		{"/dev/zero as pack.zip", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "pack.zip")
			if err := os.Symlink("/dev/zero", p); err != nil {
				t.Fatal(err)
			}
			return p
		}, "a character device, not a regular file"},
		{"FIFO as pack.zip", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "pack.zip")
			if err := syscall.Mkfifo(p, 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}, "a named pipe (FIFO), not a regular file"},
		{"FIFO inside a pack directory", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "pack")
			copyTree(t, good, p)
			if err := syscall.Mkfifo(filepath.Join(p, "answers.csv"), 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}, "answers.csv: not a regular file"},
		{"huge pack.json", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "pack")
			copyTree(t, good, p)
			if err := os.Truncate(filepath.Join(p, "pack.json"), 150<<20); err != nil {
				t.Fatal(err)
			}
			return p
		}, "larger than allowed"},
		{"deep JSON nesting", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "pack")
			copyTree(t, good, p)
			deep := strings.Replace(string(packJSON), `"schemaVersion"`, `"x": `+strings.Repeat("[", 100_000)+strings.Repeat("]", 100_000)+`, "schemaVersion"`, 1)
			if err := os.WriteFile(filepath.Join(p, "pack.json"), []byte(deep), 0o644); err != nil {
				t.Fatal(err)
			}
			return p
		}, "nested more than 64 levels deep"},
		{"too many results", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "pack")
			copyTree(t, good, p)
			many := `"results": [` + strings.TrimSuffix(strings.Repeat(`{"id":"tool.naming","subject":"app","status":"pass","basis":"declared"},`, maxResults+1), ",") + `]`
			data := strings.Replace(string(packJSON), `"results": null`, many, 1)
			if data == string(packJSON) {
				t.Fatal("the fixture's pack.json has no results list")
			}
			if err := os.WriteFile(filepath.Join(p, "pack.json"), []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
			return p
		}, fmt.Sprintf("%d results, more than a pack holds", maxResults+1)},
		{"SHA256SUMS of too many lines", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "pack")
			copyTree(t, good, p)
			line := strings.Repeat("a", 64) + "  x\n"
			if err := os.WriteFile(filepath.Join(p, "SHA256SUMS"), []byte(strings.Repeat(line, maxPackFiles+1)), 0o644); err != nil {
				t.Fatal(err)
			}
			return p
		}, "10001 lines, more than a pack has files"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.setup(t, t.TempDir())
			var said []string
			within(t, func() {
				v, err := Verify(p, VerifyOptions{Now: time.Now()})
				if err != nil {
					said = append(said, "verify: "+err.Error())
				} else {
					for _, pr := range v.Problems {
						said = append(said, "verify: "+pr.String())
					}
				}
				if _, _, err := Load(p); err != nil {
					said = append(said, "load: "+err.Error())
				}
			})
			joined := strings.Join(said, "\n")
			if !strings.Contains(joined, tt.want) {
				t.Fatalf("want %q among:\n%s", tt.want, joined)
			}
		})
	}
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	if err := os.CopyFS(to, os.DirFS(from)); err != nil {
		t.Fatal(err)
	}
}

// TestNeverWritesWhatItWillNotRead: a bundle with more results than Read
// takes back is refused when pack.json is encoded, naming the bound that
// shrinks it, instead of a pack that render and verify would refuse.
func TestNeverWritesWhatItWillNotRead(t *testing.T) {
	b := &bundle.Bundle{SchemaVersion: bundle.SchemaVersion, Results: make([]check.Result, maxResults+1)}
	if _, err := JSON(b); err == nil || !strings.Contains(err.Error(), "lower --max-tools") {
		t.Errorf("JSON of %d results: %v", len(b.Results), err)
	}
	b.Results = b.Results[:maxResults]
	if _, err := JSON(b); err != nil {
		t.Errorf("JSON of %d results: %v", len(b.Results), err)
	}
}
