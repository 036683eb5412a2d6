// Package manifest reads the vendor's app manifest (schema dossier/v1): what
// the vendor claims about its ChatGPT app. Loading is strict: unknown keys,
// wrong types and missing required fields are all reported at once, each with
// file:line:column and the field's path. It is a leaf package that every
// stage may import.
package manifest
