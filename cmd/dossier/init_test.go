package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/dossier-dev/dossier/cmd/internal/pipeline"
	"github.com/dossier-dev/dossier/collect"
	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/manifest"
	"github.com/dossier-dev/dossier/samples/app"
)

// TestInitThenCheck drafts a manifest from the live sample app and probes
// the app with that draft: every live tool is declared, but every input
// field's purpose is the draft's TODO, so data.minimization fails for each
// tool with fields, naming each field. Once the vendor fills the purposes
// in, neither tool.declared nor data.minimization fails.
func TestInitThenCheck(t *testing.T) {
	srv, err := app.Start(t.Context(), app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	scopes := []string{"orders:read", "orders:write", "email:send"}
	tok, err := srv.MintToken(scopes)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("ORDERLY_INIT_TOKEN", tok)
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), []string{"init", "--url", srv.URL, "--token-env", "ORDERLY_INIT_TOKEN"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("init exited %d: %s", code, stderr.String())
	}
	if strings.Contains(stdout.String(), tok) {
		t.Fatal("the draft contains the token")
	}
	m, err := manifest.Parse("draft.yaml", stdout.Bytes())
	if err != nil {
		t.Fatalf("the draft does not parse: %v\n%s", err, stdout.String())
	}
	sample, err := pipeline.SampleManifest(srv.Origin)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Tools) != len(sample.Tools) || m.Server.Auth.Mode != manifest.AuthOAuth || m.Server.Auth.Issuer != srv.Issuer || m.Server.Auth.Registration != manifest.RegistrationDCR {
		t.Errorf("draft: %d tools (want %d), auth %+v", len(m.Tools), len(sample.Tools), m.Server.Auth)
	}
	for _, want := range sample.Tools {
		got, ok := m.Tool(want.Name)
		if !ok || got.Kind != want.Kind || got.Egress != want.Egress || strings.Join(got.Scopes, " ") != strings.Join(want.Scopes, " ") {
			t.Errorf("tool %s: drafted %+v, the vendor's manifest says %+v", want.Name, got, want)
		}
	}

	probe := func() *bundle.Bundle {
		t.Helper()
		b, err := pipeline.Run(t.Context(), pipeline.Options{
			Manifest: m, Tokens: []collect.Token{{Value: tok, Scopes: scopes, Source: "ORDERLY_INIT_TOKEN"}},
			Now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), Version: "test", Deadline: 30 * time.Second,
		})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}

	// The draft as init wrote it: every purpose is TODO.
	b := probe()
	withFields := 0
	for _, d := range m.Tools {
		if len(d.Inputs) == 0 {
			continue
		}
		withFields++
		var r *check.Result
		for i := range b.Results {
			if b.Results[i].ID == "data.minimization" && b.Results[i].Subject == "tool:"+d.Name {
				r = &b.Results[i]
			}
		}
		if r == nil || r.Status != check.Fail || !strings.Contains(r.Detail, "draft placeholder, never filled in") {
			t.Errorf("data.minimization of %s with the unfilled draft: %+v", d.Name, r)
			continue
		}
		for f := range d.Inputs {
			if !strings.Contains(r.Detail, `"`+f+`" ("TODO")`) {
				t.Errorf("data.minimization of %s does not name the field %s: %s", d.Name, f, r.Detail)
			}
		}
	}
	if withFields == 0 {
		t.Fatal("no drafted tool has input fields")
	}

	// The vendor fills in every purpose.
	for _, d := range m.Tools {
		for f := range d.Inputs {
			d.Inputs[f] = manifest.Input{Purpose: "the sample app needs " + f}
		}
	}
	b = probe()
	seen := 0
	for _, r := range b.Results {
		if r.ID != "tool.declared" && r.ID != "data.minimization" {
			continue
		}
		seen++
		if r.Failing() {
			t.Errorf("%s %s %s: %s", r.Status, r.ID, r.Subject, r.Detail)
		}
	}
	if seen < 2*len(sample.Tools) {
		t.Errorf("only %d tool.declared and data.minimization results", seen)
	}
}
