package manifest

import (
	"reflect"
	"strings"

	"github.com/dossier-dev/dossier/pack/check"
)

// Doc is a YAML document other than a manifest (a questionnaire) that
// Decode read as strictly as Parse reads a manifest. Its format's own rules
// report further problems through it, positioned at the fields they are
// about, so every problem of the file comes back at once.
type Doc struct {
	d *decoder
}

// Decode reads data, one YAML document, into v, a pointer to a struct
// whose fields carry yaml tags, and required and enum tags as the
// manifest's types do. What does not fit is reported as Parse reports it:
// file:line:column, the field's path, unknown keys with the nearest valid
// one, every problem at once. want says what the file should start with,
// for an empty file: `a mapping starting with "name:"`.
func Decode(file string, data []byte, v any, want string) *Doc {
	d := newDecoder(file)
	d.want = want
	root, errs := parseYAML(file, data, want)
	if len(errs) > 0 {
		d.errs = errs
		return &Doc{d}
	}
	if d.scan(root) {
		d.decode(root, reflect.ValueOf(v).Elem(), "")
	}
	return &Doc{d}
}

// Errorf reports a problem with the field at path, at its position. A field
// whose value was already refused (wrong type, unknown key) gets no second
// message.
func (doc *Doc) Errorf(path, format string, args ...any) {
	if doc.d.bad[path] {
		return
	}
	doc.d.errorf(doc.d.nodes[path], path, format, args...)
}

// CheckID reports id, the value of the field at path, unless it is a check
// ID of the catalogue; the nearest one is suggested.
func (doc *Doc) CheckID(path, id string) {
	if _, ok := check.Lookup(id); !ok {
		doc.Errorf(path, "%s is not a check in the catalogue%s", quote(id), suggestCheck(id))
	}
}

// Errors returns the problems found, in file order and capped at
// MaxErrors; none when the document is sound.
func (doc *Doc) Errors() Errors {
	if len(doc.d.errs) == 0 {
		return nil
	}
	return doc.d.errs.capped(doc.d.file)
}

// rootWant is what an empty or mis-shaped manifest should start with.
const rootWant = `a mapping starting with "schema: ` + SchemaID + `"`

// wanted is what the document being decoded should start with.
func (d *decoder) wanted() string {
	if d.want == "" {
		return rootWant
	}
	return d.want
}

// trimWant turns "a mapping starting with X" into "a mapping of keys such
// as X" for a root that is not a mapping.
func trimWant(want string) string {
	if rest, ok := strings.CutPrefix(want, "a mapping starting with "); ok {
		return "a mapping of keys such as " + rest
	}
	return want
}
