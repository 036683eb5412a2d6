package evidence

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dossier-dev/dossier/evidence/chrome"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/live"
)

// kept is a browser that outlives the Runs it is lent to: Close is the
// caller's.
type kept struct{ Browser }

func (kept) Close() error { return nil }

func (k kept) Allow(origins ...string) { allow(k.Browser, origins) }

// allow passes the harness's origins on to the guard of a wrapped browser.
func allow(b Browser, origins []string) {
	if g, ok := b.(interface{ Allow(...string) }); ok {
		g.Allow(origins...)
	}
}

// timed is a browser that adds up how long its captures take, by kind:
// the latency of one capture in the browser, whatever else runs beside it.
type timed struct {
	Browser
	mu               sync.Mutex
	prompt, widget   time.Duration
	prompts, widgets int
	closedCPU        time.Duration // of the browsers closed through this wrapper, measured just before
}

// Close adds the CPU time the browser's processes used to closedCPU.
func (t *timed) Close() error {
	if d, ok := t.Browser.(interface{ ProfileDir() string }); ok {
		cpu := chromeCPU(d.ProfileDir())
		t.mu.Lock()
		t.closedCPU += cpu
		t.mu.Unlock()
	}
	return t.Browser.Close()
}

func (t *timed) Allow(origins ...string) { allow(t.Browser, origins) }

func (t *timed) add(widget bool, d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if widget {
		t.widget += d
		t.widgets++
	} else {
		t.prompt += d
		t.prompts++
	}
}

func (t *timed) Shoot(ctx context.Context, url, ready string) ([]byte, []string, error) {
	t0 := time.Now()
	defer func() { t.add(ready == readyJS, time.Since(t0)) }()
	return t.Browser.Shoot(ctx, url, ready)
}

// Draw is looked up rather than called through Browser, so that this file
// also measures a tree whose prompts are loaded with Shoot.
func (t *timed) Draw(ctx context.Context, shell string, doc []byte, box string) ([]byte, error) {
	t0 := time.Now()
	defer func() { t.add(false, time.Since(t0)) }()
	d := t.Browser.(interface {
		Draw(context.Context, string, []byte, string) ([]byte, error)
	})
	return d.Draw(ctx, shell, doc, box)
}

// chromeCPU is the CPU time the processes of the browser with profile dir
// have used, those that ended included (a parent counts what it reaped).
func chromeCPU(dir string) time.Duration {
	var ticks int64
	for _, pid := range chrome.Processes(dir) {
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			continue
		}
		// After "pid (comm) ": state is field 3; utime, stime, cutime and
		// cstime are fields 14 to 17.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		f := bytes.Fields(stat[i+1:])
		for _, k := range []int{14, 15, 16, 17} {
			if n, err := strconv.ParseInt(string(f[k-3]), 10, 64); err == nil {
				ticks += n
			}
		}
	}
	return time.Duration(ticks) * (time.Second / 100) // USER_HZ is 100 on Linux
}

// selfCPU is the CPU time this process has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func (t *timed) report(b *testing.B) {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	if t.prompts > 0 {
		b.ReportMetric(ms(t.prompt)/float64(t.prompts), "ms/prompt")
	}
	if t.widgets > 0 {
		b.ReportMetric(ms(t.widget)/float64(t.widgets), "ms/widget")
	}
}

// BenchmarkCapture renders what the demo app gives the stage (see
// demoShaped): two widgets and four prompts.
//
//   - cold starts Chrome in every run, as dossier build does: ms/capture is
//     the cost of one capture amortized over the run, start-up included;
//     start-ms is the start-up alone, and ms/capture-after-start the rest.
//   - warm lends every run a browser started once: ms/capture is the cost
//     of one capture without start-up.
//   - prompts draws eight prompts and no widget in a started browser:
//     ms/prompt-amortized is one prompt's share of a whole run.
//
// ms/prompt and ms/widget are the mean time one capture takes in the
// browser (two run at once, so they add up to more than the run). The
// cpu-ms figures are the CPU time of this process and of Chrome's
// processes per capture: on a loaded machine they move far less than the
// wall-clock ones.
func BenchmarkCapture(b *testing.B) {
	path := needBrowser(b)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	in := demoShaped(b)
	const captures = 6
	run := func(b *testing.B, in Input, launch Launcher) int {
		b.Helper()
		out, err := Run(b.Context(), in, Options{ChromePath: path, Launch: launch, Allow: allowOf(in)})
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range out.Results {
			if r.Status == check.Error {
				b.Logf("%s %s: %s", r.ID, r.Subject, r.Detail) // why a capture is missing
			}
		}
		return len(out.Captures)
	}

	b.Run("cold", func(b *testing.B) {
		var startup time.Duration
		tb := &timed{}
		launch := func(ctx context.Context, path string) (Browser, error) {
			t0 := time.Now()
			br, err := LaunchChrome(ctx, path)
			startup += time.Since(t0)
			tb.Browser = br
			return tb, err
		}
		self := selfCPU()
		for b.Loop() {
			if n := run(b, in, launch); n != captures {
				b.Fatalf("%d captures, want %d", n, captures)
			}
		}
		self = selfCPU() - self
		b.ReportMetric(ms(b.Elapsed())/float64(b.N*captures), "ms/capture")
		b.ReportMetric(ms(self+tb.closedCPU)/float64(b.N*captures), "cpu-ms/capture")
		b.ReportMetric(ms(startup)/float64(b.N), "start-ms")
		b.ReportMetric(ms(b.Elapsed()-startup)/float64(b.N*captures), "ms/capture-after-start")
		tb.report(b)
	})

	started := func(b *testing.B) *timed {
		b.Helper()
		br, err := LaunchChrome(b.Context(), path)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { br.Close() })
		return &timed{Browser: br}
	}
	lend := func(t *timed) Launcher {
		return func(context.Context, string) (Browser, error) { return kept{t}, nil }
	}

	// cpuOf starts counting the CPU time of this process and of t's
	// browser; the function it returns says how much was used since.
	cpuOf := func(t *timed) func() time.Duration {
		dir := t.Browser.(interface{ ProfileDir() string }).ProfileDir()
		self, br := selfCPU(), chromeCPU(dir)
		return func() time.Duration { return selfCPU() - self + chromeCPU(dir) - br }
	}

	b.Run("warm", func(b *testing.B) {
		tb := started(b)
		run(b, in, lend(tb)) // the first run opens the tabs; they are reused from then on
		*tb = timed{Browser: tb.Browser}
		cpu := cpuOf(tb)
		for b.Loop() {
			if n := run(b, in, lend(tb)); n != captures {
				b.Fatalf("%d captures, want %d", n, captures)
			}
		}
		b.ReportMetric(ms(b.Elapsed())/float64(b.N*captures), "ms/capture")
		b.ReportMetric(ms(cpu())/float64(b.N*captures), "cpu-ms/capture")
		tb.report(b)
	})

	b.Run("prompts", func(b *testing.B) {
		var tools []live.Tool
		for i := range 8 {
			tools = append(tools, live.Tool{Name: fmt.Sprintf("write_%d", i), Title: fmt.Sprintf("Write %d", i),
				Description: "Changes something on the account.", Hints: hints(false, i%2 == 0, i%3 == 0)})
		}
		prompts := Input{Tools: tools}
		tb := started(b)
		run(b, prompts, lend(tb))
		*tb = timed{Browser: tb.Browser}
		cpu := cpuOf(tb)
		for b.Loop() {
			if n := run(b, prompts, lend(tb)); n != len(tools) {
				b.Fatalf("%d captures, want %d", n, len(tools))
			}
		}
		b.ReportMetric(ms(b.Elapsed())/float64(b.N*len(tools)), "ms/prompt-amortized")
		b.ReportMetric(ms(cpu())/float64(b.N*len(tools)), "cpu-ms/prompt")
		tb.report(b)
	})
}

// allowOf names the origins the demo-shaped widgets fetch from.
func allowOf(in Input) []string {
	var allow []string
	for _, r := range in.Resources {
		if r.CSP != nil {
			allow = append(allow, r.CSP.Connect...)
		}
	}
	return allow
}
