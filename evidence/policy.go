package evidence

import (
	"net/url"
	"strings"

	"github.com/dossier-dev/dossier/pack/live"
)

// Allow-list classes: which declared list governs a request.
const (
	classConnect  = "connect"  // fetch, XHR, WebSocket, EventSource, beacons: connectDomains
	classResource = "resource" // scripts, styles, images, fonts, media: resourceDomains
	classFrame    = "frame"    // nested frames: frameDomains
)

// policy is the CSP applied to one widget document, and the allow-lists it
// was built from, for judging requests.
type policy struct {
	header   string
	declared bool
	dropped  []string // entries refused because they would inject directives
	self     *url.URL // the frame origin, which 'self' names
	connect  []string
	resource []string
	frame    []string
}

// buildPolicy maps a declared CSP (live.CSP already merges _meta.ui.csp and
// openai/widgetCSP) onto the MCP Apps template:
//
//	default-src 'none'; script-src 'self' 'unsafe-inline' <res>; style-src 'self' 'unsafe-inline' <res>;
//	connect-src 'self' <conn>; img-src 'self' data: <res>; font-src 'self' <res>;
//	media-src 'self' data: <res>; frame-src <frame or 'none'>; object-src 'none';
//	base-uri <base or 'self'>
//
// With no CSP declared it applies the restrictive default the spec makes
// hosts use: the same shape with every list empty and connect-src 'none'.
// redirect_domains are not CSP (they are openExternal targets) and are
// ignored. report-uri always points at the harness; report-to is left out on
// purpose: Chrome 156 then ignores report-uri and batches reports through
// the Reporting API, which delivered nothing within seconds in our tests.
func buildPolicy(c *live.CSP, self *url.URL, reportURI string) policy {
	p := policy{self: self, declared: c != nil}
	var base []string
	if c != nil {
		p.connect = p.keep(c.Connect)
		p.resource = p.keep(c.Resource)
		p.frame = p.keep(c.Frame)
		base = p.keep(c.BaseURI)
	}
	res := strings.Join(p.resource, " ")
	list := func(prefix string, l string) string {
		if l == "" {
			return prefix
		}
		return prefix + " " + l
	}
	connect := list("'self'", strings.Join(p.connect, " "))
	if c == nil {
		connect = "'none'"
	}
	frame := strings.Join(p.frame, " ")
	if frame == "" {
		frame = "'none'"
	}
	baseURI := strings.Join(base, " ")
	if baseURI == "" {
		baseURI = "'self'"
	}
	directives := []string{
		"default-src 'none'",
		list("script-src 'self' 'unsafe-inline'", res),
		list("style-src 'self' 'unsafe-inline'", res),
		"connect-src " + connect,
		list("img-src 'self' data:", res),
		list("font-src 'self'", res),
		list("media-src 'self' data:", res),
		"frame-src " + frame,
		"object-src 'none'",
		"base-uri " + baseURI,
		"report-uri " + reportURI,
	}
	p.header = strings.Join(directives, "; ")
	return p
}

// keep drops entries that are not plain source expressions: anything with
// whitespace, ';', ',', quotes or control characters could add directives
// or keywords (such as 'unsafe-eval') to the header.
func (p *policy) keep(entries []string) []string {
	var out []string
	for _, e := range entries {
		if e == "" || strings.ContainsAny(e, " \t\r\n;,'\"\x00") || strings.ContainsFunc(e, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
			p.dropped = append(p.dropped, e)
			continue
		}
		out = append(out, e)
	}
	return out
}

// allows reports whether a request to u of the given class is inside the
// declared allow-list (or goes to the harness's own frame origin, 'self').
// Non-network schemes (data:, blob:, about:) are never egress.
func (p policy) allows(class string, u *url.URL) bool {
	switch u.Scheme {
	case "http", "https", "ws", "wss":
	default:
		return true
	}
	if class != classFrame && sameOrigin(p.self, u) {
		return true
	}
	var list []string
	switch class {
	case classConnect:
		list = p.connect
	case classResource:
		list = p.resource
	case classFrame:
		list = p.frame
	}
	for _, e := range list {
		if sourceMatches(e, u, p.self.Scheme) {
			return true
		}
	}
	return false
}

func sameOrigin(a, u *url.URL) bool {
	return a != nil && httpScheme(a.Scheme) == httpScheme(u.Scheme) && strings.EqualFold(a.Hostname(), u.Hostname()) && port(a) == port(u)
}

// httpScheme maps ws/wss onto http/https, as CSP matching does.
func httpScheme(s string) string {
	switch s {
	case "ws":
		return "http"
	case "wss":
		return "https"
	}
	return s
}

func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if httpScheme(u.Scheme) == "https" {
		return "443"
	}
	return "80"
}

// sourceMatches implements CSP3 source-expression matching closely enough
// for auditing: "*", scheme-only sources ("https:"), and host sources with
// an optional scheme, a "*." subdomain wildcard, a port (":*" for any) and
// a path (prefix when it ends in "/").
func sourceMatches(expr string, u *url.URL, selfScheme string) bool {
	scheme := httpScheme(u.Scheme)
	if expr == "*" {
		return true
	}
	if strings.HasSuffix(expr, ":") && !strings.Contains(expr, "/") {
		return schemeMatches(strings.TrimSuffix(strings.ToLower(expr), ":"), scheme)
	}
	rest := expr
	var es string
	if i := strings.Index(rest, "://"); i >= 0 {
		es, rest = strings.ToLower(rest[:i]), rest[i+3:]
		if !schemeMatches(es, scheme) {
			return false
		}
	} else if !schemeMatches(selfScheme, scheme) {
		return false
	}
	host, path := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		host, path = rest[:i], rest[i:]
	}
	hostPart, portPart := host, ""
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.HasSuffix(host, "]") {
		hostPart, portPart = host[:i], host[i+1:]
	}
	h := strings.ToLower(u.Hostname())
	hostPart = strings.ToLower(strings.Trim(hostPart, "[]"))
	switch {
	case hostPart == "*":
	case strings.HasPrefix(hostPart, "*."):
		if !strings.HasSuffix(h, hostPart[1:]) {
			return false
		}
	case h != hostPart:
		return false
	}
	switch {
	case portPart == "*":
	case portPart != "":
		if port(u) != portPart {
			return false
		}
	default:
		want := "80"
		if es == "https" || es == "wss" {
			want = "443"
		}
		// A scheme-less or http source also matches the upgraded default port.
		if p := port(u); p != want && !(want == "80" && p == "443" && scheme == "https") {
			return false
		}
	}
	if path != "" && path != "/" {
		up := u.EscapedPath()
		if strings.HasSuffix(path, "/") {
			return strings.HasPrefix(up, path)
		}
		return up == path
	}
	return true
}

// schemeMatches: a source's http also allows https (the secure upgrade).
func schemeMatches(source, scheme string) bool {
	source = httpScheme(source)
	return source == scheme || (source == "http" && scheme == "https")
}
