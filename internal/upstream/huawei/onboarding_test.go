package huawei

import (
	"fmt"
	"testing"

	"github.com/partnerlab/storefront/internal/domain"
	"github.com/partnerlab/storefront/internal/upstream/bsssim"
)

// An ACCOUNT freeze stops the account from paying but leaves its resources
// running; only ACCOUNT_AND_RESOURCE freezes the resources too
// (docs/huawei-bss.md §1.5).
func TestFreezeScopeAndResources(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := e.ctx()
	buyer := e.buyer("1000")
	_, serverID := e.paidServer(buyer)
	pending := e.serverOrder(buyer)
	status := func() domain.CloudResourceStatus {
		t.Helper()
		page, err := e.c.ListCustomerResources(ctx, domain.CloudResourceQuery{CustomerID: buyer, ResourceIDs: []string{serverID}, OnlyMain: true})
		if err != nil || len(page.Resources) != 1 {
			t.Fatalf("resources: %v %+v", err, page)
		}
		return page.Resources[0].Status
	}
	freeze := func(scope domain.CloudFreezeScope, on bool) {
		t.Helper()
		req := domain.CloudFreezeRequest{CustomerIDs: []string{buyer}, Reason: "overdue", Scope: scope}
		f := e.c.FreezeCustomers
		if !on {
			f = e.c.UnfreezeCustomers
		}
		if fails, err := f(ctx, req); err != nil || len(fails) != 0 {
			t.Fatalf("freeze %s %v: %v %+v", scope, on, err, fails)
		}
	}

	freeze(domain.CloudFreezeAccount, true)
	if st := status(); st != domain.CloudResourceInUse {
		t.Fatalf("ACCOUNT freeze: resource status %d, want in use", st)
	}
	page, err := e.c.ListSubCustomers(ctx, domain.CloudSubCustomerQuery{CustomerID: buyer})
	if err != nil || len(page.Customers) != 1 || !page.Customers[0].Frozen {
		t.Fatalf("customer after an ACCOUNT freeze: %v %+v", err, page)
	}
	err = e.c.PayOrder(ctx, buyer, domain.CloudPayOrder{OrderID: pending.OrderID})
	wantErr(t, err, domain.CodeUpstreamRejected, domain.OutcomeDefinite, "CBC.7281")
	freeze(domain.CloudFreezeAccount, false)

	freeze(domain.CloudFreezeAccountAndResources, true)
	if st := status(); st != domain.CloudResourceFrozen {
		t.Fatalf("ACCOUNT_AND_RESOURCE freeze: resource status %d, want frozen", st)
	}
	freeze(domain.CloudFreezeAccountAndResources, false)
	if st := status(); st != domain.CloudResourceInUse {
		t.Fatalf("after unfreezing: resource status %d", st)
	}
}

// A bank-card real-name code (SMS scene 18) is asked for one customer and
// verifies only that customer (docs/huawei-bss.md §1.2, §2.1).
func TestBankCardCodeIsTiedToItsCustomer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := e.ctx()
	owner, other := e.customer(), e.customer()
	const mobile = "13600000042"
	if err := e.c.SendVerificationCode(ctx, domain.CloudVerificationCodeRequest{Mobile: mobile, Scene: domain.CloudSMSBankCardRealName, CustomerID: owner}); err != nil {
		t.Fatal(err)
	}
	code := e.smsCode(mobile)
	submit := func(customerID string) error {
		_, err := e.c.SubmitIndividualRealName(ctx, domain.CloudIndividualRealName{
			CustomerID: customerID, FileURLs: []string{"face.jpg"}, Name: "Wang Wu", Number: "110101199303031234",
			BankCard: &domain.CloudBankCard{Account: "6222-0000-4242", AreaCode: "0086", Mobile: mobile, VerificationCode: code},
		})
		return err
	}
	wantErr(t, submit(other), domain.CodeVerificationCode, domain.OutcomeDefinite, "CBC.99000027")
	if err := submit(owner); err != nil {
		t.Fatalf("the code's own customer: %v", err)
	}
	if sc := e.simCustomer(owner); sc.RealnameStatus != "verified" {
		t.Fatalf("owner %+v", sc)
	}
	if sc := e.simCustomer(other); sc.RealnameStatus != "none" {
		t.Fatalf("other %+v", sc)
	}
}

// One mobile registers customers up to the limit; CheckUserIdentity reports
// what is left, and one more is CBC.99000030 (docs/huawei-bss.md §1.1, §1.3).
func TestMobileRegistrationLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withSim(func(c *bsssim.Config) { c.MobileLimit = 2 }))
	ctx := e.ctx()
	const mobile = "13800000042"
	remaining := func() domain.CloudIdentityCheckResult {
		t.Helper()
		r, err := e.c.CheckUserIdentity(ctx, domain.CloudIdentityCheck{Kind: domain.CloudIdentityMobile, Value: "0086-" + mobile})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	register := func(n int) error {
		if err := e.c.SendVerificationCode(ctx, domain.CloudVerificationCodeRequest{Mobile: mobile}); err != nil {
			t.Fatal(err)
		}
		_, err := e.c.CreateSubCustomer(ctx, domain.CloudNewSubCustomer{
			XAccountID: fmt.Sprintf("mobile-limit-%d", n), Mobile: mobile, VerificationCode: e.smsCode(mobile)})
		return err
	}
	for n := range 2 {
		if r := remaining(); !r.Available || r.MobileRemaining != 2-n {
			t.Fatalf("before registration %d: %+v", n+1, r)
		}
		if err := register(n); err != nil {
			t.Fatalf("registration %d: %v", n+1, err)
		}
	}
	if r := remaining(); r.Available || r.MobileRemaining != 0 {
		t.Fatalf("at the limit: %+v", r)
	}
	wantErr(t, register(2), domain.CodeUpstreamRejected, domain.OutcomeDefinite, "CBC.99000030")
	e.wantCalls("CreateSubCustomer", 3)
}
