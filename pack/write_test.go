package pack

import (
	"bytes"
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
