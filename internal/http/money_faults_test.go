package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// envInt reads a test size from the environment.
func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// moneyClient is a finance client that retries like a careful integrator:
// the same Idempotency-Key on timeouts, 5xx and 409 request_in_progress,
// until it gets an answer that says what happened. It talks to the server
// without the harness's contract check (the other money tests check every
// answer's shape; here it would be most of the CPU).
type moneyClient struct {
	h        *harness
	token    string
	timeout  time.Duration // of the first try
	tries    atomic.Int64
	timeouts atomic.Int64 // answers never received
	busy     atomic.Int64 // 409 request_in_progress and 5xx
}

// outcome is the final answer to one request.
type outcome struct {
	status int
	code   string
	op     moneyOp
}

func (c *moneyClient) do(what string, customer uuid.UUID, amount, key string) outcome {
	body, _ := json.Marshal(map[string]any{"amount": amount})
	for attempt := 0; ; attempt++ {
		c.tries.Add(1)
		// Each try waits twice as long as the one before (up to 5 s), so a
		// slow server is not asked forever by clients that never wait long enough.
		ctx, cancel := context.WithTimeout(context.Background(), min(c.timeout<<min(attempt, 5), 5*time.Second))
		r, _ := http.NewRequestWithContext(ctx, "POST", c.h.rawURL+"/v1/customers/"+customer.String()+"/"+what, bytes.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+c.token)
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Idempotency-Key", key)
		res, err := http.DefaultClient.Do(r)
		if err != nil { // a timeout: the request may or may not have run; ask again with the same key
			cancel()
			c.timeouts.Add(1)
			time.Sleep(time.Duration(10+rand.IntN(40)) * time.Millisecond)
			continue
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		cancel()
		var p struct {
			Code string `json:"code"`
		}
		_ = json.Unmarshal(b, &p)
		if res.StatusCode >= 500 || (res.StatusCode == http.StatusConflict && p.Code == "request_in_progress") {
			c.busy.Add(1)
			time.Sleep(time.Duration(10+rand.IntN(40)) * time.Millisecond)
			continue
		}
		o := outcome{status: res.StatusCode, code: p.Code}
		if res.StatusCode == http.StatusAccepted {
			_ = json.Unmarshal(b, &o.op)
		}
		return o
	}
}

// moneyLoad is a run of allocations and reclaims by concurrent clients.
type moneyLoad struct {
	acked    map[string]moneyOp // operation id → as acknowledged
	refused  map[string]int     // problem code → count
	requests int
	tries    int64
	timeouts int64
	busy     int64
	took     time.Duration
}

// runMoneyLoad sends n operations over customers from `clients` clients:
// allocations, and (reclaimTenths out of ten, after each customer's first)
// reclaims of part of what was allocated.
func runMoneyLoad(t *testing.T, h *harness, fin string, customers []moneyCustomer, n, clients, reclaimTenths int, timeout time.Duration) moneyLoad {
	t.Helper()
	type job struct {
		what     string
		customer uuid.UUID
		amount   string
	}
	rng := rand.New(rand.NewPCG(7, 11))
	jobs := make(chan job, n)
	for i := range n {
		what := "allocations"
		if i >= len(customers) && rng.IntN(10) < reclaimTenths {
			what = "reclaims"
		}
		cents := 100 + rng.IntN(9900) // 1.00–99.99
		if what == "reclaims" {
			cents = 1 + rng.IntN(2000)
		}
		jobs <- job{what, customers[i%len(customers)].id, decimal.New(int64(cents), -2).StringFixed(2)}
	}
	close(jobs)
	c := &moneyClient{h: h, token: fin, timeout: timeout}
	load := moneyLoad{acked: map[string]moneyOp{}, refused: map[string]int{}, requests: n}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				key := uuid.NewString()
				o := c.do(j.what, j.customer, j.amount, key)
				if o.status == http.StatusAccepted && rand.IntN(10) == 0 {
					// The answer was lost on the way: the client asks again.
					if again := c.do(j.what, j.customer, j.amount, key); again.status != o.status || again.op.ID != o.op.ID {
						t.Errorf("a retry with the same key answered %d %+v, first %+v", again.status, again.op, o.op)
					}
				}
				mu.Lock()
				if o.status == http.StatusAccepted {
					load.acked[o.op.ID] = o.op
				} else {
					load.refused[fmt.Sprintf("%d %s", o.status, o.code)]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	load.took, load.tries, load.timeouts, load.busy = time.Since(start), c.tries.Load(), c.timeouts.Load(), c.busy.Load()
	return load
}

// checkAgainstHuawei: every acknowledged operation finished, none waits
// for a person, every succeeded one is exactly one adjust record at
// Huawei and every record one succeeded operation (no duplicate, lost or
// invented money), and every balance is Huawei's.
func checkAgainstHuawei(t *testing.T, h *harness, customers []moneyCustomer, load moneyLoad) (succeeded, failed int) {
	t.Helper()
	ctx := context.Background()
	rows, err := h.pool.Query(ctx, `SELECT id::text, kind, huawei_customer_id, amount, status, coalesce(upstream_ref, '') FROM money_operations`)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		id, kind, customer, status, ref string
		amount                          decimal.Decimal
	}
	byRef := map[string]row{}
	total := 0
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.kind, &r.customer, &r.amount, &r.status, &r.ref); err != nil {
			t.Fatal(err)
		}
		total++
		if _, ok := load.acked[r.id]; !ok {
			t.Errorf("operation %s was never acknowledged to a client", r.id)
		}
		switch r.status {
		case "succeeded":
			succeeded++
			byRef[r.ref] = r
		case "failed":
			failed++
		default:
			t.Errorf("operation %s is %s", r.id, r.status)
		}
	}
	rows.Close()
	if total != len(load.acked) {
		t.Errorf("%d operations for %d acknowledged requests", total, len(load.acked))
	}
	st := h.simState()
	seen := map[string]bool{}
	for _, rec := range st.Adjusts {
		op, ok := byRef[rec.TransID]
		kind := map[string]string{"SOURCE_OPERATION_BEADJUST": "allocation", "SOURCE_OPERATION_BERETRIEVE": "reclaim"}[rec.Type]
		switch {
		case !ok:
			t.Errorf("Huawei's %s %s of %s for %s is no succeeded operation of ours", rec.Type, rec.TransID, rec.Amount, rec.CustomerID)
		case seen[rec.TransID]:
			t.Errorf("Huawei has %s twice", rec.TransID)
		case op.kind != kind || op.customer != rec.CustomerID || !op.amount.Equal(dec(rec.Amount)):
			t.Errorf("record %s: %s %s for %s; ours %s %s for %s", rec.TransID, kind, rec.Amount, rec.CustomerID, op.kind, op.amount, op.customer)
		}
		seen[rec.TransID] = true
	}
	if len(st.Adjusts) != succeeded {
		t.Errorf("Huawei has %d adjust records, we have %d succeeded operations", len(st.Adjusts), succeeded)
	}
	ours, partner := h.ledgerTotals()
	for _, c := range customers {
		if !ours[c.huaweiID].Equal(st.balance(c.huaweiID)) {
			t.Errorf("customer %s: ledger %s, Huawei %s", c.huaweiID, ours[c.huaweiID], st.balance(c.huaweiID))
		}
	}
	if !partner.Equal(st.partnerAllocatable()) {
		t.Errorf("partner: ledger %s, Huawei %s", partner, st.partnerAllocatable())
	}
	var held decimal.Decimal
	_ = h.pool.QueryRow(ctx, `SELECT coalesce(sum(balance), 0) FROM ledger_accounts WHERE kind = 'customer_held'`).Scan(&held)
	if !held.IsZero() {
		t.Errorf("%s still held", held)
	}
	return succeeded, failed
}

// faultMix makes p of every money call fail, evenly over Huawei's ways of
// failing: before committing, after committing (5xx, or no answer until our
// deadline), throttled, or slow.
func faultMix(h *harness, p float64) {
	each := p / 5
	for _, op := range []string{"UpdateCustomerAccountAmount", "ReclaimToPartnerAccount"} {
		for _, kind := range []string{"fail_before_commit", "commit_then_5xx", "commit_then_hang", "429", "latency"} {
			f := map[string]any{"operation": op, "kind": kind, "probability": each / (1 - p/2)} // the first fault that fires wins: even them out
			if kind == "latency" {
				f["latency"] = "150ms"
			}
			h.simFault(f)
		}
	}
}

type simFault struct {
	Operation string `json:"operation"`
	Kind      string `json:"kind"`
	Fired     int    `json:"fired"`
}

func (h *harness) firedFaults() map[string]int {
	var fs struct {
		Faults []simFault `json:"faults"`
	}
	h.simDo("GET", "/_sim/faults", nil, &fs)
	out := map[string]int{}
	for _, f := range fs.Faults {
		out[f.Kind] += f.Fired
	}
	return out
}

// TestMoneyFaults: 1,000 allocations and reclaims over 50 customers from 16
// clients that retry with the same key, while 20 % of Huawei's money calls
// fail in every way it can. Rate limits are off (at Huawei's 10/s the calls
// alone would take 100 s); TestMoneyThrottledFaults keeps them on. Size:
// MONEY_FAULT_OPS.
func TestMoneyFaults(t *testing.T) {
	t.Parallel()
	n := envInt("MONEY_FAULT_OPS", 1000)
	h := newMoneyHarness(t, withoutRateLimits(), withCallTimeout(400*time.Millisecond), withWorkers(16))
	fin := h.staffToken("finance@example.com", "finance")
	customers := make([]moneyCustomer, 50)
	for i := range customers {
		customers[i] = h.customerFixture()
	}
	faultMix(h, 0.20)
	start := time.Now()
	load := runMoneyLoad(t, h, fin, customers, n, 16, 4, 250*time.Millisecond)
	h.settled(120 * time.Second)
	drained := time.Since(start)
	ok, failed := checkAgainstHuawei(t, h, customers, load)
	t.Logf("%d requests (%d HTTP tries: %d timed out, %d answered 409 in progress or 5xx) in %s; all finished after %s: %d acknowledged (%d succeeded, %d failed), refused %v; faults fired %v",
		load.requests, load.tries, load.timeouts, load.busy, load.took.Round(time.Millisecond), drained.Round(time.Millisecond), len(load.acked), ok, failed, load.refused, h.firedFaults())
}

// TestMoneyThrottledFaults: the same at Huawei's real 10 requests per
// second per API, with 429s among the faults: throttling never fails an
// operation, and nothing is lost or doubled. Size: MONEY_THROTTLED_OPS.
func TestMoneyThrottledFaults(t *testing.T) {
	t.Parallel()
	n := envInt("MONEY_THROTTLED_OPS", 80)
	h := newMoneyHarness(t, withCallTimeout(time.Second), withWorkers(16))
	fin := h.staffToken("finance@example.com", "finance")
	customers := make([]moneyCustomer, 8)
	for i := range customers {
		customers[i] = h.customerFixture()
	}
	faultMix(h, 0.20)
	load := runMoneyLoad(t, h, fin, customers, n, 8, 4, 5*time.Second)
	h.settled(120 * time.Second)
	ok, failed := checkAgainstHuawei(t, h, customers, load)
	var throttled int
	_ = h.pool.QueryRow(context.Background(), `SELECT count(*) FROM money_operations WHERE status = 'failed'
		AND (error_code IN ('APIGW.0308', 'APIG.0308', 'CBC.0250') OR error_status = 429)`).Scan(&throttled)
	if throttled > 0 {
		t.Errorf("%d operations failed because of throttling", throttled)
	}
	t.Logf("%d requests: %d succeeded, %d failed, refused %v, faults fired %v", n, ok, failed, load.refused, h.firedFaults())
}

// TestMoneyOverdraft: 100.00 and 1,000 concurrent reclaims of 1.00: exactly
// 100 are accepted, the rest refused, and all 100 reach Huawei. Size:
// MONEY_OVERDRAFT_RECLAIMS.
func TestMoneyOverdraft(t *testing.T) {
	t.Parallel()
	n := envInt("MONEY_OVERDRAFT_RECLAIMS", 1000)
	h := newMoneyHarness(t, withoutRateLimits(), withWorkers(16))
	fin := h.staffToken("finance@example.com", "finance")
	c := h.customerFixture()
	h.accepted(fin, "allocations", c.id, "100.00")
	h.settled(10 * time.Second)

	cl := &moneyClient{h: h, token: fin, timeout: 20 * time.Second}
	var wg sync.WaitGroup
	var accepted, refused, other atomic.Int64
	sem := make(chan struct{}, 64)
	for range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			o := cl.do("reclaims", c.id, "1.00", uuid.NewString())
			switch {
			case o.status == http.StatusAccepted:
				accepted.Add(1)
			case o.status == http.StatusConflict && o.code == "insufficient_customer_balance":
				refused.Add(1)
			default:
				other.Add(1)
				t.Errorf("reclaim: %d %s", o.status, o.code)
			}
		}()
	}
	wg.Wait()
	if accepted.Load() != 100 || refused.Load() != int64(n-100) || other.Load() != 0 {
		t.Fatalf("accepted %d, refused %d, other %d", accepted.Load(), refused.Load(), other.Load())
	}
	h.settled(60 * time.Second)
	var succeeded int
	_ = h.pool.QueryRow(context.Background(), `SELECT count(*) FROM money_operations WHERE kind = 'reclaim' AND status = 'succeeded'`).Scan(&succeeded)
	st := h.simState()
	if succeeded != 100 || !st.balance(c.huaweiID).IsZero() {
		t.Fatalf("%d reclaims succeeded; Huawei balance %s", succeeded, st.balance(c.huaweiID))
	}
	if b := h.balance(fin, c.id); b.Available != "0.00" || b.Held != "0.00" {
		t.Fatalf("ledger %+v", b)
	}
}

// TestMoneyTwoReplicas: two replicas' workers take jobs from one database
// while Huawei fails 20 % of the calls: every job runs once, every
// operation is decided once, and Huawei's side matches the ledger. Size:
// MONEY_REPLICA_OPS.
func TestMoneyTwoReplicas(t *testing.T) {
	t.Parallel()
	n := envInt("MONEY_REPLICA_OPS", 200)
	h := newMoneyHarness(t, withoutRateLimits(), withCallTimeout(400*time.Millisecond))
	second := h.newRiver()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = second.Stop(ctx)
	})
	fin := h.staffToken("finance@example.com", "finance")
	customers := make([]moneyCustomer, 10)
	for i := range customers {
		customers[i] = h.customerFixture()
	}
	faultMix(h, 0.20)
	load := runMoneyLoad(t, h, fin, customers, n, 8, 4, 5*time.Second)
	h.settled(60 * time.Second)
	ok, failed := checkAgainstHuawei(t, h, customers, load)
	t.Logf("%d requests: %d succeeded, %d failed, refused %v; faults fired %v", n, ok, failed, load.refused, h.firedFaults())
}
