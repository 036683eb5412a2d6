package app

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
	"golang.org/x/oauth2"
)

// Scopes the authorization server issues and the MCP server enforces.
const (
	scopeRead  = "orders:read"
	scopeWrite = "orders:write"
	scopeEmail = "email:send"
)

func allScopes() []string { return []string{scopeRead, scopeWrite, scopeEmail} }

// The one test user and the client id of tokens minted outside a flow.
const (
	testUser     = "demo"
	testPassword = "demo"
	testClientID = "orderly-test"
)

const (
	accessTokenLifetime  = time.Hour
	refreshTokenLifetime = 30 * 24 * time.Hour
	codeLifetime         = time.Minute
	maxClients           = 1000 // open registration, bounded
	maxFormBytes         = 64 << 10
)

// authServer is Orderly's OAuth 2.1 authorization server: RFC 8414 metadata,
// RFC 7591 registration of public clients, authorization code with PKCE S256
// only, RFC 8707 resource indicators, ES256 JWT access tokens (RFC 9068) and
// refresh tokens rotated on every use. State is in memory. The signing key
// is ECDSA P-256: a fresh one per server costs microseconds, where RSA-2048
// cost about 100 ms of CPU on every start.
type authServer struct {
	issuer   string
	resource string // the only resource (the MCP URL) tokens are issued for
	flaw     string
	now      func() time.Time
	key      *ecdsa.PrivateKey
	kid      string

	mu      sync.Mutex
	clients map[string]*oauthex.ClientRegistrationResponse
	codes   map[string]grant
	refresh map[string]grant  // live refresh token → its grant
	spent   map[string]string // rotated-away refresh token → family, to catch replay
	revoked map[string]bool   // jti of revoked access tokens
}

// grant is what a code or refresh token stands for.
type grant struct {
	Subject, ClientID, Scope, Resource string
	RedirectURI, Challenge             string // codes only
	Family                             string // refresh tokens: one per authorization
	Expires                            time.Time
}

func newAuthServer(issuer, resource, flaw string, now func() time.Time) (*authServer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating the token signing key: %w", err)
	}
	return &authServer{
		issuer:   issuer,
		resource: resource,
		flaw:     flaw,
		now:      now,
		key:      key,
		kid:      rand.Text()[:16],
		clients:  map[string]*oauthex.ClientRegistrationResponse{},
		codes:    map[string]grant{},
		refresh:  map[string]grant{},
		spent:    map[string]string{},
		revoked:  map[string]bool{},
	}, nil
}

// routes adds the authorization server's endpoints to mux.
func (a *authServer) routes(mux *http.ServeMux) {
	u, _ := url.Parse(a.issuer)
	meta := jsonHandler(a.metadata)
	mux.Handle("GET /.well-known/oauth-authorization-server"+u.Path, meta) // RFC 8414 path insertion
	mux.Handle("GET "+u.Path+"/.well-known/openid-configuration", meta)    // OIDC path appending
	mux.Handle("GET "+u.Path+"/jwks.json", jsonHandler(a.jwks))
	mux.HandleFunc("POST "+u.Path+"/register", a.registerClient)
	mux.HandleFunc("GET "+u.Path+"/authorize", a.authorize)
	mux.HandleFunc("POST "+u.Path+"/authorize", a.authorize)
	mux.HandleFunc("POST "+u.Path+"/token", a.token)
	mux.HandleFunc("POST "+u.Path+"/revoke", a.revoke)
}

func (a *authServer) metadata() any {
	methods := []string{"S256"}
	if a.flaw == flawNoS256 {
		methods = []string{"plain"}
	}
	return &oauthex.AuthServerMeta{
		Issuer:                                     a.issuer,
		AuthorizationEndpoint:                      a.issuer + "/authorize",
		TokenEndpoint:                              a.issuer + "/token",
		JWKSURI:                                    a.issuer + "/jwks.json",
		RegistrationEndpoint:                       a.issuer + "/register",
		RevocationEndpoint:                         a.issuer + "/revoke",
		ScopesSupported:                            allScopes(),
		ResponseTypesSupported:                     []string{"code"},
		GrantTypesSupported:                        []string{"authorization_code", "refresh_token"},
		TokenEndpointAuthMethodsSupported:          []string{"none"},
		RevocationEndpointAuthMethodsSupported:     []string{"none"},
		CodeChallengeMethodsSupported:              methods,
		AuthorizationResponseIssParameterSupported: true,
	}
}

// jwks publishes the public signing key (RFC 7517, RFC 7518 section 6.2).
func (a *authServer) jwks() any {
	// The SEC 1 uncompressed point: 0x04, then X and Y, 32 bytes each.
	point, err := a.key.PublicKey.Bytes()
	if err != nil || len(point) != 65 {
		return map[string]any{"keys": []any{}} // not reached: the key is generated on P-256
	}
	b64 := base64.RawURLEncoding.EncodeToString
	return map[string]any{"keys": []map[string]string{{
		"kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": a.kid,
		"x": b64(point[1:33]), "y": b64(point[33:]),
	}}}
}

// registerClient is RFC 7591 dynamic registration, for public clients only.
func (a *authServer) registerClient(w http.ResponseWriter, r *http.Request) {
	var md oauthex.ClientRegistrationMetadata
	body, err := io.ReadAll(io.LimitReader(r.Body, maxFormBytes+1))
	if err != nil || len(body) > maxFormBytes || json.Unmarshal(body, &md) != nil {
		oauthError(w, http.StatusBadRequest, "invalid_client_metadata", "the body must be a JSON object of at most 64 KiB")
		return
	}
	if len(md.RedirectURIs) == 0 {
		oauthError(w, http.StatusBadRequest, "invalid_redirect_uri", "redirect_uris is required")
		return
	}
	for _, u := range md.RedirectURIs {
		if !acceptableRedirect(u) {
			oauthError(w, http.StatusBadRequest, "invalid_redirect_uri", fmt.Sprintf("%q: want an https URL or an http URL on a loopback host, without a fragment", u))
			return
		}
	}
	switch md.TokenEndpointAuthMethod {
	case "", "none":
		md.TokenEndpointAuthMethod = "none"
	default:
		oauthError(w, http.StatusBadRequest, "invalid_client_metadata", "only public clients are supported (token_endpoint_auth_method \"none\")")
		return
	}
	if len(md.GrantTypes) == 0 {
		md.GrantTypes = []string{"authorization_code", "refresh_token"}
	}
	for _, g := range md.GrantTypes {
		if g != "authorization_code" && g != "refresh_token" {
			oauthError(w, http.StatusBadRequest, "invalid_client_metadata", fmt.Sprintf("grant type %q is not supported", g))
			return
		}
	}
	if len(md.ResponseTypes) == 0 {
		md.ResponseTypes = []string{"code"}
	}
	if !slices.Equal(md.ResponseTypes, []string{"code"}) {
		oauthError(w, http.StatusBadRequest, "invalid_client_metadata", "only the response type \"code\" is supported")
		return
	}
	resp := &oauthex.ClientRegistrationResponse{ClientRegistrationMetadata: md, ClientID: rand.Text(), ClientIDIssuedAt: a.now()}
	a.mu.Lock()
	full := len(a.clients) >= maxClients
	if !full {
		a.clients[resp.ClientID] = resp
	}
	a.mu.Unlock()
	if full {
		oauthError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "too many registered clients")
		return
	}
	writeJSON(w, http.StatusCreated, resp)
}

// acceptableRedirect allows https URLs and http URLs on loopback hosts
// (RFC 8252 native apps), never with a fragment.
func acceptableRedirect(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.Fragment != "" || u.Host == "" {
		return false
	}
	switch u.Scheme {
	case "https":
		return true
	case "http":
		h := u.Hostname()
		ip := net.ParseIP(h)
		return h == "localhost" || (ip != nil && ip.IsLoopback())
	}
	return false
}

func (a *authServer) client(id string) *oauthex.ClientRegistrationResponse {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.clients[id]
}

// authRequest is a validated authorization request.
type authRequest struct {
	Action      string     // the path the login form posts to
	Params      url.Values // the request's own parameters, echoed by the login form
	ClientName  string
	RedirectURI string
	State       string
	Scope       string
	Challenge   string
	Error       string // shown on the login form
}

// authorize serves the authorization endpoint. A request carrying
// login_hint=demo is consented on the test user's behalf at once: a test-only
// affordance so probes and tests need no browser. Otherwise the user signs in
// on a small form (demo/demo) that posts back here.
func (a *authServer) authorize(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		authorizePage(w, http.StatusBadRequest, "The authorization request could not be read.", nil)
		return
	}
	f := r.URL.Query() // the form posts every parameter back, to the bare path
	if r.Method == http.MethodPost {
		f = r.PostForm
	}
	c := a.client(f.Get("client_id"))
	if c == nil {
		authorizePage(w, http.StatusBadRequest, "Unknown client_id: register the client first.", nil)
		return
	}
	redirect := f.Get("redirect_uri")
	if !slices.Contains(c.RedirectURIs, redirect) {
		authorizePage(w, http.StatusBadRequest, "redirect_uri does not exactly match a URI registered for this client.", nil)
		return
	}
	// From here on errors go back to the client.
	state := f.Get("state")
	fail := func(code, desc string) {
		a.redirect(w, r, redirect, url.Values{"error": {code}, "error_description": {desc}}, state)
	}
	if f.Get("response_type") != "code" {
		fail("unsupported_response_type", "only response_type=code is supported")
		return
	}
	challenge, method := f.Get("code_challenge"), f.Get("code_challenge_method")
	switch {
	case challenge == "":
		fail("invalid_request", "PKCE is required: send code_challenge with code_challenge_method=S256")
		return
	case method != "S256":
		fail("invalid_request", "code_challenge_method must be S256")
		return
	case len(challenge) != 43 || strings.Trim(challenge, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "":
		fail("invalid_request", "code_challenge must be a base64url SHA-256 digest")
		return
	}
	if res := f["resource"]; len(res) > 1 || (len(res) == 1 && res[0] != a.resource) {
		fail("invalid_target", "resource must be "+a.resource)
		return
	}
	scope, ok := a.scopes(f.Get("scope"))
	if !ok {
		fail("invalid_scope", "scope must be drawn from "+joinScopes(allScopes()))
		return
	}
	req := &authRequest{Action: r.URL.Path, Params: f, ClientName: c.ClientName, RedirectURI: redirect, State: state, Scope: scope, Challenge: challenge}
	switch {
	case r.Method == http.MethodGet && f.Get("login_hint") == testUser:
	case r.Method == http.MethodPost && f.Has("username"):
		if subtle.ConstantTimeCompare([]byte(f.Get("username")), []byte(testUser)) != 1 ||
			subtle.ConstantTimeCompare([]byte(f.Get("password")), []byte(testPassword)) != 1 {
			req.Error = "Wrong username or password."
			authorizePage(w, http.StatusUnauthorized, "", req)
			return
		}
		if a.emailedCode(w, f) {
			return
		}
	default:
		authorizePage(w, http.StatusOK, "", req)
		return
	}
	code := rand.Text()
	a.mu.Lock()
	a.codes[code] = grant{
		Subject: testUser, ClientID: c.ClientID, Scope: scope, Resource: a.resource,
		RedirectURI: redirect, Challenge: challenge, Expires: a.now().Add(codeLifetime),
	}
	a.mu.Unlock()
	a.redirect(w, r, redirect, url.Values{"code": {code}}, state)
}

// scopes validates a requested scope string; empty means orders:read.
func (a *authServer) scopes(s string) (string, bool) {
	req := strings.Fields(s)
	if len(req) == 0 {
		return scopeRead, true
	}
	for _, sc := range req {
		if !slices.Contains(allScopes(), sc) {
			return "", false
		}
	}
	return joinScopes(req), true
}

// redirect sends the authorization response, with iss (RFC 9207).
func (a *authServer) redirect(w http.ResponseWriter, r *http.Request, to string, q url.Values, state string) {
	u, _ := url.Parse(to) // registered, so it parses
	v := u.Query()
	for k, vs := range q {
		v[k] = vs
	}
	if state != "" {
		v.Set("state", state)
	}
	v.Set("iss", a.issuer)
	u.RawQuery = v.Encode()
	status := http.StatusFound
	if r.Method == http.MethodPost {
		status = http.StatusSeeOther
	}
	http.Redirect(w, r, u.String(), status)
}

// token serves the token endpoint for both grants.
func (a *authServer) token(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "the body must be a form")
		return
	}
	f := r.PostForm
	clientID := f.Get("client_id")
	if user, pass, ok := r.BasicAuth(); ok { // some clients send a public client's id as Basic user
		if id, err := url.QueryUnescape(user); err == nil && pass == "" && (clientID == "" || clientID == id) {
			clientID = id
		} else {
			oauthError(w, http.StatusUnauthorized, "invalid_client", "public clients authenticate with client_id only")
			return
		}
	}
	if a.client(clientID) == nil {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "unknown client_id")
		return
	}
	if res := f["resource"]; len(res) > 1 || (len(res) == 1 && res[0] != a.resource) {
		oauthError(w, http.StatusBadRequest, "invalid_target", "resource must be "+a.resource)
		return
	}
	var g grant
	var err error
	switch f.Get("grant_type") {
	case "authorization_code":
		g, err = a.redeemCode(clientID, f)
	case "refresh_token":
		g, err = a.redeemRefresh(clientID, f)
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "use authorization_code or refresh_token")
		return
	}
	if err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_grant", err.Error())
		return
	}
	access, err := a.accessToken(g)
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", "the token could not be signed")
		return
	}
	refresh := rand.Text()
	g.Expires = a.now().Add(refreshTokenLifetime)
	g.RedirectURI, g.Challenge = "", ""
	a.mu.Lock()
	a.refresh[refresh] = g
	a.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token":  access,
		"token_type":    "Bearer",
		"expires_in":    int(accessTokenLifetime / time.Second),
		"refresh_token": refresh,
		"scope":         g.Scope,
	})
}

// redeemCode spends an authorization code, checking PKCE.
func (a *authServer) redeemCode(clientID string, f url.Values) (grant, error) {
	a.mu.Lock()
	g, ok := a.codes[f.Get("code")]
	delete(a.codes, f.Get("code")) // single use, even when the exchange fails
	a.mu.Unlock()
	switch {
	case !ok || a.now().After(g.Expires):
		return grant{}, errors.New("the code is unknown, used or expired")
	case g.ClientID != clientID:
		return grant{}, errors.New("the code was issued to another client")
	case g.RedirectURI != f.Get("redirect_uri"):
		return grant{}, errors.New("redirect_uri differs from the authorization request")
	case f.Get("code_verifier") == "":
		return grant{}, errors.New("code_verifier is required")
	case subtle.ConstantTimeCompare([]byte(oauth2.S256ChallengeFromVerifier(f.Get("code_verifier"))), []byte(g.Challenge)) != 1:
		return grant{}, errors.New("code_verifier does not match the code_challenge")
	}
	g.Family = rand.Text()
	return g, nil
}

// redeemRefresh rotates a refresh token. Replaying a rotated-away token
// revokes the whole family, as OAuth 2.1 advises for public clients.
func (a *authServer) redeemRefresh(clientID string, f url.Values) (grant, error) {
	tok := f.Get("refresh_token")
	a.mu.Lock()
	defer a.mu.Unlock()
	g, ok := a.refresh[tok]
	if !ok {
		if fam, replay := a.spent[tok]; replay {
			a.revokeFamily(fam)
		}
		return grant{}, errors.New("the refresh token is unknown, rotated or revoked")
	}
	if a.now().After(g.Expires) || g.ClientID != clientID {
		return grant{}, errors.New("the refresh token is expired or belongs to another client")
	}
	if s := f.Get("scope"); s != "" { // narrowing only
		for _, sc := range strings.Fields(s) {
			if !slices.Contains(strings.Fields(g.Scope), sc) {
				return grant{}, fmt.Errorf("scope %q was not granted", sc)
			}
		}
		g.Scope = joinScopes(strings.Fields(s))
	}
	delete(a.refresh, tok)
	a.spent[tok] = g.Family
	return g, nil
}

// revokeFamily drops every live refresh token of one authorization. Callers hold a.mu.
func (a *authServer) revokeFamily(family string) {
	for t, g := range a.refresh {
		if g.Family == family {
			delete(a.refresh, t)
		}
	}
}

// revoke is RFC 7009: refresh tokens end their family, access tokens are
// refused by the MCP server from then on. It answers 200 whatever the token.
func (a *authServer) revoke(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil || r.PostForm.Get("token") == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "token is required")
		return
	}
	tok := r.PostForm.Get("token")
	a.mu.Lock()
	if g, ok := a.refresh[tok]; ok {
		a.revokeFamily(g.Family)
	}
	a.mu.Unlock()
	if claims, err := a.parse(tok); err == nil {
		a.mu.Lock()
		a.revoked[claims.ID] = true
		a.mu.Unlock()
	}
	w.WriteHeader(http.StatusOK)
}

// accessClaims are the claims of an access token (RFC 9068).
type accessClaims struct {
	jwt.RegisteredClaims
	Scope    string `json:"scope"`
	ClientID string `json:"client_id"`
}

// accessToken signs an access token for g, valid for an hour.
func (a *authServer) accessToken(g grant) (string, error) {
	now := a.now()
	t := jwt.NewWithClaims(jwt.SigningMethodES256, accessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    a.issuer,
			Subject:   g.Subject,
			Audience:  jwt.ClaimStrings{g.Resource},
			ExpiresAt: jwt.NewNumericDate(now.Add(accessTokenLifetime)),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        rand.Text(),
		},
		Scope:    g.Scope,
		ClientID: g.ClientID,
	})
	t.Header["typ"] = "at+jwt"
	t.Header["kid"] = a.kid
	s, err := t.SignedString(a.key)
	if err != nil {
		return "", fmt.Errorf("signing an access token: %w", err)
	}
	return s, nil
}

// parse checks an access token's signature, type, issuer, audience and expiry.
func (a *authServer) parse(raw string) (*accessClaims, error) {
	return a.parseWith(raw, jwt.WithAudience(a.resource))
}

// parseAnyAudience is parse without the audience check (the
// accept-foreign-audience flaw).
func (a *authServer) parseAnyAudience(raw string) (*accessClaims, error) {
	return a.parseWith(raw)
}

func (a *authServer) parseWith(raw string, extra ...jwt.ParserOption) (*accessClaims, error) {
	var c accessClaims
	opts := append([]jwt.ParserOption{
		jwt.WithValidMethods([]string{jwt.SigningMethodES256.Alg()}),
		jwt.WithIssuer(a.issuer),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(a.now),
	}, extra...)
	_, err := jwt.ParseWithClaims(raw, &c, func(t *jwt.Token) (any, error) {
		if t.Header["typ"] != "at+jwt" || t.Header["kid"] != a.kid {
			return nil, errors.New("not an access token of this issuer")
		}
		return &a.key.PublicKey, nil
	}, opts...)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	revoked := a.revoked[c.ID]
	a.mu.Unlock()
	if revoked {
		return nil, errors.New("the token was revoked")
	}
	return &c, nil
}

func joinScopes(s []string) string { return strings.Join(s, " ") }

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// jsonHandler serves a public metadata document.
func jsonHandler(doc func() any) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		writeJSON(w, http.StatusOK, doc())
	})
}

var authorizeTemplate = template.Must(template.New("authorize").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in to Orderly</title>
<style>
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;background:#f4f5f7;color:#1d2330;margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center}
main{background:#fff;border-radius:12px;box-shadow:0 2px 12px rgba(0,0,0,.08);padding:32px;width:360px}
h1{font-size:22px;margin:0 0 4px}p{margin:0 0 16px;color:#555}
label{display:block;font-weight:600;margin:12px 0 4px}input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:10px;border:1px solid #c8ccd4;border-radius:8px;font:inherit}
button{margin-top:20px;width:100%;padding:11px;border:0;border-radius:8px;background:#2f5bea;color:#fff;font:inherit;font-weight:600;cursor:pointer}
.err{background:#fdecec;color:#a11;padding:8px 12px;border-radius:8px}.scope{font-family:ui-monospace,monospace;font-size:14px}
</style></head><body><main>
{{if .Message}}<h1>Cannot sign in</h1><p class="err">{{.Message}}</p>{{else}}{{with .Req}}
<h1>Sign in to Orderly</h1>
<p>{{if .ClientName}}<strong>{{.ClientName}}</strong>{{else}}An app{{end}} asks to use your Orderly account with the permissions <span class="scope">{{.Scope}}</span>.</p>
{{if .Error}}<p class="err" role="alert">{{.Error}}</p>{{end}}
<form method="post" action="{{.Action}}">
{{range $k, $vs := .Params}}{{if and (ne $k "username") (ne $k "password")}}{{range $vs}}<input type="hidden" name="{{$k}}" value="{{.}}">{{end}}{{end}}{{end}}
<label for="username">Username</label><input id="username" name="username" type="text" autocomplete="username" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in and allow</button>
</form>{{end}}{{end}}
</main></body></html>`))

// authorizePage renders the login form (req set) or an error page (msg set).
func authorizePage(w http.ResponseWriter, status int, msg string, req *authRequest) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	w.WriteHeader(status)
	authorizeTemplate.Execute(w, struct {
		Message string
		Req     *authRequest
	}{msg, req})
}
