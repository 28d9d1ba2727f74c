package http_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/partnerlab/storefront/internal/domain"
)

// TestMoneyBadInput: every refusal of an allocation or reclaim names what
// is wrong, and none leaves anything behind.
func TestMoneyBadInput(t *testing.T) {
	t.Parallel()
	h := newMoneyHarness(t)
	fin := h.staffToken("finance@example.com", "finance")
	c := h.customerFixture()

	for _, amount := range []string{"0", "0.00", "-1", "1.001", "abc", "1e2", " 1", "1,00", "+1", ".5", "1.", "1000000.01", ""} {
		for _, what := range []string{"allocations", "reclaims"} {
			p := h.move(fin, what, c.id, amount, newKey()).wantProblem(t, http.StatusBadRequest, "validation_failed")
			if len(p.Errors) == 0 || p.Errors[0].Field != "amount" {
				t.Errorf("%s %q: errors %+v", what, amount, p.Errors)
			}
		}
	}
	// Not a string, or missing: the contract refuses it.
	for _, body := range []any{map[string]any{"amount": 10}, map[string]any{"memo": "x"}} {
		res := h.do(req{method: "POST", path: "/v1/customers/" + c.id.String() + "/allocations", token: fin, body: body,
			header: map[string]string{"Idempotency-Key": newKey()}})
		// (The validator reports a missing property against the body, naming it in the message.)
		if p := res.wantProblem(t, http.StatusBadRequest, "validation_failed"); len(p.Errors) == 0 ||
			(p.Errors[0].Field != "amount" && !strings.Contains(p.Errors[0].Message, "'amount'")) {
			t.Errorf("body %v: errors %+v", body, p.Errors)
		}
	}
	// No Idempotency-Key: the contract requires it on money routes.
	p := h.move(fin, "allocations", c.id, "1.00", "").wantProblem(t, http.StatusBadRequest, "validation_failed")
	if len(p.Errors) == 0 || p.Errors[0].Field != "Idempotency-Key" {
		t.Errorf("no key: %+v", p.Errors)
	}

	// Balances: the ledger's, whichever side the money comes from.
	h.move(fin, "reclaims", c.id, "0.01", newKey()).wantProblem(t, http.StatusConflict, "insufficient_customer_balance")
	h.accepted(fin, "allocations", c.id, "999999.99")
	h.move(fin, "allocations", c.id, "0.02", newKey()).wantProblem(t, http.StatusConflict, "insufficient_partner_balance")
	h.settled(10 * time.Second)
	h.move(fin, "reclaims", c.id, "1000000.00", newKey()).wantProblem(t, http.StatusConflict, "insufficient_customer_balance")

	// A customer Huawei does not know yet, and one that does not exist.
	ctx := context.Background()
	u := h.signup("unregistered@example.com")
	up, _ := h.signer.Verify(u.AccessToken)
	unreg := domain.Customer{ID: uuid.Must(uuid.NewV7()), UserID: up.ID, AccountName: "unregistered1", Mobile: "13800000001", CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := h.st.InTx(ctx, func(tx domain.Tx) error { return tx.Customers().CreateCustomer(ctx, unreg, "") }); err != nil {
		t.Fatal(err)
	}
	h.move(fin, "allocations", unreg.ID, "1.00", newKey()).wantProblem(t, http.StatusConflict, "customer_not_registered")
	h.move(fin, "allocations", uuid.Must(uuid.NewV7()), "1.00", newKey()).wantProblem(t, http.StatusNotFound, "not_found")

	var n int
	if err := h.pool.QueryRow(ctx, `SELECT count(*) FROM money_operations`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d operations (%v), want the one accepted", n, err)
	}
}

// TestMoneyStepUp: with a threshold of 0.00 every amount needs a step-up
// challenge; without one (or with a wrong one) nothing happens.
func TestMoneyStepUp(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withStepUpThreshold("0.00"))
	t.Cleanup(h.assertLedger)
	fin := h.staffToken("finance@example.com", "finance")
	c := h.customerFixture()
	// The verifier names the rule broken (step_up_required, step_up_invalid…); 403 in every case.
	for _, body := range []map[string]any{
		{"amount": "1.00"},
		{"amount": "1.00", "challenge_id": uuid.Must(uuid.NewV7()).String(), "code": "123456"},
	} {
		res := h.do(req{method: "POST", path: "/v1/customers/" + c.id.String() + "/allocations", token: fin, body: body,
			header: map[string]string{"Idempotency-Key": newKey()}})
		var p problem
		res.json(t, &p)
		if res.status != http.StatusForbidden || p.Status != http.StatusForbidden || p.Code == "" {
			t.Fatalf("step-up %v: %d %s", body, res.status, res.body)
		}
	}
	if n := h.count("money_operations"); n != 0 {
		t.Fatalf("%d operations after refused step-ups", n)
	}
}

// TestMoneyIdempotency: the Idempotency-Key contract on allocations.
func TestMoneyIdempotency(t *testing.T) {
	t.Parallel()
	h := newMoneyHarness(t)
	fin := h.staffToken("finance@example.com", "finance")
	c := h.customerFixture()

	key := newKey()
	first := h.move(fin, "allocations", c.id, "10.00", key)
	first.wantStatus(t, http.StatusAccepted)
	again := h.move(fin, "allocations", c.id, "10.00", key)
	again.wantStatus(t, http.StatusAccepted)
	if again.header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(again.body, first.body) {
		t.Fatalf("replay differs:\n%s\n%s", first.body, again.body)
	}
	h.move(fin, "allocations", c.id, "11.00", key).wantProblem(t, http.StatusUnprocessableEntity, "idempotency_key_reused")
	h.move(fin, "reclaims", c.id, "10.00", key).wantProblem(t, http.StatusUnprocessableEntity, "idempotency_key_reused")

	// 50 parallel requests with one key: one operation, one upstream effect.
	key = newKey()
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	var bodies [][]byte
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := h.move(fin, "allocations", c.id, "7.00", key)
			mu.Lock()
			defer mu.Unlock()
			statuses[res.status]++
			if res.status == http.StatusAccepted {
				bodies = append(bodies, res.body)
			} else if res.status != http.StatusConflict {
				t.Errorf("parallel: %d %s", res.status, res.body)
			}
		}()
	}
	wg.Wait()
	for _, b := range bodies {
		if !bytes.Equal(b, bodies[0]) {
			t.Fatalf("two different answers for one key:\n%s\n%s", bodies[0], b)
		}
	}
	if statuses[http.StatusAccepted] == 0 {
		t.Fatalf("statuses %v", statuses)
	}
	h.settled(10 * time.Second)
	var ops, sevens int
	_ = h.pool.QueryRow(context.Background(), `SELECT count(*), count(*) FILTER (WHERE amount = 7) FROM money_operations`).Scan(&ops, &sevens)
	if ops != 2 || sevens != 1 {
		t.Fatalf("%d operations, %d of 7.00; want 2 and 1", ops, sevens)
	}
	st := h.simState()
	if len(st.Adjusts) != 2 || !st.balance(c.huaweiID).Equal(dec("17")) {
		t.Fatalf("simulator: %d records, balance %s", len(st.Adjusts), st.balance(c.huaweiID))
	}
}

// TestMoneyAccess: who may call each money route, and the tenant wall.
func TestMoneyAccess(t *testing.T) {
	t.Parallel()
	h := newMoneyHarness(t)
	fin := h.staffToken("finance@example.com", "finance")
	adm := h.admin().AccessToken
	oper := h.staffToken("operator@example.com", "operator")
	client := h.apiClientToken("orders:read", "customers:read")
	a, b := h.customerFixture(), h.customerFixture()
	opA := h.accepted(fin, "allocations", a.id, "50.00")
	h.settled(10 * time.Second)
	var run struct {
		ID string `json:"id"`
	}
	res := h.do(req{method: "POST", path: "/v1/reconciliation-runs", token: fin, header: map[string]string{"Idempotency-Key": newKey()}})
	res.wantStatus(t, http.StatusAccepted)
	res.json(t, &run)

	type call struct {
		method, path string
		body         any
	}
	A := a.id.String()
	calls := map[string]call{
		"allocate":   {"POST", "/v1/customers/" + A + "/allocations", map[string]any{"amount": "1.00"}},
		"reclaim":    {"POST", "/v1/customers/" + A + "/reclaims", map[string]any{"amount": "1.00"}},
		"list ops":   {"GET", "/v1/money-operations", nil},
		"get op":     {"GET", "/v1/money-operations/" + opA.ID, nil},
		"resolve":    {"POST", "/v1/money-operations/" + opA.ID + "/resolution", map[string]any{"outcome": "failed", "reason": "test"}},
		"balance":    {"GET", "/v1/customers/" + A + "/balance", nil},
		"partner":    {"GET", "/v1/partner/balance", nil},
		"ledger":     {"GET", "/v1/customers/" + A + "/ledger", nil},
		"reconcile":  {"POST", "/v1/reconciliation-runs", nil},
		"list runs":  {"GET", "/v1/reconciliation-runs", nil},
		"get run":    {"GET", "/v1/reconciliation-runs/" + run.ID, nil},
		"ops filter": {"GET", "/v1/money-operations?customer_id=" + A, nil},
	}
	// want[call][caller] is the status; 0 means the call is not made.
	callers := []struct{ name, token string }{
		{"anonymous", ""}, {"customer A", a.token}, {"customer B", b.token}, {"operator", oper},
		{"finance", fin}, {"admin", adm}, {"api client", client},
	}
	want := map[string][]int{
		//              anon A    B    oper fin  adm  client
		"allocate":   {401, 404, 404, 403, 202, 202, 403},
		"reclaim":    {401, 404, 404, 403, 202, 202, 403},
		"list ops":   {401, 200, 200, 403, 200, 200, 403},
		"get op":     {401, 200, 404, 403, 200, 200, 403},
		"resolve":    {401, 404, 404, 403, 409, 409, 403},
		"balance":    {401, 200, 404, 200, 200, 200, 403},
		"partner":    {401, 403, 403, 403, 200, 200, 403},
		"ledger":     {401, 200, 404, 403, 200, 200, 403},
		"reconcile":  {401, 403, 403, 403, 202, 202, 403},
		"list runs":  {401, 403, 403, 403, 200, 200, 403},
		"get run":    {401, 403, 403, 403, 200, 200, 403},
		"ops filter": {401, 200, 200, 403, 200, 200, 403},
	}
	for name, c := range calls {
		for i, who := range callers {
			hd := map[string]string{}
			if c.method == "POST" {
				hd["Idempotency-Key"] = newKey()
			}
			res := h.do(req{method: c.method, path: c.path, token: who.token, body: c.body, header: hd})
			if res.status != want[name][i] {
				t.Errorf("%s by %s: %d, want %d: %s", name, who.name, res.status, want[name][i], res.body)
			}
		}
	}
	// The tenant wall inside lists: B sees nothing of A's, even asking by id.
	var page struct {
		Items []moneyOp `json:"items"`
	}
	res = h.do(req{method: "GET", path: "/v1/money-operations?customer_id=" + A, token: b.token})
	res.json(t, &page)
	if len(page.Items) != 0 {
		t.Fatalf("customer B sees %d of A's operations", len(page.Items))
	}
	res = h.do(req{method: "GET", path: "/v1/money-operations", token: a.token})
	res.json(t, &page)
	for _, op := range page.Items {
		if op.CustomerID != A {
			t.Fatalf("customer A sees %s's operation", op.CustomerID)
		}
	}
	h.settled(10 * time.Second)
	// Finance filters.
	res = h.do(req{method: "GET", path: fmt.Sprintf("/v1/money-operations?customer_id=%s&kind=allocation&status=succeeded&limit=1", A), token: fin})
	var page2 struct {
		Items      []moneyOp `json:"items"`
		NextCursor *string   `json:"next_cursor"`
	}
	res.json(t, &page2)
	if len(page2.Items) != 1 || page2.NextCursor == nil || page2.Items[0].Kind != "allocation" {
		t.Fatalf("filtered page %s", res.body)
	}
	res = h.do(req{method: "GET", path: fmt.Sprintf("/v1/money-operations?customer_id=%s&kind=allocation&status=succeeded&limit=1&cursor=%s", A, *page2.NextCursor), token: fin})
	var page3 struct {
		Items []moneyOp `json:"items"`
	}
	res.json(t, &page3)
	if len(page3.Items) != 1 || page3.Items[0].ID == page2.Items[0].ID {
		t.Fatalf("second page %s", res.body)
	}
}
