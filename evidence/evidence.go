// Package evidence is the rendering stage of the pipeline: it loads each UI
// widget the live server serves into a sandboxed iframe of a loopback test
// host, under exactly the CSP the widget declares, and records what it tried
// to do (CSP violations, network requests, privileged APIs, sandbox escapes);
// it also renders a simulated confirmation prompt for every write tool. Each
// render yields a PNG, a JSON log and a capture record, and the widget.* and
// evidence.confirmation results that rest on them.
//
// The browser sits behind the small Browser interface; evidence/chrome is the
// only implementation and the only package that imports chromedp.
package evidence

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/dossier-dev/dossier/evidence/chrome"
	"github.com/dossier-dev/dossier/internal/english"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/live"
	"github.com/dossier-dev/dossier/pack/manifest"
)

// Options tune a run. The zero value works.
type Options struct {
	ChromePath  string        // "" = discover (see FindBrowser)
	Parallel    int           // tabs at once, default defaultParallel
	PageTimeout time.Duration // per page, default 15s
	Now         func() time.Time
	Progress    func(string)
	// Launch starts the browser; nil starts Chromium with evidence/chrome.
	// Tests of other packages pass a fake.
	Launch Launcher
	// NoPrompts leaves the write tools' confirmation prompts undrawn: a
	// run that writes no pack (dossier check) would throw the captures
	// away, and drawing them costs a browser. evidence.confirmation is
	// then na, saying the capture is made when the pack is built; a
	// write tool judged without a drawing (gone, live read-only) is
	// judged as always.
	NoPrompts bool
	// Spool is a directory to write each screenshot into as soon as it is
	// taken; the Output's evidence then names the file instead of holding
	// the bytes, and the caller removes the directory once the pack is
	// written. "" keeps the screenshots in memory.
	Spool string
	// Allow are more URLs the user named: widgets may reach their origins
	// although they are loopback or private addresses. The harness's own
	// origins and Input.Server's are allowed too, and no other such
	// address.
	Allow []string
}

// Input is what the earlier stages observed and declared.
type Input struct {
	Resources []live.Resource            // UI resources read from the server
	Tools     []live.Tool                // live tools (annotations, titles, UI links)
	Declared  []manifest.Tool            // kinds, egress and example arguments
	Results   map[string]json.RawMessage // recorded tool results (CallToolResult JSON) by tool name

	// Callable names the tools the probe may call (the manifest's
	// probe.callable). The test host answers a widget's own tools/call of
	// one of them with the probe's recorded result and refuses every other
	// call: it never calls the live server.
	Callable []string
	// Server is the MCP server's URL. Its origin is the app's own server:
	// its bundle blocked because the CSP forgot to declare it is a
	// widget.csp-sufficient failure, not a sandbox escape.
	Server string
	// ToolsIncomplete says why tools/list was not read whole
	// (live.Observation.ToolsIncomplete): a tool missing from Tools may
	// exist, so nothing is judged from its absence.
	ToolsIncomplete string
}

// Output is the stage's contribution to the pack.
type Output struct {
	Results  []check.Result
	Evidence []check.Evidence
	Captures []live.Capture
}

// Browser renders one page at a time per call; calls may run in parallel.
type Browser interface {
	Version() string
	Flags() []string
	// Shoot loads url in a tab of its own at 1280×800 (tabs are reused
	// from page to page), waits until the JavaScript expression ready is
	// truthy or, if it is a promise, has resolved, and returns a viewport
	// PNG and the console messages. ctx is the page's deadline.
	Shoot(ctx context.Context, url, ready string) (png []byte, console []string, err error)
	// Draw shows doc in place of the document of the page at shell (a tab
	// loads shell once and is reused from drawing to drawing; the document
	// keeps the shell's origin and CSP) and returns a PNG of the box of
	// the element whose id is box. ctx is the drawing's deadline.
	Draw(ctx context.Context, shell string, doc []byte, box string) (png []byte, err error)
	// Close stops the browser and removes everything it left on disk.
	Close() error
}

// Launcher starts a browser from the executable at path.
type Launcher func(ctx context.Context, path string) (Browser, error)

// LaunchChrome starts Chromium with evidence/chrome: the default Launcher.
func LaunchChrome(ctx context.Context, path string) (Browser, error) {
	b, err := chrome.Start(ctx, path, chrome.Options{Tabs: defaultParallel})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// ErrNoBrowser is reported (as result details) when no browser is found.
var ErrNoBrowser = chrome.ErrNoBrowser

// RemoveLeftovers kills the browsers this process started and removes their
// profiles in tmp at once (see chrome.RemoveMine).
func RemoveLeftovers(tmp string) { chrome.RemoveMine(tmp) }

// FindBrowser returns the browser executable (see chrome.Find).
func FindBrowser(path string) (string, error) { return chrome.Find(path) }

const (
	viewport       = "1280x800"
	defaultTimeout = 15 * time.Second
	// defaultParallel pages render at once: two cores' worth. LaunchChrome
	// has that many tabs opened as the browser starts.
	defaultParallel = 2
)

// Run renders every UI resource and every write tool's confirmation prompt
// and judges the widget.* and evidence.confirmation checks. A browser that
// is missing or does not start gives error results, not an error; the error
// is for a harness that cannot run at all (no loopback, cancelled context).
func Run(ctx context.Context, in Input, opts Options) (*Output, error) {
	if opts.Parallel <= 0 {
		opts.Parallel = defaultParallel
	}
	if opts.PageTimeout <= 0 {
		opts.PageTimeout = defaultTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Progress == nil {
		opts.Progress = func(string) {}
	} else {
		var mu sync.Mutex // tabs report from several goroutines
		progress := opts.Progress
		opts.Progress = func(s string) {
			mu.Lock()
			defer mu.Unlock()
			progress(s)
		}
	}
	if opts.Launch == nil {
		opts.Launch = LaunchChrome
	}

	jobs := plan(in)
	if opts.NoPrompts {
		deferPrompts(jobs)
	}
	if !slices.ContainsFunc(jobs, (*job).needsBrowser) {
		// Nothing to draw: the results rest on the plan alone, and no
		// browser is started.
		return assemble(jobs), nil
	}
	// What the earlier stages left as garbage goes back to the system
	// before the captures, the run's peak of memory with the browser's: at
	// 1,000 tools the probe's pages would otherwise stay resident through
	// them.
	go debug.FreeOSMemory()

	path, err := FindBrowser(opts.ChromePath)
	if err != nil {
		return unrendered(jobs, ErrNoBrowser.Error()), nil
	}
	opts.Progress(fmt.Sprintf("rendering %s in headless Chrome (%s)", drawing(jobs), path))
	b, err := opts.Launch(ctx, path)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("starting browser: %w", ctx.Err())
		}
		return unrendered(jobs, err.Error()), nil
	}
	defer func() {
		if err := b.Close(); err != nil {
			opts.Progress(err.Error())
		}
	}()

	h, err := startHarness()
	if err != nil {
		return nil, err
	}
	defer h.close()
	if g, ok := b.(interface{ Allow(...string) }); ok {
		g.Allow(append([]string{h.hostURL.String(), h.frameURL.String(), in.Server}, opts.Allow...)...)
	}

	if err := render(ctx, h, b, jobs, opts); err != nil {
		return nil, err
	}
	return assemble(jobs), nil
}

// drawing says what the browser will render: "2 widgets and 4
// confirmation prompts".
func drawing(jobs []*job) string {
	var widgets, prompts int
	for _, j := range jobs {
		switch {
		case !j.needsBrowser():
		case j.kind == widgetJob:
			widgets++
		default:
			prompts++
		}
	}
	var parts []string
	if widgets > 0 {
		parts = append(parts, fmt.Sprintf("%d %s", widgets, english.PluralS(widgets, "widget")))
	}
	if prompts > 0 {
		parts = append(parts, fmt.Sprintf("%d %s", prompts, english.PluralS(prompts, "confirmation prompt")))
	}
	return strings.Join(parts, " and ")
}
