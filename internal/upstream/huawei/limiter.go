package huawei

import (
	"context"
	"errors"
	"sync"
	"time"
)

// limiter keeps each (operation, account) within Huawei's published
// requests-per-second (docs/huawei-bss.md §8.9), the dimension Huawei counts on.
//
// Huawei counts a request when its gateway sees it, somewhere between our
// send and its answer. Timing the window from our own send would let network
// jitter push limit+1 requests into one of Huawei's windows, so a slot is
// held from admission until the answer arrived and for one window after:
// then no window of our sends — and therefore none of Huawei's arrivals —
// ever holds more than limit requests. The price is a little throughput
// (limit per window+latency), which beats a 429.
type limiter struct {
	window time.Duration
	off    bool

	mu      sync.Mutex
	buckets map[string]chan time.Time
}

// errLimitWait: no slot before the context ends; nothing was sent.
var errLimitWait = errors.New("client-side rate limit: no slot before the deadline")

func newLimiter(window time.Duration, off bool) *limiter {
	return &limiter{window: window, off: off, buckets: map[string]chan time.Time{}}
}

// bucket holds limit tokens; a token carries the time it may next be used.
func (l *limiter) bucket(key string, limit int) chan time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		b = make(chan time.Time, limit)
		for range limit {
			b <- time.Time{}
		}
		l.buckets[key] = b
	}
	return b
}

// acquire waits for a slot, at most until ctx ends. release must be called
// once the exchange is over (answer read or abandoned); sent says whether
// the request may have reached Huawei — a slot nothing went out on is
// handed back as it was.
func (l *limiter) acquire(ctx context.Context, key string, limit int) (release func(sent bool), err error) {
	if l.off {
		return func(bool) {}, nil
	}
	b := l.bucket(key, limit)
	var at time.Time
	select {
	case at = <-b:
	case <-ctx.Done():
		return nil, errLimitWait
	}
	if wait := time.Until(at); wait > 0 {
		if dl, ok := ctx.Deadline(); ok && dl.Before(at) {
			b <- at // waiting is pointless: give the slot to someone with time
			return nil, errLimitWait
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			b <- at
			return nil, errLimitWait
		}
	}
	var once sync.Once
	return func(sent bool) {
		once.Do(func() {
			if sent {
				at = time.Now().Add(l.window)
			}
			b <- at
		})
	}, nil
}
