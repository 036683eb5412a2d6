package bundle

import (
	"slices"

	"github.com/dossier-dev/dossier/pack/check"
)

// Lapsed is what, on the pack's date, has expired among the manifest's
// attestations and waivers. The pack stage keeps an expired one's result at
// its status and appends the expiry to its detail, so a result alone does
// not show it; every output that counts or marks them asks this.
type Lapsed struct {
	Attestations int // expired attestations (checks attested more than once count once)
	Waivers      int // expired waivers

	attested map[string]bool
	waived   [][2]string // check ID, subject ("" for every subject)
}

// Lapsed says which attestations and waivers of b's manifest had expired
// when b was made.
func (b *Bundle) Lapsed() Lapsed {
	var l Lapsed
	if b.Manifest == nil {
		return l
	}
	l.attested = map[string]bool{}
	for _, a := range b.Manifest.Attestations {
		if lapsed, err := a.Expires.Lapsed(b.Created); err == nil && lapsed {
			l.attested[a.Check] = true
		}
	}
	l.Attestations = len(l.attested)
	for _, w := range b.Manifest.Waivers {
		if lapsed, err := w.Expires.Lapsed(b.Created); err == nil && lapsed {
			l.waived = append(l.waived, [2]string{w.Check, w.Subject})
		}
	}
	l.Waivers = len(l.waived)
	return l
}

// Carries says whether r rests on an expired attestation or waiver.
func (l Lapsed) Carries(r check.Result) bool {
	return l.attested[r.ID] || slices.ContainsFunc(l.waived, func(w [2]string) bool {
		return w[0] == r.ID && (w[1] == "" || w[1] == r.Subject)
	})
}
