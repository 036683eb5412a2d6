package bundle

import (
	"strconv"
	"strings"

	"github.com/dossier-dev/dossier/pack/check"
)

// Package is the listing of the plugin package judged beside the manifest
// (--plugin): what the directory will show, since the package, not the
// manifest, is what a vendor submits. The submission file is filled from
// it; where it and the manifest disagree, submission.listing says so.
type Package struct {
	File          string `json:"file"`   // the package's base name, such as orderly.zip, or orderly/ for a directory
	Layout        string `json:"layout"` // codex or agent-plugins
	Name          string `json:"name"`
	Vendor        string `json:"vendor,omitempty"`
	Version       string `json:"version,omitempty"`
	Subtitle      string `json:"subtitle,omitempty"`
	Description   string `json:"description,omitempty"`
	Category      string `json:"category,omitempty"`
	PrivacyPolicy string `json:"privacyPolicy,omitempty"`
	Terms         string `json:"terms,omitempty"`
	Support       string `json:"support,omitempty"`
}

// SubmissionResults are the submission.* results, in the pack's order.
func (b *Bundle) SubmissionResults() []check.Result {
	var rs []check.Result
	for _, r := range b.Results {
		if strings.HasPrefix(r.ID, "submission.") {
			rs = append(rs, r)
		}
	}
	return rs
}

// SubmissionApplies says whether some submission check was judged or
// could not be: a plugin package was given, or the manifest names what the
// directory's submission asks for. Outputs show a submission section only
// then.
func SubmissionApplies(rs []check.Result) bool {
	for _, r := range rs {
		if strings.HasPrefix(r.ID, "submission.") && r.Status != check.NA {
			return true
		}
	}
	return false
}

// SubmissionVerdict says in one line whether the directory's review would
// take the plugin as it stands, from the submission results.
func SubmissionVerdict(rs []check.Result) string {
	n := map[check.Status]int{}
	for _, r := range rs {
		n[r.Status]++
	}
	checks := func(k int) string {
		if k == 1 {
			return "1 check"
		}
		return strconv.Itoa(k) + " checks"
	}
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
