package pdf

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"testing"

	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/live"
)

func BenchmarkRender(b *testing.B) {
	for _, n := range []int{10, 500} {
		bundle := bigFixture(n)
		b.Run(fmt.Sprintf("tools=%d", n), func(b *testing.B) { benchRender(b, bundle) })
	}
}

func benchRender(b *testing.B, bundle *bundle.Bundle) {
	b.ReportAllocs()
	var size int
	for b.Loop() {
		out, err := Render(bundle)
		if err != nil {
			b.Fatal(err)
		}
		size = len(out)
	}
	b.ReportMetric(float64(size), "bytes/pdf")
}

// BenchmarkRenderCaptures renders packs with n distinct 1280×800
// screenshots as Chrome writes them (8-bit RGB, some tens of kB each): the
// demo has 6, a server with many write tools a few hundred.
func BenchmarkRenderCaptures(b *testing.B) {
	for _, n := range []int{6, 300} {
		bundle := withScreens(bigFixture(n), n)
		b.Run(fmt.Sprintf("captures=%d", n), func(b *testing.B) { benchRender(b, bundle) })
	}
}

// withScreens gives b n simulated confirmation prompts, each a distinct
// 1280×800 screenshot.
func withScreens(b *bundle.Bundle, n int) *bundle.Bundle {
	b.Captures, b.Evidence = nil, nil
	for i := range n {
		id := check.EvidenceID(fmt.Sprintf("C%04d", i+1))
		data := screenshot(i)
		b.Evidence = append(b.Evidence, check.Evidence{ID: id, Kind: check.KindScreenshot, Title: fmt.Sprintf("Simulated confirmation prompt of tool_%04d", i), Path: "evidence/captures/" + string(id) + ".png", Size: int64(len(data)), Data: data})
		b.Captures = append(b.Captures, live.Capture{ID: id, Subject: fmt.Sprintf("tool:tool_%04d", i), Viewport: "1280x800", Simulated: true})
	}
	return b
}

// screenshot is a 1280×800 page: a grey backdrop, a white card with lines
// of "text" (a pattern that varies with i) and a coloured button.
func screenshot(i int) []byte {
	m := image.NewRGBA(image.Rect(0, 0, 1280, 800))
	for y := range 800 {
		for x := range 1280 {
			c := color.RGBA{0x60, 0x60, 0x66, 0xff}
			if x > 340 && x < 940 && y > 200 && y < 600 {
				c = color.RGBA{0xff, 0xff, 0xff, 0xff}
				if ly := (y - 220) % 28; y < 480 && ly < 12 && ((x*7+y*3+i*13)/5)%9 < 5 {
					c = color.RGBA{0x22, 0x22, 0x22, 0xff}
				}
				if y > 520 && y < 570 && x > 740 && x < 920 {
					c = color.RGBA{0xc6, 0x28, byte(i), 0xff}
				}
			}
			m.SetRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		panic(err)
	}
	return buf.Bytes()
}
