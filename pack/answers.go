package pack

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/dossier-dev/dossier/internal/english"
	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/manifest"
	"github.com/dossier-dev/dossier/pack/pdf"
	"github.com/dossier-dev/dossier/pack/sign"
)

// basisRank orders bases from weakest to strongest.
func basisRank(b check.Basis) int {
	switch b {
	case check.Probed:
		return 3
	case check.Attested:
		return 2
	case check.Declared:
		return 1
	}
	return 0
}

// answer derives one question's answer from the results of its checks:
// no when any fails, yes when every applicable result passes on probed or
// attested ground, partial otherwise, n.a. when nothing applies. The answer
// carries the weakest basis among the results it rests on.
func answer(q Question, results []check.Result) bundle.Answer {
	a := bundle.Answer{ID: q.ID, Section: q.Section, Question: q.Text, Checks: q.Checks}
	want := map[string]bool{}
	for _, id := range q.Checks {
		want[id] = true
	}
	var applicable, na []check.Result
	for _, r := range results {
		if !want[r.ID] {
			continue
		}
		if r.Status == check.NA {
			na = append(na, r)
			continue
		}
		applicable = append(applicable, r)
	}
	if len(applicable) == 0 {
		a.Answer = bundle.NA
		a.Basis = check.Absent
		if len(na) > 0 {
			a.Basis = na[0].Basis
			a.Explanation = "Does not apply: " + na[0].Detail
		} else {
			a.Explanation = "No result was produced for " + strings.Join(q.Checks, ", ") + "."
		}
		return a
	}

	a.Basis = check.Probed
	var failed, weak []check.Result
	for _, r := range applicable {
		if basisRank(r.Basis) < basisRank(a.Basis) {
			a.Basis = r.Basis
		}
		switch {
		case r.Counts():
			failed = append(failed, r)
		case r.Status != check.Pass || r.Basis == check.Declared || r.Basis == check.Absent:
			weak = append(weak, r)
		}
		a.Evidence = append(a.Evidence, r.Evidence...)
	}
	a.Evidence = uniqueEvidence(a.Evidence)
	switch {
	case len(failed) > 0:
		a.Answer = bundle.No
		a.Explanation = explain(len(applicable), "fails", "fail", failed)
	case len(weak) > 0:
		a.Answer = bundle.Partial
		a.Explanation = explain(len(applicable), "rests on weaker ground", "rest on weaker ground", weak)
	default:
		a.Answer = bundle.Yes
		a.Explanation = fmt.Sprintf("All %d %s passed (%s).", len(applicable), english.Plural(len(applicable), "result", "results"), a.Basis)
	}
	return a
}

// explain says how many of n results are in trouble and quotes the first.
func explain(n int, one, many string, rs []check.Result) string {
	first := rs[0]
	s := fmt.Sprintf("%d of %d %s %s. %s (%s, %s): %s", len(rs), n, english.Plural(n, "result", "results"), english.Plural(len(rs), one, many),
		first.ID, first.Subject, describeStatus(first), first.Detail)
	if len(rs) > 1 {
		s += fmt.Sprintf(" And %d more.", len(rs)-1)
	}
	return s
}

func describeStatus(r check.Result) string {
	if r.Status == check.Pass {
		return "pass, " + string(r.Basis) + " only"
	}
	return string(r.Status)
}

func uniqueEvidence(ids []check.EvidenceID) []check.EvidenceID {
	if len(ids) == 0 {
		return nil
	}
	seen := map[check.EvidenceID]bool{}
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// AnswerFormats are the documents AnswerFrom writes, and their files.
func AnswerFormats() []struct{ Format, File string } {
	return []struct{ Format, File string }{{"csv", "answers.csv"}, {"xlsx", "answers.xlsx"}, {"pdf", "answers.pdf"}}
}

// AnswerOptions configure AnswerFrom.
type AnswerOptions struct {
	Questionnaire *Questionnaire
	Formats       []string // of AnswerFormats; none means all
	// PublicKey checks the pack's signature; RequireSignature refuses a
	// pack whose signature was not checked (as verify does).
	PublicKey        ed25519.PublicKey
	RequireSignature bool
	Now              time.Time // attestations and waivers expired by then no longer count
}

// Answered is what AnswerFrom did.
type Answered struct {
	*Written
	Verification *Verification
	Answers      []bundle.Answer
}

// UnverifiedError is a received pack that does not verify: nothing is
// answered from it.
type UnverifiedError struct{ Verification *Verification }

func (e *UnverifiedError) Error() string {
	ps := make([]string, len(e.Verification.Problems))
	for i, p := range e.Verification.Problems {
		ps[i] = p.String()
	}
	return fmt.Sprintf("the pack %s does not verify, so nothing was answered from it: %s", e.Verification.Pack, strings.Join(ps, "; "))
}

// AnswerFrom answers a buyer's own questionnaire from a received pack
// (directory, pack.json or pack.zip) and writes the answers into dir. It
// works offline, from the pack alone: the pack is verified first as
// Verify does (every file against SHA256SUMS and the evidence index, the
// signature when a key is given), within Verify's bounds, and a pack with
// any problem is refused with an *UnverifiedError. Each question is then
// answered from the pack's results by the rule the built-in checklist
// follows, after undoing what attestations and waivers expired by
// opts.Now did. The files (answers.csv, answers.xlsx, answers.pdf, and
// SHA256SUMS over them) are written as a pack is: into a temporary
// directory, moved into place when complete; dir must be new, empty, or
// an earlier set of answers.
func AnswerFrom(ctx context.Context, packPath, dir string, opts AnswerOptions) (*Answered, error) {
	if opts.Questionnaire == nil {
		return nil, fmt.Errorf("answering: no questionnaire")
	}
	files, err := answerFiles(opts.Formats)
	if err != nil {
		return nil, err
	}
	if err := CheckOut(dir); err != nil {
		return nil, err
	}
	if isPack(dir) {
		return nil, fmt.Errorf("output directory %q holds a pack: answers replace only an earlier set of answers; choose a new or empty directory", dir)
	}
	// Freshness is judged below, against opts.Now, answer by answer: a
	// zero Now keeps Verify to integrity and the signature.
	v, err := Verify(packPath, VerifyOptions{PublicKey: opts.PublicKey, RequireSignature: opts.RequireSignature})
	if err != nil {
		return nil, err
	}
	if len(v.Problems) > 0 || v.Bundle == nil {
		return nil, &UnverifiedError{v}
	}
	b := *v.Bundle
	b.Results = slices.Clone(b.Results)
	lapse(b.Results, b.Manifest, opts.Now)
	b.Answers = nil
	for _, q := range opts.Questionnaire.Questions {
		b.Answers = append(b.Answers, answer(q, b.Results))
	}
	w, err := writeDir(ctx, dir, func(s *stage) error {
		contents := map[string][]byte{}
		for _, f := range files {
			var data []byte
			var err error
			if f.Format == "pdf" {
				data, err = pdf.RenderWith(&b, pdf.Options{PackDigest: sha256Hex(v.JSON), AnswersOnly: &pdf.AnswersOnly{
					Questionnaire: opts.Questionnaire.Name, Verified: verified(v),
				}})
			} else {
				data, err = Render(&b, f.Format)
			}
			if err != nil {
				return fmt.Errorf("rendering %s: %w", f.File, err)
			}
			contents[f.File] = data
			if err := s.put(f.File, data); err != nil {
				return err
			}
		}
		return s.put(sign.SumsFile, sign.Sums(contents))
	})
	if err != nil {
		return nil, err
	}
	return &Answered{Written: w, Verification: v, Answers: b.Answers}, nil
}

// answerFiles picks the documents asked for, in AnswerFormats order.
func answerFiles(formats []string) ([]struct{ Format, File string }, error) {
	all := AnswerFormats()
	if len(formats) == 0 {
		return all, nil
	}
	var out []struct{ Format, File string }
	for _, f := range formats {
		if !slices.ContainsFunc(all, func(a struct{ Format, File string }) bool { return a.Format == f }) {
			return nil, fmt.Errorf("answer format %q: want csv, xlsx or pdf", f)
		}
	}
	for _, a := range all {
		if slices.Contains(formats, a.Format) {
			out = append(out, a)
		}
	}
	return out, nil
}

// verified says in one line what checking the pack found.
func verified(v *Verification) string {
	s := fmt.Sprintf("every file matches SHA256SUMS and the evidence index (%d files)", v.Files)
	switch v.Signature.Status {
	case SigVerified:
		return s + "; signature verified, key ID " + v.Signature.KeyID
	case SigNotChecked:
		return s + "; signed, but the signature was not checked (no public key given)"
	}
	return s + "; not signed: nothing vouches for who made it"
}

// lapse undoes, for results of a pack answered at now, what attestations
// and waivers that have expired since did when the pack was made: an
// attested pass rests on the declaration again, a waived failure counts
// again, and each says so. A zero now changes nothing.
func lapse(rs []check.Result, m *manifest.Manifest, now time.Time) {
	if m == nil || now.IsZero() {
		return
	}
	for i := range rs {
		r := &rs[i]
		if r.Basis == check.Attested {
			var by []string
			live := false
			for _, a := range m.Attestations {
				if a.Check != r.ID {
					continue
				}
				if gone, err := a.Expires.Lapsed(now); err == nil && gone {
					by = append(by, fmt.Sprintf("%s (expired %s)", a.By, a.Expires))
				} else {
					live = true
				}
			}
			if !live && len(by) > 0 {
				r.Basis = check.Declared
				r.Detail += fmt.Sprintf(" On %s the attestation by %s no longer counts.", now.UTC().Format(time.DateOnly), strings.Join(by, ", "))
			}
		}
		if w := r.Waiver; w != nil {
			if gone, err := manifest.Date(w.Expires).Lapsed(now); err == nil && gone {
				r.Waiver = nil
				r.Detail += fmt.Sprintf(" On %s the waiver by %s (expired %s) no longer counts.", now.UTC().Format(time.DateOnly), w.Owner, w.Expires)
			}
		}
	}
}
