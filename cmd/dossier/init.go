package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/dossier-dev/dossier/cmd/internal/pipeline"
)

func newInitCmd(e *env) *cobra.Command {
	var opts pipeline.DraftOptions
	cmd := &cobra.Command{
		Use:   "init --url URL [--token-env NAME]",
		Short: "Print a draft manifest for a live MCP server, from what it lists",
		Long: `init connects to the MCP server at --url (with the bearer token in the
environment variable --token-env, if given), lists its tools, resources and
sign-in, and prints a draft manifest (schema dossier/v1) to stdout. Kinds come
from the tools' annotations, scopes from their securitySchemes; every input
field gets purpose: TODO, and comments mark what only the vendor can fill in.
Nothing is called and no client is registered.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.URL == "" {
				return &usageError{fmt.Errorf("--url is required")}
			}
			if opts.TokenEnv != "" {
				opts.Token = strings.TrimSpace(e.getenv(opts.TokenEnv))
				if opts.Token == "" {
					return &usageError{fmt.Errorf("--token-env %s: the variable is not set", opts.TokenEnv)}
				}
			}
			opts.Progress = e.progress
			ctx, cancel := withDeadline(cmd.Context(), opts.Deadline)
			defer cancel()
			out, err := pipeline.Draft(ctx, opts)
			if err != nil {
				return err
			}
			_, err = e.stdout.Write(out)
			return err
		},
	}
	cmd.Flags().StringVar(&opts.URL, "url", "", "the MCP endpoint, such as https://mcp.example.com/mcp")
	cmd.Flags().StringVar(&opts.TokenEnv, "token-env", "", "the environment variable holding a bearer token")
	cmd.Flags().DurationVar(&opts.Deadline, "deadline", 30*time.Second, "how long listing may take")
	return cmd
}
