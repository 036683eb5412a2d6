package pipeline

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/dossier-dev/dossier/collect"
	"github.com/dossier-dev/dossier/evidence"
	"github.com/dossier-dev/dossier/evidence/chrome"
	"github.com/dossier-dev/dossier/pack/manifest"
)

// Sign-in modes (--login).
const (
	LoginAuto        = "auto"        // env if every named variable is set, else dcr with DOSSIER_LOGIN_HINT, else form with DOSSIER_LOGIN_USER/PASSWORD, else what env has
	LoginEnv         = "env"         // the tokens in the variables probe.tokens names
	LoginDCR         = "dcr"         // DCR + PKCE, consent without a person (login_hint from DOSSIER_LOGIN_HINT)
	LoginForm        = "form"        // DCR + PKCE, the IdP's login form filled in headless Chromium
	LoginInteractive = "interactive" // DCR + PKCE, a person signs in in their browser
)

// LoginModes lists the modes, for flag help and validation.
func LoginModes() []string {
	return []string{LoginAuto, LoginEnv, LoginDCR, LoginForm, LoginInteractive}
}

// The environment variables the unattended modes read.
const (
	EnvLoginHint     = "DOSSIER_LOGIN_HINT"
	EnvLoginUser     = "DOSSIER_LOGIN_USER"
	EnvLoginPassword = "DOSSIER_LOGIN_PASSWORD"
)

// SignInOptions configure SignIn.
type SignInOptions struct {
	Mode       string
	Getenv     func(string) string
	ChromePath string // for form; "" = discover
	HTTPClient *http.Client
	Prompt     func(authURL string) // interactive: show the URL to the person
	Progress   func(string)
}

// Credentials are what SignIn got: tokens, in memory only, and why no token
// for another resource could be had (for auth.audience).
type Credentials struct {
	Tokens         []collect.Token
	ForeignRefusal string
}

// SignIn gets the tokens a probe of m uses, one per probe.tokens scope set.
func SignIn(ctx context.Context, m *manifest.Manifest, opts SignInOptions) (Credentials, error) {
	progress := opts.Progress
	if progress == nil {
		progress = func(string) {}
	}
	mode := opts.Mode
	if mode == "" || mode == LoginAuto {
		mode = autoMode(m, opts.Getenv)
		if mode != LoginEnv {
			progress(fmt.Sprintf("signing in with --login %s", mode))
		}
	}
	if mode == LoginEnv {
		return Credentials{Tokens: EnvTokens(m, opts.Getenv, progress)}, nil
	}
	lo, err := loginOptions(m.Server.URL, mode, opts)
	if err != nil {
		return Credentials{}, err
	}

	sets, foreign := signInSets(m)
	if len(sets) == 0 {
		sets = []manifest.TokenSource{{Env: "the server's default scopes"}}
	}
	var c Credentials
	for i, ts := range sets {
		progress(fmt.Sprintf("signing in for %v (%d of %d)", ts.Scopes, i+1, len(sets)))
		o := lo
		o.Scopes = ts.Scopes
		tok, err := collect.Login(ctx, o)
		if err != nil {
			return Credentials{}, fmt.Errorf("signing in for %v: %w", ts.Scopes, err)
		}
		c.Tokens = append(c.Tokens, tok)
	}
	if mode == LoginInteractive {
		c.ForeignRefusal = "not asked for in an interactive sign-in"
		return c, nil
	}
	// A token for another resource, for auth.audience. An AS that knows
	// only its own resources refuses it, which is right and leaves the
	// check not run.
	o := lo
	o.Resource, o.Scopes = foreign.Audience, foreign.Scopes
	if o.Resource == "" {
		o.Resource = strings.TrimSuffix(m.Server.URL, "/") + "/other"
	}
	if len(o.Scopes) == 0 {
		o.Scopes = sets[0].Scopes
	}
	tok, err := collect.Login(ctx, o)
	if err != nil {
		c.ForeignRefusal = fmt.Sprintf("asking for resource %q: %v", o.Resource, err)
		progress("no token for another resource: " + c.ForeignRefusal)
		return c, nil
	}
	c.Tokens = append(c.Tokens, tok)
	return c, nil
}

// loginOptions are the collect.Login options of a sign-in mode other than
// env: what each unattended mode reads from the environment, the browser
// of form, the prompt of interactive.
func loginOptions(mcpURL, mode string, opts SignInOptions) (collect.LoginOptions, error) {
	lo := collect.LoginOptions{MCPURL: mcpURL, HTTPClient: opts.HTTPClient}
	switch mode {
	case LoginDCR:
		lo.LoginHint = strings.TrimSpace(opts.Getenv(EnvLoginHint))
	case LoginForm:
		lo.User, lo.Password = opts.Getenv(EnvLoginUser), opts.Getenv(EnvLoginPassword)
		if lo.User == "" || lo.Password == "" {
			return lo, fmt.Errorf("--login form: set %s and %s", EnvLoginUser, EnvLoginPassword)
		}
		path, err := evidence.FindBrowser(opts.ChromePath)
		if err != nil {
			return lo, fmt.Errorf("--login form: %w", err)
		}
		lo.Form = chrome.FormLogin{Path: path}
	case LoginInteractive:
		if opts.Prompt == nil {
			return lo, fmt.Errorf("--login interactive needs a person at a terminal")
		}
		lo.Prompt = opts.Prompt
	default:
		return lo, fmt.Errorf("--login %q: want one of %s", mode, strings.Join(LoginModes(), ", "))
	}
	return lo, nil
}

// signInSets splits probe.tokens into the scope sets to sign in for and
// the entry, if any, that names another resource (its audience is the
// resource to ask a foreign token for).
func signInSets(m *manifest.Manifest) (sets []manifest.TokenSource, foreign manifest.TokenSource) {
	for _, ts := range m.Probe.Tokens {
		if ts.Audience != "" {
			foreign = ts
			continue
		}
		sets = append(sets, ts)
	}
	return sets, foreign
}

// autoMode picks the unattended mode the environment allows.
func autoMode(m *manifest.Manifest, getenv func(string) string) string {
	all := len(m.Probe.Tokens) > 0
	for _, ts := range m.Probe.Tokens {
		all = all && strings.TrimSpace(getenv(ts.Env)) != ""
	}
	switch {
	case all:
		return LoginEnv
	case strings.TrimSpace(getenv(EnvLoginHint)) != "":
		return LoginDCR
	case getenv(EnvLoginUser) != "" && getenv(EnvLoginPassword) != "":
		return LoginForm
	}
	return LoginEnv
}

// EnvTokens reads the bearer tokens the manifest names from the
// environment. A variable that is not set gives a token with a Problem
// naming it and the remedy, so that the checks that need its scopes are
// error rather than judged without it; its value is never shown.
func EnvTokens(m *manifest.Manifest, getenv func(string) string, progress func(string)) []collect.Token {
	var out []collect.Token
	for _, ts := range m.Probe.Tokens {
		t := collect.Token{Value: strings.TrimSpace(getenv(ts.Env)), Scopes: ts.Scopes, Source: ts.Env, Audience: ts.Audience}
		if t.Value == "" {
			t.Problem = fmt.Sprintf("%s is not set; set it or use --login dcr", ts.Env)
			progress(fmt.Sprintf("%s is not set: the checks that need the token for %v cannot be judged (set it, or use --login dcr)", ts.Env, ts.Scopes))
		}
		out = append(out, t)
	}
	return out
}
