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
