package main

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/contract"
	"github.com/dossier-dev/dossier/samples/app"
)

// dossierCode runs a command line and returns its exit code and output.
func dossierCode(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// freeAddr is a loopback address nothing listens on, so that several packs
// of the sample app share one origin.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// failLines are verify's problem lines, by the file they name.
func failLines(out string) map[string]string {
	m := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(l, "FAIL  "); ok {
			file, _, _ := strings.Cut(rest, ": ")
			m[file] = l
		}
	}
	return m
}

func TestVerifyNamesTheTamperedFile(t *testing.T) {
	requireBrowser(t)
	dir := t.TempDir()
	key := filepath.Join(dir, "vendor")
	other := filepath.Join(dir, "other")
	stdout, _ := dossier(t, "keygen", "--out", key)
	dossier(t, "keygen", "--out", other)
	keyID := strings.TrimSpace(stdout[strings.Index(stdout, "Key ID: ")+len("Key ID: "):])
	built := filepath.Join(dir, "pack")
	dossier(t, "demo", "--out", built, "--sign-key", key+".key", "--zip")

	if code, out, errs := dossierCode(t, "verify", built, "--pubkey", key+".pub"); code != exitOK {
		t.Fatalf("the untouched pack: exit %d\n%s%s", code, out, errs)
	}
	if code, out, errs := dossierCode(t, "verify", filepath.Join(built, "pack.zip"), "--pubkey", key+".pub"); code != exitOK {
		t.Fatalf("the untouched pack.zip: exit %d\n%s%s", code, out, errs)
	}
	code, out, _ := dossierCode(t, "verify", built)
	if code != exitOK || !strings.Contains(out, "not checked") || !strings.Contains(out, keyID) || !strings.Contains(out, "nothing vouches for who made it") {
		t.Fatalf("without --pubkey: exit %d, want 0 saying the signature by %s was not checked and nothing vouches for the maker:\n%s", code, keyID, out)
	}
	// A signature no key checks proves nothing (anyone can re-sign), so
	// --require-signature without --pubkey refuses it, naming the key.
	code, out, _ = dossierCode(t, "verify", built, "--require-signature")
	if line := failLines(out)["SHA256SUMS.sig"]; code != exitFindings || !strings.Contains(line, "not checked") || !strings.Contains(line, "--pubkey") {
		t.Fatalf("--require-signature without --pubkey: exit %d, want 3 with a problem on SHA256SUMS.sig asking for --pubkey:\n%s", code, out)
	}
	if code, out, errs := dossierCode(t, "verify", built, "--require-signature", "--pubkey", key+".pub"); code != exitOK {
		t.Fatalf("--require-signature --pubkey on the signed pack: exit %d\n%s%s", code, out, errs)
	}

	var files []string
	if err := filepath.WalkDir(built, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(built, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"pack.json", "pack.pdf", "answers.csv", "SHA256SUMS", "SHA256SUMS.sig", "pack.zip"} {
		if !slices.Contains(files, want) {
			t.Fatalf("the pack has no %s: %v", want, files)
		}
	}

	type tc struct {
		name   string
		tamper func(t *testing.T, dir string)
		want   []string // files the problems must name
	}
	var tests []tc
	for _, f := range files {
		tests = append(tests, tc{name: "one byte of " + f, want: []string{f}, tamper: func(t *testing.T, dir string) {
			p := filepath.Join(dir, filepath.FromSlash(f))
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			data[len(data)/2] ^= 0x01
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}})
	}
	tests = append(tests,
		tc{name: "an added file", want: []string{"evidence/extra.txt"}, tamper: func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, "evidence", "extra.txt"), []byte("planted"), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		tc{name: "a removed file", want: []string{"answers.csv"}, tamper: func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, "answers.csv")); err != nil {
				t.Fatal(err)
			}
		}},
	)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pack := filepath.Join(t.TempDir(), "pack")
			if err := os.CopyFS(pack, os.DirFS(built)); err != nil {
				t.Fatal(err)
			}
			tt.tamper(t, pack)
			code, out, _ := dossierCode(t, "verify", pack, "--pubkey", key+".pub")
			if code != exitFindings {
				t.Fatalf("exit %d, want %d:\n%s", code, exitFindings, out)
			}
			named := failLines(out)
			for _, f := range tt.want {
				if named[f] == "" {
					t.Errorf("no problem names %s:\n%s", f, out)
				}
			}
		})
	}

	t.Run("signed by another key", func(t *testing.T) {
		code, out, _ := dossierCode(t, "verify", built, "--pubkey", other+".pub")
		line := failLines(out)["SHA256SUMS.sig"]
		if code != exitFindings || !strings.Contains(line, "refused") || !strings.Contains(line, keyID) {
			t.Fatalf("exit %d, want a refusal naming the signer %s:\n%s", code, keyID, out)
		}
		if n := strings.Count(line, "key ID "); n != 2 {
			t.Errorf("the refusal names %d key IDs, want both: %s", n, line)
		}
	})

}

// TestVerifyUnsignedPack: an unsigned pack verifies (exit 0) but says
// plainly that nothing vouches for who made it; --require-signature, or
// --pubkey, make the missing signature a problem (exit 3) naming
// SHA256SUMS.sig.
func TestVerifyUnsignedPack(t *testing.T) {
	requireBrowser(t)
	dir := t.TempDir()
	key := filepath.Join(dir, "vendor")
	dossier(t, "keygen", "--out", key)
	built := filepath.Join(dir, "pack")
	dossier(t, "demo", "--out", built)

	code, out, errs := dossierCode(t, "verify", built)
	if code != exitOK || !strings.Contains(out, "The pack verifies") || !strings.Contains(out, "Nothing vouches for who made it") {
		t.Fatalf("without flags: exit %d, want 0 saying nothing vouches for who made it:\n%s%s", code, out, errs)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"--require-signature", []string{"--require-signature"}, "missing: a signature is required"},
		{"--pubkey", []string{"--pubkey", key + ".pub"}, "missing: the pack is not signed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := dossierCode(t, append([]string{"verify", built}, tt.args...)...)
			if line := failLines(out)["SHA256SUMS.sig"]; code != exitFindings || !strings.Contains(line, tt.want) {
				t.Fatalf("exit %d, want 3 with a problem on SHA256SUMS.sig saying %q:\n%s%s", code, tt.want, out, errs)
			}
			if strings.Contains(out, "The pack verifies") || !strings.Contains(errs, "does not verify") {
				t.Errorf("a required signature that is missing still reads as verified:\n%s%s", out, errs)
			}
		})
	}
}

// TestContractChanges changes the sample app's contract one way at a time
// and checks that diff and verify --live both name exactly that change,
// marked as needing re-submission; two packs of the unchanged app diff
// clean.
func TestContractChanges(t *testing.T) {
	requireBrowser(t)
	dir := t.TempDir()
	addr := freeAddr(t)
	old := filepath.Join(dir, "old")
	dossier(t, "demo", "--addr", addr, "--out", old)

	t.Run("unchanged", func(t *testing.T) {
		again := filepath.Join(dir, "again")
		dossier(t, "demo", "--addr", addr, "--out", again)
		out, _ := dossier(t, "diff", old, again, "--format", "json", "--fail-on-resubmit")
		var d diffOutput
		if err := json.Unmarshal([]byte(out), &d); err != nil {
			t.Fatal(err)
		}
		if len(d.Changes.Changes) != 0 || len(d.Changes.Flipped) != 0 || d.Changes.Resubmit {
			t.Fatalf("two packs of the same app differ: %+v\nnot judged in the first: %s\nnot judged in the second: %s",
				d.Changes, unjudged(readPack(t, old)), unjudged(readPack(t, again)))
		}
		if len(d.Results) != 1 || d.Results[0].Status != "pass" {
			t.Fatalf("resubmit.contract: %+v", d.Results)
		}
	})

	tests := []struct {
		name   string
		sample app.Options
		want   string // kind subject
	}{
		{"schema", app.Options{Variant: "schema-change"}, "input-schema tool:search_catalog"},
		{"csp", app.Options{Variant: "csp-widened"}, "csp-widened widget:ui://orderly/order-list.html"},
		{"annotation", app.Options{Flaw: "destructive-false"}, "annotations tool:cancel_order"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"demo", "--addr", addr, "--out", filepath.Join(t.TempDir(), "new")}
			if tt.sample.Variant != "" {
				args = append(args, "--variant", tt.sample.Variant)
			} else {
				args = append(args, "--flaw", tt.sample.Flaw)
			}
			dossier(t, args...)
			code, out, errs := dossierCode(t, "diff", old, args[4], "--format", "json", "--fail-on-resubmit")
			if code != exitFindings {
				t.Fatalf("diff --fail-on-resubmit: exit %d, want 3\n%s%s", code, out, errs)
			}
			var d diffOutput
			if err := json.Unmarshal([]byte(out), &d); err != nil {
				t.Fatal(err)
			}
			if len(d.Changes.Changes) != 1 || d.Changes.Changes[0].Kind+" "+d.Changes.Changes[0].Subject != tt.want || !d.Changes.Changes[0].Resubmit {
				t.Fatalf("diff: changes %+v, want exactly %s needing re-submission", d.Changes.Changes, tt.want)
			}
			if len(d.Results) != 1 || d.Results[0].Status != "fail" || "resubmit.contract "+d.Results[0].Subject != "resubmit.contract "+strings.Fields(tt.want)[1] {
				t.Errorf("resubmit.contract results %+v", d.Results)
			}

			sample := tt.sample
			sample.Addr = addr
			srv, err := app.Start(t.Context(), sample)
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			live := append([]string{"verify", old, "--live", "--allow-private", "--format", "json"}, buyerTokens(t, srv)...)
			code, out, errs = dossierCode(t, live...)
			if code != exitFindings {
				t.Fatalf("verify --live: exit %d, want 3\n%s%s", code, out, errs)
			}
			var v verifyOutput
			if err := json.Unmarshal([]byte(out), &v); err != nil {
				t.Fatal(err)
			}
			var changed []contract.Claim
			for _, c := range v.Live.Claims {
				if c.Status == contract.Changed && c.Kind != "" {
					changed = append(changed, c)
				}
				if c.Status != contract.Uncheckable && len(c.Evidence) == 0 {
					t.Errorf("claim %s %s is %s without the new probe's evidence", c.Subject, c.Claim, c.Status)
				}
			}
			if len(changed) != 1 || changed[0].Kind+" "+changed[0].Subject != tt.want || !changed[0].Resubmit {
				t.Fatalf("verify --live: changed contract claims %+v, want exactly %s", changed, tt.want)
			}
		})
	}
}

// unjudged lists the results of b with status error, with their details:
// what a test that expected two packs alike shows when they are not.
func unjudged(b *bundle.Bundle) string {
	var out []string
	for _, r := range b.Results {
		if r.Status == check.Error {
			out = append(out, r.ID+" "+r.Subject+": "+r.Detail)
		}
	}
	if len(out) == 0 {
		return "none"
	}
	return "\n  " + strings.Join(out, "\n  ")
}
