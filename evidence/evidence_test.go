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
	return serve(t, func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Write([]byte("ok"))
	})
}

// newAssets serves widget code: a widget bundle at /assets/widget.js, and
// 404 for anything else.
func newAssets(t testing.TB) *recorder {
	return serve(t, func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path != "/assets/widget.js" {
			http.NotFound(w, req)
			return
		}
		w.Header().Set("Content-Type", "text/javascript")
		w.Write([]byte(`window.parent.postMessage({ jsonrpc: "2.0", method: "ui/notifications/initialized", params: {} }, "*");
document.addEventListener("DOMContentLoaded", function () { document.getElementById("root").textContent = "bundled widget"; });`))
	})
}

func serve(t testing.TB, h http.HandlerFunc) *recorder {
	r := &recorder{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.hits = append(r.hits, req.URL.RequestURI())
		r.mu.Unlock()
		h(w, req)
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
	if strings.Contains(html, "{{HANDSHAKE}}") {
		hs, err := os.ReadFile(filepath.Join("testdata", "handshake.html"))
		if err != nil {
			t.Fatal(err)
		}
		html = strings.ReplaceAll(html, "{{HANDSHAKE}}", string(hs))
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
	assets, server := newAssets(t), newAssets(t) // a declared CDN; the app's own (MCP) server
	// A host that never answers, until the test ends.
	release := make(chan struct{})
	slow := serve(t, func(w http.ResponseWriter, req *http.Request) {
		select {
		case <-release:
		case <-req.Context().Done():
		}
	})
	t.Cleanup(func() { close(release) }) // before slow closes: Close waits for its handlers
	repl := map[string]string{"{{ALLOWED}}": allowed.URL, "{{OTHER}}": other.URL, "{{ASSETS}}": assets.URL, "{{SERVER}}": server.URL, "{{SLOW}}": slow.URL}
	narrow := &live.CSP{Connect: []string{allowed.URL}, Source: []string{"ui.csp"}}
	withCDN := &live.CSP{Connect: []string{allowed.URL}, Resource: []string{assets.URL}, Source: []string{"ui.csp"}}
	refusedLive, refusedGone := widget(t, "calls-refused.html", narrow, map[string]string{"{{TOOL}}": "export_orders"}),
		widget(t, "calls-refused.html", narrow, map[string]string{"{{TOOL}}": "no_such_tool"})
	refusedLive.URI, refusedGone.URI = "ui://test/calls-refused-live", "ui://test/calls-refused-gone"
	skybridge := widget(t, "skybridge.html", nil, nil)
	skybridge.MIMEType = "text/html+skybridge"

	in := Input{
		Server:   server.URL + "/mcp",
		Callable: []string{"order_status"},
		Resources: []live.Resource{
			widget(t, "script-404.html", withCDN, repl),
			widget(t, "throws.html", narrow, repl),
			widget(t, "blank.html", narrow, repl),
			widget(t, "silent.html", narrow, repl),
			widget(t, "hangs.html", &live.CSP{Resource: []string{slow.URL}, Source: []string{"ui.csp"}}, repl),
			widget(t, "calls-callable.html", narrow, repl),
			refusedLive, refusedGone,
			widget(t, "reads-resource.html", narrow, repl),
			widget(t, "chart.html", narrow, repl),
			skybridge,
			widget(t, "own-bundle.html", narrow, repl),
			widget(t, "storage.html", narrow, repl),
			{URI: "ui://test/incomplete", MIMEType: "text/html;profile=mcp-app", HTML: "<!doctype html><p>first half",
				Incomplete: "the resource is larger than --max-resource (1 MiB)"},
			{URI: "ui://test/empty", MIMEType: "text/html;profile=mcp-app", HTML: " \n"},
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
			{Name: "export_orders", Title: "Export orders", Hints: hints(true, false, false)},
			{Name: "chart", Hints: hints(true, false, false), UI: "ui://test/chart"},
			{Name: "skybridge", Hints: hints(true, false, false), UI: "ui://test/skybridge"},
			{Name: "preview_incomplete", Title: "Preview", Hints: hints(false, false, false), UI: "ui://test/incomplete"},
		},
		Declared: []manifest.Tool{
			{Name: "order_status", Kind: manifest.KindRead, Example: map[string]any{"order": "A-1001"}},
			{Name: "cancel_order", Kind: manifest.KindDestructive, Example: map[string]any{"order": "A-1001", "reason": "ordered twice", "refund": true}},
			{Name: "share_order", Kind: manifest.KindWrite, Egress: true},
			{Name: "sneaky_write", Kind: manifest.KindWrite},
			{Name: "gone_tool", Kind: manifest.KindWrite},
		},
		Results: map[string]json.RawMessage{
			"order_status":  json.RawMessage(`{"content":[{"type":"text","text":"Order A-1001 shipped"}],"structuredContent":{"order":"A-1001","state":"shipped"}}`),
			"chart":         json.RawMessage(`{"content":[],"structuredContent":{"sales":[1,2,3]}}`),
			"skybridge":     json.RawMessage(`{"content":[],"structuredContent":{"order":"B-7"}}`),
			"export_orders": json.RawMessage(`{"content":[],"structuredContent":{"csv":"recorded but not callable"}}`),
		},
	}
	// The test servers are loopback: the browser's guard refuses them
	// unless the user named them, as the pipeline names the MCP server.
	// Screenshots go to the spool as they are taken; the other tests keep
	// them in memory.
	spool := t.TempDir()
	out, err := Run(t.Context(), in, Options{Now: func() time.Time { return fixed }, Parallel: 2, Allow: []string{allowed.URL, other.URL, assets.URL, slow.URL}, Spool: spool})
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range out.Evidence {
		if spooled := e.File != ""; spooled != (e.Kind == check.KindScreenshot) || spooled && (e.Data != nil || filepath.Dir(e.File) != spool) {
			t.Fatalf("evidence %s (%s): file %q, %d bytes in memory; want every screenshot in %s and nothing else", e.ID, e.Kind, e.File, len(e.Data), spool)
		}
		data, err := e.Content()
		if err != nil {
			t.Fatal(err)
		}
		if sum(data) != e.SHA256 || int64(len(data)) != e.Size {
			t.Errorf("evidence %s: %d bytes with SHA-256 %s, the index says %d and %s", e.ID, len(data), sum(data), e.Size, e.SHA256)
		}
		out.Evidence[i].Data = data // for the checks below
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

	fail := func(detail string) verdict { return verdict{check.Fail, detail} }
	errs := func(detail string) verdict { return verdict{check.Error, detail} }
	tests := []struct {
		name    string
		subject string
		// want holds the checks that do not pass (check ID → status and a
		// substring of the detail). The others pass when widget.render
		// does, and are error pointing at it when it does not.
		want map[string]verdict
	}{
		{"clean widget passes everything", "widget:ui://test/clean", nil},
		{"fetch to an undeclared host", "widget:ui://test/fetch-undeclared", map[string]verdict{
			checkCSPSufficient: fail("connect-src blocked " + other.URL + "/collect"),
			checkEgress:        fail(other.URL + "/collect?secret=1 (connect) blocked by the CSP"),
		}},
		{"fetch to an undeclared host 100 ms after load", "widget:ui://test/fetch-delayed", map[string]verdict{
			checkCSPSufficient: fail("connect-src blocked " + other.URL + "/late"),
			checkEgress:        fail(other.URL + "/late?secret=2 (connect) blocked by the CSP"),
		}},
		{"geolocation", "widget:ui://test/geolocation", map[string]verdict{
			checkPrivileged: fail("navigator.geolocation.getCurrentPosition"),
		}},
		{"top navigation", "widget:ui://test/top-navigation", map[string]verdict{
			checkEscape:     fail("top navigation attempt"),
			checkPrivileged: fail("top navigation"),
		}},
		{"remote script outside the CSP: the escape stays a red flag though the widget did not start", "widget:ui://test/remote-script", map[string]verdict{
			checkRender:        errs("script " + other.URL + "/evil.js: blocked by its declared CSP (script-src-elem)"),
			checkEscape:        fail("remote script not in the CSP: " + other.URL + "/evil.js"),
			checkCSPSufficient: fail("script-src-elem blocked " + other.URL + "/evil.js"),
			checkEgress:        fail(other.URL + "/evil.js (resource)"),
		}},
		{"parent document access: the SecurityError is the escape, not a failure to start", "widget:ui://test/parent-document", map[string]verdict{
			checkEscape: fail("cross-origin"),
		}},
		{"wildcard connectDomains still renders", "widget:ui://test/wildcard", nil},
		{"library from a declared domain answers 404", "widget:ui://test/script-404", map[string]verdict{
			checkRender: fail("script " + assets.URL + "/lib/missing-chart.js: the server answered 404 (Not Found)"),
		}},
		{"uncaught exception", "widget:ui://test/throws", map[string]verdict{
			checkRender: fail("it threw an uncaught error: Uncaught ReferenceError: renderOrders is not defined (widget HTML line 20)"),
		}},
		{"blank widget", "widget:ui://test/blank", map[string]verdict{
			checkRender: fail("its settled screenshot is blank (0 of the widget area's pixels differ from its background)"),
		}},
		{"a widget that loads and never talks to its host did not start", "widget:ui://test/silent", map[string]verdict{
			checkRender: fail("it never began the host handshake"),
		}},
		{"a widget whose document is still loading at the cap is not judged", "widget:ui://test/hangs", map[string]verdict{
			checkRender: errs("Not judged: the widget's document had not finished loading when the capture was taken (its load event never fired; the test host waits at most 6s)"),
		}},
		{"callable tool called through the bridge and window.openai is answered", "widget:ui://test/calls-callable", nil},
		{"call of a live tool that is not callable is refused: not judged", "widget:ui://test/calls-refused-live", map[string]verdict{
			checkRender: errs(`it called tools/call "export_orders": it is not in probe.callable`),
		}},
		{"call of a tool that does not exist is the widget's defect", "widget:ui://test/calls-refused-gone", map[string]verdict{
			checkRender: fail(`it called tools/call "no_such_tool": it is not in the live tools/list, so a real host refuses it too`),
		}},
		{"a request the test host does not serve: not judged", "widget:ui://test/reads-resource", map[string]verdict{
			checkRender: errs("it asked the host for resources/read: the dossier test host does not serve it"),
		}},
		{"animated chart settles before the screenshot", "widget:ui://test/chart", nil},
		{"skybridge widget starts by using window.openai", "widget:ui://test/skybridge", nil},
		{"storage the test host's sandbox withholds: not judged, not an escape", "widget:ui://test/storage", map[string]verdict{
			checkRender: errs("it threw because the test host's sandbox gives it no storage or cookies (no allow-same-origin): Uncaught SecurityError"),
		}},
		{"own bundle the CSP forgot: one failure", "widget:ui://test/own-bundle", map[string]verdict{
			checkRender:        errs("its declared CSP blocked code it needs (a widget.csp-sufficient failure): script " + server.URL + "/assets/widget.js"),
			checkCSPSufficient: fail("script-src-elem blocked " + server.URL + "/assets/widget.js"),
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, ok := captures[tc.subject]
			if !ok {
				t.Fatalf("no capture for %s; results: %+v", tc.subject, results)
			}
			rendered := results[checkRender+" "+tc.subject].Status == check.Pass
			for _, id := range widgetChecks {
				r, ok := results[id+" "+tc.subject]
				if !ok {
					t.Fatalf("no %s result", id)
				}
				want, listed := tc.want[id]
				switch {
				case listed:
				case rendered || id == checkRender:
					want = verdict{check.Pass, ""}
				default:
					want = errs("widget.render is")
				}
				if r.Status != want.status || !strings.Contains(r.Detail, want.detail) {
					t.Errorf("%s: got %s %q, want %s containing %q", id, r.Status, r.Detail, want.status, want.detail)
				}
				if r.Status == check.Fail && r.Severity == "" {
					t.Errorf("%s: a failure without a severity", id)
				}
				if r.Basis != check.Probed || len(r.Evidence) != 2 {
					t.Errorf("%s: basis %s evidence %v, want probed with PNG and log", id, r.Basis, r.Evidence)
				}
			}
			checkCapture(t, c, evidence)
			if tc.want == nil && len(c.Violations)+len(c.Errors)+len(c.FailedLoads)+len(c.Refused) != 0 {
				t.Errorf("violations %+v, errors %q, failed loads %q, refused %q", c.Violations, c.Errors, c.FailedLoads, c.Refused)
			}
		})
	}

	t.Run("the capture record names the failure", func(t *testing.T) {
		for subject, want := range map[string]string{
			"widget:ui://test/script-404":         "script " + assets.URL + "/lib/missing-chart.js: the server answered 404 (Not Found)",
			"widget:ui://test/throws":             "Uncaught ReferenceError: renderOrders is not defined",
			"widget:ui://test/calls-refused-live": `tools/call "export_orders": it is not in probe.callable`,
			"widget:ui://test/calls-refused-gone": `tools/call "no_such_tool": it is not in the live tools/list`,
			"widget:ui://test/own-bundle":         "script " + server.URL + "/assets/widget.js: blocked by its declared CSP (script-src-elem)",
		} {
			c := captures[subject]
			if got := strings.Join(slices.Concat(c.FailedLoads, c.Errors, c.Refused), "\n"); !strings.Contains(got, want) {
				t.Errorf("%s: capture record %q lacks %q", subject, got, want)
			}
		}
	})
	t.Run("callable tool answered with the recorded result on both paths", func(t *testing.T) {
		hits := allowed.got()
		for _, want := range []string{"/bridge?order=A-1001", "/openai?order=A-1001"} {
			if !slices.Contains(hits, want) {
				t.Errorf("allowed server saw %q, want %q", hits, want)
			}
		}
		c := captures["widget:ui://test/calls-callable"]
		if !slices.Contains(c.Bridge, "tools/call order_status") || len(c.Refused) != 0 {
			t.Errorf("bridge %q refused %q", c.Bridge, c.Refused)
		}
	})
	t.Run("own bundle: exactly one failure, no red flag", func(t *testing.T) {
		var failing []string
		for _, r := range out.Results {
			if r.Subject == "widget:ui://test/own-bundle" && r.Status == check.Fail {
				failing = append(failing, r.ID)
			}
		}
		if len(failing) != 1 || failing[0] != checkCSPSufficient {
			t.Errorf("failing checks %q, want only %s", failing, checkCSPSufficient)
		}
		if hits := server.got(); len(hits) != 0 {
			t.Errorf("the CSP let %q through to the app's server", hits)
		}
	})
	t.Run("animated chart is captured after its animations finished", func(t *testing.T) {
		img, err := png.Decode(bytes.NewReader(evidence[captures["widget:ui://test/chart"].ID].Data))
		if err != nil {
			t.Fatal(err)
		}
		// Near the end of each bar, in page coordinates: the frame starts
		// below the host's 40-pixel header.
		for _, p := range []struct {
			name    string
			x, y    int
			r, g, b uint32
		}{
			{"canvas bar drawn with requestAnimationFrame", 610, hostHeader + 60, 37, 99, 235},
			{"CSS-animated bar", 610, hostHeader + 220, 220, 38, 38},
		} {
			r, g, b, _ := img.At(p.x, p.y).RGBA()
			if r>>8 != p.r || g>>8 != p.g || b>>8 != p.b {
				t.Errorf("%s: pixel %d,%d is %d,%d,%d, want %d,%d,%d (captured mid-animation)", p.name, p.x, p.y, r>>8, g>>8, b>>8, p.r, p.g, p.b)
			}
		}
	})
	t.Run("widgets that settle are captured when they settle, not at a cap", func(t *testing.T) {
		for _, subject := range []string{"widget:ui://test/clean", "widget:ui://test/chart", "widget:ui://test/calls-callable"} {
			c := captures[subject]
			var log struct{ Events []event }
			for _, r := range out.Results {
				if r.ID == checkRender && r.Subject == subject && len(r.Evidence) == 2 {
					if err := json.Unmarshal(evidence[r.Evidence[1]].Data, &log); err != nil {
						t.Fatal(err)
					}
				}
			}
			i := slices.IndexFunc(log.Events, func(e event) bool { return e.T == "done" })
			if i < 0 || log.Events[i].Reason != "quiet" {
				t.Errorf("%s (%s): done event %+v, want reason quiet", subject, c.ID, log.Events)
			}
		}
	})
	t.Run("resources not read whole or empty are not rendered", func(t *testing.T) {
		for subject, want := range map[string]string{
			"widget:ui://test/incomplete": "not read whole (the resource is larger than --max-resource (1 MiB))",
			"widget:ui://test/empty":      "returned no HTML",
		} {
			if _, ok := captures[subject]; ok {
				t.Errorf("%s was rendered", subject)
			}
			for _, id := range widgetChecks {
				if r := results[id+" "+subject]; r.Status != check.Error || !strings.Contains(r.Detail, want) {
					t.Errorf("%s %s: got %s %q, want error containing %q", id, subject, r.Status, r.Detail, want)
				}
			}
		}
		if r := results[checkConfirmation+" tool:preview_incomplete"]; r.Status != check.Pass {
			t.Errorf("the prompt of a tool whose widget was not rendered: %+v", r)
		}
	})

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
			r8, g8, b8, _ := img.At(400, 6).RGBA()
			if r8>>8 < 150 || g8>>8 > 60 || b8>>8 > 60 {
				t.Errorf("%s: pixel under the banner is %d,%d,%d, want red", name, r8>>8, g8>>8, b8>>8)
			}
		}
		if _, ok := results[checkConfirmation+" tool:order_status"]; ok {
			t.Errorf("a read-only tool got a confirmation result")
		}
		// Both are another check's failure (tool.write-labeled,
		// tool.declared): n/a here, pointing at it, one root cause, one
		// failure.
		if r := results[checkConfirmation+" tool:sneaky_write"]; r.Status != check.NA || len(r.Evidence) != 1 || !strings.Contains(r.Detail, "readOnlyHint: true") || !strings.Contains(r.Detail, "tool.write-labeled") {
			t.Errorf("declared write, live read-only: %+v", r)
		}
		if r := results[checkConfirmation+" tool:gone_tool"]; r.Status != check.NA || r.Basis != check.Declared || !strings.Contains(r.Detail, "tool.declared") {
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

type verdict struct {
	status check.Status
	detail string
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
	// A widget is shown with the whole viewport; a prompt by its box alone.
	if b := img.Bounds(); !c.Simulated && (b.Dx() != 1280 || b.Dy() != 800) {
		t.Errorf("screenshot is %v, want 1280x800", b)
	}
	if b := img.Bounds(); c.Simulated && (b.Dx() != 800 || b.Dy() < 200 || b.Dy() >= 800) {
		t.Errorf("prompt screenshot is %v, want the prompt's 800px wide box, not the 1280x800 page", b)
	}
	// The record says so: a prompt's PNG is its card alone, a widget's the
	// viewport (no size of its own).
	wantImage := ""
	if c.Simulated {
		wantImage = fmt.Sprintf("%dx%d", img.Bounds().Dx(), img.Bounds().Dy())
	}
	if c.Image != wantImage {
		t.Errorf("capture record's image size %q, want %q", c.Image, wantImage)
	}
	if c.PNGSHA256 != sum(shot.Data) || c.HTMLSHA256 == "" || !c.Time.Equal(fixed) ||
		!strings.Contains(c.Chrome, "Chrome/") || c.Viewport != "1280x800" || len(c.Flags) == 0 || c.URL == "" {
		t.Errorf("capture record incomplete: %+v", c)
	}
	// The record says how Chrome was sandboxed, and agrees with its flags.
	if noSandbox := slices.Contains(c.Flags, "--no-sandbox"); c.Sandbox == "" ||
		noSandbox != strings.Contains(c.Sandbox, "--no-sandbox") {
		t.Errorf("capture record's sandbox %q disagrees with its flags %v", c.Sandbox, c.Flags)
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
	if len(out.Results) != 6 {
		t.Fatalf("got %d results, want 5 widget + 1 confirmation: %+v", len(out.Results), out.Results)
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
		b, err := chrome.Start(ctx, path, chrome.Options{})
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
			if strings.HasPrefix(s, "rendering widget:") { // a page, once the browser has started
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
func (f *fakeBrowser) Draw(context.Context, string, []byte, string) ([]byte, error) {
	return nil, errors.New("page crashed")
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
	if len(out.Results) != 6 || !fake.closed {
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

// TestSlowLogBatch: the host page forwards its events in batches, and the
// page settles with the last. When an earlier batch (the one with the
// widget's handshake) reached the harness after the last one, as it can on
// a loaded machine, the capture was judged without it: a widget that
// started was "never began the host handshake" (widget.render fail; seen
// once in CI). The first batch is held here; the handshake must count.
func TestSlowLogBatch(t *testing.T) {
	path := needBrowser(t)
	in := demoShaped(t)
	in.Resources, in.Tools = in.Resources[:1], in.Tools[:1]
	logHook = func(evs []event) {
		if slices.ContainsFunc(evs, func(e event) bool { return e.T == "bridge" && e.Method == "ui/initialize" }) {
			time.Sleep(time.Second)
		}
	}
	t.Cleanup(func() { logHook = nil })
	out, err := Run(t.Context(), in, Options{ChromePath: path, Allow: allowOf(in)})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(out.Results, func(r check.Result) bool {
		return r.ID == checkRender && r.Subject == "widget:"+in.Resources[0].URI
	})
	if i < 0 {
		t.Fatalf("no widget.render result: %+v", out.Results)
	}
	if r := out.Results[i]; r.Status != check.Pass {
		t.Errorf("widget.render: %s %q, want pass", r.Status, r.Detail)
	}
}
