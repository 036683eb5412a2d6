package manifest

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// TestParseSource: each field path is placed at the line that writes it, a key
// or a list entry, and the region runs to the end of that line.
func TestParseSource(t *testing.T) {
	file := filepath.Join("..", "..", "samples", "orderly", "manifest.yaml")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	m, src, err := LoadSource(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	for _, tc := range []struct{ path, text string }{
		{"server.url", "  url: http://127.0.0.1:8931/mcp"},
		{"server.auth.mode", "    mode: oauth"},
		{"app.privacyPolicy", "  privacyPolicy: http://127.0.0.1:8931/privacy"},
		{"tools", "tools:"},
		{m.ToolPath("cancel_order"), "  - name: cancel_order"},
		{m.ToolPath("cancel_order") + ".kind", "    kind: destructive"},
		{m.ToolPath("get_order") + ".inputs.order_id", "      order_id:"},
		{m.ToolPath("get_order") + ".inputs.order_id.purpose", "        purpose: which of the customer's orders to show"},
		{"probe.tokens[1].env", "    - env: ORDERLY_TOKEN_FULL"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			p, ok := src.At(tc.path)
			if !ok {
				t.Fatalf("no position for %s", tc.path)
			}
			line := lines[p.Line-1]
			if line != tc.text {
				t.Fatalf("%s at line %d: %q, want %q", tc.path, p.Line, line, tc.text)
			}
			if first := len(line) - len(strings.TrimLeft(line, " -")) + 1; p.Column != first || p.EndColumn != len(line)+1 {
				t.Errorf("%s: columns %d to %d, want %d to %d", tc.path, p.Column, p.EndColumn, first, len(line)+1)
			}
		})
	}
	if m.ToolPath("no_such_tool") != "" {
		t.Error("an undeclared tool has a path")
	}
	if _, ok := (*Source)(nil).At("server.url"); ok {
		t.Error("a nil source knows a position")
	}
}

// TestSourcePath: the path a pack records never reveals a directory
// outside the working directory.
func TestSourcePath(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, in, want string }{
		{"relative", "dossier/manifest.yaml", "dossier/manifest.yaml"},
		{"cleaned", "./dossier//manifest.yaml", "dossier/manifest.yaml"},
		{"absolute inside", filepath.Join(wd, "testdata", "m.yaml"), "testdata/m.yaml"},
		{"absolute outside", filepath.Join(filepath.Dir(filepath.Dir(wd)), "secret", "m.yaml"), "m.yaml"},
		{"relative outside", "../../home/me/m.yaml", "m.yaml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := sourcePath(tc.in); got != tc.want {
				t.Errorf("sourcePath(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestLoadSourceRefuses what Load refuses, with the same errors.
func TestLoadSourceRefuses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(path, []byte("schema: dossier/v1\napp: 3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, loadErr := Load(path)
	_, _, srcErr := LoadSource(path)
	if loadErr == nil || srcErr == nil || loadErr.Error() != srcErr.Error() {
		t.Errorf("Load: %v\nLoadSource: %v", loadErr, srcErr)
	}
}

// TestSourceHasEveryKey: the decoder's one walk places every mapping key
// and list entry of the file, as a walk of the bare YAML tree does, free-form
// values (tool examples) included.
func TestSourceHasEveryKey(t *testing.T) {
	for _, file := range []string{
		filepath.Join("..", "..", "samples", "orderly", "manifest.yaml"),
		filepath.Join("testdata", "valid.yaml"),
	} {
		t.Run(file, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			_, src, err := ParseSource(file, data)
			if err != nil {
				t.Fatal(err)
			}
			var doc yaml.Node
			if err := yaml.Unmarshal(data, &doc); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(string(data), "\n")
			want := map[string]Span{}
			var walk func(n *yaml.Node, path string)
			place := func(path string, n *yaml.Node) {
				end := max(n.Column+1, utf8.RuneCountInString(strings.TrimRight(lines[n.Line-1], " \t\r"))+1)
				want[path] = Span{Line: n.Line, Column: n.Column, EndColumn: end}
			}
			walk = func(n *yaml.Node, path string) {
				switch n.Kind {
				case yaml.MappingNode:
					for i := 0; i+1 < len(n.Content); i += 2 {
						p := join(path, n.Content[i].Value)
						place(p, n.Content[i])
						walk(n.Content[i+1], p)
					}
				case yaml.SequenceNode:
					for i, c := range n.Content {
						p := fmt.Sprintf("%s[%d]", path, i)
						place(p, c)
						walk(c, p)
					}
				}
			}
			walk(doc.Content[0], "")
			if len(want) < 50 {
				t.Fatalf("only %d keys in %s", len(want), file)
			}
			if !maps.Equal(src.Positions, want) {
				for p, s := range want {
					if got, ok := src.Positions[p]; !ok || got != s {
						t.Errorf("%s: got %+v (%v), want %+v", p, got, ok, s)
					}
				}
				for p := range src.Positions {
					if _, ok := want[p]; !ok {
						t.Errorf("%s: placed but not in the file", p)
					}
				}
			}
		})
	}
}
