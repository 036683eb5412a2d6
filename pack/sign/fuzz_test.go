package sign

import (
	"path"
	"strings"
	"testing"
)

// FuzzParseSums: SHA256SUMS parsing never panics, and what it accepts is
// plain relative paths, each once, with 64 lowercase hex digits, within
// the line bound.
func FuzzParseSums(f *testing.F) {
	f.Add(Sums(map[string][]byte{"pack.json": []byte("{}"), "evidence/a.txt": []byte("a")}))
	f.Add([]byte(strings.Repeat("0", 64) + "  ../x\n"))
	f.Add([]byte(strings.Repeat("a", 64) + "  a\\b\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		sums, err := ParseSums(data)
		if err != nil {
			return
		}
		if len(sums) > MaxSumsLines {
			t.Fatalf("%d lines", len(sums))
		}
		for p, sum := range sums {
			if p == "" || strings.HasPrefix(p, "/") || strings.HasPrefix(p, "../") || p == ".." || path.Clean(p) != p || strings.Contains(p, "\\") {
				t.Fatalf("accepted path %q", p)
			}
			if len(sum) != 64 || strings.ToLower(sum) != sum {
				t.Fatalf("accepted sum %q", sum)
			}
		}
	})
}
