package pdf

import (
	"runtime/debug"
	"runtime/metrics"
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

// tightFrom is the live heap from which a render tightens the GC target.
// Below it the tighter target costs more than it saves: with a few MiB
// live, a collection comes every few hundred KiB allocated, and the demo's
// render took 221 ms against 158 (`dossier render --format pdf`, medians of
// six, interleaved), for a peak a few MiB lower. The demo renders with
// 3 MiB live, a 1,000-tool pack with 54.
const tightFrom = 16 << 20

// holdGC tightens the GC target for one render when the live heap is at
// least tightFrom; the returned function releases it.
func holdGC() (release func()) {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() == metrics.KindUint64 && s[0].Value.Uint64() < tightFrom {
		return func() {}
	}
	return tighten()
}

// tighten holds the GC target at renderGCPercent until the returned
// function is called.
func tighten() (release func()) {
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
