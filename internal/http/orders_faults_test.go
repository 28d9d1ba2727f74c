package http_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
)

// TestOrderPaymentFaults: PayOrders failing in each way. An unknown
// outcome is read back from the Huawei order, never paid again: paid →
// completed; still pending after the settle delay → cancelled at Huawei,
// the hold released, the order failed. A definite refusal releases at once.
func TestOrderPaymentFaults(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		fault  map[string]any
		status string
		code   string
	}{
		{map[string]any{"operation": "PayOrders", "kind": "fail_before_commit", "count": 1}, "failed", "payment_failed"},
		{map[string]any{"operation": "PayOrders", "kind": "error", "count": 1, "status": 400, "error_code": "CBC.99003106", "error_msg": "The order status has changed and no payment can be made."}, "failed", "payment_failed"},
		{map[string]any{"operation": "PayOrders", "kind": "commit_then_5xx", "count": 1}, "completed", ""},
		{map[string]any{"operation": "PayOrders", "kind": "commit_then_hang", "count": 1}, "completed", ""},
	} {
		t.Run(tc.fault["kind"].(string), func(t *testing.T) {
			t.Parallel()
			h := newMoneyHarness(t, withCallTimeout(2*time.Second))
			fin := h.staffToken("finance@example.com", "finance")
			c := h.orderCustomer(fin, "100.00")
			q := h.quote(c, h.evsProduct(), 100, "35.00", time.Hour)
			h.simFault(tc.fault)
			o := h.waitOrder(c.token, h.ordered(c, q).ID, 30*time.Second)
			if o.Status != tc.status || (tc.code != "" && (o.Error == nil || o.Error.Code != tc.code)) {
				t.Fatalf("order %+v", o)
			}
			if n := h.calls("PayOrders"); n != 1 {
				t.Fatalf("PayOrders called %d times", n)
			}
			avail, held := h.ledgerOf(c)
			if !held.IsZero() {
				t.Fatalf("held %s", held)
			}
			want := dec("100.00")
			if tc.status == "completed" {
				want = dec("65.00")
			}
			if up := h.simState().balance(c.huaweiID); !avail.Equal(want) || !up.Equal(want) {
				t.Fatalf("ledger %s, Huawei %s, want %s", avail, up, want)
			}
		})
	}
}

// TestOrderCreateFaults: the create's outcome unknown (5xx after Huawei
// made the order): the resend carries the same client token, so Huawei
// answers with the first order; one order is paid, once.
func TestOrderCreateFaults(t *testing.T) {
	t.Parallel()
	h := newMoneyHarness(t)
	fin := h.staffToken("finance@example.com", "finance")
	c := h.orderCustomer(fin, "100.00")
	q := h.quote(c, h.evsProduct(), 100, "35.00", time.Hour)
	h.simFault(map[string]any{"operation": "CreateVolume", "kind": "commit_then_5xx", "count": 1})
	o := h.waitOrder(c.token, h.ordered(c, q).ID, 30*time.Second)
	if o.Status != "completed" {
		t.Fatalf("order %+v", o)
	}
	if n := h.calls("CreateVolume"); n != 2 {
		t.Fatalf("CreateVolume called %d times", n)
	}
	if n := len(h.simOrders(c.huaweiID)); n != 1 {
		t.Fatalf("%d Huawei orders", n)
	}
	if avail, _ := h.ledgerOf(c); !avail.Equal(dec("65.00")) || !h.simState().balance(c.huaweiID).Equal(avail) {
		t.Fatalf("ledger %s", avail)
	}
}

// TestOrderProvisioningFails: Huawei took the money, processed the order
// (status 3 for a while), then failed to provision it and refunded it in
// full with an unsubscribe order of its own: the refund is booked, the
// order says provisioning_failed, and the ledger matches Huawei.
func TestOrderProvisioningFails(t *testing.T) {
	t.Parallel()
	h := newMoneyHarness(t)
	fin := h.staffToken("finance@example.com", "finance")
	c := h.orderCustomer(fin, "100.00")
	h.simDo("POST", "/_sim/provisioning", map[string]any{"customer_id": c.huaweiID, "processing": "1s", "fail_next": 1}, nil)
	o := h.waitOrder(c.token, h.ordered(c, h.quote(c, h.evsProduct(), 100, "35.00", time.Hour)).ID, 30*time.Second)
	if o.Status != "failed" || o.Error == nil || o.Error.Code != "provisioning_failed" || o.Refund == nil || o.Refund.Amount != "35.00" {
		t.Fatalf("order %+v", o)
	}
	avail, held := h.ledgerOf(c)
	if !held.IsZero() || !avail.Equal(dec("100.00")) || !h.simState().balance(c.huaweiID).Equal(avail) {
		t.Fatalf("ledger %s (held %s), Huawei %s", avail, held, h.simState().balance(c.huaweiID))
	}
}

// TestOrderSecondLineRefused: the first line's Huawei order exists when
// Huawei refuses the second line's create; the saga cancels the first,
// releases every hold and fails the order, and its job ends without an
// error (nothing is called with a missing order id).
func TestOrderSecondLineRefused(t *testing.T) {
	t.Parallel()
	h := newMoneyHarness(t)
	fin := h.staffToken("finance@example.com", "finance")
	c := h.orderCustomer(fin, "500.00")
	admin := h.admin().AccessToken
	ecs := h.createProduct(admin, ecsProduct("s6.small.1.linux"))
	evs := h.createProduct(admin, sasDisk())
	res := h.do(req{method: "POST", path: "/v1/quotes", token: c.token, body: map[string]any{"lines": []any{
		line(ecs.ID, "month", 1, 1, nil), line(evs.ID, "month", 1, 1, intp(100))}}})
	res.wantStatus(t, http.StatusCreated)
	var q quoteBody
	res.json(t, &q)
	h.simFault(map[string]any{"operation": "CreateVolume", "kind": "error", "count": 1, "status": 400,
		"error_code": "EVS.0001", "error_msg": "Invalid parameter."})
	o := h.waitOrder(c.token, h.ordered(c, uuid.MustParse(q.ID)).ID, 20*time.Second)
	if o.Status != "failed" {
		t.Fatalf("order %+v", o)
	}
	if avail, held := h.ledgerOf(c); !held.IsZero() || !avail.Equal(dec("500.00")) {
		t.Fatalf("ledger %s (held %s)", avail, held)
	}
	if n := h.calls("PayOrders"); n != 0 {
		t.Fatalf("PayOrders called %d times", n)
	}
	var errs int
	if err := h.pool.QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE kind = 'order' AND errors IS NOT NULL AND errors <> '{}'`).Scan(&errs); err != nil {
		t.Fatal(err)
	}
	if errs != 0 {
		var text string
		_ = h.pool.QueryRow(context.Background(), `SELECT errors::text FROM river_job WHERE kind = 'order' AND errors IS NOT NULL AND errors <> '{}' LIMIT 1`).Scan(&text)
		t.Fatalf("%d order job attempts ended in an error: %s", errs, text)
	}
}
