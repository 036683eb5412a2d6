package collect

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/live"
)

// Compiled when a first text is judged, not at every start of the binary.
var (
	// scriptMarkup is markup that runs code where it is rendered: a script
	// element, an event-handler attribute, a javascript: URL.
	scriptMarkup = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?i)<\s*/?\s*script\b|<[a-z][^<>]*\son[a-z]+\s*=|javascript\s*:`)
	})
	// htmlTag matches an opening or closing tag of an element, or a
	// comment: "<b>", "</p>", "<img src=x>", "<!--"; not "a < b" or "<=".
	htmlTag = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`<(/?[A-Za-z][A-Za-z0-9-]*(\s[^<>]*)?/?>|!--)`) })
)

// textFinding is what one text of a tool carries that a host, a terminal
// or a report might interpret.
type textFinding struct {
	fail bool // script markup or a terminal escape sequence
	what string
}

// textFindings judges one server-supplied text. raw says whether the
// tool's entry was valid UTF-8 (JSON decoding has turned invalid bytes into
// U+FFFD already). multiline texts may carry tabs and line breaks.
func textFindings(s string, validUTF8, multiline bool) []textFinding {
	var out []textFinding
	if strings.ContainsRune(s, 0x1b) || strings.ContainsRune(s, 0x9b) || strings.ContainsRune(s, 0x9d) {
		out = append(out, textFinding{true, "a terminal escape sequence"})
	}
	if scriptMarkup().MatchString(s) {
		out = append(out, textFinding{true, "script markup"})
	} else if htmlTag().MatchString(s) {
		out = append(out, textFinding{false, "HTML markup"})
	}
	ctl, bidi := false, false
	for _, r := range s {
		switch {
		case r == 0x1b || r == 0x9b || r == 0x9d:
		case (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069):
			bidi = true
		case multiline && (r == '\n' || r == '\t' || r == '\r'):
		case unsafeRune(r):
			ctl = true
		}
	}
	if ctl {
		out = append(out, textFinding{false, "control characters"})
	}
	if bidi {
		out = append(out, textFinding{false, "bidirectional override characters"})
	}
	if !validUTF8 && strings.ContainsRune(s, utf8.RuneError) {
		out = append(out, textFinding{false, "invalid UTF-8"})
	}
	return out
}

// escaped shows an untrusted text with every control, bidi and non-ASCII
// character written as an escape, at most 120 characters of it.
func escaped(s string) string {
	if r := []rune(s); len(r) > 120 {
		s = string(r[:120]) + "…"
	}
	return strconv.QuoteToASCII(s)
}

// checkTextHygiene judges tool.text-hygiene from the tool's entry as the
// server wrote it: its name, title, description and input-field
// descriptions.
func (p *prober) checkTextHygiene(t live.Tool, raw json.RawMessage, steps []string) {
	var rt rawTool
	_ = json.Unmarshal(raw, &rt)
	valid := utf8.Valid(raw)
	type text struct {
		where, s  string
		multiline bool
	}
	texts := []text{{"the name", rt.Name, false}, {"the title", rt.Title, false}, {"the description", rt.Description, true}}
	for _, f := range fields(rt.InputSchema) {
		texts = append(texts, text{fmt.Sprintf("the description of input field %s", escaped(f.Name)), f.Description, true})
		if fs := textFindings(f.Name, valid, false); len(fs) > 0 {
			texts = append(texts, text{"an input field's name", f.Name, false})
		}
	}
	var bad []string
	fail := false
	for _, x := range texts {
		var whats []string
		for _, f := range textFindings(x.s, valid, x.multiline) {
			whats = append(whats, f.what)
			fail = fail || f.fail
		}
		if len(whats) > 0 {
			bad = append(bad, fmt.Sprintf("%s carries %s: %s", x.where, strings.Join(whats, " and "), escaped(x.s)))
		}
	}
	sub := "tool:" + t.Name
	switch {
	case fail:
		p.result("tool.text-hygiene", sub, check.Fail, check.Probed, strings.Join(bad, "; ")+".", steps...)
	case len(bad) > 0:
		p.result("tool.text-hygiene", sub, check.Warn, check.Probed, strings.Join(bad, "; ")+".", steps...)
	default:
		what := "The name, title and description are"
		if n := len(texts) - 3; n == 1 {
			what = "The name, title, description and the input field's description are"
		} else if n > 1 {
			what = fmt.Sprintf("The name, title, description and %d input-field descriptions are", n)
		}
		p.result("tool.text-hygiene", sub, check.Pass, check.Probed, what+" plain text: no markup, escapes, control or bidi characters.", steps...)
	}
}
