package export

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/dossier-dev/dossier/internal/english"
	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/contract"
	"github.com/dossier-dev/dossier/pack/manifest"
)

// Bounds of summary.md, so that it fits a pull-request comment (GitHub
// takes at most 65,536 characters) with room to spare.
const (
	mdMaxItems  = 40  // entries listed per section; the rest are counted
	mdMaxDetail = 600 // characters of one detail
)

// Markdown renders summary.md: the verdict, then what a reviewer of a pull
// request acts on (red flags, failures and warnings with their details,
// the checks that could not be judged with what they need, expired
// attestations and waivers) and the changes since the last pack. It is
// written for a pull-request comment and for $GITHUB_STEP_SUMMARY. Every
// string the server or the manifest supplied goes through mdText, so a
// hostile tool description cannot add a link, an image, HTML or a mention
// to the comment.
func Markdown(b *bundle.Bundle) ([]byte, error) {
	if b == nil {
		return nil, fmt.Errorf("rendering summary.md: no bundle")
	}
	var w bytes.Buffer
	s := b.Summary
	title := strings.TrimSpace(b.App.Name + " " + b.App.Version)
	fmt.Fprintf(&w, "## dossier: %s\n\n", mdText(title))
	fmt.Fprintf(&w, "**%s**%s\n\n", mdText(s.Verdict), lapsedText(b))
	fmt.Fprintf(&w, "%d results: %d pass, %d fail, %d warn, %d manual, %d n/a, %d could not be judged; %d red %s, %d waived. Pack made %s by dossier %s against %s.\n",
		len(b.Results), s.ByStatus[check.Pass], s.ByStatus[check.Fail], s.ByStatus[check.Warn], s.ByStatus[check.Manual],
		s.ByStatus[check.NA], s.Unjudged(), len(b.RedFlags), english.Plural(len(b.RedFlags), "flag", "flags"), s.Waived,
		b.Created.UTC().Format("2006-01-02 15:04 UTC"), mdText(b.Generator.Version), mdCode(b.Observation.Server.URL))

	lapsed := b.Lapsed()
	red := map[string]bool{}
	for _, r := range b.RedFlags {
		red[r.ID+"|"+r.Subject] = true
	}
	var fails, warns, errs, expired []check.Result
	for _, r := range b.Results {
		switch {
		case red[r.ID+"|"+r.Subject]:
		case r.Status == check.Fail:
			fails = append(fails, r)
		case r.Status == check.Warn:
			warns = append(warns, r)
		case r.Status == check.Error:
			errs = append(errs, r)
		case lapsed.Carries(r):
			expired = append(expired, r)
		}
	}
	for _, rs := range [][]check.Result{fails, warns, errs} {
		worstFirst(rs)
	}

	failures := "Failures"
	if len(b.RedFlags) > 0 {
		section(&w, fmt.Sprintf("Red flags (%d)", len(b.RedFlags)), b.RedFlags, resultItem)
		failures = "Other failures"
	}
	section(&w, fmt.Sprintf("%s (%d)", failures, len(fails)), fails, resultItem)
	if len(warns) > 0 {
		section(&w, fmt.Sprintf("Warnings (%d)", len(warns)), warns, resultItem)
	}
	if len(errs) > 0 {
		// Each detail names what was missing and how to supply it.
		section(&w, fmt.Sprintf("Could not be judged (%d)", len(errs)), errs, resultItem)
		if len(s.Needs) > 0 {
			w.WriteString("\nTo judge them:\n\n")
			for _, n := range s.Needs {
				fmt.Fprintf(&w, "- %s\n", mdText(n))
			}
		}
	}
	if len(expired) > 0 {
		section(&w, fmt.Sprintf("Expired attestations and waivers (%d)", len(expired)), expired, resultItem)
	}
	if bundle.SubmissionApplies(b.Results) {
		submissionSection(&w, b)
	}
	if b.Changes != nil {
		changesSection(&w, b.Changes)
	}
	fmt.Fprintf(&w, "\nEach check ID links to its entry in the [check catalogue](%s): what it checks, when it fails and the remedy. The whole pack is in pack.json and pack.pdf.\n", check.DocURL)
	return w.Bytes(), nil
}

// lapsedText adds what the verdict line of the terminal adds: expired
// attestations and waivers, which no longer count.
func lapsedText(b *bundle.Bundle) string {
	l := b.Lapsed()
	var parts []string
	if l.Attestations > 0 {
		parts = append(parts, fmt.Sprintf("%d expired %s", l.Attestations, english.Plural(l.Attestations, "attestation", "attestations")))
	}
	if l.Waivers > 0 {
		parts = append(parts, fmt.Sprintf("%d expired %s", l.Waivers, english.Plural(l.Waivers, "waiver", "waivers")))
	}
	if len(parts) == 0 {
		return ""
	}
	return " " + strings.Join(parts, ", ") + " no longer count."
}

// worstFirst orders results by severity, then check ID and subject.
func worstFirst(rs []check.Result) {
	slices.SortStableFunc(rs, func(a, b check.Result) int {
		if d := b.Severity.Rank() - a.Severity.Rank(); d != 0 {
			return d
		}
		if c := strings.Compare(a.ID, b.ID); c != 0 {
			return c
		}
		return strings.Compare(a.Subject, b.Subject)
	})
}

// section writes a heading and one list item per result, at most
// mdMaxItems of them.
func section(w *bytes.Buffer, heading string, rs []check.Result, item func(check.Result) string) {
	fmt.Fprintf(w, "\n### %s\n\n", heading)
	if len(rs) == 0 {
		w.WriteString("None.\n")
		return
	}
	for i, r := range rs {
		if i == mdMaxItems {
			fmt.Fprintf(w, "- and %d more: see pack.pdf or `dossier check --all`.\n", len(rs)-mdMaxItems)
			break
		}
		fmt.Fprintf(w, "- %s\n", item(r))
	}
}

// resultItem is one result: the check ID linked to the catalogue, the
// severity, the subject, the detail, and a waiver when one accepts it.
func resultItem(r check.Result) string {
	var sb strings.Builder
	if _, ok := check.Lookup(r.ID); ok {
		fmt.Fprintf(&sb, "[**%s**](%s)", r.ID, check.DocLink(r.ID))
	} else {
		sb.WriteString(mdCode(r.ID))
	}
	if r.Severity != "" {
		fmt.Fprintf(&sb, " %s", r.Severity)
	}
	if r.Status != check.Fail {
		fmt.Fprintf(&sb, " (%s)", r.Status)
	}
	if r.Subject != "app" {
		fmt.Fprintf(&sb, " %s", mdCode(r.Subject))
	}
	if d := strings.TrimSpace(r.Detail); d != "" {
		fmt.Fprintf(&sb, ": %s", mdText(clip(d, mdMaxDetail)))
	}
	if wv := r.Waiver; wv != nil {
		fmt.Fprintf(&sb, " *Waived by %s until %s: %s*", mdText(wv.Owner), mdText(wv.Expires), mdText(clip(wv.Reason, 200)))
	}
	return sb.String()
}

// submissionSection says whether the directory's review would take the
// plugin, then each submission check's status in one line; the details of
// those that do not pass are in the lists above.
func submissionSection(w *bytes.Buffer, b *bundle.Bundle) {
	rs := b.SubmissionResults()
	fmt.Fprintf(w, "\n### Submission readiness\n\n**%s**", mdText(bundle.SubmissionVerdict(rs)))
	if p := b.Package; p != nil {
		fmt.Fprintf(w, " Judged with the plugin package %s (%s layout).", mdCode(p.File), mdText(p.Layout))
	}
	w.WriteString("\n\n")
	for _, r := range rs {
		fmt.Fprintf(w, "- [%s](%s): %s", r.ID, check.DocLink(r.ID), r.Status)
		if r.Subject != "app" {
			fmt.Fprintf(w, " %s", mdCode(r.Subject))
		}
		w.WriteString("\n")
	}
}

// changesSection lists what changed since the pack this one was compared
// with (build --since), as the PDF does.
func changesSection(w *bytes.Buffer, c *bundle.Changes) {
	need := 0
	for _, ch := range c.Changes {
		if ch.Resubmit {
			need++
		}
	}
	w.WriteString("\n### Changes since the last pack\n\n")
	switch {
	case c.Resubmit:
		fmt.Fprintf(w, "**Re-submission needed:** %d of %d %s of the reviewed contract need a new review.", need, len(c.Changes), english.Plural(len(c.Changes), "change", "changes"))
	case len(c.Changes) > 0:
		fmt.Fprintf(w, "No re-submission needed: %d %s, none of which needs a new review.", len(c.Changes), english.Plural(len(c.Changes), "change", "changes"))
	default:
		w.WriteString("No re-submission needed: the reviewed contract is unchanged.")
	}
	fmt.Fprintf(w, " Compared with %s %s of %s.\n\n", mdText(c.Since.App), mdText(c.Since.Version), c.Since.Created.UTC().Format("2006-01-02"))
	for i, ch := range c.Changes {
		if i == mdMaxItems {
			fmt.Fprintf(w, "- and %d more.\n", len(c.Changes)-mdMaxItems)
			break
		}
		badge := "no new review"
		if ch.Resubmit {
			badge = "**needs a new review**"
		}
		fmt.Fprintf(w, "- %s %s: %s (%s)\n", mdCode(ch.Subject), mdText(ch.Kind), mdText(clip(contract.Describe(ch), mdMaxDetail)), badge)
	}
	if len(c.Flipped) > 0 {
		fmt.Fprintf(w, "\nAnswers that changed (%d):\n\n", len(c.Flipped))
		for _, f := range c.Flipped {
			fmt.Fprintf(w, "- %s: %s → %s\n", mdText(f.ID), mdText(orText(f.Old, "new question")), mdText(orText(f.New, "gone")))
		}
	}
}

func orText(s, none string) string {
	if s == "" {
		return none
	}
	return s
}

// clip shortens s to at most n characters, marking the cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// mdText makes untrusted text inert in GitHub-flavoured Markdown and in the
// HTML it becomes: characters that hide text or act on a terminal are
// written as escapes, line breaks become spaces, every ASCII punctuation
// character is backslash-escaped (so no emphasis, link, image, HTML tag,
// entity, table cell or autolink can start: GitHub's autolinks start at
// an unescaped ':', '@' or "www."), and a word GitHub would turn into a
// mention or an issue reference after rendering (@name, #12) is put in a
// code span, where it stays text.
func mdText(s string) string {
	s = manifest.Printable(s, false)
	var sb strings.Builder
	words := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' })
	for i, word := range words {
		if i > 0 {
			sb.WriteByte(' ')
		}
		if referenceLike(word) {
			sb.WriteString(mdCode(word))
			continue
		}
		for _, r := range word {
			if r < 0x80 && isASCIIPunct(byte(r)) {
				sb.WriteByte('\\')
			}
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// referenceLike reports whether GitHub would link a word after rendering:
// an @mention or a #number (also owner/repo#number, GH-number).
func referenceLike(word string) bool {
	for i := 0; i+1 < len(word); i++ {
		c, next := word[i], word[i+1]
		if (c == '@' || c == '#') && (isAlnum(next) || next == '-') {
			return true
		}
	}
	return strings.HasPrefix(strings.ToUpper(word), "GH-")
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isASCIIPunct(c byte) bool {
	return c >= '!' && c <= '/' || c >= ':' && c <= '@' || c >= '[' && c <= '`' || c >= '{' && c <= '~'
}

// mdCode writes untrusted text as a code span: nothing inside is markup.
// The fence is one backtick longer than the longest run inside, padded
// with spaces when the text starts or ends with a backtick.
func mdCode(s string) string {
	s = strings.Join(strings.Fields(manifest.Printable(s, false)), " ")
	if s == "" {
		return "` `"
	}
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}
