package collect

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/dossier-dev/dossier/pack/manifest"
)

// Bounds the probe holds every server answer to. The read bounds are
// defaults of Bounds (the user may raise them); the others are fixed.
const (
	maxBody       = 4 << 20  // default bytes read from one response body (--max-body)
	maxTranscript = 64 << 10 // bytes of one body kept in a transcript
	maxRedirects  = 5
)

// errBodyLimit is returned by a response body that grew past its bound.
var errBodyLimit = errors.New("response body exceeds the probe's limit")

type readBoundKey struct{}

// readBound is the bound on the response bodies read under a context, and
// the flag that raises it.
type readBound struct {
	n    int64
	flag string
}

// withReadBound bounds the response bodies of the requests made under ctx
// to n bytes instead of the recorder's default (UI resources get more).
func withReadBound(ctx context.Context, n int64, flag string) context.Context {
	return context.WithValue(ctx, readBoundKey{}, readBound{n, flag})
}

// limitHit is one bound the probe hit. A bound the user can raise (flag
// set) is a limit of the probe; one that is not (a cursor or stream that
// never ends, a malformed answer, a refused hop) says something about the
// server.
type limitHit struct {
	msg       string
	flag      string // the flag that raises the bound, "" if none
	unbounded bool   // the answer is unbounded by nature: no bound would do
}

func (l limitHit) String() string {
	if l.flag != "" {
		return l.msg + " (raise " + l.flag + ")"
	}
	return l.msg
}

type stepKey struct{}

// withStep labels the requests made under ctx, so that the exchanges of one
// probe step end up in one evidence item.
func withStep(ctx context.Context, title string) context.Context {
	return context.WithValue(ctx, stepKey{}, title)
}

type bearerKey struct{}

// withBearer asks the transport to send token as the bearer credential.
func withBearer(ctx context.Context, token string) context.Context {
	return context.WithValue(ctx, bearerKey{}, token)
}

// exchange is one request and its answer, as recorded.
type exchange struct {
	key         []int // its place in the run (see order)
	method, url string
	proto       string
	code        int // the response's status code, 0 without one
	reqHeader   http.Header
	reqBody     []byte
	reqTrunc    bool

	mu        sync.Mutex
	status    string
	respHdr   http.Header
	respBody  bytes.Buffer
	respTrunc bool
	err       string
}

// step is one evidence item in the making.
type step struct {
	title     string
	exchanges []*exchange
}

// sorted returns the exchanges of s in the run's order.
func (s *step) sorted() []*exchange {
	ex := slices.Clone(s.exchanges)
	slices.SortStableFunc(ex, func(a, b *exchange) int { return slices.Compare(a.key, b.key) })
	return ex
}

// recorder is the single RoundTripper all probe traffic goes through. It
// adds bearer tokens on request, bounds time and size, and keeps a transcript
// of every exchange, grouped by step.
type recorder struct {
	base    http.RoundTripper
	timeout time.Duration
	red     *redactor
	guard   *hopGuard
	root    *order        // the place of requests made outside any probe step's order
	slots   chan struct{} // one token per request in flight
	body    readBound     // the default bound on a response body

	mu      sync.Mutex
	steps   []*step
	byTitle map[string]*step
	limits  []keyed[limitHit]
	hitIn   map[string]limitHit // step title → the first bound hit while in it
	refused []keyed[string]
}

// newRecorder wraps base, with at most inFlight requests open at once.
// named are the URLs the user gave (the MCP URL, the manifest's own URLs):
// only their hosts may be private addresses. A nil base gets a transport
// whose dialer checks the address it connects to as well (a base the
// caller injects keeps its own dialer).
func newRecorder(base http.RoundTripper, timeout time.Duration, inFlight int, red *redactor, named ...string) *recorder {
	guard := newHopGuard(named)
	if base == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.DialContext = guard.dialContext
		base = t
	}
	return &recorder{base: base, timeout: timeout, red: red, guard: guard, byTitle: map[string]*step{},
		root: newOrder(), slots: make(chan struct{}, inFlight), body: readBound{maxBody, "--max-body"}, hitIn: map[string]limitHit{}}
}

// client returns an http.Client on top of the recorder that refuses to
// follow redirects to another origin.
func (r *recorder) client() *http.Client {
	return &http.Client{Transport: r, CheckRedirect: r.checkRedirect}
}

func (r *recorder) checkRedirect(req *http.Request, via []*http.Request) error {
	ctx := req.Context()
	if len(via) >= maxRedirects {
		r.limit(ctx, fmt.Sprintf("more than %d redirects starting at %s", maxRedirects, r.red.url(via[0].URL.String())))
		return http.ErrUseLastResponse
	}
	if why := r.guard.refuse(ctx, req.URL); why != "" {
		r.refuseHop(ctx, via[len(via)-1].URL.String()+" -> "+req.URL.String(), why)
		return http.ErrUseLastResponse
	}
	if origin(req.URL) != origin(via[0].URL) {
		r.refuse(ctx, fmt.Sprintf("%s -> %s", r.red.url(via[len(via)-1].URL.String()), r.red.url(req.URL.String())))
		return http.ErrUseLastResponse
	}
	return nil
}

// limit records a bound that was hit which no flag raises: the answer was
// unbounded by nature or broken. It is recorded once, at the first place in
// the run it was hit.
func (r *recorder) limit(ctx context.Context, msg string) {
	r.hit(ctx, limitHit{msg: msg, unbounded: true})
}

// bound records a bound the user can raise with flag: a limit of the probe,
// not a fault of the server.
func (r *recorder) bound(ctx context.Context, msg, flag string) {
	r.hit(ctx, limitHit{msg: msg, flag: flag})
}

func (r *recorder) hit(ctx context.Context, h limitHit) {
	key := orderOf(ctx, r.root).take()
	title, _ := ctx.Value(stepKey{}).(string)
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.hitIn[title]; !ok && title != "" {
		r.hitIn[title] = h
	}
	for i, l := range r.limits {
		if l.v == h {
			if slices.Compare(key, l.key) < 0 {
				r.limits[i].key = key
			}
			return
		}
	}
	r.limits = append(r.limits, keyed[limitHit]{key, h})
}

// hitDuring returns the first bound hit during the step with this title.
func (r *recorder) hitDuring(title string) (limitHit, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	h, ok := r.hitIn[title]
	return h, ok
}

// lastStatus returns the status code and headers of the last answered
// exchange of the step with this title, or 0 when none was answered.
func (r *recorder) lastStatus(title string) (int, http.Header) {
	r.mu.Lock()
	s := r.byTitle[title]
	r.mu.Unlock()
	if s == nil {
		return 0, nil
	}
	ex := s.sorted()
	for i := len(ex) - 1; i >= 0; i-- {
		ex[i].mu.Lock()
		code, h := ex[i].code, ex[i].respHdr
		ex[i].mu.Unlock()
		if code != 0 {
			return code, h
		}
	}
	return 0, nil
}

// refuse records a redirect or hop that was not followed.
func (r *recorder) refuse(ctx context.Context, what string) {
	key := orderOf(ctx, r.root).take()
	r.mu.Lock()
	r.refused = append(r.refused, keyed[string]{key, what})
	r.mu.Unlock()
}

// Refused returns the redirects and hops that were not followed, in order.
func (r *recorder) Refused() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return inOrder(r.refused)
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	title, _ := ctx.Value(stepKey{}).(string)
	if title == "" {
		title = "MCP session traffic"
	}
	req = req.Clone(ctx)
	if tok, ok := ctx.Value(bearerKey{}).(string); ok && tok != "" && req.Header.Get("Authorization") == "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	ex := &exchange{key: orderOf(ctx, r.root).take(), method: req.Method, url: req.URL.String(), proto: req.Proto, reqHeader: req.Header.Clone()}
	if req.Body != nil && req.GetBody != nil {
		if b, err := req.GetBody(); err == nil {
			data, _ := io.ReadAll(io.LimitReader(b, maxTranscript+1))
			b.Close()
			ex.reqBody, ex.reqTrunc = cut(data)
		}
	} else if req.Body != nil {
		data, err := io.ReadAll(io.LimitReader(req.Body, maxBody))
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("reading request body: %w", err)
		}
		req.Body = io.NopCloser(bytes.NewReader(data))
		ex.reqBody, ex.reqTrunc = cut(data)
	}
	r.add(title, ex)
	if why := r.guard.refuse(ctx, req.URL); why != "" {
		r.refuseHop(ctx, req.Method+" "+req.URL.String(), why)
		err := fmt.Errorf("refused to connect: %s", why)
		ex.mu.Lock()
		ex.err = err.Error()
		ex.mu.Unlock()
		return nil, err
	}

	// Wait for a slot; the request's own deadline starts once it has one.
	select {
	case r.slots <- struct{}{}:
	case <-ctx.Done():
		err := fmt.Errorf("waiting to send the request: %w", ctx.Err())
		ex.mu.Lock()
		ex.err = err.Error()
		ex.mu.Unlock()
		return nil, err
	}
	var once sync.Once
	release := func() { once.Do(func() { <-r.slots }) }
	tctx, cancel := context.WithTimeout(ctx, r.timeout)
	req = req.WithContext(tctx)
	resp, err := r.base.RoundTrip(req)
	if err != nil {
		cancel()
		release()
		if errors.Is(tctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
			r.limit(ctx, fmt.Sprintf("request timeout (%s, --request-timeout) on %s %s", r.timeout, req.Method, r.red.url(req.URL.String())))
		}
		ex.mu.Lock()
		ex.err = err.Error()
		ex.mu.Unlock()
		return nil, err
	}
	ex.mu.Lock()
	ex.status = resp.Proto + " " + resp.Status
	ex.code = resp.StatusCode
	ex.respHdr = resp.Header.Clone()
	ex.mu.Unlock()
	limit := r.body
	if b, ok := ctx.Value(readBoundKey{}).(readBound); ok {
		limit = b
	}
	sse := strings.HasPrefix(strings.ToLower(resp.Header.Get("Content-Type")), "text/event-stream")
	resp.Body = &boundedBody{rc: resp.Body, ex: ex, cancel: cancel, release: release, rec: r, what: req.Method + " " + r.red.url(req.URL.String()), tctx: tctx, parent: ctx, limit: limit, sse: sse}
	return resp, nil
}

// refuseHop records a request or redirect the guard did not let through,
// both as a refused hop and as a bound that was hit.
func (r *recorder) refuseHop(ctx context.Context, what, why string) {
	what = r.red.text(what)
	r.refuse(ctx, what+" ("+why+")")
	r.limit(ctx, fmt.Sprintf("refused %s: %s", what, why))
}

// clean reports whether the recorder hit no bound and refused nothing:
// what it recorded is what a recorder of the probe would have.
func (r *recorder) clean() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.limits) == 0 && len(r.refused) == 0
}

// adopt files exchanges another recorder made (the preflight's) under the
// step of ctx, at the places requests made under ctx would take.
func (r *recorder) adopt(ctx context.Context, title string, exs []*exchange) {
	o := orderOf(ctx, r.root)
	for _, ex := range exs {
		ex.mu.Lock()
		ex.key = o.take()
		ex.mu.Unlock()
		r.add(title, ex)
	}
}

func (r *recorder) add(title string, ex *exchange) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.byTitle[title]
	if s == nil {
		s = &step{title: title}
		r.byTitle[title] = s
		r.steps = append(r.steps, s)
	}
	s.exchanges = append(s.exchanges, ex)
}

func cut(b []byte) ([]byte, bool) {
	if len(b) > maxTranscript {
		return b[:maxTranscript], true
	}
	return b, false
}

// boundedBody enforces its read bound and the per-request timeout while
// the caller reads, and copies what is read into the transcript. The
// request's slot is given back at the end of the body or when it is closed.
type boundedBody struct {
	rc      io.ReadCloser
	ex      *exchange
	cancel  context.CancelFunc
	release func()
	rec     *recorder
	what    string
	n       int64
	tctx    context.Context
	parent  context.Context
	once    sync.Once
	limit   readBound
	sse     bool // an event stream: complete events are counted
	events  int  // complete events read so far
	nl      bool // the last byte read ended a line
}

// endlessEvents is how many complete events an event stream may carry past
// its bound before it counts as a stream that never closes rather than one
// large answer.
const endlessEvents = 16

func (b *boundedBody) Read(p []byte) (int, error) {
	if b.n >= b.limit.n {
		if b.sse && b.events >= endlessEvents {
			b.rec.limit(b.parent, fmt.Sprintf("an event stream that did not end within %d bytes (%d events) on %s", b.limit.n, b.events, b.what))
		} else {
			b.rec.bound(b.parent, fmt.Sprintf("response body larger than %d bytes on %s", b.limit.n, b.what), b.limit.flag)
		}
		b.ex.mu.Lock()
		b.ex.respTrunc = true
		b.ex.mu.Unlock()
		return 0, errBodyLimit
	}
	if int64(len(p)) > b.limit.n-b.n {
		p = p[:b.limit.n-b.n]
	}
	n, err := b.rc.Read(p)
	b.n += int64(n)
	if b.sse {
		for _, c := range p[:n] {
			switch c {
			case '\r':
			case '\n':
				if b.nl {
					b.events++
				}
				b.nl = true
			default:
				b.nl = false
			}
		}
	}
	b.ex.mu.Lock()
	if room := maxTranscript - b.ex.respBody.Len(); room > 0 {
		k := n
		if k > room {
			k = room
			b.ex.respTrunc = true
		}
		b.ex.respBody.Write(p[:k])
	} else if n > 0 {
		b.ex.respTrunc = true
	}
	b.ex.mu.Unlock()
	if err != nil && !errors.Is(err, io.EOF) && errors.Is(b.tctx.Err(), context.DeadlineExceeded) && b.parent.Err() == nil {
		b.rec.limit(b.parent, fmt.Sprintf("request timeout (%s, --request-timeout) while reading %s", b.rec.timeout, b.what))
	}
	if err != nil {
		b.release()
	}
	return n, err
}

func (b *boundedBody) Close() error {
	err := b.rc.Close()
	b.once.Do(b.cancel)
	b.release()
	return err
}

// Limits returns the bounds that were hit, in the run's order.
func (r *recorder) Limits() []string {
	var out []string
	for _, l := range r.hits() {
		out = append(out, l.String())
	}
	return out
}

// hits returns the bounds that were hit, in the run's order.
func (r *recorder) hits() []limitHit {
	r.mu.Lock()
	defer r.mu.Unlock()
	return inOrder(r.limits)
}

// transcript renders one step as text, redacted.
func (r *recorder) transcript(s *step) []byte {
	var buf bytes.Buffer
	for i, ex := range s.sorted() {
		if i > 0 {
			buf.WriteString("\n----------------------------------------\n\n")
		}
		ex.mu.Lock()
		fmt.Fprintf(&buf, "%s %s %s\n", ex.method, r.red.url(ex.url), ex.proto)
		writeHeaders(&buf, ex.reqHeader, r.red)
		buf.WriteString("\n")
		writeBody(&buf, ex.reqBody, ex.reqTrunc, r.red)
		buf.WriteString("\n")
		switch {
		case ex.status != "":
			buf.WriteString(ex.status + "\n")
			writeHeaders(&buf, ex.respHdr, r.red)
			buf.WriteString("\n")
			writeBody(&buf, ex.respBody.Bytes(), ex.respTrunc, r.red)
		case ex.err != "":
			fmt.Fprintf(&buf, "(no response: %s)\n", r.red.text(ex.err))
		default:
			buf.WriteString("(no response recorded)\n")
		}
		ex.mu.Unlock()
	}
	return printable(buf.Bytes())
}

// printable makes a transcript safe to open in a terminal or an editor:
// invalid UTF-8, control characters other than tab and line breaks, and
// bidi overrides become U+FFFD.
func printable(b []byte) []byte {
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	return []byte(strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return r
		}
		if unsafeRune(r) {
			return '\uFFFD'
		}
		return r
	}, s))
}

// unsafeRune reports the characters that can act on a terminal or hide and
// reorder text (controls, separators, bidi and direction marks): the same
// list Printable escapes for the terminal.
func unsafeRune(r rune) bool { return manifest.Unprintable(r) }

var secretHeaders = map[string]bool{
	"Authorization": true, "Proxy-Authorization": true, "Cookie": true, "Set-Cookie": true,
}

func writeHeaders(buf *bytes.Buffer, h http.Header, red *redactor) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			if secretHeaders[http.CanonicalHeaderKey(k)] {
				v = redactedHeader(k, v)
			} else {
				v = red.text(v)
			}
			fmt.Fprintf(buf, "%s: %s\n", k, v)
		}
	}
}

// redactedHeader keeps the auth scheme, which a reviewer needs, and drops the credential.
func redactedHeader(k, v string) string {
	if strings.EqualFold(k, "Authorization") || strings.EqualFold(k, "Proxy-Authorization") {
		if scheme, _, ok := strings.Cut(v, " "); ok {
			return scheme + " " + redacted
		}
	}
	return redacted
}

func writeBody(buf *bytes.Buffer, b []byte, trunc bool, red *redactor) {
	if len(b) == 0 && !trunc {
		return
	}
	buf.WriteString(red.body(b))
	if len(b) > 0 && b[len(b)-1] != '\n' {
		buf.WriteString("\n")
	}
	if trunc {
		fmt.Fprintf(buf, "[TRUNCATED: body longer than %d bytes; only the first %d are shown]\n", maxTranscript, maxTranscript)
	}
}

func origin(u *url.URL) string {
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host)
}
