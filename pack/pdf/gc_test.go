package pdf

import (
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
			first := holdGC()
			if got := gcPercent(); got != tc.while {
				t.Errorf("during one render: GC target %d, want %d", got, tc.while)
			}
			second := holdGC() // a render that starts while the first runs
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
