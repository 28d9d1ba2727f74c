package http_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
)

// boughtResource orders a 100 GB disk and returns its resource as the
// order's resources sync stored it (our id and Huawei's).
func (h *harness) boughtResource(c moneyCustomer) (uuid.UUID, string) {
	h.t.Helper()
	o := h.waitOrder(c.token, h.ordered(c, h.quote(c, h.evsProduct(), 100, "35.00", time.Hour)).ID, 20*time.Second)
	if o.Status != "completed" {
		h.t.Fatalf("order %+v", o)
	}
	ctx := context.Background()
	var hid string
	if err := h.pool.QueryRow(ctx, `SELECT huawei_resource_ids[1] FROM order_lines WHERE order_id = $1`, o.ID).Scan(&hid); err != nil {
		h.t.Fatal(err)
	}
	var id uuid.UUID
	h.eventually("the order's resource is synced", func() bool {
		return h.pool.QueryRow(ctx, `SELECT id FROM resources WHERE huawei_resource_id = $1 AND order_id = $2`, hid, o.ID).Scan(&id) == nil
	})
	return id, hid
}

// TestRenewalHappyPath: a renewal quote renews the resource through the
// same saga: RenewalResources → check price → PayOrders → completed.
func TestRenewalHappyPath(t *testing.T) {
	t.Parallel()
	for _, fault := range []string{"", "commit_then_5xx"} {
		t.Run("fault="+fault, func(t *testing.T) {
			t.Parallel()
			testRenewal(t, fault)
		})
	}
}

// testRenewal renews; with a fault on the first RenewalResources (the
// order made, the answer lost) the resend is refused with CBC.99003100 and
// the pending renewal order is found by reading back: one order, paid once.
func testRenewal(t *testing.T, fault string) {
	h := newMoneyHarness(t)
	fin := h.staffToken("finance@example.com", "finance")
	c := h.orderCustomer(fin, "100.00")
	rid, _ := h.boughtResource(c)
	if fault != "" {
		h.simFault(map[string]any{"operation": "RenewalResources", "kind": fault, "count": 1})
	}
	ctx := context.Background()
	q := uuid.Must(uuid.NewV7())
	now := time.Now().UTC()
	// FIXTURE: a renewal quote as the renewal-quotes use case writes it.
	if _, err := h.pool.Exec(ctx, `INSERT INTO quotes (id, kind, customer_id, amount, official, discount, expires_at, created_at)
		VALUES ($1, 'renewal', $2, 35.00, 35.00, 0, $3, $4)`, q, c.id, now.Add(time.Hour), now.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := h.pool.Exec(ctx, `INSERT INTO quote_lines (quote_id, idx, resource_id, quantity, period_type, period_count, official, discount, amount)
		VALUES ($1, 0, $2, 1, 'month', 1, 35.00, 0, 35.00)`, q, rid); err != nil {
		t.Fatal(err)
	}
	res := h.do(req{method: "POST", path: "/v1/renewals", token: c.token, body: map[string]any{"quote_id": q.String()},
		header: map[string]string{"Idempotency-Key": newKey()}})
	res.wantStatus(t, http.StatusAccepted)
	var o orderBody
	res.json(t, &o)
	o = h.waitOrder(c.token, o.ID, 20*time.Second)
	if o.Status != "completed" || o.Kind != "renewal" {
		t.Fatalf("renewal %+v", o)
	}
	want := 1
	if fault != "" {
		want = 2
	}
	if n := h.calls("RenewalResources"); n != want {
		t.Fatalf("RenewalResources called %d times", n)
	}
	if n := h.calls("PayOrders"); n != 2 { // the purchase and the renewal
		t.Fatalf("PayOrders called %d times", n)
	}
	avail, held := h.ledgerOf(c)
	if !held.IsZero() || !avail.Equal(dec("30.00")) || !h.simState().balance(c.huaweiID).Equal(avail) {
		t.Fatalf("ledger %s held %s, Huawei %s", avail, held, h.simState().balance(c.huaweiID))
	}
}

// TestUnsubscriptionRefund: unsubscribing books Huawei's refund to the
// ledger: the customer's available goes up by exactly what Huawei refunded.
func TestUnsubscriptionRefund(t *testing.T) {
	t.Parallel()
	h := newMoneyHarness(t)
	fin := h.staffToken("finance@example.com", "finance")
	c := h.orderCustomer(fin, "100.00")
	rid, _ := h.boughtResource(c)
	before, _ := h.ledgerOf(c)
	res := h.do(req{method: "POST", path: "/v1/unsubscriptions", token: c.token,
		body:   map[string]any{"resource_ids": []string{rid.String()}, "accept_fee": true, "reason_type": 5, "reason": "test"},
		header: map[string]string{"Idempotency-Key": newKey()}})
	res.wantStatus(t, http.StatusAccepted)
	var o orderBody
	res.json(t, &o)
	o = h.waitOrder(c.token, o.ID, 20*time.Second)
	if o.Status != "completed" || o.Kind != "unsubscription" || o.Refund == nil {
		t.Fatalf("unsubscription %+v", o)
	}
	refund := dec(o.Refund.Amount)
	if !refund.IsPositive() {
		t.Fatalf("refund %s", refund)
	}
	avail, held := h.ledgerOf(c)
	up := h.simState().balance(c.huaweiID)
	if !held.IsZero() || !avail.Equal(before.Add(refund)) || !up.Equal(avail) {
		t.Fatalf("before %s, refund %s, ledger %s (held %s), Huawei %s", before, refund, avail, held, up)
	}
}

// TestUnsubscriptionUnknown: the unsubscribe's answer is lost after Huawei
// made the unsubscribe order: it is found by reading back, not sent again,
// and its refund is booked once.
func TestUnsubscriptionUnknown(t *testing.T) {
	t.Parallel()
	h := newMoneyHarness(t)
	fin := h.staffToken("finance@example.com", "finance")
	c := h.orderCustomer(fin, "100.00")
	rid, _ := h.boughtResource(c)
	before, _ := h.ledgerOf(c)
	h.simFault(map[string]any{"operation": "CancelResourcesSubscription", "kind": "commit_then_5xx", "count": 1})
	res := h.do(req{method: "POST", path: "/v1/unsubscriptions", token: c.token,
		body:   map[string]any{"resource_ids": []string{rid.String()}, "accept_fee": true},
		header: map[string]string{"Idempotency-Key": newKey()}})
	res.wantStatus(t, http.StatusAccepted)
	var o orderBody
	res.json(t, &o)
	o = h.waitOrder(c.token, o.ID, 20*time.Second)
	if o.Status != "completed" || o.Refund == nil {
		t.Fatalf("unsubscription %+v", o)
	}
	if n := h.calls("CancelResourcesSubscription"); n != 1 {
		t.Fatalf("CancelResourcesSubscription called %d times", n)
	}
	avail, _ := h.ledgerOf(c)
	if !avail.Equal(before.Add(dec(o.Refund.Amount))) || !h.simState().balance(c.huaweiID).Equal(avail) {
		t.Fatalf("ledger %s, Huawei %s, refund %s", avail, h.simState().balance(c.huaweiID), o.Refund.Amount)
	}
}
