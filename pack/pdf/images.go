package pdf

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/draw"
	"image/png"
	"reflect"
	"unsafe"

	"github.com/johnfercher/go-tree/node"
	"github.com/johnfercher/maroto/v2/pkg/core"
	"github.com/johnfercher/maroto/v2/pkg/core/entity"
	"github.com/johnfercher/maroto/v2/pkg/props"
	"github.com/phpdave11/gofpdf"
)

// How a capture's PNG gets into the PDF.
//
// A PNG that gofpdf can take as it is (8-bit grey or RGB, not interlaced,
// well-formed chunks: what Chrome writes) is embedded byte for byte: gofpdf
// copies its compressed pixel data into the PDF without decoding it. Only
// another kind of PNG (a palette, an alpha channel, 16 bits, interlacing:
// possible in a received pack) is decoded, drawn on white on an RGBA canvas
// and encoded again. The red "simulated" band is PDF text on a filled cell
// above the image, never drawn into the pixels.
//
// Each image is registered with gofpdf under the SHA-256 of its bytes, so
// that a capture shown twice (or two captures with the same pixels) is one
// image object. Reproducible bytes need one more step: gofpdf writes the
// image objects sorted by pixel width and, among equal widths, in Go map
// order (random from run to run). Each image's width, as gofpdf records it
// for that sort, gets a fraction below one half derived from its hash;
// gofpdf prints widths as integers, so the PDF says the same, and the order
// among equal widths follows the hashes. maroto keeps its gofpdf document
// unexported, and gofpdf its image width, so both are reached by reflection
// (fpdfOf, orderByHash); a test fails if either moves.

// maxImagePixels bounds the pixels of an embedded PNG (a received pack is
// untrusted, and one that must be decoded is held whole): 8,192 × 4,096,
// 32 times a 1280×800 capture.
const maxImagePixels = 8192 * 4096

// embedImage is a PNG ready to place: its gofpdf name and pixel size.
type embedImage struct {
	name string
	data []byte
	w, h int
	frac float64 // in [0, 0.5), from the hash: see orderByHash
}

// prepareImage returns data as an image to embed: as it is when gofpdf can
// copy it, else decoded and encoded again as 8-bit RGB.
func prepareImage(data []byte) (embedImage, error) {
	w, h, err := plainPNG(data)
	if err != nil {
		if data, w, h, err = redraw(data); err != nil {
			return embedImage{}, err
		}
	}
	sum := sha256.Sum256(data)
	frac := float64(binary.BigEndian.Uint64(sum[:8])>>11) / (1 << 53) / 2
	return embedImage{name: "png:" + hex.EncodeToString(sum[:]), data: data, w: w, h: h, frac: frac}, nil
}

var errNotPlain = errors.New("not a plain PNG")

// plainPNG reports the size of data when it is a PNG gofpdf copies as it is:
// the signature, an IHDR for 8-bit grey or RGB without interlacing, chunks
// whose lengths and CRCs hold, image data, and an IEND. gofpdf's own parser
// trusts chunk lengths (a short tRNS makes it index out of range) and stops
// at the first empty chunk, so anything else takes the decoding path.
func plainPNG(data []byte) (w, h int, err error) {
	const sig = "\x89PNG\r\n\x1a\n"
	if len(data) < len(sig) || string(data[:len(sig)]) != sig {
		return 0, 0, errNotPlain
	}
	rest := data[len(sig):]
	idat, first := false, true
	for len(rest) >= 12 {
		n := binary.BigEndian.Uint32(rest)
		if uint64(n) > uint64(len(rest)-12) {
			return 0, 0, errNotPlain
		}
		typ, body := string(rest[4:8]), rest[8:8+n]
		if crc32.ChecksumIEEE(rest[4:8+n]) != binary.BigEndian.Uint32(rest[8+n:]) {
			return 0, 0, errNotPlain
		}
		rest = rest[12+n:]
		switch {
		case first:
			// width, height, bit depth 8, colour type 0 or 2, compression,
			// filter and interlace methods 0
			if typ != "IHDR" || n != 13 || body[8] != 8 || (body[9] != 0 && body[9] != 2) || body[10] != 0 || body[11] != 0 || body[12] != 0 {
				return 0, 0, errNotPlain
			}
			w, h = int(binary.BigEndian.Uint32(body)), int(binary.BigEndian.Uint32(body[4:]))
			if w <= 0 || h <= 0 || int64(w)*int64(h) > maxImagePixels {
				return 0, 0, errNotPlain
			}
			first = false
		case typ == "IEND":
			if !idat {
				return 0, 0, errNotPlain
			}
			return w, h, nil
		case n == 0, typ == "IHDR", typ == "PLTE", typ == "tRNS":
			return 0, 0, errNotPlain
		case typ == "IDAT":
			idat = true
		}
	}
	return 0, 0, errNotPlain
}

// redraw decodes a PNG gofpdf cannot copy, draws it on white on an RGBA
// canvas and encodes it as 8-bit RGB.
func redraw(data []byte) ([]byte, int, int, error) {
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, 0, 0, err
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxImagePixels {
		return nil, 0, 0, fmt.Errorf("%d×%d pixels, more than the %d this PDF embeds", cfg.Width, cfg.Height, maxImagePixels)
	}
	src, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, 0, 0, err
	}
	b := src.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(dst, dst.Bounds(), image.White, image.Point{}, draw.Src)
	draw.Draw(dst, dst.Bounds(), src, b.Min, draw.Over)
	var out bytes.Buffer
	// Opaque: the encoder writes RGB without alpha, which gofpdf copies.
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&out, dst); err != nil {
		return nil, 0, 0, err
	}
	return out.Bytes(), b.Dx(), b.Dy(), nil
}

// pngComponent is a maroto component that places an embedImage, scaled to
// fit its cell and centred, through gofpdf directly.
type pngComponent struct {
	img embedImage
	cfg *entity.Config
}

func (c *pngComponent) GetStructure() *node.Node[core.Structure] {
	return node.New(core.Structure{Type: "image", Value: c.img.name})
}
func (c *pngComponent) SetConfig(cfg *entity.Config) { c.cfg = cfg }

// GetHeight is the height of the scaled image: the row gives it.
func (c *pngComponent) GetHeight(_ core.Provider, cell *entity.Cell) float64 {
	return cell.Height
}

func (c *pngComponent) Render(p core.Provider, cell *entity.Cell) {
	pdf, err := fpdfOf(p)
	if err != nil {
		p.AddText("Image not embedded: "+err.Error(), cell, imageErrorText())
		return
	}
	info := pdf.RegisterImageOptionsReader(c.img.name, gofpdf.ImageOptions{ImageType: "png"}, bytes.NewReader(c.img.data))
	if info == nil || pdf.Err() {
		err := pdf.Error()
		pdf.ClearError()
		p.AddText(fmt.Sprintf("Image not embedded: gofpdf could not read it (%v).", err), cell, imageErrorText())
		return
	}
	if err := orderByHash(info, c.img); err != nil {
		pdf.SetError(err) // Generate reports it: the bytes would not be reproducible
		return
	}
	scale := min(cell.Width/float64(c.img.w), cell.Height/float64(c.img.h))
	w, h := float64(c.img.w)*scale, float64(c.img.h)*scale
	x := c.cfg.Margins.Left + cell.X + (cell.Width-w)/2
	y := c.cfg.Margins.Top + cell.Y + (cell.Height-h)/2
	pdf.ImageOptions(c.img.name, x, y, w, h, false, gofpdf.ImageOptions{ImageType: "png"}, 0, "")
}

// imageErrorText is how a cell says its image could not be placed.
func imageErrorText() *props.Text {
	p := textProps(bodyBold)
	return &p
}

// fpdfOf is the gofpdf document behind maroto's provider (its unexported
// field fpdf), to register images under names of our choosing.
func fpdfOf(p core.Provider) (*gofpdf.Fpdf, error) {
	v := reflect.ValueOf(p)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("maroto's provider is a %T, not the gofpdf provider this package knows", p)
	}
	f := v.Elem().FieldByName("fpdf")
	if !f.IsValid() || f.Kind() != reflect.Interface {
		return nil, fmt.Errorf("maroto's provider %T has no gofpdf document", p)
	}
	pdf, ok := reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Interface().(*gofpdf.Fpdf)
	if !ok || pdf == nil {
		return nil, fmt.Errorf("maroto's provider %T holds no *gofpdf.Fpdf", p)
	}
	return pdf, nil
}

// orderByHash sets the width gofpdf sorts images by to the pixel width plus
// a fraction below one half taken from the image's hash (see the top of
// this file).
func orderByHash(info *gofpdf.ImageInfoType, img embedImage) error {
	f := reflect.ValueOf(info).Elem().FieldByName("w")
	if !f.IsValid() || f.Kind() != reflect.Float64 {
		return errors.New("rendering pdf: gofpdf's image record has no width to order images by")
	}
	w := reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
	if int(w.Float()) != img.w {
		return fmt.Errorf("rendering pdf: gofpdf read image %s as %v pixels wide, not %d", img.name, w.Float(), img.w)
	}
	w.SetFloat(float64(img.w) + img.frac)
	return nil
}
