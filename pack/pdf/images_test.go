package pdf

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
)

// TestPrepareImage: a PNG gofpdf can copy is kept byte for byte; any other
// readable PNG is drawn on white and encoded as 8-bit RGB; a broken or
// oversized one is an error, never a panic in gofpdf's parser.
func TestPrepareImage(t *testing.T) {
	rgb := testPNG(64, 40, color.NRGBA{0x20, 0x60, 0xc0, 0xff})
	alpha := encode(t, func() image.Image {
		m := image.NewNRGBA(image.Rect(0, 0, 8, 4))
		m.SetNRGBA(1, 1, color.NRGBA{0xff, 0, 0, 0x00}) // transparent: white once flattened
		m.SetNRGBA(2, 1, color.NRGBA{0, 0, 0xff, 0xff})
		return m
	}())
	paletted := encode(t, image.NewPaletted(image.Rect(0, 0, 5, 3), color.Palette{color.Black, color.White}))
	gray16 := encode(t, image.NewGray16(image.Rect(0, 0, 5, 3)))
	badCRC := bytes.Clone(rgb)
	badCRC[len(badCRC)-20] ^= 0xff                    // inside the last IDAT or its CRC
	shortTRNS := withChunk(rgb, "tRNS", []byte{0, 1}) // RGB needs 6 bytes; gofpdf would index past 2
	huge := withIHDRSize(rgb, 100000, 100000)

	for _, tc := range []struct {
		name    string
		in      []byte
		same    bool   // embedded as it is
		w, h    int    // size when it embeds
		errPart string // non-empty: an error containing it
	}{
		{name: "chrome-like RGB", in: rgb, same: true, w: 64, h: 40},
		{name: "alpha", in: alpha, w: 8, h: 4},
		{name: "palette", in: paletted, w: 5, h: 3},
		{name: "16-bit grey", in: gray16, w: 5, h: 3},
		{name: "short tRNS", in: shortTRNS, errPart: "png"},
		{name: "bad CRC", in: badCRC, errPart: "png"},
		{name: "too many pixels", in: huge, errPart: "pixels"},
		{name: "not a PNG", in: []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!"), errPart: "not a PNG"},
		{name: "empty", in: nil, errPart: "EOF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img, err := prepareImage(tc.in)
			if tc.errPart != "" {
				if err == nil || !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(tc.errPart)) {
					t.Fatalf("err = %v, want one mentioning %q", err, tc.errPart)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if img.w != tc.w || img.h != tc.h {
				t.Errorf("size %d×%d, want %d×%d", img.w, img.h, tc.w, tc.h)
			}
			if got := bytes.Equal(img.data, tc.in); got != tc.same {
				t.Errorf("kept as it is: %v, want %v", got, tc.same)
			}
			if _, _, err := plainPNG(img.data); err != nil {
				t.Errorf("the embedded PNG is not one gofpdf copies as it is: %v", err)
			}
			if img.frac < 0 || img.frac >= 0.5 {
				t.Errorf("frac %v outside [0, 0.5)", img.frac)
			}
		})
	}
	t.Run("alpha flattened on white", func(t *testing.T) {
		img, err := prepareImage(alpha)
		if err != nil {
			t.Fatal(err)
		}
		m, err := png.Decode(bytes.NewReader(img.data))
		if err != nil {
			t.Fatal(err)
		}
		for _, px := range []struct {
			x, y int
			want color.RGBA
		}{{1, 1, color.RGBA{0xff, 0xff, 0xff, 0xff}}, {2, 1, color.RGBA{0, 0, 0xff, 0xff}}} {
			if got := color.RGBAModel.Convert(m.At(px.x, px.y)); got != px.want {
				t.Errorf("pixel (%d,%d) = %v, want %v", px.x, px.y, got, px.want)
			}
		}
	})
}

func encode(t *testing.T, m image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// withChunk inserts a chunk with a valid CRC right after IHDR.
func withChunk(p []byte, typ string, body []byte) []byte {
	c := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
	c = append(c, typ...)
	c = append(c, body...)
	c = binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
	at := 8 + 12 + 13
	return append(append(bytes.Clone(p[:at]), c...), p[at:]...)
}

// withIHDRSize rewrites the IHDR's width and height, CRC included.
func withIHDRSize(p []byte, w, h uint32) []byte {
	q := bytes.Clone(p)
	binary.BigEndian.PutUint32(q[16:], w)
	binary.BigEndian.PutUint32(q[20:], h)
	binary.BigEndian.PutUint32(q[29:], crc32.ChecksumIEEE(q[12:29]))
	return q
}
