package chrome

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
)

// ErrNoBrowser is returned by Find when no browser is installed.
var ErrNoBrowser = errors.New("no browser found (install chromium, or pass --chrome)")

// installed are the browsers Find looks for, best first. Debian's
// chromium-headless-shell comes first: it is the same Blink as chromium
// without the desktop browser around it, made for what this package does,
// and on a 2-core machine it starts in 0.27-0.34 s with 0.34 s of CPU
// where chromium takes 0.74-0.86 s and 2.2 s (time to the DevTools
// endpoint, Chromium 156), so the demo takes 1.7-2.1 s instead of
// 2.5-2.9 s. Chromium is the fallback wherever the shell is not installed.
var installed = []string{
	"/usr/lib/chromium/chromium-headless-shell",
	"/usr/lib/chromium/chromium",
}

// onPath are the names Find then looks up on PATH.
var onPath = []string{"chromium-headless-shell", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// Find returns the browser executable: path itself when given (it must
// exist), else the first of Debian's headless shell and Debian's chromium
// that is installed, else the first of onPath found on PATH.
func Find(path string) (string, error) {
	if path != "" {
		if st, err := os.Stat(path); err != nil || st.IsDir() {
			return "", fmt.Errorf("browser %q: %w", path, ErrNoBrowser)
		}
		return path, nil
	}
	for _, p := range installed {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	for _, name := range onPath {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNoBrowser
}
