package manifest

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// IsPlaceholder reports whether a value was never filled in: it is only
// TODO (what Draft writes where the vendor must answer), TBD, FIXME or XXX,
// or one of them followed by a colon and a note ("TODO: say why"). Case
// and surrounding punctuation do not matter; a value that merely contains
// the word ("the todo list") is filled in.
func IsPlaceholder(s string) bool {
	if !mayBePlaceholder(s) {
		return false
	}
	s = strings.ToLower(strings.TrimSpace(s))
	word := strings.TrimFunc(s, func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSpace(r) })
	head, _, colon := strings.Cut(s, ":")
	for _, p := range []string{todo, "tbd", "fixme", "xxx"} {
		p = strings.ToLower(p)
		if word == p || (colon && strings.TrimSpace(head) == p) {
			return true
		}
	}
	return false
}

// mayBePlaceholder is IsPlaceholder's quick refusal: ASCII text that
// holds none of the words, in any case, is no placeholder. Text with
// other bytes takes the whole test (strings.ToLower maps some of them,
// such as U+0130, to ASCII letters).
func mayBePlaceholder(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return true
		}
	}
	for _, p := range []string{"todo", "tbd", "fixme", "xxx"} {
		for i := 0; i+len(p) <= len(s); i++ {
			if strings.EqualFold(s[i:i+len(p)], p) {
				return true
			}
		}
	}
	return false
}

// Position is where a field's value sits in the manifest file, 1-based.
type Position struct{ Line, Column int }

// Position returns where the value of the field at path (such as
// "tools[2].inputs.card.purpose") was read from, and false for a field the
// file did not hold or a manifest not read by Parse.
func (m *Manifest) Position(path string) (Position, bool) {
	p, ok := m.positions[path]
	return p, ok
}

// Unfilled is a value of the manifest still left as a placeholder, and
// the check that rests on it.
type Unfilled struct {
	Path    string // the field, such as "app.vendor"
	Value   string // as written, such as "TODO"
	Check   string // the check ID that rests on the field
	Subject string // the subject of that check's result: "app" or "tool:NAME"
	File    string // the manifest file, "" when not known
	Position
}

// String reads `app.vendor is "TODO" (manifest.yaml:4:11)`.
func (u Unfilled) String() string {
	s := fmt.Sprintf("%s is %s", u.Path, quote(u.Value))
	if u.Line > 0 {
		s += fmt.Sprintf(" (%s:%d:%d)", cmp.Or(u.File, "manifest"), u.Line, u.Column)
	}
	return s
}

// Unfilled lists the placeholder values the check rests on, in file
// order. It reads the values as they are now, so a manifest filled in
// after Parse has none left; positions come from the file Parse read.
// Every check whose fields init can leave as TODO fails while this list is
// not empty: that is the one rule for drafts, kept in restsOn.
func (m *Manifest) Unfilled(checkID string) []Unfilled {
	var out []Unfilled
	for _, u := range m.placeholders() {
		if u.Check == checkID {
			out = append(out, u)
		}
	}
	return out
}

// UnfilledText joins unfilled values for a result's detail.
func UnfilledText(us []Unfilled) string {
	parts := make([]string, len(us))
	for i, u := range us {
		parts[i] = u.String()
	}
	return "Left as a placeholder, never filled in: " + strings.Join(parts, "; ") + "."
}

// placeholders walks every string of the manifest, by the same yaml keys
// and paths Parse uses, and lists those still placeholders with the check
// resting on each.
func (m *Manifest) placeholders() []Unfilled {
	var out []Unfilled
	leaf := func(s, path string) {
		id, subject := m.restsOn(path)
		if id == "" {
			return
		}
		u := Unfilled{Path: path, Value: s, Check: id, Subject: subject, File: m.File}
		u.Position = m.positions[path]
		out = append(out, u)
	}
	// The manifest is walked once per check that rests on it: the field
	// lists are read once per type, and a path is built only for what is
	// not a string, or a string that is a placeholder.
	var walk func(v reflect.Value, path string)
	// child visits v, the entry key (index < 0) or index of the value at
	// path.
	child := func(v reflect.Value, path, key string, index int) {
		for v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return
			}
			v = v.Elem()
		}
		switch v.Kind() {
		case reflect.String:
			if !IsPlaceholder(v.String()) {
				return
			}
		case reflect.Struct, reflect.Slice, reflect.Map:
		default:
			return
		}
		var p string
		if index >= 0 {
			p = fmt.Sprintf("%s[%d]", path, index)
		} else {
			p = join(path, key)
		}
		if v.Kind() == reflect.String {
			leaf(v.String(), p)
			return
		}
		walk(v, p)
	}
	walk = func(v reflect.Value, path string) {
		switch v.Kind() {
		case reflect.Struct:
			for _, f := range fields(v.Type()) {
				child(v.Field(f.index), path, f.key, -1)
			}
		case reflect.Slice:
			for i := range v.Len() {
				child(v.Index(i), path, "", i)
			}
		case reflect.Map:
			if v.Type().Key().Kind() != reflect.String {
				return
			}
			for _, k := range v.MapKeys() {
				child(v.MapIndex(k), path, k.String(), -1)
			}
		}
	}
	walk(reflect.ValueOf(m).Elem(), "")
	slices.SortStableFunc(out, func(a, b Unfilled) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column), cmp.Compare(a.Path, b.Path))
	})
	return out
}

// restsOn names the check judged from the field at path, and the subject
// of its result; "" for a field no check reads as a claim (an attachment's
// title, a test case's wording). The declared checks are in pack
// (declared.go), data.minimization in collect.
func (m *Manifest) restsOn(path string) (id, subject string) {
	under := func(prefixes ...string) bool {
		return slices.ContainsFunc(prefixes, func(p string) bool {
			return path == p || strings.HasPrefix(path, p+".") || strings.HasPrefix(path, p+"[")
		})
	}
	switch {
	case under("app.name", "app.vendor", "app.version", "app.description"):
		return "listing.metadata", "app"
	case under("server.auth.tokenLifetime", "server.auth.revocation"):
		return "auth.token-lifecycle", "app"
	case under("server.auth.rbac"):
		return "auth.rbac", "app"
	case under("data.categories", "data.deletion"):
		return "data.retention", "app"
	case under("data.logRedaction", "data.correlationIds"):
		return "data.log-redaction", "app"
	case under("operations.environments"):
		return "ops.environments", "app"
	case under("operations.patchPolicy"):
		return "ops.patch-policy", "app"
	case under("operations.monitoring"):
		return "ops.monitoring", "app"
	case under("operations.incidentContacts"):
		return "ops.incident-response", "app"
	case under("operations.auditLogs"):
		return "ops.audit-logs", "app"
	case strings.HasPrefix(path, "tools["):
		index, rest, _ := strings.Cut(strings.TrimPrefix(path, "tools["), "]")
		i, err := strconv.Atoi(index)
		if err == nil && i >= 0 && i < len(m.Tools) && (strings.HasPrefix(rest, ".inputs.") || strings.HasPrefix(rest, ".inputs[")) {
			return "data.minimization", "tool:" + m.Tools[i].Name
		}
	}
	return "", ""
}
