package http_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// TestMoneyFlow: an allocation and a reclaim go through the ledger to
// Huawei and back; balances, the ledger and Huawei agree.
func TestMoneyFlow(t *testing.T) {
	t.Parallel()
	h := newMoneyHarness(t)
	fin := h.staffToken("finance@example.com", "finance")
	c := h.customerFixture()
	before := h.simState().partnerAllocatable()

	a := h.accepted(fin, "allocations", c.id, "100.50")
	if a.Status != "pending" || a.Kind != "allocation" || a.Amount != "100.50" || a.Currency != "CNY" || a.Error != nil {
		t.Fatalf("accepted %+v", a)
	}
	h.settled(10 * time.Second)
	a = h.operation(fin, a.ID)
	if a.Status != "succeeded" || a.UpstreamRef == "" {
		t.Fatalf("allocation %+v", a)
	}
	r := h.accepted(fin, "reclaims", c.id, "0.50")
	h.settled(10 * time.Second)
	r = h.operation(fin, r.ID)
	if r.Status != "succeeded" || r.UpstreamRef == "" || r.UpstreamRef == a.UpstreamRef {
		t.Fatalf("reclaim %+v", r)
	}

	b := h.balance(fin, c.id)
	if b.Available != "100.00" || b.Held != "0.00" || b.Currency != "CNY" || b.Upstream.Amount != nil {
		t.Fatalf("balance %+v", b)
	}
	st := h.simState()
	if !st.balance(c.huaweiID).Equal(dec("100")) || !st.partnerAllocatable().Equal(before.Sub(dec("100"))) {
		t.Fatalf("simulator: customer %s, partner %s (was %s)", st.balance(c.huaweiID), st.partnerAllocatable(), before)
	}
	// The customer sees its own operations and balance, not staff notes.
	if got := h.balance(c.token, c.id); got.Available != "100.00" {
		t.Fatalf("customer's view %+v", got)
	}
	var page struct {
		Items []moneyOp `json:"items"`
	}
	res := h.do(req{method: "GET", path: "/v1/money-operations", token: c.token})
	res.wantStatus(t, http.StatusOK)
	res.json(t, &page)
	if len(page.Items) != 2 || page.Items[0].ID != r.ID {
		t.Fatalf("customer's list %+v", page.Items)
	}

	// The ledger: hold and settle of each, newest first.
	var led struct {
		Items []struct {
			Account, Kind, Amount, BalanceAfter string
			Reference                           *string
		} `json:"items"`
	}
	res = h.do(req{method: "GET", path: "/v1/customers/" + c.id.String() + "/ledger", token: fin})
	res.wantStatus(t, http.StatusOK)
	res.json(t, &led)
	if len(led.Items) != 6 { // the partner's side of each transfer is not the customer's ledger
		t.Fatalf("ledger %s", res.body)
	}

	// Partner balance: Huawei's now, and the ledger's.
	var pb struct {
		Amount, DesignatedAmount, Allocatable string
		LedgerAllocatable                     *string `json:"ledger_allocatable"`
	}
	res = h.do(req{method: "GET", path: "/v1/partner/balance", token: fin})
	res.wantStatus(t, http.StatusOK)
	res.json(t, &pb)
	if pb.LedgerAllocatable == nil || !dec(*pb.LedgerAllocatable).Equal(before.Sub(dec("100"))) {
		t.Fatalf("partner balance %s", res.body)
	}
	_ = context.Background()
}

// TestMoneyHuaweiAccountRecheck: accepting does not read the customer each
// time (it remembers the Huawei account), yet money is never booked
// against an account the customer no longer has: the operation's insert
// checks it, and the stale one is read again.
func TestMoneyHuaweiAccountRecheck(t *testing.T) {
	t.Parallel()
	h := newMoneyHarness(t)
	fin := h.staffToken("finance@example.com", "finance")
	c := h.customerFixture()
	other := h.customerFixture() // another real Huawei account, for the swap
	h.accepted(fin, "allocations", c.id, "1.00")
	h.settled(10 * time.Second)
	ctx := context.Background()
	if _, err := h.pool.Exec(ctx, `UPDATE customers SET huawei_domain_id = NULL, association = 'pending' WHERE id = $1`, other.id); err != nil {
		t.Fatal(err)
	}
	if _, err := h.pool.Exec(ctx, `UPDATE customers SET huawei_domain_id = $1 WHERE id = $2`, other.huaweiID, c.id); err != nil {
		t.Fatal(err)
	}
	a := h.accepted(fin, "allocations", c.id, "2.00")
	var huaweiID string
	if err := h.pool.QueryRow(ctx, `SELECT huawei_customer_id FROM money_operations WHERE id = $1`, a.ID).Scan(&huaweiID); err != nil {
		t.Fatal(err)
	}
	if huaweiID != other.huaweiID {
		t.Fatalf("operation booked for Huawei account %s, the customer's is %s", huaweiID, other.huaweiID)
	}
	h.settled(10 * time.Second)
	if got := h.operation(fin, a.ID); got.Status != "succeeded" {
		t.Fatalf("allocation %+v", got)
	}
	if !h.simState().balance(other.huaweiID).Equal(dec("2")) {
		t.Fatalf("simulator: %s on the customer's Huawei account, want 2", h.simState().balance(other.huaweiID))
	}
	// A customer whose Huawei account is gone: 409, nothing booked.
	if _, err := h.pool.Exec(ctx, `UPDATE customers SET huawei_domain_id = NULL, association = 'pending', registration_status = 'pending' WHERE id = $1`, c.id); err != nil {
		t.Fatal(err)
	}
	res := h.move(fin, "allocations", c.id, "3.00", newKey())
	res.wantStatus(t, http.StatusConflict)
	var n int
	if err := h.pool.QueryRow(ctx, `SELECT count(*) FROM money_operations WHERE customer_id = $1`, c.id).Scan(&n); err != nil || n != 2 {
		t.Fatalf("%d operations (%v), want 2", n, err)
	}
}
