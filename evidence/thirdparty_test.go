package evidence

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/live"
)

// basicVanillaJS is the ext-apps example server the test renders, installed
// by `make node-deps` from testdata/node/package.json.
const basicVanillaJS = "testdata/node/node_modules/@modelcontextprotocol/server-basic-vanillajs/dist/index.js"

// needNode skips when node or the installed server is missing, except in
// CI, where that is a failure.
func needNode(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(basicVanillaJS)
	}
	if err != nil {
		msg := fmt.Sprintf("needs node and %s (run `make node-deps`): %v", basicVanillaJS, err)
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but the test " + msg)
		}
		t.Skip("skipping: " + msg)
	}
	return node
}

// startBasicVanillaJS runs the server over Streamable HTTP on a free
// loopback port (it reads PORT and serves /mcp) and returns its endpoint.
func startBasicVanillaJS(t *testing.T, node string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(node, basicVanillaJS)
	cmd.Env = append(os.Environ(), fmt.Sprintf("PORT=%d", port), "NODE_ENV=production")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	listening := make(chan struct{})
	go func() {
		s := bufio.NewScanner(out)
		for s.Scan() {
			if strings.Contains(s.Text(), "listening") {
				close(listening)
				break
			}
		}
		for s.Scan() {
		}
	}()
	select {
	case <-listening:
	case <-time.After(20 * time.Second):
		t.Fatal("server-basic-vanillajs did not say it was listening within 20s")
	}
	return fmt.Sprintf("http://127.0.0.1:%d/mcp", port)
}

// TestThirdPartyBasicVanillaJS renders the UI resource of a real MCP App
// server, @modelcontextprotocol/server-basic-vanillajs, read over the
// go-sdk client as the collect stage would, and pins what the evidence
// stage honestly finds. The widget declares no CSP, so it runs under the
// host's restrictive default; it makes no request and touches no
// privileged API, but its bundled zod feature-detects eval
// (`new Function("")` in a try), which that default's script-src forbids:
// Chrome reports the violation, so widget.csp-sufficient fails with it,
// though the widget works: it starts (widget.render passes: the bridge
// completes, nothing throws, it draws). Its one tool has no
// readOnlyHint, so the host asks before running it and a prompt is drawn.
func TestThirdPartyBasicVanillaJS(t *testing.T) {
	node := needNode(t)
	needBrowser(t)
	endpoint := startBasicVanillaJS(t, node)

	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	client := mcp.NewClient(&mcp.Implementation{Name: "dossier-test", Version: "1"}, nil)
	session, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: endpoint, DisableStandaloneSSE: true, MaxRetries: -1}, nil)
	if err != nil {
		t.Fatalf("connecting to %s: %v", endpoint, err)
	}
	defer session.Close()
	tools, err := session.ListTools(ctx, &mcp.ListToolsParams{})
	if err != nil {
		t.Fatal(err)
	}
	var in Input
	in.Results = map[string]json.RawMessage{}
	for _, tl := range tools.Tools {
		lt := live.Tool{Name: tl.Name, Title: tl.Title, Description: tl.Description}
		if a := tl.Annotations; a != nil {
			lt.Hints = live.Hints{ReadOnly: ptr(a.ReadOnlyHint), Destructive: a.DestructiveHint, OpenWorld: a.OpenWorldHint}
		}
		if ui, ok := tl.Meta["ui"].(map[string]any); ok {
			lt.UI, _ = ui["resourceUri"].(string)
		}
		in.Tools = append(in.Tools, lt)
		res, err := session.CallTool(ctx, &mcp.CallToolParams{Name: tl.Name, Arguments: map[string]any{}})
		if err != nil {
			t.Fatalf("calling %s: %v", tl.Name, err)
		}
		raw, _ := json.Marshal(res)
		in.Results[tl.Name] = raw
	}
	if len(in.Tools) != 1 || in.Tools[0].Name != "get-time" || in.Tools[0].UI != "ui://get-time/mcp-app.html" {
		t.Fatalf("tools %+v: the server changed, update this test", in.Tools)
	}
	rr, err := session.ReadResource(ctx, &mcp.ReadResourceParams{URI: in.Tools[0].UI})
	if err != nil || len(rr.Contents) != 1 {
		t.Fatalf("reading %s: %v %+v", in.Tools[0].UI, err, rr)
	}
	c := rr.Contents[0]
	res := live.Resource{URI: c.URI, MIMEType: c.MIMEType, HTML: c.Text}
	if ui, ok := c.Meta["ui"].(map[string]any); ok && ui["csp"] != nil {
		t.Fatalf("the widget now declares a CSP (%v): map it and update the expectations", ui["csp"])
	}
	in.Resources = []live.Resource{res}

	out, err := Run(t.Context(), in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("DOSSIER_EVIDENCE_DIR"); dir != "" {
		for _, e := range out.Evidence {
			os.WriteFile(filepath.Join(dir, "basic-vanillajs-"+filepath.Base(e.Path)), e.Data, 0o644)
		}
	}
	results := map[string]check.Result{}
	for _, r := range out.Results {
		results[r.ID+" "+r.Subject] = r
	}
	const widgetSubject = "widget:ui://get-time/mcp-app.html"
	tests := []struct {
		name, id, subject string
		status            check.Status
		detail            string // substring of the result's detail
	}{
		{"starts: the App class completes ui/initialize, nothing throws, the screenshot is not blank", checkRender, widgetSubject, check.Pass,
			"completed the MCP Apps handshake (ui/initialize), threw no uncaught error"},
		{"zod's eval feature-detect is a script-src violation under the default CSP", checkCSPSufficient, widgetSubject, check.Fail,
			"restrictive default CSP (none declared), the browser reported 1 CSP violation(s): script-src blocked eval"},
		{"makes no request outside the (empty) allow-list", checkEgress, widgetSubject, check.Pass, ""},
		{"calls no privileged API", checkPrivileged, widgetSubject, check.Pass, ""},
		{"does not reach for the host page", checkEscape, widgetSubject, check.Pass, ""},
		{"get-time lacks readOnlyHint, so it gets a prompt", checkConfirmation, "tool:get-time", check.Pass, "readOnlyHint absent"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, ok := results[tc.id+" "+tc.subject]
			if !ok || r.Status != tc.status || !strings.Contains(r.Detail, tc.detail) {
				t.Errorf("%s %s: got %s %q, want %s with %q", tc.id, tc.subject, r.Status, r.Detail, tc.status, tc.detail)
			}
		})
	}
	var cap live.Capture
	for _, c := range out.Captures {
		if c.Subject == widgetSubject {
			cap = c
		}
	}
	t.Run("the host default CSP was applied and the bridge was spoken", func(t *testing.T) {
		if !strings.Contains(cap.CSP, "connect-src 'none'") {
			t.Errorf("CSP %q is not the restrictive default", cap.CSP)
		}
		bridge := strings.Join(cap.Bridge, "\n")
		if !strings.Contains(bridge, "ui/notifications/initialized") {
			t.Errorf("bridge log %q: the App class did not accept ui/initialize", cap.Bridge)
		}
		if !strings.Contains(strings.Join(cap.Console, "\n"), "Received tool call result") {
			t.Errorf("console %q: the widget never got the tool result", cap.Console)
		}
		t.Logf("CSP applied: %s", cap.CSP)
		t.Logf("bridge: %q; requests: %+v; violations: %+v; console: %q", cap.Bridge, cap.Requests, cap.Violations, cap.Console)
	})
}
