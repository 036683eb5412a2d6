package corpus

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTable holds the comparison the corpus rests on: a pinned table
// refuses every status it does not allow, every result it lacks and every
// one it has that the run did not give.
func TestTable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "expected.txt")
	pinned := "# comment\n" +
		"pass      tool.naming         tool:a\n" +
		"fail      listing.terms       app    # none published\n" +
		"pass|warn data.result-hygiene tool:a # varies: random data\n"
	if err := os.WriteFile(file, []byte(pinned), 0o644); err != nil {
		t.Fatal(err)
	}
	want, err := readTable(file)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		actual table
		diff   []string // substrings, one per expected difference, in key order
	}{
		{"same", table{{"tool.naming", "tool:a"}: {status: "pass"}, {"listing.terms", "app"}: {status: "fail"}, {"data.result-hygiene", "tool:a"}: {status: "warn"}}, nil},
		{"other alternative", table{{"tool.naming", "tool:a"}: {status: "pass"}, {"listing.terms", "app"}: {status: "fail"}, {"data.result-hygiene", "tool:a"}: {status: "pass"}}, nil},
		{"status changed", table{{"tool.naming", "tool:a"}: {status: "warn"}, {"listing.terms", "app"}: {status: "fail"}, {"data.result-hygiene", "tool:a"}: {status: "fail"}},
			[]string{"data.result-hygiene tool:a: pinned pass|warn, got fail", "tool.naming tool:a: pinned pass, got warn"}},
		{"result gone and new", table{{"tool.naming", "tool:a"}: {status: "pass"}, {"data.result-hygiene", "tool:a"}: {status: "pass"}, {"widget.render", "widget:ui://x"}: {status: "error"}},
			[]string{"listing.terms app: pinned fail, no such result", "widget.render widget:ui://x: not pinned, got error"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := want.diff(tc.actual)
			if len(got) != len(tc.diff) {
				t.Fatalf("diff %q, want %d lines like %q", got, len(tc.diff), tc.diff)
			}
			for i := range got {
				if !strings.Contains(got[i], tc.diff[i]) {
					t.Errorf("diff line %q, want %q", got[i], tc.diff[i])
				}
			}
		})
	}
	t.Run("re-pinning keeps justifications and marks new non-pass lines", func(t *testing.T) {
		actual := table{{"tool.naming", "tool:a"}: {status: "pass"}, {"listing.terms", "app"}: {status: "warn"}, {"data.result-hygiene", "tool:a"}: {status: "pass"}}
		again := actual.justified(want)
		if r := again[key{"data.result-hygiene", "tool:a"}]; r.status != "pass|warn" || r.why != "varies: random data" {
			t.Errorf("alternatives not carried over: %+v", r)
		}
		if r := again[key{"listing.terms", "app"}]; r.why != todo {
			t.Errorf("a changed status kept its old justification: %+v", r)
		}
		if actual[key{"data.result-hygiene", "tool:a"}].status != "pass" {
			t.Error("justified changed the actual table")
		}
		os.WriteFile(file, again.format("x"), 0o644)
		back, err := readTable(file)
		if err != nil || !maps.Equal(back, again) {
			t.Errorf("format does not read back: %v %v", err, back)
		}
	})
	for _, bad := range []string{"pass tool.naming\n", "passed tool.naming tool:a\n", "pass a b\npass a b\n"} {
		os.WriteFile(file, []byte(bad), 0o644)
		if _, err := readTable(file); err == nil {
			t.Errorf("readTable accepted %q", bad)
		}
	}
}

func TestWidgetProblems(t *testing.T) {
	const w = "widget:ui://x/app.html"
	tests := []struct {
		name   string
		actual table
		want   []string // substrings, one per problem
	}{
		{"started", table{{"widget.render", w}: {status: "pass"}, {"widget.egress", w}: {status: "pass"}}, nil},
		{"not started, nothing passes", table{{"widget.render", w}: {status: "fail"}, {"widget.egress", w}: {status: "error"}, {"widget.domain", w}: {status: "pass"}}, nil},
		{"not started, egress passes", table{{"widget.render", w}: {status: "error"}, {"widget.egress", w}: {status: "pass"}},
			[]string{"widget.egress " + w + " passes though the widget did not start"}},
		{"never rendered", table{{"widget.resource", w}: {status: "pass"}}, []string{"has widget.resource but no widget.render"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := widgetProblems(tc.actual, map[string]string{})
			if len(got) != len(tc.want) {
				t.Fatalf("problems %q, want %d like %q", got, len(tc.want), tc.want)
			}
			for i := range got {
				if !strings.Contains(got[i], tc.want[i]) {
					t.Errorf("problem %q, want %q", got[i], tc.want[i])
				}
			}
		})
	}
}
