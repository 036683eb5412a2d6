package pack

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/sign"
)

// VerifyOptions configure Verify.
type VerifyOptions struct {
	PublicKey ed25519.PublicKey // nil: the signature is not checked
	// RequireSignature makes a pack without a signature checked against
	// PublicKey a problem: unsigned, or signed but with no key to check it.
	RequireSignature bool
	MaxAge           time.Duration // 0: any age
	Now              time.Time
}

// Signature states of a verification.
const (
	SigVerified   = "verified"
	SigNotChecked = "not-checked" // signed, but no public key was given
	SigUnsigned   = "unsigned"
	SigFailed     = "failed"
)

// Verification is what Verify found. A pack is good when Problems is empty.
type Verification struct {
	Pack      string         `json:"pack"`
	Kind      string         `json:"kind"` // directory or zip
	Files     int            `json:"files"`
	Evidence  int            `json:"evidence"`
	Created   time.Time      `json:"created,omitzero"`
	Signature SigStatus      `json:"signature"`
	Problems  []Problem      `json:"problems"`
	Bundle    *bundle.Bundle `json:"-"` // nil when pack.json could not be decoded
	JSON      []byte         `json:"-"` // the pack.json bytes Bundle was decoded from
}

// SigStatus says what is known of the pack's signature.
type SigStatus struct {
	Status string `json:"status"`
	KeyID  string `json:"keyId,omitempty"` // the signer pack.json names
	Detail string `json:"detail"`
}

// Problem is one thing wrong with a pack, naming the file it is about.
type Problem struct {
	File    string `json:"file"`
	Problem string `json:"problem"`
}

func (p Problem) String() string { return p.File + ": " + p.Problem }

// Verify checks a pack as its receiver would: the signature over SHA256SUMS
// (with opts.PublicKey), every file against SHA256SUMS (none missing, none
// added), every evidence file against pack.json's evidence index, a
// pack.zip inside a directory against the directory, and freshness (the
// pack's age, attestations past their expiry). It returns an error only
// when the pack cannot be read at all; everything wrong with it is a
// Problem.
func Verify(p string, opts VerifyOptions) (*Verification, error) {
	src, err := Open(p)
	if errors.Is(err, ErrNotZip) {
		src.Close()
		v := &Verification{Pack: p, Kind: "zip", Problems: []Problem{{File: ZipFile, Problem: err.Error()}}}
		v.Signature = SigStatus{Status: SigFailed, Detail: "the zip cannot be read, so nothing in it was checked"}
		return v, nil
	}
	if err != nil {
		return nil, err
	}
	defer src.Close()
	v := &Verification{Pack: p, Kind: src.Kind, Problems: []Problem{}}
	problem := func(file, format string, args ...any) {
		v.Problems = append(v.Problems, Problem{File: file, Problem: fmt.Sprintf(format, args...)})
	}
	for _, f := range src.Irregular {
		problem(f, "not a regular file, or not a plain relative path inside the pack (a pack holds only regular files)")
	}

	listingAgrees := v.checkListing(src, problem)
	v.checkIndex(src, problem)
	v.checkSignature(src, opts.PublicKey, listingAgrees, problem)
	if opts.RequireSignature && opts.PublicKey == nil {
		v.requireSignature(src, problem)
	}
	if _, ok := src.Files[ZipFile]; ok && src.Kind == "directory" {
		checkZip(src, v.Created, problem)
	}
	if src.Kind == "zip" && v.Bundle != nil && len(src.Irregular) == 0 {
		again, err := zipDigest(src, v.Bundle.Created)
		if err != nil {
			problem(ZipFile, "its entries cannot be read again: %v", err)
		} else if again != src.SHA256 {
			problem(ZipFile, "its entries verify, but its own bytes differ from the zip dossier writes of them: the archive was changed or not written by dossier")
		}
	}
	if v.Bundle != nil {
		v.checkFreshness(opts, problem)
	}
	sort.SliceStable(v.Problems, func(i, j int) bool { return v.Problems[i].File < v.Problems[j].File })
	return v, nil
}

// covered are the files SHA256SUMS lists: all but itself, its signature,
// and a pack.zip inside a directory (a copy of the others).
func covered(src *Source, name string) bool {
	switch name {
	case sign.SumsFile, sign.SigFile:
		return false
	case ZipFile:
		return src.Kind != "directory"
	}
	return true
}

// checkListing checks every file against SHA256SUMS and reports whether
// they all agree.
func (v *Verification) checkListing(src *Source, problem func(string, string, ...any)) bool {
	if _, ok := src.Files[sign.SumsFile]; !ok {
		problem(sign.SumsFile, "missing: nothing lists the pack's files and their hashes")
		return false
	}
	data, ok := src.Held(sign.SumsFile)
	if !ok {
		problem(sign.SumsFile, "more than %d bytes: longer than any list of a pack's files", maxSmallFile)
		return false
	}
	sums, err := sign.ParseSums(data)
	if err != nil {
		problem(sign.SumsFile, "malformed: %v", err)
		return false
	}
	agrees := true
	for name, want := range sums {
		got, ok := src.Files[name]
		if !ok {
			problem(name, "missing: SHA256SUMS lists it, but it is not in the pack")
			agrees = false
			continue
		}
		if got.SHA256 != want {
			problem(name, "changed: its SHA-256 is %s, but SHA256SUMS lists %s", got.SHA256, want)
			agrees = false
		}
	}
	for name := range src.Files {
		if _, listed := sums[name]; !listed && covered(src, name) {
			problem(name, "added: it is in the pack, but SHA256SUMS does not list it")
			agrees = false
		}
	}
	v.Files = len(sums)
	return agrees
}

// checkIndex decodes pack.json and checks every evidence file against its
// evidence index.
func (v *Verification) checkIndex(src *Source, problem func(string, string, ...any)) {
	if _, ok := src.Files["pack.json"]; !ok {
		problem("pack.json", "missing: the pack has no pack.json")
		return
	}
	data, ok := src.Held("pack.json")
	if !ok {
		problem("pack.json", "more than %d bytes: larger than any pack.json dossier writes", maxPackJSON)
		return
	}
	b, err := decode(data)
	if err != nil {
		problem("pack.json", "%v", err)
		return
	}
	v.Bundle, v.JSON, v.Created, v.Evidence = b, data, b.Created, len(b.Evidence)
	for _, e := range b.Evidence {
		if !safeRel(e.Path) {
			problem("pack.json", "evidence %s has path %q, which is not a plain relative path inside the pack", e.ID, e.Path)
			continue
		}
		got, ok := src.Files[e.Path]
		switch {
		case !ok:
			problem(e.Path, "missing: pack.json's evidence index lists it as %s", e.ID)
		case got.Size != e.Size || got.SHA256 != e.SHA256:
			problem(e.Path, "changed: %d bytes with SHA-256 %s, but pack.json's evidence index says %d bytes with %s (%s)", got.Size, got.SHA256, e.Size, e.SHA256, e.ID)
		}
	}
}

func (v *Verification) checkSignature(src *Source, pub ed25519.PublicKey, listingAgrees bool, problem func(string, string, ...any)) {
	_, signed := src.Files[sign.SigFile]
	sig, _ := src.Held(sign.SigFile)
	var named string
	if v.Bundle != nil && v.Bundle.Signature != nil {
		named = v.Bundle.Signature.KeyID
	}
	v.Signature.KeyID = named
	if pub == nil {
		switch {
		case signed && named != "":
			v.Signature.Status, v.Signature.Detail = SigNotChecked, fmt.Sprintf("signed by key ID %s; the signature was not checked (give --pubkey)", named)
		case signed:
			v.Signature.Status, v.Signature.Detail = SigNotChecked, "SHA256SUMS.sig exists; the signature was not checked (give --pubkey)"
		default:
			v.Signature.Status, v.Signature.Detail = SigUnsigned, "the pack is not signed (no SHA256SUMS.sig); nothing vouches for who made it"
		}
		if named != "" && !signed {
			problem(sign.SigFile, "missing: pack.json says the pack is signed by key ID %s", named)
		}
		return
	}
	given := sign.KeyID(pub)
	fail := func(file, format string, args ...any) {
		v.Signature.Status = SigFailed
		v.Signature.Detail = fmt.Sprintf(format, args...)
		problem(file, format, args...)
	}
	switch {
	case !signed:
		fail(sign.SigFile, "missing: the pack is not signed, so it cannot be checked against key ID %s", given)
	case named != "" && named != given:
		fail(sign.SigFile, "refused: the pack is signed by key ID %s, not by the --pubkey key (key ID %s)", named, given)
	default:
		sums, _ := src.Held(sign.SumsFile)
		err := sign.Verify(pub, sums, sig)
		switch {
		case err != nil && listingAgrees:
			fail(sign.SigFile, "%v with key ID %s: SHA256SUMS.sig (or SHA256SUMS with every file it lists) was changed after signing", err, given)
		case err != nil:
			fail(sign.SumsFile, "%v with key ID %s: SHA256SUMS was changed after signing (the signature in SHA256SUMS.sig covers it)", err, given)
		case named == "":
			fail("pack.json", "names no signer, although SHA256SUMS.sig verifies with key ID %s", given)
		default:
			v.Signature.Status, v.Signature.Detail = SigVerified, fmt.Sprintf("SHA256SUMS is signed by key ID %s (%s)", given, sign.Algorithm)
		}
	}
}

// requireSignature names what is missing when a signature is required but
// none can be checked: anyone can sign a pack with a key of their own, so a
// signature proves who made it only against the signer's public key.
func (v *Verification) requireSignature(src *Source, problem func(string, string, ...any)) {
	if _, signed := src.Files[sign.SigFile]; !signed {
		problem(sign.SigFile, "missing: a signature is required and the pack is not signed, so nothing vouches for who made it")
		return
	}
	problem(sign.SigFile, "not checked: a signature is required, and only the signer's public key can check it (give --pubkey; anyone can re-sign a pack with a key of their own)")
}

// checkZip holds a directory's pack.zip against the directory: the zip of
// its other files must be the same bytes. Both are hashed as streams.
func checkZip(src *Source, created time.Time, problem func(string, string, ...any)) {
	want, err := zipDigest(src, created, ZipFile)
	if err != nil {
		problem(ZipFile, "the pack's files cannot be read again to compare: %v", err)
		return
	}
	if want == src.Files[ZipFile].SHA256 {
		return
	}
	inner := &Source{Kind: "zip"}
	rc, err := src.open(ZipFile)
	if err == nil {
		f, ok := rc.(io.ReaderAt)
		if !ok {
			err = errors.New("cannot be read at random")
		} else {
			err = readZip(inner, f, src.Files[ZipFile].Size)
		}
		rc.Close()
	}
	if err != nil {
		problem(ZipFile, "%v", err)
		return
	}
	var differ []string
	for name, sum := range inner.Files {
		if other, ok := src.Files[name]; !ok || name == ZipFile || other != sum {
			differ = append(differ, name)
		}
	}
	for name := range src.Files {
		if _, ok := inner.Files[name]; !ok && name != ZipFile {
			differ = append(differ, name)
		}
	}
	differ = append(differ, inner.Irregular...)
	sort.Strings(differ)
	if len(differ) > 0 {
		problem(ZipFile, "does not hold the pack's files: %q differ", differ)
		return
	}
	problem(ZipFile, "holds the pack's files, but its own bytes differ from the zip dossier writes of them: the archive was changed")
}

func (v *Verification) checkFreshness(opts VerifyOptions, problem func(string, string, ...any)) {
	b := v.Bundle
	if opts.MaxAge > 0 && opts.Now.Sub(b.Created) > opts.MaxAge {
		problem("pack.json", "stale: built on %s, %d days ago, more than the %d days --max-age allows", b.Created.Format(time.DateOnly), int(opts.Now.Sub(b.Created).Hours()/24), int(opts.MaxAge.Hours()/24))
	}
	if b.Manifest == nil {
		return
	}
	for _, a := range b.Manifest.Attestations {
		if lapsed, err := a.Expires.Lapsed(opts.Now); err == nil && lapsed {
			problem("pack.json", "expired: the attestation of %s by %s ran out on %s", a.Check, a.By, a.Expires)
		}
	}
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
