package pack

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestCheckOut: Write replaces only an empty directory or an earlier pack;
// a directory with a stray pack.json and the user's files, a symlinked
// --out and an --out inside a pack are refused before anything is
// written, and the user's files are untouched.
func TestCheckOut(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, root string) string // returns --out
		want  string                                 // "" = allowed
	}{
		{"new directory", func(t *testing.T, root string) string { return filepath.Join(root, "new") }, ""},
		{"empty directory", func(t *testing.T, root string) string {
			p := filepath.Join(root, "empty")
			mkdir(t, p)
			return p
		}, ""},
		{"an earlier pack", func(t *testing.T, root string) string {
			p := filepath.Join(root, "pack")
			if _, err := WriteWith(t.Context(), smallBundle(), p, WriteOptions{Formats: []string{"json"}, Zip: true}); err != nil {
				t.Fatal(err)
			}
			return p
		}, ""},
		{"a stray pack.json among the user's files", func(t *testing.T, root string) string {
			p := filepath.Join(root, "work")
			mkdir(t, p)
			writeFile(t, filepath.Join(p, "pack.json"), "{}")
			writeFile(t, filepath.Join(p, "thesis.tex"), "mine")
			return p
		}, `not a dossier pack: it holds files no SHA256SUMS there lists ("pack.json", "thesis.tex")`},
		{"an earlier pack with a file added", func(t *testing.T, root string) string {
			p := filepath.Join(root, "pack")
			if _, err := Write(t.Context(), smallBundle(), p, []string{"json"}); err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(p, "evidence", "notes.txt"), "mine")
			return p
		}, `"evidence/notes.txt"`},
		{"a symlink", func(t *testing.T, root string) string {
			target := filepath.Join(root, "target")
			mkdir(t, target)
			p := filepath.Join(root, "link")
			if err := os.Symlink(target, p); err != nil {
				t.Fatal(err)
			}
			return p
		}, "is a symbolic link"},
		{"inside a pack", func(t *testing.T, root string) string {
			p := filepath.Join(root, "pack")
			if _, err := Write(t.Context(), smallBundle(), p, []string{"json"}); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(p, "evidence", "again")
		}, "is inside the pack"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			out := tt.setup(t, root)
			before := listTree(t, root)
			err := CheckOut(out)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("CheckOut: %v", err)
				}
				if _, err := Write(t.Context(), smallBundle(), out, []string{"json"}); err != nil {
					t.Fatalf("Write: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("CheckOut: %v, want an error containing %q", err, tt.want)
			}
			if _, err := Write(t.Context(), smallBundle(), out, []string{"json"}); err == nil {
				t.Fatal("Write wrote where CheckOut refuses")
			}
			if after := listTree(t, root); after != before {
				t.Errorf("the refused Write changed the tree:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

// TestWriteRemovesStaleLeftovers: the temporary directories of a killed
// run beside the pack are removed by the next Write when their owner
// process is gone, or when they are old and name no owner; a fresh one (a
// run going on now) and other files are left alone.
func TestWriteRemovesStaleLeftovers(t *testing.T) {
	root := t.TempDir()
	out := filepath.Join(root, "pack")
	stale := filepath.Join(root, ".pack.tmp-123")
	staleOld := filepath.Join(root, ".pack.tmp-456.old")
	fresh := filepath.Join(root, ".pack.tmp-789")
	other := filepath.Join(root, ".other.tmp-1")
	deadOwner := filepath.Join(root, ".pack.tmp-999999999.5-1")        // a killed run's, seconds ago
	deadOwnerOld := filepath.Join(root, ".pack.tmp-999999999.5-2.old") // the pack it had moved aside
	paths := []string{stale, staleOld, fresh, other, deadOwner, deadOwnerOld}
	want := map[string]bool{stale: false, staleOld: false, fresh: true, other: true, deadOwner: false, deadOwnerOld: false}
	if runtime.GOOS != "linux" { // owners are named on Linux only
		want[deadOwner], want[deadOwnerOld] = true, true
	}
	for _, p := range paths {
		mkdir(t, p)
		writeFile(t, filepath.Join(p, "pack.json"), "{}")
	}
	long := time.Now().Add(-2 * staleAfter)
	for _, p := range []string{stale, staleOld, other} {
		if err := os.Chtimes(p, long, long); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Write(t.Context(), smallBundle(), out, []string{"json"}); err != nil {
		t.Fatal(err)
	}
	for p, want := range want {
		if _, err := os.Stat(p); (err == nil) != want {
			t.Errorf("%s exists: %v, want %v", filepath.Base(p), err == nil, want)
		}
	}
}

func mkdir(t *testing.T, p string) {
	t.Helper()
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, p, s string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// listTree is every path under root with its size, one string.
func listTree(t *testing.T, root string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		b.WriteString(rel + ":" + fi.Mode().String() + ":" + string(rune('0'+fi.Size()%10)) + " ")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}
