package collect

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/mail"
	"net/url"
	"strings"

	"github.com/dossier-dev/dossier/pack/check"
)

// probeListing fetches the listing's policy and support URLs, all at once.
func (p *prober) probeListing(ctx context.Context) {
	p.together(ctx, p.checkPrivacyPolicy, p.checkTerms, p.checkSupport)
}

func (p *prober) checkPrivacyPolicy(ctx context.Context) {
	if pp := p.m.App.PrivacyPolicy; pp == "" {
		p.result("listing.privacy-policy", "app", check.Fail, check.Absent, "No privacy policy URL is declared.")
	} else {
		p.checkDocURL(ctx, "listing.privacy-policy", "privacy policy", pp, true)
	}
}

func (p *prober) checkTerms(ctx context.Context) {
	if t := p.m.App.Terms; t == "" {
		p.result("listing.terms", "app", check.Warn, check.Absent, "No terms-of-service URL is declared.")
	} else {
		p.checkDocURL(ctx, "listing.terms", "terms of service", t, true)
	}
}

func (p *prober) checkSupport(ctx context.Context) {
	sup := strings.TrimSpace(p.m.App.Support)
	switch {
	case sup == "":
		p.result("listing.support-contact", "app", check.Fail, check.Absent, "No support contact is declared.")
	case strings.HasPrefix(strings.ToLower(sup), "http://") || strings.HasPrefix(strings.ToLower(sup), "https://"):
		p.checkDocURL(ctx, "listing.support-contact", "support page", sup, false)
	default:
		addr := strings.TrimPrefix(sup, "mailto:")
		if a, err := mail.ParseAddress(addr); err == nil && strings.Contains(a.Address, "@") && !strings.ContainsAny(a.Address, " ") {
			p.result("listing.support-contact", "app", check.Pass, check.Declared, fmt.Sprintf("Support email %s is declared (not verified).", quote(a.Address)))
		} else {
			p.result("listing.support-contact", "app", check.Fail, check.Declared, fmt.Sprintf("The support contact %s is neither an email address nor an HTTPS URL.", quote(sup)))
		}
	}
}

// checkDocURL GETs a listing URL: 200 over HTTPS (or loopback http) and,
// for documents, an HTML or PDF body.
func (p *prober) checkDocURL(ctx context.Context, id, what, raw string, document bool) {
	sub := "url:" + raw
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		p.result(id, sub, check.Fail, check.Declared, fmt.Sprintf("The %s URL %s is not an absolute http(s) URL.", what, quote(raw)))
		return
	}
	note := ""
	if u.Scheme == "http" {
		if !isLoopbackHost(u.Hostname()) {
			p.result(id, sub, check.Fail, check.Declared, fmt.Sprintf("The %s URL %s is plain HTTP; HTTPS is required.", what, quote(raw)))
			return
		}
		note = " Plain http is accepted because the host is loopback."
	}
	step := "GET " + what
	if ctx.Err() != nil {
		p.result(id, sub, check.Error, check.Absent, fmt.Sprintf("The %s at %s was not fetched: the probe's deadline had passed.", what, quote(raw)))
		return
	}
	req, err := http.NewRequestWithContext(withStep(ctx, step), http.MethodGet, raw, nil)
	if err != nil {
		p.result(id, sub, check.Fail, check.Declared, fmt.Sprintf("The %s URL %s cannot be requested.", what, quote(raw)))
		return
	}
	req.Header.Set("Accept", "text/html, application/pdf;q=0.9, */*;q=0.1")
	resp, err := p.hc.Do(req)
	if err != nil {
		// No answer is not an answer: the page may well be there.
		p.result(id, sub, check.Error, check.Probed, fmt.Sprintf("Not judged: the %s at %s did not answer (%s); check that the URL is right and reachable from here.", what, quote(raw), quote(unwrapURLError(err).Error())), step)
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxTranscript))
	resp.Body.Close()
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	switch {
	case resp.StatusCode/100 == 3:
		p.result(id, sub, check.Warn, check.Probed, fmt.Sprintf("The %s at %s redirects to another origin (%s), which the probe does not follow; a person should check the target.%s", what, quote(raw), quote(resp.Header.Get("Location")), note), step)
	case inconclusive(resp.StatusCode):
		// A server error, a rate limit or a timeout says nothing of
		// whether the page is there.
		p.result(id, sub, check.Error, check.Probed, fmt.Sprintf("Not judged: the %s at %s answered HTTP %d, which says neither that the page is there nor that it is not; fetch it again later.%s", what, quote(raw), resp.StatusCode, note), step)
	case resp.StatusCode != http.StatusOK:
		p.result(id, sub, check.Fail, check.Probed, fmt.Sprintf("The %s at %s answers HTTP %d.%s", what, quote(raw), resp.StatusCode, note), step)
	case document && ct != "text/html" && ct != "application/pdf":
		p.result(id, sub, check.Fail, check.Probed, fmt.Sprintf("The %s at %s answers 200 with Content-Type %s, not HTML or PDF.%s", what, quote(raw), quote(ct), note), step)
	default:
		p.result(id, sub, check.Pass, check.Probed, fmt.Sprintf("The %s at %s answers 200 (%s).%s", what, quote(raw), ct, note), step)
	}
}

// checkLimits turns the bounds that were hit into transport.limits: a
// bound the user can raise is a limit of the probe (warn, naming the flag);
// an answer no bound would hold (a listing that goes round, a stream that
// never closes, a malformed answer, a refused hop) is the server's (fail).
func (p *prober) checkLimits() {
	hits := p.rec.hits()
	var all []string
	unbounded := false
	for _, h := range hits {
		all = append(all, h.String())
		unbounded = unbounded || h.unbounded
	}
	steps := []string{stepInit, stepListSDK, stepListRaw}
	switch {
	case unbounded:
		p.result("transport.limits", "app", check.Fail, check.Probed, "The server's answers did not stay within the probe's bounds: "+strings.Join(all, "; ")+".", steps...)
	case len(hits) > 0:
		p.result("transport.limits", "app", check.Warn, check.Probed, "The probe hit its bounds: "+strings.Join(all, "; ")+". What they hid is not judged (those checks are error).", steps...)
	default:
		b := p.bounds
		p.result("transport.limits", "app", check.Pass, check.Probed, fmt.Sprintf("Every answer stayed within %d MiB (%d MiB for UI resources), %s per request, %d pages and %d tools.", b.Body>>20, b.Resource>>20, b.Request, b.Pages, b.Tools), stepUnauth, stepInit)
	}
}
