package manifest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzParse checks that Parse never panics and always returns exactly one
// of a manifest or positioned Errors: every YAML syntax error has a line;
// only whole-file problems (empty, too large) have line 0.
func FuzzParse(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range seeds {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(base))
	f.Add([]byte(edit("kind: read", "kind: writ", "  vendor:", "  vendr:")))
	f.Add([]byte("a: &x [*x, *x]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		// A hang would otherwise only show as a fuzzer making no progress.
		timer := time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("Parse hangs on %q", data)) })
		m, err := Parse("f.yaml", data)
		timer.Stop()
		if err == nil {
			if m == nil {
				t.Fatal("nil manifest and nil error")
			}
			return
		}
		if m != nil {
			t.Fatalf("manifest and error %v", err)
		}
		var errs Errors
		if !errors.As(err, &errs) || len(errs) == 0 {
			t.Fatalf("error %v (%T) is not a non-empty Errors", err, err)
		}
		for _, e := range errs {
			if e.Line < 0 || e.Column < 0 || (e.Line == 0 && (e.Path != "" || e.Column != 0 || strings.HasPrefix(e.Msg, "invalid YAML"))) || e.File != "f.yaml" || e.Msg == "" {
				t.Fatalf("badly positioned error %#v", e)
			}
		}
	})
}
