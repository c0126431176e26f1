package api

import (
	"strconv"
	"sync"
	"time"

	"majlis/storage"
)

// memory is what the API keeps in memory rather than in the file: the
// Idempotency-Keys of the last hour. They are lost on restart, which costs
// a client at worst a repeated post after a restart in the middle of a
// retry.
type memory struct {
	idem *idempotency
}

func newMemory() *memory { return &memory{idem: newIdempotency()} }

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
