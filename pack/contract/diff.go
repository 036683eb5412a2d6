package contract

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/dossier-dev/dossier/internal/english"
	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/check"
)

// rule is one row of the re-submission table (README "Re-submission"):
// whether a kind of change needs a new review, and the §5.3 text behind it.
type rule struct {
	resubmit bool
	why      string
}

// Rules is the re-submission table, by change kind. Every kind of
// bundle.Change has a row.
func rules() map[string]rule {
	return map[string]rule{
		bundle.ChangeServer:       {true, "§5.3: the MCP server origin cannot change between versions (a new origin needs a new plugin); a path change needs a new version"},
		bundle.ChangeInstructions: {true, "§5.3: server instructions are reviewed with the affected tools"},
		bundle.ChangeToolAdded:    {true, "§5.3: a new tool goes live only after it passes review (tool list)"},
		bundle.ChangeToolRemoved:  {true, "§5.3: the tool list is the reviewed contract; removing a tool breaks it"},
		bundle.ChangeToolRenamed:  {true, "§5.3: tool names are reviewed; a rename removes the published tool"},
		bundle.ChangeTitle:        {true, "§5.3: titles are part of the reviewed tool definition"},
		bundle.ChangeDescription:  {true, "§5.3: descriptions are part of the reviewed tool definition; the old one stays live until the new one passes"},
		bundle.ChangeInputSchema:  {true, "§5.3: input schemas are reviewed"},
		bundle.ChangeOutputSchema: {true, "§5.3: output schemas are reviewed"},
		bundle.ChangeAnnotations:  {true, "§5.3: annotations are reviewed with the tool definition"},
		bundle.ChangeSchemes:      {true, "§5.3: tool security schemes are reviewed with the tool definition"},
		bundle.ChangeScopes:       {true, "§5.3: tool security schemes (and their scopes) are reviewed with the tool definition"},
		bundle.ChangeUILink:       {true, "§5.3: UI resource references in tool _meta are reviewed"},
		bundle.ChangeWidgetAdded:  {true, "§5.3: UI resource URIs are reviewed"},
		bundle.ChangeWidgetGone:   {true, "§5.3: UI resource URIs are reviewed"},
		bundle.ChangeMIMEType:     {true, "§5.3: linked resource metadata is reviewed"},
		bundle.ChangeCSPWidened:   {true, "§5.3: linked resource metadata including CSP is reviewed; a wider CSP lets the widget reach more"},
		bundle.ChangeCSPNarrowed:  {true, "§5.3: any CSP change is reviewed, a narrower one too (it takes effect only in a new version)"},
		bundle.ChangeCSPChanged:   {true, "§5.3: linked resource metadata including CSP is reviewed"},
		bundle.ChangeDomain:       {true, "§5.3: linked resource metadata is reviewed; the domain is the widget's origin"},
		bundle.ChangeContent:      {false, "§5.3: a compatible content update at the same UI resource URI needs no review (hosts may cache it up to an hour)"},
	}
}

// Rule reports whether a kind of change needs re-submission, and why; the
// README's table is printed from it.
func Rule(kind string) (resubmit bool, why string) {
	r := rules()[kind]
	return r.resubmit, r.why
}

// Kinds lists every change kind, in the order Diff reports them.
func Kinds() []string {
	return []string{
		bundle.ChangeServer, bundle.ChangeInstructions,
		bundle.ChangeToolAdded, bundle.ChangeToolRemoved, bundle.ChangeToolRenamed,
		bundle.ChangeTitle, bundle.ChangeDescription, bundle.ChangeInputSchema, bundle.ChangeOutputSchema,
		bundle.ChangeAnnotations, bundle.ChangeSchemes, bundle.ChangeScopes, bundle.ChangeUILink,
		bundle.ChangeWidgetAdded, bundle.ChangeWidgetGone, bundle.ChangeMIMEType,
		bundle.ChangeCSPWidened, bundle.ChangeCSPNarrowed, bundle.ChangeCSPChanged, bundle.ChangeDomain, bundle.ChangeContent,
	}
}

func change(kind, subject, old, new string) bundle.Change {
	r := rules()[kind]
	return bundle.Change{Kind: kind, Subject: subject, Old: old, New: new, Resubmit: r.resubmit, Why: r.why}
}

// Diff lists every difference between two contracts: app-level changes
// first, then tools and widgets by name.
func Diff(old, new *bundle.Contract) []bundle.Change {
	out := []bundle.Change{}
	if old.Server != new.Server {
		c := change(bundle.ChangeServer, "app", old.Server, new.Server)
		if originOf(old.Server) != originOf(new.Server) {
			c.Why = "§5.3: the MCP server origin cannot change between versions: a new origin needs a new plugin (contact support)"
		}
		out = append(out, c)
	}
	if old.Instructions != new.Instructions {
		out = append(out, change(bundle.ChangeInstructions, "app", short(old.Instructions), short(new.Instructions)))
	}

	oldTools, newTools := toolsByName(old), toolsByName(new)
	var removed, added []bundle.ToolContract
	for _, t := range old.Tools {
		if _, ok := newTools[t.Name]; !ok {
			removed = append(removed, t)
		}
	}
	for _, t := range new.Tools {
		if _, ok := oldTools[t.Name]; !ok {
			added = append(added, t)
		}
	}
	// A removed tool and an added one with the same schemas are a rename.
	for _, r := range removed {
		i := slices.IndexFunc(added, func(a bundle.ToolContract) bool {
			return a.InputSchema == r.InputSchema && a.OutputSchema == r.OutputSchema
		})
		if i < 0 {
			out = append(out, change(bundle.ChangeToolRemoved, "tool:"+r.Name, r.Name, ""))
			continue
		}
		a := added[i]
		added = slices.Delete(added, i, i+1)
		out = append(out, change(bundle.ChangeToolRenamed, "tool:"+a.Name, r.Name, a.Name))
		out = append(out, fieldChanges("tool:"+a.Name, toolFields(r), toolFields(a), bundle.ChangeInputSchema, bundle.ChangeOutputSchema)...)
	}
	for _, a := range added {
		out = append(out, change(bundle.ChangeToolAdded, "tool:"+a.Name, "", a.Name))
	}
	for _, t := range old.Tools {
		if n, ok := newTools[t.Name]; ok {
			out = append(out, fieldChanges("tool:"+t.Name, toolFields(t), toolFields(n))...)
		}
	}

	newWidgets := widgetsByURI(new)
	oldWidgets := widgetsByURI(old)
	for _, w := range old.Widgets {
		n, ok := newWidgets[w.URI]
		if !ok {
			out = append(out, change(bundle.ChangeWidgetGone, "widget:"+w.URI, w.URI, ""))
			continue
		}
		sub := "widget:" + w.URI
		out = append(out, fieldChanges(sub, widgetFields(w), widgetFields(n))...)
		if kind, _, _ := cspChange(w.CSP, n.CSP); kind != "" {
			out = append(out, change(kind, sub, cspText(w.CSP), cspText(n.CSP)))
		}
		if w.HTML != n.HTML {
			out = append(out, change(bundle.ChangeContent, sub, short(w.HTML), short(n.HTML)))
		}
	}
	for _, w := range new.Widgets {
		if _, ok := oldWidgets[w.URI]; !ok {
			out = append(out, change(bundle.ChangeWidgetAdded, "widget:"+w.URI, "", w.URI))
		}
	}
	return out
}

// fieldChanges compares two field lists of the same shape, skipping kinds.
func fieldChanges(subject string, old, new []field, skip ...string) []bundle.Change {
	var out []bundle.Change
	for i := range old {
		if old[i].value != new[i].value && !slices.Contains(skip, old[i].kind) {
			out = append(out, change(old[i].kind, subject, shown(old[i]), shown(new[i])))
		}
	}
	return out
}

// shown is a field's value as a diff prints it: digests shortened.
func shown(f field) string {
	if f.kind == bundle.ChangeInputSchema || f.kind == bundle.ChangeOutputSchema {
		if f.value == "" {
			return "none"
		}
		return "sha256:" + short(f.value)
	}
	return f.value
}

func short(d string) string {
	if len(d) > 12 {
		return d[:12]
	}
	return d
}

// changedWords pairs the differing words of two texts of the same shape,
// such as two hintsText: "destructiveHint=true → false".
func changedWords(old, new string) []string {
	o, n := strings.Fields(old), strings.Fields(new)
	if len(o) != len(n) {
		return []string{old + " → " + new}
	}
	var out []string
	for i := range o {
		if o[i] != n[i] {
			_, v, _ := strings.Cut(n[i], "=")
			out = append(out, o[i]+" → "+v)
		}
	}
	return out
}

// cspDelta lists the entries one cspText has and the other lacks, as
// "+connect https://…" and "-resource https://…".
func cspDelta(old, new string) []string {
	parse := func(s string) map[string][]string {
		m := map[string][]string{}
		for _, group := range strings.Split(s, "] ") {
			name, list, ok := strings.Cut(strings.TrimSuffix(group, "]"), "=[")
			if ok {
				m[name] = strings.Fields(list)
			}
		}
		return m
	}
	o, n := parse(old), parse(new)
	var out []string
	for _, d := range cspDirectives(nil) {
		name := d[0].(string)
		for _, e := range n[name] {
			if !slices.Contains(o[name], e) {
				out = append(out, "+"+name+" "+e)
			}
		}
		for _, e := range o[name] {
			if !slices.Contains(n[name], e) {
				out = append(out, "-"+name+" "+e)
			}
		}
	}
	return out
}

func toolsByName(c *bundle.Contract) map[string]bundle.ToolContract {
	m := map[string]bundle.ToolContract{}
	for _, t := range c.Tools {
		m[t.Name] = t
	}
	return m
}

func widgetsByURI(c *bundle.Contract) map[string]bundle.WidgetContract {
	m := map[string]bundle.WidgetContract{}
	for _, w := range c.Widgets {
		m[w.URI] = w
	}
	return m
}

// Flipped lists the answers whose value differs, in the new pack's order,
// then the questions only the old pack asked.
func Flipped(old, new []bundle.Answer) []bundle.Flip {
	out := []bundle.Flip{}
	prev := map[string]bundle.Answer{}
	for _, a := range old {
		prev[a.ID] = a
	}
	seen := map[string]bool{}
	for _, a := range new {
		seen[a.ID] = true
		p, ok := prev[a.ID]
		if !ok || p.Answer != a.Answer {
			out = append(out, bundle.Flip{ID: a.ID, Question: a.Question, Old: p.Answer, New: a.Answer})
		}
	}
	for _, a := range old {
		if !seen[a.ID] {
			out = append(out, bundle.Flip{ID: a.ID, Question: a.Question, Old: a.Answer})
		}
	}
	return out
}

// Compare is the comparison of a new pack with an old one: the contract's
// changes and the flipped answers. oldJSON is the old pack.json's bytes
// (nil for a live server), whose digest identifies it.
func Compare(old *bundle.Bundle, oldJSON []byte, new *bundle.Bundle) *bundle.Changes {
	c := Changes(old, oldJSON, Of(new))
	c.Flipped = Flipped(old.Answers, new.Answers)
	return c
}

// Changes is Compare without the flipped answers, for a pack whose answers
// are not derived yet (they depend on the resubmit.contract results).
func Changes(old *bundle.Bundle, oldJSON []byte, new *bundle.Contract) *bundle.Changes {
	ch := Diff(Of(old), new)
	return &bundle.Changes{
		Since:    since(old, oldJSON),
		Changes:  ch,
		Flipped:  []bundle.Flip{},
		Resubmit: slices.ContainsFunc(ch, func(c bundle.Change) bool { return c.Resubmit }),
	}
}

func since(old *bundle.Bundle, oldJSON []byte) bundle.Since {
	s := bundle.Since{App: old.App.Name, Version: old.App.Version, Created: old.Created, Server: Of(old).Server}
	if oldJSON != nil {
		sum := sha256.Sum256(oldJSON)
		s.SHA256 = hex.EncodeToString(sum[:])
	}
	return s
}

// Results are the resubmit.contract results of a comparison: one failing
// result per subject with changes that need re-submission (the catalogue
// allows one result per check and subject, so a subject's changes are
// listed together), or one pass. Each cites the new probe's evidence for
// its subject (the tools/list or resources/read transcripts); results are
// the new probe's results. With no comparison (changes nil) the result is
// n.a.
func Results(changes *bundle.Changes, results []check.Result) []check.Result {
	if changes == nil {
		return []check.Result{{
			ID: "resubmit.contract", Subject: "app", Status: check.NA, Basis: check.Absent,
			Detail: "No earlier pack to compare with (build --since OLD compares with the last submitted pack).",
		}}
	}
	against := fmt.Sprintf("the pack of %s (%s %s)", changes.Since.Created.Format("2006-01-02"), changes.Since.App, changes.Since.Version)
	var subjects []string
	bySubject := map[string][]string{}
	newPlugin := map[string]bool{} // the server origin changed: no re-submission can carry that
	others := 0
	for _, c := range changes.Changes {
		if !c.Resubmit {
			others++
			continue
		}
		if c.Kind == bundle.ChangeServer && originOf(c.Old) != originOf(c.New) {
			newPlugin[c.Subject] = true
		}
		if _, ok := bySubject[c.Subject]; !ok {
			subjects = append(subjects, c.Subject)
		}
		bySubject[c.Subject] = append(bySubject[c.Subject], Describe(c))
	}
	if len(subjects) == 0 {
		detail := "Compared with " + against + ": no change needs re-submission."
		if others > 0 {
			detail += fmt.Sprintf(" %d %s that need none.", others, english.Plural(others, "change", "changes"))
		}
		return []check.Result{withEvidence(check.Result{ID: "resubmit.contract", Subject: "app", Status: check.Pass, Detail: detail}, results)}
	}
	var out []check.Result
	for _, s := range subjects {
		needs := "This needs re-submission."
		if newPlugin[s] {
			needs = "The MCP server origin (scheme, host, port) changed: that needs a new plugin, not a re-submission (or ask OpenAI support to move the URL)."
		}
		out = append(out, withEvidence(check.Result{
			ID: "resubmit.contract", Subject: s, Status: check.Fail,
			Detail: "Since " + against + ": " + strings.Join(bySubject[s], "; ") + ". " + needs,
		}, results))
	}
	return out
}

// withEvidence cites the transcripts the subject's contract was read from:
// tool.declared's for a tool or the app, widget.resource's for a widget; for
// a subject the new probe no longer sees, every such transcript (the
// listing it is missing from). Without any, the result rests on the two
// packs' contents alone and says so.
func withEvidence(r check.Result, results []check.Result) check.Result {
	source := "tool.declared"
	if strings.HasPrefix(r.Subject, "widget:") {
		source = "widget.resource"
	}
	var own, all []check.EvidenceID
	for _, x := range results {
		if x.ID != source {
			continue
		}
		all = append(all, x.Evidence...)
		if x.Subject == r.Subject {
			own = append(own, x.Evidence...)
		}
	}
	ids := own
	if len(ids) == 0 {
		ids = all
	}
	slices.Sort(ids)
	r.Evidence = slices.Compact(ids)
	r.Basis = check.Probed
	if len(r.Evidence) == 0 {
		r.Basis = check.Declared
	}
	return r
}

// Describe says one change in a phrase: "input schema changed (sha256:… → sha256:…)".
func Describe(c bundle.Change) string {
	switch c.Kind {
	case bundle.ChangeToolAdded:
		return "tool " + c.New + " added"
	case bundle.ChangeToolRemoved:
		return "tool " + c.Old + " removed"
	case bundle.ChangeToolRenamed:
		return "tool renamed from " + c.Old + " to " + c.New
	case bundle.ChangeWidgetAdded:
		return "widget " + c.New + " added"
	case bundle.ChangeWidgetGone:
		return "widget " + c.Old + " removed"
	case bundle.ChangeDescription:
		return "description changed"
	case bundle.ChangeAnnotations:
		return "annotations changed: " + strings.Join(changedWords(c.Old, c.New), ", ")
	case bundle.ChangeCSPWidened, bundle.ChangeCSPNarrowed, bundle.ChangeCSPChanged:
		what := map[string]string{bundle.ChangeCSPWidened: "CSP widened", bundle.ChangeCSPNarrowed: "CSP narrowed", bundle.ChangeCSPChanged: "CSP changed"}[c.Kind]
		if d := cspDelta(c.Old, c.New); len(d) > 0 {
			return what + ": " + strings.Join(d, ", ")
		}
		return what + " (" + c.Old + " → " + c.New + ")"
	}
	return strings.ReplaceAll(c.Kind, "-", " ") + " changed (" + orNone(c.Old) + " → " + orNone(c.New) + ")"
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// How a check's result moved between two packs.
const (
	NewlyFailing  = "newly-failing"  // now fail or warn, and not (or less) so before
	NewlyUnjudged = "newly-unjudged" // now error: the new probe could not judge it
	NewlyPassing  = "newly-passing"  // failed or warned before, passes or does not apply now
)

// ResultChange is one check, for one subject, whose result moved between
// two packs.
type ResultChange struct {
	Change string `json:"change"` // NewlyFailing, NewlyUnjudged or NewlyPassing
	ID     string `json:"id"`
	// Subject is "app", "tool:NAME", …
	Subject string `json:"subject"`
	// Severity is what is at stake: the new failure's, the old failure's
	// for a check that passes now, the catalogue's for one not judged.
	Severity check.Severity     `json:"severity"`
	Old      check.Status       `json:"old,omitempty"` // "" when the old pack has no result for the subject
	New      check.Status       `json:"new"`
	Detail   string             `json:"detail"`             // the new result's
	Evidence []check.EvidenceID `json:"evidence,omitempty"` // the new result's
}

// ResultChanges lists the checks whose result moved from the old pack to
// the new one: newly failing, then newly unjudged, then newly passing,
// each group worst first. resubmit.contract is left out: each pack judged
// it against its own earlier pack, and a comparison judges it anew
// (Results).
func ResultChanges(old, new []check.Result) []ResultChange {
	type key struct{ id, subject string }
	prev := map[key]check.Result{}
	for _, r := range old {
		prev[key{r.ID, r.Subject}] = r
	}
	out := []ResultChange{}
	for _, n := range new {
		if n.ID == "resubmit.contract" {
			continue
		}
		o, had := prev[key{n.ID, n.Subject}]
		c := ResultChange{ID: n.ID, Subject: n.Subject, Old: o.Status, New: n.Status, Detail: n.Detail, Evidence: n.Evidence}
		switch {
		case failRank(n.Status) > failRank(o.Status):
			c.Change, c.Severity = NewlyFailing, severityOf(n)
		case n.Status == check.Error && o.Status != check.Error:
			c.Change, c.Severity = NewlyUnjudged, severityOf(check.Result{ID: n.ID})
		case had && failRank(o.Status) > 0 && (n.Status == check.Pass || n.Status == check.NA):
			c.Change, c.Severity = NewlyPassing, severityOf(o)
		default:
			continue
		}
		out = append(out, c)
	}
	group := map[string]int{NewlyFailing: 0, NewlyUnjudged: 1, NewlyPassing: 2}
	slices.SortStableFunc(out, func(a, b ResultChange) int {
		if d := group[a.Change] - group[b.Change]; d != 0 {
			return d
		}
		if d := b.Severity.Rank() - a.Severity.Rank(); d != 0 {
			return d
		}
		return strings.Compare(a.ID+"\x00"+a.Subject, b.ID+"\x00"+b.Subject)
	})
	return out
}

// failRank orders how badly a result fails: fail over warn over the rest.
func failRank(s check.Status) int {
	switch s {
	case check.Fail:
		return 2
	case check.Warn:
		return 1
	}
	return 0
}

// severityOf is a result's severity, or its check's in the catalogue when
// the result carries none (Assemble sets it on failures only).
func severityOf(r check.Result) check.Severity {
	if r.Severity != "" {
		return r.Severity
	}
	if d, ok := check.Lookup(r.ID); ok {
		return d.Severity
	}
	return ""
}
