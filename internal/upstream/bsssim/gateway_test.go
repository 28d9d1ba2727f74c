package bsssim

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	bss "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2"
	bssmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"
	"github.com/shopspring/decimal"
)

func TestSignatureRejected(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)

	t.Run("wrong secret key", func(t *testing.T) {
		c := bss.NewBssClient(h.build(bss.BssClientBuilder(), h.sim.cfg.PartnerAK, "not-the-secret", "", 0))
		_, err := c.ListPartnerBalances(&bssmodel.ListPartnerBalancesRequest{})
		se := sdkErr(t, err, http.StatusUnauthorized, "APIG.0301")
		if se.RequestId == "" {
			t.Error("no X-Request-Id on a 401")
		}
		if !strings.Contains(se.ErrorMessage, "verify aksk signature fail") {
			t.Errorf("message = %q", se.ErrorMessage)
		}
	})
	t.Run("unknown access key", func(t *testing.T) {
		c := bss.NewBssClient(h.build(bss.BssClientBuilder(), "NOSUCHAK", h.sim.cfg.PartnerSK, "", 0))
		_, err := c.ListPartnerBalances(&bssmodel.ListPartnerBalancesRequest{})
		sdkErr(t, err, http.StatusUnauthorized, "APIG.0301")
	})
	t.Run("tampered body", func(t *testing.T) {
		body := `{"offset":0,"limit":10}`
		req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/v2/partners/sub-customers/query", strings.NewReader(body))
		req.Header.Set("User-Agent", "t")
		req.Header.Set("X-Sdk-Date", h.sim.wallNow().Format(sdkDateLayout))
		signPartner(h.sim, req, []byte(`{"offset":0,"limit":99}`))
		resp, err := h.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("X-Request-Id") == "" {
			t.Fatalf("status %d, request id %q", resp.StatusCode, resp.Header.Get("X-Request-Id"))
		}
	})
	t.Run("no authorization", func(t *testing.T) {
		resp, err := h.srv.Client().Get(h.srv.URL + "/v2/accounts/partner-accounts/balances")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]string
		json.NewDecoder(resp.Body).Decode(&body)
		if resp.StatusCode != http.StatusUnauthorized || body["error_code"] != "APIG.0301" ||
			body["error_msg"] != msgSignFail || body["request_id"] != resp.Header.Get("X-Request-Id") {
			t.Fatalf("status %d body %v", resp.StatusCode, body)
		}
	})
}

func TestClockSkew(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	for _, tc := range []struct {
		offset time.Duration
		ok     bool
	}{{14 * time.Minute, true}, {-14 * time.Minute, true}, {16 * time.Minute, false}, {-16 * time.Minute, false}} {
		st, _, body := func() (int, http.Header, []byte) {
			req, _ := http.NewRequest(http.MethodGet, h.srv.URL+"/v2/accounts/partner-accounts/balances", nil)
			req.Header.Set("User-Agent", "t")
			req.Header.Set("X-Sdk-Date", time.Now().UTC().Add(tc.offset).Format(sdkDateLayout))
			signPartner(h.sim, req, nil)
			resp, err := h.srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var b json.RawMessage
			json.NewDecoder(resp.Body).Decode(&b)
			return resp.StatusCode, resp.Header, b
		}()
		if tc.ok != (st == http.StatusOK) {
			t.Errorf("offset %v: status %d %s", tc.offset, st, body)
		}
	}

	// Skew is judged by the wall clock, as Huawei judges it by real time:
	// after the virtual clock jumps a month, the SDK's own date is still
	// good, and a date on the virtual clock is the stale one.
	h.advance("30d")
	if _, err := h.bss.ListPartnerBalances(&bssmodel.ListPartnerBalancesRequest{}); err != nil {
		t.Fatalf("real-time signature after a virtual jump: %v", err)
	}
	virtual := bss.NewBssClient(h.build(bss.BssClientBuilder(), h.sim.cfg.PartnerAK, h.sim.cfg.PartnerSK, "", 0).
		WithExtraHeaders(map[string]string{"X-Sdk-Date": h.sim.now().Format(sdkDateLayout)}))
	_, err := virtual.ListPartnerBalances(&bssmodel.ListPartnerBalancesRequest{})
	se := sdkErr(t, err, http.StatusUnauthorized, "APIG.0301")
	if !strings.Contains(se.ErrorMessage, "more than 15 minutes") {
		t.Errorf("message = %q", se.ErrorMessage)
	}
}

func TestCredentialKinds(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	id := h.newCustomer("cred-kinds")
	cred := h.customerCreds(id, 900)
	cust := bss.NewBssClient(h.build(bss.BssClientBuilder(), cred.Access, cred.Secret, cred.Securitytoken, 0))

	// Customer credential on a partner-only operation.
	_, err := cust.ListPartnerBalances(&bssmodel.ListPartnerBalancesRequest{})
	sdkErr(t, err, http.StatusForbidden, "CBC.0155")
	// Partner credential on a customer-only operation.
	_, err = h.bss.ShowCustomerAccountBalances(&bssmodel.ShowCustomerAccountBalancesRequest{})
	sdkErr(t, err, http.StatusForbidden, "CBC.0151")
	// The customer credential works where it belongs (a 代售 customer has
	// no own balance view upstream: the business error proves we got past
	// the gateway).
	_, err = cust.ShowCustomerAccountBalances(&bssmodel.ShowCustomerAccountBalancesRequest{})
	sdkErr(t, err, http.StatusBadRequest, "CBC.99000049")

	// Wrong security token.
	bad := bss.NewBssClient(h.build(bss.BssClientBuilder(), cred.Access, cred.Secret, "forged-token", 0))
	_, err = bad.ShowCustomerAccountBalances(&bssmodel.ShowCustomerAccountBalancesRequest{})
	sdkErr(t, err, http.StatusUnauthorized, "APIG.0301")
	// Missing security token.
	none := bss.NewBssClient(h.build(bss.BssClientBuilder(), cred.Access, cred.Secret, "", 0))
	_, err = none.ShowCustomerAccountBalances(&bssmodel.ShowCustomerAccountBalancesRequest{})
	sdkErr(t, err, http.StatusUnauthorized, "APIG.0301")

	// Expiry follows real time, not the virtual clock: a month of business
	// time later the 15-minute credential still works...
	h.advance("30d")
	_, err = cust.ShowCustomerAccountBalances(&bssmodel.ShowCustomerAccountBalancesRequest{})
	sdkErr(t, err, http.StatusBadRequest, "CBC.99000049")
	// ...and 16 real minutes later it does not, even with a good date.
	h.moveWall(16 * time.Minute)
	late := bss.NewBssClient(h.build(bss.BssClientBuilder(), cred.Access, cred.Secret, cred.Securitytoken, 0).WithExtraHeaders(h.wallDate()))
	_, err = late.ShowCustomerAccountBalances(&bssmodel.ShowCustomerAccountBalancesRequest{})
	se := sdkErr(t, err, http.StatusUnauthorized, "APIG.0301")
	if !strings.Contains(se.ErrorMessage, "token expires") {
		t.Errorf("message = %q", se.ErrorMessage)
	}
}

// TestRateLimit hammers a 5/s operation from several goroutines for about
// 1.6 s and checks, from the journal's admission times, that no one-second
// window admitted more than 5 — and that the excess got the gateway's 429.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *Config) { c.DisableRateLimits = false })
	const limit = 5
	deadline := time.Now().Add(1600 * time.Millisecond)
	var (
		mu           sync.Mutex
		ok, limit429 int
		wg           sync.WaitGroup
	)
	for range 6 {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				_, err := h.bss.CheckUserIdentity(&bssmodel.CheckUserIdentityRequest{Body: &bssmodel.CheckSubcustomerUserReq{
					SearchType: "name", SearchValue: "someone1"}})
				mu.Lock()
				var se *sdkerr.ServiceResponseError
				switch {
				case err == nil:
					ok++
				case errors.As(err, &se) && se.StatusCode == http.StatusTooManyRequests:
					// The gateway body uses error_message, so the SDK
					// leaves ErrorCode empty and keeps the raw body.
					if se.ErrorCode != "" || !strings.Contains(se.ErrorMessage, "APIGW.0308") ||
						!strings.Contains(se.ErrorMessage, "limit:5,time:1 second") {
						t.Errorf("429 = %+v", se)
					}
					limit429++
					if se.RequestId == "" {
						t.Error("429 without X-Request-Id")
					}
				default:
					t.Errorf("unexpected error: %v", err)
				}
				mu.Unlock()
				time.Sleep(2 * time.Millisecond) // keeps the journal ring from overflowing
			}
		})
	}
	wg.Wait()
	if ok < limit || limit429 == 0 {
		t.Fatalf("ok=%d 429=%d: want both admissions and refusals", ok, limit429)
	}
	if ok > 2*limit+limit { // 1.6 s can hold at most 2 full windows + 1
		t.Errorf("admitted %d in 1.6 s", ok)
	}
	var admitted []time.Time
	for _, e := range h.sim.journal.list() {
		if e.Operation == "CheckUserIdentity" && e.Status == http.StatusOK {
			admitted = append(admitted, e.Wall)
		}
	}
	slices.SortFunc(admitted, func(a, b time.Time) int { return a.Compare(b) })
	if len(admitted) != ok {
		t.Fatalf("journal has %d admissions, clients saw %d", len(admitted), ok)
	}
	for i := limit; i < len(admitted); i++ {
		if d := admitted[i].Sub(admitted[i-limit]); d < time.Second {
			t.Fatalf("admissions %d and %d are %v apart: %d in one second", i-limit, i, d, limit+1)
		}
	}

	// Another operation has its own window.
	if _, err := h.bss.ListPartnerBalances(&bssmodel.ListPartnerBalancesRequest{}); err != nil {
		t.Fatalf("other operation throttled: %v", err)
	}
}

func TestLimiterWindow(t *testing.T) {
	t.Parallel()
	l := newLimiter()
	for i := range 3 {
		if _, ok := l.admit("k", 3); !ok {
			t.Fatalf("admission %d refused", i)
		}
	}
	if _, ok := l.admit("k", 3); ok {
		t.Fatal("4th admission within a second")
	}
	if _, ok := l.admit("other", 3); !ok {
		t.Fatal("keys share a window")
	}
	// Age the window artificially.
	l.mu.Lock()
	for i := range l.w["k"].at {
		l.w["k"].at[i] = l.w["k"].at[i].Add(-time.Second)
	}
	l.mu.Unlock()
	if _, ok := l.admit("k", 3); !ok {
		t.Fatal("refused after the window passed")
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()

	adjust := func(h *harness, c *bss.BssClient, id, amount string) (*bssmodel.UpdateCustomerAccountAmountResponse, error) {
		amt := decimal.RequireFromString(amount)
		return c.UpdateCustomerAccountAmount(&bssmodel.UpdateCustomerAccountAmountRequest{Body: &bssmodel.AdjustAccountReq{
			CustomerId: id, Amount: &amt}})
	}
	addFault := func(h *harness, f map[string]any) {
		var out map[string]any
		h.admin(http.MethodPost, "/_sim/faults", f, &out, http.StatusOK)
		if out["id"] == "" {
			t.Fatalf("fault without id: %v", out)
		}
	}

	t.Run("fail_before_commit", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, nil)
		id := h.newCustomer("f1")
		addFault(h, map[string]any{"operation": "UpdateCustomerAccountAmount", "kind": "fail_before_commit", "count": 1})
		_, err := adjust(h, h.bss, id, "10")
		sdkErr(t, err, http.StatusInternalServerError, "CBC.0999")
		if got := h.state().balance(id); got != "0.00" {
			t.Fatalf("balance after fail_before_commit = %s", got)
		}
		if _, err := adjust(h, h.bss, id, "10"); err != nil { // count 1: consumed
			t.Fatal(err)
		}
		if got := h.state().balance(id); got != "10.00" {
			t.Fatalf("balance = %s", got)
		}
	})
	t.Run("error", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, nil)
		id := h.newCustomer("f1e")
		addFault(h, map[string]any{"operation": "UpdateCustomerAccountAmount", "kind": "error", "count": 1,
			"status": http.StatusForbidden, "error_code": "CBC.0154", "error_msg": "The token has expired."})
		_, err := adjust(h, h.bss, id, "10")
		se := sdkErr(t, err, http.StatusForbidden, "CBC.0154")
		if se.ErrorMessage != "The token has expired." {
			t.Fatalf("message %q", se.ErrorMessage)
		}
		if got := h.state().balance(id); got != "0.00" {
			t.Fatalf("balance after a scripted error = %s", got)
		}
	})
	t.Run("commit_then_5xx", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, nil)
		id := h.newCustomer("f2")
		addFault(h, map[string]any{"operation": "UpdateCustomerAccountAmount", "kind": "commit_then_5xx", "count": 1})
		_, err := adjust(h, h.bss, id, "10")
		sdkErr(t, err, http.StatusInternalServerError, "CBC.0999")
		st := h.state()
		if st.balance(id) != "10.00" || st.allocatable() != "999990.00" || len(st.AdjustRecords) != 1 {
			t.Fatalf("effect not applied: %+v", st)
		}
	})
	t.Run("commit_then_hang", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, nil)
		id := h.newCustomer("f3")
		addFault(h, map[string]any{"operation": "UpdateCustomerAccountAmount", "kind": "commit_then_hang", "count": 1})
		short := bss.NewBssClient(h.build(bss.BssClientBuilder(), h.sim.cfg.PartnerAK, h.sim.cfg.PartnerSK, "", 300*time.Millisecond))
		start := time.Now()
		_, err := adjust(h, short, id, "10")
		var ue *url.Error
		if !errors.As(err, &ue) || !ue.Timeout() {
			t.Fatalf("error = %v (%T), want a client timeout", err, err)
		}
		if time.Since(start) < 300*time.Millisecond {
			t.Fatal("returned before the timeout")
		}
		if got := h.state().balance(id); got != "10.00" {
			t.Fatalf("effect not applied: balance %s", got)
		}
	})
	t.Run("latency", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, nil)
		addFault(h, map[string]any{"operation": "ListPartnerBalances", "kind": "latency", "latency": "250ms", "count": 1})
		start := time.Now()
		if _, err := h.bss.ListPartnerBalances(&bssmodel.ListPartnerBalancesRequest{}); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < 250*time.Millisecond {
			t.Fatalf("answered after %v", d)
		}
	})
	t.Run("429", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, nil)
		id := h.newCustomer("f5")
		addFault(h, map[string]any{"operation": "*", "kind": "429", "count": 1})
		_, err := adjust(h, h.bss, id, "10")
		var se *sdkerr.ServiceResponseError
		if !errors.As(err, &se) || se.StatusCode != http.StatusTooManyRequests || !strings.Contains(se.ErrorMessage, "APIGW.0308") {
			t.Fatalf("error = %v", err)
		}
		if got := h.state().balance(id); got != "0.00" {
			t.Fatalf("429 fault had an effect: %s", got)
		}
	})
	t.Run("malformed_body", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, nil)
		id := h.newCustomer("f6")
		addFault(h, map[string]any{"operation": "UpdateCustomerAccountAmount", "kind": "malformed_body", "count": 1})
		_, err := adjust(h, h.bss, id, "10")
		var se *sdkerr.ServiceResponseError
		if !errors.As(err, &se) || se.StatusCode != http.StatusOK {
			t.Fatalf("error = %v, want an SDK decode failure on a 200", err)
		}
		if got := h.state().balance(id); got != "10.00" {
			t.Fatalf("effect not applied: %s", got)
		}
	})
	t.Run("half_success", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, nil)
		addFault(h, map[string]any{"operation": "CreateSubCustomer", "kind": "half_success", "count": 1})
		st, _, body := h.raw(http.MethodPost, "/v2/partners/sub-customers", `{"xaccount_id":"half","xaccount_type":"storefront_sim","domain_name":"halfuser1"}`)
		var out map[string]string
		json.Unmarshal(body, &out)
		if st != http.StatusInternalServerError || out["error_code"] != "CBC.99000050" || out["domain_id"] == "" || out["domain_name"] != "halfuser1" {
			t.Fatalf("status %d body %s", st, body)
		}
		// The customer really exists.
		resp, err := h.bss.ListSubCustomers(&bssmodel.ListSubCustomersRequest{Body: &bssmodel.QuerySubCustomerListReq{CustomerId: tref(out["domain_id"])}})
		if err != nil || *resp.Count != 1 || (*resp.CustomerInfos)[0].AccountName != "halfuser1" {
			t.Fatalf("list after half success: %v %+v", err, resp)
		}
		// Through the SDK the same answer is a 500 with the code.
		addFault(h, map[string]any{"operation": "CreateSubCustomer", "kind": "half_success", "count": 1})
		_, err = h.bss.CreateSubCustomer(&bssmodel.CreateSubCustomerRequest{Body: &bssmodel.CreateCustomerV2Req{XaccountId: "half2", XaccountType: "storefront_sim"}})
		sdkErr(t, err, http.StatusInternalServerError, "CBC.99000050")
	})
	t.Run("probability is seeded", func(t *testing.T) {
		t.Parallel()
		run := func() []bool {
			h := newHarness(t, nil)
			addFault(h, map[string]any{"operation": "ListPartnerBalances", "kind": "fail_before_commit", "probability": 0.5})
			var out []bool
			for range 40 {
				_, err := h.bss.ListPartnerBalances(&bssmodel.ListPartnerBalancesRequest{})
				out = append(out, err == nil)
			}
			return out
		}
		a, b := run(), run()
		if !slices.Equal(a, b) {
			t.Fatal("same seed, different fault pattern")
		}
		n := 0
		for _, ok := range a {
			if !ok {
				n++
			}
		}
		if n < 8 || n > 32 {
			t.Fatalf("%d of 40 failed at p=0.5", n)
		}
	})
	t.Run("admin validation", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, nil)
		for _, bad := range []map[string]any{
			{"operation": "X", "kind": "nope", "count": 1},
			{"operation": "X", "kind": "429"},
			{"operation": "X", "kind": "429", "count": 1, "probability": 0.5},
			{"operation": "PayOrders", "kind": "half_success", "count": 1},
			{"operation": "X", "kind": "latency", "count": 1},
			{"operation": "X", "kind": "error", "count": 1, "status": 200, "error_code": "CBC.0154"},
			{"operation": "X", "kind": "error", "count": 1, "status": 403},
			{"kind": "429", "count": 1},
		} {
			h.admin(http.MethodPost, "/_sim/faults", bad, nil, http.StatusBadRequest)
		}
		addFault(h, map[string]any{"operation": "X", "kind": "429", "count": 2})
		var list struct {
			Faults []fault `json:"faults"`
		}
		h.admin(http.MethodGet, "/_sim/faults", nil, &list, http.StatusOK)
		if len(list.Faults) != 1 || list.Faults[0].ID != "f1" || list.Faults[0].Remaining != 2 {
			t.Fatalf("faults = %+v", list)
		}
		h.admin(http.MethodDelete, "/_sim/faults", nil, nil, http.StatusOK)
		h.admin(http.MethodGet, "/_sim/faults", nil, &list, http.StatusOK)
		if len(list.Faults) != 0 {
			t.Fatalf("faults after clear = %+v", list)
		}
	})
}

func TestUnknownPath(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	st, hdr, body := h.raw(http.MethodGet, "/v2/no/such/api", "")
	if st != http.StatusNotFound || hdr.Get("X-Request-Id") == "" || !strings.Contains(string(body), "APIG.0101") {
		t.Fatalf("status %d body %s", st, body)
	}
}

func TestAdminLoopbackOnly(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	for _, addr := range []string{"10.0.0.7:5555", "[2001:db8::1]:443"} {
		req := httptest.NewRequest(http.MethodGet, "/_sim/state", nil)
		req.RemoteAddr = addr
		rec := httptest.NewRecorder()
		h.sim.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusForbidden {
			t.Errorf("%s: status %d", addr, rec.Code)
		}
	}
	req := httptest.NewRequest(http.MethodGet, "/_sim/clock", nil)
	req.RemoteAddr = "[::1]:5555"
	rec := httptest.NewRecorder()
	h.sim.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"now":"2026-11-21T10:00:`) {
		t.Errorf("loopback: %d %s", rec.Code, rec.Body)
	}
}

func TestJournal(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.bss.ListPartnerBalances(&bssmodel.ListPartnerBalancesRequest{})
	h.bss.ShowCustomerAccountBalances(&bssmodel.ShowCustomerAccountBalancesRequest{})
	var j struct {
		Entries []journalEntry `json:"entries"`
	}
	h.admin(http.MethodGet, "/_sim/journal", nil, &j, http.StatusOK)
	if len(j.Entries) != 2 {
		t.Fatalf("entries = %+v", j.Entries)
	}
	e0, e1 := j.Entries[0], j.Entries[1]
	if e0.Seq != 1 || e0.Operation != "ListPartnerBalances" || e0.Status != 200 || e0.Method != "GET" || e0.Path != "/v2/accounts/partner-accounts/balances" {
		t.Errorf("entry 0 = %+v", e0)
	}
	if e1.Operation != "ShowCustomerAccountBalances" || e1.Status != 403 || e1.ErrorCode != "CBC.0151" {
		t.Errorf("entry 1 = %+v", e1)
	}
	if e0.Time.Before(testStart) || e0.Time.After(testStart.Add(time.Minute)) {
		t.Errorf("virtual time %v", e0.Time)
	}
}

func TestJournalRing(t *testing.T) {
	t.Parallel()
	s := &Server{log: slog.New(slog.DiscardHandler)}
	s.clk.Store(newClock(testStart))
	for i := range journalCap + 5 {
		s.record(journalEntry{Operation: "op", Status: i})
	}
	l := s.journal.list()
	if len(l) != journalCap || l[0].Seq != 6 || l[len(l)-1].Seq != journalCap+5 {
		t.Fatalf("ring: len %d first %d last %d", len(l), l[0].Seq, l[len(l)-1].Seq)
	}
}
