// Package corpus runs dossier end to end against a corpus of real
// third-party MCP App servers (the @modelcontextprotocol/server-* examples,
// installed from the committed lock in testdata/node) and compares every
// result with a table pinned per server, each non-pass justified in a line a
// reviewer can check. It is test-only: the corpus is how the project learns
// whether its verdicts are true of servers it did not write.
//
// It runs the real pipeline through the dossier command (`dossier check
// --format json`), built once from this module: cmd/internal/pipeline is
// internal to cmd/, and the command is what a vendor runs anyway.
//
// Re-pinning after an intended change:
//
//	go test ./corpus -run TestCorpus -update
//
// rewrites testdata/NAME/expected.txt from what the run found, keeping each
// justification whose check, subject and status did not change; a new
// non-pass line gets "TODO: justify", which the test refuses until a person
// replaces it with a reason, or with "dossier bug: …" when the result is
// false (those lines are listed in the log of every run, so they are never
// mistaken for accepted findings).
package corpus

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dossier-dev/dossier/evidence"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/manifest"
)

var update = flag.Bool("update", false, "rewrite testdata/NAME/expected.txt from the actual results (justifications kept where the status did not change)")

// canonicalOrigin is where every manifest puts the server (the examples'
// default port); the test replaces it with the port it picked.
const canonicalOrigin = "http://127.0.0.1:3001"

const (
	todo = "TODO: justify"
	// bug starts the justification of a result pinned as it is on main but
	// known to be false: a defect of dossier, not a finding on the server.
	bug = "dossier bug:"
)

// concurrent is how many servers are probed at once: each run is mostly
// waiting (Chrome settling, the server answering), so a few overlap well on
// two cores; a server whose pages starved anyway runs again alone.
const concurrent = 3

// corpus lists the servers by the directory under testdata that holds their
// manifest and expected table; the npm package is
// @modelcontextprotocol/server-NAME, pinned in testdata/node.
var corpus = []string{
	"basic-preact",
	"basic-solid",
	"basic-svelte",
	"basic-vue",
	"cohort-heatmap",
	"customer-segmentation",
	"scenario-modeler",
	"shadertoy",
	"sheet-music",
	"threejs",
	"transcript",
	"video-resource",
}

// widgetChecks rest on a widget having started: none may pass when
// widget.render did not.
var widgetChecks = []string{"widget.csp-sufficient", "widget.egress", "widget.privileged-api", "widget.sandbox-escape"}

func entry(name string) string {
	return filepath.Join("testdata", "node", "node_modules", "@modelcontextprotocol", "server-"+name, "dist", "index.js")
}

// needTools skips when node, the installed servers or a browser are
// missing, except in CI, where that is a failure.
func needTools(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err == nil {
		for _, name := range corpus {
			if _, err = os.Stat(entry(name)); err != nil {
				break
			}
		}
	}
	if err == nil {
		_, err = evidence.FindBrowser("")
	}
	if err != nil {
		msg := fmt.Sprintf("needs node, the corpus servers in testdata/node (run `make node-deps`) and chromium: %v", err)
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but the test " + msg)
		}
		t.Skip("skipping: " + msg)
	}
	return node
}

type outcome struct {
	results []check.Result
	err     error
	took    time.Duration
}

func TestCorpus(t *testing.T) {
	node := needTools(t)
	loopback, err := filepath.Abs(filepath.Join("testdata", "loopback.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	dossier := build(t)

	// Probe every server first, a few at a time, then judge each in its
	// own subtest.
	outcomes := make([]outcome, len(corpus))
	sem := make(chan struct{}, concurrent)
	var wg sync.WaitGroup
	for i, name := range corpus {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			begin := time.Now()
			res, err := probe(t.Context(), node, loopback, dossier, name)
			outcomes[i] = outcome{res, err, time.Since(begin)}
		})
	}
	wg.Wait()
	for i, name := range corpus {
		if s := starved(outcomes[i].results); len(s) > 0 {
			t.Logf("server-%s: %d result(s) ran out of time beside the others (%s); running it again alone", name, len(s), s[0])
			begin := time.Now()
			res, err := probe(t.Context(), node, loopback, dossier, name)
			outcomes[i] = outcome{res, err, time.Since(begin)}
		}
	}

	for i, name := range corpus {
		t.Run(name, func(t *testing.T) {
			if err := outcomes[i].err; err != nil {
				t.Fatal(err)
			}
			t.Logf("server-%s probed in %s", name, outcomes[i].took.Round(time.Millisecond))
			compare(t, name, outcomes[i].results)
		})
	}
}

func compare(t *testing.T, name string, results []check.Result) {
	actual := table{}
	details := map[string]string{}
	for _, r := range results {
		k := key{r.ID, r.Subject}
		if _, dup := actual[k]; dup {
			t.Errorf("two results for %s", k)
		}
		actual[k] = row{status: string(r.Status)}
		details[k.String()] = r.Detail
	}
	for _, p := range widgetProblems(actual, details) {
		t.Error(p)
	}

	file := filepath.Join("testdata", name, "expected.txt")
	want, err := readTable(file)
	if err != nil && !(*update && os.IsNotExist(err)) {
		t.Fatal(err)
	}
	if *update {
		want = actual.justified(want)
		if err := os.WriteFile(file, want.format(name), 0o644); err != nil {
			t.Fatal(err)
		}
		// What the reviewer needs to write or check each justification.
		for _, k := range actual.keys() {
			if r := actual[k]; r.nonPass() {
				t.Logf("%s %s: %s", r.status, k, details[k.String()])
			}
		}
	}
	if diff := want.diff(actual); len(diff) > 0 {
		t.Errorf("%d result(s) differ from %s:\n%s\n\nthe actual table (re-pin with -update, then justify every TODO):\n%s\ndetails of the differing results:\n%s",
			len(diff), file, strings.Join(diff, "\n"), actual.justified(want).format(name), detailsOf(diff, details))
	}
	for _, k := range want.keys() {
		r := want[k]
		switch {
		case strings.HasPrefix(r.why, bug):
			t.Logf("known dossier bug pinned: %s %s: %s", r.status, k, r.why)
		case !r.nonPass():
		case r.why == "" || r.why == todo:
			t.Errorf("%s: %s is %s with no justification (actual detail: %q)", file, k, r.status, details[k.String()])
		}
	}
}

// widgetProblems holds the rule that a widget that did not start passes
// nothing that rests on it, and that every widget was rendered.
func widgetProblems(actual table, details map[string]string) []string {
	var out []string
	for _, k := range actual.keys() {
		if !strings.HasPrefix(k.subject, "widget:") {
			continue
		}
		render, ok := actual[key{"widget.render", k.subject}]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("%s has %s but no widget.render result", k.subject, k.id))
		case render.status != string(check.Pass) && slices.Contains(widgetChecks, k.id) && actual[k].status == string(check.Pass):
			out = append(out, fmt.Sprintf("%s %s passes though the widget did not start (widget.render %s: %s)", k.id, k.subject, render.status, details["widget.render "+k.subject]))
		}
	}
	return out
}

// build compiles the dossier command into a temporary directory.
func build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "dossier")
	out, err := exec.CommandContext(t.Context(), "go", "build", "-o", bin, "github.com/dossier-dev/dossier/cmd/dossier").CombinedOutput()
	if err != nil {
		t.Fatalf("building dossier: %v\n%s", err, out)
	}
	return bin
}

// probe starts the server and runs dossier check against it with its
// manifest. No tokens: the servers ask for none. The examples annotate no
// tool, so dossier treats each as possibly writing and calls none that the
// user did not name; every tool in probe.callable was read in the server's
// source and changes nothing (each computes, generates or echoes data), so
// the test names them with --allow-write, as their vendor would, and the
// widgets are fed real results.
func probe(ctx context.Context, node, loopback, dossier, name string) ([]check.Result, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	dir := filepath.Join("testdata", name)
	data, err := os.ReadFile(filepath.Join(dir, "manifest.yaml"))
	if err != nil {
		return nil, err
	}
	m, err := manifest.Parse(filepath.Join(dir, "manifest.yaml"), data)
	if err != nil {
		return nil, err
	}

	origin, stop, err := start(ctx, node, loopback, name)
	if err != nil {
		return nil, err
	}
	defer stop()
	tmp, err := os.MkdirTemp("", "dossier-corpus-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	mf := filepath.Join(tmp, "manifest.yaml")
	if err := os.WriteFile(mf, bytes.ReplaceAll(data, []byte(canonicalOrigin), []byte(origin)), 0o644); err != nil {
		return nil, err
	}
	args := []string{"check", "--manifest", mf, "--format", "json", "--fail-on", "none", "--allow-incomplete", "--login", "env"}
	if len(m.Probe.Callable) > 0 {
		args = append(args, "--allow-write", strings.Join(m.Probe.Callable, ","))
	}
	cmd := exec.CommandContext(ctx, dossier, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("dossier check against server-%s: %w\n%s", name, err, stderr.String())
	}
	var report struct {
		Results []check.Result `json:"results"`
	}
	if err := json.Unmarshal(out, &report); err != nil {
		return nil, fmt.Errorf("reading dossier check's JSON for server-%s: %w", name, err)
	}
	if len(report.Results) == 0 {
		return nil, fmt.Errorf("dossier check against server-%s printed no results:\n%s", name, stderr.String())
	}
	return report.Results, nil
}

// starved lists the results that could not be judged because a page or
// the probe ran out of time: on a loaded machine that is the machine, not
// the server, so the test runs that server again alone.
func starved(results []check.Result) []string {
	var out []string
	for _, r := range results {
		if r.Status == check.Error && (strings.Contains(r.Detail, context.Canceled.Error()) || strings.Contains(r.Detail, context.DeadlineExceeded.Error())) {
			out = append(out, r.ID+" "+r.Subject+": "+r.Detail)
		}
	}
	return out
}

// start runs the server on a free loopback port, as its README says (PORT,
// /mcp), with testdata/loopback.mjs preloaded so it listens on 127.0.0.1
// only instead of every interface, and returns its origin once it says it
// is listening, with the function that stops it.
func start(ctx context.Context, node, loopback, name string) (string, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(node, "--import", loopback, entry(name))
	cmd.Env = append(os.Environ(), fmt.Sprintf("PORT=%d", port), "NODE_ENV=production")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("starting server-%s: %w", name, err)
	}
	exited := make(chan struct{})
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
		cmd.Wait()
		close(exited)
	}()
	stop := func() {
		cmd.Process.Kill()
		<-exited
	}
	select {
	case <-listening:
		return fmt.Sprintf("http://127.0.0.1:%d", port), stop, nil
	case <-exited:
		return "", nil, fmt.Errorf("server-%s exited before listening: %s", name, stderr.String())
	case <-time.After(30 * time.Second):
		stop()
		return "", nil, fmt.Errorf("server-%s did not say it was listening within 30s", name)
	case <-ctx.Done():
		stop()
		return "", nil, ctx.Err()
	}
}

type key struct{ id, subject string }

func (k key) String() string { return k.id + " " + k.subject }

type row struct {
	// status is one status, or alternatives joined by "|" for a result that
	// truly varies between runs (the justification says why).
	status string
	why    string // the justification of a non-pass
}

func (r row) allows(s string) bool { return slices.Contains(strings.Split(r.status, "|"), s) }

func (r row) nonPass() bool { return r.status != string(check.Pass) }

// table is one server's results: check and subject to status.
type table map[key]row

func (tb table) keys() []key {
	ks := make([]key, 0, len(tb))
	for k := range tb {
		ks = append(ks, k)
	}
	slices.SortFunc(ks, func(a, b key) int { return strings.Compare(a.String(), b.String()) })
	return ks
}

// readTable parses an expected.txt: one result a line, "STATUS CHECK
// SUBJECT", then " # " and the justification for a non-pass; blank lines
// and lines starting with # are comments.
func readTable(file string) (table, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	tb := table{}
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields, why, _ := strings.Cut(line, " # ")
		f := strings.Fields(fields)
		if len(f) != 3 {
			return nil, fmt.Errorf("%s:%d: want STATUS CHECK SUBJECT [# justification], got %q", file, i+1, line)
		}
		for _, s := range strings.Split(f[0], "|") {
			if !slices.Contains([]check.Status{check.Pass, check.Fail, check.Warn, check.Manual, check.NA, check.Error}, check.Status(s)) {
				return nil, fmt.Errorf("%s:%d: %q is not a status", file, i+1, s)
			}
		}
		k := key{f[1], f[2]}
		if _, dup := tb[k]; dup {
			return nil, fmt.Errorf("%s:%d: %s pinned twice", file, i+1, k)
		}
		tb[k] = row{status: f[0], why: strings.TrimSpace(why)}
	}
	return tb, nil
}

// justified is the actual table tb with each row of old that allows the
// actual status carried over (its justification, and its alternatives); a
// non-pass left without a justification gets todo, and a pass keeps only a
// "dossier bug:" note.
func (tb table) justified(old table) table {
	out := table{}
	for k, r := range tb {
		if o, ok := old[k]; ok && o.allows(r.status) {
			r = o
		}
		if !r.nonPass() && !strings.HasPrefix(r.why, bug) {
			r.why = "" // a pass needs no reason, unless it is a false one
		} else if r.why == "" {
			r.why = todo
		}
		out[k] = r
	}
	return out
}

// diff lists every result whose status the pinned table does not allow,
// and every one only one side has.
func (tb table) diff(actual table) []string {
	var out []string
	for _, k := range tb.keys() {
		a, ok := actual[k]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("  %s: pinned %s, no such result", k, tb[k].status))
		case !tb[k].allows(a.status):
			out = append(out, fmt.Sprintf("  %s: pinned %s, got %s", k, tb[k].status, a.status))
		}
	}
	for _, k := range actual.keys() {
		if _, ok := tb[k]; !ok {
			out = append(out, fmt.Sprintf("  %s: not pinned, got %s", k, actual[k].status))
		}
	}
	return out
}

func (tb table) format(name string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# What dossier finds on @modelcontextprotocol/server-%s (testdata/node), one result a line:\n", name)
	fmt.Fprintf(&b, "# STATUS CHECK SUBJECT, then \" # \" and why a reviewer should accept every result that is not pass\n")
	fmt.Fprintf(&b, "# (\"%s\" marks a result pinned as main gives it but known to be false).\n", bug)
	ks := tb.keys()
	wst, wid, wsub := 0, 0, 0
	for _, k := range ks {
		wst, wid, wsub = max(wst, len(tb[k].status)), max(wid, len(k.id)), max(wsub, len(k.subject))
	}
	for _, k := range ks {
		r := tb[k]
		line := fmt.Sprintf("%-*s %-*s %-*s", wst, r.status, wid, k.id, wsub, k.subject)
		if r.why != "" {
			line += " # " + r.why
		}
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	return b.Bytes()
}

func detailsOf(diff []string, details map[string]string) string {
	var b strings.Builder
	for _, d := range diff {
		k, _, _ := strings.Cut(strings.TrimSpace(d), ": ")
		if det, ok := details[k]; ok {
			fmt.Fprintf(&b, "  %s: %s\n", k, det)
		}
	}
	return b.String()
}
