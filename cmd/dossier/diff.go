package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/dossier-dev/dossier/cmd/internal/pipeline"
	"github.com/dossier-dev/dossier/pack"
	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/contract"
	"github.com/dossier-dev/dossier/pack/manifest"
)

// manifestPrefix marks a side of diff that is a live server, probed with
// the manifest named after it.
const manifestPrefix = "manifest:"

func newDiffCmd(e *env) *cobra.Command {
	var format string
	var failOnResubmit bool
	var deadline time.Duration
	cmd := &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "List what changed between two packs (or live servers) and what needs re-submission",
		Long: `diff compares the app's contract in OLD and NEW: tools added, removed or renamed
(a removed and an added tool with the same schemas are a rename), titles,
descriptions, input and output schemas, annotations, security schemes and scopes,
UI links, widgets, their CSP (widened or narrowed) and domain, the server URL and
instructions. Each change is marked when it needs re-submission under the
platform's rules (see the README's re-submission table), and the questionnaire
answers that flipped are listed.

Each side is a pack (its directory, pack.json or pack.zip), or a live server
written manifest:FILE, which is probed now with that manifest (tokens from the
environment variables it names).

Exit codes: 0 done, 1 a side cannot be read or probed, 2 usage error, 3 with
--fail-on-resubmit, a change needs re-submission.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 2 {
				return &usageError{fmt.Errorf("diff takes OLD and NEW, got %d arguments", len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "table" && format != "json" {
				return &usageError{fmt.Errorf("--format %q: want table or json", format)}
			}
			old, oldJSON, err := e.side(cmd, args[0], deadline)
			if err != nil {
				return err
			}
			new, _, err := e.side(cmd, args[1], deadline)
			if err != nil {
				return err
			}
			ch := contract.Compare(old, oldJSON, new)
			results := contract.Results(ch, new.Results)
			if format == "json" {
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(diffOutput{Changes: ch, Results: results}); err != nil {
					return fmt.Errorf("writing the diff: %w", err)
				}
			} else {
				printChanges(e, safeChanges(ch))
				fmt.Fprintln(e.stdout)
				for _, r := range results {
					fmt.Fprintf(e.stdout, "%s  %s  %s: %s\n", r.Status, r.ID, oneLine(r.Subject), oneLine(r.Detail))
				}
			}
			if failOnResubmit && ch.Resubmit {
				return (&packOptions{failOnResubmit: true}).resubmitError(&bundle.Bundle{Changes: ch})
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output format: table or json")
	cmd.Flags().BoolVar(&failOnResubmit, "fail-on-resubmit", false, "exit 3 when a change needs re-submission")
	cmd.Flags().DurationVar(&deadline, "deadline", 2*time.Minute, "for a manifest: side, the whole probe's deadline")
	return cmd
}

// diffOutput is what diff --format json prints.
type diffOutput struct {
	Changes *bundle.Changes `json:"changes"`
	Results []check.Result  `json:"results"` // resubmit.contract
}

// safeChanges is a copy of ch with every text from a pack or a server
// escaped for the terminal (tool names, descriptions, URLs, questions).
func safeChanges(ch *bundle.Changes) *bundle.Changes {
	out := *ch
	out.Since.App, out.Since.Version, out.Since.Server = escaped(ch.Since.App), escaped(ch.Since.Version), escaped(ch.Since.Server)
	out.Changes = make([]bundle.Change, len(ch.Changes))
	for i, c := range ch.Changes {
		c.Kind, c.Subject, c.Old, c.New, c.Why = escaped(c.Kind), escaped(c.Subject), escaped(c.Old), escaped(c.New), escaped(c.Why)
		out.Changes[i] = c
	}
	out.Flipped = make([]bundle.Flip, len(ch.Flipped))
	for i, f := range ch.Flipped {
		f.ID, f.Question, f.Old, f.New = escaped(f.ID), escaped(f.Question), escaped(f.Old), escaped(f.New)
		out.Flipped[i] = f
	}
	return &out
}

// side reads one side of a diff: a pack, or a live server probed now.
func (e *env) side(cmd *cobra.Command, arg string, deadline time.Duration) (*bundle.Bundle, []byte, error) {
	file, live := strings.CutPrefix(arg, manifestPrefix)
	if !live {
		b, data, err := pack.Load(arg)
		return b, data, err
	}
	m, err := manifest.Load(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, &usageError{err}
	}
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := withDeadline(cmd.Context(), deadline)
	defer cancel()
	opts := e.pipelineOptions(e.now().UTC().Truncate(time.Second))
	opts.Manifest, opts.Tokens, opts.Deadline = m, e.tokens(m), deadline
	b, err := pipeline.Run(ctx, opts)
	return b, nil, err
}
