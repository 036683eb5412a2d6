// Package packtest holds the test helpers the packages that write and read
// packs share: golden files refreshed with -update, and the digests of a
// pack's files. Only tests import it.
package packtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Golden compares got with the file at path. With update it rewrites the
// file instead. On a difference it fails, showing the first differing
// lines and how to refresh the file (refresh, e.g. "go test ./pack -update").
func Golden(t testing.TB, path string, got []byte, update bool, refresh string) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (%s writes it)", err, refresh)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale; if the change is intended, run %s and review the diff:\n%s", path, refresh, lineDiff(got, want, 10))
	}
}

// lineDiff lists up to max lines that differ, by line number.
func lineDiff(got, want []byte, max int) string {
	gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	var out []string
	for i := 0; (i < len(gl) || i < len(wl)) && len(out) < max; i++ {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			out = append(out, fmt.Sprintf("line %d:\n  got:  %s\n  want: %s", i+1, g, w))
		}
	}
	return strings.Join(out, "\n")
}

// Digests maps every file under dir, by slash-separated relative path, to
// its SHA-256 in hex.
func Digests(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		out[filepath.ToSlash(rel)] = hex.EncodeToString(sum[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// UncommentDraft turns on the blocks a draft manifest (dossier init) only
// suggests in comments at its top level (data:, operations:), as a vendor
// who starts from them would, leaving their TODO values in place.
func UncommentDraft(draft string) string {
	lines := strings.Split(draft, "\n")
	in := false
	for i, l := range lines {
		rest, ok := strings.CutPrefix(l, "# ")
		switch {
		case ok && (rest == "data:" || rest == "operations:"):
			in = true
		case ok && in && strings.HasPrefix(rest, "  "):
		default:
			in = false
			continue
		}
		lines[i] = rest
	}
	return strings.Join(lines, "\n")
}
