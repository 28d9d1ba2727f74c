package huawei

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/partnerlab/storefront/internal/domain"
)

// fakeClock is real time plus an offset a test moves forward.
type fakeClock struct{ ahead atomic.Int64 }

func (f *fakeClock) now() time.Time       { return time.Now().Add(time.Duration(f.ahead.Load())) }
func (f *fakeClock) pass(d time.Duration) { f.ahead.Add(int64(d)) }
func (c *Client) sizes() (buckets, creds, projects int) {
	return c.limits.size(), c.creds.size(), c.projects.size()
}

// A server that has met 100,000 customers holds per-customer entries only
// for the ones still active: the rest go once idle, without a goroutine.
func TestIdleTablesShrink(t *testing.T) {
	t.Parallel()
	c, err := New(Config{
		BSSEndpoint: "http://127.0.0.1:9", IAMEndpoint: "http://127.0.0.1:9", ECSEndpoint: "http://127.0.0.1:9", EVSEndpoint: "http://127.0.0.1:9",
		PartnerAK: simAK, PartnerSK: simSK, XAccountType: simXAccountType,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var clk fakeClock
	c.now = clk.now
	// IAM itself is not the subject here: 100,000 calls to it would be.
	c.creds.fetch = func(context.Context, string) (*customerCredential, error) {
		return &customerCredential{useUntil: clk.now().Add(time.Hour)}, nil
	}
	ctx := context.Background()

	const customers = 100_000
	touch := func(id string) {
		t.Helper()
		release, err := c.limits.acquire(ctx, "ListRenewRateOnPeriod\x00"+id, 10)
		if err != nil {
			t.Fatal(err)
		}
		release(true)
		if _, err := c.creds.get(ctx, id); err != nil {
			t.Fatal(err)
		}
		if _, ok := c.projects.get(id + "\x00" + simRegion); !ok {
			c.projects.put(id+"\x00"+simRegion, "project-"+id)
		}
	}
	for i := range customers {
		touch(fmt.Sprintf("cust-%06d", i))
	}
	// A customer whose call is in flight: its bucket must survive any sweep.
	held, err := c.limits.acquire(ctx, "PayOrders\x00busy", 10)
	if err != nil {
		t.Fatal(err)
	}
	if b, cr, p := c.sizes(); b != customers+1 || cr != customers || p != customers {
		t.Fatalf("after %d customers: %d buckets, %d credentials, %d projects", customers, b, cr, p)
	}

	// Less than the idle period: nothing goes.
	clk.pass(idleTTL / 2)
	touch("cust-000000")
	if b, cr, p := c.sizes(); b != customers+1 || cr != customers || p != customers {
		t.Fatalf("swept early: %d buckets, %d credentials, %d projects", b, cr, p)
	}

	// Past it: the next access to each table sweeps it.
	clk.pass(idleTTL)
	touch("active")
	if b, cr, p := c.sizes(); b != 2 || cr != 1 || p != 1 {
		t.Fatalf("after the idle period: %d buckets, %d credentials, %d projects; want the active customer (and the busy bucket)", b, cr, p)
	}
	held(true)
	clk.pass(2 * idleTTL)
	touch("later")
	if b, cr, p := c.sizes(); b != 1 || cr != 1 || p != 1 {
		t.Fatalf("once released and idle: %d buckets, %d credentials, %d projects", b, cr, p)
	}
}

// An evicted credential is simply fetched again, and works: the real
// adapter against the simulator.
func TestIdleCredentialIsFetchedAgain(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.customer()
	ctx := e.ctx()
	if _, err := e.c.CustomerProjectID(ctx, id, simRegion); err != nil {
		t.Fatal(err)
	}
	e.wantCalls(opAssumeRole, 1)
	e.wantCalls("KeystoneListProjects", 1)

	// Still valid (an hour), but nobody asked for it for longer than idleTTL.
	e.passTime(idleTTL + time.Minute)
	if _, err := e.c.CustomerProjectID(ctx, id, simRegion); err != nil {
		t.Fatal(err)
	}
	e.wantCalls(opAssumeRole, 2)
	e.wantCalls("KeystoneListProjects", 2)
	if _, cr, p := e.c.sizes(); cr != 1 || p != 1 {
		t.Fatalf("%d credentials, %d projects", cr, p)
	}
}

// CBC.0154 (token invalid or expired) comes with 403 on some BSS pages: the
// credential is dropped as on a 401. Another 403 keeps it.
func TestForbiddenCBC0154DropsCredential(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.customer()
	ctx := e.ctx()
	rate := func() error {
		_, err := e.c.RateRenewal(ctx, id, domain.CloudRenewalRating{ResourceIDs: []string{"r-1"}, Period: domain.CloudPeriodMonth, Periods: 1})
		return err
	}
	if err := rate(); err != nil {
		t.Fatal(err)
	}
	e.wantCalls(opAssumeRole, 1)

	scripted := func(code string) {
		e.t.Helper()
		e.admin(http.MethodPost, "/faults", map[string]any{"operation": "ListRenewRateOnPeriod", "kind": "error",
			"status": http.StatusForbidden, "error_code": code, "count": 1}, nil)
	}
	scripted("CBC.0151") // access denied: the credential is fine
	de := wantErr(t, rate(), domain.CodeUpstreamForbidden, domain.OutcomeDefinite, "CBC.0151")
	if de.Upstream.HTTPStatus != http.StatusForbidden {
		t.Fatalf("status %d", de.Upstream.HTTPStatus)
	}
	if err := rate(); err != nil {
		t.Fatal(err)
	}
	e.wantCalls(opAssumeRole, 1)

	scripted("CBC.0154")
	de = wantErr(t, rate(), domain.CodeUpstreamForbidden, domain.OutcomeDefinite, "CBC.0154")
	if de.Upstream.HTTPStatus != http.StatusForbidden {
		t.Fatalf("status %d", de.Upstream.HTTPStatus)
	}
	if err := rate(); err != nil {
		t.Fatalf("with a fresh credential: %v", err)
	}
	e.wantCalls(opAssumeRole, 2)
}
