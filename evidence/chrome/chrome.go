// Package chrome drives one headless Chromium for the evidence stage. It is
// the only package that imports chromedp: evidence talks to it through the
// small evidence.Browser interface, so other stages can fake the browser.
//
// A Browser owns a fresh profile directory, which Close removes after the
// browser and every process it started have gone.
package chrome

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/heapprofiler"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/dossier-dev/dossier/internal/netguard"
	"github.com/dossier-dev/dossier/internal/owned"
)

// maxTracked bounds the requests one page's network record keeps.
const maxTracked = 2000

// Viewport is the size every tab renders at.
const (
	Width  = 1280
	Height = 800
)

type flag struct {
	name  string
	value any
}

// flags are the command-line switches, in order; every capture records them.
// IsolateSandboxedIframes is off so that the console messages of the
// sandboxed widget frame (blocked navigations, uncaught SecurityErrors) reach
// the tab's events; the sandbox flags and the CSP still apply exactly.
// disable-features is one value: a second Flag would replace the first.
// WebUIOmniboxPopup and WebUIOmniboxAimPopup keep chromium 156 (the
// fallback where the headless shell, which has no address bar, is not
// installed; see Find) from loading the address bar's popups
// (chrome://omnibox-popup.top-chrome) in a renderer of their own at
// start: a headless browser never shows them, and that renderer took
// 1.3-1.5 s of CPU during the first seconds, on a 2-core machine the time
// the first pages waited for (demo 3.0-3.3 s to 2.6 s).
// disable-frame-rate-limit lets a screenshot have its frame at once instead
// of at the next 60 Hz tick, and changes no pixel of a page that has
// finished drawing: build at 100 tools (30 prompts) takes 3.27 s with it
// against 3.53 s without (BenchmarkBuildAll, interleaved, load ~3). Its
// cost: a page that animates has frames drawn as fast as the CPU allows
// (one requestAnimationFrame loop: 1.3 cores against 0.2), and still pages
// take 15-20 % more CPU per capture; a widget's capture is bounded (see
// evidence's caps), and under heavy load the CPU, not the frame tick, is
// what captures wait for.
// no-sandbox is there only where the sandbox cannot run (see decide).
// Every request goes through the guard's proxy, loopback included
// (<-loopback> removes Chrome's implicit bypass of it); WebRTC, which
// could send UDP around the proxy, is held by a switch that the headless
// shell obeys and a profile preference that chromium does (see
// preferences).
func flags(sandboxed bool, proxy string) []flag {
	fs := []flag{
		{"headless", true},
		{"hide-scrollbars", true},
		{"mute-audio", true},
	}
	if !sandboxed {
		fs = append(fs, flag{"no-sandbox", true})
	}
	return append(fs, []flag{
		{"proxy-server", proxy},
		{"proxy-bypass-list", "<-loopback>"},
		{"disable-gpu", true},
		{"no-first-run", true},
		{"no-default-browser-check", true},
		{"disable-quic", true},
		{"disable-background-networking", true},
		{"disable-component-update", true},
		{"disable-sync", true},
		{"disable-dev-shm-usage", true},
		{"disable-extensions", true},
		{"disable-default-apps", true},
		{"disable-breakpad", true},
		{"disable-client-side-phishing-detection", true},
		{"disable-background-timer-throttling", true},
		{"disable-renderer-backgrounding", true},
		{"disable-backgrounding-occluded-windows", true},
		{"disable-frame-rate-limit", true},
		{"disable-features", "Translate,IsolateSandboxedIframes,MediaRouter,OptimizationHints,WebUIOmniboxPopup,WebUIOmniboxAimPopup"},
		{"force-webrtc-ip-handling-policy", "disable_non_proxied_udp"},
		{"force-color-profile", "srgb"},
		{"password-store", "basic"},
		{"use-mock-keychain", true},
		{"window-size", fmt.Sprintf("%d,%d", Width, Height)},
	}...)
}

// Browser is one running Chromium.
type Browser struct {
	dir         string
	proxy       *proxy
	sandboxed   bool
	sandboxWhy  string
	version     string
	flags       []string
	allocCancel context.CancelFunc
	rootCancel  context.CancelFunc
	root        context.Context // the browser; parent of every tab

	mu   sync.Mutex
	idle []*tab // open tabs between pages, reused: opening a tab costs more than a page
	// prepared is closed when the tabs Start opens in the background
	// (Options.Tabs) are open or have failed to open.
	prepared chan struct{}
}

// tab is one open tab, used by one page at a time.
type tab struct {
	ctx    context.Context
	cancel context.CancelFunc
	// shell is the page loaded for Draw ("" after Shoot) and frame its
	// main frame: Draw replaces the document of that page in place.
	shell string
	frame cdp.FrameID
	drawn int // drawings made in this tab
}

// collectEvery is how many drawings a tab makes before its renderer is
// told to collect its garbage. A renderer does not free the documents
// Draw replaced until it collects of its own accord, which it hardly does
// while its memory is not short: drawing 300 prompts grew each renderer by
// about 20 MiB. A collection every 25 drawings held Chrome's peak at 1,000
// tools to 236 MiB against 264, at no measurable cost in time (12.5 s
// against 12.6 for the build).
const collectEvery = 25

// Start launches the browser at path with a fresh profile directory, and
// the proxy every request of it goes through. The browser lives until
// Close or until ctx is done; either way Close must be called to remove
// the profile. Profile directories that killed runs left are removed
// first.
func Start(ctx context.Context, path string, o Options) (*Browser, error) {
	removeStale(os.TempDir())
	dir, err := owned.MkdirTemp("", profilePrefix)
	if err != nil {
		return nil, fmt.Errorf("creating chrome profile dir: %w", err)
	}
	b := &Browser{dir: dir}
	if err := writePreferences(dir); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	b.sandboxed, b.sandboxWhy = sandboxHost(path).decide()
	if b.proxy, err = startProxy(netguard.New(netguard.Config{Origins: o.Allow, Resolver: o.Resolver})); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(dir),
		// Crashpad writes ~/.config/chromium even with --user-data-dir.
		chromedp.Env("XDG_CONFIG_HOME="+dir, "XDG_CACHE_HOME="+dir),
	}
	for _, f := range flags(b.sandboxed, b.proxy.url()) {
		opts = append(opts, chromedp.Flag(f.name, f.value))
		if f.name == "proxy-server" {
			f.value = "<dossier's guard proxy on loopback>" // its port changes from run to run
		}
		b.flags = append(b.flags, flagString(f.name, f.value))
	}
	b.flags = append(b.flags, "--user-data-dir=<temporary>", "--remote-debugging-pipe")

	allocCtx, allocCancel := chromedp.NewExecAllocator(ctx, opts...)
	// chromedp logs protocol trouble (a message it could not write as the
	// browser closed, an event it could not decode) to the standard logger,
	// which is the user's terminal. Every call such trouble affects fails or
	// times out with its own error, which the capture reports; the log line
	// ("ERROR: writing message: write |1: broken pipe" after a clean run)
	// said nothing the user could act on, so it is dropped.
	quiet := func(string, ...any) {}
	root, rootCancel := chromedp.NewContext(allocCtx, chromedp.WithLogf(quiet), chromedp.WithErrorf(quiet))
	b.allocCancel, b.rootCancel, b.root = allocCancel, rootCancel, root

	// The first call binds the browser's lifetime to root: no deadline here.
	v, err := chromedp.CallBrowser(root, browser.GetVersion, cdp.Empty{})
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("starting chrome %q: %w", path, err)
	}
	b.version = strings.TrimSpace(v.Product)
	// The other tabs open while the first is attached: each waits for a
	// renderer of its own, and on two cores they start side by side. The
	// second tab is then ready when the second page starts, not 300 ms
	// later (BenchmarkCapture cold, interleaved at load ~4: 2.28-2.30 s a
	// run against 2.35-2.53 s, widgets 560-580 ms against 755-780 ms).
	//
	// The first tab is the page Chrome starts with, attached by its ID
	// before any other tab is opened. Left to find a page on its own, the
	// first context takes the first page it hears of, which can be a tab
	// prepare is opening at that moment: two tabs then drive one page,
	// their navigations abort each other (net::ERR_ABORTED) and one
	// captures the other's page. That happened in about one start in a
	// hundred in the pipeline's tests.
	first, err := startPage(root)
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("starting chrome %q: %w", path, err)
	}
	b.prepared = make(chan struct{})
	go b.prepare(o.Tabs - 1)
	t := &tab{}
	if first != "" {
		t.ctx, t.cancel = chromedp.NewContext(root, chromedp.WithTargetID(first))
		err = chromedp.Do(t.ctx, chromedp.EmulateViewport(Width, Height))
	} else {
		t, err = b.open(root)
	}
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("starting chrome %q: %w", path, err)
	}
	b.mu.Lock()
	b.idle = append(b.idle, t)
	b.mu.Unlock()
	return b, nil
}

// startPageWait bounds the wait for the page Chrome opens as it starts; it
// is listed within milliseconds of the browser answering.
const startPageWait = 2 * time.Second

// startPage returns the ID of the page Chrome opened as it started, or ""
// if none is listed within startPageWait (the first tab is then opened
// like the others).
func startPage(browser context.Context) (target.ID, error) {
	deadline := time.Now().Add(startPageWait)
	for {
		targets, err := chromedp.Targets(browser)
		if err != nil {
			return "", err
		}
		for _, t := range targets {
			if t.Type == "page" {
				return t.TargetID, nil
			}
		}
		if time.Now().After(deadline) {
			return "", nil
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// prepare opens n more tabs and puts them with the idle ones. A tab that
// fails to open is left to be opened when a page needs it.
func (b *Browser) prepare(n int) {
	defer close(b.prepared)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			if t, err := b.open(b.root); err == nil {
				b.release(t, true)
			}
		})
	}
	wg.Wait()
}

func flagString(name string, value any) string {
	if v, ok := value.(bool); ok && v {
		return "--" + name
	}
	return fmt.Sprintf("--%s=%v", name, value)
}

// Version is the browser's product string, such as "HeadlessChrome/156.0.8078.114".
func (b *Browser) Version() string { return b.version }

// Flags are the command-line switches the browser runs with.
func (b *Browser) Flags() []string { return append([]string(nil), b.flags...) }

// Shoot loads url in an idle tab (or a new one) at the viewport size, waits
// until the JavaScript expression ready is truthy (polled) or, if it is a
// promise, has resolved, and returns a PNG of the
// viewport and the console messages the page (and its in-process frames)
// wrote. ctx bounds the whole page. A tab whose page failed is closed, not
// reused: its renderer may be stuck in the page's code.
func (b *Browser) Shoot(ctx context.Context, url, ready string) (png []byte, console []string, err error) {
	t, err := b.tab(ctx, "")
	if err != nil {
		return nil, nil, err
	}
	t.shell = "" // the navigation below replaces a drawing page
	defer func() { b.release(t, err == nil) }()
	// Actions run under a child of the tab's context that the page's
	// deadline ends; ending the tab's own context would close the tab.
	pctx, cancel := context.WithCancel(t.ctx)
	defer cancel()
	stop := context.AfterFunc(ctx, cancel)
	defer stop()

	consoleCtx, consoleStop := context.WithCancel(pctx)
	messages := chromedp.Console(consoleCtx) // subscribes now, before the page loads
	collected := make(chan []string, 1)
	go func() {
		var out []string
		for m, err := range messages {
			if err != nil {
				break
			}
			out = append(out, consoleLine(m))
		}
		collected <- out
	}()
	defer func() {
		consoleStop()
		console = append(console, <-collected...)
	}()

	// The console does not say which loads failed and why; the network
	// does. Requests still in flight are not reported.
	var netMu sync.Mutex
	var failed []string
	urls := map[network.RequestID]string{}
	status := map[network.RequestID]int64{} // from the network stack: known even for a response the browser then blocks (ORB)
	// A failed load is told when the page is done: the status of a
	// response the browser blocked can arrive after the failure (more
	// often through the guard's proxy).
	type loadFailure struct {
		id       network.RequestID
		u, error string
	}
	var loadFailures []loadFailure
	fail := func(s string) {
		if len(failed) < maxTracked && !slices.Contains(failed, s) {
			failed = append(failed, s)
		}
	}
	if err := chromedp.Listen(consoleCtx, func(ev any) {
		netMu.Lock()
		defer netMu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			if e.Request != nil && len(urls) < maxTracked {
				urls[e.RequestID] = e.Request.URL
			}
		case *network.EventResponseReceivedExtraInfo:
			if len(status) < maxTracked {
				status[e.RequestID] = e.StatusCode
			}
		case *network.EventResponseReceived:
			if r := e.Response; r != nil && r.Status >= 400 {
				fail(b.failure(r.URL, fmt.Sprintf("answered %d", r.Status)))
			}
		case *network.EventLoadingFailed:
			u, ok := urls[e.RequestID]
			switch {
			case !ok || e.BlockedReason == network.BlockedReasonCsp || e.Canceled:
			case len(loadFailures) < maxTracked:
				loadFailures = append(loadFailures, loadFailure{e.RequestID, u, e.ErrorText})
			}
		}
	}); err != nil {
		return nil, nil, fmt.Errorf("watching the network of %q: %w", url, err)
	}
	defer func() {
		netMu.Lock()
		defer netMu.Unlock()
		for _, f := range loadFailures {
			if status[f.id] >= 400 {
				fail(b.failure(f.u, fmt.Sprintf("answered %d", status[f.id])))
			} else {
				fail(b.failure(f.u, "failed: "+f.error))
			}
		}
		console = append(console, failed...)
	}()
	if err := loadAtMost(pctx, url, loadWait); err != nil {
		return nil, nil, fmt.Errorf("loading %q: %w", url, errors.Join(err, ctx.Err()))
	}
	// Evaluated in the page's current context (Poll names a context id,
	// which can be the previous page's just after a navigation). A promise
	// is awaited: the page says when it is ready, with no polling delay.
	wait := `new Promise(function (resolve, reject) { (function poll() { var v = (` + ready + `);
		if (v && typeof v.then === "function") v.then(function () { resolve(true); }, reject);
		else if (v) resolve(true); else setTimeout(poll, 10); })(); })`
	if _, err := chromedp.Run(pctx, chromedp.Evaluate[bool](wait, chromedp.EvalAwaitPromise)); err != nil {
		return nil, nil, fmt.Errorf("waiting for %q to settle: %w", url, errors.Join(err, ctx.Err()))
	}
	png, err = chromedp.Run(pctx, screenshot)
	if err != nil {
		return nil, nil, fmt.Errorf("taking screenshot of %q: %w", url, errors.Join(err, ctx.Err()))
	}
	return png, nil, nil
}

// Draw shows doc in a tab in place of the document of the page at shell,
// and returns a PNG of the box of the element whose id is box. The tab
// loads shell once (it is reused from drawing to drawing); every later
// drawing only replaces the document, which costs a fraction of a page
// load. The document keeps the shell's origin and the Content-Security-Policy
// the shell was served with, so a shell served with a strict policy keeps
// every drawing inert. The whole document is replaced: nothing of the
// previous drawing remains. Images are decoded and fonts loaded before
// the PNG is taken. ctx bounds the whole drawing.
func (b *Browser) Draw(ctx context.Context, shell string, doc []byte, box string) (png []byte, err error) {
	t, err := b.tab(ctx, shell)
	if err != nil {
		return nil, err
	}
	defer func() { b.release(t, err == nil) }()
	pctx, cancel := context.WithCancel(t.ctx)
	defer cancel()
	stop := context.AfterFunc(ctx, cancel)
	defer stop()

	if t.shell != shell {
		t.shell = ""
		if err := navigate(pctx, shell); err != nil {
			return nil, fmt.Errorf("loading %q: %w", shell, errors.Join(err, ctx.Err()))
		}
		tree, err := chromedp.Call(pctx, page.GetFrameTree, cdp.Empty{})
		if err != nil || tree.FrameTree == nil || tree.FrameTree.Frame == nil {
			return nil, fmt.Errorf("reading the frame of %q: %w", shell, errors.Join(err, ctx.Err()))
		}
		t.shell, t.frame = shell, tree.FrameTree.Frame.ID
	}
	if _, err := chromedp.Call(pctx, page.SetDocumentContent, page.SetDocumentContentParams{FrameID: t.frame, HTML: string(doc)}); err != nil {
		return nil, fmt.Errorf("replacing the document of %q: %w", shell, errors.Join(err, ctx.Err()))
	}
	// The box is measured once its images are decoded and the fonts
	// loaded: both can change its size.
	measure := `(async function () {
		await document.fonts.ready;
		await Promise.all(Array.from(document.images, function (i) { return i.decode().catch(function () {}); }));
		var e = document.getElementById(` + strconv.Quote(box) + `);
		if (!e) return null;
		var r = e.getBoundingClientRect();
		return [r.left, r.top, r.width, r.height];
	})()`
	r, err := chromedp.Run(pctx, chromedp.Evaluate[[]float64](measure, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("measuring #%s of a drawing: %w", box, errors.Join(err, ctx.Err()))
	}
	if len(r) != 4 || r[2] < 1 || r[3] < 1 {
		return nil, fmt.Errorf("measuring #%s of a drawing: no such element, or it is empty", box)
	}
	// Whole pixels that cover the box; the box must lie in the viewport
	// (the screenshot is taken from what the tab shows).
	x0, y0 := math.Floor(r[0]), math.Floor(r[1])
	clip := page.Viewport{X: x0, Y: y0, Width: math.Ceil(r[0]+r[2]) - x0, Height: math.Ceil(r[1]+r[3]) - y0, Scale: 1}
	if x0 < 0 || y0 < 0 || clip.X+clip.Width > Width || clip.Y+clip.Height > Height {
		return nil, fmt.Errorf("drawing: #%s (%.0fx%.0f at %.0f,%.0f) does not fit the %dx%d viewport", box, clip.Width, clip.Height, x0, y0, Width, Height)
	}
	png, err = chromedp.Run(pctx, clipped(&clip))
	if err != nil {
		return nil, fmt.Errorf("taking screenshot of a drawing: %w", errors.Join(err, ctx.Err()))
	}
	if t.drawn++; t.drawn%collectEvery == 0 {
		// Memory, not the drawing, is at stake: the drawing is made,
		// and a collection that fails leaves the tab as it was.
		_, _ = chromedp.Call(pctx, heapprofiler.CollectGarbage, cdp.Empty{})
	}
	return png, nil
}

// navigate loads url in the tab of ctx and waits for its load event.
func navigate(ctx context.Context, url string) error {
	return chromedp.Do(ctx, chromedp.Navigate(url))
}

// loadWait bounds the wait for a page's load event in Shoot. That event
// waits for every subresource of every frame, so a widget's image that
// never arrives would hold it until the page's deadline, although the
// page's ready expression has caps of its own (the test host settles
// within 6 s). Past loadWait the page is taken as it is, once the tab
// shows it.
const loadWait = 7 * time.Second

// loadAtMost loads url in the tab of ctx and waits at most d for its load
// event; past d it succeeds if the tab shows url (the document committed
// and runs; some of what it loads has not arrived).
func loadAtMost(ctx context.Context, url string, d time.Duration) error {
	lctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	err := navigate(lctx, url)
	if err == nil || ctx.Err() != nil || lctx.Err() == nil {
		return err
	}
	href, herr := chromedp.Run(ctx, chromedp.Evaluate[string]("location.href"))
	if herr != nil || href != url {
		return err
	}
	return nil
}

// screenshot is a PNG of the viewport, encoded for speed (a larger file,
// the same pixels).
func screenshot(ctx context.Context, t *chromedp.Target) ([]byte, error) {
	return clipped(nil)(ctx, t)
}

// clipped is a PNG of the clip of the viewport (all of it for nil),
// encoded for speed.
func clipped(clip *page.Viewport) chromedp.Action[[]byte] {
	return func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		r, err := cdp.Call(ctx, t, page.CaptureScreenshot, page.CaptureScreenshotParams{
			Format: page.CaptureScreenshotFormatPng, Clip: clip, FromSurface: ptr(true), OptimizeForSpeed: ptr(true),
		})
		if err != nil {
			return nil, err
		}
		return r.Data, nil
	}
}

func ptr[T any](v T) *T { return &v }

// tab takes an idle tab, one showing shell if there is one; else it waits
// for the tabs Start is opening, and takes one of them or opens one at the
// viewport size.
func (b *Browser) tab(ctx context.Context, shell string) (*tab, error) {
	if t := b.takeIdle(shell); t != nil {
		return t, nil
	}
	select {
	case <-b.prepared:
	case <-ctx.Done():
		return nil, fmt.Errorf("opening tab: %w", ctx.Err())
	}
	if t := b.takeIdle(shell); t != nil {
		return t, nil
	}
	return b.open(ctx)
}

// takeIdle takes an idle tab, one showing shell if there is one, or
// returns nil.
func (b *Browser) takeIdle(shell string) *tab {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := len(b.idle)
	if n == 0 {
		return nil
	}
	i := slices.IndexFunc(b.idle, func(t *tab) bool { return t.shell == shell })
	if i < 0 {
		i = n - 1
	}
	t := b.idle[i]
	b.idle = slices.Delete(b.idle, i, i+1)
	return t
}

// open opens a tab at the viewport size; ctx ending while it opens closes
// it.
func (b *Browser) open(ctx context.Context) (*tab, error) {
	tctx, cancel := chromedp.NewContext(b.root)
	// The first Do binds the tab to tctx, so it must not carry the page's
	// deadline; the deadline closes the tab instead.
	stop := context.AfterFunc(ctx, cancel)
	defer stop()
	if err := chromedp.Do(tctx, chromedp.EmulateViewport(Width, Height)); err != nil {
		cancel()
		return nil, fmt.Errorf("opening tab: %w", errors.Join(err, ctx.Err()))
	}
	return &tab{ctx: tctx, cancel: cancel}, nil
}

// release puts a tab back for the next page, which replaces this one. A tab
// whose page failed is closed instead: its renderer may be stuck in the
// page's code.
func (b *Browser) release(t *tab, ok bool) {
	if !ok {
		t.cancel()
		return
	}
	b.mu.Lock()
	b.idle = append(b.idle, t)
	b.mu.Unlock()
}

func consoleLine(m chromedp.ConsoleMessage) string {
	s := string(m.Type) + ": " + m.Text
	if m.URL != "" {
		s += fmt.Sprintf(" (%s:%d)", m.URL, m.Line+1)
	}
	return s
}

// Close stops the browser, waits for its processes, and removes the
// profile directory. The processes are killed first: a graceful close
// costs a few hundred milliseconds and keeps nothing worth keeping, and
// ending a tab's context closes the tab and waits for it on a live
// browser, while on a dead one it returns at once.
func (b *Browser) Close() error {
	killLeftovers(b.dir)
	b.mu.Lock()
	for _, t := range b.idle {
		t.cancel()
	}
	b.idle = nil
	b.mu.Unlock()
	b.rootCancel()
	b.allocCancel()
	if b.prepared != nil { // nil when Start failed before it
		<-b.prepared // a tab still opening failed when the browser ended
	}
	b.mu.Lock()
	for _, t := range b.idle { // one that opened just before
		t.cancel()
	}
	b.idle = nil
	b.mu.Unlock()
	killLeftovers(b.dir) // anything started while the contexts ended
	b.proxy.close()
	removeSingletonDir(b.dir)
	return removeAll(b.dir)
}

// removeSingletonDir removes the org.chromium.Chromium.* directory Chrome
// makes in TMPDIR for its singleton socket on every start and never
// removes. The profile's SingletonSocket link names it, so only this
// browser's directory is touched. (Pointing Chrome's TMPDIR into the
// profile instead can make the socket path longer than a Unix socket
// allows.)
func removeSingletonDir(profile string) {
	target, err := os.Readlink(filepath.Join(profile, "SingletonSocket"))
	if err != nil {
		return
	}
	dir := filepath.Dir(target)
	if strings.HasPrefix(filepath.Base(dir), "org.chromium.Chromium.") {
		_ = os.RemoveAll(dir)
	}
}

// removeAll retries: a child process of Chrome can write in the directory
// for a moment after the browser exits.
func removeAll(dir string) error {
	var err error
	for range 100 {
		if err = os.RemoveAll(dir); err == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("removing chrome profile dir %q: %w", dir, err)
}

// ProfileDir is the temporary profile directory, removed by Close.
func (b *Browser) ProfileDir() string { return b.dir }
