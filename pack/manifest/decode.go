package manifest

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// decoder walks a YAML node tree against the Go types, by their yaml tags,
// collecting every problem instead of stopping at the first.
type decoder struct {
	file  string
	errs  Errors
	nodes map[string]*yaml.Node // field path → its value node, for later checks
	// keys maps each field path to where it is written (a mapping entry's
	// key, a list entry's node), for the Source; nil when not wanted.
	keys map[string]*yaml.Node
	bad  map[string]bool // field paths already reported
	re   patterns
	want string // what the document starts with, for messages; "" for a manifest
}

func newDecoder(file string) *decoder {
	return &decoder{file: file, nodes: map[string]*yaml.Node{}, bad: map[string]bool{}, re: compilePatterns()}
}

// errorf records a problem at node n for the field at path.
func (d *decoder) errorf(n *yaml.Node, path, format string, args ...any) {
	e := &Error{File: d.file, Path: path, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	d.errs = append(d.errs, e)
	d.bad[path] = true
}

// scan counts the nodes and refuses anchors and aliases: a manifest has no
// use for them, and refusing them rules out alias bombs. It reports whether
// the tree is small enough to decode.
func (d *decoder) scan(root *yaml.Node) bool {
	count := 0
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		count++
		if count > MaxNodes {
			return
		}
		switch {
		case n.Kind == yaml.AliasNode:
			d.errorf(n, "", "aliases (*%s) are not allowed: write the value out", n.Value)
		case n.Anchor != "":
			d.errorf(n, "", "anchors (&%s) are not allowed: write the value out", n.Anchor)
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(root)
	if count > MaxNodes {
		d.errs = append(d.errs, &Error{File: d.file, Msg: fmt.Sprintf("document has more than %d YAML nodes", MaxNodes)})
		return false
	}
	return true
}

// describe names what a node is, for "expected X, got Y" messages.
func describe(n *yaml.Node) string {
	tag := n.ShortTag()
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping (" + tag + ")"
	case yaml.SequenceNode:
		return "a list (" + tag + ")"
	case yaml.AliasNode:
		return "an alias"
	}
	var what string
	switch tag {
	case "!!str":
		what = "a string"
	case "!!int", "!!float":
		what = "a number"
	case "!!bool":
		what = "a boolean"
	case "!!null":
		what = "nothing"
	case "!!timestamp":
		what = "a date"
	default:
		what = "a value"
	}
	return fmt.Sprintf("%s (%s %s)", what, tag, quote(n.Value))
}

// quote quotes a value for a message, shortening a long one.
func quote(s string) string {
	if r := []rune(s); len(r) > 60 {
		s = string(r[:57]) + "..."
	}
	return strconv.Quote(s)
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }

// field is one yaml-tagged struct field.
type field struct {
	key      string
	index    int
	required bool
	enum     []string
}

// fieldCache holds what fields found for each struct type (reflect.Type
// to []field): the manifest has a few dozen types, and a list of structs
// (tools, questions) would read the same tags again for every entry.
var fieldCache sync.Map

// fields lists the yaml-tagged fields of a struct type in declaration
// order. The slice is shared between callers, who only read it.
func fields(t reflect.Type) []field {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.([]field)
	}
	var fs []field
	for i := range t.NumField() {
		sf := t.Field(i)
		key, _, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		if key == "-" || !sf.IsExported() {
			continue
		}
		if key == "" {
			key = strings.ToLower(sf.Name)
		}
		f := field{key: key, index: i, required: sf.Tag.Get("required") == "true"}
		if e := sf.Tag.Get("enum"); e != "" {
			f.enum = strings.Split(e, ",")
		}
		fs = append(fs, f)
	}
	fieldCache.Store(t, fs)
	return fs
}

// join appends a mapping key to a path, bracketing keys that are not plain
// words.
func join(path, key string) string {
	if !plainKey(key) {
		return path + "[" + strconv.Quote(key) + "]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// plainKey reports whether key is made of ASCII letters, digits, - and _.
func plainKey(key string) bool {
	for _, r := range key {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return key != ""
}

// decode stores node n into v, the field at path, reporting what does not
// fit. It reports whether n was stored.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) bool {
	if n.Kind == yaml.AliasNode {
		return false // reported by scan
	}
	d.nodes[path] = n
	switch v.Kind() {
	case reflect.Pointer:
		if isNull(n) {
			return true
		}
		p := reflect.New(v.Type().Elem())
		if !d.decode(n, p.Elem(), path) {
			return false
		}
		v.Set(p)
		return true
	case reflect.Interface:
		x, ok := d.toAny(n, path)
		if ok && x != nil {
			v.Set(reflect.ValueOf(x))
		}
		return ok
	case reflect.Struct:
		return d.decodeStruct(n, v, path)
	case reflect.Slice:
		if isNull(n) {
			return true
		}
		if n.Kind != yaml.SequenceNode {
			d.errorf(n, path, "expected a list, got %s", describe(n))
			return false
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		ok := true
		for i, c := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			d.item(p, c)
			ok = d.decode(c, s.Index(i), p) && ok
		}
		v.Set(s)
		return ok
	case reflect.Map:
		if isNull(n) {
			return true
		}
		if n.Kind != yaml.MappingNode {
			d.errorf(n, path, "expected a mapping, got %s", describe(n))
			return false
		}
		m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
		ok := true
		d.pairs(n, path, func(key string, k, val *yaml.Node) {
			e := reflect.New(v.Type().Elem()).Elem()
			ok = d.decode(val, e, join(path, key)) && ok
			m.SetMapIndex(reflect.ValueOf(key).Convert(v.Type().Key()), e)
		})
		v.Set(m)
		return ok
	case reflect.String:
		if isNull(n) {
			return true
		}
		if n.Kind != yaml.ScalarNode {
			d.errorf(n, path, "expected a string, got %s", describe(n))
			return false
		}
		switch n.ShortTag() {
		case "!!str", "!!int", "!!float", "!!timestamp":
		default:
			d.errorf(n, path, "expected a string, got %s; quote it if you mean the text", describe(n))
			return false
		}
		v.SetString(n.Value)
		return true
	case reflect.Int:
		if isNull(n) {
			return true
		}
		var i int
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&i) != nil {
			d.errorf(n, path, "expected a whole number, got %s", describe(n))
			return false
		}
		v.SetInt(int64(i))
		return true
	case reflect.Bool:
		if isNull(n) {
			return true
		}
		var b bool
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&b) != nil {
			d.errorf(n, path, "expected a boolean (true or false), got %s", describe(n))
			return false
		}
		v.SetBool(b)
		return true
	}
	// Only reachable if types.go gains a field kind this walker does not know.
	d.errorf(n, path, "cannot decode into a field of type %s", v.Type())
	return false
}

// item records where the list entry at path is written.
func (d *decoder) item(path string, n *yaml.Node) {
	if d.keys != nil {
		d.keys[path] = n
	}
}

// pairs calls f for each key of mapping n in order, refusing duplicate and
// non-string keys.
func (d *decoder) pairs(n *yaml.Node, path string, f func(key string, k, v *yaml.Node)) {
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, path, "keys must be plain strings, got %s", describe(k))
			continue
		}
		if k.ShortTag() == "!!merge" {
			d.errorf(k, path, "merge keys (<<) are not allowed: write the keys out")
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.errorf(k, join(path, k.Value), "duplicate key %s (first at line %d)", quote(k.Value), first.Line)
			continue
		}
		seen[k.Value] = k
		if d.keys != nil {
			d.keys[join(path, k.Value)] = k
		}
		f(k.Value, k, v)
	}
}

// decodeStruct stores mapping n into struct v, reporting unknown keys,
// missing required keys and values outside an enum.
func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) bool {
	if n.Kind != yaml.MappingNode {
		what := "a mapping"
		if path == "" {
			what = trimWant(d.wanted())
		}
		d.errorf(n, path, "expected %s, got %s", what, describe(n))
		return false
	}
	fs := fields(v.Type())
	keys := make([]string, len(fs))
	for i, f := range fs {
		keys[i] = f.key
	}
	present := map[string]bool{}
	suggested := map[string]bool{} // a misspelt key is not also reported missing
	ok := true
	d.pairs(n, path, func(key string, k, val *yaml.Node) {
		i := slices.Index(keys, key)
		if i < 0 {
			ok = false
			if near := nearest(key, keys); near != "" {
				suggested[near] = true
				d.errorf(k, join(path, key), "unknown key %s (did you mean %s?)", quote(key), strconv.Quote(near))
			} else {
				d.errorf(k, join(path, key), "unknown key %s (valid keys: %s)", quote(key), strings.Join(keys, ", "))
			}
			return
		}
		f := fs[i]
		p := join(path, key)
		present[key] = true
		if !d.decode(val, v.Field(f.index), p) {
			ok = false
			return
		}
		if f.required && isEmpty(val) {
			d.errorf(val, p, "must not be empty")
			ok = false
			return
		}
		if f.enum != nil && !isNull(val) {
			if s := v.Field(f.index).String(); !slices.Contains(f.enum, s) {
				msg := fmt.Sprintf("%s is not one of %s", quote(s), strings.Join(f.enum, ", "))
				if near := nearest(s, f.enum); near != "" {
					msg += fmt.Sprintf(" (did you mean %q?)", near)
				}
				d.errorf(val, p, "%s", msg)
				ok = false
			}
		}
	})
	for _, f := range fs {
		if f.required && !present[f.key] && !suggested[f.key] && !d.bad[join(path, f.key)] {
			d.errorf(n, join(path, f.key), "missing required key %q", f.key)
			ok = false
		}
	}
	return ok
}

// isEmpty reports whether a required value was left blank.
func isEmpty(n *yaml.Node) bool {
	return isNull(n) || (n.Kind == yaml.ScalarNode && strings.TrimSpace(n.Value) == "")
}

// toAny converts free-form YAML (tool examples) into the values
// encoding/json understands: maps with string keys, slices, strings,
// numbers, booleans and nil. Dates stay strings as written.
func (d *decoder) toAny(n *yaml.Node, path string) (any, bool) {
	switch n.Kind {
	case yaml.AliasNode:
		return nil, false
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		ok := true
		for i, c := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			d.item(p, c)
			x, cok := d.toAny(c, p)
			ok = ok && cok
			out = append(out, x)
		}
		return out, ok
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		ok := true
		d.pairs(n, path, func(key string, _, v *yaml.Node) {
			x, vok := d.toAny(v, join(path, key))
			ok = ok && vok
			out[key] = x
		})
		return out, ok
	}
	d.nodes[path] = n
	switch n.ShortTag() {
	case "!!null":
		return nil, true
	case "!!str", "!!timestamp":
		return n.Value, true
	case "!!bool", "!!int", "!!float":
		var x any
		if err := n.Decode(&x); err != nil {
			d.errorf(n, path, "%s cannot be read: %s", describe(n), strings.TrimPrefix(err.Error(), "yaml: "))
			return nil, false
		}
		return x, true
	}
	d.errorf(n, path, "unexpected %s; use a plain string, number, boolean, list or mapping", describe(n))
	return nil, false
}

// nearest returns the candidate within edit distance 2 of s (ignoring
// case), closest first, or "" if none is that close.
func nearest(s string, candidates []string) string {
	best, bestDist := "", 3
	if len(s) > 64 {
		return "" // no key or name is that long; spare the quadratic work
	}
	ls := strings.ToLower(s)
	for _, c := range candidates {
		if dist := levenshtein(ls, strings.ToLower(c)); dist < bestDist {
			best, bestDist = c, dist
		}
	}
	return best
}

// levenshtein is the edit distance between a and b, by runes.
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
