package collect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/dossier-dev/dossier/collect/mcpsdk"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/live"
)

const (
	stepListSDK   = "tools/list (SDK session)"
	stepListRaw   = "tools/list (raw JSON, same session)"
	stepResources = "resources/list"
)

// probeSession opens the authenticated SDK session at 2025-11-25 and, if
// that fails, lets the SDK try server/discover.
func (p *prober) probeSession(ctx context.Context) {
	p.progress("initialize")
	sctx, cancel := p.sdkCtx(withBearer(withStep(ctx, stepInit), p.bearer()))
	defer cancel()
	s, err := mcpsdk.Connect(sctx, p.mcpURL.String(), p.hc, version20251125)
	if err != nil {
		p.listErr = err
		sctx2, cancel2 := p.sdkCtx(withBearer(withStep(ctx, stepInit), p.bearer()))
		defer cancel2()
		s2, err2 := mcpsdk.Connect(sctx2, p.mcpURL.String(), p.hc, "")
		if err2 != nil {
			p.initStatus, _ = p.rec.lastStatus(stepInit)
			if p.initStatus != http.StatusUnauthorized {
				p.diagnoseSession(ctx)
			}
			return
		}
		s, p.listErr = s2, nil
	}
	p.session = s
	p.info = s.Info()
	srv := &p.obs.Server
	srv.Reached = true
	srv.ProtocolVersion, srv.Name, srv.Title, srv.Version = visible(p.info.ProtocolVersion, false), visible(p.info.Name, false), visible(p.info.Title, false), visible(p.info.Version, false)
	srv.Instructions, srv.Capabilities = visible(p.info.Instructions, true), p.info.Capabilities
	srv.Era = live.EraStateful
	if p.info.ProtocolVersion >= version20260728 {
		srv.Era = live.EraStateless
	}
	srv.Stateful = p.info.SessionID != ""
}

// postDiscover posts a raw server/discover to learn whether the server
// speaks the stateless era; checkDiscover judges the answer.
func (p *prober) postDiscover(ctx context.Context) {
	ctx = withStep(ctx, stepDiscover)
	caps := map[string]any{"extensions": map[string]any{mcpsdk.UIExtension: map[string]any{"mimeTypes": []string{mcpsdk.UIMIMEType}}}}
	p.discover = p.post(ctx, rawCall{
		method: "server/discover",
		params: map[string]any{"_meta": map[string]any{
			"io.modelcontextprotocol/protocolVersion":    version20260728,
			"io.modelcontextprotocol/clientInfo":         map[string]any{"name": "dossier", "version": "0"},
			"io.modelcontextprotocol/clientCapabilities": caps,
		}},
		token:   p.bearer(),
		version: version20260728,
		header:  map[string][]string{"Mcp-Method": {"server/discover"}},
	})
}

// checkDiscover judges the handshake from the SDK session and the answer
// to server/discover.
func (p *prober) checkDiscover() {
	rep := p.discover
	var res struct {
		SupportedVersions []string `json:"supportedVersions"`
	}
	answered := rep.ok() && json.Unmarshal(rep.result, &res) == nil
	if answered {
		p.obs.Server.DiscoverVersions = res.SupportedVersions
		for _, v := range res.SupportedVersions {
			if v >= version20260728 {
				p.obs.Server.Discover = true
			}
		}
		if p.obs.Server.Discover && !p.obs.Server.Reached {
			p.obs.Server.Reached, p.obs.Server.Era = true, live.EraStateless
		}
	}
	var disc string
	switch {
	case p.obs.Server.Discover:
		disc = fmt.Sprintf("server/discover (stateless era) is supported, with versions %s", quote(strings.Join(res.SupportedVersions, ", ")))
	case answered:
		disc = fmt.Sprintf("server/discover answers but lists only %s, so the stateless 2026-07-28 era is not supported", quote(strings.Join(res.SupportedVersions, ", ")))
	default:
		disc = "server/discover (2026-07-28) is not supported (" + rep.describe() + ")"
	}
	const id = "transport.handshake"
	p.diagnose()
	switch {
	case p.session != nil:
		srv := p.obs.Server
		p.result(id, "app", check.Pass, check.Probed, fmt.Sprintf("initialize negotiated protocol %s with server %s version %s; %s.", quote(srv.ProtocolVersion), quote(srv.Name), quote(srv.Version), disc), stepInit, stepDiscover)
	case p.obs.Server.Discover:
		p.result(id, "app", check.Pass, check.Probed, fmt.Sprintf("initialize failed (%s) but %s.", quote(p.red.known(unwrapURLError(p.listErr).Error())), disc), stepInit, stepDiscover)
	case p.blocked != "":
		p.result(id, "app", check.Error, check.Probed, fmt.Sprintf("Not judged: initialize was refused: %s; %s.", p.blocked, disc), stepUnauth, stepInit, stepDiscover)
	case p.unreachable != "":
		p.result(id, "app", check.Error, check.Probed, fmt.Sprintf("Not judged: the probe could not talk MCP to the server: %s.", p.unreachable), stepUnauth, stepInit, stepDiagnose)
	default:
		msg := "no session"
		if p.listErr != nil {
			msg = unwrapURLError(p.listErr).Error()
		}
		p.result(id, "app", check.Fail, check.Probed, fmt.Sprintf("Neither initialize nor server/discover worked: initialize: %s; %s.", quote(msg), disc), stepInit, stepDiscover)
	}
}

// sdkCtx bounds one SDK call: the HTTP exchange has its own timeout, but a
// server can answer it without ever sending the matching response.
func (p *prober) sdkCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, p.bounds.Request)
}

// rawTool is a tools/list entry as the server wrote it.
type rawTool struct {
	Name            string                     `json:"name"`
	Title           string                     `json:"title"`
	Description     string                     `json:"description"`
	InputSchema     json.RawMessage            `json:"inputSchema"`
	OutputSchema    json.RawMessage            `json:"outputSchema"`
	Annotations     map[string]json.RawMessage `json:"annotations"`
	Meta            json.RawMessage            `json:"_meta"`
	SecuritySchemes json.RawMessage            `json:"securitySchemes"`
}

// listing is what paging through one list brought back.
type listing struct {
	names []string                   // in order, each once
	items map[string]json.RawMessage // by name
	dups  []string                   // names listed twice within one page
	done  bool                       // read to its end (a page without nextCursor)
	cut   string                     // why it was not read whole, "" when done
	err   error                      // the error that ended it, if any
}

// paginate reads a list page by page within the probe's bounds. A page
// that brings only entries already listed, or a cursor seen before, is a
// listing that goes round for ever: it ends there, its repeats counted
// once, and the server is at fault (transport.limits fails). step is the
// evidence step the pages are read in.
func (p *prober) paginate(ctx context.Context, step, what string, fetch func(cursor string) ([]json.RawMessage, string, error)) listing {
	l := listing{items: map[string]json.RawMessage{}}
	cursors := map[string]bool{"": true}
	cursor := ""
	for page := 1; ; page++ {
		if page > p.bounds.Pages {
			msg := fmt.Sprintf("%s returned more than %d pages", what, p.bounds.Pages)
			p.rec.bound(ctx, msg, "--max-pages")
			l.cut = msg + "; raise --max-pages to read further"
			return l
		}
		items, next, err := fetch(cursor)
		if err != nil {
			l.err = err
			if h, ok := p.rec.hitDuring(step); ok {
				l.cut = fmt.Sprintf("page %d of %s was cut short: %s", page, what, h)
			} else {
				l.cut = fmt.Sprintf("page %d of %s failed: %s", page, what, quote(unwrapURLError(err).Error()))
			}
			return l
		}
		fresh := 0
		inPage := map[string]bool{}
		for _, it := range items {
			var n struct {
				Name string `json:"name"`
			}
			if json.Unmarshal(it, &n) != nil {
				continue
			}
			if inPage[n.Name] {
				l.dups = append(l.dups, n.Name)
				continue
			}
			inPage[n.Name] = true
			if _, seen := l.items[n.Name]; seen {
				continue
			}
			fresh++
			l.names = append(l.names, n.Name)
			l.items[n.Name] = it
		}
		if len(l.names) > p.bounds.Tools {
			msg := fmt.Sprintf("%s returned more than %d entries; only the first %d are judged", what, p.bounds.Tools, p.bounds.Tools)
			p.rec.bound(ctx, msg, "--max-tools")
			l.names = l.names[:p.bounds.Tools]
			l.cut = msg + "; raise --max-tools to read them all"
			return l
		}
		if next == "" {
			l.done = true
			return l
		}
		if (len(items) > 0 && fresh == 0) || cursors[next] {
			msg := fmt.Sprintf("%s never ends: page %d repeated entries already listed and still named a nextCursor; the repeats were counted once", what, page)
			p.rec.limit(ctx, msg)
			l.cut = msg
			return l
		}
		cursors[next] = true
		cursor = next
	}
}

// listTools pages through tools/list twice in the SDK session: through the
// SDK (which proves a client can) and raw (which keeps absent vs false).
func (p *prober) listTools(ctx context.Context) {
	p.listed = false
	if p.session == nil {
		return
	}
	sctx := withBearer(withStep(ctx, stepListSDK), p.bearer())
	sdk := p.paginate(sctx, stepListSDK, "tools/list", func(cursor string) ([]json.RawMessage, string, error) {
		pctx, cancel := p.sdkCtx(sctx)
		defer cancel()
		return p.session.ListTools(pctx, cursor)
	})
	if sdk.err != nil {
		p.listErr = sdk.err
	}

	// The raw listing, in the same session.
	rs := rawSession{id: p.info.SessionID, version: p.info.ProtocolVersion, token: p.bearer()}
	rctx := withStep(ctx, stepListRaw)
	raw := p.paginate(rctx, stepListRaw, "tools/list", func(cursor string) ([]json.RawMessage, string, error) {
		var params any
		if cursor != "" {
			params = map[string]any{"cursor": cursor}
		}
		rep := p.call(rctx, rs, "tools/list", params)
		var res struct {
			Tools      []json.RawMessage `json:"tools"`
			NextCursor string            `json:"nextCursor"`
		}
		if !rep.ok() {
			return nil, "", errors.New(rep.describe())
		}
		if err := json.Unmarshal(rep.result, &res); err != nil {
			return nil, "", fmt.Errorf("malformed tools/list result: %w", err)
		}
		return res.Tools, res.NextCursor, nil
	})
	use := raw
	p.rawOK = len(raw.names) > 0
	if !p.rawOK {
		use = sdk
	}
	if len(use.names) == 0 && !use.done {
		p.listCut = use.cut
		return
	}
	p.listed = true
	p.dupTools = use.dups
	if !use.done {
		p.obs.ToolsIncomplete = use.cut
	}
	for _, n := range use.names {
		p.obs.Tools = append(p.obs.Tools, parseTool(use.items[n]))
		p.rawListed = append(p.rawListed, use.items[n])
	}
}

func parseTool(raw json.RawMessage) live.Tool {
	var rt rawTool
	_ = json.Unmarshal(raw, &rt)
	t := live.Tool{Name: visible(rt.Name, false), Title: visible(rt.Title, false), Description: visible(rt.Description, true), InputSchema: rt.InputSchema, OutputSchema: nullToNil(rt.OutputSchema), Meta: nullToNil(rt.Meta)}
	hint := func(k string) *bool {
		var b bool
		if v, ok := rt.Annotations[k]; ok && json.Unmarshal(v, &b) == nil && string(v) != "null" {
			return &b
		}
		return nil
	}
	t.Hints = live.Hints{ReadOnly: hint("readOnlyHint"), Destructive: hint("destructiveHint"), OpenWorld: hint("openWorldHint"), Idempotent: hint("idempotentHint")}
	t.Fields = fields(rt.InputSchema)
	meta := metaMap(rt.Meta)
	if top, ok := parseSchemes(rt.SecuritySchemes); ok {
		t.SecuritySchemes, t.SchemesSource = top, "top-level"
	}
	if m, ok := parseSchemes(meta["securitySchemes"]); ok {
		t.MetaSecuritySchemes = m
		if t.SchemesSource == "" {
			t.SecuritySchemes, t.SchemesSource = m, "_meta"
		}
	}
	t.UILinks = uiLinks(meta)
	if len(t.UILinks) > 0 {
		t.UI = t.UILinks[0]
	}
	return t
}

// visible replaces the characters of an untrusted string that can hide or
// reorder text (controls, bidi overrides) with U+FFFD, keeping tabs and
// line breaks where text may have them. JSON decoding has already turned
// invalid UTF-8 into U+FFFD, so what is left is printable, and a name that
// carried such characters still fails tool.naming.
func visible(s string, multiline bool) string {
	return strings.Map(func(r rune) rune {
		if multiline && (r == '\n' || r == '\t') {
			return r
		}
		if unsafeRune(r) {
			return '\uFFFD'
		}
		return r
	}, s)
}

func nullToNil(r json.RawMessage) json.RawMessage {
	if len(r) == 0 || string(r) == "null" {
		return nil
	}
	return r
}

func metaMap(r json.RawMessage) map[string]json.RawMessage {
	m := map[string]json.RawMessage{}
	_ = json.Unmarshal(r, &m)
	return m
}

func uiLinks(meta map[string]json.RawMessage) []string {
	var links []string
	add := func(s string) {
		if s != "" && !slices.Contains(links, s) {
			links = append(links, s)
		}
	}
	var ui struct {
		ResourceURI string `json:"resourceUri"`
	}
	if json.Unmarshal(meta["ui"], &ui) == nil {
		add(ui.ResourceURI)
	}
	for _, k := range []string{"openai/outputTemplate", "ui/resourceUri"} {
		var s string
		if json.Unmarshal(meta[k], &s) == nil {
			add(s)
		}
	}
	return links
}

func parseSchemes(r json.RawMessage) ([]live.SecurityScheme, bool) {
	if len(r) == 0 || string(r) == "null" {
		return nil, false
	}
	var ss []live.SecurityScheme
	if json.Unmarshal(r, &ss) != nil {
		return nil, false
	}
	if ss == nil {
		ss = []live.SecurityScheme{}
	}
	return ss, true
}

type schemaNode struct {
	Type        json.RawMessage        `json:"type"`
	Description string                 `json:"description"`
	Format      string                 `json:"format"`
	Pattern     string                 `json:"pattern"`
	Properties  map[string]*schemaNode `json:"properties"`
	Required    []string               `json:"required"`
	Items       json.RawMessage        `json:"items"`
	Additional  json.RawMessage        `json:"additionalProperties"`
	AnyOf       []*schemaNode          `json:"anyOf"`
	OneOf       []*schemaNode          `json:"oneOf"`
	AllOf       []*schemaNode          `json:"allOf"`
	Defs        map[string]*schemaNode `json:"$defs"`
	Definitions map[string]*schemaNode `json:"definitions"`
}

func (n *schemaNode) typeName() string {
	if n == nil {
		return ""
	}
	var s string
	if json.Unmarshal(n.Type, &s) == nil {
		return s
	}
	var ss []string
	if json.Unmarshal(n.Type, &ss) == nil {
		for _, x := range ss {
			if x != "null" {
				return x
			}
		}
	}
	return ""
}

// fields lists the top-level input properties, sorted by name.
func fields(schema json.RawMessage) []live.Field {
	var n schemaNode
	if json.Unmarshal(schema, &n) != nil {
		return nil
	}
	var out []live.Field
	for name, prop := range n.Properties {
		if prop == nil {
			prop = &schemaNode{}
		}
		out = append(out, live.Field{Name: name, Type: prop.typeName(), Description: prop.Description, Format: prop.Format, Pattern: prop.Pattern, Required: slices.Contains(n.Required, name)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
