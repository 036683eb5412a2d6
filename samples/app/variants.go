package app

import (
	"fmt"
	"slices"
	"strings"
)

// Variant is a change to Orderly's reviewed contract that is not a defect:
// with it every check still passes, but the tool definitions or widget
// metadata differ from the clean app's, as after a release. diff and
// verify --live must name exactly that change.
type Variant struct {
	Name        string
	Description string
}

// The variant names.
const (
	variantSchemaChange = "schema-change"
	variantCSPWidened   = "csp-widened"
)

// Variants lists what Options.Variant can change, one at a time.
func Variants() []Variant {
	return []Variant{
		{variantSchemaChange, "search_catalog's input schema allows max_results up to 50 instead of 20."},
		{variantCSPWidened, "The order-list widget's CSP also allows connections to https://api.orderly.example."},
	}
}

func checkVariant(name string) error {
	if name == "" {
		return nil
	}
	var names []string
	for _, v := range Variants() {
		names = append(names, v.Name)
	}
	if slices.Contains(names, name) {
		return nil
	}
	return fmt.Errorf("unknown variant %q (want one of %s)", name, strings.Join(names, ", "))
}

// maxResults is search_catalog's bound on max_results.
func (s *Server) maxResults() string {
	if s.variant == variantSchemaChange {
		return "50"
	}
	return "20"
}

// connectDomains is the order-list widget's connect allow-list.
func (s *Server) connectDomains() []string {
	if s.variant == variantCSPWidened {
		return []string{"https://api.orderly.example"}
	}
	return []string{}
}
