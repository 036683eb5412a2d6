package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/manifest"
)

// fixtureManifest declares the fixture's tools in a file, so the SARIF
// export has lines to point at.
const fixtureManifest = `schema: dossier/v1
app:
  name: Orderly
  vendor: Orderly Labs
  version: 1.0.0
  description: Orders from ChatGPT.
  privacyPolicy: https://orderly.example/privacy
  terms: https://orderly.example/terms
  support: support@orderly.example
server:
  url: https://orderly.example/mcp
  auth:
    mode: none
tools:
  - name: get_order
    kind: read
    description: Reads one order.
  - name: cancel_order
    kind: destructive
    description: Cancels an order; cannot be undone.
  - name: send_email
    kind: write
    egress: true
    description: Emails the order to the customer.
  - name: gone_tool
    kind: read
data:
  logRedaction: emails are masked
`

// located is the fixture with its manifest read from fixtureManifest, as
// if from dossier/manifest.yaml.
func located(t *testing.T) *bundle.Bundle {
	t.Helper()
	b := fixture()
	m, err := manifest.Parse("dossier/manifest.yaml", []byte(fixtureManifest))
	if err != nil {
		t.Fatal(err)
	}
	_, src, err := manifest.ParseSource("dossier/manifest.yaml", []byte(fixtureManifest))
	if err != nil {
		t.Fatal(err)
	}
	b.Manifest, b.ManifestSource = m, src
	return b
}

func TestSARIF(t *testing.T) {
	b := located(t)
	data, err := SARIF(b)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := SARIF(b)
	if !bytes.Equal(data, again) {
		t.Fatal("two renders of pack.sarif differ")
	}
	t.Run("valid against the OASIS SARIF 2.1.0 schema", func(t *testing.T) {
		if err := validSARIF(t, data); err != nil {
			t.Fatalf("pack.sarif is not valid SARIF 2.1.0: %v", err)
		}
		// The schema has teeth: a wrong level and a region line 0 are refused.
		for _, bad := range [][2]string{{`"level": "error"`, `"level": "severe"`}, {`"startLine": 11`, `"startLine": 0`}} {
			if !bytes.Contains(data, []byte(bad[0])) {
				t.Fatalf("pack.sarif has no %s to spoil", bad[0])
			}
			if validSARIF(t, bytes.Replace(data, []byte(bad[0]), []byte(bad[1]), 1)) == nil {
				t.Errorf("the schema accepted %s", bad[1])
			}
		}
	})
	t.Run("accepted by GitHub code scanning", func(t *testing.T) {
		if problems := codeScanningProblems(data); len(problems) > 0 {
			t.Fatalf("GitHub code scanning would refuse or misplace pack.sarif:\n%s", strings.Join(problems, "\n"))
		}
		// The rules have teeth: no location, an absolute path, no help.
		for name, spoil := range map[string]func(*sarifLog){
			"no location": func(l *sarifLog) { l.Runs[0].Results[0].Locations = nil },
			"absolute path": func(l *sarifLog) {
				l.Runs[0].Results[0].Locations[0].PhysicalLocation.ArtifactLocation.URI = "/home/ci/manifest.yaml"
			},
			"no help":       func(l *sarifLog) { l.Runs[0].Tool.Driver.Rules[0].Help = nil },
			"empty message": func(l *sarifLog) { l.Runs[0].Results[0].Message.Text = "" },
		} {
			var l sarifLog
			if err := json.Unmarshal(data, &l); err != nil {
				t.Fatal(err)
			}
			spoil(&l)
			spoilt, _ := json.Marshal(l)
			if len(codeScanningProblems(spoilt)) == 0 {
				t.Errorf("the ingestion rules accepted a file with %s", name)
			}
		}
	})

	var log sarifLog
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	var ruleIDs []string
	for _, r := range run.Tool.Driver.Rules {
		ruleIDs = append(ruleIDs, r.ID)
		d, known := check.Lookup(r.ID)
		switch {
		case !known:
			if r.HelpURI != "" || r.FullDescription == nil || r.Help == nil {
				t.Errorf("unknown rule %s: %+v", r.ID, r)
			}
		case r.FullDescription == nil || r.FullDescription.Text != d.Checks:
			t.Errorf("rule %s fullDescription %+v, want what it checks", r.ID, r.FullDescription)
		case r.Help == nil || !strings.Contains(r.Help.Markdown, "**Fails when:**") || !strings.Contains(r.Help.Markdown, "**Remedy:**") || !strings.Contains(r.Help.Text, d.Remedy):
			t.Errorf("rule %s help %+v", r.ID, r.Help)
		case r.HelpURI != check.DocURL+"#"+r.ID:
			t.Errorf("rule %s helpUri %s", r.ID, r.HelpURI)
		}
	}
	wantRules := []string{"listing.terms", "tool.declared", "tool.annotations-explicit", "tool.write-labeled", "tool.destructive-labeled",
		"data.log-redaction", "auth.required", "auth.audience", "widget.csp-declared", "x.unknown-check"}
	if !slices.Equal(ruleIDs, wantRules) {
		t.Errorf("rules = %v\nwant %v (catalogue order, then unknown IDs)", ruleIDs, wantRules)
	}

	// Each result points at the manifest line it rests on.
	type got struct{ id, subject, kind, level, field, at string }
	var results []got
	for _, r := range run.Results {
		if run.Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %s points at rule %d (%s)", r.RuleID, r.RuleIndex, run.Tool.Driver.Rules[r.RuleIndex].ID)
		}
		loc := r.Locations[0]
		pl := loc.PhysicalLocation
		field, _ := r.Properties["manifestField"].(string)
		results = append(results, got{r.RuleID, loc.LogicalLocations[0].FullyQualifiedName, r.Kind, r.Level, field,
			fmt.Sprintf("%s:%d:%d", pl.ArtifactLocation.URI, pl.Region.StartLine, pl.Region.StartColumn)})
	}
	want := []got{
		{"auth.audience", "app", "open", "none", "server.url", "dossier/manifest.yaml:11:3"},
		{"data.log-redaction", "app", "review", "none", "data.logRedaction", "dossier/manifest.yaml:28:3"},
		{"listing.terms", "app", "fail", "warning", "app.terms", "dossier/manifest.yaml:8:3"},
		{"tool.annotations-explicit", "tool:send_email", "fail", "error", "tools[2]", "dossier/manifest.yaml:21:5"},
		// Not declared: the tools list.
		{"tool.declared", "tool:debug_eval", "fail", "error", "tools", "dossier/manifest.yaml:14:1"},
		{"tool.destructive-labeled", "tool:cancel_order", "fail", "error", "tools[1].kind", "dossier/manifest.yaml:19:5"},
		// No tool links the widget: the server URL.
		{"widget.csp-declared", "widget:ui://w/card.html", "fail", "warning", "server.url", "dossier/manifest.yaml:11:3"},
		// The subject is no URL of the manifest's: the server URL.
		{"x.unknown-check", "url:https://example.com/privacy", "fail", "error", "server.url", "dossier/manifest.yaml:11:3"},
	}
	if !slices.Equal(results, want) {
		t.Errorf("results:\n got %v\nwant %v", results, want)
	}
	lines := strings.Split(fixtureManifest, "\n")
	for _, r := range run.Results {
		reg := r.Locations[0].PhysicalLocation.Region
		line := lines[reg.StartLine-1]
		if reg.EndLine != reg.StartLine || reg.EndColumn != len(line)+1 {
			t.Errorf("%s %s: region %+v does not end at the end of line %q", r.RuleID, r.Locations[0].LogicalLocations[0].FullyQualifiedName, reg, line)
		}
		if r.RuleID == "tool.declared" {
			if !strings.Contains(r.Message.Text, hostile) || !strings.HasPrefix(r.Message.Text, "tool:debug_eval: ") {
				t.Errorf("message %q: the subject and the server's text must both be in it", r.Message.Text)
			}
			if ev, _ := r.Properties["evidence"].([]any); len(ev) != 2 || r.Properties["basis"] != "probed" || r.Properties["severity"] != "high" {
				t.Errorf("properties = %v", r.Properties)
			}
			if l := r.Locations[0].LogicalLocations[0]; l.Kind != "function" || l.Name != "debug_eval" {
				t.Errorf("logical location = %+v", l)
			}
		}
	}
}

// TestSARIFLocations: the narrowest manifest field wins, case by case.
func TestSARIFLocations(t *testing.T) {
	b := located(t)
	b.Observation.Tools[0].UI = "ui://w/card.html" // get_order shows the card
	b.Manifest.Attestations = []manifest.Attestation{{Check: "ops.monitoring", By: "A. Person", Date: "2026-01-01", Expires: "2027-01-01", Statement: "Paged."}}
	b.ManifestSource.Positions["attestations[0]"] = manifest.Span{Line: 40, Column: 5, EndColumn: 20}
	for _, tc := range []struct {
		name string
		r    check.Result
		want string
	}{
		{"a tool's kind", check.Result{ID: "tool.write-labeled", Subject: "tool:send_email"}, "tools[2].kind"},
		{"an egress flag", check.Result{ID: "tool.egress-labeled", Subject: "tool:send_email"}, "tools[2].egress"},
		{"no egress flag: the kind", check.Result{ID: "tool.egress-labeled", Subject: "tool:get_order"}, "tools[0].kind"},
		{"no scopes: the tool", check.Result{ID: "auth.scope-enforcement", Subject: "tool:get_order"}, "tools[0]"},
		{"a widget: the tool that shows it", check.Result{ID: "widget.render", Subject: "widget:ui://w/card.html"}, "tools[0]"},
		{"a listing URL", check.Result{ID: "listing.privacy-policy", Subject: "url:https://orderly.example/privacy"}, "app.privacyPolicy"},
		{"an app listing check", check.Result{ID: "listing.support-contact", Subject: "app"}, "app.support"},
		{"an undeclared field: its section", check.Result{ID: "data.retention", Subject: "app"}, "data"},
		{"an attested check: the attestation", check.Result{ID: "ops.monitoring", Subject: "app", Basis: check.Attested}, "attestations[0]"},
		{"nothing narrower: the server URL", check.Result{ID: "transport.origin", Subject: "app"}, "server.url"},
		{"the endpoint: the server URL", check.Result{ID: "submission.endpoint", Subject: "app"}, "server.url"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := locate(b, tc.r); got.Field != tc.want || got.File != "dossier/manifest.yaml" || got.Pos.Line == 0 {
				t.Errorf("locate = %+v, want field %s", got, tc.want)
			}
		})
	}
}

// TestSARIFWithoutSource: a pack made before the manifest's positions were
// recorded still gives every result a physical location, its own
// pack.json, and says why.
func TestSARIFWithoutSource(t *testing.T) {
	data, err := SARIF(fixture())
	if err != nil {
		t.Fatal(err)
	}
	if err := validSARIF(t, data); err != nil {
		t.Fatal(err)
	}
	if p := codeScanningProblems(data); len(p) > 0 {
		t.Fatal(strings.Join(p, "\n"))
	}
	var log sarifLog
	_ = json.Unmarshal(data, &log)
	for _, r := range log.Runs[0].Results {
		al := r.Locations[0].PhysicalLocation.ArtifactLocation
		if al.URI != "pack.json" || al.Description == nil || !strings.Contains(al.Description.Text, "does not record where its manifest") {
			t.Errorf("%s: artifact location %+v", r.RuleID, al)
		}
	}
}

// TestSARIFSample: the SARIF of the sample app's pack (the pipeline's
// golden pack.json, made from samples/orderly/manifest.yaml) passes the
// schema and code scanning's rules, and every location names a line of
// that file that holds what the result rests on.
func TestSARIFSample(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "cmd", "internal", "pipeline", "testdata", "pack.golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var b bundle.Bundle
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatal(err)
	}
	if b.ManifestSource == nil {
		t.Fatal("the sample pack records no manifest source")
	}
	// Plant failures on every kind of subject the sample has, so that each
	// kind gets a location.
	kinds := map[string]bool{}
	for i, r := range b.Results {
		kind, _ := subjectParts(r.Subject)
		if !kinds[kind+r.ID[:3]] {
			kinds[kind+r.ID[:3]] = true
			b.Results[i].Status, b.Results[i].Severity = check.Fail, check.High
		}
	}
	data, err := SARIF(&b)
	if err != nil {
		t.Fatal(err)
	}
	if err := validSARIF(t, data); err != nil {
		t.Fatalf("the sample's pack.sarif is not valid SARIF 2.1.0: %v", err)
	}
	if p := codeScanningProblems(data); len(p) > 0 {
		t.Fatalf("GitHub code scanning would refuse or misplace the sample's pack.sarif:\n%s", strings.Join(p, "\n"))
	}
	file := filepath.Join("..", "..", "samples", "orderly", "manifest.yaml")
	text, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(text), "\n")
	var log sarifLog
	_ = json.Unmarshal(data, &log)
	if len(log.Runs[0].Results) < 8 {
		t.Fatalf("only %d results", len(log.Runs[0].Results))
	}
	for _, r := range log.Runs[0].Results {
		pl := r.Locations[0].PhysicalLocation
		subject := r.Locations[0].LogicalLocations[0].FullyQualifiedName
		field, _ := r.Properties["manifestField"].(string)
		if pl.ArtifactLocation.URI != "samples/orderly/manifest.yaml" || field == "" {
			t.Errorf("%s %s: %+v (field %q)", r.RuleID, subject, pl.ArtifactLocation, field)
			continue
		}
		line := lines[pl.Region.StartLine-1]
		at := string([]rune(line)[pl.Region.StartColumn-1:])
		// The line holds the field: its key, or the list entry's first key.
		key := field[strings.LastIndexAny(field, ".]")+1:]
		if strings.HasSuffix(field, "]") {
			key = "name"
		}
		if strings.TrimSpace(at) == "" || !strings.Contains(line, key+":") && !strings.HasPrefix(strings.TrimSpace(line), "- ") {
			t.Errorf("%s %s rests on %s, but line %d is %q", r.RuleID, subject, field, pl.Region.StartLine, line)
		}
		if kind, name := subjectParts(subject); kind == "tool" && strings.HasPrefix(field, "tools[") {
			i, _ := strconv.Atoi(field[len("tools["):strings.Index(field, "]")])
			if b.Manifest.Tools[i].Name != name {
				t.Errorf("%s %s points at tools[%d], which is %s", r.RuleID, subject, i, b.Manifest.Tools[i].Name)
			}
		}
	}
}

// validSARIF validates data against the official SARIF 2.1.0 schema.
func validSARIF(t *testing.T, data []byte) error {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "sarif-schema-2.1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("sarif-schema-2.1.0.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatalf("compiling the SARIF schema: %v", err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return err
	}
	return s.Validate(v)
}

// codeScanningProblems applies GitHub code scanning's documented SARIF
// ingestion rules ("SARIF support for code scanning": the properties it
// requires, and its upload limits) and lists what breaks them.
func codeScanningProblems(data []byte) []string {
	var p []string
	bad := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }
	var log struct {
		Schema  string `json:"$schema"`
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID               string         `json:"id"`
						Name             string         `json:"name"`
						ShortDescription *sarifMessage  `json:"shortDescription"`
						FullDescription  *sarifMessage  `json:"fullDescription"`
						Help             *sarifHelp     `json:"help"`
						Default          *sarifConfig   `json:"defaultConfiguration"`
						Properties       map[string]any `json:"properties"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID              string            `json:"ruleId"`
				RuleIndex           *int              `json:"ruleIndex"`
				Message             sarifMessage      `json:"message"`
				Locations           []sarifLocation   `json:"locations"`
				PartialFingerprints map[string]string `json:"partialFingerprints"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &log); err != nil {
		return []string{err.Error()}
	}
	if log.Schema == "" || log.Version != "2.1.0" {
		bad("$schema %q and version %q: both required, version 2.1.0", log.Schema, log.Version)
	}
	if len(log.Runs) == 0 || len(log.Runs) > 20 {
		bad("%d runs: want 1 to 20", len(log.Runs))
	}
	for _, run := range log.Runs {
		d := run.Tool.Driver
		if d.Name == "" {
			bad("tool.driver.name is empty")
		}
		if len(d.Rules) > 25000 || len(run.Results) > 25000 {
			bad("%d rules, %d results: at most 25,000 each", len(d.Rules), len(run.Results))
		}
		rules := map[string]bool{}
		for _, r := range d.Rules {
			rules[r.ID] = true
			switch {
			case r.ID == "":
				bad("a rule without id")
			case len(r.Name) > 255:
				bad("rule %s: name longer than 255", r.ID)
			case r.ShortDescription == nil || r.ShortDescription.Text == "" || len(r.ShortDescription.Text) > 1024:
				bad("rule %s: shortDescription.text required, at most 1024 characters", r.ID)
			case r.FullDescription == nil || r.FullDescription.Text == "" || len(r.FullDescription.Text) > 1024:
				bad("rule %s: fullDescription.text required, at most 1024 characters", r.ID)
			case r.Help == nil || r.Help.Text == "":
				bad("rule %s: help.text required", r.ID)
			case r.Default != nil && !slices.Contains([]string{"note", "warning", "error"}, r.Default.Level):
				bad("rule %s: defaultConfiguration.level %q", r.ID, r.Default.Level)
			}
			if tags, _ := r.Properties["tags"].([]any); len(tags) > 20 {
				bad("rule %s: %d tags, at most 20", r.ID, len(tags))
			}
			if s, ok := r.Properties["security-severity"].(string); ok {
				if f, err := strconv.ParseFloat(s, 64); err != nil || f <= 0 || f > 10 {
					bad("rule %s: security-severity %q is not a score in (0, 10]", r.ID, s)
				}
			}
		}
		for i, res := range run.Results {
			where := fmt.Sprintf("result %d (%s)", i, res.RuleID)
			if res.RuleID == "" || !rules[res.RuleID] {
				bad("%s: ruleId names no rule", where)
			}
			if res.RuleIndex != nil && (*res.RuleIndex < 0 || *res.RuleIndex >= len(d.Rules) || d.Rules[*res.RuleIndex].ID != res.RuleID) {
				bad("%s: ruleIndex %d is not its rule", where, *res.RuleIndex)
			}
			if strings.TrimSpace(res.Message.Text) == "" {
				bad("%s: message.text is empty", where)
			}
			if len(res.Locations) == 0 || len(res.Locations) > 10 {
				bad("%s: %d locations, want 1 to 10", where, len(res.Locations))
				continue
			}
			pl := res.Locations[0].PhysicalLocation
			u, err := url.Parse(pl.ArtifactLocation.URI)
			switch {
			case pl.ArtifactLocation.URI == "" || err != nil:
				bad("%s: artifactLocation.uri %q is not a URI", where, pl.ArtifactLocation.URI)
			case u.IsAbs() || strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "../") || u.Path == "..":
				bad("%s: artifactLocation.uri %q is not relative to the repository root", where, pl.ArtifactLocation.URI)
			}
			rg := pl.Region
			if rg.StartLine < 1 || rg.StartColumn < 1 || rg.EndLine < rg.StartLine || (rg.EndLine == rg.StartLine && rg.EndColumn <= rg.StartColumn) {
				bad("%s: region %+v: startLine, startColumn, endLine and endColumn are required and must be ordered", where, rg)
			}
			if len(res.PartialFingerprints) == 0 {
				bad("%s: no partialFingerprints", where)
			}
		}
	}
	return p
}
