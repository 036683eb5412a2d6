package chrome

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

const chromium = "/usr/lib/chromium/chromium"

func start(t *testing.T, o Options) *Browser {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but %s is missing", chromium)
		}
		t.Skipf("skipping: %s not installed", chromium)
	}
	b, err := Start(t.Context(), chromium, o)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestShootAndClose(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<p>hello</p><script>console.log("from the page"); window.ready = 1</script>`))
	}))
	defer srv.Close()
	b := start(t, Options{})
	b.Allow(srv.URL) // loopback: the guard lets the browser reach only what is named
	if !strings.Contains(b.Version(), "Chrome/") {
		t.Errorf("version %q", b.Version())
	}
	png, console, err := b.Shoot(t.Context(), srv.URL, "window.ready === 1")
	if err != nil {
		t.Fatal(err)
	}
	if len(png) < 8 || string(png[1:4]) != "PNG" {
		t.Errorf("not a PNG: % x", png[:8])
	}
	if !strings.Contains(strings.Join(console, "\n"), "log: from the page") {
		t.Errorf("console %q", console)
	}

	// A page that never gets ready ends at its own deadline; the browser
	// goes on working.
	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	if _, _, err := b.Shoot(ctx, srv.URL, "false"); err == nil {
		t.Error("a page that never got ready returned no error")
	}
	if _, _, err := b.Shoot(t.Context(), srv.URL, "window.ready === 1"); err != nil {
		t.Errorf("after a timed-out page: %v", err)
	}

	dir := b.ProfileDir()
	if len(Processes(dir)) == 0 {
		t.Error("no processes found for a running browser: the leftover check would prove nothing")
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("profile dir %s remains", dir)
	}
	if pids := Processes(dir); len(pids) > 0 {
		t.Errorf("processes remain: %v", pids)
	}
}
