package api

import (
	"strconv"
	"sync"
	"time"

	"majlis/storage"
)

// memory is what the API keeps in memory rather than in the file: the
// Idempotency-Keys of the last hour and the home timeline markers (the
// user record has no place for one). Both are lost on restart, which
// costs a client at worst a repeated post after a restart in the middle of
// a retry, or its reading position on the home timeline.
type memory struct {
	idem *idempotency

	mu      sync.Mutex
	markers map[storage.ID]homeMarker
}

// homeMarker is a member's place in their home timeline.
type homeMarker struct {
	LastRead storage.ID
	Version  int
	At       time.Time
}

// maxMarkers bounds the home markers kept: a member past it loses theirs
// (the oldest set goes first).
const maxMarkers = 10_000

func newMemory() *memory {
	return &memory{idem: newIdempotency(), markers: map[storage.ID]homeMarker{}}
}

func (m *memory) homeMarker(user storage.ID) (homeMarker, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	h, ok := m.markers[user]
	return h, ok
}

func (m *memory) setHomeMarker(user, lastRead storage.ID, now time.Time) homeMarker {
	m.mu.Lock()
	defer m.mu.Unlock()
	h, ok := m.markers[user]
	if !ok && len(m.markers) >= maxMarkers {
		var oldest storage.ID
		var at time.Time
		for id, o := range m.markers {
			if oldest == 0 || o.At.Before(at) {
				oldest, at = id, o.At
			}
		}
		delete(m.markers, oldest)
	}
	h = homeMarker{LastRead: lastRead, Version: h.Version + 1, At: now}
	m.markers[user] = h
	return h
}

// idempotency remembers, for an hour, which status each Idempotency-Key
// of each token created, so that a client retrying a post it is not sure
// went through gets the first status back and nothing is posted twice.
// It holds at most maxIdempotencyKeys keys; past that the oldest go.
type idempotency struct {
	mu   sync.Mutex
	keys map[string]*idemClaim
}

const (
	idempotencyTTL     = time.Hour
	maxIdempotencyKeys = 10_000
)

// idemClaim is a key's status: done is closed once the first request
// with it has finished, and id is the status it created (0 if it failed).
type idemClaim struct {
	m    *idempotency
	key  string
	at   time.Time
	done chan struct{}
	id   storage.ID
}

func newIdempotency() *idempotency { return &idempotency{keys: map[string]*idemClaim{}} }

// claim takes key for token: a claim to finish when the key is new, else
// (nil and) the ID of the status the key created, waiting for the request
// that holds it to finish. 0 means that request failed.
func (m *idempotency) claim(token storage.ID, key string, now time.Time) (*idemClaim, storage.ID) {
	k := strconv.FormatUint(uint64(token), 10) + " " + key
	m.mu.Lock()
	c, ok := m.keys[k]
	if ok && now.Sub(c.at) > idempotencyTTL {
		delete(m.keys, k)
		ok = false
	}
	if !ok {
		m.makeRoom(now)
		c = &idemClaim{m: m, key: k, at: now, done: make(chan struct{})}
		m.keys[k] = c
		m.mu.Unlock()
		return c, 0
	}
	m.mu.Unlock()
	<-c.done
	return nil, c.id
}

// makeRoom drops the expired keys when the map is full, then the oldest
// if it still is. Called with mu held.
func (m *idempotency) makeRoom(now time.Time) {
	if len(m.keys) < maxIdempotencyKeys {
		return
	}
	var oldest *idemClaim
	for k, c := range m.keys {
		if now.Sub(c.at) > idempotencyTTL {
			delete(m.keys, k)
			continue
		}
		if oldest == nil || c.at.Before(oldest.at) {
			oldest = c
		}
	}
	if len(m.keys) >= maxIdempotencyKeys && oldest != nil {
		delete(m.keys, oldest.key)
	}
}

// finish records what the request holding the claim created. A failed
// request lets the key go, so that a retry tries again.
func (c *idemClaim) finish(id storage.ID, ok bool) {
	c.m.mu.Lock()
	if ok {
		c.id = id
	} else if c.m.keys[c.key] == c {
		delete(c.m.keys, c.key)
	}
	c.m.mu.Unlock()
	close(c.done)
}
