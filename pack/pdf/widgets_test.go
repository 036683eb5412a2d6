package pdf

import (
	"strings"
	"testing"
)

// TestRenderCapturesAtScale checks the captures of a pack with many
// simulated prompts: the browser that made them all is given once, not in
// each record; each record still names its capture, subject, PNG hash and
// file, and says in one line that the page did nothing; two prompts share
// a page. When the captures' browsers differ, each record names its own.
func TestRenderCapturesAtScale(t *testing.T) {
	const n = 12
	flags := []string{"--headless", "--no-sandbox", "--window-size=1280,800"}
	b := withScreens(bigFixture(n), n)
	for i := range b.Captures {
		c := &b.Captures[i]
		c.Chrome, c.Flags, c.Sandbox = "Chrome/156.0.8078.114", flags, "running as root"
		c.PNGSHA256 = string(b.Evidence[i].ID) + "-png-hash"
	}
	path := render(t, mustRender(t, b))
	flat := words(extract(t, path))
	if c := strings.Count(flat, "--window-size=1280,800"); c != 1 {
		t.Errorf("the shared browser flags are printed %d times, want once", c)
	}
	if !strings.Contains(flat, "The browser of every capture") || !strings.Contains(flat, "Chrome/156.0.8078.114") {
		t.Errorf("the shared browser is not named")
	}
	for i, c := range b.Captures {
		ev := b.Evidence[i]
		at := strings.Index(flat, string(c.ID)+" · "+simulatedLabel)
		if at < 0 {
			t.Errorf("capture %s has no caption", c.ID)
			continue
		}
		rec := flat[at:]
		skip := len(string(c.ID) + " · " + simulatedLabel)
		if next := strings.Index(rec[skip:], " · "+simulatedLabel+" · "); next > 0 {
			rec = rec[:skip+next]
		}
		for _, want := range []string{"Subject " + c.Subject, "PNG SHA-256 " + c.PNGSHA256, "Evidence file " + ev.Path, "Page activity none: no CSP violations"} {
			if !strings.Contains(rec, want) {
				t.Errorf("capture %s: record lacks %q: %.600s", c.ID, want, rec)
			}
		}
	}
	most := 0
	for p := 1; p <= pages(t, path); p++ {
		most = max(most, strings.Count(extractPages(t, path, p, p), simulatedLabel+": dossier drew"))
	}
	if most < 2 {
		t.Errorf("at most %d simulated prompt(s) on a page, want two to share one", most)
	}

	// Another browser for one capture: every record names its own.
	b.Captures[3].Flags = []string{"--headless", "--window-size=1280,800", "--other"}
	flat = words(extract(t, render(t, mustRender(t, b))))
	if c := strings.Count(flat, "--window-size=1280,800"); c != n {
		t.Errorf("with two browsers the flags are printed %d times, want once per capture (%d)", c, n)
	}
	if strings.Contains(flat, "The browser of every capture") {
		t.Errorf("a browser is said to be shared when it is not")
	}
}
