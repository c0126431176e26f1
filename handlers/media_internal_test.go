package handlers

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"majlis/media"
)

// At most cap(imageSlots) images are processed at once; the others wait,
// and give up when their request ends.
func TestImageSlots(t *testing.T) {
	h := &Handler{imageSlots: make(chan struct{}, 2)}
	var running, most atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			withImageSlot(context.Background(), h, func() (media.Image, error) {
				n := running.Add(1)
				for {
					m := most.Load()
					if n <= m || most.CompareAndSwap(m, n) {
						break
					}
				}
				<-release
				running.Add(-1)
				return media.Image{}, nil
			})
		}()
	}
	// Wait until two run; the other three wait for a slot.
	deadline := time.Now().Add(5 * time.Second)
	for running.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	if got := running.Load(); got != 2 {
		t.Errorf("%d images processed at once, want 2", got)
	}

	// A request that ends while waiting gives up without running.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	ran := false
	_, err := withImageSlot(ctx, h, func() (media.Image, error) { ran = true; return media.Image{}, nil })
	if !errors.Is(err, context.DeadlineExceeded) || ran {
		t.Errorf("waiting past the request's end: err %v, ran %v; want DeadlineExceeded without running", err, ran)
	}

	close(release)
	wg.Wait()
	if got := most.Load(); got != 2 {
		t.Errorf("at most %d images processed at once, want 2", got)
	}
}
