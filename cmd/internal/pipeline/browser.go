package pipeline

import (
	"context"
	"errors"
	"sync"

	"github.com/dossier-dev/dossier/evidence"
)

// earlyBrowser is a browser started before the probe, so that its start
// overlaps the probe. It is handed to the evidence stage at most once (the
// stage then closes it); if it never is (the probe failed, the context was
// cancelled, nothing needed drawing), release closes it.
type earlyBrowser struct {
	done chan struct{} // closed when the start has ended
	b    evidence.Browser
	err  error

	mu    sync.Mutex
	taken bool
}

// startBrowser starts the browser at the path evidence would find, in the
// background. A missing browser starts nothing: the evidence stage finds
// none either and reports it.
func startBrowser(ctx context.Context, chromePath string, launch evidence.Launcher) *earlyBrowser {
	e := &earlyBrowser{done: make(chan struct{})}
	path, err := evidence.FindBrowser(chromePath)
	if err != nil {
		e.err = err
		close(e.done)
		return e
	}
	if launch == nil {
		launch = evidence.LaunchChrome
	}
	go func() {
		defer close(e.done)
		e.b, e.err = launch(ctx, path)
	}()
	return e
}

// take is the evidence stage's Launcher: it waits for the start and hands
// the browser over. The path is the one startBrowser found.
func (e *earlyBrowser) take(ctx context.Context, _ string) (evidence.Browser, error) {
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
	return e.b, e.err
}

// release waits for the start to end and closes the browser unless the
// evidence stage took it.
func (e *earlyBrowser) release() {
	<-e.done
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.taken || e.b == nil {
		return
	}
	e.taken = true
	e.b.Close()
}
