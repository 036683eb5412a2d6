package pipeline

import (
	"testing"

	"github.com/dossier-dev/dossier/collect"
	"github.com/dossier-dev/dossier/pack/manifest"
	"github.com/dossier-dev/dossier/samples/app"
)

// startSample starts the sample app with flaw ("" for none) until the test
// ends, and returns it with its manifest and where the manifest's fields
// sit.
func startSample(t *testing.T, flaw string) (*app.Server, *manifest.Manifest, *manifest.Source) {
	t.Helper()
	srv, err := app.Start(t.Context(), app.Options{Flaw: flaw})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	m, src, err := sampleManifest(srv.Origin)
	if err != nil {
		t.Fatal(err)
	}
	return srv, m, src
}

// sampleTokens has the sample app mint a token for each of m's
// probe.tokens entries.
func sampleTokens(t *testing.T, srv *app.Server, m *manifest.Manifest) []collect.Token {
	t.Helper()
	var toks []collect.Token
	for _, ts := range m.Probe.Tokens {
		v, err := srv.TokenFor(ts)
		if err != nil {
			t.Fatal(err)
		}
		toks = append(toks, collect.Token{Value: v, Scopes: ts.Scopes, Source: ts.Env, Audience: ts.Audience})
	}
	return toks
}
