package collect

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/dossier-dev/dossier/collect/mcpsdk"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/live"
	"github.com/dossier-dev/dossier/pack/manifest"
)

// Evidence step titles shared between probes and checks.
const (
	stepUnauth   = "unauthenticated initialize"
	stepPRM      = "protected resource metadata discovery"
	stepASMeta   = "authorization server metadata discovery"
	stepDCR      = "dynamic client registration"
	stepInit     = "initialize (SDK session)"
	stepDiscover = "server/discover (2026-07-28)"
)

type prmDoc struct {
	Resource               string   `json:"resource"`
	AuthorizationServers   []string `json:"authorization_servers"`
	ScopesSupported        []string `json:"scopes_supported"`
	BearerMethodsSupported []string `json:"bearer_methods_supported"`
}

type asDoc struct {
	Issuer                 string   `json:"issuer"`
	AuthorizationEndpoint  string   `json:"authorization_endpoint"`
	TokenEndpoint          string   `json:"token_endpoint"`
	RegistrationEndpoint   string   `json:"registration_endpoint"`
	RevocationEndpoint     string   `json:"revocation_endpoint"`
	CodeChallengeMethods   []string `json:"code_challenge_methods_supported"`
	CIMD                   bool     `json:"client_id_metadata_document_supported"`
	ScopesSupported        []string `json:"scopes_supported"`
	ResponseTypesSupported []string `json:"response_types_supported"`
}

// oauthFacts is what discovery found.
type oauthFacts struct {
	challenge   map[string]string // params of the Bearer challenge; nil if none
	challengeOK bool              // a 401 with a Bearer challenge came back

	prm         *prmDoc
	prmURL      string
	prmKind     string // "header", "path", "root"
	prmAttempts []string
	prmOpen     bool // an attempt got no answer that says whether the document is there
	wellKnown   bool // a path-suffixed or root PRM answered

	issuer       string
	issuerSource string
	as           *asDoc
	asRaw        json.RawMessage
	asURL        string
	asAttempts   []string
	asOpen       bool // as prmOpen, for the AS metadata
	sdkVerdict   string
}

// probeUnauthenticated posts initialize with no credentials.
func (p *prober) probeUnauthenticated(ctx context.Context) {
	p.progress("unauthenticated initialize")
	ctx = withStep(ctx, stepUnauth)
	pre := p.opts.Preflight
	if pre != nil && pre.unauth != nil && pre.unauth.url == p.m.Server.URL {
		// The preflight sent this very request and closed its session a
		// moment ago: take its record rather than ask the server again.
		p.unauth = pre.unauth.reply
		p.rec.adopt(ctx, stepUnauth, pre.unauth.exchanges)
	} else {
		p.unauth = p.post(ctx, rawCall{method: "initialize", params: initParams(version20251125)})
		if p.unauth.ok() {
			if id := p.unauth.header.Get("Mcp-Session-Id"); id != "" {
				p.closeRaw(ctx, rawSession{id: id, version: version20251125})
			}
		}
	}
	close(p.unauthKnown)
	if p.unauth.status == http.StatusUnauthorized {
		for _, h := range p.unauth.header.Values("WWW-Authenticate") {
			p.ensureOAuth()
			if p.obs.OAuth.Challenge == "" {
				p.obs.OAuth.Challenge = h
			}
			if params, ok := bearerChallenge(h); ok {
				p.oauth.challenge, p.oauth.challengeOK = params, true
				p.obs.OAuth.Challenge = h
				break
			}
		}
	}
}

// bearerChallenge parses one WWW-Authenticate value leniently and returns
// the parameters of its Bearer challenge (keys lower-cased).
func bearerChallenge(h string) (map[string]string, bool) {
	i := strings.Index(strings.ToLower(h), "bearer")
	if i < 0 {
		return nil, false
	}
	if i > 0 && h[i-1] != ' ' && h[i-1] != ',' {
		return nil, false
	}
	rest := h[i+len("bearer"):]
	params := map[string]string{}
	for {
		rest = strings.TrimLeft(rest, " ,\t")
		eq := strings.IndexByte(rest, '=')
		if eq <= 0 {
			break
		}
		key := strings.ToLower(strings.TrimSpace(rest[:eq]))
		if strings.ContainsAny(key, " \t") { // the next challenge's scheme
			break
		}
		rest = rest[eq+1:]
		var val string
		if strings.HasPrefix(rest, `"`) {
			rest = rest[1:]
			var b strings.Builder
			for len(rest) > 0 {
				c := rest[0]
				rest = rest[1:]
				if c == '\\' && len(rest) > 0 {
					b.WriteByte(rest[0])
					rest = rest[1:]
					continue
				}
				if c == '"' {
					break
				}
				b.WriteByte(c)
			}
			val = b.String()
		} else {
			end := strings.IndexAny(rest, ", ")
			if end < 0 {
				end = len(rest)
			}
			val, rest = rest[:end], rest[end:]
		}
		params[key] = val
	}
	return params, true
}

// fetchJSON GETs u and decodes a JSON object into v. problem is "" on success.
func (p *prober) fetchJSON(ctx context.Context, u string, v any) (status int, raw []byte, problem string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, nil, "bad URL"
	}
	req.Header.Set("Accept", "application/json")
	resp, err := p.hc.Do(req)
	if err != nil {
		return 0, nil, "no answer (" + unwrapURLError(err).Error() + ")"
	}
	defer resp.Body.Close()
	raw, err = io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, nil, "body unreadable (" + err.Error() + ")"
	}
	if resp.StatusCode != http.StatusOK {
		if resp.StatusCode/100 == 3 {
			return resp.StatusCode, raw, fmt.Sprintf("HTTP %d redirect to %s (not followed)", resp.StatusCode, quote(resp.Header.Get("Location")))
		}
		return resp.StatusCode, raw, fmt.Sprintf("HTTP %d", resp.StatusCode)
	}
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if ct != "application/json" && !strings.HasSuffix(ct, "+json") {
		return resp.StatusCode, raw, fmt.Sprintf("Content-Type %s, not JSON", quote(ct))
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return resp.StatusCode, raw, "malformed JSON (" + err.Error() + ")"
	}
	return resp.StatusCode, raw, ""
}

// saysNothingOfDoc reports whether a metadata URL's status says nothing
// of whether the document is there: no HTTP answer (0), a server error, a
// rate limit or a timeout. While one of the URLs tried says nothing, no
// metadata found is not judged (a 404 at one URL and a 503 at the right
// one is no proof there is none).
func saysNothingOfDoc(status int) bool {
	return status == 0 || inconclusive(status)
}

// wellKnown inserts a well-known segment between host and path (RFC 8414 §3.1, RFC 9728 §3.1).
func wellKnownURL(base *url.URL, name string) string {
	u := *base
	path := strings.TrimSuffix(u.Path, "/")
	u.Path = "/.well-known/" + name + path
	u.RawPath, u.RawQuery, u.Fragment = "", "", ""
	return u.String()
}

func (p *prober) authDeclared() bool { return p.m.Server.Auth.Mode != manifest.AuthNone }

// probeOAuth discovers PRM, AS metadata and registration, and judges them.
func (p *prober) probeOAuth(ctx context.Context) {
	if !p.authDeclared() && !p.oauth.challengeOK {
		for _, id := range []string{"auth.challenge", "auth.prm", "auth.prm-resource", "auth.as-metadata", "auth.pkce-s256", "auth.client-registration"} {
			p.result(id, "app", check.NA, check.Declared, "The manifest declares no sign-in (auth mode none) and the server asked for none.")
		}
		p.checkHTTPS()
		return
	}
	p.ensureOAuth()
	p.progress("OAuth discovery")
	p.discoverPRM(withStep(ctx, stepPRM))
	p.checkPRM()
	p.discoverAS(withStep(ctx, stepASMeta))
	p.checkASMeta()
	p.checkPKCE()
	p.registerClient(withStep(ctx, stepDCR))
	p.checkHTTPS()
}

func (p *prober) discoverPRM(ctx context.Context) {
	type cand struct{ kind, url string }
	var cands []cand
	if u := p.oauth.challenge["resource_metadata"]; u != "" {
		cands = append(cands, cand{"header", u})
	}
	if strings.Trim(p.mcpURL.Path, "/") != "" {
		cands = append(cands, cand{"path", wellKnownURL(p.mcpURL, "oauth-protected-resource")})
	}
	root := *p.mcpURL
	root.Path = ""
	cands = append(cands, cand{"root", wellKnownURL(&root, "oauth-protected-resource")})
	for _, c := range cands {
		var doc prmDoc
		status, _, problem := p.fetchJSON(ctx, c.url, &doc)
		if problem == "" && len(doc.AuthorizationServers) == 0 {
			problem = "authorization_servers is empty or missing"
		}
		if problem != "" {
			p.oauth.prmAttempts = append(p.oauth.prmAttempts, fmt.Sprintf("%s (%s): %s", quote(c.url), c.kind, problem))
			p.oauth.prmOpen = p.oauth.prmOpen || saysNothingOfDoc(status)
			continue
		}
		p.oauth.prmAttempts = append(p.oauth.prmAttempts, fmt.Sprintf("%s (%s): ok", quote(c.url), c.kind))
		p.oauth.prm, p.oauth.prmURL, p.oauth.prmKind = &doc, c.url, c.kind
		p.oauth.wellKnown = c.kind != "header"
		break
	}
	if d := p.oauth.prm; d != nil {
		o := p.obs.OAuth
		o.PRMURL, o.Resource, o.AuthorizationServers, o.ScopesSupported = p.oauth.prmURL, d.Resource, d.AuthorizationServers, d.ScopesSupported
	}
}

// negotiatedVersion is the version the server settles on when asked for
// 2025-11-25, as the unauthenticated initialize was: its answer to that
// request when it answered, else its answer to the same request with a
// token, else the version asked for.
func (p *prober) negotiatedVersion() (version, source string) {
	var res struct {
		ProtocolVersion string `json:"protocolVersion"`
	}
	if p.unauth.ok() && json.Unmarshal(p.unauth.result, &res) == nil && res.ProtocolVersion != "" {
		return res.ProtocolVersion, "answered to the unauthenticated initialize"
	}
	if p.info.ProtocolVersion != "" {
		return p.info.ProtocolVersion, "negotiated by the authenticated initialize"
	}
	return version20251125, "requested; the server answered no initialize"
}

func (p *prober) checkChallenge() {
	const id = "auth.challenge"
	if !p.oauth.challengeOK {
		if p.unauth.status == http.StatusUnauthorized {
			p.result(id, "app", check.Fail, check.Probed, fmt.Sprintf("The unauthenticated initialize got 401 but no Bearer challenge (WWW-Authenticate: %s).", quote(strings.Join(p.unauth.header.Values("WWW-Authenticate"), ", "))), stepUnauth)
			return
		}
		if p.unauth.err != nil {
			p.result(id, "app", check.Error, check.Probed, fmt.Sprintf("Not judged: the unauthenticated initialize got %s.", p.unauth.describe()), stepUnauth)
			return
		}
		p.result(id, "app", check.NA, check.Probed, fmt.Sprintf("No 401 challenge to judge: the unauthenticated initialize got %s.", p.unauth.describe()), stepUnauth)
		return
	}
	ver, src := p.negotiatedVersion()
	ver = ver + ", " + src
	rm := p.oauth.challenge["resource_metadata"]
	switch {
	case rm != "" && p.oauth.challenge["scope"] == "":
		p.result(id, "app", check.Warn, check.Probed, fmt.Sprintf("The 401 challenge names resource_metadata %s but carries no scope (SHOULD since 2025-11-25; protocol %s).", quote(rm), ver), stepUnauth)
	case rm != "":
		p.result(id, "app", check.Pass, check.Probed, fmt.Sprintf("The 401 challenge names resource_metadata %s and scope %s (protocol %s).", quote(rm), quote(p.oauth.challenge["scope"]), ver), stepUnauth)
	case strings.HasPrefix(ver, version20250618) || ver < version20250618:
		p.result(id, "app", check.Fail, check.Probed, fmt.Sprintf("The 401 challenge has no resource_metadata, which protocol 2025-06-18 requires (protocol %s).", ver), stepUnauth, stepInit)
	case p.oauth.wellKnown:
		p.result(id, "app", check.Warn, check.Probed, fmt.Sprintf("The 401 challenge has no resource_metadata; allowed under protocol %s because PRM is served at the well-known URL %s.", ver, quote(p.oauth.prmURL)), stepUnauth, stepPRM)
	case p.oauth.prmOpen:
		p.result(id, "app", check.Error, check.Probed, fmt.Sprintf("Not judged: the 401 challenge has no resource_metadata, which protocol %s allows when PRM is served at a well-known URL, and not every well-known URL gave an answer that says whether it is (see auth.prm).", ver), stepUnauth, stepPRM)
	default:
		p.result(id, "app", check.Fail, check.Probed, fmt.Sprintf("The 401 challenge has no resource_metadata and no well-known PRM answers (protocol %s).", ver), stepUnauth, stepPRM)
	}
}

func (p *prober) checkPRM() {
	tried := strings.Join(p.oauth.prmAttempts, "; ")
	d := p.oauth.prm
	if d == nil && p.oauth.prmOpen {
		p.result("auth.prm", "app", check.Error, check.Probed, "Not judged: not every URL where Protected Resource Metadata may be gave an answer that says whether it is there. Tried: "+tried+".", stepPRM)
		p.result("auth.prm-resource", "app", check.NA, check.Probed, "Not judged: no Protected Resource Metadata was read (see auth.prm).", stepPRM)
		return
	}
	if d == nil {
		p.result("auth.prm", "app", check.Fail, check.Probed, "No Protected Resource Metadata found. Tried: "+tried+".", stepPRM)
		p.result("auth.prm-resource", "app", check.NA, check.Probed, "Not judged: no Protected Resource Metadata was found (see auth.prm).", stepPRM)
		return
	}
	detail := fmt.Sprintf("PRM found at %s (%s) naming authorization server %s.", quote(p.oauth.prmURL), p.oauth.prmKind, quote(d.AuthorizationServers[0]))
	var warns []string
	for _, m := range d.BearerMethodsSupported {
		if strings.EqualFold(m, "query") {
			warns = append(warns, "bearer_methods_supported lists query")
		}
	}
	for _, s := range d.ScopesSupported {
		if s == "*" || strings.EqualFold(s, "all") || strings.EqualFold(s, "full-access") {
			warns = append(warns, "scopes_supported lists the omnibus scope "+quote(s))
		}
	}
	if len(warns) > 0 {
		p.result("auth.prm", "app", check.Warn, check.Probed, detail+" But "+strings.Join(warns, "; ")+".", stepPRM)
	} else {
		p.result("auth.prm", "app", check.Pass, check.Probed, detail, stepPRM)
	}

	want := p.mcpURL.String()
	got := d.Resource
	gu, err := url.Parse(got)
	switch {
	case got == "":
		p.result("auth.prm-resource", "app", check.Fail, check.Probed, "The PRM has no resource field (RFC 9728 §2 requires it).", stepPRM)
	case got == want:
		p.result("auth.prm-resource", "app", check.Pass, check.Probed, fmt.Sprintf("PRM resource %s equals the MCP URL.", quote(got)), stepPRM)
	case p.oauth.prmKind == "root" && strings.TrimSuffix(got, "/") == origin(p.mcpURL):
		p.result("auth.prm-resource", "app", check.Pass, check.Probed, fmt.Sprintf("Root PRM resource %s is the server's origin.", quote(got)), stepPRM)
	case err != nil || gu.Host == "" || origin(gu) != origin(p.mcpURL):
		p.result("auth.prm-resource", "app", check.Fail, check.Probed, fmt.Sprintf("PRM resource %s is another origin than the MCP URL %s: a client could be steered to mint tokens for another audience.", quote(got), quote(want)), stepPRM)
	case strings.TrimSuffix(strings.ToLower(got), "/") == strings.TrimSuffix(strings.ToLower(want), "/"):
		p.result("auth.prm-resource", "app", check.Warn, check.Probed, fmt.Sprintf("PRM resource %s matches the MCP URL %s only up to case or a trailing slash; strict clients (the Go SDK) refuse it.", quote(got), quote(want)), stepPRM)
	default:
		p.resultSev("auth.prm-resource", "app", check.Fail, check.Medium, check.Probed, fmt.Sprintf("PRM resource %s does not match the MCP URL %s.", quote(got), quote(want)), stepPRM)
	}
}

// asMetadataURLs is the 2025-11-25 discovery order for an issuer.
func asMetadataURLs(issuer string) []string {
	u, err := url.Parse(issuer)
	if err != nil || u.Host == "" {
		return nil
	}
	path := strings.TrimSuffix(u.Path, "/")
	base := u.Scheme + "://" + u.Host
	if path == "" {
		return []string{base + "/.well-known/oauth-authorization-server", base + "/.well-known/openid-configuration"}
	}
	return []string{
		base + "/.well-known/oauth-authorization-server" + path,
		base + "/.well-known/openid-configuration" + path,
		base + path + "/.well-known/openid-configuration",
	}
}

func (p *prober) discoverAS(ctx context.Context) {
	if d := p.oauth.prm; d != nil {
		p.oauth.issuer, p.oauth.issuerSource = d.AuthorizationServers[0], "PRM authorization_servers[0]"
	} else if p.m.Server.Auth.Issuer != "" {
		p.oauth.issuer, p.oauth.issuerSource = p.m.Server.Auth.Issuer, "the manifest's declared issuer (no PRM was found)"
	} else {
		return
	}
	for _, u := range asMetadataURLs(p.oauth.issuer) {
		var doc asDoc
		status, raw, problem := p.fetchJSON(ctx, u, &doc)
		if problem != "" {
			p.oauth.asAttempts = append(p.oauth.asAttempts, quote(u)+": "+problem)
			p.oauth.asOpen = p.oauth.asOpen || saysNothingOfDoc(status)
			continue
		}
		p.oauth.asAttempts = append(p.oauth.asAttempts, quote(u)+": ok")
		p.oauth.as, p.oauth.asRaw, p.oauth.asURL = &doc, raw, u
		break
	}
	if d := p.oauth.as; d != nil {
		o := p.obs.OAuth
		o.MetadataURL, o.Issuer, o.AuthorizationEndpoint, o.TokenEndpoint = p.oauth.asURL, d.Issuer, d.AuthorizationEndpoint, d.TokenEndpoint
		o.RegistrationEndpoint, o.RevocationEndpoint, o.CodeChallengeMethods, o.CIMD = d.RegistrationEndpoint, d.RevocationEndpoint, d.CodeChallengeMethods, d.CIMD
		if err := mcpsdk.AcceptsAuthServerMeta(ctx, p.oauth.asURL, p.oauth.issuer, p.hc); err != nil {
			p.oauth.sdkVerdict = "the Go SDK's oauthex.GetAuthServerMeta would refuse it: " + p.red.known(err.Error())
		} else {
			p.oauth.sdkVerdict = "the Go SDK's oauthex.GetAuthServerMeta accepts it"
		}
	}
}

func (p *prober) checkASMeta() {
	const id = "auth.as-metadata"
	if p.oauth.issuer == "" {
		p.result(id, "app", check.Fail, check.Probed, "No authorization server to look up: no PRM was found and the manifest declares no issuer.", stepPRM)
		return
	}
	from := fmt.Sprintf("Issuer %s from %s.", quote(p.oauth.issuer), p.oauth.issuerSource)
	d := p.oauth.as
	if d == nil && p.oauth.asOpen {
		p.result(id, "app", check.Error, check.Probed, from+" Not judged: not every metadata URL gave an answer that says whether the metadata is there. Tried: "+strings.Join(p.oauth.asAttempts, "; ")+".", stepASMeta)
		return
	}
	if d == nil {
		p.result(id, "app", check.Fail, check.Probed, from+" No metadata found. Tried: "+strings.Join(p.oauth.asAttempts, "; ")+".", stepASMeta)
		return
	}
	if d.Issuer != p.oauth.issuer {
		p.result(id, "app", check.Fail, check.Probed, fmt.Sprintf("%s Metadata at %s says issuer %s, which is not exactly that issuer; %s.", from, quote(p.oauth.asURL), quote(d.Issuer), p.oauth.sdkVerdict), stepASMeta)
		return
	}
	if d.AuthorizationEndpoint == "" || d.TokenEndpoint == "" {
		p.result(id, "app", check.Fail, check.Probed, fmt.Sprintf("%s Metadata at %s lacks authorization_endpoint or token_endpoint.", from, quote(p.oauth.asURL)), stepASMeta)
		return
	}
	p.result(id, "app", check.Pass, check.Probed, fmt.Sprintf("%s Metadata found at %s with a matching issuer; %s.", from, quote(p.oauth.asURL), p.oauth.sdkVerdict), stepASMeta)
}

func (p *prober) checkPKCE() {
	const id = "auth.pkce-s256"
	d := p.oauth.as
	if d == nil {
		p.result(id, "app", check.NA, check.Probed, "Not judged: no authorization server metadata was found (see auth.as-metadata).", stepASMeta)
		return
	}
	ms := d.CodeChallengeMethods
	switch {
	case len(ms) == 0:
		p.result(id, "app", check.Fail, check.Probed, "The AS metadata has no code_challenge_methods_supported; MCP clients must refuse such a server.", stepASMeta)
	case !containsFold(ms, "S256"):
		p.result(id, "app", check.Fail, check.Probed, fmt.Sprintf("code_challenge_methods_supported is %s, without S256.", quote(strings.Join(ms, ", "))), stepASMeta)
	default:
		p.result(id, "app", check.Pass, check.Probed, fmt.Sprintf("code_challenge_methods_supported is %s.", quote(strings.Join(ms, ", "))), stepASMeta)
	}
}

func (p *prober) registerClient(ctx context.Context) {
	const id = "auth.client-registration"
	d := p.oauth.as
	if d == nil {
		p.result(id, "app", check.NA, check.Probed, "Not judged: no authorization server metadata was found (see auth.as-metadata).", stepASMeta)
		return
	}
	if d.RegistrationEndpoint == "" {
		switch {
		case d.CIMD:
			p.result(id, "app", check.Pass, check.Probed, "The AS offers Client ID Metadata Documents (client_id_metadata_document_supported) and no DCR endpoint.", stepASMeta)
		case p.m.Server.Auth.Registration == manifest.RegistrationStatic:
			p.result(id, "app", check.Warn, check.Probed, "The AS offers neither DCR nor CIMD; the manifest declares a pre-registered (static) client, which must be configured by hand.", stepASMeta)
		default:
			p.result(id, "app", check.Fail, check.Probed, "The AS metadata offers neither registration_endpoint (DCR) nor client_id_metadata_document_supported (CIMD).", stepASMeta)
		}
		return
	}
	body, _ := json.Marshal(map[string]any{
		"redirect_uris":              []string{"http://127.0.0.1:8976/callback"},
		"token_endpoint_auth_method": "none",
		"grant_types":                []string{"authorization_code", "refresh_token"},
		"response_types":             []string{"code"},
		"application_type":           "native",
		"client_name":                "dossier probe",
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.RegistrationEndpoint, bytes.NewReader(body))
	if err != nil {
		p.result(id, "app", check.Fail, check.Probed, fmt.Sprintf("registration_endpoint %s is not a usable URL.", quote(d.RegistrationEndpoint)), stepASMeta)
		return
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := p.hc.Do(req)
	if err != nil {
		p.result(id, "app", check.Error, check.Probed, fmt.Sprintf("The registration request to %s got no answer: %s.", quote(d.RegistrationEndpoint), unwrapURLError(err)), stepDCR)
		return
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var reg struct {
		ClientID string `json:"client_id"`
	}
	_ = json.Unmarshal(raw, &reg)
	cimd := ""
	if d.CIMD {
		cimd = " The AS also offers CIMD."
	}
	switch {
	case inconclusive(resp.StatusCode):
		p.result(id, "app", check.Error, check.Probed, fmt.Sprintf("Not judged: a minimal DCR registration got HTTP %d, which says neither that registration works nor that it does not; run again later.%s", resp.StatusCode, cimd), stepASMeta, stepDCR)
	case resp.StatusCode == http.StatusCreated && reg.ClientID != "":
		p.result(id, "app", check.Pass, check.Probed, fmt.Sprintf("A minimal DCR registration got 201 with a client_id.%s", cimd), stepASMeta, stepDCR)
	case resp.StatusCode/100 == 2 && reg.ClientID != "":
		p.result(id, "app", check.Warn, check.Probed, fmt.Sprintf("A minimal DCR registration got HTTP %d (RFC 7591 says 201) with a client_id.%s", resp.StatusCode, cimd), stepASMeta, stepDCR)
	default:
		p.result(id, "app", check.Fail, check.Probed, fmt.Sprintf("A minimal DCR registration got HTTP %d without a client_id.%s", resp.StatusCode, cimd), stepASMeta, stepDCR)
	}
}

// checkHTTPS judges every endpoint URL the probe learned.
func (p *prober) checkHTTPS() {
	type ep struct{ what, u string }
	eps := []ep{{"MCP URL", p.mcpURL.String()}}
	if p.oauth.prmURL != "" {
		eps = append(eps, ep{"PRM", p.oauth.prmURL})
	}
	if p.oauth.prm != nil {
		for _, a := range p.oauth.prm.AuthorizationServers {
			eps = append(eps, ep{"authorization server", a})
		}
	}
	if d := p.oauth.as; d != nil {
		eps = append(eps, ep{"AS metadata", p.oauth.asURL}, ep{"authorization endpoint", d.AuthorizationEndpoint}, ep{"token endpoint", d.TokenEndpoint})
		if d.RegistrationEndpoint != "" {
			eps = append(eps, ep{"registration endpoint", d.RegistrationEndpoint})
		}
	}
	var bad, loop []string
	for _, e := range eps {
		u, err := url.Parse(e.u)
		if err != nil || u.Host == "" {
			bad = append(bad, e.what+" "+quote(e.u)+" (not an absolute URL)")
			continue
		}
		if u.Scheme == "https" {
			continue
		}
		if isLoopbackHost(u.Hostname()) {
			loop = append(loop, e.what)
			continue
		}
		bad = append(bad, e.what+" "+quote(e.u))
	}
	steps := []string{stepUnauth, stepPRM, stepASMeta}
	if len(bad) > 0 {
		p.result("auth.https", "app", check.Fail, check.Probed, "Plain HTTP off loopback: "+strings.Join(bad, ", ")+".", steps...)
		return
	}
	detail := fmt.Sprintf("All %d endpoints use HTTPS.", len(eps))
	if len(loop) > 0 {
		detail = fmt.Sprintf("All %d endpoints use HTTPS or a loopback host; plain http is accepted on loopback (%s).", len(eps), strings.Join(loop, ", "))
	}
	p.result("auth.https", "app", check.Pass, check.Probed, detail, steps...)
}

// jwtAudience reads the aud claim of a JWT access token without verifying
// it (the probe holds no keys; it only reports what the token claims).
func jwtAudience(tok string) []string {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil
	}
	var claims struct {
		Aud json.RawMessage `json:"aud"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return nil
	}
	var one string
	if json.Unmarshal(claims.Aud, &one) == nil && one != "" {
		return []string{one}
	}
	var many []string
	_ = json.Unmarshal(claims.Aud, &many)
	return many
}

func containsFold(ss []string, want string) bool {
	for _, s := range ss {
		if strings.EqualFold(s, want) {
			return true
		}
	}
	return false
}

func (p *prober) ensureOAuth() {
	if p.obs.OAuth == nil {
		p.obs.OAuth = &live.OAuth{Obtained: "none"}
		if p.token != nil {
			p.obs.OAuth.Obtained = "env"
			if strings.HasPrefix(p.token.Source, "dcr+pkce") {
				p.obs.OAuth.Obtained = "dcr+pkce"
			}
			p.obs.OAuth.TokenScopes = p.token.Scopes
			p.obs.OAuth.TokenExpiresIn = p.token.ExpiresIn
			p.obs.OAuth.TokenAudience = jwtAudience(p.token.Value)
		}
	}
}
