package pdf

import (
	"runtime/debug"
	"sync"
)

// renderGCPercent is the garbage collector's target while a document
// renders. What a render holds live peaks at about 100 MiB for 1,000 tools
// (the bundle with its screenshots, maroto's rows, gofpdf's uncompressed
// page contents and the images it copied, then the output), while it
// allocates over a gigabyte (gofpdf makes a new zlib writer for every page
// and grows its buffers by doubling). At the default target of 100 the heap
// reaches twice the live size before a collection; at 25 it stays within a
// quarter above it. Rendering a 1,000-tool pack in process (medians of
// three at load 4-6): peak heap mapped 190 -> 128 MiB for 1.8 -> 2.2 s of
// CPU; at 40 and 60 the peak was 146 and 140 MiB.
const renderGCPercent = 25

// tightGC holds the process's GC target at renderGCPercent while at least
// one render runs, and puts back what was set before when the last ends.
// A target already tighter, or the collector turned off (GOGC=off), is
// left alone. Like gofpdfDefaults, it is process-wide state, guarded.
var tightGC struct {
	sync.Mutex
	renders int
	saved   int
	changed bool
}

// holdGC tightens the GC target for one render; the returned function
// releases it.
func holdGC() (release func()) {
	tightGC.Lock()
	if tightGC.renders == 0 {
		old := debug.SetGCPercent(renderGCPercent)
		tightGC.saved, tightGC.changed = old, true
		if old <= renderGCPercent { // already as tight, or off (negative)
			debug.SetGCPercent(old)
			tightGC.changed = false
		}
	}
	tightGC.renders++
	tightGC.Unlock()
	return func() {
		tightGC.Lock()
		defer tightGC.Unlock()
		if tightGC.renders--; tightGC.renders == 0 && tightGC.changed {
			debug.SetGCPercent(tightGC.saved)
			tightGC.changed = false
		}
	}
}
