package handlers

import (
	"sync"
	"time"
)

// limiter counts events per key in a sliding window, e.g. failed logins per
// account. It lives in memory: a restart forgets, which errs on the side of
// letting people in.
type limiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	now    func() time.Time
	events map[string][]time.Time
}

func newLimiter(max int, window time.Duration, now func() time.Time) *limiter {
	return &limiter{max: max, window: window, now: now, events: map[string][]time.Time{}}
}

// recent drops events older than the window and returns those left.
func (l *limiter) recent(key string, now time.Time) []time.Time {
	ev := l.events[key]
	i := 0
	for i < len(ev) && now.Sub(ev[i]) >= l.window {
		i++
	}
	ev = ev[i:]
	if len(ev) == 0 {
		delete(l.events, key)
	} else {
		l.events[key] = ev
	}
	return ev
}

// RetryAfter is how long until key is under its limit again: 0 when it
// is now, else the time until enough of its events have left the window.
func (l *limiter) RetryAfter(key string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	ev := l.recent(key, now)
	if len(ev) < l.max {
		return 0
	}
	return ev[len(ev)-l.max].Add(l.window).Sub(now)
}

// Add records one event for key.
func (l *limiter) Add(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.events[key] = append(l.recent(key, now), now)
	if len(l.events) > 100_000 {
		for k := range l.events {
			l.recent(k, now)
		}
	}
}

// Reset forgets key, e.g. after a successful login.
func (l *limiter) Reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.events, key)
}

// limiters are the rate limits of the instance.
type limiters struct {
	// loginAccount: failed logins per account.
	loginAccount *limiter
	// loginClient: failed logins per client address.
	loginClient *limiter
	// register: accounts created per client address.
	register *limiter
}

func newLimiters(now func() time.Time) *limiters {
	return &limiters{
		loginAccount: newLimiter(5, 15*time.Minute, now),
		loginClient:  newLimiter(20, 15*time.Minute, now),
		register:     newLimiter(10, time.Hour, now),
	}
}
