package pack

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/dossier-dev/dossier/internal/english"
	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/contract"
	"github.com/dossier-dev/dossier/pack/live"
	"github.com/dossier-dev/dossier/pack/manifest"
)

// Input is everything the earlier stages produced for one pack.
type Input struct {
	Manifest      *manifest.Manifest
	Source        *manifest.Source // where the manifest's fields sit in its file (nil: not known)
	Observation   live.Observation
	Results       []check.Result   // from collect and evidence
	Evidence      []check.Evidence // with Data; paths relative to the pack
	Captures      []live.Capture   // records of the evidence stage's screenshots
	Questionnaire *Questionnaire
	Platform      *Platform
	Created       time.Time // the pack's date; also "now" for attestation expiry
	Version       string    // of dossier

	// Since is the last submitted pack, to compare the contract and the
	// answers with (nil: no comparison); SinceJSON its pack.json's bytes.
	Since     *bundle.Bundle
	SinceJSON []byte

	// Package is the plugin package's listing (--plugin), or nil.
	Package *bundle.Package

	// Needs says what the run lacked that left checks unjudged (an unset
	// token variable, a refused token, no browser), with the remedy; it
	// goes into the summary as it is.
	Needs []string
}

// Assemble judges the declared checks, applies attestations, answers the
// questionnaire and returns the Bundle. It does no I/O.
func Assemble(in Input) (*bundle.Bundle, error) {
	if in.Manifest == nil || in.Questionnaire == nil || in.Platform == nil {
		return nil, fmt.Errorf("assembling the pack: manifest, questionnaire and platform facts are all required")
	}
	results := append([]check.Result(nil), in.Results...)
	results = append(results, declared(in.Manifest, in.Observation, in.Platform)...)
	appContract := contract.Build(in.Observation)
	var changes *bundle.Changes
	if in.Since != nil {
		changes = contract.Changes(in.Since, in.SinceJSON, appContract)
	}
	results = append(results, contract.Results(changes, in.Results)...)
	attest(results, in.Manifest.Attestations, in.Created)
	waive(results, in.Manifest.Waivers, in.Created)
	for i := range results {
		if results[i].Status == check.Fail && results[i].Severity == "" {
			if d, ok := check.Lookup(results[i].ID); ok {
				results[i].Severity = d.Severity
			}
		}
	}
	check.Sort(results)

	evidence := append([]check.Evidence(nil), in.Evidence...)
	for i := range evidence {
		e := &evidence[i]
		if e.File != "" {
			continue // hashed when it was written
		}
		sum := sha256.Sum256(e.Data)
		e.SHA256 = hex.EncodeToString(sum[:])
		e.Size = int64(len(e.Data))
	}
	sort.SliceStable(evidence, func(i, j int) bool { return evidence[i].ID < evidence[j].ID })
	if err := checkEvidenceRefs(results, evidence); err != nil {
		return nil, err
	}

	b := &bundle.Bundle{
		SchemaVersion: bundle.SchemaVersion,
		Generator:     bundle.Generator{Name: "dossier", Version: in.Version},
		Created:       in.Created.UTC(),
		App:           in.Manifest.App,
		Manifest:      in.Manifest,
		Observation:   in.Observation,
		Tools:         toolRows(in.Manifest, in.Observation),
		Results:       results,
		Evidence:      evidence,
		Captures:      in.Captures,
		Contract:      appContract,
		Changes:       changes,
		Package:       in.Package,
	}
	b.ManifestSource = in.Source
	for _, q := range in.Questionnaire.Questions {
		b.Answers = append(b.Answers, answer(q, results))
	}
	if changes != nil {
		changes.Flipped = contract.Flipped(in.Since.Answers, b.Answers)
	}
	b.RedFlags = redFlags(results)
	b.Summary = summarize(results, b.RedFlags, in.Needs)
	return b, nil
}

// checkEvidenceRefs enforces the catalogue's rule that a probed pass is
// backed by evidence, and that every reference names a real item.
func checkEvidenceRefs(rs []check.Result, ev []check.Evidence) error {
	known := map[check.EvidenceID]bool{}
	for _, e := range ev {
		if known[e.ID] {
			return fmt.Errorf("assembling the pack: evidence ID %s is used twice", e.ID)
		}
		known[e.ID] = true
	}
	for _, r := range rs {
		if r.Status == check.Pass && r.Basis == check.Probed && len(r.Evidence) == 0 {
			return fmt.Errorf("assembling the pack: %s for %s passes as probed with no evidence", r.ID, r.Subject)
		}
		for _, id := range r.Evidence {
			if !known[id] {
				return fmt.Errorf("assembling the pack: %s for %s cites evidence %s, which is not in the pack", r.ID, r.Subject, id)
			}
		}
	}
	return nil
}

func toolRows(m *manifest.Manifest, obs live.Observation) []bundle.ToolRow {
	rows := map[string]*bundle.ToolRow{}
	for i := range m.Tools {
		t := m.Tools[i]
		rows[t.Name] = &bundle.ToolRow{Name: t.Name, Declared: &t}
	}
	for i := range obs.Tools {
		t := obs.Tools[i]
		r, ok := rows[t.Name]
		if !ok {
			r = &bundle.ToolRow{Name: t.Name}
			rows[t.Name] = r
		}
		r.Live = &t
	}
	out := make([]bundle.ToolRow, 0, len(rows))
	for _, r := range rows {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func redFlags(rs []check.Result) []check.Result {
	var out []check.Result
	for _, r := range rs {
		if d, ok := check.Lookup(r.ID); ok && d.RedFlag && r.Status == check.Fail {
			out = append(out, r)
		}
	}
	return out
}

func summarize(rs, flags []check.Result, needs []string) bundle.Summary {
	s := bundle.Tally(rs)
	s.Needs = needs
	fails, errs := s.ByStatus[check.Fail]-s.Waived, s.Unjudged()
	var live []check.Result // red flags nobody waived
	for _, r := range flags {
		if r.Counts() {
			live = append(live, r)
		}
	}
	waived := ""
	if s.Waived > 0 {
		waived = fmt.Sprintf(" %d waived %s still listed.", s.Waived, english.Plural(s.Waived, "failure is", "failures are"))
	}
	// Checks that could not be judged are named in every verdict: a run
	// that holds them is never presented as clean.
	unjudged := ""
	if errs > 0 {
		unjudged = " " + bundle.UnjudgedText(errs) + "."
	}
	switch {
	case len(live) > 0:
		s.Verdict = fmt.Sprintf("Not ready: %d red %s and %d failing %s.", len(live), english.Plural(len(live), "flag", "flags"), fails, english.Plural(fails, "check", "checks")) + unjudged + waived
	case fails > 0:
		s.Verdict = fmt.Sprintf("Not ready: %d failing %s, no red flags.", fails, english.Plural(fails, "check", "checks")) + unjudged + waived
	case errs > 0:
		s.Verdict = fmt.Sprintf("Incomplete: no failures among the checks that ran, but %s.", bundle.UnjudgedText(errs)) + waived
	default:
		parts := []string{fmt.Sprintf("%d passed", s.ByStatus[check.Pass])}
		if n := s.ByStatus[check.Warn]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, english.Plural(n, "warning", "warnings")))
		}
		if n := s.ByStatus[check.Manual]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d for a person to judge", n))
		}
		if s.Waived > 0 {
			parts = append(parts, fmt.Sprintf("%d waived %s", s.Waived, english.Plural(s.Waived, "failure", "failures")))
		}
		prefix := "No failures: "
		if s.Waived > 0 {
			prefix = "No open failures: "
		}
		s.Verdict = prefix + strings.Join(parts, ", ") + "."
	}
	return s
}
