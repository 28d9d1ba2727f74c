package bsssim

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	core "github.com/huaweicloud/huaweicloud-sdk-go-v3/core"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/global"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	bss "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2"
	bssmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"
	bssintl "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bssintl/v2"
	iam "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/iam/v3"
	iammodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/iam/v3/model"
	"github.com/shopspring/decimal"
)

var testStart = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

// harness runs a simulator behind a real loopback HTTP server and talks to
// it with the real SDK clients.
type harness struct {
	t   testing.TB
	sim *Server
	srv *httptest.Server
	// wallAhead moves the simulator's wall clock ahead of the real one
	// (moveWall). The SDK clients sign with the real time, as a client of
	// Huawei does; only a test that moves the wall signs otherwise.
	wallAhead atomic.Int64
	bss       *bss.BssClient
	intl      *bssintl.BssintlClient
	iam       *iam.IamClient
}

func newHarness(t testing.TB, mod func(*Config)) *harness {
	t.Helper()
	// Rate limits are off unless a test is about them: functional tests
	// make bursts of calls.
	cfg := Config{Seed: 7, Start: testStart, ReviewDelay: 10 * time.Minute, DisableRateLimits: true}
	if mod != nil {
		mod(&cfg)
	}
	sim, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return newHarnessFor(t, sim)
}

// newHarnessFor serves an existing simulator (snapshot tests build their own).
func newHarnessFor(t testing.TB, sim *Server) *harness {
	t.Helper()
	h := &harness{t: t, sim: sim}
	// Set before the server starts: the gateway reads it without a lock.
	sim.wall = func() time.Time { return time.Now().Add(time.Duration(h.wallAhead.Load())) }
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(func() {
		sim.Close() // first: releases hung handlers so that srv.Close returns
		srv.Close()
	})
	h.srv = srv
	ak, sk := sim.cfg.PartnerAK, sim.cfg.PartnerSK
	h.bss = bss.NewBssClient(h.build(bss.BssClientBuilder(), ak, sk, "", 0))
	h.intl = bssintl.NewBssintlClient(h.build(bssintl.BssintlClientBuilder(), ak, sk, "", 0))
	h.iam = iam.NewIamClient(h.build(iam.IamClientBuilder(), ak, sk, "", 0))
	return h
}

// build makes an SDK HTTP client for the simulator with the given
// credential; timeout 0 keeps the SDK default.
func (h *harness) build(b *core.HcHttpClientBuilder, ak, sk, token string, timeout time.Duration) *core.HcHttpClient {
	h.t.Helper()
	cb := global.NewCredentialsBuilder().WithAk(ak).WithSk(sk)
	if token != "" {
		cb = cb.WithSecurityToken(token)
	}
	cred, err := cb.SafeBuild()
	if err != nil {
		h.t.Fatal(err)
	}
	hcfg := config.DefaultHttpConfig()
	if timeout > 0 {
		hcfg = hcfg.WithTimeout(timeout)
	}
	hc, err := b.WithEndpoints([]string{h.srv.URL}).WithCredential(cred).WithHttpConfig(hcfg).SafeBuild()
	if err != nil {
		h.t.Fatal(err)
	}
	return hc
}

// advance moves the virtual clock through the admin API. The clients go on
// signing with the real time: the gateway judges it by the wall clock.
func (h *harness) advance(d string) {
	h.t.Helper()
	h.admin(http.MethodPost, "/_sim/clock/advance", map[string]string{"duration": d}, nil, http.StatusOK)
}

// moveWall lets real time pass for the gateway (signature skew, temporary
// credential expiry) without waiting for it; the virtual clock is not
// touched. Clients built afterwards must sign with wallDate.
func (h *harness) moveWall(d time.Duration) { h.wallAhead.Add(int64(d)) }

// wallDate is the X-Sdk-Date of a client on the simulator's wall clock.
func (h *harness) wallDate() map[string]string {
	return map[string]string{"X-Sdk-Date": h.sim.wallNow().Format(sdkDateLayout)}
}

// admin calls the admin API and decodes the answer into out.
func (h *harness) admin(method, path string, body, out any, wantStatus int) {
	h.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, h.srv.URL+path, rd)
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != wantStatus {
		h.t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, wantStatus, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			h.t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
}

// raw sends a request signed with the partner credential and returns the
// status and body; for looking at bytes the SDK does not expose.
func (h *harness) raw(method, path string, body string) (int, http.Header, []byte) {
	h.t.Helper()
	req, _ := http.NewRequest(method, h.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "bsssim-test")
	req.Header.Set("X-Sdk-Date", h.sim.wallNow().Format(sdkDateLayout))
	signPartner(h.sim, req, []byte(body))
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

func signPartner(s *Server, req *http.Request, body []byte) {
	signed := []string{"user-agent", "x-sdk-date"}
	sts := stringToSign(req.Header.Get("X-Sdk-Date"), canonicalRequest(req, body, signed))
	req.Header.Set("Authorization", "SDK-HMAC-SHA256 Access="+s.cfg.PartnerAK+", SignedHeaders=user-agent;x-sdk-date, Signature="+signature(s.cfg.PartnerSK, sts))
}

// sdkErr asserts that err is an SDK service error with the given status
// and code.
func sdkErr(t *testing.T, err error, status int, code string) *sdkerr.ServiceResponseError {
	t.Helper()
	var se *sdkerr.ServiceResponseError
	if !errors.As(err, &se) {
		t.Fatalf("error = %v (%T), want ServiceResponseError %d %s", err, err, status, code)
	}
	if se.StatusCode != status || se.ErrorCode != code {
		t.Fatalf("error = %d %s (%s), want %d %s", se.StatusCode, se.ErrorCode, se.ErrorMessage, status, code)
	}
	return se
}

// sendCode sends a registration SMS code (scene 29) to mobile and returns it.
func (h *harness) sendCode(mobile string) string {
	h.t.Helper()
	return h.sendSceneCode(mobile, 29, nil)
}

// sendBankCardCode sends the bank-card real-name code (scene 18) of a
// customer to mobile and returns it.
func (h *harness) sendBankCardCode(mobile, customerID string) string {
	h.t.Helper()
	return h.sendSceneCode(mobile, 18, &customerID)
}

func (h *harness) sendSceneCode(mobile string, scene int32, customerID *string) string {
	h.t.Helper()
	_, err := h.bss.SendVerificationMessageCode(&bssmodel.SendVerificationMessageCodeRequest{Body: &bssmodel.SendVerificationCodeV2Req{
		ReceiverType: 1, MobilePhone: mobile, Scene: &scene, CustomerId: customerID}})
	if err != nil {
		h.t.Fatalf("send code: %v", err)
	}
	return h.lastCode(mobile)
}

// tref returns a pointer to v (test-only; the name avoids clashing with package helpers).
func tref[T any](v T) *T { return &v }

func (h *harness) lastCode(mobile string) string {
	h.t.Helper()
	var out struct {
		Messages []struct {
			MobilePhone string `json:"mobile_phone"`
			Code        string `json:"code"`
		} `json:"messages"`
	}
	h.admin(http.MethodGet, "/_sim/sms", nil, &out, http.StatusOK)
	for i := len(out.Messages) - 1; i >= 0; i-- {
		if out.Messages[i].MobilePhone == mobile {
			return out.Messages[i].Code
		}
	}
	h.t.Fatalf("no SMS for %s", mobile)
	return ""
}

// newCustomer creates a customer (no mobile) and returns its domain id.
func (h *harness) newCustomer(xaccountID string) string {
	h.t.Helper()
	resp, err := h.bss.CreateSubCustomer(&bssmodel.CreateSubCustomerRequest{Body: &bssmodel.CreateCustomerV2Req{
		XaccountId: xaccountID, XaccountType: h.sim.cfg.XAccountType}})
	if err != nil {
		h.t.Fatalf("create customer: %v", err)
	}
	return *resp.DomainId
}

// fund allocates amount (a decimal string) to the customer.
func (h *harness) fund(customerID, amount string) string {
	h.t.Helper()
	amt := decimal.RequireFromString(amount)
	resp, err := h.bss.UpdateCustomerAccountAmount(&bssmodel.UpdateCustomerAccountAmountRequest{Body: &bssmodel.AdjustAccountReq{
		CustomerId: customerID, Amount: &amt}})
	if err != nil {
		h.t.Fatalf("adjust: %v", err)
	}
	return *resp.TransferId
}

// customerCreds gets temporary credentials for the customer via IAM.
func (h *harness) customerCreds(domainID string, seconds int32) *iammodel.Credential {
	h.t.Helper()
	resp, err := h.iam.CreateTemporaryAccessKeyByAgency(assumeRole(h.sim.cfg.XAccountType, domainID, seconds))
	if err != nil {
		h.t.Fatalf("securitytokens: %v", err)
	}
	return resp.Credential
}

func assumeRole(agency, domainID string, seconds int32) *iammodel.CreateTemporaryAccessKeyByAgencyRequest {
	return &iammodel.CreateTemporaryAccessKeyByAgencyRequest{Body: &iammodel.CreateTemporaryAccessKeyByAgencyRequestBody{
		Auth: &iammodel.AgencyAuth{Identity: &iammodel.AgencyAuthIdentity{
			Methods:    []iammodel.AgencyAuthIdentityMethods{iammodel.GetAgencyAuthIdentityMethodsEnum().ASSUME_ROLE},
			AssumeRole: &iammodel.IdentityAssumerole{AgencyName: agency, DomainId: &domainID, DurationSeconds: &seconds},
		}}}}
}

// state is the /_sim/state document.
type simState struct {
	Now     string `json:"now"`
	Partner struct {
		Balances []struct {
			AccountType      int    `json:"account_type"`
			Amount           string `json:"amount"`
			DesignatedAmount string `json:"designated_amount"`
		} `json:"balances"`
	} `json:"partner"`
	Customers []struct {
		DomainID       string `json:"domain_id"`
		DomainName     string `json:"domain_name"`
		XAccountID     string `json:"xaccount_id"`
		Balance        string `json:"balance"`
		Frozen         bool   `json:"frozen"`
		RealnameStatus string `json:"realname_status"`
	} `json:"customers"`
	AdjustRecords []struct {
		TransID       string `json:"trans_id"`
		OperationType string `json:"operation_type"`
		Amount        string `json:"amount"`
	} `json:"adjust_records"`
}

func (h *harness) state() simState {
	h.t.Helper()
	var st simState
	h.admin(http.MethodGet, "/_sim/state", nil, &st, http.StatusOK)
	return st
}

func (st simState) allocatable() string {
	for _, b := range st.Partner.Balances {
		if b.AccountType == 8 {
			return b.Amount
		}
	}
	return ""
}

func (st simState) balance(domainID string) string {
	for _, c := range st.Customers {
		if c.DomainID == domainID {
			return c.Balance
		}
	}
	return ""
}
