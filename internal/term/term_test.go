package term

import "testing"

func TestSafe(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "list_orders — Bestellungen", "list_orders — Bestellungen"},
		{"escape sequence", "a\x1b]0;pwned\x07b", `a\x1b]0;pwned\x07b`},
		{"newline and tab", "a\nb\tc", `a\x0ab\x09c`},
		{"C1 control", "a\u009bb", `a\u009bb`},
		{"bidi override", "x\u202ey", `x\u202ey`},
		{"line separator", "x\u2028y", `x\u2028y`},
		{"invalid UTF-8", "a\xffb", `a\xffb`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Safe(tt.in); got != tt.want {
				t.Errorf("Safe(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
