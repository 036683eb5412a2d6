package owned

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestMineAndStale makes directories as live and killed runs leave them,
// and checks which each list names: only real directories of this user,
// named by MkdirTemp, whose owner is this process (Mine) or gone (Stale).
func TestMineAndStale(t *testing.T) {
	tmp := t.TempDir()
	self := ownerTag(os.Getpid())
	if self == "" {
		t.Fatal("no start time for this process")
	}
	pid := strconv.Itoa(os.Getpid())
	mkdir := func(p string) error { return os.Mkdir(p, 0o700) }
	type dir struct {
		name       string
		make       func(path string) error
		mine, gone bool
	}
	dirs := []dir{
		{"dossier-chrome-" + self + "-1", mkdir, true, false},             // our own, live
		{"dossier-demo-plugin-" + self + "-1", mkdir, true, false},        // our own, a prefix of two words
		{"dossier-chrome-" + pid + ".1-2", mkdir, false, true},            // our pid, another start: a reused id, owner gone
		{"dossier-chrome-999999999.5-3", mkdir, false, true},              // no such process
		{"dossier-chrome-4242424242", mkdir, false, false},                // an older dossier's, no owner named
		{"other-chrome-999999999.5-4", mkdir, false, false},               // not ours
		{"dossier-chrome-999999999.5-link", linkToDir(tmp), false, false}, // a link, not a directory we made
		{"dossier-chrome-999999999.5-file", func(p string) error { return os.WriteFile(p, nil, 0o600) }, false, false},
	}
	if os.Geteuid() == 0 { // only root can make a directory another user owns
		dirs = append(dirs, dir{"dossier-chrome-999999999.5-foreign", foreignDir, false, false})
	}
	for _, tt := range dirs {
		if err := tt.make(filepath.Join(tmp, tt.name)); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
	}
	mine, stale := Mine(tmp, "dossier-"), Stale(tmp, "dossier-")
	for _, tt := range dirs {
		p := filepath.Join(tmp, tt.name)
		if got := slices.Contains(mine, p); got != tt.mine {
			t.Errorf("%s: in Mine %v, want %v", tt.name, got, tt.mine)
		}
		if got := slices.Contains(stale, p); got != tt.gone {
			t.Errorf("%s: in Stale %v, want %v", tt.name, got, tt.gone)
		}
	}
	if got := Mine(tmp, "dossier-chrome-"); len(got) != 1 || !strings.Contains(got[0], "dossier-chrome-"+self) {
		t.Errorf("Mine with the chrome prefix = %v, want only our chrome directory", got)
	}
}

// TestMkdirTemp: a directory MkdirTemp makes is this process's.
func TestMkdirTemp(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	dir, err := MkdirTemp("", "dossier-captures-")
	if err != nil {
		t.Fatal(err)
	}
	if got := Mine(os.TempDir(), "dossier-captures-"); !slices.Equal(got, []string{dir}) {
		t.Errorf("Mine = %v, want [%s]", got, dir)
	}
	if got := Stale(os.TempDir(), "dossier-"); len(got) > 0 {
		t.Errorf("Stale = %v, want none: its owner runs", got)
	}
}

func linkToDir(tmp string) func(string) error {
	return func(p string) error {
		target := filepath.Join(tmp, "target")
		if err := os.Mkdir(target, 0o700); err != nil {
			return err
		}
		return os.Symlink(target, p)
	}
}

// foreignDir makes a directory owned by nobody.
func foreignDir(p string) error {
	if err := os.Mkdir(p, 0o700); err != nil {
		return err
	}
	return os.Chown(p, 65534, 65534)
}
