package http_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/partnerlab/storefront/internal/domain"
	"github.com/partnerlab/storefront/internal/upstream/bsssim"
)

// check posts a registration check.
func (h *harness) check(token, typ, value string) response {
	h.t.Helper()
	return h.do(req{method: "POST", path: "/v1/registration/checks", token: token, body: map[string]string{"type": typ, "value": value}})
}

type checkResult struct {
	Available       bool    `json:"available"`
	Reason          *string `json:"reason"`
	MobileRemaining *int    `json:"mobile_remaining"`
}

func (r response) checkResult(t *testing.T) checkResult {
	t.Helper()
	r.wantStatus(t, http.StatusOK)
	var c checkResult
	r.json(t, &c)
	return c
}

// The whole signup: checks, SMS code, the customer record, the Huawei
// account created by the job, the association pending until Huawei lists
// the account, then confirmed (docs/design.md §4 Registration).
func TestCustomerRegistration(t *testing.T) {
	t.Parallel()
	h := newCustomerHarness(t, withSim(func(c *bsssim.Config) { c.AssociationDelay = 30 * time.Second }))
	alice := h.signup("alice@example.com").AccessToken
	bob := h.signup("bob@example.com").AccessToken
	const mobile = "13800138001"

	// Checks: available, then refused locally before any upstream call.
	if c := h.check(alice, "name", "alice-01").checkResult(t); !c.Available || c.Reason != nil || c.MobileRemaining != nil {
		t.Fatalf("name check %+v", c)
	}
	if c := h.check(alice, "mobile", mobile).checkResult(t); !c.Available || c.MobileRemaining == nil || *c.MobileRemaining != 5 {
		t.Fatalf("mobile check %+v", c)
	}
	if c := h.check(alice, "email", "alice@example.com").checkResult(t); !c.Available {
		t.Fatalf("email check %+v", c)
	}
	checks := h.calls("CheckUserIdentity")
	for _, bad := range []struct{ typ, value string }{
		{"name", "abcd"}, {"name", "op_alice"}, {"name", "Shadow_x1"}, {"name", "1alice"}, {"name", "al ice"},
		{"mobile", "12345678901"}, {"mobile", "0086-13800138001"}, {"mobile", "1380013800"},
		{"email", "not-an-email"}, {"email", "Alice <a@example.com>"},
	} {
		p := h.check(alice, bad.typ, bad.value).wantProblem(t, http.StatusBadRequest, "validation_failed")
		if len(p.Errors) != 1 || p.Errors[0].Field != "value" {
			t.Fatalf("%s %q: errors %+v, want one naming value", bad.typ, bad.value, p.Errors)
		}
	}
	if n := h.calls("CheckUserIdentity"); n != checks {
		t.Fatalf("bad values reached Huawei: %d CheckUserIdentity calls, want %d", n, checks)
	}

	// SMS code, then the customer record.
	res := h.do(req{method: "POST", path: "/v1/registration/sms-codes", token: alice, body: map[string]string{"mobile": mobile}})
	res.wantStatus(t, http.StatusAccepted)
	var sent struct {
		ExpiresAt time.Time `json:"expires_at"`
	}
	res.json(t, &sent)
	if d := time.Until(sent.ExpiresAt); d < 9*time.Minute || d > 11*time.Minute {
		t.Fatalf("code expires in %v, want about 10 minutes", d)
	}
	code := h.smsCode(mobile)
	res = h.postCustomer(alice, map[string]any{"account_name": "alice-01", "mobile": mobile, "sms_code": code, "email": "alice@example.com"})
	res.wantStatus(t, http.StatusCreated)
	var c customerBody
	res.json(t, &c)
	if c.ID == "" || c.AccountName != "alice-01" || c.Mobile != "138****8001" || c.Status != "active" || c.PendingAction != nil ||
		c.RealnameStatus != "unverified" || c.Huawei.Registration != "pending" || c.Huawei.Association != "pending" ||
		c.Huawei.DomainID != nil || c.Email == nil || *c.Email != "alice@example.com" {
		t.Fatalf("created %+v", c)
	}
	if id, _ := h.me(alice)["customer_id"].(string); id != c.ID {
		t.Fatalf("me.customer_id %q, want %s", id, c.ID)
	}
	if _, ok := h.me(bob)["customer_id"]; ok {
		t.Fatal("me.customer_id for a user who is not a customer")
	}

	// The job creates the account; the association stays pending while
	// Huawei does not list it.
	c = h.waitCustomer(alice, c.ID, "the Huawei account", registered)
	if c.Huawei.DomainID == nil || *c.Huawei.DomainID == "" || c.Huawei.Association != "pending" || c.Huawei.Error != nil {
		t.Fatalf("registered %+v", c)
	}
	accts := h.simAccountsFor(c.ID)
	if len(accts) != 1 || accts[0].DomainID != *c.Huawei.DomainID || accts[0].DomainName != "alice-01" || accts[0].Associated {
		t.Fatalf("simulator accounts %+v", accts)
	}
	// The job looked (read-back, then the association) and found it pending.
	h.eventually("the association check", func() bool { return h.calls("ListSubCustomers") >= 2 })
	if c = h.customer(alice, c.ID); c.Huawei.Association != "pending" {
		t.Fatalf("association %q before Huawei lists the account", c.Huawei.Association)
	}

	// The name is now taken, for others and on Huawei.
	if r := h.check(bob, "name", "alice-01").checkResult(t); r.Available || r.Reason == nil || *r.Reason != "used" {
		t.Fatalf("taken name %+v", r)
	}
	if r := h.check(bob, "mobile", mobile).checkResult(t); !r.Available || *r.MobileRemaining != 4 {
		t.Fatalf("mobile after one registration %+v", r)
	}

	h.advanceSim(30 * time.Second)
	c = h.waitCustomer(alice, c.ID, "the association", confirmed)
	if n := len(h.simAccountsFor(c.ID)); n != 1 {
		t.Fatalf("%d Huawei accounts for one customer", n)
	}
	if n := h.calls("CreateSubCustomer"); n != 1 {
		t.Fatalf("%d CreateSubCustomer calls, want 1", n)
	}
	if a := h.auditActions(c.ID); !hasAll(a, "customer.create", "customer.registration_created", "customer.association_confirmed") {
		t.Fatalf("audit %v", a)
	}

	// A customer registers once.
	code = h.sendCode(alice, mobile)
	h.postCustomer(alice, map[string]any{"account_name": "alice-02", "mobile": mobile, "sms_code": code}).
		wantProblem(t, http.StatusConflict, "already_exists")
	// Its name is its own: another user may not take it.
	code = h.sendCode(bob, "13900139002")
	h.postCustomer(bob, map[string]any{"account_name": "alice-01", "mobile": "13900139002", "sms_code": code}).
		wantProblem(t, http.StatusConflict, "already_exists")
}

// A wrong SMS code is a definite refusal: the registration fails with
// Huawei's code, and posting again with a good code retries it on the same
// customer. So is the mobile's registration limit (CBC.99000030), which the
// mobile check reports beforehand.
func TestRegistrationWrongCodeThenRetry(t *testing.T) {
	t.Parallel()
	h := newCustomerHarness(t, withSim(func(c *bsssim.Config) { c.MobileLimit = 1 }))
	tok := h.signup("carol@example.com").AccessToken
	const mobile = "13700137003"
	good := h.sendCode(tok, mobile)
	wrong := "000000"
	if good == wrong {
		wrong = "111111"
	}
	res := h.postCustomer(tok, map[string]any{"account_name": "carol-01", "mobile": mobile, "sms_code": wrong})
	res.wantStatus(t, http.StatusCreated)
	var c customerBody
	res.json(t, &c)
	c = h.waitCustomer(tok, c.ID, "the refusal", func(c customerBody) bool { return c.Huawei.Registration == "failed" })
	if c.Huawei.Error == nil || c.Huawei.Error.Code != "CBC.99004010" || c.Huawei.Error.Message == "" || c.Huawei.DomainID != nil {
		t.Fatalf("failed registration %+v (error %+v)", c, c.Huawei.Error)
	}
	if n := len(h.simAccountsFor(c.ID)); n != 0 {
		t.Fatalf("%d Huawei accounts after a refusal", n)
	}

	// Retry with a new code (and a new name): same customer.
	code := h.sendCode(tok, mobile)
	res = h.postCustomer(tok, map[string]any{"account_name": "carol-02", "mobile": mobile, "sms_code": code})
	res.wantStatus(t, http.StatusCreated)
	var again customerBody
	res.json(t, &again)
	if again.ID != c.ID || again.AccountName != "carol-02" || again.Huawei.Registration != "pending" || again.Huawei.Error != nil {
		t.Fatalf("retry %+v, want the same customer %s pending", again, c.ID)
	}
	c = h.waitCustomer(tok, c.ID, "the retried registration", confirmed)
	accts := h.simAccountsFor(c.ID)
	if len(accts) != 1 || accts[0].DomainName != "carol-02" || c.Huawei.Error != nil {
		t.Fatalf("after the retry: %+v, simulator %+v", c, accts)
	}
	if a := h.auditActions(c.ID); !hasAll(a, "customer.create", "customer.registration_failed", "customer.registration_retry", "customer.registration_created") {
		t.Fatalf("audit %v", a)
	}

	// The mobile has registered its one customer.
	other := h.signup("carl@example.com").AccessToken
	r := h.check(other, "mobile", mobile).checkResult(t)
	if r.Available || r.Reason == nil || *r.Reason != "mobile_limit_reached" || r.MobileRemaining == nil || *r.MobileRemaining != 0 {
		t.Fatalf("mobile check at the limit %+v", r)
	}
	d := h.register(other, "carl-01", mobile)
	d = h.waitCustomer(other, d.ID, "the refusal", func(c customerBody) bool { return c.Huawei.Registration == "failed" })
	if d.Huawei.Error == nil || d.Huawei.Error.Code != "CBC.99000030" {
		t.Fatalf("registration over the mobile limit %+v (error %+v)", d, d.Huawei.Error)
	}
}

// CreateSubCustomer's half success (500 CBC.99000050 with a domain_id): the
// account exists; the job records it and confirms, never creating again.
func TestRegistrationHalfSuccess(t *testing.T) {
	t.Parallel()
	h := newCustomerHarness(t)
	tok := h.signup("dave@example.com").AccessToken
	h.fault("CreateSubCustomer", "half_success", 1)
	c := h.register(tok, "dave-01", "13600136004")
	c = h.waitCustomer(tok, c.ID, "the half-created account", confirmed)
	accts := h.simAccountsFor(c.ID)
	if len(accts) != 1 || c.Huawei.DomainID == nil || accts[0].DomainID != *c.Huawei.DomainID {
		t.Fatalf("customer %+v, simulator %+v", c, accts)
	}
	if n := h.calls("CreateSubCustomer"); n != 1 {
		t.Fatalf("%d CreateSubCustomer calls, want 1", n)
	}
	if len(h.simCustomers()) != 1 {
		t.Fatalf("simulator customers %+v", h.simCustomers())
	}
}

// An unknown outcome (Huawei committed, then answered 5xx, or answered
// something undecodable) is never resent blindly: River retries the job,
// the retry reads back and finds the account. With a slow association the
// account is not listed at first: the job keeps reading back, still
// without sending.
func TestRegistrationUnknownOutcome(t *testing.T) {
	t.Parallel()
	t.Run("found at once", func(t *testing.T) {
		t.Parallel()
		h := newCustomerHarness(t)
		for i, kind := range []string{"commit_then_5xx", "malformed_body"} {
			tok := h.signup(fmt.Sprintf("erin%d@example.com", i)).AccessToken
			h.fault("CreateSubCustomer", kind, 1)
			sends := h.calls("CreateSubCustomer")
			c := h.register(tok, fmt.Sprintf("erin-0%d", i), "13500135005")
			c = h.waitCustomer(tok, c.ID, "the account found by read-back after "+kind, confirmed)
			if accts := h.simAccountsFor(c.ID); len(accts) != 1 || accts[0].DomainID != *c.Huawei.DomainID {
				t.Fatalf("%s: customer %+v, simulator %+v", kind, c, accts)
			}
			if n := h.calls("CreateSubCustomer") - sends; n != 1 {
				t.Fatalf("%s: %d CreateSubCustomer calls, want exactly 1 (no resend)", kind, n)
			}
		}
	})
	t.Run("association delayed", func(t *testing.T) {
		t.Parallel()
		h := newCustomerHarness(t, withSim(func(c *bsssim.Config) { c.AssociationDelay = 30 * time.Second }))
		tok := h.signup("erin@example.com").AccessToken
		h.fault("CreateSubCustomer", "commit_then_5xx", 1)
		c := h.register(tok, "erin-01", "13500135005")
		h.eventually("the read-backs after the unknown outcome", func() bool { return h.calls("ListSubCustomers") >= 3 })
		if c = h.customer(tok, c.ID); c.Huawei.Registration != "pending" {
			t.Fatalf("registration %q before Huawei lists the account", c.Huawei.Registration)
		}
		h.advanceSim(30 * time.Second)
		c = h.waitCustomer(tok, c.ID, "the account found by read-back", confirmed)
		if accts := h.simAccountsFor(c.ID); len(accts) != 1 || accts[0].DomainID != *c.Huawei.DomainID {
			t.Fatalf("customer %+v, simulator %+v", c, accts)
		}
		if n := h.calls("CreateSubCustomer"); n != 1 {
			t.Fatalf("%d CreateSubCustomer calls, want exactly 1 (no resend)", n)
		}
	})
}

// An operator registers a signed-up customer user; only customer users
// qualify, and only staff may name another user.
func TestOperatorRegistersCustomer(t *testing.T) {
	t.Parallel()
	h := newCustomerHarness(t)
	op := h.operator("olga@example.com").AccessToken
	frank := h.signup("frank@example.com").AccessToken
	frankID, _ := h.me(frank)["id"].(string)
	grace := h.signup("grace@example.com").AccessToken
	staffID := h.createStaff(h.admin().AccessToken, "finn@example.com", "finance").ID
	const mobile = "13300133006"

	code := h.sendCode(op, mobile)
	body := func(extra map[string]any) map[string]any {
		b := map[string]any{"account_name": "frank-01", "mobile": mobile, "sms_code": code}
		for k, v := range extra {
			b[k] = v
		}
		return b
	}
	p := h.postCustomer(op, body(nil)).wantProblem(t, http.StatusBadRequest, "validation_failed")
	if len(p.Errors) != 1 || p.Errors[0].Field != "user_id" {
		t.Fatalf("operator without user_id: %+v", p.Errors)
	}
	h.postCustomer(op, body(map[string]any{"user_id": uuid.NewString()})).wantProblem(t, http.StatusNotFound, "not_found")
	h.postCustomer(op, body(map[string]any{"user_id": staffID})).wantProblem(t, http.StatusNotFound, "not_found")
	// A customer may not register someone else.
	h.postCustomer(grace, body(map[string]any{"user_id": frankID})).wantProblem(t, http.StatusForbidden, "forbidden")

	res := h.postCustomer(op, body(map[string]any{"user_id": frankID}))
	res.wantStatus(t, http.StatusCreated)
	var c customerBody
	res.json(t, &c)
	if c.UserID != frankID {
		t.Fatalf("customer of user %s, want %s", c.UserID, frankID)
	}
	c = h.waitCustomer(op, c.ID, "the account", confirmed)
	if id, _ := h.me(frank)["customer_id"].(string); id != c.ID {
		t.Fatalf("frank's customer_id %q, want %s", id, c.ID)
	}
	// Frank sees it; grace does not.
	h.customer(frank, c.ID)
	h.do(req{method: "GET", path: "/v1/customers/" + c.ID, token: grace}).wantProblem(t, http.StatusNotFound, "not_found")
	// The operator acted on frank's behalf: the audit names the operator.
	var actor string
	if err := h.pool.QueryRow(context.Background(), `SELECT actor_id::text FROM audit_events WHERE action = 'customer.create' AND subject_id = $1`, c.ID).Scan(&actor); err != nil {
		t.Fatal(err)
	}
	if opID, _ := h.me(op)["id"].(string); actor != opID {
		t.Fatalf("audit actor %s, want the operator %s", actor, opID)
	}
	// Frank is a customer now: a second registration is refused.
	code = h.sendCode(op, mobile)
	h.postCustomer(op, map[string]any{"account_name": "frank-02", "mobile": mobile, "sms_code": code, "user_id": frankID}).
		wantProblem(t, http.StatusConflict, "already_exists")
}

// Bad input is refused before anything is written or sent: 400 naming the
// field, no upstream call at all. Huawei's own SMS cap is a 429.
func TestRegistrationBadInput(t *testing.T) {
	t.Parallel()
	h := newCustomerHarness(t)
	tok := h.signup("hank@example.com").AccessToken
	good := map[string]any{"account_name": "hank-01", "mobile": "13200132007", "sms_code": "123456", "email": "hank@example.com"}
	for _, tc := range []struct {
		field string
		value any
	}{
		{"account_name", "abc"},
		{"account_name", "op_hank01"},
		{"account_name", "9hank"},
		{"account_name", "hank.01"},
		{"mobile", "23200132007"},
		{"mobile", "1320013200"},
		{"mobile", "0086-13200132007"},
		{"email", "hank"},
		{"email", "Hank <hank@example.com>"},
		{"sms_code", "12345"},
		{"sms_code", "abcdef"},
	} {
		body := map[string]any{}
		for k, v := range good {
			body[k] = v
		}
		body[tc.field] = tc.value
		p := h.postCustomer(tok, body).wantProblem(t, http.StatusBadRequest, "validation_failed")
		if len(p.Errors) == 0 || p.Errors[0].Field != tc.field {
			t.Fatalf("%s=%v: errors %+v, want one naming %s", tc.field, tc.value, p.Errors, tc.field)
		}
	}
	for _, m := range []string{"12345678901", "1380013800a", "+8613800138000"} {
		p := h.do(req{method: "POST", path: "/v1/registration/sms-codes", token: tok, body: map[string]string{"mobile": m}}).
			wantProblem(t, http.StatusBadRequest, "validation_failed")
		if len(p.Errors) == 0 || p.Errors[0].Field != "mobile" {
			t.Fatalf("sms-codes %q: errors %+v", m, p.Errors)
		}
	}
	h.check(tok, "phone", "13800138000").wantProblem(t, http.StatusBadRequest, "validation_failed")
	if n := h.calls(""); n != 0 {
		t.Fatalf("%d upstream calls for bad input, want none", n)
	}
	if n := h.count("customers"); n != 0 {
		t.Fatalf("%d customers written for bad input", n)
	}

	// Huawei's per-number SMS cap is 429 rate_limited with Huawei's code.
	const mobile = "13100131008"
	for i := 0; i < 15; i++ {
		h.do(req{method: "POST", path: "/v1/registration/sms-codes", token: tok, body: map[string]string{"mobile": mobile}}).
			wantStatus(t, http.StatusAccepted)
	}
	res := h.do(req{method: "POST", path: "/v1/registration/sms-codes", token: tok, body: map[string]string{"mobile": mobile}})
	res.wantProblem(t, http.StatusTooManyRequests, "rate_limited")
	var p upstreamProblem
	res.json(t, &p)
	if p.Upstream == nil || p.Upstream.Code != "CBC.99004015" || !p.Retryable {
		t.Fatalf("problem %+v upstream %+v", p.problem, p.Upstream)
	}
}

// paidServer gives a registered customer a running yearly/monthly server
// on the simulator (real-name verified, funded, ordered, paid) through the
// adapter, and returns its resource id.
func (h *harness) paidServer(domainID string) string {
	h.t.Helper()
	ctx := context.Background()
	if _, err := h.cloud.SubmitIndividualRealName(ctx, domain.CloudIndividualRealName{
		CustomerID: domainID, FileURLs: []string{h.idCardFile(domainID)}, Name: "Zhang San", Number: "110101199001011234",
	}); err != nil {
		h.t.Fatalf("real-name: %v", err)
	}
	h.simDo("POST", "/_sim/realname/review", map[string]string{"customer_id": domainID, "decision": "approve"}, nil)
	if _, err := h.cloud.AllocateToCustomer(ctx, domainID, decimal.RequireFromString("500")); err != nil {
		h.t.Fatalf("fund: %v", err)
	}
	po, err := h.cloud.CreatePrepaidServer(ctx, domainID, domain.CloudServerOrder{
		Region: "cn-north-4", Name: "web", ImageRef: "img-ubuntu-22.04", FlavorRef: "s6.small.1",
		VPCID: "vpc-1", SubnetIDs: []string{"subnet-1"}, AvailabilityZone: "cn-north-4a",
		RootVolume: domain.CloudDiskSpec{Type: "SAS", SizeGB: 40}, Period: domain.CloudPeriodMonth, Periods: 1,
	})
	if err != nil {
		h.t.Fatalf("server: %v", err)
	}
	if err := h.cloud.PayOrder(ctx, domainID, domain.CloudPayOrder{OrderID: po.OrderID}); err != nil {
		h.t.Fatalf("pay: %v", err)
	}
	return po.ResourceIDs[0]
}

// resourceStatus is the resource's status as Huawei reports it.
func (h *harness) resourceStatus(domainID, resourceID string) domain.CloudResourceStatus {
	h.t.Helper()
	page, err := h.cloud.ListCustomerResources(context.Background(), domain.CloudResourceQuery{CustomerID: domainID, ResourceIDs: []string{resourceID}, OnlyMain: true})
	if err != nil || len(page.Resources) != 1 {
		h.t.Fatalf("resources: %v %+v", err, page)
	}
	return page.Resources[0].Status
}

// Freeze and unfreeze, both scopes: an ACCOUNT freeze leaves the resources
// running, ACCOUNT_AND_RESOURCE freezes them too; unfreeze uses the scope
// the customer was frozen with (docs/huawei-bss.md §1.5).
func TestCustomerFreezeUnfreeze(t *testing.T) {
	t.Parallel()
	h := newCustomerHarness(t)
	jack := h.signup("jack@example.com").AccessToken
	op := h.operator("otto@example.com").AccessToken
	adm := h.admin().AccessToken
	c := h.register(jack, "jack-01", "13000130009")
	c = h.waitCustomer(jack, c.ID, "the account", confirmed)
	domainID := *c.Huawei.DomainID
	server := h.paidServer(domainID)

	freeze := func(tok, scope string) response {
		return h.do(req{method: "POST", path: "/v1/customers/" + c.ID + "/freeze", token: tok, body: map[string]string{"reason": "overdue invoice", "scope": scope}})
	}
	unfreeze := func(tok string) response {
		return h.do(req{method: "POST", path: "/v1/customers/" + c.ID + "/unfreeze", token: tok, body: map[string]string{"reason": "paid"}})
	}
	sim := func() simCustomer {
		accts := h.simAccountsFor(c.ID)
		if len(accts) != 1 {
			t.Fatalf("simulator accounts %+v", accts)
		}
		return accts[0]
	}
	accepted := func(res response, action string) {
		t.Helper()
		res.wantStatus(t, http.StatusAccepted)
		var got customerBody
		res.json(t, &got)
		if got.PendingAction == nil || *got.PendingAction != action {
			t.Fatalf("%s answered %+v", action, got)
		}
	}
	settled := func(c customerBody) bool { return c.PendingAction == nil }

	// The customer itself may not freeze.
	freeze(jack, "account").wantProblem(t, http.StatusForbidden, "forbidden")
	unfreeze(jack).wantProblem(t, http.StatusForbidden, "forbidden")
	unfreeze(op).wantProblem(t, http.StatusConflict, "conflict") // not frozen

	// ACCOUNT: the account freezes, the server keeps running.
	accepted(freeze(op, "account"), "freeze")
	freeze(adm, "account_and_resources").wantProblem(t, http.StatusConflict, "conflict") // pending or frozen
	c = h.waitCustomer(op, c.ID, "the account freeze", settled)
	if c.Status != "frozen" || c.FrozenScope == nil || *c.FrozenScope != "account" || c.ActionError != nil {
		t.Fatalf("after freeze %+v", c)
	}
	if s := sim(); !s.Frozen || s.FreezeType != "ACCOUNT" {
		t.Fatalf("simulator %+v", s)
	}
	if st := h.resourceStatus(domainID, server); st != domain.CloudResourceInUse {
		t.Fatalf("ACCOUNT freeze: resource status %d, want in use", st)
	}
	freeze(op, "account").wantProblem(t, http.StatusConflict, "conflict")
	accepted(unfreeze(adm), "unfreeze")
	c = h.waitCustomer(op, c.ID, "the unfreeze", settled)
	if c.Status != "active" || c.FrozenScope != nil || sim().Frozen {
		t.Fatalf("after unfreeze %+v, simulator %+v", c, sim())
	}

	// ACCOUNT_AND_RESOURCE: the server freezes too, and thaws with it.
	accepted(freeze(adm, "account_and_resources"), "freeze")
	c = h.waitCustomer(op, c.ID, "the full freeze", settled)
	if c.Status != "frozen" || *c.FrozenScope != "account_and_resources" || sim().FreezeType != "ACCOUNT_AND_RESOURCE" {
		t.Fatalf("after full freeze %+v, simulator %+v", c, sim())
	}
	if st := h.resourceStatus(domainID, server); st != domain.CloudResourceFrozen {
		t.Fatalf("ACCOUNT_AND_RESOURCE freeze: resource status %d, want frozen", st)
	}
	accepted(unfreeze(op), "unfreeze")
	c = h.waitCustomer(op, c.ID, "the full unfreeze", settled)
	if c.Status != "active" || sim().Frozen || h.resourceStatus(domainID, server) != domain.CloudResourceInUse {
		t.Fatalf("after the full unfreeze %+v, simulator %+v", c, sim())
	}

	// Huawei refuses: the refusal is kept on the customer, nothing pending.
	h.simDo("POST", "/_sim/faults", map[string]any{"operation": "FreezeSubCustomers", "kind": "error", "count": 1,
		"status": 400, "error_code": "CBC.99000000", "error_msg": "No permission to operate this customer."}, nil)
	accepted(freeze(op, "account"), "freeze")
	c = h.waitCustomer(op, c.ID, "the refused freeze", settled)
	if c.Status != "active" || c.ActionError == nil || c.ActionError.Code != "CBC.99000000" {
		t.Fatalf("after a refused freeze %+v (action error %+v)", c, c.ActionError)
	}
	// An unknown outcome is read back, not resent.
	h.fault("FreezeSubCustomers", "commit_then_5xx", 1)
	accepted(freeze(op, "account"), "freeze")
	c = h.waitCustomer(op, c.ID, "the freeze after an unknown outcome", settled)
	if c.Status != "frozen" || c.ActionError != nil || !sim().Frozen {
		t.Fatalf("after an unknown freeze %+v, simulator %+v", c, sim())
	}
	// Four freezes sent: account, full, refused, unknown (then read back).
	if n := h.calls("FreezeSubCustomers"); n != 4 {
		t.Fatalf("%d FreezeSubCustomers calls, want 4", n)
	}
	if a := h.auditActions(c.ID); !hasAll(a, "customer.freeze_requested", "customer.frozen", "customer.unfreeze_requested",
		"customer.unfrozen", "customer.freeze_failed") {
		t.Fatalf("audit %v", a)
	}
}

// The tenant wall on every customer route with an id, and on the list: a
// customer sees only itself ("not yours" is 404 like "does not exist"),
// staff see all, only operators and admins freeze, API clients hold no
// customer scope, anonymous callers are 401 (docs/design.md §2.10, §3).
func TestCustomerTenantMatrix(t *testing.T) {
	t.Parallel()
	h := newCustomerHarness(t)
	adm := h.admin().AccessToken
	actors := map[string]string{
		"customer A": h.signup("a@example.com").AccessToken,
		"customer B": h.signup("b@example.com").AccessToken,
		"operator":   h.operator("op@example.com").AccessToken,
		"finance":    "",
		"admin":      adm,
		"api client": h.apiClientToken("customers:read"),
		"anonymous":  "",
	}
	h.createStaff(adm, "fin@example.com", "finance")
	actors["finance"] = h.login("fin@example.com", "staff-password-1").AccessToken
	a := h.register(actors["customer A"], "tenant-a", "13800000001")
	b := h.register(actors["customer B"], "tenant-b", "13800000002")
	a = h.waitCustomer(actors["customer A"], a.ID, "A's account", confirmed)
	h.waitCustomer(actors["customer B"], b.ID, "B's account", confirmed)
	missing := uuid.NewString()

	order := []string{"anonymous", "api client", "customer A", "customer B", "finance", "operator", "admin"}
	type route struct {
		method, path string
		body         any
		want         map[string]int
	}
	freezeBody := map[string]string{"reason": "audit", "scope": "account"}
	routes := []route{
		{"GET", "/v1/customers/" + a.ID, nil, map[string]int{"anonymous": 401, "api client": 403, "customer A": 200, "customer B": 404, "finance": 200, "operator": 200, "admin": 200}},
		{"GET", "/v1/customers/" + missing, nil, map[string]int{"anonymous": 401, "api client": 403, "customer A": 404, "customer B": 404, "finance": 404, "operator": 404, "admin": 404}},
		{"POST", "/v1/customers/" + a.ID + "/unfreeze", map[string]string{"reason": "audit"}, map[string]int{"anonymous": 401, "api client": 403, "customer A": 403, "customer B": 403, "finance": 403, "operator": 409, "admin": 409}},
		{"POST", "/v1/customers/" + missing + "/freeze", freezeBody, map[string]int{"anonymous": 401, "api client": 403, "customer A": 403, "customer B": 403, "finance": 403, "operator": 404, "admin": 404}},
		// Operator first (202), then the admin finds it pending (409).
		{"POST", "/v1/customers/" + a.ID + "/freeze", freezeBody, map[string]int{"anonymous": 401, "api client": 403, "customer A": 403, "customer B": 403, "finance": 403, "operator": 202, "admin": 409}},
		{"POST", "/v1/customers/" + b.ID + "/unfreeze", map[string]string{"reason": "audit"}, map[string]int{"anonymous": 401, "api client": 403, "customer A": 403, "customer B": 403, "finance": 403, "operator": 409, "admin": 409}},
	}
	for _, rt := range routes {
		for _, who := range order {
			res := h.do(req{method: rt.method, path: rt.path, token: actors[who], body: rt.body})
			if res.status != rt.want[who] {
				t.Errorf("%s %s as %s: %d, want %d (%s)", rt.method, rt.path, who, res.status, rt.want[who], res.body)
			}
		}
	}

	// Lists: a customer gets a page with just itself, whatever it asks.
	list := func(who, query string) (int, []string) {
		res := h.do(req{method: "GET", path: "/v1/customers" + query, token: actors[who]})
		if res.status != http.StatusOK {
			return res.status, nil
		}
		var p customerPage
		res.json(t, &p)
		var ids []string
		for _, c := range p.Items {
			ids = append(ids, c.ID)
		}
		return res.status, ids
	}
	for who, want := range map[string][]string{
		"customer A": {a.ID}, "customer B": {b.ID}, "operator": {b.ID, a.ID}, "finance": {b.ID, a.ID}, "admin": {b.ID, a.ID},
	} {
		if st, ids := list(who, ""); st != 200 || !slices.Equal(ids, want) {
			t.Errorf("list as %s: %d %v, want %v", who, st, ids, want)
		}
	}
	if st, ids := list("customer A", "?q=tenant-b"); st != 200 || len(ids) != 0 {
		t.Errorf("customer A searching for B: %d %v", st, ids)
	}
	if st, _ := list("api client", ""); st != 403 {
		t.Errorf("list as api client: %d", st)
	}
	if st, _ := list("anonymous", ""); st != 401 {
		t.Errorf("list anonymously: %d", st)
	}
	// Registration routes: customers and operators only.
	for who, want := range map[string]int{"anonymous": 401, "api client": 403, "finance": 403, "admin": 403, "operator": 200, "customer B": 200} {
		if res := h.check(actors[who], "name", "free-name"); res.status != want {
			t.Errorf("check as %s: %d, want %d", who, res.status, want)
		}
	}
}

// seedCustomers inserts n customers (and their users) straight into the
// database: names c<hex>, emails user<i>@example.com, mobiles 13<i>, two
// customers per second from base (so pages cross ties), every 10th frozen,
// every 3rd verified.
func (h *harness) seedCustomers(n int, base time.Time) {
	h.t.Helper()
	_, err := h.pool.Exec(context.Background(), `
WITH s AS (SELECT i, md5('u' || i)::uuid AS uid, md5('c' || i)::uuid AS cid FROM generate_series(1, $1::int) AS i),
u AS (
  INSERT INTO users (id, email, email_normalized, password_hash, roles, created_at, updated_at)
  SELECT uid, 'User' || i || '@example.com', 'user' || i || '@example.com', '$argon2id$x', ARRAY['customer'], $2, $2 FROM s
  RETURNING id)
INSERT INTO customers (id, user_id, account_name, email, mobile, status, frozen_scope, realname_status,
  registration_status, association, huawei_domain_id, huawei_domain_name, created_at, updated_at)
SELECT cid, uid, 'c' || substr(md5(i::text), 1, 10), 'User' || i || '@example.com', '13' || lpad(i::text, 9, '0'),
  CASE WHEN i % 10 = 0 THEN 'frozen' ELSE 'active' END, CASE WHEN i % 10 = 0 THEN 'account' END,
  CASE WHEN i % 3 = 0 THEN 'verified' ELSE 'unverified' END,
  'created', 'confirmed', 'hw' || i, 'c' || substr(md5(i::text), 1, 10),
  $2::timestamptz + (i / 2) * interval '1 second', $2
FROM s WHERE (SELECT count(*) FROM u) > 0`, n, base)
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.pool.Exec(context.Background(), `UPDATE users u SET customer_id = c.id FROM customers c WHERE c.user_id = u.id`); err != nil {
		h.t.Fatal(err)
	}
}

// Customer lists: newest first, cursor pages that neither skip nor repeat
// across equal creation times, search by prefix, filters, bad parameters.
func TestListCustomers(t *testing.T) {
	t.Parallel()
	h := newCustomerHarness(t)
	op := h.operator("lister@example.com").AccessToken
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h.seedCustomers(25, base)

	page := func(query string) customerPage {
		t.Helper()
		res := h.do(req{method: "GET", path: "/v1/customers" + query, token: op})
		res.wantStatus(t, http.StatusOK)
		var p customerPage
		res.json(t, &p)
		return p
	}
	// Walk every page of 4.
	var all []customerBody
	q := "?limit=4"
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("too many pages")
		}
		p := page(q)
		all = append(all, p.Items...)
		if p.NextCursor == nil {
			break
		}
		q = "?limit=4&cursor=" + *p.NextCursor
	}
	if len(all) != 25 {
		t.Fatalf("%d customers over all pages, want 25", len(all))
	}
	seen := map[string]bool{}
	for i, c := range all {
		if seen[c.ID] {
			t.Fatalf("customer %s twice", c.ID)
		}
		seen[c.ID] = true
		if i > 0 {
			prev := all[i-1]
			if c.CreatedAt > prev.CreatedAt || c.CreatedAt == prev.CreatedAt && c.ID > prev.ID {
				t.Fatalf("order: %s/%s after %s/%s", c.CreatedAt, c.ID, prev.CreatedAt, prev.ID)
			}
		}
		if len(c.Mobile) != 11 || c.Mobile[3:7] != "****" {
			t.Fatalf("mobile %q is not masked", c.Mobile)
		}
	}

	ids := func(p customerPage) []string {
		var out []string
		for _, c := range p.Items {
			out = append(out, *c.Email)
		}
		return out
	}
	// Email prefix, case-insensitive: user2, user20–25.
	if got := ids(page("?q=USER2")); len(got) != 7 {
		t.Fatalf("q=USER2: %v", got)
	}
	// Mobile prefix: 13000000001x = 10–19.
	if got := ids(page("?q=1300000001")); len(got) != 10 {
		t.Fatalf("q=1300000001: %v", got)
	}
	// Account-name prefix (one customer's whole name).
	name := all[0].AccountName
	if p := page("?q=" + name); len(p.Items) != 1 || p.Items[0].ID != all[0].ID {
		t.Fatalf("q=%s: %+v", name, p.Items)
	}
	if p := page("?q=zz-nobody"); len(p.Items) != 0 || p.NextCursor != nil {
		t.Fatalf("no match: %+v", p)
	}
	// LIKE metacharacters are plain characters.
	if p := page("?q=%25"); len(p.Items) != 0 {
		t.Fatalf("q=%%: %d items", len(p.Items))
	}
	// Filters.
	for _, c := range page("?status=frozen&limit=100").Items {
		if c.Status != "frozen" || c.FrozenScope == nil {
			t.Fatalf("status filter returned %+v", c)
		}
	}
	if n := len(page("?status=frozen&limit=100").Items); n != 2 {
		t.Fatalf("%d frozen, want 2", n)
	}
	if n := len(page("?realname_status=verified&limit=100").Items); n != 8 {
		t.Fatalf("%d verified, want 8", n)
	}
	// created_at of customer i is base + i/2 s: [base+2s, base+5s) holds i = 4..9.
	from, to := base.Add(2*time.Second).Format(time.RFC3339), base.Add(5*time.Second).Format(time.RFC3339)
	if n := len(page("?limit=100&created_from=" + from + "&created_to=" + to).Items); n != 6 {
		t.Fatalf("%d in the window, want 6", n)
	}
	// created_to and a cursor together: pages of 4 within the window.
	p1 := page("?limit=4&created_to=" + to)
	p2 := page("?limit=4&created_to=" + to + "&cursor=" + *p1.NextCursor)
	if len(p1.Items) != 4 || len(p2.Items) != 4 || p1.Items[0].CreatedAt >= to || p2.Items[0].ID == p1.Items[3].ID {
		t.Fatalf("window pages %+v %+v", p1.Items, p2.Items)
	}

	// Bad parameters name themselves.
	for query, field := range map[string]string{
		"?cursor=not-a-cursor": "cursor",
		"?cursor=AAAA":         "cursor",
		"?limit=0":             "limit",
		"?limit=101":           "limit",
		"?status=gone":         "status",
		"?created_from=" + to + "&created_to=" + from: "created_from",
		"?created_from=yesterday":                     "created_from",
	} {
		p := h.do(req{method: "GET", path: "/v1/customers" + query, token: op}).wantProblem(t, http.StatusBadRequest, "validation_failed")
		if len(p.Errors) == 0 || p.Errors[0].Field != field {
			t.Fatalf("%s: errors %+v, want %s", query, p.Errors, field)
		}
	}
}
