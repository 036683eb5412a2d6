package pdf

import (
	_ "embed"
	"fmt"
	"math"
	"strings"
	"unicode"

	"github.com/johnfercher/maroto/v2/pkg/consts/fontstyle"
	"github.com/johnfercher/maroto/v2/pkg/core/entity"
	"github.com/johnfercher/maroto/v2/pkg/repository"
	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// The fonts are embedded so the output never depends on the fonts of the
// machine that renders it. DejaVu Sans covers Latin, Greek and Cyrillic;
// see fonts/LICENSE.
var (
	//go:embed fonts/DejaVuSans.ttf
	regularTTF []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	boldTTF []byte
)

const (
	family = "DejaVuSans"
	// replacement is drawn for every character the fonts cannot draw.
	replacement = '\uFFFD'
	// mmPerPt converts a font size in points to millimetres.
	mmPerPt = 25.4 / 72
)

// customFonts returns the embedded fonts in the form maroto registers.
func customFonts() ([]*entity.CustomFont, error) {
	fs, err := repository.New().
		AddUTF8FontFromBytes(family, fontstyle.Normal, regularTTF).
		AddUTF8FontFromBytes(family, fontstyle.Bold, boldTTF).
		Load()
	if err != nil {
		return nil, fmt.Errorf("loading embedded fonts: %w", err)
	}
	return fs, nil
}

// face measures one font the way gofpdf does: advance widths in thousandths
// of an em, no kerning.
type face struct {
	font   *sfnt.Font
	buf    sfnt.Buffer
	widths map[rune]int // -1: no glyph
}

func newFace(ttf []byte) (*face, error) {
	f, err := sfnt.Parse(ttf)
	if err != nil {
		return nil, fmt.Errorf("parsing embedded font: %w", err)
	}
	return &face{font: f, widths: map[rune]int{}}, nil
}

// width is the advance of r in thousandths of an em, or -1 when the font has
// no glyph for it.
func (f *face) width(r rune) int {
	if w, ok := f.widths[r]; ok {
		return w
	}
	w := -1
	if gi, err := f.font.GlyphIndex(&f.buf, r); err == nil && gi != 0 {
		upem := f.font.UnitsPerEm()
		// At ppem == units per em the advance comes back in font units (26.6).
		if adv, err := f.font.GlyphAdvance(&f.buf, gi, fixed.I(int(upem)), font.HintingNone); err == nil {
			w = int(math.Round(float64(adv) / 64 * 1000 / float64(upem)))
		}
	}
	f.widths[r] = w
	return w
}

// text prepares untrusted text for the fonts and measures it. One per Render:
// it caches glyph lookups and is not safe for concurrent use.
type text struct {
	regular, bold *face
}

func newText() (*text, error) {
	r, err := newFace(regularTTF)
	if err != nil {
		return nil, err
	}
	b, err := newFace(boldTTF)
	if err != nil {
		return nil, err
	}
	return &text{regular: r, bold: b}, nil
}

// clean makes a string from an untrusted server safe to draw: every run of
// whitespace (tabs, newlines) becomes one space; control and format
// characters (C0/C1 controls, bidi overrides, zero-width characters) are
// dropped, since they would reorder or hide text; characters the fonts have
// no glyph for (CJK, most emoji, private use, anything beyond the Basic
// Multilingual Plane, which gofpdf cannot embed) and invalid UTF-8 become
// U+FFFD instead of empty boxes. pack.json keeps the original text. Scripts
// that need shaping (Arabic, Indic) are drawn unshaped, left to right.
func (t *text) clean(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s { // invalid UTF-8 arrives as U+FFFD
		switch {
		case unicode.IsSpace(r):
			space = true
			continue
		case unicode.In(r, unicode.Cc, unicode.Cf):
			continue
		case r > 0xFFFF || unicode.Is(unicode.Co, r) || t.regular.width(r) < 0 || t.bold.width(r) < 0:
			r = replacement
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// measure returns the width in millimetres of a cleaned string.
func (t *text) measure(s string, sizePt float64, bold bool) float64 {
	f := t.regular
	if bold {
		f = t.bold
	}
	units := 0
	for _, r := range s {
		if w := f.width(r); w > 0 {
			units += w
		}
	}
	return float64(units) * sizePt / 1000 * mmPerPt
}

// fit cleans s and prepares it for a column widthMM wide. maroto breaks
// lines only at spaces, so a word wider than the column (a URL, a hash, a
// long tool name) would run over its neighbours: such words are cut into
// pieces that fit, preferably after a '/', '.', '-', '_', '&', '?' or '='.
// Text longer than maxLines lines is cut there and marked, so that no single
// row can outgrow a page; maxLines <= 0 means no limit.
func (t *text) fit(s string, widthMM, sizePt float64, bold bool, maxLines int) string {
	s = t.clean(s)
	if s == "" {
		return ""
	}
	limit := widthMM * 0.97 // leave room for rounding differences with gofpdf
	var words []string
	for _, w := range strings.Split(s, " ") {
		words = append(words, t.split(w, limit, sizePt, bold)...)
	}
	if maxLines <= 0 {
		return strings.Join(words, " ")
	}
	// Wrap greedily, as maroto does, to count lines.
	space := t.measure(" ", sizePt, bold)
	lines, used := 1, 0.0
	for i, w := range words {
		ww := t.measure(w, sizePt, bold)
		switch {
		case i == 0:
			used = ww
		case used+space+ww <= limit:
			used += space + ww
		default:
			lines++
			used = ww
		}
		if lines > maxLines {
			return strings.Join(words[:i], " ") + " … [cut; full text in pack.json]"
		}
	}
	return strings.Join(words, " ")
}

// split cuts one word into pieces no wider than limit.
func (t *text) split(w string, limit, sizePt float64, bold bool) []string {
	if t.measure(w, sizePt, bold) <= limit {
		return []string{w}
	}
	var pieces []string
	rs := []rune(w)
	for len(rs) > 0 {
		n, used, brk := 0, 0.0, 0
		for n < len(rs) {
			cw := t.measure(string(rs[n]), sizePt, bold)
			if n > 0 && used+cw > limit {
				break
			}
			used += cw
			n++
			if strings.ContainsRune("/.-_&?=", rs[n-1]) {
				brk = n
			}
		}
		// Break after punctuation when it keeps at least half the line.
		if n < len(rs) && brk*2 >= n {
			n = brk
		}
		pieces = append(pieces, string(rs[:n]))
		rs = rs[n:]
	}
	return pieces
}

// ellipsize cleans s and shortens it to one line of widthMM.
func (t *text) ellipsize(s string, widthMM, sizePt float64, bold bool) string {
	s = t.clean(s)
	limit := widthMM * 0.97
	if t.measure(s, sizePt, bold) <= limit {
		return s
	}
	rs := []rune(s)
	if len(rs) > 400 { // no line holds more; keeps the loop short
		rs = rs[:400]
	}
	for len(rs) > 0 && t.measure(string(rs)+"…", sizePt, bold) > limit {
		rs = rs[:len(rs)-1]
	}
	return string(rs) + "…"
}
