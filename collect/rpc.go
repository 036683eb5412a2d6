package collect

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// rpcError is a JSON-RPC error object.
type rpcError struct {
	Code    int64           `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

// rpcReply is what one raw JSON-RPC POST brought back. err is set when no
// HTTP answer arrived at all, or none that says anything about what was
// asked (a 429 or 408, see unanswered).
type rpcReply struct {
	status int
	header http.Header
	body   []byte
	result json.RawMessage
	rpcErr *rpcError
	err    error
}

func (r rpcReply) ok() bool { return r.err == nil && r.status/100 == 2 && r.result != nil }

// describe says in a few words what came back, for details.
func (r rpcReply) describe() string {
	switch {
	case r.err != nil && r.status != 0:
		return fmt.Sprintf("HTTP %d, no usable answer (%s)", r.status, r.err)
	case r.err != nil:
		return "no answer (" + r.err.Error() + ")"
	case r.rpcErr != nil:
		return fmt.Sprintf("HTTP %d with JSON-RPC error %d %s", r.status, r.rpcErr.Code, quote(r.rpcErr.Message))
	default:
		return fmt.Sprintf("HTTP %d", r.status)
	}
}

// rawCall is a hand-made JSON-RPC request: it lets the probe control every
// header, which the SDK does not.
type rawCall struct {
	url       string
	method    string
	params    any
	token     string // "" sends no Authorization
	sessionID string
	version   string // MCP-Protocol-Version header, "" for none
	header    http.Header
	notify    bool
}

// rawIDBase is where the ids of the probe's own JSON-RPC requests start.
const rawIDBase = 1 << 20

func (p *prober) post(ctx context.Context, c rawCall) rpcReply {
	msg := map[string]any{"jsonrpc": "2.0", "method": c.method}
	if c.version >= version20260728 {
		c = statelessCall(c)
	}
	if c.params != nil {
		msg["params"] = c.params
	}
	// The SDK numbers its own requests from 1 in the sessions the raw
	// requests share; a range of their own keeps ids unique per session.
	id := rawIDBase + p.rpcID.Add(1)
	if !c.notify {
		msg["id"] = id
	}
	data, _ := json.Marshal(msg)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.target(c.url), bytes.NewReader(data))
	if err != nil {
		return rpcReply{err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if c.version != "" {
		req.Header.Set("MCP-Protocol-Version", c.version)
	}
	if c.sessionID != "" {
		req.Header.Set("Mcp-Session-Id", c.sessionID)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, vs := range c.header {
		for _, v := range vs {
			req.Header.Set(k, v)
		}
	}
	resp, err := p.hc.Do(req)
	if err != nil {
		return rpcReply{err: fmt.Errorf("POST %s: %w", c.method, unwrapURLError(err))}
	}
	defer resp.Body.Close()
	rep := rpcReply{status: resp.StatusCode, header: resp.Header}
	rep.body, err = io.ReadAll(resp.Body)
	if err != nil && len(rep.body) == 0 {
		rep.err = fmt.Errorf("reading the answer to %s: %w", c.method, err)
		return rep
	}
	cutShort := err != nil // a bound ended the read; it is recorded as such
	if rep.err = unanswered(c.method, rep.status, resp.Header); rep.err != nil {
		return rep
	}
	if c.notify {
		return rep
	}
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	var msgs [][]byte
	found := false
	if ct == "text/event-stream" {
		msgs = sseData(rep.body)
	} else {
		msgs = [][]byte{rep.body}
	}
	for _, m := range msgs {
		var env struct {
			ID     json.RawMessage `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  *rpcError       `json:"error"`
		}
		if json.Unmarshal(m, &env) != nil {
			continue
		}
		if env.Result == nil && env.Error == nil {
			continue // a notification or request from the server
		}
		if len(env.ID) > 0 && string(env.ID) != fmt.Sprint(id) && string(env.ID) != "null" {
			continue
		}
		found = true
		rep.result, rep.rpcErr = env.Result, env.Error
		if string(rep.result) == "null" {
			rep.result = nil
		}
		break
	}
	if rep.status/100 == 2 && !found && !cutShort {
		what := "a body that is not JSON-RPC"
		switch {
		case len(rep.body) == 0:
			what = "an empty body"
		case ct == "text/event-stream":
			what = "an event stream that ended without the response"
		}
		p.rec.limit(ctx, fmt.Sprintf("malformed JSON-RPC: HTTP %d to %s with %s", rep.status, c.method, what))
	}
	return rep
}

// statelessCall adds what the 2026-07-28 era wants on every request: the
// Mcp-Method (and Mcp-Name) headers and the per-request _meta.
func statelessCall(c rawCall) rawCall {
	h := c.header.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Set("Mcp-Method", c.method)
	params, _ := c.params.(map[string]any)
	if params == nil && c.params == nil {
		params = map[string]any{}
	}
	if params != nil {
		p := map[string]any{}
		for k, v := range params {
			p[k] = v
		}
		meta, _ := p["_meta"].(map[string]any)
		if meta == nil {
			meta = map[string]any{}
		}
		if _, ok := meta["io.modelcontextprotocol/protocolVersion"]; !ok {
			meta["io.modelcontextprotocol/protocolVersion"] = c.version
		}
		if _, ok := meta["io.modelcontextprotocol/clientCapabilities"]; !ok {
			meta["io.modelcontextprotocol/clientCapabilities"] = initParams(c.version)["capabilities"]
		}
		p["_meta"] = meta
		if name, ok := p["name"].(string); ok && (c.method == "tools/call" || c.method == "prompts/get") {
			h.Set("Mcp-Name", name)
		}
		if uri, ok := p["uri"].(string); ok && c.method == "resources/read" {
			h.Set("Mcp-Name", uri)
		}
		c.params = p
	}
	c.header = h
	return c
}

// sseData returns the data of each event in an SSE stream.
func sseData(b []byte) [][]byte {
	var out [][]byte
	var cur []byte
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), len(b)+1) // b is already bounded
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if cur != nil {
				out = append(out, cur)
				cur = nil
			}
		case strings.HasPrefix(line, "data:"):
			v := strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " ")
			if cur != nil {
				cur = append(cur, '\n')
			}
			cur = append(cur, v...)
		}
	}
	if cur != nil {
		out = append(out, cur)
	}
	return out
}

// unwrapURLError drops the *url.Error wrapper, whose message repeats the
// URL (and so any secret in its query).
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// initParams are the initialize parameters the probe sends.
func initParams(version string) map[string]any {
	return map[string]any{
		"protocolVersion": version,
		"capabilities": map[string]any{
			"extensions": map[string]any{"io.modelcontextprotocol/ui": map[string]any{"mimeTypes": []string{"text/html;profile=mcp-app"}}},
		},
		"clientInfo": map[string]any{"name": "dossier", "version": "0"},
	}
}

// rawSession is a session opened by hand, for probes that need to send
// requests the SDK would not.
type rawSession struct {
	id      string
	version string
	token   string
	url     string // where its requests go; "" for the MCP URL
}

// openRaw sends initialize and notifications/initialized. The reply is that
// of the initialize.
func (p *prober) openRaw(ctx context.Context, token string, header http.Header) (rawSession, rpcReply) {
	return p.openRawAt(ctx, "", token, header)
}

// openRawAt is openRaw at another URL than the MCP URL ("" for it): every
// request of the session goes there.
func (p *prober) openRawAt(ctx context.Context, url, token string, header http.Header) (rawSession, rpcReply) {
	rep := p.post(ctx, rawCall{url: url, method: "initialize", params: initParams(version20251125), token: token, header: header})
	s := rawSession{token: token, id: "", version: version20251125, url: url}
	if rep.header != nil {
		s.id = rep.header.Get("Mcp-Session-Id")
	}
	var res struct {
		ProtocolVersion string `json:"protocolVersion"`
	}
	if rep.ok() && json.Unmarshal(rep.result, &res) == nil && res.ProtocolVersion != "" {
		s.version = res.ProtocolVersion
	}
	if rep.ok() {
		p.post(ctx, rawCall{url: url, method: "notifications/initialized", token: token, sessionID: s.id, version: s.version, notify: true})
	}
	return s, rep
}

// call sends one request in a raw session.
func (p *prober) call(ctx context.Context, s rawSession, method string, params any) rpcReply {
	return p.post(ctx, rawCall{url: s.url, method: method, params: params, token: s.token, sessionID: s.id, version: s.version})
}

// target is where a raw request goes: u, or the MCP URL for "".
func (p *prober) target(u string) string {
	if u == "" {
		return p.mcpURL.String()
	}
	return u
}

// closeRaw ends a raw session politely; the answer does not matter.
func (p *prober) closeRaw(ctx context.Context, s rawSession) {
	if s.id == "" {
		return
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, p.target(s.url), nil)
	if err != nil {
		return
	}
	req.Header.Set("Mcp-Session-Id", s.id)
	req.Header.Set("MCP-Protocol-Version", s.version)
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	if resp, err := p.hc.Do(req); err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// unanswered is the error of a request the server answered with a status
// that says nothing about what was asked: 429 Too Many Requests (a rate
// limit) or 408 Request Timeout. A 429 to a forged token is no refusal of
// the token, and one to a foreign Origin no refusal of the Origin, so the
// request counts as unanswered and what rests on it is not judged. The
// SDK's session treats a 429 the same way. Any other status is nil.
func unanswered(method string, status int, h http.Header) error {
	if !saysNothing(status) {
		return nil
	}
	why := "it stopped waiting for the request"
	if status == http.StatusTooManyRequests {
		why = "it is limiting requests" + retryAfter(h)
	}
	return fmt.Errorf("the server answered %d %s to %s: %s; run again later", status, http.StatusText(status), method, why)
}

// retryAfter is " (Retry-After …)" when h names when to come back, else "".
func retryAfter(h http.Header) string {
	if ra := h.Get("Retry-After"); ra != "" {
		return " (Retry-After " + quote(ra) + ")"
	}
	return ""
}

// saysNothing reports whether an HTTP status says nothing about what was
// asked (see unanswered).
func saysNothing(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusRequestTimeout
}

// inconclusive reports whether an HTTP status says neither yes nor no
// about what was asked: a server error, a rate limit or a timeout.
func inconclusive(status int) bool { return status/100 == 5 || saysNothing(status) }
