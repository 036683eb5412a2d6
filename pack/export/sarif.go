package export

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/manifest"
)

// SARIFSchema is the URI pack.sarif names in its $schema.
const SARIFSchema = "https://json.schemastore.org/sarif-2.1.0.json"

// The SARIF 2.1.0 subset pack.sarif uses. Field names follow the OASIS
// standard; omitempty keeps absent members absent, as the schema wants.
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool        sarifTool         `json:"tool"`
		Invocations []sarifInvocation `json:"invocations"`
		Results     []sarifResult     `json:"results"`
		Properties  map[string]any    `json:"properties,omitempty"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		Version        string      `json:"version,omitempty"`
		InformationURI string      `json:"informationUri,omitempty"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID                   string         `json:"id"`
		Name                 string         `json:"name,omitempty"`
		ShortDescription     *sarifMessage  `json:"shortDescription,omitempty"`
		FullDescription      *sarifMessage  `json:"fullDescription,omitempty"`
		Help                 *sarifHelp     `json:"help,omitempty"`
		HelpURI              string         `json:"helpUri,omitempty"`
		DefaultConfiguration *sarifConfig   `json:"defaultConfiguration,omitempty"`
		Properties           map[string]any `json:"properties,omitempty"`
	}
	sarifHelp struct {
		Text     string `json:"text"`
		Markdown string `json:"markdown,omitempty"`
	}
	sarifConfig struct {
		Level string `json:"level"`
	}
	sarifInvocation struct {
		ExecutionSuccessful        bool                `json:"executionSuccessful"`
		StartTimeUTC               string              `json:"startTimeUtc,omitempty"`
		ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
	}
	sarifNotification struct {
		Level   string       `json:"level"`
		Message sarifMessage `json:"message"`
	}
	sarifResult struct {
		RuleID              string            `json:"ruleId"`
		RuleIndex           int               `json:"ruleIndex"`
		Kind                string            `json:"kind"`
		Level               string            `json:"level"`
		Message             sarifMessage      `json:"message"`
		Locations           []sarifLocation   `json:"locations"`
		PartialFingerprints map[string]string `json:"partialFingerprints"`
		Properties          map[string]any    `json:"properties"`
	}
	sarifMessage struct {
		Text string `json:"text"`
	}
	sarifLocation struct {
		PhysicalLocation sarifPhysicalLocation  `json:"physicalLocation"`
		LogicalLocations []sarifLogicalLocation `json:"logicalLocations"`
	}
	sarifPhysicalLocation struct {
		ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
		Region           sarifRegion           `json:"region"`
	}
	sarifArtifactLocation struct {
		URI         string        `json:"uri"`
		URIBaseID   string        `json:"uriBaseId,omitempty"`
		Description *sarifMessage `json:"description,omitempty"`
	}
	sarifRegion struct {
		StartLine   int `json:"startLine"`
		StartColumn int `json:"startColumn"`
		EndLine     int `json:"endLine"`
		EndColumn   int `json:"endColumn"`
	}
	sarifLogicalLocation struct {
		Name               string `json:"name"`
		FullyQualifiedName string `json:"fullyQualifiedName"`
		Kind               string `json:"kind"`
	}
)

// securitySeverity is the numeric severity code-scanning tools sort by.
func securitySeverity(s check.Severity) string {
	switch s {
	case check.Critical:
		return "9.5"
	case check.High:
		return "8.0"
	case check.Medium:
		return "5.5"
	case check.Low:
		return "3.0"
	}
	return "1.0"
}

// SARIF renders the check results as one SARIF 2.1.0 run. The rules are the
// catalogue entries the pack has results for, in catalogue order, each with
// its description, help and a link into docs/checks.md. Results are
// written for what needs attention: fail (level error) and warn (level
// warning) as kind "fail"; manual as kind "review" and error (the probe
// could not run) as kind "open", both level "none" because SARIF allows
// another level only with kind "fail". Passes and n/a are counted in the
// run's properties, not listed. Every result has a physical location: the
// manifest line it rests on (locate), so code scanning can show it in the
// file the vendor edits.
func SARIF(b *bundle.Bundle) ([]byte, error) {
	if b == nil {
		return nil, fmt.Errorf("rendering sarif: no bundle")
	}
	rules, index := sarifRules(b.Results)
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name:           "dossier",
			Version:        b.Generator.Version,
			InformationURI: "https://github.com/dossier-dev/dossier",
			Rules:          rules,
		}},
		Invocations: []sarifInvocation{{ExecutionSuccessful: true, StartTimeUTC: b.Created.UTC().Format(time.RFC3339),
			ToolExecutionNotifications: unjudgedNotes(b.Summary)}},
		Results: []sarifResult{},
		Properties: map[string]any{
			"app":      b.App.Name,
			"vendor":   b.App.Vendor,
			"version":  b.App.Version,
			"server":   b.Observation.Server.URL,
			"byStatus": b.Summary.ByStatus,
			"verdict":  b.Summary.Verdict,
			"unjudged": b.Summary.Unjudged(),
		},
	}
	for _, r := range b.Results {
		kind, level := sarifKindLevel(r)
		if kind == "" {
			continue
		}
		sub, name := subjectParts(r.Subject)
		msg := r.Detail
		if strings.TrimSpace(msg) == "" {
			msg = string(r.Status) + ": " + r.ID
		}
		if r.Subject != "app" {
			// Code scanning shows the message as the alert's title, without
			// the logical location: name the subject in it.
			msg = r.Subject + ": " + msg
		}
		at := locate(b, r)
		props := map[string]any{"status": r.Status, "basis": r.Basis}
		if at.Field != "" {
			props["manifestField"] = at.Field
		}
		if r.Severity != "" {
			props["severity"] = r.Severity
		}
		if ids := evidenceIDs(r.Evidence); ids != nil {
			props["evidence"] = ids
		}
		run.Results = append(run.Results, sarifResult{
			RuleID:    r.ID,
			RuleIndex: index[r.ID],
			Kind:      kind,
			Level:     level,
			Message:   sarifMessage{Text: msg},
			Locations: []sarifLocation{{
				PhysicalLocation: physicalLocation(at),
				LogicalLocations: []sarifLogicalLocation{{Name: name, FullyQualifiedName: r.Subject, Kind: logicalKind(sub)}},
			}},
			// Check ID and subject identify a result across packs, so CI can
			// tell a new finding from one it has seen.
			PartialFingerprints: map[string]string{"dossierResult/v1": r.ID + "|" + r.Subject},
			Properties:          props,
		})
	}
	data, err := indentJSON(sarifLog{Schema: SARIFSchema, Version: "2.1.0", Runs: []sarifRun{run}})
	if err != nil {
		return nil, fmt.Errorf("encoding pack.sarif: %w", err)
	}
	return data, nil
}

// physicalLocation turns a manifest place into a SARIF location relative
// to the source root (in CI, the repository). A pack that does not record
// its manifest's path points at its own pack.json, first line, and says so.
func physicalLocation(at place) sarifPhysicalLocation {
	if at.File == "" {
		return sarifPhysicalLocation{
			ArtifactLocation: sarifArtifactLocation{URI: "pack.json", Description: &sarifMessage{
				Text: "This pack does not record where its manifest was read from; build it again with this version of dossier to point at the manifest line."}},
			Region: sarifRegion{StartLine: 1, StartColumn: 1, EndLine: 1, EndColumn: 2},
		}
	}
	pos := at.Pos
	if pos.Line < 1 {
		pos = manifest.Span{Line: 1, Column: 1, EndColumn: 2}
	}
	return sarifPhysicalLocation{
		ArtifactLocation: sarifArtifactLocation{URI: at.File, URIBaseID: "%SRCROOT%"},
		Region:           sarifRegion{StartLine: pos.Line, StartColumn: pos.Column, EndLine: pos.Line, EndColumn: max(pos.EndColumn, pos.Column+1)},
	}
}

// unjudgedNotes tells a SARIF reader, which lists only the results that
// need attention, that the run is incomplete: the count of checks that
// could not be judged, and what each lacking precondition needs. The
// probe ran, so the invocation still succeeded.
func unjudgedNotes(s bundle.Summary) []sarifNotification {
	if s.Unjudged() == 0 {
		return nil
	}
	notes := []sarifNotification{{Level: "warning", Message: sarifMessage{Text: bundle.UnjudgedText(s.Unjudged()) + " (status error, listed as kind open)."}}}
	for _, n := range s.Needs {
		notes = append(notes, sarifNotification{Level: "warning", Message: sarifMessage{Text: n}})
	}
	return notes
}

func sarifKindLevel(r check.Result) (kind, level string) {
	switch r.Status {
	case check.Fail:
		return "fail", "error"
	case check.Warn:
		return "fail", "warning"
	case check.Manual:
		return "review", "none"
	case check.Error:
		return "open", "none"
	}
	return "", ""
}

// sarifRules lists a rule for every check ID the results use: catalogue
// entries in catalogue order, then any unknown IDs sorted.
func sarifRules(rs []check.Result) ([]sarifRule, map[string]int) {
	used := map[string]bool{}
	for _, r := range rs {
		used[r.ID] = true
	}
	var rules []sarifRule
	index := map[string]int{}
	add := func(r sarifRule) {
		index[r.ID] = len(rules)
		rules = append(rules, r)
		delete(used, r.ID)
	}
	for _, d := range check.Catalogue() {
		if !used[d.ID] {
			continue
		}
		level := "error"
		if d.Severity.Rank() <= check.Low.Rank() {
			level = "warning"
		}
		add(sarifRule{
			ID:                   d.ID,
			Name:                 ruleName(d.ID),
			ShortDescription:     &sarifMessage{Text: d.Title},
			FullDescription:      &sarifMessage{Text: d.Checks},
			Help:                 ruleHelp(d),
			HelpURI:              check.DocLink(d.ID),
			DefaultConfiguration: &sarifConfig{Level: level},
			Properties: map[string]any{
				"severity":          d.Severity,
				"security-severity": securitySeverity(d.Severity),
				"redFlag":           d.RedFlag,
				"tags":              []string{"security", group(d.ID)},
			},
		})
	}
	var rest []string
	for id := range used {
		rest = append(rest, id)
	}
	slices.Sort(rest)
	for _, id := range rest {
		// A check this version does not know (the pack was made by a newer
		// one): code scanning still wants a description and help.
		unknown := "A check this version of dossier does not know; the version that made the pack describes it in its docs/checks.md."
		add(sarifRule{ID: id, Name: ruleName(id), ShortDescription: &sarifMessage{Text: "Check " + id},
			FullDescription: &sarifMessage{Text: unknown}, Help: &sarifHelp{Text: unknown}})
	}
	if rules == nil {
		rules = []sarifRule{}
	}
	return rules, index
}

// ruleHelp is a rule's help: what it checks, when it fails and the remedy,
// as text and as Markdown with a link to the catalogue entry.
func ruleHelp(d check.Definition) *sarifHelp {
	flag := ""
	if d.RedFlag {
		flag = ", red flag"
	}
	text := fmt.Sprintf("%s (%s%s).\nWhat it checks: %s\nFails when: %s\nRemedy: %s\nCatalogue: %s",
		d.Title, d.Severity, flag, d.Checks, d.FailsWhen, d.Remedy, check.DocLink(d.ID))
	md := fmt.Sprintf("**%s** (%s%s)\n\n**What it checks:** %s\n\n**Fails when:** %s\n\n**Remedy:** %s\n\n[%s in the check catalogue](%s)",
		check.EscapeMarkdown(d.Title), d.Severity, flag, check.EscapeMarkdown(d.Checks), check.EscapeMarkdown(d.FailsWhen), check.EscapeMarkdown(d.Remedy), d.ID, check.DocLink(d.ID))
	return &sarifHelp{Text: text, Markdown: md}
}

// ruleName turns "tool.write-labeled" into "ToolWriteLabeled", the
// PascalCase identifier SARIF suggests for rule names.
func ruleName(id string) string {
	var sb strings.Builder
	for _, part := range strings.FieldsFunc(id, func(r rune) bool { return r == '.' || r == '-' || r == '_' }) {
		sb.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return sb.String()
}

// logicalKind maps a result subject's kind to a SARIF logical location kind.
func logicalKind(subjectKind string) string {
	switch subjectKind {
	case "tool":
		return "function"
	case "widget", "url":
		return "resource"
	}
	return "module"
}
