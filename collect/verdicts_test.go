package collect

// Regression tests for verdicts that were false on servers nobody here
// wrote: each case is a small local server over loopback that once drew a
// failure or a warning the probe had no grounds for.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/manifest"
)

// noFindings fails the test for every fail or warn among results resting
// on the MCP endpoint: when the probe could not talk to the server, it
// found nothing.
func noFindings(t *testing.T, rep *Report) {
	t.Helper()
	for _, r := range rep.Results {
		if (r.Status == check.Fail || r.Status == check.Warn) && restsOnEndpoint(r.ID) {
			t.Errorf("invented finding: %s %s %s: %s", r.Status, r.ID, r.Subject, r.Detail)
		}
	}
}

// wantResult expects the result of id on subject to have status st and a
// detail holding each of want.
func wantResult(t *testing.T, rep *Report, id, subject string, st check.Status, want ...string) {
	t.Helper()
	r, ok := find(rep.Results, id, subject)
	if !ok {
		t.Errorf("no %s result for %s", id, subject)
		return
	}
	if r.Status != st {
		t.Errorf("%s %s: status %s, want %s: %s", id, subject, r.Status, st, r.Detail)
	}
	for _, w := range want {
		if !strings.Contains(r.Detail, w) {
			t.Errorf("%s %s: detail lacks %q: %s", id, subject, w, r.Detail)
		}
	}
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestUnreachableServer: a server that is not running, a wrong path, an
// https URL on an http server and a legacy HTTP+SSE server all once made
// transport.handshake and auth.* critical failures. Now nothing is judged
// that needed an MCP answer, and the handshake says why and what to do.
func TestUnreachableServer(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	sse := legacySSEServer(t)
	tests := []struct {
		name, url string
		want      []string // in transport.handshake's detail
	}{
		{"not running", "http://" + closedPort(t) + "/mcp", []string{"connection refused", "start the server"}},
		{"wrong path", f.srv.URL + "/nope", []string{"404", "no MCP endpoint at this path", "set server.url to it"}},
		{"https on an http server", strings.Replace(f.url, "http://", "https://", 1), []string{"speaks plain HTTP", "set server.url to http://"}},
		{"legacy HTTP+SSE", sse.URL + "/sse", []string{"legacy HTTP+SSE transport", "Streamable HTTP endpoint"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := f.manifest(manifest.AuthOAuth)
			m.Server.URL = tt.url
			rep, _ := runProbe(t, Options{Manifest: m, Tokens: f.tokens()})
			checkInvariants(t, rep)
			wantResult(t, rep, "transport.handshake", "app", check.Error, tt.want...)
			noFindings(t, rep)
			for _, id := range []string{"auth.required", "auth.invalid-token", "auth.prm", "transport.origin", "transport.session-id"} {
				if r, _ := find(rep.Results, id, "app"); r.Status != check.Error {
					t.Errorf("%s: %+v", id, r)
				}
			}
			wantResult(t, rep, "tool.declared", "tool:get_order", check.Error, "Not judged")
			if t.Failed() || testing.Verbose() {
				t.Log("\n" + dump(rep.Results))
			}
		})
	}
}

// TestNoUsableToken: the server requires a token and the probe has none it
// can use (the variable is unset, or none was declared). Tools cannot be
// listed, so their checks are error naming the variable or --login; the
// handshake is error, not fail; a 401 to a foreign Origin is no origin
// finding. What needs no token (discovery, invalid tokens) is still judged.
func TestNoUsableToken(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	tests := []struct {
		name   string
		tokens []Token
		remedy string
	}{
		{"variable unset", []Token{
			{Scopes: []string{"orders:read"}, Source: "READ_TOKEN", Problem: "READ_TOKEN is not set"},
			{Scopes: []string{"orders:read", "orders:write"}, Source: "WRITE_TOKEN", Problem: "WRITE_TOKEN is not set"},
		}, "READ_TOKEN is not set"},
		{"none declared", nil, "no token was supplied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, _ := runProbe(t, Options{Manifest: f.manifest(manifest.AuthOAuth), Tokens: tt.tokens})
			checkInvariants(t, rep)
			wantResult(t, rep, "transport.handshake", "app", check.Error, "requires a token", tt.remedy, "--login dcr")
			for _, id := range []string{"tool.declared", "tool.annotations-explicit", "tool.security-schemes", "data.sensitive-fields", "tool.input-validation"} {
				wantResult(t, rep, id, "tool:get_order", check.Error, "could not list tools", "requires a token", tt.remedy)
			}
			wantResult(t, rep, "transport.origin", "app", check.Error, "HTTP 401", "something else")
			for _, id := range []string{"auth.required", "auth.challenge", "auth.prm", "auth.as-metadata", "auth.invalid-token"} {
				wantResult(t, rep, id, "app", check.Pass)
			}
			for _, r := range rep.Results {
				if r.Status == check.Fail || r.Status == check.Warn {
					t.Errorf("invented finding: %s %s %s: %s", r.Status, r.ID, r.Subject, r.Detail)
				}
			}
			if tt.tokens != nil {
				for _, id := range []string{"auth.session-not-auth", "auth.token-in-query"} {
					wantResult(t, rep, id, "app", check.Error, tt.remedy)
				}
			}
			if t.Failed() || testing.Verbose() {
				t.Log("\n" + dump(rep.Results))
			}
		})
	}
}

// TestLargeWidget: a UI resource larger than the old 4 MiB read bound was
// "does not resolve" (fail). A real bundle that size passes under the
// default bounds; past a bound the widget is error naming the flag and its
// resource is marked incomplete; raised, the verdicts are those of the
// same widget unpadded.
func TestLargeWidget(t *testing.T) {
	const uri = "widget:ui://widget/order.html"
	widgetVerdicts := func(rep *Report) string {
		var b strings.Builder
		for _, r := range rep.Results {
			if r.Subject == uri {
				fmt.Fprintf(&b, "%s %s\n", r.ID, r.Status)
			}
		}
		return b.String()
	}
	small := newFixture(t, fixtureOpts{})
	base, _ := runProbe(t, Options{Manifest: small.manifest(manifest.AuthOAuth), Tokens: small.tokens()})
	big := newFixture(t, fixtureOpts{widgetPad: 5 << 20})

	t.Run("default bounds", func(t *testing.T) {
		rep, _ := runProbe(t, Options{Manifest: big.manifest(manifest.AuthOAuth), Tokens: big.tokens()})
		checkInvariants(t, rep)
		if got, want := widgetVerdicts(rep), widgetVerdicts(base); got != want {
			t.Errorf("verdicts on the 5 MiB widget:\n%s\nwant those of the small one:\n%s", got, want)
		}
		wantResult(t, rep, "transport.limits", "app", check.Pass)
		if res := rep.Observation.Resources; len(res) != 1 || res[0].Incomplete != "" || res[0].Size < 5<<20 {
			t.Errorf("resource: %d bytes, incomplete %q", res[0].Size, res[0].Incomplete)
		}
	})
	t.Run("bound not raised", func(t *testing.T) {
		rep, _ := runProbe(t, Options{Manifest: big.manifest(manifest.AuthOAuth), Tokens: big.tokens(), Bounds: Bounds{Resource: 4 << 20}})
		checkInvariants(t, rep)
		for _, id := range []string{"widget.resource", "widget.csp-declared", "widget.domain"} {
			wantResult(t, rep, id, uri, check.Error, "not read whole", "raise --max-resource")
		}
		wantResult(t, rep, "transport.limits", "app", check.Warn, "larger than 4194304 bytes", "raise --max-resource")
		if res := rep.Observation.Resources; len(res) != 1 || !strings.Contains(res[0].Incomplete, "--max-resource") || res[0].HTML != "" {
			t.Errorf("resource should be marked incomplete without HTML: %+v", res)
		}
		for _, r := range rep.Results {
			if r.Failing() && r.Status != check.Error {
				t.Errorf("%s %s %s: %s", r.Status, r.ID, r.Subject, r.Detail)
			}
		}
	})
	t.Run("bound raised", func(t *testing.T) {
		rep, _ := runProbe(t, Options{Manifest: big.manifest(manifest.AuthOAuth), Tokens: big.tokens(), Bounds: Bounds{Resource: 8 << 20}})
		if got, want := widgetVerdicts(rep), widgetVerdicts(base); got != want {
			t.Errorf("verdicts with the bound raised:\n%s\nwant:\n%s", got, want)
		}
	})
}

// toolServer is a server without auth that lists tools and answers calls
// as given.
func toolServer(t *testing.T, tools string, call func(name string) string) *httptest.Server {
	t.Helper()
	return rawServer(t, func(id, method string, params json.RawMessage, w http.ResponseWriter) bool {
		w.Header().Set("Content-Type", "application/json")
		switch method {
		case "tools/list":
			fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{"tools":%s}}`, id, tools)
		case "tools/call":
			var p struct {
				Name string `json:"name"`
			}
			_ = json.Unmarshal(params, &p)
			fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":%s}`, id, call(p.Name))
		default:
			return false
		}
		return true
	})
}

const readHintsJSON = `"annotations":{"readOnlyHint":true,"destructiveHint":false,"openWorldHint":false}`

// TestAuthNoneToolsWithoutSchemes: a manifest saying auth none and tools
// declaring no securitySchemes agree; that once warned (high) on every tool.
func TestAuthNoneToolsWithoutSchemes(t *testing.T) {
	srv := toolServer(t, `[{"name":"get_thing","description":"Get a thing.","inputSchema":{"type":"object"},`+readHintsJSON+`}]`, nil)
	m := noAuthManifest(srv.URL + "/mcp")
	m.Tools = []manifest.Tool{{Name: "get_thing", Kind: manifest.KindRead}}
	rep, _ := runProbe(t, Options{Manifest: m})
	checkInvariants(t, rep)
	wantResult(t, rep, "tool.security-schemes", "tool:get_thing", check.Pass, "agree")
}

// TestOutputSchemaDecidedByTheCall: a widget-linked tool without an
// outputSchema once warned although the probe called it and it returned
// no structuredContent. What the call returned decides.
func TestOutputSchemaDecidedByTheCall(t *testing.T) {
	tools := `[{"name":"get_thing","description":"Get a thing.","inputSchema":{"type":"object"},` + readHintsJSON + `,"_meta":{"ui":{"resourceUri":"ui://thing.html"}}},` +
		`{"name":"get_other","description":"Get another thing.","inputSchema":{"type":"object"},` + readHintsJSON + `,"_meta":{"ui":{"resourceUri":"ui://thing.html"}}}]`
	srv := toolServer(t, tools, func(name string) string {
		if name == "get_other" {
			return `{"content":[{"type":"text","text":"x"}],"structuredContent":{"x":1}}`
		}
		return `{"content":[{"type":"text","text":"a thing"}]}`
	})
	m := noAuthManifest(srv.URL + "/mcp")
	m.Tools = []manifest.Tool{{Name: "get_thing", Kind: manifest.KindRead}, {Name: "get_other", Kind: manifest.KindRead}}
	m.Probe.Callable = []string{"get_thing", "get_other"}
	rep, _ := runProbe(t, Options{Manifest: m})
	checkInvariants(t, rep)
	wantResult(t, rep, "tool.output-schema", "tool:get_thing", check.NA, "returned no structuredContent")
	wantResult(t, rep, "tool.output-schema", "tool:get_other", check.Warn, "returned structuredContent")
}

// TestRepeatingCursor: a nextCursor that never ends and repeats the same
// tools once made tool.naming fail "listed more than once" for every tool.
// The repeats are counted once, transport.limits fails (the listing is
// unbounded by nature), and a declared tool not seen is not called gone.
func TestRepeatingCursor(t *testing.T) {
	for _, tt := range []struct {
		name   string
		cursor func(page string) string
	}{
		{"same cursor", func(string) string { return "again" }},
		{"fresh cursor, same tools", func(page string) string { return page + "x" }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := rawServer(t, func(id, method string, params json.RawMessage, w http.ResponseWriter) bool {
				if method != "tools/list" {
					return false
				}
				var p struct {
					Cursor string `json:"cursor"`
				}
				_ = json.Unmarshal(params, &p)
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{"tools":[{"name":"a","description":"Get a.","inputSchema":{"type":"object"},%s},{"name":"b","description":"Get b.","inputSchema":{"type":"object"},%s}],"nextCursor":%q}}`,
					id, readHintsJSON, readHintsJSON, tt.cursor(p.Cursor))
				return true
			})
			m := noAuthManifest(srv.URL + "/mcp")
			m.Tools = []manifest.Tool{{Name: "a", Kind: manifest.KindRead}, {Name: "b", Kind: manifest.KindRead}, {Name: "c", Kind: manifest.KindRead}}
			rep, _ := runProbe(t, Options{Manifest: m})
			checkInvariants(t, rep)
			if n := len(rep.Observation.Tools); n != 2 {
				t.Errorf("%d tools observed, want a and b once each", n)
			}
			for _, sub := range []string{"tool:a", "tool:b"} {
				wantResult(t, rep, "tool.naming", sub, check.Pass)
				wantResult(t, rep, "tool.declared", sub, check.Pass)
			}
			wantResult(t, rep, "tool.declared", "tool:c", check.Error, "not read whole")
			wantResult(t, rep, "transport.limits", "app", check.Fail, "never ends")
			if rep.Observation.ToolsIncomplete == "" {
				t.Error("ToolsIncomplete is empty")
			}
		})
	}
}

// TestTextHygiene: script tags and escape sequences in a description once
// failed tool.naming, whose meaning is the name's format. They are
// tool.text-hygiene's: script markup and terminal escapes fail, other
// controls, bidi overrides and plain markup warn, and the text is shown
// escaped.
func TestTextHygiene(t *testing.T) {
	tool := func(name, desc string) string {
		b, _ := json.Marshal(map[string]any{"name": name, "description": desc, "inputSchema": map[string]any{"type": "object", "properties": map[string]any{"q": map[string]any{"type": "string", "description": "The query."}}}})
		return strings.Replace(string(b), `"name"`, readHintsJSON+`,"name"`, 1)
	}
	tools := "[" + strings.Join([]string{
		tool("get_script", "Gets a thing. <script>alert(1)</script>"),
		tool("get_escape", "Gets a \x1b[31mred\x1b[0m thing."),
		tool("get_bidi", "Gets a thing \u202eevil"),
		tool("get_bold", "Gets a <b>bold</b> thing."),
		tool("get_bell", "Gets a thing\x07."),
		tool("get_plain", "Gets a thing; a < b and b > c."),
	}, ",") + "]"
	srv := toolServer(t, tools, nil)
	m := noAuthManifest(srv.URL + "/mcp")
	rep, _ := runProbe(t, Options{Manifest: m})
	checkInvariants(t, rep)
	for _, tt := range []struct {
		tool string
		st   check.Status
		want []string
	}{
		{"get_script", check.Fail, []string{"script markup", `<script>alert(1)</script>`}},
		{"get_escape", check.Fail, []string{"terminal escape sequence", `\x1b[31mred`}},
		{"get_bidi", check.Warn, []string{"bidirectional override", `\u202eevil`}},
		{"get_bold", check.Warn, []string{"HTML markup"}},
		{"get_bell", check.Warn, []string{"control characters", `\a`}},
		{"get_plain", check.Pass, nil},
	} {
		wantResult(t, rep, "tool.text-hygiene", "tool:"+tt.tool, tt.st, tt.want...)
		wantResult(t, rep, "tool.naming", "tool:"+tt.tool, check.Pass)
	}
	for _, r := range rep.Results {
		if strings.ContainsAny(r.Detail, "\x1b\x07\u202e") {
			t.Errorf("%s %s carries a raw escape: %q", r.ID, r.Subject, r.Detail)
		}
	}
}

// TestOriginJudgedAgainstTheSameRequest: a 4xx to a foreign Origin counts
// only when the same request without it succeeds.
func TestOriginJudgedAgainstTheSameRequest(t *testing.T) {
	for _, tt := range []struct {
		name    string
		foreign int // status for a request with a foreign Origin; 0 = as without
		plain   int // status for one without; 0 = a JSON-RPC answer
		want    check.Status
	}{
		{"403 to foreign", http.StatusForbidden, 0, check.Pass},
		{"400 to foreign", http.StatusBadRequest, 0, check.Warn},
		{"accepted", 0, 0, check.Fail},
		{"404 to everything", http.StatusNotFound, http.StatusNotFound, check.Error},
	} {
		t.Run(tt.name, func(t *testing.T) {
			inner := rawServer(t, func(string, string, json.RawMessage, http.ResponseWriter) bool { return false })
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch {
				case r.Header.Get("Origin") != "" && tt.foreign != 0:
					io.Copy(io.Discard, r.Body)
					w.WriteHeader(tt.foreign)
				case tt.plain != 0:
					io.Copy(io.Discard, r.Body)
					w.WriteHeader(tt.plain)
				default:
					inner.Config.Handler.ServeHTTP(w, r)
				}
			}))
			t.Cleanup(srv.Close)
			rep, _ := runProbe(t, Options{Manifest: noAuthManifest(srv.URL + "/mcp")})
			checkInvariants(t, rep)
			wantResult(t, rep, "transport.origin", "app", tt.want)
		})
	}
}

// TestBogusProtocolVersion: a JSON-RPC error to a bogus MCP-Protocol-Version
// is a refusal (not the 400 the spec asks for), never "accepted"; a 500
// says nothing either way.
func TestBogusProtocolVersion(t *testing.T) {
	for _, tt := range []struct {
		name   string
		answer func(w http.ResponseWriter, id string)
		want   check.Status
	}{
		{"400", func(w http.ResponseWriter, _ string) { w.WriteHeader(http.StatusBadRequest) }, check.Pass},
		{"JSON-RPC error", func(w http.ResponseWriter, id string) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"error":{"code":-32600,"message":"unsupported protocol version"}}`, id)
		}, check.Warn},
		{"500", func(w http.ResponseWriter, _ string) { w.WriteHeader(http.StatusInternalServerError) }, check.Error},
		{"accepted", nil, check.Fail},
	} {
		t.Run(tt.name, func(t *testing.T) {
			inner := rawServer(t, func(string, string, json.RawMessage, http.ResponseWriter) bool { return false })
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("MCP-Protocol-Version") == "1999-01-01" && tt.answer != nil {
					var msg struct {
						ID json.RawMessage `json:"id"`
					}
					body, _ := io.ReadAll(r.Body)
					_ = json.Unmarshal(body, &msg)
					tt.answer(w, string(msg.ID))
					return
				}
				inner.Config.Handler.ServeHTTP(w, r)
			}))
			t.Cleanup(srv.Close)
			rep, _ := runProbe(t, Options{Manifest: noAuthManifest(srv.URL + "/mcp")})
			checkInvariants(t, rep)
			wantResult(t, rep, "transport.protocol-version", "app", tt.want)
		})
	}
}

// TestGatewayErrorsAreNoAnswer: a 503 to resources/read and to the call
// with schema-invalid arguments (a gateway's, or a server's under load)
// once read as the server's JSON-RPC error, since the SDK reports such a
// status as one of its own ("rejected by transport", -32005): the widget
// "did not resolve" (widget.resource fail) and the invalid call "was
// rejected" (tool.input-validation pass). A 503 says neither, so both are
// error, and the same requests answered normally still pass.
func TestGatewayErrorsAreNoAnswer(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	unavailable := &http.Client{Transport: transportFunc(func(r *http.Request) (*http.Response, error) {
		body, err := peekBody(r)
		if err != nil {
			return nil, err
		}
		var msg struct {
			Method string `json:"method"`
			Params struct {
				Arguments map[string]any `json:"arguments"`
			} `json:"params"`
		}
		_ = json.Unmarshal(body, &msg)
		if msg.Method == "resources/read" || msg.Method == "tools/call" && msg.Params.Arguments["order_id"] != "A1" {
			return &http.Response{StatusCode: http.StatusServiceUnavailable, Status: "503 Service Unavailable", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
				Header: http.Header{"Content-Type": {"text/plain"}}, Body: io.NopCloser(strings.NewReader("upstream unavailable")), Request: r}, nil
		}
		return http.DefaultTransport.RoundTrip(r)
	})}
	rep, _ := runProbe(t, Options{Manifest: f.manifest(manifest.AuthOAuth), Tokens: f.tokens(), HTTPClient: unavailable})
	wantResult(t, rep, "widget.resource", "widget:ui://widget/order.html", check.Error, "no usable answer", "rejected by transport")
	wantResult(t, rep, "tool.input-validation", "tool:get_order", check.Error, "no usable answer")
	wantResult(t, rep, "data.result-hygiene", "tool:get_order", check.Pass)
}

// transportFunc is an http.RoundTripper of a func: a test's stand-in for
// what lies between the probe and the server.
type transportFunc func(*http.Request) (*http.Response, error)

func (f transportFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// peekBody reads a request's body and puts it back for the round trip;
// a request without one (GET, DELETE) has an empty body.
func peekBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, nil
}

// TestRateLimitIsNoAnswer: a server (or its gateway) that limits the
// probe's burst of requests answers some of them 429, and a slow one 408.
// A 429 to a forged token once failed auth.invalid-token ("should get
// 401"), one to a foreign Origin warned on transport.origin, one to a
// session id without a token passed auth.session-not-auth ("refused"),
// and a 408 to a bogus protocol version warned. Neither status says
// anything about what was asked.
func TestRateLimitIsNoAnswer(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	answer := func(r *http.Request, status int, h http.Header) *http.Response {
		return &http.Response{StatusCode: status, Status: fmt.Sprintf("%d %s", status, http.StatusText(status)), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: h, Body: io.NopCloser(strings.NewReader("not now")), Request: r}
	}
	limited := &http.Client{Transport: transportFunc(func(r *http.Request) (*http.Response, error) {
		auth := r.Header.Get("Authorization")
		switch {
		case r.Method != http.MethodPost:
		case r.Header.Get("MCP-Protocol-Version") == "1999-01-01":
			return answer(r, http.StatusRequestTimeout, http.Header{}), nil
		case r.Header.Get("Origin") != "",
			auth != "" && auth != "Bearer "+f.readTok && auth != "Bearer "+f.writeTok,
			r.Header.Get("Mcp-Session-Id") != "" && auth == "":
			return answer(r, http.StatusTooManyRequests, http.Header{"Retry-After": {"30"}}), nil
		}
		return http.DefaultTransport.RoundTrip(r)
	})}
	rep, _ := runProbe(t, Options{Manifest: f.manifest(manifest.AuthOAuth), Tokens: f.tokens(), HTTPClient: limited})
	for _, id := range []string{"auth.invalid-token", "transport.origin", "auth.session-not-auth"} {
		wantResult(t, rep, id, "app", check.Error, "429 Too Many Requests", `Retry-After "30"`, "run again later")
	}
	wantResult(t, rep, "transport.protocol-version", "app", check.Error, "408 Request Timeout", "run again later")
	wantResult(t, rep, "transport.handshake", "app", check.Pass)
	if testing.Verbose() {
		t.Log("\n" + dump(rep.Results))
	}
}

// TestListingPageUnavailable: a privacy policy or terms page that answers
// 503 or 429 once failed listing.* as missing; it says nothing of whether
// the page is there. A 404 still fails.
func TestListingPageUnavailable(t *testing.T) {
	srv := rawServer(t, func(string, string, json.RawMessage, http.ResponseWriter) bool { return false })
	mux := http.NewServeMux()
	mux.Handle("/mcp", srv.Config.Handler)
	mux.HandleFunc("/privacy", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "down", http.StatusServiceUnavailable) })
	mux.HandleFunc("/terms", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "slow down", http.StatusTooManyRequests) })
	front := httptest.NewServer(mux)
	t.Cleanup(front.Close)
	m := noAuthManifest(front.URL + "/mcp")
	m.App.PrivacyPolicy, m.App.Terms = front.URL+"/privacy", front.URL+"/terms"
	rep, _ := runProbe(t, Options{Manifest: m})
	wantResult(t, rep, "listing.privacy-policy", "url:"+m.App.PrivacyPolicy, check.Error, "HTTP 503", "fetch it again later")
	wantResult(t, rep, "listing.terms", "url:"+m.App.Terms, check.Error, "HTTP 429")

	m.App.PrivacyPolicy = front.URL + "/gone"
	rep, _ = runProbe(t, Options{Manifest: m})
	wantResult(t, rep, "listing.privacy-policy", "url:"+m.App.PrivacyPolicy, check.Fail, "HTTP 404")
}

// TestMetadataUnavailable: Protected Resource Metadata and authorization
// server metadata are looked for at several URLs. When none had the
// document but one of them answered 503 (the others 404), auth.prm and
// auth.as-metadata once failed ("not found"): the 503 may well be the URL
// that has it. Only when every URL answers that the document is not there
// is that a finding.
func TestMetadataUnavailable(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	status := func(r *http.Request, code int) *http.Response {
		return &http.Response{StatusCode: code, Status: fmt.Sprintf("%d %s", code, http.StatusText(code)), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{}, Body: io.NopCloser(strings.NewReader("")), Request: r}
	}
	for _, tc := range []struct {
		name string
		root int // the status of the root well-known URLs; the others are 404
		want check.Status
	}{{"one URL unavailable", http.StatusServiceUnavailable, check.Error}, {"every URL without it", http.StatusNotFound, check.Fail}} {
		t.Run(tc.name, func(t *testing.T) {
			hc := &http.Client{Transport: transportFunc(func(r *http.Request) (*http.Response, error) {
				p := r.URL.Path
				switch {
				case r.Method != http.MethodGet || !strings.HasPrefix(p, "/.well-known/"):
				case p == "/.well-known/oauth-protected-resource", p == "/.well-known/oauth-authorization-server":
					return status(r, tc.root), nil
				default:
					return status(r, http.StatusNotFound), nil
				}
				return http.DefaultTransport.RoundTrip(r)
			})}
			rep, _ := runProbe(t, Options{Manifest: f.manifest(manifest.AuthOAuth), Tokens: f.tokens(), HTTPClient: hc})
			wantResult(t, rep, "auth.prm", "app", tc.want)
			wantResult(t, rep, "auth.as-metadata", "app", tc.want)
		})
	}
}

// TestRegistrationUnavailable: a registration endpoint that answers 503
// once failed auth.client-registration ("got HTTP 503 without a
// client_id"); a 503 says nothing of whether registration works.
func TestRegistrationUnavailable(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	hc := &http.Client{Transport: transportFunc(func(r *http.Request) (*http.Response, error) {
		if r.URL.Path == "/register" {
			return &http.Response{StatusCode: http.StatusServiceUnavailable, Status: "503 Service Unavailable", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
				Header: http.Header{}, Body: io.NopCloser(strings.NewReader("down")), Request: r}, nil
		}
		return http.DefaultTransport.RoundTrip(r)
	})}
	rep, _ := runProbe(t, Options{Manifest: f.manifest(manifest.AuthOAuth), Tokens: f.tokens(), HTTPClient: hc})
	wantResult(t, rep, "auth.client-registration", "app", check.Error, "HTTP 503", "run again later")
}

// TestServerErrorsSayNothing: a 500 to the unauthenticated initialize once
// failed auth.required ("instead of 401") and a 503 at the domain
// verification path failed submission.domain-verification ("answers HTTP
// 503"); neither says whether sign-in is required or the token is served.
func TestServerErrorsSayNothing(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	fail := func(r *http.Request, code int) *http.Response {
		return &http.Response{StatusCode: code, Status: fmt.Sprintf("%d %s", code, http.StatusText(code)), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{}, Body: io.NopCloser(strings.NewReader("oops")), Request: r}
	}
	hc := &http.Client{Transport: transportFunc(func(r *http.Request) (*http.Response, error) {
		switch {
		case r.URL.Path == "/.well-known/openai-apps-challenge":
			return fail(r, http.StatusServiceUnavailable), nil
		case r.Method == http.MethodPost && r.Header.Get("Authorization") == "" && r.Header.Get("Mcp-Session-Id") == "":
			return fail(r, http.StatusInternalServerError), nil
		}
		return http.DefaultTransport.RoundTrip(r)
	})}
	m := f.manifest(manifest.AuthOAuth)
	m.Submission = &manifest.Submission{ChallengeToken: "tok-0123456789"}
	rep, _ := runProbe(t, Options{Manifest: m, Tokens: f.tokens(), HTTPClient: hc})
	wantResult(t, rep, "auth.required", "app", check.Error, "HTTP 500")
	wantResult(t, rep, "submission.domain-verification", "app", check.Error, "HTTP 503", "run again later")
}

// TestTokenInQueryOnOpenInitialize: where initialize needs no token (mixed
// mode), auth.token-in-query once failed because initialize with the
// token in the query succeeded, which it does with no token at all, and
// auth.session-not-auth failed because tools/list with a session id and no
// token succeeded, which listing may on a mixed server.
func TestTokenInQueryOnOpenInitialize(t *testing.T) {
	f := newFixture(t, fixtureOpts{openInit: true})
	rep, _ := runProbe(t, Options{Manifest: f.manifest(manifest.AuthMixed), Tokens: f.tokens()})
	wantResult(t, rep, "auth.token-in-query", "app", check.Error, "see auth.required")
	// Listing with a session id and no token succeeds too; the protected
	// tool called with the session id alone runs, but it runs without
	// any token as well: auth.required's failure.
	wantResult(t, rep, "auth.session-not-auth", "app", check.Error, "see auth.required")
	wantResult(t, rep, "auth.required", "app", check.Fail, "ran without a token")
}

// mixedServer is a stateful MCP server in mixed mode: initialize and
// tools/list need no token, and its one tool, get_thing, refuses a call
// without credentials with an isError result carrying an auth challenge.
// The Authorization header is a credential; with sessionAuth, so is a
// session opened with one, and with queryAuth a token in ?access_token=.
func mixedServer(t *testing.T, sessionAuth, queryAuth bool) *httptest.Server {
	t.Helper()
	var mu sync.Mutex
	signedIn := map[string]bool{} // by session id
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodDelete {
			return
		}
		if r.Method != http.MethodPost {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		var msg struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		_ = json.Unmarshal(body, &msg)
		if msg.ID == nil {
			w.WriteHeader(http.StatusAccepted)
			return
		}
		token := r.Header.Get("Authorization") != "" || queryAuth && r.URL.Query().Get("access_token") != ""
		sid := r.Header.Get("Mcp-Session-Id")
		result := `{}`
		switch msg.Method {
		case "initialize":
			sid = "s-" + randomHex(16)
			mu.Lock()
			signedIn[sid] = token
			mu.Unlock()
			w.Header().Set("Mcp-Session-Id", sid)
			result = `{"protocolVersion":"2025-11-25","capabilities":{"tools":{}},"serverInfo":{"name":"mixed","version":"1"}}`
		case "tools/list":
			result = `{"tools":[{"name":"get_thing","description":"Get a thing.","inputSchema":{"type":"object"},"annotations":{"readOnlyHint":true,"destructiveHint":false,"openWorldHint":false},"securitySchemes":[{"type":"oauth2","scopes":["things:read"]}]}]}`
		case "tools/call":
			mu.Lock()
			ok := token || sessionAuth && signedIn[sid]
			mu.Unlock()
			result = `{"isError":true,"content":[{"type":"text","text":"sign in"}],"_meta":{"mcp/www_authenticate":["Bearer error=\"invalid_token\""]}}`
			if ok {
				result = `{"content":[{"type":"text","text":"a thing"}]}`
			}
		case "resources/list":
			result = `{"resources":[]}`
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":%s}`, msg.ID, result)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// probeMixed probes a mixedServer as a mixed app whose get_thing needs
// sign-in and may be called, with one token.
func probeMixed(t *testing.T, srv *httptest.Server) *Report {
	t.Helper()
	m := noAuthManifest(srv.URL + "/mcp")
	m.Server.Auth.Mode = manifest.AuthMixed
	m.Probe.Callable = []string{"get_thing"}
	m.Tools = []manifest.Tool{{Name: "get_thing", Kind: manifest.KindRead, Scopes: []string{"things:read"}}}
	rep, _ := runProbe(t, Options{Manifest: m, Tokens: []Token{{Value: "token-0123456789abcdef", Scopes: []string{"things:read"}, Source: "TOKEN"}}})
	wantResult(t, rep, "auth.required", "app", check.Pass, "refused")
	return rep
}

// TestMixedProtectedWork: on a mixed server initialize and listing may
// need no token, so auth.session-not-auth and auth.token-in-query call a
// protected tool: with the authenticated session's id and no token, and in
// a session opened with the token in ?access_token= and no header. A
// server that takes the credential lets the tool run (fail), one that
// does not refuses it (pass); a tool-level refusal counts, as for
// auth.required.
func TestMixedProtectedWork(t *testing.T) {
	for _, tc := range []struct {
		id                     string
		sessionAuth, queryAuth bool
		want                   check.Status
		detail                 string
	}{
		{"auth.session-not-auth", false, false, check.Pass, "with a valid session id and no token was refused"},
		{"auth.session-not-auth", true, false, check.Fail, "the session id works as a credential"},
		{"auth.token-in-query", false, false, check.Pass, "with the token in ?access_token= and no header was refused"},
		{"auth.token-in-query", false, true, check.Fail, "the query's token was accepted"},
	} {
		t.Run(fmt.Sprintf("%s %s", tc.id, tc.want), func(t *testing.T) {
			rep := probeMixed(t, mixedServer(t, tc.sessionAuth, tc.queryAuth))
			wantResult(t, rep, tc.id, "app", tc.want, `"get_thing"`, tc.detail)
		})
	}
}

// TestOpenInitializeOneFailure: a server declared to need OAuth whose
// initialize needs no token fails auth.required; auth.invalid-token,
// auth.audience and auth.session-not-auth once failed too, for accepting
// bad credentials or none where it needs none at all: one root cause,
// four failures. They point at auth.required now.
func TestOpenInitializeOneFailure(t *testing.T) {
	f := newFixture(t, fixtureOpts{openInit: true})
	toks := append(f.tokens(), Token{Value: "foreign-token-0123456789", Scopes: []string{"orders:read"}, Source: "FOREIGN_TOKEN", Audience: "https://other.example/mcp"})
	rep, _ := runProbe(t, Options{Manifest: f.manifest(manifest.AuthOAuth), Tokens: toks})
	wantResult(t, rep, "auth.required", "app", check.Fail, "succeeded")
	wantResult(t, rep, "auth.invalid-token", "app", check.Error, "see auth.required")
	wantResult(t, rep, "auth.audience", "app", check.Error, "see auth.required")
	wantResult(t, rep, "auth.session-not-auth", "app", check.Error, "see auth.required")
}
