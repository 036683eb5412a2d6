package main

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dossier-dev/dossier/pack"
	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/sign"
)

func newAnswerCmd(e *env) *cobra.Command {
	var questionnaire, out, pubkey string
	var formats []string
	var requireSig bool
	cmd := &cobra.Command{
		Use:   "answer PACK --questionnaire FILE [--out DIR] [--format csv,xlsx,pdf]",
		Short: "Answer your own questionnaire from a pack you received, offline",
		Long: `answer is for the buyer: it answers your own questionnaire (your question IDs and
wording, each mapped to catalogue check IDs; see dossier schema questionnaire and
samples/questionnaires/) from the check results inside a pack a vendor sent you:
its directory, its pack.json or its pack.zip. It contacts no server.

The pack is verified first, as dossier verify does (every file against
SHA256SUMS and the evidence index; the signature with --pubkey), and a pack that
does not verify is refused (exit 3). Each question is answered by the built-in
checklist's rule: yes when every mapped result passes on probed or attested
ground, no when any fails, partial when some rest on weaker ground, n.a. when
none applies; an attestation or waiver that has expired since the pack was made
no longer counts. The answers are written as answers.csv, answers.xlsx and
answers.pdf (with SHA256SUMS over them) into --out, which must be new, empty, or
an earlier answers directory: nothing else there is ever replaced.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return &usageError{fmt.Errorf("answer takes one pack (directory, pack.json or pack.zip), got %d arguments", len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if questionnaire == "" {
				return &usageError{fmt.Errorf("--questionnaire is required: the questionnaire to answer")}
			}
			var fmts []string // none: all of them
			for _, f := range strings.Split(strings.Join(formats, ","), ",") {
				if f = strings.ToLower(strings.TrimSpace(f)); f != "" && f != "all" {
					fmts = append(fmts, f)
				}
			}
			for _, f := range fmts {
				if !slices.ContainsFunc(pack.AnswerFormats(), func(a struct{ Format, File string }) bool { return a.Format == f }) {
					return &usageError{fmt.Errorf("--format %q: want csv, xlsx, pdf or all", f)}
				}
			}
			if slices.Contains(formats, "all") {
				fmts = nil
			}
			_, q, err := loadQuestionnaire(questionnaire)
			if err != nil {
				return err
			}
			if out == "" {
				out = strings.TrimSuffix(filepath.Base(questionnaire), filepath.Ext(questionnaire)) + "-answers"
			}
			now, err := e.packTime()
			if err != nil {
				return err
			}
			opts := pack.AnswerOptions{Questionnaire: q, Formats: fmts, RequireSignature: requireSig || pubkey != "", Now: now}
			if pubkey != "" {
				if opts.PublicKey, err = sign.LoadPublic(pubkey); err != nil {
					return &usageError{err}
				}
			}
			a, err := pack.AnswerFrom(cmd.Context(), args[0], out, opts)
			var unverified *pack.UnverifiedError
			switch {
			case errors.As(err, &unverified):
				return &problemsError{err.Error()}
			case errors.Is(err, fs.ErrNotExist):
				return &usageError{err}
			case err != nil:
				return err
			}
			printAnswered(e, a, q)
			return nil
		},
	}
	cmd.Flags().StringVarP(&questionnaire, "questionnaire", "q", "", "your questionnaire (YAML; dossier schema questionnaire prints its format)")
	cmd.Flags().StringVarP(&out, "out", "o", "", "the directory to write the answers into (default: QUESTIONNAIRE-answers)")
	cmd.Flags().StringSliceVar(&formats, "format", []string{"csv", "xlsx", "pdf"}, "documents to write, comma-separated: csv, xlsx, pdf, or all")
	cmd.Flags().StringVar(&pubkey, "pubkey", "", "the vendor's public key (PEM): the pack's signature must check against it")
	cmd.Flags().BoolVar(&requireSig, "require-signature", false, "refuse a pack whose signature was not checked (--pubkey implies it)")
	return cmd
}

// printAnswered counts the answers, lists those that are not yes, and
// names the files written.
func printAnswered(e *env, a *pack.Answered, q *pack.Questionnaire) {
	counts := map[string]int{}
	for _, ans := range a.Answers {
		counts[ans.Answer]++
	}
	v := a.Verification
	fmt.Fprintf(e.stdout, "Answered %d questions of %s from %s (%s): %d yes, %d no, %d partial, %d n.a.\n",
		len(a.Answers), escaped(q.Name), v.Pack, escaped(v.Bundle.App.Name), counts[bundle.Yes], counts[bundle.No], counts[bundle.Partial], counts[bundle.NA])
	if v.Signature.Status != pack.SigVerified {
		fmt.Fprintln(e.stdout, "The pack's files agree with its SHA256SUMS, but its signature was not checked: nothing vouches for who made it (give --pubkey with the vendor's key).")
	}
	for _, ans := range a.Answers {
		if ans.Answer != bundle.Yes {
			fmt.Fprintf(e.stdout, "  %-10s %-8s %s\n", escaped(ans.ID), ans.Answer, escaped(ans.Question))
		}
	}
	fmt.Fprintf(e.stdout, "\nWrote %s:\n", a.Dir)
	for _, f := range a.Files {
		fmt.Fprintf(e.stdout, "  %s\n", filepath.Join(a.Dir, f))
	}
}
