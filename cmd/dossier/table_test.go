package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/manifest"
)

// TestTableShowsWhatToActOn: the demo with a planted flaw prints the
// failing row with its detail under it and no passing row; --all (here
// printResults with all) lists the passes; every detail line fits the
// width; output to a buffer or a file carries no escape sequence.
func TestTableShowsWhatToActOn(t *testing.T) {
	requireBrowser(t)
	out := filepath.Join(t.TempDir(), "pack")
	stdout, _ := dossier(t, "demo", "--flaw", "destructive-false", "--out", out)
	if strings.Contains(stdout, "\x1b") {
		t.Errorf("demo's output to a buffer has an escape sequence:\n%q", stdout)
	}
	b := readPack(t, out)
	var flawed check.Result
	for _, r := range b.Results {
		if r.ID == "tool.destructive-labeled" && r.Status == check.Fail {
			flawed = r
		}
	}
	if flawed.ID == "" {
		t.Fatal("the pack has no failing tool.destructive-labeled")
	}

	table := func(all bool, columns int) string {
		var buf bytes.Buffer
		printResults(&env{stdout: &buf, getenv: func(string) string { return "" }, columns: columns}, b, all)
		return buf.String()
	}
	const width = 60
	def := table(false, width)
	lines := strings.Split(def, "\n")
	row := -1
	for i, l := range lines {
		f := strings.Fields(l)
		if len(f) > 0 && f[0] == "pass" {
			t.Errorf("a pass row is listed by default: %q", l)
		}
		if strings.HasPrefix(l, "fail ") && strings.Contains(l, "tool.destructive-labeled") {
			row = i
		}
	}
	if row < 0 {
		t.Fatalf("the failing row is not listed:\n%s", def)
	}
	var detail []string
	for _, l := range lines[row+1:] {
		if !strings.HasPrefix(l, "    ") {
			break
		}
		if n := len([]rune(l)); n > width && strings.Contains(strings.TrimSpace(l), " ") {
			t.Errorf("detail line of %d columns, wider than %d: %q", n, width, l)
		}
		detail = append(detail, strings.TrimSpace(l))
	}
	if got, want := strings.Join(detail, " "), strings.Join(strings.Fields(escaped(flawed.Detail)), " "); got != want {
		t.Errorf("the detail under the failing row is\n%q\nwant\n%q", got, want)
	}
	if len(detail) < 2 {
		t.Errorf("a %d-character detail did not wrap at %d columns: %q", len(flawed.Detail), width, detail)
	}
	if !strings.Contains(def, b.Summary.Verdict) {
		t.Errorf("no verdict line:\n%s", def)
	}

	all := table(true, width)
	passes := 0
	for _, l := range strings.Split(all, "\n") {
		if f := strings.Fields(l); len(f) > 0 && f[0] == "pass" {
			passes++
		}
	}
	if passes != b.Summary.ByStatus[check.Pass] {
		t.Errorf("--all lists %d pass rows, the pack has %d", passes, b.Summary.ByStatus[check.Pass])
	}

	// stdout a file, not a terminal: no colour even without NO_COLOR.
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	printResults(&env{stdout: f, getenv: func(string) string { return "" }}, b, false)
	written, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(written, []byte("\x1b")) || !bytes.Contains(written, []byte("tool.destructive-labeled")) {
		t.Errorf("the table written to a file:\n%q", written)
	}
}

// TestTableOrderAndAllPass: worst first (severity, then status), an expired
// attestation listed, and one line when nothing needs acting on.
func TestTableOrderAndAllPass(t *testing.T) {
	b := &bundle.Bundle{
		Results: []check.Result{
			{ID: "a.warn", Status: check.Warn, Severity: check.High, Detail: "w"},
			{ID: "a.low", Status: check.Fail, Severity: check.Low, Detail: "l"},
			{ID: "a.pass", Status: check.Pass, Severity: check.Critical},
			{ID: "a.err", Status: check.Error, Severity: check.High, Detail: "e"},
			{ID: "a.crit", Status: check.Fail, Severity: check.Critical, Detail: "c"},
		},
		Summary: bundle.Summary{ByStatus: map[check.Status]int{}, Verdict: "Not ready."},
	}
	var buf bytes.Buffer
	printTable(&buf, terminal{width: 80}, b, false)
	var order []string
	for _, l := range strings.Split(buf.String(), "\n") {
		if f := strings.Fields(l); len(f) >= 3 && strings.HasPrefix(f[2], "a.") {
			order = append(order, f[2])
		}
	}
	if got, want := strings.Join(order, " "), "a.crit a.err a.warn a.low"; got != want {
		t.Errorf("rows in order %q, want %q\n%s", got, want, buf.String())
	}

	buf.Reset()
	printTable(&buf, terminal{width: 80}, &bundle.Bundle{Results: []check.Result{{ID: "a.pass", Status: check.Pass}, {ID: "a.na", Status: check.NA}}}, false)
	if got := buf.String(); got != "All 2 checks pass or do not apply (--all lists them).\n" {
		t.Errorf("all passing: %q", got)
	}

	buf.Reset()
	printTable(&buf, terminal{width: 80, color: true}, b, false)
	if !strings.Contains(buf.String(), "\x1b[31mfail") {
		t.Errorf("a terminal gets no colour:\n%q", buf.String())
	}
}

// TestVerdictCounts: the verdict line counts expired attestations and
// waivers (as of the pack's date) and the unset token variables the needs
// name.
func TestVerdictCounts(t *testing.T) {
	created := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	b := &bundle.Bundle{
		Created: created,
		Manifest: &manifest.Manifest{
			Attestations: []manifest.Attestation{{Check: "a.att", Expires: "2027-02-01"}, {Check: "a.fresh", Expires: "2027-12-31"}},
			Waivers:      []manifest.Waiver{{Check: "a.waived", Expires: "2027-01-01"}},
			Probe:        manifest.Probe{Tokens: []manifest.TokenSource{{Env: "T_ONE"}, {Env: "T_TWO"}, {Env: "T_SET"}}},
		},
		Results: []check.Result{
			{ID: "a.att", Status: check.Pass, Detail: "An attestation by x expired on 2027-02-01 and no longer counts."},
			{ID: "a.fresh", Status: check.Pass},
			{ID: "a.waived", Status: check.Fail, Severity: check.Low},
		},
		Summary: bundle.Summary{ByStatus: map[check.Status]int{}, Verdict: "Not ready.", Needs: []string{
			"T_ONE is not set; set it or use --login dcr", "T_TWO is not set; set it or use --login dcr",
			"the server refused the token from T_SET with 401 (expired, revoked or minted for another server); set a fresh one or use --login dcr",
		}},
	}
	var buf bytes.Buffer
	printResults(&env{stdout: &buf, columns: 80}, b, false)
	out := buf.String()
	if want := "Not ready. 1 expired attestation, 1 expired waiver no longer count. 2 token variables are not set.\n"; !strings.Contains(out, want) {
		t.Errorf("the verdict line is not %q:\n%s", want, out)
	}
	if !strings.Contains(out, "pass (expired)") || strings.Contains(out, "a.fresh") {
		t.Errorf("the expired attestation's pass row is not listed, or the fresh one is:\n%s", out)
	}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		name, text string
		width      int
		want       []string
	}{
		{"fits", "one two three", 40, []string{"one two three"}},
		{"breaks at spaces", "aaaa bbbb cccc dddd eeee ffff", 20, []string{"aaaa bbbb cccc dddd", "eeee ffff"}},
		{"long word kept whole", "see https://example.test/a/very/long/path/that/does/not/fit here", 20, []string{"see", "https://example.test/a/very/long/path/that/does/not/fit", "here"}},
		{"empty", "", 20, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := wrap(tt.text, tt.width); strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("wrap(%q, %d) = %q, want %q", tt.text, tt.width, got, tt.want)
			}
		})
	}
}

// TestColourOnlyOnATerminal: a pseudo-terminal gets colour unless NO_COLOR
// is set; its width comes from the terminal unless COLUMNS says otherwise.
func TestColourOnlyOnATerminal(t *testing.T) {
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Fatalf("opening a pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	if err := unix.IoctlSetPointerInt(int(ptmx.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(ptmx.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	tty, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	if err := unix.IoctlSetWinsize(int(tty.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 24, Col: 77}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		env   map[string]string
		color bool
		width int
	}{
		{"terminal", nil, true, 77},
		{"NO_COLOR", map[string]string{"NO_COLOR": "1"}, false, 77},
		{"COLUMNS", map[string]string{"COLUMNS": "132"}, true, 132},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := (&env{stdout: tty, getenv: func(k string) string { return tt.env[k] }}).terminal()
			if got.color != tt.color || got.width != tt.width {
				t.Errorf("terminal() = %+v, want colour %v width %d", got, tt.color, tt.width)
			}
		})
	}
}
