package export

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/manifest"
)

// evidenceID matches the pack-internal evidence IDs (H0007, S0002...),
// which mean nothing to a reviewer outside the pack.
var evidenceID = regexp.MustCompile(`\b[A-Z][0-9]{4}\b`)

type submissionDoc struct {
	Schema        string            `json:"$schema"`
	SchemaVersion int               `json:"schema_version"`
	AppInfo       map[string]string `json:"app_info"`
	Tools         map[string]struct {
		Annotations    map[string]*bool  `json:"annotations"`
		Justifications map[string]string `json:"justifications"`
	} `json:"tools"`
	TestCases []map[string]json.RawMessage `json:"test_cases"`
	Negative  []map[string]json.RawMessage `json:"negative_test_cases"`
	Draft     *struct {
		TestCases []map[string]json.RawMessage `json:"test_cases"`
		Negative  []map[string]json.RawMessage `json:"negative_test_cases"`
	} `json:"dossier_draft_test_cases"`
	Notes   []string          `json:"dossier_notes"`
	Listing map[string]string `json:"dossier_listing"`
}

func decodeSubmission(t *testing.T, data []byte) submissionDoc {
	t.Helper()
	var doc submissionDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestOpenAISubmission: every live tool gets its three hints as the server
// advertises them and a justification a reviewer outside the pack
// understands: about what the tool does, without evidence IDs or hint
// names; what must be fixed first is in the notes.
func TestOpenAISubmission(t *testing.T) {
	b := fixture()
	data, err := OpenAISubmission(b)
	if err != nil {
		t.Fatal(err)
	}
	doc := decodeSubmission(t, data)
	if doc.Schema != SubmissionSchema || doc.SchemaVersion != 1 {
		t.Errorf("$schema %q, schema_version %d", doc.Schema, doc.SchemaVersion)
	}
	if doc.TestCases != nil || doc.Draft != nil {
		t.Error("test cases written although the manifest lists none")
	}
	if doc.Listing["privacy_policy_url"] != b.App.PrivacyPolicy || doc.Listing["vendor"] != b.App.Vendor || doc.Listing["support_contact"] != b.App.Support {
		t.Errorf("listing %v", doc.Listing)
	}
	var names []string
	for n := range doc.Tools {
		names = append(names, n)
	}
	slices.Sort(names)
	if want := []string{"cancel_order", "debug_eval", "get_order", "send_email"}; !slices.Equal(names, want) {
		t.Fatalf("tools %v, want the live ones %v", names, want)
	}
	for _, n := range names {
		tool := doc.Tools[n]
		for _, k := range []string{"readOnlyHint", "openWorldHint", "destructiveHint"} {
			if _, ok := tool.Annotations[k]; !ok {
				t.Errorf("%s: %s is not written", n, k)
			}
		}
		for _, k := range []string{"read_only_justification", "open_world_justification", "destructive_justification"} {
			j := tool.Justifications[k]
			switch {
			case strings.TrimSpace(j) == "" || !strings.HasSuffix(j, "."):
				t.Errorf("%s %s: %q is not a sentence", n, k, j)
			case evidenceID.MatchString(j):
				t.Errorf("%s %s cites pack evidence: %q", n, k, j)
			case strings.Contains(j, "Hint") || strings.Contains(j, "tools/list") || strings.Contains(j, "tool."):
				t.Errorf("%s %s speaks of hints or checks, not of what the tool does: %q", n, k, j)
			}
		}
	}
	for _, tc := range []struct{ tool, key, want string }{
		{"get_order", "read_only_justification", "Only looks up and returns data from Orderly (Reads one order); it creates, changes, deletes and sends nothing."},
		{"get_order", "destructive_justification", "Reads only, so it deletes, overwrites and revokes nothing."},
		{"cancel_order", "read_only_justification", "Changes data in Orderly in a way that cannot be undone (Cancels an order; cannot be undone), so it is not read-only."},
		{"cancel_order", "destructive_justification", "Performs an action in Orderly that cannot be taken back (Cancels an order; cannot be undone)."},
		{"cancel_order", "open_world_justification", "Works only on the signed-in user's own data inside Orderly; it posts, publishes and sends nothing to third parties."},
		{"send_email", "open_world_justification", "Sends data outside Orderly, to a third party or a public destination (Emails the order to the customer)."},
		{"debug_eval", "read_only_justification", "The vendor has not yet described what this tool does; the value is the one the server advertises."},
	} {
		if got := doc.Tools[tc.tool].Justifications[tc.key]; got != tc.want {
			t.Errorf("%s %s:\n got %q\nwant %q", tc.tool, tc.key, got, tc.want)
		}
	}
	if doc.Tools["send_email"].Annotations["openWorldHint"] != nil {
		t.Error("an absent hint must be written as null")
	}
	notes := strings.Join(doc.Notes, "\n")
	for _, want := range []string{
		"No test cases: the form wants 5 positive and 3 negative ones",
		"send_email: the server does not set openWorldHint; the form refuses a tool without all three hints.",
		"cancel_order: tool.destructive-labeled fail: Declared destructive but destructiveHint is false. Fix the server's hint",
		"debug_eval: the manifest does not declare this tool",
		"No subtitle", "No category",
	} {
		if !strings.Contains(notes, want) {
			t.Errorf("the notes lack %q:\n%s", want, notes)
		}
	}
	if !slices.Equal(doc.Notes, SubmissionNotes(b)) {
		t.Error("the file's notes and SubmissionNotes differ")
	}
}

// TestOpenAISubmissionShape validates openai-submission.json against the
// submission import schema (testdata/README.md says what of it is the
// published text): a complete draft passes; one with too few test cases
// is still written, passes (the cases wait outside test_cases) and says
// what is missing; a missing hint or a long subtitle fails, as the form
// would, and the notes say why.
func TestOpenAISubmissionShape(t *testing.T) {
	schema := submissionSchema(t)
	cases := func(n int, tool string) []manifest.TestCase {
		var out []manifest.TestCase
		for i := range n {
			out = append(out, manifest.TestCase{Description: fmt.Sprintf("Case %d", i+1), Prompt: "Show my order ORD-1", Tool: tool, Expected: "The order is shown."})
		}
		return out
	}
	complete := func() *bundle.Bundle {
		b := fixture()
		// Only tools with all three hints, and no label failures.
		b.Tools = slices.DeleteFunc(b.Tools, func(r bundle.ToolRow) bool { return r.Name == "send_email" || r.Name == "debug_eval" })
		b.Results = slices.DeleteFunc(b.Results, func(r check.Result) bool { return strings.HasSuffix(r.ID, "-labeled") })
		m := *b.Manifest
		m.Submission = &manifest.Submission{Subtitle: "Orders at hand", Category: "SHOPPING", TestCases: cases(5, "get_order"), NegativeTestCases: cases(3, "")}
		b.Manifest = &m
		return b
	}
	for _, tc := range []struct {
		name   string
		change func(b *bundle.Bundle)
		valid  bool
		notes  []string
		draft  bool
	}{
		{name: "five and three", change: func(*bundle.Bundle) {}, valid: true},
		{name: "two and one", change: func(b *bundle.Bundle) {
			b.Manifest.Submission.TestCases, b.Manifest.Submission.NegativeTestCases = cases(2, "get_order"), cases(1, "")
		}, valid: true, draft: true, notes: []string{"Too few test cases: add 3 more positive (2 of 5, submission.testCases) and 2 more negative (1 of 3, submission.negativeTestCases)"}},
		{name: "no negative", change: func(b *bundle.Bundle) { b.Manifest.Submission.NegativeTestCases = nil },
			valid: true, draft: true, notes: []string{"add 3 more negative (0 of 3"}},
		{name: "a case for a tool that is gone", change: func(b *bundle.Bundle) { b.Manifest.Submission.TestCases[4].Tool = "gone_tool" },
			valid: true, notes: []string{`Positive test case 5 expects the tool "gone_tool", which the server does not list.`}},
		{name: "a missing hint", change: func(b *bundle.Bundle) {
			b.Tools[0].Live.Hints.Destructive = nil
		}, notes: []string{"cancel_order: the server does not set destructiveHint"}},
		{name: "a long subtitle", change: func(b *bundle.Bundle) { b.Manifest.Submission.Subtitle = "Your Orderly orders, right here in chat" },
			notes: []string{"The subtitle has 39 characters; the form takes at most 30."}},
		{name: "an unknown category", change: func(b *bundle.Bundle) { b.Manifest.Submission.Category = "RETAIL" },
			notes: []string{`Category "RETAIL" is not one the form offers`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := complete()
			sub := *b.Manifest.Submission
			b.Manifest.Submission = &sub
			tools := slices.Clone(b.Tools)
			for i := range tools {
				if tools[i].Live != nil {
					lv := *tools[i].Live
					tools[i].Live = &lv
				}
			}
			b.Tools = tools
			tc.change(b)
			data, err := OpenAISubmission(b)
			if err != nil {
				t.Fatal(err)
			}
			var v any
			if err := json.Unmarshal(data, &v); err != nil {
				t.Fatal(err)
			}
			err = schema.Validate(v)
			if tc.valid && err != nil {
				t.Errorf("not a valid submission file: %v\n%s", err, data)
			}
			if !tc.valid && err == nil {
				t.Errorf("the schema accepted it")
			}
			doc := decodeSubmission(t, data)
			notes := strings.Join(doc.Notes, "\n")
			if len(tc.notes) == 0 && len(doc.Notes) > 0 {
				t.Errorf("notes for a complete file: %v", doc.Notes)
			}
			for _, want := range tc.notes {
				if !strings.Contains(notes, want) {
					t.Errorf("the notes lack %q:\n%s", want, notes)
				}
			}
			if tc.draft != (doc.Draft != nil) || (tc.draft && doc.TestCases != nil) {
				t.Errorf("draft %v, test_cases %d: too few cases belong under dossier_draft_test_cases", doc.Draft != nil, len(doc.TestCases))
			}
			if !tc.draft && len(doc.TestCases) != len(b.Manifest.Submission.TestCases) {
				t.Errorf("%d test cases written for %d", len(doc.TestCases), len(b.Manifest.Submission.TestCases))
			}
		})
	}
	// The plugin package is what is uploaded: its listing fills app_info,
	// the manifest only what the package leaves out, and a fix is asked
	// for where it is made, in the package.
	t.Run("from the plugin package", func(t *testing.T) {
		b := complete()
		b.Package = &bundle.Package{File: "orderly.zip", Layout: "codex", Name: "Orderly Plugin", Subtitle: "Orders in chat",
			Category: "RETAIL", PrivacyPolicy: "https://orderly.example/privacy-v2"}
		data, err := OpenAISubmission(b)
		if err != nil {
			t.Fatal(err)
		}
		var v struct {
			AppInfo map[string]string `json:"app_info"`
			Listing map[string]string `json:"dossier_listing"`
			Notes   []string          `json:"dossier_notes"`
		}
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"display_name": "Orderly Plugin", "subtitle": "Orders in chat", "category": "RETAIL", "description": b.App.Description}
		for k, w := range want {
			if v.AppInfo[k] != w {
				t.Errorf("app_info.%s = %q, want %q", k, v.AppInfo[k], w)
			}
		}
		if v.Listing["source"] != "plugin package orderly.zip" || v.Listing["privacy_policy_url"] != "https://orderly.example/privacy-v2" || v.Listing["vendor"] != b.App.Vendor {
			t.Errorf("dossier_listing: %v", v.Listing)
		}
		if notes := strings.Join(v.Notes, "\n"); !strings.Contains(notes, "change interface.category in the plugin package") {
			t.Errorf("the category note does not point at the package:\n%s", notes)
		}
	})
	t.Run("the schema has teeth", func(t *testing.T) {
		data, _ := OpenAISubmission(complete())
		var v map[string]any
		_ = json.Unmarshal(data, &v)
		v["test_cases"] = v["test_cases"].([]any)[:2]
		if schema.Validate(v) == nil {
			t.Error("two positive test cases were accepted")
		}
	})
}

// TestOpenAISubmissionTestCases: the manifest's cases become the form's,
// with the members the form wants present even when null.
func TestOpenAISubmissionTestCases(t *testing.T) {
	b := fixture()
	m := *b.Manifest
	pos := []manifest.TestCase{{Description: "List orders", Prompt: "Show my orders", Tool: "get_order", Expected: "A list"}}
	for len(pos) < 5 {
		pos = append(pos, pos[0])
	}
	neg := []manifest.TestCase{{Description: "Weather", Prompt: "Will it rain?", Expected: "Not invoked"}}
	m.Submission = &manifest.Submission{Subtitle: "Orders at hand", Category: "SHOPPING", TestCases: pos, NegativeTestCases: append(neg, neg[0], neg[0])}
	b.Manifest = &m
	data, err := OpenAISubmission(b)
	if err != nil {
		t.Fatal(err)
	}
	doc := decodeSubmission(t, data)
	if doc.AppInfo["subtitle"] != "Orders at hand" || doc.AppInfo["category"] != "SHOPPING" {
		t.Errorf("app_info %v", doc.AppInfo)
	}
	if len(doc.TestCases) != 5 || string(doc.TestCases[0]["tools_triggered"]) != `"get_order"` || string(doc.TestCases[0]["user_prompt"]) != `"Show my orders"` {
		t.Errorf("test_cases %s", data)
	}
	if len(doc.Negative) != 3 || string(doc.Negative[0]["tools_triggered"]) != "null" || string(doc.Negative[0]["file_attachment_urls"]) != "null" {
		t.Errorf("negative_test_cases %s", data)
	}
}

func submissionSchema(t *testing.T) *jsonschema.Resolved {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "chatgpt-app-submission.v1.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s jsonschema.Schema
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	rs, err := s.Resolve(nil)
	if err != nil {
		t.Fatalf("resolving the submission schema: %v", err)
	}
	return rs
}
