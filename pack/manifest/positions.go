package manifest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/dossier-dev/dossier/internal/bounded"
)

// Span is where a field is written in the manifest file, 1-based, and
// where the text of that line ends (EndColumn is the column after the
// line's last character, trailing spaces aside).
type Span struct {
	Line      int `json:"line"`
	Column    int `json:"column"`
	EndColumn int `json:"endColumn"`
}

// Source says where a manifest was read from and where each of its fields
// sits, so that a finding can point at the line a vendor edits (the SARIF
// export's physical locations). pack.json carries it.
type Source struct {
	// Path is the manifest's path, slash-separated, as given when it is
	// relative and inside the working directory (in CI, the repository
	// root); otherwise only its file name, so a pack does not reveal the
	// maker's directories.
	Path string `json:"path"`
	// Positions maps a field path, written as the manifest's errors write
	// it ("server.url", "tools[2]", "tools[2].inputs.note"), to where it
	// is written: a mapping entry's key, a list entry's first character
	// after its "- ".
	Positions map[string]Span `json:"positions"`
}

// At returns the position of the field at path.
func (s *Source) At(path string) (Span, bool) {
	if s == nil {
		return Span{}, false
	}
	p, ok := s.Positions[path]
	return p, ok
}

// LoadSource reads the manifest at path once and returns it with its
// Source. It refuses what Load refuses, with the same errors.
func LoadSource(path string) (*Manifest, *Source, error) {
	data, err := bounded.ReadFile(path, MaxSize)
	if errors.Is(err, bounded.ErrTooLarge) {
		return nil, nil, Errors{{File: path, Msg: fmt.Sprintf("file is larger than %d MiB", MaxSize>>20)}}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("reading manifest %q: %w", path, err)
	}
	m, err := Parse(path, data)
	if err != nil {
		return nil, nil, err
	}
	m.Dir = filepath.Dir(path)
	src, err := Locate(path, data)
	if err != nil {
		return nil, nil, err
	}
	return m, src, nil
}

// Locate records where every field of the manifest in data is written: a
// mapping entry at its key, a list entry at its first character. file is
// the manifest's path (see Source.Path). data should be a manifest Parse
// accepts; a document that is not YAML gives the same Errors as Parse.
func Locate(file string, data []byte) (*Source, error) {
	root, errs := parseYAML(file, data, rootWant)
	if len(errs) > 0 {
		return nil, errs.capped(file)
	}
	lines := strings.Split(string(data), "\n")
	src := &Source{Path: sourcePath(file), Positions: map[string]Span{}}
	at := func(path string, n *yaml.Node) {
		end := n.Column + 1
		if n.Line >= 1 && n.Line <= len(lines) {
			end = max(end, utf8.RuneCountInString(strings.TrimRight(lines[n.Line-1], " \t\r"))+1)
		}
		src.Positions[path] = Span{Line: n.Line, Column: n.Column, EndColumn: end}
	}
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				if k.Kind != yaml.ScalarNode {
					continue
				}
				p := join(path, k.Value)
				at(p, k)
				walk(n.Content[i+1], p)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				p := fmt.Sprintf("%s[%d]", path, i)
				at(p, c)
				walk(c, p)
			}
		}
		// Scalars are placed at their key; aliases are not followed (Parse
		// refuses them).
	}
	walk(root, "")
	return src, nil
}

// sourcePath is the path a pack records for the manifest: relative to the
// working directory when inside it, else the file name alone.
func sourcePath(file string) string {
	clean := filepath.Clean(file)
	if filepath.IsAbs(clean) {
		wd, err := os.Getwd()
		if err != nil {
			return filepath.Base(clean)
		}
		if clean, err = filepath.Rel(wd, clean); err != nil {
			return filepath.Base(file)
		}
	}
	if clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator)) || filepath.IsAbs(clean) {
		return filepath.Base(clean)
	}
	return filepath.ToSlash(clean)
}

// ToolPath is the field path of the declared tool named name ("tools[3]"),
// or "" when the manifest does not declare it.
func (m *Manifest) ToolPath(name string) string {
	for i, t := range m.Tools {
		if t.Name == name {
			return fmt.Sprintf("tools[%d]", i)
		}
	}
	return ""
}
