package collect

// Benchmarks of the full probe, run by make bench: against server-everything
// side by side with the MCP Inspector CLI listing tools, and against a
// synthetic server with 1,000 tools (time and peak RSS). They report; they
// assert nothing about time.

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

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

type synthIn struct {
	Query string `json:"query" jsonschema:"what to look for"`
	Limit int    `json:"limit,omitempty" jsonschema:"how many results at most"`
	Sort  string `json:"sort,omitempty" jsonschema:"order of the results: asc or desc"`
}

type synthOut struct {
	Items []string `json:"items"`
}

// synthKind gives tool i its kind: most read, some write, a few destructive.
func synthKind(i int) string {
	switch {
	case i%10 == 9:
		return manifest.KindDestructive
	case i%10 >= 7:
		return manifest.KindWrite
	}
	return manifest.KindRead
}

func synthName(i int) string {
	switch synthKind(i) {
	case manifest.KindDestructive:
		return fmt.Sprintf("delete_record_%04d", i)
	case manifest.KindWrite:
		return fmt.Sprintf("update_record_%04d", i)
	}
	return fmt.Sprintf("get_record_%04d", i)
}

// thousandToolServer serves 1,000 annotated tools with input and output
// schemas from the go-sdk.
func thousandToolServer(tb testing.TB) string {
	s := mcp.NewServer(&mcp.Implementation{Name: "synthetic", Version: "1.0.0"}, nil)
	for i := range thousandTools {
		kind := synthKind(i)
		mcp.AddTool(s, &mcp.Tool{
			Name:        synthName(i),
			Description: fmt.Sprintf("%s record %d of the synthetic catalogue.", map[string]string{manifest.KindRead: "Get", manifest.KindWrite: "Update", manifest.KindDestructive: "Delete"}[kind], i),
			Annotations: &mcp.ToolAnnotations{ReadOnlyHint: kind == manifest.KindRead, DestructiveHint: bp(kind == manifest.KindDestructive), OpenWorldHint: bp(false)},
			Meta:        mcp.Meta{"securitySchemes": []map[string]any{{"type": "noauth"}}},
		}, func(ctx context.Context, req *mcp.CallToolRequest, in synthIn) (*mcp.CallToolResult, synthOut, error) {
			return nil, synthOut{Items: []string{in.Query}}, nil
		})
	}
	h := http.NewCrossOriginProtection().Handler(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil))
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return srv.URL
}

// thousandToolManifest declares every tool as it is; the first ten read
// tools are callable, as a vendor would list a few safe ones.
func thousandToolManifest(url string) *manifest.Manifest {
	m := &manifest.Manifest{
		Schema: manifest.SchemaID,
		App:    manifest.App{Name: "Synthetic", Vendor: "Test", Version: "1", Description: "1,000 tools.", Support: "help@example.com"},
		Server: manifest.Server{URL: url, Auth: manifest.Auth{Mode: manifest.AuthNone}},
	}
	purpose := map[string]manifest.Input{"query": {Purpose: "what to look for"}, "limit": {Purpose: "page size"}, "sort": {Purpose: "order"}}
	for i := range thousandTools {
		d := manifest.Tool{Name: synthName(i), Kind: synthKind(i), Inputs: purpose}
		if d.Kind == manifest.KindRead && len(m.Probe.Callable) < 10 {
			m.Probe.Callable = append(m.Probe.Callable, d.Name)
			d.Example = map[string]any{"query": "a"}
		}
		m.Tools = append(m.Tools, d)
	}
	return m
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
