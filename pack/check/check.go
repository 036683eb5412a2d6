// Package check is the shared vocabulary of every stage: check IDs from the
// public catalogue (docs/checks.md), result statuses, bases, severities and
// evidence items. It is a leaf: it imports nothing from this module, so the
// collect, evidence and pack stages may all depend on it.
package check

import (
	"fmt"
	"os"
	"sort"
)

// Status is the outcome of one check for one subject.
type Status string

const (
	Pass   Status = "pass"
	Fail   Status = "fail"
	Warn   Status = "warn"
	Manual Status = "manual" // a person must judge; nothing automated can
	NA     Status = "na"     // does not apply; Detail says why
	Error  Status = "error"  // the probe itself could not run
)

// Rank orders statuses by how much they ask of a reader, worst first when
// sorted high to low: fail 4, error 3, warn 2, manual 1, pass and na 0.
func (s Status) Rank() int {
	switch s {
	case Fail:
		return 4
	case Error:
		return 3
	case Warn:
		return 2
	case Manual:
		return 1
	}
	return 0
}

// Basis says what a result rests on.
type Basis string

const (
	Probed   Basis = "probed"   // observed live, evidence attached
	Declared Basis = "declared" // taken from the manifest only
	Attested Basis = "attested" // a named person vouched, with a date and expiry
	Absent   Basis = "absent"   // nothing to go on
)

// Severity ranks a failure. The zero value means "not a failure".
type Severity string

const (
	Critical Severity = "critical"
	High     Severity = "high"
	Medium   Severity = "medium"
	Low      Severity = "low"
	Info     Severity = "info"
)

// Rank orders severities: critical is 5, info 1, anything else 0.
func (s Severity) Rank() int {
	switch s {
	case Critical:
		return 5
	case High:
		return 4
	case Medium:
		return 3
	case Low:
		return 2
	case Info:
		return 1
	}
	return 0
}

// ParseSeverity accepts the catalogue's severity names.
func ParseSeverity(s string) (Severity, error) {
	sev := Severity(s)
	if sev.Rank() == 0 {
		return "", fmt.Errorf("unknown severity %q (want critical, high, medium, low or info)", s)
	}
	return sev, nil
}

// EvidenceID names one evidence item inside a pack, such as "E0007".
type EvidenceID string

// Result is one judgement: exactly one per check ID and subject.
type Result struct {
	ID       string       `json:"id"`
	Subject  string       `json:"subject"` // "app", "tool:NAME", "widget:URI", "url:URL"
	Status   Status       `json:"status"`
	Basis    Basis        `json:"basis"`
	Severity Severity     `json:"severity,omitempty"`
	Evidence []EvidenceID `json:"evidence,omitempty"`
	Detail   string       `json:"detail"`
	Waiver   *Waiver      `json:"waiver,omitempty"` // a named person accepted this failure until Expires
}

// Waiver records who accepted a failure, why, and until when. A waived
// result keeps its status: it is still a failure, shown as such, but it
// no longer counts against --fail-on, the verdict or the answers.
type Waiver struct {
	Owner   string `json:"owner"`
	Reason  string `json:"reason"`
	Date    string `json:"date"`
	Expires string `json:"expires"`
}

// Failing reports whether the result is a failure or could not run,
// waived or not.
func (r Result) Failing() bool { return r.Status == Fail || r.Status == Error }

// Counts reports whether a failure counts against the app: it fails and
// no unexpired waiver accepts it.
func (r Result) Counts() bool { return r.Status == Fail && r.Waiver == nil }

// Evidence kinds.
const (
	KindHTTP       = "http-transcript"
	KindScreenshot = "screenshot"
	KindCSPLog     = "csp-log"
	KindAttached   = "attached"
	KindTrace      = "trace"
)

// Evidence is one item of the evidence index. Data is the content while the
// pack is being assembled; it is written to Path inside the pack and only
// the path, size and hash are serialized.
type Evidence struct {
	ID     EvidenceID `json:"id"`
	Kind   string     `json:"kind"`
	Title  string     `json:"title"`
	Path   string     `json:"path"` // relative to the pack directory, slash-separated
	SHA256 string     `json:"sha256"`
	Size   int64      `json:"size"`
	Data   []byte     `json:"-"`
	// File holds the content in place of Data: a screenshot written to
	// disk as soon as it was taken, so that a run of hundreds of them
	// does not keep them all in memory while the browser runs. SHA256
	// and Size are then already set.
	File string `json:"-"`
}

// Content returns the evidence's content: Data, or what File holds. It is
// nil for evidence whose content is not at hand (a pack re-rendered
// without its evidence files).
func (e Evidence) Content() ([]byte, error) {
	if e.File == "" {
		return e.Data, nil
	}
	data, err := os.ReadFile(e.File)
	if err != nil {
		return nil, fmt.Errorf("reading evidence %s: %w", e.ID, err)
	}
	return data, nil
}

// Sort orders results by check ID, then subject, so outputs are stable.
func Sort(rs []Result) {
	sort.SliceStable(rs, func(i, j int) bool {
		if rs[i].ID != rs[j].ID {
			return rs[i].ID < rs[j].ID
		}
		return rs[i].Subject < rs[j].Subject
	})
}
