package evidence

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/live"
	"github.com/dossier-dev/dossier/pack/manifest"
)

// TestPromptCapture draws two prompts, a tall one then a short one, in one
// tab, and the short one again alone in a freshly loaded tab. Each capture
// is the prompt's box (not the 1280x800 page) under the simulated banner,
// recorded as simulated; the short prompt drawn after the tall one is the
// very same picture as drawn alone: nothing of the previous prompt remains.
func TestPromptCapture(t *testing.T) {
	path := needBrowser(t)
	b, err := LaunchChrome(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	opts := Options{Parallel: 1, Now: func() time.Time { return fixed }, Launch: func(context.Context, string) (Browser, error) { return kept{b}, nil }}

	long := strings.Repeat("Deletes every order of the account, with its invoices and shipping labels. ", 6)
	tall := live.Tool{Name: "delete_all", Title: "Delete everything", Description: long, Hints: hints(false, true, true)}
	short := live.Tool{Name: "ping_write", Title: "Ping", Hints: hints(false, false, false)}
	args := map[string]any{}
	for _, k := range []string{"account", "confirm", "reason", "notify", "region", "dry_run"} {
		args[k] = "value of " + k
	}
	declared := []manifest.Tool{{Name: "delete_all", Kind: manifest.KindDestructive, Example: args}}

	shots := func(tools ...live.Tool) map[string]image.Image {
		t.Helper()
		out, err := Run(t.Context(), Input{Tools: tools, Declared: declared}, opts)
		if err != nil {
			t.Fatal(err)
		}
		ev := map[check.EvidenceID][]byte{}
		for _, e := range out.Evidence {
			ev[e.ID] = e.Data
		}
		got := map[string]image.Image{}
		for _, c := range out.Captures {
			if !c.Simulated || c.URL == "" || c.PNGSHA256 != sum(ev[c.ID]) {
				t.Errorf("%s: capture record %+v, want a simulated capture of its PNG", c.Subject, c)
			}
			img, err := png.Decode(bytes.NewReader(ev[c.ID]))
			if err != nil {
				t.Fatalf("%s: %v", c.Subject, err)
			}
			got[c.Subject] = img
		}
		if len(got) != len(tools) {
			t.Fatalf("%d captures for %d prompts: %+v", len(got), len(tools), out.Results)
		}
		return got
	}
	both := shots(tall, short)
	alone := shots(short)

	tallImg, shortImg := both["tool:delete_all"], both["tool:ping_write"]
	for name, img := range map[string]image.Image{"tall": tallImg, "short": shortImg} {
		if b := img.Bounds(); b.Dx() != 800 || b.Dy() >= 800 {
			t.Errorf("%s prompt: PNG is %v, want the prompt's 800px wide box, not the 1280x800 page", name, b.Size())
		}
		// The simulated banner is a red band across the top of the box.
		for _, x := range []int{4, 400, 795} {
			if r, g, bl, _ := img.At(x, 6).RGBA(); r>>8 < 150 || g>>8 > 60 || bl>>8 > 60 {
				t.Errorf("%s prompt: pixel %d,6 is %d,%d,%d, want the red banner", name, x, r>>8, g>>8, bl>>8)
			}
		}
	}
	if tallImg.Bounds().Dy() <= shortImg.Bounds().Dy()+100 {
		t.Errorf("tall prompt %v, short %v: the box does not follow the card", tallImg.Bounds(), shortImg.Bounds())
	}
	if !samePixels(shortImg, alone["tool:ping_write"]) {
		t.Error("the short prompt drawn after the tall one differs from the same prompt drawn alone: the previous prompt leaks")
	}
}

func samePixels(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			if a.At(x, y) != b.At(x, y) {
				return false
			}
		}
	}
	return true
}
