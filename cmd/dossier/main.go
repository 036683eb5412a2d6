// Command dossier produces the compliance pack a vendor hands to a buyer's
// security review for an app that runs inside ChatGPT: it reads the app
// manifest, probes the live MCP server and its OAuth setup, and writes
// pack.json, pack.pdf and answers.csv.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/dossier-dev/dossier/cmd/internal/pipeline"
	"github.com/dossier-dev/dossier/internal/english"
	"github.com/dossier-dev/dossier/internal/owned"
	"github.com/dossier-dev/dossier/pack"
	"github.com/dossier-dev/dossier/pack/manifest"
)

// Exit codes, documented in --help and the README.
const (
	exitOK       = 0 // done
	exitFailure  = 1 // the tool could not do its job
	exitUsage    = 2 // usage or manifest error
	exitFindings = 3 // findings at or above --fail-on
)

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	// A second interrupt removes the leftovers, then exits: the run, which
	// may end meanwhile, must not exit under it and leave them half
	// removed. Whoever takes quitting first ends the process.
	var quitting sync.Mutex
	leftovers := func() {
		quitting.Lock()
		removeLeftovers()
	}
	go onInterrupt(sigs, cancel, os.Stderr, leftovers, os.Exit)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	signal.Stop(sigs)
	cancel()
	quitting.Lock()
	os.Exit(code)
}

// exitInterrupted is the exit code of a run ended by a second Ctrl-C, as
// a shell reports a process killed by SIGINT.
const exitInterrupted = 130

// quitWait bounds removeLeftovers on the way out at a second interrupt.
const quitWait = 3 * time.Second

// onInterrupt cancels the run at the first signal, so that it stops
// cleanly (Chrome closed, no half-written pack), and ends the process at
// once at the second, for a cleanup that hangs: leftovers (what the run
// holds in TMPDIR, which the cleanup would have removed) is called first,
// for at most quitWait or until a third signal.
func onInterrupt(sigs <-chan os.Signal, cancel context.CancelFunc, stderr io.Writer, leftovers func(), exit func(int)) {
	if _, ok := <-sigs; !ok {
		return
	}
	fmt.Fprintln(stderr, "dossier: interrupted; stopping (interrupt again to quit at once)")
	cancel()
	if _, ok := <-sigs; !ok {
		return
	}
	fmt.Fprintln(stderr, "dossier: interrupted again; quitting")
	done := make(chan struct{})
	go func() {
		defer close(done)
		leftovers()
	}()
	select {
	case <-done:
	case <-sigs:
	case <-time.After(quitWait):
	}
	exit(exitInterrupted)
}

// removeLeftovers removes what this process holds in TMPDIR: its browser
// (killed first, since it writes into its profile until it ends), the
// demo's plugin package and the screenshot spool.
func removeLeftovers() {
	tmp := os.TempDir()
	pipeline.RemoveLeftovers(tmp)
	owned.RemoveMine(tmp, spoolPrefix)
}

// run executes one command line and maps its error to an exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := newEnv(stdout, stderr)
	defer e.removeSpool()
	root := e.rootCmd()
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var findings *findingsError
	if errors.As(err, &findings) {
		fmt.Fprintln(stderr, "dossier:", escapedLines(err.Error()))
		return exitFindings
	}
	var problems *problemsError
	if errors.As(err, &problems) {
		fmt.Fprintln(stderr, "dossier:", escapedLines(err.Error()))
		return exitFindings
	}
	var merrs manifest.Errors
	if errors.As(err, &merrs) {
		what := "manifest"
		var qerr *pack.QuestionnaireError
		if errors.As(err, &qerr) {
			what = "questionnaire"
		}
		fmt.Fprintf(stderr, "dossier: the %s has errors:\n", what)
		for _, e := range merrs {
			fmt.Fprintln(stderr, "  "+escapedLines(e.Error()))
		}
		return exitUsage
	}
	var usage *usageError
	if errors.As(err, &usage) {
		fmt.Fprintln(stderr, "dossier:", escapedLines(err.Error()))
		fmt.Fprintln(stderr, "Run 'dossier --help' for usage.")
		return exitUsage
	}
	// A run's errors quote servers and received packs at times.
	fmt.Fprintln(stderr, "dossier:", escapedLines(err.Error()))
	return exitFailure
}

// usageError is a bad command line.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// findingsError says results reached the --fail-on threshold.
type findingsError struct {
	threshold string
	worst     string
	count     int
}

func (e *findingsError) Error() string {
	return fmt.Sprintf("%d failing %s at or above %s (worst: %s)", e.count, english.PluralS(e.count, "check"), e.threshold, e.worst)
}
