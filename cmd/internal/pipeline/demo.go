package pipeline

import (
	"bytes"
	"context"
	"fmt"

	"github.com/dossier-dev/dossier/collect"
	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/manifest"
	"github.com/dossier-dev/dossier/samples/app"
)

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

	m, err := SampleManifest(srv.Origin)
	if err != nil {
		return nil, err
	}
	for _, ts := range m.Probe.Tokens {
		progress(fmt.Sprintf("signing in to %s for %v", srv.Issuer, ts.Scopes))
		tok, err := collect.Login(ctx, collect.LoginOptions{
			MCPURL: srv.URL, Scopes: ts.Scopes, LoginHint: "demo", HTTPClient: opts.HTTPClient,
		})
		if err != nil {
			// A planted flaw can break sign-in itself (no metadata, no S256).
			// The probe then gets in the way a vendor's CI does: with a token
			// issued out of band, here by the sample app directly.
			progress(fmt.Sprintf("sign-in failed (%v); using a token the sample app issues directly", err))
			v, mintErr := srv.MintToken(ts.Scopes)
			if mintErr != nil {
				return nil, fmt.Errorf("getting a token from the sample app for %v: %w", ts.Scopes, mintErr)
			}
			tok = collect.Token{Value: v, Scopes: ts.Scopes}
		}
		tok.Source = ts.Env + " (demo sign-in)"
		opts.Tokens = append(opts.Tokens, tok)
	}
	// The sample AS mints tokens only for its own server (it answers any
	// other resource with invalid_target), so the token for another
	// resource that auth.audience needs comes from the app directly.
	const other = "http://127.0.0.1:1/other"
	foreign, err := srv.MintTokenFor(other, []string{"orders:read"})
	if err != nil {
		return nil, fmt.Errorf("getting a token for another resource from the sample app: %w", err)
	}
	opts.Tokens = append(opts.Tokens, collect.Token{Value: foreign, Scopes: []string{"orders:read"}, Source: "demo (minted for another resource)", Audience: other})
	opts.Manifest = m
	return Run(ctx, opts)
}

// SampleManifest returns the sample app's manifest with its canonical origin
// replaced by the origin the app actually listens on.
func SampleManifest(origin string) (*manifest.Manifest, error) {
	data := bytes.ReplaceAll(app.Manifest(), []byte(app.CanonicalOrigin), []byte(origin))
	m, err := manifest.Parse("samples/orderly/manifest.yaml", data)
	if err != nil {
		return nil, fmt.Errorf("reading the sample manifest: %w", err)
	}
	return m, nil
}

func flawName(f string) string {
	if f == "" {
		return "clean"
	}
	return f
}
