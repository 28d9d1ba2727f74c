package huawei

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/partnerlab/storefront/internal/domain"
)

// Every fault kind the simulator can inject, on a money call and on a read,
// ends in the documented class — and the money call reaches Huawei exactly
// once: the adapter never resends.
func TestFaultsOnAllocation(t *testing.T) {
	t.Parallel()
	const op = "UpdateCustomerAccountAmount"
	cases := []struct {
		kind, latency string
		deadline      time.Duration // 0 → the env's generous one
		code          domain.Code
		outcome       domain.Outcome
		status        int
		huawei        string
		applied       bool // ground truth: did the simulator move the money
	}{
		{kind: "fail_before_commit", code: domain.CodeUpstreamUnknown, outcome: domain.OutcomeUnknown, status: 500, huawei: "CBC.0999", applied: false},
		{kind: "commit_then_5xx", code: domain.CodeUpstreamUnknown, outcome: domain.OutcomeUnknown, status: 500, huawei: "CBC.0999", applied: true},
		{kind: "commit_then_hang", deadline: 300 * time.Millisecond, code: domain.CodeUpstreamUnknown, outcome: domain.OutcomeUnknown, status: 0, huawei: "-", applied: true},
		{kind: "latency", latency: "2s", deadline: 300 * time.Millisecond, code: domain.CodeUpstreamUnknown, outcome: domain.OutcomeUnknown, status: 0, huawei: "-", applied: false},
		{kind: "429", code: domain.CodeUpstreamThrottled, outcome: domain.OutcomeRetryable, status: 429, huawei: "APIGW.0308", applied: false},
		{kind: "malformed_body", code: domain.CodeUpstreamUnknown, outcome: domain.OutcomeUnknown, status: 200, huawei: "-", applied: true},
	}
	for _, tc := range cases {
		t.Run(tc.kind, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			id := e.customer()
			e.fault(op, tc.kind, 1, tc.latency)

			ctx := e.ctx()
			if tc.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.deadline)
				defer cancel()
			}
			start := time.Now()
			_, err := e.c.AllocateToCustomer(ctx, id, dec("100.00"))
			elapsed := time.Since(start)
			de := wantErr(t, err, tc.code, tc.outcome, tc.huawei)
			if de.Upstream.HTTPStatus != tc.status {
				t.Fatalf("status %d, want %d", de.Upstream.HTTPStatus, tc.status)
			}
			if de.Upstream.Operation != op {
				t.Fatalf("operation %q", de.Upstream.Operation)
			}
			if tc.deadline > 0 {
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("a deadline failure should wrap context.DeadlineExceeded: %v", err)
				}
				if elapsed > tc.deadline+time.Second {
					t.Fatalf("returned after %s with a %s deadline", elapsed, tc.deadline)
				}
			}
			if de.Retryable() != (tc.outcome == domain.OutcomeRetryable) {
				t.Fatalf("Retryable() = %t for outcome %s", de.Retryable(), tc.outcome)
			}
			e.wantCalls(op, 1) // no automatic resend, whatever the class

			want := "0.00"
			if tc.applied {
				want = "100.00"
			}
			if got := e.simCustomer(id).Balance; got != want {
				t.Fatalf("ground truth balance %s, want %s", got, want)
			}
		})
	}
	t.Run("short latency succeeds", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		id := e.customer()
		e.fault(op, "latency", 1, "150ms")
		start := time.Now()
		if _, err := e.c.AllocateToCustomer(e.ctx(), id, dec("1")); err != nil {
			t.Fatal(err)
		}
		if time.Since(start) < 150*time.Millisecond {
			t.Fatal("latency fault did not apply")
		}
	})
}

func TestFaultsOnRead(t *testing.T) {
	t.Parallel()
	const op = "ListPartnerBalances"
	cases := []struct {
		kind     string
		deadline time.Duration
		code     domain.Code
		status   int
	}{
		{kind: "fail_before_commit", code: domain.CodeUpstreamUnavailable, status: 500},
		{kind: "commit_then_5xx", code: domain.CodeUpstreamUnavailable, status: 500},
		{kind: "commit_then_hang", deadline: 300 * time.Millisecond, code: domain.CodeUpstreamUnavailable, status: 0},
		{kind: "429", code: domain.CodeUpstreamThrottled, status: 429},
		{kind: "malformed_body", code: domain.CodeUpstreamUnavailable, status: 200},
	}
	for _, tc := range cases {
		t.Run(tc.kind, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.fault(op, tc.kind, 1, "")
			ctx := e.ctx()
			if tc.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.deadline)
				defer cancel()
			}
			_, err := e.c.PartnerBalances(ctx)
			de := wantErr(t, err, tc.code, domain.OutcomeRetryable, "")
			if de.Upstream.HTTPStatus != tc.status || !de.Retryable() {
				t.Fatalf("status %d retryable %t", de.Upstream.HTTPStatus, de.Retryable())
			}
			e.wantCalls(op, 1)
			// Retryable means it: the same call now succeeds.
			if _, err := e.c.PartnerBalances(e.ctx()); err != nil {
				t.Fatalf("retry: %v", err)
			}
		})
	}
}

// Money and create calls that fail after Huawei may have committed end
// unknown, and each reached Huawei exactly once.
func TestMoneyAndCreateCallsAreSentOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	buyer := e.buyer("5000")

	// Each prepares its own preconditions and returns the call to fault.
	calls := []struct {
		op   string
		prep func() func(context.Context) error
	}{
		{"UpdateCustomerAccountAmount", func() func(context.Context) error {
			return func(ctx context.Context) error { _, err := e.c.AllocateToCustomer(ctx, buyer, dec("1")); return err }
		}},
		{"ReclaimToPartnerAccount", func() func(context.Context) error {
			return func(ctx context.Context) error { _, err := e.c.ReclaimFromCustomer(ctx, buyer, dec("1")); return err }
		}},
		{"CreateSubCustomer", func() func(context.Context) error {
			n := nameSeq.Add(1)
			return func(ctx context.Context) error {
				_, err := e.c.CreateSubCustomer(ctx, domain.CloudNewSubCustomer{XAccountID: fmt.Sprintf("sf-once-%d", n), DomainName: fmt.Sprintf("sfonce%d", n)})
				return err
			}
		}},
		{"PayOrders", func() func(context.Context) error {
			order := e.serverOrder(buyer)
			return func(ctx context.Context) error {
				return e.c.PayOrder(ctx, buyer, domain.CloudPayOrder{OrderID: order.OrderID})
			}
		}},
		{"CreateServers", func() func(context.Context) error {
			return func(ctx context.Context) error {
				_, err := e.c.CreatePrepaidServer(ctx, buyer, serverOrder("once"))
				return err
			}
		}},
		{"CreateVolume", func() func(context.Context) error {
			return func(ctx context.Context) error {
				_, err := e.c.CreatePrepaidVolume(ctx, buyer, volumeOrder("once"))
				return err
			}
		}},
	}
	kinds := []struct {
		kind     string
		deadline time.Duration
		huawei   string
	}{
		{"commit_then_5xx", 0, "CBC.0999"},
		{"malformed_body", 0, "-"},
		{"commit_then_hang", 300 * time.Millisecond, "-"},
	}
	for _, k := range kinds {
		for _, c := range calls {
			call := c.prep()
			before := len(e.calls(c.op))
			e.fault(c.op, k.kind, 1, "")
			ctx := e.ctx()
			if k.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, k.deadline)
				defer cancel()
			}
			err := call(ctx)
			de := wantErr(t, err, domain.CodeUpstreamUnknown, domain.OutcomeUnknown, k.huawei)
			if de.Upstream.Operation != c.op {
				t.Fatalf("%s/%s: operation %s", k.kind, c.op, de.Upstream.Operation)
			}
			e.wantCalls(c.op, before+1)
		}
	}
}

// Nothing listens: the request never left, so even a money call may be
// sent again.
func TestConnectionRefusedIsRetryable(t *testing.T) {
	t.Parallel()
	dead := httptest.NewServer(nil)
	url := dead.URL
	dead.Close()
	e := newEnv(t, withClient(func(c *Config) { c.BSSEndpoint = url }))
	_, err := e.c.AllocateToCustomer(e.ctx(), "any-customer", dec("1"))
	de := wantErr(t, err, domain.CodeUpstreamUnavailable, domain.OutcomeRetryable, "-")
	if de.Upstream.HTTPStatus != 0 || !de.Retryable() {
		t.Fatalf("%+v", de.Upstream)
	}
}

func TestWrongKeyIsDefinite(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withClient(func(c *Config) { c.PartnerSK = "definitely-the-wrong-secret-key" }))
	_, err := e.c.AllocateToCustomer(e.ctx(), "any-customer", dec("1"))
	de := wantErr(t, err, domain.CodeUpstreamForbidden, domain.OutcomeDefinite, "APIG.0301")
	if de.Upstream.HTTPStatus != 401 {
		t.Fatalf("status %d", de.Upstream.HTTPStatus)
	}
}

// A cancelled context on a money call returns promptly and is unknown.
func TestCancelledMoneyCall(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.customer()
	e.fault("UpdateCustomerAccountAmount", "commit_then_hang", 1, "")
	ctx, cancel := context.WithCancel(e.ctx())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	_, err := e.c.AllocateToCustomer(ctx, id, dec("3"))
	wantErr(t, err, domain.CodeUpstreamUnknown, domain.OutcomeUnknown, "-")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled in the chain: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("cancel took %s", d)
	}
}
