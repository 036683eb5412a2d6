// Package pack is the last stage of the pipeline. It takes the manifest and
// what the collect and evidence stages observed, judges the checks that rest
// on the declaration alone, applies attestations, answers the questionnaire,
// and writes the Bundle as pack.json with every rendering beside it. Outputs
// are written to a temporary directory and moved into place only when
// complete.
package pack
