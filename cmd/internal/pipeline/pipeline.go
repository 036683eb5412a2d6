// Package pipeline is the one assembling function of dossier: it runs the
// stages in order (collect the live facts, capture evidence, judge and
// pack) and hands the Bundle to the writers. Stages never import each other;
// they meet only here.
package pipeline

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/dossier-dev/dossier/collect"
	"github.com/dossier-dev/dossier/evidence"
	"github.com/dossier-dev/dossier/pack"
	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/manifest"
	"github.com/dossier-dev/dossier/templates"
)

// Options configure one run.
type Options struct {
	Manifest *manifest.Manifest
	Tokens   []collect.Token
	// ForeignRefusal says why no token for another resource was obtained
	// (see Credentials); auth.audience reports it.
	ForeignRefusal string
	AllowWrite     []string // write tools the user allowed the probe to call
	ChromePath     string   // "" = discover Debian's chromium
	Questionnaire  []byte   // nil = the built-in one
	HTTPClient     *http.Client
	Now            time.Time // the pack's date
	Version        string
	Deadline       time.Duration
	Progress       func(string)

	// Since is the last submitted pack (nil: none), for build --since:
	// Assemble compares the contract and the answers with it.
	Since     *bundle.Bundle
	SinceJSON []byte // its pack.json's bytes
}

// Run probes the server the manifest describes and assembles the Bundle.
func Run(ctx context.Context, opts Options) (*bundle.Bundle, error) {
	progress := opts.Progress
	if progress == nil {
		progress = func(string) {}
	}
	qdata, qname := opts.Questionnaire, "questionnaire"
	if qdata == nil {
		qdata, qname = templates.Questionnaire(), "templates/questionnaire.yaml"
	}
	q, err := pack.ParseQuestionnaire(qname, qdata)
	if err != nil {
		return nil, err
	}
	platform, err := pack.ParsePlatform(templates.Platform())
	if err != nil {
		return nil, err
	}

	rep, err := collect.Probe(ctx, collect.Options{
		Manifest:       opts.Manifest,
		HTTPClient:     opts.HTTPClient,
		Tokens:         opts.Tokens,
		ForeignRefusal: opts.ForeignRefusal,
		AllowWrite:     opts.AllowWrite,
		Now:            func() time.Time { return opts.Now },
		Deadline:       opts.Deadline,
		Progress:       progress,
	})
	if err != nil {
		return nil, fmt.Errorf("probing %s: %w", opts.Manifest.Server.URL, err)
	}
	results := rep.Results
	ev := rep.Evidence

	progress("rendering widgets and confirmation prompts in headless Chrome")
	shots, err := evidence.Run(ctx, evidence.Input{
		Resources: rep.Observation.Resources,
		Tools:     rep.Observation.Tools,
		Declared:  opts.Manifest.Tools,
		Results:   rep.Calls,
	}, evidence.Options{ChromePath: opts.ChromePath, Now: func() time.Time { return opts.Now }, Progress: progress})
	if err != nil {
		return nil, fmt.Errorf("capturing evidence: %w", err)
	}
	results = append(results, shots.Results...)
	ev = append(ev, shots.Evidence...)

	attResults, attEvidence := evidence.Attach(opts.Manifest.Dir, opts.Manifest.Evidence)
	results = append(results, attResults...)
	ev = append(ev, attEvidence...)

	progress("judging and answering the questionnaire")
	return pack.Assemble(pack.Input{
		Manifest:      opts.Manifest,
		Observation:   rep.Observation,
		Results:       results,
		Evidence:      ev,
		Captures:      shots.Captures,
		Questionnaire: q,
		Platform:      platform,
		Created:       opts.Now,
		Version:       opts.Version,
		Since:         opts.Since,
		SinceJSON:     opts.SinceJSON,
	})
}
