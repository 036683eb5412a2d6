package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/dossier-dev/dossier/cmd/internal/pipeline"
	"github.com/dossier-dev/dossier/internal/english"
	"github.com/dossier-dev/dossier/pack"
	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/export"
	"github.com/dossier-dev/dossier/pack/manifest"
	"github.com/dossier-dev/dossier/pack/plugin"
	"github.com/dossier-dev/dossier/pack/sign"
	"github.com/dossier-dev/dossier/samples/app"
)

func parseSeverity(s string) (check.Severity, error) { return check.ParseSeverity(s) }

func newDemoCmd(e *env) *cobra.Command {
	var out, flaw, variant, addr, failOn string
	var formats []string
	var pf packFlags
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Build the pack of the embedded sample app (Orderly), served on 127.0.0.1",
		Long: `demo starts the sample app (an MCP server with its own OAuth 2.1 authorization
server) in-process on 127.0.0.1, signs in unattended as its test user, and builds
its pack. --flaw plants one flaw, to see how dossier reports it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			failOn, err := parseFailOn(failOn)
			if err != nil {
				return err
			}
			fmts, err := parseFormats(formats)
			if err != nil {
				return err
			}
			po, err := pf.load()
			if err != nil {
				return err
			}
			if err := pack.CheckOut(out); err != nil {
				return err
			}
			now, err := e.packTime()
			if err != nil {
				return err
			}
			ctx, cancel := withDeadline(cmd.Context(), 2*time.Minute)
			defer cancel()
			opts := e.pipelineOptions(now)
			po.apply(&opts)
			b, err := pipeline.DemoWith(ctx, app.Options{Addr: addr, Flaw: flaw, Variant: variant}, opts)
			if err != nil {
				return err
			}
			return e.finish(cmd, b, out, fmts, failOn, po)
		},
	}
	registerFormat(cmd, &formats)
	cmd.Flags().StringVarP(&out, "out", "o", "dossier-demo", "the directory to write the pack into")
	cmd.Flags().StringVar(&flaw, "flaw", "", "plant one flaw in the sample app (see samples/app)")
	cmd.Flags().StringVar(&variant, "variant", "", "change the sample app's contract without a defect: schema-change or csp-widened (see samples/app)")
	cmd.Flags().StringVar(&addr, "addr", "", "serve the sample app on this address (default: a random port on 127.0.0.1); two packs diff cleanly only from the same origin")
	pf.register(cmd)
	cmd.Flags().StringVar(&failOn, "fail-on", "none", "exit 3 when a check fails at or above this severity")
	return cmd
}

func newBuildCmd(e *env) *cobra.Command {
	var f commonFlags
	var out string
	var formats []string
	var pf packFlags
	cmd := &cobra.Command{
		Use:   "build --manifest FILE --out DIR",
		Short: "Probe the server a manifest describes and write its pack",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return &usageError{fmt.Errorf("--out is required")}
			}
			fmts, err := parseFormats(formats)
			if err != nil {
				return err
			}
			po, err := pf.load()
			if err != nil {
				return err
			}
			// Before the probe, not after it: a directory that may not
			// be replaced should not cost a whole run to find out.
			if err := pack.CheckOut(out); err != nil {
				return err
			}
			b, failOn, err := e.probe(cmd, &f, po)
			if err != nil {
				return err
			}
			return e.finish(cmd, b, out, fmts, failOn, po)
		},
	}
	f.register(cmd, "none")
	pf.register(cmd)
	registerFormat(cmd, &formats)
	cmd.Flags().StringVarP(&out, "out", "o", "", "the directory to write the pack into (created; an earlier pack there is replaced)")
	return cmd
}

func newCheckCmd(e *env) *cobra.Command {
	var f commonFlags
	var format string
	var allowIncomplete, all bool
	cmd := &cobra.Command{
		Use:   "check --manifest FILE",
		Short: "Probe the server a manifest describes and print the check results (no pack)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !slices.Contains(checkFormats(), format) {
				return &usageError{fmt.Errorf("--format %q: want table, json or md", format)}
			}
			b, failOn, err := e.probe(cmd, &f, &packOptions{noPrompts: true})
			if err != nil {
				return err
			}
			if format == "json" {
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(checkOutput{Summary: b.Summary, RedFlags: b.RedFlags, Results: b.Results, Answers: b.Answers}); err != nil {
					return fmt.Errorf("writing results: %w", err)
				}
			} else if format == "md" {
				// The Markdown summary, for $GITHUB_STEP_SUMMARY or a comment.
				md, err := export.Markdown(b)
				if err != nil {
					return err
				}
				if _, err := e.stdout.Write(md); err != nil {
					return fmt.Errorf("writing results: %w", err)
				}
			} else {
				printResults(e, b, all)
			}
			if err := thresholdError(b, failOn); err != nil {
				return err
			}
			if n := b.Summary.Unjudged(); n > 0 && !allowIncomplete {
				return fmt.Errorf("%s (status error; each detail says what was missing); --allow-incomplete accepts that", bundle.UnjudgedText(n))
			}
			return nil
		},
	}
	f.register(cmd, "high")
	cmd.Flags().StringVar(&format, "format", "table", "output format: table, json or md (the Markdown summary, as summary.md)")
	cmd.Flags().BoolVar(&all, "all", false, "list every result in the table, passes too (default: only fail, warn, error and expired attestations or waivers, with their details)")
	cmd.Flags().BoolVar(&allowIncomplete, "allow-incomplete", false, "exit 0 even when checks could not be judged (status error); without it check exits 1")
	return cmd
}

// checkFormats are check's output formats.
func checkFormats() []string { return []string{"table", "json", "md"} }

// checkOutput is what check --format json prints.
type checkOutput struct {
	Summary  bundle.Summary  `json:"summary"`
	RedFlags []check.Result  `json:"redFlags"`
	Results  []check.Result  `json:"results"`
	Answers  []bundle.Answer `json:"answers"`
}

func newSchemaCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:       "schema [manifest|pack|questionnaire]",
		ValidArgs: []string{"manifest", "pack", "questionnaire"},
		Short:     "Print the JSON Schema of the manifest (dossier/v1), of pack.json or of a questionnaire",
		Args:      cobra.MaximumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			which := "manifest"
			if len(args) == 1 {
				which = args[0]
			}
			var schema []byte
			switch which {
			case "manifest":
				schema = manifest.Schema()
			case "pack":
				schema = pack.Schema()
			case "questionnaire":
				schema = pack.QuestionnaireSchema()
			default:
				return &usageError{fmt.Errorf("schema %q: want manifest, pack or questionnaire", which)}
			}
			_, err := e.stdout.Write(schema)
			return err
		},
	}
}

func newVersionCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print dossier's version",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			fmt.Fprintln(e.stdout, "dossier", buildVersion())
			return nil
		},
	}
}

// probe loads the manifest, reads the tokens it names and runs the
// pipeline. Everything the command line alone can get wrong (an
// --allow-write the probe would not call, a bound) is refused before the
// server is contacted.
func (e *env) probe(cmd *cobra.Command, f *commonFlags, po *packOptions) (*bundle.Bundle, string, error) {
	if f.manifest == "" {
		return nil, "", &usageError{fmt.Errorf("--manifest is required")}
	}
	failOn, err := parseFailOn(f.failOn)
	if err != nil {
		return nil, "", err
	}
	m, src, err := manifest.LoadSource(f.manifest)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "", &usageError{err}
	}
	if err != nil {
		return nil, "", err
	}
	if err := checkAllowWrite(m, f.allowWrite); err != nil {
		return nil, "", err
	}
	bounds, err := f.bounds.bounds()
	if err != nil {
		return nil, "", err
	}
	q, err := f.readQuestionnaire()
	if err != nil {
		return nil, "", err
	}
	var pkg *plugin.Package
	if f.plugin != "" {
		if pkg, err = plugin.Read(f.plugin); err != nil {
			return nil, "", fmt.Errorf("--plugin: %w", err)
		}
	}
	now, err := e.packTime()
	if err != nil {
		return nil, "", err
	}
	ctx, cancel := withDeadline(cmd.Context(), f.deadline)
	defer cancel()
	creds, err := e.signIn(ctx, m, f.login)
	if err != nil {
		return nil, "", err
	}
	opts := e.pipelineOptions(now)
	opts.Manifest, opts.Tokens, opts.ForeignRefusal, opts.AllowWrite, opts.Questionnaire, opts.Deadline, opts.Bounds = m, creds.Tokens, creds.ForeignRefusal, f.allowWrite, q, f.deadline, bounds
	opts.Source = src
	opts.Plugin = pkg
	po.apply(&opts)
	b, err := pipeline.Run(ctx, opts)
	return b, failOn, err
}

// finish signs and writes the pack, prints the summary and the changes
// since the last submitted pack, and applies --fail-on and
// --fail-on-resubmit.
func (e *env) finish(cmd *cobra.Command, b *bundle.Bundle, out string, formats []string, failOn string, po *packOptions) error {
	w, err := pack.WriteWith(cmd.Context(), b, out, po.writeOptions(b, formats))
	if err != nil {
		return err
	}
	printResults(e, b, false)
	if b.Changes != nil {
		printChanges(e, b.Changes)
	}
	printWritten(e, w, formats)
	warnSubmission(e, b, formats)
	if b.Signature != nil {
		fmt.Fprintf(e.stdout, "  %s/%s (signed by key ID %s)\n", w.Dir, sign.SigFile, b.Signature.KeyID)
	}
	if po.zip {
		fmt.Fprintf(e.stdout, "  %s/%s\n", w.Dir, pack.ZipFile)
	}
	if err := thresholdError(b, failOn); err != nil {
		return err
	}
	return po.resubmitError(b)
}

// printResults prints the results table (every result with all, else
// only those a person acts on, worst first, with their details), then the
// counts, the verdict, and what the checks that could not be judged need.
// Subjects come from the server and a verdict may quote it, so all of it
// is printed escaped.
func printResults(e *env, b *bundle.Bundle, all bool) {
	printTable(e.stdout, e.terminal(), b, all)
	s := b.Summary
	fmt.Fprintf(e.stdout, "%d results: %d pass, %d fail, %d warn, %d manual, %d n/a, %d error. %d red %s.\n",
		len(b.Results), s.ByStatus[check.Pass], s.ByStatus[check.Fail], s.ByStatus[check.Warn], s.ByStatus[check.Manual],
		s.ByStatus[check.NA], s.ByStatus[check.Error], len(b.RedFlags), english.PluralS(len(b.RedFlags), "flag"))
	answers := map[string]int{}
	for _, a := range b.Answers {
		answers[a.Answer]++
	}
	fmt.Fprintf(e.stdout, "%d answers: %d yes, %d no, %d partial, %d n.a.\n%s\n", len(b.Answers),
		answers[bundle.Yes], answers[bundle.No], answers[bundle.Partial], answers[bundle.NA], escaped(s.Verdict)+expiredText(b))
	if n := s.Unjudged(); n > 0 {
		fmt.Fprintf(e.stdout, "%s; ", bundle.UnjudgedText(n))
		if len(s.Needs) == 0 {
			fmt.Fprintln(e.stdout, "the detail of each error result says what was missing.")
		} else {
			fmt.Fprintln(e.stdout, "to judge them:")
			for _, need := range s.Needs {
				fmt.Fprintln(e.stdout, "  - "+escaped(need))
			}
		}
	}
}

func thresholdError(b *bundle.Bundle, failOn string) error {
	if failOn == "none" {
		return nil
	}
	threshold, _ := check.ParseSeverity(failOn)
	n := 0
	var worst check.Severity
	for _, r := range b.Results {
		if r.Counts() && r.Severity.Rank() >= threshold.Rank() {
			n++
			if r.Severity.Rank() > worst.Rank() {
				worst = r.Severity
			}
		}
	}
	if n == 0 {
		return nil
	}
	return &findingsError{threshold: failOn, worst: string(worst), count: n}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
