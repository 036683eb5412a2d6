package main

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestVersion: --version and version print the same, non-empty version; a
// binary stamped with -ldflags prints the stamp, and one built from a git
// checkout without a stamp prints the checkout's revision, not "dev".
func TestVersion(t *testing.T) {
	var a, b, stderr bytes.Buffer
	if code := run(t.Context(), []string{"--version"}, &a, &stderr); code != exitOK {
		t.Fatalf("--version: exit %d: %s", code, stderr.String())
	}
	if code := run(t.Context(), []string{"version"}, &b, &stderr); code != exitOK {
		t.Fatalf("version: exit %d: %s", code, stderr.String())
	}
	if a.String() != b.String() || strings.TrimSpace(strings.TrimPrefix(a.String(), "dossier")) == "" {
		t.Fatalf("--version printed %q, version %q; want the same, non-empty", a.String(), b.String())
	}

	build := func(t *testing.T, dir string, args ...string) string {
		t.Helper()
		bin := filepath.Join(t.TempDir(), "dossier")
		cmd := exec.CommandContext(t.Context(), "go", append(append([]string{"build", "-o", bin}, args...), ".")...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		var outs []string
		for _, arg := range []string{"--version", "version"} {
			out, err := exec.CommandContext(t.Context(), bin, arg).Output()
			if err != nil {
				t.Fatalf("dossier %s: %v", arg, err)
			}
			outs = append(outs, string(out))
		}
		if outs[0] != outs[1] {
			t.Errorf("--version printed %q, version %q", outs[0], outs[1])
		}
		return strings.TrimSpace(outs[0])
	}
	t.Run("stamped", func(t *testing.T) {
		if got := build(t, ".", "-ldflags", "-X main.version=v9.8.7-test"); got != "dossier v9.8.7-test" {
			t.Errorf("a stamped build prints %q, want %q", got, "dossier v9.8.7-test")
		}
	})
	t.Run("git checkout", func(t *testing.T) {
		// Go stamps the revision only where .git is a directory, not in a
		// linked worktree (golang/go#58218), so build in a fresh clone of
		// this checkout's HEAD.
		top, err := exec.CommandContext(t.Context(), "git", "rev-parse", "--show-toplevel").Output()
		if err != nil {
			t.Skipf("not a git checkout: %v", err)
		}
		clone := filepath.Join(t.TempDir(), "clone")
		if out, err := exec.CommandContext(t.Context(), "git", "clone", "-q", "--shared", strings.TrimSpace(string(top)), clone).CombinedOutput(); err != nil {
			t.Fatalf("git clone: %v\n%s", err, out)
		}
		head, err := exec.CommandContext(t.Context(), "git", "-C", clone, "rev-parse", "HEAD").Output()
		if err != nil {
			t.Fatal(err)
		}
		got := build(t, filepath.Join(clone, "cmd", "dossier"), "-buildvcs=true")
		if rev := strings.TrimSpace(string(head))[:12]; !strings.Contains(got, rev) {
			t.Errorf("an unstamped build from a checkout prints %q, want the revision %s in it", got, rev)
		}
	})
}
