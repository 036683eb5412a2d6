package collect

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"

	"github.com/dossier-dev/dossier/pack/manifest"
)

// fixture is a small OAuth-protected MCP server with its own authorization
// server, built on the go-sdk server, for tests that need a live target.
type fixture struct {
	srv      *httptest.Server
	url      string // MCP URL
	readTok  string
	writeTok string
	codes    map[string]string // code → scope
}

type fixtureOpts struct {
	noAnnotations bool // get_order lists no annotations
	openInit      bool // no bearer middleware (auth mode none)
	widgetPad     int  // bytes of comment padding in the widget's HTML, as a large bundle has
}

type orderIn struct {
	OrderID string `json:"order_id" jsonschema:"the order to look up"`
}
type orderOut struct {
	Status string `json:"status"`
}

func bp(b bool) *bool { return &b }

func newFixture(t *testing.T, o fixtureOpts) *fixture {
	t.Helper()
	f := &fixture{readTok: "read-token-0123456789abcdef", writeTok: "write-token-fedcba9876543210", codes: map[string]string{}}
	mux := http.NewServeMux()
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	origin := f.srv.URL
	f.url = origin + "/mcp"

	s := mcp.NewServer(&mcp.Implementation{Name: "fixture", Version: "1.0.0"}, nil)
	ann := &mcp.ToolAnnotations{ReadOnlyHint: true, DestructiveHint: bp(false), OpenWorldHint: bp(false)}
	if o.noAnnotations {
		ann = nil
	}
	schemes := []map[string]any{{"type": "oauth2", "scopes": []string{"orders:read"}}}
	if o.openInit {
		schemes = []map[string]any{{"type": "noauth"}}
	}
	mcp.AddTool(s, &mcp.Tool{
		Name: "get_order", Description: "Get an order's status.", Annotations: ann,
		Meta: mcp.Meta{"securitySchemes": schemes, "ui": map[string]any{"resourceUri": "ui://widget/order.html"}},
	}, func(ctx context.Context, req *mcp.CallToolRequest, in orderIn) (*mcp.CallToolResult, orderOut, error) {
		return nil, orderOut{Status: "shipped"}, nil
	})
	wschemes := []map[string]any{{"type": "oauth2", "scopes": []string{"orders:write"}}}
	if o.openInit {
		wschemes = []map[string]any{{"type": "noauth"}}
	}
	mcp.AddTool(s, &mcp.Tool{
		Name: "cancel_order", Description: "Cancel an order.",
		Annotations: &mcp.ToolAnnotations{ReadOnlyHint: false, DestructiveHint: bp(true), OpenWorldHint: bp(false)},
		Meta:        mcp.Meta{"securitySchemes": wschemes},
	}, func(ctx context.Context, req *mcp.CallToolRequest, in orderIn) (*mcp.CallToolResult, orderOut, error) {
		if ti := req.Extra.TokenInfo; ti != nil && !slices.Contains(ti.Scopes, "orders:write") {
			return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: "needs orders:write"}},
				Meta: mcp.Meta{"mcp/www_authenticate": []string{`Bearer error="insufficient_scope", error_description="needs orders:write"`}}}, orderOut{}, nil
		}
		return nil, orderOut{Status: "cancelled"}, nil
	})
	s.AddResource(&mcp.Resource{URI: "ui://widget/order.html", Name: "order", MIMEType: "text/html;profile=mcp-app"},
		func(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
			html := "<!doctype html><p>order</p>"
			if o.widgetPad > 0 {
				html += "<!--" + strings.Repeat("x", o.widgetPad) + "-->"
			}
			return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{
				URI: "ui://widget/order.html", MIMEType: "text/html;profile=mcp-app", Text: html,
				Meta: mcp.Meta{"ui": map[string]any{"csp": map[string]any{"connectDomains": []string{"https://api.example.com"}, "resourceDomains": []string{}}, "domain": "https://widget.example.com"}},
			}}}, nil
		})

	h := http.Handler(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil))
	h = http.NewCrossOriginProtection().Handler(h)
	prmURL := origin + "/.well-known/oauth-protected-resource/mcp"
	if !o.openInit {
		verify := func(ctx context.Context, tok string, r *http.Request) (*auth.TokenInfo, error) {
			exp := time.Now().Add(time.Hour)
			switch tok {
			case f.readTok:
				return &auth.TokenInfo{Scopes: []string{"orders:read"}, Expiration: exp}, nil
			case f.writeTok:
				return &auth.TokenInfo{Scopes: []string{"orders:read", "orders:write"}, Expiration: exp}, nil
			}
			return nil, auth.ErrInvalidToken
		}
		h = auth.RequireBearerToken(verify, &auth.RequireBearerTokenOptions{ResourceMetadataURL: prmURL, Scopes: []string{"orders:read"}})(h)
		mux.Handle("/.well-known/oauth-protected-resource/mcp", auth.ProtectedResourceMetadataHandler(&oauthex.ProtectedResourceMetadata{
			Resource: f.url, AuthorizationServers: []string{origin}, ScopesSupported: []string{"orders:read", "orders:write"},
		}))
		mux.HandleFunc("/.well-known/oauth-authorization-server", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]any{
				"issuer": origin, "authorization_endpoint": origin + "/authorize", "token_endpoint": origin + "/token",
				"registration_endpoint": origin + "/register", "code_challenge_methods_supported": []string{"S256"},
				"response_types_supported": []string{"code"},
			})
		})
		mux.HandleFunc("/register", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			fmt.Fprint(w, `{"client_id":"client-1","client_secret":"client-secret-abcdef123456"}`)
		})
		mux.HandleFunc("/authorize", func(w http.ResponseWriter, r *http.Request) {
			q := r.URL.Query()
			if q.Get("login_hint") != "demo" || q.Get("code_challenge_method") != "S256" || q.Get("resource") != f.url {
				http.Error(w, "needs a person", http.StatusOK)
				return
			}
			code := "authcode-" + fmt.Sprint(len(f.codes)) + "-0123456789"
			f.codes[code] = q.Get("scope")
			loc, _ := url.Parse(q.Get("redirect_uri"))
			lq := loc.Query()
			lq.Set("code", code)
			lq.Set("state", q.Get("state"))
			lq.Set("iss", origin)
			loc.RawQuery = lq.Encode()
			http.Redirect(w, r, loc.String(), http.StatusFound)
		})
		mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
			r.ParseForm()
			scope, ok := f.codes[r.Form.Get("code")]
			if !ok || r.Form.Get("code_verifier") == "" || r.Form.Get("resource") != f.url {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprint(w, `{"error":"invalid_grant"}`)
				return
			}
			tok := f.readTok
			if strings.Contains(scope, "orders:write") {
				tok = f.writeTok
			}
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 3600, "scope": scope, "refresh_token": "refresh-0123456789abcdef"})
		})
	}
	mux.Handle("/mcp", h)
	mux.HandleFunc("/privacy", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<h1>Privacy</h1>")
	})
	mux.HandleFunc("/terms", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<h1>Terms</h1>")
	})
	return f
}

// manifest is a clean manifest for the fixture.
func (f *fixture) manifest(mode string) *manifest.Manifest {
	origin := strings.TrimSuffix(f.url, "/mcp")
	m := &manifest.Manifest{
		Schema: manifest.SchemaID,
		App:    manifest.App{Name: "Fixture", Vendor: "Test", Version: "1", Description: "d", PrivacyPolicy: origin + "/privacy", Terms: origin + "/terms", Support: "help@example.com"},
		Server: manifest.Server{URL: f.url, Auth: manifest.Auth{Mode: mode, Issuer: origin, Registration: manifest.RegistrationDCR}},
		Probe:  manifest.Probe{Callable: []string{"get_order"}},
		Tools: []manifest.Tool{
			{Name: "get_order", Kind: manifest.KindRead, Scopes: []string{"orders:read"}, Inputs: map[string]manifest.Input{"order_id": {Purpose: "which order"}}, Example: map[string]any{"order_id": "A1"}},
			{Name: "cancel_order", Kind: manifest.KindDestructive, Scopes: []string{"orders:write"}, Inputs: map[string]manifest.Input{"order_id": {Purpose: "which order"}}, Example: map[string]any{"order_id": "A1"}},
		},
	}
	if mode == manifest.AuthNone {
		m.Server.Auth = manifest.Auth{Mode: mode}
		for i := range m.Tools {
			m.Tools[i].Scopes = nil
		}
	}
	return m
}

func (f *fixture) tokens() []Token {
	return []Token{
		{Value: f.readTok, Scopes: []string{"orders:read"}, Source: "READ_TOKEN"},
		{Value: f.writeTok, Scopes: []string{"orders:read", "orders:write"}, Source: "WRITE_TOKEN"},
	}
}
