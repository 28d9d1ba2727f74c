package huawei

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/partnerlab/storefront/internal/domain"
	"github.com/partnerlab/storefront/internal/upstream/bsssim"
)

// The simulator's defaults (bsssim.Config): the partner credential it
// accepts and the agency name customers trust.
const (
	simAK           = "SIMPARTNERAKEXAMPLE0"
	simSK           = "sim-partner-sk-not-a-secret"
	simXAccountType = "storefront_sim"
	simRegion       = "cn-north-4"
)

// env is one simulator behind a real loopback HTTP server and an adapter
// Client pointed at it: the real SDK on the real wire.
type env struct {
	t   *testing.T
	sim *bsssim.Server
	srv *httptest.Server
	c   *Client
	cfg Config
	// ahead moves the adapter's credential clock ahead of real time
	// (passTime); requests are still signed with the real time.
	ahead atomic.Int64
}

type envOption func(*bsssim.Config, *Config)

func withSimLimitsOff() envOption {
	return func(s *bsssim.Config, _ *Config) { s.DisableRateLimits = true }
}

func withSim(f func(*bsssim.Config)) envOption {
	return func(s *bsssim.Config, _ *Config) { f(s) }
}

func withClient(f func(*Config)) envOption {
	return func(_ *bsssim.Config, c *Config) { f(c) }
}

func newEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	scfg := bsssim.Config{Seed: 11, ReviewDelay: 0}
	e := &env{t: t}
	ccfg := Config{
		PartnerAK: simAK, PartnerSK: simSK, XAccountType: simXAccountType, Region: simRegion,
		CallTimeout: 10 * time.Second,
	}
	for _, o := range opts {
		o(&scfg, &ccfg)
	}
	sim, err := bsssim.New(scfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	e.sim, e.srv = sim, srv
	for _, p := range []*string{&ccfg.BSSEndpoint, &ccfg.IAMEndpoint, &ccfg.ECSEndpoint, &ccfg.EVSEndpoint} {
		if *p == "" {
			*p = srv.URL
		}
	}
	c, err := New(ccfg)
	if err != nil {
		t.Fatal(err)
	}
	c.now = func() time.Time { return time.Now().Add(time.Duration(e.ahead.Load())) }
	e.c, e.cfg = c, ccfg
	t.Cleanup(func() {
		sim.Close() // releases hung handlers so that srv.Close returns
		c.Close()
		srv.Close()
	})
	return e
}

func (e *env) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	e.t.Cleanup(cancel)
	return ctx
}

// admin calls the simulator's /_sim/ API.
func (e *env) admin(method, path string, in, out any) {
	e.t.Helper()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			e.t.Fatal(err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.srv.URL+"/_sim"+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		e.t.Fatalf("sim admin %s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			e.t.Fatalf("sim admin %s %s: %v in %s", method, path, err, raw)
		}
	}
}

// advance moves the simulator's virtual (business) clock. The adapter's
// clock is real time and does not follow.
func (e *env) advance(d string) {
	e.t.Helper()
	e.admin(http.MethodPost, "/clock/advance", map[string]string{"duration": d}, nil)
}

// passTime lets real time pass for the adapter's credential cache without
// waiting for it.
func (e *env) passTime(d time.Duration) { e.ahead.Add(int64(d)) }

// fault scripts the next count calls of op to fail with kind.
func (e *env) fault(op, kind string, count int, latency string) {
	e.t.Helper()
	f := map[string]any{"operation": op, "kind": kind, "count": count}
	if latency != "" {
		f["latency"] = latency
	}
	e.admin(http.MethodPost, "/faults", f, nil)
}

type journalEntry struct {
	Seq       uint64    `json:"seq"`
	Wall      time.Time `json:"wall_time"`
	Operation string    `json:"operation"`
	Status    int       `json:"status"`
	ErrorCode string    `json:"error_code"`
	Fault     string    `json:"fault"`
}

// calls lists what reached the simulator's gateway for op ("" = all).
func (e *env) calls(op string) []journalEntry {
	e.t.Helper()
	var j struct {
		Entries []journalEntry `json:"entries"`
	}
	e.admin(http.MethodGet, "/journal", nil, &j)
	var out []journalEntry
	for _, en := range j.Entries {
		if op == "" || en.Operation == op {
			out = append(out, en)
		}
	}
	return out
}

// wantCalls checks how many calls of op reached the simulator. The journal
// records a call when its handler ends, which for a call the client gave
// up on (hang, latency) is a moment after the client returned: wait for
// it, then make sure no further call turns up.
func (e *env) wantCalls(op string, n int) {
	e.t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	got := e.calls(op)
	for len(got) < n && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		got = e.calls(op)
	}
	if len(got) == n {
		time.Sleep(50 * time.Millisecond)
		got = e.calls(op)
	}
	if len(got) != n {
		e.t.Fatalf("%s reached the simulator %d times, want %d: %+v", op, len(got), n, got)
	}
}

type simCustomer struct {
	DomainID       string `json:"domain_id"`
	DomainName     string `json:"domain_name"`
	XAccountID     string `json:"xaccount_id"`
	Balance        string `json:"balance"`
	Frozen         bool   `json:"frozen"`
	FreezeType     string `json:"freeze_type"`
	RealnameStatus string `json:"realname_status"`
}

type simState struct {
	Partner struct {
		Balances []struct {
			AccountType int    `json:"account_type"`
			Amount      string `json:"amount"`
		} `json:"balances"`
	} `json:"partner"`
	Customers     []simCustomer `json:"customers"`
	AdjustRecords []struct {
		TransID       string `json:"trans_id"`
		CustomerID    string `json:"customer_id"`
		OperationType string `json:"operation_type"`
		Amount        string `json:"amount"`
	} `json:"adjust_records"`
	Orders []struct {
		OrderID    string `json:"order_id"`
		CustomerID string `json:"customer_id"`
		OrderType  int    `json:"order_type"`
		Status     int    `json:"status"`
	} `json:"orders"`
}

func (e *env) state() simState {
	e.t.Helper()
	var s simState
	e.admin(http.MethodGet, "/state", nil, &s)
	return s
}

func (e *env) simCustomer(id string) simCustomer {
	e.t.Helper()
	for _, c := range e.state().Customers {
		if c.DomainID == id {
			return c
		}
	}
	e.t.Fatalf("customer %s not in the simulator", id)
	return simCustomer{}
}

func (e *env) partnerAllocatable() string {
	e.t.Helper()
	for _, b := range e.state().Partner.Balances {
		if b.AccountType == 8 {
			return b.Amount
		}
	}
	e.t.Fatal("no allocatable balance in the simulator")
	return ""
}

// smsCode is the last code the simulator sent to mobile.
func (e *env) smsCode(mobile string) string {
	e.t.Helper()
	var s struct {
		Messages []struct {
			MobilePhone string `json:"mobile_phone"`
			Code        string `json:"code"`
		} `json:"messages"`
	}
	e.admin(http.MethodGet, "/sms", nil, &s)
	code := ""
	for _, m := range s.Messages {
		if m.MobilePhone == mobile {
			code = m.Code
		}
	}
	if code == "" {
		e.t.Fatalf("no SMS to %s", mobile)
	}
	return code
}

func (e *env) review(customerID, decision, opinion string) {
	e.t.Helper()
	e.admin(http.MethodPost, "/realname/review", map[string]string{"customer_id": customerID, "decision": decision, "opinion": opinion}, nil)
}

// --- factories ---

var nameSeq atomic.Int64

// customer registers a reseller-model customer through the adapter.
func (e *env) customer() string {
	e.t.Helper()
	n := nameSeq.Add(1)
	res, err := e.c.CreateSubCustomer(e.ctx(), domain.CloudNewSubCustomer{
		XAccountID: fmt.Sprintf("sf-%d-%d", time.Now().UnixNano(), n),
		DomainName: fmt.Sprintf("sfcust%d%d", time.Now().UnixNano()%1e9, n),
	})
	if err != nil {
		e.t.Fatalf("create customer: %v", err)
	}
	return res.DomainID
}

func (e *env) fund(customerID, amount string) {
	e.t.Helper()
	if _, err := e.c.AllocateToCustomer(e.ctx(), customerID, decimal.RequireFromString(amount)); err != nil {
		e.t.Fatalf("allocate %s to %s: %v", amount, customerID, err)
	}
}

// verified makes the customer real-name verified (individual, approved).
func (e *env) verified(customerID string) {
	e.t.Helper()
	_, err := e.c.SubmitIndividualRealName(e.ctx(), domain.CloudIndividualRealName{
		CustomerID: customerID, FileURLs: []string{"idcard/" + customerID + ".png"},
		Name: "Zhang San", Number: fmt.Sprintf("11010119900101%06d", nameSeq.Add(1)),
	})
	if err != nil {
		e.t.Fatalf("real-name: %v", err)
	}
	e.review(customerID, "approve", "")
}

// buyer is a verified, funded customer ready to order.
func (e *env) buyer(amount string) string {
	e.t.Helper()
	id := e.customer()
	e.verified(id)
	if amount != "" {
		e.fund(id, amount)
	}
	return id
}

// --- assertions ---

// wantErr checks the class of an adapter error: its code, its outcome and
// Huawei's code ("" = any, "-" = none).
func wantErr(t *testing.T, err error, code domain.Code, outcome domain.Outcome, huaweiCode string) *domain.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s/%s", code, outcome)
	}
	var de *domain.Error
	if !errors.As(err, &de) {
		t.Fatalf("error %T %v is not a *domain.Error", err, err)
	}
	if de.Code != code {
		t.Fatalf("code %s, want %s (%v)", de.Code, code, err)
	}
	if outcome == "" {
		return de
	}
	if de.Upstream == nil {
		t.Fatalf("no upstream detail on %v", err)
	}
	if de.Upstream.Outcome != outcome {
		t.Fatalf("outcome %s, want %s (%v)", de.Upstream.Outcome, outcome, err)
	}
	switch huaweiCode {
	case "":
	case "-":
		if de.Upstream.Code != "" {
			t.Fatalf("huawei code %q, want none (%v)", de.Upstream.Code, err)
		}
	default:
		if de.Upstream.Code != huaweiCode {
			t.Fatalf("huawei code %q, want %q (%v)", de.Upstream.Code, huaweiCode, err)
		}
	}
	if de.Upstream.Operation == "" {
		t.Fatalf("no operation on %v", err)
	}
	if got, want := domain.UpstreamOutcome(err), outcome; got != want {
		t.Fatalf("domain.UpstreamOutcome %s, want %s", got, want)
	}
	return de
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func wantMoney(t *testing.T, what string, got decimal.Decimal, want string) {
	t.Helper()
	if !got.Equal(dec(want)) {
		t.Fatalf("%s = %s, want %s", what, got, want)
	}
}

func contains(haystack []string, needle string) bool {
	for _, h := range haystack {
		if strings.EqualFold(h, needle) {
			return true
		}
	}
	return false
}
