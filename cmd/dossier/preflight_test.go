package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/manifest"
	"github.com/dossier-dev/dossier/samples/app"
)

// sampleManifestAt writes the sample app's manifest with its server URL
// (and every other URL on its origin) moved to origin, and the MCP path
// replaced by path when it is not "".
func sampleManifestAt(t *testing.T, origin, path string) string {
	t.Helper()
	data := bytes.ReplaceAll(app.Manifest(), []byte(app.CanonicalOrigin), []byte(origin))
	if path != "" {
		data = bytes.Replace(data, []byte(origin+"/mcp"), []byte(origin+path), 1)
	}
	file := filepath.Join(t.TempDir(), "manifest.yaml")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// sampleTokens sets every variable the sample manifest's probe.tokens
// names, but skip, and clears the sign-in variables so --login auto is env.
func sampleTokens(t *testing.T, srv *app.Server, skip string) {
	t.Helper()
	m, err := manifest.Parse("m.yaml", app.Manifest())
	if err != nil {
		t.Fatal(err)
	}
	for _, ts := range m.Probe.Tokens {
		v, err := srv.TokenFor(ts)
		if err != nil {
			t.Fatal(err)
		}
		if ts.Env == skip {
			v = ""
		}
		t.Setenv(ts.Env, v)
	}
	for _, k := range []string{"DOSSIER_LOGIN_HINT", "DOSSIER_LOGIN_USER", "DOSSIER_LOGIN_PASSWORD"} {
		t.Setenv(k, "")
	}
}

// legacySSE serves only MCP's old HTTP+SSE transport: GET /sse opens an
// event stream whose first event names the POST endpoint.
func legacySSE(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /sse", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "event: endpoint\ndata: /messages?sessionId=abc\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// TestUnprobeableServer: a server that cannot be probed at all gives one
// diagnosis with a hint and exit 1, for check and for build, and no
// invented finding and no pack. Before the preflight each of these gave
// critical transport.handshake and auth.* failures and exit 3.
func TestUnprobeableServer(t *testing.T) {
	srv, err := app.Start(t.Context(), app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	sampleTokens(t, srv, "")
	down := httptest.NewServer(http.NotFoundHandler())
	downOrigin := down.URL
	down.Close()
	sse := legacySSE(t)
	host := strings.TrimPrefix(srv.Origin, "http://")

	tests := []struct {
		name     string
		manifest string
		stderr   []string
	}{
		{"server down", sampleManifestAt(t, downOrigin, ""), []string{"nothing is listening at", "connection refused", "hint: start the server"}},
		{"wrong path", sampleManifestAt(t, srv.Origin, "/wrong"), []string{`404 Not Found at "/wrong"`, "hint: an MCP server answers at " + srv.Origin + "/mcp"}},
		{"legacy SSE only", sampleManifestAt(t, sse.URL, ""), []string{"legacy HTTP+SSE transport", sse.URL + "/sse", "hint:"}},
		{"https against plain HTTP", sampleManifestAt(t, "https://"+host, ""), []string{"speaks plain HTTP, not HTTPS", "hint: set server.url to " + srv.Origin + "/mcp"}},
	}
	for _, tt := range tests {
		for _, cmd := range []string{"check", "build"} {
			t.Run(tt.name+"/"+cmd, func(t *testing.T) {
				out := filepath.Join(t.TempDir(), "pack")
				args := []string{cmd, "-m", tt.manifest, "--chrome", "/nonexistent/chromium"}
				if cmd == "build" {
					args = append(args, "--out", out)
				}
				var stdout, stderr bytes.Buffer
				code := run(t.Context(), args, &stdout, &stderr)
				if code != exitFailure {
					t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, exitFailure, stdout.String(), stderr.String())
				}
				for _, want := range tt.stderr {
					if !strings.Contains(stderr.String(), want) {
						t.Errorf("stderr does not say %q:\n%s", want, stderr.String())
					}
				}
				if strings.Contains(stdout.String(), "transport.handshake") || strings.Contains(stdout.String(), "auth.") {
					t.Errorf("results were printed for a server that could not be probed:\n%s", stdout.String())
				}
				if _, err := os.Stat(out); !os.IsNotExist(err) {
					t.Errorf("a pack was written (%v)", err)
				}
			})
		}
	}
}

// TestAllowIncomplete: checks that could not be judged (here: no browser
// for the widgets and prompts) make check exit 1, and --allow-incomplete
// accepts them.
func TestAllowIncomplete(t *testing.T) {
	srv, err := app.Start(t.Context(), app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	sampleTokens(t, srv, "")
	file := sampleManifestAt(t, srv.Origin, "")
	for _, tt := range []struct {
		name string
		args []string
		code int
	}{
		{"without", nil, exitFailure},
		{"with --allow-incomplete", []string{"--allow-incomplete"}, exitOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append([]string{"check", "-m", file, "--chrome", "/nonexistent/chromium"}, tt.args...)
			if code := run(t.Context(), args, &stdout, &stderr); code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, stdout.String(), stderr.String())
			}
			if strings.Contains(stdout.String(), "No failures") {
				t.Errorf("a run with unjudged checks reads as clean:\n%s", stdout.String())
			}
			if !strings.Contains(stdout.String(), "install chromium, or pass --chrome") {
				t.Errorf("the summary does not say what the unjudged checks need:\n%s", stdout.String())
			}
		})
	}
}

// TestUnjudgedInEveryDocument: the count of checks that could not be
// judged, and what they need, reach pack.json, the PDF's text, SARIF and
// JUnit.
func TestUnjudgedInEveryDocument(t *testing.T) {
	out := filepath.Join(t.TempDir(), "pack")
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), []string{"demo", "--chrome", "/nonexistent/chromium", "--out", out, "--format", "all"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	data, err := os.ReadFile(filepath.Join(out, "pack.json"))
	if err != nil {
		t.Fatal(err)
	}
	var b bundle.Bundle
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatal(err)
	}
	n := b.Summary.Unjudged()
	if n == 0 {
		t.Fatal("no checks unjudged without a browser")
	}
	count := bundle.UnjudgedText(n)
	need := "install chromium, or pass --chrome"
	if !strings.Contains(b.Summary.Verdict, count) || !strings.Contains(strings.Join(b.Summary.Needs, " "), need) {
		t.Errorf("pack.json summary: verdict %q, needs %q", b.Summary.Verdict, b.Summary.Needs)
	}
	if !strings.Contains(stdout.String(), count) {
		t.Errorf("the terminal summary does not say %q:\n%s", count, stdout.String())
	}

	pdf, err := exec.Command("pdftotext", "-layout", filepath.Join(out, "pack.pdf"), "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	text := strings.Join(strings.Fields(string(pdf)), " ")
	for _, want := range []string{count + " (status error)", fmt.Sprintf("Could not be judged (%d)", n), need} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF does not say %q", want)
		}
	}

	sarifData, err := os.ReadFile(filepath.Join(out, "pack.sarif"))
	if err != nil {
		t.Fatal(err)
	}
	var sarif struct {
		Runs []struct {
			Invocations []struct {
				Notes []struct {
					Message struct{ Text string } `json:"message"`
				} `json:"toolExecutionNotifications"`
			} `json:"invocations"`
			Properties struct {
				Unjudged int    `json:"unjudged"`
				Verdict  string `json:"verdict"`
			} `json:"properties"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(sarifData, &sarif); err != nil {
		t.Fatal(err)
	}
	run := sarif.Runs[0]
	if run.Properties.Unjudged != n || !strings.Contains(run.Properties.Verdict, count) || len(run.Invocations[0].Notes) < 2 ||
		!strings.Contains(run.Invocations[0].Notes[0].Message.Text, count) || !strings.Contains(run.Invocations[0].Notes[1].Message.Text, need) {
		t.Errorf("SARIF: %+v", run)
	}

	junitData, err := os.ReadFile(filepath.Join(out, "junit.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var junit struct {
		Errors int `xml:"errors,attr"`
		Suites []struct {
			Props []struct {
				Name  string `xml:"name,attr"`
				Value string `xml:"value,attr"`
			} `xml:"properties>property"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(junitData, &junit); err != nil {
		t.Fatal(err)
	}
	props := map[string]string{}
	for _, p := range junit.Suites[0].Props {
		props[p.Name] = p.Value
	}
	if junit.Errors != n || props["unjudged"] != fmt.Sprint(n) || !strings.Contains(props["verdict"], count) {
		t.Errorf("JUnit: %d errors, properties %v; want %d", junit.Errors, props, n)
	}
}

// TestCommandLineRefusedBeforeProbing: what the command line alone gets
// wrong is a usage error (exit 2) before the server is contacted; the
// manifest points at a server that is down, so a probe would exit 1.
func TestCommandLineRefusedBeforeProbing(t *testing.T) {
	down := httptest.NewServer(http.NotFoundHandler())
	file := sampleManifestAt(t, down.URL, "")
	down.Close()
	tests := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"unknown --allow-write", []string{"--allow-write", "drop_tables"}, `--allow-write "drop_tables": the manifest declares no tool of that name`},
		{"--allow-write not in probe.callable", []string{"--allow-write", "cancel_order"}, `--allow-write "cancel_order": the tool is not in probe.callable`},
		{"bad size", []string{"--max-body", "12 parsecs"}, `"12 parsecs" is not a size`},
		{"negative pages", []string{"--max-pages", "-1"}, "must not be negative"},
	}
	for _, tt := range tests {
		for _, cmd := range []string{"check", "build"} {
			t.Run(tt.name+"/"+cmd, func(t *testing.T) {
				args := append([]string{cmd, "-m", file, "--out", filepath.Join(t.TempDir(), "p")}, tt.args...)
				if cmd == "check" {
					args = append([]string{cmd, "-m", file}, tt.args...)
				}
				var stdout, stderr bytes.Buffer
				if code := run(t.Context(), args, &stdout, &stderr); code != exitUsage {
					t.Fatalf("exit %d, want %d\nstderr: %s", code, exitUsage, stderr.String())
				}
				if !strings.Contains(stderr.String(), tt.stderr) || strings.Contains(stderr.String(), "cannot probe") {
					t.Errorf("stderr:\n%s\nwant %q, and no probe", stderr.String(), tt.stderr)
				}
			})
		}
	}
}

// TestOutputCheckedBeforeProbing: an output directory that may not be
// replaced is refused before the server is contacted (the manifest's
// server is down: a probe would say so instead).
func TestOutputCheckedBeforeProbing(t *testing.T) {
	down := httptest.NewServer(http.NotFoundHandler())
	file := sampleManifestAt(t, down.URL, "")
	down.Close()
	out := t.TempDir()
	if err := os.WriteFile(filepath.Join(out, "thesis.tex"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"build", "-m", file, "--out", out}, {"demo", "--out", out}} {
		t.Run(args[0], func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(t.Context(), args, &stdout, &stderr); code != exitFailure {
				t.Fatalf("exit %d, want %d\n%s", code, exitFailure, stderr.String())
			}
			if !strings.Contains(stderr.String(), "thesis.tex") || strings.Contains(stderr.String(), "cannot probe") || strings.Contains(stderr.String(), "sample app") {
				t.Errorf("stderr:\n%s\nwant the refused directory, before any probe", stderr.String())
			}
			if data, err := os.ReadFile(filepath.Join(out, "thesis.tex")); err != nil || string(data) != "mine" {
				t.Errorf("the user's file: %q, %v", data, err)
			}
		})
	}
}

func TestByteSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1048576", 1 << 20, true},
		{"32MiB", 32 << 20, true},
		{"32mib", 32 << 20, true},
		{"512KiB", 512 << 10, true},
		{"1.5GiB", 3 << 29, true},
		{"4MB", 4_000_000, true},
		{"64k", 64 << 10, true},
		{"0", 0, true},
		{"", 0, false},
		{"-1MiB", 0, false},
		{"MiB", 0, false},
		{"1e400", 0, false},
		{"99999999999GiB", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var s byteSize
			err := s.Set(tt.in)
			if (err == nil) != tt.ok || (tt.ok && int64(s) != tt.want) {
				t.Errorf("Set(%q) = %d, %v; want %d, ok %v", tt.in, s, err, tt.want, tt.ok)
			}
		})
	}
}

// TestInitExplains: init on a server that wants sign-in says it got a 401,
// what the challenge advertises and how to sign in; on a legacy SSE
// server it names that transport. Before, both said only that the server
// "could not be reached over MCP".
func TestInitExplains(t *testing.T) {
	srv, err := app.Start(t.Context(), app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	sampleTokens(t, srv, "")
	sse := legacySSE(t)
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr []string
	}{
		{"401 without a token", []string{"--url", srv.URL}, exitFailure,
			[]string{"requires sign-in: it answered 401", `resource_metadata="` + srv.Origin + "/.well-known/oauth-protected-resource", `scope="`, "--token-env", "--login dcr"}},
		{"token refused", []string{"--url", srv.URL, "--token-env", "INIT_BAD_TOKEN"}, exitFailure,
			[]string{"refused the token from INIT_BAD_TOKEN with 401", "--login dcr"}},
		{"legacy SSE", []string{"--url", sse.URL + "/sse"}, exitFailure, []string{"legacy HTTP+SSE transport"}},
		{"unknown login", []string{"--url", srv.URL, "--login", "magic"}, exitUsage, []string{`--login "magic"`}},
		{"signed in with dcr", []string{"--url", srv.URL, "--login", "dcr"}, exitOK, []string{"signing in with --login dcr"}},
	}
	t.Setenv("INIT_BAD_TOKEN", "not-a-token-the-server-knows")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.code == exitOK {
				t.Setenv("DOSSIER_LOGIN_HINT", "demo") // the sample AS consents for it
			}
			var stdout, stderr bytes.Buffer
			if code := run(t.Context(), append([]string{"init"}, tt.args...), &stdout, &stderr); code != tt.code {
				t.Fatalf("exit %d, want %d\nstderr: %s", code, tt.code, stderr.String())
			}
			for _, want := range tt.stderr {
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("stderr does not say %q:\n%s", want, stderr.String())
				}
			}
			if tt.code != exitOK && stdout.Len() > 0 {
				t.Errorf("a draft was printed: %s", stdout.String())
			}
			if tt.code == exitOK {
				if _, err := manifest.Parse("draft.yaml", stdout.Bytes()); err != nil {
					t.Errorf("the draft does not parse: %v", err)
				}
			}
		})
	}
}

// TestInitHostileText: a server whose names, descriptions and
// instructions carry terminal escapes, control characters, bidi overrides,
// YAML syntax and comment markers still gets a draft that parses, and
// nothing init prints carries a raw escape.
func TestInitHostileText(t *testing.T) {
	nasty := "Look up\x1b[2J\x1b]0;pwned\x07 an order\u202e\r\n# not: a comment\n- [x]: {y} & *z ! | > % @ ` \"'\x00\x7f\u0085"
	s := mcp.NewServer(&mcp.Implementation{Name: "evil\x1b[31m: {server}", Title: "#title\n- x", Version: "1\x1b[0m"},
		&mcp.ServerOptions{Instructions: nasty})
	type in struct {
		ID string `json:"id" jsonschema:"the id\x1b[5m # : - {}"`
	}
	mcp.AddTool(s, &mcp.Tool{Name: "get_order", Title: nasty, Description: nasty,
		Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true}},
		func(context.Context, *mcp.CallToolRequest, in) (*mcp.CallToolResult, any, error) {
			return &mcp.CallToolResult{}, nil, nil
		})
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil)
	srv := httptest.NewServer(h)
	defer srv.Close()

	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), []string{"init", "--url", srv.URL + "/mcp"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	m, err := manifest.Parse("draft.yaml", stdout.Bytes())
	if err != nil {
		t.Fatalf("the draft does not parse: %v\n%s", err, stdout.String())
	}
	if _, ok := m.Tool("get_order"); !ok {
		t.Errorf("the draft lost the tool:\n%s", stdout.String())
	}
	for name, out := range map[string][]byte{"stdout": stdout.Bytes(), "stderr": stderr.Bytes()} {
		if bytes.ContainsAny(out, "\x1b\x07\x00\u202e") {
			t.Errorf("%s carries a raw control character:\n%q", name, out)
		}
	}
}

// TestTableEscapesServerText: the results table and the verdict print the
// server's words escaped; a subject with an escape sequence or a tab
// cannot repaint the terminal or shift the columns.
func TestTableEscapesServerText(t *testing.T) {
	b := &bundle.Bundle{
		Results: []check.Result{{ID: "tool.naming", Subject: "tool:get\x1b[2J\torder\u202e", Status: check.Fail, Severity: check.Low, Basis: check.Probed}},
		Summary: bundle.Summary{ByStatus: map[check.Status]int{check.Fail: 1}, Verdict: "Not ready:\x1b]0;x\x07 1 failing check."},
	}
	var stdout bytes.Buffer
	printResults(&env{stdout: &stdout}, b, true)
	out := stdout.String()
	if strings.ContainsAny(out, "\x1b\x07\u202e") {
		t.Errorf("raw control characters in the table:\n%q", out)
	}
	for _, want := range []string{`tool:get\x1b[2J\torder\u202e`, `Not ready:\x1b]0;x\a 1 failing check.`} {
		if !strings.Contains(out, want) {
			t.Errorf("the table does not show %q:\n%s", want, out)
		}
	}
}

// TestSecondInterruptQuits: the first signal cancels the run so it can
// clean up; the second removes the leftovers and ends the process, and a
// third ends it at once when that removal hangs.
func TestSecondInterruptQuits(t *testing.T) {
	for _, tt := range []struct {
		name  string
		hangs bool
	}{{"leftovers removed", false}, {"removal hangs, third signal", true}} {
		t.Run(tt.name, func(t *testing.T) {
			sigs := make(chan os.Signal, 2)
			ctx, cancel := context.WithCancel(t.Context())
			exited := make(chan int, 1)
			var removed atomic.Bool
			release := make(chan struct{})
			defer close(release)
			leftovers := func() {
				if tt.hangs {
					<-release
				}
				removed.Store(true)
			}
			var stderr bytes.Buffer
			done := make(chan struct{})
			go func() {
				onInterrupt(sigs, cancel, &stderr, leftovers, func(code int) { exited <- code })
				close(done)
			}()
			sigs <- os.Interrupt
			<-ctx.Done()
			select {
			case code := <-exited:
				t.Fatalf("the first interrupt exited %d", code)
			default:
			}
			sigs <- os.Interrupt
			if tt.hangs {
				sigs <- os.Interrupt
			}
			if code := <-exited; code != exitInterrupted {
				t.Errorf("exit %d, want %d", code, exitInterrupted)
			}
			if removed.Load() == tt.hangs {
				t.Errorf("leftovers removed before the exit: %v, want %v", removed.Load(), !tt.hangs)
			}
			<-done
			if !strings.Contains(stderr.String(), "interrupt again to quit at once") {
				t.Errorf("stderr: %s", stderr.String())
			}
		})
	}
}
