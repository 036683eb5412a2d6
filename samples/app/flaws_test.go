package app_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/dossier-dev/dossier/samples/app"
)

// TestFlawsObservable checks each planted flaw from outside, on the wire,
// and that what it must leave alone still works.
func TestFlawsObservable(t *testing.T) {
	tests := map[string]func(t *testing.T, s *app.Server){
		"write-readonly": func(t *testing.T, s *app.Server) {
			h := hints(rawTool(t, s, "add_order_note"))
			if h["readOnlyHint"] != "true" || h["destructiveHint"] != "false" || h["openWorldHint"] != "false" {
				t.Errorf("add_order_note hints %v, want readOnlyHint true only", h)
			}
		},
		"destructive-false": func(t *testing.T, s *app.Server) {
			if h := hints(rawTool(t, s, "cancel_order")); h["destructiveHint"] != "false" || h["readOnlyHint"] != "false" {
				t.Errorf("cancel_order hints %v, want destructiveHint false", h)
			}
		},
		"missing-annotations": func(t *testing.T, s *app.Server) {
			for _, tool := range rawTools(t, s) {
				_, has := tool["annotations"]
				if want := string(tool["name"]) != `"search_catalog"`; has != want {
					t.Errorf("%s: annotations present %v, want %v", tool["name"], has, want)
				}
			}
		},
		"sensitive-field": func(t *testing.T, s *app.Server) {
			var schema struct {
				Properties map[string]struct{ Description string }
			}
			json.Unmarshal(rawTool(t, s, "create_return")["inputSchema"], &schema)
			var names []string
			for n := range schema.Properties {
				names = append(names, n)
			}
			slices.Sort(names)
			d := schema.Properties["comment"].Description
			if !strings.Contains(d, "card number") || !strings.Contains(d, "CVV") || !slices.Equal(names, []string{"comment", "order_id", "reason", "skus"}) {
				t.Errorf("fields %v, comment %q: want the same fields, comment asking for the card number and CVV", names, d)
			}
		},
		"no-prm": func(t *testing.T, s *app.Server) {
			for _, p := range []string{"/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"} {
				if code, _ := status(t, s.Origin+p); code != http.StatusNotFound {
					t.Errorf("%s: %d, want 404", p, code)
				}
			}
			wantChallenge(t, post(t, s, rpcRequest{body: initialize("2025-11-25")}), http.StatusUnauthorized, "resource_metadata=")
			if m := metadata(t, s); m.Issuer != s.Issuer {
				t.Errorf("AS metadata issuer %q", m.Issuer)
			}
		},
		"no-resource-metadata": func(t *testing.T, s *app.Server) {
			r := post(t, s, rpcRequest{body: initialize("2025-11-25")})
			wantChallenge(t, r, http.StatusUnauthorized, `scope="orders:read"`)
			if h := r.header.Get("WWW-Authenticate"); strings.Contains(h, "resource_metadata") {
				t.Errorf("challenge %q still has resource_metadata", h)
			}
			if code, _ := status(t, s.Origin+"/.well-known/oauth-protected-resource/mcp"); code != http.StatusOK {
				t.Errorf("PRM: %d, want 200", code)
			}
			var res struct{ ProtocolVersion string }
			post(t, s, rpcRequest{token: mint(t, s, readScopes), body: initialize("2025-11-25")}).result(t, &res)
			if res.ProtocolVersion != "2025-06-18" {
				t.Errorf("negotiated %q, want 2025-06-18", res.ProtocolVersion)
			}
		},
		"no-s256": func(t *testing.T, s *app.Server) {
			if m := metadata(t, s); !slices.Equal(m.CodeChallengeMethodsSupported, []string{"plain"}) {
				t.Errorf("code_challenge_methods_supported %v, want [plain]", m.CodeChallengeMethodsSupported)
			}
			newFlow(t, s, readScopes).token(t) // S256 still works
		},
		"accept-invalid-token": func(t *testing.T, s *app.Server) {
			if r := post(t, s, rpcRequest{token: "garbage", body: initialize("2025-11-25")}); r.status != http.StatusOK {
				t.Errorf("garbage token: %d, want 200", r.status)
			}
			if r := post(t, s, rpcRequest{token: foreignToken(t, s), body: initialize("2025-11-25")}); r.status != http.StatusOK {
				t.Errorf("foreign-signed token: %d, want 200", r.status)
			}
			other, _ := s.MintTokenFor("http://127.0.0.1:1/mcp", fullScopes)
			wantChallenge(t, post(t, s, rpcRequest{token: other, body: initialize("2025-11-25")}), http.StatusUnauthorized)
			wantChallenge(t, post(t, s, rpcRequest{body: initialize("2025-11-25")}), http.StatusUnauthorized)
		},
		"accept-foreign-audience": func(t *testing.T, s *app.Server) {
			other, _ := s.MintTokenFor("http://127.0.0.1:1/other", fullScopes)
			if r := post(t, s, rpcRequest{token: other, body: initialize("2025-11-25")}); r.status != http.StatusOK {
				t.Errorf("token for another resource: %d, want 200", r.status)
			}
			for _, tok := range []string{"garbage", foreignToken(t, s)} {
				wantChallenge(t, post(t, s, rpcRequest{token: tok, body: initialize("2025-11-25")}), http.StatusUnauthorized)
			}
		},
		"no-privacy-policy": func(t *testing.T, s *app.Server) {
			if code, _ := status(t, s.Origin+"/privacy"); code != http.StatusNotFound {
				t.Errorf("/privacy: %d, want 404", code)
			}
			if code, _ := status(t, s.Origin+"/terms"); code != http.StatusOK {
				t.Errorf("/terms: %d, want 200", code)
			}
		},
		"no-origin-check": func(t *testing.T, s *app.Server) {
			r := post(t, s, rpcRequest{token: mint(t, s, readScopes), header: map[string]string{"Origin": "http://evil.example"}, body: initialize("2025-11-25")})
			if r.status != http.StatusOK {
				t.Errorf("foreign origin: %d, want 200", r.status)
			}
		},
		"token-in-query": func(t *testing.T, s *app.Server) {
			r := post(t, s, rpcRequest{query: "access_token=" + url.QueryEscape(mint(t, s, readScopes)), body: initialize("2025-11-25")})
			if r.status != http.StatusOK {
				t.Errorf("token in query: %d, want 200", r.status)
			}
			wantChallenge(t, post(t, s, rpcRequest{body: initialize("2025-11-25")}), http.StatusUnauthorized)
		},
	}
	for _, f := range app.Flaws() {
		t.Run(f.Name, func(t *testing.T) {
			observe, ok := tests[f.Name]
			if !ok {
				t.Fatal("no test observes this flaw")
			}
			observe(t, start(t, f.Name))
		})
	}
}
