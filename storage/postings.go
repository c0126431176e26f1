package storage

import (
	"encoding/binary"
	"errors"
	"slices"
)

// Postings of the search index (searchindex.go) are kept in blocks: the
// IDs of the posts that carry one term, oldest first, at most
// postingBlockSize to a block. A block's key is kind | term | 0x00 |
// firstID (big-endian), so a term's blocks sort in time order and a
// cursor reaches the block holding any ID with one Seek. Its value is the
// rest of the IDs as unsigned varints, each the difference from the one
// before: IDs carry milliseconds in their high bits, so the posts of a
// common word, close together in time, cost two or three bytes each,
// and a rare word's block of one post has an empty value.

// postingBlockSize bounds a block: big enough that a common word's
// postings cost little more than their deltas, small enough that adding
// one ID rewrites little.
const postingBlockSize = 128

// errBadBlock is a block that does not decode: a varint cut short or too
// long, an ID that does not grow, or more IDs than a block holds.
var errBadBlock = errors.New("search index: malformed posting block")

// encodeBlock returns the value of a block of ascending IDs (ids[0] is in
// the key and not repeated).
func encodeBlock(ids []ID) []byte {
	if len(ids) <= 1 {
		return nil
	}
	out := make([]byte, 0, 3*(len(ids)-1))
	for i := 1; i < len(ids); i++ {
		out = binary.AppendUvarint(out, uint64(ids[i]-ids[i-1]))
	}
	return out
}

// decodeBlock appends to dst the IDs of the block whose first ID is first
// and whose value is v.
func decodeBlock(dst []ID, first ID, v []byte) ([]ID, error) {
	dst = append(dst, first)
	prev := first
	for n := 1; len(v) > 0; n++ {
		if n >= postingBlockSize*2 {
			// Blocks are split at postingBlockSize; twice that is a file
			// that was not written by this code.
			return dst, errBadBlock
		}
		d, k := binary.Uvarint(v)
		if k <= 0 || d == 0 {
			return dst, errBadBlock
		}
		next := prev + ID(d)
		if next <= prev {
			return dst, errBadBlock // wrapped around
		}
		dst = append(dst, next)
		prev, v = next, v[k:]
	}
	return dst, nil
}

// postingKey is the key of a block: prefix (kind | term | 0x00) | first.
func postingKey(prefix []byte, first ID) []byte {
	k := make([]byte, 0, len(prefix)+8)
	k = append(k, prefix...)
	return binary.BigEndian.AppendUint64(k, uint64(first))
}

// insertSorted adds id to an ascending slice unless it is there; it
// reports whether it added it.
func insertSorted(ids []ID, id ID) ([]ID, bool) {
	i, found := slices.BinarySearch(ids, id)
	if found {
		return ids, false
	}
	return slices.Insert(ids, i, id), true
}
