// Package orderly ships the sample app's manifest, the file a vendor of
// Orderly would hand to dossier. It sits beside the YAML so the file can be
// read, copied and diffed as a plain file; samples/app embeds it from here.
package orderly

import _ "embed"

//go:embed manifest.yaml
var manifest []byte

// Manifest returns the clean app's manifest YAML, a fresh copy per call. Every
// URL in it is on [CanonicalOrigin]; replace that string to point it at a
// server started on another port.
func Manifest() []byte { return append([]byte(nil), manifest...) }

// CanonicalOrigin is the origin every URL in the shipped manifest uses.
const CanonicalOrigin = "http://127.0.0.1:8931"
