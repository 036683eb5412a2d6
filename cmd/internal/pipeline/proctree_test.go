package pipeline

// What the whole-process benchmarks measure of a process they start: wall
// time and memory of the process and every process it starts (Chrome's
// browser, zygotes, renderers, GPU and utility processes), sampled from
// /proc while it runs.

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// treeUsage is what one run of a process tree used.
type treeUsage struct {
	wall time.Duration
	// peakKB is the largest sum of the processes' proportional set sizes
	// (Pss) seen in one sample: what the tree occupies, a page shared by k
	// processes counting 1/k in each.
	peakKB int64
	// rssKB is the largest sum of their resident set sizes, as top and ps
	// show them: Chrome's processes share most of their pages (the browser
	// binary, the zygote's heap), so this counts those several times.
	rssKB int64
	// selfKB is the started process's own peak (its VmHWM, last sampled
	// within sampleEvery of its exit; rusage's maxrss would be the larger
	// of it and its reaped children's, Chrome's browser among them).
	selfKB int64
	// childrenKB is the largest Pss sum of the processes below the started
	// one (dossier's Chrome): what the browser holds at its peak.
	childrenKB int64
	// procs is the number of processes seen in the tree.
	procs int
	// stderr is the end of what the process wrote to stderr.
	stderr string
}

// sampleEvery is the /proc sampling interval: short against a Chrome
// process's life, long enough that walking each process's page tables
// (smaps_rollup) costs the machine little.
const sampleEvery = 100 * time.Millisecond

// runTree runs cmd to its end and returns its wall time and memory. It
// fails tb unless cmd exits with one of okCodes.
func runTree(tb testing.TB, cmd *exec.Cmd, okCodes ...int) treeUsage {
	tb.Helper()
	var stderr bytes.Buffer
	if cmd.Stderr == nil {
		cmd.Stderr = &stderr
	}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		tb.Fatalf("starting %s: %v", cmd.Path, err)
	}
	var (
		mu    sync.Mutex
		peak  int64
		rss   int64
		self  int64
		below int64
		seen  = map[int]bool{}
		done  = make(chan struct{})
		ended = make(chan struct{})
	)
	go func() {
		defer close(ended)
		tick := time.NewTicker(sampleEvery)
		defer tick.Stop()
		for {
			pids := descendants(cmd.Process.Pid)
			st, _ := os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/status")
			hwm := fieldKB(st, "VmHWM:")
			var pss, rs, kids int64
			for _, pid := range pids {
				b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/smaps_rollup")
				pss += fieldKB(b, "Pss:")
				rs += fieldKB(b, "Rss:")
				if pid != cmd.Process.Pid {
					kids += fieldKB(b, "Pss:")
				}
			}
			mu.Lock()
			peak, rss, self, below = max(peak, pss), max(rss, rs), max(self, hwm), max(below, kids)
			for _, pid := range pids {
				seen[pid] = true
			}
			mu.Unlock()
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	err := cmd.Wait()
	wall := time.Since(t0)
	close(done)
	<-ended
	tail := stderr.Bytes()
	tail = tail[max(0, len(tail)-2000):] // the error is last
	if err != nil && !slices.Contains(okCodes, cmd.ProcessState.ExitCode()) {
		tb.Fatalf("%s %s: %v\n…%s", filepath.Base(cmd.Path), strings.Join(cmd.Args[1:], " "), err, tail)
	}
	return treeUsage{wall: wall, peakKB: peak, rssKB: rss, selfKB: self, childrenKB: below, procs: len(seen), stderr: string(tail)}
}

// descendants is root and every process below it, found through the
// parent ids in /proc/*/stat.
func descendants(root int) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return []int{root}
	}
	children := map[int][]int{}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid …; comm may hold spaces and parentheses.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 2 {
			continue
		}
		if ppid, err := strconv.Atoi(f[1]); err == nil {
			children[ppid] = append(children[ppid], pid)
		}
	}
	out := []int{root}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i]]...)
	}
	return out
}

// fieldKB is the value of a "Name: N kB" line of a /proc file, 0 when
// there is none (the process is gone).
func fieldKB(b []byte, name string) int64 {
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, name); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				return n
			}
		}
	}
	return 0
}

// TestRunTree runs this test binary as a chain of three processes, each
// holding 40 MiB, and checks that the tree's peak counts all three.
func TestRunTree(t *testing.T) {
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestHelperHoldMemory$")
	cmd.Env = append(os.Environ(), "DOSSIER_HOLD=3")
	u := runTree(t, cmd)
	if u.procs < 3 {
		t.Errorf("saw %d processes, want 3", u.procs)
	}
	if u.peakKB < 3*40*1024 || u.rssKB < u.peakKB {
		t.Errorf("tree peak %d kB (RSS %d kB), want above the three processes' 120 MiB, RSS not below it", u.peakKB, u.rssKB)
	}
	if u.selfKB < 40*1024 || u.selfKB >= u.peakKB {
		t.Errorf("the first process's own peak %d kB should be above 40 MiB and below the tree's %d kB", u.selfKB, u.peakKB)
	}
	if u.childrenKB < 2*40*1024 || u.childrenKB >= u.peakKB {
		t.Errorf("the two lower processes' peak %d kB should be above 80 MiB and below the tree's %d kB", u.childrenKB, u.peakKB)
	}
}

// TestHelperHoldMemory is TestRunTree's child: it holds 40 MiB, starts the
// next child while DOSSIER_HOLD is above 1, and waits for it.
func TestHelperHoldMemory(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("DOSSIER_HOLD"))
	if n < 1 {
		t.Skip("the child process of TestRunTree")
	}
	hold := make([]byte, 40<<20)
	for i := range hold {
		hold[i] = 1 // touched: resident
	}
	if n > 1 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldMemory$")
		cmd.Env = append(os.Environ(), "DOSSIER_HOLD="+strconv.Itoa(n-1))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
	} else {
		time.Sleep(500 * time.Millisecond) // several samples
	}
	_ = hold[len(hold)-1]
}
