package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dossier-dev/dossier/internal/english"
	"github.com/dossier-dev/dossier/pack"
	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/export"
)

func newRenderCmd(e *env) *cobra.Command {
	var out string
	var formats []string
	cmd := &cobra.Command{
		Use:   "render PACK_JSON --out DIR",
		Short: "Render every document of a pack again from its pack.json",
		Long: `render reads a pack.json and writes the pack again: pack.json itself, the PDF
and the exports chosen with --format, all rendered from that file alone. The
evidence files beside pack.json are copied when present; each must match the
size and SHA-256 in the evidence index, or nothing is written. The same
pack.json always gives byte-identical files.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return &usageError{fmt.Errorf("render takes one pack.json, got %d arguments", len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return &usageError{fmt.Errorf("--out is required")}
			}
			fmts, err := parseFormats(formats)
			if err != nil {
				return err
			}
			b, missing, err := pack.Read(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if len(missing) > 0 {
				ids := make([]string, len(missing))
				for i, id := range missing {
					ids[i] = string(id)
				}
				e.progress(fmt.Sprintf("%d evidence %s not beside %s, so not copied: %s",
					len(missing), english.PluralS(len(missing), "file"), args[0], strings.Join(ids, " ")))
			}
			w, err := pack.Write(cmd.Context(), b, out, fmts)
			if err != nil {
				return err
			}
			printWritten(e, w, fmts)
			warnSubmission(e, b, fmts)
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "the directory to write the pack into (created; an earlier pack there is replaced)")
	registerFormat(cmd, &formats)
	return cmd
}

// registerFormat adds --format, shared by build, demo and render.
func registerFormat(cmd *cobra.Command, formats *[]string) {
	cmd.Flags().StringSliceVar(formats, "format", pack.DefaultFormats(),
		"documents to write, comma-separated: "+strings.Join(pack.Formats(), ", ")+", or all (json is always written)")
}

func parseFormats(lists []string) ([]string, error) {
	fmts, err := pack.ParseFormats(lists)
	if err != nil {
		return nil, &usageError{fmt.Errorf("--format: %w", err)}
	}
	return fmts, nil
}

// printWritten lists the documents written, one per line.
// warnSubmission says on stderr what openai-submission.json still needs
// before it is uploaded (the file's dossier_notes hold the same lines).
func warnSubmission(e *env, b *bundle.Bundle, formats []string) {
	if !slices.Contains(formats, "openai") {
		return
	}
	notes := export.SubmissionNotes(b)
	if len(notes) == 0 {
		return
	}
	fmt.Fprintln(e.stderr, "openai-submission.json is a draft; before uploading it:")
	for _, n := range notes {
		fmt.Fprintln(e.stderr, "  - "+escaped(n))
	}
}

func printWritten(e *env, w *pack.Written, formats []string) {
	fmt.Fprintf(e.stdout, "\nWrote %d files to %s (evidence under evidence/); the documents:\n", len(w.Files), w.Dir)
	for _, f := range formats {
		fmt.Fprintf(e.stdout, "  %s/%s\n", w.Dir, pack.File(f))
	}
}
