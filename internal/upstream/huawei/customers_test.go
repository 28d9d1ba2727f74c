package huawei

import (
	"errors"
	"testing"
	"time"

	"github.com/partnerlab/storefront/internal/domain"
	"github.com/partnerlab/storefront/internal/upstream/bsssim"
)

func TestCheckUserIdentity(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := e.ctx()

	got, err := e.c.CheckUserIdentity(ctx, domain.CloudIdentityCheck{Kind: domain.CloudIdentityName, Value: "freshname01"})
	if err != nil {
		t.Fatal(err)
	}
	if !got.Available || got.MobileRemaining != -1 {
		t.Fatalf("fresh name: %+v", got)
	}

	id := e.customer()
	name := e.simCustomer(id).DomainName
	got, err = e.c.CheckUserIdentity(ctx, domain.CloudIdentityCheck{Kind: domain.CloudIdentityName, Value: name})
	if err != nil {
		t.Fatal(err)
	}
	if got.Available {
		t.Fatalf("taken name %s reported available", name)
	}

	got, err = e.c.CheckUserIdentity(ctx, domain.CloudIdentityCheck{Kind: domain.CloudIdentityMobile, Value: "0086-13800000001"})
	if err != nil {
		t.Fatal(err)
	}
	if !got.Available || got.MobileRemaining < 1 {
		t.Fatalf("mobile check: %+v", got)
	}

	_, err = e.c.CheckUserIdentity(ctx, domain.CloudIdentityCheck{Kind: domain.CloudIdentityName, Value: "ab"})
	wantErr(t, err, domain.CodeUpstreamInvalid, domain.OutcomeDefinite, "CBC.0100")

	// Refused before sending: nothing reaches Huawei.
	before := len(e.calls("CheckUserIdentity"))
	_, err = e.c.CheckUserIdentity(ctx, domain.CloudIdentityCheck{Kind: "phone", Value: "x"})
	wantErr(t, err, domain.CodeValidation, "", "")
	e.wantCalls("CheckUserIdentity", before)
}

func TestSendVerificationCode(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := e.ctx()

	if err := e.c.SendVerificationCode(ctx, domain.CloudVerificationCodeRequest{Mobile: "13800000002"}); err != nil {
		t.Fatal(err)
	}
	if code := e.smsCode("13800000002"); len(code) != 6 {
		t.Fatalf("code %q", code)
	}

	err := e.c.SendVerificationCode(ctx, domain.CloudVerificationCodeRequest{Mobile: "123"})
	wantErr(t, err, domain.CodeUpstreamInvalid, domain.OutcomeDefinite, "CBC.0100")

	err = e.c.SendVerificationCode(ctx, domain.CloudVerificationCodeRequest{Mobile: "13800000002", Scene: domain.CloudSMSBankCardRealName})
	wantErr(t, err, domain.CodeValidation, "", "")
}

func TestSendVerificationCodeHourlyCap(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withSimLimitsOff(), withClient(func(c *Config) { c.DisableRateLimits = true }))
	ctx := e.ctx()
	var err error
	for i := 0; i < 16 && err == nil; i++ {
		err = e.c.SendVerificationCode(ctx, domain.CloudVerificationCodeRequest{Mobile: "13800000003"})
	}
	// 15 per hour: the 16th is refused, nothing sent, try again later.
	de := wantErr(t, err, domain.CodeUpstreamThrottled, domain.OutcomeRetryable, "CBC.99004015")
	if !de.Retryable() {
		t.Fatal("SMS cap must be retryable")
	}
}

func TestCreateSubCustomer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := e.ctx()

	res, err := e.c.CreateSubCustomer(ctx, domain.CloudNewSubCustomer{
		XAccountID: "sf-create-1", DomainName: "sfcreate01", Password: "Storefront#2026", CloseMarketing: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.DomainID == "" || res.DomainName != "sfcreate01" {
		t.Fatalf("created %+v", res)
	}
	if sc := e.simCustomer(res.DomainID); sc.XAccountID != "sf-create-1" {
		t.Fatalf("simulator has %+v", sc)
	}

	_, err = e.c.CreateSubCustomer(ctx, domain.CloudNewSubCustomer{XAccountID: "sf-create-1", DomainName: "sfcreate02"})
	wantErr(t, err, domain.CodeAlreadyExists, domain.OutcomeDefinite, "CBC.99000039")
	_, err = e.c.CreateSubCustomer(ctx, domain.CloudNewSubCustomer{XAccountID: "sf-create-2", DomainName: "sfcreate01"})
	wantErr(t, err, domain.CodeAlreadyExists, domain.OutcomeDefinite, "CBC.99000038")
	_, err = e.c.CreateSubCustomer(ctx, domain.CloudNewSubCustomer{XAccountID: "sf-create-3", DomainName: "sfcreate03", Password: "short"})
	wantErr(t, err, domain.CodeUpstreamInvalid, domain.OutcomeDefinite, "CBC.99000036")
	_, err = e.c.CreateSubCustomer(ctx, domain.CloudNewSubCustomer{XAccountID: "sf-create-4", DomainName: "1234567"})
	wantErr(t, err, domain.CodeUpstreamInvalid, domain.OutcomeDefinite, "CBC.99000031")

	// With a mobile: the SMS code decides.
	if err := e.c.SendVerificationCode(ctx, domain.CloudVerificationCodeRequest{Mobile: "13800000004"}); err != nil {
		t.Fatal(err)
	}
	code := e.smsCode("13800000004")
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	_, err = e.c.CreateSubCustomer(ctx, domain.CloudNewSubCustomer{XAccountID: "sf-create-5", DomainName: "sfcreate05", Mobile: "13800000004", VerificationCode: wrong})
	wantErr(t, err, domain.CodeVerificationCode, domain.OutcomeDefinite, "CBC.99004010")
	res, err = e.c.CreateSubCustomer(ctx, domain.CloudNewSubCustomer{XAccountID: "sf-create-5", DomainName: "sfcreate05", Mobile: "13800000004", VerificationCode: code})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.c.CreateSubCustomer(ctx, domain.CloudNewSubCustomer{XAccountID: "sf-create-6", DomainName: "sfcreate06", Mobile: "13800000004", VerificationCode: code})
	if err == nil {
		t.Fatal("a used code and a taken mobile were accepted")
	}
	var de *domain.Error
	if !errors.As(err, &de) || de.Upstream == nil || de.Upstream.Outcome != domain.OutcomeDefinite {
		t.Fatalf("second use: %v", err)
	}
}

// The half success of docs/huawei-bss.md §1.3: the account exists, the error says
// unknown, and the result carries the domain id so nobody creates twice.
func TestCreateSubCustomerHalfSuccess(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withSim(func(c *bsssim.Config) { c.AssociationDelay = time.Hour }))
	ctx := e.ctx()
	e.fault("CreateSubCustomer", "half_success", 1, "")

	res, err := e.c.CreateSubCustomer(ctx, domain.CloudNewSubCustomer{XAccountID: "sf-half-1", DomainName: "sfhalf01"})
	de := wantErr(t, err, domain.CodeUpstreamUnknown, domain.OutcomeUnknown, "CBC.99000050")
	if de.Upstream.HTTPStatus != 500 {
		t.Fatalf("status %d", de.Upstream.HTTPStatus)
	}
	if res.DomainID == "" || res.DomainName != "sfhalf01" {
		t.Fatalf("half success must carry the domain id: %+v", res)
	}
	e.wantCalls("CreateSubCustomer", 1)

	// Confirm as the caller would: the association is asynchronous, so the
	// customer shows up once it completes — polled, never created again.
	page, err := e.c.ListSubCustomers(ctx, domain.CloudSubCustomerQuery{CustomerID: res.DomainID})
	if err != nil || len(page.Customers) != 0 || page.Total != 0 {
		t.Fatalf("listed before the association completed: %v %+v", err, page)
	}
	e.advance("1h")
	page, err = e.c.ListSubCustomers(ctx, domain.CloudSubCustomerQuery{CustomerID: res.DomainID})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Customers) != 1 || page.Customers[0].XAccountID != "sf-half-1" {
		t.Fatalf("confirm: %+v", page)
	}

	// Other unknowns carry no id.
	e.fault("CreateSubCustomer", "commit_then_5xx", 1, "")
	res, err = e.c.CreateSubCustomer(ctx, domain.CloudNewSubCustomer{XAccountID: "sf-half-2", DomainName: "sfhalf02"})
	wantErr(t, err, domain.CodeUpstreamUnknown, domain.OutcomeUnknown, "CBC.0999")
	if res.DomainID != "" {
		t.Fatalf("5xx result carries %+v", res)
	}
	e.wantCalls("CreateSubCustomer", 2)
	// ...and the name the caller chose finds it, once associated.
	e.advance("1h")
	page, err = e.c.ListSubCustomers(ctx, domain.CloudSubCustomerQuery{AccountName: "sfhalf02"})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Customers) != 1 {
		t.Fatalf("look-up by name: %+v", page)
	}
}

func TestListSubCustomers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := e.ctx()
	a, b := e.customer(), e.customer()

	page, err := e.c.ListSubCustomers(ctx, domain.CloudSubCustomerQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total < 2 {
		t.Fatalf("total %d", page.Total)
	}
	var ids []string
	for _, c := range page.Customers {
		ids = append(ids, c.DomainID)
		if c.DomainID == a {
			if !c.Reseller || c.XAccountType != simXAccountType || c.AccountName == "" || c.RealNameStatus != domain.CloudRealNameNone || c.Frozen || c.AssociatedAt.IsZero() {
				t.Fatalf("mapping: %+v", c)
			}
		}
	}
	if !contains(ids, a) || !contains(ids, b) {
		t.Fatalf("ids %v lack %s or %s", ids, a, b)
	}

	_, err = e.c.ListSubCustomers(ctx, domain.CloudSubCustomerQuery{Limit: 101})
	wantErr(t, err, domain.CodeValidation, "", "")
	_, err = e.c.ListSubCustomers(ctx, domain.CloudSubCustomerQuery{AccountName: "has space"})
	wantErr(t, err, domain.CodeUpstreamInvalid, domain.OutcomeDefinite, "CBC.0100")
}

func TestFreezeUnfreeze(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := e.ctx()
	a, b := e.customer(), e.customer()

	fails, err := e.c.FreezeCustomers(ctx, domain.CloudFreezeRequest{CustomerIDs: []string{a}, Reason: "overdue", Scope: domain.CloudFreezeAccountAndResources})
	if err != nil || len(fails) != 0 {
		t.Fatalf("freeze: %v %+v", err, fails)
	}
	if sc := e.simCustomer(a); !sc.Frozen || sc.FreezeType != "ACCOUNT_AND_RESOURCE" {
		t.Fatalf("simulator: %+v", sc)
	}
	page, err := e.c.ListSubCustomers(ctx, domain.CloudSubCustomerQuery{CustomerID: a})
	if err != nil || len(page.Customers) != 1 || !page.Customers[0].Frozen {
		t.Fatalf("list after freeze: %v %+v", err, page)
	}

	// Partial: one already frozen, one fine → 200 with the failure listed.
	fails, err = e.c.FreezeCustomers(ctx, domain.CloudFreezeRequest{CustomerIDs: []string{a, b}, Reason: "overdue"})
	if err != nil {
		t.Fatal(err)
	}
	if len(fails) != 1 || fails[0].ID != a || fails[0].Code == "" {
		t.Fatalf("partial: %+v", fails)
	}

	// All refused → the call fails.
	_, err = e.c.FreezeCustomers(ctx, domain.CloudFreezeRequest{CustomerIDs: []string{"no-such-customer"}, Reason: "x"})
	wantErr(t, err, domain.CodeUpstreamNotFound, domain.OutcomeDefinite, "CBC.99000035")

	fails, err = e.c.UnfreezeCustomers(ctx, domain.CloudFreezeRequest{CustomerIDs: []string{a}, Reason: "paid", Scope: domain.CloudFreezeAccountAndResources})
	if err != nil || len(fails) != 0 {
		t.Fatalf("unfreeze: %v %+v", err, fails)
	}
	if sc := e.simCustomer(a); sc.Frozen {
		t.Fatalf("still frozen: %+v", sc)
	}

	_, err = e.c.FreezeCustomers(ctx, domain.CloudFreezeRequest{CustomerIDs: make([]string, 11), Reason: "x"})
	wantErr(t, err, domain.CodeValidation, "", "")
}
