// Package term makes untrusted text safe to print on a terminal. A pack, a
// manifest and the server under test are all written by someone else; what
// they say is shown escaped, never interpreted. It is a leaf package that
// every command may use.
package term

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Safe escapes what a pack or a server wrote before it reaches the
// terminal: control characters (escape sequences among them), line and
// paragraph separators, bidirectional overrides and invalid UTF-8 are
// written as \xHH or \uHHHH, so a hostile tool name can neither drive the
// terminal nor reorder or hide the text around it.
func Safe(s string) string {
	clean := true
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || unsafe(r) {
			clean = false
			break
		}
		i += size
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unsafe(r) && r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafe(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

func unsafe(r rune) bool {
	return unicode.Is(unicode.Cc, r) || r == '\u2028' || r == '\u2029' || r == '\u061c' || r == '\u200e' || r == '\u200f' ||
		(r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069')
}
