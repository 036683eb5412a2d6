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
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dossier-dev/dossier/internal/bounded"
	"github.com/dossier-dev/dossier/internal/owned"
	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/csv"
	"github.com/dossier-dev/dossier/pack/export"
	"github.com/dossier-dev/dossier/pack/pdf"
	"github.com/dossier-dev/dossier/pack/sign"
)

// files maps each format to the file it is written to; pack.json is always
// written. The order is the order of Formats and of writing.
func files() []struct{ format, file string } {
	return []struct{ format, file string }{
		{"json", "pack.json"},
		{"pdf", "pack.pdf"},
		{"csv", "answers.csv"},
		{"xlsx", "answers.xlsx"},
		{"sarif", "pack.sarif"},
		{"junit", "junit.xml"},
		{"openai", "openai-submission.json"},
		{"md", "summary.md"},
	}
}

// DefaultFormats is what build, demo and render write unless told otherwise.
func DefaultFormats() []string { return []string{"json", "pdf", "csv"} }

// Formats lists every format Render knows, in writing order.
func Formats() []string {
	out := make([]string, len(files()))
	for i, f := range files() {
		out[i] = f.format
	}
	return out
}

// File is the name of the file a format is written to, or "" for an
// unknown format.
func File(format string) string {
	for _, f := range files() {
		if f.format == format {
			return f.file
		}
	}
	return ""
}

// ParseFormats reads a --format list such as "pdf,csv,xlsx" (a list of
// lists, as a repeated flag gives it): names are trimmed and lowercased,
// duplicates dropped, json added, and the result put in writing order.
// "all" means every format. An unknown name is an error.
func ParseFormats(lists []string) ([]string, error) {
	want := map[string]bool{"json": true}
	for _, l := range lists {
		for _, name := range strings.Split(l, ",") {
			name = strings.ToLower(strings.TrimSpace(name))
			switch {
			case name == "":
			case name == "all":
				for _, f := range files() {
					want[f.format] = true
				}
			case File(name) == "":
				return nil, fmt.Errorf("unknown format %q (want %s, or all)", name, strings.Join(Formats(), ", "))
			default:
				want[name] = true
			}
		}
	}
	var out []string
	for _, f := range files() {
		if want[f.format] {
			out = append(out, f.format)
		}
	}
	return out, nil
}

// Render renders one output of the bundle. Every format reads the Bundle
// alone, so a Bundle read back from pack.json renders the same bytes as
// the one that wrote it.
func Render(b *bundle.Bundle, format string) ([]byte, error) {
	switch format {
	case "json":
		return JSON(b)
	case "pdf":
		// The cover names pack.json's digest, so a reader can tie the
		// document to the machine-readable pack beside it.
		data, err := JSON(b)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(data)
		return pdf.RenderWith(b, pdf.Options{PackDigest: hex.EncodeToString(sum[:])})
	case "csv":
		var buf bytes.Buffer
		if err := csv.Answers(&buf, b); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	case "xlsx":
		return export.XLSX(b)
	case "sarif":
		return export.SARIF(b)
	case "junit":
		return export.JUnit(b)
	case "openai":
		return export.OpenAISubmission(b)
	case "md":
		return export.Markdown(b)
	}
	return nil, fmt.Errorf("unknown format %q (want %s)", format, strings.Join(Formats(), ", "))
}

// JSON is pack.json: the bundle, indented, with a final newline. A bundle
// larger than Read takes back is refused, naming the bound that shrinks it.
func JSON(b *bundle.Bundle) ([]byte, error) {
	if err := checkCounts(b); err != nil {
		return nil, fmt.Errorf("encoding pack.json: %w; lower --max-tools", err)
	}
	data, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding pack.json: %w", err)
	}
	if len(data) >= maxPackJSON {
		return nil, fmt.Errorf("encoding pack.json: it would have %d bytes, more than dossier reads back (%d); lower --max-tools", len(data)+1, maxPackJSON)
	}
	return append(data, '\n'), nil
}

// Written lists the files of a pack that Write put in place.
type Written struct {
	Dir   string
	Files []string // relative to Dir, in writing order
}

// Write renders the bundle in the given formats and writes them, with every
// evidence file and the SHA256SUMS checksum list, into dir; WriteWith can
// also sign the list and write pack.zip.
func Write(ctx context.Context, b *bundle.Bundle, dir string, fmts []string) (*Written, error) {
	return WriteWith(ctx, b, dir, WriteOptions{Formats: fmts})
}

// WriteOptions say what a pack holds besides pack.json and the evidence.
type WriteOptions struct {
	Formats []string
	// Key signs SHA256SUMS into SHA256SUMS.sig. The bundle's Signature must
	// already name it: pack.json carries the key ID and is itself covered.
	Key *sign.Key
	// Zip also writes pack.zip: every other file of the pack, in one file.
	Zip bool
}

// WriteWith renders the bundle in the given formats and writes them, with
// every evidence file, into dir, then SHA256SUMS (sha256sum format, sorted
// by path) over all of them, SHA256SUMS.sig when signing, and pack.zip when
// asked. Everything is first written to a temporary directory beside dir
// and moved into place only when complete. dir must pass CheckOut, so
// nothing the user put there is lost.
func WriteWith(ctx context.Context, b *bundle.Bundle, dir string, opts WriteOptions) (*Written, error) {
	if opts.Key != nil && (b.Signature == nil || b.Signature.KeyID != opts.Key.ID) {
		return nil, fmt.Errorf("signing the pack: the bundle does not name the signing key %s as its signer", opts.Key.ID)
	}
	return writeDir(ctx, dir, func(s *stage) error {
		// Every file written is hashed for SHA256SUMS. A large pack's
		// screenshots are read from the spool one by one
		// (Evidence.Content), and pack.zip is streamed from the files
		// written: no file's bytes outlive its writing, which would keep
		// them in memory through the PDF, the write's peak.
		digests := map[string]sign.Digest{}
		put := func(rel string, data []byte) error {
			digests[rel] = sha256.Sum256(data)
			return s.put(rel, data)
		}
		for _, e := range b.Evidence {
			data, err := e.Content()
			if err != nil {
				return err
			}
			if data == nil && e.Size > 0 {
				continue // not at hand: a pack re-rendered without its evidence files
			}
			if err := put(e.Path, data); err != nil {
				return err
			}
		}
		fmts := opts.Formats
		if !slices.Contains(fmts, "json") {
			fmts = append([]string{"json"}, fmts...)
		}
		var digest string // pack.json's SHA-256, once written
		for _, f := range fmts {
			name := File(f)
			if name == "" {
				return fmt.Errorf("unknown format %q (want %s)", f, strings.Join(Formats(), ", "))
			}
			var data []byte
			var err error
			if f == "pdf" && digest != "" {
				// The cover prints pack.json's digest: from the bytes just
				// written, not a second encoding of a pack of some MB.
				data, err = pdf.RenderWith(b, pdf.Options{PackDigest: digest})
			} else {
				data, err = Render(b, f)
			}
			if err != nil {
				return fmt.Errorf("rendering %s: %w", name, err)
			}
			if f == "json" {
				sum := sha256.Sum256(data)
				digest = hex.EncodeToString(sum[:])
			}
			if err := put(name, data); err != nil {
				return err
			}
		}
		sums := sign.SumsOf(digests)
		if err := put(sign.SumsFile, sums); err != nil {
			return err
		}
		if opts.Key != nil {
			if err := put(sign.SigFile, opts.Key.Sign(sums)); err != nil {
				return err
			}
		}
		if opts.Zip {
			// zipTo takes its own copy of the list before pack.zip joins it.
			return s.stream(ZipFile, func(w io.Writer) error { return zipTo(w, s.w.Files, s.open, b.Created) })
		}
		return nil
	})
}

// stage is a pack being written: its files go into a temporary directory
// beside the pack's, which writeDir moves into place once all are there.
type stage struct {
	ctx     context.Context
	tmp     string
	w       *Written
	written map[string]bool
}

// put writes data as the file rel of the pack.
func (s *stage) put(rel string, data []byte) error {
	return s.stream(rel, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// stream writes the file rel of the pack with write.
func (s *stage) stream(rel string, write func(io.Writer) error) error {
	if err := s.ctx.Err(); err != nil {
		return err
	}
	if !safeRel(rel) {
		return fmt.Errorf("refusing to write %q: not a plain relative path inside the pack", rel)
	}
	if s.written[rel] {
		return fmt.Errorf("refusing to write %q twice", rel)
	}
	p := filepath.Join(s.tmp, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("creating %q: %w", filepath.Dir(p), err)
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("writing %q: %w", p, err)
	}
	err = write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing %q: %w", p, err)
	}
	s.w.Files = append(s.w.Files, rel)
	s.written[rel] = true
	return nil
}

// open reads back a file of the pack written before.
func (s *stage) open(rel string) (io.ReadCloser, error) {
	if !s.written[rel] {
		return nil, fmt.Errorf("%q was not written", rel)
	}
	return os.Open(filepath.Join(s.tmp, filepath.FromSlash(rel)))
}

// writeDir writes the files fill puts into dir in one step: into a
// temporary directory beside dir first, moved into place only when fill
// has put everything. dir must pass CheckOut, so nothing the user put
// there is lost.
func writeDir(ctx context.Context, dir string, fill func(*stage) error) (*Written, error) {
	if err := CheckOut(dir); err != nil {
		return nil, err
	}
	parent := filepath.Dir(filepath.Clean(dir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("creating %q: %w", parent, err)
	}
	removeStale(parent, filepath.Base(filepath.Clean(dir)), time.Now())
	tmp, err := owned.MkdirTemp(parent, "."+filepath.Base(dir)+".tmp-")
	if err != nil {
		return nil, fmt.Errorf("creating a temporary directory beside %q: %w", dir, err)
	}
	defer os.RemoveAll(tmp) // a no-op once renamed

	s := &stage{ctx: ctx, tmp: tmp, w: &Written{Dir: dir}, written: map[string]bool{}}
	if err := fill(s); err != nil {
		return nil, err
	}
	if err := swap(tmp, dir); err != nil {
		return nil, err
	}
	return s.w, nil
}

// CheckOut says whether a pack may be written to dir, before anything is
// probed or written. dir may be new, an empty directory, or an earlier
// dossier pack: every file in it is listed in its SHA256SUMS, besides
// SHA256SUMS itself, its signature and pack.zip, and nothing else is there.
// A directory holding anything else is refused (it would be replaced, with
// the user's files), and so are a dir that is a symbolic link and a dir
// inside a pack.
func CheckOut(dir string) error {
	clean := filepath.Clean(dir)
	abs, err := filepath.Abs(clean)
	if err != nil {
		return fmt.Errorf("output directory %q: %w", dir, err)
	}
	for a := filepath.Dir(abs); ; a = filepath.Dir(a) {
		if isPack(a) {
			return fmt.Errorf("output directory %q is inside the pack %q: writing there would change that pack; choose a directory outside it", dir, a)
		}
		if a == filepath.Dir(a) {
			break
		}
	}
	fi, err := os.Lstat(clean)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("output directory %q: %w", dir, err)
	}
	switch {
	case fi.Mode()&os.ModeSymlink != 0:
		return fmt.Errorf("output directory %q is a symbolic link: it would be replaced by a directory; give the directory it points to, or a new one", dir)
	case !fi.IsDir():
		return fmt.Errorf("output directory %q is a file, not a directory", dir)
	}
	entries, err := os.ReadDir(clean)
	if err != nil {
		return fmt.Errorf("reading output directory %q: %w", dir, err)
	}
	if len(entries) == 0 {
		return nil
	}
	if stray := strayFiles(clean); len(stray) > 0 {
		return fmt.Errorf("output directory %q is not a dossier pack: it holds files no SHA256SUMS there lists (%s), which would be lost when it is replaced; choose an empty or new directory", dir, strings.Join(stray, ", "))
	}
	return nil
}

// isPack reports whether dir holds a pack: a pack.json and a SHA256SUMS.
func isPack(dir string) bool {
	for _, f := range []string{"pack.json", sign.SumsFile} {
		if fi, err := os.Lstat(filepath.Join(dir, f)); err != nil || !fi.Mode().IsRegular() {
			return false
		}
	}
	return true
}

// strayFiles lists (at most five of) what in dir is not part of the pack
// its SHA256SUMS describes; everything, when there is no readable
// SHA256SUMS.
func strayFiles(dir string) []string {
	data, err := bounded.ReadFile(filepath.Join(dir, sign.SumsFile), maxSmallFile)
	var sums map[string]string
	if err == nil {
		sums, err = sign.ParseSums(data)
	}
	if err != nil {
		sums = map[string]string{}
	}
	var stray []string
	n := 0
	walkErr := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if n++; n > maxPackFiles {
			stray = append(stray, "more files than a pack holds")
			return fs.SkipAll
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			return nil
		}
		_, listed := sums[rel]
		ours := listed && d.Type().IsRegular() ||
			len(sums) > 0 && (rel == sign.SumsFile || rel == sign.SigFile || rel == ZipFile) && d.Type().IsRegular()
		if !ours {
			stray = append(stray, strconv.Quote(rel))
		}
		if len(stray) == 5 {
			return fs.SkipAll
		}
		return nil
	})
	if walkErr != nil {
		stray = append(stray, walkErr.Error())
	}
	return stray
}

// staleAfter is how old a temporary directory of Write must be before a
// later Write removes it as the leftover of a run that was killed.
const staleAfter = time.Hour

// removeStale removes the temporary directories a killed Write left
// beside the pack base in parent: ours by name (".BASE.tmp-…", and the
// earlier pack moved aside, "….old"), directories, whose owner process is
// gone (see owned.Stale) or that are older than staleAfter (a name made
// where the owner cannot be named says nothing of it), so that a run
// writing at the same time is left alone.
// Failing to remove one is not an error: it is only a leftover.
func removeStale(parent, base string, now time.Time) {
	prefix := "." + base + ".tmp-"
	owned.RemoveStale(parent, prefix)
	entries, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), prefix) || e.Type()&fs.ModeType != fs.ModeDir {
			continue
		}
		fi, err := e.Info()
		if err != nil || now.Sub(fi.ModTime()) < staleAfter {
			continue
		}
		_ = os.RemoveAll(filepath.Join(parent, e.Name()))
	}
}

// swap moves the finished tmp into place, keeping the old pack until the
// new one is there.
func swap(tmp, dir string) error {
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		if err := os.Rename(tmp, dir); err != nil {
			return fmt.Errorf("moving the pack into %q: %w", dir, err)
		}
		return nil
	}
	old := tmp + ".old"
	if err := os.Rename(dir, old); err != nil {
		return fmt.Errorf("moving the earlier pack in %q aside: %w", dir, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		_ = os.Rename(old, dir) // put the earlier pack back
		return fmt.Errorf("moving the pack into %q: %w", dir, err)
	}
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("removing the earlier pack %q: %w", old, err)
	}
	return nil
}

func safeRel(rel string) bool {
	if rel == "" || strings.HasPrefix(rel, "/") || strings.Contains(rel, "\\") {
		return false
	}
	clean := path.Clean(rel)
	return clean == rel && clean != "." && !strings.HasPrefix(clean, "../") && clean != ".."
}
