package collect

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/dossier-dev/dossier/pack/manifest"
)

// preflightStub is a Streamable HTTP endpoint that answers initialize
// and, when token is set, wants it as a bearer token (401 with a challenge
// otherwise). It counts the sessions still open, to show the preflight
// closes what it opens.
type preflightStub struct {
	token string
	mu    sync.Mutex
	open  map[string]bool
	n     int
}

func (s *preflightStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token != "" && r.Header.Get("Authorization") != "Bearer "+s.token {
		w.Header().Set("WWW-Authenticate", `Bearer resource_metadata="http://`+r.Host+`/.well-known/oauth-protected-resource/mcp", scope="orders:read"`)
		http.Error(w, "no", http.StatusUnauthorized)
		return
	}
	switch r.Method {
	case http.MethodDelete:
		delete(s.open, r.Header.Get("Mcp-Session-Id"))
		return
	case http.MethodPost:
	default:
		http.Error(w, "no", http.StatusMethodNotAllowed)
		return
	}
	var msg struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
	}
	if json.NewDecoder(r.Body).Decode(&msg) != nil || msg.Method != "initialize" {
		w.WriteHeader(http.StatusAccepted)
		return
	}
	s.n++
	id := fmt.Sprintf("s%d", s.n)
	s.open[id] = true
	w.Header().Set("Mcp-Session-Id", id)
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{"protocolVersion":"2025-11-25","capabilities":{},"serverInfo":{"name":"stub","version":"1"}}}`, msg.ID)
}

// legacySSEServer speaks only the HTTP+SSE transport of MCP 2024-11-05: a
// GET of /sse opens a stream whose first event names the endpoint to POST
// to; everything else is 404. The stream stays open, as a real one does.
func legacySSEServer(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /sse", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "event: endpoint\ndata: /messages?sessionId=abc\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestPreflight(t *testing.T) {
	stub := &preflightStub{token: "good-token-0123456789", open: map[string]bool{}}
	mux := http.NewServeMux()
	mux.Handle("/mcp", stub)
	mux.HandleFunc("/gateway", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "down", http.StatusBadGateway) })
	mux.HandleFunc("/limited", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "120")
		http.Error(w, "slow down", http.StatusTooManyRequests)
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "timed out", http.StatusRequestTimeout) })
	mux.HandleFunc("/page", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<html><body>Welcome</body></html>")
	})
	mux.HandleFunc("/gated", func(w http.ResponseWriter, r *http.Request) { // a gateway that wants a token before it says 404
		if r.Header.Get("Authorization") != "Bearer "+stub.token {
			w.Header().Set("WWW-Authenticate", `Bearer realm="gw"`)
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		http.NotFound(w, r)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")

	elsewhere := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(elsewhere.Close)
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+"/mcp", http.StatusTemporaryRedirect)
	})

	tlsSrv := httptest.NewTLSServer(&preflightStub{open: map[string]bool{}})
	t.Cleanup(tlsSrv.Close)
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL + "/mcp"
	down.Close()
	sse := legacySSEServer(t)

	good := Token{Value: stub.token, Scopes: []string{"orders:read"}, Source: "EX_TOKEN_READ"}
	bad := Token{Value: "expired-token-9876543210", Scopes: []string{"orders:write"}, Source: "EX_TOKEN_WRITE"}
	unset := Token{Scopes: []string{"email:send"}, Source: "EX_TOKEN_EMAIL", Problem: "EX_TOKEN_EMAIL is not set; set it or use --login dcr"}

	tests := []struct {
		name    string
		url     string
		tokens  []Token
		problem []string // in Problem; none: the probe may go ahead
		hint    []string
		refused []string // sources of the tokens marked refused
	}{
		{name: "server down", url: downURL, problem: []string{"nothing is listening at", "connection refused"}, hint: []string{"start the server"}},
		{name: "wrong path", url: srv.URL + "/wrong", problem: []string{"404 Not Found", `"/wrong"`, "no MCP endpoint at this path"}, hint: []string{srv.URL + "/mcp"}},
		{name: "legacy SSE at /sse, 404 at /mcp", url: sse.URL + "/mcp", problem: []string{"legacy HTTP+SSE transport", sse.URL + "/sse"}, hint: []string{"Streamable HTTP"}},
		{name: "legacy SSE URL itself", url: sse.URL + "/sse", problem: []string{"legacy HTTP+SSE transport"}},
		{name: "https to a plain-HTTP port", url: "https://" + host + "/mcp", problem: []string{"speaks plain HTTP, not HTTPS"}, hint: []string{"http://" + host + "/mcp"}},
		{name: "http to an HTTPS port", url: strings.Replace(tlsSrv.URL, "https://", "http://", 1) + "/mcp", problem: []string{"speaks HTTPS, not plain HTTP"}, hint: []string{tlsSrv.URL + "/mcp"}},
		{name: "redirect to another origin", url: srv.URL + "/moved", problem: []string{"redirects (HTTP 307)", elsewhere.URL + "/mcp"}, hint: []string{"set server.url"}},
		{name: "gateway without its server", url: srv.URL + "/gateway", problem: []string{"502 Bad Gateway", "not answering"}},
		{name: "rate limited", url: srv.URL + "/limited", problem: []string{"429 Too Many Requests", "limiting", `Retry-After "120"`}},
		{name: "request timeout", url: srv.URL + "/slow", problem: []string{"408 Request Timeout", "stopped waiting"}},
		{name: "a web page", url: srv.URL + "/page", problem: []string{"HTML page"}},
		{name: "not an http URL", url: "ftp://" + host + "/mcp", problem: []string{"not an absolute http(s) URL"}},
		{name: "401 with every token accepted", url: srv.URL + "/mcp", tokens: []Token{good, unset}},
		{name: "401 with a token refused", url: srv.URL + "/mcp", tokens: []Token{good, bad, unset}, refused: []string{"EX_TOKEN_WRITE"}},
		{name: "open server", url: tlsSrv.URL + "/mcp"},
		{name: "404 behind a gateway's 401", url: srv.URL + "/gated", tokens: []Token{good}, problem: []string{"404 Not Found", `"/gated"`}},
		{name: "a gateway's 401 without a token", url: srv.URL + "/gated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := PreflightOptions{URL: tt.url, Tokens: tt.tokens}
			if strings.HasPrefix(tt.url, tlsSrv.URL) {
				opts.HTTPClient = tlsSrv.Client()
			}
			d := Preflight(t.Context(), opts)
			for _, want := range tt.problem {
				if !strings.Contains(d.Problem, want) {
					t.Errorf("problem %q does not say %q", d.Problem, want)
				}
			}
			if len(tt.problem) == 0 && d.Problem != "" {
				t.Errorf("problem %q (hint %q) for a server that can be probed", d.Problem, d.Hint)
			}
			if (d.Problem == "") != (d.Err(tt.url) == nil) {
				t.Errorf("Err() = %v with problem %q", d.Err(tt.url), d.Problem)
			}
			for _, want := range tt.hint {
				if !strings.Contains(d.Hint, want) {
					t.Errorf("hint %q does not say %q", d.Hint, want)
				}
			}
			if len(d.Tokens) != len(tt.tokens) {
				t.Fatalf("%d tokens back, want %d", len(d.Tokens), len(tt.tokens))
			}
			for i, tok := range d.Tokens {
				refused := strings.Contains(strings.Join(tt.refused, " "), tok.Source)
				switch {
				case refused && (tok.Value != "" || !strings.Contains(tok.Problem, "refused the token from "+tok.Source+" with 401") || !strings.Contains(tok.Problem, "--login dcr")):
					t.Errorf("refused token %s: value kept %v, problem %q", tok.Source, tok.Value != "", tok.Problem)
				case !refused && (tok.Value != tt.tokens[i].Value || tok.Problem != tt.tokens[i].Problem):
					t.Errorf("token %s changed: problem %q", tok.Source, tok.Problem)
				}
				if strings.Contains(d.Problem+d.Hint+tok.Problem, "token-0123456789") || strings.Contains(tok.Problem, "9876543210") {
					t.Errorf("a token value is in a message: %q %q", d.Problem, tok.Problem)
				}
			}
			if tt.url == srv.URL+"/mcp" && (d.Status != http.StatusUnauthorized || !strings.Contains(d.Challenge["resource_metadata"], "oauth-protected-resource") || d.Challenge["scope"] != "orders:read") {
				t.Errorf("status %d, challenge %v: want the 401's challenge", d.Status, d.Challenge)
			}
		})
	}
	stub.mu.Lock()
	defer stub.mu.Unlock()
	if len(stub.open) != 0 {
		t.Errorf("the preflight left sessions open: %v", stub.open)
	}
}

// countingTransport counts the unauthenticated initialize requests that
// reach the server.
type countingTransport struct {
	mu     sync.Mutex
	unauth int
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost && r.Header.Get("Authorization") == "" && r.GetBody != nil {
		if b, err := r.GetBody(); err == nil {
			var msg struct{ Method string }
			if json.NewDecoder(b).Decode(&msg) == nil && msg.Method == "initialize" && r.Header.Get("Origin") == "" && r.Header.Get("MCP-Protocol-Version") == "" {
				c.mu.Lock()
				c.unauth++
				c.mu.Unlock()
			}
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestProbeTakesPreflightInitialize: given the preflight's diagnosis, the
// probe sends one unauthenticated initialize less, and its results and the
// evidence of that step are what they are when it sends its own.
func TestProbeTakesPreflightInitialize(t *testing.T) {
	for _, tt := range []struct {
		name string
		open bool // auth mode none: the initialize opens a session (closed again)
	}{
		{"oauth: a 401 with a challenge", false},
		{"none: a session", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, fixtureOpts{openInit: tt.open})
			mode, toks := manifest.AuthOAuth, f.tokens()
			if tt.open {
				mode, toks = manifest.AuthNone, nil
			}
			run := func(pre *Diagnosis) (*Report, int) {
				ct := &countingTransport{}
				rep, _ := runProbe(t, Options{Manifest: f.manifest(mode), Tokens: toks, HTTPClient: &http.Client{Transport: ct}, Preflight: pre})
				return rep, ct.unauth
			}
			own, sent := run(nil)
			d := Preflight(t.Context(), PreflightOptions{URL: f.url, Tokens: toks})
			if d.Problem != "" || d.unauth == nil {
				t.Fatalf("preflight: %q, recorded initialize: %v", d.Problem, d.unauth != nil)
			}
			taken, sentAfter := run(&d)
			if sentAfter != sent-1 {
				t.Errorf("unauthenticated initializes sent by the probe: %d with the preflight's, %d without", sentAfter, sent)
			}
			if a, b := dump(own.Results), dump(taken.Results); a != b {
				t.Errorf("results differ:\nown:\n%s\ntaken:\n%s", a, b)
			}
			step := func(rep *Report) string {
				for _, e := range rep.Evidence {
					if e.Title == stepUnauth {
						return string(e.ID) + " " + firstLines(string(e.Data))
					}
				}
				return ""
			}
			if a, b := step(own), step(taken); a == "" || a != b {
				t.Errorf("evidence of %q:\nown:   %q\ntaken: %q", stepUnauth, a, b)
			}
		})
	}
}

// firstLines is the request line and the status line of each exchange of
// a transcript: what stays the same from one run to the next.
func firstLines(transcript string) string {
	var out []string
	for _, l := range strings.Split(transcript, "\n") {
		if strings.HasPrefix(l, "POST ") || strings.HasPrefix(l, "DELETE ") || strings.HasPrefix(l, "HTTP/") {
			out = append(out, l)
		}
	}
	return strings.Join(out, " | ")
}
