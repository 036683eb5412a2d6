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
	"os"
	"strings"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"
)

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
func flags() []flag {
	return []flag{
		{"headless", true},
		{"hide-scrollbars", true},
		{"mute-audio", true},
		{"no-sandbox", true},
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
		{"disable-features", "Translate,IsolateSandboxedIframes,MediaRouter,OptimizationHints"},
		{"force-color-profile", "srgb"},
		{"password-store", "basic"},
		{"use-mock-keychain", true},
		{"window-size", fmt.Sprintf("%d,%d", Width, Height)},
	}
}

// Browser is one running Chromium.
type Browser struct {
	dir         string
	version     string
	flags       []string
	allocCancel context.CancelFunc
	rootCancel  context.CancelFunc
	root        context.Context // the browser's first tab; parent of every page
}

// Start launches the browser at path with a fresh profile directory. The
// browser lives until Close or until ctx is done; either way Close must be
// called to remove the profile.
func Start(ctx context.Context, path string) (*Browser, error) {
	dir, err := os.MkdirTemp("", "dossier-chrome-")
	if err != nil {
		return nil, fmt.Errorf("creating chrome profile dir: %w", err)
	}
	b := &Browser{dir: dir}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(dir),
		// Crashpad writes ~/.config/chromium even with --user-data-dir.
		chromedp.Env("XDG_CONFIG_HOME="+dir, "XDG_CACHE_HOME="+dir),
	}
	for _, f := range flags() {
		opts = append(opts, chromedp.Flag(f.name, f.value))
		b.flags = append(b.flags, flagString(f.name, f.value))
	}
	b.flags = append(b.flags, "--user-data-dir=<temporary>", "--remote-debugging-pipe")

	allocCtx, allocCancel := chromedp.NewExecAllocator(ctx, opts...)
	root, rootCancel := chromedp.NewContext(allocCtx)
	b.allocCancel, b.rootCancel, b.root = allocCancel, rootCancel, root

	// The first call binds the browser's lifetime to root: no deadline here.
	v, err := chromedp.CallBrowser(root, browser.GetVersion, cdp.Empty{})
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("starting chrome %q: %w", path, err)
	}
	b.version = strings.TrimSpace(v.Product)
	return b, nil
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

// Shoot opens url in a new tab at the viewport size, waits until the
// JavaScript expression ready is truthy, and returns a PNG of the viewport
// and the console messages the tab (and its in-process frames) wrote. ctx
// bounds the whole page.
func (b *Browser) Shoot(ctx context.Context, url, ready string) (png []byte, console []string, err error) {
	tab, cancel := chromedp.NewContext(b.root)
	defer cancel()
	// The page's deadline must not end the tab's context (closing a tab on a
	// deadline is fine, but the first Do binds the tab to tab).
	stop := context.AfterFunc(ctx, cancel)
	defer stop()

	if err := chromedp.Do(tab); err != nil {
		return nil, nil, fmt.Errorf("opening tab: %w", errors.Join(err, ctx.Err()))
	}
	consoleCtx, consoleStop := context.WithCancel(tab)
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

	err = chromedp.Do(tab,
		chromedp.EmulateViewport(Width, Height),
		chromedp.Navigate(url),
	)
	if err != nil {
		return nil, nil, fmt.Errorf("loading %q: %w", url, errors.Join(err, ctx.Err()))
	}
	if _, err := chromedp.Run(tab, chromedp.Poll[chromedp.Void](ready,
		chromedp.WithPollingInterval(50*time.Millisecond),
		chromedp.WithPollingTimeout(time.Hour), // ctx bounds the wait
	)); err != nil {
		return nil, nil, fmt.Errorf("waiting for %q to settle: %w", url, errors.Join(err, ctx.Err()))
	}
	png, err = chromedp.Run(tab, chromedp.CaptureScreenshot())
	if err != nil {
		return nil, nil, fmt.Errorf("taking screenshot of %q: %w", url, errors.Join(err, ctx.Err()))
	}
	return png, nil, nil
}

func consoleLine(m chromedp.ConsoleMessage) string {
	s := string(m.Type) + ": " + m.Text
	if m.URL != "" {
		s += fmt.Sprintf(" (%s:%d)", m.URL, m.Line+1)
	}
	return s
}

// Close stops the browser, waits for its processes, and removes the
// profile directory.
func (b *Browser) Close() error {
	b.rootCancel()
	b.allocCancel()
	killLeftovers(b.dir)
	return removeAll(b.dir)
}

// removeAll retries: a child process of Chrome can write in the directory
// for a moment after the browser exits.
func removeAll(dir string) error {
	var err error
	for range 50 {
		if err = os.RemoveAll(dir); err == nil {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("removing chrome profile dir %q: %w", dir, err)
}

// ProfileDir is the temporary profile directory, removed by Close.
func (b *Browser) ProfileDir() string { return b.dir }
