package contract

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/live"
)

func ptr[T any](v T) *T { return &v }

func TestSchemaDigestIsCanonical(t *testing.T) {
	a := SchemaDigest(json.RawMessage(`{"type":"object","properties":{"b":{"type":"string"},"a":{"maximum":20}}}`))
	b := SchemaDigest(json.RawMessage("{ \"properties\": {\"a\": {\"maximum\": 20}, \"b\": {\"type\": \"string\"}},\n \"type\": \"object\" }"))
	c := SchemaDigest(json.RawMessage(`{"type":"object","properties":{"b":{"type":"string"},"a":{"maximum":50}}}`))
	if a != b || a == c || len(a) != 64 {
		t.Fatalf("digests: %s %s %s", a, b, c)
	}
	if SchemaDigest(nil) != "" || SchemaDigest(json.RawMessage("null")) != "" {
		t.Error("an absent schema has a digest")
	}
}

func observation() live.Observation {
	return live.Observation{
		Server: live.Server{URL: "https://app.example/mcp"},
		Tools: []live.Tool{
			{Name: "get", Description: "Get it.", InputSchema: json.RawMessage(`{"type":"object"}`), Hints: live.Hints{ReadOnly: ptr(true), Destructive: ptr(false), OpenWorld: ptr(false)},
				SecuritySchemes: []live.SecurityScheme{{Type: "oauth2", Scopes: []string{"r"}}}, UILinks: []string{"ui://w"}},
			{Name: "put", InputSchema: json.RawMessage(`{"type":"object","properties":{"x":{}}}`), Hints: live.Hints{ReadOnly: ptr(false)}},
		},
		Resources: []live.Resource{{URI: "ui://w", CSP: &live.CSP{Connect: []string{"https://api.example"}}, Domain: "https://w.example", HTMLSHA256: "aa"}},
	}
}

func TestDiff(t *testing.T) {
	tests := []struct {
		name   string
		change func(*live.Observation)
		want   []string // kind subject, in order
		resub  bool
	}{
		{"unchanged", func(*live.Observation) {}, nil, false},
		{"schema", func(o *live.Observation) {
			o.Tools[0].InputSchema = json.RawMessage(`{"type":"object","required":["id"]}`)
		}, []string{"input-schema tool:get"}, true},
		{"annotation", func(o *live.Observation) { o.Tools[1].Hints.ReadOnly = ptr(true) }, []string{"annotations tool:put"}, true},
		{"scope", func(o *live.Observation) { o.Tools[0].SecuritySchemes[0].Scopes = []string{"r", "w"} }, []string{"scopes tool:get"}, true},
		{"description", func(o *live.Observation) { o.Tools[0].Description = "Get it now." }, []string{"description tool:get"}, true},
		{"rename", func(o *live.Observation) { o.Tools[1].Name = "store" }, []string{"tool-renamed tool:store"}, true},
		{"remove and add", func(o *live.Observation) {
			o.Tools[1] = live.Tool{Name: "other", InputSchema: json.RawMessage(`{}`)}
		}, []string{"tool-removed tool:put", "tool-added tool:other"}, true},
		{"csp widened", func(o *live.Observation) {
			o.Resources[0].CSP = &live.CSP{Connect: []string{"https://api.example", "https://cdn.example"}}
		}, []string{"csp-widened widget:ui://w"}, true},
		{"csp narrowed", func(o *live.Observation) { o.Resources[0].CSP = &live.CSP{} }, []string{"csp-narrowed widget:ui://w"}, true},
		{"domain", func(o *live.Observation) { o.Resources[0].Domain = "https://x.example" }, []string{"widget-domain widget:ui://w"}, true},
		{"content only", func(o *live.Observation) { o.Resources[0].HTMLSHA256 = "bb" }, []string{"widget-content widget:ui://w"}, false},
		{"origin", func(o *live.Observation) { o.Server.URL = "https://other.example/mcp" }, []string{"server-url app"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obs := observation()
			tt.change(&obs)
			old, new := &bundle.Bundle{Observation: observation()}, &bundle.Bundle{Observation: obs}
			ch := Compare(old, []byte("{}"), new)
			var got []string
			for _, c := range ch.Changes {
				got = append(got, c.Kind+" "+c.Subject)
				if ok, why := Rule(c.Kind); ok != c.Resubmit || why == "" {
					t.Errorf("%s: resubmit %v, rule %v %q", c.Kind, c.Resubmit, ok, why)
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("changes %q, want %q", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("changes %q, want %q", got, tt.want)
				}
			}
			if ch.Resubmit != tt.resub {
				t.Errorf("resubmit = %v, want %v", ch.Resubmit, tt.resub)
			}
			rs := Results(ch, nil)
			fails := 0
			for _, r := range rs {
				if r.ID != "resubmit.contract" {
					t.Errorf("result %s", r.ID)
				}
				if r.Status == check.Fail {
					fails++
				}
			}
			if (fails > 0) != tt.resub || (!tt.resub && (len(rs) != 1 || rs[0].Status != check.Pass)) {
				t.Errorf("results %+v", rs)
			}
			// An origin change cannot be re-submitted: the result says a new plugin is needed.
			if newPlugin := strings.Contains(rs[0].Detail, "needs a new plugin, not a re-submission"); newPlugin != (tt.name == "origin") {
				t.Errorf("%s: detail %q", tt.name, rs[0].Detail)
			}
		})
	}
}

func TestKindsHaveRules(t *testing.T) {
	for _, k := range Kinds() {
		if _, why := Rule(k); why == "" {
			t.Errorf("change kind %s has no rule", k)
		}
	}
	if len(Kinds()) != len(rules()) {
		t.Errorf("%d kinds, %d rules", len(Kinds()), len(rules()))
	}
}

func TestFlipped(t *testing.T) {
	old := []bundle.Answer{{ID: "A", Answer: bundle.Yes}, {ID: "B", Answer: bundle.Yes}, {ID: "C", Answer: bundle.No}}
	new := []bundle.Answer{{ID: "A", Answer: bundle.Yes}, {ID: "B", Answer: bundle.No}, {ID: "D", Answer: bundle.Yes}}
	got := Flipped(old, new)
	if len(got) != 3 || got[0] != (bundle.Flip{ID: "B", Old: "yes", New: "no"}) || got[1].ID != "D" || got[1].Old != "" || got[2].ID != "C" || got[2].New != "" {
		t.Fatalf("flipped %+v", got)
	}
}

// TestClaimsNotCheckedAreNeverChanged: a new probe that opened no session,
// or had no token, leaves the claims it could not look at uncheckable; a
// failure a probe without a token judges the same (a listing page) is
// still a change, and so is anything with a session and a token.
func TestClaimsNotCheckedAreNeverChanged(t *testing.T) {
	old := &bundle.Bundle{Observation: observation(), Results: []check.Result{
		{ID: "transport.handshake", Subject: "app", Status: check.Pass, Basis: check.Probed},
		{ID: "tool.annotations-explicit", Subject: "tool:get", Status: check.Pass, Basis: check.Probed},
		{ID: "listing.privacy-policy", Subject: "app", Status: check.Pass, Basis: check.Probed},
	}}
	old.Observation.Server.Reached = true
	refused := &bundle.Bundle{Results: []check.Result{
		{ID: "transport.handshake", Subject: "app", Status: check.Fail, Detail: "initialize: 401"},
		{ID: "tool.annotations-explicit", Subject: "tool:get", Status: check.Fail, Detail: "hints absent"},
		{ID: "listing.privacy-policy", Subject: "app", Status: check.Fail, Detail: "404"},
	}}
	refused.Observation.Server.URL = old.Observation.Server.URL
	tests := []struct {
		name        string
		new         *bundle.Bundle
		opts        ClaimOptions
		wantChanged []string // subject claim
	}{
		{"no session, no token", refused, ClaimOptions{NoCredentials: "no token was given"}, []string{"app check listing.privacy-policy"}},
		{"no session, with a token", refused, ClaimOptions{}, []string{"app check transport.handshake", "tool:get check tool.annotations-explicit", "app check listing.privacy-policy"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var changed []string
			uncheckable := 0
			for _, c := range ClaimsWith(old, tt.new, tt.opts) {
				switch c.Status {
				case Changed:
					changed = append(changed, c.Subject+" "+c.Claim)
				case Uncheckable:
					uncheckable++
					if !strings.HasPrefix(c.New, "not checked") {
						t.Errorf("%s %s uncheckable as %q, want it to say not checked and why", c.Subject, c.Claim, c.New)
					}
				}
			}
			if !slices.Equal(changed, tt.wantChanged) {
				t.Errorf("changed %q, want %q", changed, tt.wantChanged)
			}
			if uncheckable == 0 {
				t.Error("nothing uncheckable")
			}
		})
	}
}
