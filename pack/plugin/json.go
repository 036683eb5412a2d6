package plugin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Bounds on one JSON file of a package: the files are a few kilobytes, so
// anything deeper or larger is hostile, and is refused while it is read,
// before it is built.
const (
	maxDepth = 32
	maxNodes = 100_000
)

// node is one JSON value with where it starts, so that every finding can
// say file:line:col. Objects keep their keys in file order.
type node struct {
	kind  byte // 'o' object, 'a' array, 's' string, 'n' number, 'b' bool, 'z' null
	off   int64
	str   string // a string, or a number as written
	b     bool
	keys  []string
	vals  []*node
	items []*node
}

// get returns the value of key in an object, nil when absent.
func (n *node) get(key string) *node {
	if n == nil || n.kind != 'o' {
		return nil
	}
	for i, k := range n.keys {
		if k == key {
			return n.vals[i]
		}
	}
	return nil
}

func (n *node) what() string {
	switch n.kind {
	case 'o':
		return "an object"
	case 'a':
		return "an array"
	case 's':
		return "a string"
	case 'n':
		return "a number"
	case 'b':
		return "a boolean"
	}
	return "null"
}

// jsonFile is a parsed file: its root and how to turn offsets into
// positions.
type jsonFile struct {
	name string
	data []byte
	root *node
}

// pos is file:line:col of an offset (line and column from 1, the column
// counted in bytes).
func (f *jsonFile) pos(off int64) string {
	off = min(max(off, 0), int64(len(f.data)))
	before := f.data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := off - int64(bytes.LastIndexByte(before, '\n'))
	return fmt.Sprintf("%s:%d:%d", f.name, line, col)
}

// parseJSON reads one JSON object strictly: a syntax error, a duplicate
// key, nesting deeper than maxDepth, more than maxNodes values or anything
// after the object is an error naming file:line:col.
func parseJSON(name string, data []byte) (*jsonFile, error) {
	f := &jsonFile{name: name, data: data}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	p := &jsonParser{f: f, dec: dec}
	root, err := p.value(0)
	if err != nil {
		return nil, err
	}
	if root.kind != 'o' {
		return nil, fmt.Errorf("%s: the file holds %s, not a JSON object", f.pos(root.off), root.what())
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: more after the JSON object ends", f.pos(p.start()))
	}
	f.root = root
	return f, nil
}

type jsonParser struct {
	f     *jsonFile
	dec   *json.Decoder
	nodes int
}

// start is where the next token begins: the decoder's offset is just after
// the previous token, before the blanks, commas and colons between them.
func (p *jsonParser) start() int64 {
	off := p.dec.InputOffset()
	for off < int64(len(p.f.data)) && strings.IndexByte(" \t\r\n,:", p.f.data[off]) >= 0 {
		off++
	}
	return off
}

func (p *jsonParser) fail(off int64, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = se.Offset
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%s: the JSON ends too early", p.f.pos(int64(len(p.f.data))))
	}
	return fmt.Errorf("%s: not valid JSON: %w", p.f.pos(off), err)
}

func (p *jsonParser) value(depth int) (*node, error) {
	off := p.start()
	tok, err := p.dec.Token()
	if err != nil {
		return nil, p.fail(off, err)
	}
	if p.nodes++; p.nodes > maxNodes {
		return nil, fmt.Errorf("%s: more than %d JSON values, more than a plugin package holds", p.f.pos(off), maxNodes)
	}
	n := &node{off: off}
	switch t := tok.(type) {
	case json.Delim:
		if depth >= maxDepth {
			return nil, fmt.Errorf("%s: JSON nested deeper than %d levels, more than a plugin package holds", p.f.pos(off), maxDepth)
		}
		if t == '{' {
			n.kind = 'o'
			for p.dec.More() {
				koff := p.start()
				kt, err := p.dec.Token()
				if err != nil {
					return nil, p.fail(koff, err)
				}
				k, _ := kt.(string) // the decoder only yields string keys
				if n.get(k) != nil {
					return nil, fmt.Errorf("%s: key %q appears twice in the same object", p.f.pos(koff), k)
				}
				v, err := p.value(depth + 1)
				if err != nil {
					return nil, err
				}
				n.keys, n.vals = append(n.keys, k), append(n.vals, v)
			}
		} else {
			n.kind = 'a'
			for p.dec.More() {
				v, err := p.value(depth + 1)
				if err != nil {
					return nil, err
				}
				n.items = append(n.items, v)
			}
		}
		if _, err := p.dec.Token(); err != nil { // the closing delimiter
			return nil, p.fail(p.start(), err)
		}
	case string:
		n.kind, n.str = 's', t
	case json.Number:
		n.kind, n.str = 'n', t.String()
	case bool:
		n.kind, n.b = 'b', t
	case nil:
		n.kind = 'z'
	}
	return n, nil
}
