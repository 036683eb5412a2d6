package collect

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/manifest"
)

// rawServer answers JSON-RPC by method with whatever answer returns.
func rawServer(t *testing.T, answer func(id, method string, params json.RawMessage, w http.ResponseWriter) bool) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var msg struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
			Params json.RawMessage `json:"params"`
		}
		body, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(body, &msg)
		if msg.ID == nil {
			w.WriteHeader(http.StatusAccepted)
			return
		}
		if answer(string(msg.ID), msg.Method, msg.Params, w) {
			return
		}
		var result any = map[string]any{}
		switch msg.Method {
		case "initialize":
			w.Header().Set("Mcp-Session-Id", fmt.Sprintf("sess-%d", time.Now().UnixNano()))
			result = map[string]any{"protocolVersion": "2025-11-25", "capabilities": map[string]any{"tools": map[string]any{}}, "serverInfo": map[string]any{"name": "hostile", "version": "0"}}
		case "resources/list":
			result = map[string]any{"resources": []any{}}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": msg.ID, "result": result})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func noAuthManifest(u string) *manifest.Manifest {
	return &manifest.Manifest{
		Schema: manifest.SchemaID,
		App:    manifest.App{Name: "H", Vendor: "H", Version: "1", Description: "d", Support: "a@b.example"},
		Server: manifest.Server{URL: u, Auth: manifest.Auth{Mode: manifest.AuthNone}},
	}
}

func TestHostileEndlessCursor(t *testing.T) {
	srv := rawServer(t, func(id, method string, params json.RawMessage, w http.ResponseWriter) bool {
		if method != "tools/list" {
			return false
		}
		var p struct {
			Cursor string `json:"cursor"`
		}
		_ = json.Unmarshal(params, &p)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{"tools":[{"name":"t%s","inputSchema":{"type":"object"}}],"nextCursor":"c%s"}}`, id, p.Cursor, p.Cursor+"x")
		return true
	})
	rep, _ := runProbe(t, Options{Manifest: noAuthManifest(srv.URL + "/mcp")})
	checkInvariants(t, rep)
	r, _ := find(rep.Results, "transport.limits", "app")
	if r.Status != check.Fail || !strings.Contains(r.Detail, "pages") {
		t.Errorf("limits: %+v", r)
	}
	if len(rep.Observation.Limits) == 0 {
		t.Error("no limit recorded in the observation")
	}
}

func TestHostileHugeBody(t *testing.T) {
	srv := rawServer(t, func(id, method string, _ json.RawMessage, w http.ResponseWriter) bool {
		if method != "tools/list" {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{"tools":[{"name":"`, id)
		chunk := strings.Repeat("a", 1<<16)
		for i := 0; i < 80; i++ { // 5 MiB
			io.WriteString(w, chunk)
		}
		fmt.Fprint(w, `"}]}}`)
		return true
	})
	rep, _ := runProbe(t, Options{Manifest: noAuthManifest(srv.URL + "/mcp")})
	checkInvariants(t, rep)
	r, _ := find(rep.Results, "transport.limits", "app")
	if r.Status != check.Fail || !strings.Contains(r.Detail, "larger than") {
		t.Errorf("limits: %+v\n%s", r, dump(rep.Results))
	}
	for _, e := range rep.Evidence {
		if len(e.Data) > 4*maxTranscript {
			t.Errorf("evidence %s is %d bytes; transcripts should be truncated", e.ID, len(e.Data))
		}
	}
}

func TestHostileSilentServerEndsWithinDeadline(t *testing.T) {
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(stop) }) // runs first: release the handlers so Close returns
	m := noAuthManifest(srv.URL + "/mcp")
	m.Server.Auth.Mode = manifest.AuthOAuth
	m.App.PrivacyPolicy = srv.URL + "/privacy"
	start := time.Now()
	rep, _ := runProbe(t, Options{Manifest: m, Deadline: 3 * time.Second, RequestTimeout: 400 * time.Millisecond, Tokens: []Token{{Value: "tok-0123456789", Scopes: []string{"a"}}}})
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("probe took %s with a 3s deadline", d)
	}
	checkInvariants(t, rep)
	if r, _ := find(rep.Results, "transport.handshake", "app"); r.Status != check.Fail {
		t.Errorf("handshake: %+v", r)
	}
	if r, _ := find(rep.Results, "transport.limits", "app"); r.Status != check.Fail {
		t.Errorf("limits: %+v", r)
	}
}

func TestCrossOriginRedirectRefused(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "elsewhere")
	}))
	t.Cleanup(other.Close)
	srv := rawServer(t, func(string, string, json.RawMessage, http.ResponseWriter) bool { return false })
	mux := http.NewServeMux()
	mux.Handle("/mcp", srv.Config.Handler)
	mux.HandleFunc("/privacy", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, other.URL+"/p", http.StatusFound) })
	front := httptest.NewServer(mux)
	t.Cleanup(front.Close)
	m := noAuthManifest(front.URL + "/mcp")
	m.App.PrivacyPolicy = front.URL + "/privacy"
	rep, _ := runProbe(t, Options{Manifest: m})
	r, _ := find(rep.Results, "listing.privacy-policy", "url:"+m.App.PrivacyPolicy)
	if r.Status != check.Warn || !strings.Contains(r.Detail, "another origin") {
		t.Errorf("privacy policy: %+v", r)
	}
	if len(rep.Observation.RefusedRedirects) != 1 {
		t.Errorf("refused redirects: %v", rep.Observation.RefusedRedirects)
	}
}

func TestMixedAuthRequired(t *testing.T) {
	for _, tt := range []struct {
		name   string
		refuse bool
		want   check.Status
	}{{"refused", true, check.Pass}, {"runs without token", false, check.Fail}} {
		t.Run(tt.name, func(t *testing.T) {
			var srvURL string
			srv := rawServer(t, func(id, method string, _ json.RawMessage, w http.ResponseWriter) bool {
				w.Header().Set("Content-Type", "application/json")
				switch method {
				case "tools/list":
					fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{"tools":[{"name":"get_thing","description":"Get a thing.","inputSchema":{"type":"object"},"annotations":{"readOnlyHint":true,"destructiveHint":false,"openWorldHint":false},"securitySchemes":[{"type":"oauth2","scopes":["things:read"]}]}]}}`, id)
				case "tools/call":
					if tt.refuse {
						fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{"isError":true,"content":[{"type":"text","text":"sign in"}],"_meta":{"mcp/www_authenticate":["Bearer resource_metadata=\"%s/.well-known/oauth-protected-resource\", error=\"invalid_token\", error_description=\"sign in\""]}}}`, id, srvURL)
					} else {
						fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{"content":[{"type":"text","text":"a thing"}]}}`, id)
					}
				default:
					return false
				}
				return true
			})
			srvURL = srv.URL
			m := noAuthManifest(srv.URL + "/mcp")
			m.Server.Auth.Mode = manifest.AuthMixed
			m.Probe.Callable = []string{"get_thing"}
			m.Tools = []manifest.Tool{{Name: "get_thing", Kind: manifest.KindRead, Scopes: []string{"things:read"}}}
			rep, _ := runProbe(t, Options{Manifest: m})
			checkInvariants(t, rep)
			if r, _ := find(rep.Results, "auth.required", "app"); r.Status != tt.want {
				t.Errorf("auth.required: %+v", r)
			}
		})
	}
}
