//go:build linux

package chrome

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
	"time"
)

// killLeftovers ends the processes this browser started that outlived it.
// Chrome passes --user-data-dir to every child, and the directory is unique
// to this Browser, so the command line names exactly our own processes.
func killLeftovers(dir string) {
	want := []byte("--user-data-dir=" + dir)
	deadline := time.Now().Add(2 * time.Second)
	for quiet := 0; quiet < 3 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if pids := processesWith(want); len(pids) > 0 {
			quiet = 0
			for _, pid := range pids {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		} else {
			quiet++
		}
	}
}

func processesWith(arg []byte) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	self := os.Getpid()
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil {
			continue
		}
		for a := range bytes.SplitSeq(cmdline, []byte{0}) {
			if bytes.Equal(a, arg) {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}

// Processes returns the ids of live processes that run with the profile
// directory dir; tests use it to prove that nothing outlives Close.
func Processes(dir string) []int { return processesWith([]byte("--user-data-dir=" + dir)) }
