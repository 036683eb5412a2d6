package collect

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/manifest"
)

func fixedNow() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) }

func runProbe(t *testing.T, opts Options) (*Report, []string) {
	t.Helper()
	var progress []string
	opts.Progress = func(s string) { progress = append(progress, s) }
	if opts.Now == nil {
		opts.Now = fixedNow
	}
	if opts.Deadline == 0 {
		opts.Deadline = 20 * time.Second
	}
	rep, err := Probe(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep, progress
}

func dump(rs []check.Result) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString(string(r.Status) + "\t" + r.ID + "\t" + r.Subject + "\t" + r.Detail + "\n")
	}
	return b.String()
}

func find(rs []check.Result, id, subject string) (check.Result, bool) {
	for _, r := range rs {
		if r.ID == id && r.Subject == subject {
			return r, true
		}
	}
	return check.Result{}, false
}

// checkInvariants holds for every report: known IDs, one result per ID and
// subject, evidence on every probed pass, evidence IDs that exist.
func checkInvariants(t *testing.T, rep *Report) {
	t.Helper()
	ev := map[check.EvidenceID]bool{}
	for i, e := range rep.Evidence {
		want := check.EvidenceID("H" + pad(i+1))
		if e.ID != want || e.Path != "evidence/http/"+string(want)+".txt" || len(e.Data) == 0 {
			t.Errorf("evidence %d: %+v", i, e)
		}
		ev[e.ID] = true
	}
	seen := map[string]bool{}
	for _, r := range rep.Results {
		if _, ok := check.Lookup(r.ID); !ok {
			t.Errorf("unknown check %q", r.ID)
		}
		k := r.ID + " " + r.Subject
		if seen[k] {
			t.Errorf("two results for %s", k)
		}
		seen[k] = true
		if r.Status == check.Pass && r.Basis == check.Probed && len(r.Evidence) == 0 {
			t.Errorf("probed pass without evidence: %s %s", r.ID, r.Subject)
		}
		for _, e := range r.Evidence {
			if !ev[e] {
				t.Errorf("%s %s cites missing evidence %s", r.ID, r.Subject, e)
			}
		}
		if r.Detail == "" {
			t.Errorf("%s %s has no detail", r.ID, r.Subject)
		}
	}
}

func pad(n int) string { s := "0000" + itoa(n); return s[len(s)-4:] }
func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestProbeCleanOAuth(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	rep, _ := runProbe(t, Options{Manifest: f.manifest(manifest.AuthOAuth), Tokens: f.tokens()})
	checkInvariants(t, rep)
	for _, r := range rep.Results {
		if r.Failing() {
			t.Errorf("unexpected %s: %s %s: %s", r.Status, r.ID, r.Subject, r.Detail)
		}
	}
	if t.Failed() || testing.Verbose() {
		t.Log("\n" + dump(rep.Results))
	}
	o := rep.Observation
	if !o.Server.Reached || o.Server.ProtocolVersion != "2025-11-25" || len(o.Tools) != 2 || len(o.Resources) != 1 {
		t.Errorf("observation: %+v", o.Server)
	}
	for _, tool := range o.Tools {
		if tool.Name == "get_order" && (tool.Hints.ReadOnly == nil || !*tool.Hints.ReadOnly || tool.UI != "ui://widget/order.html") {
			t.Errorf("get_order: %+v", tool)
		}
	}
	if res := o.Resources[0]; res.HTML == "" || res.CSP == nil || res.Domain != "https://widget.example.com" || res.HTMLSHA256 == "" {
		t.Errorf("resource: %+v", res)
	}
	for _, want := range []struct{ id, sub string }{
		{"auth.required", "app"}, {"auth.prm", "app"}, {"auth.as-metadata", "app"}, {"auth.invalid-token", "app"},
		{"auth.session-not-auth", "app"}, {"transport.origin", "app"}, {"transport.protocol-version", "app"},
		{"transport.session-id", "app"}, {"tool.input-validation", "tool:get_order"}, {"widget.resource", "widget:ui://widget/order.html"},
		{"auth.client-registration", "app"}, {"auth.token-in-query", "app"}, {"data.result-hygiene", "tool:get_order"},
	} {
		if r, ok := find(rep.Results, want.id, want.sub); !ok || r.Status != check.Pass {
			t.Errorf("%s %s: %+v", want.id, want.sub, r)
		}
	}
	if r, _ := find(rep.Results, "auth.scope-enforcement", "tool:cancel_order"); r.Status != check.NA {
		t.Errorf("scope enforcement on an uncallable write tool: %+v", r)
	}
}

func TestProbeScopeEnforcement(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	m := f.manifest(manifest.AuthOAuth)
	m.Probe.Callable = append(m.Probe.Callable, "cancel_order")
	rep, _ := runProbe(t, Options{Manifest: m, Tokens: f.tokens(), AllowWrite: []string{"cancel_order"}})
	checkInvariants(t, rep)
	if r, _ := find(rep.Results, "auth.scope-enforcement", "tool:cancel_order"); r.Status != check.Pass {
		t.Errorf("scope enforcement: %+v\n%s", r, dump(rep.Results))
	}
}

func TestProbeMissingAnnotations(t *testing.T) {
	f := newFixture(t, fixtureOpts{noAnnotations: true})
	rep, _ := runProbe(t, Options{Manifest: f.manifest(manifest.AuthOAuth), Tokens: f.tokens()})
	r, _ := find(rep.Results, "tool.annotations-explicit", "tool:get_order")
	if r.Status != check.Fail || !strings.Contains(r.Detail, "readOnlyHint") {
		t.Errorf("annotations: %+v", r)
	}
	for _, tool := range rep.Observation.Tools {
		if tool.Name == "get_order" && (tool.Hints.ReadOnly != nil || tool.Hints.Destructive != nil) {
			t.Errorf("hints should be absent: %+v", tool.Hints)
		}
	}
}

func TestProbeNoAuth(t *testing.T) {
	f := newFixture(t, fixtureOpts{openInit: true})
	rep, _ := runProbe(t, Options{Manifest: f.manifest(manifest.AuthNone)})
	checkInvariants(t, rep)
	for _, r := range rep.Results {
		if r.Failing() {
			t.Errorf("unexpected %s: %s %s: %s", r.Status, r.ID, r.Subject, r.Detail)
		}
	}
	if r, _ := find(rep.Results, "auth.required", "app"); r.Status != check.NA {
		t.Errorf("auth.required: %+v", r)
	}
}

// TestNoSecretLeaks greps everything a report carries for every token value.
func TestNoSecretLeaks(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	login, err := Login(t.Context(), LoginOptions{MCPURL: f.url, Scopes: []string{"orders:read"}, LoginHint: "demo"})
	if err != nil {
		t.Fatal(err)
	}
	if login.Value != f.readTok || login.Source != "dcr+pkce" || login.ExpiresIn != 3600 {
		t.Fatalf("login: %+v", login)
	}
	m := f.manifest(manifest.AuthOAuth)
	rep, progress := runProbe(t, Options{Manifest: m, Tokens: f.tokens()})
	obs, _ := json.Marshal(rep.Observation)
	all := []string{string(obs), strings.Join(progress, "\n")}
	for _, r := range rep.Results {
		all = append(all, r.Detail)
	}
	for _, e := range rep.Evidence {
		all = append(all, string(e.Data), e.Title)
	}
	for _, res := range rep.Observation.Resources {
		all = append(all, res.HTML)
	}
	blob := strings.Join(all, "\n")
	for _, secret := range []string{f.readTok, f.writeTok, "client-secret-abcdef123456"} {
		if strings.Contains(blob, secret) {
			t.Errorf("secret %q leaked", secret)
		}
	}
	if !strings.Contains(blob, "Bearer [REDACTED]") {
		t.Error("no redacted Authorization header in the transcripts")
	}
	if !strings.Contains(blob, `resource_metadata=`) {
		t.Error("the Bearer challenge was redacted away")
	}
}
