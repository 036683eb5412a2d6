package pdf

import (
	"runtime"
	"runtime/debug"
	"testing"
)

// gcPercent reads the process's GC target.
func gcPercent() int {
	p := debug.SetGCPercent(-1)
	debug.SetGCPercent(p)
	return p
}

// TestHoldGC checks that renders tighten the GC target while any of them
// runs and put back the user's setting after the last, and that a tighter
// target or a collector turned off is left as it was.
func TestHoldGC(t *testing.T) {
	t.Run("by live heap", func(t *testing.T) {
		set := gcPercent()
		release := holdGC() // this test's live heap is far below tightFrom
		if got := gcPercent(); got != set {
			t.Errorf("rendering with a small live heap: GC target %d, want %d as set", got, set)
		}
		release()
		ballast := make([]byte, tightFrom)
		runtime.GC() // the live heap is measured at the end of a collection
		release = holdGC()
		if got := gcPercent(); got != renderGCPercent {
			t.Errorf("rendering with %d MiB live: GC target %d, want %d", tightFrom>>20, got, renderGCPercent)
		}
		release()
		runtime.KeepAlive(ballast)
	})
	t.Cleanup(func() { debug.SetGCPercent(debug.SetGCPercent(100)) })
	for _, tc := range []struct {
		name       string
		set, while int
	}{
		{"default", 100, renderGCPercent},
		{"looser", 400, renderGCPercent},
		{"tighter", 10, 10},
		{"off", -1, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old := debug.SetGCPercent(tc.set)
			defer debug.SetGCPercent(old)
			first := tighten()
			if got := gcPercent(); got != tc.while {
				t.Errorf("during one render: GC target %d, want %d", got, tc.while)
			}
			second := tighten() // a render that starts while the first runs
			first()
			if got := gcPercent(); got != tc.while {
				t.Errorf("while the second render still runs: GC target %d, want %d", got, tc.while)
			}
			second()
			if got := gcPercent(); got != tc.set {
				t.Errorf("after both renders: GC target %d, want %d as set before", got, tc.set)
			}
		})
	}
}
