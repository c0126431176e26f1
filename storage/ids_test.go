package storage

import (
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestIDGeneratorOrder(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	repeat := func(at time.Time, n int) []time.Time {
		ts := make([]time.Time, n)
		for i := range ts {
			ts[i] = at
		}
		return ts
	}
	tests := []struct {
		name  string
		times []time.Time
	}{
		{"across a millisecond boundary", append(repeat(t0, 3), repeat(t0.Add(time.Millisecond), 3)...)},
		{"sub-millisecond steps", []time.Time{t0, t0.Add(300 * time.Microsecond), t0.Add(999 * time.Microsecond), t0.Add(time.Millisecond)}},
		{"many in the same millisecond", repeat(t0, 10_000)},
		{"clock goes backwards", []time.Time{t0, t0.Add(-time.Millisecond), t0.Add(-time.Hour), t0.Add(-time.Second), t0}},
		{"clock goes backwards then forwards", []time.Time{t0, t0.Add(-time.Hour), t0.Add(time.Hour), t0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var g IDGenerator
			var prev ID
			for i, at := range tt.times {
				id := g.Next(at)
				if id <= prev {
					t.Fatalf("ID %d (at %s) = %d, want > previous %d", i, at.Format(time.StampMicro), id, prev)
				}
				prev = id
			}
		})
	}
}

func TestIDTime(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	var g IDGenerator
	a := g.Next(t0)
	b := g.Next(t0)
	c := g.Next(t0.Add(time.Millisecond + 400*time.Microsecond))
	tests := []struct {
		name string
		id   ID
		want time.Time
	}{
		{"first of its millisecond", a, t0},
		{"second in the same millisecond", b, t0},
		{"next millisecond, truncated", c, t0.Add(time.Millisecond)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.id.Time(); !got.Equal(tt.want) {
				t.Errorf("ID(%d).Time() = %s, want %s", tt.id, got, tt.want)
			}
		})
	}
	if c <= b || MinIDAt(t0.Add(time.Millisecond)) > c || MinIDAt(t0.Add(time.Millisecond)) <= b {
		t.Errorf("MinIDAt(t0+1ms) = %d, want in (%d, %d]", MinIDAt(t0.Add(time.Millisecond)), b, c)
	}
}

func TestIDGeneratorSequenceOverflow(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	var g IDGenerator
	full := MinIDAt(t0) | (1<<seqBits - 1) // the last sequence number of t0's millisecond
	g.observe(full)
	id := g.Next(t0)
	if id <= full {
		t.Fatalf("Next after a full millisecond = %d, want > %d", id, full)
	}
	if got, want := id.Time(), t0.Add(time.Millisecond); !got.Equal(want) {
		t.Errorf("Next after a full millisecond has time %s, want %s", got, want)
	}
}

func TestIDGeneratorConcurrent(t *testing.T) {
	const workers, perWorker = 8, 10_000
	var g IDGenerator
	results := make([][]ID, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids := make([]ID, perWorker)
			for i := range ids {
				ids[i] = g.Next(time.Now())
			}
			results[w] = ids
		}()
	}
	wg.Wait()

	seen := make(map[ID]int, workers*perWorker)
	for w, ids := range results {
		for i, id := range ids {
			if i > 0 && id <= ids[i-1] {
				t.Fatalf("goroutine %d: ID %d = %d, want > previous %d", w, i, id, ids[i-1])
			}
			if other, dup := seen[id]; dup {
				t.Fatalf("ID %d made by goroutines %d and %d, want unique", id, other, w)
			}
			seen[id] = w
		}
	}
	if got, want := len(seen), workers*perWorker; got != want {
		t.Errorf("got %d unique IDs, want %d", got, want)
	}
}

// After a restart with a clock behind the newest record in the file, new
// posts must still sort after it, or they would appear below older posts.
func TestIDsContinueAfterReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "majlis.db")
	clock := newFakeClock()
	db, err := Open(path, Options{Now: clock.Now})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	amal := createUser(t, db, "amal")
	clock.Advance(time.Hour) // the clock runs ahead...
	future := createPost(t, db, amal)
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	clock.Advance(-2 * time.Hour) // ...and is set back before the restart.
	db = openTestDBWith(t, path, Options{Now: clock.Now})
	if id := db.NewID(); id <= future.ID {
		t.Errorf("NewID after reopen = %d, want > newest post %d", id, future.ID)
	}
	p := createPost(t, db, amal)
	tl, err := db.LocalTimeline(0, Page{})
	if err != nil {
		t.Fatalf("LocalTimeline: %v", err)
	}
	if got, want := postIDs(tl), []ID{p.ID, future.ID}; !slices.Equal(got, want) {
		t.Errorf("local timeline after reopen = %v, want %v (new post first)", got, want)
	}
}

func TestParseID(t *testing.T) {
	tests := []struct {
		in      string
		want    ID
		wantErr bool
	}{
		{in: "1", want: 1},
		{in: "42", want: 42},
		{in: "7301234567890123456", want: 7301234567890123456},
		{in: "18446744073709551615", want: 1<<64 - 1},
		{in: "", wantErr: true},
		{in: "0", wantErr: true},
		{in: "01", wantErr: true},
		{in: "00", wantErr: true},
		{in: "-1", wantErr: true},
		{in: "+1", wantErr: true},
		{in: "1e3", wantErr: true},
		{in: "0x1f", wantErr: true},
		{in: " 1", wantErr: true},
		{in: "1 ", wantErr: true},
		{in: "1 2", wantErr: true},
		{in: "1_000", wantErr: true},
		{in: "١٢", wantErr: true},                    // Arabic-Indic digits
		{in: "123456789012345678901", wantErr: true}, // 21 digits
		{in: "18446744073709551616", wantErr: true},  // 2^64
		{in: "99999999999999999999", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseID(tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrInvalid) {
					t.Errorf("ParseID(%q) = %d, %v; want error wrapping ErrInvalid", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseID(%q) = %d, %v; want %d, nil", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestIDStringRoundTrip(t *testing.T) {
	var g IDGenerator
	ids := []ID{1, 9, 10, 1<<64 - 1, MinIDAt(time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)), g.Next(time.Now())}
	for _, id := range ids {
		t.Run(id.String(), func(t *testing.T) {
			got, err := ParseID(id.String())
			if err != nil || got != id {
				t.Errorf("ParseID(%q) = %d, %v; want %d, nil", id.String(), got, err, id)
			}
		})
	}
}

func FuzzParseID(f *testing.F) {
	for _, s := range []string{"1", "42", "0", "01", "", "-1", "+1", "1e3", " 1", "18446744073709551615", "18446744073709551616", "123456789012345678901"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseID(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("ParseID(%q) error %v, want it to wrap ErrInvalid", s, err)
			}
			return
		}
		if id == 0 {
			t.Errorf("ParseID(%q) = 0, nil; want an error for the zero ID", s)
		}
		if got := id.String(); got != s {
			t.Errorf("ParseID(%q).String() = %q, want %q", s, got, s)
		}
	})
}
