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
// rest of the IDs, each as its step from the one before. An ID is
// milliseconds in its high bits and a sequence in its low seqBits, and
// the sequence is almost always 0, so a step is written as one unsigned
// varint, (milliseconds since the previous ID << 1) | 1 when a sequence
// follows, then the sequence (a varint) only when it is not 0: posts a few
// seconds apart cost two bytes, and a rare word's block of one post has
// an empty value.

// postingBlockSize bounds a block: big enough that a common word's
// postings cost little more than their steps, small enough that adding
// one ID rewrites little.
const postingBlockSize = 128

// errBadBlock is a block that does not decode: a varint cut short or too
// long, an ID that does not grow, or more IDs than a block holds.
var errBadBlock = errors.New("search index: malformed posting block")

const seqMask = 1<<seqBits - 1

// encodeBlock returns the value of a block of ascending IDs (ids[0] is in
// the key and not repeated).
func encodeBlock(ids []ID) []byte {
	if len(ids) <= 1 {
		return nil
	}
	out := make([]byte, 0, 3*(len(ids)-1))
	for i := 1; i < len(ids); i++ {
		step := uint64(ids[i]>>seqBits-ids[i-1]>>seqBits) << 1
		seq := uint64(ids[i] & seqMask)
		if seq != 0 {
			step |= 1
		}
		out = binary.AppendUvarint(out, step)
		if seq != 0 {
			out = binary.AppendUvarint(out, seq)
		}
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
		step, k := binary.Uvarint(v)
		if k <= 0 {
			return dst, errBadBlock
		}
		v = v[k:]
		var seq uint64
		if step&1 == 1 {
			if seq, k = binary.Uvarint(v); k <= 0 || seq == 0 || seq > seqMask {
				return dst, errBadBlock
			}
			v = v[k:]
		}
		ms := uint64(prev>>seqBits) + step>>1
		if ms < uint64(prev>>seqBits) || ms > ^uint64(0)>>seqBits {
			return dst, errBadBlock // past the largest ID
		}
		next := ID(ms<<seqBits | seq)
		if next <= prev {
			return dst, errBadBlock
		}
		dst = append(dst, next)
		prev = next
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
