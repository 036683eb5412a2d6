package pdf

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image/color"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/phpdave11/gofpdf"

	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/live"
)

// poppler finds a poppler tool (pdftotext, pdfinfo). Without it the test
// skips, except under CI=true, where every tool is installed and a missing
// one is a failure.
func poppler(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required under CI (install poppler-utils): %v", name, err)
		}
		t.Skipf("%s not found (install poppler-utils to run PDF text tests)", name)
	}
	return p
}

// render renders b and writes it to a temporary file.
func render(t *testing.T, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pack.pdf")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// extract returns the text of the PDF at path, as pdftotext reads it; with
// flags "-layout", laid out as on the page, one printed line per line.
func extract(t *testing.T, path string, flags ...string) string {
	t.Helper()
	args := append(append([]string{"-enc", "UTF-8"}, flags...), path, "-")
	out, err := exec.Command(poppler(t, "pdftotext"), args...).Output()
	if err != nil {
		t.Fatalf("pdftotext %s: %v", path, err)
	}
	return string(out)
}

// extractPages is extract for pages first to last.
func extractPages(t *testing.T, path string, first, last int) string {
	return extract(t, path, "-f", strconv.Itoa(first), "-l", strconv.Itoa(last))
}

// pages returns the page count pdfinfo reports.
func pages(t *testing.T, path string) int {
	t.Helper()
	out, err := exec.Command(poppler(t, "pdfinfo"), path).Output()
	if err != nil {
		t.Fatalf("pdfinfo %s: %v", path, err)
	}
	m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("pdfinfo %s: no page count in %q", path, out)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// words collapses whitespace, so that assertions do not depend on where a
// line was broken.
func words(s string) string { return strings.Join(strings.Fields(s), " ") }

func TestRenderText(t *testing.T) {
	b := fixture()
	pdf, err := Render(b)
	if err != nil {
		t.Fatal(err)
	}
	path := render(t, pdf)
	txt := extract(t, path)
	flat := words(txt)

	for _, want := range []string{
		"Müller & Söhne Shop-Assistent",
		"Müller & Söhne GmbH",
		"2026-11-30 14:05:09 UTC",
		"dossier 0.1.0",
		b.Summary.Verdict,
		"Журнал CSP виджета",
		"Πολιτική απορρήτου",
		"Löschung binnen 72h",
		"<script>alert('x')</script>",
		"Page 1 of",
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	for _, a := range b.Answers {
		if !strings.Contains(flat, a.ID) {
			t.Errorf("text lacks answer %s", a.ID)
		}
	}
	// The results point at the check catalogue (a long URL may wrap).
	if !strings.Contains(strings.ReplaceAll(flat, " ", ""), check.DocURL) {
		t.Errorf("text lacks the catalogue's address %s", check.DocURL)
	}
	// Each answer's first printed line reads "ID question… value basis".
	layout := extract(t, path, "-layout")
	for _, a := range b.Answers {
		re := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(a.ID) + `\s.*\s` + regexp.QuoteMeta(a.Answer) + `\s+` + regexp.QuoteMeta(string(a.Basis)) + `\s*$`)
		if !re.MatchString(layout) {
			t.Errorf("answer %s: value %q and basis %q not found after its ID", a.ID, a.Answer, a.Basis)
		}
	}
	redIdx := strings.Index(flat, fmt.Sprintf("Red flags (%d)", len(b.RedFlags)))
	answersIdx := strings.LastIndex(flat, "Questionnaire answers") // the first is in the contents
	if redIdx < 0 || answersIdx < 0 || redIdx > answersIdx {
		t.Fatalf("red flags (at %d) must come before the questionnaire (at %d)", redIdx, answersIdx)
	}
	for _, r := range b.RedFlags {
		if !strings.Contains(flat[redIdx:answersIdx], r.ID) {
			t.Errorf("red flag %s not in the red flags section", r.ID)
		}
	}
	for _, r := range b.Results {
		if !strings.Contains(flat, r.ID) {
			t.Errorf("result %s missing", r.ID)
		}
		if r.Basis == check.Declared && !strings.Contains(flat, r.Detail[:20]) {
			t.Errorf("declared result %s: detail missing", r.ID)
		}
	}
	declared := 0
	for _, r := range b.Results {
		if r.Basis == check.Declared {
			declared++
		}
	}
	// Every declared result shows its badge and says so in its detail.
	if got := strings.Count(flat, "Declared in the manifest, not observed."); got < declared {
		t.Errorf("%d declared notes, want at least %d", got, declared)
	}
	for _, e := range b.Evidence {
		if !strings.Contains(flat, string(e.ID)) {
			t.Errorf("evidence %s missing", e.ID)
		}
		// The hash may be wrapped; it must still be all there.
		if !strings.Contains(strings.ReplaceAll(flat, " ", ""), e.SHA256) {
			t.Errorf("evidence %s: hash %s missing", e.ID, e.SHA256)
		}
	}
	for _, tr := range b.Tools {
		if !strings.Contains(strings.ReplaceAll(flat, " ", ""), tr.Name) {
			t.Errorf("tool %s missing from the scope map", tr.Name)
		}
	}
	for _, bad := range []string{"\x00", "\x1b", "\u202e", "\u200b"} {
		if strings.Contains(txt, bad) {
			t.Errorf("text contains control character %q", bad)
		}
	}
	if !strings.Contains(txt, "\uFFFD") {
		t.Errorf("CJK text should be replaced with U+FFFD")
	}
	if n := pages(t, path); n < 5 || n > 20 {
		t.Errorf("%d pages, want 5 to 20", n)
	}
}

func TestRenderNoRedFlags(t *testing.T) {
	b := fixture()
	b.RedFlags = nil
	pdf, err := Render(b)
	if err != nil {
		t.Fatal(err)
	}
	if flat := words(extract(t, render(t, pdf))); !strings.Contains(flat, "Red flags No red flags.") {
		t.Errorf("no red flags should be stated plainly")
	}
}

func TestRenderLarge(t *testing.T) {
	small, err := Render(fixture())
	if err != nil {
		t.Fatal(err)
	}
	b := bigFixture(500)
	big, err := Render(b)
	if err != nil {
		t.Fatal(err)
	}
	sp, bp := pages(t, render(t, small)), pages(t, render(t, big))
	// 500 scope rows and 1500 results need well over 40 pages, but not
	// one page per row.
	if bp < sp+40 || bp > 400 {
		t.Errorf("500 tools: %d pages (fixture: %d), want between %d and 400", bp, sp, sp+40)
	}
	flat := words(extract(t, render(t, big)))
	for _, name := range []string{"tool_0000", "tool_0250", "tool_0499"} {
		if c := strings.Count(flat, name); c < 4 { // scope map + three results
			t.Errorf("%s appears %d times, want at least 4", name, c)
		}
	}
	// The contents (page 2) point at the pages the sections start on.
	bigPath := render(t, big)
	cover := words(extractPages(t, bigPath, 2, 2))
	for _, s := range sections(b) {
		name := s.title
		m := regexp.MustCompile(regexp.QuoteMeta(name) + ` (\d+)`).FindStringSubmatch(cover)
		if m == nil {
			t.Errorf("contents lacks %q: %s", name, cover)
			continue
		}
		n, _ := strconv.Atoi(m[1])
		if pg := words(extractPages(t, bigPath, n, n)); !strings.Contains(pg, name) {
			t.Errorf("contents says %q is on page %d, which reads: %.200s", name, n, pg)
		}
	}
	// The table heading repeats on the pages a table runs onto.
	if c := strings.Count(flat, "Live auth scheme"); c < 5 {
		t.Errorf("scope map heading appears %d times, want one per page (at least 5)", c)
	}
}

func TestRenderReproducible(t *testing.T) {
	signed := withChanges(fixture())
	signed.Signature = &bundle.Signature{KeyID: "5bf87baa65a29427", Algorithm: "ed25519", File: "SHA256SUMS.sig"}
	for _, tc := range []struct {
		name string
		b    *bundle.Bundle
	}{
		{"fixture", fixture()},
		{"signed, with changes and waivers", signed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			first := mustRender(t, tc.b)
			// Another document in between, with the process-wide defaults set to
			// something else, must not leak into the next render.
			gofpdf.SetDefaultCatalogSort(false)
			if _, err := Render(bigFixture(20)); err != nil {
				t.Fatal(err)
			}
			second := mustRender(t, tc.b)
			if !bytes.Equal(first, second) {
				t.Fatalf("two renders of the same bundle differ (%d and %d bytes)", len(first), len(second))
			}
		})
	}
}

func TestRenderConcurrent(t *testing.T) {
	want, err := Render(fixture())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	got := make([][]byte, 4)
	for i := range got {
		wg.Go(func() {
			b, err := Render(fixture())
			if err != nil {
				t.Error(err)
			}
			got[i] = b
		})
	}
	wg.Wait()
	for i, g := range got {
		if !bytes.Equal(g, want) {
			t.Errorf("concurrent render %d differs", i)
		}
	}
}

func TestClean(t *testing.T) {
	txt, err := newText()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, in, want string }{
		{"plain", "Größe Ωμέγα Жук", "Größe Ωμέγα Жук"},
		{"whitespace", "a\tb\r\n\nc  d", "a b c d"},
		{"controls", "a\x00b\x1b[0mc\u0085d", "ab[0mc d"}, // NEL is a line break
		{"bidi and zero width", "x\u202ey\u200bz\u2066w", "xyzw"},
		{"no glyph", "中文", "\uFFFD\uFFFD"},
		{"beyond BMP", "a\U0001F600b", "a\uFFFDb"},
		{"invalid utf-8", "a\xffb", "a\uFFFDb"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := txt.clean(tc.in); got != tc.want {
				t.Errorf("clean(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestFitBreaksLongWords(t *testing.T) {
	txt, err := newText()
	if err != nil {
		t.Fatal(err)
	}
	sha := strings.Repeat("0123456789abcdef", 4)
	got := txt.fit(sha, 30, 8, false, 0)
	for _, w := range strings.Fields(got) {
		if txt.measure(w, 8, false) > 30 {
			t.Errorf("piece %q is wider than the column", w)
		}
	}
	if strings.ReplaceAll(got, " ", "") != sha {
		t.Errorf("fit lost characters: %q", got)
	}
	long := strings.Repeat("word ", 2000)
	if got := txt.fit(long, 50, 8, false, 10); !strings.HasSuffix(got, "[cut; full text in pack.json]") {
		t.Errorf("long text not cut: %q", got[len(got)-40:])
	}
}

// TestWritePreview writes the fixture to $PDF_PREVIEW (a directory), to look
// at it: PDF_PREVIEW=/tmp/pdfcheck go test -run WritePreview ./pack/pdf.
func TestWritePreview(t *testing.T) {
	dir := os.Getenv("PDF_PREVIEW")
	if dir == "" {
		t.Skip("set PDF_PREVIEW to a directory to write preview PDFs")
	}
	for name, b := range map[string]func() []byte{
		"fixture.pdf": func() []byte { p, _ := Render(fixture()); return p },
		"big.pdf":     func() []byte { p, _ := Render(bigFixture(500)); return p },
		"changes.pdf": func() []byte { p, _ := Render(withChanges(fixture())); return p },
	} {
		if err := os.WriteFile(filepath.Join(dir, name), b(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRenderAcrossProcesses renders the fixture in two fresh processes
// (this test binary, run again) and compares with this process's render:
// map order and process-wide state must not leak into the bytes.
func TestRenderAcrossProcesses(t *testing.T) {
	if out := os.Getenv("DOSSIER_PDF_CHILD_OUT"); out != "" {
		b, err := Render(fixture())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(out, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := Render(fixture())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		out := filepath.Join(t.TempDir(), "child.pdf")
		cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestRenderAcrossProcesses$")
		cmd.Env = append(os.Environ(), "DOSSIER_PDF_CHILD_OUT="+out)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("child %d: %v\n%s", i, err, b)
		}
		got, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("child %d rendered different bytes (%d vs %d)", i, len(got), len(want))
		}
	}
}

// TestRenderDossier checks that each part a reviewer reads is there: every
// section heading, the digest on the cover, the OAuth setup, the fields and
// their purposes, attestations with their expiry, and every capture with
// its image, a simulated one labeled so.
func TestRenderDossier(t *testing.T) {
	b := fixture()
	digest := strings.Repeat("ab12", 16)
	out, err := RenderWith(b, Options{PackDigest: digest})
	if err != nil {
		t.Fatal(err)
	}
	path := render(t, out)
	flat := words(extract(t, path))
	layout := extract(t, path, "-layout")

	if cover := words(extractPages(t, path, 1, 1)); !strings.Contains(cover, "pack.json SHA-256 "+digest) || !strings.Contains(cover, b.App.Name) || !strings.Contains(cover, b.Summary.Verdict) {
		t.Errorf("cover lacks the app, the digest or the verdict: %.400s", cover)
	}
	for _, s := range sections(b) {
		if c := strings.Count(flat, s.title); c < 2 { // the contents and the heading
			t.Errorf("section %q appears %d times, want the contents entry and the heading", s.title, c)
		}
	}
	for _, want := range []string{
		// identity
		"Protected resource metadata", "https://login.shop.example.de/token", "PKCE methods S256", "1 hour (expires_in 3600)",
		// data and retention
		"Bestellungen 30 days Bestellabwicklung", "Löschung auf Anfrage per E-Mail. Time bound: within 72 hours.", "customer_ssn", "NO PURPOSE STATED",
		// operations
		"Дмитрий Иванов", "Incident plan rehearsed on 2026-09-15.",
		// widgets
		"Widget ui://widget/orders.html", "https://api.shop.example.de", "https://cdn.example.net/lib.js", "window.top.location read",
		"Failed loads script", "blocked by its CSP", "Browser sandbox running as root",
		// appendix
		"Probes not run (1)", "needs a token minted for another resource", "tools/list: stopped after 50 pages", "SHOP_TOKEN (orders.read)",
	} {
		// Long URLs are wrapped after a '/'.
		if !strings.Contains(flat, want) && !strings.Contains(strings.ReplaceAll(flat, "/ ", "/"), want) {
			t.Errorf("text lacks %q", want)
		}
	}
	for _, a := range b.Answers {
		if !strings.Contains(flat, a.ID) || !strings.Contains(layout, a.Answer) {
			t.Errorf("answer %s (%s) missing", a.ID, a.Answer)
		}
	}
	for _, r := range b.RedFlags {
		if !strings.Contains(flat, r.ID) || !strings.Contains(flat, r.Subject) {
			t.Errorf("red flag %s %s missing", r.ID, r.Subject)
		}
	}
	// The expired attestation says so on its own line; the valid one does not.
	if !regexp.MustCompile(`(?m)^\s*ops\.monitoring\s.*2026-06-30\s+EXPIRED\s*$`).MatchString(layout) {
		t.Errorf("the attestation that expired on 2026-06-30 is not shown as EXPIRED")
	}
	if regexp.MustCompile(`(?m)^\s*ops\.incident-response\s.*EXPIRED`).MatchString(layout) {
		t.Errorf("a valid attestation is shown as EXPIRED")
	}
	// Each simulated capture is labeled next to its ID; the real one is not.
	for _, c := range b.Captures {
		labeled := strings.Contains(flat, string(c.ID)+" · "+simulatedLabel)
		if labeled != c.Simulated {
			t.Errorf("capture %s (simulated %v): labeled %q: %v", c.ID, c.Simulated, simulatedLabel, labeled)
		}
	}
	// One embedded image per capture.
	list, err := exec.Command(poppler(t, "pdfimages"), "-list", path).Output()
	if err != nil {
		t.Fatalf("pdfimages: %v", err)
	}
	if n := len(regexp.MustCompile(`(?m)^\s*\d+\s+\d+\s+image\s`).FindAll(list, -1)); n != len(b.Captures) {
		t.Errorf("%d images embedded, want %d:\n%s", n, len(b.Captures), list)
	}
}

// TestRenderWithoutImages renders a pack read back from pack.json without
// its evidence files: the captures say that their image is not at hand.
func TestRenderWithoutImages(t *testing.T) {
	b := fixture()
	for i := range b.Evidence {
		b.Evidence[i].Data = nil
	}
	// A spooled file that is gone is said so too.
	gone := b.Captures[0].ID
	for i := range b.Evidence {
		if b.Evidence[i].ID == gone {
			b.Evidence[i].File = filepath.Join(t.TempDir(), "gone.png")
		}
	}
	out, err := Render(b)
	if err != nil {
		t.Fatal(err)
	}
	text := words(extract(t, render(t, out)))
	if c := strings.Count(text, "Image not embedded"); c != len(b.Captures) {
		t.Errorf("%d captures say their image is missing, want %d", c, len(b.Captures))
	}
	if !strings.Contains(text, "Image not embedded: reading evidence "+string(gone)) {
		t.Errorf("no word of the spooled file that could not be read:\n%s", text)
	}
}

// TestRenderSignature checks that the cover names the signing key, and how
// to verify it, or says plainly that the pack is not signed.
func TestRenderSignature(t *testing.T) {
	for _, tc := range []struct {
		name string
		sig  *bundle.Signature
		want string
	}{
		{"signed", &bundle.Signature{KeyID: "5bf87baa65a29427", Algorithm: "ed25519", File: "SHA256SUMS.sig"},
			"Signed by key ID 5bf87baa65a29427 (ed25519) — verify with: dossier verify PACK --pubkey KEY.pub"},
		{"unsigned", nil, "Not signed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := fixture()
			b.Signature = tc.sig
			out, err := Render(b)
			if err != nil {
				t.Fatal(err)
			}
			cover := words(extractPages(t, render(t, out), 1, 1))
			if !strings.Contains(cover, tc.want) {
				t.Errorf("cover lacks %q: %.600s", tc.want, cover)
			}
			if tc.sig == nil && strings.Contains(cover, "Signed by") {
				t.Errorf("an unsigned pack's cover names a key: %.600s", cover)
			}
		})
	}
}

// TestRenderWaivers checks that a waived failure shows WAIVED beside its
// status wherever it is listed, with who waived it and until when, that the
// others do not, and that the Operations section lists every waiver with
// the expired one marked.
func TestRenderWaivers(t *testing.T) {
	b := fixture()
	path := render(t, mustRender(t, b))
	flat := words(extract(t, path))
	layout := extract(t, path, "-layout")

	waived := regexp.MustCompile(`(?m)^\s*tool\.annotations-explicit\s+tool:get_invoice\s+fail\s+WAIVED\s+probed\s+high\s*$`)
	// In the summary's other failures and in all results.
	if n := len(waived.FindAllString(layout, -1)); n < 2 {
		t.Errorf("the waived result shows WAIVED beside its status %d times, want at least 2", n)
	}
	if n := strings.Count(flat, "WAIVED — waived by Jane Doe, CISO until 2027-01-31: the invoice API is internal only until 1.5 ships."); n < 2 {
		t.Errorf("who waived the result is said %d times, want at least 2", n)
	}
	if strings.Contains(flat, "Waived by Jane Doe, CISO on 2026-11-01") {
		t.Errorf("the waiver is repeated in the detail")
	}
	if regexp.MustCompile(`(?m)^\s*tool\.annotations-explicit\s+tool:public_status\s+fail\s+WAIVED`).MatchString(layout) {
		t.Errorf("a failure nobody waived is shown as WAIVED")
	}
	for _, want := range []string{"Waived failures: 1", "Other failures (7, 1 waived)"} {
		if !strings.Contains(flat, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	if !regexp.MustCompile(`(?m)^\s*tool\.annotations-explicit\s+Jane Doe, CISO\s+2026-11-01\s+2027-01-31\s+valid on 2026-11-30\s*$`).MatchString(layout) {
		t.Errorf("the valid waiver is not listed under Operations")
	}
	if !regexp.MustCompile(`(?m)^\s*listing\.metadata\s+Max Mustermann\s+2026-01-10\s+2026-07-31\s+EXPIRED\s*$`).MatchString(layout) {
		t.Errorf("the waiver that expired on 2026-07-31 is not shown as EXPIRED")
	}
	if !strings.Contains(flat, "Subject: tool:get_invoice · Accepts: tool:get_invoice") {
		t.Errorf("the valid waiver does not name the failure it accepts")
	}
}

func mustRender(t *testing.T, b *bundle.Bundle) []byte {
	t.Helper()
	out, err := Render(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRenderChanges checks that a pack built with --since shows what
// changed since the last submission, after the summary and named in the
// contents, and that a pack without a comparison has no such section.
func TestRenderChanges(t *testing.T) {
	const title = "Changes since the last submission"
	t.Run("compared", func(t *testing.T) {
		b := withChanges(fixture())
		path := render(t, mustRender(t, b))
		flat := words(extract(t, path))
		layout := extract(t, path, "-layout")

		if cover := words(extractPages(t, path, 1, 1)); !strings.Contains(cover, "Since the last submission compared with the pack of 2026-10-02 (Müller & Söhne Shop-Assistent 1.4.1): 3 changes, re-submission needed") {
			t.Errorf("the cover does not name the comparison: %.800s", cover)
		}
		contents := words(extractPages(t, path, 2, 2))
		m := regexp.MustCompile(`Summary \d+ ` + title + ` (\d+) Questionnaire answers`).FindStringSubmatch(contents)
		if m == nil {
			t.Fatalf("the contents do not list %q between the summary and the answers: %s", title, contents)
		}
		n, _ := strconv.Atoi(m[1])
		section := words(extractPages(t, path, n, n))
		if !strings.Contains(section, title) {
			t.Fatalf("the contents say %q is on page %d, which reads: %.300s", title, n, section)
		}
		for _, want := range []string{
			"Re-submission needed: 2 of 3 changes of the reviewed contract need a new review.",
			"Version 1.4.1", "Created 2026-10-02 09:30:00 UTC", "pack.json SHA-256 940e193c11d5aa579b49bf25c985492d28371048c88894895ae7a5cd038966b0",
			"annotations changed: destructiveHint=true → false",
			"CSP widened: +connect https://api.shop.example.de",
			"§5.3: annotations are reviewed with the tool definition",
			"Answers that changed (2)",
		} {
			if !strings.Contains(section, want) && !strings.Contains(flat, want) {
				t.Errorf("the changes section lacks %q", want)
			}
		}
		for _, re := range []string{
			`(?m)^\s*tool:delete_account\s+annotations\s+annotations changed: destructiveHint=true → .*NEEDED\s*$`,
			`(?m)^\s*widget:ui://widget/orders\.html\s+widget-content\s.*not needed\s*$`,
			`(?m)^\s*SEC-2\s.*\syes\s+no\s*$`,
			`(?m)^\s*PLT-9\s.*\snew question\s+partial\s*$`,
		} {
			if !regexp.MustCompile(re).MatchString(layout) {
				t.Errorf("no line matches %s", re)
			}
		}
	})
	t.Run("not compared", func(t *testing.T) {
		flat := words(extract(t, render(t, mustRender(t, fixture()))))
		if strings.Contains(flat, title) || strings.Contains(flat, "Since the last submission") {
			t.Errorf("a pack built without --since shows %q", title)
		}
	})
}

// TestRenderImagesAsCaptured renders many simulated prompts of one size
// (distinct pixels) and two captures sharing one PNG: each PNG's compressed
// pixels are in the PDF byte for byte, a shared PNG is embedded once, two
// renders give the same bytes (gofpdf would order equal-width images by map
// order), and each prompt has its red band, as text, under its caption.
func TestRenderImagesAsCaptured(t *testing.T) {
	b := fixture()
	b.Captures, b.Evidence = b.Captures[:1], b.Evidence[:len(b.Evidence)-1] // keep the widget
	const prompts = 12
	var pngs [][]byte
	for i := range prompts {
		id := check.EvidenceID(fmt.Sprintf("C%04d", 100+i))
		data := testPNG(640, 400, color.NRGBA{uint8(20 * i), 0x80, 0x40, 0xff})
		if i == prompts-1 {
			data = pngs[0] // the same pixels as the first prompt
		} else {
			pngs = append(pngs, data)
		}
		e := check.Evidence{ID: id, Kind: check.KindScreenshot, Title: fmt.Sprintf("Simulated confirmation prompt of tool_%d", i), Path: "evidence/captures/" + string(id) + ".png", Size: int64(len(data)), Data: data}
		if i%2 == 1 { // half of them spooled to disk, as build keeps them
			e.File, e.Data = filepath.Join(t.TempDir(), string(id)+".png"), nil
			if err := os.WriteFile(e.File, data, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		b.Evidence = append(b.Evidence, e)
		b.Captures = append(b.Captures, live.Capture{ID: id, Subject: fmt.Sprintf("tool:tool_%d", i), Viewport: "1280x800", Simulated: true})
	}
	first := mustRender(t, b)
	if second := mustRender(t, b); !bytes.Equal(first, second) {
		t.Fatalf("two renders of the same bundle differ (%d and %d bytes)", len(first), len(second))
	}
	for i, p := range pngs {
		if idat := pngIDAT(t, p); !bytes.Contains(first, idat) {
			t.Errorf("prompt %d: its PNG's compressed pixels (%d bytes) are not in the PDF as they are", i, len(idat))
		}
	}
	path := render(t, first)
	list, err := exec.Command(poppler(t, "pdfimages"), "-list", path).Output()
	if err != nil {
		t.Fatalf("pdfimages: %v", err)
	}
	// The widget, and one image per distinct prompt PNG.
	if n := len(regexp.MustCompile(`(?m)^\s*\d+\s+\d+\s+image\s+640\s+400\s`).FindAll(list, -1)); n != prompts {
		t.Errorf("%d prompt images placed, want %d:\n%s", n, prompts, list)
	}
	if ids := regexp.MustCompile(`(?m)^\s*\d+\s+\d+\s+image\s+640\s+400\s.*?\s(\d+)\s+0\s`).FindAllSubmatch(list, -1); len(ids) > 0 {
		objs := map[string]bool{}
		for _, m := range ids {
			objs[string(m[1])] = true
		}
		if len(objs) != prompts-1 {
			t.Errorf("%d image objects for %d distinct prompt PNGs:\n%s", len(objs), prompts-1, list)
		}
	}
	layout := extract(t, path, "-layout")
	for _, c := range b.Captures[1:] {
		re := regexp.MustCompile(regexp.QuoteMeta(string(c.ID)+" · "+simulatedLabel) + `[^\n]*\n(?:[^\n]*\n){0,4}\s*` + regexp.QuoteMeta(simulatedBand))
		if !re.MatchString(layout) {
			t.Errorf("capture %s: no %q band under its caption", c.ID, simulatedBand)
		}
	}
	if n := strings.Count(layout, simulatedBand); n != prompts {
		t.Errorf("%d bands, want one per simulated capture (%d)", n, prompts)
	}
}

// pngIDAT is the compressed pixel data of a PNG: its IDAT chunks joined.
func pngIDAT(t *testing.T, p []byte) []byte {
	t.Helper()
	var out []byte
	for rest := p[8:]; len(rest) >= 12; {
		n := int(binary.BigEndian.Uint32(rest))
		if string(rest[4:8]) == "IDAT" {
			out = append(out, rest[8:8+n]...)
		}
		rest = rest[12+n:]
	}
	if len(out) == 0 {
		t.Fatal("no IDAT in test PNG")
	}
	return out
}
