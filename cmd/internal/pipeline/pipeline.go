// Package pipeline is the one assembling function of dossier: it runs the
// stages in order (collect the live facts, capture evidence, judge and
// pack) and hands the Bundle to the writers. Stages never import each other;
// they meet only here.
package pipeline

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/dossier-dev/dossier/collect"
	"github.com/dossier-dev/dossier/evidence"
	"github.com/dossier-dev/dossier/pack"
	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/manifest"
	"github.com/dossier-dev/dossier/pack/plugin"
	"github.com/dossier-dev/dossier/templates"
)

// Options configure one run.
type Options struct {
	Manifest *manifest.Manifest
	Tokens   []collect.Token
	// ForeignRefusal says why no token for another resource was obtained
	// (see Credentials); auth.audience reports it.
	ForeignRefusal string
	Plugin         *plugin.Package // the plugin package to judge beside the manifest (--plugin), or nil
	// Getenv reads the reviewer account's variables (submission.reviewer);
	// nil reads none.
	Getenv        func(string) string
	AllowWrite    []string // write tools the user allowed the probe to call
	ChromePath    string   // "" = discover one (chrome.Find)
	Questionnaire []byte   // nil = the built-in one
	HTTPClient    *http.Client
	Now           time.Time // the pack's date
	Version       string
	Deadline      time.Duration
	Bounds        collect.Bounds // the probe's read limits (--max-body …); zero fields take collect's defaults
	Progress      func(string)
	// NoPrompts: the run writes no pack (dossier check), so the write
	// tools' confirmation prompts are not drawn (evidence.confirmation is
	// na, saying the capture is made when the pack is built), and no
	// browser is started unless a widget needs rendering.
	NoPrompts bool
	// Spool is a directory the evidence stage writes its screenshots into
	// as they are taken (evidence.Options.Spool): the bundle's evidence
	// names those files until the pack is written, and the caller
	// removes the directory after that. "" keeps them in memory.
	Spool string
	// Launch starts the browser; nil starts Chromium (evidence's default).
	// Tests pass a wrapper to count or fake launches.
	Launch evidence.Launcher

	// Since is the last submitted pack (nil: none), for build --since:
	// Assemble compares the contract and the answers with it.
	Since     *bundle.Bundle
	SinceJSON []byte // its pack.json's bytes

	// Source is where the manifest's fields sit in its file, for the
	// SARIF export's locations (nil: not known).
	Source *manifest.Source

	// early is a browser the caller started already (the demo, before
	// its sign-ins); Run hands it to the evidence stage, the caller
	// releases it.
	early *earlyBrowser
}

// Run probes the server the manifest describes and assembles the Bundle.
func Run(ctx context.Context, opts Options) (*bundle.Bundle, error) {
	progress := opts.Progress
	if progress == nil {
		progress = func(string) {}
	}
	// The questionnaire and the platform facts (~2 ms to parse) are read
	// while the preflight waits on the server; a bad one still stops the
	// run before the probe.
	type parsedTemplates struct {
		q        *pack.Questionnaire
		platform *pack.Platform
		err      error
	}
	parsed := make(chan parsedTemplates, 1)
	go func() {
		var t parsedTemplates
		qdata, qname := opts.Questionnaire, "questionnaire"
		if qdata == nil {
			qdata, qname = templates.Questionnaire(), "templates/questionnaire.yaml"
		}
		if t.q, t.err = pack.ParseQuestionnaire(qname, qdata); t.err == nil {
			t.platform, t.err = pack.ParsePlatform(templates.Platform())
		}
		parsed <- t
	}()

	early := opts.early
	if early == nil {
		early = newEarlyBrowser(ctx, opts.ChromePath, opts.Launch, progress)
		defer early.release()
		if !opts.NoPrompts && needsBrowser(opts.Manifest) {
			// The prompts will be drawn: start the browser while the
			// server is looked at and probed, not after.
			early.start()
		}
	}
	pre, err := Preflight(ctx, opts)
	if err != nil {
		return nil, err
	}
	t := <-parsed
	if t.err != nil {
		return nil, t.err
	}
	q, platform := t.q, t.platform

	rep, err := collect.Probe(ctx, collect.Options{
		Manifest:       opts.Manifest,
		HTTPClient:     opts.HTTPClient,
		Tokens:         pre.Tokens,
		Bounds:         opts.Bounds,
		ForeignRefusal: opts.ForeignRefusal,
		Plugin:         opts.Plugin,
		Preflight:      pre.diagnosis,
		AllowWrite:     opts.AllowWrite,
		Now:            func() time.Time { return opts.Now },
		Deadline:       opts.Deadline,
		Progress:       progress,
		// Widgets are known once the probe lists them: the browser starts
		// then, while the probe reads them and calls the tools.
		Widgets: early.start,
	})
	if err != nil {
		return nil, fmt.Errorf("probing %s: %w", opts.Manifest.Server.URL, err)
	}
	results := rep.Results
	ev := rep.Evidence
	if r, shots, ok := reviewerAccount(ctx, opts); ok {
		results, ev = withReviewer(results, r), append(ev, shots...)
	}
	if len(rep.Observation.Resources) > 0 {
		pre.addBrowserNeed(opts.ChromePath, progress)
	}

	shots, err := evidence.Run(ctx, evidence.Input{
		Resources: rep.Observation.Resources,
		Tools:     rep.Observation.Tools,
		Declared:  opts.Manifest.Tools,
		Results:   rep.Calls,
		Callable:  opts.Manifest.Probe.Callable, Server: opts.Manifest.Server.URL, ToolsIncomplete: rep.Observation.ToolsIncomplete,
	}, evidence.Options{ChromePath: opts.ChromePath, Now: func() time.Time { return opts.Now }, Progress: progress, Launch: early.take, NoPrompts: opts.NoPrompts, Spool: opts.Spool})
	if err != nil {
		return nil, fmt.Errorf("capturing evidence: %w", err)
	}
	results = append(results, shots.Results...)
	ev = append(ev, shots.Evidence...)

	attResults, attEvidence := evidence.Attach(opts.Manifest.Dir, opts.Manifest.Evidence, tokenValues(opts.Tokens))
	results = append(results, attResults...)
	ev = append(ev, attEvidence...)

	progress("judging and answering the questionnaire")
	return pack.Assemble(pack.Input{
		Manifest:      opts.Manifest,
		Source:        opts.Source,
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
		Package:       packageListing(opts.Plugin),
		Needs:         pre.Needs,
	})
}

// Checked is what Preflight found that the run goes on with.
type Checked struct {
	// Tokens are the run's tokens, those that cannot be used (a variable
	// not set, a token the server refused) marked with their Problem.
	Tokens []collect.Token
	// Needs says what the run lacks that will leave checks unjudged, with
	// the remedy; it goes into the pack's summary.
	Needs []string

	noBrowser bool               // the missing browser is among Needs
	diagnosis *collect.Diagnosis // the probe takes its unauthenticated initialize
}

// Preflight looks at the server before the probe: a server that cannot be
// probed at all (nothing listens, a 404, the legacy SSE transport, a
// scheme mismatch, a redirect elsewhere) is an error with a hint, and no
// pack is made; a token the server refuses and a missing browser are
// reported and go into the summary's needs.
func Preflight(ctx context.Context, opts Options) (Checked, error) {
	progress := opts.Progress
	if progress == nil {
		progress = func(string) {}
	}
	u := opts.Manifest.Server.URL
	progress("checking that " + u + " can be probed")
	d := collect.Preflight(ctx, collect.PreflightOptions{URL: u, Tokens: opts.Tokens, HTTPClient: opts.HTTPClient, Bounds: opts.Bounds})
	if err := d.Err(u); err != nil {
		return Checked{}, err
	}
	c := Checked{Tokens: d.Tokens, diagnosis: &d}
	for i, t := range d.Tokens {
		if t.Problem == "" {
			continue
		}
		c.Needs = append(c.Needs, t.Problem)
		if opts.Tokens[i].Problem == "" { // refused just now; unset variables were reported when read
			progress(t.Problem)
		}
	}
	if !opts.NoPrompts && needsBrowser(opts.Manifest) {
		c.addBrowserNeed(opts.ChromePath, progress)
	}
	return c, nil
}

// needsBrowser reports whether the manifest alone shows that the evidence
// stage will render something: the confirmation prompt of a write tool.
// Widgets are known only once the server lists them (see Run).
func needsBrowser(m *manifest.Manifest) bool {
	return slices.ContainsFunc(m.Tools, manifest.Tool.IsWrite)
}

// addBrowserNeed adds the missing browser to the needs, once.
func (c *Checked) addBrowserNeed(chromePath string, progress func(string)) {
	if c.noBrowser {
		return
	}
	if _, err := evidence.FindBrowser(chromePath); err == nil {
		return
	}
	c.noBrowser = true
	progress("no browser found: the widget and confirmation-prompt checks will be error (install chromium, or pass --chrome)")
	c.Needs = append(c.Needs, "a browser for the widget and confirmation-prompt captures: install chromium, or pass --chrome")
}

// tokenValues are the secrets the probe holds, redacted from attachments.
func tokenValues(tokens []collect.Token) []string {
	var out []string
	for _, t := range tokens {
		out = append(out, t.Value)
	}
	return out
}
