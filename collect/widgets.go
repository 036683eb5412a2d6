package collect

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/dossier-dev/dossier/collect/mcpsdk"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/live"
)

// UI MIME types a widget may declare.
var widgetMIMETypes = []string{"text/html;profile=mcp-app", "text/html+skybridge"}

// Hosts that serve anything from anyone: allowing them whole allows any script.
var wholeCDNs = []string{"cdn.jsdelivr.net", "unpkg.com", "cdnjs.cloudflare.com", "ajax.googleapis.com", "esm.sh", "cdn.skypack.dev", "jspm.dev", "ga.jspm.io", "rawgit.com", "raw.githubusercontent.com", "gitcdn.link", "cdn.statically.io"}

func stepRead(uri string) string { return "resources/read " + clean(uri) }

type uiMeta struct {
	UI struct {
		CSP *struct {
			Connect  []string `json:"connectDomains"`
			Resource []string `json:"resourceDomains"`
			Frame    []string `json:"frameDomains"`
			BaseURI  []string `json:"baseUriDomains"`
		} `json:"csp"`
		Domain string `json:"domain"`
	} `json:"ui"`
	OpenAICSP *struct {
		Connect  []string `json:"connect_domains"`
		Resource []string `json:"resource_domains"`
		Frame    []string `json:"frame_domains"`
		Redirect []string `json:"redirect_domains"`
	} `json:"openai/widgetCSP"`
	OpenAIDomain string `json:"openai/widgetDomain"`
}

// probeWidgets lists resources, reads every UI resource (linked or listed)
// and judges each.
func (p *prober) probeWidgets(ctx context.Context) {
	if p.session == nil {
		return
	}
	listed := map[string]mcpsdk.Resource{}
	var order []string
	linkedFrom := map[string][]string{}
	for _, t := range p.obs.Tools {
		for _, l := range t.UILinks {
			if _, ok := linkedFrom[l]; !ok {
				order = append(order, l)
			}
			linkedFrom[l] = append(linkedFrom[l], t.Name)
		}
	}
	lctx := withBearer(withStep(ctx, stepResources), p.bearer())
	cursor := ""
	for page := 0; ; page++ {
		if page == p.bounds.Pages {
			p.rec.bound(lctx, fmt.Sprintf("resources/list returned more than %d pages", p.bounds.Pages), "--max-pages")
			break
		}
		pctx, cancel := p.sdkCtx(lctx)
		rs, next, err := p.session.ListResources(pctx, cursor)
		cancel()
		if err != nil {
			break // a server without resources may refuse the method; linked widgets are still read
		}
		for _, r := range rs {
			if _, ok := listed[r.URI]; ok {
				continue
			}
			listed[r.URI] = r
			if _, linked := linkedFrom[r.URI]; !linked && (strings.HasPrefix(r.URI, "ui://") || isWidgetMIME(r.MIMEType)) {
				order = append(order, r.URI)
			}
		}
		if next == "" || len(listed) > p.bounds.Tools || next == cursor {
			break
		}
		cursor = next
	}
	if len(order) > 0 {
		if p.opts.Widgets != nil {
			p.opts.Widgets()
		}
		p.progress("reading %d UI resources", len(order))
	}
	read := make([]live.Resource, len(order))
	each := make([]func(context.Context), len(order))
	for i, uri := range order {
		each[i] = func(ctx context.Context) { read[i] = p.readWidget(ctx, uri, listed[uri], linkedFrom[uri]) }
	}
	p.together(ctx, each...)
	p.obs.Resources = append(p.obs.Resources, read...)
}

func isWidgetMIME(m string) bool {
	m = strings.ReplaceAll(strings.ToLower(m), " ", "")
	for _, w := range widgetMIMETypes {
		if m == w {
			return true
		}
	}
	return false
}

// readWidget reads and judges one UI resource and returns what it found.
func (p *prober) readWidget(ctx context.Context, uri string, entry mcpsdk.Resource, from []string) live.Resource {
	sub := "widget:" + uri
	step := stepRead(uri)
	rctx, cancel := p.sdkCtx(withReadBound(withBearer(withStep(ctx, step), p.bearer()), p.bounds.Resource, "--max-resource"))
	contents, err := p.session.ReadResource(rctx, uri)
	cancel()
	res := live.Resource{URI: uri, Name: entry.Name, MIMEType: entry.MIMEType, Meta: entry.Meta, LinkedFrom: from}
	via := "listed in resources/list"
	if len(from) > 0 {
		via = "linked from " + quote(strings.Join(from, ", "))
	}
	if h, ok := p.rec.hitDuring(step); ok && err != nil {
		// Not read whole: nothing about it is known, least of all that it
		// does not resolve.
		res.Incomplete = h.String()
		why := fmt.Sprintf("Not judged: the UI resource (%s) was not read whole: %s.", via, h)
		for _, id := range []string{"widget.resource", "widget.csp-declared", "widget.domain"} {
			p.result(id, sub, check.Error, check.Probed, why, step)
		}
		return res
	}
	if err != nil || len(contents) == 0 {
		why := "no contents"
		if err != nil {
			why = quote(unwrapURLError(err).Error())
		}
		res.Incomplete = "resources/read failed: " + why
		var rpcErr *mcpsdk.RPCError
		if err != nil && !errors.As(err, &rpcErr) {
			// No answer, or one the probe could not read: not a finding.
			for _, id := range []string{"widget.resource", "widget.csp-declared", "widget.domain"} {
				p.result(id, sub, check.Error, check.Probed, fmt.Sprintf("Not judged: resources/read of the UI resource (%s) got no usable answer: %s.", via, why), step)
			}
			return res
		}
		p.result("widget.resource", sub, check.Fail, check.Probed, fmt.Sprintf("The UI resource (%s) does not resolve via resources/read: %s.", via, why), step)
		p.result("widget.csp-declared", sub, check.NA, check.Probed, "Not judged: the resource could not be read (see widget.resource).", step)
		p.result("widget.domain", sub, check.NA, check.Probed, "Not judged: the resource could not be read (see widget.resource).", step)
		return res
	}
	c := contents[0]
	for _, x := range contents {
		if x.URI == uri {
			c = x
			break
		}
	}
	if c.MIMEType != "" {
		res.MIMEType = c.MIMEType
	}
	html := c.Text
	if html == "" && len(c.Blob) > 0 {
		html = string(c.Blob)
	}
	res.HTML = html
	res.Size = len(html)
	sum := sha256.Sum256([]byte(html))
	res.HTMLSHA256 = hex.EncodeToString(sum[:])
	// Content-item _meta wins over the list entry's.
	var listMeta, itemMeta uiMeta
	_ = json.Unmarshal(entry.Meta, &listMeta)
	_ = json.Unmarshal(c.Meta, &itemMeta)
	m := listMeta
	if c.Meta != nil {
		res.Meta = c.Meta
		if itemMeta.UI.CSP != nil || itemMeta.OpenAICSP != nil {
			m.UI.CSP, m.OpenAICSP = itemMeta.UI.CSP, itemMeta.OpenAICSP
		}
		if itemMeta.UI.Domain != "" || itemMeta.OpenAIDomain != "" {
			m.UI.Domain, m.OpenAIDomain = itemMeta.UI.Domain, itemMeta.OpenAIDomain
		}
	}
	res.CSP = cspOf(m)
	res.Domain = m.UI.Domain
	if res.Domain == "" {
		res.Domain = m.OpenAIDomain
	}

	// widget.resource
	var bad []string
	if !strings.HasPrefix(uri, "ui://") {
		bad = append(bad, "the URI is not ui://")
	}
	if !isWidgetMIME(res.MIMEType) {
		bad = append(bad, fmt.Sprintf("the MIME type is %s, not text/html;profile=mcp-app or text/html+skybridge", quote(res.MIMEType)))
	}
	if strings.TrimSpace(html) == "" {
		bad = append(bad, "the content is empty")
	}
	if len(bad) > 0 {
		p.result("widget.resource", sub, check.Fail, check.Probed, fmt.Sprintf("The UI resource (%s) resolves but %s.", via, strings.Join(bad, "; ")), step)
	} else {
		p.result("widget.resource", sub, check.Pass, check.Probed, fmt.Sprintf("The UI resource (%s) resolves with MIME type %s (%d bytes).", via, quote(res.MIMEType), len(html)), step)
	}
	p.checkCSP(sub, res.CSP, step)
	if res.Domain == "" {
		p.result("widget.domain", sub, check.Warn, check.Probed, "No widget domain (_meta.ui.domain or openai/widgetDomain) is declared; it is required for submission with UI.", step)
	} else {
		p.result("widget.domain", sub, check.Pass, check.Probed, fmt.Sprintf("The widget domain is %s.", quote(res.Domain)), step)
	}
	return res
}

func cspOf(m uiMeta) *live.CSP {
	if m.UI.CSP == nil && m.OpenAICSP == nil {
		return nil
	}
	c := &live.CSP{Source: []string{}}
	add := func(dst *[]string, src []string) {
		for _, s := range src {
			if !slices.Contains(*dst, s) {
				*dst = append(*dst, s)
			}
		}
	}
	if x := m.UI.CSP; x != nil {
		c.Source = append(c.Source, "ui.csp")
		add(&c.Connect, x.Connect)
		add(&c.Resource, x.Resource)
		add(&c.Frame, x.Frame)
		add(&c.BaseURI, x.BaseURI)
	}
	if x := m.OpenAICSP; x != nil {
		c.Source = append(c.Source, "openai/widgetCSP")
		add(&c.Connect, x.Connect)
		add(&c.Resource, x.Resource)
		add(&c.Frame, x.Frame)
		add(&c.Redirect, x.Redirect)
	}
	return c
}

// cspProblem says why one allow-list entry is too broad, or "".
func cspProblem(entry string) (problem string, loopback bool) {
	e := strings.TrimSpace(entry)
	if strings.Contains(e, "*") {
		return "a wildcard", false
	}
	low := strings.ToLower(e)
	if low == "https:" || low == "http:" || low == "https://" || low == "http://" || low == "data:" || low == "blob:" {
		return "a whole scheme", false
	}
	u, err := url.Parse(e)
	if err != nil || u.Host == "" {
		u, err = url.Parse("https://" + e)
		if err != nil || u.Host == "" {
			return "not an origin", false
		}
	}
	if u.Scheme == "http" {
		if isLoopbackHost(u.Hostname()) {
			return "", true
		}
		return "plain http:", false
	}
	for _, cdn := range wholeCDNs {
		if strings.EqualFold(u.Hostname(), cdn) && strings.Trim(u.Path, "/") == "" {
			return "a whole public CDN", false
		}
	}
	return "", false
}

func (p *prober) checkCSP(sub string, c *live.CSP, step string) {
	const id = "widget.csp-declared"
	if c == nil {
		p.result(id, sub, check.Warn, check.Probed, "No CSP is declared (_meta.ui.csp or openai/widgetCSP).", step)
		return
	}
	var bad, loop []string
	for _, list := range [][]string{c.Connect, c.Resource, c.Frame, c.BaseURI, c.Redirect} {
		for _, e := range list {
			prob, lb := cspProblem(e)
			if prob != "" {
				bad = append(bad, fmt.Sprintf("%s (%s)", quote(e), prob))
			}
			if lb {
				loop = append(loop, quote(e))
			}
		}
	}
	src := strings.Join(c.Source, " and ")
	if len(bad) > 0 {
		p.result(id, sub, check.Fail, check.Probed, fmt.Sprintf("The CSP from %s is too broad: %s.", src, strings.Join(bad, ", ")), step)
		return
	}
	detail := fmt.Sprintf("A CSP is declared in %s with %d connect and %d resource entries, none too broad.", src, len(c.Connect), len(c.Resource))
	if len(loop) > 0 {
		detail += " Plain http is accepted for loopback entries: " + strings.Join(loop, ", ") + "."
	}
	p.result(id, sub, check.Pass, check.Probed, detail, step)
}
