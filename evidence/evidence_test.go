package evidence

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dossier-dev/dossier/evidence/chrome"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/live"
	"github.com/dossier-dev/dossier/pack/manifest"
)

// needBrowser skips when no browser is installed, except in CI, where a
// missing browser is a failure.
func needBrowser(tb testing.TB) string {
	tb.Helper()
	p, err := FindBrowser("")
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("CI=true but %v", err)
		}
		tb.Skipf("skipping: %v", err)
	}
	return p
}

// recorder is a loopback server that remembers the paths it was asked for.
type recorder struct {
	*httptest.Server
	mu   sync.Mutex
	hits []string
}

func newRecorder(t testing.TB) *recorder {
	r := &recorder{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.hits = append(r.hits, req.URL.RequestURI())
		r.mu.Unlock()
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Write([]byte("ok"))
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *recorder) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.hits...)
}

func widget(t testing.TB, file string, csp *live.CSP, repl map[string]string) live.Resource {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	html := string(b)
	for k, v := range repl {
		html = strings.ReplaceAll(html, k, v)
	}
	return live.Resource{URI: "ui://test/" + strings.TrimSuffix(file, ".html"), MIMEType: "text/html;profile=mcp-app", HTML: html, CSP: csp}
}

func ptr[T any](v T) *T { return &v }

func hints(ro, destr, open bool) live.Hints {
	return live.Hints{ReadOnly: ptr(ro), Destructive: ptr(destr), OpenWorld: ptr(open)}
}

var fixed = time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)

// TestRun renders every test widget and prompt in one browser and checks
// each result: one Run keeps the suite fast.
func TestRun(t *testing.T) {
	needBrowser(t)
	allowed, other := newRecorder(t), newRecorder(t)
	repl := map[string]string{"{{ALLOWED}}": allowed.URL, "{{OTHER}}": other.URL}
	narrow := &live.CSP{Connect: []string{allowed.URL}, Source: []string{"ui.csp"}}

	in := Input{
		Resources: []live.Resource{
			widget(t, "clean.html", narrow, repl),
			widget(t, "fetch-undeclared.html", narrow, repl),
			widget(t, "fetch-delayed.html", narrow, repl),
			widget(t, "geolocation.html", narrow, repl),
			widget(t, "top-navigation.html", narrow, repl),
			widget(t, "remote-script.html", narrow, repl),
			widget(t, "parent-document.html", narrow, repl),
			widget(t, "wildcard.html", &live.CSP{Connect: []string{"*"}, Source: []string{"ui.csp"}}, repl),
		},
		Tools: []live.Tool{
			{Name: "order_status", Title: "Order status", Hints: hints(true, false, false), UI: "ui://test/clean"},
			{Name: "cancel_order", Title: "Cancel order", Description: "Cancels an order that has not shipped yet. This cannot be undone.",
				Hints: hints(false, true, false), UI: "ui://test/clean"},
			{Name: "share_order", Title: "Share order", Description: "Emails the order summary to someone.", Hints: live.Hints{ReadOnly: ptr(false), Destructive: ptr(false)}},
			{Name: "sneaky_write", Title: "Sneaky write", Hints: hints(true, false, false)},
		},
		Declared: []manifest.Tool{
			{Name: "order_status", Kind: manifest.KindRead, Example: map[string]any{"order": "A-1001"}},
			{Name: "cancel_order", Kind: manifest.KindDestructive, Example: map[string]any{"order": "A-1001", "reason": "ordered twice", "refund": true}},
			{Name: "share_order", Kind: manifest.KindWrite, Egress: true},
			{Name: "sneaky_write", Kind: manifest.KindWrite},
			{Name: "gone_tool", Kind: manifest.KindWrite},
		},
		Results: map[string]json.RawMessage{
			"order_status": json.RawMessage(`{"content":[{"type":"text","text":"Order A-1001 shipped"}],"structuredContent":{"order":"A-1001","state":"shipped"}}`),
		},
	}
	out, err := Run(t.Context(), in, Options{Now: func() time.Time { return fixed }, Parallel: 2})
	if err != nil {
		t.Fatal(err)
	}
	results := map[string]check.Result{}
	for _, r := range out.Results {
		results[r.ID+" "+r.Subject] = r
	}
	captures := map[string]live.Capture{}
	for _, c := range out.Captures {
		captures[c.Subject] = c
	}
	evidence := map[check.EvidenceID]check.Evidence{}
	for _, e := range out.Evidence {
		evidence[e.ID] = e
	}
	if dir := os.Getenv("DOSSIER_EVIDENCE_DIR"); dir != "" { // for looking at the PNGs
		for _, e := range out.Evidence {
			os.WriteFile(filepath.Join(dir, filepath.Base(e.Path)), e.Data, 0o644)
		}
	}

	tests := []struct {
		name    string
		subject string
		fail    map[string]string // check ID → substring of the detail
	}{
		{"clean widget passes everything", "widget:ui://test/clean", nil},
		{"fetch to an undeclared host", "widget:ui://test/fetch-undeclared", map[string]string{
			checkCSPSufficient: "connect-src blocked " + other.URL + "/collect",
			checkEgress:        other.URL + "/collect?secret=1 (connect) blocked by the CSP",
		}},
		{"fetch to an undeclared host 100 ms after load", "widget:ui://test/fetch-delayed", map[string]string{
			checkCSPSufficient: "connect-src blocked " + other.URL + "/late",
			checkEgress:        other.URL + "/late?secret=2 (connect) blocked by the CSP",
		}},
		{"geolocation", "widget:ui://test/geolocation", map[string]string{
			checkPrivileged: "navigator.geolocation.getCurrentPosition",
		}},
		{"top navigation", "widget:ui://test/top-navigation", map[string]string{
			checkEscape:     "top navigation attempt",
			checkPrivileged: "top navigation",
		}},
		{"remote script outside the CSP", "widget:ui://test/remote-script", map[string]string{
			checkEscape:        "remote script not in the CSP: " + other.URL + "/evil.js",
			checkCSPSufficient: "script-src-elem blocked " + other.URL + "/evil.js",
			checkEgress:        other.URL + "/evil.js (resource)",
		}},
		{"parent document access", "widget:ui://test/parent-document", map[string]string{
			checkEscape: "cross-origin",
		}},
		{"wildcard connectDomains still renders", "widget:ui://test/wildcard", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, ok := captures[tc.subject]
			if !ok {
				t.Fatalf("no capture for %s; results: %+v", tc.subject, results)
			}
			for _, id := range widgetChecks {
				r, ok := results[id+" "+tc.subject]
				if !ok {
					t.Fatalf("no %s result", id)
				}
				want, shouldFail := tc.fail[id]
				switch {
				case shouldFail && (r.Status != check.Fail || !strings.Contains(r.Detail, want)):
					t.Errorf("%s: got %s %q, want fail containing %q", id, r.Status, r.Detail, want)
				case !shouldFail && r.Status != check.Pass:
					t.Errorf("%s: got %s %q, want pass", id, r.Status, r.Detail)
				}
				if r.Basis != check.Probed || len(r.Evidence) != 2 {
					t.Errorf("%s: basis %s evidence %v, want probed with PNG and log", id, r.Basis, r.Evidence)
				}
			}
			checkCapture(t, c, evidence)
			if tc.fail == nil && len(c.Violations) != 0 {
				t.Errorf("violations: %+v", c.Violations)
			}
		})
	}

	t.Run("clean widget got the bridge messages and window.openai", func(t *testing.T) {
		c := captures["widget:ui://test/clean"]
		if !strings.Contains(strings.Join(c.Bridge, "\n"), "ui/initialize") {
			t.Errorf("bridge log %q lacks ui/initialize", c.Bridge)
		}
		if hits := allowed.got(); !slices.Contains(hits, "/ack?order=A-1001&openai=A-1001") {
			t.Errorf("allowed server saw %q; the widget did not get the tool result", hits)
		}
		if len(c.Requests) != 1 || !c.Requests[0].Allowed {
			t.Errorf("requests %+v, want the one allowed fetch", c.Requests)
		}
	})
	t.Run("wildcard policy is applied as declared", func(t *testing.T) {
		c := captures["widget:ui://test/wildcard"]
		if !strings.Contains(c.CSP, "connect-src 'self' *;") {
			t.Errorf("CSP %q", c.CSP)
		}
		if len(other.got()) == 0 {
			t.Errorf("the wildcard fetch never reached the other server")
		}
	})
	t.Run("undeclared fetch never left the browser", func(t *testing.T) {
		for _, h := range other.got() {
			if strings.HasPrefix(h, "/collect") || strings.HasPrefix(h, "/late") || strings.HasPrefix(h, "/evil.js") || strings.HasPrefix(h, "/phish") {
				t.Errorf("the CSP or sandbox let %q through", h)
			}
		}
	})

	t.Run("confirmation prompts", func(t *testing.T) {
		for _, name := range []string{"cancel_order", "share_order"} {
			r := results[checkConfirmation+" tool:"+name]
			if r.Status != check.Pass || r.Basis != check.Probed || len(r.Evidence) != 2 {
				t.Fatalf("%s: %+v", name, r)
			}
			c := captures["tool:"+name]
			if !c.Simulated || c.ID != r.Evidence[0] {
				t.Errorf("%s capture %+v", name, c)
			}
			checkCapture(t, c, evidence)
			tr := evidence[r.Evidence[1]]
			if tr.Kind != check.KindTrace || !bytes.Contains(tr.Data, []byte(`"readOnlyHint": false`)) {
				t.Errorf("%s trace %s: %s", name, tr.Kind, tr.Data)
			}
			// The banner is a red band across the top.
			img, err := png.Decode(bytes.NewReader(evidence[c.ID].Data))
			if err != nil {
				t.Fatal(err)
			}
			r8, g8, b8, _ := img.At(640, 6).RGBA()
			if r8>>8 < 150 || g8>>8 > 60 || b8>>8 > 60 {
				t.Errorf("%s: pixel under the banner is %d,%d,%d, want red", name, r8>>8, g8>>8, b8>>8)
			}
		}
		if _, ok := results[checkConfirmation+" tool:order_status"]; ok {
			t.Errorf("a read-only tool got a confirmation result")
		}
		if r := results[checkConfirmation+" tool:sneaky_write"]; r.Status != check.Fail || len(r.Evidence) != 1 || !strings.Contains(r.Detail, "readOnlyHint: true") {
			t.Errorf("declared write, live read-only: %+v", r)
		}
		if r := results[checkConfirmation+" tool:gone_tool"]; r.Status != check.Fail || r.Basis != check.Declared {
			t.Errorf("declared write not live: %+v", r)
		}
	})

	t.Run("evidence IDs are sequential and paths match", func(t *testing.T) {
		for i, e := range out.Evidence {
			want := check.EvidenceID(fmt.Sprintf("C%04d", i+1))
			if e.ID != want || !strings.HasPrefix(e.Path, "evidence/captures/"+string(want)+".") || e.SHA256 != sum(e.Data) {
				t.Errorf("evidence %d: %s %s", i, e.ID, e.Path)
			}
		}
	})
}

func checkCapture(t *testing.T, c live.Capture, ev map[check.EvidenceID]check.Evidence) {
	t.Helper()
	shot, ok := ev[c.ID]
	if !ok || shot.Kind != check.KindScreenshot {
		t.Fatalf("capture %s has no screenshot evidence", c.ID)
	}
	img, err := png.Decode(bytes.NewReader(shot.Data))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 1280 || b.Dy() != 800 {
		t.Errorf("screenshot is %v, want 1280x800", b)
	}
	if c.PNGSHA256 != sum(shot.Data) || c.HTMLSHA256 == "" || !c.Time.Equal(fixed) ||
		!strings.Contains(c.Chrome, "Chrome/") || c.Viewport != "1280x800" || len(c.Flags) == 0 || c.URL == "" {
		t.Errorf("capture record incomplete: %+v", c)
	}
	if !c.Simulated && !strings.Contains(c.CSP, "report-uri http://127.0.0.1:") {
		t.Errorf("CSP %q has no report-uri", c.CSP)
	}
}

func TestRunNoBrowser(t *testing.T) {
	in := Input{
		Resources: []live.Resource{{URI: "ui://x/w", HTML: "<p>hi</p>"}},
		Tools:     []live.Tool{{Name: "send", Hints: hints(false, false, true)}},
	}
	out, err := Run(t.Context(), in, Options{ChromePath: filepath.Join(t.TempDir(), "no-such-chrome")})
	if err != nil {
		t.Fatalf("err = %v, want nil", err)
	}
	if len(out.Results) != 5 {
		t.Fatalf("got %d results, want 4 widget + 1 confirmation: %+v", len(out.Results), out.Results)
	}
	for _, r := range out.Results {
		if r.Status != check.Error || r.Detail != "no browser found (install chromium, or pass --chrome)" {
			t.Errorf("%s %s: %s %q", r.ID, r.Subject, r.Status, r.Detail)
		}
	}
	if len(out.Evidence) != 0 || len(out.Captures) != 0 {
		t.Errorf("evidence without a browser: %+v", out.Evidence)
	}
}

// TestRunCancel cancels mid-run and checks that no Chrome process and no
// profile directory remain.
func TestRunCancel(t *testing.T) {
	needBrowser(t)
	var dir string
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	launch := func(ctx context.Context, path string) (Browser, error) {
		b, err := chrome.Start(ctx, path)
		if err != nil {
			return nil, err
		}
		dir = b.ProfileDir()
		return b, nil
	}
	var res []live.Resource
	for i := range 6 {
		res = append(res, live.Resource{URI: "ui://slow/" + strconv.Itoa(i), HTML: `<p>slow</p><img src="data:,">`})
	}
	var once sync.Once
	_, err := Run(ctx, Input{Resources: res}, Options{
		Launch: launch,
		Progress: func(s string) {
			if strings.HasPrefix(s, "rendering") {
				once.Do(func() { time.AfterFunc(100*time.Millisecond, cancel) })
			}
		},
	})
	if err == nil {
		t.Fatal("Run after cancel returned no error")
	}
	if dir == "" {
		t.Fatal("the browser never started")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("profile dir %s still exists (%v)", dir, err)
	}
	if pids := chrome.Processes(dir); len(pids) > 0 {
		t.Errorf("chrome processes left: %v", pids)
	}
}

// BenchmarkCapture renders what the demo app gives the stage (see
// demoShaped), so ms/capture is the cost of one capture amortized over a
// whole run, Chrome start-up included. Start-up is paid once per run
// whatever the app, so it is also reported on its own (start-ms), and
// the captures without it (ms/capture-after-start).
func BenchmarkCapture(b *testing.B) {
	needBrowser(b)
	in := demoShaped(b)
	const captures = 6
	var startup time.Duration
	launch := func(ctx context.Context, path string) (Browser, error) {
		t0 := time.Now()
		defer func() { startup += time.Since(t0) }()
		return launchChrome(ctx, path)
	}
	for b.Loop() {
		out, err := Run(b.Context(), in, Options{Launch: launch})
		if err != nil || len(out.Captures) != captures {
			b.Fatalf("captures %d, err %v", len(out.Captures), err)
		}
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(b.Elapsed())/float64(b.N*captures), "ms/capture")
	b.ReportMetric(ms(startup)/float64(b.N), "start-ms")
	b.ReportMetric(ms(b.Elapsed()-startup)/float64(b.N*captures), "ms/capture-after-start")
}

// demoShaped is an Input with the demo app's shape: two widgets and four
// write tools, two of them previewing a widget.
func demoShaped(b testing.TB) Input {
	allowed := newRecorder(b)
	csp := &live.CSP{Connect: []string{allowed.URL}, Source: []string{"ui.csp"}}
	card := widget(b, "clean.html", csp, map[string]string{"{{ALLOWED}}": allowed.URL})
	list := card
	card.URI, list.URI = "ui://bench/card", "ui://bench/list"
	in := Input{
		Resources: []live.Resource{card, list},
		Tools: []live.Tool{
			{Name: "get_order", Hints: hints(true, false, false), UI: card.URI},
			{Name: "list_orders", Hints: hints(true, false, false), UI: list.URI},
			{Name: "cancel_order", Title: "Cancel order", Hints: hints(false, true, false), UI: card.URI},
			{Name: "update_address", Title: "Update address", Hints: hints(false, false, false), UI: card.URI},
			{Name: "email_receipt", Title: "Email receipt", Hints: hints(false, false, true)},
			{Name: "delete_account", Title: "Delete account", Hints: hints(false, true, false)},
		},
		Results: map[string]json.RawMessage{
			"get_order":   json.RawMessage(`{"content":[],"structuredContent":{"order":"A-1001","state":"shipped"}}`),
			"list_orders": json.RawMessage(`{"content":[],"structuredContent":{"order":"A-1002","state":"packed"}}`),
		},
	}
	return in
}

// fakeBrowser fails every page; it shows that a page that cannot be
// rendered is an error result, not an error.
type fakeBrowser struct{ closed bool }

func (f *fakeBrowser) Version() string { return "Fake/1" }
func (f *fakeBrowser) Flags() []string { return nil }
func (f *fakeBrowser) Close() error    { f.closed = true; return nil }
func (f *fakeBrowser) Shoot(ctx context.Context, url, ready string) ([]byte, []string, error) {
	return nil, nil, errors.New("page crashed")
}

func TestRunPageErrors(t *testing.T) {
	fake := &fakeBrowser{}
	exe, err := os.Executable() // any existing file passes discovery
	if err != nil {
		t.Fatal(err)
	}
	in := Input{
		Resources: []live.Resource{{URI: "ui://x/w", HTML: "<p>hi</p>"}},
		Tools:     []live.Tool{{Name: "send", Hints: hints(false, false, true)}},
	}
	out, err := Run(t.Context(), in, Options{ChromePath: exe, Launch: func(context.Context, string) (Browser, error) { return fake, nil }})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Results) != 5 || !fake.closed {
		t.Fatalf("results %+v, closed %t", out.Results, fake.closed)
	}
	for _, r := range out.Results {
		if r.Status != check.Error || !strings.Contains(r.Detail, "page crashed") {
			t.Errorf("%s %s: %s %q", r.ID, r.Subject, r.Status, r.Detail)
		}
	}
}

// TestRunBrokenBrowser: an executable that is not a browser gives error
// results naming the failure, and no error.
func TestRunBrokenBrowser(t *testing.T) {
	in := Input{Resources: []live.Resource{{URI: "ui://x/w", HTML: "<p>hi</p>"}}}
	out, err := Run(t.Context(), in, Options{ChromePath: "/bin/true"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range out.Results {
		if r.Status != check.Error || !strings.Contains(r.Detail, "starting chrome") {
			t.Errorf("%s: %s %q", r.ID, r.Status, r.Detail)
		}
	}
}
