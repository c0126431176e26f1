package handlers

import (
	"net/http"
	"strings"
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
	// loginAccount: wrong passwords per account (see passwordTries).
	loginAccount *limiter
	// loginClient: wrong passwords per client address.
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

// passwordTries are the limits on guessing one account's password, shared
// by every form that checks a password (login, password change, account
// deletion), so that none of them is a way around the others: wrong
// passwords count per account and per client address, and while either is
// over its limit no password is checked, not even the right one.
type passwordTries struct {
	limits      *limiters
	account, ip string
}

// passwordTries are the limits on username's password for r's client.
func (h *Handler) passwordTries(r *http.Request, username string) passwordTries {
	return passwordTries{limits: h.limits, account: "account:" + strings.ToLower(username), ip: "ip:" + h.clientIP(r)}
}

// wait is how long until a password may be checked again, 0 when now.
func (p passwordTries) wait() time.Duration {
	return max(p.limits.loginAccount.RetryAfter(p.account), p.limits.loginClient.RetryAfter(p.ip))
}

// failed counts a wrong password.
func (p passwordTries) failed() {
	p.limits.loginAccount.Add(p.account)
	p.limits.loginClient.Add(p.ip)
}

// succeeded forgets the account's wrong passwords (those of the address
// stay: it may be guessing other accounts).
func (p passwordTries) succeeded() {
	p.limits.loginAccount.Reset(p.account)
}
