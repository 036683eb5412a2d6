package collect

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"
)

// PreflightOptions configure Preflight.
type PreflightOptions struct {
	URL        string
	Tokens     []Token // the declared tokens; those with a Problem already are left alone
	HTTPClient *http.Client
	Bounds     Bounds // read and time limits; zero fields take defaults
}

// Diagnosis is what a first look at the server found, before any probe:
// whether there is a Streamable HTTP endpoint to probe at all, and whether
// the server accepts each token.
type Diagnosis struct {
	// Problem says why the server cannot be probed at all (nothing
	// listens, a 404 at the path, the legacy SSE transport, HTTPS spoken
	// to a plain-HTTP port, a redirect to another origin), and Hint what to
	// do about it. Both are empty when the probe can go ahead.
	Problem, Hint string
	// Status is the HTTP status of the unauthenticated initialize (0 when
	// none came back), and Challenge the parameters of its Bearer
	// challenge, when it was 401 with one (resource_metadata, scope).
	Status    int
	Challenge map[string]string
	// Tokens are the options' tokens, each the server refused with 401
	// marked with a Problem and its Value cleared: a refused token is a
	// credentials problem of the run, never evidence about the server.
	Tokens []Token

	// unauth is the unauthenticated initialize as recorded, which the
	// probe takes as its own (Options.Preflight); nil when there is none
	// to take.
	unauth *recordedInit
}

// recordedInit is an unauthenticated initialize and the close of the
// session it opened, as the recorder kept them.
type recordedInit struct {
	url       string
	reply     rpcReply
	exchanges []*exchange
}

// Err is the Problem as an error, nil when the probe can go ahead.
func (p Diagnosis) Err(u string) error {
	if p.Problem == "" {
		return nil
	}
	return &PreflightError{URL: u, Problem: p.Problem, Hint: p.Hint}
}

// PreflightError says why a server cannot be probed and what to do.
type PreflightError struct {
	URL, Problem, Hint string
}

func (e *PreflightError) Error() string {
	msg := fmt.Sprintf("cannot probe %s: %s", e.URL, e.Problem)
	if e.Hint != "" {
		msg += "\nhint: " + e.Hint
	}
	return msg
}

// preflightSSEBytes bounds what is read of an event stream to recognise the
// legacy transport's first event.
const preflightSSEBytes = 16 << 10

// Preflight sends an unauthenticated initialize to the MCP URL, then one
// per token, and diagnoses what stops a probe before it starts. Every
// request goes through the probe's guarded, bounded client; sessions it
// opens are closed again. No tool is called.
func Preflight(ctx context.Context, opts PreflightOptions) Diagnosis {
	out := Diagnosis{Tokens: append([]Token(nil), opts.Tokens...)}
	u, err := url.Parse(opts.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		out.Problem = fmt.Sprintf("the server URL %q is not an absolute http(s) URL", opts.URL)
		out.Hint = "set server.url to the MCP endpoint, such as https://mcp.example.com/mcp"
		return out
	}
	b := opts.Bounds.withDefaults()
	var base http.RoundTripper
	if opts.HTTPClient != nil && opts.HTTPClient.Transport != nil {
		base = opts.HTTPClient.Transport
	}
	red := newRedactor()
	for _, t := range opts.Tokens {
		red.add(t.Value)
	}
	rec := newRecorder(base, b.Request, maxInFlight, red, opts.URL)
	rec.body = readBound{b.Body, "--max-body"}
	p := &prober{mcpURL: u, red: red, rec: rec, hc: rec.client()}

	// The probe's own first request, made as probeUnauthenticated makes
	// it, so that the probe can take it instead of sending it again.
	uctx := withStep(ctx, stepUnauth)
	rep := p.post(uctx, rawCall{method: "initialize", params: initParams(version20251125)})
	out.Status = rep.status
	if rep.err != nil && !saysNothing(rep.status) { // a 429 or 408 is diagnosed as the answer it is
		out.Problem, out.Hint = p.diagnoseNoAnswer(ctx, rep.err, b.Request)
		return out
	}
	p.closeReply(uctx, rep, "")
	if rec.clean() {
		rec.mu.Lock()
		out.unauth = &recordedInit{url: opts.URL, reply: rep, exchanges: rec.byTitle[stepUnauth].exchanges}
		rec.mu.Unlock()
	}
	if rep.status == http.StatusUnauthorized {
		for _, h := range rep.header.Values("WWW-Authenticate") {
			if params, ok := bearerChallenge(h); ok {
				out.Challenge = params
				break
			}
		}
	}
	if prob, hint := p.diagnoseAnswer(ctx, rep); prob != "" {
		out.Problem, out.Hint = prob, hint
		out.unauth = nil
		return out
	}
	checked := false
	for i, t := range out.Tokens {
		if t.Value == "" || t.Problem != "" || t.foreign() {
			continue
		}
		trep := p.post(ctx, rawCall{method: "initialize", params: initParams(version20251125), token: t.Value})
		p.closeReply(ctx, trep, t.Value)
		switch {
		case trep.err != nil:
		case trep.status == http.StatusUnauthorized:
			out.Tokens[i].Value = ""
			out.Tokens[i].Problem = fmt.Sprintf("the server refused the token from %s with 401 (expired, revoked or minted for another server); set a fresh one or use --login dcr", t.Source)
		case rep.status == http.StatusUnauthorized && !checked:
			// Behind a 401 that a gateway gives every path, the first
			// answer past it tells whether there is an endpoint at all.
			checked = true
			if prob, hint := p.diagnoseAnswer(ctx, trep); prob != "" {
				out.Problem, out.Hint = prob, hint
				out.unauth = nil
				return out
			}
		}
	}
	return out
}

// closeReply ends the session an initialize opened, if it opened one.
func (p *prober) closeReply(ctx context.Context, rep rpcReply, token string) {
	if rep.ok() && rep.header != nil {
		p.closeRaw(ctx, rawSession{id: rep.header.Get("Mcp-Session-Id"), version: version20251125, token: token})
	}
}

// diagnoseNoAnswer says why no HTTP answer came back, and what to do.
func (p *prober) diagnoseNoAnswer(ctx context.Context, err error, timeout time.Duration) (problem, hint string) {
	u := p.mcpURL
	host := u.Host
	var dnsErr *net.DNSError
	var recErr tls.RecordHeaderError
	msg := err.Error()
	switch {
	case u.Scheme == "https" && (errors.As(err, &recErr) || strings.Contains(msg, "server gave HTTP response to HTTPS client") ||
		strings.Contains(msg, "first record does not look like a TLS handshake")):
		return fmt.Sprintf("%s speaks plain HTTP, not HTTPS (the TLS handshake got an HTTP answer)", host),
			fmt.Sprintf("set server.url to %s if the server is meant to be plain HTTP (loopback only), or put TLS in front of it", withScheme(u, "http"))
	case u.Scheme == "http" && p.speaksTLS(ctx, timeout):
		return fmt.Sprintf("%s speaks HTTPS, not plain HTTP (a TLS handshake on that port succeeds)", host),
			fmt.Sprintf("set server.url to %s", withScheme(u, "https"))
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Sprintf("nothing is listening at %s (connection refused)", host),
			"start the server, or correct server.url in the manifest"
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return fmt.Sprintf("the host %q does not resolve", u.Hostname()), "correct server.url in the manifest"
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Sprintf("%s did not answer within %s", host, timeout),
			"check that the server is up and reachable from here, or raise --request-timeout if it is only slow"
	case strings.Contains(msg, "refused to connect"):
		return p.red.known(msg), "name the host in server.url if it is the server under test"
	}
	return fmt.Sprintf("no answer from %s: %s", host, p.red.known(msg)), "check that the server is up and that server.url is right"
}

// diagnoseAnswer says why an answer to initialize shows there is no
// Streamable HTTP endpoint to probe, or "" when there may be one: a 401,
// a 2xx, and anything the probe judges (a 500, a malformed body) go on.
func (p *prober) diagnoseAnswer(ctx context.Context, rep rpcReply) (problem, hint string) {
	u := p.mcpURL
	ct, _, _ := mime.ParseMediaType(rep.header.Get("Content-Type"))
	switch {
	case rep.status/100 == 3:
		to := rep.header.Get("Location")
		if loc, err := u.Parse(to); err == nil {
			to = p.red.url(loc.String())
		}
		return fmt.Sprintf("it redirects (HTTP %d) to %s, which the probe does not follow (another origin, or too many hops)", rep.status, quote(to)),
			"set server.url to the URL the server redirects to, if that is the server under test"
	case rep.status == http.StatusNotFound, rep.status == http.StatusMethodNotAllowed, rep.status == http.StatusGone:
		if at := p.legacySSE(ctx); at != "" {
			return fmt.Sprintf("the server speaks the legacy HTTP+SSE transport (an event stream with an endpoint event at %s), not Streamable HTTP", at),
				"dossier probes Streamable HTTP (MCP 2025-03-26 and later): set server.url to the server's Streamable HTTP endpoint (often /mcp), or move the server to it"
		}
		hint := "correct server.url in the manifest (MCP servers usually answer at /mcp)"
		if alt := p.streamableAt(ctx); alt != "" {
			hint = fmt.Sprintf("an MCP server answers at %s: set server.url to it", alt)
		}
		if rep.status == http.StatusMethodNotAllowed {
			return fmt.Sprintf("%s does not accept POST (HTTP 405): it is not a Streamable HTTP endpoint", u.Path), hint
		}
		return fmt.Sprintf("the server answered %d %s at %s: there is no MCP endpoint at this path", rep.status, http.StatusText(rep.status), quote(orSlash(u.Path))), hint
	case rep.status == http.StatusBadRequest && u.Scheme == "http" && strings.Contains(strings.ToLower(string(rep.body)), "https") && p.speaksTLS(ctx, p.rec.timeout):
		return fmt.Sprintf("%s speaks HTTPS, not plain HTTP (it answered the plain request with 400 and a TLS handshake succeeds)", u.Host),
			fmt.Sprintf("set server.url to %s", withScheme(u, "https"))
	case rep.status == http.StatusTooManyRequests:
		return "it answered 429 Too Many Requests: the server is limiting how often it may be called" + retryAfter(rep.header),
			"try again later, or have the server allow the probe's address more requests"
	case rep.status == http.StatusRequestTimeout:
		return "it answered 408 Request Timeout: it stopped waiting for the probe's initialize", "try again later; if it keeps happening, something between the probe and the server holds requests up"
	case rep.status == http.StatusBadGateway, rep.status == http.StatusServiceUnavailable, rep.status == http.StatusGatewayTimeout:
		return fmt.Sprintf("it answered %d %s: the MCP server behind its gateway is not answering", rep.status, http.StatusText(rep.status)),
			"start the server, or try again when it is up"
	case rep.status/100 == 2 && rep.result == nil && rep.rpcErr == nil && ct == "text/html":
		return "it answers with an HTML page, not JSON-RPC: this is not an MCP endpoint", "set server.url to the MCP endpoint (often /mcp)"
	}
	return "", ""
}

// legacySSE looks for the HTTP+SSE transport of MCP 2024-11-05: a GET that
// answers with an event stream whose first event is "endpoint". It tries the
// URL itself, then /sse beside it and at the root, and returns where it
// found one, or "".
func (p *prober) legacySSE(ctx context.Context) string {
	for _, cand := range siblings(p.mcpURL, "sse") {
		if p.endpointEvent(ctx, cand) {
			return cand
		}
	}
	return ""
}

// endpointEvent GETs target as an event stream and reports whether its
// first event is the legacy transport's "endpoint". The stream never ends
// by itself: the read is bounded in bytes and time, and stops at the first
// event.
func (p *prober) endpointEvent(ctx context.Context, target string) bool {
	ctx, cancel := context.WithTimeout(ctx, min(p.rec.timeout, 5*time.Second))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return false
	}
	req.Header.Set("Accept", "text/event-stream")
	resp, err := p.hc.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if resp.StatusCode != http.StatusOK || ct != "text/event-stream" {
		return false
	}
	sc := bufio.NewScanner(io.LimitReader(resp.Body, preflightSSEBytes))
	sc.Buffer(make([]byte, 4<<10), preflightSSEBytes)
	event := ""
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "event:"):
			event = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case line == "" && event != "":
			return event == "endpoint"
		case strings.HasPrefix(line, "data:") && event == "":
			return false // a first event without a name is a "message"
		}
	}
	return event == "endpoint"
}

// streamableAt looks for a Streamable HTTP endpoint at /mcp beside the URL
// or at the root, for the hint after a 404, and returns it or "".
func (p *prober) streamableAt(ctx context.Context) string {
	for _, cand := range siblings(p.mcpURL, "mcp") {
		if cand == p.mcpURL.String() {
			continue
		}
		rep := p.post(ctx, rawCall{url: cand, method: "initialize", params: initParams(version20251125)})
		if rep.ok() || (rep.err == nil && rep.status == http.StatusUnauthorized) {
			p.closeReply(ctx, rep, "")
			return cand
		}
	}
	return ""
}

// siblings returns, without repeats, u itself, u with its last path
// segment replaced by name, and name at u's root.
func siblings(u *url.URL, name string) []string {
	var out []string
	add := func(path string) {
		c := *u
		c.Path, c.RawPath, c.RawQuery, c.Fragment = path, "", "", ""
		s := c.String()
		for _, o := range out {
			if o == s {
				return
			}
		}
		out = append(out, s)
	}
	add(u.Path)
	dir := u.Path
	if i := strings.LastIndex(strings.TrimSuffix(dir, "/"), "/"); i >= 0 {
		dir = dir[:i+1]
	} else {
		dir = "/"
	}
	add(dir + name)
	add("/" + name)
	return out
}

// speaksTLS reports whether a TLS handshake succeeds on the URL's port:
// what an http:// URL pointed at an HTTPS port shows. The certificate is
// not checked (this only tells which protocol the port speaks) and no
// request is sent over the connection.
func (p *prober) speaksTLS(ctx context.Context, timeout time.Duration) bool {
	port := p.mcpURL.Port()
	if port == "" {
		port = "80"
	}
	addr := net.JoinHostPort(p.mcpURL.Hostname(), port)
	ctx, cancel := context.WithTimeout(ctx, min(timeout, 5*time.Second))
	defer cancel()
	raw, err := p.rec.guard.dialContext(ctx, "tcp", addr)
	if err != nil {
		return false
	}
	defer raw.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = raw.SetDeadline(dl)
	}
	conn := tls.Client(raw, &tls.Config{ServerName: p.mcpURL.Hostname(), InsecureSkipVerify: true}) //nolint:gosec // only which protocol the port speaks; nothing is sent
	return conn.HandshakeContext(ctx) == nil
}

func withScheme(u *url.URL, scheme string) string {
	c := *u
	c.Scheme = scheme
	return c.String()
}

func orSlash(p string) string {
	if p == "" {
		return "/"
	}
	return p
}
