package collect

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/manifest"
)

// rawServer answers JSON-RPC by method with whatever answer returns.
func rawServer(t *testing.T, answer func(id, method string, params json.RawMessage, w http.ResponseWriter) bool) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var msg struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
			Params json.RawMessage `json:"params"`
		}
		body, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(body, &msg)
		if msg.ID == nil {
			w.WriteHeader(http.StatusAccepted)
			return
		}
		if answer(string(msg.ID), msg.Method, msg.Params, w) {
			return
		}
		var result any = map[string]any{}
		switch msg.Method {
		case "initialize":
			w.Header().Set("Mcp-Session-Id", fmt.Sprintf("sess-%d", time.Now().UnixNano()))
			result = map[string]any{"protocolVersion": "2025-11-25", "capabilities": map[string]any{"tools": map[string]any{}}, "serverInfo": map[string]any{"name": "hostile", "version": "0"}}
		case "resources/list":
			result = map[string]any{"resources": []any{}}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": msg.ID, "result": result})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func noAuthManifest(u string) *manifest.Manifest {
	return &manifest.Manifest{
		Schema: manifest.SchemaID,
		App:    manifest.App{Name: "H", Vendor: "H", Version: "1", Description: "d", Support: "a@b.example"},
		Server: manifest.Server{URL: u, Auth: manifest.Auth{Mode: manifest.AuthNone}},
	}
}

func TestHostileEndlessCursor(t *testing.T) {
	srv := rawServer(t, func(id, method string, params json.RawMessage, w http.ResponseWriter) bool {
		if method != "tools/list" {
			return false
		}
		var p struct {
			Cursor string `json:"cursor"`
		}
		_ = json.Unmarshal(params, &p)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{"tools":[{"name":"t%s","inputSchema":{"type":"object"}}],"nextCursor":"c%s"}}`, id, p.Cursor, p.Cursor+"x")
		return true
	})
	rep, _ := runProbe(t, Options{Manifest: noAuthManifest(srv.URL + "/mcp")})
	checkInvariants(t, rep)
	// Fifty pages of new tools may yet end: a bound of the probe, not a fault.
	wantLimit(t, rep, check.Warn, "more than 50 pages (raise --max-pages)")
	if len(rep.Observation.Limits) == 0 {
		t.Error("no limit recorded in the observation")
	}
	if rep.Observation.ToolsIncomplete == "" {
		t.Error("the cut listing is not marked incomplete")
	}
}

func TestHostileHugeBody(t *testing.T) {
	srv := rawServer(t, func(id, method string, _ json.RawMessage, w http.ResponseWriter) bool {
		if method != "tools/list" {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{"tools":[{"name":"`, id)
		chunk := strings.Repeat("a", 1<<16)
		for i := 0; i < 80; i++ { // 5 MiB
			io.WriteString(w, chunk)
		}
		fmt.Fprint(w, `"}]}}`)
		return true
	})
	rep, _ := runProbe(t, Options{Manifest: noAuthManifest(srv.URL + "/mcp")})
	checkInvariants(t, rep)
	wantLimit(t, rep, check.Warn, "larger than 4194304 bytes")
	wantLimit(t, rep, check.Warn, "(raise --max-body)")
	for _, e := range rep.Evidence {
		if len(e.Data) > 4*maxTranscript {
			t.Errorf("evidence %s is %d bytes; transcripts should be truncated", e.ID, len(e.Data))
		}
	}
}

func TestHostileSilentServerEndsWithinDeadline(t *testing.T) {
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(stop) }) // runs first: release the handlers so Close returns
	m := noAuthManifest(srv.URL + "/mcp")
	m.Server.Auth.Mode = manifest.AuthOAuth
	m.App.PrivacyPolicy = srv.URL + "/privacy"
	start := time.Now()
	rep, _ := runProbe(t, Options{Manifest: m, Deadline: 3 * time.Second, Bounds: Bounds{Request: 400 * time.Millisecond}, Tokens: []Token{{Value: "tok-0123456789", Scopes: []string{"a"}}}})
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("probe took %s with a 3s deadline", d)
	}
	checkInvariants(t, rep)
	// One root cause: the server never answers (transport.limits fails);
	// what needed an answer was not judged.
	if r, _ := find(rep.Results, "transport.handshake", "app"); r.Status != check.Error || !strings.Contains(r.Detail, "did not answer within") {
		t.Errorf("handshake: %+v", r)
	}
	wantLimit(t, rep, check.Fail, "request timeout")
	for _, r := range rep.Results {
		if r.Status == check.Fail && r.ID != "transport.limits" && restsOnEndpoint(r.ID) {
			t.Errorf("a second failure from the same silence: %s %s: %s", r.ID, r.Subject, r.Detail)
		}
	}
}

func TestCrossOriginRedirectRefused(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "elsewhere")
	}))
	t.Cleanup(other.Close)
	srv := rawServer(t, func(string, string, json.RawMessage, http.ResponseWriter) bool { return false })
	mux := http.NewServeMux()
	mux.Handle("/mcp", srv.Config.Handler)
	mux.HandleFunc("/privacy", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, other.URL+"/p", http.StatusFound) })
	front := httptest.NewServer(mux)
	t.Cleanup(front.Close)
	m := noAuthManifest(front.URL + "/mcp")
	m.App.PrivacyPolicy = front.URL + "/privacy"
	rep, _ := runProbe(t, Options{Manifest: m})
	r, _ := find(rep.Results, "listing.privacy-policy", "url:"+m.App.PrivacyPolicy)
	if r.Status != check.Warn || !strings.Contains(r.Detail, "another origin") {
		t.Errorf("privacy policy: %+v", r)
	}
	if len(rep.Observation.RefusedRedirects) != 1 {
		t.Errorf("refused redirects: %v", rep.Observation.RefusedRedirects)
	}
}

// TestMixedAuthRequired: on a mixed server, a protected tool must refuse a
// call without a token, and one with a token minted for another resource.
// A tool-level refusal (an isError result with an auth challenge) once
// failed auth.audience ("not refused with 401"), and a tool that runs
// without any token failed it too, besides auth.required.
func TestMixedAuthRequired(t *testing.T) {
	for _, tt := range []struct {
		name     string
		refuse   bool
		want     check.Status
		audience check.Status
	}{{"refused", true, check.Pass, check.Pass}, {"runs without token", false, check.Fail, check.Error}} {
		t.Run(tt.name, func(t *testing.T) {
			var srvURL string
			srv := rawServer(t, func(id, method string, _ json.RawMessage, w http.ResponseWriter) bool {
				w.Header().Set("Content-Type", "application/json")
				switch method {
				case "tools/list":
					fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{"tools":[{"name":"get_thing","description":"Get a thing.","inputSchema":{"type":"object"},"annotations":{"readOnlyHint":true,"destructiveHint":false,"openWorldHint":false},"securitySchemes":[{"type":"oauth2","scopes":["things:read"]}]}]}}`, id)
				case "tools/call":
					if tt.refuse {
						fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{"isError":true,"content":[{"type":"text","text":"sign in"}],"_meta":{"mcp/www_authenticate":["Bearer resource_metadata=\"%s/.well-known/oauth-protected-resource\", error=\"invalid_token\", error_description=\"sign in\""]}}}`, id, srvURL)
					} else {
						fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{"content":[{"type":"text","text":"a thing"}]}}`, id)
					}
				default:
					return false
				}
				return true
			})
			srvURL = srv.URL
			m := noAuthManifest(srv.URL + "/mcp")
			m.Server.Auth.Mode = manifest.AuthMixed
			m.Probe.Callable = []string{"get_thing"}
			m.Tools = []manifest.Tool{{Name: "get_thing", Kind: manifest.KindRead, Scopes: []string{"things:read"}}}
			foreign := Token{Value: "foreign-token-0123456789", Scopes: []string{"things:read"}, Source: "FOREIGN_TOKEN", Audience: "https://other.example/mcp"}
			rep, _ := runProbe(t, Options{Manifest: m, Tokens: []Token{foreign}})
			checkInvariants(t, rep)
			if r, _ := find(rep.Results, "auth.required", "app"); r.Status != tt.want {
				t.Errorf("auth.required: %+v", r)
			}
			if r, _ := find(rep.Results, "auth.audience", "app"); r.Status != tt.audience {
				t.Errorf("auth.audience: %s, want %s: %s", r.Status, tt.audience, r.Detail)
			}
		})
	}
}

// probeWithin runs the probe and fails the test if the run outlives its
// deadline: whatever the server does, a run ends on time.
func probeWithin(t *testing.T, opts Options) *Report {
	t.Helper()
	start := time.Now()
	rep, _ := runProbe(t, opts)
	if d := time.Since(start); d > opts.Deadline+500*time.Millisecond {
		t.Errorf("the probe took %s with a deadline of %s", d.Round(time.Millisecond), opts.Deadline)
	}
	checkInvariants(t, rep)
	return rep
}

// wantLimit expects transport.limits with status st naming what was hit.
func wantLimit(t *testing.T, rep *Report, st check.Status, what string) {
	t.Helper()
	r, _ := find(rep.Results, "transport.limits", "app")
	if r.Status != st || !strings.Contains(r.Detail, what) {
		t.Errorf("transport.limits should be %s with %q: %+v\n%s", st, what, r, dump(rep.Results))
	}
}

func TestHostileStreams(t *testing.T) {
	tests := []struct {
		name  string
		write func(w http.ResponseWriter) error // one chunk; called until the client leaves
		limit string
	}{
		{"never-ending SSE, fast", func(w http.ResponseWriter) error {
			_, err := io.WriteString(w, "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{\"data\":\""+strings.Repeat("x", 8<<10)+"\"}}\n\n")
			return err
		}, "an event stream that did not end within"},
		{"never-ending SSE, slow", func(w http.ResponseWriter) error {
			time.Sleep(50 * time.Millisecond)
			_, err := io.WriteString(w, ": keep-alive\n\n")
			return err
		}, "request timeout"},
		{"slow drip", func(w http.ResponseWriter) error {
			time.Sleep(500 * time.Millisecond)
			_, err := io.WriteString(w, " ")
			return err
		}, "request timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := rawServer(t, func(id, method string, _ json.RawMessage, w http.ResponseWriter) bool {
				if method != "tools/list" {
					return false
				}
				if strings.Contains(tt.name, "SSE") {
					w.Header().Set("Content-Type", "text/event-stream")
				} else {
					w.Header().Set("Content-Type", "application/json")
				}
				w.WriteHeader(http.StatusOK)
				fl := w.(http.Flusher)
				for tt.write(w) == nil {
					fl.Flush()
				}
				return true
			})
			rep := probeWithin(t, Options{Manifest: noAuthManifest(srv.URL + "/mcp"), Deadline: 6 * time.Second, Bounds: Bounds{Request: time.Second}})
			wantLimit(t, rep, check.Fail, tt.limit)
		})
	}
}

// hostileTools are tool entries no honest server sends: invalid UTF-8,
// HTML and control characters in names and descriptions.
const hostileTools = `[` +
	`{"name":"bad` + "\xff" + `name","description":"desc ` + "\xfe\xff" + ` end","inputSchema":{"type":"object"}},` +
	`{"name":"<script>alert(1)</script>","description":"<img src=x onerror=alert(1)>","inputSchema":{"type":"object"}},` +
	`{"name":"get\u001b[31mred","title":"\u202eevil","description":"Gets\u0007 a \u001b]0;pwned\u0007 thing.","inputSchema":{"type":"object"}}` +
	`]`

func TestHostileStringsAreSanitized(t *testing.T) {
	srv := rawServer(t, func(id, method string, _ json.RawMessage, w http.ResponseWriter) bool {
		if method != "tools/list" {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{"tools":%s}}`, id, hostileTools)
		return true
	})
	rep := probeWithin(t, Options{Manifest: noAuthManifest(srv.URL + "/mcp"), Deadline: 10 * time.Second})
	if n := len(rep.Observation.Tools); n != 3 {
		t.Fatalf("%d tools recorded, want 3\n%s", n, dump(rep.Results))
	}
	unsafe := func(what, s string) {
		if !utf8.ValidString(s) || strings.IndexFunc(s, func(r rune) bool { return r != '\n' && r != '\t' && r != '\r' && unsafeRune(r) }) >= 0 {
			t.Errorf("%s carries invalid UTF-8 or control characters: %q", what, s)
		}
	}
	for _, tool := range rep.Observation.Tools {
		unsafe("tool name", tool.Name)
		unsafe("tool title", tool.Title)
		unsafe("tool description", tool.Description)
		r, _ := find(rep.Results, "tool.naming", "tool:"+tool.Name)
		if r.Status != check.Fail {
			t.Errorf("tool.naming on %q: %+v", tool.Name, r)
		}
		// Invalid UTF-8 warns; script markup and terminal escapes fail.
		want := check.Fail
		if strings.HasPrefix(tool.Name, "bad") {
			want = check.Warn
		}
		if r, _ := find(rep.Results, "tool.text-hygiene", "tool:"+tool.Name); r.Status != want {
			t.Errorf("tool.text-hygiene on %q: %+v", tool.Name, r)
		}
	}
	for _, r := range rep.Results {
		unsafe(r.ID+" subject", r.Subject)
		unsafe(r.ID+" detail", r.Detail)
	}
	for _, e := range rep.Evidence {
		unsafe("evidence "+string(e.ID), string(e.Data))
		unsafe("evidence title", e.Title)
	}
}

func TestHostileTenThousandTools(t *testing.T) {
	var b strings.Builder
	b.WriteString("[")
	for i := range 10000 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"name":"tool_%05d","description":"Gets thing %d.","inputSchema":{"type":"object"},"annotations":{"readOnlyHint":true,"destructiveHint":false,"openWorldHint":false}}`, i, i)
	}
	b.WriteString("]")
	tools := b.String()
	srv := rawServer(t, func(id, method string, _ json.RawMessage, w http.ResponseWriter) bool {
		if method != "tools/list" {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{"tools":%s}}`, id, tools)
		return true
	})
	rep := probeWithin(t, Options{Manifest: noAuthManifest(srv.URL + "/mcp"), Deadline: 20 * time.Second})
	wantLimit(t, rep, check.Warn, fmt.Sprintf("more than %d entries; only the first %d are judged (raise --max-tools)", defaultTools, defaultTools))
	if n := len(rep.Observation.Tools); n != defaultTools {
		t.Errorf("%d tools judged, want the first %d", n, defaultTools)
	}
}

func TestHostileMalformedJSONRPC(t *testing.T) {
	for _, tt := range []struct{ name, ct, body string }{
		{"truncated JSON", "application/json", `{"jsonrpc":"2.0","id":`},
		{"not JSON", "application/json", `<html>oops</html>`},
		{"SSE without the response", "text/event-stream", "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\"}\n\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := rawServer(t, func(id, method string, _ json.RawMessage, w http.ResponseWriter) bool {
				if method != "tools/list" {
					return false
				}
				w.Header().Set("Content-Type", tt.ct)
				io.WriteString(w, tt.body)
				return true
			})
			rep := probeWithin(t, Options{Manifest: noAuthManifest(srv.URL + "/mcp"), Deadline: 10 * time.Second})
			wantLimit(t, rep, check.Fail, "malformed JSON-RPC: HTTP 200 to tools/list")
		})
	}
}

// TestHostilePrivateHops: a server on loopback names link-local and private
// addresses (cloud metadata, an internal host) for its PRM and redirects its
// privacy policy there. Neither is contacted; loopback, which the user
// named, still is.
func TestHostilePrivateHops(t *testing.T) {
	var srvURL string
	srv := rawServer(t, func(string, string, json.RawMessage, http.ResponseWriter) bool { return false })
	mux := http.NewServeMux()
	mux.HandleFunc("/mcp", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			w.Header().Set("WWW-Authenticate", `Bearer resource_metadata="http://10.255.255.1/.well-known/oauth-protected-resource", scope="a"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		srv.Config.Handler.ServeHTTP(w, r)
	})
	mux.HandleFunc("/.well-known/oauth-protected-resource/mcp", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"resource":%q,"authorization_servers":["http://100.64.0.1/oauth"]}`, srvURL+"/mcp")
	})
	mux.HandleFunc("/privacy", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
	})
	front := httptest.NewServer(mux)
	t.Cleanup(front.Close)
	srvURL = front.URL
	m := noAuthManifest(front.URL + "/mcp")
	m.Server.Auth = manifest.Auth{Mode: manifest.AuthOAuth, Issuer: front.URL}
	m.App.PrivacyPolicy = front.URL + "/privacy"
	rep := probeWithin(t, Options{Manifest: m, Deadline: 10 * time.Second, Bounds: Bounds{Request: 5 * time.Second},
		Tokens: []Token{{Value: "tok-0123456789", Scopes: []string{"a"}}}})
	refused := strings.Join(rep.Observation.RefusedRedirects, "\n")
	for _, want := range []string{"10.255.255.1 is a private address", "100.64.0.1 is a CGNAT address", "169.254.169.254 is a link-local address"} {
		if !strings.Contains(refused, want) {
			t.Errorf("refused hops lack %q:\n%s", want, refused)
		}
	}
	wantLimit(t, rep, check.Fail, "the user did not name")
	if r, _ := find(rep.Results, "auth.prm", "app"); r.Status != check.Pass || !strings.Contains(r.Detail, "(path)") {
		t.Errorf("auth.prm should come from the loopback path-suffixed URL: %+v", r)
	}
}

func TestHopGuard(t *testing.T) {
	for _, tt := range []struct {
		name   string
		named  []string
		target string
		refuse bool
	}{
		{"named loopback allows loopback", []string{"http://127.0.0.1:8931/mcp"}, "http://localhost:4000/token", false},
		{"named loopback allows another loopback port", []string{"http://127.0.0.1:8931/mcp"}, "http://127.0.0.1:1/x", false},
		{"public name refuses loopback", []string{"https://mcp.example.com/mcp"}, "http://127.0.0.1:8080/", true},
		{"metadata address", []string{"http://127.0.0.1:8931/mcp"}, "http://169.254.169.254/latest", true},
		{"private address", []string{"http://127.0.0.1:8931/mcp"}, "http://192.168.1.1/", true},
		{"CGNAT", []string{"http://127.0.0.1:8931/mcp"}, "http://100.100.1.1/", true},
		{"unspecified", []string{"http://127.0.0.1:8931/mcp"}, "http://0.0.0.0:8931/", true},
		{"IPv6 unique local", []string{"http://127.0.0.1:8931/mcp"}, "http://[fd00::1]/", true},
		{"IPv4-mapped private", []string{"http://127.0.0.1:8931/mcp"}, "http://[::ffff:10.0.0.1]/", true},
		{"named private host", []string{"http://10.0.0.5/mcp"}, "http://10.0.0.5:9000/oauth", false},
		{"another private host", []string{"http://10.0.0.5/mcp"}, "http://10.0.0.6/oauth", true},
		{"public address", []string{"http://127.0.0.1:8931/mcp"}, "http://93.184.215.14/", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			u, _ := url.Parse(tt.target)
			why := newHopGuard(tt.named).refuse(t.Context(), u)
			if (why != "") != tt.refuse {
				t.Errorf("refuse(%s) = %q, want refused %v", tt.target, why, tt.refuse)
			}
		})
	}
}

// TestHopGuardDial checks the dialer's own check, which holds even when a
// name resolved to a public address for the request check and to a
// private one for the dial: a host the user did not name may not connect
// to loopback unless the user named a loopback server.
func TestHopGuardDial(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	tests := []struct {
		name  string
		named []string
		addr  string
		ok    bool
	}{
		{"a public server's probe may not reach loopback", []string{"https://mcp.example.com/mcp"}, "127.0.0.1:" + port, false},
		{"nor by the name localhost", []string{"https://mcp.example.com/mcp"}, "localhost:" + port, false},
		{"a named loopback server allows loopback", []string{"http://127.0.0.1:9/mcp"}, "127.0.0.1:" + port, true},
		{"a named host is dialled whatever it resolves to", []string{"http://localhost:9/mcp"}, "localhost:" + port, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := newHopGuard(tt.named).dialContext(t.Context(), "tcp", tt.addr)
			if conn != nil {
				conn.Close()
			}
			if tt.ok != (err == nil) {
				t.Fatalf("dial %s with %v named: err = %v, want ok=%v", tt.addr, tt.named, err, tt.ok)
			}
			if err != nil && !strings.Contains(err.Error(), "loopback address the user did not name") {
				t.Errorf("err = %v", err)
			}
		})
	}
}
