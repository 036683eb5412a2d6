package pack

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dossier-dev/dossier/templates"
)

// timeLimit panics when a reader takes too long: a hang would otherwise
// only show as a fuzzer making no progress.
func timeLimit(what string, data []byte) *time.Timer {
	return time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("%s hangs on %q", what, data)) })
}

// FuzzDecode: pack.json decoding never panics, and a bundle it accepts
// stays within the bounds.
func FuzzDecode(f *testing.F) {
	dir := f.TempDir()
	if _, err := Write(f.Context(), smallBundle(), filepath.Join(dir, "p"), []string{"json"}); err != nil {
		f.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "p", "pack.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte(`{"schemaVersion": 1, "results": [[[[[]]]]]}`))
	f.Add([]byte(`{"schemaVersion": 2}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		timer := timeLimit("decode", data)
		b, err := decode(data)
		timer.Stop()
		if err != nil {
			return
		}
		if b == nil || len(b.Results) > maxResults || len(b.Evidence) > maxPackFiles || len(b.Observation.Tools) > maxTools {
			t.Fatalf("accepted a bundle beyond the bounds: %v", b == nil)
		}
	})
}

// FuzzReadZip: reading a zip never panics, never keeps a name that is not
// a plain relative path, and never holds more than the bounds.
func FuzzReadZip(f *testing.F) {
	files := map[string]string{"pack.json": "{}", "evidence/a.txt": "a", "SHA256SUMS": ""}
	open := func(name string) (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(files[name])), nil }
	var z bytes.Buffer
	if err := zipTo(&z, slices.Collect(maps.Keys(files)), open, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		f.Fatal(err)
	}
	f.Add(z.Bytes())
	f.Add([]byte("PK\x05\x06" + string(make([]byte, 18))))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := &Source{Kind: "zip"}
		timer := timeLimit("readZip", data)
		err := readZip(s, bytes.NewReader(data), int64(len(data)))
		timer.Stop()
		if err != nil {
			return
		}
		if len(s.Files) > maxPackFiles {
			t.Fatalf("%d files", len(s.Files))
		}
		var total int64
		for name, sum := range s.Files {
			if !safeRel(name) {
				t.Fatalf("kept %q", name)
			}
			total += sum.Size
		}
		if total > maxPackTotal {
			t.Fatalf("%d bytes", total)
		}
	})
}

// FuzzParseQuestionnaire: a questionnaire never panics the parser, and
// one it accepts has questions.
func FuzzParseQuestionnaire(f *testing.F) {
	f.Add(templates.Questionnaire())
	f.Add([]byte("name: x\nversion: 1\nquestions:\n  - id: a\n    text: b\n    checks: [tool.naming]\n"))
	f.Add([]byte("a: &x [*x, *x]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		timer := timeLimit("ParseQuestionnaire", data)
		q, err := ParseQuestionnaire("f.yaml", data)
		timer.Stop()
		if err == nil && (q == nil || len(q.Questions) == 0 || len(q.Questions) > maxQuestions) {
			t.Fatalf("accepted %v", q)
		}
	})
}
