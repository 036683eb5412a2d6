package evidence

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/dossier-dev/dossier/pack/live"
)

// Bounds on what an untrusted widget can make the harness keep.
const (
	maxBody    = 256 << 10 // one log or report POST
	maxEvents  = 2000      // instrumentation events per page
	maxReports = 500       // CSP reports per page
)

// harness is the loopback test host: the host origin serves host pages,
// the prompt shell and the log and CSP-report endpoints; the frame origin (a
// second port, so a second origin) serves the widget documents with their
// CSP as an HTTP header.
type harness struct {
	hostURL, frameURL *url.URL
	servers           []*http.Server

	mu    sync.Mutex
	pages map[string]*page
}

// page is the harness's state for one render.
type page struct {
	frameDoc  []byte // widget document (frame origin)
	csp       string
	hostDoc   []byte // host page (host origin)
	frameURL  string
	lineOf    func(int) int // served-document line → widget HTML line
	token     string        // instrumentation messages carry it
	reportURL string        // the page's CSP report endpoint
	policy    policy
	mu        sync.Mutex
	reports   []json.RawMessage
	events    []event
	truncated bool
	changed   chan struct{} // closed and replaced when a report or log arrives
}

// event is one instrumentation or host-page record. Fields are optional
// and depend on T: "req", "priv", "escape", "bridge", "csp", "error", "done".
type event struct {
	T         string `json:"t"`
	Kind      string `json:"kind,omitempty"`
	URL       string `json:"url,omitempty"`
	API       string `json:"api,omitempty"`
	What      string `json:"what,omitempty"`
	Detail    string `json:"detail,omitempty"`
	Method    string `json:"method,omitempty"`
	Reason    string `json:"reason,omitempty"`
	Directive string `json:"directive,omitempty"`
	Blocked   string `json:"blocked,omitempty"`
}

func startHarness() (*harness, error) {
	h := &harness{pages: make(map[string]*page)}
	hostMux := http.NewServeMux()
	hostMux.HandleFunc("GET /host/{key}", h.serveHost)
	hostMux.HandleFunc("GET /prompt", servePromptShell)
	hostMux.HandleFunc("POST /log/{key}", h.serveLog)
	hostMux.HandleFunc("POST /csp/{key}", h.serveReport)
	frameMux := http.NewServeMux()
	frameMux.HandleFunc("GET /frame/{key}", h.serveFrame)
	// Chrome asks each origin for a favicon at a moment of its choosing; a
	// 404 would land in the console log of some captures and not others.
	noIcon := func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }
	hostMux.HandleFunc("GET /favicon.ico", noIcon)
	frameMux.HandleFunc("GET /favicon.ico", noIcon)

	var err error
	if h.hostURL, err = h.listen(hostMux); err != nil {
		return nil, err
	}
	if h.frameURL, err = h.listen(frameMux); err != nil {
		h.close()
		return nil, err
	}
	return h, nil
}

func (h *harness) listen(mux http.Handler) (*url.URL, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listening on loopback for the test host: %w", err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	h.servers = append(h.servers, srv)
	go srv.Serve(l)
	return &url.URL{Scheme: "http", Host: l.Addr().String()}, nil
}

// close ends the servers at once. Every page has been rendered and judged
// by then, so nothing in flight is wanted; and a graceful Shutdown waits up
// to five seconds for a connection Chrome opened ahead of need and never
// used (one run in a few paid its one-second cap).
func (h *harness) close() {
	for _, s := range h.servers {
		s.Close()
	}
}

func (h *harness) add(key string, p *page) {
	h.mu.Lock()
	defer h.mu.Unlock()
	p.changed = make(chan struct{})
	h.pages[key] = p
}

func (h *harness) page(r *http.Request) *page {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.pages[r.PathValue("key")]
}

func (h *harness) hostPageURL(key string) string  { return h.hostURL.String() + "/host/" + key }
func (h *harness) promptURL() string              { return h.hostURL.String() + "/prompt" }
func (h *harness) framePageURL(key string) string { return h.frameURL.String() + "/frame/" + key }
func (h *harness) logURL(key string) string       { return h.hostURL.String() + "/log/" + key }
func (h *harness) reportURL(key string) string    { return h.hostURL.String() + "/csp/" + key }

func (h *harness) serveHost(w http.ResponseWriter, r *http.Request) {
	p := h.page(r)
	if p == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(p.hostDoc)
}

// servePromptShell serves the page every confirmation prompt is drawn
// into: each prompt replaces its document (Browser.Draw), which keeps the
// policy this page was served with.
func servePromptShell(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", promptCSP)
	w.Write([]byte(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>dossier simulated confirmation</title></head><body></body></html>`))
}

func (h *harness) serveFrame(w http.ResponseWriter, r *http.Request) {
	p := h.page(r)
	if p == nil || p.frameDoc == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", p.csp)
	w.Write(p.frameDoc)
}

// logHook, when set (by tests only), runs before each log batch is
// recorded: a test slows a batch down as a loaded machine does.
var logHook func([]event)

// serveLog takes the batches of events the host page forwards: its own
// bridge records and the instrumentation's messages from the frame.
func (h *harness) serveLog(w http.ResponseWriter, r *http.Request) {
	p := h.page(r)
	if p == nil {
		http.NotFound(w, r)
		return
	}
	var evs []event
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody)).Decode(&evs); err != nil {
		http.Error(w, "bad log batch", http.StatusBadRequest)
		return
	}
	if logHook != nil {
		logHook(evs)
	}
	record(p, &p.events, evs, maxEvents)
	w.WriteHeader(http.StatusNoContent)
}

// serveReport records CSP violation reports: the browser's own record, the
// authoritative one (the sandboxed frame's events do not reach the page).
func (h *harness) serveReport(w http.ResponseWriter, r *http.Request) {
	p := h.page(r)
	if p == nil {
		http.NotFound(w, r)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		http.Error(w, "report too large", http.StatusRequestEntityTooLarge)
		return
	}
	var reports []json.RawMessage
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/reports+json") {
		if err := json.Unmarshal(body, &reports); err != nil {
			http.Error(w, "bad reports", http.StatusBadRequest)
			return
		}
	} else if json.Valid(body) {
		reports = []json.RawMessage{body}
	}
	record(p, &p.reports, reports, maxReports)
	w.WriteHeader(http.StatusNoContent)
}

// record appends items to one of the page's logs under its lock, up to max
// (the page is then marked truncated), and wakes whoever waits for news.
func record[T any](p *page, log *[]T, items []T, max int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	close(p.changed)
	p.changed = make(chan struct{})
	for _, it := range items {
		if len(*log) >= max {
			p.truncated = true
			break
		}
		*log = append(*log, it)
	}
}

// awaitReports waits, at most max, until the CSP endpoint has as many
// reports as the frame saw violations (its securitypolicyviolation events,
// already in the log). Chrome posts report-uri reports within milliseconds,
// usually before the frame goes quiet; this closes the gap when it does not.
// The reports stay the authoritative record: a widget that hides its
// violation events from the instrumentation is still reported.
func (p *page) awaitReports(ctx context.Context, max time.Duration) {
	t := time.NewTimer(max)
	defer t.Stop()
	for {
		p.mu.Lock()
		seen := 0
		for _, e := range p.events {
			if e.T == "csp" {
				seen++
			}
		}
		got, wake := len(p.reports), p.changed
		p.mu.Unlock()
		if got >= seen || got >= maxReports {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			return
		case <-wake:
		}
	}
}

// violation parses one report in either format (report-uri's
// {"csp-report":{…}} or a Reporting API {"type":"csp-violation","body":{…}}).
func parseReport(raw json.RawMessage, source func(file string, line int) string) (live.Violation, error) {
	var legacy struct {
		R *struct {
			Effective  string `json:"effective-directive"`
			Violated   string `json:"violated-directive"`
			Blocked    string `json:"blocked-uri"`
			SourceFile string `json:"source-file"`
			Line       int    `json:"line-number"`
			Sample     string `json:"script-sample"`
		} `json:"csp-report"`
		Type string `json:"type"`
		Body *struct {
			Effective  string `json:"effectiveDirective"`
			Blocked    string `json:"blockedURL"`
			SourceFile string `json:"sourceFile"`
			Line       int    `json:"lineNumber"`
			Sample     string `json:"sample"`
		} `json:"body"`
	}
	if err := json.Unmarshal(raw, &legacy); err != nil {
		return live.Violation{}, err
	}
	var v live.Violation
	var file string
	var line int
	switch {
	case legacy.R != nil:
		v.Directive, v.BlockedURL, v.Sample = legacy.R.Effective, legacy.R.Blocked, legacy.R.Sample
		if v.Directive == "" {
			v.Directive = legacy.R.Violated
		}
		file, line = legacy.R.SourceFile, legacy.R.Line
	case legacy.Body != nil && legacy.Type == "csp-violation":
		v.Directive, v.BlockedURL, v.Sample = legacy.Body.Effective, legacy.Body.Blocked, legacy.Body.Sample
		file, line = legacy.Body.SourceFile, legacy.Body.Line
	default:
		return live.Violation{}, errors.New("not a CSP violation report")
	}
	if file != "" {
		v.Source = source(file, line)
	}
	return v, nil
}

// sourceLine names a line of the widget's HTML as the server sent it; the
// served document has the harness's scripts injected.
func (p *page) sourceLine(file string, line int) string {
	if file == p.frameURL && p.lineOf != nil {
		return fmt.Sprintf("widget HTML line %d", p.lineOf(line))
	}
	return fmt.Sprintf("%s:%d", file, line)
}
