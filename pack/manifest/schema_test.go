package manifest

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dossier-dev/dossier/pack/packtest"
)

var update = flag.Bool("update", false, "rewrite testdata/schema.golden.json and FORMAT.md")

// golden compares got with the file at path, or rewrites it under -update.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	packtest.Golden(t, path, got, *update, "go test ./pack/manifest -update")
}

func TestSchemaGolden(t *testing.T) {
	if !bytes.Equal(Schema(), Schema()) {
		t.Fatal("Schema() is not deterministic")
	}
	golden(t, filepath.Join("testdata", "schema.golden.json"), Schema())
}

// TestSchemaCoversTypes checks the schema parses and that every yaml key of
// every type is a property of that type's definition, with its required
// flag and enum.
func TestSchemaCoversTypes(t *testing.T) {
	var s map[string]any
	if err := json.Unmarshal(Schema(), &s); err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	if s["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %v", s["$schema"])
	}
	defs := s["$defs"].(map[string]any)
	for _, typ := range sections() {
		obj := s
		if typ.t != reflect.TypeFor[Manifest]() {
			d, ok := defs[typ.t.Name()].(map[string]any)
			if !ok {
				t.Errorf("no $defs/%s", typ.t.Name())
				continue
			}
			obj = d
		}
		if obj["additionalProperties"] != false {
			t.Errorf("%s allows additional properties", typ.t.Name())
		}
		props := obj["properties"].(map[string]any)
		required, _ := obj["required"].([]any)
		for _, f := range fields(typ.t) {
			p, ok := props[f.key].(map[string]any)
			if !ok {
				t.Errorf("%s.%s missing from the schema", typ.t.Name(), f.key)
				continue
			}
			if p["description"] == nil {
				t.Errorf("%s.%s has no description", typ.t.Name(), f.key)
			}
			if got := fmt.Sprint(required); f.required != strings.Contains(" "+strings.Trim(got, "[]")+" ", " "+f.key+" ") {
				t.Errorf("%s.%s required = %v in %v", typ.t.Name(), f.key, f.required, got)
			}
			if f.enum != nil && fmt.Sprint(p["enum"]) != fmt.Sprint(f.enum) {
				t.Errorf("%s.%s enum = %v, want %v", typ.t.Name(), f.key, p["enum"], f.enum)
			}
		}
		if len(props) != len(fields(typ.t)) {
			t.Errorf("%s has %d properties, want %d", typ.t.Name(), len(props), len(fields(typ.t)))
		}
	}
	for _, name := range []string{"Duration", "Date"} {
		if defs[name].(map[string]any)["pattern"] == nil {
			t.Errorf("$defs/%s has no pattern", name)
		}
	}
}

// section is one struct type of the manifest and the path it sits at.
type section struct {
	path string
	t    reflect.Type
}

// sections lists the manifest's struct types in document order, each once,
// with the path where it appears.
func sections() []section {
	var out []section
	seen := map[reflect.Type]bool{}
	var walk func(path string, t reflect.Type)
	walk = func(path string, t reflect.Type) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		switch t.Kind() {
		case reflect.Slice:
			walk(path+"[]", t.Elem())
			return
		case reflect.Map:
			walk(path+".NAME", t.Elem())
			return
		case reflect.Struct:
		default:
			return
		}
		if seen[t] {
			return
		}
		seen[t] = true
		out = append(out, section{path, t})
		for _, f := range fields(t) {
			walk(join(path, f.key), t.Field(f.index).Type)
		}
	}
	walk("", reflect.TypeFor[Manifest]())
	return out
}

// typeName spells a field's type for FORMAT.md.
func typeName(t reflect.Type, typ, key string) string {
	switch t {
	case reflect.TypeFor[Duration]():
		return "duration"
	case reflect.TypeFor[Date]():
		return "date"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return typeName(t.Elem(), typ, key)
	case reflect.Slice:
		return "list of " + typeName(t.Elem(), typ, key)
	case reflect.Map:
		if t.Elem().Kind() == reflect.Interface {
			return "mapping of any values"
		}
		return "mapping of name → " + typeName(t.Elem(), typ, key)
	case reflect.Struct:
		for _, s := range sections() {
			if s.t == t {
				return fmt.Sprintf("[mapping](#%s)", anchor(s.path))
			}
		}
		return "mapping"
	case reflect.Bool:
		return "boolean"
	case reflect.String:
		x := fieldExtras(typ, key)
		switch {
		case x["const"] != nil:
			return "string"
		case x["format"] == "uri":
			return "URL"
		case x["format"] == "email":
			return "email"
		case x["anyOf"] != nil:
			return "email or URL"
		}
		return "string"
	}
	return "any"
}

// anchor is GitHub's anchor for a heading.
func anchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('-')
		}
	}
	return b.String()
}

// formatReference renders FORMAT.md from the types and fieldDoc, so the
// reference cannot drift from what Load accepts.
func formatReference() []byte {
	var b bytes.Buffer
	b.WriteString(`# The dossier/v1 manifest format

The manifest is one YAML document describing what the vendor claims about a
ChatGPT app. ` + "`dossier`" + ` reads it strictly: unknown keys, wrong types,
missing required keys, duplicate keys, anchors and aliases, and more than one
document are all errors, reported together with ` + "`file:line:column`" + ` and the
key's path. A JSON Schema for editors is printed by ` + "`manifest.Schema()`" + `.

Value types: a **duration** is a number and a unit, ` + "`m`" + ` (minutes), ` + "`h`" + `,
` + "`d`" + `, ` + "`w`" + ` or ` + "`y`" + ` (365 days), such as ` + "`30d`" + `; a **date** is ` + "`YYYY-MM-DD`" + `; a
**URL** is an absolute ` + "`http`" + ` or ` + "`https`" + ` URL. Check IDs are those of the
catalogue, such as ` + "`ops.audit-logs`" + `. Secrets never go in the manifest:
name the environment variable that holds a token instead.

Besides its structure, a manifest must satisfy: ` + "`schema`" + ` is ` + "`" + SchemaID + "`" + `; tool
names are unique; ` + "`server.auth.issuer`" + ` is given when ` + "`mode`" + ` is ` + "`oauth`" + ` or
` + "`mixed`" + `; ` + "`probe.callable`" + ` and ` + "`evidence[].tool`" + ` name declared tools;
` + "`attestations[].expires`" + ` is after ` + "`date`" + `; ` + "`evidence[].path`" + ` stays inside the
manifest's directory. See ` + "`testdata/valid.yaml`" + ` for a manifest that uses every key.
`)
	for _, s := range sections() {
		title := s.path
		if title == "" {
			title = "top level"
		}
		fmt.Fprintf(&b, "\n## %s\n\n%s\n\n", title, typeDoc(s.t.Name()))
		b.WriteString("| Key | Type | Required | Meaning |\n|---|---|---|---|\n")
		for _, f := range fields(s.t) {
			ft := s.t.Field(f.index)
			tn := typeName(ft.Type, s.t.Name(), f.key)
			if f.enum != nil {
				tn = "one of " + strings.Join(f.enum, ", ")
			}
			req := "no"
			if f.required {
				req = "yes"
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", f.key, tn, req, fieldDoc(s.t.Name(), f.key))
		}
	}
	return b.Bytes()
}

func TestFormatReference(t *testing.T) {
	golden(t, "FORMAT.md", formatReference())
}
