//go:build linux

package chrome

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
	"time"
)

// killLeftovers ends the processes this browser started: the browser, its
// children and the crashpad handlers. Every one of them names the profile
// directory on its command line (--user-data-dir=dir, or a path inside it
// such as crashpad's --database), and the directory is unique to this
// Browser, so the command lines name exactly our own processes. Killing
// them outright is faster than a graceful close and the profile is thrown
// away anyway.
func killLeftovers(dir string) {
	deadline := time.Now().Add(2 * time.Second)
	for quiet := 0; quiet < 2 && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if pids := Processes(dir); len(pids) > 0 {
			quiet = 0
			for _, pid := range pids {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		} else {
			quiet++
		}
	}
}

// Processes returns the ids of live processes whose command line names the
// profile directory dir; tests use it to prove that nothing outlives Close.
func Processes(dir string) []int {
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
			if names(a, dir) {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}

// names reports whether a command-line argument is dir or a path in it,
// alone or as a --flag=value. A plain substring test would also match
// another run's /tmp/dossier-chrome-1234 for our /tmp/dossier-chrome-123.
func names(arg []byte, dir string) bool {
	_, v, ok := bytes.Cut(arg, []byte("="))
	if !ok || !bytes.HasPrefix(arg, []byte("--")) {
		v = arg
	}
	return string(v) == dir || bytes.HasPrefix(v, []byte(dir+"/"))
}
