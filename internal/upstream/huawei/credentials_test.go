package huawei

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/partnerlab/storefront/internal/domain"
)

func TestCustomerCredentialSharedByConcurrentCalls(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.customer()
	ctx := e.ctx()

	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() { errs <- e.c.VerifyCustomerAccess(ctx, id) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	// Customer calls reuse it too.
	if _, err := e.c.RateRenewal(ctx, id, domain.CloudRenewalRating{ResourceIDs: []string{"r-1"}, Period: domain.CloudPeriodMonth, Periods: 1}); err != nil {
		t.Fatal(err)
	}
	e.wantCalls(opAssumeRole, 1)
}

func TestCustomerCredentialRefreshedBeforeExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withClient(func(c *Config) {
		c.CredentialDuration = 15 * time.Minute
		c.CredentialRefreshMargin = 5 * time.Minute
	}))
	id := e.customer()
	ctx := e.ctx()
	if err := e.c.VerifyCustomerAccess(ctx, id); err != nil {
		t.Fatal(err)
	}
	// Business time is not credential time: a month on the simulator's
	// virtual clock neither expires the credential nor makes us refresh it.
	e.advance("30d")
	if _, err := e.c.RateRenewal(ctx, id, domain.CloudRenewalRating{ResourceIDs: []string{"r-1"}, Period: domain.CloudPeriodMonth, Periods: 1}); err != nil {
		t.Fatalf("after a virtual month: %v", err)
	}
	e.passTime(9 * time.Minute)
	if err := e.c.VerifyCustomerAccess(ctx, id); err != nil {
		t.Fatal(err)
	}
	e.wantCalls(opAssumeRole, 1)

	// Past expiry − margin of real time: a new one.
	e.passTime(2 * time.Minute)
	if err := e.c.VerifyCustomerAccess(ctx, id); err != nil {
		t.Fatal(err)
	}
	e.wantCalls(opAssumeRole, 2)
}

func TestRefusedCustomerCredentialIsDropped(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.customer()
	ctx := e.ctx()
	if err := e.c.VerifyCustomerAccess(ctx, id); err != nil {
		t.Fatal(err)
	}
	// The simulator forgets everything, including the temporary key.
	e.admin(http.MethodPost, "/reset", nil, nil)

	_, err := e.c.RateRenewal(ctx, id, domain.CloudRenewalRating{ResourceIDs: []string{"r-1"}, Period: domain.CloudPeriodMonth, Periods: 1})
	de := wantErr(t, err, domain.CodeUpstreamForbidden, domain.OutcomeDefinite, "APIG.0301")
	if de.Upstream.HTTPStatus != http.StatusUnauthorized {
		t.Fatalf("status %d", de.Upstream.HTTPStatus)
	}
	e.wantCalls(opAssumeRole, 0)
	// The next call asks IAM again instead of reusing the refused key.
	err = e.c.VerifyCustomerAccess(ctx, id)
	wantErr(t, err, domain.CodeUpstreamNotFound, domain.OutcomeDefinite, "IAM.0004")
	e.wantCalls(opAssumeRole, 1)
}

func TestCustomerCredentialErrorsAreNotCached(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := e.ctx()
	for range 2 {
		err := e.c.VerifyCustomerAccess(ctx, "no-such-domain")
		wantErr(t, err, domain.CodeUpstreamNotFound, domain.OutcomeDefinite, "IAM.0004")
	}
	e.wantCalls(opAssumeRole, 2)

	// A customer that exists, asked for under another agency name.
	id := e.customer()
	cfg := e.cfg
	cfg.XAccountType = "not_the_agency"
	wrong, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	err = wrong.VerifyCustomerAccess(ctx, id)
	wantErr(t, err, domain.CodeUpstreamNotFound, domain.OutcomeDefinite, "IAM.0004")
}

// An impatient caller gives up on its own deadline; the fetch it started
// goes on for the others, and IAM is asked once.
func TestCustomerCredentialWaitersKeepTheirOwnDeadline(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.customer()
	e.fault(opAssumeRole, "latency", 1, "600ms")

	short, cancel := context.WithTimeout(e.ctx(), 100*time.Millisecond)
	defer cancel()
	var wg sync.WaitGroup
	var patient error
	wg.Go(func() {
		time.Sleep(20 * time.Millisecond)
		patient = e.c.VerifyCustomerAccess(e.ctx(), id)
	})
	start := time.Now()
	err := e.c.VerifyCustomerAccess(short, id)
	if d := time.Since(start); d > 400*time.Millisecond {
		t.Fatalf("impatient caller waited %s", d)
	}
	de := wantErr(t, err, domain.CodeUpstreamUnavailable, domain.OutcomeRetryable, "-")
	if de.Upstream.Operation != opAssumeRole {
		t.Fatalf("operation %s", de.Upstream.Operation)
	}
	wg.Wait()
	if patient != nil {
		t.Fatalf("patient caller: %v", patient)
	}
	e.wantCalls(opAssumeRole, 1)
}
