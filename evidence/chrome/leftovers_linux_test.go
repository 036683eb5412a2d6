package chrome

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestRemoveStale makes profile directories as killed runs and live ones
// leave them, and checks that only ours with a gone owner are removed.
func TestRemoveStale(t *testing.T) {
	tmp := t.TempDir()
	self := ownerTag(os.Getpid())
	if self == "" {
		t.Fatal("no start time for this process")
	}
	pid := strconv.Itoa(os.Getpid())
	type dir struct {
		name    string
		make    func(path string) error
		removed bool
	}
	dirs := []dir{
		{"dossier-chrome-" + self + "-1", mkdir, false},            // our own, live
		{"dossier-chrome-" + pid + ".1-2", mkdir, true},            // our pid, another start: reused id, owner gone
		{"dossier-chrome-999999999.5-3", mkdir, true},              // no such process
		{"dossier-chrome-4242424242", mkdir, false},                // an older dossier's, no owner named
		{"other-chrome-999999999.5-4", mkdir, false},               // not ours
		{"dossier-chrome-999999999.5-link", linkToDir(tmp), false}, // a link, not a directory we made
		{"dossier-chrome-999999999.5-file", func(p string) error { return os.WriteFile(p, nil, 0o600) }, false},
	}
	if os.Geteuid() == 0 { // only root can make a directory another user owns
		dirs = append(dirs, dir{"dossier-chrome-999999999.5-foreign", foreignDir, false})
	}
	for _, tt := range dirs {
		if err := tt.make(filepath.Join(tmp, tt.name)); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		defer func() {
			_, err := os.Lstat(filepath.Join(tmp, tt.name))
			if gone := os.IsNotExist(err); gone != tt.removed {
				t.Errorf("%s: removed %v, want %v", tt.name, gone, tt.removed)
			}
		}()
	}
	removeStale(tmp)
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

func mkdir(p string) error { return os.Mkdir(p, 0o700) }

// TestKilledRunLeftovers kills a process that runs a browser, as a
// SIGKILL or a crash would, and checks that the next start removes what
// it left: the profile and singleton directories, and any Chrome process
// still using them.
func TestKilledRunLeftovers(t *testing.T) {
	if os.Getenv("DOSSIER_CHROME_HELPER") == "1" {
		b, err := Start(t.Context(), chromium(t), Options{})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Println(b.ProfileDir())
		time.Sleep(time.Minute) // killed before this ends
		return
	}
	start(t, Options{}).Close() // fails under CI, skips elsewhere, when there is no browser
	tmp := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledRunLeftovers$")
	cmd.Env = append(os.Environ(), "DOSSIER_CHROME_HELPER=1", "TMPDIR="+tmp)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		t.Fatalf("the helper printed no profile dir: %v", err)
	}
	dir := strings.TrimSpace(line)
	cmd.Process.Kill()
	cmd.Wait()
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("the killed run left no profile dir to clean (%v): the test proves nothing", err)
	}

	removeStale(tmp)
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		var names []string
		for _, e := range left {
			names = append(names, e.Name())
		}
		t.Errorf("left in TMPDIR after the next start: %v", names)
	}
	if pids := Processes(dir); len(pids) > 0 {
		t.Errorf("processes of the killed run remain: %v", pids)
	}
}
