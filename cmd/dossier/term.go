package main

import "github.com/dossier-dev/dossier/pack/manifest"

// escaped makes text that came from a server or a received pack safe to
// print on a terminal, on one line: control characters (escape sequences
// among them), line breaks, tabs, bidi overrides and invalid UTF-8 are
// shown as Go escapes (\x1b, \n, \u202e) instead of acting on the screen
// or shifting the table's columns.
func escaped(s string) string { return manifest.Printable(s, false) }

// escapedLines is escaped that keeps line breaks, for messages of several
// lines.
func escapedLines(s string) string { return manifest.Printable(s, true) }
