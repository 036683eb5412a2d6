package collect

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/dossier-dev/dossier/collect/mcpsdk"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/live"
)

// Pagination bounds. A real app lists tens of tools; 2,000 leaves room for
// the largest (and the 1,000-tool benchmark) while a server that lists
// without end is cut off with a transport.limits finding.
const (
	maxPages = 50
	maxTools = 2000
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
	switch {
	case p.session != nil:
		srv := p.obs.Server
		p.result(id, "app", check.Pass, check.Probed, fmt.Sprintf("initialize negotiated protocol %s with server %s version %s; %s.", quote(srv.ProtocolVersion), quote(srv.Name), quote(srv.Version), disc), stepInit, stepDiscover)
	case p.obs.Server.Discover:
		p.result(id, "app", check.Pass, check.Probed, fmt.Sprintf("initialize failed (%s) but %s.", p.red.known(unwrapURLError(p.listErr).Error()), disc), stepInit, stepDiscover)
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
	return context.WithTimeout(ctx, p.opts.RequestTimeout)
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

// listTools pages through tools/list twice in the SDK session: through the
// SDK (which proves a client can) and raw (which keeps absent vs false).
func (p *prober) listTools(ctx context.Context) {
	p.listed = false
	if p.session == nil {
		return
	}
	var names []string
	sdkTools := map[string]json.RawMessage{}
	cursor := ""
	sctx := withBearer(withStep(ctx, stepListSDK), p.bearer())
	for page := 0; ; page++ {
		if page == maxPages {
			p.rec.limit(ctx, fmt.Sprintf("tools/list returned more than %d pages", maxPages))
			break
		}
		pctx, cancel := p.sdkCtx(sctx)
		ts, next, err := p.session.ListTools(pctx, cursor)
		cancel()
		if err != nil {
			p.listErr = err
			break
		}
		for _, t := range ts {
			var n struct {
				Name string `json:"name"`
			}
			if json.Unmarshal(t, &n) == nil {
				if _, dup := sdkTools[n.Name]; !dup {
					names = append(names, n.Name)
				}
				sdkTools[n.Name] = t
			}
		}
		if len(names) > maxTools {
			break
		}
		if next == "" {
			p.listed = true
			break
		}
		cursor = next
	}

	// The raw listing, in the same session.
	rs := rawSession{id: p.info.SessionID, version: p.info.ProtocolVersion, token: p.bearer()}
	rctx := withStep(ctx, stepListRaw)
	cursor = ""
	p.rawTools = map[string]json.RawMessage{}
	var order []string
	for page := 0; page < maxPages; page++ {
		var params any
		if cursor != "" {
			params = map[string]any{"cursor": cursor}
		}
		rep := p.call(rctx, rs, "tools/list", params)
		var res struct {
			Tools      []json.RawMessage `json:"tools"`
			NextCursor string            `json:"nextCursor"`
		}
		if !rep.ok() || json.Unmarshal(rep.result, &res) != nil {
			break
		}
		for _, t := range res.Tools {
			var n struct {
				Name string `json:"name"`
			}
			if json.Unmarshal(t, &n) == nil {
				if _, dup := p.rawTools[n.Name]; !dup {
					order = append(order, n.Name)
					p.rawTools[n.Name] = t
				} else {
					p.dupTools = append(p.dupTools, n.Name)
				}
			}
		}
		if len(order) > maxTools {
			break
		}
		if res.NextCursor == "" {
			break
		}
		if page == maxPages-1 {
			p.rec.limit(ctx, fmt.Sprintf("tools/list returned more than %d pages", maxPages))
		}
		cursor = res.NextCursor
	}
	if len(order) > maxTools || len(names) > maxTools {
		p.rec.limit(ctx, fmt.Sprintf("tools/list returned more than %d tools; only the first %d are judged", maxTools, maxTools))
		order = order[:min(len(order), maxTools)]
		names = names[:min(len(names), maxTools)]
	}
	if !p.listed && len(order) == 0 {
		return
	}
	p.rawOK = len(order) > 0
	if !p.rawOK {
		order = names
	}
	p.listed = true
	for _, n := range order {
		raw, ok := p.rawTools[n]
		if !ok {
			raw = sdkTools[n]
		}
		p.obs.Tools = append(p.obs.Tools, parseTool(raw))
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
