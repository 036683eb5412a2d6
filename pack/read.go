package pack

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/check"
)

// Read reads a pack.json back into the Bundle it was written from, so that
// every document can be rendered again from it. The decoding is strict: a
// schemaVersion other than bundle.SchemaVersion, an unknown field or
// trailing data is an error. Evidence content is not inside pack.json; each
// item is read from its path beside pack.json when it is there, and its
// size and SHA-256 must match the index or Read refuses the pack. Items
// whose file is absent are returned as missing and stay without content
// (Write then lists them in the index but writes no file for them).
func Read(ctx context.Context, path string) (b *bundle.Bundle, missing []check.EvidenceID, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("reading pack %q: %w", path, err)
	}
	b, err = decode(data)
	if err != nil {
		return nil, nil, fmt.Errorf("reading pack %q: %w", path, err)
	}
	dir := filepath.Dir(path)
	for i := range b.Evidence {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		e := &b.Evidence[i]
		if !safeRel(e.Path) {
			return nil, nil, fmt.Errorf("reading pack %q: evidence %s has path %q, which is not a plain relative path inside the pack", path, e.ID, e.Path)
		}
		p := filepath.Join(dir, filepath.FromSlash(e.Path))
		content, err := readEvidence(p, e.Size)
		if errors.Is(err, fs.ErrNotExist) {
			missing = append(missing, e.ID)
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("reading evidence %s: %w", e.ID, err)
		}
		sum := sha256.Sum256(content)
		if got := hex.EncodeToString(sum[:]); got != e.SHA256 {
			return nil, nil, fmt.Errorf("evidence %s: %q has SHA-256 %s, but the pack's index says %s: the file was changed after the pack was built", e.ID, p, got, e.SHA256)
		}
		e.Data = content
	}
	return b, missing, nil
}

// decode is the strict JSON decoding of pack.json.
func decode(data []byte) (*bundle.Bundle, error) {
	var head struct {
		SchemaVersion *int `json:"schemaVersion"`
	}
	// Unmarshal also refuses trailing data after the value.
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("not a pack.json: %w", err)
	}
	switch {
	case head.SchemaVersion == nil:
		return nil, errors.New("not a pack.json: it has no schemaVersion")
	case *head.SchemaVersion != bundle.SchemaVersion:
		return nil, fmt.Errorf("schemaVersion %d is not supported: this dossier reads schemaVersion %d", *head.SchemaVersion, bundle.SchemaVersion)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var b bundle.Bundle
	if err := dec.Decode(&b); err != nil {
		return nil, fmt.Errorf("decoding: %w", err)
	}
	return &b, nil
}

// readEvidence reads one evidence file, refusing one whose size is not the
// indexed size before reading it whole.
func readEvidence(p string, size int64) ([]byte, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%q is not a regular file", p)
	}
	if fi.Size() != size {
		return nil, fmt.Errorf("%q has %d bytes, but the pack's index says %d: the file was changed after the pack was built", p, fi.Size(), size)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("reading %q: %w", p, err)
	}
	return data, nil
}
