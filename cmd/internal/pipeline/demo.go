package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dossier-dev/dossier/collect"
	"github.com/dossier-dev/dossier/evidence"
	"github.com/dossier-dev/dossier/internal/owned"
	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/manifest"
	"github.com/dossier-dev/dossier/pack/plugin"
	"github.com/dossier-dev/dossier/samples/app"
)

// demoPluginPrefix begins the name of the directory the demo writes the
// sample's plugin package into.
const demoPluginPrefix = "dossier-demo-plugin-"

// RemoveLeftovers removes at once what this process holds in tmp (TMPDIR):
// its browsers, killed, with their profiles, and the demo's plugin
// package. It is for a run that quits on a second interrupt, whose
// deferred cleanups never run.
func RemoveLeftovers(tmp string) {
	evidence.RemoveLeftovers(tmp)
	owned.RemoveMine(tmp, demoPluginPrefix)
}

// Demo starts the sample app in-process on 127.0.0.1, signs in to its
// authorization server unattended once per token set the manifest names
// (dynamic registration, PKCE S256, resource indicator, the test user's
// automatic consent), and runs the pipeline against it.
func Demo(ctx context.Context, flaw string, opts Options) (*bundle.Bundle, error) {
	return DemoWith(ctx, app.Options{Flaw: flaw}, opts)
}

// DemoWith is Demo with the sample app's options: a fixed address (so two
// runs share an origin and diff cleanly), a flaw, a contract variant.
func DemoWith(ctx context.Context, sample app.Options, opts Options) (*bundle.Bundle, error) {
	srv, err := app.Start(ctx, sample)
	if err != nil {
		return nil, fmt.Errorf("starting the sample app: %w", err)
	}
	defer srv.Close()
	progress := opts.Progress
	if progress == nil {
		progress = func(string) {}
	}
	name := flawName(sample.Flaw)
	if sample.Variant != "" {
		name += ", variant " + sample.Variant
	}
	progress(fmt.Sprintf("sample app %q listening at %s", name, srv.URL))

	m, src, err := sampleManifest(srv.Origin)
	if err != nil {
		return nil, err
	}
	opts.Source = src
	if !opts.NoPrompts && needsBrowser(m) {
		// The browser starts while the demo signs in, not after.
		opts.early = startBrowser(ctx, opts.ChromePath, opts.Launch, progress)
		defer opts.early.release()
	}
	for _, ts := range m.Probe.Tokens {
		tok, err := demoToken(ctx, srv, ts, opts, progress)
		if err != nil {
			return nil, err
		}
		opts.Tokens = append(opts.Tokens, tok)
	}
	opts.Manifest = m
	if opts.Plugin == nil {
		// The sample's plugin package, as its vendor would submit it.
		owned.RemoveStale(os.TempDir(), demoPluginPrefix) // killed demos'
		dir, err := owned.MkdirTemp("", demoPluginPrefix)
		if err != nil {
			return nil, fmt.Errorf("writing the sample plugin package: %w", err)
		}
		defer os.RemoveAll(dir)
		if err := app.WritePlugin(filepath.Join(dir, "orderly.zip"), "codex", srv.Origin, ""); err != nil {
			return nil, fmt.Errorf("writing the sample plugin package: %w", err)
		}
		if opts.Plugin, err = plugin.Read(filepath.Join(dir, "orderly.zip")); err != nil {
			return nil, err
		}
		opts.Plugin.Path = "samples/app/plugin/codex" // not the temporary zip's name, gone after the run
	}
	return Run(ctx, opts)
}

// demoToken gets the token of one probe.tokens entry from the sample app:
// by signing in, or, for a token meant for another resource (the sample AS
// mints only for its own server and answers any other resource with
// invalid_target), from the app directly.
func demoToken(ctx context.Context, srv *app.Server, ts manifest.TokenSource, opts Options, progress func(string)) (collect.Token, error) {
	tok := collect.Token{Scopes: ts.Scopes, Source: ts.Env + " (demo sign-in)", Audience: ts.Audience}
	if ts.Audience != "" {
		v, err := srv.TokenFor(ts)
		if err != nil {
			return tok, fmt.Errorf("getting a token for %s from the sample app: %w", ts.Audience, err)
		}
		tok.Value, tok.Source = v, ts.Env+" (minted by the sample app for another resource)"
		return tok, nil
	}
	progress(fmt.Sprintf("signing in to %s for %v", srv.Issuer, ts.Scopes))
	got, err := collect.Login(ctx, collect.LoginOptions{
		MCPURL: srv.URL, Scopes: ts.Scopes, LoginHint: "demo", HTTPClient: opts.HTTPClient,
	})
	if err == nil {
		got.Source += " (demo sign-in for " + ts.Env + ")" // keeps the dcr+pkce prefix collect reads
		return got, nil
	}
	// A planted flaw can break sign-in itself (no metadata, no S256). The
	// probe then gets in the way a vendor's CI does: with a token issued
	// out of band, here by the sample app directly.
	progress(fmt.Sprintf("sign-in failed (%v); using a token the sample app issues directly", err))
	v, err := srv.TokenFor(ts)
	if err != nil {
		return tok, fmt.Errorf("getting a token from the sample app for %v: %w", ts.Scopes, err)
	}
	tok.Value = v
	return tok, nil
}

// SampleManifest returns the sample app's manifest with its canonical origin
// replaced by the origin the app actually listens on.
func SampleManifest(origin string) (*manifest.Manifest, error) {
	m, _, err := sampleManifest(origin)
	return m, err
}

// sampleManifest also says where the manifest's fields sit in
// samples/orderly/manifest.yaml (the origin is replaced within its line).
func sampleManifest(origin string) (*manifest.Manifest, *manifest.Source, error) {
	data := bytes.ReplaceAll(app.Manifest(), []byte(app.CanonicalOrigin), []byte(origin))
	m, src, err := manifest.ParseSource("samples/orderly/manifest.yaml", data)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the sample manifest: %w", err)
	}
	return m, src, nil
}

func flawName(f string) string {
	if f == "" {
		return "clean"
	}
	return f
}
