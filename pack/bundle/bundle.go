// Package bundle defines the Bundle: the single value every output of a pack
// is rendered from. pack.json is its JSON form; the PDF, CSV and later
// exports read only this value, so nothing appears in them that is not in
// pack.json. It is a leaf package.
package bundle

import (
	"fmt"
	"time"

	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/live"
	"github.com/dossier-dev/dossier/pack/manifest"
)

// SchemaVersion is the version of the pack.json format.
const SchemaVersion = 1

// Bundle is one compliance pack.
type Bundle struct {
	SchemaVersion int                `json:"schemaVersion"`
	Generator     Generator          `json:"generator"`
	Created       time.Time          `json:"created"` // UTC; from SOURCE_DATE_EPOCH when set
	App           manifest.App       `json:"app"`
	Manifest      *manifest.Manifest `json:"manifest"` // the declaration as read (no secrets: only env var names)
	Observation   live.Observation   `json:"observation"`
	Tools         []ToolRow          `json:"tools"` // declared vs live, by name
	Results       []check.Result     `json:"results"`
	Answers       []Answer           `json:"answers"`
	RedFlags      []check.Result     `json:"redFlags"`
	Summary       Summary            `json:"summary"`
	Evidence      []check.Evidence   `json:"evidence"`
	Captures      []live.Capture     `json:"captures,omitempty"` // the record behind every screenshot

	// Signature names the key that signed SHA256SUMS; it is set before the
	// pack is written, so pack.json (which SHA256SUMS covers) carries it.
	Signature *Signature `json:"signature,omitempty"`
	// Contract is the app's reviewed contract as observed (contract.go).
	Contract *Contract `json:"contract,omitempty"`
	// Changes compares this pack with the last submitted one (build --since).
	Changes *Changes `json:"changes,omitempty"`
	// Package is the plugin package's listing, when one was judged
	// (--plugin).
	Package *Package `json:"package,omitempty"`
	// ManifestSource is the manifest's path and where each of its fields
	// sits, so the SARIF export can point a finding at file:line:column.
	// Absent from packs made before it and when the manifest was not read
	// from a file.
	ManifestSource *manifest.Source `json:"manifestSource,omitempty"`
}

// Generator names the tool that made the pack.
type Generator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// ToolRow pairs a declared tool with its live listing; either may be nil.
type ToolRow struct {
	Name     string         `json:"name"`
	Declared *manifest.Tool `json:"declared,omitempty"`
	Live     *live.Tool     `json:"live,omitempty"`
}

// Answer values.
const (
	Yes     = "yes"
	No      = "no"
	Partial = "partial"
	NA      = "n.a."
)

// Answer is one questionnaire answer, derived from the checks it maps to.
type Answer struct {
	ID          string             `json:"id"`
	Section     string             `json:"section"`
	Question    string             `json:"question"`
	Answer      string             `json:"answer"`
	Basis       check.Basis        `json:"basis"`
	Explanation string             `json:"explanation"`
	Checks      []string           `json:"checks"`
	Evidence    []check.EvidenceID `json:"evidence,omitempty"`
}

// Summary counts results.
type Summary struct {
	ByStatus   map[check.Status]int   `json:"byStatus"`
	BySeverity map[check.Severity]int `json:"bySeverity"` // of failing results
	Probed     int                    `json:"probed"`
	Declared   int                    `json:"declared"`
	Waived     int                    `json:"waived,omitempty"` // failures a named person accepted until a date
	// Needs says what the run lacked that made checks unjudged, one line
	// per cause, with the remedy: a token variable to set, a browser to
	// install. Check details carry the cause of each result too.
	Needs   []string `json:"needs,omitempty"`
	Verdict string   `json:"verdict"`
}

// Tally counts results into a Summary without its verdict: by status, the
// failing ones by severity, by basis, and the waived failures.
func Tally(rs []check.Result) Summary {
	s := Summary{ByStatus: map[check.Status]int{}, BySeverity: map[check.Severity]int{}}
	for _, r := range rs {
		s.ByStatus[r.Status]++
		if r.Failing() && r.Severity != "" {
			s.BySeverity[r.Severity]++
		}
		switch r.Basis {
		case check.Probed:
			s.Probed++
		case check.Declared:
			s.Declared++
		}
		if r.Status == check.Fail && r.Waiver != nil {
			s.Waived++
		}
	}
	return s
}

// Unjudged counts the checks that could not be judged (status error): a
// precondition was not met, so they are neither passes nor failures.
func (s Summary) Unjudged() int { return s.ByStatus[check.Error] }

// UnjudgedText says how many checks could not be judged, in the words every
// verdict, document and export uses.
func UnjudgedText(n int) string {
	if n == 1 {
		return "1 check could not be judged"
	}
	return fmt.Sprintf("%d checks could not be judged", n)
}
