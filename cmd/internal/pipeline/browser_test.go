package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dossier-dev/dossier/evidence"
	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/manifest"
)

// writeToolServer is an MCP server without auth and without widgets whose
// two tools both write: check has no page to draw on it.
func writeToolServer(t *testing.T) *httptest.Server {
	t.Helper()
	const tools = `[{"name":"cancel_order","title":"Cancel order","description":"Cancel an order.","inputSchema":{"type":"object","properties":{"order":{"type":"string","description":"the order"}}},"annotations":{"readOnlyHint":false,"destructiveHint":true,"openWorldHint":false}},` +
		`{"name":"send_receipt","title":"Send receipt","description":"Email a receipt.","inputSchema":{"type":"object","properties":{"order":{"type":"string","description":"the order"}}},"annotations":{"readOnlyHint":false,"destructiveHint":false,"openWorldHint":true}}]`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var msg struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		_ = json.Unmarshal(body, &msg)
		if r.Method != http.MethodPost || msg.ID == nil {
			w.WriteHeader(http.StatusAccepted)
			return
		}
		result := `{}`
		switch msg.Method {
		case "initialize":
			w.Header().Set("Mcp-Session-Id", "s-"+strings.Repeat("7f3a", 8))
			result = `{"protocolVersion":"2025-11-25","capabilities":{"tools":{}},"serverInfo":{"name":"writes","version":"1"}}`
		case "tools/list":
			result = `{"tools":` + tools + `}`
		case "resources/list":
			result = `{"resources":[]}`
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":%s}`, msg.ID, result)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func writeToolManifest(u string) *manifest.Manifest {
	return &manifest.Manifest{
		Schema: manifest.SchemaID,
		App:    manifest.App{Name: "Writes", Vendor: "W", Version: "1", Description: "d", Support: "a@b.example"},
		Server: manifest.Server{URL: u, Auth: manifest.Auth{Mode: manifest.AuthNone}},
		Tools: []manifest.Tool{
			{Name: "cancel_order", Kind: manifest.KindDestructive},
			{Name: "send_receipt", Kind: manifest.KindWrite, Egress: true},
		},
	}
}

// countingLaunch wraps a Launcher and counts the browsers it started.
type countingLaunch struct {
	mu     sync.Mutex
	starts int
	next   evidence.Launcher
}

func (c *countingLaunch) launch(ctx context.Context, path string) (evidence.Browser, error) {
	c.mu.Lock()
	c.starts++
	c.mu.Unlock()
	return c.next(ctx, path)
}

func (c *countingLaunch) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.starts
}

func confirmations(b *bundle.Bundle) []check.Result {
	var out []check.Result
	for _, r := range b.Results {
		if r.ID == "evidence.confirmation" {
			out = append(out, r)
		}
	}
	return out
}

// TestCheckStartsNoBrowser: with the prompts left to build (check), a
// server with write tools and no widgets starts no browser (the real
// launcher, counted, is never called); every write tool's
// evidence.confirmation is na saying the capture is made when the pack is
// built. With the prompts on (build), the same server starts Chrome once
// and the prompts are captured.
func TestCheckStartsNoBrowser(t *testing.T) {
	requireBrowser(t)
	srv := writeToolServer(t)
	tests := []struct {
		name      string
		noPrompts bool
		starts    int
		status    check.Status
		detail    string
	}{
		{"check", true, 0, check.NA, "capture is made when the pack is built"},
		{"build", false, 1, check.Pass, "simulated host confirmation prompt was rendered"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &countingLaunch{next: evidence.LaunchChrome}
			b, err := Run(t.Context(), Options{Manifest: writeToolManifest(srv.URL + "/mcp"), Now: fixed, Version: "test", NoPrompts: tc.noPrompts, Launch: c.launch})
			if err != nil {
				t.Fatal(err)
			}
			if got := c.count(); got != tc.starts {
				t.Errorf("browsers started: %d, want %d", got, tc.starts)
			}
			rs := confirmations(b)
			if len(rs) != 2 {
				t.Fatalf("evidence.confirmation results: %+v", rs)
			}
			for _, r := range rs {
				if r.Status != tc.status || !strings.Contains(r.Detail, tc.detail) || len(r.Evidence) == 0 {
					t.Errorf("%s: %s %s %q (evidence %v), want %s containing %q", r.Subject, r.Status, r.Basis, r.Detail, r.Evidence, tc.status, tc.detail)
				}
				if r.Failing() {
					t.Errorf("%s fails: %s", r.Subject, r.Detail)
				}
			}
			if tc.noPrompts && len(b.Summary.Needs) != 0 {
				t.Errorf("check reports needs %q", b.Summary.Needs)
			}
		})
	}
}

// TestNoBrowserNeededOnCheck: a missing browser is a need of build (its
// prompts cannot be drawn) and not of check on a server without widgets,
// which draws nothing.
func TestNoBrowserNeededOnCheck(t *testing.T) {
	srv := writeToolServer(t)
	missing := t.TempDir() + "/no-chromium"
	tests := []struct {
		name      string
		noPrompts bool
		need      bool
	}{
		{"check", true, false},
		{"build", false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Run(t.Context(), Options{Manifest: writeToolManifest(srv.URL + "/mcp"), Now: fixed, Version: "test", NoPrompts: tc.noPrompts, ChromePath: missing})
			if err != nil {
				t.Fatal(err)
			}
			need := strings.Contains(strings.Join(b.Summary.Needs, "\n"), "a browser")
			if need != tc.need {
				t.Errorf("browser need reported: %t, want %t (needs %q)", need, tc.need, b.Summary.Needs)
			}
			for _, r := range confirmations(b) {
				if tc.noPrompts && r.Status != check.NA {
					t.Errorf("%s: %s %q, want na", r.Subject, r.Status, r.Detail)
				}
				if !tc.noPrompts && (r.Status != check.Error || !strings.Contains(r.Detail, "no browser")) {
					t.Errorf("%s: %s %q, want error naming the missing browser", r.Subject, r.Status, r.Detail)
				}
			}
		})
	}
}

// fakeBrowser counts its closes; every page fails.
type fakeBrowser struct {
	mu     sync.Mutex
	closes int
}

func (f *fakeBrowser) Version() string { return "Fake/1" }
func (f *fakeBrowser) Flags() []string { return nil }
func (f *fakeBrowser) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closes++
	return nil
}
func (f *fakeBrowser) Shoot(context.Context, string, string) ([]byte, []string, error) {
	return nil, nil, errors.New("page crashed")
}
func (f *fakeBrowser) Draw(context.Context, string, []byte, string) ([]byte, error) {
	return nil, errors.New("page crashed")
}
func (f *fakeBrowser) closed() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.closes
}

// TestEarlyBrowserClosedOnEveryPath: the browser started while the server
// is probed is closed exactly once whether the evidence stage took it, the
// run ended before the stage (a probe that failed), or the stage gave up
// waiting for it (Ctrl-C).
func TestEarlyBrowserClosedOnEveryPath(t *testing.T) {
	exe, err := os.Executable() // any existing file passes discovery
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		use  func(t *testing.T, e *earlyBrowser)
	}{
		{"taken by the evidence stage", func(t *testing.T, e *earlyBrowser) {
			b, err := e.take(t.Context(), exe)
			if err != nil {
				t.Error(err)
				return
			}
			b.Close() // the stage closes what it took
		}},
		{"never taken", func(*testing.T, *earlyBrowser) {}},
		{"taken after cancellation", func(t *testing.T, e *earlyBrowser) {
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			if _, err := e.take(ctx, exe); !errors.Is(err, context.Canceled) {
				t.Errorf("take after cancel: %v", err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake := &fakeBrowser{}
			release := make(chan struct{})
			e := startBrowser(t.Context(), exe, func(context.Context, string) (evidence.Browser, error) {
				<-release // the start is still under way when the run moves on
				return fake, nil
			}, nil)
			done := make(chan struct{})
			go func() {
				defer close(done)
				tc.use(t, e)
			}()
			if tc.name != "taken by the evidence stage" {
				<-done
			}
			close(release)
			<-done
			e.release()
			if got := fake.closed(); got != 1 {
				t.Errorf("browser closed %d times, want 1", got)
			}
		})
	}
}

// TestBuildClosesTheEarlyBrowser: a whole build run with a fake browser
// started before the probe closes it once, and its failed pages are error
// results, not a failed run.
func TestBuildClosesTheEarlyBrowser(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	srv := writeToolServer(t)
	fake := &fakeBrowser{}
	c := &countingLaunch{next: func(context.Context, string) (evidence.Browser, error) { return fake, nil }}
	b, err := Run(t.Context(), Options{Manifest: writeToolManifest(srv.URL + "/mcp"), Now: fixed, Version: "test", ChromePath: exe, Launch: c.launch})
	if err != nil {
		t.Fatal(err)
	}
	if c.count() != 1 || fake.closed() != 1 {
		t.Errorf("started %d, closed %d: want 1 and 1", c.count(), fake.closed())
	}
	for _, r := range confirmations(b) {
		if r.Status != check.Error || !strings.Contains(r.Detail, "page crashed") {
			t.Errorf("%s: %s %q", r.Subject, r.Status, r.Detail)
		}
	}
}

// TestFailedPreflightEndsTheBrowserStart: the browser starts before the
// preflight; when the preflight fails (nothing listens at the server), the
// run returns its error without waiting for a start nobody will use: the
// start's context is ended, as the real launcher's is, and that ends it.
func TestFailedPreflightEndsTheBrowserStart(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	srv := writeToolServer(t)
	u := srv.URL + "/mcp"
	srv.Close() // nothing listens there now
	started := make(chan struct{})
	launch := func(ctx context.Context, _ string) (evidence.Browser, error) {
		close(started)
		<-ctx.Done() // a start that lasts until it is ended
		return nil, ctx.Err()
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	_, err = Run(ctx, Options{Manifest: writeToolManifest(u), Now: fixed, Version: "test", ChromePath: exe, Launch: launch})
	if err == nil || !strings.Contains(err.Error(), "nothing") && !strings.Contains(err.Error(), "refused") {
		t.Errorf("Run: %v, want the preflight's error about nothing listening", err)
	}
	if ctx.Err() != nil {
		t.Error("Run returned only when the test's deadline ended the browser start")
	}
	select {
	case <-started:
	default:
		t.Error("the browser did not start before the preflight")
	}
}

// slowClose is a browser whose close takes until unblock is closed, with a
// guard and a sandbox report.
type slowClose struct {
	fakeBrowser
	unblock chan struct{}
	allowed []string
}

func (s *slowClose) Close() error {
	<-s.unblock
	return s.fakeBrowser.Close()
}
func (s *slowClose) Allow(origins ...string)   { s.allowed = append(s.allowed, origins...) }
func (s *slowClose) Sandboxed() (bool, string) { return true, "sandboxed" }

// TestEarlyBrowserClosesInBackground: the evidence stage's Close returns
// while the browser is still closing; release waits until it has closed.
// The handed browser still shows the stage its guard and sandbox.
func TestEarlyBrowserClosesInBackground(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	slow := &slowClose{unblock: make(chan struct{})}
	e := startBrowser(t.Context(), exe, func(context.Context, string) (evidence.Browser, error) { return slow, nil }, nil)
	b, err := e.take(t.Context(), exe)
	if err != nil {
		t.Fatal(err)
	}
	b.(interface{ Allow(...string) }).Allow("http://127.0.0.1:1")
	if on, why := b.(interface{ Sandboxed() (bool, string) }).Sandboxed(); !on || why != "sandboxed" || len(slow.allowed) != 1 {
		t.Errorf("the handed browser hides the guard or the sandbox: %v %q, allowed %v", on, why, slow.allowed)
	}
	if err := b.Close(); err != nil { // returns although the close is blocked
		t.Fatal(err)
	}
	released := make(chan struct{})
	go func() {
		defer close(released)
		e.release()
	}()
	select {
	case <-released:
		t.Fatal("release returned before the browser had closed")
	case <-time.After(50 * time.Millisecond):
	}
	close(slow.unblock)
	<-released
	if got := slow.closed(); got != 1 {
		t.Errorf("browser closed %d times, want 1", got)
	}
}

// TestCheckStartsTheBrowserOnWidgets: check draws no prompts, so no
// browser starts before the probe; on a server with widgets the browser
// starts as soon as the probe has found them, while it reads them. The
// widgets' reads are held here until the browser has been launched, which
// would never come if the launch waited for the probe to end.
func TestCheckStartsTheBrowserOnWidgets(t *testing.T) {
	exe, err := os.Executable() // any existing file passes discovery
	if err != nil {
		t.Fatal(err)
	}
	srv, m, _ := startSample(t, "")
	launched := make(chan struct{})
	var once sync.Once
	fake := &fakeBrowser{}
	c := &countingLaunch{next: func(context.Context, string) (evidence.Browser, error) {
		once.Do(func() { close(launched) })
		return fake, nil
	}}
	held := &http.Client{Transport: transportFunc(func(r *http.Request) (*http.Response, error) {
		if r.Body != nil {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				return nil, err
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			if bytes.Contains(body, []byte(`"resources/read"`)) {
				select {
				case <-launched:
				case <-time.After(10 * time.Second):
					return nil, errors.New("held: no browser was launched while the probe read the widgets")
				}
			}
		}
		return http.DefaultTransport.RoundTrip(r)
	})}
	b, err := Run(t.Context(), Options{Manifest: m, Tokens: sampleTokens(t, srv, m), Now: fixed, Version: "test",
		NoPrompts: true, ChromePath: exe, Launch: c.launch, HTTPClient: held})
	if err != nil {
		t.Fatal(err)
	}
	if c.count() != 1 || fake.closed() != 1 {
		t.Errorf("started %d, closed %d: want 1 and 1", c.count(), fake.closed())
	}
	n := 0
	for _, r := range b.Results {
		if r.ID != "widget.resource" {
			continue
		}
		n++
		if r.Status != check.Pass {
			t.Errorf("%s %s: %s %q", r.ID, r.Subject, r.Status, r.Detail)
		}
	}
	if n == 0 {
		t.Error("no widget.resource result: the sample's widgets were not found")
	}
}

type transportFunc func(*http.Request) (*http.Response, error)

func (f transportFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
