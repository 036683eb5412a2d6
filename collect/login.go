package collect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/dossier-dev/dossier/pack/live"
)

// LoginOptions configure an unattended sign-in.
type LoginOptions struct {
	MCPURL      string
	Scopes      []string
	LoginHint   string
	HTTPClient  *http.Client
	RedirectURL string // default http://127.0.0.1:<free>/callback; nothing needs to listen
	// Resource is the resource indicator to ask for; "" asks for the MCP
	// server itself (its PRM resource). Another value asks for a token the
	// probe sends to check auth.audience; ASes that know only their own
	// resources refuse it (invalid_target).
	Resource string

	// Form drives an identity provider's login page when the authorization
	// server shows one instead of redirecting, signing in as User with
	// Password (in a browser: see evidence/chrome).
	Form           FormLogin
	User, Password string

	// Prompt, when set, makes the sign-in interactive: Login listens on a
	// loopback redirect URI, calls Prompt with the authorization URL (to
	// print it and open a browser), and waits for the person to finish,
	// for at most Wait (default 5 minutes) or until ctx ends.
	Prompt func(authURL string)
	Wait   time.Duration
}

// FormLogin signs in on a login page: it opens authURL, fills in user and
// password, and follows the pages until the browser is sent to a URL that
// starts with redirectPrefix, which it returns.
type FormLogin interface {
	Login(ctx context.Context, authURL, redirectPrefix, user, password string) (callbackURL string, err error)
}

// Login obtains a token the way an MCP client does — PRM, AS metadata, DCR,
// authorization code with PKCE S256 and resource — without a browser. It
// works with authorization servers that grant consent without a person
// (for instance for a login_hint they know): the code is read from the
// redirect's Location, which is never followed.
func Login(ctx context.Context, opts LoginOptions) (Token, error) {
	mcpURL, err := url.Parse(opts.MCPURL)
	if err != nil || mcpURL.Host == "" {
		return Token{}, fmt.Errorf("signing in: MCP URL %q is not absolute", opts.MCPURL)
	}
	base := http.DefaultTransport
	if opts.HTTPClient != nil && opts.HTTPClient.Transport != nil {
		base = opts.HTTPClient.Transport
	}
	red := newRedactor()
	rec := newRecorder(base, defaultLoginTimeout, maxInFlight, red, opts.MCPURL)
	p := &prober{mcpURL: mcpURL, red: red, rec: rec, hc: rec.client()}

	// Discovery, as in Probe.
	p.unauth = p.post(ctx, rawCall{method: "initialize", params: initParams(version20251125)})
	if p.unauth.status == http.StatusUnauthorized {
		for _, h := range p.unauth.header.Values("WWW-Authenticate") {
			if params, ok := bearerChallenge(h); ok {
				p.oauth.challenge, p.oauth.challengeOK = params, true
				break
			}
		}
	}
	p.obs.OAuth = &live.OAuth{}
	p.discoverPRM(ctx)
	if p.oauth.prm == nil {
		return Token{}, fmt.Errorf("signing in to %q: no protected resource metadata (%s)", opts.MCPURL, strings.Join(p.oauth.prmAttempts, "; "))
	}
	p.oauth.issuer = p.oauth.prm.AuthorizationServers[0]
	var as *asDoc
	for _, u := range asMetadataURLs(p.oauth.issuer) {
		var d asDoc
		if _, _, problem := p.fetchJSON(ctx, u, &d); problem == "" {
			as = &d
			break
		}
	}
	if as == nil {
		return Token{}, fmt.Errorf("signing in: no authorization server metadata for issuer %q", p.oauth.issuer)
	}
	if as.Issuer != p.oauth.issuer {
		return Token{}, fmt.Errorf("signing in: metadata issuer %q is not %q", as.Issuer, p.oauth.issuer)
	}
	if !containsFold(as.CodeChallengeMethods, "S256") {
		return Token{}, fmt.Errorf("signing in: authorization server %q does not support PKCE S256", as.Issuer)
	}
	if as.RegistrationEndpoint == "" {
		return Token{}, fmt.Errorf("signing in: authorization server %q offers no dynamic client registration", as.Issuer)
	}

	redirect := opts.RedirectURL
	var cb *callback
	switch {
	case opts.Prompt != nil:
		cb, err = listenCallback()
		if err != nil {
			return Token{}, err
		}
		defer cb.close()
		redirect = cb.url
	case redirect == "":
		port, err := freePort()
		if err != nil {
			return Token{}, fmt.Errorf("signing in: choosing a redirect port: %w", err)
		}
		redirect = fmt.Sprintf("http://127.0.0.1:%d/callback", port)
	}
	clientID, err := p.register(ctx, as.RegistrationEndpoint, redirect)
	if err != nil {
		return Token{}, err
	}

	scopes := opts.Scopes
	if len(scopes) == 0 {
		if s := p.oauth.challenge["scope"]; s != "" {
			scopes = strings.Fields(s)
		} else {
			scopes = p.oauth.prm.ScopesSupported
		}
	}
	cfg := &oauth2.Config{
		ClientID:    clientID,
		Endpoint:    oauth2.Endpoint{AuthURL: as.AuthorizationEndpoint, TokenURL: as.TokenEndpoint, AuthStyle: oauth2.AuthStyleInParams},
		RedirectURL: redirect,
		Scopes:      scopes,
	}
	resource := mcpURL.String()
	if p.oauth.prm.Resource != "" {
		resource = p.oauth.prm.Resource
	}
	if opts.Resource != "" {
		resource = opts.Resource
	}
	verifier := oauth2.GenerateVerifier()
	state := randomHex(16)
	authOpts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("resource", resource)}
	if opts.LoginHint != "" {
		authOpts = append(authOpts, oauth2.SetAuthURLParam("login_hint", opts.LoginHint))
	}
	authURL := cfg.AuthCodeURL(state, authOpts...)
	source := "dcr+pkce"
	var code string
	if cb != nil {
		source = "dcr+pkce (interactive)"
		code, err = p.waitCallback(ctx, cb, authURL, opts, state, as.Issuer)
	} else {
		code, source, err = p.authorize(ctx, authURL, redirect, state, as.Issuer, opts)
	}
	if err != nil {
		return Token{}, err
	}
	exCtx := context.WithValue(ctx, oauth2.HTTPClient, &http.Client{Transport: rec, CheckRedirect: rec.checkRedirect})
	tok, err := cfg.Exchange(exCtx, code, oauth2.VerifierOption(verifier), oauth2.SetAuthURLParam("resource", resource))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			return Token{}, fmt.Errorf("signing in: exchanging the code at %q: HTTP %d %s %s", as.TokenEndpoint, re.Response.StatusCode, red.known(re.ErrorCode), red.known(re.ErrorDescription))
		}
		return Token{}, fmt.Errorf("signing in: exchanging the code at %q: %s", as.TokenEndpoint, red.known(unwrapURLError(err).Error()))
	}
	granted := scopes
	if s, ok := tok.Extra("scope").(string); ok && s != "" {
		granted = strings.Fields(s)
	}
	return Token{Value: tok.AccessToken, Scopes: granted, Source: source, ExpiresIn: int(tok.ExpiresIn), Audience: opts.Resource}, nil
}

const defaultLoginTimeout = 10 * time.Second

// register performs a minimal public-client DCR and returns the client_id.
func (p *prober) register(ctx context.Context, endpoint, redirect string) (string, error) {
	body, _ := json.Marshal(map[string]any{
		"redirect_uris":              []string{redirect},
		"token_endpoint_auth_method": "none",
		"grant_types":                []string{"authorization_code", "refresh_token"},
		"response_types":             []string{"code"},
		"application_type":           "native",
		"client_name":                "dossier",
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(string(body)))
	if err != nil {
		return "", fmt.Errorf("signing in: registration endpoint %q: %w", endpoint, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := p.hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("signing in: registering a client at %q: %w", endpoint, unwrapURLError(err))
	}
	defer resp.Body.Close()
	var reg struct {
		ClientID string `json:"client_id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&reg); err != nil || resp.StatusCode/100 != 2 || reg.ClientID == "" {
		return "", fmt.Errorf("signing in: registering a client at %q: HTTP %d without a client_id", endpoint, resp.StatusCode)
	}
	return reg.ClientID, nil
}

// authorize walks the authorization request's redirects on the AS (with
// cookies) until one points at the redirect URI, and returns the code and
// how it was obtained. An AS that shows a page instead (a login form) is
// handed to opts.Form when there is one.
func (p *prober) authorize(ctx context.Context, authURL, redirect, state, issuer string, opts LoginOptions) (code, source string, err error) {
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Transport: p.rec, Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	target := authURL
	for hop := 0; hop < 10; hop++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
		if err != nil {
			return "", "", fmt.Errorf("signing in: authorization request: %w", err)
		}
		resp, err := hc.Do(req)
		if err != nil {
			return "", "", fmt.Errorf("signing in: authorization request: %w", unwrapURLError(err))
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK && opts.Form != nil {
			if opts.User == "" || opts.Password == "" {
				return "", "", errors.New("signing in: the authorization server shows a login page and no user and password were given")
			}
			cbURL, err := opts.Form.Login(ctx, authURL, redirect, opts.User, opts.Password)
			if err != nil {
				return "", "", fmt.Errorf("signing in on the login page: %w", err)
			}
			p.red.learnURL(cbURL)
			loc, err := url.Parse(cbURL)
			if err != nil {
				return "", "", errors.New("signing in: the login page sent the browser to an unparsable URL")
			}
			code, err := p.codeFrom(loc, state, issuer)
			return code, "dcr+pkce (login form)", err
		}
		if resp.StatusCode/100 != 3 {
			return "", "", fmt.Errorf("signing in: the authorization server answered HTTP %d instead of redirecting (it may need a person to sign in)", resp.StatusCode)
		}
		loc, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
		if err != nil {
			return "", "", errors.New("signing in: the authorization server redirected to an unparsable Location")
		}
		if strings.HasPrefix(loc.String(), redirect) {
			code, err := p.codeFrom(loc, state, issuer)
			return code, "dcr+pkce", err
		}
		target = loc.String()
	}
	return "", "", errors.New("signing in: too many redirects before reaching the redirect URI")
}

// codeFrom checks the authorization response at the redirect URI (error,
// state, RFC 9207 iss) and returns its code.
func (p *prober) codeFrom(loc *url.URL, state, issuer string) (string, error) {
	q := loc.Query()
	p.red.learnQuery(q)
	if e := q.Get("error"); e != "" {
		return "", fmt.Errorf("signing in: the authorization server refused: %s %s", e, q.Get("error_description"))
	}
	if q.Get("state") != state {
		return "", errors.New("signing in: the redirect's state does not match the request")
	}
	if iss := q.Get("iss"); iss != "" && iss != issuer {
		return "", fmt.Errorf("signing in: the redirect's iss %q is not the issuer %q", iss, issuer)
	}
	if q.Get("code") == "" {
		return "", errors.New("signing in: the redirect carries no code")
	}
	return q.Get("code"), nil
}

// callback is a loopback listener serving the redirect URI of an
// interactive sign-in (RFC 8252 §7.3).
type callback struct {
	url  string
	srv  *http.Server
	got  chan *url.URL
	done chan struct{}
}

func listenCallback() (*callback, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("signing in: listening for the redirect: %w", err)
	}
	cb := &callback{url: fmt.Sprintf("http://%s/callback", l.Addr()), got: make(chan *url.URL, 1), done: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /callback", func(w http.ResponseWriter, r *http.Request) {
		u := *r.URL
		u.Scheme, u.Host = "http", r.Host
		select {
		case cb.got <- &u:
		default:
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "dossier: signed in. You can close this tab and return to the terminal.")
	})
	cb.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(cb.done)
		cb.srv.Serve(l)
	}()
	return cb, nil
}

func (cb *callback) close() {
	cb.srv.Close()
	<-cb.done
}

// waitCallback shows the person the authorization URL and waits for the
// browser to come back to the loopback redirect URI.
func (p *prober) waitCallback(ctx context.Context, cb *callback, authURL string, opts LoginOptions, state, issuer string) (string, error) {
	wait := opts.Wait
	if wait <= 0 {
		wait = 5 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	opts.Prompt(authURL)
	select {
	case u := <-cb.got:
		return p.codeFrom(u, state, issuer)
	case <-ctx.Done():
		return "", fmt.Errorf("signing in: no sign-in came back to %s within %s", cb.url, wait)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
