package chrome

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
)

func TestSandboxDecision(t *testing.T) {
	noNS := errors.New("kernel.unprivileged_userns_clone is 0")
	for _, tt := range []struct {
		name string
		h    host
		on   bool
		why  string
	}{
		{"root never sandboxes", host{euid: 0}, false, "running as root"},
		{"root with a setuid helper still does not", host{euid: 0, setuidHelper: "/usr/lib/chromium/chrome-sandbox"}, false, "running as root"},
		{"user namespaces", host{euid: 1000}, true, "user namespaces"},
		{"setuid helper without user namespaces", host{euid: 1000, userns: noNS, setuidHelper: "/opt/chrome/chrome-sandbox"}, true, "setuid helper /opt/chrome/chrome-sandbox"},
		{"neither", host{euid: 1000, userns: noNS}, false, "kernel.unprivileged_userns_clone is 0, and no setuid chrome-sandbox helper"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			on, why := tt.h.decide()
			if on != tt.on || !strings.Contains(why, tt.why) {
				t.Errorf("decide() = %v %q, want %v with %q", on, why, tt.on, tt.why)
			}
		})
	}
}

// TestSandboxFlag starts the real browser: as root it must run with
// --no-sandbox (Chrome refuses otherwise) and say why; as another user
// on a machine with user namespaces it runs sandboxed.
func TestSandboxFlag(t *testing.T) {
	b := start(t, Options{})
	defer b.Close()
	on, why := b.Sandboxed()
	noSandbox := slices.Contains(b.Flags(), "--no-sandbox")
	if on == noSandbox {
		t.Errorf("Sandboxed() = %v (%s) but flags %v", on, why, b.Flags())
	}
	if os.Geteuid() == 0 && (on || !strings.Contains(why, "root")) {
		t.Errorf("as root: Sandboxed() = %v %q", on, why)
	}
	if want, _ := sandboxHost(chromium(t)).decide(); on != want {
		t.Errorf("Sandboxed() = %v, this machine gives %v", on, want)
	}
}
