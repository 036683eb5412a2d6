package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dossier-dev/dossier/cmd/internal/pipeline"
	"github.com/dossier-dev/dossier/pack"
	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/contract"
	"github.com/dossier-dev/dossier/pack/manifest"
	"github.com/dossier-dev/dossier/samples/app"
)

// recorder is a reverse proxy in front of the sample app that keeps every
// request it passes on, headers, URL and body, as text.
type recorder struct {
	mu   sync.Mutex
	reqs []string
}

func (rc *recorder) handler(to *url.URL) http.Handler {
	proxy := httputil.NewSingleHostReverseProxy(to)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		var b strings.Builder
		b.WriteString(r.Method + " " + r.URL.String() + "\n")
		r.Header.Write(&b)
		b.Write(body)
		rc.mu.Lock()
		rc.reqs = append(rc.reqs, b.String())
		rc.mu.Unlock()
		proxy.ServeHTTP(w, r)
	})
}

func (rc *recorder) all() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]string(nil), rc.reqs...)
}

// TestVerifyLiveTakesNothingFromThePack: a pack naming HOME as a token
// variable and write tools as callable (one of them labelled read) makes
// verify --live send nothing of the buyer's environment and call no tool;
// its loopback URLs are refused without --allow-private, before any
// request; a token the buyer names with --token-env is used.
func TestVerifyLiveTakesNothingFromThePack(t *testing.T) {
	srv, err := app.Start(t.Context(), app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	to, _ := url.Parse(srv.Origin)
	var rec recorder
	front := httptest.NewServer(rec.handler(to))
	defer front.Close()

	m, err := pipeline.SampleManifest(front.URL)
	if err != nil {
		t.Fatal(err)
	}
	m.Probe.Tokens = []manifest.TokenSource{{Env: "HOME", Scopes: []string{"orders:read", "orders:write", "email:send"}}}
	m.Probe.Callable = append(m.Probe.Callable, "cancel_order", "add_order_note", "create_return")
	for i := range m.Tools {
		if m.Tools[i].Name == "create_return" {
			m.Tools[i].Kind = manifest.KindRead // the vendor's pack mislabels a write tool
		}
	}
	dir := filepath.Join(t.TempDir(), "pack")
	b := &bundle.Bundle{SchemaVersion: bundle.SchemaVersion, Created: time.Now().UTC().Truncate(time.Second), App: m.App, Manifest: m}
	b.Observation.Server.URL = m.Server.URL
	if _, err := pack.Write(t.Context(), b, dir, []string{"json"}); err != nil {
		t.Fatal(err)
	}
	secret := make([]byte, 12)
	rand.Read(secret)
	home := "home-" + hex.EncodeToString(secret)
	t.Setenv("HOME", home)
	buyer, err := srv.MintToken([]string{"orders:read", "orders:write", "email:send"})
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("BUYER_TOKEN", buyer)

	t.Run("loopback refused without --allow-private", func(t *testing.T) {
		code, out, errs := dossierCode(t, "verify", dir, "--live", "--chrome", "/nonexistent")
		if code != exitUsage || !strings.Contains(errs, "--allow-private") || !strings.Contains(errs, "verify --live will probe "+front.URL+"/mcp") {
			t.Fatalf("exit %d, want %d naming the origin and --allow-private\n%s%s", code, exitUsage, out, errs)
		}
		if n := len(rec.all()); n != 0 {
			t.Fatalf("%d requests were made before the refusal", n)
		}
	})
	t.Run("the pack's variable names are refused with --login env", func(t *testing.T) {
		code, _, errs := dossierCode(t, "verify", dir, "--live", "--allow-private", "--login", "env", "--chrome", "/nonexistent")
		if code != exitUsage || !strings.Contains(errs, "--token-env") {
			t.Fatalf("exit %d, want %d pointing at --token-env\n%s", code, exitUsage, errs)
		}
	})
	for _, tt := range []struct {
		name      string
		args      []string
		wantToken bool
	}{
		{"no token", nil, false},
		{"the buyer's token", []string{"--token-env", "BUYER_TOKEN:orders:read,orders:write,email:send"}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := len(rec.all())
			args := append([]string{"verify", dir, "--live", "--allow-private", "--allow-incomplete", "--chrome", "/nonexistent", "--format", "json"}, tt.args...)
			code, out, errs := dossierCode(t, args...)
			if code != exitOK && code != exitFindings {
				t.Fatalf("exit %d\n%s%s", code, out, errs)
			}
			var v verifyOutput
			if err := json.Unmarshal([]byte(out), &v); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			reqs := rec.all()[before:]
			if len(reqs) == 0 {
				t.Fatal("the server was not probed at all")
			}
			sawBuyer := false
			for _, r := range reqs {
				if strings.Contains(r, home) {
					t.Fatalf("the value of HOME, named by the pack, was sent:\n%s", r)
				}
				if strings.Contains(r, `"tools/call"`) {
					t.Errorf("a tool was called although only the pack's manifest allowed it:\n%s", r)
				}
				sawBuyer = sawBuyer || strings.Contains(r, "Bearer "+buyer)
			}
			if sawBuyer != tt.wantToken {
				t.Errorf("the buyer's token sent: %v, want %v", sawBuyer, tt.wantToken)
			}
			if n := srv.WriteCalls(); n != 0 {
				t.Errorf("%d write calls reached the server", n)
			}
			for _, c := range v.Live.Claims {
				// The pack claims an empty server; without a token nothing
				// the session shows is seen, so nothing can have changed.
				if !tt.wantToken && c.Status == contract.Changed {
					t.Errorf("claim %s %s changed: %s", c.Subject, c.Claim, c.New)
				}
			}
		})
	}
}
