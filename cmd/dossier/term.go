package main

import (
	"strconv"
	"strings"
)

// escaped makes text that came from a server or a received pack safe to
// print on a terminal, on one line: control characters (escape sequences
// among them), line breaks, tabs, bidi overrides and invalid UTF-8 are
// shown as Go escapes (\x1b, \n, \u202e) instead of acting on the screen
// or the table's columns.
func escaped(s string) string { return visible(s, false) }

// escapedLines is escaped that keeps line breaks, for messages of several lines.
func escapedLines(s string) string { return visible(s, true) }

func visible(s string, keepNewlines bool) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return unsafeRune(r) || r == '\uFFFD' }) {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '\n' && keepNewlines:
			b.WriteRune(r)
		case r == '\uFFFD' && strings.HasPrefix(s[i:], "\uFFFD"):
			b.WriteRune(r) // a real U+FFFD, not invalid UTF-8
		case r == '\uFFFD':
			b.WriteString(`\x` + strconv.FormatUint(uint64(s[i]), 16))
		case unsafeRune(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// unsafeRune reports control characters (C0 with tab, DEL, C1), line and
// paragraph separators and bidi controls: characters that move the
// cursor, recolour or clear the screen, break a table's columns, or
// reorder the text a reader sees.
func unsafeRune(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' ||
		(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == '\u200e' || r == '\u200f' || r == '\u061c'
}
