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
//
// A bucket nobody holds and nobody used for idle is dropped (idle.go): all
// its slots are then free, so a new bucket for the key is the same thing.
type limiter struct {
	window time.Duration
	idle   time.Duration
	off    bool
	now    func() time.Time // for idleness only; slot times are real time

	mu      sync.Mutex
	buckets map[string]*bucket
	sweep   sweepClock
}

// bucket holds limit tokens; a token carries the time it may next be used.
type bucket struct {
	tokens chan time.Time
	// Guarded by limiter.mu.
	users   int       // callers between bucket() and the end of their exchange
	touched time.Time // last admission or release
}

// errLimitWait: no slot before the context ends; nothing was sent.
var errLimitWait = errors.New("client-side rate limit: no slot before the deadline")

// newLimiter: idle is raised to two windows if shorter, so that a dropped
// bucket never had a slot still reserved.
func newLimiter(window, idle time.Duration, off bool, now func() time.Time) *limiter {
	idle = max(idle, 2*window)
	return &limiter{window: window, idle: idle, off: off, now: now,
		buckets: map[string]*bucket{}, sweep: sweepClock{ttl: idle}}
}

// bucket returns the key's bucket with one more user; done must follow.
func (l *limiter) bucket(key string, limit int) *bucket {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if l.sweep.due(now) {
		l.buckets = sweepMap(l.buckets, func(b *bucket) bool {
			return b.users == 0 && now.Sub(b.touched) >= l.idle
		})
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: make(chan time.Time, limit)}
		for range limit {
			b.tokens <- time.Time{}
		}
		l.buckets[key] = b
	}
	b.users++
	b.touched = now
	return b
}

// done ends a use of b begun by bucket.
func (l *limiter) done(b *bucket) {
	l.mu.Lock()
	b.users--
	b.touched = l.now()
	l.mu.Unlock()
}

// size is how many buckets the limiter holds (tests watch it shrink).
func (l *limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
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
	case at = <-b.tokens:
	case <-ctx.Done():
		l.done(b)
		return nil, errLimitWait
	}
	if wait := time.Until(at); wait > 0 {
		if dl, ok := ctx.Deadline(); ok && dl.Before(at) {
			b.tokens <- at // waiting is pointless: give the slot to someone with time
			l.done(b)
			return nil, errLimitWait
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			b.tokens <- at
			l.done(b)
			return nil, errLimitWait
		}
	}
	var once sync.Once
	return func(sent bool) {
		once.Do(func() {
			if sent {
				at = time.Now().Add(l.window)
			}
			b.tokens <- at
			l.done(b)
		})
	}, nil
}
