package evidence

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/manifest"
)

func TestAttach(t *testing.T) {
	const token = "tok_live_9f8e7d6c5b4a"
	dir := t.TempDir()
	outside := t.TempDir()
	write := func(dir, name, content string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	link := func(target, name string) {
		t.Helper()
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	write(dir, "policy.txt", "curl -H 'Authorization: Bearer "+token+"' https://api.example.com/?t=tok_live_9f8e7d6c5b4a\n")
	write(dir, "shots/host.png", "\x89PNG not really")
	link("shots/host.png", "inside-link.png")
	link("/proc/self/environ", "environ.txt")
	link(write(outside, "secret.txt", token), "outside-link.txt")
	if err := os.Mkdir(filepath.Join(dir, "folder"), 0o755); err != nil {
		t.Fatal(err)
	}
	// A FIFO would block an open for reading until a writer came.
	fifo := runtime.GOOS != "windows"
	if fifo {
		if out, err := exec.Command("mkfifo", filepath.Join(dir, "pipe")).CombinedOutput(); err != nil {
			t.Fatalf("mkfifo: %v %s", err, out)
		}
	}

	type attachCase struct {
		name   string
		path   string
		status check.Status
		detail string // substring of the result's detail
		data   string // the evidence item's content, for a pass
	}
	tests := []attachCase{
		{"regular file: the token is redacted", "policy.txt", check.Pass, "2 occurrence(s) of a secret the probe holds",
			"curl -H 'Authorization: Bearer [REDACTED]' https://api.example.com/?t=[REDACTED]\n"},
		{"file in a subfolder", "shots/host.png", check.Pass, "is attached (15 bytes)", "\x89PNG not really"},
		{"symlink that stays inside", "inside-link.png", check.Pass, "is attached", "\x89PNG not really"},
		{"symlink to /proc/self/environ", "environ.txt", check.Fail, `resolves to "/proc/`, ""},
		{"symlink to a file outside", "outside-link.txt", check.Fail, "outside the manifest's directory", ""},
		{"parent path", "../" + filepath.Base(outside) + "/secret.txt", check.Fail, "outside the manifest's directory", ""},
		{"absolute path", "/etc/passwd", check.Fail, "must be relative", ""},
		{"directory", "folder", check.Fail, "not a regular file", ""},
		{"missing", "nope.pdf", check.Fail, "cannot be read", ""},
	}
	if fifo {
		tests = append(tests, attachCase{"FIFO: refused without blocking", "pipe", check.Fail, "not a regular file", ""})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rs, ev := Attach(dir, []manifest.Attachment{{Path: tc.path, Title: "t"}}, []string{token, "short"})
			if len(rs) != 1 {
				t.Fatalf("results %+v", rs)
			}
			r := rs[0]
			if r.Status != tc.status || !strings.Contains(r.Detail, tc.detail) {
				t.Errorf("got %s %q, want %s containing %q", r.Status, r.Detail, tc.status, tc.detail)
			}
			switch {
			case tc.status == check.Pass && (len(ev) != 1 || string(ev[0].Data) != tc.data):
				t.Errorf("evidence %+v, want data %q", ev, tc.data)
			case tc.status != check.Pass && len(ev) != 0:
				t.Errorf("evidence for a refused file: %+v", ev)
			}
			for _, e := range ev {
				if bytes.Contains(e.Data, []byte(token)) || strings.Contains(r.Detail, token) {
					t.Errorf("the token is in the pack")
				}
			}
		})
	}
}
