package collect

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/live"
	"github.com/dossier-dev/dossier/pack/manifest"
)

const (
	stepInvalidTokens = "initialize with invalid bearer tokens"
	stepTokenQuery    = "initialize with the token in the query string"
	stepSecondSession = "second session (raw initialize)"
	stepSessionNoAuth = "tools/list with a session id and no token"
	stepOrigin        = "initialize with a foreign Origin"
	stepBogusVersion  = "tools/list with a bogus MCP-Protocol-Version"
)

// probeOrigin judges transport.origin: the same initialize sent with and
// without a foreign Origin. A refusal counts only when the request without
// it succeeds; otherwise the 4xx is about something else (a missing token,
// no MCP endpoint at the URL).
func (p *prober) probeOrigin(ctx context.Context) {
	p.progress("transport probes")
	const id = "transport.origin"
	octx := withStep(ctx, stepOrigin)
	rep := p.post(octx, rawCall{method: "initialize", params: initParams(version20251125), token: p.bearer(), header: http.Header{"Origin": {"http://evil.example"}}})
	if sid := headerOf(rep, "Mcp-Session-Id"); sid != "" && rep.ok() {
		p.closeRaw(octx, rawSession{id: sid, version: version20251125, token: p.bearer()})
	}
	// The same request without the foreign Origin is the second
	// session's initialize: the server builds one session less.
	var base rpcReply
	select {
	case <-p.secondOpened:
		base = p.secondRep
	case <-ctx.Done():
		base = rpcReply{err: ctx.Err()}
	}
	switch {
	case base.err != nil || !base.ok():
		p.result(id, "app", check.Error, check.Probed, fmt.Sprintf("Not judged: the same initialize without a foreign Origin got %s (%s), so a refusal of the foreign Origin would be about something else; with it: %s.", base.describe(), p.replyWhy(base), rep.describe()), stepOrigin, stepSecondSession)
	case rep.err != nil:
		p.result(id, "app", check.Error, check.Probed, "Not judged: the request with Origin http://evil.example got "+rep.describe()+".", stepOrigin)
	case rep.status == http.StatusForbidden:
		p.result(id, "app", check.Pass, check.Probed, "initialize with Origin http://evil.example got 403; without it, it succeeds.", stepOrigin, stepSecondSession)
	case rep.status/100 == 4:
		p.result(id, "app", check.Warn, check.Probed, fmt.Sprintf("initialize with Origin http://evil.example got HTTP %d (without it, it succeeds); 403 is what the spec asks for.", rep.status), stepOrigin, stepSecondSession)
	case rep.status/100 == 2:
		p.result(id, "app", check.Fail, check.Probed, fmt.Sprintf("initialize with Origin http://evil.example was accepted (%s).", rep.describe()), stepOrigin)
	default:
		p.result(id, "app", check.Error, check.Probed, fmt.Sprintf("Not judged: initialize with Origin http://evil.example got %s, while without it, it succeeds.", rep.describe()), stepOrigin, stepSecondSession)
	}
}

// anyTokenProblem is the remedy for the declared tokens that cannot be
// used, when the probe has none it can; "" when none was declared.
func (p *prober) anyTokenProblem() string {
	return p.declaredProblem(func(t Token) bool { return !t.foreign() })
}

// probeSecondSession opens a second session, for the session-id,
// protocol-version and session-not-auth probes.
func (p *prober) probeSecondSession(ctx context.Context) {
	sctx := withStep(ctx, stepSecondSession)
	second, srep := p.openRaw(sctx, p.bearer(), nil)
	defer p.closeRaw(sctx, second)
	p.second, p.secondRep = second, srep
	close(p.secondOpened)

	// transport.protocol-version
	if !srep.ok() {
		p.result("transport.protocol-version", "app", check.Error, check.Probed, "Not judged: a second session could not be opened: "+p.replyWhy(srep)+".", stepSecondSession)
	} else {
		bogus := second
		bogus.version = "1999-01-01"
		rep := p.call(withStep(ctx, stepBogusVersion), bogus, "tools/list", nil)
		switch {
		case rep.err != nil:
			p.result("transport.protocol-version", "app", check.Error, check.Probed, "The request with MCP-Protocol-Version 1999-01-01 got "+rep.describe()+".", stepBogusVersion)
		case rep.status == http.StatusBadRequest:
			p.result("transport.protocol-version", "app", check.Pass, check.Probed, "tools/list with MCP-Protocol-Version 1999-01-01 got 400.", stepBogusVersion)
		case rep.status/100 == 2 && rep.rpcErr != nil:
			p.result("transport.protocol-version", "app", check.Warn, check.Probed, fmt.Sprintf("tools/list with MCP-Protocol-Version 1999-01-01 was refused, but with %s; the spec asks for HTTP 400.", rep.describe()), stepBogusVersion)
		case rep.status/100 == 2:
			p.result("transport.protocol-version", "app", check.Fail, check.Probed, fmt.Sprintf("tools/list with MCP-Protocol-Version 1999-01-01 was accepted (%s).", rep.describe()), stepBogusVersion)
		case rep.status/100 == 5:
			p.result("transport.protocol-version", "app", check.Error, check.Probed, fmt.Sprintf("Not judged: tools/list with MCP-Protocol-Version 1999-01-01 got %s, which says neither yes nor no.", rep.describe()), stepBogusVersion)
		default:
			p.result("transport.protocol-version", "app", check.Warn, check.Probed, fmt.Sprintf("tools/list with MCP-Protocol-Version 1999-01-01 got HTTP %d; the spec asks for 400.", rep.status), stepBogusVersion)
		}
	}

	// auth.session-not-auth
	const sna = "auth.session-not-auth"
	switch {
	case !p.authDeclared():
		p.result(sna, "app", check.NA, check.Declared, "The manifest declares no sign-in.")
	case p.token == nil && p.anyTokenProblem() != "":
		p.result(sna, "app", check.Error, check.Absent, "Not judged: no token to open an authenticated session with: "+p.anyTokenProblem()+".")
	case p.token == nil:
		p.result(sna, "app", check.NA, check.Absent, "Not run: no token to open an authenticated session with.")
	case !srep.ok():
		p.result(sna, "app", check.Error, check.Probed, "Not judged: no authenticated session could be opened: "+p.replyWhy(srep)+".", stepSecondSession)
	case second.id == "":
		p.result(sna, "app", check.NA, check.Probed, "The server is stateless (no Mcp-Session-Id), so a session cannot stand in for a token.", stepSecondSession)
	default:
		noTok := second
		noTok.token = ""
		rep := p.call(withStep(ctx, stepSessionNoAuth), noTok, "tools/list", nil)
		switch {
		case rep.err != nil:
			p.result(sna, "app", check.Error, check.Probed, "tools/list with the session id and no token got "+rep.describe()+".", stepSessionNoAuth)
		case rep.status == http.StatusUnauthorized:
			p.result(sna, "app", check.Pass, check.Probed, "tools/list with a valid session id and no token got 401.", stepSecondSession, stepSessionNoAuth)
		case rep.ok() && p.m.Server.Auth.Mode == manifest.AuthMixed:
			// Listing may be open to anyone on a mixed server: protected
			// work is what a session id alone must not open.
			p.onProtectedWork(ctx, sna, noTok, "the session id", "with a valid session id and no token", "the session id works as a credential", stepSecondSession)
		case rep.ok() && p.openToAllKnown(ctx):
			p.result(sna, "app", check.Error, check.Probed, "Not judged: tools/list with the session id and no token succeeded, but initialize needs no token at all (see auth.required), so this repeats that failure.", stepUnauth, stepSecondSession, stepSessionNoAuth)
		case rep.ok():
			p.result(sna, "app", check.Fail, check.Probed, "tools/list with a valid session id and no token succeeded: the session id works as a credential.", stepSecondSession, stepSessionNoAuth)
		case rep.status/100 == 5:
			p.result(sna, "app", check.Error, check.Probed, "Not judged: tools/list with the session id and no token got "+rep.describe()+", which says neither yes nor no.", stepSecondSession, stepSessionNoAuth)
		default:
			p.result(sna, "app", check.Pass, check.Probed, fmt.Sprintf("tools/list with a valid session id and no token was refused (%s; 401 is usual).", rep.describe()), stepSecondSession, stepSessionNoAuth)
		}
	}
}

// checkSessionID judges transport.session-id from the SDK session and the
// second one.
func (p *prober) checkSessionID() {
	a, b := p.info.SessionID, p.second.id
	switch {
	case p.session == nil:
		p.result("transport.session-id", "app", check.Error, check.Probed, "Not judged: the first session could not be opened: "+p.noSessionWhy()+".", stepInit, stepSecondSession)
	case !p.secondRep.ok():
		p.result("transport.session-id", "app", check.Error, check.Probed, "Not judged: a second session could not be opened: "+p.replyWhy(p.secondRep)+".", stepInit, stepSecondSession)
	case a == "" && b == "":
		p.result("transport.session-id", "app", check.NA, check.Probed, "The server is stateless: it hands out no Mcp-Session-Id.", stepInit, stepSecondSession)
	default:
		if prob := sessionIDProblem(a, b); prob != "" {
			p.result("transport.session-id", "app", check.Fail, check.Probed, prob, stepInit, stepSecondSession)
		} else {
			p.result("transport.session-id", "app", check.Pass, check.Probed, fmt.Sprintf("Two session ids of %d and %d visible-ASCII characters, unrelated to each other.", len(a), len(b)), stepInit, stepSecondSession)
		}
	}
}

func headerOf(r rpcReply, k string) string {
	if r.header == nil {
		return ""
	}
	return r.header.Get(k)
}

// sessionIDProblem judges two session ids; "" if they look fine.
func sessionIDProblem(a, b string) string {
	for _, id := range []string{a, b} {
		if id == "" {
			return "Only one of two sessions got an Mcp-Session-Id."
		}
		for _, c := range []byte(id) {
			if c < 0x21 || c > 0x7e {
				return fmt.Sprintf("The session id %s contains characters outside visible ASCII.", quote(id))
			}
		}
		if len(id) < 16 {
			return fmt.Sprintf("The session id %s is %d characters; at least 16 are expected for an unguessable id.", quote(id), len(id))
		}
	}
	if a == b {
		return "Two sessions got the same session id."
	}
	if sequential(a, b) {
		return fmt.Sprintf("The session ids %s and %s look sequential.", quote(a), quote(b))
	}
	return ""
}

// sequential reports whether two ids differ only in a small number at the
// end of a common prefix.
func sequential(a, b string) bool {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	// Back up to the start of the number the ids differ in.
	for i > 0 && isHex(a[i-1]) {
		i--
	}
	ra, rb := a[i:], b[i:]
	for _, base := range []int{10, 16} {
		x, err1 := strconv.ParseUint(ra, base, 64)
		y, err2 := strconv.ParseUint(rb, base, 64)
		if err1 == nil && err2 == nil {
			d := int64(x - y)
			if d < 0 {
				d = -d
			}
			if d <= 1000 {
				return true
			}
		}
	}
	return false
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// probeAuthActive sends invalid and misplaced credentials.
func (p *prober) probeAuthActive(ctx context.Context) {
	if !p.authDeclared() {
		for _, id := range []string{"auth.required", "auth.invalid-token", "auth.token-in-query", "auth.audience"} {
			p.result(id, "app", check.NA, check.Declared, "The manifest declares no sign-in (auth mode none).")
		}
		return
	}
	p.progress("auth probes")
	p.together(ctx, p.checkRequired, p.checkInvalidTokens, p.checkTokenInQuery, p.checkAudience)
}

// checkInvalidTokens sends garbage, foreign-signed and expired bearer
// tokens, all at once.
func (p *prober) checkInvalidTokens(ctx context.Context) {
	now := p.opts.Now()
	issuer := p.oauth.issuer
	if issuer == "" {
		issuer = p.m.Server.Auth.Issuer
	}
	claims := map[string]any{"iss": issuer, "aud": p.mcpURL.String(), "sub": "dossier-probe", "scope": strings.Join(p.allScopes(), " "), "iat": now.Unix()}
	type bad struct{ name, tok string }
	bads := []bad{{"garbage", "dossier-not-a-token-" + randomHex(12)}}
	if key, err := foreignKey(); err == nil {
		foreign, errF := signJWT(key, mergeClaims(claims, map[string]any{"exp": now.Add(time.Hour).Unix()}))
		expired, errE := signJWT(key, mergeClaims(claims, map[string]any{"iat": now.Add(-2 * time.Hour).Unix(), "exp": now.Add(-time.Hour).Unix()}))
		if errF == nil {
			bads = append(bads, bad{"JWT signed by an unknown key", foreign})
		}
		if errE == nil {
			bads = append(bads, bad{"expired JWT", expired})
		}
	}
	replies := make([]rpcReply, len(bads))
	sends := make([]func(context.Context), len(bads))
	for i, b := range bads {
		p.red.add(b.tok)
		sends[i] = func(ctx context.Context) {
			ictx := withStep(ctx, stepInvalidTokens)
			replies[i] = p.post(ictx, rawCall{method: "initialize", params: initParams(version20251125), token: b.tok})
			if id := headerOf(replies[i], "Mcp-Session-Id"); id != "" && replies[i].err == nil && replies[i].status/100 == 2 {
				p.closeRaw(ictx, rawSession{id: id, version: version20251125, token: b.tok})
			}
		}
	}
	p.together(ctx, sends...)
	var accepted, other, unanswered, seen []string
	for i, b := range bads {
		rep := replies[i]
		seen = append(seen, fmt.Sprintf("%s: %s", b.name, rep.describe()))
		switch {
		case rep.err != nil || rep.status/100 == 5:
			unanswered = append(unanswered, b.name)
		case rep.status == http.StatusUnauthorized:
		case rep.status/100 == 2:
			accepted = append(accepted, b.name)
		default:
			other = append(other, b.name)
		}
	}
	switch {
	case len(accepted) > 0 && p.openToAll():
		p.result("auth.invalid-token", "app", check.Error, check.Probed, "Not judged: invalid bearer tokens were accepted on initialize, but so is no token at all (see auth.required), so this repeats that failure: "+strings.Join(seen, "; ")+".", stepUnauth, stepInvalidTokens)
	case len(accepted) > 0:
		p.result("auth.invalid-token", "app", check.Fail, check.Probed, "Invalid bearer tokens were accepted on initialize: "+strings.Join(seen, "; ")+".", stepInvalidTokens)
	case len(unanswered) > 0:
		p.result("auth.invalid-token", "app", check.Error, check.Probed, "Not judged: not every invalid token got an answer that says whether it was accepted: "+strings.Join(seen, "; ")+".", stepInvalidTokens)
	case len(other) > 0:
		p.result("auth.invalid-token", "app", check.Fail, check.Probed, "Invalid bearer tokens should get 401: "+strings.Join(seen, "; ")+".", stepInvalidTokens)
	default:
		p.result("auth.invalid-token", "app", check.Pass, check.Probed, "Garbage, foreign-signed and expired bearer tokens all got 401 on initialize.", stepInvalidTokens)
	}
}

// checkTokenInQuery sends the token in ?access_token= and no header.
func (p *prober) checkTokenInQuery(ctx context.Context) {
	if p.token == nil && p.anyTokenProblem() != "" {
		p.result("auth.token-in-query", "app", check.Error, check.Absent, "Not judged: no token to send in the query: "+p.anyTokenProblem()+".")
	} else if p.token == nil {
		p.result("auth.token-in-query", "app", check.NA, check.Absent, "Not run: no token was supplied.")
	} else {
		u := *p.mcpURL
		q := u.Query()
		q.Set("access_token", p.token.Value)
		u.RawQuery = q.Encode()
		qctx := withStep(ctx, stepTokenQuery)
		qs, rep := p.openRawAt(qctx, u.String(), "", nil)
		defer p.closeRaw(qctx, qs)
		switch {
		case rep.err != nil:
			p.result("auth.token-in-query", "app", check.Error, check.Probed, "initialize with ?access_token= got "+rep.describe()+".", stepTokenQuery)
		case rep.ok() && p.unauth.ok() && p.m.Server.Auth.Mode == manifest.AuthMixed:
			// Initialize is open to anyone: protected work is what a
			// token in the query must not open.
			p.onProtectedWork(ctx, "auth.token-in-query", qs, "the token in ?access_token=", "with the token in ?access_token= and no header", "the query's token was accepted", stepTokenQuery)
		case rep.ok() && p.openToAll():
			p.result("auth.token-in-query", "app", check.Error, check.Probed, "Not judged: initialize succeeds without any token (see auth.required), so its success with the token in ?access_token= says nothing of the query's token.", stepUnauth, stepTokenQuery)
		case rep.ok():
			p.result("auth.token-in-query", "app", check.Fail, check.Probed, "initialize with the token in ?access_token= and no Authorization header was accepted.", stepTokenQuery)
		case rep.status/100 == 5:
			p.result("auth.token-in-query", "app", check.Error, check.Probed, fmt.Sprintf("Not judged: initialize with ?access_token= got %s, which says neither yes nor no.", rep.describe()), stepTokenQuery)
		default:
			p.result("auth.token-in-query", "app", check.Pass, check.Probed, fmt.Sprintf("initialize with the token in ?access_token= and no header was refused (%s).", rep.describe()), stepTokenQuery)
		}
	}
}

// onProtectedWork judges id on a mixed server, where initialize and
// listing may need no token, by calling the first protected tool the probe
// may call in s, a session made with what must not open protected work
// (what: "the session id", how: "with a valid session id and no token").
// A refusal passes; a run fails with what it means, unless the tool also
// runs without any token, which is auth.required's failure. opened is the
// step that opened s.
func (p *prober) onProtectedWork(ctx context.Context, id string, s rawSession, what, how, means, opened string) {
	tool := p.protectedTool(ctx)
	if tool == nil {
		p.result(id, "app", check.NA, check.Probed, fmt.Sprintf("The server is mixed, where initialize and listing may need no token, and no protected tool may be called (listed in probe.callable and read-only live, or named with --allow-write), so %s was not tried on protected work.", what), opened)
		p.skip(ctx, id, "app", "no protected tool may be called")
		return
	}
	step := stepCall(tool.Name) + " " + how
	rep := p.call(withStep(ctx, step), s, "tools/call", map[string]any{"name": tool.Name, "arguments": exampleArgs(*tool)})
	v := judgeRefusal(rep)
	switch v.kind {
	case refusedChallenge, refusedOther:
		p.result(id, "app", check.Pass, check.Probed, fmt.Sprintf("Calling the protected tool %s %s was refused: %s.", quote(tool.Name), how, v.detail), opened, step)
	case ran:
		if p.repeatsRequired(ctx) {
			p.result(id, "app", check.Error, check.Probed, fmt.Sprintf("Not judged: the protected tool %s ran %s, but it also runs without any token (see auth.required), so this repeats that failure.", quote(tool.Name), how), opened, step)
			return
		}
		p.result(id, "app", check.Fail, check.Probed, fmt.Sprintf("The protected tool %s ran %s (%s): %s.", quote(tool.Name), how, v.detail, means), opened, step)
	default:
		p.result(id, "app", check.Error, check.Probed, fmt.Sprintf("Not judged: calling %s %s got %s, which says neither yes nor no.", quote(tool.Name), how, v.detail), opened, step)
	}
}

const stepForeign = "initialize with a token minted for another resource"

// checkAudience sends a token the server's AS minted for another resource:
// a resource server that checks the audience refuses it with 401. In mixed
// mode initialize may be open, so a protected callable tool is called too.
func (p *prober) checkAudience(ctx context.Context) {
	const id = "auth.audience"
	var tok *Token
	for i, t := range p.opts.Tokens {
		if t.foreign() && t.Value != "" {
			tok = &p.opts.Tokens[i]
			break
		}
	}
	if tok == nil {
		if why := p.declaredProblem(Token.foreign); why != "" {
			p.result(id, "app", check.Error, check.Absent, "Not judged: the declared token for another resource cannot be used: "+why+".")
			return
		}
		reason := "no token minted for another resource was supplied"
		if p.opts.ForeignRefusal != "" {
			reason = "no token minted for another resource could be obtained: " + p.opts.ForeignRefusal
		}
		p.result(id, "app", check.NA, check.Absent, "Not run: "+reason+".")
		p.skip(ctx, id, "app", reason)
		return
	}
	what := fmt.Sprintf("a token minted for %s", quote(tok.Audience))
	sctx := withStep(ctx, stepForeign)
	s, rep := p.openRaw(sctx, tok.Value, nil)
	defer p.closeRaw(sctx, s)
	called := ""
	if rep.ok() && p.m.Server.Auth.Mode == manifest.AuthMixed {
		if t := p.protectedTool(ctx); t != nil {
			rep = p.call(sctx, s, "tools/call", map[string]any{"name": t.Name, "arguments": exampleArgs(*t)})
			called = " calling " + quote(t.Name)
		}
		if called == "" {
			p.result(id, "app", check.NA, check.Probed, fmt.Sprintf("initialize is open (mixed mode) and no protected tool may be called (listed in probe.callable and read-only live, or named with --allow-write), so %s was not tried on protected work.", what), stepForeign)
			p.skip(ctx, id, "app", "no protected tool may be called")
			return
		}
		p.judgeForeignCall(ctx, what, called, rep)
		return
	}
	switch {
	case rep.err != nil:
		p.result(id, "app", check.Error, check.Probed, fmt.Sprintf("initialize with %s got %s.", what, rep.describe()), stepForeign)
	case rep.status == http.StatusUnauthorized:
		p.result(id, "app", check.Pass, check.Probed, fmt.Sprintf("%s got 401%s.", upperFirst(what), called), stepForeign)
	case rep.status/100 == 5:
		p.result(id, "app", check.Error, check.Probed, fmt.Sprintf("Not judged: %s got %s%s, which says neither yes nor no.", what, rep.describe(), called), stepForeign)
	case rep.ok() && p.openToAll():
		p.result(id, "app", check.Error, check.Probed, fmt.Sprintf("Not judged: %s was accepted on initialize, but so is no token at all (see auth.required), so this repeats that failure.", what), stepUnauth, stepForeign)
	default:
		p.result(id, "app", check.Fail, check.Probed, fmt.Sprintf("%s was not refused with 401%s: %s.", upperFirst(what), called, rep.describe()), stepForeign)
	}
}

// judgeForeignCall judges auth.audience on a mixed server from the call of
// a protected tool with the foreign token, as auth.required judges the call
// without a token: a refusal may be a 401 or a tool-level isError result
// with an auth challenge. A tool that runs without any token (see
// auth.required) says nothing of the foreign token.
func (p *prober) judgeForeignCall(ctx context.Context, what, called string, rep rpcReply) {
	const id = "auth.audience"
	v := judgeRefusal(rep)
	switch {
	case v.kind == refusedChallenge || v.kind == refusedOther && v.status == http.StatusUnauthorized:
		p.result(id, "app", check.Pass, check.Probed, fmt.Sprintf("%s was refused%s: %s.", upperFirst(what), called, v.detail), stepForeign)
	case v.kind == refusedOther:
		p.result(id, "app", check.Warn, check.Probed, fmt.Sprintf("%s was refused%s, but without an auth challenge: %s.", upperFirst(what), called, v.detail), stepForeign)
	case v.kind == ran:
		if p.repeatsRequired(ctx) {
			p.result(id, "app", check.Error, check.Probed, fmt.Sprintf("Not judged: the protected tool ran%s with %s, but it also runs without any token (see auth.required), so this repeats that failure.", called, what), stepForeign)
			return
		}
		p.result(id, "app", check.Fail, check.Probed, fmt.Sprintf("The protected tool ran%s with %s: %s.", called, what, v.detail), stepForeign)
	default:
		p.result(id, "app", check.Error, check.Probed, fmt.Sprintf("Not judged: %s got %s%s, which says neither yes nor no.", what, v.detail, called), stepForeign)
	}
}

// openToAll reports whether initialize succeeded without any token on a
// server declared to need OAuth throughout: auth.required fails, and a
// check that a bad credential is refused on initialize can only repeat
// that failure (one root cause, one failure).
func (p *prober) openToAll() bool {
	return p.m.Server.Auth.Mode == manifest.AuthOAuth && p.unauth.ok()
}

// repeatsRequired reports whether a protected tool that ran with a bad
// credential also runs with none (auth.required fails for it), so that a
// check of the credential only repeats that failure. It waits for
// auth.required to be judged.
func (p *prober) repeatsRequired(ctx context.Context) bool {
	select {
	case <-p.requiredKnown:
		return p.openRan
	case <-ctx.Done():
		return false
	}
}

// openToAllKnown is openToAll for the strands that do not send the
// unauthenticated initialize: it waits for its answer first.
func (p *prober) openToAllKnown(ctx context.Context) bool {
	select {
	case <-p.unauthKnown:
		return p.openToAll()
	case <-ctx.Done():
		return false
	}
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func (p *prober) allScopes() []string {
	var out []string
	for _, t := range p.m.Tools {
		for _, s := range t.Scopes {
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	return out
}

func mergeClaims(a, b map[string]any) map[string]any {
	m := map[string]any{}
	for k, v := range a {
		m[k] = v
	}
	for k, v := range b {
		m[k] = v
	}
	return m
}

// foreignKeyPEM is the RSA key the forged tokens are signed with, in
// RS256 because that is what most servers accept: a token in the
// algorithm a server expects, with a kid it does not know, tests its
// signature check rather than its list of algorithms. The key's private
// half is published here, in dossier's source, so no server has a reason
// to trust it, and one that accepts a token it signed accepts tokens
// anyone can sign. A key generated on every run cost about 60 ms of CPU
// (the demo's average), and more when the search for its primes ran long.
// "TESTING KEY" stands for "PRIVATE KEY" so that secret scanners do not
// flag a key meant to be public, as in the Go standard library's tests.
//
//go:embed foreign_key.pem
var foreignKeyPEM string

// foreignKey reads foreignKeyPEM, once.
var foreignKey = sync.OnceValues(func() (*rsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(strings.ReplaceAll(foreignKeyPEM, "TESTING KEY", "PRIVATE KEY")))
	if block == nil {
		return nil, errors.New("reading the probe's foreign signing key: no PEM block")
	}
	key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("reading the probe's foreign signing key: %w", err)
	}
	return key, nil
})

// signJWT signs claims with key, an RSA key nobody trusts.
func signJWT(key *rsa.PrivateKey, claims map[string]any) (string, error) {
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims(claims))
	tok.Header["typ"] = "at+jwt"
	tok.Header["kid"] = "dossier-probe-" + randomHex(4)
	s, err := tok.SignedString(key)
	if err != nil {
		return "", fmt.Errorf("signing a probe token: %w", err)
	}
	return s, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// checkRequired judges auth.required from the unauthenticated initialize,
// and for mixed servers from an unauthenticated call of a protected tool.
func (p *prober) checkRequired(ctx context.Context) {
	const id = "auth.required"
	defer close(p.requiredKnown)
	u := p.unauth
	switch {
	case u.err != nil:
		p.result(id, "app", check.Error, check.Probed, "The unauthenticated initialize got "+u.describe()+".", stepUnauth)
		return
	case u.status == http.StatusUnauthorized:
		note := ""
		if !p.oauth.challengeOK {
			note = " It carries no Bearer challenge (see auth.challenge)."
		}
		p.result(id, "app", check.Pass, check.Probed, "initialize without a token got 401."+note, stepUnauth)
		return
	case u.status == http.StatusForbidden:
		p.result(id, "app", check.Warn, check.Probed, "initialize without a token got 403; 401 with a Bearer challenge is what clients expect.", stepUnauth)
		return
	case u.status/100 == 5:
		p.result(id, "app", check.Error, check.Probed, "Not judged: initialize without a token got "+u.describe()+", which says neither that it is refused nor that it is served.", stepUnauth)
		return
	case !u.ok():
		p.result(id, "app", check.Fail, check.Probed, "initialize without a token got "+u.describe()+" instead of 401.", stepUnauth)
		return
	case p.m.Server.Auth.Mode == manifest.AuthOAuth:
		p.result(id, "app", check.Fail, check.Probed, "initialize without a token succeeded although the manifest declares OAuth for the whole server.", stepUnauth)
		return
	}
	// Mixed: initialize may be open; a protected tool must not be.
	tool := p.protectedTool(ctx)
	if tool == nil {
		p.result(id, "app", check.NA, check.Probed, "initialize is open (mixed mode) and no protected tool may be called (listed in probe.callable and read-only live, or named with --allow-write), so protected work was not tried without a token.", stepUnauth)
		p.skip(ctx, "auth.required", "app", "no protected tool may be called")
		return
	}
	step := "unauthenticated " + stepCall(tool.Name)
	sctx := withStep(ctx, step)
	s, rep := p.openRaw(sctx, "", nil)
	defer p.closeRaw(sctx, s)
	if rep.ok() {
		rep = p.call(sctx, s, "tools/call", map[string]any{"name": tool.Name, "arguments": exampleArgs(*tool)})
	}
	v := judgeRefusal(rep)
	switch v.kind {
	case refusedChallenge:
		p.result(id, "app", check.Pass, check.Probed, fmt.Sprintf("initialize is open (mixed mode); calling the protected tool %s without a token was refused: %s.", quote(tool.Name), v.detail), stepUnauth, step)
	case refusedOther:
		p.result(id, "app", check.Warn, check.Probed, fmt.Sprintf("initialize is open (mixed mode); calling the protected tool %s without a token was refused without an auth challenge: %s.", quote(tool.Name), v.detail), stepUnauth, step)
	case ran:
		p.openRan = true
		p.result(id, "app", check.Fail, check.Probed, fmt.Sprintf("The protected tool %s ran without a token: %s.", quote(tool.Name), v.detail), stepUnauth, step)
	default:
		p.result(id, "app", check.Error, check.Probed, fmt.Sprintf("Calling %s without a token got %s.", quote(tool.Name), v.detail), stepUnauth, step)
	}
}

// protectedTool is the first declared tool that needs sign-in and that the
// probe may call, or nil; it waits until the live tools are known.
func (p *prober) protectedTool(ctx context.Context) *manifest.Tool {
	if !p.waitTools(ctx) {
		return nil
	}
	for i, t := range p.m.Tools {
		if !t.NoAuth && p.mayCall(t.Name) {
			return &p.m.Tools[i]
		}
	}
	return nil
}

// mayCall reports whether the probe may call a tool; see callable.
func (p *prober) mayCall(name string) bool {
	ok, _ := p.callable(name)
	return ok
}

// callable says whether the probe may call a tool and, when not, why. The
// manifest alone never makes a call safe: a tool is called only when
// probe.callable lists it and either the user named it with --allow-write,
// or the manifest declares it read and its live annotations agree
// (readOnlyHint true, destructiveHint not true). It reads the live tools,
// so it is asked only once they are known (see waitTools).
func (p *prober) callable(name string) (bool, string) {
	if !slices.Contains(p.m.Probe.Callable, name) {
		return false, "the tool is not listed as callable in probe.callable"
	}
	if slices.Contains(p.opts.AllowWrite, name) {
		return true, ""
	}
	optIn := "; name it with --allow-write " + name + " to call it anyway"
	d, ok := p.m.Tool(name)
	if !ok || d.IsWrite() {
		return false, "a write tool is called only when allowed with --allow-write " + name
	}
	var lt *live.Tool
	for i := range p.obs.Tools {
		if p.obs.Tools[i].Name == name {
			lt = &p.obs.Tools[i]
			break
		}
	}
	switch {
	case lt == nil:
		return false, "the tool was not seen in tools/list, so its live annotations are unknown" + optIn
	case lt.Hints.ReadOnly == nil || !*lt.Hints.ReadOnly:
		return false, fmt.Sprintf("the manifest declares it read but its live readOnlyHint is %s (see tool.write-labeled)%s", hintText(lt.Hints.ReadOnly), optIn)
	case lt.Hints.Destructive != nil && *lt.Hints.Destructive:
		return false, "the manifest declares it read but its live destructiveHint is true (see tool.write-labeled)" + optIn
	}
	return true, ""
}

// waitTools blocks until the tools are listed (or could not be), so that
// callable can read their live annotations; false if ctx ended first.
func (p *prober) waitTools(ctx context.Context) bool {
	select {
	case <-p.toolsKnown:
		return true
	case <-ctx.Done():
		return false
	}
}

func exampleArgs(t manifest.Tool) map[string]any {
	if t.Example != nil {
		return t.Example
	}
	return map[string]any{}
}

type refusal int

const (
	unknownOutcome refusal = iota
	refusedChallenge
	refusedOther
	ran
)

type verdict struct {
	kind   refusal
	detail string
	status int
}

// judgeRefusal reads the answer to a tools/call that should be refused for
// want of a credential or scope.
func judgeRefusal(rep rpcReply) verdict {
	if rep.err != nil {
		return verdict{unknownOutcome, rep.describe(), 0}
	}
	if rep.status/100 == 5 {
		// A server error says neither that the call was refused nor that
		// it ran, JSON-RPC error in its body or not.
		return verdict{unknownOutcome, rep.describe(), rep.status}
	}
	if rep.status == http.StatusUnauthorized || rep.status == http.StatusForbidden {
		wa := rep.header.Values("WWW-Authenticate")
		if len(wa) > 0 {
			return verdict{refusedChallenge, fmt.Sprintf("HTTP %d with WWW-Authenticate %s", rep.status, quote(strings.Join(wa, ", "))), rep.status}
		}
		return verdict{refusedOther, fmt.Sprintf("HTTP %d without WWW-Authenticate", rep.status), rep.status}
	}
	if rep.rpcErr != nil {
		return verdict{refusedOther, rep.describe(), rep.status}
	}
	if rep.ok() {
		var res struct {
			IsError bool                       `json:"isError"`
			Meta    map[string]json.RawMessage `json:"_meta"`
		}
		_ = json.Unmarshal(rep.result, &res)
		if res.IsError {
			if ch, ok := res.Meta["mcp/www_authenticate"]; ok {
				return verdict{refusedChallenge, "an isError result with _meta[\"mcp/www_authenticate\"] " + quote(string(ch)), rep.status}
			}
			return verdict{refusedOther, "an isError result without _meta[\"mcp/www_authenticate\"]", rep.status}
		}
		return verdict{ran, fmt.Sprintf("HTTP %d with a successful result", rep.status), rep.status}
	}
	if rep.status/100 == 4 {
		return verdict{refusedOther, rep.describe(), rep.status}
	}
	return verdict{unknownOutcome, rep.describe(), rep.status}
}
