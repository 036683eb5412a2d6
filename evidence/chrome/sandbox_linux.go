//go:build linux

package chrome

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
)

// host is what decides whether Chrome's sandbox can run here; tests fill
// it in by hand.
type host struct {
	euid int
	// setuidHelper is the chrome-sandbox next to the browser when it is
	// root-owned and setuid, "" otherwise.
	setuidHelper string
	// userns is nil when an unprivileged process can make a user
	// namespace (Chrome's namespace sandbox), else why not.
	userns error
}

// sandboxHost looks at this machine for the browser at path.
func sandboxHost(path string) host {
	h := host{euid: os.Geteuid()}
	if h.euid == 0 {
		return h // nothing else matters: Chrome will not sandbox as root
	}
	if real, err := filepath.EvalSymlinks(path); err == nil {
		helper := filepath.Join(filepath.Dir(real), "chrome-sandbox")
		if st, err := os.Stat(helper); err == nil && st.Mode()&os.ModeSetuid != 0 {
			if sys, ok := st.Sys().(*syscall.Stat_t); ok && sys.Uid == 0 {
				h.setuidHelper = helper
			}
		}
	}
	h.userns = tryUserNamespace()
	return h
}

// decide says whether Chrome runs sandboxed, and why (or why not): the
// record of a capture says which.
func (h host) decide() (bool, string) {
	switch {
	case h.euid == 0:
		return false, "running as root: Chrome will not start its sandbox as root, so it runs with --no-sandbox"
	case h.userns == nil:
		return true, "sandboxed (unprivileged user namespaces)"
	case h.setuidHelper != "":
		return true, "sandboxed (setuid helper " + h.setuidHelper + ")"
	}
	return false, "no sandbox is available (" + h.userns.Error() + ", and no setuid chrome-sandbox helper), so Chrome runs with --no-sandbox"
}

// tryUserNamespace reports whether this process may make a user
// namespace, the way Chrome's sandbox does: the sysctls that forbid it
// first, then an actual clone (a Go program is multi-threaded, so
// unshare in-process would fail regardless).
func tryUserNamespace() error {
	for _, s := range []struct{ file, off, say string }{
		{"/proc/sys/kernel/unprivileged_userns_clone", "0", "kernel.unprivileged_userns_clone is 0"},
		{"/proc/sys/user/max_user_namespaces", "0", "user.max_user_namespaces is 0"},
		{"/proc/sys/kernel/apparmor_restrict_unprivileged_userns", "1", "AppArmor restricts unprivileged user namespaces"},
	} {
		if b, err := os.ReadFile(s.file); err == nil && strings.TrimSpace(string(b)) == s.off {
			return errors.New(s.say)
		}
	}
	prog, err := exec.LookPath("true")
	if err != nil {
		return fmt.Errorf("finding a program to try a user namespace with: %w", err)
	}
	cmd := exec.Command(prog)
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUSER}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("making a user namespace: %w", err)
	}
	return nil
}
