package export

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/manifest"
)

// SubmissionSchema is the import file shape the ChatGPT app submission form
// reads (schema_version 1).
const SubmissionSchema = "https://developers.openai.com/apps-sdk/schemas/chatgpt-app-submission.v1.json"

type (
	submission struct {
		Schema        string                    `json:"$schema"`
		SchemaVersion int                       `json:"schema_version"`
		AppInfo       submissionAppInfo         `json:"app_info"`
		Tools         map[string]submissionTool `json:"tools"`
		TestCases     []submissionTestCase      `json:"test_cases,omitempty"`
		NegativeCases []submissionTestCase      `json:"negative_test_cases,omitempty"`
		// Listing carries what the form asks for elsewhere (URLs, vendor);
		// the import format allows extra top-level members.
		Listing submissionListing `json:"dossier_listing"`
	}
	submissionAppInfo struct {
		DisplayName string `json:"display_name"`
		Subtitle    string `json:"subtitle,omitempty"`
		Description string `json:"description"`
		Category    string `json:"category,omitempty"`
	}
	// submissionTestCase is one review scenario; the form wants the null
	// members present.
	submissionTestCase struct {
		Description        string   `json:"description"`
		UserPrompt         string   `json:"user_prompt"`
		FileAttachmentURLs []string `json:"file_attachment_urls"`
		ToolsTriggered     *string  `json:"tools_triggered"`
		ExpectedOutput     string   `json:"expected_output"`
		ExpectedOutputURL  *string  `json:"expected_output_url"`
	}
	submissionListing struct {
		Vendor        string `json:"vendor"`
		Version       string `json:"version"`
		PrivacyPolicy string `json:"privacy_policy_url,omitempty"`
		Terms         string `json:"terms_of_service_url,omitempty"`
		Support       string `json:"support_contact,omitempty"`
		MCPServerURL  string `json:"mcp_server_url"`
		PackCreated   string `json:"pack_created"`
	}
	submissionTool struct {
		Annotations    submissionHints          `json:"annotations"`
		Justifications submissionJustifications `json:"justifications"`
	}
	// A nil hint (absent on the live server) is written as null: the form
	// then refuses the file, which is right, since the submission would be
	// refused for the same reason.
	submissionHints struct {
		ReadOnly    *bool `json:"readOnlyHint"`
		OpenWorld   *bool `json:"openWorldHint"`
		Destructive *bool `json:"destructiveHint"`
	}
	submissionJustifications struct {
		ReadOnly    string `json:"read_only_justification"`
		OpenWorld   string `json:"open_world_justification"`
		Destructive string `json:"destructive_justification"`
	}
)

// OpenAISubmission drafts the ChatGPT app submission import file: the app
// info from the manifest and, for every live tool, the three hints as the
// server advertises them with a one-sentence justification built from the
// declaration, the live tools/list evidence and dossier's own judgement of
// the labels. The subtitle, category and test cases come from the
// manifest's submission section; without it they are left out and the
// vendor fills them in the form (which wants five positive and three
// negative cases).
func OpenAISubmission(b *bundle.Bundle) ([]byte, error) {
	if b == nil {
		return nil, fmt.Errorf("rendering the submission file: no bundle")
	}
	s := submission{
		Schema:        SubmissionSchema,
		SchemaVersion: 1,
		AppInfo:       submissionAppInfo{DisplayName: b.App.Name, Description: b.App.Description},
		Tools:         map[string]submissionTool{},
		Listing: submissionListing{
			Vendor:        b.App.Vendor,
			Version:       b.App.Version,
			PrivacyPolicy: b.App.PrivacyPolicy,
			Terms:         b.App.Terms,
			Support:       b.App.Support,
			MCPServerURL:  b.Observation.Server.URL,
			PackCreated:   b.Created.UTC().Format("2006-01-02T15:04:05Z"),
		},
	}
	if sub := manifestSubmission(b); sub != nil {
		s.AppInfo.Subtitle, s.AppInfo.Category = sub.Subtitle, sub.Category
		s.TestCases = testCases(sub.TestCases)
		s.NegativeCases = testCases(sub.NegativeTestCases)
	}
	results := map[string]check.Result{}
	for _, r := range b.Results {
		results[r.ID+"|"+r.Subject] = r
	}
	for _, row := range b.Tools {
		if row.Live == nil {
			continue // gone from the server: nothing to submit
		}
		j := justifier{declared: row.Declared, results: results, subject: "tool:" + row.Name}
		s.Tools[row.Name] = submissionTool{
			Annotations: submissionHints{ReadOnly: row.Live.Hints.ReadOnly, OpenWorld: row.Live.Hints.OpenWorld, Destructive: row.Live.Hints.Destructive},
			Justifications: submissionJustifications{
				ReadOnly:    j.justify("readOnlyHint", row.Live.Hints.ReadOnly, j.readOnlyBasis(), "tool.write-labeled"),
				OpenWorld:   j.justify("openWorldHint", row.Live.Hints.OpenWorld, j.openWorldBasis(), "tool.egress-labeled"),
				Destructive: j.justify("destructiveHint", row.Live.Hints.Destructive, j.destructiveBasis(), "tool.destructive-labeled"),
			},
		}
	}
	data, err := indentJSON(s)
	if err != nil {
		return nil, fmt.Errorf("encoding openai-submission.json: %w", err)
	}
	return data, nil
}

func manifestSubmission(b *bundle.Bundle) *manifest.Submission {
	if b.Manifest == nil {
		return nil
	}
	return b.Manifest.Submission
}

func testCases(tcs []manifest.TestCase) []submissionTestCase {
	var out []submissionTestCase
	for _, tc := range tcs {
		c := submissionTestCase{Description: tc.Description, UserPrompt: tc.Prompt, ExpectedOutput: tc.Expected}
		if tc.Tool != "" {
			tool := tc.Tool
			c.ToolsTriggered = &tool
		}
		out = append(out, c)
	}
	return out
}

// justifier drafts the justifications of one tool.
type justifier struct {
	declared *manifest.Tool
	results  map[string]check.Result
	subject  string
}

// justify writes "HINT VALUE: BASIS; the live tools/list entry EVIDENCE
// advertises HINT VALUE." and adds dossier's finding when the check that
// judges this hint did not pass.
func (j justifier) justify(hint string, v *bool, basis, checkID string) string {
	where := "the live tools/list entry"
	if ev := j.evidence(checkID); len(ev) > 0 {
		where += " " + strings.Join(ev, ", ")
	}
	var s string
	if v == nil {
		s = fmt.Sprintf("%s missing: %s; %s does not state %s as a boolean, which blocks the submission until the server sets it.", hint, basis, where, hint)
	} else {
		s = fmt.Sprintf("%s %t: %s; %s advertises %s %t.", hint, *v, basis, where, hint, *v)
	}
	if r, ok := j.results[checkID+"|"+j.subject]; ok && (r.Status == check.Fail || r.Status == check.Warn) {
		s += fmt.Sprintf(" Review before submitting: %s %s: %s", checkID, r.Status, r.Detail)
	}
	return s
}

// evidence is what shows the live hints: the evidence of the results of
// tool.annotations-explicit and of the check judging this hint.
func (j justifier) evidence(checkID string) []string {
	var ids []string
	for _, id := range []string{"tool.annotations-explicit", checkID} {
		ids = append(ids, evidenceIDs(j.results[id+"|"+j.subject].Evidence)...)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

func (j justifier) readOnlyBasis() string {
	d := j.declared
	if d == nil {
		return "not declared in the manifest"
	}
	basis := "declared " + d.Kind
	if d.Egress {
		basis += ", sending data outside the app"
	}
	if desc := strings.TrimSpace(d.Description); desc != "" {
		basis += fmt.Sprintf(" (%q)", desc)
	}
	return basis
}

func (j justifier) openWorldBasis() string {
	switch {
	case j.declared == nil:
		return "not declared in the manifest"
	case j.declared.Egress:
		return "declared to send data outside the app's boundary"
	}
	return "declared to act only inside the app's own systems"
}

func (j justifier) destructiveBasis() string {
	switch {
	case j.declared == nil:
		return "not declared in the manifest"
	case j.declared.Kind == manifest.KindDestructive:
		return "declared destructive (deletes, cancels, revokes, overwrites or sends irreversibly)"
	}
	return "declared " + j.declared.Kind + ", not destructive"
}
