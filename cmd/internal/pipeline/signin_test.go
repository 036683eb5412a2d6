package pipeline

import (
	"strings"
	"testing"

	"github.com/dossier-dev/dossier/samples/app"
)

func TestSignIn(t *testing.T) {
	srv, err := app.Start(t.Context(), app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	m, err := SampleManifest(srv.Origin)
	if err != nil {
		t.Fatal(err)
	}
	full := map[string]string{}
	for _, ts := range m.Probe.Tokens {
		full[ts.Env], _ = srv.TokenFor(ts)
	}
	tests := []struct {
		name, mode string
		env        map[string]string
		browser    bool
		want       string // the Source of the first token
		refusal    string // in ForeignRefusal
	}{
		{"auto with every token set is env", LoginAuto, full, false, "ORDERLY_TOKEN_READ", ""},
		{"auto with a login hint is dcr", LoginAuto, map[string]string{EnvLoginHint: "demo"}, false, "dcr+pkce", "invalid_target"},
		{"dcr", LoginDCR, map[string]string{EnvLoginHint: "demo"}, false, "dcr+pkce", "invalid_target"},
		{"auto with a user and password is form", LoginAuto, map[string]string{EnvLoginUser: "demo", EnvLoginPassword: "demo"}, true, "dcr+pkce (login form)", "invalid_target"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.browser {
				requireBrowser(t)
			}
			c, err := SignIn(t.Context(), m, SignInOptions{Mode: tt.mode, Getenv: func(k string) string { return tt.env[k] }})
			if err != nil {
				t.Fatal(err)
			}
			want := m.Probe.Tokens // env mode: every entry; a sign-in: the scope sets, and the foreign token only if the AS grants it
			if tt.mode != LoginEnv && tt.env[m.Probe.Tokens[0].Env] == "" {
				want, _ = signInSets(m)
			}
			if len(c.Tokens) != len(want) || c.Tokens[0].Source != tt.want || !strings.Contains(c.ForeignRefusal, tt.refusal) {
				t.Fatalf("%d tokens (first from %q), foreign refusal %q", len(c.Tokens), c.Tokens[0].Source, c.ForeignRefusal)
			}
			for i, tok := range c.Tokens {
				if strings.Join(tok.Scopes, " ") != strings.Join(want[i].Scopes, " ") || tok.Value == "" {
					t.Errorf("token %d: scopes %v", i, tok.Scopes)
				}
			}
		})
	}
	if _, err := SignIn(t.Context(), m, SignInOptions{Mode: LoginInteractive, Getenv: func(string) string { return "" }}); err == nil {
		t.Error("interactive without a prompt: no error")
	}
}
