package pdf

import (
	"github.com/dossier-dev/dossier/pack/bundle"
)

// withSubmission adds the "Submission readiness" section when some
// submission check applies.
func withSubmission(secs []section, b *bundle.Bundle) []section {
	if bundle.SubmissionApplies(b.Results) {
		return append(secs, section{"Submission readiness", submissionReadiness})
	}
	return secs
}

// submissionReadiness is what OpenAI's plugin review would reject: the
// package, the listing, the endpoint, domain verification, the reviewer
// account and the test cases, with the verdict first.
func submissionReadiness(d *doc, b *bundle.Bundle) int {
	rs := b.SubmissionResults()
	lead := append(d.title("Submission readiness"),
		d.para(bundle.SubmissionVerdict(rs), style{size: 10, bold: true, color: colBlack}),
		d.para("What the directory's review rejects a plugin for: the package (one MCP server, no credentials, app references or hooks), "+
			"its listing against the manifest, a public HTTPS endpoint, the domain verification token, a reviewer account that signs in "+
			"unattended, and the test cases. Limits that only third parties report, not OpenAI's own pages, are warnings and say so.", body))
	return d.table(lead, resultCols, d.resultRecords(rs), "No submission results.")
}
