// Package app is Orderly, a small but honest order-management ChatGPT app: an
// MCP server (seven tools, two widgets), its own OAuth 2.1 authorization
// server and its listing pages, all on one loopback origin. dossier's tests and
// demo probe it as the server under review; Options.Flaw plants one defect at
// a time so each check can be seen to fail for the right reason.
//
// Test-only affordance: an authorization request carrying login_hint=demo is
// consented at once on behalf of the one test user (demo/demo), so a probe can
// sign in without a browser. Without it the user signs in on a small form.
// Keys, codes and tokens are made at start and kept in memory only.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/dossier-dev/dossier/pack/manifest"
	"github.com/dossier-dev/dossier/samples/orderly"
)

// CanonicalOrigin is the origin the shipped manifest uses everywhere.
const CanonicalOrigin = orderly.CanonicalOrigin

// Manifest returns the clean app's manifest YAML (samples/orderly/manifest.yaml).
func Manifest() []byte { return orderly.Manifest() }

// Options configures a Server.
type Options struct {
	Addr string // listen address; "" means 127.0.0.1:0
	Flaw string // "" for the clean app, else one of Flaws()
	// Variant changes the app's reviewed contract without a defect: "" or
	// one of Variants(). Flaws fail checks; variants are what diff and
	// verify --live must notice while every check still passes.
	Variant string
	Now     func() time.Time // nil = time.Now
}

// Server is a running Orderly. Everything is served on Origin: the MCP
// endpoint at /mcp, the authorization server under /oauth, and the pages
// /privacy, /terms and /support.
type Server struct {
	URL    string // the MCP endpoint, e.g. http://127.0.0.1:PORT/mcp
	Origin string // e.g. http://127.0.0.1:PORT
	Issuer string // Origin + "/oauth"

	flaw    string
	variant string
	scopes  map[string]string // tool name → the scope it needs
	writes  map[string]bool   // tool names that change state or send data
	as      *authServer
	store   *store
	srv     *http.Server
	done    chan struct{}

	writeCalls atomic.Int64 // see WriteCalls
}

// Start listens on opts.Addr and serves until Close or until ctx ends.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if err := checkFlaw(opts.Flaw); err != nil {
		return nil, err
	}
	if err := checkVariant(opts.Variant); err != nil {
		return nil, err
	}
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %q: %w", addr, err)
	}
	origin := "http://" + ln.Addr().String()
	s := &Server{
		URL:     origin + "/mcp",
		Origin:  origin,
		Issuer:  origin + "/oauth",
		flaw:    opts.Flaw,
		variant: opts.Variant,
		store:   newStore(),
		done:    make(chan struct{}),
	}
	s.as, err = newAuthServer(s.Issuer, s.URL, opts.Flaw, now)
	if err != nil {
		ln.Close()
		return nil, err
	}
	s.srv = &http.Server{
		Handler:           s.routes(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(slog.DiscardHandler, slog.LevelError),
	}
	go func() {
		defer close(s.done)
		s.srv.Serve(ln)
	}()
	go func() {
		select {
		case <-ctx.Done():
			s.Close()
		case <-s.done:
		}
	}()
	return s, nil
}

// Close stops the server and waits for it to finish.
func (s *Server) Close() error {
	err := s.srv.Close()
	<-s.done
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// MintToken returns a valid access token of the test user for this server's
// MCP endpoint, as the authorization server would issue it.
func (s *Server) MintToken(scopes []string) (string, error) {
	return s.MintTokenFor(s.URL, scopes)
}

// MintTokenFor returns an otherwise valid access token whose audience is
// resource, for testing that the server refuses tokens meant for others.
func (s *Server) MintTokenFor(resource string, scopes []string) (string, error) {
	return s.as.accessToken(grant{Subject: testUser, ClientID: testClientID, Scope: joinScopes(scopes), Resource: resource})
}

// TokenFor mints the token a manifest's probe.tokens entry stands for: one
// with its scopes, for its audience when it names another resource. Tests,
// the demo and the standalone server's -tokens use it, so the rule lives
// in one place.
func (s *Server) TokenFor(ts manifest.TokenSource) (string, error) {
	if ts.Audience != "" {
		return s.MintTokenFor(ts.Audience, ts.Scopes)
	}
	return s.MintToken(ts.Scopes)
}

// WriteCalls is how many tools/call requests naming one of the app's write or
// destructive tools (add_order_note, create_return, cancel_order,
// send_order_email) have reached the MCP endpoint, counted before the origin,
// token and scope checks: a refused attempt counts too, so a probe that must
// not write is seen to have never asked.
func (s *Server) WriteCalls() int { return int(s.writeCalls.Load()) }

// routes is the whole origin's mux.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/mcp", s.mcpHandler())
	if s.flaw != flawNoPRM {
		prm := s.protectedResourceMetadata()
		mux.Handle(prmPath, prm)
		mux.Handle("/.well-known/oauth-protected-resource", prm)
	}
	s.as.routes(mux)
	s.pages(mux)
	s.domainChallenge(mux)
	return mux
}
