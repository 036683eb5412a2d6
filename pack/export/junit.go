package export

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/check"
)

// The JUnit XML shape CI servers read (the Ant/Surefire dialect that
// Jenkins, GitLab and GitHub reporters accept).
type (
	junitSuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Errors   int          `xml:"errors,attr"`
		Skipped  int          `xml:"skipped,attr"`
		Time     string       `xml:"time,attr"`
		Suites   []junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name       string           `xml:"name,attr"`
		Tests      int              `xml:"tests,attr"`
		Failures   int              `xml:"failures,attr"`
		Errors     int              `xml:"errors,attr"`
		Skipped    int              `xml:"skipped,attr"`
		Time       string           `xml:"time,attr"`
		Timestamp  string           `xml:"timestamp,attr"`
		Properties *junitProperties `xml:"properties,omitempty"`
		Cases      []junitCase      `xml:"testcase"`
	}
	junitProperties struct {
		Props []junitProperty `xml:"property"`
	}
	junitProperty struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	}
	junitCase struct {
		Name      string         `xml:"name,attr"`
		Classname string         `xml:"classname,attr"`
		Time      string         `xml:"time,attr"`
		Failure   *junitProblem  `xml:"failure,omitempty"`
		Error     *junitProblem  `xml:"error,omitempty"`
		Skipped   *junitSkipped  `xml:"skipped,omitempty"`
		SystemOut *junitCharData `xml:"system-out,omitempty"`
	}
	junitProblem struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",cdata"`
	}
	junitSkipped struct {
		Message string `xml:"message,attr"`
	}
	junitCharData struct {
		Text string `xml:",cdata"`
	}
)

// JUnit renders the check results as JUnit XML: one testsuite per check
// group (auth, tool, widget, …) in the order the results come, one testcase
// per result. A fail is a <failure> with the severity as its type; an error
// (the probe could not run) is an <error>; n/a and manual are <skipped>
// with the reason; a warn passes and says so in <system-out>. Times are
// zero: the pack records no per-check durations, and a constant keeps the
// bytes reproducible.
func JUnit(b *bundle.Bundle) ([]byte, error) {
	if b == nil {
		return nil, fmt.Errorf("rendering junit: no bundle")
	}
	ts := b.Created.UTC().Format(time.RFC3339)
	out := junitSuites{Name: "dossier: " + strings.TrimSpace(b.App.Name+" "+b.App.Version), Time: "0"}
	at := map[string]int{}
	for _, r := range b.Results {
		g := group(r.ID)
		i, ok := at[g]
		if !ok {
			i = len(out.Suites)
			at[g] = i
			out.Suites = append(out.Suites, junitSuite{Name: g, Time: "0", Timestamp: ts})
		}
		s := &out.Suites[i]
		c := junitCase{Name: r.ID + " " + r.Subject, Classname: "dossier." + r.ID, Time: "0"}
		var lines []string
		lines = append(lines, "status: "+string(r.Status), "basis: "+string(r.Basis))
		if r.Severity != "" {
			lines = append(lines, "severity: "+string(r.Severity))
		}
		if ids := evidenceIDs(r.Evidence); ids != nil {
			lines = append(lines, "evidence: "+strings.Join(ids, " "))
		}
		lines = append(lines, "detail: "+r.Detail)
		// CDATA keeps the lines readable; encoding/xml does not check the
		// characters inside it, so drop those XML forbids first.
		body := xmlText(strings.Join(lines, "\n"))
		switch r.Status {
		case check.Fail:
			c.Failure = &junitProblem{Message: r.Detail, Type: string(orDefault(r.Severity, "fail")), Text: body}
			s.Failures++
		case check.Error:
			c.Error = &junitProblem{Message: r.Detail, Type: "probe-error", Text: body}
			s.Errors++
		case check.NA:
			c.Skipped = &junitSkipped{Message: "n/a: " + r.Detail}
			s.Skipped++
		case check.Manual:
			c.Skipped = &junitSkipped{Message: "manual: a person must judge: " + r.Detail}
			s.Skipped++
		default:
			c.SystemOut = &junitCharData{Text: body}
		}
		s.Tests++
		s.Cases = append(s.Cases, c)
	}
	for i := range out.Suites {
		s := &out.Suites[i]
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Errors += s.Errors
		out.Skipped += s.Skipped
	}
	if len(out.Suites) > 0 {
		out.Suites[0].Properties = &junitProperties{Props: []junitProperty{
			{Name: "app", Value: b.App.Name},
			{Name: "vendor", Value: b.App.Vendor},
			{Name: "server", Value: b.Observation.Server.URL},
			{Name: "verdict", Value: b.Summary.Verdict},
			{Name: "unjudged", Value: strconv.Itoa(b.Summary.Unjudged())},
		}}
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return nil, fmt.Errorf("encoding junit.xml: %w", err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// xmlText replaces the characters XML 1.0 does not allow (most control
// characters, surrogates, U+FFFE and U+FFFF) with U+FFFD.
func xmlText(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r',
			r >= 0x20 && r <= 0xD7FF,
			r >= 0xE000 && r <= 0xFFFD,
			r >= 0x10000 && r <= 0x10FFFF:
			return r
		}
		return '\uFFFD'
	}, s)
}

func orDefault(s check.Severity, def string) string {
	if s == "" {
		return def
	}
	return string(s)
}
