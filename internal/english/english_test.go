package english

import "testing"

func TestPlural(t *testing.T) {
	for _, tt := range []struct {
		name string
		got  string
		want string
	}{
		{"none", PluralS(0, "check"), "checks"},
		{"one", PluralS(1, "check"), "check"},
		{"two", PluralS(2, "check"), "checks"},
		{"one verb", Plural(1, "needs", "need"), "needs"},
		{"many verbs", Plural(3, "needs", "need"), "need"},
		{"negative", Plural(-1, "is", "are"), "are"},
	} {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}
