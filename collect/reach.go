package collect

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/dossier-dev/dossier/pack/check"
)

// Why the probe could not talk to the server, with the remedy. A probe
// that cannot reach the MCP endpoint, or is refused for want of a token,
// judges nothing that rests on it: those checks are error naming the cause
// (CHECKS.md, "Could not judge is never pass and never fail").

// tokenRemedy says how to give the probe a usable token with all of scopes
// (nil: any token): the problems of the declared tokens that would have
// had them, or how to supply one.
func (p *prober) tokenRemedy(scopes []string) string {
	if r := p.declaredProblem(func(t Token) bool { return !t.foreign() && coversAll(t.Scopes, scopes) }); r != "" {
		return r
	}
	what := "no token was supplied"
	if len(scopes) > 0 {
		what = fmt.Sprintf("no token with %s was supplied", strings.Join(scopes, " "))
	}
	return what + "; declare one under probe.tokens and set its variable, or use --login dcr"
}

// declaredProblem returns the remedy for a declared token that cannot be
// used and that would have served (want says which would), or "".
func (p *prober) declaredProblem(want func(Token) bool) string {
	var probs []string
	for _, t := range p.opts.Tokens {
		if t.Problem != "" && want(t) {
			probs = append(probs, clean(t.Problem))
		}
	}
	if len(probs) == 0 {
		return ""
	}
	r := strings.Join(probs, "; ")
	if !strings.Contains(r, "--login") {
		r += "; set the variable, or use --login dcr"
	}
	return r
}

func coversAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

// tokenWhy explains a 401 to a request made with the probe's token.
func (p *prober) tokenWhy() string {
	if p.token == nil {
		return "the server requires a token (it answered 401) and the probe has none it can use: " + p.tokenRemedy(nil)
	}
	return fmt.Sprintf("the server refused the token from %s with 401 (expired, revoked or meant for another server); supply a fresh one, or use --login dcr", clean(p.token.Source))
}

// replyWhy says why a raw request with the probe's token got no session.
func (p *prober) replyWhy(rep rpcReply) string {
	if rep.err == nil && rep.status == http.StatusUnauthorized {
		return p.tokenWhy()
	}
	return rep.describe()
}

// stepDiagnose holds the requests that look for why no session opened.
const stepDiagnose = "what answers at the MCP URL (no session could be opened)"

// noSessionWhy says why the SDK session could not be opened.
func (p *prober) noSessionWhy() string {
	switch {
	case p.initStatus == http.StatusUnauthorized:
		return p.tokenWhy()
	case p.noEndpoint != "":
		return p.noEndpoint
	case p.listErr != nil:
		return "initialize failed: " + quote(unwrapURLError(p.listErr).Error())
	}
	return "initialize failed"
}

// diagnoseSession looks, once the SDK could not open a session, at what a
// plain initialize with the same token gets, with the preflight's eyes:
// nothing listening, a 404, the legacy SSE transport, a redirect, an HTML
// page. It sets noEndpoint to the problem and its remedy, or leaves it ""
// when there may be an MCP endpoint that fails the handshake.
func (p *prober) diagnoseSession(ctx context.Context) {
	ctx = withStep(ctx, stepDiagnose)
	rep := p.post(ctx, rawCall{method: "initialize", params: initParams(version20251125), token: p.bearer()})
	p.closeReply(ctx, rep, p.bearer())
	var prob, hint string
	if rep.err != nil && !saysNothing(rep.status) { // a 429 or 408 is diagnosed as the answer it is
		prob, hint = p.diagnoseNoAnswer(ctx, rep.err, p.bounds.Request)
	} else {
		prob, hint = p.diagnoseAnswer(ctx, rep)
	}
	if prob != "" {
		p.noEndpoint = prob + "; " + hint
	}
}

// diagnose decides, once the handshake is over, whether the probe could
// talk MCP to the server at all. It sets blocked when only a token was
// missing (or refused), unreachable when nothing at the URL speaks
// Streamable HTTP, and noHandshake when the endpoint answers but fails the
// handshake.
func (p *prober) diagnose() {
	p.blocked, p.unreachable, p.noHandshake = "", "", false
	if p.session != nil || p.obs.Server.Discover {
		return
	}
	switch {
	case p.initStatus == http.StatusUnauthorized || p.secondRep.status == http.StatusUnauthorized:
		p.blocked = p.tokenWhy()
	case p.noEndpoint != "":
		p.unreachable = p.noEndpoint
	default:
		p.noHandshake = true
	}
}

// restsOnEndpoint reports whether a check needs MCP answers from the
// server's endpoint (auth.https judges URLs only; listing.* fetch pages).
func restsOnEndpoint(id string) bool {
	switch {
	case id == "auth.https":
		return false
	case strings.HasPrefix(id, "transport."), strings.HasPrefix(id, "auth."), strings.HasPrefix(id, "tool."), strings.HasPrefix(id, "widget."):
		return true
	}
	return id == "data.minimization" || id == "data.sensitive-fields" || id == "data.result-hygiene"
}

// notJudged turns every result resting on the endpoint, except keep's,
// into error naming why: nothing the probe saw there can be trusted as a
// finding when it could not talk MCP to it. Results that do not apply
// whatever the server does (declared, or na for want of a manifest entry)
// stay.
func (p *prober) notJudged(why, keep string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, r := range p.results {
		if r.ID == keep || !restsOnEndpoint(r.ID) || r.Basis == check.Declared || (r.Status == check.NA && r.Basis == check.Absent) ||
			(r.ID == "transport.limits" && r.Status == check.Fail) { // an answer that never ended is the finding
			continue
		}
		d, _ := check.Lookup(r.ID)
		p.results[i].Status, p.results[i].Severity, p.results[i].Basis = check.Error, d.Severity, check.Probed
		p.results[i].Detail = "Not judged: " + why + "."
	}
}
