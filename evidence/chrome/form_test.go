package chrome_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dossier-dev/dossier/collect"
	"github.com/dossier-dev/dossier/evidence/chrome"
	"github.com/dossier-dev/dossier/samples/app"
)

// TestFormLoginSampleAS signs in on the sample authorization server's login
// form (it shows one when no login_hint is sent) in headless Chromium, end
// to end through collect.Login: DCR, PKCE, the form, the code exchange.
func TestFormLoginSampleAS(t *testing.T) {
	chromium, err := chrome.Find("")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but: %v", err)
		}
		t.Skipf("skipping: %v", err)
	}
	srv, err := app.Start(t.Context(), app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	start := time.Now()
	tok, err := collect.Login(t.Context(), collect.LoginOptions{
		MCPURL: srv.URL, Scopes: []string{"orders:read", "email:send"},
		Form: chrome.FormLogin{Path: chromium}, User: "demo", Password: "demo",
	})
	if err != nil {
		t.Fatal(err)
	}
	if tok.Value == "" || tok.Source != "dcr+pkce (login form)" || strings.Join(tok.Scopes, " ") != "orders:read email:send" {
		t.Fatalf("token: %+v", tok)
	}
	t.Logf("signed in through the login form in %s", time.Since(start).Round(time.Millisecond))

	_, err = collect.Login(t.Context(), collect.LoginOptions{
		MCPURL: srv.URL, Form: chrome.FormLogin{Path: chromium}, User: "demo", Password: "wrong",
	})
	if err == nil || !strings.Contains(err.Error(), "credentials") {
		t.Fatalf("a wrong password: err %v", err)
	}
}
