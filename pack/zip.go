package pack

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/dossier-dev/dossier/internal/bounded"
	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/sign"
)

// ZipFile is the single-file form of a pack, written inside it by
// build --zip: every other file of the pack, SHA256SUMS and its signature
// included.
const ZipFile = "pack.zip"

// Bounds on a pack being read (verify, diff, render, build --since). A
// pack holds transcripts, screenshots and documents: a few megabytes. A
// received pack is untrusted, so everything is capped before it is read,
// and file contents are hashed as streams, never all held at once.
const (
	maxPackFile  = 128 << 20 // one file of a pack, or one zip entry (declared and actual)
	maxPackTotal = 512 << 20 // all files of a pack, or all entries of a zip together
	maxPackFiles = 10_000    // files of a pack, entries of a zip, lines of SHA256SUMS
	maxPackJSON  = 64 << 20  // pack.json (about 20 MiB at 2,000 tools)
	maxSmallFile = 1 << 20   // SHA256SUMS and its signature
)

// zipTo writes to w the deterministic zip of a pack's files, each read
// with open: entries sorted by path, stored uncompressed (so the bytes
// depend on no compressor's version), every time set to mod (the pack's
// date), mode 0644, no comment. The same files always give the same bytes,
// which is how verify checks a pack.zip: it hashes the zip as zipTo writes
// it, and Write streams it from the files it has written.
func zipTo(w io.Writer, names []string, open func(string) (io.ReadCloser, error), mod time.Time) error {
	names = append([]string(nil), names...)
	sort.Strings(names)
	zw := zip.NewWriter(w)
	for _, p := range names {
		h := &zip.FileHeader{Name: p, Method: zip.Store, Modified: mod.UTC()}
		h.SetMode(0o644)
		f, err := zw.CreateHeader(h)
		if err != nil {
			return fmt.Errorf("zipping %q: %w", p, err)
		}
		rc, err := open(p)
		if err != nil {
			return fmt.Errorf("zipping %q: %w", p, err)
		}
		_, err = io.Copy(f, rc)
		rc.Close()
		if err != nil {
			return fmt.Errorf("zipping %q: %w", p, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("zipping the pack: %w", err)
	}
	return nil
}

// FileSum is what is kept of a file of a pack being read: its size and
// SHA-256, not its content.
type FileSum struct {
	Size   int64
	SHA256 string
}

// Source is a pack as found on disk: a directory, a pack.zip, or the
// directory of a pack.json. Only the small files that say what the pack
// is (pack.json, SHA256SUMS, its signature) are held in memory; every
// other file is hashed as it is read, and read again when needed.
type Source struct {
	Path  string
	Kind  string             // "directory" or "zip"
	Files map[string]FileSum // every regular file, by slash-separated path
	// Irregular lists entries that are not regular files (symlinks,
	// devices) or whose name is not a plain relative path, which a pack
	// never holds.
	Irregular []string
	// SHA256 is the zip's own digest, for a zip.
	SHA256 string

	held map[string][]byte // pack.json, SHA256SUMS, SHA256SUMS.sig
	open func(name string) (io.ReadCloser, error)
	done func() error
}

// Held is the content of one of the small files read whole.
func (s *Source) Held(name string) ([]byte, bool) {
	data, ok := s.held[name]
	return data, ok
}

// Close releases the files the source keeps open.
func (s *Source) Close() error {
	if s == nil || s.done == nil {
		return nil
	}
	return s.done()
}

// heldCap is how much of a file is held in memory, 0 for a file that is
// only hashed.
func heldCap(name string) int64 {
	switch name {
	case "pack.json":
		return maxPackJSON
	case sign.SumsFile, sign.SigFile:
		return maxSmallFile
	}
	return 0
}

// ErrNotZip wraps the reason a pack.zip could not be opened as a zip.
var ErrNotZip = errors.New("not a readable zip")

// Open reads every file of a pack: p is its directory, its pack.json or a
// pack.zip. An error means the pack could not be read at all (it is over
// the bounds above among others); a zip that is not a zip is reported
// with ErrNotZip. Close the Source when done.
func Open(p string) (*Source, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("opening pack %q: %w", p, err)
	}
	switch {
	case fi.IsDir():
		return openDir(p)
	case strings.EqualFold(filepath.Ext(p), ".zip"):
		return openZip(p)
	case filepath.Base(p) == "pack.json":
		return openDir(filepath.Dir(p))
	}
	return nil, fmt.Errorf("opening pack %q: not a directory, a pack.json or a .zip", p)
}

func openDir(dir string) (*Source, error) {
	s := &Source{Path: dir, Kind: "directory", Files: map[string]FileSum{}, held: map[string][]byte{}}
	s.open = func(name string) (io.ReadCloser, error) {
		return bounded.Open(filepath.Join(dir, filepath.FromSlash(name)), maxPackFile)
	}
	var total int64
	entries := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if entries++; entries > maxPackFiles {
			return fmt.Errorf("more than %d files and directories: more than a pack holds", maxPackFiles)
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
		f, err := bounded.Open(p, maxPackFile)
		if err != nil {
			return err
		}
		defer f.Close()
		if total += f.Size; total > maxPackTotal {
			return fmt.Errorf("its files have more than %d bytes together: more than a pack holds", maxPackTotal)
		}
		sum, data, err := digest(f, f.Size, heldCap(rel))
		if err != nil {
			return fmt.Errorf("reading %q: %w", p, err)
		}
		s.Files[rel] = sum
		if data != nil {
			s.held[rel] = data
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading pack %q: %w", dir, err)
	}
	return s, nil
}

// digest hashes r, which must hold exactly size bytes, and returns its
// content too when it is at most hold bytes (hold 0: never).
func digest(r io.Reader, size, hold int64) (FileSum, []byte, error) {
	h := sha256.New()
	var buf *bytes.Buffer
	w := io.Writer(h)
	if hold > 0 && size <= hold {
		buf = bytes.NewBuffer(make([]byte, 0, size))
		w = io.MultiWriter(h, buf)
	}
	n, err := io.Copy(w, io.LimitReader(r, size+1))
	if err != nil {
		return FileSum{}, nil, err
	}
	if n != size {
		return FileSum{}, nil, fmt.Errorf("%d bytes read, %d expected: the file changed while it was read", n, size)
	}
	sum := FileSum{Size: size, SHA256: hex.EncodeToString(h.Sum(nil))}
	if buf == nil {
		return sum, nil, nil
	}
	return sum, buf.Bytes(), nil
}

func openZip(p string) (*Source, error) {
	f, err := bounded.Open(p, maxPackTotal)
	if err != nil {
		return nil, fmt.Errorf("reading pack %q: %w", p, err)
	}
	s := &Source{Path: p, Kind: "zip", done: f.Close}
	sum, _, err := digest(f, f.Size, 0)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("reading pack %q: %w", p, err)
	}
	s.SHA256 = sum.SHA256
	if err := readZip(s, f, f.Size); err != nil {
		return s, fmt.Errorf("reading pack %q: %w", p, err)
	}
	return s, nil
}

// readZip reads the entries of a zip into s: each is hashed as a stream,
// against the bounds on entries, declared sizes and actual sizes.
func readZip(s *Source, r io.ReaderAt, size int64) error {
	s.Files, s.held = map[string]FileSum{}, map[string][]byte{}
	if n, err := bounded.ZipEntries(r, size); err != nil {
		return fmt.Errorf("%w: %w", ErrNotZip, err)
	} else if n > maxPackFiles {
		return fmt.Errorf("%w: %d entries, more than a pack holds (%d)", ErrNotZip, n, maxPackFiles)
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNotZip, err)
	}
	if len(zr.File) > maxPackFiles {
		return fmt.Errorf("%w: %d entries, more than a pack holds (%d)", ErrNotZip, len(zr.File), maxPackFiles)
	}
	byName := map[string]*zip.File{}
	var total uint64
	for _, f := range zr.File {
		if f.FileInfo().IsDir() && safeRel(strings.TrimSuffix(f.Name, "/")) {
			continue
		}
		if !f.Mode().IsRegular() || !safeRel(f.Name) {
			s.Irregular = append(s.Irregular, f.Name)
			continue
		}
		if _, dup := byName[f.Name]; dup {
			return fmt.Errorf("%w: entry %q appears twice", ErrNotZip, f.Name)
		}
		if f.UncompressedSize64 > maxPackFile {
			return fmt.Errorf("%w: entry %q declares %d bytes, more than a pack file holds (%d)", ErrNotZip, f.Name, f.UncompressedSize64, maxPackFile)
		}
		if total += f.UncompressedSize64; total > maxPackTotal {
			return fmt.Errorf("%w: its entries declare more than %d bytes together, more than a pack holds", ErrNotZip, maxPackTotal)
		}
		byName[f.Name] = f
	}
	for name, f := range byName {
		sum, data, err := readEntry(f, heldCap(name))
		if err != nil {
			return fmt.Errorf("%w: entry %q: %w", ErrNotZip, name, err)
		}
		s.Files[name] = sum
		if data != nil {
			s.held[name] = data
		}
	}
	s.open = func(name string) (io.ReadCloser, error) {
		f, ok := byName[name]
		if !ok {
			return nil, fs.ErrNotExist
		}
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		return struct {
			io.Reader
			io.Closer
		}{io.LimitReader(rc, int64(f.UncompressedSize64)), rc}, nil
	}
	return nil
}

func readEntry(f *zip.File, hold int64) (FileSum, []byte, error) {
	rc, err := f.Open()
	if err != nil {
		return FileSum{}, nil, err
	}
	defer rc.Close()
	// archive/zip stops at the declared size and checks the CRC there;
	// digest refuses an entry shorter than declared.
	return digest(rc, int64(f.UncompressedSize64), hold)
}

// zipDigest is the SHA-256 of the zip dossier writes of s's files but
// those named in skip, read again one at a time.
func zipDigest(s *Source, mod time.Time, skip ...string) (string, error) {
	var names []string
	for name := range s.Files {
		if !slices.Contains(skip, name) {
			names = append(names, name)
		}
	}
	h := sha256.New()
	if err := zipTo(h, names, s.open, mod); err != nil {
		return "", err
	}
	return hexSum(h), nil
}

func hexSum(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }

// Load reads the Bundle of a pack (directory, pack.json or pack.zip) and its
// pack.json's bytes, strictly as Read does, without the evidence content:
// enough to compare packs. Only pack.json is read.
func Load(p string) (*bundle.Bundle, []byte, error) {
	data, err := packJSON(p)
	if err != nil {
		return nil, nil, fmt.Errorf("reading pack %q: %w", p, err)
	}
	b, err := decode(data)
	if err != nil {
		return nil, nil, fmt.Errorf("reading pack %q: %w", p, err)
	}
	return b, data, nil
}

// packJSON reads the pack.json of a pack, bounded.
func packJSON(p string) ([]byte, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	switch {
	case fi.IsDir():
		p = filepath.Join(p, "pack.json")
	case strings.EqualFold(filepath.Ext(p), ".zip"):
		s, err := openZipFor(p, "pack.json")
		if err != nil {
			return nil, err
		}
		defer s.Close()
		data, ok := s.Held("pack.json")
		if !ok {
			return nil, errors.New("it has no pack.json")
		}
		return data, nil
	case filepath.Base(p) != "pack.json":
		return nil, errors.New("not a directory, a pack.json or a .zip")
	}
	data, err := bounded.ReadFile(p, maxPackJSON)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errors.New("it has no pack.json")
	}
	return data, err
}

// openZipFor opens a zip and reads only the entry wanted, within the same
// bounds as Open.
func openZipFor(p, want string) (*Source, error) {
	f, err := bounded.Open(p, maxPackTotal)
	if err != nil {
		return nil, err
	}
	s := &Source{Path: p, Kind: "zip", Files: map[string]FileSum{}, held: map[string][]byte{}, done: f.Close}
	if n, err := bounded.ZipEntries(f, f.Size); err != nil || n > maxPackFiles {
		f.Close()
		return nil, fmt.Errorf("%w: %d entries (%v)", ErrNotZip, n, err)
	}
	zr, err := zip.NewReader(f, f.Size)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%w: %w", ErrNotZip, err)
	}
	for _, zf := range zr.File {
		if zf.Name != want {
			continue
		}
		if zf.UncompressedSize64 > uint64(heldCap(want)) {
			f.Close()
			return nil, fmt.Errorf("%s declares %d bytes, more than %d", want, zf.UncompressedSize64, heldCap(want))
		}
		sum, data, err := readEntry(zf, heldCap(want))
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%w: entry %q: %w", ErrNotZip, want, err)
		}
		s.Files[want], s.held[want] = sum, data
		break
	}
	return s, nil
}
