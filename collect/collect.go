// Package collect is the probing stage of the pipeline: it talks to the live
// MCP server and its OAuth setup as an untrusted party, records every HTTP
// exchange as redacted evidence, and turns what it saw into observations and
// check results. It never judges from the manifest alone what it can probe.
package collect

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dossier-dev/dossier/collect/mcpsdk"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/live"
	"github.com/dossier-dev/dossier/pack/manifest"
	"github.com/dossier-dev/dossier/pack/plugin"
)

// Token is a bearer token the probe may use.
type Token struct {
	Value     string
	Scopes    []string
	Source    string // env var name or "dcr+pkce"
	ExpiresIn int
	// Audience is the resource the token was minted for when that is not
	// this server: such a token is only sent to check auth.audience.
	Audience string
	// Problem, when set, says why this declared token cannot be used (its
	// variable is unset, or the server refused it with 401 before the
	// probe): the checks that need its scopes are error with this as the
	// remedy, never judged without it. Value is then empty.
	Problem string
}

// Bounds are the probe's read limits; a zero field takes its default.
// Hitting one is a limit of the probe (transport.limits), and the
// subjects it hid are error, never judged.
type Bounds struct {
	Body     int64 // bytes read from one ordinary response body
	Resource int64 // bytes read from one resources/read answer (widget bundles)
	Pages    int   // pages of one paginated listing
	Tools    int   // tools kept from tools/list
	// Request is how long one request may take, from sending it to the
	// end of its answer's body.
	Request time.Duration
}

// Default bounds: they fit real apps (widget bundles of several MiB, a
// few hundred tools) and still end a hostile answer.
const (
	defaultResourceBound = 32 << 20
	defaultPages         = 50
	defaultTools         = 2000
	defaultRequest       = 10 * time.Second
)

// withDefaults fills the zero fields.
func (b Bounds) withDefaults() Bounds {
	if b.Body <= 0 {
		b.Body = maxBody
	}
	if b.Resource <= 0 {
		b.Resource = defaultResourceBound
	}
	if b.Pages <= 0 {
		b.Pages = defaultPages
	}
	if b.Tools <= 0 {
		b.Tools = defaultTools
	}
	if b.Request <= 0 {
		b.Request = defaultRequest
	}
	return b
}

// foreign reports whether the token was minted for another resource.
func (t Token) foreign() bool { return t.Audience != "" }

// Options configure one probe run.
type Options struct {
	Manifest   *manifest.Manifest
	HTTPClient *http.Client     // base client (tests pass one); nil = a sane default
	Tokens     []Token          // bearer tokens, one per scope set; may be empty
	AllowWrite []string         // write tools the user explicitly allowed to be called
	Now        func() time.Time // nil = time.Now
	Deadline   time.Duration    // whole run, default 60s
	Progress   func(msg string) // optional progress lines
	Bounds     Bounds           // read limits; zero fields take defaults
	// ForeignRefusal says why no token for another resource could be had
	// (say, the AS answered invalid_target); auth.audience reports it when
	// Tokens holds no foreign token.
	ForeignRefusal string
	// Plugin is the vendor's plugin package (--plugin), nil without one:
	// the submission.* checks judge it beside the manifest.
	Plugin *plugin.Package
	// Preflight is what Preflight found at the same URL just before, or
	// nil. Its unauthenticated initialize is the probe's first request:
	// the probe takes it, transcript included, instead of sending it again
	// (one initialize less for the server to build a session for).
	Preflight *Diagnosis
	// Widgets, when set, is called once, as soon as the probe knows the
	// server has UI resources to render and before it reads them, so that
	// the caller can start the browser that renders them while the probe
	// goes on. It is called from the probe's own goroutine and must not
	// block.
	Widgets func()

	// inFlight bounds the requests in flight at once; 0 is maxInFlight.
	// The benchmark sets 1 to time the probe one request at a time.
	inFlight int
}

// Report is what one probe run produced.
type Report struct {
	Observation live.Observation
	Results     []check.Result
	Evidence    []check.Evidence // Data holds the redacted transcript; IDs H0001… in order

	// Calls holds, by tool name, the result of each call the probe made
	// with the manifest's example arguments: the CallToolResult JSON as the
	// SDK decoded it, redacted. The evidence stage feeds it to the widgets.
	Calls map[string]json.RawMessage
}

// Protocol versions the probe speaks.
const (
	version20250618 = "2025-06-18"
	version20251125 = "2025-11-25"
	version20260728 = "2026-07-28"
)

// Probe runs every probe against the server the manifest names. Server
// misbehaviour becomes results; the error is only for a run that could not
// be done at all.
func Probe(ctx context.Context, opts Options) (*Report, error) {
	if opts.Manifest == nil {
		return nil, errors.New("probing: no manifest")
	}
	u, err := url.Parse(opts.Manifest.Server.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("probing: server URL %q is not an absolute http(s) URL", opts.Manifest.Server.URL)
	}
	if opts.Deadline <= 0 {
		opts.Deadline = 60 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Deadline)
	defer cancel()

	p := newProber(opts, u)
	p.run(ctx)
	return p.report(), nil
}

// prober holds the state of one run. Probe steps fill facts; checks read them.
type prober struct {
	opts   Options
	bounds Bounds // opts.Bounds with defaults
	m      *manifest.Manifest
	mcpURL *url.URL
	red    *redactor
	rec    *recorder
	hc     *http.Client

	token *Token       // the token used for listing, nil without one
	rpcID atomic.Int64 // the last JSON-RPC id the run's own requests used

	// Steps run at the same time: mu guards what several of them add to.
	mu      sync.Mutex
	results []check.Result
	skipped []keyed[live.Skip]
	called  map[string]callOutcome // tool → result of a call with valid arguments
	// toolsKnown is closed once tools/list is done (or could not be done):
	// the auth strand waits on it before choosing a tool to call.
	toolsKnown chan struct{}
	// secondOpened is closed once the second session's initialize has
	// its answer: transport.origin compares its own request with it.
	secondOpened chan struct{}
	// unauthKnown is closed once unauth holds the unauthenticated
	// initialize's answer; other strands wait for it (openToAllKnown).
	unauthKnown chan struct{}
	// requiredKnown is closed once auth.required is judged; openRan says
	// that a protected tool ran without a token (mixed mode).
	requiredKnown chan struct{}
	openRan       bool
	progMu        sync.Mutex // one progress line at a time

	// Facts gathered by the steps. Each is written by one step and read
	// by steps that run after it (see run).
	obs        live.Observation
	unauth     rpcReply // unauthenticated initialize
	session    *mcpsdk.Session
	info       mcpsdk.Info
	listErr    error
	listed     bool
	listCut    string            // why nothing could be listed, when a page failed or a bound was hit
	rawListed  []json.RawMessage // the listed tools as the server wrote them, in obs.Tools's order
	dupTools   []string
	rawOK      bool // the raw tools/list worked, so absent hints are known
	oauth      oauthFacts
	discover   rpcReply   // the raw server/discover
	second     rawSession // the second session of the transport probes
	secondRep  rpcReply   // its initialize
	noEndpoint string     // why nothing at the URL speaks Streamable HTTP, with the remedy (diagnoseSession)
	initStatus int        // the HTTP status of the SDK's initialize when no session opened, 0 without one

	// What diagnose concluded once the handshake was over (see reach.go).
	blocked     string // the server refused the probe for want of a usable token
	unreachable string // nothing at the URL speaks MCP: why, with the remedy
	noHandshake bool   // the endpoint answers but fails the handshake
}

func newProber(opts Options, u *url.URL) *prober {
	red := newRedactor()
	for _, t := range opts.Tokens {
		red.add(t.Value)
	}
	var base http.RoundTripper
	if opts.HTTPClient != nil && opts.HTTPClient.Transport != nil {
		base = opts.HTTPClient.Transport
	}
	m := opts.Manifest
	b := opts.Bounds.withDefaults()
	named := append([]string{m.Server.URL, m.Server.Auth.Issuer, m.Server.Auth.OIDCDiscovery,
		m.Server.Auth.Revocation, m.App.PrivacyPolicy, m.App.Terms, m.App.Support}, submissionURLs(opts)...)
	rec := newRecorder(base, b.Request, cmp.Or(opts.inFlight, maxInFlight), red, named...)
	rec.body = readBound{b.Body, "--max-body"}
	p := &prober{opts: opts, bounds: b, m: opts.Manifest, mcpURL: u, red: red, rec: rec, hc: rec.client(), called: map[string]callOutcome{}, toolsKnown: make(chan struct{}), secondOpened: make(chan struct{}), unauthKnown: make(chan struct{}), requiredKnown: make(chan struct{})}
	p.obs.Server.URL = opts.Manifest.Server.URL
	if p.m.Server.Auth.Mode != manifest.AuthNone {
		p.token = pickToken(opts.Tokens)
	}
	return p
}

// pickToken prefers the token with the most scopes; ties go to the first.
func pickToken(ts []Token) *Token {
	var best *Token
	for i := range ts {
		if ts[i].Value == "" || ts[i].foreign() {
			continue
		}
		if best == nil || len(ts[i].Scopes) > len(best.Scopes) {
			best = &ts[i]
		}
	}
	return best
}

func (p *prober) progress(format string, args ...any) {
	if p.opts.Progress != nil {
		msg := p.red.known(fmt.Sprintf(format, args...))
		p.progMu.Lock()
		defer p.progMu.Unlock()
		p.opts.Progress(msg)
	}
}

func (p *prober) bearer() string {
	if p.token == nil {
		return ""
	}
	return p.token.Value
}

// Where each part of the run sits in its evidence, whenever it runs: the
// order the parts had when they ran one after another.
const (
	slotUnauth = iota
	slotOAuth
	slotSession
	slotDiscover
	slotTools
	slotWidgets
	slotOrigin
	slotSecondSession
	slotAuthActive
	slotToolCalls
	slotListing
	slotSubmission
)

// run probes in four strands that share nothing until they are joined: the
// OAuth setup and the auth probes that need it; the SDK session, its
// listings and calls; the transport probes, each in a session of its own;
// the listing's URLs. The recorder bounds the requests in flight.
func (p *prober) run(ctx context.Context) {
	p.progress("probing %s", p.m.Server.URL)
	p.together(ctx,
		func(ctx context.Context) {
			p.probeUnauthenticated(inSlot(ctx, slotUnauth))
			p.probeOAuth(inSlot(ctx, slotOAuth))
			p.probeAuthActive(inSlot(ctx, slotAuthActive))
		},
		func(ctx context.Context) {
			p.probeSession(inSlot(ctx, slotSession))
			p.probeTools(inSlot(ctx, slotTools))
			// Judging the listed tools is work for the CPU alone: the
			// widgets are read meanwhile. The calls wait for it, since a
			// call's verdict replaces the listed tool.output-schema one.
			p.together(ctx,
				func(ctx context.Context) { p.probeWidgets(inSlot(ctx, slotWidgets)) },
				func(ctx context.Context) {
					p.judgeTools()
					close(p.toolsKnown)
					p.probeToolCalls(inSlot(ctx, slotToolCalls))
				},
			)
		},
		func(ctx context.Context) { p.postDiscover(inSlot(ctx, slotDiscover)) },
		func(ctx context.Context) { p.probeOrigin(inSlot(ctx, slotOrigin)) },
		func(ctx context.Context) { p.probeSecondSession(inSlot(ctx, slotSecondSession)) },
		func(ctx context.Context) { p.probeListing(inSlot(ctx, slotListing)) },
		func(ctx context.Context) { p.probeSubmission(inSlot(ctx, slotSubmission)) },
	)
	// What needs facts from more than one strand.
	if p.authDeclared() || p.oauth.challengeOK {
		p.checkChallenge()
	}
	p.checkDiscover()
	p.checkSessionID()
	if p.session != nil {
		_ = p.session.Close()
	}
	p.checkLimits()
	// One root cause, one result: when the probe could not talk MCP to the
	// server, what rests on the endpoint was not judged.
	switch {
	case p.unreachable != "":
		p.notJudged(p.unreachable, "transport.handshake")
	case p.noHandshake:
		p.notJudged("the server does not complete the MCP handshake (see transport.handshake)", "transport.handshake")
	}
}

// result adds one result. evidence names steps; they become evidence IDs
// when the report is assembled.
func (p *prober) result(id, subject string, st check.Status, basis check.Basis, detail string, steps ...string) {
	d, ok := check.Lookup(id)
	if !ok {
		panic("collect: unknown check ID " + id) // a programming error, caught by tests
	}
	var sev check.Severity
	if st == check.Fail || st == check.Warn || st == check.Error {
		sev = d.Severity
	}
	p.resultSev(id, subject, st, sev, basis, detail, steps...)
}

// resultSev is result with a severity other than the catalogue default.
func (p *prober) resultSev(id, subject string, st check.Status, sev check.Severity, basis check.Basis, detail string, steps ...string) {
	if _, ok := check.Lookup(id); !ok {
		panic("collect: unknown check ID " + id)
	}
	r := check.Result{ID: id, Subject: subject, Status: st, Severity: sev, Basis: basis, Detail: detail}
	for _, s := range steps {
		if s != "" {
			r.Evidence = append(r.Evidence, check.EvidenceID(s))
		}
	}
	p.mu.Lock()
	p.results = append(p.results, r)
	p.mu.Unlock()
}

// skip records a probe that was not run, at its place in the run.
func (p *prober) skip(ctx context.Context, probe, subject, reason string) {
	key := orderOf(ctx, p.rec.root).take()
	p.mu.Lock()
	p.skipped = append(p.skipped, keyed[live.Skip]{key, live.Skip{Probe: probe, Subject: subject, Reason: reason}})
	p.mu.Unlock()
}

// report assembles evidence from the recorded steps, maps step names in the
// results to evidence IDs, and scrubs every known secret from what leaves.
func (p *prober) report() *Report {
	rep := &Report{}
	ids := map[string]check.EvidenceID{}
	p.rec.mu.Lock()
	steps := append([]*step(nil), p.rec.steps...)
	p.rec.mu.Unlock()
	// Steps in the order of their first exchange in the run, which is the
	// order they would have had one after another.
	slices.SortStableFunc(steps, func(a, b *step) int {
		return slices.Compare(a.sorted()[0].key, b.sorted()[0].key)
	})
	for _, s := range steps {
		if len(s.exchanges) == 0 {
			continue
		}
		// Learn secrets from every exchange first, so that a code seen in a
		// later response is also blanked in an earlier request.
		for _, ex := range s.exchanges {
			ex.mu.Lock()
			p.red.learn(ex.reqBody)
			p.red.learn(ex.respBody.Bytes())
			p.red.learnURL(ex.url)
			if loc := ex.respHdr.Get("Location"); loc != "" {
				p.red.learnURL(loc)
			}
			ex.mu.Unlock()
		}
	}
	for _, s := range steps {
		if len(s.exchanges) == 0 {
			continue
		}
		id := check.EvidenceID(fmt.Sprintf("H%04d", len(rep.Evidence)+1))
		ids[s.title] = id
		data := p.rec.transcript(s)
		sum := sha256.Sum256(data)
		rep.Evidence = append(rep.Evidence, check.Evidence{
			ID: id, Kind: check.KindHTTP, Title: visible(p.red.known(s.title), false),
			Path: "evidence/http/" + string(id) + ".txt", SHA256: hex.EncodeToString(sum[:]),
			Size: int64(len(data)), Data: data,
		})
	}
	for _, r := range p.results {
		var ev []check.EvidenceID
		for _, e := range r.Evidence {
			if id, ok := ids[string(e)]; ok && !slices.Contains(ev, id) {
				ev = append(ev, id)
			}
		}
		r.Evidence = ev
		// Details quote server text; whatever slipped through unquoted
		// leaves without raw escapes or controls.
		r.Detail = visible(p.red.known(r.Detail), true)
		r.Subject = visible(r.Subject, false)
		rep.Results = append(rep.Results, r)
	}
	check.Sort(rep.Results)

	p.obs.Limits = p.rec.Limits()
	p.obs.RefusedRedirects = p.rec.Refused()
	p.obs.Skipped = inOrder(p.skipped)
	rep.Observation = p.scrubObservation(p.obs)
	rep.Calls = p.scrubCalls()
	return rep
}

// scrubCalls redacts the recorded call results. A result that is no longer
// JSON once redacted is left out: the widget then renders without data.
func (p *prober) scrubCalls() map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	for name, c := range p.called {
		if c.err != nil || len(c.raw) == 0 {
			continue
		}
		clean := []byte(p.red.body(c.raw))
		if !json.Valid(clean) {
			clean = []byte(p.red.known(string(c.raw)))
		}
		if json.Valid(clean) {
			out[name] = clean
		}
	}
	return out
}

// scrubObservation passes the observation through the redactor by way of its
// JSON, which covers every server-supplied string, then the unserialized HTML.
func (p *prober) scrubObservation(o live.Observation) live.Observation {
	html := make([]string, len(o.Resources))
	for i, r := range o.Resources {
		html[i] = p.red.known(r.HTML)
	}
	b, err := json.Marshal(o)
	if err != nil {
		return o
	}
	clean := []byte(p.red.known(string(b)))
	var out live.Observation
	if json.Unmarshal(clean, &out) != nil {
		return o
	}
	visibleStrings(reflect.ValueOf(&out).Elem())
	for i := range out.Resources {
		if i < len(html) {
			out.Resources[i].HTML = html[i]
		}
	}
	return out
}

// visibleStrings applies visible to every string the observation holds:
// every one of them came from the server or quotes it, and none may carry
// a raw escape or control character into the pack, a terminal or a PDF.
// (JSON kept as the server wrote it is escaped by its own encoding; the
// widget HTML is restored after, for rendering.)
func visibleStrings(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		if v.CanSet() {
			v.SetString(visible(v.String(), true))
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			visibleStrings(v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			visibleStrings(v.Field(i))
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return // json.RawMessage
		}
		for i := range v.Len() {
			visibleStrings(v.Index(i))
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(k))
			visibleStrings(e)
			v.SetMapIndex(k, e)
		}
	}
}

// quote makes an untrusted server string safe to show: control characters
// dropped, at most 200 characters, quoted.
func quote(s string) string {
	return fmt.Sprintf("%q", clean(s))
}

// clean drops control and bidi-override characters and caps s at 200
// characters, for untrusted strings shown unquoted (evidence titles).
func clean(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if unsafeRune(r) {
			continue
		}
		if n == 200 {
			b.WriteString("…")
			break
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

func isLoopbackHost(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(h, "[]"))
	return ip != nil && ip.IsLoopback()
}
