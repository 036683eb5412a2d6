// Package sign makes a written pack tamper-evident: the SHA256SUMS checksum
// list that covers every file of the pack, and a detached Ed25519 signature
// over that list. pack.Write writes both; dossier verify reads them back.
// It is a leaf package: it knows files and keys, not Bundles.
package sign

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/dossier-dev/dossier/internal/bounded"
)

// File names inside a pack.
const (
	SumsFile = "SHA256SUMS"     // sha256sum format, sorted by path
	SigFile  = "SHA256SUMS.sig" // base64 of the Ed25519 signature over SumsFile's bytes, then a newline
)

// Algorithm is the only signature algorithm dossier writes.
const Algorithm = "ed25519"

// Key is a private signing key and the ID of its public half.
type Key struct {
	Private ed25519.PrivateKey
	ID      string
}

// KeyID is the short fingerprint of a public key: the first 16 hex digits
// of the SHA-256 of its PKIX DER encoding. It is what the PDF's cover and
// verify's messages show.
func KeyID(pub ed25519.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "" // only for a key of the wrong length, which no function here makes
	}
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])[:16]
}

// Generate writes a new key pair: name.key (PKCS#8 PEM, mode 0600) and
// name.pub (PKIX PEM). It never overwrites: if either file exists, nothing
// is written. It returns the key ID.
func Generate(name string) (string, error) {
	keyPath, pubPath := name+".key", name+".pub"
	for _, p := range []string{keyPath, pubPath} {
		if _, err := os.Lstat(p); err == nil {
			return "", fmt.Errorf("writing the key pair: %q already exists; choose another name or remove it", p)
		}
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", fmt.Errorf("generating an Ed25519 key: %w", err)
	}
	privDER, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return "", fmt.Errorf("encoding the private key: %w", err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("encoding the public key: %w", err)
	}
	if err := create(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER}), 0o600); err != nil {
		return "", err
	}
	if err := create(pubPath, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o644); err != nil {
		_ = os.Remove(keyPath) // no half pair
		return "", err
	}
	return KeyID(pub), nil
}

// create writes a new file, refusing to replace one.
func create(p string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return fmt.Errorf("creating %q: %w", p, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("writing %q: %w", p, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %q: %w", p, err)
	}
	return nil
}

// LoadKey reads a PKCS#8 PEM Ed25519 private key, as Generate writes it.
func LoadKey(p string) (*Key, error) {
	block, err := readPEM(p, "PRIVATE KEY")
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKCS8PrivateKey(block)
	if err != nil {
		return nil, fmt.Errorf("reading private key %q: %w", p, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("reading private key %q: a %T, not an Ed25519 key", p, k)
	}
	return &Key{Private: priv, ID: KeyID(priv.Public().(ed25519.PublicKey))}, nil
}

// LoadPublic reads a PKIX PEM Ed25519 public key, as Generate writes it.
func LoadPublic(p string) (ed25519.PublicKey, error) {
	block, err := readPEM(p, "PUBLIC KEY")
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKIXPublicKey(block)
	if err != nil {
		return nil, fmt.Errorf("reading public key %q: %w", p, err)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("reading public key %q: a %T, not an Ed25519 key", p, k)
	}
	return pub, nil
}

// maxKeyFile bounds a key file: a PEM Ed25519 key is about 120 bytes.
const maxKeyFile = 64 << 10

// MaxSumsLines bounds the lines of SHA256SUMS, as a pack bounds its files.
const MaxSumsLines = 10_000

func readPEM(p, typ string) ([]byte, error) {
	data, err := bounded.ReadFile(p, maxKeyFile)
	if err != nil {
		return nil, fmt.Errorf("reading key %q: %w", p, err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("reading key %q: no PEM block", p)
	}
	if block.Type != typ {
		return nil, fmt.Errorf("reading key %q: a PEM %q block, want %q", p, block.Type, typ)
	}
	return block.Bytes, nil
}

// Sign returns the contents of SHA256SUMS.sig for the given SHA256SUMS bytes.
func (k *Key) Sign(sums []byte) []byte {
	sig := ed25519.Sign(k.Private, sums)
	return []byte(base64.StdEncoding.EncodeToString(sig) + "\n")
}

// ErrBadSignature is returned by Verify when the signature is well formed
// but does not verify.
var ErrBadSignature = errors.New("the signature does not verify")

// Verify checks SHA256SUMS.sig's contents against the SHA256SUMS bytes.
func Verify(pub ed25519.PublicKey, sums, sigFile []byte) error {
	sig, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(sigFile)))
	if err != nil || len(sig) != ed25519.SignatureSize {
		return fmt.Errorf("not a base64 Ed25519 signature (%d bytes decoded)", len(sig))
	}
	if !ed25519.Verify(pub, sums, sig) {
		return ErrBadSignature
	}
	return nil
}

// Sums is the SHA256SUMS content for the given files (path → content):
// one "HEX  PATH" line per file, sorted by path, as sha256sum writes it, so
// `sha256sum -c SHA256SUMS` checks a pack too.
func Sums(files map[string][]byte) []byte {
	digests := make(map[string]Digest, len(files))
	for p, data := range files {
		digests[p] = sha256.Sum256(data)
	}
	return SumsOf(digests)
}

// Digest is a file's SHA-256.
type Digest = [sha256.Size]byte

// SumsOf is Sums from the files' digests (path → SHA-256), for a writer
// that does not keep the files' contents.
func SumsOf(digests map[string]Digest) []byte {
	paths := make([]string, 0, len(digests))
	for p := range digests {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var b bytes.Buffer
	for _, p := range paths {
		sum := digests[p]
		fmt.Fprintf(&b, "%s  %s\n", hex.EncodeToString(sum[:]), p)
	}
	return b.Bytes()
}

// ParseSums reads SHA256SUMS into path → hex digest. Every line must be
// well formed, with a plain relative path, each path once.
func ParseSums(data []byte) (map[string]string, error) {
	out := map[string]string{}
	if n := bytes.Count(data, []byte("\n")); n > MaxSumsLines {
		return nil, fmt.Errorf("%d lines, more than a pack has files (%d)", n, MaxSumsLines)
	}
	lines := strings.Split(string(data), "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) > MaxSumsLines {
		return nil, fmt.Errorf("%d lines, more than a pack has files (%d)", len(lines), MaxSumsLines)
	}
	for i, l := range lines {
		sum, p, ok := strings.Cut(l, "  ")
		if !ok || len(sum) != 64 || strings.ToLower(sum) != sum {
			return nil, fmt.Errorf("line %d is not \"SHA256  PATH\"", i+1)
		}
		if _, err := hex.DecodeString(sum); err != nil {
			return nil, fmt.Errorf("line %d: %q is not a hex SHA-256", i+1, sum)
		}
		if p == "" || strings.HasPrefix(p, "/") || path.Clean(p) != p || strings.HasPrefix(p, "../") || p == ".." || strings.Contains(p, "\\") {
			return nil, fmt.Errorf("line %d: %q is not a plain relative path", i+1, p)
		}
		if _, dup := out[p]; dup {
			return nil, fmt.Errorf("line %d: %q is listed twice", i+1, p)
		}
		out[p] = sum
	}
	return out, nil
}
