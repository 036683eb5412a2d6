package collect

// Benchmarks of the full probe, run by make bench: against server-everything
// side by side with the MCP Inspector CLI listing tools, and against a
// synthetic server with 1,000 tools (time and peak RSS). They report; they
// assert nothing about time.

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dossier-dev/dossier/internal/synthetic"
	"github.com/dossier-dev/dossier/pack/manifest"
)

// BenchmarkProbeVsInspector times, on one server-everything instance and in
// the same iterations, dossier's full probe (every check that applies) and
// `inspector --cli … --method tools/list`, which only lists the tools. The
// probe is timed twice: as it runs, and with one request in flight at a
// time, which is how it ran before its steps overlapped.
func BenchmarkProbeVsInspector(b *testing.B) {
	url := everythingURL(b)
	launcher := requireNode(b, "@modelcontextprotocol/inspector/clients/launcher/build/index.js")
	m := everythingManifest(b, url)
	home := b.TempDir() // the Inspector may keep OAuth state under ~/.mcp-inspector
	var probeCPU, serialCPU, inspCPU time.Duration
	inspector := func() {
		cmd := exec.Command(node22, launcher, "--cli", url, "--transport", "http", "--method", "tools/list", "--stored-auth-only")
		cmd.Env = append(os.Environ(), "HOME="+home)
		var out, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &stderr
		if err := cmd.Run(); err != nil || !bytes.Contains(out.Bytes(), []byte(`"name": "echo"`)) {
			b.Fatalf("inspector: %v\n%.500s\n%.500s", err, out.Bytes(), stderr.Bytes())
		}
		inspCPU += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	probe := func(inFlight int, cpu *time.Duration) {
		before := selfCPU()
		defer func() { *cpu += selfCPU() - before }()
		rep, err := Probe(context.Background(), Options{Manifest: m, Deadline: 30 * time.Second, inFlight: inFlight})
		if err != nil || !rep.Observation.Server.Reached || len(rep.Observation.Tools) == 0 {
			b.Fatalf("probe: %v %+v", err, rep.Observation.Server)
		}
	}
	probe(0, &probeCPU) // warm the server's and the client's connections alike
	probe(1, &serialCPU)
	inspector()
	probeCPU, serialCPU, inspCPU = 0, 0, 0
	var probeNs, serialNs, inspNs time.Duration
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		probe(0, &probeCPU)
		t1 := time.Now()
		inspector()
		t2 := time.Now()
		probe(1, &serialCPU)
		probeNs += t1.Sub(t0)
		inspNs += t2.Sub(t1)
		serialNs += time.Since(t2)
	}
	n := float64(b.N)
	b.ReportMetric(float64(probeNs.Nanoseconds())/n, "probe-ns/op")
	b.ReportMetric(float64(serialNs.Nanoseconds())/n, "serial-probe-ns/op")
	b.ReportMetric(float64(inspNs.Nanoseconds())/n, "inspector-ns/op")
	b.ReportMetric(float64(probeNs)/float64(inspNs), "probe/inspector")
	b.ReportMetric(float64(serialNs)/float64(inspNs), "serial/inspector")
	// CPU time, which a loaded machine disturbs less than wall time: the
	// probe's own process, the Inspector's node process (the server's is in
	// neither).
	b.ReportMetric(float64(probeCPU.Nanoseconds())/n, "probe-cpu-ns/op")
	b.ReportMetric(float64(serialCPU.Nanoseconds())/n, "serial-probe-cpu-ns/op")
	b.ReportMetric(float64(inspCPU.Nanoseconds())/n, "inspector-cpu-ns/op")
}

// selfCPU is the user and system CPU time this process has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// thousandTools is the size of the synthetic server.
const thousandTools = 1000

// thousandToolServer serves 1,000 annotated tools with input and output
// schemas from the go-sdk.
func thousandToolServer(tb testing.TB) string {
	srv := httptest.NewServer(synthetic.Handler(thousandTools))
	tb.Cleanup(srv.Close)
	return srv.URL
}

// thousandToolManifest declares every tool as it is.
func thousandToolManifest(url string) *manifest.Manifest {
	return synthetic.Manifest(url, thousandTools)
}

// BenchmarkProbe1000Tools probes the synthetic server fully, and once more
// in a child process that does nothing else, to report the probe's own peak
// RSS (VmHWM) apart from the server's.
func BenchmarkProbe1000Tools(b *testing.B) {
	url := thousandToolServer(b) + "/mcp"
	m := thousandToolManifest(url)
	b.ResetTimer()
	for range b.N {
		rep, err := Probe(context.Background(), Options{Manifest: m, Deadline: 60 * time.Second})
		if err != nil || len(rep.Observation.Tools) != thousandTools {
			b.Fatalf("probe: %v, %d tools, limits %v", err, len(rep.Observation.Tools), rep.Observation.Limits)
		}
	}
	b.StopTimer()

	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProbeProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), "DOSSIER_HELPER_PROBE_URL="+url)
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("helper: %v\n%s", err, out)
	}
	var kb, ns int64
	for _, line := range strings.Split(string(out), "\n") {
		if _, err := fmt.Sscanf(line, "probe vmhwm-kB=%d ns=%d", &kb, &ns); err == nil {
			break
		}
	}
	if kb == 0 {
		b.Fatalf("helper printed no figures:\n%s", out)
	}
	b.ReportMetric(float64(kb)/1024, "peak-RSS-MB")
	b.ReportMetric(float64(ns), "child-probe-ns")
	b.ReportMetric(float64((cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Nanoseconds()), "child-cpu-ns")
}

// TestHelperProbeProcess is BenchmarkProbe1000Tools's child: it probes the
// URL it is given once and prints its peak RSS. It does nothing otherwise.
func TestHelperProbeProcess(t *testing.T) {
	url := os.Getenv("DOSSIER_HELPER_PROBE_URL")
	if url == "" {
		t.Skip("the child process of BenchmarkProbe1000Tools")
	}
	start := time.Now()
	rep, err := Probe(context.Background(), Options{Manifest: thousandToolManifest(url), Deadline: 60 * time.Second})
	if err != nil || len(rep.Observation.Tools) != thousandTools {
		t.Fatalf("probe: %v, %d tools", err, len(rep.Observation.Tools))
	}
	elapsed := time.Since(start)
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		var kb int64
		if _, err := fmt.Sscanf(line, "VmHWM: %d kB", &kb); err == nil {
			fmt.Printf("probe vmhwm-kB=%d ns=%d\n", kb, elapsed.Nanoseconds())
		}
	}
}
