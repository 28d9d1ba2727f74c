package http_test

import (
	"net/http"
	"testing"
	"time"

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
	time.Sleep(1500 * time.Millisecond) // a poll or two while still pending
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
// customer.
func TestRegistrationWrongCodeThenRetry(t *testing.T) {
	t.Parallel()
	h := newCustomerHarness(t)
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

// An unknown outcome (Huawei committed, then answered 5xx; or the answer
// never came) is never resent blindly: River retries the job, the retry
// reads back and finds the account. With a slow association the account is
// not listed at first: the job keeps reading back, still without sending.
func TestRegistrationUnknownOutcome(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		kind  string
		delay time.Duration
	}{
		{"commit_then_5xx", "commit_then_5xx", 0},
		{"commit_then_5xx, association delayed", "commit_then_5xx", 30 * time.Second},
		{"malformed answer", "malformed_body", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newCustomerHarness(t, withSim(func(c *bsssim.Config) { c.AssociationDelay = tc.delay }))
			tok := h.signup("erin@example.com").AccessToken
			h.fault("CreateSubCustomer", tc.kind, 1)
			c := h.register(tok, "erin-01", "13500135005")
			if tc.delay > 0 {
				h.eventually("the read-backs after the unknown outcome", func() bool { return h.calls("ListSubCustomers") >= 3 })
				if c = h.customer(tok, c.ID); c.Huawei.Registration != "pending" {
					t.Fatalf("registration %q before Huawei lists the account", c.Huawei.Registration)
				}
				h.advanceSim(tc.delay)
			}
			c = h.waitCustomer(tok, c.ID, "the account found by read-back", confirmed)
			if accts := h.simAccountsFor(c.ID); len(accts) != 1 || accts[0].DomainID != *c.Huawei.DomainID {
				t.Fatalf("customer %+v, simulator %+v", c, accts)
			}
			if n := h.calls("CreateSubCustomer"); n != 1 {
				t.Fatalf("%d CreateSubCustomer calls, want exactly 1 (no resend)", n)
			}
		})
	}
}
