package pack

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"

	"github.com/dossier-dev/dossier/internal/bounded"
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
	data, err := bounded.ReadFile(path, maxPackJSON)
	if err != nil {
		return nil, nil, fmt.Errorf("reading pack %q: %w", path, err)
	}
	b, err = decode(data)
	if err != nil {
		return nil, nil, fmt.Errorf("reading pack %q: %w", path, err)
	}
	dir := filepath.Dir(path)
	var total int64
	for i := range b.Evidence {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		e := &b.Evidence[i]
		if !safeRel(e.Path) {
			return nil, nil, fmt.Errorf("reading pack %q: evidence %s has path %q, which is not a plain relative path inside the pack", path, e.ID, e.Path)
		}
		if e.Size < 0 || e.Size > maxPackFile {
			return nil, nil, fmt.Errorf("reading pack %q: evidence %s declares %d bytes, more than a pack file holds (%d)", path, e.ID, e.Size, maxPackFile)
		}
		if total += e.Size; total > maxPackTotal {
			return nil, nil, fmt.Errorf("reading pack %q: its evidence declares more than %d bytes together, more than a pack holds", path, maxPackTotal)
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

// Bounds on what pack.json may hold besides its size. They hold what build
// writes at the probe's default bound of 2,000 tools (about 30,000 results)
// with room for a raised --max-tools; JSON refuses to write a pack past
// them, so dossier never writes a pack it will not read back.
const (
	maxJSONDepth = 64
	maxResults   = 100_000
	maxTools     = 10_000
)

// decode is the strict JSON decoding of pack.json, bounded: its nesting
// is checked before it is decoded, its counts after.
func decode(data []byte) (*bundle.Bundle, error) {
	if len(data) > maxPackJSON {
		return nil, fmt.Errorf("pack.json has %d bytes, more than %d", len(data), maxPackJSON)
	}
	if jsonDeeper(data, maxJSONDepth) {
		return nil, fmt.Errorf("not a pack.json: nested more than %d levels deep", maxJSONDepth)
	}
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
	if err := checkCounts(&b); err != nil {
		return nil, err
	}
	return &b, nil
}

// checkCounts refuses a bundle with more of anything than a pack holds.
func checkCounts(b *bundle.Bundle) error {
	for _, c := range []struct {
		what   string
		n, max int
	}{
		{"results", len(b.Results), maxResults},
		{"answers", len(b.Answers), maxResults},
		{"red flags", len(b.RedFlags), maxResults},
		{"evidence items", len(b.Evidence), maxPackFiles},
		{"captures", len(b.Captures), maxPackFiles},
		{"tools", len(b.Observation.Tools), maxTools},
		{"tool rows", len(b.Tools), 2 * maxTools},
		{"UI resources", len(b.Observation.Resources), maxTools},
	} {
		if c.n > c.max {
			return fmt.Errorf("pack.json lists %d %s, more than a pack holds (%d)", c.n, c.what, c.max)
		}
	}
	return nil
}

// jsonDeeper reports whether JSON data nests arrays and objects more than
// max levels deep; strings are skipped, so brackets inside them do not
// count.
func jsonDeeper(data []byte, max int) bool {
	depth, inString, escaped := 0, false, false
	for _, c := range data {
		switch {
		case inString && escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case inString && c == '"':
			inString = false
		case inString:
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			if depth++; depth > max {
				return true
			}
		case c == ']' || c == '}':
			depth--
		}
	}
	return false
}

// readEvidence reads one evidence file, refusing one whose size is not the
// indexed size before reading it whole.
func readEvidence(p string, size int64) ([]byte, error) {
	f, err := bounded.Open(p, maxPackFile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if f.Size != size {
		return nil, fmt.Errorf("%q has %d bytes, but the pack's index says %d: the file was changed after the pack was built", p, f.Size, size)
	}
	data, err := io.ReadAll(io.LimitReader(f, size+1))
	if err != nil {
		return nil, fmt.Errorf("reading %q: %w", p, err)
	}
	if int64(len(data)) != size {
		return nil, fmt.Errorf("%q has %d bytes, but the pack's index says %d: the file was changed while it was read", p, len(data), size)
	}
	return data, nil
}
