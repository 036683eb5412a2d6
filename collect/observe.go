package collect

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/dossier-dev/dossier/pack/live"
	"github.com/dossier-dev/dossier/pack/manifest"
)

// ObserveOptions configure a listing-only look at a server.
type ObserveOptions struct {
	URL        string
	Token      string // bearer token; "" for none
	HTTPClient *http.Client
	Deadline   time.Duration // whole run, default 30s
	Bounds     Bounds        // read limits; zero fields take defaults
	Progress   func(msg string)
}

// Observe connects to the MCP server at URL and lists what it offers —
// handshake, OAuth discovery, tools, UI resources — without judging it and
// without any request that could change state: no tool is called and no
// client is registered. dossier init drafts a manifest from it.
func Observe(ctx context.Context, opts ObserveOptions) (live.Observation, error) {
	u, err := url.Parse(opts.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return live.Observation{}, fmt.Errorf("observing: server URL %q is not an absolute http(s) URL", opts.URL)
	}
	if opts.Deadline <= 0 {
		opts.Deadline = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Deadline)
	defer cancel()

	mode := manifest.AuthNone
	var toks []Token
	if opts.Token != "" {
		mode = manifest.AuthOAuth
		toks = []Token{{Value: opts.Token, Source: "--token-env"}}
	}
	m := &manifest.Manifest{Schema: manifest.SchemaID, Server: manifest.Server{URL: opts.URL, Auth: manifest.Auth{Mode: mode}}}
	p := newProber(Options{Manifest: m, HTTPClient: opts.HTTPClient, Tokens: toks, Now: time.Now,
		Deadline: opts.Deadline, Bounds: opts.Bounds, Progress: opts.Progress}, u)
	p.progress("observing %s", opts.URL)
	p.probeUnauthenticated(ctx)
	if p.authDeclared() || p.oauth.challengeOK {
		p.ensureOAuth()
		p.discoverPRM(withStep(ctx, stepPRM))
		p.discoverAS(withStep(ctx, stepASMeta))
	}
	p.probeSession(ctx)
	p.postDiscover(ctx)
	p.checkDiscover()
	p.progress("tools/list")
	p.listTools(ctx)
	p.probeWidgets(ctx)
	if p.session != nil {
		_ = p.session.Close()
	}
	rep := p.report()
	if !rep.Observation.Server.Reached {
		why := "no handshake"
		if p.listErr != nil {
			why = p.red.known(unwrapURLError(p.listErr).Error())
		}
		return rep.Observation, fmt.Errorf("observing %q: the server could not be reached over MCP: %s", opts.URL, why)
	}
	if !p.listed {
		return rep.Observation, errors.New("observing: the server's tools could not be listed")
	}
	return rep.Observation, nil
}
