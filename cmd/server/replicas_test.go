package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/partnerlab/storefront/internal/store"
	"github.com/partnerlab/storefront/internal/testdb"
	"github.com/partnerlab/storefront/internal/upstream/bsssim"
)

// replica is one running server (run, as main starts it) and how to reach it.
type replica struct {
	name   string
	base   string
	cancel context.CancelFunc
	done   chan error
	out    *syncBuffer
}

// startReplica runs the whole program with env and waits for its ready line.
func startReplica(t *testing.T, name string, env map[string]string) *replica {
	t.Helper()
	r := &replica{name: name, done: make(chan error, 1), out: &syncBuffer{}}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { r.done <- run(ctx, envFunc(env), r.out) }()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case err := <-r.done:
			t.Fatalf("replica %s returned before ready: %v\n%s", name, err, r.out.String())
		case <-deadline:
			cancel()
			t.Fatalf("replica %s: no ready line within 30s:\n%s", name, r.out.String())
		case <-time.After(20 * time.Millisecond):
		}
		if ready := r.out.logLine("ready"); ready != nil {
			health, _ := ready["health"].(string)
			r.base = strings.TrimSuffix(health, "/healthz")
			return r
		}
	}
}

// stop cancels the replica and waits until it drained.
func (r *replica) stop(t *testing.T) {
	t.Helper()
	r.cancel()
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("replica %s after cancel: %v", r.name, err)
		}
	case <-time.After(30 * time.Second):
		t.Errorf("replica %s did not return within 30s of cancel", r.name)
	}
	if strings.Contains(r.out.String(), `"msg":"internal error"`) {
		t.Errorf("replica %s logged an internal error:\n%s", r.name, r.out.String())
	}
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(a.body, v); err != nil {
		t.Fatalf("decode %s: %v", a.body, err)
	}
}

var replicaClient = &http.Client{Timeout: 15 * time.Second}

func call(t *testing.T, method, url, token, key string, body any) answer {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	res, err := replicaClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{status: res.StatusCode, header: res.Header, body: b}
}

func want(t *testing.T, what string, a answer, status int) {
	t.Helper()
	if a.status != status {
		t.Fatalf("%s: %d, want %d: %s", what, a.status, status, a.body)
	}
}

// TestTwoReplicas runs the whole program twice, as two replicas on one
// database sharing one Huawei (the simulator over HTTP), and moves money
// through both: an Idempotency-Key sent to one replica and retried on the
// other is answered once and replayed byte for byte; every operation's job
// runs once and calls Huawei once (two of them answered with a failure
// after or before Huawei committed, so the resolver decides them); the
// ledger equals Huawei's ground truth and `storefront verify-ledger` holds.
func TestTwoReplicas(t *testing.T) {
	t.Parallel()
	start := time.Now()
	dbURL := testdb.URL(t)
	filesDir := t.TempDir()

	// One Huawei for both replicas. Its rate limits are off: two replicas
	// each keep to Huawei's 10/s, so together they may exceed it, and a 429
	// (nothing sent, the job runs again) would blur "one call per operation".
	const ak, sk, xaccount = "SIMPARTNERAKEXAMPLE0", "sim-partner-sk-not-a-secret", "storefront_replicas"
	sim, err := bsssim.New(bsssim.Config{PartnerAK: ak, PartnerSK: sk, XAccountType: xaccount, Seed: 5,
		ReviewDelay: 0, AssociationDelay: 0, FilesDir: filesDir, DisableRateLimits: true})
	if err != nil {
		t.Fatal(err)
	}
	simSrv := httptest.NewServer(sim.Handler())
	t.Cleanup(func() { simSrv.Close(); sim.Close() })
	simDo := func(method, path string, body, out any) {
		t.Helper()
		a := call(t, method, simSrv.URL+path, "", "", body)
		if a.status >= 300 {
			t.Fatalf("%s %s: %d %s", method, path, a.status, a.body)
		}
		if out != nil {
			a.decode(t, out)
		}
	}

	keyFile := writeKey(t) // one signing key: a token from one replica is good on the other
	env := map[string]string{
		"DATABASE_URL":             dbURL,
		"DATABASE_MAX_CONNS":       "8",
		"JWT_PRIVATE_KEY_FILE":     keyFile,
		"DATA_ENCRYPTION_KEY":      testDataKey,
		"FILES_DIR":                filesDir,
		"HTTP_ADDR":                "127.0.0.1:0",
		"ADMIN_ADDR":               "127.0.0.1:0",
		"LOG_LEVEL":                "info", // the ready line is info
		"BOOTSTRAP_ADMIN_EMAIL":    "root@example.com",
		"BOOTSTRAP_ADMIN_PASSWORD": bootstrapPassword,
		"SHUTDOWN_TIMEOUT":         "10s",
		"AUTH_RATE_LIMIT":          "10000",
		"API_RATE_LIMIT":           "0",
		"STEP_UP_THRESHOLD":        "1000000.00", // above every amount here: step-up has its own tests
		"MONEY_SETTLE_DELAY":       "1s",
		"UPSTREAM":                 "huawei",
		"HUAWEI_BSS_ENDPOINT":      simSrv.URL,
		"HUAWEI_IAM_ENDPOINT":      simSrv.URL,
		"HUAWEI_ECS_ENDPOINT":      simSrv.URL,
		"HUAWEI_EVS_ENDPOINT":      simSrv.URL,
		"HUAWEI_AK":                ak,
		"HUAWEI_SK":                sk,
		"HUAWEI_XACCOUNT_TYPE":     xaccount,
		"HUAWEI_CALL_TIMEOUT":      "3s",
	}
	// The first creates the bootstrap admin; the second finds it.
	a := startReplica(t, "A", env)
	b := startReplica(t, "B", env)
	stopped := false
	stopBoth := func() {
		if !stopped {
			stopped = true
			a.stop(t)
			b.stop(t)
		}
	}
	t.Cleanup(stopBoth)
	replicas := []*replica{a, b}
	t.Logf("two replicas ready after %s", time.Since(start).Round(time.Millisecond))

	login := func(r *replica, email, password string) string {
		t.Helper()
		res := call(t, "POST", r.base+"/v1/auth/login", "", "", map[string]string{"email": email, "password": password})
		want(t, "login "+email, res, http.StatusOK)
		var p struct {
			AccessToken string `json:"access_token"`
		}
		res.decode(t, &p)
		return p.AccessToken
	}
	admin := login(a, "root@example.com", bootstrapPassword)
	want(t, "create finance", call(t, "POST", a.base+"/v1/staff", admin, "",
		map[string]any{"email": "fin@example.com", "password": "staff-password-1", "roles": []string{"finance"}}), http.StatusCreated)
	fin := login(b, "fin@example.com", "staff-password-1")

	// Customers registered through the API, each step on another replica.
	type customer struct{ id, huaweiID string }
	customers := make([]customer, 3)
	for i := range customers {
		r1, r2 := replicas[i%2], replicas[(i+1)%2]
		res := call(t, "POST", r1.base+"/v1/auth/signup", "", "",
			map[string]string{"email": fmt.Sprintf("cust%d@example.com", i), "password": "customer-pass-1"})
		want(t, "signup", res, http.StatusCreated)
		var p struct {
			AccessToken string `json:"access_token"`
		}
		res.decode(t, &p)
		mobile := fmt.Sprintf("1380013800%d", i)
		want(t, "sms code", call(t, "POST", r2.base+"/v1/registration/sms-codes", p.AccessToken, "", map[string]string{"mobile": mobile}), http.StatusAccepted)
		var box struct {
			Messages []struct {
				Mobile string `json:"mobile_phone"`
				Code   string `json:"code"`
			} `json:"messages"`
		}
		simDo("GET", "/_sim/sms", nil, &box)
		code := ""
		for _, m := range box.Messages {
			if m.Mobile == mobile {
				code = m.Code
			}
		}
		res = call(t, "POST", r1.base+"/v1/customers", p.AccessToken, fmt.Sprintf("reg-%d", i),
			map[string]string{"account_name": fmt.Sprintf("replica-cust-%d", i), "mobile": mobile, "sms_code": code})
		want(t, "register", res, http.StatusCreated)
		var c struct {
			ID string `json:"id"`
		}
		res.decode(t, &c)
		customers[i].id = c.ID
	}
	for i, c := range customers {
		deadline := time.Now().Add(10 * time.Second)
		for customers[i].huaweiID == "" {
			var body struct {
				Huawei struct {
					DomainID     *string `json:"domain_id"`
					Registration string  `json:"registration"`
					Association  string  `json:"association"`
				} `json:"huawei"`
			}
			res := call(t, "GET", replicas[i%2].base+"/v1/customers/"+c.id, fin, "", nil)
			want(t, "customer", res, http.StatusOK)
			res.decode(t, &body)
			if body.Huawei.Registration == "created" && body.Huawei.Association == "confirmed" && body.Huawei.DomainID != nil {
				customers[i].huaweiID = *body.Huawei.DomainID
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("customer %s not registered at Huawei within 10s: %s", c.id, res.body)
			}
			time.Sleep(30 * time.Millisecond)
		}
	}

	t.Logf("customers registered after %s", time.Since(start).Round(time.Millisecond))
	// Two of Huawei's answers go wrong: one allocation commits and answers
	// 5xx, one reclaim fails before committing. Both become unknown and the
	// resolver (on whichever replica) decides them: succeeded and failed.
	simDo("POST", "/_sim/faults", map[string]any{"operation": "UpdateCustomerAccountAmount", "kind": "commit_then_5xx", "count": 1}, nil)
	simDo("POST", "/_sim/faults", map[string]any{"operation": "ReclaimToPartnerAccount", "kind": "fail_before_commit", "count": 1}, nil)

	// move posts with key to first, then the same request to second: the
	// second answers from the first's stored answer.
	var mu sync.Mutex
	accepted := map[string]bool{}
	cents := 0
	move := func(what string, c customer, key string, first, second *replica) {
		t.Helper()
		mu.Lock()
		cents++
		// Distinct amounts: allocations of 1.01 and more, reclaims below 1.00.
		amount := decimal.New(int64(100*cents+cents), -2).StringFixed(2)
		if what == "reclaims" {
			amount = decimal.New(int64(cents), -2).StringFixed(2)
		}
		mu.Unlock()
		path := "/v1/customers/" + c.id + "/" + what
		body := map[string]string{"amount": amount, "memo": "replicas"}
		res := call(t, "POST", first.base+path, fin, key, body)
		if res.status != http.StatusAccepted {
			t.Errorf("%s %s on %s: %d %s", what, amount, first.name, res.status, res.body)
			return
		}
		var op struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		}
		if err := json.Unmarshal(res.body, &op); err != nil || op.ID == "" {
			t.Errorf("202 body %s: %v", res.body, err)
			return
		}
		mu.Lock()
		accepted[op.ID] = true
		mu.Unlock()
		if second == nil {
			return
		}
		again := call(t, "POST", second.base+path, fin, key, body)
		if again.status != res.status || !bytes.Equal(again.body, res.body) || again.header.Get("Idempotent-Replayed") != "true" ||
			again.header.Get("Content-Type") != res.header.Get("Content-Type") || again.header.Get("Location") != res.header.Get("Location") {
			t.Errorf("replay on %s of %s's answer: %d %q %q\n%s\nfirst: %d %s", second.name, first.name, again.status,
				again.header.Get("Idempotent-Replayed"), again.header.Get("Location"), again.body, res.status, res.body)
		}
		// The same key with another body is refused, on either replica.
		other := call(t, "POST", second.base+path, fin, key, map[string]string{"amount": "0.01"})
		if other.status != http.StatusUnprocessableEntity || !bytes.Contains(other.body, []byte(`"idempotency_key_reused"`)) {
			t.Errorf("same key, other body, on %s: %d %s", second.name, other.status, other.body)
		}
	}
	waitTerminal := func(within time.Duration) {
		t.Helper()
		deadline := time.Now().Add(within)
		for {
			var open int
			for i, id := range keys(&mu, accepted) {
				var op struct {
					Status string `json:"status"`
				}
				res := call(t, "GET", replicas[i%2].base+"/v1/money-operations/"+id, fin, "", nil)
				want(t, "operation", res, http.StatusOK)
				res.decode(t, &op)
				if op.Status != "succeeded" && op.Status != "failed" {
					open++
				}
			}
			if open == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d operations not succeeded or failed after %s", open, within)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	// Round 1: allocations, from four clients, alternating replicas; every
	// other one retried on the other replica.
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			first, second := replicas[i%2], replicas[(i+1)%2]
			if i%2 == 1 {
				second = nil
			}
			move("allocations", customers[i%len(customers)], fmt.Sprintf("alloc-%d", i), first, second)
		}()
	}
	wg.Wait()
	t.Logf("round 1 accepted after %s", time.Since(start).Round(time.Millisecond))
	waitTerminal(30 * time.Second)
	t.Logf("round 1 done after %s", time.Since(start).Round(time.Millisecond))

	// Round 2: reclaims and more allocations at once.
	for i := range 9 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			first, second := replicas[(i+1)%2], replicas[i%2]
			what := "reclaims"
			if i%3 == 2 {
				what = "allocations"
			}
			move(what, customers[i%len(customers)], fmt.Sprintf("round2-%d", i), first, second)
		}()
	}
	wg.Wait()
	waitTerminal(30 * time.Second)
	if t.Failed() {
		return
	}
	t.Logf("round 2 done after %s", time.Since(start).Round(time.Millisecond))
	stopBoth() // nothing runs while the ledger and Huawei are compared

	// Every job ran once: one money_operation job per operation, and every
	// operation took the customer's slot once (attempt 1) and called
	// Huawei once: the calls Huawei answered are as many as operations.
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	type opRow struct {
		kind, customer, status, ref string
		amount                      decimal.Decimal
		attempt, jobs               int
	}
	ops := map[string]opRow{}
	rows, err := pool.Query(ctx, `SELECT o.id::text, o.kind, o.huawei_customer_id, o.status, coalesce(o.upstream_ref, ''), o.amount, o.attempt,
		(SELECT count(*) FROM river_job j WHERE j.kind = 'money_operation' AND j.args->>'OperationID' = o.id::text)
		FROM money_operations o`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		var r opRow
		if err := rows.Scan(&id, &r.kind, &r.customer, &r.status, &r.ref, &r.amount, &r.attempt, &r.jobs); err != nil {
			t.Fatal(err)
		}
		ops[id] = r
		if !accepted[id] {
			t.Errorf("operation %s was never acknowledged to a client", id)
		}
		if r.attempt != 1 || r.jobs != 1 {
			t.Errorf("operation %s (%s %s, %s): attempt %d, %d jobs; want 1 and 1", id, r.kind, r.amount, r.status, r.attempt, r.jobs)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(ops) != len(accepted) || len(ops) != 21 {
		t.Fatalf("%d operations, %d accepted, want 21", len(ops), len(accepted))
	}
	var journal struct {
		Entries []struct {
			Operation string `json:"operation"`
			Status    int    `json:"status"`
			Fault     string `json:"fault"`
		} `json:"entries"`
	}
	simDo("GET", "/_sim/journal", nil, &journal)
	calls, faults := 0, 0
	for _, e := range journal.Entries {
		if e.Operation == "UpdateCustomerAccountAmount" || e.Operation == "ReclaimToPartnerAccount" {
			calls++
			if e.Fault != "" {
				faults++
			}
		}
	}
	if calls != len(ops) || faults != 2 {
		t.Errorf("Huawei answered %d adjust and reclaim calls (%d faulted) for %d operations; want one each, 2 faulted", calls, faults, len(ops))
	}

	// Huawei's records are our succeeded operations, one each; its balances are ours.
	var state struct {
		Partner struct {
			Balances []struct {
				AccountType int    `json:"account_type"`
				Amount      string `json:"amount"`
				Designated  string `json:"designated_amount"`
			} `json:"balances"`
		} `json:"partner"`
		Customers []struct {
			DomainID string `json:"domain_id"`
			Balance  string `json:"balance"`
		} `json:"customers"`
		Adjusts []struct {
			TransID    string `json:"trans_id"`
			CustomerID string `json:"customer_id"`
			Type       string `json:"operation_type"`
			Amount     string `json:"amount"`
		} `json:"adjust_records"`
	}
	simDo("GET", "/_sim/state", nil, &state)
	byRef := map[string]opRow{}
	succeeded, failed := 0, 0
	for _, r := range ops {
		switch r.status {
		case "succeeded":
			succeeded++
			byRef[r.ref] = r
		case "failed":
			failed++
		}
	}
	if failed < 1 {
		t.Errorf("no operation failed; the reclaim that failed before Huawei committed should have")
	}
	seen := map[string]bool{}
	for _, rec := range state.Adjusts {
		op, ok := byRef[rec.TransID]
		kind := map[string]string{"SOURCE_OPERATION_BEADJUST": "allocation", "SOURCE_OPERATION_BERETRIEVE": "reclaim"}[rec.Type]
		switch {
		case !ok:
			t.Errorf("Huawei's %s %s of %s is no succeeded operation of ours", rec.Type, rec.TransID, rec.Amount)
		case seen[rec.TransID]:
			t.Errorf("Huawei has %s twice", rec.TransID)
		case op.kind != kind || op.customer != rec.CustomerID || !op.amount.Equal(decimal.RequireFromString(rec.Amount)):
			t.Errorf("record %s: %s %s for %s; ours %s %s for %s", rec.TransID, kind, rec.Amount, rec.CustomerID, op.kind, op.amount, op.customer)
		}
		seen[rec.TransID] = true
	}
	if len(state.Adjusts) != succeeded {
		t.Errorf("Huawei has %d adjust records for %d succeeded operations", len(state.Adjusts), succeeded)
	}
	ledger := map[string]decimal.Decimal{}
	lrows, err := pool.Query(ctx, `SELECT coalesce(c.huawei_domain_id, ''), a.kind, a.balance FROM ledger_accounts a
		LEFT JOIN customers c ON c.id = a.customer_id WHERE a.kind IN ('customer_available', 'customer_held', 'partner_allocatable')`)
	if err != nil {
		t.Fatal(err)
	}
	for lrows.Next() {
		var who, kind string
		var bal decimal.Decimal
		if err := lrows.Scan(&who, &kind, &bal); err != nil {
			t.Fatal(err)
		}
		ledger[kind+"/"+who] = bal
	}
	if err := lrows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, c := range customers {
		var huawei decimal.Decimal
		for _, sc := range state.Customers {
			if sc.DomainID == c.huaweiID {
				huawei = decimal.RequireFromString(sc.Balance)
			}
		}
		if got := ledger["customer_available/"+c.huaweiID]; !got.Equal(huawei) || !ledger["customer_held/"+c.huaweiID].IsZero() {
			t.Errorf("customer %s: ledger %s (held %s), Huawei %s", c.huaweiID, got, ledger["customer_held/"+c.huaweiID], huawei)
		}
	}
	var partner decimal.Decimal
	for _, pb := range state.Partner.Balances {
		if pb.AccountType == 8 {
			partner = decimal.RequireFromString(pb.Amount).Sub(decimal.RequireFromString(pb.Designated))
		}
	}
	if got := ledger["partner_allocatable/"]; !got.Equal(partner) {
		t.Errorf("partner: ledger %s, Huawei %s", got, partner)
	}

	// `storefront verify-ledger`, and its queries directly.
	var out, errOut bytes.Buffer
	if code := verifyLedger(ctx, envFunc(map[string]string{"DATABASE_URL": dbURL}), &out, &errOut); code != 0 {
		t.Errorf("verify-ledger: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	if vs, err := store.VerifyLedger(ctx, pool); err != nil || len(vs) > 0 {
		t.Errorf("ledger invariants: %v %v", vs, err)
	}
	t.Logf("%d operations (%d succeeded, %d failed) through two replicas in %s", len(ops), succeeded, failed, time.Since(start).Round(time.Millisecond))
}

func keys(mu *sync.Mutex, m map[string]bool) []string {
	mu.Lock()
	defer mu.Unlock()
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
