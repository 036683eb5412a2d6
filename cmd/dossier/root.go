package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/dossier-dev/dossier/cmd/internal/pipeline"
	"github.com/dossier-dev/dossier/collect"
	"github.com/dossier-dev/dossier/internal/owned"
	"github.com/dossier-dev/dossier/pack"
	"github.com/dossier-dev/dossier/pack/manifest"
)

const exitCodesHelp = `Exit codes:
  0  done
  1  the tool could not do its job: the server cannot be probed at all
     (nothing listens, a 404 at the path, the legacy SSE transport, https
     against a plain-HTTP port; the message says what to change), unwritable
     output, an internal error; for check, also checks that could not be
     judged (a token variable not set, a bound hit), unless --allow-incomplete
  2  usage or manifest error (the manifest's errors name file:line:column)
  3  findings at or above --fail-on; with --fail-on-resubmit, a change that needs
     re-submission; for verify, a pack that does not verify or a claim that no
     longer holds. Findings win over checks that could not be judged`

// env is what commands read from the process environment; tests replace it.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	now            func() time.Time
	chrome         string // --chrome: the browser for evidence captures
	columns        int    // the results table's width; 0 = the terminal's (table.go)
	spool          string // the run's screenshots on their way into the pack; see spoolDir
}

func newEnv(stdout, stderr io.Writer) *env {
	return &env{stdout: stdout, stderr: stderr, getenv: os.Getenv, now: time.Now}
}

// pipelineOptions are the settings every run shares; callers add the
// manifest, tokens and what is theirs.
func (e *env) pipelineOptions(now time.Time) pipeline.Options {
	return pipeline.Options{Now: now, Version: buildVersion(), Progress: e.progress, ChromePath: e.chrome, Getenv: e.getenv, Spool: e.spoolDir()}
}

// spoolPrefix begins the name of every spool directory.
const spoolPrefix = "dossier-captures-"

// spoolDir is a private temporary directory the run's screenshots are
// written to as they are taken (pipeline.Options.Spool), made on first
// use; run removes it when the command ends. "" (it could not be made)
// keeps them in memory. The spools of killed runs are removed first.
func (e *env) spoolDir() string {
	if e.spool == "" {
		owned.RemoveStale(os.TempDir(), spoolPrefix)
		if dir, err := owned.MkdirTemp("", spoolPrefix); err == nil {
			e.spool = dir
		}
	}
	return e.spool
}

// removeSpool removes the spool directory, if one was made.
func (e *env) removeSpool() {
	if e.spool != "" {
		os.RemoveAll(e.spool)
	}
}

func (e *env) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "dossier",
		Short: "Build and verify the security-review pack of a ChatGPT app",
		Long: `dossier reads an app manifest (what the vendor claims), probes the live MCP
server and its OAuth setup (what is true), and writes a compliance pack:
pack.json (the machine-readable source of truth), pack.pdf and answers.csv.

` + exitCodesHelp,
		Version:       buildVersion(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate("dossier {{.Version}}\n")
	root.PersistentFlags().StringVar(&e.chrome, "chrome", "", "the Chrome or Chromium executable for evidence captures (default: Debian's chromium-headless-shell, then Debian's chromium, then chromium-headless-shell, chromium, chromium-browser or google-chrome on PATH)")
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	root.AddCommand(newDemoCmd(e), newBuildCmd(e), newCheckCmd(e), newRenderCmd(e), newSchemaCmd(e), newVersionCmd(e))
	root.AddCommand(newKeygenCmd(e), newVerifyCmd(e), newDiffCmd(e), newInitCmd(e), newAnswerCmd(e))
	registerCompletions(root)
	return root
}

// version is set at build time: make build passes
// -ldflags "-X main.version=$(git describe --tags --always --dirty)".
// It is a string variable because -X can set only those; it is never
// written at run time.
var version string

// buildVersion is what the binary was built from: the stamp in version; else the module
// version (go install of a tagged release); else the VCS revision Go
// records when it builds from a checkout (with "-dirty" when the tree had
// changes); "dev" only when none of these is known (-buildvcs=false).
func buildVersion() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "-dirty"
			}
		}
	}
	if rev == "" {
		return "dev"
	}
	return rev[:min(len(rev), 12)] + dirty
}

// packTime is the pack's date: SOURCE_DATE_EPOCH when set, so that the same
// inputs give the same pack, else now.
func (e *env) packTime() (time.Time, error) {
	if s := e.getenv("SOURCE_DATE_EPOCH"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, &usageError{fmt.Errorf("SOURCE_DATE_EPOCH=%q is not a number of seconds", s)}
		}
		return time.Unix(n, 0).UTC(), nil
	}
	return e.now().UTC().Truncate(time.Second), nil
}

// progress writes a progress line to stderr. Lines quote the server's own
// words at times, so they are printed escaped.
func (e *env) progress(msg string) { fmt.Fprintln(e.stderr, "·", escaped(msg)) }

// tokens reads the bearer tokens the manifest names from the environment.
// Values never leave memory; a missing variable is reported by name only.
func (e *env) tokens(m *manifest.Manifest) []collect.Token {
	return pipeline.EnvTokens(m, e.getenv, e.progress)
}

// signIn gets the probe's tokens the way --login says.
func (e *env) signIn(ctx context.Context, m *manifest.Manifest, mode string) (pipeline.Credentials, error) {
	if !slices.Contains(pipeline.LoginModes(), mode) {
		return pipeline.Credentials{}, &usageError{fmt.Errorf("--login %q: want one of %s", mode, strings.Join(pipeline.LoginModes(), ", "))}
	}
	return pipeline.SignIn(ctx, m, e.signInOptions(mode))
}

// signInOptions read the environment of the unattended modes; the
// interactive mode prints the authorization URL on stderr and tries to
// open a browser.
func (e *env) signInOptions(mode string) pipeline.SignInOptions {
	return pipeline.SignInOptions{
		Mode: mode, Getenv: e.getenv, Progress: e.progress, ChromePath: e.chrome,
		Prompt: func(authURL string) {
			fmt.Fprintf(e.stderr, "Sign in to the app in your browser; if it does not open, visit:\n\n  %s\n\n", escaped(authURL))
			if p, err := exec.LookPath("xdg-open"); err == nil {
				_ = exec.Command(p, authURL).Start()
			}
		},
	}
}

// commonFlags are shared by build and check.
type commonFlags struct {
	manifest      string
	failOn        string
	allowWrite    []string
	questionnaire string
	deadline      time.Duration
	login         string
	plugin        string
	bounds        boundsFlags
}

func (f *commonFlags) register(cmd *cobra.Command, failOnDefault string) {
	cmd.Flags().StringVarP(&f.manifest, "manifest", "m", "", "the app manifest (YAML, schema dossier/v1)")
	cmd.Flags().StringVar(&f.failOn, "fail-on", failOnDefault, "exit 3 when a check fails at or above this severity: critical, high, medium, low, info, or none")
	cmd.Flags().StringSliceVar(&f.allowWrite, "allow-write", nil, "write tools the probe may call (never called otherwise)")
	cmd.Flags().StringVar(&f.questionnaire, "questionnaire", "", "a questionnaire file replacing the built-in one")
	cmd.Flags().DurationVar(&f.deadline, "deadline", 2*time.Minute, "the whole probe's deadline")
	cmd.Flags().StringVar(&f.login, "login", pipeline.LoginAuto, "how to get tokens: "+strings.Join(pipeline.LoginModes(), ", ")+" (see the README)")
	cmd.Flags().StringVar(&f.plugin, "plugin", "", "the plugin package you submit (ZIP or directory, Codex or Agent Plugins layout): judge it beside the manifest (submission.*)")
	f.bounds.register(cmd)
}

// checkAllowWrite refuses, before anything is probed, a --allow-write name
// the probe would never call: one the manifest does not declare, or one
// missing from probe.callable (a tool is called only when it is in both).
func checkAllowWrite(m *manifest.Manifest, names []string) error {
	for _, n := range names {
		if _, ok := m.Tool(n); !ok {
			return &usageError{fmt.Errorf("--allow-write %q: the manifest declares no tool of that name", n)}
		}
		if !slices.Contains(m.Probe.Callable, n) {
			return &usageError{fmt.Errorf("--allow-write %q: the tool is not in probe.callable, so the probe would not call it; list it there (with its example arguments) first", n)}
		}
	}
	return nil
}

func (f *commonFlags) readQuestionnaire() ([]byte, error) {
	if f.questionnaire == "" {
		return nil, nil
	}
	// A bad questionnaire is refused, naming its file, before any server
	// is contacted.
	data, _, err := loadQuestionnaire(f.questionnaire)
	return data, err
}

// loadQuestionnaire reads and parses the questionnaire file p, named on
// the command line.
func loadQuestionnaire(p string) ([]byte, *pack.Questionnaire, error) {
	data, err := pack.ReadQuestionnaire(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, &usageError{err}
	}
	if err != nil {
		return nil, nil, err
	}
	q, err := pack.ParseQuestionnaire(p, data)
	if err != nil {
		return nil, nil, err
	}
	return data, q, nil
}

func parseFailOn(s string) (string, error) {
	if s == "none" || s == "" {
		return "none", nil
	}
	if _, err := parseSeverity(s); err != nil {
		return "", &usageError{fmt.Errorf("--fail-on: %w", err)}
	}
	return s, nil
}

// withDeadline bounds a whole run.
func withDeadline(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, d+30*time.Second) // the probe keeps its own, tighter deadline
}
