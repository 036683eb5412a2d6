package collect

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dossier-dev/dossier/pack/check"
)

// submitLoginForm does what a person does on the sample AS's login page,
// over plain HTTP: it GETs authURL, fills the form's username and password,
// and posts it with every hidden field. hc decides whether the redirect that
// follows is followed.
func submitLoginForm(ctx context.Context, hc *http.Client, authURL, user, password string) (*http.Response, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, authURL, nil)
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	action := regexp.MustCompile(`<form method="post" action="([^"]+)"`).FindSubmatch(page)
	if resp.StatusCode != http.StatusOK || action == nil {
		return nil, fmt.Errorf("no login form at the authorization URL (HTTP %d)", resp.StatusCode)
	}
	form := url.Values{"username": {user}, "password": {password}}
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`).FindAllSubmatch(page, -1) {
		form.Add(htmlUnescape(string(m[1])), htmlUnescape(string(m[2])))
	}
	target, _ := resp.Request.URL.Parse(htmlUnescape(string(action[1])))
	req, _ = http.NewRequestWithContext(ctx, http.MethodPost, target.String(), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return hc.Do(req)
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&#43;", "+", "&#34;", `"`, "&#39;", "'", "&lt;", "<", "&gt;", ">").Replace(s)
}

// TestLoginInteractive drives the printed authorization URL as a person
// would in their browser: the sample AS shows its login form (no
// login_hint), the browser posts it and follows the redirect to the loopback
// listener Login started.
func TestLoginInteractive(t *testing.T) {
	srv, m, _ := startSample(t, "")
	var shown string
	driven := make(chan error, 1)
	tok, err := Login(t.Context(), LoginOptions{
		MCPURL: srv.URL, Scopes: []string{"orders:read"}, Wait: 10 * time.Second,
		Prompt: func(authURL string) {
			shown = authURL
			go func() {
				jar, _ := cookiejar.New(nil)
				resp, err := submitLoginForm(t.Context(), &http.Client{Jar: jar}, authURL, "demo", "demo")
				if err == nil {
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if !strings.Contains(string(body), "signed in") {
						err = fmt.Errorf("the callback page says %q", body)
					}
				}
				driven <- err
			}()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-driven; err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(shown)
	redirect, _ := url.Parse(u.Query().Get("redirect_uri"))
	if redirect.Hostname() != "127.0.0.1" || u.Query().Get("login_hint") != "" || u.Query().Get("code_challenge_method") != "S256" {
		t.Errorf("authorization URL %s", shown)
	}
	if tok.Value == "" || tok.Source != "dcr+pkce (interactive)" || strings.Join(tok.Scopes, " ") != "orders:read" {
		t.Fatalf("token: %+v", tok)
	}
	rep, _ := runProbe(t, Options{Manifest: m, Tokens: []Token{tok}})
	if r, _ := find(rep.Results, "transport.handshake", "app"); r.Status != check.Pass {
		t.Errorf("the token does not open a session: %+v", r)
	}
}

func TestLoginInteractiveTimesOut(t *testing.T) {
	srv, _, _ := startSample(t, "")
	start := time.Now()
	_, err := Login(t.Context(), LoginOptions{MCPURL: srv.URL, Wait: 300 * time.Millisecond, Prompt: func(string) {}})
	if err == nil || !strings.Contains(err.Error(), "no sign-in came back") || time.Since(start) > 5*time.Second {
		t.Fatalf("err %v after %s", err, time.Since(start))
	}
}

// httpForm is a FormLogin without a browser, for testing the wiring; the
// real one (evidence/chrome) is tested end to end there.
type httpForm struct{ calls int }

func (f *httpForm) Login(ctx context.Context, authURL, redirectPrefix, user, password string) (string, error) {
	f.calls++
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := submitLoginForm(ctx, hc, authURL, user, password)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, redirectPrefix) {
		return "", fmt.Errorf("HTTP %d to %q, not the redirect URI", resp.StatusCode, loc)
	}
	return loc, nil
}

func TestLoginForm(t *testing.T) {
	srv, _, _ := startSample(t, "")
	for _, tt := range []struct {
		name, password string
		wantErr        string
	}{{"right password", "demo", ""}, {"wrong password", "nope", "refused"}} {
		t.Run(tt.name, func(t *testing.T) {
			form := &httpForm{}
			tok, err := Login(t.Context(), LoginOptions{MCPURL: srv.URL, Scopes: []string{"orders:read"}, Form: form, User: "demo", Password: tt.password})
			switch {
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), "login page")):
				t.Fatalf("err %v, want a login page error", err)
			case tt.wantErr == "" && (err != nil || tok.Source != "dcr+pkce (login form)" || tok.Value == ""):
				t.Fatalf("token %+v, err %v", tok, err)
			}
			if form.calls != 1 {
				t.Errorf("the form was driven %d times", form.calls)
			}
		})
	}
}

func TestLoginForeignResourceRefused(t *testing.T) {
	srv, _, _ := startSample(t, "")
	_, err := Login(t.Context(), LoginOptions{MCPURL: srv.URL, LoginHint: "demo", Resource: srv.URL + "/other"})
	if err == nil || !strings.Contains(err.Error(), "invalid_target") {
		t.Fatalf("err %v, want invalid_target", err)
	}
}
