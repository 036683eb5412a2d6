package pipeline

import (
	"strings"
	"testing"

	"github.com/dossier-dev/dossier/samples/app"
)

func TestSignIn(t *testing.T) {
	srv, m, _ := startSample(t, "")
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

// TestEnvTokensKeepsUnset: a variable that is not set (or holds only
// spaces) stays a token, with a Problem that names it and the remedy, so
// the checks that need its scopes are error instead of judged without it.
func TestEnvTokensKeepsUnset(t *testing.T) {
	m, err := SampleManifest(app.CanonicalOrigin)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for i, ts := range m.Probe.Tokens {
		switch i {
		case 0:
			env[ts.Env] = " token-value-0123 "
		case 1:
			env[ts.Env] = "   "
		}
	}
	var progress []string
	toks := EnvTokens(m, func(k string) string { return env[k] }, func(s string) { progress = append(progress, s) })
	if len(toks) != len(m.Probe.Tokens) {
		t.Fatalf("%d tokens, want one per probe.tokens entry (%d)", len(toks), len(m.Probe.Tokens))
	}
	for i, tok := range toks {
		ts := m.Probe.Tokens[i]
		if tok.Source != ts.Env || strings.Join(tok.Scopes, " ") != strings.Join(ts.Scopes, " ") || tok.Audience != ts.Audience {
			t.Errorf("token %d: %+v for %+v", i, tok, ts)
		}
		switch {
		case i == 0 && (tok.Value != "token-value-0123" || tok.Problem != ""):
			t.Errorf("a set variable: value %q, problem %q", tok.Value, tok.Problem)
		case i > 0 && (tok.Value != "" || tok.Problem != ts.Env+" is not set; set it or use --login dcr"):
			t.Errorf("an unset variable: value %q, problem %q", tok.Value, tok.Problem)
		}
	}
	if len(progress) != len(toks)-1 || !strings.Contains(progress[0], m.Probe.Tokens[1].Env+" is not set") {
		t.Errorf("progress: %q", progress)
	}
}
