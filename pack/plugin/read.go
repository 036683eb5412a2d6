package plugin

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"

	"github.com/dossier-dev/dossier/internal/bounded"
)

// Bounds on a package being read. A plugin package holds two small JSON
// files, a few icons and screenshots, perhaps skills: kilobytes to a few
// megabytes. Everything is capped before it is read, declared sizes and
// actual sizes alike.
const (
	maxEntries = 1_000
	maxEntry   = 8 << 20  // one file, or one zip entry
	maxTotal   = 32 << 20 // all files together
	maxJSON    = 1 << 20  // plugin.json, mcp.json, .app.json
)

// files reads every regular file of a package, a directory or a .zip,
// within the bounds above. Anything a package never holds (a symlink, a
// device, a path that leaves the package, the same name twice) refuses
// the whole package: it is untrusted input, and a half-read package would
// be judged on less than was submitted.
func files(p string) (map[string][]byte, string, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, "", err
	}
	if fi.IsDir() {
		fs, err := dirFiles(p)
		return fs, "directory", err
	}
	if !strings.EqualFold(path.Ext(p), ".zip") {
		return nil, "", errors.New("not a directory or a .zip")
	}
	fs, err := zipFiles(p)
	return fs, "zip", err
}

// dirFiles reads a directory through os.Root, so that no name inside it,
// however it was swapped while read, opens anything outside it.
func dirFiles(dir string) (map[string][]byte, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	out := map[string][]byte{}
	var total int64
	entries := 0
	err = fs.WalkDir(root.FS(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if name == "." {
			return nil
		}
		if entries++; entries > maxEntries {
			return fmt.Errorf("more than %d files and directories, more than a plugin package holds", maxEntries)
		}
		switch {
		case d.IsDir() && d.Name() == ".git":
			return fs.SkipDir // a checkout's history is not part of the package
		case d.IsDir():
			return nil
		case d.Type()&fs.ModeSymlink != 0:
			return fmt.Errorf("%q is a symbolic link; a plugin package holds regular files only", name)
		case !d.Type().IsRegular():
			return fmt.Errorf("%q is not a regular file", name)
		}
		f, err := root.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return err
		}
		if !st.Mode().IsRegular() {
			return fmt.Errorf("%q is not a regular file", name)
		}
		if st.Size() > maxEntry {
			return fmt.Errorf("%q has %d bytes, more than a plugin package file holds (%d)", name, st.Size(), maxEntry)
		}
		if total += st.Size(); total > maxTotal {
			return fmt.Errorf("its files have more than %d bytes together, more than a plugin package holds", maxTotal)
		}
		data, err := readExactly(f, st.Size())
		if err != nil {
			return fmt.Errorf("reading %q: %w", name, err)
		}
		out[name] = data
		return nil
	})
	return out, err
}

// zipFiles reads a .zip's entries: the entry count the zip declares, each
// entry's declared size and the sum of them are checked before anything is
// inflated, and each entry is read only up to what it declared.
func zipFiles(p string) (map[string][]byte, error) {
	f, err := bounded.Open(p, maxTotal+maxTotal/2) // room for headers and a poor compressor
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if n, err := bounded.ZipEntries(f, f.Size); err != nil {
		return nil, fmt.Errorf("not a readable zip: %w", err)
	} else if n > maxEntries {
		return nil, fmt.Errorf("the zip declares %d entries, more than a plugin package holds (%d)", n, maxEntries)
	}
	zr, err := zip.NewReader(f, f.Size)
	if err != nil {
		return nil, fmt.Errorf("not a readable zip: %w", err)
	}
	out := map[string][]byte{}
	var total uint64
	for _, e := range zr.File {
		name := e.Name
		if strings.HasSuffix(name, "/") && e.Mode().IsDir() {
			name = strings.TrimSuffix(name, "/")
			if !fs.ValidPath(name) || strings.Contains(name, `\`) {
				return nil, fmt.Errorf("entry %q is not a plain relative path (it would be written outside the package)", e.Name)
			}
			continue
		}
		switch {
		case !fs.ValidPath(name) || name == "." || strings.Contains(name, `\`):
			return nil, fmt.Errorf("entry %q is not a plain relative path (it would be written outside the package)", e.Name)
		case e.Mode()&fs.ModeSymlink != 0:
			return nil, fmt.Errorf("entry %q is a symbolic link; a plugin package holds regular files only", name)
		case !e.Mode().IsRegular():
			return nil, fmt.Errorf("entry %q is not a regular file", name)
		case out[name] != nil:
			return nil, fmt.Errorf("entry %q appears twice", name)
		case e.UncompressedSize64 > maxEntry:
			return nil, fmt.Errorf("entry %q declares %d bytes, more than a plugin package file holds (%d)", name, e.UncompressedSize64, maxEntry)
		}
		if total += e.UncompressedSize64; total > maxTotal {
			return nil, fmt.Errorf("its entries declare more than %d bytes together, more than a plugin package holds", maxTotal)
		}
		rc, err := e.Open()
		if err != nil {
			return nil, fmt.Errorf("entry %q: %w", name, err)
		}
		data, err := readExactly(rc, int64(e.UncompressedSize64))
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("entry %q: %w", name, err)
		}
		out[name] = data
	}
	return out, nil
}

// readExactly reads r, which must hold exactly size bytes: more is an
// entry that inflates past what it declared (a zip bomb), less a file that
// changed while it was read.
func readExactly(r io.Reader, size int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, size+1))
	if err != nil {
		if errors.Is(err, zip.ErrFormat) || errors.Is(err, zip.ErrChecksum) {
			return nil, fmt.Errorf("its content does not match its declared size and checksum: %w", err)
		}
		return nil, err
	}
	if int64(len(data)) != size {
		return nil, fmt.Errorf("%d bytes read, %d declared", len(data), size)
	}
	return data, nil
}

// unwrap strips the one top-level folder a zip of a directory often has,
// when the manifest is only found inside it.
func unwrap(files map[string][]byte) map[string][]byte {
	if files[codexManifest] != nil || files[agentManifest] != nil {
		return files
	}
	top := ""
	for name := range files {
		first, _, ok := strings.Cut(name, "/")
		if !ok || (top != "" && first != top) {
			return files
		}
		top = first
	}
	if files[top+"/"+codexManifest] == nil && files[top+"/"+agentManifest] == nil {
		return files
	}
	out := make(map[string][]byte, len(files))
	for name, data := range files {
		out[strings.TrimPrefix(name, top+"/")] = data
	}
	return out
}
