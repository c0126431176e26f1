package bounded

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"path"
	"strings"
	"unicode/utf8"
)

// ZipLimits are the budgets of one zip archive. A zero field takes the
// default: 1,000 entries, names of 255 bytes, 64 MB unpacked in all.
type ZipLimits struct {
	// Files is the most entries, directories included.
	Files int
	// Name is the longest entry name, in bytes.
	Name int
	// Total is the most bytes unpacked from all entries together; an
	// entry read twice counts twice.
	Total int64
}

func (l ZipLimits) withDefaults() ZipLimits {
	if l.Files <= 0 {
		l.Files = 1000
	}
	if l.Name <= 0 {
		l.Name = 255
	}
	if l.Total <= 0 {
		l.Total = 64 << 20
	}
	return l
}

// Archive is a zip archive whose directory was checked: not too many
// entries, every name a safe relative path ("media/a.png", never "/a",
// "../a", "a/./b" or "a\b"), no name twice. Its entries are read through
// Open, which counts what they unpack to.
type Archive struct {
	l     ZipLimits
	files map[string]*zip.File
	names []string
	read  int64 // bytes unpacked so far, all entries together
}

// OpenZip reads the directory of the zip archive r of size bytes.
//
// Go's zip reader keeps every entry of the directory in memory (a few
// hundred bytes each), and reads entries until the directory ends, not as
// many as the archive declares. So before it runs, the whole file is
// searched for the signature that starts each directory entry: there are
// at least as many signatures as entries, and more than l.Files refuses
// the archive without building the list.
func OpenZip(r io.ReaderAt, size int64, l ZipLimits) (*Archive, error) {
	l = l.withDefaults()
	n, err := countDirectoryEntries(r, size, l.Files)
	if err != nil {
		return nil, &Error{Kind: Malformed, Err: err}
	}
	if n > l.Files {
		return nil, &Error{Kind: TooManyFiles, Limit: int64(l.Files)}
	}
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) { // names are checked below
		return nil, &Error{Kind: Malformed, Err: err}
	}
	if len(zr.File) > l.Files { // cannot be, by the count above
		return nil, &Error{Kind: TooManyFiles, Limit: int64(l.Files)}
	}
	a := &Archive{l: l, files: make(map[string]*zip.File, len(zr.File))}
	for _, f := range zr.File {
		name, ok := entryName(f.Name, l.Name)
		if !ok {
			return nil, &Error{Kind: BadName, Name: f.Name}
		}
		if _, dup := a.files[name]; dup {
			return nil, &Error{Kind: BadName, Name: f.Name, Err: errors.New("two entries of this name")}
		}
		a.files[name] = f
		if !strings.HasSuffix(f.Name, "/") {
			a.names = append(a.names, name)
		}
	}
	return a, nil
}

// entryName is the name an entry is known by (a directory without its
// final slash), and false when it is not a safe relative path.
func entryName(raw string, max int) (string, bool) {
	if raw == "" || len(raw) > max || !utf8.ValidString(raw) {
		return "", false
	}
	for _, r := range raw {
		if r < 0x20 || r == 0x7f || r == '\\' || (r >= 0x80 && r < 0xa0) ||
			(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
			return "", false
		}
	}
	name := strings.TrimSuffix(raw, "/")
	if name == "" || name != path.Clean(name) || strings.HasPrefix(name, "/") ||
		name == ".." || strings.HasPrefix(name, "../") || name == "." {
		return "", false
	}
	return name, true
}

// countDirectoryEntries counts the directory entry signatures in r,
// stopping once there are more than limit.
func countDirectoryEntries(r io.ReaderAt, size int64, limit int) (int, error) {
	sig := []byte("PK\x01\x02")
	buf := make([]byte, 256<<10)
	n := 0
	for off := int64(0); off < size; {
		m, err := r.ReadAt(buf[:min(int64(len(buf)), size-off)], off)
		if m == 0 && err != nil {
			return n, err
		}
		n += bytes.Count(buf[:m], sig)
		if n > limit {
			return n, nil
		}
		if off+int64(m) >= size {
			break
		}
		// The next chunk begins with the last 3 bytes of this one: a
		// signature across the boundary is counted there, once.
		off += int64(max(m-len(sig)+1, 1))
	}
	return n, nil
}

// Names lists the archive's files (not its directories), in the order of
// its directory.
func (a *Archive) Names() []string { return a.names }

// Size is the unpacked size the archive declares for the entry name: a
// hint for a fast refusal, never trusted (Open counts).
func (a *Archive) Size(name string) (int64, bool) {
	f, ok := a.files[name]
	if !ok || strings.HasSuffix(f.Name, "/") {
		return 0, false
	}
	return int64(min(f.UncompressedSize64, 1<<62)), true
}

// Unpacked is how many bytes the entries opened so far unpacked to, all
// together.
func (a *Archive) Unpacked() int64 { return a.read }

// Open opens the file name for reading within max bytes. The reader
// counts the bytes it unpacks: the read that passes max, or the archive's
// Total, fails with FileTooLarge or ArchiveTooLarge, having unpacked at
// most one byte beyond. A file that declares more than max is refused at
// once. Errors of the zip format are Malformed.
func (a *Archive) Open(name string, max int64) (io.ReadCloser, error) {
	size, ok := a.Size(name)
	if !ok {
		return nil, &Error{Kind: Malformed, Name: name, Err: errors.New("no such file in the archive")}
	}
	if size > max {
		return nil, &Error{Kind: FileTooLarge, Limit: max, Name: name}
	}
	if a.read+size > a.l.Total {
		return nil, &Error{Kind: ArchiveTooLarge, Limit: a.l.Total, Name: name}
	}
	rc, err := a.files[name].Open()
	if err != nil {
		return nil, &Error{Kind: Malformed, Name: name, Err: err}
	}
	return &entryReader{a: a, rc: rc, name: name, max: max}, nil
}

// entryReader counts what one entry unpacks to.
type entryReader struct {
	a    *Archive
	rc   io.ReadCloser
	name string
	max  int64
	n    int64
	err  error
}

func (e *entryReader) Read(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	// Unpack at most one byte past either budget.
	rest := min(e.max-e.n, e.a.l.Total-e.a.read) + 1
	if int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := e.rc.Read(p)
	e.n += int64(n)
	e.a.read += int64(n)
	switch {
	case e.n > e.max:
		e.err = &Error{Kind: FileTooLarge, Limit: e.max, Name: e.name}
	case e.a.read > e.a.l.Total:
		e.err = &Error{Kind: ArchiveTooLarge, Limit: e.a.l.Total, Name: e.name}
	case err != nil && err != io.EOF:
		e.err = &Error{Kind: Malformed, Name: e.name, Err: err}
	default:
		return n, err
	}
	return 0, e.err
}

func (e *entryReader) Close() error { return e.rc.Close() }
