package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/dossier-dev/dossier/cmd/internal/pipeline"
	"github.com/dossier-dev/dossier/internal/english"
	"github.com/dossier-dev/dossier/pack"
	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/contract"
	"github.com/dossier-dev/dossier/pack/sign"
)

// packFlags are what build and demo add to a pack besides its documents:
// a signature, the single-file pack.zip, and the comparison with the last
// submitted pack.
type packFlags struct {
	signKey        string
	zip            bool
	since          string
	failOnResubmit bool
}

func (f *packFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.signKey, "sign-key", "", "sign SHA256SUMS with this Ed25519 private key (dossier keygen makes one); the key ID goes on the cover")
	cmd.Flags().BoolVar(&f.zip, "zip", false, "also write pack.zip inside the pack: every file of it in one deterministic zip")
	cmd.Flags().StringVar(&f.since, "since", "", "the last submitted pack (directory, pack.zip or pack.json): record what changed since it")
	cmd.Flags().BoolVar(&f.failOnResubmit, "fail-on-resubmit", false, "exit 3 when a change since --since needs re-submission")
}

// packOptions is what packFlags load, before the probe runs, so that a bad
// key or an unreadable old pack fails at once.
type packOptions struct {
	key            *sign.Key
	zip            bool
	since          *bundle.Bundle
	sinceJSON      []byte
	failOnResubmit bool
	noPrompts      bool // check: no pack, so no confirmation-prompt captures
}

func (f *packFlags) load() (*packOptions, error) {
	o := &packOptions{zip: f.zip, failOnResubmit: f.failOnResubmit}
	if f.failOnResubmit && f.since == "" {
		return nil, &usageError{fmt.Errorf("--fail-on-resubmit needs --since OLD")}
	}
	if f.signKey != "" {
		k, err := sign.LoadKey(f.signKey)
		if err != nil {
			return nil, &usageError{err}
		}
		o.key = k
	}
	if f.since != "" {
		b, data, err := pack.Load(f.since)
		if err != nil {
			return nil, fmt.Errorf("--since: %w", err)
		}
		o.since, o.sinceJSON = b, data
	}
	return o, nil
}

// apply puts the comparison into the pipeline's options.
func (o *packOptions) apply(opts *pipeline.Options) {
	opts.Since, opts.SinceJSON, opts.NoPrompts = o.since, o.sinceJSON, o.noPrompts
}

// writeOptions names the signer in the bundle (pack.json carries the key
// ID, and SHA256SUMS then covers pack.json) and says what to write.
func (o *packOptions) writeOptions(b *bundle.Bundle, formats []string) pack.WriteOptions {
	if o.key != nil {
		b.Signature = &bundle.Signature{KeyID: o.key.ID, Algorithm: sign.Algorithm, File: sign.SigFile}
	}
	return pack.WriteOptions{Formats: formats, Key: o.key, Zip: o.zip}
}

// resubmitError applies --fail-on-resubmit.
func (o *packOptions) resubmitError(b *bundle.Bundle) error {
	if !o.failOnResubmit || b.Changes == nil || !b.Changes.Resubmit {
		return nil
	}
	n := 0
	for _, c := range b.Changes.Changes {
		if c.Resubmit {
			n++
		}
	}
	return &problemsError{fmt.Sprintf("%d %s since the last submitted pack %s re-submission", n, english.PluralS(n, "change"), english.Plural(n, "needs", "need"))}
}

// printChanges prints the comparison with the last submitted pack.
func printChanges(e *env, ch *bundle.Changes) {
	s := ch.Since
	fmt.Fprintf(e.stdout, "\nChanges since the pack of %s (%s %s, %s):\n", s.Server, s.App, s.Version, s.Created.Format("2006-01-02"))
	if len(ch.Changes) == 0 {
		fmt.Fprintln(e.stdout, "  none: the contract is unchanged.")
	} else {
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  RESUBMIT\tCHANGE\tSUBJECT\tWHAT")
		for _, c := range ch.Changes {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", yesNo(c.Resubmit), c.Kind, c.Subject, contract.Describe(c))
		}
		tw.Flush()
	}
	if len(ch.Flipped) == 0 {
		fmt.Fprintln(e.stdout, "Answers that flipped: none.")
	} else {
		fmt.Fprintln(e.stdout, "Answers that flipped:")
		for _, f := range ch.Flipped {
			fmt.Fprintf(e.stdout, "  %s  %s → %s  %s\n", f.ID, orDash(f.Old), orDash(f.New), f.Question)
		}
	}
	if ch.Resubmit {
		fmt.Fprintln(e.stdout, "Re-submission needed.")
	} else {
		fmt.Fprintln(e.stdout, "No change needs re-submission.")
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
