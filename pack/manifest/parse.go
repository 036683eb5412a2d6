package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/dossier-dev/dossier/internal/bounded"
)

// MaxSize bounds the bytes of a manifest; a larger file is refused before
// it is parsed.
const MaxSize = 4 << 20

// MaxNodes bounds the YAML nodes of a manifest. A real manifest has a few
// hundred; the bound keeps a hostile document cheap to refuse.
const MaxNodes = 100_000

// MaxErrors bounds the problems reported for one manifest; the rest are
// counted in a last "and N more" line.
const MaxErrors = 50

// Load reads and parses the manifest at path. Problems with its content come
// back as Errors; a file that cannot be read (not a regular file, larger
// than MaxSize) comes back as a plain error.
func Load(path string) (*Manifest, error) {
	data, err := bounded.ReadFile(path, MaxSize)
	if errors.Is(err, bounded.ErrTooLarge) {
		return nil, Errors{{File: path, Msg: fmt.Sprintf("file is larger than %d MiB", MaxSize>>20)}}
	}
	if err != nil {
		return nil, fmt.Errorf("reading manifest %q: %w", path, err)
	}
	m, err := Parse(path, data)
	if err != nil {
		return nil, err
	}
	m.Dir = filepath.Dir(path)
	m.File = path
	return m, nil
}

// Parse decodes and validates a manifest. file names it in error messages
// and in Manifest.File. On any problem it returns a nil manifest and Errors
// listing every problem found, in file order.
func Parse(file string, data []byte) (*Manifest, error) {
	m, _, err := parse(file, data, false)
	return m, err
}

// parse is Parse, and with source also where each field is written (see
// ParseSource), found in the same walk.
func parse(file string, data []byte, source bool) (*Manifest, *Source, error) {
	root, errs := parseYAML(file, data, rootWant)
	if len(errs) > 0 {
		return nil, nil, errs.capped(file)
	}
	d := newDecoder(file)
	if source {
		d.keys = map[string]*yaml.Node{}
	}
	var m Manifest
	if d.scan(root) {
		d.decode(root, reflect.ValueOf(&m).Elem(), "")
		d.validate(&m)
	}
	if len(d.errs) > 0 {
		return nil, nil, d.errs.capped(file)
	}
	m.File = file
	m.positions = make(map[string]Position, len(d.nodes))
	for path, n := range d.nodes {
		m.positions[path] = Position{n.Line, n.Column}
	}
	var src *Source
	if source {
		src = newSource(file, data, d.keys)
	}
	return &m, src, nil
}

// parseYAML turns the bytes into the single document's root node, or says
// why it cannot.
func parseYAML(file string, data []byte, want string) (*yaml.Node, Errors) {
	whole := func(msg string) Errors { return Errors{{File: file, Msg: msg}} }
	if len(data) > MaxSize {
		return nil, whole(fmt.Sprintf("file is larger than %d MiB", MaxSize>>20))
	}
	if e := badBytes(file, data); e != nil {
		return nil, Errors{e}
	}
	// The YAML parser builds every node before scan can count them, at
	// some hundred bytes each: count the separators first, so that a
	// document of a million tiny nodes is refused before it is parsed.
	if separators(data) > MaxNodes {
		return nil, whole(fmt.Sprintf("document has more than %d YAML nodes", MaxNodes))
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, whole("file is empty (want " + want + ")")
		}
		return nil, Errors{syntaxError(file, data, err)}
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		return nil, Errors{{File: file, Line: next.Line, Column: next.Column,
			Msg: "file holds more than one YAML document (want exactly one; remove the \"---\" separator)"}}
	case !errors.Is(err, io.EOF):
		return nil, Errors{syntaxError(file, data, err)}
	}
	if len(doc.Content) != 1 {
		return nil, whole("file is empty (want " + want + ")")
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		return nil, whole("file is empty (want " + want + ")")
	}
	return root, nil
}

// separators counts what separates YAML nodes outside quoted text and
// comments: flow commas and brackets, "- " entries and ": " keys. Each
// stands for at least one node, so a count over MaxNodes means a document
// over MaxNodes nodes (text with many commas in plain scalars counts too,
// which no manifest has by the hundred thousand).
func separators(data []byte) int {
	n := 0
	var quote byte
	comment := false
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case comment:
			comment = c != '\n'
		case quote == '\'' && c == '\'':
			quote = 0
		case quote == '"' && c == '\\':
			i++
		case quote == '"' && c == '"':
			quote = 0
		case quote != 0:
		case c == '\'' || c == '"':
			quote = c
		case c == '#' && (i == 0 || data[i-1] == ' ' || data[i-1] == '\t' || data[i-1] == '\n'):
			comment = true
		case c == ',' || c == '[' || c == '{':
			n++
		case (c == '-' || c == ':') && (i+1 == len(data) || data[i+1] == ' ' || data[i+1] == '\n'):
			n++
		}
	}
	return n
}

// badBytes positions the byte-level problems the YAML parser reports without
// a line: invalid UTF-8 and control characters.
func badBytes(file string, data []byte) *Error {
	line, col := 1, 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		var msg string
		switch {
		case r == utf8.RuneError && size <= 1:
			msg = "file is not valid UTF-8"
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r',
			r >= 0x7f && r <= 0x9f && r != 0x85,
			r == 0xfffe || r == 0xffff:
			msg = fmt.Sprintf("control character %U is not allowed", r)
		case r == 0xfeff && i > 0:
			msg = "a byte order mark is only allowed at the start of the file"
		}
		if msg != "" {
			return &Error{File: file, Line: line, Column: col, Msg: msg}
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		i += size
	}
	return nil
}

// syntaxError positions a YAML parser error. The parser gives a line at
// best; for a tab the column is found, since tabs are the commonest cause.
func syntaxError(file string, data []byte, err error) *Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	e := &Error{File: file}
	if m := regexp.MustCompile(`^line ([0-9]+): (?s:(.*))$`).FindStringSubmatch(msg); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		msg = m[2]
		if parserProblem(msg) {
			// The parser, unlike the scanner, reports a 0-based line: the
			// line of the construct left open, or of the end of input.
			e.Line++
		}
		// The end of input is reported past the last line; point at it.
		e.Line = min(e.Line, max(1, bytes.Count(bytes.TrimRight(data, "\r\n"), []byte("\n"))+1))
	}
	if m := regexp.MustCompile(`^unknown anchor '(.*)' referenced$`).FindStringSubmatch(msg); m != nil {
		e.Line, e.Column = find(data, "*"+m[1])
	}
	if e.Line == 0 {
		// The parser leaves the line out when its marks are on the first
		// line (0-based line 0).
		e.Line = 1
	}
	if text := lineOf(data, e.Line); text != "" {
		if i := strings.IndexByte(text, '\t'); i >= 0 && strings.TrimLeft(text[:i], " ") == "" {
			e.Column = utf8.RuneCountInString(text[:i]) + 1
			msg += " (indent with spaces: YAML does not allow tabs here)"
		}
	}
	e.Msg = "invalid YAML: " + msg
	return e
}

// parserProblem reports whether msg comes from the YAML parser rather than
// its scanner (see parserc.go in the yaml module).
func parserProblem(msg string) bool {
	switch msg {
	case "did not find expected ',' or ']'", "did not find expected ',' or '}'",
		"did not find expected '-' indicator", "did not find expected <document start>",
		"did not find expected key", "did not find expected node content",
		"found duplicate %TAG directive", "found duplicate %YAML directive",
		"found incompatible YAML document":
		return true
	}
	return false
}

// lineOf returns the 1-based line n of data, without its newline.
func lineOf(data []byte, n int) string {
	lines := strings.Split(string(data), "\n")
	if n < 1 || n > len(lines) {
		return ""
	}
	return strings.TrimSuffix(lines[n-1], "\r")
}

// find returns the 1-based line and column of the first s in data, or 0, 0.
func find(data []byte, s string) (int, int) {
	i := bytes.Index(data, []byte(s))
	if i < 0 {
		return 0, 0
	}
	before := data[:i]
	line := bytes.Count(before, []byte("\n")) + 1
	col := utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:]) + 1
	return line, col
}
