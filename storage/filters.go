package storage

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Filter contexts: where a keyword filter applies, as Mastodon names them.
const (
	FilterHome          = "home"
	FilterNotifications = "notifications"
	FilterPublic        = "public"
	FilterThread        = "thread"
	FilterAccount       = "account"
)

// FilterContexts lists the contexts in the order pages show them.
var FilterContexts = []string{FilterHome, FilterNotifications, FilterPublic, FilterThread, FilterAccount}

// Filter actions.
const (
	// FilterWarn shows a matching post folded behind a warning that
	// names the filter.
	FilterWarn = "warn"
	// FilterHide leaves a matching post out.
	FilterHide = "hide"
)

// Bounds of a member's filters.
const (
	MaxFilters        = 100
	MaxFilterKeywords = 100
)

// Filter is a member's keyword filter.
type Filter struct {
	ID       ID       `json:"id"`
	UserID   ID       `json:"user_id"`
	Title    string   `json:"title"`
	Contexts []string `json:"contexts"`
	Action   string   `json:"action"`
	// ExpiresAt is when the filter stops applying; zero: never.
	ExpiresAt time.Time       `json:"expires_at,omitzero"`
	Keywords  []FilterKeyword `json:"keywords"`
	CreatedAt time.Time       `json:"created_at"`
}

// FilterKeyword is one word or phrase of a filter.
type FilterKeyword struct {
	ID      ID     `json:"id"`
	Keyword string `json:"keyword"`
	// WholeWord matches the keyword only between word boundaries;
	// otherwise anywhere in the text.
	WholeWord bool `json:"whole_word"`
}

// Expired tells whether the filter no longer applies at now.
func (f *Filter) Expired(now time.Time) bool {
	return !f.ExpiresAt.IsZero() && !now.Before(f.ExpiresAt)
}

// AppliesTo tells whether the filter applies in a context.
func (f *Filter) AppliesTo(context string) bool { return slices.Contains(f.Contexts, context) }

func (f *Filter) valid() bool {
	if f.Title == "" || len(f.Contexts) == 0 || (f.Action != FilterWarn && f.Action != FilterHide) ||
		len(f.Keywords) > MaxFilterKeywords {
		return false
	}
	for _, c := range f.Contexts {
		if !slices.Contains(FilterContexts, c) {
			return false
		}
	}
	for _, k := range f.Keywords {
		if k.Keyword == "" {
			return false
		}
	}
	return true
}

// filterGenerations counts the changes to each member's filters in this
// process, so a cache of compiled filters (the social package's) knows
// when its copy is stale without reading the file. It is keyed by user
// ID alone, across every open database: a change on one only costs
// another a recompilation, never a stale answer.
var filterGenerations sync.Map // ID -> uint64

var filterGenerationsMu sync.Mutex

func bumpFilters(userID ID) {
	filterGenerationsMu.Lock()
	defer filterGenerationsMu.Unlock()
	n, _ := filterGenerations.Load(userID)
	v, _ := n.(uint64)
	filterGenerations.Store(userID, v+1)
}

// FiltersGeneration is a number that changes whenever userID's filters
// change in this process.
func (db *DB) FiltersGeneration(userID ID) uint64 {
	n, _ := filterGenerations.Load(userID)
	v, _ := n.(uint64)
	return v
}

// PutFilter creates a filter of f.UserID (f.ID 0) or replaces one it has
// (ErrNotFound otherwise), giving IDs to new keywords (ID 0). A filter
// without a title, context or valid action, or beyond the bounds, is
// ErrInvalid.
func (db *DB) PutFilter(f *Filter) error {
	if !f.valid() {
		return fmt.Errorf("put filter: %w", ErrInvalid)
	}
	if f.ID == 0 {
		f.ID, f.CreatedAt = db.NewID(), db.now().UTC()
	}
	for i := range f.Keywords {
		if f.Keywords[i].ID == 0 {
			f.Keywords[i].ID = db.NewID()
		}
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		if _, err := getUser(tx, f.UserID); err != nil {
			return err
		}
		b := tx.Bucket(bucketFilters)
		key := pairKey(f.UserID, f.ID)
		if old := b.Get(key); old != nil {
			var o Filter
			if err := decodeRecord(old, &o); err != nil {
				return err
			}
			f.CreatedAt = o.CreatedAt
		} else {
			n := 0
			forPrefix(b, idKey(f.UserID), func(_, _ []byte) { n++ })
			if n >= MaxFilters {
				return fmt.Errorf("more than %d filters: %w", MaxFilters, ErrInvalid)
			}
			if f.CreatedAt.IsZero() {
				return fmt.Errorf("filter %d: %w", f.ID, ErrNotFound)
			}
		}
		v, err := json.Marshal(f)
		if err != nil {
			return err
		}
		return b.Put(key, v)
	})
	if err != nil {
		return fmt.Errorf("put filter: %w", err)
	}
	// After the commit: a reader that compiled the old filters under the
	// old number must find the number changed.
	bumpFilters(f.UserID)
	return nil
}

// DeleteFilter deletes one of userID's filters.
func (db *DB) DeleteFilter(userID, filterID ID) error {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFilters)
		if b.Get(pairKey(userID, filterID)) == nil {
			return fmt.Errorf("filter %d: %w", filterID, ErrNotFound)
		}
		return b.Delete(pairKey(userID, filterID))
	})
	if err != nil {
		return fmt.Errorf("delete filter: %w", err)
	}
	bumpFilters(userID)
	return nil
}

// Filter returns one of userID's filters.
func (db *DB) Filter(userID, filterID ID) (Filter, error) {
	var f Filter
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketFilters).Get(pairKey(userID, filterID))
		if v == nil {
			return fmt.Errorf("filter %d: %w", filterID, ErrNotFound)
		}
		return decodeRecord(v, &f)
	})
	return f, err
}

// Filters returns userID's filters, oldest first (expired ones too: they
// are listed until deleted, and apply no more).
func (db *DB) Filters(userID ID) ([]Filter, error) {
	var out []Filter
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		forPrefix(tx.Bucket(bucketFilters), idKey(userID), func(_, v []byte) {
			var f Filter
			if e := decodeRecord(v, &f); e != nil {
				err = e
				return
			}
			out = append(out, f)
		})
		return err
	})
	return out, err
}

// deleteFilters drops an account's filters (account deletion).
func deleteFilters(tx *bolt.Tx, userID ID) error {
	b := tx.Bucket(bucketFilters)
	var keys [][]byte
	forPrefix(b, idKey(userID), func(k, _ []byte) { keys = append(keys, append([]byte(nil), k...)) })
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	if len(keys) > 0 {
		bumpFilters(userID)
	}
	return nil
}
