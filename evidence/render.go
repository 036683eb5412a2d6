package evidence

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image/png"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/dossier-dev/dossier/pack/live"
)

var (
	//go:embed assets/instrument.js
	instrumentJS string
	//go:embed assets/openai.js
	openaiJS string
	//go:embed assets/host.html
	hostHTML string
)

// Timing of one widget render. The widget frame signals when it has
// settled (see assets/instrument.js); the rest are caps for widgets that
// never do. A chart library animates for a second or so after its data
// arrives, so the cap after load leaves room for that.
const (
	quiet      = 50 * time.Millisecond     // after load: no request, short timer, animation frame or host message for this long
	timerCap   = 1000 * time.Millisecond   // longer timers are not waited for
	settleCap  = 3000 * time.Millisecond   // after the frame's load event
	maxWait    = 6 * time.Second           // in all
	reportWait = 500 * time.Millisecond    // for CSP reports the frame saw but the endpoint has not received yet
	readyJS    = `window.__dossierSettled` // a promise: the screenshot follows its resolution at once
)

// render runs every job in plan order, at most opts.Parallel at once, each
// under its own deadline. A prompt that shows a widget's PNG waits for that
// widget only; widgets come first in the plan, so the widget is already
// being rendered when its prompt is taken and the wait always ends.
func render(ctx context.Context, h *harness, b Browser, jobs []*job, opts Options) error {
	var todo []*job
	finished := make(map[*job]chan struct{})
	for _, j := range jobs {
		if j.needsBrowser() {
			todo = append(todo, j)
			finished[j] = make(chan struct{})
		}
	}
	next := make(chan *job)
	var wg sync.WaitGroup
	for range min(opts.Parallel, len(todo)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				if j.preview != nil {
					select {
					case <-finished[j.preview]:
					case <-ctx.Done():
					}
				}
				if ctx.Err() == nil {
					opts.Progress("rendering " + j.subject)
					renderJob(ctx, h, b, j, opts)
				}
				close(finished[j])
			}
		}()
	}
	for _, j := range todo {
		next <- j
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("rendering evidence: %w", err)
	}
	return nil
}

func renderJob(ctx context.Context, h *harness, b Browser, j *job, opts Options) {
	j.capture = live.Capture{
		Subject:  j.subject,
		Time:     opts.Now().UTC(),
		Chrome:   b.Version(),
		Flags:    b.Flags(),
		Sandbox:  sandboxOf(b),
		Viewport: viewport,
	}
	pctx, cancel := context.WithTimeout(ctx, opts.PageTimeout)
	defer cancel()
	var png []byte
	if j.kind == widgetJob {
		p, err := widgetPage(h, j)
		if err != nil {
			j.err = err
			return
		}
		h.add(j.key, p)
		j.page = p
		j.capture.URL = h.hostPageURL(j.key)
		var console []string
		png, console, err = b.Shoot(pctx, j.capture.URL, readyJS)
		j.capture.Console = console
		if err != nil {
			j.err = err
			return
		}
		p.awaitReports(pctx, reportWait)
		j.blank, j.differ = blank(png)
	} else {
		// A prompt is a static document: it replaces the previous one in
		// a tab kept for prompts, and only its box is captured.
		doc, err := promptPage(j)
		if err != nil {
			j.err = err
			return
		}
		j.capture.URL = h.promptURL()
		if png, err = b.Draw(pctx, j.capture.URL, doc, promptBox); err != nil {
			j.err = err
			return
		}
		j.capture.Image = imageSize(png)
	}
	j.capture.PNGSHA256 = sum(png)
	j.keep(png, opts.Spool)
}

// keep stores the job's screenshot: in a file of spool when there is one,
// so that a run of hundreds of prompts does not hold them all in memory
// while the browser runs, its peak; else, or if the file cannot be
// written, in memory.
func (j *job) keep(png []byte, spool string) {
	j.pngSize = int64(len(png))
	if spool != "" {
		if name, err := spoolFile(spool, png); err == nil {
			j.pngFile = name
			return
		}
	}
	j.png = png
}

func spoolFile(dir string, data []byte) (string, error) {
	f, err := os.CreateTemp(dir, "capture-*.png")
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// shot reports whether the job has a screenshot.
func (j *job) shot() bool { return j.png != nil || j.pngFile != "" }

// image returns the job's screenshot, from memory or from its file.
func (j *job) image() ([]byte, error) {
	if j.pngFile == "" {
		return j.png, nil
	}
	return os.ReadFile(j.pngFile)
}

// widgetPage builds the host page and the widget document for a widget job.
func widgetPage(h *harness, j *job) (*page, error) {
	token, err := randomToken()
	if err != nil {
		return nil, err
	}
	pol := buildPolicy(j.res.CSP, h.frameURL, h.reportURL(j.key))
	j.capture.CSP = pol.header
	j.capture.Dropped = pol.dropped
	j.capture.HTMLSHA256 = sum([]byte(j.res.HTML))

	var input map[string]any
	var toolName string
	if j.declared != nil {
		input = j.declared.Example
	}
	if j.tool != nil {
		toolName = j.tool.Name
	}
	var result map[string]json.RawMessage
	if len(j.result) > 0 {
		if err := json.Unmarshal(j.result, &result); err != nil {
			result = nil // not an object: not a CallToolResult, so not fed
		}
	}
	frameCfg := map[string]any{
		"token":                token,
		"toolInput":            input,
		"toolOutput":           result["structuredContent"],
		"toolResponseMetadata": result["_meta"],
		"quietMs":              quiet.Milliseconds(),
		"timerCapMs":           timerCap.Milliseconds(),
	}
	inject, err := scripts(frameCfg)
	if err != nil {
		return nil, err
	}
	label := "CSP: declared"
	if !pol.declared {
		label = "CSP: none declared, host default applied"
	}
	var toolResult json.RawMessage
	if result != nil {
		toolResult = j.result
	}
	hostCfg := map[string]any{
		"token":       token,
		"subject":     j.subject,
		"policyLabel": label,
		"frameURL":    h.framePageURL(j.key),
		"logURL":      h.logURL(j.key),
		"toolInput":   input,
		"toolResult":  toolResult,
		"results":     j.host.answers,
		"settleMs":    settleCap.Milliseconds(),
		"maxMs":       maxWait.Milliseconds(),
		"initialize":  initializeResult(j, toolName),
	}
	cfg, err := json.Marshal(hostCfg)
	if err != nil {
		return nil, fmt.Errorf("encoding host page config: %w", err)
	}
	doc, lineOf := injectScripts(j.res.HTML, inject)
	return &page{
		frameDoc:  doc,
		frameURL:  h.framePageURL(j.key),
		lineOf:    lineOf,
		csp:       pol.header,
		hostDoc:   []byte(strings.Replace(hostHTML, "__DOSSIER_CFG__", string(cfg), 1)),
		token:     token,
		policy:    pol,
		reportURL: h.reportURL(j.key),
	}, nil
}

// initializeResult is the answer to ui/initialize (MCP Apps 2026-01-26).
func initializeResult(j *job, toolName string) map[string]any {
	ctx := map[string]any{
		"theme":                 "light",
		"displayMode":           "inline",
		"availableDisplayModes": []string{"inline"},
		"containerDimensions":   map[string]any{"width": 1280, "maxHeight": 760},
		"locale":                "en-US",
		"timeZone":              "UTC",
		"platform":              "web",
		"deviceCapabilities":    map[string]any{"touch": false, "hover": true},
		"safeAreaInsets":        map[string]any{"top": 0, "right": 0, "bottom": 0, "left": 0},
	}
	if j.tool != nil {
		// Shaped as an MCP Tool: the ext-apps App class validates it and
		// rejects the whole result for a null schema or a null hint.
		tool := map[string]any{"name": toolName, "inputSchema": json.RawMessage(`{"type":"object"}`)}
		if len(j.tool.InputSchema) > 0 && string(j.tool.InputSchema) != "null" {
			tool["inputSchema"] = j.tool.InputSchema
		}
		if j.tool.Title != "" {
			tool["title"] = j.tool.Title
		}
		if j.tool.Description != "" {
			tool["description"] = j.tool.Description
		}
		ann := map[string]bool{}
		for name, v := range map[string]*bool{"readOnlyHint": j.tool.Hints.ReadOnly, "destructiveHint": j.tool.Hints.Destructive,
			"openWorldHint": j.tool.Hints.OpenWorld, "idempotentHint": j.tool.Hints.Idempotent} {
			if v != nil {
				ann[name] = *v
			}
		}
		if len(ann) > 0 {
			tool["annotations"] = ann
		}
		ctx["toolInfo"] = map[string]any{"tool": tool}
	}
	return map[string]any{
		"protocolVersion":  "2026-01-26",
		"hostInfo":         map[string]any{"name": "dossier-test-host", "version": "1"},
		"hostCapabilities": map[string]any{"serverTools": map[string]any{}, "openLinks": map[string]any{}, "logging": map[string]any{}, "updateModelContext": map[string]any{}},
		"hostContext":      ctx,
	}
}

// scripts is the block injected first into the widget document: the
// instrumentation, then window.openai.
func scripts(cfg map[string]any) (string, error) {
	js, err := json.Marshal(cfg) // escapes <, > and & so "</script>" cannot appear
	if err != nil {
		return "", fmt.Errorf("encoding widget config: %w", err)
	}
	c := string(js)
	return "<script>" + strings.Replace(instrumentJS, "__DOSSIER_CFG__", c, 1) + "</script>" +
		"<script>" + strings.Replace(openaiJS, "__DOSSIER_CFG__", c, 1) + "</script>", nil
}

var (
	headTag    = regexp.MustCompile(`(?i)<head(\s[^>]*)?>`)
	htmlTag    = regexp.MustCompile(`(?i)<html(\s[^>]*)?>`)
	doctypeTag = regexp.MustCompile(`(?i)^\s*<!doctype[^>]*>`)
)

// injectScripts puts block before anything the widget runs: just after
// <head>, else after <html>, else after the doctype, else first. It also
// returns how to map a line of the served document back to the widget's
// own HTML, so reported source lines match what the server sent.
func injectScripts(html, block string) ([]byte, func(int) int) {
	at := 0
	for _, re := range []*regexp.Regexp{headTag, htmlTag, doctypeTag} {
		if loc := re.FindStringIndex(html); loc != nil {
			at = loc[1]
			break
		}
	}
	first := strings.Count(html[:at], "\n") + 1 // line the block starts on
	added := strings.Count(block, "\n")
	lineOf := func(l int) int {
		if l >= first+added {
			return l - added
		}
		return l
	}
	return []byte(html[:at] + block + html[at:]), lineOf
}

func randomToken() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("making instrumentation token: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// collect turns a rendered widget page's events and reports into the
// capture's violations, requests, privileged calls, escapes and bridge log,
// and writes the JSON log.
func collect(j *job) {
	p := j.page
	if p == nil {
		return
	}
	p.mu.Lock()
	events := append([]event(nil), p.events...)
	reports := append([]json.RawMessage(nil), p.reports...)
	truncated := p.truncated
	p.mu.Unlock()

	c := &j.capture
	st := &j.start
	var called, refused []string
	var failed []failedLoad
	reqs := map[string]*live.Request{}
	addReq := func(raw, class, seen string, blocked bool) {
		u, ok := parseURL(raw)
		if !ok || u.String() == p.reportURL {
			return // the browser posting a CSP report is not the widget's request
		}
		k := class + " " + u.String()
		r := reqs[k]
		if r == nil {
			r = &live.Request{URL: u.String(), Class: class, Allowed: p.policy.allows(class, u)}
			reqs[k] = r
		}
		r.Blocked = r.Blocked || blocked
		if !slices.Contains(r.Seen, seen) {
			r.Seen = append(r.Seen, seen)
		}
	}
	seenV := map[live.Violation]bool{}
	for _, raw := range reports {
		v, err := parseReport(raw, p.sourceLine)
		if err != nil || seenV[v] {
			continue
		}
		seenV[v] = true
		c.Violations = append(c.Violations, v)
		if class := directiveClass(v.Directive); class != "" {
			addReq(v.BlockedURL, class, "csp-report:"+v.Directive, true)
		}
	}
	priv := map[string]bool{}
	esc := map[string]bool{}
	addEsc := func(s string) {
		if !esc[s] {
			esc[s] = true
			c.Escapes = append(c.Escapes, s)
		}
	}
	for _, e := range events {
		switch e.T {
		case "req":
			addReq(e.URL, kindClass(e.Kind), e.Kind, false)
		case "priv":
			s := e.API
			if e.Detail != "" {
				s += " (" + e.Detail + ")"
			}
			if !priv[s] {
				priv[s] = true
				c.Privileged = append(c.Privileged, s)
			}
		case "escape":
			s := e.What
			if e.Detail != "" {
				s += ": " + e.Detail
			}
			addEsc(s)
		case "bridge":
			s := e.Method
			if e.Detail != "" {
				s += " " + e.Detail
			}
			if !slices.Contains(c.Bridge, s) {
				c.Bridge = append(c.Bridge, s)
			}
			switch e.Method {
			case "ui/initialize":
				st.sentInit = true
			case "ui/notifications/initialized":
				st.handshake = true
			case "tools/call":
				called = appendNew(called, e.Detail)
			}
		case "refused":
			refused = appendNew(refused, e.Detail)
		case "unserved":
			st.unserved = appendNew(st.unserved, clip(e.Method))
		case "openai":
			st.openai = appendNew(st.openai, clip(e.API))
		case "loaded":
			st.loaded = true
		case "loadfail":
			if u, ok := parseURL(e.URL); ok {
				l := failedLoad{kind: e.Kind, url: u.String()}
				if !slices.ContainsFunc(failed, func(o failedLoad) bool { return o.kind == l.kind && o.url == l.url }) {
					failed = append(failed, l)
				}
			}
		}
	}
	sort.Strings(c.Bridge)
	for _, name := range refused {
		why, defect := j.host.refusal(name)
		st.refused = append(st.refused, refusedCall{name: name, why: why, defect: defect})
		c.Refused = append(c.Refused, st.refused[len(st.refused)-1].String())
	}
	for _, method := range st.unserved {
		c.Refused = append(c.Refused, method+": "+unservedWhy)
	}
	for _, name := range called {
		if !slices.Contains(refused, name) {
			st.answered = append(st.answered, clip(name))
		}
	}
	st.errors = uncaught(c.Console, c.URL, p)
	c.Errors = st.errors
	for _, line := range c.Console {
		switch {
		case strings.Contains(line, "Unsafe attempt to initiate navigation") || strings.Contains(line, "allow-top-navigation"):
			addEsc("top navigation attempt blocked by the sandbox: " + firstLine(line))
			if !priv["top navigation"] {
				priv["top navigation"] = true
				c.Privileged = append(c.Privileged, "top navigation")
			}
		case strings.Contains(line, "from accessing a cross-origin frame") && !hasPrefix(c.Escapes, "cross-origin access"):
			addEsc("cross-origin access to the host page: " + firstLine(line))
		case strings.Contains(line, "allow-popups"):
			if !priv["popup"] {
				priv["popup"] = true
				c.Privileged = append(c.Privileged, "popup blocked by the sandbox: "+firstLine(line))
			}
		}
	}
	blocked := map[string]string{}
	for _, v := range c.Violations {
		if u, ok := parseURL(v.BlockedURL); ok {
			blocked[u.String()] = v.Directive
		}
	}
	for _, l := range failed {
		l.why, l.csp = loadReason(l.url, blocked, c.Console)
		st.loads = append(st.loads, l)
		c.FailedLoads = append(c.FailedLoads, l.String())
	}
	for _, r := range reqs {
		// A script from the app's own server that the CSP forgot is a
		// widget.csp-sufficient failure, not an attempt to escape.
		if r.Class == classResource && !r.Allowed && isScript(r) && !j.host.own(r.URL) {
			addEsc("remote script not in the CSP: " + r.URL)
		}
		sort.Strings(r.Seen)
		c.Requests = append(c.Requests, *r)
	}
	sort.Slice(c.Requests, func(a, b int) bool {
		if c.Requests[a].URL != c.Requests[b].URL {
			return c.Requests[a].URL < c.Requests[b].URL
		}
		return c.Requests[a].Class < c.Requests[b].Class
	})
	sort.Slice(c.Violations, func(a, b int) bool {
		x, y := c.Violations[a], c.Violations[b]
		if x.Directive != y.Directive {
			return x.Directive < y.Directive
		}
		if x.BlockedURL != y.BlockedURL {
			return x.BlockedURL < y.BlockedURL
		}
		return x.Source < y.Source
	})
	sort.Strings(c.Escapes)
	sort.Strings(c.Privileged)

	logDoc := map[string]any{
		"capture":   c,
		"reports":   reports,
		"events":    events,
		"truncated": truncated,
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(logDoc); err == nil {
		j.log = buf.Bytes()
	}
}

// appendNew appends s unless l has it already.
func appendNew(l []string, s string) []string {
	if slices.Contains(l, s) {
		return l
	}
	return append(l, s)
}

func isScript(r *live.Request) bool {
	for _, s := range r.Seen {
		if s == "script" || s == "worker" || s == "resource:script" || strings.HasPrefix(s, "csp-report:script-src") || strings.HasPrefix(s, "csp-report:worker-src") {
			return true
		}
	}
	return false
}

// parseURL accepts only network URLs; data:, blob:, "inline" and "eval"
// are not requests to anywhere.
func parseURL(raw string) (*url.URL, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, false
	}
	switch u.Scheme {
	case "http", "https", "ws", "wss":
		return u, true
	}
	return nil, false
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

func hasPrefix(l []string, prefix string) bool {
	for _, x := range l {
		if strings.HasPrefix(x, prefix) {
			return true
		}
	}
	return false
}

// directiveClass maps a violated directive to the allow-list behind it;
// "" for violations that are not requests (inline code, eval).
func directiveClass(d string) string {
	switch {
	case strings.HasPrefix(d, "connect-src"):
		return classConnect
	case strings.HasPrefix(d, "frame-src"), strings.HasPrefix(d, "child-src"):
		return classFrame
	case strings.HasPrefix(d, "script-src"), strings.HasPrefix(d, "style-src"), strings.HasPrefix(d, "img-src"),
		strings.HasPrefix(d, "font-src"), strings.HasPrefix(d, "media-src"), strings.HasPrefix(d, "worker-src"),
		strings.HasPrefix(d, "object-src"), d == "default-src":
		return classResource
	}
	return ""
}

func kindClass(kind string) string {
	switch kind {
	case "fetch", "xhr", "beacon", "websocket", "eventsource",
		"resource:fetch", "resource:xmlhttprequest", "resource:beacon", "resource:eventsource":
		return classConnect
	case "iframe", "resource:iframe", "resource:frame":
		return classFrame
	}
	return classResource
}

// sandboxOf says how the browser was sandboxed, for the capture record;
// "" for a browser that cannot tell (the tests' fakes).
func sandboxOf(b Browser) string {
	sb, ok := b.(interface{ Sandboxed() (bool, string) })
	if !ok {
		return ""
	}
	_, why := sb.Sandboxed()
	return why
}

// imageSize is a PNG's size as "WxH", or "" if it cannot be read.
func imageSize(b []byte) string {
	c, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%dx%d", c.Width, c.Height)
}
