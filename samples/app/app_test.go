package app_test

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/manifest"
	"github.com/dossier-dev/dossier/samples/app"
)

var (
	readScopes = []string{"orders:read"}
	fullScopes = []string{"orders:read", "orders:write", "email:send"}
)

// start runs an Orderly with the given flaw for the test's lifetime.
func start(t *testing.T, flaw string) *app.Server {
	t.Helper()
	s, err := app.Start(t.Context(), app.Options{Flaw: flaw})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func mint(t *testing.T, s *app.Server, scopes []string) string {
	t.Helper()
	tok, err := s.MintToken(scopes)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// rpcRequest is one raw POST to the MCP endpoint.
type rpcRequest struct {
	token   string            // bearer token; "" for none
	header  map[string]string // extra headers
	query   string            // raw query of the endpoint URL
	session string
	body    any // JSON-RPC message
}

// rpcResponse is the raw answer: status, headers, and the JSON-RPC message
// (from a JSON body or the SSE stream's data line).
type rpcResponse struct {
	status int
	header http.Header
	body   []byte
	msg    map[string]json.RawMessage
}

func post(t *testing.T, s *app.Server, r rpcRequest) rpcResponse {
	t.Helper()
	b, err := json.Marshal(r.body)
	if err != nil {
		t.Fatal(err)
	}
	u := s.URL
	if r.query != "" {
		u += "?" + r.query
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, u, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	if r.session != "" {
		req.Header.Set("Mcp-Session-Id", r.session)
		req.Header.Set("MCP-Protocol-Version", "2025-11-25")
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		t.Fatal(err)
	}
	out := rpcResponse{status: resp.StatusCode, header: resp.Header, body: body}
	data := body
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		data = nil
		sc := bufio.NewScanner(bytes.NewReader(body))
		sc.Buffer(nil, 4<<20)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				data = []byte(d)
			}
		}
	}
	json.Unmarshal(data, &out.msg)
	return out
}

func initialize(version string) map[string]any {
	return map[string]any{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": map[string]any{
		"protocolVersion": version, "capabilities": map[string]any{}, "clientInfo": map[string]any{"name": "test", "version": "1"},
	}}
}

func call(id int, method string, params any) map[string]any {
	return map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params}
}

func toolCall(name string, args map[string]any) map[string]any {
	return call(3, "tools/call", map[string]any{"name": name, "arguments": args})
}

// connect initializes a session with token and returns its id.
func connect(t *testing.T, s *app.Server, token string) string {
	t.Helper()
	r := post(t, s, rpcRequest{token: token, body: initialize("2025-11-25")})
	sid := r.header.Get("Mcp-Session-Id")
	if r.status != http.StatusOK || sid == "" {
		t.Fatalf("initialize: status %d, session %q, body %s", r.status, sid, r.body)
	}
	post(t, s, rpcRequest{token: token, session: sid, body: map[string]any{"jsonrpc": "2.0", "method": "notifications/initialized"}})
	return sid
}

// result decodes a successful JSON-RPC result.
func (r rpcResponse) result(t *testing.T, v any) {
	t.Helper()
	if r.status != http.StatusOK || r.msg["result"] == nil {
		t.Fatalf("want a result, got status %d: %s", r.status, r.body)
	}
	if err := json.Unmarshal(r.msg["result"], v); err != nil {
		t.Fatal(err)
	}
}

// rawTools is tools/list as it is on the wire.
func rawTools(t *testing.T, s *app.Server) []map[string]json.RawMessage {
	t.Helper()
	tok := mint(t, s, readScopes)
	var res struct{ Tools []map[string]json.RawMessage }
	post(t, s, rpcRequest{token: tok, session: connect(t, s, tok), body: call(2, "tools/list", map[string]any{})}).result(t, &res)
	return res.Tools
}

func rawTool(t *testing.T, s *app.Server, name string) map[string]json.RawMessage {
	t.Helper()
	for _, tool := range rawTools(t, s) {
		if string(tool["name"]) == `"`+name+`"` {
			return tool
		}
	}
	t.Fatalf("no tool %s", name)
	return nil
}

// hints returns each annotation hint as its raw JSON ("" when absent).
func hints(tool map[string]json.RawMessage) map[string]string {
	var ann map[string]json.RawMessage
	json.Unmarshal(tool["annotations"], &ann)
	out := map[string]string{}
	for _, h := range []string{"readOnlyHint", "destructiveHint", "openWorldHint"} {
		out[h] = string(ann[h])
	}
	return out
}

func wantChallenge(t *testing.T, r rpcResponse, status int, parts ...string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d (body %s)", r.status, status, r.body)
	}
	h := r.header.Get("WWW-Authenticate")
	if !strings.HasPrefix(h, "Bearer ") {
		t.Fatalf("WWW-Authenticate %q is not a Bearer challenge", h)
	}
	for _, p := range parts {
		if !strings.Contains(h, p) {
			t.Errorf("WWW-Authenticate %q lacks %s", h, p)
		}
	}
}

func TestUnauthenticatedChallenge(t *testing.T) {
	s := start(t, "")
	r := post(t, s, rpcRequest{body: initialize("2025-11-25")})
	want := fmt.Sprintf(`Bearer resource_metadata="%s/.well-known/oauth-protected-resource/mcp", scope="orders:read"`, s.Origin)
	if r.status != http.StatusUnauthorized || r.header.Get("WWW-Authenticate") != want {
		t.Fatalf("got %d %q, want 401 %q", r.status, r.header.Get("WWW-Authenticate"), want)
	}
}

// foreignToken signs a token like the server's own, with another key.
func foreignToken(t *testing.T, s *app.Server) string {
	t.Helper()
	genuine := mint(t, s, fullScopes)
	parsed, _, err := jwt.NewParser().ParseUnverified(genuine, jwt.MapClaims{})
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	forged := jwt.NewWithClaims(jwt.SigningMethodES256, parsed.Claims)
	forged.Header = parsed.Header
	tok, err := forged.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestTokensRefused(t *testing.T) {
	var clock atomic.Int64
	clock.Store(time.Now().UnixNano())
	s, err := app.Start(t.Context(), app.Options{Now: func() time.Time { return time.Unix(0, clock.Load()) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	expiring := mint(t, s, fullScopes)
	other, err := s.MintTokenFor("http://127.0.0.1:1/mcp", fullScopes)
	if err != nil {
		t.Fatal(err)
	}
	valid := mint(t, s, fullScopes)
	sid := connect(t, s, valid)

	tests := []struct {
		name  string
		req   rpcRequest
		parts []string
	}{
		{"garbage", rpcRequest{token: "not-a-token"}, []string{`error="invalid_token"`, "resource_metadata="}},
		{"empty bearer", rpcRequest{header: map[string]string{"Authorization": "Bearer "}}, []string{`error="invalid_token"`}},
		{"foreign signature", rpcRequest{token: foreignToken(t, s)}, []string{`error="invalid_token"`}},
		{"other audience", rpcRequest{token: other}, []string{`error="invalid_token"`}},
		{"token in query", rpcRequest{query: "access_token=" + url.QueryEscape(valid)}, []string{"resource_metadata="}},
		{"session without token", rpcRequest{session: sid}, []string{"resource_metadata="}},
		{"basic credentials", rpcRequest{header: map[string]string{"Authorization": "Basic ZGVtbzpkZW1v"}}, []string{"resource_metadata="}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.body = initialize("2025-11-25")
			if tt.req.session != "" {
				tt.req.body = call(2, "tools/list", map[string]any{})
			}
			wantChallenge(t, post(t, s, tt.req), http.StatusUnauthorized, tt.parts...)
		})
	}
	t.Run("no error code without credentials", func(t *testing.T) {
		r := post(t, s, rpcRequest{body: initialize("2025-11-25")})
		if h := r.header.Get("WWW-Authenticate"); strings.Contains(h, "error=") {
			t.Errorf("challenge to a request without credentials has an error code: %q", h)
		}
	})
	t.Run("expired", func(t *testing.T) {
		clock.Add(int64(2 * time.Hour))
		wantChallenge(t, post(t, s, rpcRequest{token: expiring, body: initialize("2025-11-25")}), http.StatusUnauthorized, `error="invalid_token"`)
	})
}

func TestProtectedResourceMetadata(t *testing.T) {
	s := start(t, "")
	for _, path := range []string{"/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"} {
		t.Run(path, func(t *testing.T) {
			var prm struct {
				Resource             string   `json:"resource"`
				AuthorizationServers []string `json:"authorization_servers"`
				ScopesSupported      []string `json:"scopes_supported"`
			}
			getJSON(t, s.Origin+path, &prm)
			if prm.Resource != s.URL || !slices.Equal(prm.AuthorizationServers, []string{s.Issuer}) || !slices.Equal(prm.ScopesSupported, fullScopes) {
				t.Errorf("PRM %+v, want resource %s, authorization server %s, scopes %v", prm, s.URL, s.Issuer, fullScopes)
			}
		})
	}
}

func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET %s: %d %s", u, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
}

func status(t *testing.T, u string) (int, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Content-Type")
}

// bearer adds a token to every request of an SDK client.
type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

func TestToolsOnTheWire(t *testing.T) {
	s := start(t, "")
	c := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil)
	cs, err := c.Connect(t.Context(), &mcp.StreamableClientTransport{
		Endpoint: s.URL, HTTPClient: &http.Client{Transport: bearer{mint(t, s, readScopes)}}, DisableStandaloneSSE: true, MaxRetries: -1,
	}, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	list, err := cs.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Tools) < 6 {
		t.Fatalf("%d tools, want at least 6", len(list.Tools))
	}

	for _, tool := range rawTools(t, s) {
		name := string(tool["name"])
		t.Run(name, func(t *testing.T) {
			for h, v := range hints(tool) {
				if v != "true" && v != "false" {
					t.Errorf("%s is %q on the wire, want a boolean", h, v)
				}
			}
			var meta map[string]json.RawMessage
			json.Unmarshal(tool["_meta"], &meta)
			if len(tool["securitySchemes"]) == 0 || !bytes.Equal(tool["securitySchemes"], meta["securitySchemes"]) {
				t.Errorf("securitySchemes %s, _meta mirror %s: want both, equal", tool["securitySchemes"], meta["securitySchemes"])
			}
			for _, k := range []string{"title", "description", "inputSchema", "outputSchema"} {
				if len(tool[k]) == 0 {
					t.Errorf("no %s", k)
				}
			}
		})
	}
}

func TestToolCalls(t *testing.T) {
	s := start(t, "")
	full := mint(t, s, fullScopes)
	sid := connect(t, s, full)
	tests := []struct {
		name, tool string
		args       map[string]any
		isError    bool
		want       string // in structuredContent
	}{
		{"open orders", "list_orders", map[string]any{"status": "open"}, false, `"ORD-1045"`},
		{"limit of the wrong type", "list_orders", map[string]any{"limit": "ten"}, true, ""},
		{"shipped order", "get_order", map[string]any{"order_id": "ORD-1044"}, false, `"ORX-TRK-55821"`},
		{"malformed order id", "get_order", map[string]any{"order_id": "1044"}, true, ""},
		{"catalog search", "search_catalog", map[string]any{"query": "kettle"}, false, `"SKU-412"`},
		{"note", "add_order_note", map[string]any{"order_id": "ORD-1045", "note": "Leave with the concierge"}, false, `"Leave with the concierge"`},
		{"return of a delivered item", "create_return", map[string]any{"order_id": "ORD-1043", "skus": []string{"SKU-518"}, "reason": "damaged"}, false, `"RMA-7001"`},
		{"return of an open order", "create_return", map[string]any{"order_id": "ORD-1045", "skus": []string{"SKU-101"}, "reason": "damaged"}, true, ""},
		{"cancel an open order", "cancel_order", map[string]any{"order_id": "ORD-1045", "reason": "duplicate_order"}, false, `"cancelled"`},
		{"cancel a shipped order", "cancel_order", map[string]any{"order_id": "ORD-1044", "reason": "duplicate_order"}, true, ""},
		{"email", "send_order_email", map[string]any{"order_id": "ORD-1044", "template": "shipping_update"}, false, `"sent"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var res struct {
				IsError           bool            `json:"isError"`
				StructuredContent json.RawMessage `json:"structuredContent"`
			}
			post(t, s, rpcRequest{token: full, session: sid, body: toolCall(tt.tool, tt.args)}).result(t, &res)
			if res.IsError != tt.isError || !strings.Contains(string(res.StructuredContent), tt.want) {
				t.Errorf("isError %v, structuredContent %s; want isError %v with %s", res.IsError, res.StructuredContent, tt.isError, tt.want)
			}
		})
	}
}

// TestWriteCalls pins the counter the "no writes without opt-in" tests read:
// reads leave it alone, every tools/call naming a write tool counts, refused
// (no token, wrong scope) or not.
func TestWriteCalls(t *testing.T) {
	s := start(t, "write-readonly")
	read, full := mint(t, s, readScopes), mint(t, s, fullScopes)
	sid := connect(t, s, full)
	steps := []struct {
		name  string
		req   rpcRequest
		delta int
	}{
		{"read", rpcRequest{token: full, session: sid, body: toolCall("list_orders", map[string]any{})}, 0},
		{"write that ran", rpcRequest{token: full, session: sid, body: toolCall("cancel_order", map[string]any{"order_id": "ORD-1045", "reason": "duplicate_order"})}, 1},
		{"write labelled read-only by the flaw", rpcRequest{token: full, session: sid, body: toolCall("add_order_note", map[string]any{"order_id": "ORD-1045", "note": "x"})}, 1},
		{"write refused for scope", rpcRequest{token: read, session: sid, body: toolCall("send_order_email", map[string]any{"order_id": "ORD-1045", "template": "order_summary"})}, 1},
		{"write without a token", rpcRequest{body: toolCall("create_return", map[string]any{})}, 1},
		{"batch of a read and a write", rpcRequest{token: full, session: sid, body: []any{toolCall("get_order", map[string]any{"order_id": "ORD-1045"}), toolCall("cancel_order", map[string]any{})}}, 1},
	}
	want := 0
	for _, st := range steps {
		post(t, s, st.req)
		want += st.delta
		if got := s.WriteCalls(); got != want {
			t.Errorf("after %s: WriteCalls() = %d, want %d", st.name, got, want)
		}
	}
}

func TestScopeEnforcement(t *testing.T) {
	s := start(t, "")
	read := mint(t, s, readScopes)
	sid := connect(t, s, read)
	tests := []struct {
		tool, scope string
		args        map[string]any
	}{
		{"add_order_note", "orders:write", map[string]any{"order_id": "ORD-1045", "note": "x"}},
		{"cancel_order", "orders:write", map[string]any{"order_id": "ORD-1045", "reason": "duplicate_order"}},
		{"send_order_email", "email:send", map[string]any{"order_id": "ORD-1045", "template": "order_summary"}},
	}
	for _, tt := range tests {
		t.Run(tt.tool, func(t *testing.T) {
			r := post(t, s, rpcRequest{token: read, session: sid, body: toolCall(tt.tool, tt.args)})
			wantChallenge(t, r, http.StatusForbidden, `error="insufficient_scope"`, fmt.Sprintf(`scope=%q`, tt.scope), "resource_metadata=")
		})
	}
	t.Run("order is untouched", func(t *testing.T) {
		var res struct{ StructuredContent struct{ Status string } }
		post(t, s, rpcRequest{token: read, session: sid, body: toolCall("get_order", map[string]any{"order_id": "ORD-1045"})}).result(t, &res)
		if res.StructuredContent.Status != "open" {
			t.Errorf("ORD-1045 is %q after refused calls, want open", res.StructuredContent.Status)
		}
	})
}

func TestOrigin(t *testing.T) {
	s := start(t, "")
	tok := mint(t, s, readScopes)
	tests := []struct {
		name, origin string
		want         int
	}{
		{"foreign", "http://evil.example", http.StatusForbidden},
		{"foreign without token", "http://evil.example", http.StatusForbidden},
		{"own", s.Origin, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := rpcRequest{token: tok, header: map[string]string{"Origin": tt.origin}, body: initialize("2025-11-25")}
			if strings.HasSuffix(tt.name, "without token") {
				req.token = ""
			}
			if r := post(t, s, req); r.status != tt.want {
				t.Errorf("status %d, want %d", r.status, tt.want)
			}
		})
	}
}

func TestWidgets(t *testing.T) {
	s := start(t, "")
	tok := mint(t, s, readScopes)
	sid := connect(t, s, tok)
	tests := []struct {
		uri, mime, linkTool, metaKeys string
	}{
		{"ui://orderly/order-list.html", "text/html;profile=mcp-app", "list_orders", `"ui":{"csp":{"connectDomains":[],"resourceDomains":[]},"domain":"https://orderly.example"`},
		{"ui://orderly/order-card.html", "text/html+skybridge", "get_order", `"openai/widgetCSP":{"connect_domains":[],"resource_domains":[]},"openai/widgetDescription"`},
	}
	for _, tt := range tests {
		t.Run(tt.uri, func(t *testing.T) {
			var res struct {
				Contents []struct {
					URI, MIMEType, Text string
					Meta                json.RawMessage `json:"_meta"`
				}
			}
			post(t, s, rpcRequest{token: tok, session: sid, body: call(2, "resources/read", map[string]any{"uri": tt.uri})}).result(t, &res)
			if len(res.Contents) != 1 {
				t.Fatalf("%d contents", len(res.Contents))
			}
			c := res.Contents[0]
			if c.MIMEType != tt.mime || !strings.Contains(string(c.Meta), tt.metaKeys) {
				t.Errorf("mime %q meta %s; want %q with %s", c.MIMEType, c.Meta, tt.mime, tt.metaKeys)
			}
			for _, bad := range []string{"http://", "https://", "/*ORDERLY", "innerHTML", "localStorage"} {
				if strings.Contains(c.Text, bad) {
					t.Errorf("widget HTML contains %q", bad)
				}
			}
			if !strings.Contains(c.Text, "ui/initialize") || !strings.Contains(c.Text, "toolOutput") {
				t.Error("widget HTML lacks the MCP Apps bridge or the window.openai fallback")
			}
			if !strings.Contains(string(rawTool(t, s, tt.linkTool)["_meta"]), tt.uri) {
				t.Errorf("%s does not link %s", tt.linkTool, tt.uri)
			}
		})
	}
}

func TestPages(t *testing.T) {
	s := start(t, "")
	for _, p := range []string{"/privacy", "/terms", "/support"} {
		t.Run(p, func(t *testing.T) {
			if code, ct := status(t, s.Origin+p); code != http.StatusOK || !strings.HasPrefix(ct, "text/html") {
				t.Errorf("%d %s, want 200 text/html", code, ct)
			}
		})
	}
}

// TestManifest holds the shipped manifest to the live clean app: it loads,
// every live tool and input field is declared with a purpose, kinds agree
// with the hints, scopes agree with securitySchemes, and every write has an
// example. Every URL is on the canonical origin.
func TestManifest(t *testing.T) {
	s := start(t, "")
	raw := app.Manifest()
	// Every URL but a foreign token's audience, which names another resource on purpose.
	var urls, canonical int
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.Contains(line, "audience:") {
			continue
		}
		urls += strings.Count(line, "http")
		canonical += strings.Count(line, app.CanonicalOrigin)
	}
	if n := urls; n != canonical {
		t.Errorf("%d URLs in the manifest, %d on %s", n, strings.Count(string(raw), app.CanonicalOrigin), app.CanonicalOrigin)
	}
	m, err := manifest.Parse("manifest.yaml", bytes.ReplaceAll(raw, []byte(app.CanonicalOrigin), []byte(s.Origin)))
	if err != nil {
		t.Fatal(err)
	}
	if m.Server.URL != s.URL || m.Server.Auth.Issuer != s.Issuer {
		t.Errorf("manifest names %s and %s, server is %s and %s", m.Server.URL, m.Server.Auth.Issuer, s.URL, s.Issuer)
	}
	live := rawTools(t, s)
	if len(live) != len(m.Tools) {
		t.Errorf("%d live tools, %d declared", len(live), len(m.Tools))
	}
	for _, tool := range live {
		var name string
		json.Unmarshal(tool["name"], &name)
		t.Run(name, func(t *testing.T) {
			decl, ok := m.Tool(name)
			if !ok {
				t.Fatal("not declared")
			}
			var schema struct{ Properties map[string]any }
			json.Unmarshal(tool["inputSchema"], &schema)
			for field := range schema.Properties {
				if decl.Inputs[field].Purpose == "" {
					t.Errorf("input %s has no declared purpose", field)
				}
			}
			h := hints(tool)
			wantRO := strconvBool(!decl.IsWrite())
			if h["readOnlyHint"] != wantRO || (decl.Kind == manifest.KindDestructive && h["destructiveHint"] != "true") || (decl.Egress && h["openWorldHint"] != "true") {
				t.Errorf("hints %v disagree with kind %s, egress %v", h, decl.Kind, decl.Egress)
			}
			var schemes []struct{ Scopes []string }
			json.Unmarshal(tool["securitySchemes"], &schemes)
			if len(schemes) != 1 || !slices.Equal(schemes[0].Scopes, decl.Scopes) {
				t.Errorf("live scopes %s, declared %v", tool["securitySchemes"], decl.Scopes)
			}
			if decl.IsWrite() && len(decl.Example) == 0 {
				t.Error("a write tool without an example")
			}
		})
	}
}

func strconvBool(b bool) string { return fmt.Sprint(b) }

func TestFlawsNameCatalogueChecks(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range app.Flaws() {
		if _, ok := check.Lookup(f.Check); !ok {
			t.Errorf("flaw %s names %q, not a catalogue check", f.Name, f.Check)
		}
		if seen[f.Check] {
			t.Errorf("two flaws fail %s", f.Check)
		}
		seen[f.Check] = true
	}
	if _, err := app.Start(t.Context(), app.Options{Flaw: "no-such-flaw"}); err == nil {
		t.Error("Start accepted an unknown flaw")
	}
}
