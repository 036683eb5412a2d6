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
// Source, both from one parse. It refuses what Load refuses, with the same
// errors.
func LoadSource(path string) (*Manifest, *Source, error) {
	data, err := bounded.ReadFile(path, MaxSize)
	if errors.Is(err, bounded.ErrTooLarge) {
		return nil, nil, Errors{{File: path, Msg: fmt.Sprintf("file is larger than %d MiB", MaxSize>>20)}}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("reading manifest %q: %w", path, err)
	}
	m, src, err := parse(path, data, true)
	if err != nil {
		return nil, nil, err
	}
	m.Dir = filepath.Dir(path)
	return m, src, nil
}

// ParseSource is Parse, and also records where every field of the
// manifest is written (a mapping entry at its key, a list entry at its
// first character), from the same parse. file is the manifest's path (see
// Source.Path).
func ParseSource(file string, data []byte) (*Manifest, *Source, error) {
	return parse(file, data, true)
}

// newSource turns the nodes where the fields are written (the decoder's
// keys) into spans that run to the end of their line.
func newSource(file string, data []byte, keys map[string]*yaml.Node) *Source {
	lines := strings.Split(string(data), "\n")
	src := &Source{Path: sourcePath(file), Positions: make(map[string]Span, len(keys))}
	for path, n := range keys {
		end := n.Column + 1
		if n.Line >= 1 && n.Line <= len(lines) {
			end = max(end, utf8.RuneCountInString(strings.TrimRight(lines[n.Line-1], " \t\r"))+1)
		}
		src.Positions[path] = Span{Line: n.Line, Column: n.Column, EndColumn: end}
	}
	return src
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
