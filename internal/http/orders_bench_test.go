package http_test

import (
	"net/http"
	"slices"
	"testing"
	"time"
)

// TestOrderSagaLatency measures an order end to end (POST /v1/orders →
// completed: hold, CreateVolume, ShowCustomerOrderDetails, PayOrders,
// provisioning, capture) against the in-process simulator, sequentially, and
// logs p50/p95/max. ORDER_BENCH_N sets the count (default 20):
//
//	ORDER_BENCH_N=100 go test ./internal/http/ -run TestOrderSagaLatency -v
func TestOrderSagaLatency(t *testing.T) {
	h := newMoneyHarness(t, withoutRateLimits())
	fin := h.staffToken("finance@example.com", "finance")
	n := envInt("ORDER_BENCH_N", 20)
	c := h.orderCustomer(fin, "100000.00")
	p := h.evsProduct()
	var took []time.Duration
	for range n {
		q := h.quote(c, p, 10, "3.50", time.Hour)
		start := time.Now()
		res := h.placeOrder(c, q, newKey())
		res.wantStatus(t, http.StatusAccepted)
		var o orderBody
		res.json(t, &o)
		for o.Status != "completed" {
			if o.Status == "failed" || o.Status == "needs_review" || time.Since(start) > 20*time.Second {
				t.Fatalf("order %+v", o)
			}
			time.Sleep(2 * time.Millisecond)
			o = h.getOrder(c.token, o.ID)
		}
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	t.Logf("order saga end to end, %d orders: p50 %s, p95 %s, max %s", n, took[n/2], took[n*95/100], took[n-1])
}
