package app_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
	"golang.org/x/oauth2"

	"github.com/dossier-dev/dossier/samples/app"
)

const redirectURI = "http://127.0.0.1:9/callback"

// asMetadata is the part of RFC 8414 metadata the tests read.
type asMetadata struct {
	Issuer                            string   `json:"issuer"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	RegistrationEndpoint              string   `json:"registration_endpoint"`
	RevocationEndpoint                string   `json:"revocation_endpoint"`
	JWKSURI                           string   `json:"jwks_uri"`
	CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported"`
	ScopesSupported                   []string `json:"scopes_supported"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	IssParameterSupported             bool     `json:"authorization_response_iss_parameter_supported"`
}

func metadata(t *testing.T, s *app.Server) asMetadata {
	t.Helper()
	var m asMetadata
	getJSON(t, s.Origin+"/.well-known/oauth-authorization-server/oauth", &m)
	return m
}

func TestAuthServerMetadata(t *testing.T) {
	s := start(t, "")
	for _, path := range []string{"/.well-known/oauth-authorization-server/oauth", "/oauth/.well-known/openid-configuration"} {
		t.Run(path, func(t *testing.T) {
			var m asMetadata
			getJSON(t, s.Origin+path, &m)
			want := asMetadata{
				Issuer:                            s.Issuer,
				AuthorizationEndpoint:             s.Issuer + "/authorize",
				TokenEndpoint:                     s.Issuer + "/token",
				RegistrationEndpoint:              s.Issuer + "/register",
				RevocationEndpoint:                s.Issuer + "/revoke",
				JWKSURI:                           s.Issuer + "/jwks.json",
				CodeChallengeMethodsSupported:     []string{"S256"},
				ScopesSupported:                   fullScopes,
				GrantTypesSupported:               []string{"authorization_code", "refresh_token"},
				ResponseTypesSupported:            []string{"code"},
				TokenEndpointAuthMethodsSupported: []string{"none"},
				IssParameterSupported:             true,
			}
			got, _ := json.Marshal(m)
			w, _ := json.Marshal(want)
			if string(got) != string(w) {
				t.Errorf("metadata\n got %s\nwant %s", got, w)
			}
		})
	}
}

// register does RFC 7591 dynamic registration of a public client.
func register(t *testing.T, s *app.Server, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, s.Issuer+"/register", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestRegistration(t *testing.T) {
	s := start(t, "")
	tests := []struct {
		name, body string
		want       int
	}{
		{"minimal native", `{"redirect_uris":["` + redirectURI + `"],"token_endpoint_auth_method":"none","application_type":"native"}`, http.StatusCreated},
		{"https web", `{"redirect_uris":["https://chatgpt.com/connector_platform_oauth_redirect"],"client_name":"ChatGPT"}`, http.StatusCreated},
		{"no redirect", `{"token_endpoint_auth_method":"none"}`, http.StatusBadRequest},
		{"javascript redirect", `{"redirect_uris":["javascript:alert(1)"]}`, http.StatusBadRequest},
		{"plain http off loopback", `{"redirect_uris":["http://evil.example/cb"]}`, http.StatusBadRequest},
		{"confidential", `{"redirect_uris":["` + redirectURI + `"],"token_endpoint_auth_method":"client_secret_basic"}`, http.StatusBadRequest},
		{"not json", `redirect_uris=x`, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out := register(t, s, tt.body)
			if code != tt.want {
				t.Fatalf("status %d, want %d (%v)", code, tt.want, out)
			}
			if code == http.StatusCreated && (out["client_id"] == "" || out["token_endpoint_auth_method"] != "none") {
				t.Errorf("registration response %v lacks client_id or is not a public client", out)
			}
		})
	}
}

// flow is one registered client of a server.
type flow struct {
	s   *app.Server
	cfg oauth2.Config
}

func newFlow(t *testing.T, s *app.Server, scopes []string) *flow {
	t.Helper()
	code, out := register(t, s, `{"redirect_uris":["`+redirectURI+`"],"token_endpoint_auth_method":"none","client_name":"dossier test"}`)
	if code != http.StatusCreated {
		t.Fatalf("registration: %d %v", code, out)
	}
	return &flow{s, oauth2.Config{
		ClientID:    out["client_id"].(string),
		RedirectURL: redirectURI,
		Scopes:      scopes,
		Endpoint:    oauth2.Endpoint{AuthURL: s.Issuer + "/authorize", TokenURL: s.Issuer + "/token", AuthStyle: oauth2.AuthStyleInParams},
	}}
}

var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// authorize sends an authorization request and returns the redirect's query.
func (f *flow) authorize(t *testing.T, opts ...oauth2.AuthCodeOption) url.Values {
	t.Helper()
	opts = append([]oauth2.AuthCodeOption{oauth2.SetAuthURLParam("login_hint", "demo")}, opts...)
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, f.cfg.AuthCodeURL("st-123", opts...), nil)
	resp, err := noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || !strings.HasPrefix(loc.String(), redirectURI) {
		t.Fatalf("authorization: status %d, Location %q; want a redirect to %s", resp.StatusCode, resp.Header.Get("Location"), redirectURI)
	}
	q := loc.Query()
	if q.Get("state") != "st-123" || q.Get("iss") != f.s.Issuer {
		t.Errorf("redirect %s: want state st-123 and iss %s", loc, f.s.Issuer)
	}
	return q
}

// token runs the whole flow: PKCE S256, resource, consent, code exchange.
func (f *flow) token(t *testing.T) *oauth2.Token {
	t.Helper()
	verifier := oauth2.GenerateVerifier()
	resource := oauth2.SetAuthURLParam("resource", f.s.URL)
	q := f.authorize(t, oauth2.S256ChallengeOption(verifier), resource)
	tok, err := f.cfg.Exchange(t.Context(), q.Get("code"), oauth2.VerifierOption(verifier), resource)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// jwksKey fetches the server's signing key from its JWKS: one P-256 key.
func jwksKey(t *testing.T, s *app.Server) *ecdsa.PublicKey {
	t.Helper()
	var set struct {
		Keys []struct{ Kty, Crv, Alg, X, Y string }
	}
	getJSON(t, metadata(t, s).JWKSURI, &set)
	if len(set.Keys) != 1 || set.Keys[0].Kty != "EC" || set.Keys[0].Crv != "P-256" || set.Keys[0].Alg != "ES256" {
		t.Fatalf("JWKS %+v, want one EC P-256 key for ES256", set)
	}
	x, err1 := base64.RawURLEncoding.DecodeString(set.Keys[0].X)
	y, err2 := base64.RawURLEncoding.DecodeString(set.Keys[0].Y)
	if err := errors.Join(err1, err2); err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
	if err != nil {
		t.Fatalf("JWKS key: %v", err)
	}
	return key
}

func TestAuthorizationCodeFlow(t *testing.T) {
	s := start(t, "")
	f := newFlow(t, s, []string{"orders:read", "orders:write"})
	tok := f.token(t)

	var claims struct {
		jwt.RegisteredClaims
		Scope    string `json:"scope"`
		ClientID string `json:"client_id"`
	}
	parsed, err := jwt.ParseWithClaims(tok.AccessToken, &claims, func(*jwt.Token) (any, error) { return jwksKey(t, s), nil },
		jwt.WithValidMethods([]string{"ES256"}), jwt.WithIssuer(s.Issuer), jwt.WithAudience(s.URL), jwt.WithExpirationRequired())
	if err != nil {
		t.Fatal(err)
	}
	if parsed.Header["typ"] != "at+jwt" || parsed.Header["kid"] == nil {
		t.Errorf("header %v, want typ at+jwt and a kid", parsed.Header)
	}
	if life := claims.ExpiresAt.Sub(claims.IssuedAt.Time); life != time.Hour {
		t.Errorf("token lives %v, want 1h", life)
	}
	if claims.Scope != "orders:read orders:write" || claims.Subject != "demo" || claims.ClientID != f.cfg.ClientID || claims.ID == "" {
		t.Errorf("claims %+v", claims)
	}
	if ei, _ := tok.Extra("expires_in").(float64); ei != 3600 {
		t.Errorf("expires_in %v, want 3600", tok.Extra("expires_in"))
	}
	if r := post(t, s, rpcRequest{token: tok.AccessToken, body: initialize("2025-11-25")}); r.status != http.StatusOK {
		t.Errorf("the MCP server refused the issued token: %d %s", r.status, r.body)
	}

	t.Run("code is single use", func(t *testing.T) {
		verifier := oauth2.GenerateVerifier()
		q := f.authorize(t, oauth2.S256ChallengeOption(verifier))
		if _, err := f.cfg.Exchange(t.Context(), q.Get("code"), oauth2.VerifierOption(verifier)); err != nil {
			t.Fatal(err)
		}
		wantOAuthError(t, "invalid_grant")(f.cfg.Exchange(t.Context(), q.Get("code"), oauth2.VerifierOption(verifier)))
	})

	t.Run("refresh rotates", func(t *testing.T) {
		first := tok.RefreshToken
		next := f.refresh(t, first)
		if next.RefreshToken == "" || next.RefreshToken == first {
			t.Fatalf("refresh token %q was not rotated", next.RefreshToken)
		}
		wantOAuthError(t, "invalid_grant")(f.cfgRefresh(t, first))
		// Replaying the old token revoked its family, the new one too.
		wantOAuthError(t, "invalid_grant")(f.cfgRefresh(t, next.RefreshToken))
	})

	t.Run("revocation", func(t *testing.T) {
		tok := f.token(t)
		resp, err := http.PostForm(s.Issuer+"/revoke", url.Values{"token": {tok.AccessToken}, "client_id": {f.cfg.ClientID}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("revoke: %d", resp.StatusCode)
		}
		wantChallenge(t, post(t, s, rpcRequest{token: tok.AccessToken, body: initialize("2025-11-25")}), http.StatusUnauthorized, `error="invalid_token"`)
	})
}

func (f *flow) refresh(t *testing.T, rt string) *oauth2.Token {
	t.Helper()
	tok, err := f.cfgRefresh(t, rt)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (f *flow) cfgRefresh(t *testing.T, rt string) (*oauth2.Token, error) {
	return f.cfg.TokenSource(t.Context(), &oauth2.Token{RefreshToken: rt, Expiry: time.Unix(1, 0)}).Token()
}

// wantOAuthError returns a checker of a token endpoint call that must fail with code.
func wantOAuthError(t *testing.T, code string) func(*oauth2.Token, error) {
	t.Helper()
	return func(_ *oauth2.Token, err error) {
		t.Helper()
		var re *oauth2.RetrieveError
		if !errors.As(err, &re) || re.ErrorCode != code {
			t.Errorf("got %v, want the OAuth error %s", err, code)
		}
	}
}

func TestAuthorizationRefused(t *testing.T) {
	s := start(t, "")
	f := newFlow(t, s, readScopes)
	verifier := oauth2.GenerateVerifier()
	tests := []struct {
		name string
		opts []oauth2.AuthCodeOption
		want string
	}{
		{"no PKCE", nil, "invalid_request"},
		{"plain PKCE", []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("code_challenge", verifier), oauth2.SetAuthURLParam("code_challenge_method", "plain")}, "invalid_request"},
		{"PKCE without method", []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("code_challenge", oauth2.S256ChallengeFromVerifier(verifier))}, "invalid_request"},
		{"other resource", []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("resource", "https://other.example/mcp")}, "invalid_target"},
		{"unknown scope", []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("scope", "admin")}, "invalid_scope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := f.authorize(t, tt.opts...); got.Get("error") != tt.want || got.Get("code") != "" {
				t.Errorf("redirect %v, want error %s and no code", got, tt.want)
			}
		})
	}

	t.Run("wrong verifier", func(t *testing.T) {
		q := f.authorize(t, oauth2.S256ChallengeOption(verifier))
		wantOAuthError(t, "invalid_grant")(f.cfg.Exchange(t.Context(), q.Get("code"), oauth2.VerifierOption(oauth2.GenerateVerifier())))
	})
	t.Run("other resource at the token endpoint", func(t *testing.T) {
		q := f.authorize(t, oauth2.S256ChallengeOption(verifier))
		wantOAuthError(t, "invalid_target")(f.cfg.Exchange(t.Context(), q.Get("code"), oauth2.VerifierOption(verifier), oauth2.SetAuthURLParam("resource", "https://other.example/mcp")))
	})
	t.Run("unregistered redirect_uri is not followed", func(t *testing.T) {
		other := f.cfg
		other.RedirectURL = "http://127.0.0.1:9/other"
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, other.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("login_hint", "demo")), nil)
		resp, err := noRedirects.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
			t.Errorf("status %d, Location %q; want 400 and no redirect", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
}

// TestLoginForm drives the interactive sign-in without a browser.
func TestLoginForm(t *testing.T) {
	s := start(t, "")
	f := newFlow(t, s, readScopes)
	verifier := oauth2.GenerateVerifier()
	authURL, _ := url.Parse(f.cfg.AuthCodeURL("st-9", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("resource", s.URL)))

	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, authURL.String(), nil)
	resp, err := noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("login form: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}

	tests := []struct {
		name, password string
		want           int
	}{
		{"wrong password", "nope", http.StatusUnauthorized},
		{"demo/demo", "demo", http.StatusSeeOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := authURL.Query()
			form.Set("username", "demo")
			form.Set("password", tt.password)
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, s.Issuer+"/authorize", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := noRedirects.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.want)
			}
			if tt.want == http.StatusSeeOther {
				loc, _ := url.Parse(resp.Header.Get("Location"))
				if _, err := f.cfg.Exchange(t.Context(), loc.Query().Get("code"), oauth2.VerifierOption(verifier)); err != nil {
					t.Errorf("exchanging the code from the form: %v", err)
				}
			}
		})
	}
}

// TestSDKClientSignsIn connects the go-sdk's own OAuth client, which does
// the whole discovery from the 401 (PRM, AS metadata, DCR, PKCE S256,
// resource, iss check), consenting through the test-only login_hint.
func TestSDKClientSignsIn(t *testing.T) {
	s := start(t, "")
	fetch := func(ctx context.Context, args *auth.AuthorizationArgs) (*auth.AuthorizationResult, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, args.URL+"&login_hint=demo", nil)
		if err != nil {
			return nil, err
		}
		resp, err := noRedirects.Do(req)
		if err != nil {
			return nil, err
		}
		resp.Body.Close()
		loc, err := url.Parse(resp.Header.Get("Location"))
		if err != nil {
			return nil, err
		}
		q := loc.Query()
		return &auth.AuthorizationResult{Code: q.Get("code"), State: q.Get("state"), Iss: q.Get("iss")}, nil
	}
	h, err := auth.NewAuthorizationCodeHandler(&auth.AuthorizationCodeHandlerConfig{
		DynamicClientRegistrationConfig: &auth.DynamicClientRegistrationConfig{Metadata: &oauthex.ClientRegistrationMetadata{
			RedirectURIs: []string{redirectURI}, TokenEndpointAuthMethod: "none", ClientName: "go-sdk test",
		}},
		RedirectURL:              redirectURI,
		AuthorizationCodeFetcher: fetch,
	})
	if err != nil {
		t.Fatal(err)
	}
	c := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil)
	cs, err := c.Connect(t.Context(), &mcp.StreamableClientTransport{Endpoint: s.URL, OAuthHandler: h, DisableStandaloneSSE: true, MaxRetries: -1},
		&mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "get_order", Arguments: map[string]any{"order_id": "ORD-1045"}})
	if err != nil || res.IsError {
		t.Fatalf("get_order after sign-in: %v %+v", err, res)
	}
}
