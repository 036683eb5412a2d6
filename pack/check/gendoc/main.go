// Command gendoc writes the check catalogue document (docs/checks.md) from
// the code's own catalogue: go generate ./pack/check.
package main

import (
	"fmt"
	"os"

	"github.com/dossier-dev/dossier/pack/check"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gendoc OUTPUT.md")
		os.Exit(2)
	}
	if err := os.WriteFile(os.Args[1], check.CatalogueMarkdown(), 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "writing the check catalogue: %v\n", err)
		os.Exit(1)
	}
}
