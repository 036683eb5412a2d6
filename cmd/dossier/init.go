package main

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/dossier-dev/dossier/cmd/internal/pipeline"
	"github.com/dossier-dev/dossier/pack/plugin"
)

func newInitCmd(e *env) *cobra.Command {
	var opts pipeline.DraftOptions
	var bounds boundsFlags
	var pluginPath string
	cmd := &cobra.Command{
		Use:   "init --url URL | --plugin PATH [--token-env NAME | --login MODE]",
		Short: "Print a draft manifest for a live MCP server, from what it lists",
		Long: `init connects to the MCP server at --url (with the bearer token in the
environment variable --token-env, or one --login gets), lists its tools,
resources and sign-in, and prints a draft manifest (schema dossier/v1) to
stdout. Kinds come from the tools' annotations, scopes from their
securitySchemes; every input field gets purpose: TODO, and comments mark what
only the vendor can fill in. Nothing is called and no client is registered
(but by --login dcr, form or interactive, which sign in as check does).

With --plugin PATH (the plugin package you submit, a ZIP or directory in the
Codex or Agent Plugins layout) the app and submission sections are drafted
from the package's listing, and its one MCP server is listed unless --url
names another.

A server that cannot be listed says why: nothing listening, a 404 at the path,
the legacy HTTP+SSE transport, https against a plain-HTTP port, or a 401 with
what its challenge advertises; init then exits 1 and prints no draft.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if pluginPath != "" {
				pkg, err := plugin.Read(pluginPath)
				if err != nil {
					return fmt.Errorf("--plugin: %w", err)
				}
				opts.Plugin = pkg
			}
			if opts.URL == "" && opts.Plugin == nil {
				return &usageError{fmt.Errorf("--url is required (or --plugin, whose one MCP server is then listed)")}
			}
			if !slices.Contains(pipeline.LoginModes(), opts.Login) {
				return &usageError{fmt.Errorf("--login %q: want one of %s", opts.Login, strings.Join(pipeline.LoginModes(), ", "))}
			}
			if opts.TokenEnv != "" && strings.TrimSpace(e.getenv(opts.TokenEnv)) == "" && (opts.Login == pipeline.LoginAuto || opts.Login == pipeline.LoginEnv) {
				return &usageError{fmt.Errorf("--token-env %s: the variable is not set", opts.TokenEnv)}
			}
			var err error
			if opts.Bounds, err = bounds.bounds(); err != nil {
				return err
			}
			opts.Progress = e.progress
			opts.SignIn = e.signInOptions(pipeline.LoginAuto)
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
	cmd.Flags().StringVar(&pluginPath, "plugin", "", "the plugin package you submit (ZIP or directory): the draft's app and submission sections come from it, and its MCP server is the default --url")
	cmd.Flags().StringVar(&opts.URL, "url", "", "the MCP endpoint, such as https://mcp.example.com/mcp")
	cmd.Flags().StringVar(&opts.TokenEnv, "token-env", "", "the environment variable holding a bearer token")
	cmd.Flags().StringVar(&opts.Login, "login", pipeline.LoginAuto, "how to get a token: "+strings.Join(pipeline.LoginModes(), ", ")+" (auto: --token-env if given, else dcr or form when their variables are set, else none)")
	cmd.Flags().DurationVar(&opts.Deadline, "deadline", 30*time.Second, "how long listing may take")
	bounds.register(cmd)
	return cmd
}
