package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dossier-dev/dossier/cmd/internal/pipeline"
	"github.com/dossier-dev/dossier/pack"
	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/contract"
	"github.com/dossier-dev/dossier/samples/app"
)

// buyerTokens mints, for each of the sample manifest's token sources, the
// token a buyer would hold, in a variable of the buyer's own naming, and
// returns the --token-env flags naming them: the pack's variable names are
// never read.
func buyerTokens(t *testing.T, srv *app.Server) []string {
	t.Helper()
	m, err := pipeline.SampleManifest(srv.Origin)
	if err != nil {
		t.Fatal(err)
	}
	var args []string
	for _, ts := range m.Probe.Tokens {
		if ts.Audience != "" {
			continue
		}
		v, err := srv.TokenFor(ts)
		if err != nil {
			t.Fatal(err)
		}
		t.Setenv("BUYER_"+ts.Env, v)
		args = append(args, "--token-env", "BUYER_"+ts.Env+":"+strings.Join(ts.Scopes, ","))
	}
	return args
}

// TestBuyerRecheck replays the buyer's complaint: a pack of the sample
// app, then the server changes (add_order_note now claims readOnlyHint).
// verify --live prints the changes first, each with a severity, then one
// summary line, and no confirmed claim unless --all; --out keeps the new
// probe as a pack that verifies; diff of the two packs lists the newly
// failing check with its severity before the contract change; a tampered
// pack is refused by diff.
func TestBuyerRecheck(t *testing.T) {
	requireBrowser(t)
	dir := t.TempDir()
	addr := freeAddr(t)
	old := filepath.Join(dir, "old")
	dossier(t, "demo", "--addr", addr, "--out", old)

	srv, err := app.Start(t.Context(), app.Options{Addr: addr, Flaw: "write-readonly"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	tokens := buyerTokens(t, srv)
	kept := filepath.Join(dir, "kept")
	live := slices.Concat([]string{"verify", old, "--live", "--allow-private", "--max-age", "0"}, tokens)

	code, out, errs := dossierCode(t, append(live, "--out", kept)...)
	if code != exitFindings {
		t.Fatalf("verify --live: exit %d, want 3\n%s%s", code, out, errs)
	}
	t.Logf("verify --live:\n%s", out)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	header := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "SEVERITY  CLAIM") })
	if header < 0 {
		t.Fatalf("no table of changes:\n%s", out)
	}
	// The rows under the header, before the next blank line, alternate a
	// change and its indented detail; the worst comes first.
	var severities []string
	for _, l := range lines[header+1:] {
		if l == "" {
			break
		}
		if !strings.HasPrefix(l, " ") {
			severities = append(severities, strings.Fields(l)[0])
		}
	}
	if len(severities) == 0 || severities[0] != string(check.Critical) {
		t.Fatalf("changes' severities %q, want the critical one first:\n%s", severities, out)
	}
	for i, s := range severities {
		if check.Severity(s).Rank() == 0 {
			t.Errorf("change %d has no severity (%q)", i, s)
		}
		if i > 0 && check.Severity(s).Rank() > check.Severity(severities[i-1]).Rank() {
			t.Errorf("changes not worst first: %q", severities)
		}
	}
	if !strings.Contains(out, "check tool.write-labeled") || !strings.Contains(out, "readOnlyHint=false → true (needs re-submission)") {
		t.Errorf("the critical check and the annotation change are not both named:\n%s", out)
	}
	summary := regexp.MustCompile(`(?m)^(\d+) changes since the pack: 1 critical(, \d+ \w+)*; (\d+) claims confirmed`).FindStringSubmatch(out)
	if summary == nil || summary[1] != strconv.Itoa(len(severities)) {
		t.Errorf("no summary line counting the %d changes, 1 critical, and the confirmed claims:\n%s", len(severities), out)
	}
	if !strings.Contains(out, "Not checked (") || !strings.Contains(out, "your own --manifest") {
		t.Errorf("the claims not checked are not listed with how to check them:\n%s", out)
	}
	if strings.Contains(out, "Confirmed (") || len(lines) > 40 {
		t.Errorf("%d lines, confirmed claims listed without --all:\n%s", len(lines), out)
	}
	if strings.Index(out, "SEVERITY  CLAIM") > strings.Index(out, summary[0]) {
		t.Error("the summary comes before the changes")
	}

	// The runs below only read the claims and the exit code: without a
	// browser they are quicker, and the write tool's failing check still
	// changes (the evidence checks are then not judged).
	quick := slices.Concat(live, []string{"--chrome", "/nonexistent"})
	t.Run("--all lists the confirmed claims", func(t *testing.T) {
		code, all, errs := dossierCode(t, append(quick, "--all", "--fail-on", "none", "--allow-incomplete")...)
		if code != exitOK || !strings.Contains(all, "Confirmed (") {
			t.Fatalf("exit %d, want 0 (--fail-on none --allow-incomplete) and the confirmed claims listed\n%s%s", code, all, errs)
		}
	})
	t.Run("json carries the severities; --fail-on critical exits 3", func(t *testing.T) {
		code, js, errs := dossierCode(t, append(quick, "--format", "json", "--fail-on", "critical")...)
		if code != exitFindings {
			t.Fatalf("exit %d, want 3\n%s", code, errs)
		}
		var v verifyOutput
		if err := json.Unmarshal([]byte(js), &v); err != nil {
			t.Fatal(err)
		}
		for i, c := range v.Live.Claims {
			if c.Status == contract.Changed && (c.Severity == "" || i > 0 && v.Live.Claims[i-1].Status != contract.Changed) {
				t.Errorf("changed claim %d (%s %s) without a severity, or after an unchanged one", i, c.Subject, c.Claim)
			}
		}
		if !regexp.MustCompile(`^\d+ changes? since the pack: 1 critical`).MatchString(v.Live.Summary) {
			t.Errorf("summary %q", v.Live.Summary)
		}
	})
	t.Run("below --fail-on, claims not checked exit 1, as check's checks not judged", func(t *testing.T) {
		if code, _, errs := dossierCode(t, append(quick, "--fail-on", "none")...); code != exitFailure || !strings.Contains(errs, "--allow-incomplete") {
			t.Errorf("--fail-on none: exit %d, want 1 for the claims not checked\n%s", code, errs)
		}
	})

	t.Run("the kept pack verifies", func(t *testing.T) {
		if !strings.Contains(out, "kept as a pack in "+kept) {
			t.Errorf("the output does not say where the new probe is kept:\n%s", out)
		}
		dossier(t, "verify", kept)
		code, again, errs := dossierCode(t, append(live, "--out", kept)...)
		if code != exitUsage || !strings.Contains(errs, "not empty") {
			t.Errorf("--out over the kept pack: exit %d, want 2 refusing to overwrite\n%s%s", code, again, errs)
		}
	})

	t.Run("diff lists the newly failing check with its severity", func(t *testing.T) {
		code, table, errs := dossierCode(t, "diff", old, kept)
		if code != exitOK {
			t.Fatalf("diff: exit %d\n%s%s", code, table, errs)
		}
		t.Logf("diff:\n%s", table)
		failing := strings.Index(table, "Newly failing:")
		row := strings.Index(table, "critical  tool.write-labeled  tool:add_order_note  (was pass, now fail)")
		contractAt := strings.Index(table, "annotations")
		if failing < 0 || row < failing || contractAt < row {
			t.Errorf("the newly failing critical check is not listed before the contract change:\n%s", table)
		}
		if !regexp.MustCompile(`(?m)^\d+ checks? newly failing \(1 critical[^)]*\), \d+ newly not judged, \d+ newly passing; 1 contract change \(1 needs re-submission\)`).MatchString(table) {
			t.Errorf("no summary line:\n%s", table)
		}
		code, js, _ := dossierCode(t, "diff", old, kept, "--format", "json")
		var d diffOutput
		if err := json.Unmarshal([]byte(js), &d); code != exitOK || err != nil {
			t.Fatalf("exit %d, %v\n%s", code, err, js)
		}
		if len(d.Checks) == 0 || d.Checks[0].Change != contract.NewlyFailing || d.Checks[0].ID != "tool.write-labeled" || d.Checks[0].Severity != check.Critical {
			t.Errorf("first check change %+v, want tool.write-labeled newly failing, critical", d.Checks)
		}
		if code, _, errs := dossierCode(t, "diff", old, kept, "--fail-on", "high"); code != exitFindings || !strings.Contains(errs, "worst: critical") {
			t.Errorf("diff --fail-on high: exit %d, want 3 naming the critical failure\n%s", code, errs)
		}
	})

	t.Run("a tampered pack is refused by diff", func(t *testing.T) {
		tampered := filepath.Join(dir, "tampered")
		if err := os.CopyFS(tampered, os.DirFS(kept)); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(tampered, "pack.json"))
		if err != nil {
			t.Fatal(err)
		}
		data = []byte(strings.Replace(string(data), `"status": "fail"`, `"status": "pass"`, 1))
		if err := os.WriteFile(filepath.Join(tampered, "pack.json"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{"diff", old, tampered}, {"diff", tampered, old}} {
			code, out, errs := dossierCode(t, args...)
			if code != exitFindings || out != "" || !strings.Contains(errs, "does not verify") || !strings.Contains(errs, "pack.json: changed") {
				t.Errorf("%s: exit %d, want 3, nothing compared and pack.json named as changed\n%s%s", strings.Join(args, " "), code, out, errs)
			}
		}
		if code, _, errs := dossierCode(t, "diff", old, kept, "--require-signature"); code != exitFindings || !strings.Contains(errs, "SHA256SUMS.sig") {
			t.Errorf("diff --require-signature of unsigned packs: exit %d, want 3 naming the missing signature\n%s", code, errs)
		}
	})
}

// TestVerifyOutRefusals: --out is refused, before anything is probed,
// inside the received pack and over a directory that holds anything.
func TestVerifyOutRefusals(t *testing.T) {
	received := filepath.Join(t.TempDir(), "pack")
	m, err := pipeline.SampleManifest("http://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	b := &bundle.Bundle{SchemaVersion: bundle.SchemaVersion, Created: time.Now().UTC().Truncate(time.Second), App: m.App, Manifest: m}
	b.Observation.Server.URL = m.Server.URL
	if _, err := pack.Write(t.Context(), b, received, []string{"json"}); err != nil {
		t.Fatal(err)
	}
	busy := t.TempDir()
	if err := os.WriteFile(filepath.Join(busy, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		out  string
		want string
	}{
		{"inside the pack", filepath.Join(received, "probe"), "inside the received pack"},
		{"the pack itself", received, "not empty"},
		{"inside, through pack.json", filepath.Join(received, "evidence", "probe"), "inside the received pack"},
		{"a busy directory", busy, "not empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := dossierCode(t, "verify", filepath.Join(received, "pack.json"), "--live", "--allow-private", "--out", tt.out)
			if code != exitUsage || !strings.Contains(errs, tt.want) || strings.Contains(errs, "will probe") {
				t.Errorf("exit %d, want 2 saying %q before any probe\n%s%s", code, tt.want, out, errs)
			}
		})
	}
	// A pack.zip the buyer saved among other files is the pack by itself:
	// a directory beside it is outside it (the probe then fails, nothing
	// listens there, but --out is not refused).
	downloads := t.TempDir()
	zipped, err := pack.WriteWith(t.Context(), b, filepath.Join(t.TempDir(), "zipped"), pack.WriteOptions{Formats: []string{"json"}, Zip: true})
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(zipped.Dir, pack.ZipFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(downloads, "pack.zip"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := dossierCode(t, "verify", filepath.Join(downloads, "pack.zip"), "--live", "--allow-private", "--max-age", "0", "--out", filepath.Join(downloads, "kept"))
	if code == exitUsage || strings.Contains(errs, "--out") || !strings.Contains(errs, "will probe") {
		t.Errorf("--out beside a pack.zip: exit %d, refused\n%s%s", code, out, errs)
	}
	if code, _, errs := dossierCode(t, "verify", received, "--out", t.TempDir()); code != exitUsage || !strings.Contains(errs, "--out needs --live") {
		t.Errorf("--out without --live: exit %d\n%s", code, errs)
	}
}
