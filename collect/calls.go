package collect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/dossier-dev/dossier/collect/mcpsdk"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/live"
	"github.com/dossier-dev/dossier/pack/manifest"
)

// callOutcome is what a call with valid arguments returned.
type callOutcome struct {
	raw        json.RawMessage
	err        error
	structured bool
	isError    bool
}

// probeToolCalls runs the active probes on the tools the manifest lets the
// probe call, the tools at the same time; every other tool gets "not run"
// results.
func (p *prober) probeToolCalls(ctx context.Context) {
	each := make([]func(context.Context), len(p.obs.Tools))
	for i, t := range p.obs.Tools {
		each[i] = func(ctx context.Context) { p.probeToolCall(ctx, t) }
	}
	p.together(ctx, each...)
}

// probeToolCall calls one tool with valid arguments, then with invalid
// ones, then with a token that lacks its scope.
func (p *prober) probeToolCall(ctx context.Context, t live.Tool) {
	sub := "tool:" + t.Name
	d, declared := p.m.Tool(t.Name)
	if ok, why := p.callable(t.Name); !ok {
		reason := "not run: " + why
		for _, id := range []string{"auth.scope-enforcement", "tool.input-validation", "data.result-hygiene"} {
			p.result(id, sub, check.NA, check.Declared, strings.ToUpper(reason[:1])+reason[1:]+".")
			p.skip(ctx, id, sub, reason)
		}
		return
	}
	if p.session == nil {
		return
	}
	p.progress("calling %s", t.Name)
	p.callValid(ctx, t, d)
	if declared && !d.IsWrite() {
		p.checkInputValidation(ctx, t, d)
	} else {
		p.result("tool.input-validation", sub, check.NA, check.Declared, "Not run: schema-invalid input is only tried on read tools.")
		p.skip(ctx, "tool.input-validation", sub, "schema-invalid input is only tried on read tools")
	}
	p.checkScopeEnforcement(ctx, t, d)
}

func stepCall(name string) string { return "tools/call " + clean(name) }

func (p *prober) callValid(ctx context.Context, t live.Tool, d manifest.Tool) {
	sub := "tool:" + t.Name
	step := stepCall(t.Name)
	cctx, cancel := p.sdkCtx(withBearer(withStep(ctx, step), p.bearer()))
	raw, err := p.session.CallTool(cctx, t.Name, exampleArgs(d))
	cancel()
	out := callOutcome{raw: raw, err: err}
	var res struct {
		Structured json.RawMessage `json:"structuredContent"`
		IsError    bool            `json:"isError"`
	}
	if err == nil && json.Unmarshal(raw, &res) == nil {
		out.structured = len(res.Structured) > 0 && string(res.Structured) != "null"
		out.isError = res.IsError
	}
	p.mu.Lock()
	p.called[t.Name] = out
	p.mu.Unlock()
	if err != nil {
		p.result("data.result-hygiene", sub, check.Error, check.Probed, "Not judged: the call with the example arguments failed: "+quote(unwrapURLError(err).Error())+"; check the tool's example arguments in the manifest.", step)
		return
	}
	// tool.output-schema, now from a result actually seen: what the call
	// returned settles it, whatever the listing suggested.
	if !out.isError {
		p.dropResult("tool.output-schema", sub)
		switch {
		case out.structured && t.OutputSchema == nil:
			p.result("tool.output-schema", sub, check.Warn, check.Probed, "A call returned structuredContent but the tool declares no outputSchema.", step, stepListRaw)
		case out.structured:
			p.result("tool.output-schema", sub, check.Pass, check.Probed, "A call returned structuredContent and the tool declares an outputSchema.", step, stepListRaw)
		case t.OutputSchema != nil:
			p.result("tool.output-schema", sub, check.Pass, check.Probed, "The tool declares an outputSchema (the call returned no structuredContent).", step, stepListRaw)
		default:
			p.result("tool.output-schema", sub, check.NA, check.Probed, "The call returned no structuredContent, so no outputSchema is needed.", step, stepListRaw)
		}
	}
	findings := p.hygiene(raw)
	if len(findings) > 0 {
		p.result("data.result-hygiene", sub, check.Warn, check.Probed, "The result carries "+strings.Join(findings, "; ")+".", step)
		return
	}
	p.result("data.result-hygiene", sub, check.Pass, check.Probed, "The result carries no tokens, secrets, card numbers or SSNs.", step)
}

func (p *prober) dropResult(id, subject string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.results[:0]
	for _, r := range p.results {
		if r.ID == id && r.Subject == subject {
			continue
		}
		out = append(out, r)
	}
	p.results = out
}

// hygieneRule is one thing a tool result should not carry.
type hygieneRule struct {
	re   *regexp.Regexp
	what string
}

// hygieneRules are compiled when a first tool result is judged: a run
// that calls no tool does not pay for them.
var hygieneRules = sync.OnceValue(func() []hygieneRule {
	return []hygieneRule{
		{regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`), "a JWT"},
		{regexp.MustCompile(`(?i)\bbearer\s+[A-Za-z0-9\-._~+/]{16,}`), "a bearer credential"},
		{regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----`), "a private key"},
		{regexp.MustCompile(`\bAKIA[0-9A-Z]{16}\b`), "an AWS access key"},
		{regexp.MustCompile(`\b(sk|rk|pk)_(live|test)_[A-Za-z0-9]{16,}\b|\bsk-[A-Za-z0-9_-]{20,}\b|\bgh[pousr]_[A-Za-z0-9]{30,}\b|\bxox[abpr]-[A-Za-z0-9-]{10,}`), "an API key"},
		{regexp.MustCompile(`(?i)\\?"(access_token|refresh_token|id_token|client_secret|password|api_key|apikey|secret)\\?"\s*:\s*\\?"[^"\\]{4,}`), "a secret-named field with a value"},
		{regexp.MustCompile(`\b\d{3}-\d{2}-\d{4}\b`), "an SSN-shaped number"},
	}
})

// hygCard matches a card-number-shaped run of digits (checked with Luhn).
var hygCard = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\b(?:\d[ -]?){12,18}\d\b`) })

// hygiene lists what a tool result should not carry.
func (p *prober) hygiene(raw []byte) []string {
	s := string(raw)
	var out []string
	p.red.mu.Lock()
	for v := range p.red.values {
		if strings.Contains(s, v) {
			out = append(out, "a bearer token the probe sent")
			break
		}
	}
	p.red.mu.Unlock()
	for _, c := range hygieneRules() {
		if c.re.MatchString(s) {
			out = append(out, c.what)
		}
	}
	for _, at := range hygCard().FindAllStringIndex(s, 20) {
		if inDecimal(s, at[0], at[1]) {
			continue
		}
		if luhn(s[at[0]:at[1]]) {
			out = append(out, "a card number that passes the Luhn check")
			break
		}
	}
	return out
}

// inDecimal reports whether the digits s[i:j] are part of a decimal
// number (the fraction of 0.4111…, or the whole part of 4111….5): the
// digits of a random float pass the Luhn check one time in ten.
func inDecimal(s string, i, j int) bool {
	digit := func(k int) bool { return k >= 0 && k < len(s) && s[k] >= '0' && s[k] <= '9' }
	return (i > 0 && s[i-1] == '.' && digit(i-2)) || (j < len(s) && s[j] == '.' && digit(j+1))
}

func luhn(s string) bool {
	var digits []int
	for _, c := range s {
		if c >= '0' && c <= '9' {
			digits = append(digits, int(c-'0'))
		}
	}
	if len(digits) < 13 || len(digits) > 19 {
		return false
	}
	sum := 0
	for i := range digits {
		d := digits[len(digits)-1-i]
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// invalidArgs builds arguments with a wrong type for a required field (or
// any field when none is required).
func invalidArgs(t live.Tool, d manifest.Tool) (map[string]any, string, bool) {
	args := map[string]any{}
	for k, v := range exampleArgs(d) {
		args[k] = v
	}
	pick := -1
	for i, f := range t.Fields {
		if f.Required {
			pick = i
			break
		}
	}
	if pick < 0 && len(t.Fields) > 0 {
		pick = 0
	}
	if pick < 0 {
		return nil, "", false
	}
	f := t.Fields[pick]
	var wrong any
	switch f.Type {
	case "string":
		wrong = 12345
	case "number", "integer":
		wrong = "not-a-number"
	case "boolean":
		wrong = "not-a-boolean"
	case "array":
		wrong = "not-an-array"
	case "object":
		wrong = "not-an-object"
	default:
		wrong = map[string]any{"dossier": []any{true}}
	}
	args[f.Name] = wrong
	b, _ := json.Marshal(wrong)
	return args, fmt.Sprintf("%s set to %s (schema type %s)", quote(f.Name), b, quote(f.Type)), true
}

func (p *prober) checkInputValidation(ctx context.Context, t live.Tool, d manifest.Tool) {
	const id = "tool.input-validation"
	sub := "tool:" + t.Name
	args, what, ok := invalidArgs(t, d)
	if !ok {
		p.result(id, sub, check.NA, check.Probed, "The tool takes no input fields, so there is nothing to make invalid.", stepListRaw)
		return
	}
	step := stepCall(t.Name) + " with schema-invalid arguments"
	cctx, cancel := p.sdkCtx(withBearer(withStep(ctx, step), p.bearer()))
	raw, err := p.session.CallTool(cctx, t.Name, args)
	cancel()
	var rpcErr *mcpsdk.RPCError
	switch {
	case errors.As(err, &rpcErr):
		p.result(id, sub, check.Pass, check.Probed, fmt.Sprintf("A call with %s was rejected with JSON-RPC error %d.", what, rpcErr.Code), step)
	case err != nil:
		p.result(id, sub, check.Error, check.Probed, fmt.Sprintf("A call with %s got no usable answer: %s.", what, quote(unwrapURLError(err).Error())), step)
	default:
		var res struct {
			IsError bool `json:"isError"`
		}
		_ = json.Unmarshal(raw, &res)
		if res.IsError {
			p.result(id, sub, check.Pass, check.Probed, fmt.Sprintf("A call with %s returned an isError result.", what), step)
		} else {
			p.result(id, sub, check.Fail, check.Probed, fmt.Sprintf("A call with %s returned a successful result: invalid input was accepted.", what), step)
		}
	}
}

func (p *prober) checkScopeEnforcement(ctx context.Context, t live.Tool, d manifest.Tool) {
	const id = "auth.scope-enforcement"
	sub := "tool:" + t.Name
	switch {
	case !p.authDeclared():
		p.result(id, sub, check.NA, check.Declared, "The manifest declares no sign-in.")
		return
	case d.NoAuth:
		p.result(id, sub, check.NA, check.Declared, "The tool is declared callable without sign-in (noauth).")
		return
	case len(d.Scopes) == 0:
		p.result(id, sub, check.NA, check.Declared, "The manifest declares no scopes for this tool.")
		return
	}
	var tok *Token
	var lacking string
	for i, c := range p.opts.Tokens {
		if c.foreign() || c.Value == "" {
			continue
		}
		for _, s := range d.Scopes {
			if !slices.Contains(c.Scopes, s) {
				tok, lacking = &p.opts.Tokens[i], s
				break
			}
		}
		if tok != nil {
			break
		}
	}
	if tok == nil {
		if why := p.declaredProblem(func(c Token) bool { return !c.foreign() && !coversAll(c.Scopes, d.Scopes) }); why != "" {
			p.result(id, sub, check.Error, check.Probed, fmt.Sprintf("Not judged: the declared token without scope %s cannot be used: %s.", strings.Join(d.Scopes, " or "), why))
			return
		}
		reason := fmt.Sprintf("no token without scope %s", strings.Join(d.Scopes, " or "))
		p.result(id, sub, check.NA, check.Absent, "Not run: "+reason+" was supplied.")
		p.skip(ctx, id, sub, reason)
		return
	}
	step := fmt.Sprintf("%s with a token lacking %s", stepCall(t.Name), lacking)
	sctx := withStep(ctx, step)
	s, rep := p.openRaw(sctx, tok.Value, nil)
	defer p.closeRaw(sctx, s)
	if !rep.ok() {
		v := judgeRefusal(rep)
		if v.kind == refusedChallenge || v.kind == refusedOther {
			p.result(id, sub, check.Pass, check.Probed, fmt.Sprintf("A token lacking %s was refused already at initialize (%s).", quote(lacking), v.detail), step)
		} else {
			p.result(id, sub, check.Error, check.Probed, fmt.Sprintf("A session with a token lacking %s could not be opened: %s.", quote(lacking), v.detail), step)
		}
		return
	}
	rep = p.call(sctx, s, "tools/call", map[string]any{"name": t.Name, "arguments": exampleArgs(d)})
	v := judgeRefusal(rep)
	switch {
	case v.kind == ran:
		p.result(id, sub, check.Fail, check.Probed, fmt.Sprintf("The tool ran with a token lacking its scope %s (%s).", quote(lacking), v.detail), step)
	case v.kind == refusedChallenge && v.status == 403 && strings.Contains(v.detail, "insufficient_scope"):
		p.result(id, sub, check.Pass, check.Probed, fmt.Sprintf("A token lacking %s got %s.", quote(lacking), v.detail), step)
	case v.kind == refusedChallenge && v.status == 403:
		p.result(id, sub, check.Pass, check.Probed, fmt.Sprintf("A token lacking %s got %s (error=\"insufficient_scope\" would help clients step up).", quote(lacking), v.detail), step)
	case v.kind == refusedChallenge && v.status/100 == 2:
		p.result(id, sub, check.Pass, check.Probed, fmt.Sprintf("A token lacking %s got %s.", quote(lacking), v.detail), step)
	case v.kind == refusedChallenge || v.kind == refusedOther:
		p.result(id, sub, check.Warn, check.Probed, fmt.Sprintf("A token lacking %s was refused, but not with 403 insufficient_scope: %s.", quote(lacking), v.detail), step)
	default:
		p.result(id, sub, check.Error, check.Probed, fmt.Sprintf("Calling with a token lacking %s got %s.", quote(lacking), v.detail), step)
	}
}
