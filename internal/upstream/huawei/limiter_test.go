package huawei

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/partnerlab/storefront/internal/domain"
)

// maxInWindow is the most timestamps any window of length w holds.
func maxInWindow(ts []time.Time, w time.Duration) int {
	ts = slices.Clone(ts)
	slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
	best, j := 0, 0
	for i := range ts {
		for ts[i].Sub(ts[j]) >= w {
			j++
		}
		best = max(best, i-j+1)
	}
	return best
}

func TestLimiterSlidingWindowIsExact(t *testing.T) {
	t.Parallel()
	const (
		limit  = 3
		window = 300 * time.Millisecond
	)
	l := newLimiter(window, idleTTL, false, time.Now)
	var (
		mu  sync.Mutex
		ts  []time.Time
		wg  sync.WaitGroup
		ctx = context.Background()
	)
	for i := range 12 {
		wg.Go(func() {
			release, err := l.acquire(ctx, "op", limit)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			ts = append(ts, time.Now())
			mu.Unlock()
			time.Sleep(time.Duration(i%3) * 10 * time.Millisecond) // some answers are slower
			release(true)
		})
	}
	wg.Wait()
	if len(ts) != 12 {
		t.Fatalf("%d admissions", len(ts))
	}
	if n := maxInWindow(ts, window); n > limit {
		t.Fatalf("a %s window admitted %d, limit %d", window, n, limit)
	}
	// And it is not needlessly slow: 12 at 3 per window is four windows.
	slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
	if span := ts[len(ts)-1].Sub(ts[0]); span > 5*window {
		t.Fatalf("12 admissions took %s", span)
	}
}

func TestLimiterKeysAreIndependent(t *testing.T) {
	t.Parallel()
	l := newLimiter(time.Hour, idleTTL, false, time.Now)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	r1, err := l.acquire(ctx, "a", 1)
	if err != nil {
		t.Fatal(err)
	}
	r1(true)
	if _, err := l.acquire(ctx, "b", 1); err != nil {
		t.Fatalf("another key waited: %v", err)
	}
	if _, err := l.acquire(ctx, "a", 1); err != errLimitWait {
		t.Fatalf("a is used for an hour: %v", err)
	}

	// A slot nothing was sent on comes back at once.
	r2, err := l.acquire(context.Background(), "c", 1)
	if err != nil {
		t.Fatal(err)
	}
	r2(false)
	if _, err := l.acquire(ctx, "c", 1); err != nil {
		t.Fatalf("unsent slot not returned: %v", err)
	}
}

// Concurrent callers against the simulator's own exact limiter: nobody is
// throttled, and the gateway's admission times never exceed 5 in a second.
func TestRateLimitHoldsUnderConcurrency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := e.ctx()
	var wg sync.WaitGroup
	errs := make(chan error, 14)
	for range 14 {
		wg.Go(func() {
			_, err := e.c.CheckUserIdentity(ctx, domain.CloudIdentityCheck{Kind: domain.CloudIdentityName, Value: "concurrent01"})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a call failed: %v", err)
		}
	}
	calls := e.calls("CheckUserIdentity")
	if len(calls) != 14 {
		t.Fatalf("%d calls reached the simulator", len(calls))
	}
	var ts []time.Time
	for _, c := range calls {
		if c.Status != 200 {
			t.Fatalf("simulator answered %+v", c)
		}
		ts = append(ts, c.Wall)
	}
	if n := maxInWindow(ts, time.Second); n > 5 {
		t.Fatalf("%d CheckUserIdentity calls in one second, limit 5", n)
	}
}

// Waiting for a slot stops at the deadline: throttled, retryable, not sent.
func TestRateLimitWaitEndsAtDeadline(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := e.ctx()
	for range 5 {
		if _, err := e.c.CheckUserIdentity(ctx, domain.CloudIdentityCheck{Kind: domain.CloudIdentityName, Value: "deadline01"}); err != nil {
			t.Fatal(err)
		}
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := e.c.CheckUserIdentity(short, domain.CloudIdentityCheck{Kind: domain.CloudIdentityName, Value: "deadline01"})
	de := wantErr(t, err, domain.CodeUpstreamThrottled, domain.OutcomeRetryable, "-")
	if de.Upstream.HTTPStatus != 0 || de.RetryAfter <= 0 {
		t.Fatalf("%+v retry after %s", de.Upstream, de.RetryAfter)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Fatalf("gave up after %s", d)
	}
	e.wantCalls("CheckUserIdentity", 5)
}

// Without the client-side limiter the gateway's 429 comes through, and its
// body (error_message, which the SDK ignores) is read.
func TestGateway429IsThrottled(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withClient(func(c *Config) { c.DisableRateLimits = true }))
	ctx := e.ctx()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			_, err := e.c.CheckUserIdentity(ctx, domain.CloudIdentityCheck{Kind: domain.CloudIdentityName, Value: "burst0001"})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	var throttled int
	for err := range errs {
		if err == nil {
			continue
		}
		de := wantErr(t, err, domain.CodeUpstreamThrottled, domain.OutcomeRetryable, "APIGW.0308")
		if de.Upstream.HTTPStatus != 429 || de.Upstream.Message == "" || de.RetryAfter <= 0 {
			t.Fatalf("429 detail %+v", de.Upstream)
		}
		throttled++
	}
	if throttled != 3 {
		t.Fatalf("%d of 8 throttled at 5/s, want 3", throttled)
	}
}
