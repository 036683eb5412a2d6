package collect

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/dossier-dev/dossier/internal/english"
	"github.com/dossier-dev/dossier/internal/netguard"
	"github.com/dossier-dev/dossier/pack/check"
)

// The submission.* checks: what gets a plugin submission rejected, judged
// from the plugin package (Options.Plugin) beside the manifest, and from
// the manifest's submission section where it names the facts.

const (
	stepChallenge = "GET domain verification challenge"
	challengePath = "/.well-known/openai-apps-challenge"
	maxChallenge  = 4 << 10 // a token is tens of bytes; more is not a token
)

// probeSubmission judges the submission checks. The test cases wait for
// the tool list; the rest needs only the package, the manifest and a few
// GETs.
func (p *prober) probeSubmission(ctx context.Context) {
	p.checkPackage()
	p.checkEndpoint()
	p.checkReviewer()
	p.together(ctx, p.checkDomainVerification, p.checkPluginListing)
	<-p.toolsKnown
	p.checkTestCases()
}

// findings gathers the findings of one result: the worst status wins.
type findings struct {
	fails, errs, warns, passes []string
	sev                        check.Severity
}

func (v *findings) status() check.Status {
	switch {
	case len(v.fails) > 0:
		return check.Fail
	case len(v.errs) > 0:
		return check.Error
	case len(v.warns) > 0:
		return check.Warn
	}
	return check.Pass
}

// detail says the findings, worst first.
func (v *findings) detail(lead string) string {
	var parts []string
	parts = append(parts, v.fails...)
	for _, e := range v.errs {
		parts = append(parts, "not judged: "+e)
	}
	parts = append(parts, v.warns...)
	if len(parts) == 0 {
		parts = v.passes
	}
	return lead + " " + strings.Join(parts, "; ") + "."
}

func (p *prober) emit(id string, v *findings, basis check.Basis, lead string, steps ...string) {
	st := v.status()
	if st == check.Fail && v.sev != "" {
		p.resultSev(id, "app", st, v.sev, basis, v.detail(lead), steps...)
		return
	}
	p.result(id, "app", st, basis, v.detail(lead), steps...)
}

func (p *prober) pkgLead() string {
	pkg := p.opts.Plugin
	return fmt.Sprintf("The plugin package %s (%s layout, %s):", quote(pkg.Path), pkg.Layout, pkg.Kind)
}

// sameURL compares two URLs as a client would reach them: scheme and host
// without case, a trailing slash ignored.
func sameURL(a, b string) bool {
	ua, err1 := url.Parse(strings.TrimSpace(a))
	ub, err2 := url.Parse(strings.TrimSpace(b))
	if err1 != nil || err2 != nil {
		return a == b
	}
	return strings.EqualFold(ua.Scheme, ub.Scheme) && strings.EqualFold(ua.Host, ub.Host) &&
		strings.TrimSuffix(ua.Path, "/") == strings.TrimSuffix(ub.Path, "/") && ua.RawQuery == ub.RawQuery
}

func isHTTPType(t string) bool { return t == "http" || t == "streamable-http" }

func (p *prober) checkPackage() {
	pkg := p.opts.Plugin
	if pkg == nil {
		p.result("submission.package", "app", check.NA, check.Absent, "No plugin package was given: pass --plugin PATH (the ZIP or directory you submit) to judge it.")
		return
	}
	v := &findings{}
	switch n := len(pkg.Servers); {
	case n == 0:
		v.fails = append(v.fails, "it connects no MCP server (no "+orNo(pkg.MCPFile, "MCP file")+" server entry)")
	case n > 1:
		var names []string
		for _, s := range pkg.Servers {
			names = append(names, quote(s.Name)+" at "+s.At)
		}
		v.fails = append(v.fails, fmt.Sprintf("it connects %d MCP servers (%s); only one can be connected per plugin", n, strings.Join(names, ", ")))
	}
	for _, s := range pkg.Servers {
		if !isHTTPType(s.Type) {
			v.fails = append(v.fails, fmt.Sprintf("%s: server %s is of type %s, not http (a remote Streamable HTTP server)", s.At, quote(s.Name), quote(s.Type)))
		}
		if !sameURL(s.URL, p.m.Server.URL) {
			v.fails = append(v.fails, fmt.Sprintf("%s: server %s points at %s, but the manifest's server is %s", s.At, quote(s.Name), quote(s.URL), quote(p.m.Server.URL)))
		}
	}
	for _, f := range pkg.Credentials {
		v.fails = append(v.fails, "a credential: "+f.String())
		v.sev = check.Critical
	}
	for _, f := range append(pkg.AppRefs, pkg.Hooks...) {
		v.fails = append(v.fails, f.String()+", which public submission does not accept yet")
	}
	for _, f := range pkg.Problems {
		v.fails = append(v.fails, f.String())
	}
	for _, a := range pkg.Assets {
		switch {
		case a.Remote:
			v.warns = append(v.warns, fmt.Sprintf("%s: %s is a URL (%s), not a file in the package; it was not fetched", a.At, a.Field, quote(a.Ref)))
		case !a.Found:
			v.fails = append(v.fails, fmt.Sprintf("%s: %s names %s, which is not in the package", a.At, a.Field, quote(a.Ref)))
		case a.Icon && a.Width == 0:
			v.warns = append(v.warns, fmt.Sprintf("%s: the size of %s (%s) could not be read", a.At, a.Field, quote(a.Ref)))
		case a.Icon && (a.Width != a.Height || (a.Format != "svg" && a.Width < 48)):
			v.warns = append(v.warns, fmt.Sprintf("%s: %s is %d×%d px; icons should be square and at least 48 px (a limit third parties report, not OpenAI's own pages)", a.At, a.Field, a.Width, a.Height))
		}
	}
	if len(pkg.Servers) == 1 && isHTTPType(pkg.Servers[0].Type) {
		v.passes = append(v.passes, fmt.Sprintf("one http MCP server at %s, as the manifest says; no credentials, app references or hooks; %d referenced %s present", quote(pkg.Servers[0].URL), len(pkg.Assets), english.Plural(len(pkg.Assets), "asset", "assets")))
	}
	lead := p.pkgLead()
	if n := len(pkg.Extra); n > 0 {
		lead += fmt.Sprintf(" (%d unknown %s where the format allows extra keys, not judged: %s)", n, english.Plural(n, "key", "keys"), pkg.Extra[0])
	}
	p.emit("submission.package", v, check.Declared, lead)
}

func orNo(s, what string) string {
	if s == "" {
		return what
	}
	return s
}

// tunnelSuffixes are domains of temporary tunnels and port forwarders,
// which a public submission must not use.
var tunnelSuffixes = []string{
	"ngrok.io", "ngrok.app", "ngrok.dev", "ngrok-free.app", "ngrok-free.dev",
	"trycloudflare.com", "loca.lt", "localtunnel.me", "serveo.net", "serveousercontent.com",
	"localhost.run", "lhr.life", "lhr.rocks", "pinggy.link", "pinggy.online", "tunnelmole.net",
	"devtunnels.ms", "bore.pub", "localto.net", "telebit.io", "localxpose.io", "loclx.io", "zrok.io",
}

// privateSuffixes are names that only resolve inside a network.
var privateSuffixes = []string{"local", "localdomain", "internal", "intranet", "lan", "home", "corp", "home.arpa", "test", "invalid", "example"}

func hasSuffix(host string, suffixes []string) string {
	for _, s := range suffixes {
		if host == s || strings.HasSuffix(host, "."+s) {
			return s
		}
	}
	return ""
}

// checkEndpoint judges the manifest's MCP URL, the one the pack probed,
// as a public submission's endpoint.
func (p *prober) checkEndpoint() {
	if p.opts.Plugin == nil && p.m.Submission == nil {
		p.result("submission.endpoint", "app", check.NA, check.Absent, "Neither a plugin package (--plugin) nor a submission section is given: no submission is being prepared.")
		return
	}
	st, why := endpointVerdict(p.mcpURL)
	p.result("submission.endpoint", "app", st, check.Declared, fmt.Sprintf("The MCP URL %s %s", quote(p.m.Server.URL), why))
}

// endpointVerdict judges an MCP URL as a public submission's endpoint, by
// its scheme and host name.
func endpointVerdict(u *url.URL) (check.Status, string) {
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	const need = "; public submission needs a stable HTTPS URL on a public domain you own."
	if isLoopbackHost(host) {
		return check.Warn, "is on loopback: this pack was made against a local or staging server, so it shows how the app behaves but not that the submitted endpoint is public. Build the submission pack against the public HTTPS URL."
	}
	if s := hasSuffix(host, tunnelSuffixes); s != "" {
		return check.Fail, "is on " + s + ", a temporary tunnel domain, which public submission refuses" + need
	}
	if a, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		if c := netguard.Classify(a); c.Kind != "" {
			return check.Fail, "is on " + c.String() + need
		}
		return check.Fail, "is on a bare IP address, not a host name (the domain verification token is served on a host name)" + need
	}
	if s := hasSuffix(host, privateSuffixes); s != "" || !strings.Contains(host, ".") {
		return check.Fail, "is on " + quote(host) + ", a name that only resolves inside a network" + need
	}
	if u.Scheme != "https" {
		return check.Fail, "uses plain HTTP" + need
	}
	return check.Pass, "is HTTPS on the public host name " + quote(host) + " (judged by name: the probe reached it, its DNS records were not audited)."
}

// checkReviewer: the reviewer's sign-in runs in a browser, which the
// probe has not; the pipeline replaces this result with the one it judges
// (cmd/internal/pipeline/reviewer.go).
func (p *prober) checkReviewer() {
	sub := p.m.Submission
	if sub == nil || sub.Reviewer == nil {
		p.result("submission.reviewer-account", "app", check.NA, check.Absent, "No reviewer test account is declared (submission.reviewer names the environment variables holding it).")
		return
	}
	p.result("submission.reviewer-account", "app", check.Error, check.Absent, fmt.Sprintf(
		"Not judged by the probe alone: the reviewer account in $%s and $%s signs in in a browser, which dossier check and build do.",
		sub.Reviewer.UsernameEnv, sub.Reviewer.PasswordEnv))
}

// challengeBase is the origin the token is served on: the declared parent
// domain, or the MCP URL's origin.
func (p *prober) challengeBase() (string, string) {
	if d := strings.TrimSpace(p.m.Submission.ChallengeDomain); d != "" {
		u, err := url.Parse(d)
		if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return "", fmt.Sprintf("submission.challengeDomain %s is not an HTTPS origin", quote(d))
		}
		mcp, parent := strings.ToLower(p.mcpURL.Hostname()), strings.ToLower(u.Hostname())
		if mcp != parent && !strings.HasSuffix(mcp, "."+parent) {
			return "", fmt.Sprintf("submission.challengeDomain %s is not the MCP host %s or a parent domain of it", quote(d), quote(mcp))
		}
		return u.Scheme + "://" + u.Host, ""
	}
	return p.mcpURL.Scheme + "://" + p.mcpURL.Host, ""
}

func (p *prober) checkDomainVerification(ctx context.Context) {
	const id = "submission.domain-verification"
	sub := p.m.Submission
	token := ""
	if sub != nil {
		token = strings.TrimSpace(sub.ChallengeToken)
	}
	if token == "" {
		if p.opts.Plugin == nil {
			p.result(id, "app", check.NA, check.Absent, "No plugin package (--plugin) and no submission.challengeToken: no domain verification to check.")
			return
		}
		p.result(id, "app", check.Error, check.Absent, "Not judged: the expected token is not known. Set submission.challengeToken to the token the submission form shows (it is public: it is served to anyone).")
		return
	}
	base, bad := p.challengeBase()
	if bad != "" {
		p.result(id, "app", check.Fail, check.Declared, bad+".")
		return
	}
	target := base + challengePath
	note := ""
	if strings.HasPrefix(base, "http://") {
		if isLoopbackHost(p.mcpURL.Hostname()) {
			note = " Plain http is accepted because the host is loopback."
		} else {
			note = " It was fetched over plain HTTP; the challenge must be on an HTTPS origin (see submission.endpoint)."
		}
	}
	if ctx.Err() != nil {
		p.result(id, "app", check.Error, check.Absent, "Not judged: the probe's deadline had passed before "+quote(target)+" was fetched.")
		return
	}
	req, err := http.NewRequestWithContext(withStep(ctx, stepChallenge), http.MethodGet, target, nil)
	if err != nil {
		p.result(id, "app", check.Fail, check.Declared, "The challenge URL "+quote(target)+" cannot be requested.")
		return
	}
	req.Header.Set("Accept", "text/plain")
	resp, err := p.hc.Do(req)
	if err != nil {
		p.result(id, "app", check.Error, check.Probed, fmt.Sprintf("Not judged: %s did not answer (%s); check that the host is reachable from here.", quote(target), quote(unwrapURLError(err).Error())), stepChallenge)
		return
	}
	body, rerr := io.ReadAll(io.LimitReader(resp.Body, maxChallenge+1))
	resp.Body.Close()
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	got := strings.TrimRight(string(body), "\r\n")
	var st check.Status
	var why string
	switch {
	case inconclusive(resp.StatusCode):
		st, why = check.Error, fmt.Sprintf("answers HTTP %d, which says neither that the token is served nor that it is not; run again later", resp.StatusCode)
	case resp.StatusCode != http.StatusOK:
		st, why = check.Fail, fmt.Sprintf("answers HTTP %d", resp.StatusCode)
	case rerr != nil:
		st, why = check.Error, "answered 200 but its body could not be read ("+quote(rerr.Error())+")"
	case len(body) > maxChallenge:
		st, why = check.Fail, fmt.Sprintf("answers more than %d bytes, not a token alone", maxChallenge)
	case ct != "text/plain":
		st, why = check.Fail, fmt.Sprintf("answers Content-Type %s, not text/plain: the token must be served alone, not as JSON or HTML", quote(ct))
	case got != token:
		st, why = check.Fail, fmt.Sprintf("serves %s, not the expected token %s", quote(got), quote(token))
	default:
		st, why = check.Pass, "answers 200 text/plain with exactly the expected token"
	}
	p.result(id, "app", st, check.Probed, fmt.Sprintf("%s %s.%s", quote(target), why, note), stepChallenge)
}

// Listing limits third parties report; OpenAI's own pages do not state them.
const (
	maxNameLen        = 30
	maxSubtitleLen    = 30
	maxLongDescLen    = 4000
	maxStarterPrompts = 3
	maxPromptLen      = 128
)

func (p *prober) checkPluginListing(ctx context.Context) {
	const id = "submission.listing"
	pkg := p.opts.Plugin
	if pkg == nil {
		p.result(id, "app", check.NA, check.Absent, "No plugin package was given (--plugin PATH); the manifest's own listing is judged by the listing.* checks.")
		return
	}
	in, app := pkg.Interface, p.m.App
	v := &findings{}
	at := func(key string) string {
		if a := in.At[key]; a != "" {
			return a
		}
		return pkg.ManifestFile
	}
	for _, f := range []struct{ key, val string }{
		{"displayName", in.DisplayName}, {"shortDescription", in.ShortDescription}, {"longDescription", in.LongDescription},
		{"developerName", in.DeveloperName}, {"category", in.Category}, {"websiteURL", in.WebsiteURL},
		{"supportURL", in.SupportURL}, {"privacyPolicyURL", in.PrivacyPolicyURL}, {"termsOfServiceURL", in.TermsOfServiceURL},
	} {
		if strings.TrimSpace(f.val) == "" {
			v.fails = append(v.fails, fmt.Sprintf("%s: interface.%s is missing", pkg.ManifestFile, f.key))
		}
	}
	if len(in.DefaultPrompt) == 0 {
		v.fails = append(v.fails, pkg.ManifestFile+": interface.defaultPrompt (the starter prompts) is missing")
	}
	if in.ComposerIcon == "" && in.Logo == "" {
		v.fails = append(v.fails, pkg.ManifestFile+": neither interface.composerIcon nor interface.logo names an icon")
	}
	// Every fact both say must agree.
	disagree := func(key, pkgVal, field, manVal string, same func(a, b string) bool) {
		if pkgVal != "" && manVal != "" && !same(pkgVal, manVal) {
			v.fails = append(v.fails, fmt.Sprintf("%s: %s is %s, the manifest's %s is %s", at(key), key, quote(pkgVal), field, quote(manVal)))
		}
	}
	fold := func(a, b string) bool { return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b)) }
	disagree("displayName", in.DisplayName, "app.name", app.Name, fold)
	disagree("developerName", in.DeveloperName, "app.vendor", app.Vendor, fold)
	disagree("version", pkg.Version, "app.version", app.Version, fold)
	disagree("privacyPolicyURL", in.PrivacyPolicyURL, "app.privacyPolicy", app.PrivacyPolicy, sameURL)
	disagree("termsOfServiceURL", in.TermsOfServiceURL, "app.terms", app.Terms, sameURL)
	if strings.Contains(app.Support, "://") {
		disagree("supportURL", in.SupportURL, "app.support", app.Support, sameURL)
	}
	if sub := p.m.Submission; sub != nil {
		disagree("shortDescription", in.ShortDescription, "submission.subtitle", sub.Subtitle, fold)
		disagree("category", in.Category, "submission.category", sub.Category, fold)
	}
	low := strings.ToLower(strings.TrimSpace(in.DisplayName))
	for _, suffix := range []string{" mcp", " mcp server", " plugin"} {
		if strings.HasSuffix(low, suffix) {
			v.fails = append(v.fails, fmt.Sprintf("%s: displayName %s ends in %q, which OpenAI's guidelines forbid", at("displayName"), quote(in.DisplayName), strings.TrimSpace(suffix)))
		}
	}
	long := func(key, val string, limit int) {
		if n := len([]rune(val)); n > limit {
			v.warns = append(v.warns, fmt.Sprintf("%s: %s has %d characters, over the %d third parties report (not stated on OpenAI's own pages)", at(key), key, n, limit))
		}
	}
	long("displayName", in.DisplayName, maxNameLen)
	long("shortDescription", in.ShortDescription, maxSubtitleLen)
	long("longDescription", in.LongDescription, maxLongDescLen)
	if len(in.DefaultPrompt) > maxStarterPrompts {
		v.warns = append(v.warns, fmt.Sprintf("%s: %d starter prompts, over the %d third parties report", at("defaultPrompt"), len(in.DefaultPrompt), maxStarterPrompts))
	}
	for _, pr := range in.DefaultPrompt {
		long("defaultPrompt", pr, maxPromptLen)
	}

	// The URLs must answer and name the publisher. One the manifest names
	// too is fetched and judged once, by its listing.* check: a dead
	// privacy policy is one failure, not two.
	type page struct{ key, url string }
	var pages []page
	judged := map[string]string{app.PrivacyPolicy: "listing.privacy-policy", app.Terms: "listing.terms", app.Support: "listing.support-contact"}
	for _, pg := range []page{{"websiteURL", in.WebsiteURL}, {"supportURL", in.SupportURL}, {"privacyPolicyURL", in.PrivacyPolicyURL}, {"termsOfServiceURL", in.TermsOfServiceURL}} {
		if pg.url == "" {
			continue
		}
		if id := judgedBy(judged, pg.url); id != "" {
			v.passes = append(v.passes, fmt.Sprintf("%s %s is the manifest's, judged by %s", pg.key, quote(pg.url), id))
			continue
		}
		pages = append(pages, pg)
	}
	found := make([]pageFinding, len(pages))
	var fns []func(context.Context)
	var steps []string
	for i, pg := range pages {
		steps = append(steps, "GET plugin listing "+pg.key)
		fns = append(fns, func(ctx context.Context) { found[i] = p.fetchListingPage(ctx, "GET plugin listing "+pg.key, pg.url) })
	}
	if len(fns) > 0 {
		p.together(ctx, fns...)
	}
	publisher := in.DeveloperName
	if publisher == "" {
		publisher = app.Vendor
	}
	for i, f := range found {
		what := fmt.Sprintf("%s %s", pages[i].key, quote(pages[i].url))
		switch {
		case f.fail != "":
			v.fails = append(v.fails, what+" "+f.fail)
		case f.err != "":
			v.errs = append(v.errs, what+" "+f.err)
		case !namesPublisher(f.body, publisher, in.DisplayName):
			v.warns = append(v.warns, fmt.Sprintf("%s answers 200 but does not name %s or %s; a person should check it is the same publisher", what, quote(publisher), quote(in.DisplayName)))
		default:
			v.passes = append(v.passes, what+" answers 200"+f.note)
		}
	}
	if len(v.fails)+len(v.errs)+len(v.warns) == 0 {
		v.passes = append([]string{"complete, agrees with the manifest"}, v.passes...)
	}
	basis := check.Declared
	if len(pages) > 0 {
		basis = check.Probed
	}
	p.emit(id, v, basis, "The listing of "+p.pkgLead()[len("The "):], steps...)
}

// namesPublisher reports whether a page names the publisher or the app. A
// vendor written "Orderly Labs (sample)" is looked for without the
// parenthesis.
func namesPublisher(body []byte, names ...string) bool {
	text := strings.ToLower(string(body))
	for _, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		if i := strings.Index(n, " ("); i > 0 {
			n = n[:i]
		}
		if n != "" && strings.Contains(text, n) {
			return true
		}
	}
	return false
}

type pageFinding struct {
	fail, err, note string
	body            []byte
}

// fetchListingPage GETs a listing URL: it must answer 200 over HTTPS
// (plain http only on loopback, and said).
func (p *prober) fetchListingPage(ctx context.Context, step, raw string) pageFinding {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return pageFinding{fail: "is not an absolute https URL"}
	}
	var f pageFinding
	if u.Scheme == "http" {
		if !isLoopbackHost(u.Hostname()) {
			return pageFinding{fail: "is plain HTTP; HTTPS is required"}
		}
		f.note = " (plain http accepted on loopback)"
	}
	if ctx.Err() != nil {
		return pageFinding{err: "was not fetched: the probe's deadline had passed"}
	}
	req, err := http.NewRequestWithContext(withStep(ctx, step), http.MethodGet, raw, nil)
	if err != nil {
		return pageFinding{fail: "cannot be requested"}
	}
	req.Header.Set("Accept", "text/html, application/pdf;q=0.9, */*;q=0.1")
	resp, err := p.hc.Do(req)
	if err != nil {
		return pageFinding{err: "did not answer (" + quote(unwrapURLError(err).Error()) + "); check that it is reachable from here"}
	}
	defer resp.Body.Close()
	f.body, _ = io.ReadAll(io.LimitReader(resp.Body, maxTranscript))
	switch {
	case resp.StatusCode/100 == 3:
		return pageFinding{err: fmt.Sprintf("redirects to %s, which the probe does not follow; a person should check the target", quote(resp.Header.Get("Location")))}
	case resp.StatusCode != http.StatusOK:
		return pageFinding{fail: fmt.Sprintf("answers HTTP %d", resp.StatusCode)}
	}
	return f
}

func (p *prober) checkTestCases() {
	const id = "submission.test-cases"
	sub := p.m.Submission
	if sub == nil || len(sub.TestCases)+len(sub.NegativeTestCases) == 0 {
		if p.opts.Plugin == nil {
			p.result(id, "app", check.NA, check.Absent, "No plugin package (--plugin) and no test cases under submission: no submission is being prepared.")
			return
		}
		p.result(id, "app", check.Fail, check.Absent, "The manifest lists no test cases: the submission form wants at least five positive (submission.testCases) and three negative (submission.negativeTestCases).")
		return
	}
	v := &findings{}
	pos, neg := len(sub.TestCases), len(sub.NegativeTestCases)
	if pos < 5 {
		v.fails = append(v.fails, fmt.Sprintf("%d positive test %s, fewer than the five the form wants", pos, english.Plural(pos, "case", "cases")))
	}
	if neg < 3 {
		v.fails = append(v.fails, fmt.Sprintf("%d negative test %s, fewer than the three the form wants", neg, english.Plural(neg, "case", "cases")))
	}
	live := map[string]bool{}
	for _, t := range p.obs.Tools {
		live[t.Name] = true
	}
	for i, tc := range sub.TestCases {
		switch {
		case tc.Tool == "":
			v.warns = append(v.warns, fmt.Sprintf("submission.testCases[%d] names no expected tool", i))
		case live[tc.Tool]:
		case p.obs.ToolsIncomplete != "":
			v.errs = append(v.errs, fmt.Sprintf("submission.testCases[%d] expects %s, and the tool list was not read whole (%s)", i, quote(tc.Tool), p.obs.ToolsIncomplete))
		default:
			v.fails = append(v.fails, fmt.Sprintf("submission.testCases[%d] expects %s, which the server does not list", i, quote(tc.Tool)))
		}
	}
	v.passes = append(v.passes, fmt.Sprintf("%d positive and %d negative test cases; every tool they expect is listed live", pos, neg))
	p.emit(id, v, check.Probed, "The manifest's test cases:", stepListSDK, stepListRaw)
}

// submissionURLs are the URLs the user named through the package and the
// submission section: the probe may reach their hosts.
func submissionURLs(opts Options) []string {
	var out []string
	if pkg := opts.Plugin; pkg != nil {
		in := pkg.Interface
		out = append(out, in.WebsiteURL, in.SupportURL, in.PrivacyPolicyURL, in.TermsOfServiceURL)
	}
	if sub := opts.Manifest.Submission; sub != nil && sub.ChallengeDomain != "" {
		out = append(out, sub.ChallengeDomain)
	}
	return out
}

// judgedBy names the listing.* check that judges u, "" for none.
func judgedBy(judged map[string]string, u string) string {
	for m, id := range judged {
		if m != "" && sameURL(m, u) {
			return id
		}
	}
	return ""
}
