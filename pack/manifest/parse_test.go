package manifest

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// base is the smallest valid manifest; the cases edit it so each error's
// position can be read off the line numbers in the comment column.
const base = `schema: dossier/v1
app:
  name: Acme
  vendor: Acme Corp
  version: "1.0"
  description: Notes.
server:
  url: https://mcp.acme.example/mcp
  auth:
    mode: none
tools:
  - name: search
    kind: read
`

// edit returns base with each old string replaced by the new one that
// follows it; it panics if one is missing, so a stale case fails loudly.
func edit(pairs ...string) string {
	s := base
	for i := 0; i < len(pairs); i += 2 {
		if !strings.Contains(s, pairs[i]) {
			panic("edit: " + pairs[i] + " not in base")
		}
		s = strings.Replace(s, pairs[i], pairs[i+1], 1)
	}
	return s
}

func TestParseValid(t *testing.T) {
	m, err := Load(filepath.Join("testdata", "valid.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if m.File != filepath.Join("testdata", "valid.yaml") || m.Dir != "testdata" {
		t.Errorf("File, Dir = %q, %q", m.File, m.Dir)
	}
	if m.Schema != SchemaID || m.App.Version != "2.3.0" || len(m.Tools) != 4 || m.Server.Auth.Mode != AuthOAuth {
		t.Errorf("decoded %+v", m)
	}
	if m.Server.Auth.RefreshRotation == nil || !*m.Server.Auth.RefreshRotation {
		t.Errorf("refreshRotation = %v, want true", m.Server.Auth.RefreshRotation)
	}
	tool, ok := m.Tool("create_note")
	if !ok || !tool.IsWrite() || tool.Inputs["title"].Purpose != "the new note's title" {
		t.Errorf("create_note = %+v", tool)
	}
	if got := tool.Example["due"]; got != "2025-07-01" {
		t.Errorf("example date = %#v, want the string as written", got)
	}
	if got, ok := tool.Example["tags"].([]any); !ok || len(got) != 2 {
		t.Errorf("example tags = %#v", tool.Example["tags"])
	}
	if m.Data.Deletion == nil || m.Data.Deletion.Within != "30d" || m.Operations.PatchPolicy.Critical != "72h" {
		t.Errorf("data, operations = %+v, %+v", m.Data, m.Operations)
	}
	if len(m.Attestations) != 1 || m.Attestations[0].Expires != "2026-06-01" {
		t.Errorf("attestations = %+v", m.Attestations)
	}
	if m, err := Parse("m.yaml", []byte(base)); err != nil || m.File != "m.yaml" {
		t.Errorf("base: %v, %v", m, err)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{
			name: "unknown key with did-you-mean",
			yaml: edit("  vendor:", "  vendr:"),
			want: []string{`m.yaml:4:3: app.vendr: unknown key "vendr" (did you mean "vendor"?)`},
		},
		{
			name: "unknown key far from any",
			yaml: edit("app:\n", "app:\n  colour: red\n"),
			want: []string{`m.yaml:3:3: app.colour: unknown key "colour" (valid keys: name, vendor, version, description, privacyPolicy, terms, support, plans, regions, workspace)`},
		},
		{
			name: "mapping where a list is expected",
			yaml: edit("  - name: search\n    kind: read\n", "  name: search\n"),
			want: []string{`m.yaml:12:3: tools: expected a list, got a mapping (!!map)`},
		},
		{
			name: "string where a boolean is expected",
			yaml: edit("    kind: read\n", "    kind: read\n    egress: yes\n"),
			want: []string{`m.yaml:14:13: tools[0].egress: expected a boolean (true or false), got a string (!!str "yes")`},
		},
		{
			name: "boolean where a string is expected",
			yaml: edit("name: Acme", "name: true"),
			want: []string{`m.yaml:3:9: app.name: expected a string, got a boolean (!!bool "true"); quote it if you mean the text`},
		},
		{
			name: "missing required key",
			yaml: edit("  vendor: Acme Corp\n", ""),
			want: []string{`m.yaml:3:3: app.vendor: missing required key "vendor"`},
		},
		{
			name: "required key left empty",
			yaml: edit("name: Acme", "name:"),
			want: []string{`m.yaml:3:8: app.name: must not be empty`},
		},
		{
			name: "bad enum",
			yaml: edit("kind: read", "kind: writ"),
			want: []string{`m.yaml:13:11: tools[0].kind: "writ" is not one of read, write, destructive (did you mean "write"?)`},
		},
		{
			name: "bad duration",
			yaml: edit("    mode: none\n", "    mode: none\n    tokenLifetime: 3 days\n"),
			want: []string{`m.yaml:11:20: server.auth.tokenLifetime: "3 days" is not a duration (want a number and a unit m, h, d, w or y, such as "30d")`},
		},
		{
			name: "bad date and expiry before date",
			yaml: base + "attestations:\n  - check: ops.audit-logs\n    by: Jane\n    date: 2025-13-01\n    expires: 2025-01-01\n    statement: yes\n" +
				"  - check: ops.monitoring\n    by: Jane\n    date: 2025-06-01\n    expires: 2025-01-01\n    statement: yes\n",
			want: []string{
				`m.yaml:17:11: attestations[0].date: "2025-13-01" is not a calendar date`,
				`m.yaml:23:14: attestations[1].expires: "2025-01-01" is not after the date "2025-06-01"`,
			},
		},
		{
			name: "bad URL",
			yaml: edit("url: https://mcp.acme.example/mcp", "url: mcp.acme.example/mcp"),
			want: []string{`m.yaml:8:8: server.url: "mcp.acme.example/mcp" is not an absolute http or https URL`},
		},
		{
			name: "bad support contact",
			yaml: edit("  description: Notes.\n", "  description: Notes.\n  support: call us\n"),
			want: []string{`m.yaml:7:12: app.support: "call us" is neither an email address nor an http or https URL`},
		},
		{
			name: "wrong schema",
			yaml: edit("dossier/v1", "dossier/v2"),
			want: []string{`m.yaml:1:9: schema: "dossier/v2" is not a schema this version reads (want "dossier/v1")`},
		},
		{
			name: "duplicate tool",
			yaml: base + "  - name: search\n    kind: write\n",
			want: []string{`m.yaml:14:11: tools[1].name: tool "search" is declared twice (first at line 12)`},
		},
		{
			name: "duplicate key",
			yaml: edit("  vendor: Acme Corp\n", "  vendor: Acme Corp\n  name: Acme Notes\n"),
			want: []string{`m.yaml:5:3: app.name: duplicate key "name" (first at line 3)`},
		},
		{
			name: "token in the manifest",
			yaml: base + "probe:\n  tokens:\n    - env: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U\n",
			want: []string{`m.yaml:16:12: probe.tokens[0].env: this looks like a JWT: put the token in the environment variable, not in the manifest, and name the variable here`},
		},
		{
			name: "random token in the manifest",
			yaml: base + "probe:\n  tokens:\n    - env: 9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c\n",
			want: []string{`m.yaml:16:12: probe.tokens[0].env: this looks like a random token: put the token in the environment variable, not in the manifest, and name the variable here`},
		},
		{
			name: "env var name",
			yaml: base + "probe:\n  tokens:\n    - env: dossier-token\n",
			want: []string{`m.yaml:16:12: probe.tokens[0].env: "dossier-token" is not an environment variable name (want upper case letters, digits and underscores, such as "DOSSIER_TOKEN")`},
		},
		{
			name: "API key in any field",
			yaml: edit("description: Notes.", "description: use sk-proj-abcdefghijklmnopqrstuvwxyz012345"),
			want: []string{`m.yaml:6:16: app.description: this looks like an API key: secrets do not belong in the manifest; remove it`},
		},
		{
			name: "oauth without issuer",
			yaml: edit("mode: none", "mode: oauth"),
			want: []string{`m.yaml:10:5: server.auth.issuer: missing key "issuer", required when mode is "oauth"`},
		},
		{
			name: "callable tool not declared",
			yaml: base + "probe:\n  callable: [serch]\n",
			want: []string{`m.yaml:15:14: probe.callable[0]: "serch" is not a declared tool (did you mean "search"?)`},
		},
		{
			name: "unknown check IDs",
			yaml: base + "evidence:\n  - path: a.png\n    title: A\n    check: evidense.confirmation\n    tool: search\n" +
				"attestations:\n  - check: ops.audit-log\n    by: Jane\n    date: 2025-01-01\n    expires: 2026-01-01\n    statement: yes\n",
			want: []string{
				`m.yaml:17:12: evidence[0].check: "evidense.confirmation" is not a check ID (want group.name with group one of listing, tool, data, auth, transport, widget, evidence, ops, resubmit) (did you mean "evidence.confirmation"?)`,
				`m.yaml:20:12: attestations[0].check: "ops.audit-log" is not a check in the catalogue (did you mean "ops.audit-logs"?)`,
			},
		},
		{
			name: "waiver of an unknown check, for an undeclared tool, ending before it starts",
			yaml: base + "waivers:\n  - check: tool.egress-label\n    subject: tool:serch\n    reason: r\n    owner: Jane\n    date: 2026-01-01\n    expires: 2025-01-01\n",
			want: []string{
				`m.yaml:15:12: waivers[0].check: "tool.egress-label" is not a check in the catalogue (did you mean "tool.egress-labeled"?)`,
				`m.yaml:16:14: waivers[0].subject: "serch" is not a declared tool (did you mean "search"?)`,
				`m.yaml:20:14: waivers[0].expires: "2025-01-01" is not after the date "2026-01-01"`,
			},
		},
		{
			name: "test cases naming an undeclared tool, and a negative case that triggers one",
			yaml: base + "submission:\n  testCases:\n    - description: d\n      prompt: p\n      tool: serch\n      expected: e\n  negativeTestCases:\n    - description: d\n      prompt: p\n      tool: search\n      expected: e\n",
			want: []string{
				`m.yaml:18:13: submission.testCases[0].tool: "serch" is not a declared tool (did you mean "search"?)`,
				`m.yaml:23:13: submission.negativeTestCases[0].tool: a negative test case must not trigger a tool; leave tool out`,
			},
		},
		{
			name: "evidence path outside the manifest directory",
			yaml: base + "evidence:\n  - path: ../../etc/passwd\n    title: A\n",
			want: []string{`m.yaml:15:11: evidence[0].path: "../../etc/passwd" must be a relative path inside the manifest's directory`},
		},
		{
			name: "alias",
			yaml: edit("  name: Acme\n", "  name: &n Acme\n", "  vendor: Acme Corp\n", "  vendor: *n\n"),
			want: []string{
				`m.yaml:3:9: anchors (&n) are not allowed: write the value out`,
				`m.yaml:4:11: aliases (*n) are not allowed: write the value out`,
			},
		},
		{
			name: "empty file",
			yaml: "",
			want: []string{`m.yaml: file is empty (want a mapping starting with "schema: dossier/v1")`},
		},
		{
			name: "only comments",
			yaml: "# nothing yet\n---\n",
			want: []string{`m.yaml: file is empty (want a mapping starting with "schema: dossier/v1")`},
		},
		{
			name: "not a mapping",
			yaml: "- schema: dossier/v1\n",
			want: []string{`m.yaml:1:1: expected a mapping of keys such as "schema: dossier/v1", got a list (!!seq)`},
		},
		{
			name: "multiple documents",
			yaml: base + "---\nschema: dossier/v1\n",
			want: []string{`m.yaml:14:1: file holds more than one YAML document (want exactly one; remove the "---" separator)`},
		},
		{
			name: "tab indentation",
			yaml: edit("  name: Acme", "\tname: Acme"),
			want: []string{`m.yaml:3:1: invalid YAML: found character that cannot start any token (indent with spaces: YAML does not allow tabs here)`},
		},
		{
			name: "unclosed bracket",
			yaml: base + "probe:\n  callable: [search\n",
			want: []string{`m.yaml:15: invalid YAML: did not find expected ',' or ']'`},
		},
		{
			name: "bad indentation",
			yaml: edit("  vendor: Acme Corp\n", " vendor: Acme Corp\n"),
			want: []string{`m.yaml:4: invalid YAML: did not find expected key`},
		},
		{
			name: "syntax error on the first line",
			yaml: "\"schema: dossier/v1\n",
			want: []string{`m.yaml:1: invalid YAML: found unexpected end of stream`},
		},
		{
			name: "control character",
			yaml: edit("Notes.", "No\x07tes."),
			want: []string{`m.yaml:6:18: control character U+0007 is not allowed`},
		},
		{
			name: "three errors at once",
			yaml: edit("  vendor:", "  vendr:", "kind: read", "kind: writ", "url: https://", "url: ftp://"),
			want: []string{
				`m.yaml:4:3: app.vendr: unknown key "vendr" (did you mean "vendor"?)`,
				`m.yaml:8:8: server.url: "ftp://mcp.acme.example/mcp" is not an absolute http or https URL`,
				`m.yaml:13:11: tools[0].kind: "writ" is not one of read, write, destructive (did you mean "write"?)`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse("m.yaml", []byte(tt.yaml))
			if m != nil {
				t.Errorf("manifest = %+v, want nil", m)
			}
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("error %v (%T) is not Errors", err, err)
			}
			var got []string
			for _, e := range errs {
				got = append(got, e.Error())
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if err.Error() != strings.Join(got, "\n") {
				t.Errorf("Errors.Error() = %q", err.Error())
			}
		})
	}
}

func TestErrorFields(t *testing.T) {
	_, err := Parse("manifest.yaml", []byte(edit("kind: read", "kind: writ")))
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("errors.As(*Error) failed on %v", err)
	}
	want := Error{File: "manifest.yaml", Line: 13, Column: 11, Path: "tools[0].kind", Msg: `"writ" is not one of read, write, destructive (did you mean "write"?)`}
	if *e != want {
		t.Errorf("got %+v, want %+v", *e, want)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(filepath.Join(dir, "missing.yaml")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, []byte(base+"#"+strings.Repeat("x", MaxSize)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var errs Errors
	if _, err := Load(big); !errors.As(err, &errs) || errs[0].Error() != big+": file is larger than 4 MiB" {
		t.Errorf("big file: %v", err)
	}
}

func TestNodeBound(t *testing.T) {
	s := base + "probe:\n  callable: [" + strings.Repeat("search, ", MaxNodes) + "search]\n"
	_, err := Parse("m.yaml", []byte(s))
	var errs Errors
	if !errors.As(err, &errs) || len(errs) != 1 || errs[0].Msg != "document has more than 100000 YAML nodes" {
		t.Errorf("got %v", err)
	}
}

func TestDuration(t *testing.T) {
	tests := []struct {
		name string
		in   Duration
		want time.Duration
		str  string
		bad  bool
	}{
		{name: "minutes", in: "30m", want: 30 * time.Minute, str: "30 minutes"},
		{name: "one hour", in: "1h", want: time.Hour, str: "1 hour"},
		{name: "days", in: "30d", want: 30 * 24 * time.Hour, str: "30 days"},
		{name: "weeks", in: "2w", want: 14 * 24 * time.Hour, str: "2 weeks"},
		{name: "year is 365 days", in: "1y", want: 365 * 24 * time.Hour, str: "1 year"},
		{name: "no unit", in: "30", bad: true, str: "30"},
		{name: "seconds not allowed", in: "30s", bad: true, str: "30s"},
		{name: "overflow", in: "999999y", bad: true, str: "999999 years"},
		{name: "empty", in: "", bad: true, str: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.in.Std()
			if (err != nil) != tt.bad || got != tt.want {
				t.Errorf("Std() = %v, %v", got, err)
			}
			if s := tt.in.String(); s != tt.str {
				t.Errorf("String() = %q, want %q", s, tt.str)
			}
		})
	}
}

func TestDate(t *testing.T) {
	tests := []struct {
		name string
		in   Date
		want time.Time
		bad  bool
	}{
		{name: "good", in: "2025-06-01", want: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)},
		{name: "leap day", in: "2024-02-29", want: time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)},
		{name: "not a leap year", in: "2025-02-29", bad: true},
		{name: "timestamp", in: "2025-06-01T00:00:00Z", bad: true},
		{name: "short", in: "2025-6-1", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.in.Time()
			if (err != nil) != tt.bad || !got.Equal(tt.want) {
				t.Errorf("Time() = %v, %v", got, err)
			}
		})
	}
}
