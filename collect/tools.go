package collect

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/live"
	"github.com/dossier-dev/dossier/pack/manifest"
)

// probeTools lists the tools; judgeTools judges each one. When nothing
// could be listed, every declared tool's checks are errors.
func (p *prober) probeTools(ctx context.Context) {
	p.progress("tools/list")
	p.listTools(ctx)
	if !p.listed {
		why := p.unlistedWhy()
		p.obs.ToolsIncomplete = why
		p.toolsNotListed(why, []string{stepListSDK, stepListRaw})
	}
}

// judgeTools judges each listed tool from its listing alone (no request
// is made), while the probe reads the widgets.
func (p *prober) judgeTools() {
	if !p.listed {
		return
	}
	steps := []string{stepListSDK, stepListRaw}
	// The purposes still left as placeholders, by tool: one walk of the
	// manifest, not one per tool.
	unfilled := map[string][]manifest.Unfilled{}
	for _, u := range p.m.Unfilled("data.minimization") {
		unfilled[u.Subject] = append(unfilled[u.Subject], u)
	}
	live := map[string]bool{}
	for i, t := range p.obs.Tools {
		live[t.Name] = true
		sub := "tool:" + t.Name
		d, declared := p.m.Tool(t.Name)
		if declared {
			p.result("tool.declared", sub, check.Pass, check.Probed, "The live tool is declared in the manifest.", steps...)
		} else {
			p.result("tool.declared", sub, check.Fail, check.Probed, "The server lists this tool but the manifest does not declare it.", steps...)
		}
		p.checkAnnotations(t, steps)
		p.checkNaming(t, steps)
		p.checkTextHygiene(t, p.rawListed[i], steps)
		p.checkSensitive(t, steps)
		p.checkOutputSchemaListed(t)
		if !declared {
			why := "Not judged: the tool is not declared in the manifest (see tool.declared)."
			for _, id := range []string{"tool.write-labeled", "tool.destructive-labeled", "tool.egress-labeled", "tool.security-schemes", "data.minimization"} {
				p.result(id, sub, check.NA, check.Probed, why, steps...)
			}
			p.checkHeuristics(t, steps)
			continue
		}
		p.checkLabels(t, d, steps)
		p.checkHeuristics(t, steps)
		p.checkSchemes(t, d, steps)
		p.checkMinimization(t, d, unfilled[sub], steps)
	}
	for _, d := range p.m.Tools {
		switch {
		case live[d.Name]:
		case p.obs.ToolsIncomplete != "":
			p.result("tool.declared", "tool:"+d.Name, check.Error, check.Probed, "Not judged: the tool is not among those listed, but the list was not read whole ("+p.obs.ToolsIncomplete+"), so its absence proves nothing.", steps...)
		default:
			p.result("tool.declared", "tool:"+d.Name, check.Fail, check.Probed, "The manifest declares this tool but the server does not list it.", steps...)
		}
	}
}

// perToolChecks are the checks judged for each listed tool; callChecks
// are those that need the tool called.
var (
	perToolChecks = []string{"tool.declared", "tool.annotations-explicit", "tool.write-labeled", "tool.destructive-labeled", "tool.egress-labeled",
		"tool.annotation-heuristics", "tool.naming", "tool.text-hygiene", "tool.security-schemes", "tool.output-schema", "data.minimization", "data.sensitive-fields"}
	callChecks = []string{"auth.scope-enforcement", "tool.input-validation", "data.result-hygiene"}
)

// unlistedWhy says why the tools could not be listed, with the remedy.
func (p *prober) unlistedWhy() string {
	switch {
	case p.session == nil:
		return "could not list tools: " + p.noSessionWhy()
	case p.listCut != "":
		return "could not list tools: " + p.listCut
	case p.listErr != nil:
		return "could not list tools: tools/list failed: " + quote(unwrapURLError(p.listErr).Error())
	}
	return "could not list tools"
}

// toolsNotListed makes every check of every declared tool error: without
// the live list nothing about a tool is known, least of all that it is gone.
func (p *prober) toolsNotListed(why string, steps []string) {
	detail := "Not judged: " + why + "."
	for _, d := range p.m.Tools {
		sub := "tool:" + d.Name
		ids := perToolChecks
		if slices.Contains(p.m.Probe.Callable, d.Name) {
			ids = append(slices.Clone(ids), callChecks...)
		}
		for _, id := range ids {
			p.result(id, sub, check.Error, check.Probed, detail, steps...)
		}
	}
}

func hintText(b *bool) string {
	if b == nil {
		return "absent"
	}
	return fmt.Sprint(*b)
}

func (p *prober) checkAnnotations(t live.Tool, steps []string) {
	if !p.rawOK {
		p.result("tool.annotations-explicit", "tool:"+t.Name, check.Error, check.Probed, "The raw tools/list failed, so absent hints cannot be told from false ones; only the SDK's listing was seen.", steps...)
		return
	}
	var missing []string
	if t.Hints.ReadOnly == nil {
		missing = append(missing, "readOnlyHint")
	}
	if t.Hints.Destructive == nil {
		missing = append(missing, "destructiveHint")
	}
	if t.Hints.OpenWorld == nil {
		missing = append(missing, "openWorldHint")
	}
	sub := "tool:" + t.Name
	if len(missing) > 0 {
		p.result("tool.annotations-explicit", sub, check.Fail, check.Probed, fmt.Sprintf("Missing or not a boolean: %s (a submission blocker).", strings.Join(missing, ", ")), steps...)
		return
	}
	p.result("tool.annotations-explicit", sub, check.Pass, check.Probed, fmt.Sprintf("readOnlyHint=%s, destructiveHint=%s, openWorldHint=%s.", hintText(t.Hints.ReadOnly), hintText(t.Hints.Destructive), hintText(t.Hints.OpenWorld)), steps...)
}

func (p *prober) checkLabels(t live.Tool, d manifest.Tool, steps []string) {
	sub := "tool:" + t.Name
	h := t.Hints
	// tool.write-labeled
	if d.IsWrite() {
		what := d.Kind
		if d.Egress {
			what += ", egress"
		}
		switch {
		case h.ReadOnly != nil && *h.ReadOnly:
			p.result("tool.write-labeled", sub, check.Fail, check.Probed, fmt.Sprintf("Declared %s but the server marks it readOnlyHint=true, so ChatGPT may run it without confirmation.", what), steps...)
		default:
			p.result("tool.write-labeled", sub, check.Pass, check.Probed, fmt.Sprintf("Declared %s; readOnlyHint is %s, so the host treats it as a write.", what, hintText(h.ReadOnly)), steps...)
		}
	} else {
		// Declared read: the live hints must agree, or declared and
		// observed disagree (and callable keeps the probe from calling it).
		called := " The probe did not call it."
		if slices.Contains(p.opts.AllowWrite, t.Name) {
			called = " The probe called it only because --allow-write names it."
		}
		switch {
		case h.ReadOnly == nil:
			p.result("tool.write-labeled", sub, check.NA, check.Probed, "Declared read; readOnlyHint is absent, so there is no live claim to compare (see tool.annotations-explicit). The probe does not call it without --allow-write.", steps...)
		case !*h.ReadOnly:
			p.result("tool.write-labeled", sub, check.Fail, check.Probed, "Declared read but the server marks it readOnlyHint=false: the manifest and the live annotations disagree on whether it writes."+called, steps...)
		case h.Destructive != nil && *h.Destructive:
			p.result("tool.write-labeled", sub, check.Fail, check.Probed, "Declared read but the server marks it destructiveHint=true: the manifest and the live annotations disagree on whether it destroys data."+called, steps...)
		default:
			p.result("tool.write-labeled", sub, check.Pass, check.Probed, fmt.Sprintf("Declared read; readOnlyHint=true and destructiveHint=%s agree.", hintText(h.Destructive)), steps...)
		}
	}
	// tool.destructive-labeled
	if d.Kind == manifest.KindDestructive {
		switch {
		case h.Destructive == nil:
			p.result("tool.destructive-labeled", sub, check.Warn, check.Probed, "Declared destructive; destructiveHint is absent (the spec default is true, but ChatGPT wants it explicit).", steps...)
		case !*h.Destructive:
			p.result("tool.destructive-labeled", sub, check.Fail, check.Probed, "Declared destructive but the server says destructiveHint=false.", steps...)
		default:
			p.result("tool.destructive-labeled", sub, check.Pass, check.Probed, "Declared destructive and destructiveHint=true.", steps...)
		}
	} else {
		p.result("tool.destructive-labeled", sub, check.NA, check.Declared, fmt.Sprintf("Declared %s, not destructive.", d.Kind))
	}
	// tool.egress-labeled (readOnlyHint on egress tools is judged by tool.write-labeled)
	if d.Egress {
		switch {
		case h.OpenWorld == nil:
			p.result("tool.egress-labeled", sub, check.Warn, check.Probed, "Declared egress; openWorldHint is absent (the spec default is true, but ChatGPT wants it explicit).", steps...)
		case !*h.OpenWorld:
			p.result("tool.egress-labeled", sub, check.Fail, check.Probed, "Declared to send data outside the app but the server says openWorldHint=false.", steps...)
		default:
			p.result("tool.egress-labeled", sub, check.Pass, check.Probed, fmt.Sprintf("Declared egress; openWorldHint=true and readOnlyHint=%s.", hintText(h.ReadOnly)), steps...)
		}
	} else {
		p.result("tool.egress-labeled", sub, check.NA, check.Declared, "Not declared as sending data outside the app.")
	}
}

var (
	destructiveVerbs = []string{"delete", "remove", "cancel", "revoke", "destroy", "purge", "drop", "erase", "wipe", "overwrite", "archive", "refund", "void", "terminate", "disable", "unsubscribe"}
	writeVerbs       = []string{"send", "post", "publish", "email", "share", "upload", "create", "add", "update", "set", "write", "submit", "book", "order", "place", "pay", "transfer", "charge", "edit", "modify", "save", "insert", "invite", "schedule", "reserve", "buy", "purchase", "start", "trigger", "run", "enqueue", "rename", "move", "assign", "approve", "reject", "reply", "notify", "message", "tweet", "put", "patch", "upsert", "register", "subscribe"}
	readVerbs        = []string{"get", "list", "search", "find", "fetch", "read", "lookup", "show", "view", "query", "describe", "check", "status", "track", "preview", "browse", "count", "inspect"}
)

// words splits an identifier or sentence into lower-case words
// ("cancelOrder", "cancel_order" → cancel, order).
func words(s string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if unicode.IsUpper(r) && len(cur) > 0 && (unicode.IsLower(rs[i-1]) || (i+1 < len(rs) && unicode.IsLower(rs[i+1]) && unicode.IsUpper(rs[i-1]))) {
				flush()
			}
			cur = append(cur, r)
		default:
			flush()
		}
	}
	flush()
	return out
}

func verbIn(ws, verbs []string) string {
	for _, w := range ws {
		for _, v := range verbs {
			if w == v || w == v+"s" || w == v+"es" || (strings.HasSuffix(v, "e") && w == v+"d") {
				return v
			}
		}
	}
	return ""
}

func (p *prober) checkHeuristics(t live.Tool, steps []string) {
	sub := "tool:" + t.Name
	nameWords := words(t.Name)
	descWords := words(t.Description)
	if len(descWords) > 1 {
		descWords = descWords[:1] // the leading verb of the description
	}
	ws := append(nameWords, descWords...)
	h := t.Hints
	var notes []string
	if v := verbIn(ws, destructiveVerbs); v != "" {
		if h.ReadOnly != nil && *h.ReadOnly {
			notes = append(notes, fmt.Sprintf("the verb %q suggests a destructive action but readOnlyHint=true", v))
		} else if h.Destructive != nil && !*h.Destructive {
			notes = append(notes, fmt.Sprintf("the verb %q suggests a destructive action but destructiveHint=false", v))
		}
	} else if v := verbIn(ws, writeVerbs); v != "" && verbIn(nameWords, readVerbs) == "" {
		if h.ReadOnly != nil && *h.ReadOnly {
			notes = append(notes, fmt.Sprintf("the verb %q suggests a write but readOnlyHint=true", v))
		}
	} else if v := verbIn(nameWords, readVerbs); v != "" {
		if h.ReadOnly != nil && !*h.ReadOnly {
			notes = append(notes, fmt.Sprintf("the verb %q suggests a read but readOnlyHint=false", v))
		}
	}
	if len(notes) > 0 {
		p.result("tool.annotation-heuristics", sub, check.Warn, check.Probed, "Name or description disagrees with the hints: "+strings.Join(notes, "; ")+".", steps...)
		return
	}
	p.result("tool.annotation-heuristics", sub, check.Pass, check.Probed, "The name and description agree with the hints.", steps...)
}

// validToolName reports whether name is 1–128 characters of [A-Za-z0-9_.-].
func validToolName(name string) bool {
	if len(name) == 0 || len(name) > 128 {
		return false
	}
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '.', c == '-':
		default:
			return false
		}
	}
	return true
}

func (p *prober) checkNaming(t live.Tool, steps []string) {
	var bad []string
	if !validToolName(t.Name) {
		bad = append(bad, fmt.Sprintf("the name %s is not 1–128 characters of [A-Za-z0-9_.-]", quote(t.Name)))
	}
	if slices.Contains(p.dupTools, t.Name) {
		bad = append(bad, "the name is listed more than once in one page of tools/list")
	}
	// What the texts carry (markup, escapes) is tool.text-hygiene's.
	if strings.TrimSpace(t.Description) == "" {
		bad = append(bad, "the description is empty")
	}
	meta := metaMap(t.Meta)
	for _, k := range []string{"openai/toolInvocation/invoking", "openai/toolInvocation/invoked"} {
		var s string
		if json.Unmarshal(meta[k], &s) == nil && len([]rune(s)) > 64 {
			bad = append(bad, fmt.Sprintf("%s is %d characters (max 64)", k, len([]rune(s))))
		}
	}
	sub := "tool:" + t.Name
	if len(bad) > 0 {
		p.result("tool.naming", sub, check.Fail, check.Probed, strings.Join(bad, "; ")+".", steps...)
		return
	}
	p.result("tool.naming", sub, check.Pass, check.Probed, "The name is unique and well formed and the description is present.", steps...)
}

func schemesText(ss []live.SecurityScheme) string {
	var parts []string
	for _, s := range ss {
		if len(s.Scopes) > 0 {
			parts = append(parts, fmt.Sprintf("%s(%s)", s.Type, strings.Join(s.Scopes, " ")))
		} else {
			parts = append(parts, s.Type)
		}
	}
	if len(parts) == 0 {
		return "[]"
	}
	return quote(strings.Join(parts, ", "))
}

// schemeSummary reduces schemes to "noauth allowed" and the union of oauth2 scopes.
func schemeSummary(ss []live.SecurityScheme) (noauth, oauth bool, scopes []string) {
	for _, s := range ss {
		switch s.Type {
		case "noauth":
			noauth = true
		case "oauth2":
			oauth = true
			for _, sc := range s.Scopes {
				if !slices.Contains(scopes, sc) {
					scopes = append(scopes, sc)
				}
			}
		}
	}
	sort.Strings(scopes)
	return
}

func sameSchemes(a, b []live.SecurityScheme) bool {
	an, ao, as := schemeSummary(a)
	bn, bo, bs := schemeSummary(b)
	return an == bn && ao == bo && strings.Join(as, " ") == strings.Join(bs, " ")
}

func (p *prober) checkSchemes(t live.Tool, d manifest.Tool, steps []string) {
	const id = "tool.security-schemes"
	sub := "tool:" + t.Name
	if t.SchemesSource == "" {
		if p.m.Server.Auth.Mode == manifest.AuthNone {
			p.result(id, sub, check.Pass, check.Probed, "The manifest declares no sign-in and the tool advertises no securitySchemes: they agree (no scheme means no sign-in).", steps...)
			return
		}
		if p.m.Server.Auth.Mode == manifest.AuthMixed {
			p.result(id, sub, check.Fail, check.Probed, "The server is declared mixed but this tool advertises no securitySchemes, so ChatGPT cannot tell whether it needs sign-in.", steps...)
			return
		}
		p.result(id, sub, check.Warn, check.Probed, "The tool advertises no securitySchemes (neither top level nor _meta); it inherits the server default.", steps...)
		return
	}
	var problems []string
	if t.SchemesSource == "top-level" && t.MetaSecuritySchemes != nil && !sameSchemes(t.SecuritySchemes, t.MetaSecuritySchemes) {
		problems = append(problems, fmt.Sprintf("the top-level securitySchemes %s and the _meta mirror %s disagree", schemesText(t.SecuritySchemes), schemesText(t.MetaSecuritySchemes)))
	}
	noauth, oauth, scopes := schemeSummary(t.SecuritySchemes)
	mode := p.m.Server.Auth.Mode
	if d.IsWrite() && noauth && mode != manifest.AuthNone {
		problems = append(problems, fmt.Sprintf("a %s tool is callable with noauth", d.Kind))
	}
	wantNoauth := mode == manifest.AuthNone || d.NoAuth
	wantOAuth := mode != manifest.AuthNone && !d.NoAuth
	if noauth != wantNoauth && !(d.IsWrite() && noauth && mode != manifest.AuthNone) {
		problems = append(problems, fmt.Sprintf("noauth is %v live but the manifest implies %v", noauth, wantNoauth))
	}
	if oauth != wantOAuth && !(d.NoAuth && oauth) {
		problems = append(problems, fmt.Sprintf("oauth2 is %v live but the manifest auth mode is %s", oauth, mode))
	}
	want := append([]string(nil), d.Scopes...)
	sort.Strings(want)
	if oauth && len(want) > 0 && strings.Join(want, " ") != strings.Join(scopes, " ") {
		problems = append(problems, fmt.Sprintf("live scopes %s differ from declared scopes %s", quote(strings.Join(scopes, " ")), quote(strings.Join(want, " "))))
	}
	if len(problems) > 0 {
		p.result(id, sub, check.Fail, check.Probed, fmt.Sprintf("securitySchemes (%s) %s: %s.", t.SchemesSource, schemesText(t.SecuritySchemes), strings.Join(problems, "; ")), steps...)
		return
	}
	p.result(id, sub, check.Pass, check.Probed, fmt.Sprintf("securitySchemes (%s) %s agree with the manifest.", t.SchemesSource, schemesText(t.SecuritySchemes)), steps...)
}

// checkMinimization judges data.minimization for a declared tool; drafts
// are its input purposes still left as placeholders.
func (p *prober) checkMinimization(t live.Tool, d manifest.Tool, drafts []manifest.Unfilled, steps []string) {
	sub := "tool:" + t.Name
	var missing, empty []string
	for _, f := range t.Fields {
		in, ok := d.Inputs[f.Name]
		switch {
		case !ok:
			missing = append(missing, quote(f.Name))
		case strings.TrimSpace(in.Purpose) == "":
			empty = append(empty, quote(f.Name))
		}
	}
	var why []string
	if len(missing) > 0 {
		why = append(why, "Live input fields with no declared purpose: "+strings.Join(missing, ", ")+".")
	}
	if len(empty) > 0 {
		why = append(why, "Live input fields whose declared purpose is empty: "+strings.Join(empty, ", ")+".")
	}
	if len(drafts) > 0 {
		why = append(why, manifest.UnfilledText(drafts))
	}
	if len(why) > 0 {
		p.result("data.minimization", sub, check.Fail, check.Probed, strings.Join(why, " "), steps...)
		return
	}
	if len(t.Fields) == 0 {
		p.result("data.minimization", sub, check.Pass, check.Probed, "The tool takes no input fields.", steps...)
		return
	}
	p.result("data.minimization", sub, check.Pass, check.Probed, fmt.Sprintf("Every input field (%d) has a declared purpose.", len(t.Fields)), steps...)
}

// checkOutputSchemaListed judges tool.output-schema from the listing alone;
// probeToolCalls replaces the result when a call showed structuredContent.
func (p *prober) checkOutputSchemaListed(t live.Tool) {
	sub := "tool:" + t.Name
	steps := []string{stepListRaw}
	switch {
	case t.OutputSchema != nil:
		p.result("tool.output-schema", sub, check.Pass, check.Probed, "The tool declares an outputSchema.", steps...)
	case len(t.UILinks) > 0:
		p.result("tool.output-schema", sub, check.Warn, check.Probed, fmt.Sprintf("The tool links the widget %s, which reads structuredContent, but declares no outputSchema.", quote(t.UILinks[0])), steps...)
	default:
		p.result("tool.output-schema", sub, check.NA, check.Probed, "No outputSchema and no result seen: whether the tool returns structuredContent is not known.", steps...)
	}
}
