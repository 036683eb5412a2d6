package pdf

import (
	"fmt"
	"strings"

	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/check"
)

// submissionResults are the submission.* results, in the pack's order.
func submissionResults(b *bundle.Bundle) []check.Result {
	var rs []check.Result
	for _, r := range b.Results {
		if strings.HasPrefix(r.ID, "submission.") {
			rs = append(rs, r)
		}
	}
	return rs
}

// withSubmission adds the "Submission readiness" section when some
// submission check applies: a plugin package was given, or the manifest
// names what the directory's submission asks for.
func withSubmission(secs []section, b *bundle.Bundle) []section {
	for _, r := range submissionResults(b) {
		if r.Status != check.NA {
			return append(secs, section{"Submission readiness", submissionReadiness})
		}
	}
	return secs
}

// submissionVerdict says in one line whether a review would take the
// plugin as it stands.
func submissionVerdict(rs []check.Result) string {
	n := map[check.Status]int{}
	for _, r := range rs {
		n[r.Status]++
	}
	checks := func(k int) string { return fmt.Sprintf("%d %s", k, plural(k, "check", "checks")) }
	switch {
	case n[check.Fail] > 0:
		return "Not ready to submit: " + checks(n[check.Fail]) + " fail, each a reason the review rejects a plugin."
	case n[check.Error] > 0:
		return "Not known: " + checks(n[check.Error]) + " could not be judged; see each for what is missing."
	case n[check.Warn] > 0:
		return "No rejection found, with " + checks(n[check.Warn]) + " to read before submitting."
	}
	return "Ready to submit: every submission check that applies passes."
}

// submissionReadiness is what OpenAI's plugin review would reject: the
// package, the listing, the endpoint, domain verification, the reviewer
// account and the test cases, with the verdict first.
func submissionReadiness(d *doc, b *bundle.Bundle) int {
	rs := submissionResults(b)
	lead := append(d.title("Submission readiness"),
		d.para(submissionVerdict(rs), style{size: 10, bold: true, color: colBlack}),
		d.para("What the directory's review rejects a plugin for: the package (one MCP server, no credentials, app references or hooks), "+
			"its listing against the manifest, a public HTTPS endpoint, the domain verification token, a reviewer account that signs in "+
			"unattended, and the test cases. Limits that only third parties report, not OpenAI's own pages, are warnings and say so.", body))
	return d.table(lead, resultCols, d.resultRecords(rs), "No submission results.")
}
