package storage

import (
	"fmt"
	"strconv"
	"sync"
	"time"
)

// ID identifies a user, a post or any other record. The high 42 bits hold
// milliseconds since the Unix epoch and the low 22 bits a sequence, so IDs
// sort by creation time and a big-endian key walks them in that order.
type ID uint64

const seqBits = 22

// String formats the ID in decimal, as it appears in URLs.
func (id ID) String() string { return strconv.FormatUint(uint64(id), 10) }

// Time is the moment the ID was made, to the millisecond.
func (id ID) Time() time.Time { return time.UnixMilli(int64(id >> seqBits)).UTC() }

// ParseID reads a decimal ID from a URL or a form. It refuses empty input,
// signs, leading zeros and anything out of range, so that one ID has exactly
// one spelling.
func ParseID(s string) (ID, error) {
	if s == "" || len(s) > 20 || (len(s) > 1 && s[0] == '0') {
		return 0, fmt.Errorf("parse id %q: %w", s, ErrInvalid)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("parse id %q: %w", s, ErrInvalid)
		}
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil || v == 0 {
		return 0, fmt.Errorf("parse id %q: %w", s, ErrInvalid)
	}
	return ID(v), nil
}

// MinIDAt is the smallest ID that could be made at time t; useful as a
// cursor bound.
func MinIDAt(t time.Time) ID { return ID(uint64(t.UnixMilli()) << seqBits) }

// IDGenerator makes strictly increasing IDs. It is safe for concurrent use.
// When the clock stands still or goes back, it keeps counting from the last
// millisecond it used, so IDs never repeat within one process.
type IDGenerator struct {
	mu     sync.Mutex
	lastMS uint64
	seq    uint64
}

// Next returns a new ID for time now.
func (g *IDGenerator) Next(now time.Time) ID {
	ms := uint64(now.UnixMilli())
	g.mu.Lock()
	defer g.mu.Unlock()
	if ms <= g.lastMS {
		ms = g.lastMS
		g.seq++
		if g.seq >= 1<<seqBits {
			ms++
			g.seq = 0
		}
	} else {
		g.seq = 0
	}
	g.lastMS = ms
	return ID(ms<<seqBits | g.seq)
}

// observe makes the generator continue after id, so that IDs made after a
// restart (even with a clock that went back) sort after those in the file.
func (g *IDGenerator) observe(id ID) {
	g.mu.Lock()
	defer g.mu.Unlock()
	ms, seq := uint64(id)>>seqBits, uint64(id)&(1<<seqBits-1)
	if ms > g.lastMS || (ms == g.lastMS && seq > g.seq) {
		g.lastMS, g.seq = ms, seq
	}
}
