package pipeline

import (
	"context"
	"net/http"
	"time"

	"github.com/dossier-dev/dossier/collect"
	"github.com/dossier-dev/dossier/pack/manifest"
)

// DraftOptions configure Draft.
type DraftOptions struct {
	URL        string
	Token      string // bearer token; "" for none
	TokenEnv   string // the variable Token came from, named in the draft
	HTTPClient *http.Client
	Deadline   time.Duration
	Progress   func(string)
}

// Draft lists what the server at opts.URL offers and writes a draft
// manifest (dossier init).
func Draft(ctx context.Context, opts DraftOptions) ([]byte, error) {
	obs, err := collect.Observe(ctx, collect.ObserveOptions{
		URL: opts.URL, Token: opts.Token, HTTPClient: opts.HTTPClient, Deadline: opts.Deadline, Progress: opts.Progress,
	})
	if err != nil {
		return nil, err
	}
	return manifest.Draft(obs, manifest.DraftOptions{TokenEnv: opts.TokenEnv})
}
