package export

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

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
		// Notes says what to complete or fix before the file is uploaded
		// (the same lines build prints on stderr).
		Notes []string `json:"dossier_notes,omitempty"`
		// Draft holds test cases the vendor gave but too few of: the form
		// refuses a file with fewer than five positive or three negative
		// cases, so they wait here, outside test_cases, and the rest of
		// the file still imports.
		Draft *submissionDraft `json:"dossier_draft_test_cases,omitempty"`
	}
	submissionDraft struct {
		TestCases     []submissionTestCase `json:"test_cases,omitempty"`
		NegativeCases []submissionTestCase `json:"negative_test_cases,omitempty"`
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
		// Source says where the app info and these facts come from: the
		// plugin package when one was judged, else the manifest.
		Source        string `json:"source"`
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
	// refused for the same reason; the notes say which hint is missing.
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

// The form's counts and limits (the published import schema: at least five
// positive and three negative test cases, a subtitle of at most 30
// characters; the categories its authoring guide lists).
const (
	minTestCases     = 5
	minNegativeCases = 3
	maxSubtitle      = 30
)

func submissionCategories() []string {
	return []string{"BUSINESS", "COLLABORATION", "DESIGN", "DEVELOPER_TOOLS", "EDUCATION", "ENTERTAINMENT",
		"FINANCE", "FOOD", "LIFESTYLE", "NEWS", "PRODUCTIVITY", "SHOPPING", "TRAVEL"}
}

// OpenAISubmission drafts the ChatGPT app submission import file: the app
// info from the manifest and, for every live tool, the three hints as the
// server advertises them, each with a one-sentence justification in plain
// words about what the tool does (from the manifest's declaration), for a
// reviewer who has not seen the pack. The subtitle, category and test
// cases come from the manifest's submission section. What must be
// completed or fixed before upload (too few test cases, a missing hint, a
// label dossier found wrong) is listed in dossier_notes, and by
// SubmissionNotes for the terminal.
func OpenAISubmission(b *bundle.Bundle) ([]byte, error) {
	if b == nil {
		return nil, fmt.Errorf("rendering the submission file: no bundle")
	}
	l := listingOf(b)
	s := submission{
		Schema:        SubmissionSchema,
		SchemaVersion: 1,
		AppInfo:       submissionAppInfo{DisplayName: l.name, Subtitle: l.subtitle, Description: l.description, Category: l.category},
		Tools:         map[string]submissionTool{},
		Listing: submissionListing{
			Source:        l.source,
			Vendor:        l.vendor,
			Version:       l.version,
			PrivacyPolicy: l.privacy,
			Terms:         l.terms,
			Support:       l.support,
			MCPServerURL:  b.Observation.Server.URL,
			PackCreated:   b.Created.UTC().Format("2006-01-02T15:04:05Z"),
		},
		Notes: SubmissionNotes(b),
	}
	if sub := manifestSubmission(b); sub != nil {
		pos, neg := testCases(sub.TestCases), testCases(sub.NegativeTestCases)
		if len(pos) >= minTestCases && len(neg) >= minNegativeCases {
			s.TestCases, s.NegativeCases = pos, neg
		} else if len(pos)+len(neg) > 0 {
			s.Draft = &submissionDraft{TestCases: pos, NegativeCases: neg}
		}
	}
	for _, row := range b.Tools {
		if row.Live == nil {
			continue // gone from the server: nothing to submit
		}
		j := justifier{app: b.App.Name, declared: row.Declared, description: toolDescription(row)}
		s.Tools[row.Name] = submissionTool{
			Annotations: submissionHints{ReadOnly: row.Live.Hints.ReadOnly, OpenWorld: row.Live.Hints.OpenWorld, Destructive: row.Live.Hints.Destructive},
			Justifications: submissionJustifications{
				ReadOnly:    j.readOnly(),
				OpenWorld:   j.openWorld(),
				Destructive: j.destructive(),
			},
		}
	}
	data, err := indentJSON(s)
	if err != nil {
		return nil, fmt.Errorf("encoding openai-submission.json: %w", err)
	}
	return data, nil
}

// SubmissionNotes lists what must be completed or fixed before
// openai-submission.json is uploaded: missing or too few test cases, a test
// case naming a tool the server does not list, a subtitle or category the
// form refuses, hints the server does not set, and hint labels dossier
// found wrong. Empty when the file is ready.
func SubmissionNotes(b *bundle.Bundle) []string {
	var notes []string
	live := map[string]bool{}
	for _, row := range b.Tools {
		if row.Live != nil {
			live[row.Name] = true
		}
	}
	sub := manifestSubmission(b)
	if sub == nil {
		sub = &manifest.Submission{}
	}
	pos, neg := len(sub.TestCases), len(sub.NegativeTestCases)
	switch {
	case pos == 0 && neg == 0:
		notes = append(notes, fmt.Sprintf("No test cases: the form wants %d positive and %d negative ones; add them under submission.testCases and submission.negativeTestCases in the manifest.", minTestCases, minNegativeCases))
	case pos < minTestCases || neg < minNegativeCases:
		var missing []string
		if pos < minTestCases {
			missing = append(missing, fmt.Sprintf("%d more positive (%d of %d, submission.testCases)", minTestCases-pos, pos, minTestCases))
		}
		if neg < minNegativeCases {
			missing = append(missing, fmt.Sprintf("%d more negative (%d of %d, submission.negativeTestCases)", minNegativeCases-neg, neg, minNegativeCases))
		}
		notes = append(notes, "Too few test cases: add "+strings.Join(missing, " and ")+
			"; until then the ones given are under dossier_draft_test_cases, not test_cases, so the rest of the file still imports.")
	}
	for i, tc := range sub.TestCases {
		if tc.Tool != "" && !live[tc.Tool] {
			notes = append(notes, fmt.Sprintf("Positive test case %d expects the tool %q, which the server does not list.", i+1, tc.Tool))
		}
		if tc.Tool == "" {
			notes = append(notes, fmt.Sprintf("Positive test case %d names no tool it should trigger (tool:).", i+1))
		}
	}
	l := listingOf(b)
	switch n := utf8.RuneCountInString(l.subtitle); {
	case n == 0:
		notes = append(notes, "No subtitle: set "+l.subtitleField+" (at most 30 characters).")
	case n > maxSubtitle:
		notes = append(notes, fmt.Sprintf("The subtitle has %d characters; the form takes at most %d.", n, maxSubtitle))
	}
	switch {
	case l.category == "":
		notes = append(notes, "No category: set "+l.categoryField+" to one of "+strings.Join(submissionCategories(), ", ")+".")
	case !slices.Contains(submissionCategories(), l.category):
		notes = append(notes, fmt.Sprintf("Category %q is not one the form offers (%s); change %s.", l.category, strings.Join(submissionCategories(), ", "), l.categoryField))
	}
	for _, row := range b.Tools {
		if row.Live == nil {
			continue
		}
		h := row.Live.Hints
		var unset []string
		for _, x := range []struct {
			name string
			v    *bool
		}{{"readOnlyHint", h.ReadOnly}, {"openWorldHint", h.OpenWorld}, {"destructiveHint", h.Destructive}} {
			if x.v == nil {
				unset = append(unset, x.name)
			}
		}
		if len(unset) > 0 {
			notes = append(notes, fmt.Sprintf("%s: the server does not set %s; the form refuses a tool without all three hints.", row.Name, strings.Join(unset, ", ")))
		}
		if row.Declared == nil {
			notes = append(notes, fmt.Sprintf("%s: the manifest does not declare this tool, so its justifications say only what the server advertises; declare it and say what it does.", row.Name))
		}
	}
	for _, r := range b.Results {
		switch r.ID {
		case "tool.write-labeled", "tool.destructive-labeled", "tool.egress-labeled":
		default:
			continue
		}
		if r.Status == check.Fail || r.Status == check.Warn {
			_, name := subjectParts(r.Subject)
			notes = append(notes, fmt.Sprintf("%s: %s %s: %s Fix the server's hint (or the declaration) before submitting: the form takes the hints the server advertises.", name, r.ID, r.Status, strings.TrimSpace(r.Detail)))
		}
	}
	return notes
}

// listing is the app's listing as it will be submitted, and where each
// fact would be fixed.
type listing struct {
	source                                                 string
	name, vendor, version, subtitle, description, category string
	privacy, terms, support                                string
	subtitleField, categoryField                           string
}

// listingOf takes the listing from the plugin package when one was judged
// (the package is what is uploaded; submission.listing reports where it
// and the manifest disagree), the manifest filling what the package leaves
// out.
func listingOf(b *bundle.Bundle) listing {
	l := listing{source: "manifest", name: b.App.Name, vendor: b.App.Vendor, version: b.App.Version, description: b.App.Description,
		privacy: b.App.PrivacyPolicy, terms: b.App.Terms, support: b.App.Support,
		subtitleField: "submission.subtitle in the manifest", categoryField: "submission.category in the manifest"}
	if sub := manifestSubmission(b); sub != nil {
		l.subtitle, l.category = sub.Subtitle, sub.Category
	}
	p := b.Package
	if p == nil {
		return l
	}
	l.source = "plugin package " + p.File
	if p.Subtitle != "" {
		l.subtitleField = "interface.shortDescription in the plugin package"
	}
	if p.Category != "" {
		l.categoryField = "interface.category in the plugin package"
	}
	l.name, l.vendor, l.version = cmp.Or(p.Name, l.name), cmp.Or(p.Vendor, l.vendor), cmp.Or(p.Version, l.version)
	l.subtitle, l.description, l.category = cmp.Or(p.Subtitle, l.subtitle), cmp.Or(p.Description, l.description), cmp.Or(p.Category, l.category)
	l.privacy, l.terms, l.support = cmp.Or(p.PrivacyPolicy, l.privacy), cmp.Or(p.Terms, l.terms), cmp.Or(p.Support, l.support)
	return l
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

// toolDescription is what the tool does in the vendor's words: the
// declared description, else the one the server lists, as one sentence of
// printable text.
func toolDescription(row bundle.ToolRow) string {
	d := ""
	if row.Declared != nil {
		d = row.Declared.Description
	}
	if strings.TrimSpace(d) == "" && row.Live != nil {
		d = row.Live.Description
	}
	d = strings.Join(strings.Fields(manifest.Printable(d, false)), " ")
	d = strings.TrimRight(d, ".;: ")
	return clip(d, 300)
}

// justifier drafts the justifications of one tool from what the vendor
// declared it does. Each is one sentence about the tool's behaviour, in
// words a reviewer who has not seen the pack understands; where the
// server's hint disagrees, SubmissionNotes says so, not the justification.
type justifier struct {
	app         string
	declared    *manifest.Tool
	description string // "" when none is known
}

// what is the tool's description in parentheses, or nothing when none is
// known.
func (j justifier) what() string {
	if j.description == "" {
		return ""
	}
	return " (" + j.description + ")"
}

func (j justifier) readOnly() string {
	d := j.declared
	switch {
	case d == nil:
		return "The vendor has not yet described what this tool does; the value is the one the server advertises."
	case d.Egress:
		return fmt.Sprintf("Sends data from %s to a system outside it%s, so it is not read-only.", j.app, j.what())
	case d.Kind == manifest.KindDestructive:
		return fmt.Sprintf("Changes data in %s in a way that cannot be undone%s, so it is not read-only.", j.app, j.what())
	case d.Kind == manifest.KindWrite:
		return fmt.Sprintf("Creates or changes data in %s%s, so it is not read-only.", j.app, j.what())
	}
	return fmt.Sprintf("Only looks up and returns data from %s%s; it creates, changes, deletes and sends nothing.", j.app, j.what())
}

func (j justifier) openWorld() string {
	switch {
	case j.declared == nil:
		return "The vendor has not yet said whether this tool reaches systems outside the app; the value is the one the server advertises."
	case j.declared.Egress:
		return fmt.Sprintf("Sends data outside %s, to a third party or a public destination%s.", j.app, j.what())
	}
	return fmt.Sprintf("Works only on the signed-in user's own data inside %s; it posts, publishes and sends nothing to third parties.", j.app)
}

func (j justifier) destructive() string {
	d := j.declared
	switch {
	case d == nil:
		return "The vendor has not yet said whether this tool can delete, overwrite or send something irreversibly; the value is the one the server advertises."
	case d.Kind == manifest.KindDestructive:
		return fmt.Sprintf("Performs an action in %s that cannot be taken back%s.", j.app, j.what())
	case d.Egress:
		return fmt.Sprintf("Sends data out but deletes, overwrites, cancels and revokes nothing in %s.", j.app)
	case d.Kind == manifest.KindWrite:
		return "Only adds or updates data; it deletes, overwrites, cancels and revokes nothing."
	}
	return "Reads only, so it deletes, overwrites and revokes nothing."
}
