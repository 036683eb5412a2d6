// Package english holds the one rule of English grammar the tool's
// messages, reports and PDF share: a count takes the singular only when
// it is one.
package english

// Plural is one when n is 1 and many otherwise: "needs" or "need",
// "variable is" or "variables are".
func Plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// PluralS is noun when n is 1 and noun with an s otherwise, for the
// regular nouns the messages count ("check", "claim", "form").
func PluralS(n int, noun string) string { return Plural(n, noun, noun+"s") }
