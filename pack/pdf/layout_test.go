package pdf

import (
	"bytes"
	"compress/zlib"
	"io"
	"regexp"
	"strconv"
	"testing"
)

// firstPageContent is the decompressed content stream of a PDF's first
// page, as gofpdf writes it: the first /Contents reference names an object
// holding one FlateDecode stream.
func firstPageContent(t *testing.T, pdf []byte) []byte {
	t.Helper()
	m := regexp.MustCompile(`/Contents (\d+) 0 R`).FindSubmatch(pdf)
	if m == nil {
		t.Fatal("no /Contents in the PDF")
	}
	s := regexp.MustCompile(`\n` + string(m[1]) + ` 0 obj\s*<<[^>]*/Length (\d+)>>\s*stream\r?\n`).FindSubmatchIndex(pdf)
	if s == nil {
		t.Fatalf("object %s: no stream", m[1])
	}
	n, _ := strconv.Atoi(string(pdf[s[2]:s[3]]))
	r, err := zlib.NewReader(bytes.NewReader(pdf[s[1] : s[1]+n]))
	if err != nil {
		t.Fatalf("object %s: %v", m[1], err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("object %s: %v", m[1], err)
	}
	return out
}

// TestCoverContentDoesNotGrow checks that measuring rows leaves nothing in
// the document: the cover's content stream is about as long for 500 tools
// as for a handful. Measured on the document itself, every measured text
// left a font change in the first page (7 MB at 1,000 tools).
func TestCoverContentDoesNotGrow(t *testing.T) {
	small := len(firstPageContent(t, mustRender(t, fixture())))
	big := len(firstPageContent(t, mustRender(t, bigFixture(500))))
	if small == 0 || big > 2*small {
		t.Errorf("the cover's content is %d bytes at 500 tools and %d for the fixture, want at most twice", big, small)
	}
}
