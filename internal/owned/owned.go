// Package owned makes the temporary directories a run works in (Chrome's
// profile, the screenshot spool, the demo's plugin package, a pack being
// written) with the process that owns them in their names: its id and
// start time. A run that is killed, or quits at once on a second
// interrupt, cannot close what it started in them; the names let it find
// its own on the way out (Mine) and let a later run find those whose owner
// is gone (Stale).
package owned

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// MkdirTemp makes a directory in dir ("" is os.TempDir()) named prefix,
// the owner and a random part: "dossier-chrome-<pid>.<start>-<random>".
// Where the owner cannot be named (outside Linux), the name holds no owner
// and neither Mine nor Stale ever lists the directory.
func MkdirTemp(dir, prefix string) (string, error) {
	if tag := ownerTag(os.Getpid()); tag != "" {
		return os.MkdirTemp(dir, prefix+tag+"-*")
	}
	return os.MkdirTemp(dir, prefix+"*")
}

// Mine lists the directories in tmp whose names begin with prefix that
// this process made.
func Mine(tmp, prefix string) []string {
	self := os.Getpid()
	started, ok := startTime(self)
	return list(tmp, prefix, func(pid int, start uint64) bool {
		return ok && pid == self && start == started
	})
}

// Stale lists the directories in tmp whose names begin with prefix whose
// owner process is gone (a process with the same id and another start
// time is another process).
func Stale(tmp, prefix string) []string {
	return list(tmp, prefix, func(pid int, start uint64) bool {
		now, alive := startTime(pid)
		return !alive || now != start
	})
}

// RemoveMine removes the directories Mine lists: for directories that no
// process of their own works in.
func RemoveMine(tmp, prefix string) {
	for _, dir := range Mine(tmp, prefix) {
		os.RemoveAll(dir)
	}
}

// RemoveStale removes the directories Stale lists: for directories that no
// process of their own works in.
func RemoveStale(tmp, prefix string) {
	for _, dir := range Stale(tmp, prefix) {
		os.RemoveAll(dir)
	}
}

// list lists the directories in tmp named by MkdirTemp with prefix whose
// owner passes keep. Only what this user made is listed: a real directory
// (not a link) that this user owns.
func list(tmp, prefix string, keep func(pid int, start uint64) bool) []string {
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return nil
	}
	var dirs []string
	for _, e := range entries {
		pid, start, ok := parseOwner(e.Name(), prefix)
		if !ok || !keep(pid, start) {
			continue
		}
		dir := filepath.Join(tmp, e.Name())
		if ownDir(dir) {
			dirs = append(dirs, dir)
		}
	}
	return dirs
}

// parseOwner reads the owner from a name MkdirTemp made with a prefix that
// begins with prefix: the first "-"-separated field after it that reads as
// "<pid>.<start>", followed by the random part.
func parseOwner(name, prefix string) (pid int, start uint64, ok bool) {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return 0, 0, false
	}
	fields := strings.Split(rest, "-")
	for i, f := range fields[:len(fields)-1] { // the last is the random part
		p, s, ok := strings.Cut(f, ".")
		if !ok {
			continue
		}
		pid, err1 := strconv.Atoi(p)
		start, err2 := strconv.ParseUint(s, 10, 64)
		if err1 == nil && err2 == nil && pid > 0 && fields[i+1] != "" {
			return pid, start, true
		}
	}
	return 0, 0, false
}
