//go:build linux

package owned

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
)

// ownerTag is "<pid>.<start>" for the process pid, "" if it is gone.
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

// ownDir reports whether dir is a real directory this user owns.
func ownDir(dir string) bool {
	st, err := os.Lstat(dir)
	if err != nil || !st.IsDir() {
		return false
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	return ok && int(sys.Uid) == os.Geteuid()
}
