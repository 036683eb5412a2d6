package check

import (
	"bytes"
	"fmt"
	"strings"
)

//go:generate go run ./gendoc ../../docs/checks.md

// DocURL is where the catalogue document is published; each check has an
// anchor named by its ID (DocLink).
const DocURL = "https://github.com/dossier-dev/dossier/blob/main/docs/checks.md"

// DocLink is the address of one check's entry in the catalogue document.
func DocLink(id string) string { return DocURL + "#" + id }

// groups names the catalogue's sections by ID prefix, in document order.
var groups = []struct{ prefix, title string }{
	{"listing", "Manifest and listing"},
	{"tool", "Tools (one result per tool)"},
	{"data", "Data handling"},
	{"auth", "Identity and access"},
	{"transport", "Transport"},
	{"widget", "Widgets (one result per UI resource)"},
	{"evidence", "Evidence"},
	{"ops", "Operations (declared or attested)"},
	{"submission", "Submission readiness"},
	{"resubmit", "Re-submission"},
}

// CatalogueMarkdown renders docs/checks.md: every check of the catalogue
// with its title, severity, red flag, what it checks, when it fails and
// the remedy, under a stable anchor per check ID.
func CatalogueMarkdown() []byte {
	var b bytes.Buffer
	b.WriteString(`<!-- Generated from pack/check/catalogue.go and pack/check/about.go by "go generate ./pack/check". Do not edit. -->
# The check catalogue

Every judgement dossier makes has a stable check ID from this list. The IDs appear in pack.json, the
PDF, the CSV, SARIF and JUnit exports, waivers, attestations and diffs, and never change meaning once
shipped; a new check gets a new ID.

Each check gives one result per subject (the app, one tool, one widget, one URL) with a status:
` + "`pass`, `fail`, `warn`, `manual`" + ` (a person must judge), ` + "`na`" + ` (does not apply, with the reason) or
` + "`error`" + ` (could not be judged: a precondition was missing, such as a token, an answer from the server, a
browser, or a body read whole; the detail names what was missing and how to supply it). An error is
never a pass and never a failure, and every verdict counts it. The severity below is that of a failure
unless the result says otherwise. A **red flag** is shown first in every report.

`)
	defs := Catalogue()
	for _, g := range docGroups(defs) {
		fmt.Fprintf(&b, "- [%s](#%s):", g.title, g.prefix)
		for _, d := range g.defs {
			fmt.Fprintf(&b, " [%s](#%s)", d.ID, d.ID)
		}
		b.WriteString("\n")
	}
	for _, g := range docGroups(defs) {
		fmt.Fprintf(&b, "\n## <a id=\"%s\"></a>%s\n", g.prefix, g.title)
		for _, d := range g.defs {
			flag := "no"
			if d.RedFlag {
				flag = "**yes**"
			}
			fmt.Fprintf(&b, "\n### <a id=\"%s\"></a>`%s`\n\n", d.ID, d.ID)
			fmt.Fprintf(&b, "**%s**. Severity: %s. Red flag: %s.\n\n", EscapeMarkdown(d.Title), d.Severity, flag)
			fmt.Fprintf(&b, "- **What it checks:** %s\n", EscapeMarkdown(d.Checks))
			fmt.Fprintf(&b, "- **Fails when:** %s\n", EscapeMarkdown(d.FailsWhen))
			fmt.Fprintf(&b, "- **Remedy:** %s\n", EscapeMarkdown(d.Remedy))
		}
	}
	return b.Bytes()
}

type docGroup struct {
	prefix, title string
	defs          []Definition
}

// docGroups sorts the definitions into the document's sections; a prefix
// the list above does not know gets a section of its own at the end.
func docGroups(defs []Definition) []docGroup {
	var out []docGroup
	index := map[string]int{}
	for _, g := range groups {
		index[g.prefix] = len(out)
		out = append(out, docGroup{prefix: g.prefix, title: g.title})
	}
	for _, d := range defs {
		prefix, _, _ := strings.Cut(d.ID, ".")
		i, ok := index[prefix]
		if !ok {
			i = len(out)
			index[prefix] = i
			out = append(out, docGroup{prefix: prefix, title: prefix})
		}
		out[i].defs = append(out[i].defs, d)
	}
	var kept []docGroup
	for _, g := range out {
		if len(g.defs) > 0 {
			kept = append(kept, g)
		}
	}
	return kept
}

// EscapeMarkdown keeps dossier's own plain text (the catalogue's) plain in
// Markdown: characters that would start emphasis, markup, a link or a
// table cell are escaped. Text from a server needs more (export's mdText).
func EscapeMarkdown(s string) string { return mdEscaper.Replace(s) }

var mdEscaper = strings.NewReplacer(`\`, `\\`, `*`, `\*`, `_`, `\_`, "`", "\\`", `<`, `&lt;`, `>`, `&gt;`, `[`, `\[`, `]`, `\]`, `|`, `\|`)
