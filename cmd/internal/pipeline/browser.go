package pipeline

import (
	"context"
	"errors"
	"sync"

	"github.com/dossier-dev/dossier/evidence"
)

// earlyBrowser is a browser started before the evidence stage needs it,
// so that its start overlaps the preflight and the probe: before them when
// prompts will be drawn, or as soon as the probe finds widgets. It is
// handed to the evidence stage at most once; the stage's Close returns at
// once and the browser is closed in the background while the run attaches
// files and judges, and release waits for that close to end, so the
// browser has gone before the pack is written. If the stage never takes it
// (the preflight or the probe failed, the context was cancelled, nothing
// needed drawing), release ends its start and closes it; a browser never
// started is left alone.
type earlyBrowser struct {
	done       chan struct{} // closed when the start has ended
	b          evidence.Browser
	err        error
	progress   func(string)
	chromePath string
	launch     evidence.Launcher
	bctx       context.Context
	abort      context.CancelFunc // ends a start nobody took
	once       sync.Once          // the start, or release's note that there was none

	mu      sync.Mutex
	taken   bool
	closing chan struct{} // closed when the browser has been closed; nil before its close began
}

// newEarlyBrowser prepares the browser at the path evidence would find,
// for start or take to start. progress hears of an error closing it.
func newEarlyBrowser(ctx context.Context, chromePath string, launch evidence.Launcher, progress func(string)) *earlyBrowser {
	if progress == nil {
		progress = func(string) {}
	}
	if launch == nil {
		launch = evidence.LaunchChrome
	}
	// The browser lives as long as the context it was started under:
	// release ends it early only when the evidence stage never took the
	// browser (a preflight or probe that failed), so that the error is
	// not held up by a start nobody needs.
	bctx, abort := context.WithCancel(ctx)
	return &earlyBrowser{done: make(chan struct{}), progress: progress, chromePath: chromePath, launch: launch, bctx: bctx, abort: abort}
}

// startBrowser starts the browser in the background at once.
func startBrowser(ctx context.Context, chromePath string, launch evidence.Launcher, progress func(string)) *earlyBrowser {
	e := newEarlyBrowser(ctx, chromePath, launch, progress)
	e.start()
	return e
}

// start starts the browser in the background, once; later calls, and
// calls after release, do nothing. It does not block. A missing browser
// starts nothing: the evidence stage finds none either and reports it.
func (e *earlyBrowser) start() {
	e.once.Do(func() {
		path, err := evidence.FindBrowser(e.chromePath)
		if err != nil {
			e.err = err
			close(e.done)
			return
		}
		go func() {
			defer close(e.done)
			e.b, e.err = e.launch(e.bctx, path)
		}()
	})
}

// take is the evidence stage's Launcher: it waits for the start and hands
// the browser over, starting it first if nothing did. The path is the
// one start found.
func (e *earlyBrowser) take(ctx context.Context, _ string) (evidence.Browser, error) {
	e.start() // when nothing started it before the stage needed it
	select {
	case <-e.done:
	case <-ctx.Done():
		return nil, ctx.Err() // release waits for the start and closes what it made
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.taken {
		return nil, errors.New("the browser started before the probe was already handed over")
	}
	e.taken = true
	if e.err != nil {
		return nil, e.err
	}
	return handed{Browser: e.b, e: e}, nil
}

// shut closes the browser once, in the background; the channel it returns
// is closed when the close has ended.
func (e *earlyBrowser) shut() <-chan struct{} {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closing == nil {
		e.closing = make(chan struct{})
		go func() {
			defer close(e.closing)
			if err := e.b.Close(); err != nil {
				e.progress(err.Error())
			}
		}()
	}
	return e.closing
}

// release waits for the start to end and for the browser to be closed,
// closing it if the evidence stage did not; a browser the stage never
// took has its start ended at once.
func (e *earlyBrowser) release() {
	e.once.Do(func() { close(e.done) }) // never started: nothing to end
	e.mu.Lock()
	taken := e.taken
	e.mu.Unlock()
	if !taken {
		e.abort()
	}
	<-e.done
	if e.b != nil {
		<-e.shut()
	}
	e.abort()
}

// handed is the browser as the evidence stage has it: Close starts the
// close and returns. The guard and sandbox reports of the browser stay
// visible to the stage.
type handed struct {
	evidence.Browser
	e *earlyBrowser
}

func (h handed) Close() error {
	h.e.shut()
	return nil
}

func (h handed) Allow(origins ...string) {
	if g, ok := h.Browser.(interface{ Allow(...string) }); ok {
		g.Allow(origins...)
	}
}

func (h handed) Sandboxed() (bool, string) {
	if s, ok := h.Browser.(interface{ Sandboxed() (bool, string) }); ok {
		return s.Sandboxed()
	}
	return false, ""
}
