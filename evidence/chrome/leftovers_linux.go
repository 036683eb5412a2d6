//go:build linux

package chrome

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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

// profileDirPattern is the os.MkdirTemp pattern of this process's profile
// directories. It names the owner, by process id and start time (a
// reused id has another), so that a later run can tell a directory whose
// owner was killed before Close from one that is still in use.
func profileDirPattern() string {
	if tag := ownerTag(os.Getpid()); tag != "" {
		return profilePrefix + tag + "-*"
	}
	return profilePrefix + "*"
}

func ownerTag(pid int) string {
	start, ok := startTime(pid)
	if !ok {
		return ""
	}
	return strconv.Itoa(pid) + "." + strconv.FormatUint(start, 10)
}

// startTime is field 22 of /proc/pid/stat, the process's start in clock
// ticks since boot.
func startTime(pid int) (uint64, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	// The command name (field 2) is in parentheses and may hold anything.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	fields := bytes.Fields(b[i+1:]) // from field 3
	if len(fields) < 20 {
		return 0, false
	}
	v, err := strconv.ParseUint(string(fields[19]), 10, 64)
	return v, err == nil
}

// removeStale removes the profile directories in tmp that a dossier
// killed before Close left behind (SIGKILL, a crash), with the Chrome
// processes that still use them and Chrome's singleton directory. Only a
// directory that is ours is touched: a real directory (not a link) owned
// by this user, named by profileDirPattern, whose owner process is gone.
// A directory of an older dossier, which names no owner, is left alone.
func removeStale(tmp string) {
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return
	}
	for _, e := range entries {
		pid, start, ok := parseOwner(e.Name())
		if !ok {
			continue
		}
		if now, alive := startTime(pid); alive && now == start {
			continue
		}
		dir := filepath.Join(tmp, e.Name())
		st, err := os.Lstat(dir)
		if err != nil || !st.IsDir() {
			continue
		}
		if sys, ok := st.Sys().(*syscall.Stat_t); !ok || int(sys.Uid) != os.Geteuid() {
			continue
		}
		// A process the kill missed (one still being forked when the owner
		// died) can write into the directory while it is removed; then
		// RemoveAll fails, and the next round kills it too.
		for round := 0; round < 5; round++ {
			killLeftovers(dir)
			removeSingletonDir(dir)
			if os.RemoveAll(dir) == nil {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// parseOwner reads the owner from a profile directory's name,
// "dossier-chrome-<pid>.<start>-<random>".
func parseOwner(name string) (pid int, start uint64, ok bool) {
	rest, ok := strings.CutPrefix(name, profilePrefix)
	if !ok {
		return 0, 0, false
	}
	tag, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, 0, false
	}
	p, s, ok := strings.Cut(tag, ".")
	if !ok {
		return 0, 0, false
	}
	pid, err1 := strconv.Atoi(p)
	start, err2 := strconv.ParseUint(s, 10, 64)
	return pid, start, err1 == nil && err2 == nil && pid > 0
}
