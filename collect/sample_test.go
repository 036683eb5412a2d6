package collect

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/dossier-dev/dossier/internal/synthetic"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/manifest"
	"github.com/dossier-dev/dossier/samples/app"
)

// startSample runs the sample app with one flaw ("" for none) and returns a
// manifest pointing at it and tokens for each of its probe.tokens entries.
func startSample(t *testing.T, flaw string) (*app.Server, *manifest.Manifest, []Token) {
	t.Helper()
	srv, err := app.Start(t.Context(), app.Options{Flaw: flaw})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	data := bytes.ReplaceAll(app.Manifest(), []byte(app.CanonicalOrigin), []byte(srv.Origin))
	m, err := manifest.Parse("manifest.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	return srv, m, sampleTokens(t, srv, m)
}

// sampleTokens has the sample app mint a token for each of m's
// probe.tokens entries.
func sampleTokens(t *testing.T, srv *app.Server, m *manifest.Manifest) []Token {
	t.Helper()
	var toks []Token
	for _, ts := range m.Probe.Tokens {
		v, err := srv.TokenFor(ts)
		if err != nil {
			t.Fatal(err)
		}
		toks = append(toks, Token{Value: v, Scopes: ts.Scopes, Source: ts.Env, Audience: ts.Audience})
	}
	return toks
}

func TestSampleClean(t *testing.T) {
	srv, m, toks := startSample(t, "")
	rep, _ := runProbe(t, Options{Manifest: m, Tokens: toks})
	checkInvariants(t, rep)
	if n := srv.WriteCalls(); n != 0 {
		t.Errorf("%d write calls without --allow-write", n)
	}
	for _, r := range rep.Results {
		if r.Failing() {
			t.Errorf("clean sample: %s %s %s: %s", r.Status, r.ID, r.Subject, r.Detail)
		}
	}
	if r, _ := find(rep.Results, "auth.audience", "app"); r.Status != check.Pass {
		t.Errorf("auth.audience: %+v", r)
	}
	for _, name := range m.Probe.Callable {
		if r, _ := find(rep.Results, "auth.scope-enforcement", "tool:"+name); r.Status != check.Pass || !strings.Contains(r.Detail, "insufficient_scope") {
			t.Errorf("auth.scope-enforcement on %s: %+v", name, r)
		}
		var res struct {
			Structured json.RawMessage `json:"structuredContent"`
		}
		if err := json.Unmarshal(rep.Calls[name], &res); err != nil || len(res.Structured) < 3 {
			t.Errorf("recorded result of %s: %s (%v)", name, rep.Calls[name], err)
		}
	}
	if t.Failed() || testing.Verbose() {
		t.Log("\n" + dump(rep.Results))
	}
}

func TestSampleFlaws(t *testing.T) {
	for _, f := range app.Flaws() {
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			srv, m, toks := startSample(t, f.Name)
			rep, _ := runProbe(t, Options{Manifest: m, Tokens: toks})
			checkInvariants(t, rep)
			if n := srv.WriteCalls(); n != 0 {
				t.Errorf("%d write calls without --allow-write", n)
			}
			var failing []string
			for _, r := range rep.Results {
				if r.Failing() {
					failing = append(failing, r.ID)
				}
			}
			if len(failing) != 1 || failing[0] != f.Check {
				t.Errorf("flaw %s: failing checks %v, want exactly [%s]\n%s", f.Name, failing, f.Check, dump(rep.Results))
			}
		})
	}
}

// TestWriteSafetyFromLiveHints: a manifest that calls cancel_order (live
// destructiveHint true, readOnlyHint false) a read and lists it as callable
// does not get it called: the live hints contradict the claim, which fails
// tool.write-labeled. Only --allow-write cancel_order calls it.
func TestWriteSafetyFromLiveHints(t *testing.T) {
	for _, tt := range []struct {
		name  string
		allow []string
		calls bool
	}{
		{"mislabelled read is not called", nil, false},
		{"--allow-write calls it", []string{"cancel_order"}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv, m, toks := startSample(t, "")
			for i := range m.Tools {
				if m.Tools[i].Name == "cancel_order" {
					m.Tools[i].Kind = manifest.KindRead
				}
			}
			m.Probe.Callable = append(m.Probe.Callable, "cancel_order")
			rep, _ := runProbe(t, Options{Manifest: m, Tokens: toks, AllowWrite: tt.allow})
			checkInvariants(t, rep)
			if r, _ := find(rep.Results, "tool.write-labeled", "tool:cancel_order"); r.Status != check.Fail || !strings.Contains(r.Detail, "readOnlyHint=false") {
				t.Errorf("tool.write-labeled: %+v", r)
			}
			if got := srv.WriteCalls() > 0; got != tt.calls {
				t.Errorf("%d write calls; want calls: %v", srv.WriteCalls(), tt.calls)
			}
			_, called := rep.Calls["cancel_order"]
			if called != tt.calls {
				t.Errorf("cancel_order in Calls: %v, want %v", called, tt.calls)
			}
			if !tt.calls {
				r, _ := find(rep.Results, "tool.input-validation", "tool:cancel_order")
				if r.Status != check.NA || !strings.Contains(r.Detail, "--allow-write cancel_order") {
					t.Errorf("the skipped call should name the opt-in: %+v", r)
				}
			}
		})
	}
}

// TestSampleNoSecretLeaks greps everything the report carries for the
// tokens, including one obtained by the unattended sign-in.
func TestSampleNoSecretLeaks(t *testing.T) {
	srv, m, toks := startSample(t, "")
	login, err := Login(t.Context(), LoginOptions{MCPURL: srv.URL, Scopes: []string{"orders:read"}, LoginHint: "demo"})
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	if login.Value == "" || login.Source != "dcr+pkce" {
		t.Fatalf("login: %+v", login)
	}
	toks = append(toks, login)
	rep, progress := runProbe(t, Options{Manifest: m, Tokens: toks})
	obs, _ := json.Marshal(rep.Observation)
	parts := []string{string(obs), strings.Join(progress, "\n")}
	for _, r := range rep.Results {
		parts = append(parts, r.Detail, r.Subject)
	}
	for _, e := range rep.Evidence {
		parts = append(parts, string(e.Data), e.Title)
	}
	blob := strings.Join(parts, "\n")
	for _, tok := range toks {
		if strings.Contains(blob, tok.Value) {
			t.Errorf("token from %s leaked", tok.Source)
		}
		// A JWT's signature alone is as good as a fingerprint of it.
		if i := strings.LastIndex(tok.Value, "."); i > 0 && len(tok.Value)-i > 20 && strings.Contains(blob, tok.Value[i+1:]) {
			t.Errorf("signature of the token from %s leaked", tok.Source)
		}
	}
	if r, ok := find(rep.Results, "transport.handshake", "app"); !ok || r.Status != check.Pass {
		t.Errorf("handshake: %+v", r)
	}
}

// TestWidgetsHook: the probe says it has widgets to render once, before it
// reads any of them, so that the browser can start while the probe goes
// on; a server without widgets never hears of it.
func TestWidgetsHook(t *testing.T) {
	var reads atomic.Int32
	counting := &http.Client{Transport: transportFunc(func(r *http.Request) (*http.Response, error) {
		body, err := peekBody(r)
		if err != nil {
			return nil, err
		}
		if bytes.Contains(body, []byte(`"resources/read"`)) {
			reads.Add(1)
		}
		return http.DefaultTransport.RoundTrip(r)
	})}
	hooked := func() (func(), func() []int32) {
		var mu sync.Mutex
		var seen []int32 // the resources/read requests sent by each call
		return func() {
				mu.Lock()
				defer mu.Unlock()
				seen = append(seen, reads.Load())
			}, func() []int32 {
				mu.Lock()
				defer mu.Unlock()
				return slices.Clone(seen)
			}
	}

	_, m, toks := startSample(t, "")
	hook, seen := hooked()
	rep, _ := runProbe(t, Options{Manifest: m, Tokens: toks, HTTPClient: counting, Widgets: hook})
	if got := seen(); !slices.Equal(got, []int32{0}) {
		t.Errorf("the hook saw %v resources/read requests at each call, want one call before any read", got)
	}
	if len(rep.Observation.Resources) == 0 || reads.Load() == 0 {
		t.Errorf("%d resources, %d reads: the sample's widgets were not read", len(rep.Observation.Resources), reads.Load())
	}

	srv := httptest.NewServer(synthetic.Handler(5))
	t.Cleanup(srv.Close)
	hook, seen = hooked()
	rep, _ = runProbe(t, Options{Manifest: synthetic.Manifest(srv.URL+"/mcp", 5), HTTPClient: counting, Widgets: hook})
	if got := seen(); len(got) != 0 || len(rep.Observation.Resources) != 0 {
		t.Errorf("a server without widgets: the hook was called %d times, %d resources", len(got), len(rep.Observation.Resources))
	}
}
