package evidence

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dossier-dev/dossier/internal/bounded"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/manifest"
)

// maxAttachment bounds one attached file; evidence is screenshots and
// policy documents, not archives.
const maxAttachment = 32 << 20

// redactedSecret replaces a secret value in an attached file, as in the
// probe's transcripts.
const redactedSecret = "[REDACTED]"

// Attach reads the files the manifest attaches (paths relative to the
// manifest's directory), records them as evidence items "A0001"… under
// evidence/attached/, and judges evidence.attached for each. A missing or
// unreadable file is a failing result, not an error.
//
// The manifest is untrusted: an attachment must be a regular file inside
// the manifest's directory once symlinks are resolved (a link to
// /proc/self/environ would put the probe's tokens in the pack), and the
// secrets the probe holds (the token values) are redacted from it.
func Attach(dir string, atts []manifest.Attachment, secrets []string) ([]check.Result, []check.Evidence) {
	if len(atts) == 0 {
		return []check.Result{{
			ID: "evidence.attached", Subject: "app", Status: check.NA, Basis: check.Declared,
			Detail: "The manifest attaches no evidence files.",
		}}, nil
	}
	var rs []check.Result
	var ev []check.Evidence
	for i, a := range atts {
		subject := "file:" + a.Path
		data, err := readAttachment(dir, a.Path)
		if err != nil {
			rs = append(rs, check.Result{
				ID: "evidence.attached", Subject: subject, Status: check.Fail, Basis: check.Declared,
				Severity: check.Medium, Detail: fmt.Sprintf("The attached file %q (%s) cannot be read: %v.", a.Path, a.Title, err),
			})
			continue
		}
		data, n := redactSecrets(data, secrets)
		id := check.EvidenceID(fmt.Sprintf("A%04d", i+1))
		ev = append(ev, check.Evidence{
			ID: id, Kind: check.KindAttached, Title: a.Title,
			Path: "evidence/attached/" + fmt.Sprintf("A%04d-%s", i+1, safeName(a.Path)), Data: data,
		})
		detail := fmt.Sprintf("%q is attached (%d bytes); its SHA-256 is recorded in the evidence index.", a.Path, len(data))
		if n > 0 {
			detail += fmt.Sprintf(" It held %d occurrence(s) of a secret the probe holds (a token value), replaced with %s in the pack.", n, redactedSecret)
		}
		if a.Tool != "" {
			detail += " It shows the tool " + a.Tool + "."
		}
		rs = append(rs, check.Result{
			ID: "evidence.attached", Subject: subject, Status: check.Pass, Basis: check.Probed,
			Evidence: []check.EvidenceID{id}, Detail: detail,
		})
	}
	return rs, ev
}

// readAttachment reads rel, relative to dir, when it stays inside dir
// with every symlink resolved (os.Root refuses ".." and links that leave
// it on the descriptor it opens, so nothing can be swapped in between) and
// is a regular file of at most maxAttachment bytes, opened without
// blocking on a FIFO.
func readAttachment(dir, rel string) ([]byte, error) {
	if filepath.IsAbs(rel) {
		return nil, errors.New("the path must be relative to the manifest")
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("opening the manifest's directory: %w", err)
	}
	defer root.Close()
	data, err := bounded.ReadFileIn(root, filepath.FromSlash(rel), maxAttachment)
	if err != nil && strings.Contains(err.Error(), "escapes from parent") {
		// os.Root has no exported error for this; say where it leads when
		// that can still be told.
		if target, lerr := filepath.EvalSymlinks(filepath.Join(dir, filepath.FromSlash(rel))); lerr == nil {
			return nil, fmt.Errorf("it resolves to %q, outside the manifest's directory", target)
		}
		return nil, errors.New("it resolves outside the manifest's directory")
	}
	return data, err
}

// redactSecrets replaces every secret value, and its URL-escaped forms,
// in data, longest first so a value that contains another goes whole. As
// in the transcripts, values shorter than six bytes are left: they would
// blank unrelated text. It returns how many it replaced.
func redactSecrets(data []byte, secrets []string) ([]byte, int) {
	var vals []string
	for _, s := range secrets {
		if len(s) < 6 {
			continue
		}
		for _, v := range []string{s, url.QueryEscape(s), url.PathEscape(s)} {
			if !slices.Contains(vals, v) {
				vals = append(vals, v)
			}
		}
	}
	slices.SortFunc(vals, func(a, b string) int { return len(b) - len(a) })
	n := 0
	for _, v := range vals {
		if c := bytes.Count(data, []byte(v)); c > 0 {
			n += c
			data = bytes.ReplaceAll(data, []byte(v), []byte(redactedSecret))
		}
	}
	return data, n
}

// safeName keeps the file's base name, with anything but letters, digits,
// dots, dashes and underscores replaced, so the pack path stays plain.
func safeName(p string) string {
	base := path.Base(filepath.ToSlash(p))
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			return r
		}
		return '_'
	}, base)
}
