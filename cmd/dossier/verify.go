package main

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/dossier-dev/dossier/cmd/internal/pipeline"
	"github.com/dossier-dev/dossier/pack"
	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/contract"
	"github.com/dossier-dev/dossier/pack/manifest"
	"github.com/dossier-dev/dossier/pack/sign"
)

// problemsError says a command found what its exit code 3 is for: a pack
// that does not verify, a claim that no longer holds, a change that needs
// re-submission.
type problemsError struct{ msg string }

func (e *problemsError) Error() string { return e.msg }

type verifyFlags struct {
	pubkey   string
	maxAge   string
	live     bool
	manifest string
	format   string
	deadline time.Duration
}

func newVerifyCmd(e *env) *cobra.Command {
	var f verifyFlags
	cmd := &cobra.Command{
		Use:   "verify PACK [--pubkey KEY] [--max-age 90d] [--live [--manifest FILE]]",
		Short: "Check a received pack: signature, every file's hash, freshness; with --live, every claim against the server",
		Long: `verify checks a pack (its directory, its pack.json, or a pack.zip) as the buyer
receives it:

  - the signature over SHA256SUMS, with --pubkey (a pack signed by another key is
    refused, naming both key IDs; without --pubkey it says whether one exists)
  - every file against SHA256SUMS: none changed, none missing, none added
  - every evidence file against the evidence index in pack.json
  - a pack.zip inside the directory against the directory's files
  - freshness: the pack is not older than --max-age (0 for any age), and no
    attestation in it has expired

Each problem is one line naming the file. With --live it then probes the server
the pack describes (--manifest overrides the pack's manifest, for example to name
token variables) and holds every claim of the pack against what it sees now:
the tool list, each tool's annotations, schemas, security schemes and scopes,
each widget's CSP and domain, the OAuth setup, and every check that passed on
probed ground. Each claim is confirmed, changed, or no longer checkable, with
the new probe's evidence IDs.

Exit codes: 0 the pack verifies (and every live claim holds), 1 the pack cannot
be read, 2 usage error, 3 any problem or any changed claim.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return &usageError{fmt.Errorf("verify takes one pack, got %d arguments", len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return e.verify(cmd, args[0], &f) },
	}
	cmd.Flags().StringVar(&f.pubkey, "pubkey", "", "the signer's public key (PEM, from dossier keygen)")
	cmd.Flags().StringVar(&f.maxAge, "max-age", "90d", "the oldest pack to accept (m, h, d, w or y; 0 for any age)")
	cmd.Flags().BoolVar(&f.live, "live", false, "also probe the server and check every claim of the pack against it")
	cmd.Flags().StringVarP(&f.manifest, "manifest", "m", "", "with --live: probe with this manifest instead of the pack's")
	cmd.Flags().StringVar(&f.format, "format", "table", "output format: table or json")
	cmd.Flags().DurationVar(&f.deadline, "deadline", 2*time.Minute, "with --live: the whole probe's deadline")
	return cmd
}

// verifyOutput is what verify --format json prints.
type verifyOutput struct {
	Verification *pack.Verification `json:"verification"`
	Live         *liveOutput        `json:"live,omitempty"`
}

type liveOutput struct {
	Server      string           `json:"server"`
	Confirmed   int              `json:"confirmed"`
	Changed     int              `json:"changed"`
	Uncheckable int              `json:"uncheckable"`
	Claims      []contract.Claim `json:"claims"`
}

func (e *env) verify(cmd *cobra.Command, path string, f *verifyFlags) error {
	if f.format != "table" && f.format != "json" {
		return &usageError{fmt.Errorf("--format %q: want table or json", f.format)}
	}
	if f.manifest != "" && !f.live {
		return &usageError{fmt.Errorf("--manifest needs --live")}
	}
	opts := pack.VerifyOptions{Now: e.now().UTC()}
	if f.maxAge != "0" && f.maxAge != "" {
		d, err := manifest.Duration(f.maxAge).Std()
		if err != nil {
			return &usageError{fmt.Errorf("--max-age: %w", err)}
		}
		opts.MaxAge = d
	}
	if f.pubkey != "" {
		pub, err := sign.LoadPublic(f.pubkey)
		if err != nil {
			return &usageError{err}
		}
		opts.PublicKey = pub
	}
	v, err := pack.Verify(path, opts)
	if err != nil {
		return err
	}
	out := verifyOutput{Verification: v}
	if f.live {
		if v.Bundle == nil {
			return &problemsError{fmt.Sprintf("%s: pack.json cannot be read, so there is nothing to check live (%s)", path, problemList(v.Problems))}
		}
		lo, err := e.verifyLive(cmd, v.Bundle, f)
		if err != nil {
			return err
		}
		out.Live = lo
	}
	if f.format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return fmt.Errorf("writing the verification: %w", err)
		}
	} else {
		printVerification(e, v, opts.PublicKey)
		if out.Live != nil {
			printClaims(e, out.Live)
		}
	}
	var msgs []string
	if n := len(v.Problems); n > 0 {
		msgs = append(msgs, fmt.Sprintf("%d %s: the pack does not verify", n, pluralS(n, "problem")))
	}
	if out.Live != nil && out.Live.Changed > 0 {
		msgs = append(msgs, fmt.Sprintf("%d %s no longer %s on the live server", out.Live.Changed, pluralS(out.Live.Changed, "claim"), pluralVerb(out.Live.Changed, "holds", "hold")))
	}
	if len(msgs) > 0 {
		return &problemsError{strings.Join(msgs, "; ")}
	}
	return nil
}

func problemList(ps []pack.Problem) string {
	var s []string
	for _, p := range ps {
		s = append(s, p.String())
	}
	return strings.Join(s, "; ")
}

// verifyLive probes the server again, with the pack's manifest or the one
// given, and holds the pack's claims against the new probe.
func (e *env) verifyLive(cmd *cobra.Command, old *bundle.Bundle, f *verifyFlags) (*liveOutput, error) {
	m := old.Manifest
	if f.manifest != "" {
		var err error
		m, err = manifest.Load(f.manifest)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &usageError{err}
		}
		if err != nil {
			return nil, err
		}
	} else if m != nil {
		// The pack's manifest has no directory to read attachments from:
		// they are the vendor's files, in the pack already, not claims about
		// the server.
		cp := *m
		cp.Evidence = nil
		m = &cp
	}
	if m == nil {
		return nil, fmt.Errorf("the pack has no manifest to probe with; give --manifest")
	}
	ctx, cancel := withDeadline(cmd.Context(), f.deadline)
	defer cancel()
	e.progress(fmt.Sprintf("probing %s again to check the pack's claims", m.Server.URL))
	// The new probe is dated now: SOURCE_DATE_EPOCH fixes the date of
	// packs, not of checks.
	now := e.now().UTC().Truncate(time.Second)
	opts := e.pipelineOptions(now)
	opts.Manifest, opts.Tokens, opts.Deadline = m, e.tokens(m), f.deadline
	fresh, err := pipeline.Run(ctx, opts)
	if err != nil {
		return nil, err
	}
	lo := &liveOutput{Server: m.Server.URL, Claims: contract.Claims(old, fresh)}
	for _, c := range lo.Claims {
		switch c.Status {
		case contract.Confirmed:
			lo.Confirmed++
		case contract.Changed:
			lo.Changed++
		default:
			lo.Uncheckable++
		}
	}
	return lo, nil
}

func printVerification(e *env, v *pack.Verification, pub ed25519.PublicKey) {
	w := e.stdout
	fmt.Fprintf(w, "pack       %s (%s)\n", v.Pack, v.Kind)
	fmt.Fprintf(w, "signature  %s: %s\n", v.Signature.Status, v.Signature.Detail)
	fmt.Fprintf(w, "files      %d listed in SHA256SUMS, %d evidence items in pack.json\n", v.Files, v.Evidence)
	if !v.Created.IsZero() {
		fmt.Fprintf(w, "built      %s\n", v.Created.Format(time.RFC3339))
	}
	if len(v.Problems) == 0 {
		fmt.Fprintln(w, "\nThe pack verifies: every file matches SHA256SUMS and the evidence index, nothing is missing or added, and it is fresh.")
		if pub == nil {
			fmt.Fprintln(w, "The signature was not checked: give --pubkey to check who made it.")
		}
		return
	}
	fmt.Fprintln(w)
	for _, p := range v.Problems {
		fmt.Fprintf(w, "FAIL  %s\n", p)
	}
}

func printClaims(e *env, lo *liveOutput) {
	fmt.Fprintf(e.stdout, "\nLive claims against %s: %d confirmed, %d changed, %d no longer checkable.\n", lo.Server, lo.Confirmed, lo.Changed, lo.Uncheckable)
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STATUS\tSUBJECT\tCLAIM\tEVIDENCE\tDETAIL")
	for _, c := range lo.Claims {
		detail := ""
		if c.Status != contract.Confirmed {
			detail = "was " + orDash(c.Old) + "; now " + orDash(c.New)
			if c.Resubmit {
				detail += " (needs re-submission)"
			}
		}
		ids := make([]string, len(c.Evidence))
		for i, id := range c.Evidence {
			ids[i] = string(id)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.Status, c.Subject, c.Claim, orDash(strings.Join(ids, " ")), oneLine(detail))
	}
	tw.Flush()
}

// oneLine keeps a table row on one line and short: the server's text can
// be anything.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 160 {
		s = string(r[:160]) + "…"
	}
	return s
}
