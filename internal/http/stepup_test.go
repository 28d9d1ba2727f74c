package http_test

import (
	"bytes"
	"context"
	"encoding/base32"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/partnerlab/storefront/internal/domain"
)

type totpEnrollment struct {
	Secret     string `json:"secret"`
	OtpauthURI string `json:"otpauth_uri"`
}

type stepUpChallenge struct {
	ID          string  `json:"id"`
	Action      string  `json:"action"`
	CustomerID  string  `json:"customer_id"`
	Amount      string  `json:"amount"`
	OperationID *string `json:"operation_id"`
	ExpiresAt   string  `json:"expires_at"`
}

// totpCode is what an authenticator app shows for secret (base32), offset
// steps from now.
func totpCode(t *testing.T, secret string, offset int64) string {
	t.Helper()
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		t.Fatal(err)
	}
	return domain.TOTPCode(key, domain.TOTPStep(time.Now())+offset)
}

func (h *harness) enrollTotp(token string) totpEnrollment {
	h.t.Helper()
	res := h.do(req{method: "POST", path: "/v1/me/totp", token: token})
	res.wantStatus(h.t, http.StatusCreated)
	var e totpEnrollment
	res.json(h.t, &e)
	return e
}

// enrolledStaff creates a staff member with a confirmed authenticator and
// returns its access token and TOTP secret. The confirming code is the
// current step's, so the next step's code is the first one free to use.
func (h *harness) enrolledStaff(adminToken, email string, roles ...string) (string, string) {
	h.t.Helper()
	h.createStaff(adminToken, email, roles...)
	tok := h.login(email, "staff-password-1").AccessToken
	e := h.enrollTotp(tok)
	h.do(req{method: "POST", path: "/v1/me/totp/confirm", token: tok, body: map[string]string{"code": totpCode(h.t, e.Secret, 0)}}).
		wantStatus(h.t, http.StatusOK)
	return tok, e.Secret
}

// stepUpCustomer signs a customer up and records it as a Huawei Cloud customer
// (the onboarding routes are another issue's), returning its id.
func (h *harness) stepUpCustomer(email string) uuid.UUID {
	h.t.Helper()
	p := mustPrincipal(h.t, h, h.signup(email).AccessToken)
	now := time.Now().UTC()
	c := domain.Customer{ID: uuid.Must(uuid.NewV7()), UserID: p.ID, AccountName: strings.Split(email, "@")[0], Mobile: "13900000000", CreatedAt: now, UpdatedAt: now}
	if err := h.st.Customers().CreateCustomer(context.Background(), c, ""); err != nil {
		h.t.Fatal(err)
	}
	return c.ID
}

// TestStepUpFlow: enrol (replaceable until confirmed), confirm, create a
// challenge over HTTP, then the money use cases' Verify accepts it once.
func TestStepUpFlow(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	adm := h.admin()
	cust := h.stepUpCustomer("acme@example.com")
	h.createStaff(adm.AccessToken, "fin@example.com", "finance")
	fin := h.login("fin@example.com", "staff-password-1").AccessToken
	finP := mustPrincipal(t, h, fin)
	challenge := map[string]any{"action": "allocate", "customer_id": cust, "amount": "1234.50"}

	// No authenticator yet: no challenge.
	h.do(req{method: "POST", path: "/v1/step-up-challenges", token: fin, body: challenge}).wantProblem(t, http.StatusForbidden, "totp_not_enrolled")
	h.do(req{method: "POST", path: "/v1/me/totp/confirm", token: fin, body: map[string]string{"code": "123456"}}).
		wantProblem(t, http.StatusForbidden, "totp_not_enrolled")

	first := h.enrollTotp(fin)
	if len(first.Secret) != 32 || !strings.HasPrefix(first.OtpauthURI, "otpauth://totp/Storefront:fin@example.com?") {
		t.Fatalf("enrolment %+v", first)
	}
	u, err := url.Parse(first.OtpauthURI)
	if err != nil {
		t.Fatal(err)
	}
	if q := u.Query(); q.Get("secret") != first.Secret || q.Get("issuer") != "Storefront" || q.Get("algorithm") != "SHA1" ||
		q.Get("digits") != "6" || q.Get("period") != "30" {
		t.Fatalf("otpauth URI %s", first.OtpauthURI)
	}
	// Unconfirmed, so replaced: the first secret no longer confirms.
	second := h.enrollTotp(fin)
	if second.Secret == first.Secret {
		t.Fatal("the same secret twice")
	}
	h.do(req{method: "POST", path: "/v1/step-up-challenges", token: fin, body: challenge}).wantProblem(t, http.StatusForbidden, "totp_not_enrolled")
	if c := totpCode(t, first.Secret, 0); c != totpCode(t, second.Secret, 0) {
		h.do(req{method: "POST", path: "/v1/me/totp/confirm", token: fin, body: map[string]string{"code": c}}).
			wantProblem(t, http.StatusUnprocessableEntity, "verification_code_invalid")
	}
	h.do(req{method: "POST", path: "/v1/me/totp/confirm", token: fin, body: map[string]string{"code": "12345"}}).
		wantProblem(t, http.StatusBadRequest, "validation_failed")
	res := h.do(req{method: "POST", path: "/v1/me/totp/confirm", token: fin, body: map[string]string{"code": totpCode(t, second.Secret, 0)}})
	res.wantStatus(t, http.StatusOK)
	var st struct{ Enabled bool }
	res.json(t, &st)
	if !st.Enabled {
		t.Fatal("not enabled")
	}
	// Confirmed: kept.
	h.do(req{method: "POST", path: "/v1/me/totp", token: fin}).wantProblem(t, http.StatusConflict, "totp_already_enrolled")
	h.do(req{method: "POST", path: "/v1/me/totp/confirm", token: fin, body: map[string]string{"code": totpCode(t, second.Secret, 0)}}).
		wantProblem(t, http.StatusConflict, "totp_already_enrolled")

	// The stored secret is sealed: neither its bytes nor its base32 are in the row.
	var sealed []byte
	if err := h.pool.QueryRow(t.Context(), "SELECT secret_sealed FROM totp_credentials WHERE user_id = $1", finP.ID).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	raw, _ := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(second.Secret)
	if bytes.Contains(sealed, raw) || bytes.Contains(sealed, []byte(second.Secret)) {
		t.Fatal("the secret is stored in plain text")
	}

	// Challenges.
	h.do(req{method: "POST", path: "/v1/step-up-challenges", token: fin,
		body: map[string]any{"action": "allocate", "customer_id": uuid.New(), "amount": "1.00"}}).wantProblem(t, http.StatusNotFound, "not_found")
	for name, body := range map[string]map[string]any{
		"zero":               {"action": "allocate", "customer_id": cust, "amount": "0.00"},
		"one decimal":        {"action": "allocate", "customer_id": cust, "amount": "1.5"},
		"unknown action":     {"action": "transfer", "customer_id": cust, "amount": "1.00"},
		"resolve without op": {"action": "resolve", "customer_id": cust, "amount": "1.00"},
		"reclaim with op":    {"action": "reclaim", "customer_id": cust, "amount": "1.00", "operation_id": uuid.New()},
		"extra field":        {"action": "reclaim", "customer_id": cust, "amount": "1.00", "code": "123456"},
	} {
		p := h.do(req{method: "POST", path: "/v1/step-up-challenges", token: fin, body: body}).wantProblem(t, http.StatusBadRequest, "validation_failed")
		if len(p.Errors) == 0 {
			t.Errorf("%s: no field named", name)
		}
	}
	before := time.Now()
	res = h.do(req{method: "POST", path: "/v1/step-up-challenges", token: fin, body: challenge})
	res.wantStatus(t, http.StatusCreated)
	var c stepUpChallenge
	res.json(t, &c)
	exp, err := time.Parse(time.RFC3339Nano, c.ExpiresAt)
	if err != nil {
		t.Fatal(err)
	}
	if c.Action != "allocate" || c.CustomerID != cust.String() || c.Amount != "1234.50" || c.OperationID != nil ||
		exp.Before(before.Add(5*time.Minute-time.Second)) || exp.After(time.Now().Add(5*time.Minute+time.Second)) {
		t.Fatalf("challenge %+v", c)
	}
	op := uuid.New()
	res = h.do(req{method: "POST", path: "/v1/step-up-challenges", token: fin,
		body: map[string]any{"action": "resolve", "customer_id": cust, "amount": "0.01", "operation_id": op}})
	res.wantStatus(t, http.StatusCreated)
	var rc stepUpChallenge
	res.json(t, &rc)
	if rc.Action != "resolve" || rc.OperationID == nil || *rc.OperationID != op.String() || rc.Amount != "0.01" {
		t.Fatalf("resolve challenge %+v", rc)
	}

	// The money use cases answer it through StepUpVerifier: once. The
	// confirming code spent the current step; the next one is fresh.
	id := uuid.MustParse(c.ID)
	amount := decimal.RequireFromString("1234.5")
	if err := h.stepUp.Verify(t.Context(), finP, id, totpCode(t, second.Secret, 1), domain.StepUpAllocate, cust, amount); err != nil {
		t.Fatalf("verify: %v", err)
	}
	err = h.stepUp.Verify(t.Context(), finP, id, totpCode(t, second.Secret, 1), domain.StepUpAllocate, cust, amount)
	if domain.ErrorCode(err) != domain.CodeStepUpReplayed {
		t.Fatalf("second answer: %v", err)
	}

	var audited int
	if err := h.pool.QueryRow(t.Context(), "SELECT count(*) FROM audit_events WHERE actor_id = $1 AND action IN ('totp.enroll', 'totp.confirm', 'step_up.create', 'step_up.verify', 'step_up.verify_failed')", finP.ID).Scan(&audited); err != nil {
		t.Fatal(err)
	}
	if audited != 2+1+2+1+1 {
		t.Fatalf("audit events %d, want 7 (2 enrolments, confirmation, 2 challenges, success, replay)", audited)
	}
}

// TestStepUpRoles: who may call the three step-up routes. Operators enrol
// (staff only) but do not move money; customers and API clients do neither.
func TestStepUpRoles(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	adm := h.admin()
	cust := h.stepUpCustomer("acme@example.com")
	customerTok := h.login("acme@example.com", "customer-pass-1").AccessToken

	res := h.do(req{method: "POST", path: "/v1/api-clients", token: adm.AccessToken, body: map[string]any{"name": "reseller", "scopes": []string{"orders:read"}}})
	res.wantStatus(t, http.StatusCreated)
	var client apiClientCreated
	res.json(t, &client)
	res = h.do(req{method: "POST", path: "/v1/oauth/token", body: url.Values{"grant_type": {"client_credentials"}, "client_id": {client.ClientID}, "client_secret": {client.ClientSecret}}})
	res.wantStatus(t, http.StatusOK)
	var ct struct {
		AccessToken string `json:"access_token"`
	}
	res.json(t, &ct)

	challenge := map[string]any{"action": "reclaim", "customer_id": cust, "amount": "10.00"}
	refused := func(token string, status int, code string) {
		t.Helper()
		h.do(req{method: "POST", path: "/v1/me/totp", token: token}).wantProblem(t, status, code)
		h.do(req{method: "POST", path: "/v1/me/totp/confirm", token: token, body: map[string]string{"code": "123456"}}).wantProblem(t, status, code)
		h.do(req{method: "POST", path: "/v1/step-up-challenges", token: token, body: challenge}).wantProblem(t, status, code)
	}
	t.Run("anonymous", func(t *testing.T) { refused("", http.StatusUnauthorized, "unauthenticated") })
	t.Run("customer", func(t *testing.T) { refused(customerTok, http.StatusForbidden, "forbidden") })
	t.Run("api client", func(t *testing.T) { refused(ct.AccessToken, http.StatusForbidden, "forbidden") })
	t.Run("operator", func(t *testing.T) {
		tok, _ := h.enrolledStaff(adm.AccessToken, "op@example.com", "operator")
		h.do(req{method: "POST", path: "/v1/step-up-challenges", token: tok, body: challenge}).wantProblem(t, http.StatusForbidden, "forbidden")
	})
	for _, role := range []string{"finance", "admin"} {
		t.Run(role, func(t *testing.T) {
			tok, _ := h.enrolledStaff(adm.AccessToken, "staff-"+role+"@example.com", role)
			h.do(req{method: "POST", path: "/v1/step-up-challenges", token: tok, body: challenge}).wantStatus(t, http.StatusCreated)
		})
	}
	if n := h.count("step_up_challenges"); n != 2 {
		t.Fatalf("%d challenges, want 2 (finance, admin)", n)
	}
	if n := h.count("totp_credentials"); n != 3 {
		t.Fatalf("%d TOTP credentials, want 3 (operator, finance, admin)", n)
	}
}

// TestStepUpMemberLockOverHTTP: after too many wrong answers the challenge
// route refuses with step_up_locked and Retry-After.
func TestStepUpMemberLockOverHTTP(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	adm := h.admin()
	cust := h.stepUpCustomer("acme@example.com")
	tok, secret := h.enrolledStaff(adm.AccessToken, "fin@example.com", "finance")
	p := mustPrincipal(t, h, tok)
	wrong := "000000"
	for _, c := range []string{"111111", "222222"} {
		if c != totpCode(t, secret, -1) && c != totpCode(t, secret, 0) && c != totpCode(t, secret, 1) && c != totpCode(t, secret, 2) {
			wrong = c
		}
	}
	challenge := map[string]any{"action": "allocate", "customer_id": cust, "amount": "10.00"}
	for range domain.StepUpMemberWrongLimit / domain.StepUpMaxAttempts {
		res := h.do(req{method: "POST", path: "/v1/step-up-challenges", token: tok, body: challenge})
		res.wantStatus(t, http.StatusCreated)
		var c stepUpChallenge
		res.json(t, &c)
		for range domain.StepUpMaxAttempts {
			err := h.stepUp.Verify(t.Context(), p, uuid.MustParse(c.ID), wrong, domain.StepUpAllocate, cust, decimal.RequireFromString("10"))
			if code := domain.ErrorCode(err); code != domain.CodeStepUpCodeInvalid && code != domain.CodeStepUpLocked {
				t.Fatalf("wrong answer: %v", err)
			}
		}
	}
	res := h.do(req{method: "POST", path: "/v1/step-up-challenges", token: tok, body: challenge})
	res.wantProblem(t, http.StatusForbidden, "step_up_locked")
	if ra := res.header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Fatalf("Retry-After %q", ra)
	}
}
