package chrome

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestRemoveMine removes a running browser's profile at once, as a run
// that quits on a second interrupt does: its processes and directories
// must be gone, and the Close that follows must not fail.
func TestRemoveMine(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	b := start(t, Options{Tabs: 2})
	dir := b.ProfileDir()
	if len(Processes(dir)) == 0 {
		t.Fatal("no process names the profile: the test proves nothing")
	}
	RemoveMine(tmp)
	if pids := Processes(dir); len(pids) > 0 {
		t.Errorf("processes of the browser remain: %v", pids)
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		var names []string
		for _, e := range left {
			names = append(names, e.Name())
		}
		t.Errorf("left in TMPDIR: %v", names)
	}
	if err := b.Close(); err != nil {
		t.Errorf("Close after RemoveMine: %v", err)
	}
}

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
