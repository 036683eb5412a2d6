// Package bounded opens files someone else wrote (a received pack, a
// manifest, a questionnaire, a key) without trusting them: only regular
// files, never more than a cap. A FIFO, a device such as /dev/zero, or a
// sparse file of gigabytes is refused before it is read. It is a leaf
// package that every reader of untrusted files uses.
package bounded

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// ErrTooLarge is wrapped by the error for a file over its cap.
var ErrTooLarge = errors.New("larger than allowed")

// File is an open regular file whose reads stop at its cap.
type File struct {
	f    *os.File
	r    io.Reader
	max  int64
	read int64
	Size int64 // as stat said when it was opened
}

// Open opens path for reading when it is a regular file of at most max
// bytes. The file is opened with O_NONBLOCK, so that opening a FIFO does
// not wait for a writer, and its type is checked on the open descriptor,
// so that it cannot be swapped between a check and the open.
func Open(path string, max int64) (*File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	return check(f, path, max)
}

// OpenIn opens name inside root as Open does. The root refuses a name that
// leaves it, by ".." or through a symlink, on the same descriptor that is
// then read: nothing can be swapped between the check and the open.
func OpenIn(root *os.Root, name string, max int64) (*File, error) {
	f, err := root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	return check(f, name, max)
}

// check keeps f when it is a regular file of at most max bytes, and closes
// it otherwise.
func check(f *os.File, path string, max int64) (*File, error) {
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%q is %s, not a regular file", path, kind(fi.Mode()))
	}
	if fi.Size() > max {
		f.Close()
		return nil, fmt.Errorf("%q has %d bytes, %w (%d)", path, fi.Size(), ErrTooLarge, max)
	}
	return &File{f: f, r: io.LimitReader(f, max+1), max: max, Size: fi.Size()}, nil
}

// Read reads; a file that grew past its cap since it was opened is an
// error, not a truncated read.
func (b *File) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.read += int64(n)
	if b.read > b.max {
		return n, fmt.Errorf("%q grew past %d bytes while read: %w", b.f.Name(), b.max, ErrTooLarge)
	}
	return n, err
}

// ReadAt reads at an offset, for archive/zip; it is bounded by Size, which
// the caller passes on.
func (b *File) ReadAt(p []byte, off int64) (int, error) { return b.f.ReadAt(p, off) }

// Close closes the file.
func (b *File) Close() error { return b.f.Close() }

// ReadFile reads a whole regular file of at most max bytes.
func ReadFile(path string, max int64) ([]byte, error) {
	return readAll(Open(path, max))
}

// ReadFileIn reads a whole regular file of at most max bytes inside root
// (see OpenIn).
func ReadFileIn(root *os.Root, name string, max int64) ([]byte, error) {
	return readAll(OpenIn(root, name, max))
}

func readAll(f *File, err error) ([]byte, error) {
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}
