package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dossier-dev/dossier/cmd/internal/pipeline"
	"github.com/dossier-dev/dossier/collect"
	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/manifest"
	"github.com/dossier-dev/dossier/pack/packtest"
	"github.com/dossier-dev/dossier/samples/app"
)

// TestInitThenCheck drafts a manifest from the live sample app and probes
// the app with that draft: every live tool is declared, but every input
// field's purpose is the draft's TODO, so data.minimization fails for each
// tool with fields, naming each field. Once the vendor fills the purposes
// in, neither tool.declared nor data.minimization fails.
func TestInitThenCheck(t *testing.T) {
	srv, tok := initServer(t)
	scopes := initScopes()
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
		if r == nil || r.Status != check.Fail || !strings.Contains(r.Detail, "Left as a placeholder, never filled in") {
			t.Errorf("data.minimization of %s with the unfilled draft: %+v", d.Name, r)
			continue
		}
		for f := range d.Inputs {
			if !strings.Contains(r.Detail, ".inputs."+f+`.purpose is "TODO" (draft.yaml:`) {
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

// TestInitTodoFailsItsCheck is the one TODO rule, replayed as a user: init
// drafts a manifest from the live sample app, the data and operations
// blocks it suggests are uncommented as they stand, and check probes the
// app with it. Every TODO value in the file fails exactly the check resting
// on it, whose detail names the field's path and its line and column; no
// other result mentions it. Once each TODO is replaced by words, those
// checks no longer fail for it.
func TestInitTodoFailsItsCheck(t *testing.T) {
	srv, _ := initServer(t)
	var draftOut, stderr bytes.Buffer
	if code := run(t.Context(), []string{"init", "--url", srv.URL, "--token-env", "ORDERLY_INIT_TOKEN"}, &draftOut, &stderr); code != exitOK {
		t.Fatalf("init exited %d: %s", code, stderr.String())
	}
	draft := packtest.UncommentDraft(draftOut.String())
	file := filepath.Join(t.TempDir(), "draft.yaml")
	probe := func(text string) []check.Result {
		t.Helper()
		if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		var stdout, stderr bytes.Buffer
		run(t.Context(), []string{"check", "-m", file, "--chrome", "/nonexistent/chromium", "--format", "json"}, &stdout, &stderr)
		var out checkOutput
		if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
			t.Fatalf("check printed no JSON (%v): %s", err, stderr.String())
		}
		return out.Results
	}

	// Each TODO value of the file, by what its line says, and the check
	// (and field path) it must fail.
	type todoAt struct {
		line, col int
		path, id  string
	}
	var todos []todoAt
	value := regexp.MustCompile(`([A-Za-z]+): TODO\b`)
	for i, text := range strings.Split(draft, "\n") {
		if strings.HasPrefix(strings.TrimSpace(text), "#") {
			continue
		}
		for _, m := range value.FindAllStringSubmatchIndex(text, -1) {
			key := text[m[2]:m[3]]
			at := todoAt{line: i + 1, col: m[3] + 3}
			switch {
			case key == "vendor":
				at.path, at.id = `app\.vendor`, "listing.metadata"
			case key == "purpose" && strings.Contains(text, "retention"):
				at.path, at.id = `data\.categories\[0\]\.purpose`, "data.retention"
			case key == "purpose":
				at.path, at.id = `tools\[\d+\]\.inputs\.[a-z_]+\.purpose`, "data.minimization"
			case key == "name" && strings.Contains(text, "retention"):
				at.path, at.id = `data\.categories\[0\]\.name`, "data.retention"
			case key == "process":
				at.path, at.id = `data\.deletion\.process`, "data.retention"
			case key == "logRedaction" || key == "correlationIds":
				at.path, at.id = `data\.`+key, "data.log-redaction"
			case key == "monitoring":
				at.path, at.id = `operations\.monitoring`, "ops.monitoring"
			case key == "name" && strings.Contains(text, "email"):
				at.path, at.id = `operations\.incidentContacts\[0\]\.name`, "ops.incident-response"
			case key == "auditLogs":
				at.path, at.id = `operations\.auditLogs`, "ops.audit-logs"
			default:
				t.Errorf("line %d: a TODO this test does not know: %q", i+1, text)
				continue
			}
			todos = append(todos, at)
		}
	}
	if len(todos) < 20 {
		t.Fatalf("only %d TODO values in the draft:\n%s", len(todos), draft)
	}

	results := probe(draft)
	for _, at := range todos {
		where := fmt.Sprintf(`"TODO" (%s:%d:%d)`, file, at.line, at.col)
		var mention []check.Result
		for _, r := range results {
			if strings.Contains(r.Detail, where) {
				mention = append(mention, r)
			}
		}
		if len(mention) != 1 {
			t.Errorf("line %d:%d (%s): %d results mention it, want exactly one (%s): %+v", at.line, at.col, at.path, len(mention), at.id, mention)
			continue
		}
		r := mention[0]
		if r.ID != at.id || r.Status != check.Fail || !regexp.MustCompile(at.path+` is `+regexp.QuoteMeta(where)).MatchString(r.Detail) {
			t.Errorf("line %d:%d: %s %s %s: %s; want %s failing, naming %s", at.line, at.col, r.Status, r.ID, r.Subject, r.Detail, at.id, at.path)
		}
	}

	// The vendor writes words where init left TODO.
	filled := regexp.MustCompile(`: TODO\b`).ReplaceAllString(draft, ": told by the vendor")
	for _, r := range probe(filled) {
		if strings.Contains(r.Detail, "placeholder") {
			t.Errorf("%s %s %s after filling in: %s", r.Status, r.ID, r.Subject, r.Detail)
		}
		switch r.ID {
		case "listing.metadata", "data.retention", "data.log-redaction", "ops.monitoring", "ops.incident-response", "ops.audit-logs", "data.minimization":
			if r.Status != check.Pass {
				t.Errorf("%s %s %s after filling in: %s", r.Status, r.ID, r.Subject, r.Detail)
			}
		}
	}
}

// initScopes are every scope of the sample app.
func initScopes() []string { return []string{"orders:read", "orders:write", "email:send"} }

// initServer starts the sample app for an init test, with a token of
// every scope (returned, and in ORDERLY_INIT_TOKEN), as a vendor running
// init would have.
func initServer(t *testing.T) (*app.Server, string) {
	t.Helper()
	srv, err := app.Start(t.Context(), app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	tok, err := srv.MintToken(initScopes())
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("ORDERLY_INIT_TOKEN", tok)
	return srv, tok
}
