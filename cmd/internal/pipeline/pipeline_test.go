package pipeline

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dossier-dev/dossier/evidence"
	"github.com/dossier-dev/dossier/pack"
	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/packtest"
	"github.com/dossier-dev/dossier/samples/app"
)

var update = flag.Bool("update", false, "rewrite testdata/pack.golden.json")

var fixed = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func failing(b *bundle.Bundle) []string {
	var ids []string
	for _, r := range b.Results {
		if r.Failing() {
			ids = append(ids, r.ID+" "+r.Subject+": "+r.Detail)
		}
	}
	return ids
}

// requireBrowser skips a test that renders evidence when no browser is
// installed, except in CI, where that is a failure.
func requireBrowser(t *testing.T) {
	t.Helper()
	if _, err := evidence.FindBrowser(""); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v: CI must install chromium (make test does)", err)
		}
		t.Skipf("%v", err)
	}
}

func TestDemoCleanSampleHasNoFailures(t *testing.T) {
	requireBrowser(t)
	b, err := Demo(t.Context(), "", Options{Now: fixed, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if f := failing(b); len(f) > 0 {
		t.Fatalf("the clean sample app fails %d checks:\n%s", len(f), strings.Join(f, "\n"))
	}
	if len(b.RedFlags) != 0 {
		t.Errorf("red flags on the clean sample: %v", b.RedFlags)
	}
	if len(b.Answers) == 0 || len(b.Evidence) == 0 {
		t.Fatalf("answers %d, evidence %d: want both", len(b.Answers), len(b.Evidence))
	}
	for _, a := range b.Answers {
		if a.Answer == bundle.No {
			t.Errorf("%s answered no: %s", a.ID, a.Explanation)
		}
	}
}

func TestEachFlawFailsExactlyItsCheck(t *testing.T) {
	requireBrowser(t)
	for _, f := range app.Flaws() {
		t.Run(f.Name, func(t *testing.T) {
			b, err := Demo(t.Context(), f.Name, Options{Now: fixed, Version: "test"})
			if err != nil {
				t.Fatal(err)
			}
			ids := map[string]bool{}
			for _, r := range b.Results {
				if r.Failing() {
					ids[r.ID] = true
				}
			}
			// One root cause, one failure: what follows from the flaw
			// (a write tool advertised as read-only gets no prompt to
			// capture) points at its check instead of failing again.
			if len(ids) != 1 || !ids[f.Check] {
				t.Fatalf("flaw %s: want exactly %s to fail; failing:\n%s", f.Name, f.Check, strings.Join(failing(b), "\n"))
			}
		})
	}
}

// TestPackOutputs writes a pack with tokens minted by the sample app and
// checks each output, the golden pack.json, and that no token leaks.
func TestPackOutputs(t *testing.T) {
	requireBrowser(t)
	srv, m, src := startSample(t, "")
	tokens := sampleTokens(t, srv, m)
	var secrets []string
	for _, tok := range tokens {
		secrets = append(secrets, tok.Value)
	}
	b, err := Run(t.Context(), Options{Manifest: m, Source: src, Tokens: tokens, Now: fixed, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "pack")
	w, err := pack.Write(t.Context(), b, out, pack.DefaultFormats())
	if err != nil {
		t.Fatal(err)
	}

	t.Run("no token in any file", func(t *testing.T) {
		for _, f := range w.Files {
			data, err := os.ReadFile(filepath.Join(out, f))
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range secrets {
				for _, part := range strings.Split(s, ".") { // no JWT segment either
					if len(part) > 16 && bytes.Contains(data, []byte(part)) {
						t.Errorf("%s contains a token segment", f)
					}
				}
			}
		}
	})

	t.Run("pack.json is the bundle", func(t *testing.T) {
		data, err := os.ReadFile(filepath.Join(out, "pack.json"))
		if err != nil {
			t.Fatal(err)
		}
		var back bundle.Bundle
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatal(err)
		}
		if back.SchemaVersion != 1 || len(back.Results) != len(b.Results) || len(back.Evidence) != len(b.Evidence) {
			t.Fatalf("pack.json round trip: schema %d, %d results, %d evidence", back.SchemaVersion, len(back.Results), len(back.Evidence))
		}
		for _, e := range back.Evidence {
			if len(e.SHA256) != 64 {
				t.Errorf("evidence %s has no SHA-256", e.ID)
			}
			if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(e.Path))); err != nil {
				t.Errorf("evidence %s: %v", e.ID, err)
			}
		}
		golden(t, normalize(data, srv.Origin))
	})

	t.Run("answers.csv has one row per answer", func(t *testing.T) {
		f, err := os.Open(filepath.Join(out, "answers.csv"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := csv.NewReader(f).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != len(b.Answers)+1 || rows[0][0] != "id" {
			t.Fatalf("%d rows (header %v), want %d answers + header", len(rows), rows[0], len(b.Answers))
		}
	})

	t.Run("pack.pdf names the app and every answer", func(t *testing.T) {
		text := pdfText(t, filepath.Join(out, "pack.pdf"))
		if !strings.Contains(text, b.App.Name) {
			t.Errorf("the PDF text lacks the app name %q", b.App.Name)
		}
		flat := strings.Join(strings.Fields(text), " ")
		packJSON, err := os.ReadFile(filepath.Join(out, "pack.json"))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(packJSON)
		if digest := hex.EncodeToString(sum[:]); !strings.Contains(strings.ReplaceAll(flat, " ", ""), digest) {
			t.Errorf("the PDF's cover does not name pack.json's SHA-256 %s", digest)
		}
		for _, a := range b.Answers {
			if !strings.Contains(flat, a.ID) {
				t.Errorf("the PDF text lacks answer %s", a.ID)
			}
		}
		for _, v := range []string{bundle.Yes, bundle.Partial, bundle.NA} {
			for _, a := range b.Answers {
				if a.Answer == v && !strings.Contains(flat, v) {
					t.Errorf("answer value %q does not appear in the PDF", v)
				}
			}
		}
	})
}

func pdfText(t *testing.T, path string) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext is missing (install poppler-utils; make test does)")
		}
		t.Skip("pdftotext not installed (apt-get install poppler-utils)")
	}
	out, err := exec.Command("pdftotext", "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// normalize removes what differs between runs of the same facts: the
// sample app's and the browser harness's random ports, and the bytes of
// transcripts (Date headers, random identifiers) and screenshots (font
// rasterization), whose hashes and sizes are blanked. What was judged, and
// on which evidence, stays.
func normalize(data []byte, origin string) []byte {
	data = bytes.ReplaceAll(data, []byte(origin), []byte(app.CanonicalOrigin))
	data = loopbackPort.ReplaceAll(data, []byte("127.0.0.1:PORT"))
	var v map[string]any
	if err := json.Unmarshal(data, &v); err != nil {
		panic(err)
	}
	for _, e := range v["evidence"].([]any) {
		item := e.(map[string]any)
		if item["kind"] != check.KindAttached {
			item["sha256"], item["size"] = "", 0
		}
	}
	if cs, ok := v["captures"].([]any); ok {
		for _, c := range cs {
			item := c.(map[string]any)
			item["pngSha256"], item["chrome"], item["sandbox"] = "", "", ""
			// --no-sandbox is there only where the sandbox cannot run (as root).
			if fs, ok := item["flags"].([]any); ok {
				item["flags"] = slices.DeleteFunc(fs, func(f any) bool { return f == "--no-sandbox" })
			}
		}
	}
	out, _ := json.MarshalIndent(v, "", "  ")
	return append(out, '\n')
}

var loopbackPort = regexp.MustCompile(`127\.0\.0\.1:[0-9]+`)

var volatile = regexp.MustCompile(`"(sessionId|jti)": "[^"]*"`)

func golden(t *testing.T, got []byte) {
	t.Helper()
	got = volatile.ReplaceAll(got, []byte(`"$1": "…"`))
	packtest.Golden(t, filepath.Join("testdata", "pack.golden.json"), got, *update, "go test ./cmd/internal/pipeline -run TestPackOutputs -update")
}
