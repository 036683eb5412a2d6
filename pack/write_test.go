package pack

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/manifest"
)

func smallBundle() *bundle.Bundle {
	return &bundle.Bundle{
		SchemaVersion: bundle.SchemaVersion,
		Created:       time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
		App:           manifest.App{Name: "Orderly", Vendor: "V", Version: "1", Description: "d"},
		Manifest:      &manifest.Manifest{},
		Evidence:      []check.Evidence{{ID: "H0001", Kind: check.KindHTTP, Path: "evidence/http/H0001.txt", Data: []byte("GET /\n")}},
		Summary:       bundle.Summary{ByStatus: map[check.Status]int{}, BySeverity: map[check.Severity]int{}},
	}
}

func TestWriteRefusesAForeignDirectory(t *testing.T) {
	dir := t.TempDir()
	keep := filepath.Join(dir, "thesis.tex")
	if err := os.WriteFile(keep, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Write(t.Context(), smallBundle(), dir, []string{"json"})
	if err == nil || !strings.Contains(err.Error(), "not a dossier pack") {
		t.Fatalf("err = %v, want a refusal", err)
	}
	if data, _ := os.ReadFile(keep); string(data) != "mine" {
		t.Fatal("the user's file was touched")
	}
	assertNoLeftovers(t, filepath.Dir(dir), filepath.Base(dir))
}

func TestWriteReplacesAnEarlierPackWhole(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	if _, err := Write(t.Context(), smallBundle(), dir, []string{"json", "csv"}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "answers.csv")); err != nil {
		t.Fatal(err)
	}
	w, err := Write(t.Context(), smallBundle(), dir, []string{"json"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(w.Files, []string{"evidence/http/H0001.txt", "pack.json", "SHA256SUMS"}) {
		t.Errorf("files = %v", w.Files)
	}
	if _, err := os.Stat(filepath.Join(dir, "answers.csv")); !os.IsNotExist(err) {
		t.Error("a file of the earlier pack survived the replacement")
	}
	assertNoLeftovers(t, filepath.Dir(dir), "out")
}

func TestWriteLeavesNothingOnFailure(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	b := smallBundle()
	b.Evidence = append(b.Evidence, check.Evidence{ID: "H0002", Path: "../escape.txt"})
	if _, err := Write(t.Context(), b, dir, []string{"json"}); err == nil || !strings.Contains(err.Error(), "escape.txt") {
		t.Fatalf("err = %v, want a refusal of the path", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Error("a half-written pack was left in place")
	}
	assertNoLeftovers(t, filepath.Dir(dir), "out")

	if _, err := Write(t.Context(), smallBundle(), dir, []string{"docx"}); err == nil || !strings.Contains(err.Error(), `unknown format "docx"`) {
		t.Fatalf("err = %v, want unknown format", err)
	}
}

// assertNoLeftovers fails if a temporary directory of Write remains in parent.
func assertNoLeftovers(t *testing.T, parent, base string) {
	t.Helper()
	entries, err := os.ReadDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "."+base+".tmp-") {
			t.Errorf("leftover %s", e.Name())
		}
	}
}

// TestWritePDFDigestIsPackJSON: the PDF written beside pack.json carries
// the digest of those very bytes; it is the PDF Render makes on its own,
// which encodes pack.json again to take its digest.
func TestWritePDFDigestIsPackJSON(t *testing.T) {
	b := assembled(t, 3)
	dir := filepath.Join(t.TempDir(), "out")
	if _, err := Write(t.Context(), b, dir, []string{"json", "pdf"}); err != nil {
		t.Fatal(err)
	}
	written, err := os.ReadFile(filepath.Join(dir, "pack.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	alone, err := Render(b, "pdf")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(written, alone) {
		t.Errorf("the written pack.pdf (%d bytes) differs from Render's (%d bytes)", len(written), len(alone))
	}
}

// spooledBundle is smallBundle with a screenshot kept in a file, as the
// evidence stage spools it: the bundle, the file and its content.
func spooledBundle(t *testing.T) (*bundle.Bundle, string, []byte) {
	t.Helper()
	spooled := filepath.Join(t.TempDir(), "capture-1.png")
	content := []byte("\x89PNG spooled")
	if err := os.WriteFile(spooled, content, 0o600); err != nil {
		t.Fatal(err)
	}
	b := smallBundle()
	b.Evidence = append(b.Evidence, check.Evidence{ID: "C0001", Kind: check.KindScreenshot, Path: "evidence/captures/C0001.png", File: spooled,
		SHA256: fmt.Sprintf("%x", sha256.Sum256(content)), Size: int64(len(content))})
	return b, spooled, content
}

// TestWriteSpooledEvidence: evidence kept in a file (a screenshot spooled
// while the browser ran) is written into the pack like the rest; a spooled
// file that is gone fails the write, and nothing is left in place.
func TestWriteSpooledEvidence(t *testing.T) {
	b, spooled, content := spooledBundle(t)
	dir := filepath.Join(t.TempDir(), "out")
	if _, err := Write(t.Context(), b, dir, []string{"json"}); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(filepath.Join(dir, "evidence", "captures", "C0001.png")); err != nil || !bytes.Equal(got, content) {
		t.Fatalf("the spooled screenshot was written as %q (%v), want %q", got, err, content)
	}
	sums, err := os.ReadFile(filepath.Join(dir, "SHA256SUMS"))
	if err != nil || !bytes.Contains(sums, []byte("  evidence/captures/C0001.png\n")) {
		t.Errorf("SHA256SUMS does not list the spooled screenshot:\n%s", sums)
	}

	os.Remove(spooled)
	again := filepath.Join(t.TempDir(), "again")
	if _, err := Write(t.Context(), b, again, []string{"json"}); err == nil || !strings.Contains(err.Error(), "reading evidence C0001") {
		t.Fatalf("err = %v, want the spooled file that could not be read", err)
	}
	if _, err := os.Stat(again); !os.IsNotExist(err) {
		t.Error("a half-written pack was left in place")
	}
	assertNoLeftovers(t, filepath.Dir(again), "again")
}

// TestWriteZip: pack.zip, streamed from the files just written, holds
// every other file of the pack byte for byte, in path order, and the same
// pack gives the same zip.
func TestWriteZip(t *testing.T) {
	b, _, _ := spooledBundle(t)
	var zips [][]byte
	for _, name := range []string{"one", "two"} {
		dir := filepath.Join(t.TempDir(), name)
		w, err := WriteWith(t.Context(), b, dir, WriteOptions{Formats: []string{"json", "csv"}, Zip: true})
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(dir, ZipFile))
		if err != nil {
			t.Fatal(err)
		}
		zips = append(zips, data)
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, f := range w.Files {
			if f != ZipFile {
				want = append(want, f)
			}
		}
		slices.Sort(want)
		var got []string
		for _, f := range zr.File {
			got = append(got, f.Name)
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			inZip, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			if onDisk, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Name))); err != nil || !bytes.Equal(inZip, onDisk) {
				t.Errorf("%s: %d bytes in the zip differ from the file written (%v)", f.Name, len(inZip), err)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("pack.zip holds %v, want %v", got, want)
		}
		if !slices.Contains(got, "evidence/captures/C0001.png") {
			t.Error("pack.zip lacks the spooled screenshot")
		}
	}
	if !bytes.Equal(zips[0], zips[1]) {
		t.Error("the same pack gave two different pack.zip")
	}
}
