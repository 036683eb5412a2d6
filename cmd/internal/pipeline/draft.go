package pipeline

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/dossier-dev/dossier/collect"
	"github.com/dossier-dev/dossier/pack/manifest"
	"github.com/dossier-dev/dossier/pack/plugin"
)

// DraftOptions configure Draft.
type DraftOptions struct {
	URL      string
	TokenEnv string // the variable holding a bearer token, named in the draft; "" for none
	// Login is how to get a token: env (TokenEnv), dcr, form, interactive,
	// or auto: env when TokenEnv is given, else dcr or form when their
	// variables are set, else no token at all.
	Login      string
	SignIn     SignInOptions // Getenv, Prompt, ChromePath of the sign-in modes
	HTTPClient *http.Client
	Deadline   time.Duration
	Bounds     collect.Bounds // read limits; zero fields take collect's defaults
	Progress   func(string)
	// Plugin is the vendor's plugin package (init --plugin): the draft's
	// app and submission sections come from it, and its one MCP server is
	// the URL when URL is empty.
	Plugin *plugin.Package
}

// Draft lists what the server at opts.URL offers and writes a draft
// manifest (dossier init). A server that cannot be listed says why: the
// preflight's diagnosis, or a 401 with what its challenge advertises and
// how to sign in.
func Draft(ctx context.Context, opts DraftOptions) ([]byte, error) {
	progress := opts.Progress
	if progress == nil {
		progress = func(string) {}
	}
	var listing *manifest.Listing
	if opts.Plugin != nil {
		listing = pluginListing(opts.Plugin)
		if opts.URL == "" {
			u, err := pluginURL(opts.Plugin)
			if err != nil {
				return nil, err
			}
			opts.URL = u
		}
	}
	tok, err := draftToken(ctx, opts, progress)
	if err != nil {
		return nil, err
	}
	var toks []collect.Token
	if tok.Value != "" {
		toks = []collect.Token{tok}
	}
	d := collect.Preflight(ctx, collect.PreflightOptions{URL: opts.URL, Tokens: toks, HTTPClient: opts.HTTPClient, Bounds: opts.Bounds})
	if err := d.Err(opts.URL); err != nil {
		return nil, err
	}
	switch {
	case len(d.Tokens) > 0 && d.Tokens[0].Problem != "":
		return nil, &collect.PreflightError{URL: opts.URL, Problem: d.Tokens[0].Problem, Hint: signInHint}
	case tok.Value == "" && d.Status == http.StatusUnauthorized:
		return nil, &collect.PreflightError{URL: opts.URL, Problem: "the server requires sign-in: it answered 401" + challengeText(d.Challenge), Hint: signInHint}
	}
	obs, err := collect.Observe(ctx, collect.ObserveOptions{
		URL: opts.URL, Token: tok.Value, HTTPClient: opts.HTTPClient, Deadline: opts.Deadline, Bounds: opts.Bounds, Progress: progress,
	})
	if err != nil {
		return nil, err
	}
	return manifest.Draft(obs, manifest.DraftOptions{TokenEnv: opts.TokenEnv, Listing: listing})
}

const signInHint = "pass --token-env NAME with a bearer token in that variable, or sign in with --login dcr, form or interactive"

// challengeText says what a Bearer challenge advertises, for the message
// of a 401.
func challengeText(c map[string]string) string {
	if c == nil {
		return " without a Bearer challenge"
	}
	var parts []string
	for _, k := range []string{"resource_metadata", "scope", "error", "error_description"} {
		if v, ok := c[k]; ok {
			parts = append(parts, fmt.Sprintf("%s=%q", k, v))
		}
	}
	if len(parts) == 0 {
		keys := make([]string, 0, len(c))
		for k := range c {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return " with a Bearer challenge (" + strings.Join(keys, ", ") + ")"
	}
	return "; its Bearer challenge advertises " + strings.Join(parts, ", ")
}

// draftToken gets init's token the way opts.Login says.
func draftToken(ctx context.Context, opts DraftOptions, progress func(string)) (collect.Token, error) {
	getenv := opts.SignIn.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	mode := opts.Login
	if mode == "" || mode == LoginAuto {
		m := &manifest.Manifest{}
		if opts.TokenEnv != "" {
			m.Probe.Tokens = []manifest.TokenSource{{Env: opts.TokenEnv}}
		}
		mode = autoMode(m, getenv)
		if mode == LoginEnv && opts.TokenEnv == "" {
			return collect.Token{}, nil // nothing to sign in with: list what an anonymous client sees
		}
	}
	if mode == LoginEnv {
		if opts.TokenEnv == "" {
			return collect.Token{}, fmt.Errorf("--login env: name the variable with --token-env")
		}
		v := strings.TrimSpace(getenv(opts.TokenEnv))
		if v == "" {
			return collect.Token{}, fmt.Errorf("--token-env %s: the variable is not set", opts.TokenEnv)
		}
		return collect.Token{Value: v, Source: opts.TokenEnv}, nil
	}
	lo, err := loginOptions(opts.URL, mode, opts.SignIn)
	if err != nil {
		return collect.Token{}, err
	}
	progress(fmt.Sprintf("signing in with --login %s", mode))
	tok, err := collect.Login(ctx, lo)
	if err != nil {
		return collect.Token{}, fmt.Errorf("signing in with --login %s: %w", mode, err)
	}
	return tok, nil
}
