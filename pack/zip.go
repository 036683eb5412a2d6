package pack

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/dossier-dev/dossier/pack/bundle"
)

// ZipFile is the single-file form of a pack, written inside it by
// build --zip: every other file of the pack, SHA256SUMS and its signature
// included.
const ZipFile = "pack.zip"

// maxPackFile bounds one file read from a pack being verified or compared;
// a pack holds transcripts, screenshots and documents, not archives.
const maxPackFile = 256 << 20

// Zip is the deterministic zip of a pack's files: entries sorted by path,
// stored uncompressed (so the bytes depend on no compressor's version),
// every time set to mod (the pack's date), mode 0644, no comment. The same
// files always give the same bytes, which is how verify checks a pack.zip.
func Zip(files map[string][]byte, mod time.Time) ([]byte, error) {
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range paths {
		h := &zip.FileHeader{Name: p, Method: zip.Store, Modified: mod.UTC()}
		h.SetMode(0o644)
		f, err := zw.CreateHeader(h)
		if err != nil {
			return nil, fmt.Errorf("zipping %q: %w", p, err)
		}
		if _, err := f.Write(files[p]); err != nil {
			return nil, fmt.Errorf("zipping %q: %w", p, err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("zipping the pack: %w", err)
	}
	return buf.Bytes(), nil
}

// Source is a pack as found on disk: a directory, a pack.zip, or the
// directory of a pack.json.
type Source struct {
	Path  string
	Kind  string            // "directory" or "zip"
	Files map[string][]byte // every regular file, by slash-separated path
	// Irregular lists entries that are not regular files (symlinks,
	// devices), which a pack never holds.
	Irregular []string
	// Raw is the zip's own bytes, for a zip.
	Raw []byte
}

// ErrNotZip wraps the reason a pack.zip could not be opened as a zip.
var ErrNotZip = errors.New("not a readable zip")

// Open reads every file of a pack: p is its directory, its pack.json or a
// pack.zip. An error means the pack could not be read at all; a zip that is
// not a zip is reported with ErrNotZip.
func Open(p string) (*Source, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("opening pack %q: %w", p, err)
	}
	switch {
	case fi.IsDir():
		return openDir(p)
	case strings.EqualFold(filepath.Ext(p), ".zip"):
		return openZip(p, fi.Size())
	case filepath.Base(p) == "pack.json":
		return openDir(filepath.Dir(p))
	}
	return nil, fmt.Errorf("opening pack %q: not a directory, a pack.json or a .zip", p)
}

func openDir(dir string) (*Source, error) {
	s := &Source{Path: dir, Kind: "directory", Files: map[string][]byte{}}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		switch {
		case d.IsDir():
			return nil
		case !d.Type().IsRegular():
			s.Irregular = append(s.Irregular, rel)
			return nil
		}
		data, err := readBounded(p)
		if err != nil {
			return err
		}
		s.Files[rel] = data
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading pack %q: %w", dir, err)
	}
	return s, nil
}

func openZip(p string, size int64) (*Source, error) {
	if size > maxPackFile {
		return nil, fmt.Errorf("reading pack %q: %d bytes, more than a pack holds (%d)", p, size, maxPackFile)
	}
	raw, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("reading pack %q: %w", p, err)
	}
	s := &Source{Path: p, Kind: "zip", Files: map[string][]byte{}, Raw: raw}
	if err := readZip(s, raw); err != nil {
		return s, fmt.Errorf("reading pack %q: %w", p, err)
	}
	return s, nil
}

// readZip puts the entries of a zip into s.
func readZip(s *Source, raw []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNotZip, err)
	}
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		if !f.Mode().IsRegular() || !safeRel(f.Name) {
			s.Irregular = append(s.Irregular, f.Name)
			continue
		}
		if _, dup := s.Files[f.Name]; dup {
			return fmt.Errorf("%w: entry %q appears twice", ErrNotZip, f.Name)
		}
		data, err := readEntry(f)
		if err != nil {
			return fmt.Errorf("%w: entry %q: %w", ErrNotZip, f.Name, err)
		}
		s.Files[f.Name] = data
	}
	return nil
}

func readEntry(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxPackFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxPackFile {
		return nil, fmt.Errorf("more than %d bytes", maxPackFile)
	}
	return data, nil
}

func readBounded(p string) ([]byte, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if fi.Size() > maxPackFile {
		return nil, fmt.Errorf("%q has %d bytes, more than a pack file holds (%d)", p, fi.Size(), maxPackFile)
	}
	return os.ReadFile(p)
}

// Load reads the Bundle of a pack (directory, pack.json or pack.zip) and its
// pack.json's bytes, strictly as Read does, without the evidence content:
// enough to compare packs.
func Load(p string) (*bundle.Bundle, []byte, error) {
	s, err := Open(p)
	if err != nil {
		return nil, nil, err
	}
	data, ok := s.Files["pack.json"]
	if !ok {
		return nil, nil, fmt.Errorf("reading pack %q: it has no pack.json", p)
	}
	b, err := decode(data)
	if err != nil {
		return nil, nil, fmt.Errorf("reading pack %q: %w", p, err)
	}
	return b, data, nil
}
