package evidence

import (
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/manifest"
)

// maxAttachment bounds one attached file; evidence is screenshots and
// policy documents, not archives.
const maxAttachment = 32 << 20

// Attach reads the files the manifest attaches (paths relative to the
// manifest's directory), records them as evidence items "A0001"… under
// evidence/attached/, and judges evidence.attached for each. A missing or
// unreadable file is a failing result, not an error.
func Attach(dir string, atts []manifest.Attachment) ([]check.Result, []check.Evidence) {
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
		id := check.EvidenceID(fmt.Sprintf("A%04d", i+1))
		ev = append(ev, check.Evidence{
			ID: id, Kind: check.KindAttached, Title: a.Title,
			Path: "evidence/attached/" + fmt.Sprintf("A%04d-%s", i+1, safeName(a.Path)), Data: data,
		})
		detail := fmt.Sprintf("%q is attached (%d bytes); its SHA-256 is recorded in the evidence index.", a.Path, len(data))
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

func readAttachment(dir, rel string) ([]byte, error) {
	if filepath.IsAbs(rel) {
		return nil, fmt.Errorf("the path must be relative to the manifest")
	}
	f, err := os.Open(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxAttachment+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxAttachment {
		return nil, fmt.Errorf("larger than %d MiB", maxAttachment>>20)
	}
	return data, nil
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
