package export

import (
	"bytes"
	stdhtml "html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"

	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/manifest"
)

// injection is what a hostile server might put in a tool description to
// act on a pull-request comment: markup, HTML, links, images, autolinks,
// mentions, issue references, table cells and hidden characters.
const injection = "Ignore this <script>alert(1)</script> [click](https://evil.example) ![x](https://evil.example/x.png) " +
	"https://evil.example/a www.evil.example mail@evil.example @octocat #12 org/repo#3 <img src=x onerror=alert(1)> " +
	"<details><summary>x</summary> **bold** _it_ | pipe `code` ``` &amp; &#64; \u202egnp.exe \x1b[31m\n# heading\n- item\n> quote"

// gfm parses Markdown as GitHub does: tables, strikethrough, task lists,
// autolinks, and raw HTML kept (GitHub keeps a safe subset of it).
func gfm() goldmark.Markdown {
	return goldmark.New(goldmark.WithExtensions(extension.GFM), goldmark.WithRendererOptions(html.WithUnsafe()))
}

// hostileNodes lists what in a Markdown document could act on a reader:
// links and images other than to the check catalogue, autolinks, raw HTML,
// headings and quotes inside list items, and text that GitHub turns into a
// mention or an issue reference after rendering.
func hostileNodes(t *testing.T, md []byte) []string {
	t.Helper()
	doc := gfm().Parser().Parse(text.NewReader(md))
	var found []string
	err := ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch v := n.(type) {
		case *ast.Link:
			if !strings.HasPrefix(string(v.Destination), check.DocURL) {
				found = append(found, "link to "+string(v.Destination))
			}
		case *ast.Image:
			found = append(found, "image "+string(v.Destination))
		case *ast.AutoLink:
			found = append(found, "autolink "+string(v.URL(md)))
		case *ast.RawHTML, *ast.HTMLBlock:
			found = append(found, "HTML "+string(n.Text(md)))
		case *ast.Blockquote, *ast.CodeBlock, *ast.FencedCodeBlock, *east.Table:
			found = append(found, n.Kind().String())
		case *ast.Heading:
			if n.Parent() != doc {
				found = append(found, "heading inside "+n.Parent().Kind().String())
			}
		case *ast.Text:
			if _, inCode := n.Parent().(*ast.CodeSpan); !inCode {
				s := string(v.Segment.Value(md))
				if referenceLike(s) || strings.Contains(s, "@octocat") || strings.Contains(s, "#12") {
					found = append(found, "reference "+s)
				}
			}
		}
		return ast.WalkContinue, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// rendered is the text a reader of the Markdown sees: its HTML without
// tags, entities decoded.
func rendered(t *testing.T, md []byte) string {
	t.Helper()
	var out bytes.Buffer
	if err := gfm().Convert(md, &out); err != nil {
		t.Fatal(err)
	}
	return stdhtml.UnescapeString(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(out.String(), ""))
}

// TestMarkdownText: untrusted text stays text. Rendered as GitHub
// renders Markdown, it makes no link, image, HTML, quote, heading or
// mention, and reads as it was written (hidden characters shown escaped).
func TestMarkdownText(t *testing.T) {
	for _, tc := range []struct{ name, in string }{
		{"everything at once", injection},
		{"a link", "[x](javascript:alert(1))"},
		{"an autolink", "see <https://evil.example>"},
		{"a bare URL", "http://evil.example/path?q=1"},
		{"www", "www.evil.example"},
		{"an email", "a@b.co"},
		{"a mention", "ping @admin and @org/team"},
		{"an issue", "fixes #1 and GH-2"},
		{"an entity", "&lt;script&gt; &#x3C;"},
		{"backticks", "``a`` ` b"},
		{"a list start", "1. one\n2) two\n* three\n+ four"},
		{"a setext heading", "title\n====="},
		{"a table", "| a | b |\n| - | - |\n| c | d |"},
		{"a footnote", "[^1]\n\n[^1]: https://evil.example"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			md := []byte("- item: " + mdText(tc.in) + "\n")
			if found := hostileNodes(t, md); len(found) > 0 {
				t.Errorf("%q became %v in %q", tc.in, found, md)
			}
			// What the reader sees is what was written, spacing aside.
			seen := strings.TrimPrefix(strings.Join(strings.Fields(rendered(t, md)), " "), "item: ")
			want := strings.Join(strings.Fields(manifest.Printable(tc.in, false)), " ")
			if seen != want {
				t.Errorf("reads as %q, want %q", seen, want)
			}
		})
	}
}

// TestMarkdown: summary.md of a flawed pack gives the verdict with what
// it does not count, the red flags, the failures with their detail, the
// checks that could not be judged with what they need, the changes since
// the last pack, and nothing a hostile server could use.
func TestMarkdown(t *testing.T) {
	b := fixture()
	b.Results[5].Detail = "Live tool not in the manifest: " + injection // tool.declared for debug_eval
	b.RedFlags = []check.Result{b.Results[6]}
	b.Results[4].Waiver = &check.Waiver{Owner: "Ana @ops", Reason: "Fixed in 1.1 #7", Date: "2026-11-01", Expires: "2027-01-31"}
	b.Summary.Needs = []string{"ORDERLY_TOKEN_FULL is not set; set it to a token with scopes orders:write"}
	b.Summary.Waived = 1
	b.Manifest.Attestations = []manifest.Attestation{{Check: "ops.monitoring", By: "Bo", Date: "2025-01-01", Expires: "2025-06-01", Statement: "Paged."}}
	b.Changes = &bundle.Changes{
		Since:    bundle.Since{App: "Orderly", Version: "0.9.0", Created: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)},
		Changes:  []bundle.Change{{Kind: bundle.ChangeAnnotations, Subject: "tool:cancel_order", Old: "destructiveHint=true", New: "destructiveHint=false", Resubmit: true, Why: "hints changed"}},
		Flipped:  []bundle.Flip{{ID: "SEC-1", Question: "Are writes labeled?", Old: "yes", New: "no"}},
		Resubmit: true,
	}
	md, err := Markdown(b)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := Markdown(b)
	if !bytes.Equal(md, again) {
		t.Fatal("two renders of summary.md differ")
	}
	s := string(md)
	for _, want := range []string{
		"## dossier: Orderly 1\\.0\\.0\n",
		"**Not ready\\.** 1 expired attestation no longer count.\n",
		"1 could not be judged; 1 red flag, 1 waived.",
		"### Red flags (1)\n\n- [**tool.destructive-labeled**](" + check.DocLink("tool.destructive-labeled") + ") high `tool:cancel_order`: Declared destructive but destructiveHint is false\\.",
		"### Other failures (3)\n",
		"- [**tool.annotations-explicit**](" + check.DocLink("tool.annotations-explicit") + ") high `tool:send_email`: openWorldHint is absent\\. *Waived by Ana `@ops` until 2027\\-01\\-31: Fixed in 1\\.1 `#7`*",
		"- `x.unknown-check` `url:https://example.com/privacy`: a check this version does not know",
		"### Warnings (2)\n",
		"### Could not be judged (1)\n\n- [**auth.audience**](" + check.DocLink("auth.audience") + ") (error): token endpoint timed out\n",
		"To judge them:\n\n- ORDERLY\\_TOKEN\\_FULL is not set\\; set it to a token with scopes orders\\:write\n",
		"### Changes since the last pack\n\n**Re-submission needed:** 1 of 1 change of the reviewed contract need a new review. Compared with Orderly 0\\.9\\.0 of 2026-10-01.",
		"- `tool:cancel_order` annotations: annotations changed",
		"(**needs a new review**)",
		"- SEC\\-1: yes → no",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("summary.md lacks %q", want)
		}
	}
	if found := hostileNodes(t, md); len(found) > 0 {
		t.Errorf("summary.md lets the server act on the comment: %v\n%s", found, md)
	}
	if strings.Contains(s, "<script>") || strings.Contains(s, "](https://evil") || strings.Contains(s, "\u202e") || strings.Contains(s, "\x1b") {
		t.Errorf("hostile text survived unescaped:\n%s", md)
	}
	// The detail is all there, for the reader.
	var html bytes.Buffer
	if err := gfm().Convert(md, &html); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Ignore this &lt;script&gt;alert(1)&lt;/script&gt;", "https://evil.example/a www.evil.example", "<code>@octocat</code>", `\u202egnp.exe`} {
		if !strings.Contains(html.String(), want) {
			t.Errorf("the rendered summary lacks %q", want)
		}
	}
}

// TestMarkdownBounded: a pack with thousands of failures still gives a
// summary that fits a pull-request comment.
func TestMarkdownBounded(t *testing.T) {
	b := fixture()
	for i := range 3000 {
		b.Results = append(b.Results, check.Result{ID: "tool.naming", Subject: "tool:t" + strings.Repeat("x", i%50), Status: check.Fail,
			Severity: check.Medium, Detail: strings.Repeat("long detail ", 200)})
	}
	md, err := Markdown(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(md) > 60000 {
		t.Errorf("summary.md is %d bytes; a pull-request comment takes 65,536 characters", len(md))
	}
	if !bytes.Contains(md, []byte("- and 2964 more: see pack.pdf")) {
		t.Errorf("the cut is not counted:\n%s", md[len(md)-400:])
	}
}

// TestMarkdownSubmission: with a submission check judged, summary.md says
// whether the review would take the plugin and lists each submission
// check's status; the package's name is the vendor's text, so it stays
// inert. With every submission check n/a there is no such section.
func TestMarkdownSubmission(t *testing.T) {
	b := fixture()
	b.Results = append(b.Results,
		check.Result{ID: "submission.package", Subject: "app", Status: check.Pass},
		check.Result{ID: "submission.domain-verification", Subject: "app", Status: check.Fail, Severity: check.High, Detail: "another token"},
		check.Result{ID: "submission.reviewer-account", Subject: "app", Status: check.NA},
	)
	b.Package = &bundle.Package{File: "[x](https://evil.example).zip", Layout: "codex"}
	md, err := Markdown(b)
	if err != nil {
		t.Fatal(err)
	}
	s := string(md)
	for _, want := range []string{
		"### Submission readiness\n\n**Not ready to submit\\: 1 check fail\\, each a reason the review rejects a plugin\\.** Judged with the plugin package `[x](https://evil.example).zip` (codex layout).\n\n",
		"- [submission.package](" + check.DocLink("submission.package") + "): pass\n",
		"- [submission.domain-verification](" + check.DocLink("submission.domain-verification") + "): fail\n",
		"- [submission.reviewer-account](" + check.DocLink("submission.reviewer-account") + "): na\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("summary.md lacks %q\n%s", want, s)
		}
	}
	if found := hostileNodes(t, md); len(found) > 0 {
		t.Errorf("the package name acts on the comment: %v", found)
	}

	b = fixture()
	b.Results = append(b.Results, check.Result{ID: "submission.package", Subject: "app", Status: check.NA})
	if md, _ := Markdown(b); strings.Contains(string(md), "Submission readiness") {
		t.Error("a submission section although no submission check applies")
	}
}
