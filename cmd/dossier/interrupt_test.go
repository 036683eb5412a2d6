package main

import (
	"bufio"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestInterruptLeavesNothingBehind runs the real binary, interrupts it
// (Ctrl-C) while Chrome renders, once (a clean stop) or twice (quit at
// once), and checks that no Chrome process, no profile directory, no
// screenshot spool and no half-written pack remain. The child gets a
// TMPDIR of its own, so Chrome runs of tests in other packages do not count.
func TestInterruptLeavesNothingBehind(t *testing.T) {
	for _, twice := range []bool{false, true} {
		name := "once"
		if twice {
			name = "twice"
		}
		t.Run(name, func(t *testing.T) { interruptDemo(t, twice) })
	}
}

// interruptDemo interrupts a demo once it renders, and again at once when
// twice is set (the "quit at once" path).
func interruptDemo(t *testing.T, twice bool) {
	requireBrowser(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "dossier")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "pack")
	cmd := exec.Command(bin, "demo", "--out", out)
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	interrupted := false
	var seen []string
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		seen = append(seen, sc.Text())
		if !interrupted && strings.Contains(sc.Text(), "rendering widget:") {
			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			interrupted = true
		}
		// Signals do not queue: the second is sent once the first has
		// been taken.
		if twice && strings.Contains(sc.Text(), "interrupt again to quit") {
			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
		}
	}
	err = cmd.Wait()
	if !interrupted {
		t.Fatalf("the demo ended (%v) before Chrome rendered anything:\n%s", err, strings.Join(seen, "\n"))
	}
	if err == nil {
		t.Fatal("an interrupted demo exited 0")
	}
	if twice {
		// The second interrupt must have been what ended the run, not the
		// cleanup the first one started.
		if code := cmd.ProcessState.ExitCode(); code != exitInterrupted || !strings.Contains(strings.Join(seen, "\n"), "interrupted again; quitting") {
			t.Fatalf("exit %d, want %d after \"interrupted again; quitting\":\n%s", code, exitInterrupted, strings.Join(seen, "\n"))
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("the interrupted run left %s behind (%v)", out, err)
	}
	// Chrome exits shortly after its parent; give it a moment, then look.
	deadline := time.Now().Add(5 * time.Second)
	for {
		left := chromeProcessesUnder(t, tmp)
		entries, _ := os.ReadDir(tmp)
		if len(left) == 0 && len(entries) == 0 {
			return
		}
		if time.Now().After(deadline) {
			var names []string
			filepath.WalkDir(tmp, func(p string, _ fs.DirEntry, _ error) error {
				if p != tmp {
					names = append(names, strings.TrimPrefix(p, tmp+"/"))
				}
				return nil
			})
			t.Fatalf("after the interrupt: processes %v, files in TMPDIR %v; the run's stderr:\n%s", left, names, strings.Join(seen, "\n"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// chromeProcessesUnder lists the pids whose command line names dir.
func chromeProcessesUnder(t *testing.T, dir string) []string {
	t.Helper()
	procs, err := filepath.Glob("/proc/[0-9]*/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	var pids []string
	for _, p := range procs {
		data, err := os.ReadFile(p)
		if err == nil && strings.Contains(string(data), dir) {
			pids = append(pids, filepath.Base(filepath.Dir(p)))
		}
	}
	return pids
}
