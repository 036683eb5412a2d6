package manifest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dossier-dev/dossier/pack/live"
	"github.com/dossier-dev/dossier/pack/packtest"
)

func TestIsPlaceholder(t *testing.T) {
	for _, tt := range []struct {
		name, value string
		want        bool
	}{
		{"draft", "TODO", true},
		{"lower case with colon", "todo:", true},
		{"tbd", "TBD", true},
		{"fixme with punctuation", "FIXME!", true},
		{"todo and a note", "TODO: say why", true},
		{"spaces around", "  xxx ", true},
		{"a purpose", "the order to look up", false},
		{"a purpose naming todo", "the todo list to add the item to", false},
		{"tbd inside", "the TBD flag of the task", false},
		{"empty", "", false},
		{"mixed case", "tOdO: later", true},
		{"dotted capital I lowers to i", "F\u0130XME", true},
		{"non-ASCII purpose", "l'adresse où livrer", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsPlaceholder(tt.value); got != tt.want {
				t.Errorf("IsPlaceholder(%q) = %v, want %v", tt.value, got, tt.want)
			}
		})
	}
}

// TestUnfilledDraft drafts a manifest from a server that tells nothing
// about itself, so init leaves the whole listing as TODO, and uncomments
// the data and operations blocks the draft suggests: every TODO value of
// the file is listed by Unfilled under the check resting on it, at its own
// line and column, and none is left out.
func TestUnfilledDraft(t *testing.T) {
	obs := live.Observation{
		Server: live.Server{URL: "https://mcp.example.com/mcp"},
		Tools: []live.Tool{{Name: "get_thing", Hints: live.Hints{ReadOnly: bp(true)},
			Fields: []live.Field{{Name: "id"}, {Name: "odd key"}}}},
	}
	out, err := Draft(obs, DraftOptions{})
	if err != nil {
		t.Fatal(err)
	}
	draft := packtest.UncommentDraft(string(out))
	m, err := Parse("draft.yaml", []byte(draft))
	if err != nil {
		t.Fatalf("the uncommented draft does not parse: %v\n%s", err, draft)
	}
	want := map[string]string{
		"app.name":                            "listing.metadata",
		"app.vendor":                          "listing.metadata",
		"app.version":                         "listing.metadata",
		"app.description":                     "listing.metadata",
		"tools[0].inputs.id.purpose":          "data.minimization",
		`tools[0].inputs["odd key"].purpose`:  "data.minimization",
		"data.categories[0].name":             "data.retention",
		"data.categories[0].purpose":          "data.retention",
		"data.deletion.process":               "data.retention",
		"data.logRedaction":                   "data.log-redaction",
		"data.correlationIds":                 "data.log-redaction",
		"operations.monitoring":               "ops.monitoring",
		"operations.incidentContacts[0].name": "ops.incident-response",
		"operations.auditLogs":                "ops.audit-logs",
	}
	got := map[string]Unfilled{}
	for _, u := range m.placeholders() {
		got[u.Path] = u
	}
	for path, id := range want {
		u, ok := got[path]
		if !ok {
			t.Errorf("%s: not listed as unfilled", path)
			continue
		}
		if u.Check != id {
			t.Errorf("%s rests on %s, want %s", path, u.Check, id)
		}
		if !slicesContain(m.Unfilled(id), path) {
			t.Errorf("Unfilled(%q) leaves out %s", id, path)
		}
		if text := lineOf([]byte(draft), u.Line); !strings.HasPrefix(text[min(u.Column-1, len(text)):], "TODO") {
			t.Errorf("%s at %d:%d, where the line reads %q", path, u.Line, u.Column, text)
		}
		if s := u.String(); !strings.Contains(s, path) || !strings.Contains(s, fmt.Sprintf("draft.yaml:%d:%d", u.Line, u.Column)) {
			t.Errorf("%s reads %q", path, s)
		}
	}
	// Every TODO value in the file is one of them.
	if n := strings.Count(draft, ": TODO\n") + strings.Count(draft, ": TODO #") + strings.Count(draft, ": TODO,") + strings.Count(draft, ": TODO}"); n != len(got) || len(got) != len(want) {
		t.Errorf("the draft holds %d TODO values; Unfilled lists %d, want %d:\n%s", n, len(got), len(want), draft)
	}
	if u := got["tools[0].inputs.id.purpose"]; u.Subject != "tool:get_thing" {
		t.Errorf("subject %q, want tool:get_thing", u.Subject)
	}

	// Filled in after Parse (as a program may do), nothing is left.
	m.App = App{Name: "Thing", Vendor: "Example Inc", Version: "1", Description: "Things."}
	if us := m.Unfilled("listing.metadata"); len(us) != 0 {
		t.Errorf("filled listing still unfilled: %v", us)
	}
}

func slicesContain(us []Unfilled, path string) bool {
	for _, u := range us {
		if u.Path == path {
			return true
		}
	}
	return false
}
