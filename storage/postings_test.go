package storage

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestPostingBlockRoundTrip(t *testing.T) {
	base := MinIDAt(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	for _, tt := range []struct {
		name    string
		ids     []ID
		wantLen int // bytes of the value
	}{
		{"one ID has an empty value", []ID{base}, 0},
		{"the same millisecond costs two bytes", []ID{base, base + 1, base + 2}, 4},
		{"a second apart costs two bytes", []ID{base, base + 1000<<seqBits}, 2},
		{"a day apart costs four bytes", []ID{base, base + 86_400_000<<seqBits}, 4},
		{"the widest step", []ID{1, ID(^uint64(0))}, 7 + 4},
		{"a full block a second apart", secondIDs(base, postingBlockSize), 2 * (postingBlockSize - 1)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v := encodeBlock(tt.ids)
			if len(v) != tt.wantLen {
				t.Errorf("encoded %d IDs in %d bytes, want %d", len(tt.ids), len(v), tt.wantLen)
			}
			got, err := decodeBlock(nil, tt.ids[0], v)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !slices.Equal(got, tt.ids) {
				t.Errorf("decoded %v, want %v", got, tt.ids)
			}
		})
	}
}

func TestPostingBlockRejectsBadInput(t *testing.T) {
	for _, tt := range []struct {
		name  string
		first ID
		v     []byte
	}{
		{"a varint cut short", 1, []byte{0x80}},
		{"a zero step (a repeated ID)", 1 << seqBits, []byte{0x00}},
		{"a sequence of 0 written out", 1 << seqBits, []byte{0x03, 0x00}},
		{"a sequence too large", 1 << seqBits, []byte{0x03, 0xff, 0xff, 0xff, 0x7f}},
		{"a step back in the same millisecond", 1<<seqBits | 5, []byte{0x01, 0x02}},
		{"a step past the largest ID", ID(^uint64(0)) - 1, []byte{0x02}},
		{"an overlong varint", 1, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
		{"too many IDs", 1, steps(2 * postingBlockSize)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := decodeBlock(nil, tt.first, tt.v); !errors.Is(err, errBadBlock) {
				t.Errorf("decode %x: got %v, want errBadBlock", tt.v, err)
			}
		})
	}
}

// FuzzDecodeBlock: whatever the bytes, the decoder returns IDs that grow,
// or an error, and what decodes encodes back to the same bytes.
func FuzzDecodeBlock(f *testing.F) {
	f.Add(uint64(1), []byte{})
	f.Add(uint64(1<<40), encodeBlock([]ID{1 << 40, 1<<40 + 5, 1<<41 + 3}))
	f.Add(uint64(7), []byte{0x80, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, first uint64, v []byte) {
		ids, err := decodeBlock(nil, ID(first), v)
		if err != nil {
			return
		}
		for i := 1; i < len(ids); i++ {
			if ids[i] <= ids[i-1] {
				t.Fatalf("IDs do not grow: %v", ids)
			}
		}
		back := encodeBlock(ids)
		again, err := decodeBlock(nil, ids[0], back)
		if err != nil || !slices.Equal(again, ids) {
			t.Fatalf("re-encoded block decodes to %v, %v; want %v", again, err, ids)
		}
	})
}

func secondIDs(from ID, n int) []ID {
	out := make([]ID, n)
	for i := range out {
		out[i] = from + ID(i*1000)<<seqBits
	}
	return out
}

func steps(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = 2 // one millisecond later, no sequence
	}
	return b
}
