package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
)

// maxBodyBytes bounds the request body the scope check reads.
const maxBodyBytes = 1 << 20

// prmPath is where the MCP endpoint's Protected Resource Metadata lives
// (RFC 9728 §3.1: the well-known segment inserted before the resource's path).
const prmPath = "/.well-known/oauth-protected-resource/mcp"

func (s *Server) protectedResourceMetadata() http.Handler {
	return auth.ProtectedResourceMetadataHandler(&oauthex.ProtectedResourceMetadata{
		Resource:               s.URL,
		AuthorizationServers:   []string{s.Issuer},
		ScopesSupported:        allScopes(),
		BearerMethodsSupported: []string{"header"},
		ResourceName:           "Orderly",
		ResourceDocumentation:  s.Origin + "/support",
		ResourcePolicyURI:      s.Origin + "/privacy",
		ResourceTOSURI:         s.Origin + "/terms",
	})
}

// mcpHandler is the MCP endpoint: origin check, then bearer token, then the
// tool's scope, then the SDK's Streamable HTTP handler.
func (s *Server) mcpHandler() http.Handler {
	opts := &mcp.ServerOptions{
		Instructions: "Orderly manages the signed-in customer's orders: list and open orders, search the catalog, add notes, start returns, cancel unshipped orders and email the customer about an order.",
		Capabilities: &mcp.ServerCapabilities{},
	}
	if s.flaw == flawNoResourceMetadata {
		opts.SupportedProtocolVersions = []string{"2025-06-18"}
	}
	srv := mcp.NewServer(&mcp.Implementation{Name: "orderly", Title: "Orderly", Version: "1.0.0"}, opts)
	s.scopes = map[string]string{}
	s.writes = map[string]bool{}
	s.addTools(srv)
	s.addWidgets(srv)
	srv.AddReceivingMiddleware(s.guardToolCalls, s.advertiseSchemes)
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv }, &mcp.StreamableHTTPOptions{
		DisableLocalhostProtection: s.flaw == flawNoOriginCheck,
		SessionTimeout:             30 * time.Minute,
	})
	return s.countWrites(s.checkOrigin(s.requireToken(s.requireScope(h))))
}

// countWrites counts the tools/call messages naming a write tool before
// anything can refuse them (WriteCalls). A body too large to read is left
// for requireScope to refuse.
func (s *Server) countWrites(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
		r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), r.Body))
		if err == nil && len(body) <= maxBodyBytes {
			for _, tool := range calledTools(body) {
				if s.writes[tool] {
					s.writeCalls.Add(1)
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// checkOrigin refuses browsers on other origins (DNS rebinding; MCP
// transports "Security Warning"). Requests without Origin are not from a
// browser page and pass.
func (s *Server) checkOrigin(next http.Handler) http.Handler {
	if s.flaw == flawNoOriginCheck {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); o != "" && o != s.Origin {
			writeJSON(w, http.StatusForbidden, map[string]any{
				"jsonrpc": "2.0",
				"error":   map[string]any{"code": -32600, "message": fmt.Sprintf("origin %q is not allowed", o)},
			})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// principal is who a valid token speaks for.
type principal struct {
	Subject string
	Scopes  []string
}

// denial is a refused request: its status and WWW-Authenticate challenge.
type denial struct {
	status    int
	challenge string
	code      string
	desc      string
}

// challenge builds a Bearer challenge (RFC 6750 §3). With no error code it
// is the answer to a request that carried no credentials.
func (s *Server) challenge(code, desc, scope string) string {
	var p []string
	if code != "" {
		p = append(p, fmt.Sprintf("error=%q", code), fmt.Sprintf("error_description=%q", desc))
	}
	if s.flaw != flawNoResourceMetadata {
		p = append(p, fmt.Sprintf("resource_metadata=%q", s.Origin+prmPath))
	}
	p = append(p, fmt.Sprintf("scope=%q", scope))
	return "Bearer " + strings.Join(p, ", ")
}

// authenticate validates the bearer token in h. Tokens are accepted from
// the Authorization header only: never from the query or from a session.
func (s *Server) authenticate(h http.Header) (*principal, *denial) {
	scheme, tok, _ := strings.Cut(h.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return nil, &denial{status: http.StatusUnauthorized, challenge: s.challenge("", "", scopeRead)}
	}
	claims, err := s.as.parse(strings.TrimSpace(tok))
	if err != nil && s.flaw == flawForeignAudience && errors.Is(err, jwt.ErrTokenInvalidAudience) {
		claims, err = s.as.parseAnyAudience(strings.TrimSpace(tok))
	}
	if err != nil {
		if s.flaw == flawAcceptInvalidToken && !errors.Is(err, jwt.ErrTokenInvalidAudience) && strings.TrimSpace(tok) != "" {
			return &principal{Subject: testUser, Scopes: allScopes()}, nil
		}
		desc := "the access token is invalid, expired or not meant for this server"
		return nil, &denial{http.StatusUnauthorized, s.challenge("invalid_token", desc, scopeRead), "invalid_token", desc}
	}
	return &principal{Subject: claims.Subject, Scopes: strings.Fields(claims.Scope)}, nil
}

// scopeDenial refuses a principal lacking the tool's scope, or returns nil.
func (s *Server) scopeDenial(p *principal, tool string) *denial {
	need, ok := s.scopes[tool]
	if !ok || (p != nil && slices.Contains(p.Scopes, need)) {
		return nil
	}
	desc := fmt.Sprintf("%s needs the scope %s", tool, need)
	return &denial{http.StatusForbidden, s.challenge("insufficient_scope", desc, need), "insufficient_scope", desc}
}

func (d *denial) write(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", d.challenge)
	if d.code == "" { // no credentials: no error code (RFC 6750 §3.1)
		writeJSON(w, d.status, map[string]string{"error_description": "an access token is required"})
		return
	}
	oauthError(w, d.status, d.code, d.desc)
}

// requireToken refuses every request without a valid access token.
func (s *Server) requireToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if q := r.URL.Query().Get("access_token"); s.flaw == flawTokenInQuery && q != "" && r.Header.Get("Authorization") == "" {
			r.Header.Set("Authorization", "Bearer "+q)
		}
		if _, d := s.authenticate(r.Header); d != nil {
			d.write(w)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// requireScope answers a tools/call whose token lacks the tool's scope with
// HTTP 403 insufficient_scope. It reads the JSON-RPC body (bounded) with
// exact, case-sensitive keys, as the SDK does; guardToolCalls checks again
// inside the SDK in case the two readings ever differ.
func (s *Server) requireScope(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
		if err != nil || len(body) > maxBodyBytes {
			http.Error(w, "request body too large or unreadable", http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		p, _ := s.authenticate(r.Header) // requireToken ran first
		for _, tool := range calledTools(body) {
			if d := s.scopeDenial(p, tool); d != nil {
				d.write(w)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// calledTools returns the tool names of the tools/call messages in a
// JSON-RPC body (one message or a batch).
func calledTools(body []byte) []string {
	var msgs []json.RawMessage
	if t := bytes.TrimSpace(body); len(t) > 0 && t[0] == '[' {
		json.Unmarshal(t, &msgs)
	} else {
		msgs = []json.RawMessage{body}
	}
	var names []string
	for _, m := range msgs {
		var msg map[string]json.RawMessage
		var method, name string
		var params map[string]json.RawMessage
		if json.Unmarshal(m, &msg) != nil || json.Unmarshal(msg["method"], &method) != nil || method != "tools/call" {
			continue
		}
		json.Unmarshal(msg["params"], &params)
		json.Unmarshal(params["name"], &name)
		names = append(names, name)
	}
	return names
}

// guardToolCalls re-checks the token and scope of every tools/call inside the
// SDK, from the headers of the HTTP request that carried it. A refusal here
// is a tool error carrying the challenge in _meta["mcp/www_authenticate"].
func (s *Server) guardToolCalls(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		call, ok := req.(*mcp.CallToolRequest)
		if !ok {
			return next(ctx, method, req)
		}
		var h http.Header
		if call.Extra != nil {
			h = call.Extra.Header
		}
		p, d := s.authenticate(h)
		if d == nil {
			d = s.scopeDenial(p, call.Params.Name)
		}
		if d == nil {
			return next(ctx, method, req)
		}
		return &mcp.CallToolResult{
			IsError: true,
			Content: []mcp.Content{&mcp.TextContent{Text: "Not authorized: " + d.desc}},
			Meta:    mcp.Meta{"mcp/www_authenticate": []string{d.challenge}},
		}, nil
	}
}

// listedTool is a tools/list entry with the top-level securitySchemes that
// ChatGPT reads; the SDK's Tool has no such field, so it is added here and
// mirrored from _meta.securitySchemes.
type listedTool struct {
	*mcp.Tool
	SecuritySchemes any `json:"securitySchemes,omitempty"`
}

type listedTools struct {
	mcp.ResultBase
	NextCursor string       `json:"nextCursor,omitempty"`
	Tools      []listedTool `json:"tools"`
}

func (s *Server) advertiseSchemes(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		res, err := next(ctx, method, req)
		list, ok := res.(*mcp.ListToolsResult)
		if err != nil || !ok {
			return res, err
		}
		out := &listedTools{ResultBase: mcp.ResultBase{Meta: list.Meta}, NextCursor: list.NextCursor, Tools: []listedTool{}}
		for _, t := range list.Tools {
			out.Tools = append(out.Tools, listedTool{t, t.Meta["securitySchemes"]})
		}
		return out, nil
	}
}
