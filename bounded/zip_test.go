package bounded

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"hash/crc32"
	"io"
	"strings"
	"testing"
)

// zipOf zips files given as name, content, name, content...
func zipOf(t *testing.T, files ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for i := 0; i+1 < len(files); i += 2 {
		w, err := z.Create(files[i])
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, files[i+1])
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// lyingZip holds one deflated file of real bytes whose headers declare
// declared bytes.
func lyingZip(t *testing.T, name string, real []byte, declared uint64) []byte {
	t.Helper()
	var packed bytes.Buffer
	fw, _ := flate.NewWriter(&packed, flate.BestSpeed)
	fw.Write(real)
	fw.Close()
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	w, err := z.CreateRaw(&zip.FileHeader{
		Name: name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(real),
		CompressedSize64: uint64(packed.Len()), UncompressedSize64: declared,
	})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(packed.Bytes())
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func openZip(data []byte, l ZipLimits) (*Archive, error) {
	return OpenZip(bytes.NewReader(data), int64(len(data)), l)
}

func kindOf(err error) (Kind, bool) {
	var be *Error
	if !errors.As(err, &be) {
		return 0, false
	}
	return be.Kind, true
}

func TestOpenZip(t *testing.T) {
	a, err := openZip(zipOf(t, "posts.json", "[]", "media/", "", "media/a.png", "png"), ZipLimits{})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(a.Names(), " "); got != "posts.json media/a.png" {
		t.Errorf("got files %q, want the two files without the directory", got)
	}
	if size, ok := a.Size("media/a.png"); !ok || size != 3 {
		t.Errorf("got size %d, %v; want 3", size, ok)
	}
	if _, ok := a.Size("media"); ok {
		t.Errorf("a directory has a size")
	}

	tests := []struct {
		name  string
		files []string
		l     ZipLimits
		want  Kind
	}{
		{"too many entries", []string{"a", "", "b", "", "c", "", "d", ""}, ZipLimits{Files: 3}, TooManyFiles},
		{"directories count", []string{"a/", "", "b/", "", "c/", "", "d", ""}, ZipLimits{Files: 3}, TooManyFiles},
		{"absolute", []string{"/etc/passwd", ""}, ZipLimits{}, BadName},
		{"parent", []string{"../posts.json", ""}, ZipLimits{}, BadName},
		{"parent inside", []string{"media/../posts.json", ""}, ZipLimits{}, BadName},
		{"dot", []string{"./posts.json", ""}, ZipLimits{}, BadName},
		{"double slash", []string{"media//a.png", ""}, ZipLimits{}, BadName},
		{"backslash", []string{`media\a.png`, ""}, ZipLimits{}, BadName},
		{"control", []string{"posts\x00.json", ""}, ZipLimits{}, BadName},
		{"direction override", []string{"gpj.\u202eexe", ""}, ZipLimits{}, BadName},
		{"invalid UTF-8", []string{"a\xff", ""}, ZipLimits{}, BadName},
		{"long name", []string{strings.Repeat("a", 11), ""}, ZipLimits{Name: 10}, BadName},
		{"twice", []string{"posts.json", "[]", "posts.json", "[1]"}, ZipLimits{}, BadName},
		{"file and directory", []string{"media", "", "media/", ""}, ZipLimits{}, BadName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := openZip(zipOf(t, tt.files...), tt.l)
			if k, ok := kindOf(err); !ok || k != tt.want {
				t.Errorf("got %v, want kind %d", err, tt.want)
			}
		})
	}
	t.Run("not a zip", func(t *testing.T) {
		_, err := openZip([]byte("PK\x03\x04 but nothing more"), ZipLimits{})
		if !errors.Is(err, ErrMalformed) {
			t.Errorf("got %v, want malformed", err)
		}
	})
	t.Run("signatures counted in the data too", func(t *testing.T) {
		// More signatures than entries refuse, never fewer: stored bytes
		// that happen to hold them count.
		var b bytes.Buffer
		z := zip.NewWriter(&b)
		w, _ := z.CreateHeader(&zip.FileHeader{Name: "a", Method: zip.Store})
		io.WriteString(w, strings.Repeat("PK\x01\x02", 5))
		z.Close()
		_, err := openZip(b.Bytes(), ZipLimits{Files: 5})
		if k, _ := kindOf(err); k != TooManyFiles {
			t.Errorf("got %v, want too many files", err)
		}
	})
}

func TestCountDirectoryEntriesAcrossChunks(t *testing.T) {
	// Signatures at every offset around the chunk boundary are counted
	// once.
	chunk := 256 << 10
	for off := chunk - 5; off <= chunk+1; off++ {
		data := make([]byte, 2*chunk)
		copy(data[off:], "PK\x01\x02")
		n, err := countDirectoryEntries(bytes.NewReader(data), int64(len(data)), 10)
		if err != nil || n != 1 {
			t.Errorf("signature at %d: got %d, %v; want 1", off, n, err)
		}
	}
}

func TestArchiveOpen(t *testing.T) {
	bomb := bytes.Repeat([]byte("a"), 8<<20)
	tests := []struct {
		name string
		zip  []byte
		max  int64
		l    ZipLimits
		want Kind
	}{
		{"declares more than its budget", zipOf(t, "posts.json", string(bomb)), 1 << 20, ZipLimits{Total: 64 << 20}, FileTooLarge},
		{"declares more than the archive's budget", zipOf(t, "posts.json", string(bomb)), 64 << 20, ZipLimits{Total: 1 << 20}, ArchiveTooLarge},
		{"declares less than it holds", lyingZip(t, "posts.json", bomb, 100), 1 << 20, ZipLimits{}, Malformed},
		{"declares nothing", lyingZip(t, "posts.json", bomb, 0), 1 << 20, ZipLimits{}, Malformed},
		{"damaged", lyingZip(t, "posts.json", []byte("hello"), 5)[:60], 1 << 20, ZipLimits{}, Malformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := openZip(tt.zip, tt.l)
			if err != nil {
				if k, _ := kindOf(err); k == tt.want {
					return
				}
				t.Fatal(err)
			}
			rc, err := a.Open("posts.json", tt.max)
			if err == nil {
				_, err = io.Copy(io.Discard, rc)
				rc.Close()
			}
			if k, ok := kindOf(err); !ok || k != tt.want {
				t.Errorf("got %v, want kind %d", err, tt.want)
			}
			if a.Unpacked() > tt.max+1 {
				t.Errorf("unpacked %d bytes, want at most %d", a.Unpacked(), tt.max+1)
			}
		})
	}
	t.Run("no such file", func(t *testing.T) {
		a, _ := openZip(zipOf(t, "a", ""), ZipLimits{})
		if _, err := a.Open("b", 10); !errors.Is(err, ErrMalformed) {
			t.Errorf("got %v, want malformed", err)
		}
	})
}

// TestEntryReaderCounts: the reader's own count decides, whatever the
// header said: it stops one byte past the budget of the entry or of the
// archive.
func TestEntryReaderCounts(t *testing.T) {
	tests := []struct {
		name      string
		size, max int64
		total     int64
		read      int64 // unpacked before, by other entries
		want      Kind
		wantBytes int64 // taken from the entry at most
	}{
		{"over the entry's budget", 1000, 100, 1 << 20, 0, FileTooLarge, 101},
		{"over the archive's budget", 1000, 500, 1000, 900, ArchiveTooLarge, 101},
		{"within both", 100, 100, 1000, 900, -1, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &endless{tail: "x"}
			a := &Archive{l: ZipLimits{Total: tt.total}, read: tt.read}
			e := &entryReader{a: a, rc: io.NopCloser(io.LimitReader(src, tt.size)), name: "f", max: tt.max}
			_, err := io.Copy(io.Discard, e)
			if tt.want < 0 {
				if err != nil {
					t.Fatalf("got %v, want the whole entry", err)
				}
			} else if k, ok := kindOf(err); !ok || k != tt.want {
				t.Fatalf("got %v, want kind %d", err, tt.want)
			}
			if src.read > tt.wantBytes {
				t.Errorf("took %d bytes, want at most %d", src.read, tt.wantBytes)
			}
		})
	}
}
