// Package contract records what the platform reviews of an app (its tools,
// their schemas, annotations and security schemes, its widgets and their
// CSP) and compares two of them: the changes since the last submitted pack,
// which of them need re-submission (apps-platform §5.3), the answers that
// flipped, and, for verify --live, every claim of a pack against a new
// probe. pack.Assemble builds the contract; dossier diff and verify compare.
// It does no I/O.
package contract

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/live"
)

// Build is the contract of what the probe observed.
func Build(obs live.Observation) *bundle.Contract {
	c := &bundle.Contract{Server: obs.Server.URL, Tools: []bundle.ToolContract{}, Widgets: []bundle.WidgetContract{}}
	if obs.Server.Instructions != "" {
		c.Instructions = digest([]byte(obs.Server.Instructions))
	}
	for _, t := range obs.Tools {
		tc := bundle.ToolContract{
			Name: t.Name, Title: t.Title, Description: t.Description,
			InputSchema: SchemaDigest(t.InputSchema), OutputSchema: SchemaDigest(t.OutputSchema),
			Annotations: t.Hints, UI: t.UILinks,
		}
		if len(tc.UI) == 0 && t.UI != "" {
			tc.UI = []string{t.UI}
		}
		for _, s := range t.SecuritySchemes {
			tc.SecuritySchemes = append(tc.SecuritySchemes, s.Type)
			tc.Scopes = append(tc.Scopes, s.Scopes...)
		}
		tc.SecuritySchemes = sortedSet(tc.SecuritySchemes)
		tc.Scopes = sortedSet(tc.Scopes)
		c.Tools = append(c.Tools, tc)
	}
	sort.Slice(c.Tools, func(i, j int) bool { return c.Tools[i].Name < c.Tools[j].Name })
	for _, r := range obs.Resources {
		c.Widgets = append(c.Widgets, bundle.WidgetContract{URI: r.URI, MIMEType: r.MIMEType, CSP: r.CSP, Domain: r.Domain, HTML: r.HTMLSHA256})
	}
	sort.Slice(c.Widgets, func(i, j int) bool { return c.Widgets[i].URI < c.Widgets[j].URI })
	return c
}

// Of is a pack's contract: the one it recorded, or, for a pack written
// before contracts were recorded, the one its observation gives.
func Of(b *bundle.Bundle) *bundle.Contract {
	if b.Contract != nil {
		return b.Contract
	}
	return Build(b.Observation)
}

// SchemaDigest is the SHA-256 of a JSON Schema's canonical form (object keys
// sorted, no insignificant space, numbers as written), so that reordering or
// reformatting is no change. An absent schema has the digest "".
func SchemaDigest(raw json.RawMessage) string {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return ""
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return digest(raw) // not JSON: the bytes are all there is to compare
	}
	canon, err := json.Marshal(v) // maps marshal with sorted keys
	if err != nil {
		return digest(raw)
	}
	return digest(canon)
}

func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func sortedSet(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	out := slices.Clone(s)
	sort.Strings(out)
	return slices.Compact(out)
}

// field is one reviewed aspect of a tool or widget, as text to compare.
type field struct {
	kind, label, value string
}

func toolFields(t bundle.ToolContract) []field {
	return []field{
		{bundle.ChangeTitle, "title", t.Title},
		{bundle.ChangeDescription, "description", t.Description},
		{bundle.ChangeInputSchema, "input schema", t.InputSchema},
		{bundle.ChangeOutputSchema, "output schema", t.OutputSchema},
		{bundle.ChangeAnnotations, "annotations", hintsText(t.Annotations)},
		{bundle.ChangeSchemes, "security schemes", strings.Join(t.SecuritySchemes, " ")},
		{bundle.ChangeScopes, "scopes", strings.Join(t.Scopes, " ")},
		{bundle.ChangeUILink, "UI link", strings.Join(t.UI, " ")},
	}
}

// widgetFields leaves out the CSP, which is compared by direction, and the
// HTML, which is not a claim.
func widgetFields(w bundle.WidgetContract) []field {
	return []field{
		{bundle.ChangeMIMEType, "MIME type", w.MIMEType},
		{bundle.ChangeDomain, "widget domain", w.Domain},
	}
}

func hintsText(h live.Hints) string {
	b := func(name string, v *bool) string {
		switch {
		case v == nil:
			return name + "=absent"
		case *v:
			return name + "=true"
		}
		return name + "=false"
	}
	return strings.Join([]string{b("readOnlyHint", h.ReadOnly), b("destructiveHint", h.Destructive), b("openWorldHint", h.OpenWorld), b("idempotentHint", h.Idempotent)}, " ")
}

// cspDirectives are a CSP's allow-lists by name, absent ones empty.
func cspDirectives(c *live.CSP) [][2]any {
	if c == nil {
		c = &live.CSP{}
	}
	return [][2]any{{"connect", c.Connect}, {"resource", c.Resource}, {"frame", c.Frame}, {"baseUri", c.BaseURI}, {"redirect", c.Redirect}}
}

func cspText(c *live.CSP) string {
	if c == nil {
		return "none declared"
	}
	var parts []string
	for _, d := range cspDirectives(c) {
		parts = append(parts, d[0].(string)+"=["+strings.Join(d[1].([]string), " ")+"]")
	}
	return strings.Join(parts, " ")
}

// cspChange says how a CSP moved: "" (same allow-lists), or one of the CSP
// change kinds with the entries added and removed.
func cspChange(old, new *live.CSP) (kind string, added, removed []string) {
	od, nd := cspDirectives(old), cspDirectives(new)
	for i := range od {
		name := od[i][0].(string)
		o, n := od[i][1].([]string), nd[i][1].([]string)
		for _, e := range n {
			if !slices.Contains(o, e) {
				added = append(added, name+" "+e)
			}
		}
		for _, e := range o {
			if !slices.Contains(n, e) {
				removed = append(removed, name+" "+e)
			}
		}
	}
	switch {
	case len(added) > 0 && len(removed) > 0:
		return bundle.ChangeCSPChanged, added, removed
	case len(added) > 0:
		return bundle.ChangeCSPWidened, added, removed
	case len(removed) > 0:
		return bundle.ChangeCSPNarrowed, added, removed
	case (old == nil) != (new == nil):
		// Declaring the same (empty) lists, or dropping them: the host's
		// default applies either way, but the metadata changed.
		return bundle.ChangeCSPChanged, nil, nil
	}
	return "", nil, nil
}

// originOf is scheme://host:port of a URL, or the URL itself when it does
// not parse.
func originOf(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return s
	}
	return u.Scheme + "://" + u.Host
}
