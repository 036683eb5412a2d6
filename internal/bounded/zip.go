package bounded

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
)

// ZipEntries reads the number of entries a zip's end of central directory
// declares, before archive/zip allocates a record for each of them: a
// reader refuses a zip declaring more entries than it would ever hold
// before it is parsed.
func ZipEntries(r io.ReaderAt, size int64) (uint64, error) {
	const eocdLen, maxComment = 22, 65535
	n := min(size, eocdLen+maxComment)
	if n < eocdLen {
		return 0, errors.New("too short to be a zip")
	}
	tail := make([]byte, n)
	if _, err := r.ReadAt(tail, size-n); err != nil && !errors.Is(err, io.EOF) {
		return 0, err
	}
	i := bytes.LastIndex(tail, []byte("PK\x05\x06"))
	if i < 0 || len(tail)-i < eocdLen {
		return 0, errors.New("no end of central directory")
	}
	entries := uint64(binary.LittleEndian.Uint16(tail[i+10:]))
	if entries != 0xffff || i < 20 {
		return entries, nil
	}
	// ZIP64: the locator just before the record points at the ZIP64 end
	// of central directory, which holds the real count.
	loc := tail[i-20 : i]
	if !bytes.HasPrefix(loc, []byte("PK\x06\x07")) {
		return entries, nil
	}
	off := int64(binary.LittleEndian.Uint64(loc[8:]))
	rec := make([]byte, 56)
	if off < 0 || off > size-56 {
		return 0, errors.New("ZIP64 end of central directory out of range")
	}
	if _, err := r.ReadAt(rec, off); err != nil {
		return 0, err
	}
	if !bytes.HasPrefix(rec, []byte("PK\x06\x06")) {
		return 0, errors.New("no ZIP64 end of central directory")
	}
	return binary.LittleEndian.Uint64(rec[32:]), nil
}
