package manifest

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Error is one problem found in a manifest, positioned at the offending
// node. Line and Column are 1-based; Line is 0 for problems with the whole
// file (it is empty, too large) and Column is 0 when only the line is known
// (some YAML syntax errors). Path is the field's path, such as
// "tools[2].inputs.card.purpose"; it is empty when no field is involved.
type Error struct {
	File   string
	Line   int
	Column int
	Path   string
	Msg    string
}

// Error reads "manifest.yaml:12:5: tools[2].kind: "writ" is not one of read,
// write, destructive".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found in one manifest, in file order. Parse and
// Load return it as their error; get it back with errors.As:
//
//	var errs manifest.Errors
//	if errors.As(err, &errs) { … }
type Errors []*Error

// Error joins the problems, one a line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.As find a single *Error as well.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// sort orders problems by position, keeping discovery order for ties.
func (es Errors) sort() {
	slices.SortStableFunc(es, func(a, b *Error) int {
		if c := cmp.Compare(a.Line, b.Line); c != 0 {
			return c
		}
		return cmp.Compare(a.Column, b.Column)
	})
}

// capped sorts the problems and keeps the first MaxErrors, counting the
// rest in a last whole-file line: a hostile manifest can hold thousands.
func (es Errors) capped(file string) Errors {
	es.sort()
	if len(es) <= MaxErrors {
		return es
	}
	more := len(es) - MaxErrors
	return append(es[:MaxErrors:MaxErrors], &Error{File: file, Msg: fmt.Sprintf("and %d more problems", more)})
}
