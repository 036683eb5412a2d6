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
	"github.com/dossier-dev/dossier/internal/english"
	"github.com/dossier-dev/dossier/pack"
	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/contract"
	"github.com/dossier-dev/dossier/pack/manifest"
	"github.com/dossier-dev/dossier/pack/sign"
)

// manifestPrefix marks a side of diff that is a live server, probed with
// the manifest named after it.
const manifestPrefix = "manifest:"

// diffFlags are diff's options.
type diffFlags struct {
	format         string
	failOnResubmit bool
	failOn         string
	deadline       time.Duration
	pubkey         string
	requireSig     bool
}

func newDiffCmd(e *env) *cobra.Command {
	var f diffFlags
	cmd := &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "List what changed between two packs (or live servers): checks that fail or pass now, the contract, the answers",
		Long: `diff first verifies each pack as verify does (every file against SHA256SUMS and
the evidence index; the signature too with --pubkey or --require-signature) and
refuses one that does not verify. Neither pack's age nor its attestations'
expiry is held against it: a submitted pack is old by design.

It then lists, worst first, the checks newly failing (with the severity of
the new failure), newly not judged (status error: the new probe could not
look, each with what it lacked) and newly passing, then the changes to the
app's contract: tools added, removed or renamed (a removed and an added tool
with the same schemas are a rename), titles, descriptions, input and output
schemas, annotations, security schemes and scopes, UI links, widgets, their
CSP (widened or narrowed) and domain, the server URL and instructions. Each
change is marked when it needs re-submission under the platform's rules (see
the README's re-submission table), and the questionnaire answers that flipped
are listed. One summary line ends it.

Each side is a pack (its directory, pack.json or pack.zip), or a live server
written manifest:FILE, which is probed now with that manifest (tokens from the
environment variables it names).

Exit codes: 0 done, 1 a side cannot be read or probed, 2 usage error, 3 a pack
that does not verify, a check newly failing at or above --fail-on, or with
--fail-on-resubmit a change that needs re-submission.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 2 {
				return &usageError{fmt.Errorf("diff takes OLD and NEW, got %d arguments", len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return e.diff(cmd, args[0], args[1], &f) },
	}
	cmd.Flags().StringVar(&f.format, "format", "table", "output format: table or json")
	cmd.Flags().BoolVar(&f.failOnResubmit, "fail-on-resubmit", false, "exit 3 when a change needs re-submission")
	cmd.Flags().StringVar(&f.failOn, "fail-on", "none", "exit 3 when a check newly fails at or above this severity: critical, high, medium, low, info, or none")
	cmd.Flags().DurationVar(&f.deadline, "deadline", 2*time.Minute, "for a manifest: side, the whole probe's deadline")
	cmd.Flags().StringVar(&f.pubkey, "pubkey", "", "the signer's public key (PEM): both packs must be signed with it")
	cmd.Flags().BoolVar(&f.requireSig, "require-signature", false, "refuse a pack unless it is signed and the signature is checked (--pubkey implies it)")
	return cmd
}

func (e *env) diff(cmd *cobra.Command, oldArg, newArg string, f *diffFlags) error {
	if f.format != "table" && f.format != "json" {
		return &usageError{fmt.Errorf("--format %q: want table or json", f.format)}
	}
	failOn, err := parseFailOn(f.failOn)
	if err != nil {
		return err
	}
	// Integrity only: MaxAge 0 and a zero Now hold neither the pack's
	// age nor an attestation's expiry against it.
	vo := pack.VerifyOptions{RequireSignature: f.requireSig || f.pubkey != ""}
	if f.pubkey != "" {
		pub, err := sign.LoadPublic(f.pubkey)
		if err != nil {
			return &usageError{err}
		}
		vo.PublicKey = pub
	}
	old, oldJSON, err := e.side(cmd, "OLD", oldArg, vo, f.deadline)
	if err != nil {
		return err
	}
	new, _, err := e.side(cmd, "NEW", newArg, vo, f.deadline)
	if err != nil {
		return err
	}
	ch := contract.Compare(old, oldJSON, new)
	results := contract.Results(ch, new.Results)
	checks := contract.ResultChanges(old.Results, new.Results)
	if f.format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(diffOutput{Checks: checks, Changes: ch, Results: results}); err != nil {
			return fmt.Errorf("writing the diff: %w", err)
		}
	} else {
		printResultChanges(e, ch.Since, checks)
		printChanges(e, safeChanges(ch))
		fmt.Fprintln(e.stdout)
		for _, r := range results {
			fmt.Fprintf(e.stdout, "%s  %s  %s: %s\n", r.Status, r.ID, oneLine(r.Subject), oneLine(r.Detail))
		}
		fmt.Fprintln(e.stdout, diffSummary(checks, ch))
	}
	var failing []check.Severity
	for _, c := range checks {
		if c.Change == contract.NewlyFailing && c.New == check.Fail {
			failing = append(failing, c.Severity)
		}
	}
	if n, worst := atOrAbove(failing, failOn); n > 0 {
		return &findingsError{threshold: failOn, worst: string(worst), count: n}
	}
	if f.failOnResubmit && ch.Resubmit {
		return (&packOptions{failOnResubmit: true}).resubmitError(&bundle.Bundle{Changes: ch})
	}
	return nil
}

// printResultChanges prints the checks whose result moved, grouped and
// worst first, each with the new result's detail wrapped under it.
func printResultChanges(e *env, since bundle.Since, checks []contract.ResultChange) {
	t := e.terminal()
	fmt.Fprintf(e.stdout, "Checks since the pack of %s (%s %s):\n", since.Created.Format("2006-01-02"), escaped(since.App), escaped(since.Version))
	if len(checks) == 0 {
		fmt.Fprintln(e.stdout, "  none: every check has the result it had.")
		return
	}
	heading := map[string]string{
		contract.NewlyFailing:  "Newly failing",
		contract.NewlyUnjudged: "Newly not judged (error: the detail says what was missing)",
		contract.NewlyPassing:  "Newly passing",
	}
	group := ""
	for _, c := range checks {
		if c.Change != group {
			group = c.Change
			fmt.Fprintf(e.stdout, "  %s:\n", heading[group])
		}
		fmt.Fprintf(e.stdout, "  %-8s  %s  %s  (was %s, now %s)\n", orDash(string(c.Severity)), escaped(c.ID), escaped(c.Subject), orDash(string(c.Old)), c.New)
		for _, l := range wrap(escaped(c.Detail), t.width-6) {
			fmt.Fprintln(e.stdout, "      "+l)
		}
	}
}

// diffSummary is diff's last line: the checks that moved, by severity,
// then the contract changes and the flipped answers.
func diffSummary(checks []contract.ResultChange, ch *bundle.Changes) string {
	by := map[string][]check.Severity{}
	for _, c := range checks {
		by[c.Change] = append(by[c.Change], c.Severity)
	}
	resubmit := 0
	for _, c := range ch.Changes {
		if c.Resubmit {
			resubmit++
		}
	}
	n := len(by[contract.NewlyFailing])
	return fmt.Sprintf("%d %s newly failing%s, %d newly not judged, %d newly passing; %d contract %s (%d %s re-submission); %d %s flipped.",
		n, english.PluralS(n, "check"), bySeverity(by[contract.NewlyFailing]),
		len(by[contract.NewlyUnjudged]), len(by[contract.NewlyPassing]),
		len(ch.Changes), english.PluralS(len(ch.Changes), "change"), resubmit, english.Plural(resubmit, "needs", "need"),
		len(ch.Flipped), english.PluralS(len(ch.Flipped), "answer"))
}

// bySeverity counts severities worst first, as " (1 critical, 2 medium)";
// "" for none.
func bySeverity(sevs []check.Severity) string {
	if len(sevs) == 0 {
		return ""
	}
	var parts []string
	for _, s := range []check.Severity{check.Critical, check.High, check.Medium, check.Low, check.Info} {
		if n := countOf(sevs, s); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// atOrAbove counts the severities at or above a --fail-on value (none
// for none), and names the worst.
func atOrAbove(sevs []check.Severity, failOn string) (n int, worst check.Severity) {
	threshold, err := check.ParseSeverity(failOn)
	if err != nil {
		return 0, ""
	}
	for _, s := range sevs {
		if s.Rank() >= threshold.Rank() {
			n++
			if s.Rank() > worst.Rank() {
				worst = s
			}
		}
	}
	return n, worst
}

func countOf[T comparable](xs []T, x T) int {
	n := 0
	for _, y := range xs {
		if y == x {
			n++
		}
	}
	return n
}

// diffOutput is what diff --format json prints.
type diffOutput struct {
	Checks  []contract.ResultChange `json:"checks"` // newly failing, not judged, passing
	Changes *bundle.Changes         `json:"changes"`
	Results []check.Result          `json:"results"` // resubmit.contract
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

// side reads one side of a diff: a pack, verified first and refused when
// it does not verify, or a live server probed now. which is OLD or NEW.
func (e *env) side(cmd *cobra.Command, which, arg string, vo pack.VerifyOptions, deadline time.Duration) (*bundle.Bundle, []byte, error) {
	file, live := strings.CutPrefix(arg, manifestPrefix)
	if !live {
		v, err := pack.Verify(arg, vo)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", which, err)
		}
		if n := len(v.Problems); n > 0 {
			return nil, nil, &problemsError{fmt.Sprintf("%s pack %s does not verify, so it is not compared (%d %s: %s); dossier verify %s shows every problem", which, escaped(arg), n, english.PluralS(n, "problem"), problemList(v.Problems), escaped(arg))}
		}
		return v.Bundle, v.JSON, nil
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
