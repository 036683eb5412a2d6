package chrome

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/memory"
	"github.com/chromedp/chromedp"
)

// browsers are the installed browsers of the Find list (the headless
// shell and chromium): the guard is tested on each, as a user may pass
// either with --chrome. CI installs both.
func browsers(t *testing.T) []string {
	t.Helper()
	var have []string
	for _, p := range installed {
		if _, err := os.Stat(p); err == nil {
			have = append(have, p)
		} else if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but %s is missing (make deps installs it)", p)
		}
	}
	if len(have) == 0 {
		t.Skip("skipping: no browser installed")
	}
	return have
}

// chromium is the browser Find picks, the one dossier runs by default.
func chromium(t *testing.T) string {
	t.Helper()
	return browsers(t)[0]
}

func start(t *testing.T, o Options) *Browser {
	t.Helper()
	return startAt(t, chromium(t), o)
}

func startAt(t *testing.T, path string, o Options) *Browser {
	t.Helper()
	b, err := Start(t.Context(), path, o)
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

// TestDraw: a drawing is a PNG of the named box alone, under the CSP the
// shell was served with, and a drawing in a reused tab shows nothing of the
// one before.
func TestDraw(t *testing.T) {
	b, srvURL, hits := drawing(t)
	shell := srvURL + "/shell"

	red := `<!doctype html><body style="margin:0;background:#00f">
<div id="card" style="position:absolute;left:40px;top:30px;width:600px;height:400px;background:#f00"><img src="` + srvURL + `/tracker.png" alt=""></div>
<script>document.getElementById("card").style.width = "900px"</script>`
	green := `<!doctype html><body style="margin:0;background:#fff"><div id="card" style="margin:10px;width:200px;height:100px;background:#0f0"></div>`
	draw := func(doc string) image.Image {
		t.Helper()
		data, err := b.Draw(t.Context(), shell, []byte(doc), "card")
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		return img
	}
	count := func(img image.Image, want color.RGBA) (n int) {
		for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
			for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
				if r, g, bl, _ := img.At(x, y).RGBA(); uint8(r>>8) == want.R && uint8(g>>8) == want.G && uint8(bl>>8) == want.B {
					n++
				}
			}
		}
		return n
	}

	first := draw(red)
	// The script did not run (the box keeps its 600px) and the image was
	// not fetched: the drawing is under the shell's policy.
	if got := first.Bounds().Size(); got != image.Pt(600, 400) {
		t.Errorf("first drawing is %v, want the box's 600x400", got)
	}
	if n := count(first, color.RGBA{R: 255}); n != 600*400 {
		t.Errorf("first drawing has %d red pixels, want all %d", n, 600*400)
	}
	second := draw(green)
	if got := second.Bounds().Size(); got != image.Pt(200, 100) {
		t.Errorf("second drawing is %v, want the box's 200x100", got)
	}
	if n := count(second, color.RGBA{G: 255}); n != 200*100 {
		t.Errorf("second drawing has %d green pixels of %d: the first drawing shows through", n, 200*100)
	}
	if _, err := b.Draw(t.Context(), shell, []byte(`<p>no box</p>`), "card"); err == nil {
		t.Error("a drawing without the box returned no error")
	}
	if got := hits(); !slices.Equal(got, []string{"/shell"}) {
		t.Errorf("requests %v, want the shell once: each drawing replaces the document in place, and the policy blocks the image", got)
	}
}

// drawing starts a browser and a server of the page Draw loads as its
// shell (under a policy that blocks scripts and images), and returns the
// browser, the server's URL and a func that lists the paths asked of it.
func drawing(t *testing.T) (*Browser, string, func() []string) {
	t.Helper()
	var mu sync.Mutex
	var hits []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits = append(hits, r.URL.Path)
		mu.Unlock()
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
		w.Write([]byte(`<!doctype html><title>shell</title>`))
	}))
	t.Cleanup(srv.Close)
	b := start(t, Options{})
	t.Cleanup(func() { b.Close() })
	b.Allow(srv.URL)
	return b, srv.URL, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(hits)
	}
}

// TestDrawCollects: the documents Draw replaced are freed every
// collectEvery drawings, not left for the renderer to collect when it
// pleases (it hardly does, and a 1,000-tool build grew each renderer by
// 20 MiB). A renderer that collects on its own before the collectEvery-th
// drawing leaves nothing to tell apart; the test then tries a fresh
// browser, and fails if that happens every time: collectEvery's reason
// would then be gone.
func TestDrawCollects(t *testing.T) {
	const perDoc, attempts = 2000, 3
	doc := `<!doctype html><div id="card">card</div><div hidden>` + strings.Repeat("<p>x</p>", perDoc) + `</div>`
	for attempt := 1; ; attempt++ {
		b, srvURL, _ := drawing(t)
		shell := srvURL + "/shell"
		nodes := func() int64 {
			t.Helper()
			tab := b.takeIdle(shell)
			if tab == nil {
				t.Fatal("no idle tab showing the shell")
			}
			defer b.release(tab, true)
			c, err := chromedp.Call(tab.ctx, memory.GetDOMCounters, cdp.Empty{})
			if err != nil {
				t.Fatal(err)
			}
			return c.Nodes
		}
		for i := range collectEvery - 1 {
			if _, err := b.Draw(t.Context(), shell, []byte(doc), "card"); err != nil {
				t.Fatalf("drawing %d: %v", i+1, err)
			}
		}
		// The nodes of every drawing so far are still counted: the test
		// can tell a collection from none.
		if n := nodes(); n < (collectEvery-2)*2*perDoc {
			if attempt == attempts {
				t.Fatalf("in %d browsers the renderer collected on its own before drawing %d (%d nodes the last time): collectEvery may no longer be needed", attempts, collectEvery, n)
			}
			t.Logf("the renderer collected on its own before drawing %d (%d nodes); trying a fresh browser", collectEvery, n)
			b.Close()
			continue
		}
		if _, err := b.Draw(t.Context(), shell, []byte(doc), "card"); err != nil {
			t.Fatal(err)
		}
		if n := nodes(); n > 4*perDoc {
			t.Errorf("%d DOM nodes live after %d drawings of %d nodes each: the replaced documents were not collected", n, collectEvery, 2*perDoc)
		}
		return
	}
}

// TestPreparedTabs: the tabs beyond the first are opened as the browser
// starts, and a browser closed while they open ends cleanly.
func TestPreparedTabs(t *testing.T) {
	b := start(t, Options{Tabs: 3})
	<-b.prepared
	b.mu.Lock()
	idle := len(b.idle)
	b.mu.Unlock()
	if idle != 3 {
		t.Errorf("%d idle tabs after start, want 3", idle)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}

	b = start(t, Options{Tabs: 4})
	dir := b.ProfileDir()
	if err := b.Close(); err != nil { // at once: the tabs are still opening
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("profile dir %s remains", dir)
	}
	if pids := Processes(dir); len(pids) > 0 {
		t.Errorf("processes remain: %v", pids)
	}
}

// TestShootAwaitsPromise: a ready expression that is a promise is awaited:
// the screenshot shows what the page drew before resolving it, and a
// rejected promise is an error.
func TestShootAwaitsPromise(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<body style="margin:0;background:#f00"><script>
window.drawn = new Promise(function (resolve, reject) {
  setTimeout(function () {
    if (location.search === "?fail") { reject(new Error("no luck")); return; }
    document.body.style.background = "#0f0";
    requestAnimationFrame(function () { resolve(); });
  }, 150);
});
</script>`))
	}))
	defer srv.Close()
	b := start(t, Options{})
	defer b.Close()
	b.Allow(srv.URL)
	data, _, err := b.Shoot(t.Context(), srv.URL, "window.drawn")
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if r, g, _, _ := img.At(640, 400).RGBA(); r>>8 != 0 || g>>8 != 255 {
		t.Errorf("pixel %d,%d: the screenshot was taken before the promise resolved", r>>8, g>>8)
	}
	if _, _, err := b.Shoot(t.Context(), srv.URL+"/?fail", "window.drawn"); err == nil || !strings.Contains(err.Error(), "no luck") {
		t.Errorf("a rejected promise: err = %v", err)
	}
}

// TestTabsAreDistinctPages: every tab Start opens is a page of its own. The
// first tab once attached to whichever page it heard of first, at times a
// tab being opened beside it, and two pages then shared one tab.
func TestTabsAreDistinctPages(t *testing.T) {
	for range 3 {
		b := start(t, Options{Tabs: 4})
		<-b.prepared
		b.mu.Lock()
		tabs := slices.Clone(b.idle)
		b.mu.Unlock()
		if len(tabs) != 4 {
			t.Fatalf("%d tabs open, want 4", len(tabs))
		}
		for i, tb := range tabs {
			if _, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](fmt.Sprintf("window.name = 'tab %d'", i))); err != nil {
				t.Fatal(err)
			}
		}
		for i, tb := range tabs {
			name, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string]("window.name"))
			if err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprintf("tab %d", i); name != want {
				t.Errorf("tab %d shows the page named %q: two tabs drive one page", i, name)
			}
		}
		b.Close()
	}
}
