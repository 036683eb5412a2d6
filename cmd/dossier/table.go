package main

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/sys/unix"

	"github.com/dossier-dev/dossier/internal/english"
	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/check"
)

// defaultWidth is the wrapping width when stdout is not a terminal and
// COLUMNS is not set.
const defaultWidth = 100

// terminal is how the results table is laid out for the reader.
type terminal struct {
	width int  // detail lines wrap at this many columns
	color bool // status words in colour
}

// terminal looks at stdout: colour only on a terminal and without NO_COLOR
// (https://no-color.org); the width from COLUMNS, else the terminal's, else
// defaultWidth. A test sets e.columns to fix the width.
func (e *env) terminal() terminal {
	t := terminal{width: e.columns}
	getenv := e.getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	f, isFile := e.stdout.(*os.File)
	var ws *unix.Winsize
	if isFile {
		// ENOTTY for a file or a pipe: not a terminal.
		if w, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ); err == nil {
			ws = w
		}
	}
	t.color = ws != nil && getenv("NO_COLOR") == ""
	if t.width > 0 {
		return t
	}
	if n, err := strconv.Atoi(getenv("COLUMNS")); err == nil && n > 0 {
		t.width = n
	} else if ws != nil && ws.Col > 0 {
		t.width = int(ws.Col)
	} else {
		t.width = defaultWidth
	}
	return t
}

// row is one line of the results table.
type row struct {
	r       check.Result
	expired bool // an attestation or a waiver of it has expired
}

// printTable prints the rows (every result with all, else those a person
// acts on: fail, warn, error and those with an expired attestation or
// waiver, worst first), each but under all followed by its detail,
// wrapped and indented. Every cell is escaped: subjects and details quote
// the server.
func printTable(w io.Writer, t terminal, b *bundle.Bundle, all bool) {
	lapsed := b.Lapsed()
	var rows []row
	for _, r := range b.Results {
		x := lapsed.Carries(r)
		if all || r.Status.Rank() >= check.Warn.Rank() || x {
			rows = append(rows, row{r, x})
		}
	}
	if !all {
		slices.SortStableFunc(rows, func(a, b row) int {
			if c := cmp.Compare(b.r.Severity.Rank(), a.r.Severity.Rank()); c != 0 {
				return c
			}
			return cmp.Compare(b.r.Status.Rank(), a.r.Status.Rank())
		})
	}
	if len(rows) == 0 {
		fmt.Fprintf(w, "All %d checks pass or do not apply (--all lists them).\n", len(b.Results))
		return
	}
	cells := [][]string{{"STATUS", "SEVERITY", "CHECK", "SUBJECT", "BASIS"}}
	for _, r := range rows {
		status := string(r.r.Status)
		if r.expired {
			status += " (expired)"
		}
		cells = append(cells, []string{escaped(status), escaped(orDash(string(r.r.Severity))), escaped(r.r.ID), escaped(r.r.Subject), escaped(string(r.r.Basis))})
	}
	widths := make([]int, len(cells[0]))
	for _, c := range cells {
		for i, s := range c {
			widths[i] = max(widths[i], utf8.RuneCountInString(s))
		}
	}
	for i, c := range cells {
		var line strings.Builder
		for j, s := range c {
			pad := strings.Repeat(" ", widths[j]-utf8.RuneCountInString(s))
			if j == 0 && i > 0 && t.color {
				s = colored(rows[i-1], s)
			}
			if j == len(c)-1 {
				pad = ""
			}
			line.WriteString(s + pad)
			if j < len(c)-1 {
				line.WriteString("  ")
			}
		}
		fmt.Fprintln(w, line.String())
		if i > 0 && !all && rows[i-1].r.Detail != "" {
			for _, l := range wrap(escaped(rows[i-1].r.Detail), t.width-4) {
				fmt.Fprintln(w, "    "+l)
			}
		}
	}
	fmt.Fprintln(w)
}

// colored paints a status word: red for fail and error, yellow for warn
// and an expiry. Only the word, so a copied line reads the same.
func colored(r row, s string) string {
	code := "33"
	if r.r.Status == check.Fail || r.r.Status == check.Error {
		code = "31"
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// wrap breaks text into lines of at most width columns at spaces; a word
// longer than the width (a URL) is kept whole on its own line.
func wrap(text string, width int) []string {
	width = max(width, 20)
	var lines []string
	var cur strings.Builder
	n := 0
	for _, word := range strings.Fields(text) {
		wn := utf8.RuneCountInString(word)
		if n > 0 && n+1+wn > width {
			lines = append(lines, cur.String())
			cur.Reset()
			n = 0
		}
		if n > 0 {
			cur.WriteByte(' ')
			n++
		}
		cur.WriteString(word)
		n += wn
	}
	if n > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}

// expiredText counts, for the verdict line, the expired attestations and
// waivers and the token variables not set; "" when there are none.
func expiredText(b *bundle.Bundle) string {
	l := b.Lapsed()
	atts, waivers := l.Attestations, l.Waivers
	var parts []string
	if atts > 0 {
		parts = append(parts, fmt.Sprintf("%d expired %s", atts, english.PluralS(atts, "attestation")))
	}
	if waivers > 0 {
		parts = append(parts, fmt.Sprintf("%d expired %s", waivers, english.PluralS(waivers, "waiver")))
	}
	out := ""
	if len(parts) > 0 {
		out = " " + strings.Join(parts, ", ") + " no longer count."
	}
	if n := unsetTokens(b); n > 0 {
		out += fmt.Sprintf(" %d token %s not set.", n, english.Plural(n, "variable is", "variables are"))
	}
	return out
}

// unsetTokens counts the manifest's token variables that the run found
// unset. The summary's needs name each, in the words pipeline.EnvTokens
// gives them ("VAR is not set; ..."); the table is printed in the process
// that read the environment, but the needs are what the pack records.
func unsetTokens(b *bundle.Bundle) int {
	if b.Manifest == nil {
		return 0
	}
	n := 0
	for _, ts := range b.Manifest.Probe.Tokens {
		if ts.Env != "" && slices.ContainsFunc(b.Summary.Needs, func(need string) bool { return strings.HasPrefix(need, ts.Env+" is not set") }) {
			n++
		}
	}
	return n
}
