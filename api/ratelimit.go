package api

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// limiter counts requests per key in fixed windows: a key's window opens with its
// first request and lasts the configured length, during which at most limit requests
// pass. Fixed windows are cheap, need one entry per key and give the client an exact
// reset time to report.
type limiter struct {
	limit  int
	window time.Duration
	now    func() time.Time

	mu      sync.Mutex
	windows map[string]*window
	swept   time.Time
}

type window struct {
	start time.Time
	used  int
}

// decision is the outcome of one request against the limit.
type decision struct {
	allowed   bool
	limit     int
	remaining int
	reset     time.Time
}

func newLimiter(limit int, win time.Duration, now func() time.Time) *limiter {
	return &limiter{limit: limit, window: win, now: now, windows: map[string]*window{}}
}

// take counts one request of key.
func (l *limiter) take(key string) decision {
	l.mu.Lock()
	defer l.mu.Unlock()

	// Drop expired windows now and then, so the map holds only active keys.
	t := l.now()
	if t.Sub(l.swept) > l.window {
		for k, w := range l.windows {
			if t.Sub(w.start) >= l.window {
				delete(l.windows, k)
			}
		}
		l.swept = t
	}

	// Count the request in the key's current window.
	w := l.windows[key]
	if w == nil || t.Sub(w.start) >= l.window {
		w = &window{start: t}
		l.windows[key] = w
	}
	d := decision{limit: l.limit, reset: w.start.Add(l.window)}
	if w.used < l.limit {
		w.used++
		d.allowed = true
	}
	d.remaining = l.limit - w.used
	return d
}

// setHeaders writes the X-RateLimit-* headers of d, and Retry-After when refused.
// X-RateLimit-Reset is the Unix time, in seconds, when the window ends.
func (d decision) setHeaders(h http.Header, now time.Time) {
	h.Set("X-RateLimit-Limit", strconv.Itoa(d.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(d.remaining))
	reset := d.reset.Unix()
	if d.reset.Nanosecond() > 0 {
		reset++ // round up: the window is not over before this second
	}
	h.Set("X-RateLimit-Reset", strconv.FormatInt(reset, 10))
	if !d.allowed {
		wait := int64(d.reset.Sub(now)/time.Second) + 1
		h.Set("Retry-After", strconv.FormatInt(max(wait, 1), 10))
	}
}
