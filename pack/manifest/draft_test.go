package manifest

import (
	"strings"
	"testing"

	"github.com/dossier-dev/dossier/pack/live"
)

func bp(b bool) *bool { return &b }

func TestDraftParses(t *testing.T) {
	obs := live.Observation{
		Server: live.Server{URL: "https://mcp.example.com/mcp", Name: "ex", Version: "1.0", Instructions: "Does things.\nMany things."},
		OAuth: &live.OAuth{Challenge: `Bearer resource_metadata="x"`, Issuer: "https://auth.example.com",
			RegistrationEndpoint: "https://auth.example.com/reg", RevocationEndpoint: "https://auth.example.com/revoke"},
		Tools: []live.Tool{
			{Name: "get_thing", Description: "Get a thing.", Hints: live.Hints{ReadOnly: bp(true), Destructive: bp(false), OpenWorld: bp(true)},
				SecuritySchemes: []live.SecurityScheme{{Type: "oauth2", Scopes: []string{"things:read"}}},
				Fields:          []live.Field{{Name: "id", Type: "string", Description: "which thing"}, {Name: "q"}}},
			{Name: "delete_thing", Hints: live.Hints{ReadOnly: bp(false), Destructive: bp(true), OpenWorld: bp(false)}},
			{Name: "send_thing", Hints: live.Hints{ReadOnly: bp(false), Destructive: bp(false), OpenWorld: bp(true)}},
			{Name: "mystery", Description: "No hints at all."},
		},
	}
	for _, tt := range []struct {
		name string
		opts DraftOptions
	}{{"with a token", DraftOptions{TokenEnv: "EX_TOKEN"}}, {"without a token", DraftOptions{}}} {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Draft(obs, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			m, err := Parse("draft.yaml", out)
			if err != nil {
				t.Fatalf("the draft does not parse: %v\n%s", err, out)
			}
			if m.Server.Auth.Mode != AuthOAuth || m.Server.Auth.Issuer != "https://auth.example.com" || m.Server.Auth.Registration != RegistrationDCR {
				t.Errorf("auth: %+v", m.Server.Auth)
			}
			want := map[string]string{"get_thing": KindRead, "delete_thing": KindDestructive, "send_thing": KindWrite, "mystery": KindWrite}
			for _, tool := range m.Tools {
				if tool.Kind != want[tool.Name] {
					t.Errorf("%s: kind %s, want %s", tool.Name, tool.Kind, want[tool.Name])
				}
				if tool.Name == "send_thing" && !tool.Egress || tool.Name == "get_thing" && tool.Egress {
					t.Errorf("%s: egress %v", tool.Name, tool.Egress)
				}
			}
			g, _ := m.Tool("get_thing")
			if g.Inputs["id"].Purpose != "TODO" || g.Inputs["q"].Purpose != "TODO" || strings.Join(g.Scopes, " ") != "things:read" {
				t.Errorf("get_thing: %+v", g)
			}
			for _, s := range []string{"# TODO: annotations missing; kind guessed", "privacyPolicy:", "retention", "incidentContacts"} {
				if !strings.Contains(string(out), s) {
					t.Errorf("the draft lacks %q", s)
				}
			}
			if tt.opts.TokenEnv != "" && (len(m.Probe.Tokens) != 1 || m.Probe.Tokens[0].Env != "EX_TOKEN") {
				t.Errorf("probe: %+v", m.Probe)
			}
			if testing.Verbose() {
				t.Logf("\n%s", out)
			}
		})
	}
}
