// Package templates holds the data the pack stage judges and answers with:
// the built-in procurement questionnaire and the platform facts file. They
// are data, not code, so a reviewer can read and replace them; this package
// only embeds them in the binary.
package templates

import _ "embed"

//go:embed questionnaire.yaml
var questionnaire []byte

//go:embed platform.yaml
var platform []byte

// Questionnaire returns the built-in questionnaire (YAML).
func Questionnaire() []byte { return append([]byte(nil), questionnaire...) }

// Platform returns the platform facts file (YAML).
func Platform() []byte { return append([]byte(nil), platform...) }
