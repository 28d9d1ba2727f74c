package http_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/partnerlab/storefront/internal/domain"
)

// TestOrderHappyPath: hold → create → check price → pay → provision →
// completed; Huawei's balance and the ledger agree and nothing stays held.
func TestOrderHappyPath(t *testing.T) {
	t.Parallel()
	h := newMoneyHarness(t)
	fin := h.staffToken("finance@example.com", "finance")
	c := h.orderCustomer(fin, "100.00")
	q := h.quote(c, h.evsProduct(), 100, "35.00", time.Hour)

	o := h.ordered(c, q)
	if o.Status != "pending" || o.Total.Amount != "35.00" || o.step("hold") != "done" {
		t.Fatalf("accepted %+v", o)
	}
	if avail, held := h.ledgerOf(c); !avail.Equal(dec("65.00")) || !held.Equal(dec("35.00")) {
		t.Fatalf("after acceptance: available %s held %s", avail, held)
	}
	o = h.waitOrder(c.token, o.ID, 20*time.Second)
	if o.Status != "completed" {
		t.Fatalf("order %+v", o)
	}
	for _, st := range []string{"create_order", "check_price", "pay", "provision", "capture"} {
		if o.step(st) != "done" {
			t.Fatalf("step %s is %q: %+v", st, o.step(st), o.Steps)
		}
	}
	if len(o.UpstreamOrderIDs) != 1 {
		t.Fatalf("upstream orders %v", o.UpstreamOrderIDs)
	}
	avail, held := h.ledgerOf(c)
	if !held.IsZero() || !avail.Equal(dec("65.00")) {
		t.Fatalf("ledger: available %s held %s", avail, held)
	}
	if up := h.simState().balance(c.huaweiID); !up.Equal(avail) {
		t.Fatalf("Huawei %s, ledger %s", up, avail)
	}
	if n := h.calls("PayOrders"); n != 1 {
		t.Fatalf("PayOrders called %d times", n)
	}
	// The customer's timeline shows the order.
	var events struct {
		Items []struct {
			Action string `json:"action"`
		} `json:"items"`
	}
	res0 := h.do(req{method: "GET", path: "/v1/customers/" + c.id.String() + "/events?limit=100", token: h.admin().AccessToken})
	res0.wantStatus(t, http.StatusOK)
	res0.json(t, &events)
	var acts []string
	for _, e := range events.Items {
		acts = append(acts, e.Action)
	}
	if !hasAll(acts, "order.created", "order.upstream_created", "order.paid", "order.completed", "money.payment.succeeded") {
		t.Fatalf("timeline %v", acts)
	}
	// Listed for the customer, and for staff with filters.
	var page struct {
		Items []orderBody `json:"items"`
	}
	res := h.do(req{method: "GET", path: "/v1/orders", token: c.token})
	res.wantStatus(t, http.StatusOK)
	res.json(t, &page)
	if len(page.Items) != 1 || page.Items[0].ID != o.ID {
		t.Fatalf("list %+v", page.Items)
	}
	res = h.do(req{method: "GET", path: "/v1/orders?status=completed&customer_id=" + c.id.String(), token: fin})
	res.wantStatus(t, http.StatusOK)
	res.json(t, &page)
	if len(page.Items) != 1 {
		t.Fatalf("staff list %+v", page.Items)
	}
	// The payments are money operations like any other: the customer sees
	// them, each naming its order and the Huawei order it paid.
	var ops struct {
		Items []struct {
			Kind        string  `json:"kind"`
			Status      string  `json:"status"`
			OrderID     *string `json:"order_id"`
			UpstreamRef *string `json:"upstream_ref"`
		} `json:"items"`
	}
	res = h.do(req{method: "GET", path: "/v1/money-operations?kind=payment", token: c.token})
	res.wantStatus(t, http.StatusOK)
	res.json(t, &ops)
	if len(ops.Items) == 0 {
		t.Fatal("no payment operations listed")
	}
	for _, op := range ops.Items {
		if op.Kind != "payment" || op.Status != "succeeded" || op.OrderID == nil || *op.OrderID != o.ID || op.UpstreamRef == nil {
			t.Fatalf("payment %+v", op)
		}
	}
	// The quote is used now.
	h.placeOrder(c, q, newKey()).wantProblem(t, http.StatusConflict, "quote_used")
}

// TestOrderRefusals: what is refused before anything reaches Huawei.
func TestOrderRefusals(t *testing.T) {
	t.Parallel()
	h := newMoneyHarness(t)
	fin := h.staffToken("finance@example.com", "finance")
	c := h.orderCustomer(fin, "10.00")
	other := h.orderCustomer(fin, "")
	p := h.evsProduct()

	h.placeOrder(c, h.quote(c, p, 100, "35.00", time.Hour), newKey()).wantProblem(t, http.StatusConflict, "insufficient_balance")
	h.placeOrder(c, h.quote(c, p, 10, "3.50", -time.Minute), newKey()).wantProblem(t, http.StatusConflict, "quote_expired")
	h.placeOrder(c, h.quote(other, p, 10, "3.50", time.Hour), newKey()).wantProblem(t, http.StatusNotFound, "not_found")
	if _, err := h.pool.Exec(context.Background(), `UPDATE customers SET realname_status = 'in_review' WHERE id = $1`, other.id); err != nil {
		t.Fatal(err)
	}
	h.placeOrder(other, h.quote(other, p, 10, "3.50", time.Hour), newKey()).wantProblem(t, http.StatusForbidden, "customer_not_verified")
	if n := h.calls("CreateVolume"); n != 0 {
		t.Fatalf("CreateVolume called %d times", n)
	}
	if h.count("orders") != 0 {
		t.Fatal("an order was written")
	}
	if avail, held := h.ledgerOf(c); !avail.Equal(dec("10.00")) || !held.IsZero() {
		t.Fatalf("ledger: available %s held %s", avail, held)
	}
	// The same key answers the same order (replayed).
	q := h.quote(c, p, 10, "3.50", time.Hour)
	key := newKey()
	first := h.placeOrder(c, q, key)
	first.wantStatus(t, http.StatusAccepted)
	again := h.placeOrder(c, q, key)
	again.wantStatus(t, http.StatusAccepted)
	var a, b orderBody
	first.json(t, &a)
	again.json(t, &b)
	if a.ID != b.ID {
		t.Fatalf("two orders for one key: %s %s", a.ID, b.ID)
	}
	h.waitOrder(c.token, a.ID, 20*time.Second)
}

// TestOrderPriceChanged: Huawei's price moved after the quote: the Huawei
// order is cancelled, the hold released, nothing paid.
func TestOrderPriceChanged(t *testing.T) {
	t.Parallel()
	h := newMoneyHarness(t)
	fin := h.staffToken("finance@example.com", "finance")
	c := h.orderCustomer(fin, "100.00")
	q := h.quote(c, h.evsProduct(), 100, "35.00", time.Hour)
	h.sim.SetPartnerDiscount(c.huaweiID, decimal.RequireFromString("10"))
	o := h.waitOrder(c.token, h.ordered(c, q).ID, 20*time.Second)
	if o.Status != "failed" || o.Error == nil || o.Error.Code != "price_changed" {
		t.Fatalf("order %+v", o)
	}
	if h.calls("PayOrders") != 0 {
		t.Fatal("paid")
	}
	for _, so := range h.simOrders(c.huaweiID) {
		if so["status"].(float64) != 4 {
			t.Fatalf("Huawei order not cancelled: %+v", so)
		}
	}
	if avail, held := h.ledgerOf(c); !avail.Equal(dec("100.00")) || !held.IsZero() {
		t.Fatalf("ledger: available %s held %s", avail, held)
	}
}

// TestOrderCancel: an order not yet paying is cancelled: Huawei's order
// cancelled (if created), the hold released; a completed one is not.
func TestOrderCancel(t *testing.T) {
	t.Parallel()
	h := newMoneyHarness(t)
	fin := h.staffToken("finance@example.com", "finance")
	c := h.orderCustomer(fin, "100.00")
	p := h.evsProduct()
	// Hold the saga at create (Huawei slow) so the cancel comes first.
	h.simFault(map[string]any{"operation": "CreateVolume", "kind": "latency", "count": 1, "latency": "1s"})
	o := h.ordered(c, h.quote(c, p, 100, "35.00", time.Hour))
	res := h.do(req{method: "POST", path: "/v1/orders/" + o.ID + "/cancel", token: c.token, header: map[string]string{"Idempotency-Key": newKey()}})
	res.wantStatus(t, http.StatusAccepted)
	o = h.waitOrder(c.token, o.ID, 20*time.Second)
	if o.Status != "cancelled" {
		t.Fatalf("order %+v", o)
	}
	if h.calls("PayOrders") != 0 {
		t.Fatal("paid")
	}
	for _, so := range h.simOrders(c.huaweiID) {
		if so["status"].(float64) != 4 {
			t.Fatalf("Huawei order not cancelled: %+v", so)
		}
	}
	if avail, held := h.ledgerOf(c); !avail.Equal(dec("100.00")) || !held.IsZero() {
		t.Fatalf("ledger: available %s held %s", avail, held)
	}
	done := h.waitOrder(c.token, h.ordered(c, h.quote(c, p, 10, "3.50", time.Hour)).ID, 20*time.Second)
	res = h.do(req{method: "POST", path: "/v1/orders/" + done.ID + "/cancel", token: c.token, header: map[string]string{"Idempotency-Key": newKey()}})
	res.wantProblem(t, http.StatusConflict, "order_not_cancellable")
}

// TestOrderSyncedFromHuawei: an order placed and paid at Huawei (the
// console) becomes an order with source huawei, booked as spend exactly
// once, also when reconciliation runs after it and again.
func TestOrderSyncedFromHuawei(t *testing.T) {
	t.Parallel()
	h := newMoneyHarness(t)
	fin := h.staffToken("finance@example.com", "finance")
	c := h.orderCustomer(fin, "5000.00")
	// A storefront order first: it must not be synced a second time.
	mine := h.waitOrder(c.token, h.ordered(c, h.quote(c, h.evsProduct(), 100, "35.00", time.Hour)).ID, 20*time.Second)
	if mine.Status != "completed" {
		t.Fatalf("order %+v", mine)
	}
	ctx := context.Background()
	po, err := h.cloud.CreatePrepaidServer(ctx, c.huaweiID, domain.CloudServerOrder{
		Region: "cn-north-4", Name: "web", ImageRef: "img-ubuntu-22.04", FlavorRef: "s6.small.1", VPCID: "vpc-1",
		SubnetIDs: []string{"subnet-1"}, AvailabilityZone: "cn-north-4a", RootVolume: domain.CloudDiskSpec{Type: "SAS", SizeGB: 40},
		Period: domain.CloudPeriodMonth, Periods: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.cloud.PayOrder(ctx, c.huaweiID, domain.CloudPayOrder{OrderID: po.OrderID}); err != nil {
		t.Fatal(err)
	}
	huawei := h.simState().balance(c.huaweiID)
	for range 2 {
		run := h.reconcile(fin)
		if len(run.Items) != 0 {
			t.Fatalf("items %+v", run.Items)
		}
		if err := h.svc.Commerce.SyncOrders(ctx, c.id); err != nil {
			t.Fatal(err)
		}
	}
	if avail, held := h.ledgerOf(c); !avail.Equal(huawei) || !held.IsZero() {
		t.Fatalf("ledger %s (held %s), Huawei %s", avail, held, huawei)
	}
	var page struct {
		Items []orderBody `json:"items"`
	}
	res := h.do(req{method: "GET", path: "/v1/orders?source=huawei", token: c.token})
	res.wantStatus(t, http.StatusOK)
	res.json(t, &page)
	if len(page.Items) != 1 || page.Items[0].Status != "completed" || len(page.Items[0].UpstreamOrderIDs) != 1 || page.Items[0].UpstreamOrderIDs[0] != po.OrderID {
		t.Fatalf("huawei orders %+v", page.Items)
	}
	var spends int
	_ = h.pool.QueryRow(ctx, `SELECT count(*) FROM ledger_transfers WHERE kind = 'spend'`).Scan(&spends)
	var ref string
	_ = h.pool.QueryRow(ctx, `SELECT reference FROM ledger_transfers WHERE kind = 'spend'`).Scan(&ref)
	if spends != 1 || ref != "order:"+po.OrderID {
		t.Fatalf("%d spend transfers, reference %q", spends, ref)
	}
}

// TestOrderConcurrent: orders of one customer placed at once: the holds
// admit only what the balance covers (the rest 409 before Huawei), and the
// payments go through the customer's one slot one at a time.
func TestOrderConcurrent(t *testing.T) {
	t.Parallel()
	h := newMoneyHarness(t)
	fin := h.staffToken("finance@example.com", "finance")
	c := h.orderCustomer(fin, "110.00")
	p := h.evsProduct()
	const n = 5
	quotes := make([]uuid.UUID, n)
	for i := range quotes {
		quotes[i] = h.quote(c, p, 100, "35.00", time.Hour)
	}
	// A money operation of the customer competes for the slot too.
	h.accepted(fin, "allocations", c.id, "1.00")
	res := make(chan response, n)
	for _, q := range quotes {
		go func() { res <- h.placeOrder(c, q, newKey()) }()
	}
	var ids []string
	refused := 0
	for range n {
		r := <-res
		switch r.status {
		case http.StatusAccepted:
			var o orderBody
			r.json(t, &o)
			ids = append(ids, o.ID)
		case http.StatusConflict:
			r.wantProblem(t, http.StatusConflict, "insufficient_balance")
			refused++
		default:
			t.Fatalf("status %d: %s", r.status, r.body)
		}
	}
	if len(ids) != 3 || refused != 2 {
		t.Fatalf("%d accepted, %d refused", len(ids), refused)
	}
	for _, id := range ids {
		if o := h.waitOrder(c.token, id, 30*time.Second); o.Status != "completed" {
			t.Fatalf("order %+v", o)
		}
	}
	h.settled(10 * time.Second)
	avail, held := h.ledgerOf(c)
	if !held.IsZero() || !avail.Equal(dec("6.00")) || !h.simState().balance(c.huaweiID).Equal(avail) {
		t.Fatalf("ledger %s (held %s), Huawei %s", avail, held, h.simState().balance(c.huaweiID))
	}
}

// TestOrderServer: an ECS server (flavour, image, root disk) through the
// same saga.
func TestOrderServer(t *testing.T) {
	t.Parallel()
	h := newMoneyHarness(t)
	fin := h.staffToken("finance@example.com", "finance")
	c := h.orderCustomer(fin, "100.00")
	id := uuid.Must(uuid.NewV7())
	// FIXTURE: a catalogue row as the catalogue's use case writes it.
	if _, err := h.pool.Exec(context.Background(), `INSERT INTO catalog_products (id, kind, name, region, availability_zone, spec, service_type,
		resource_type, period_types, max_months, max_years, image_ref, root_volume_type, root_volume_gb, created_at, updated_at)
		VALUES ($1, 'ecs', 'small', 'cn-north-4', 'cn-north-4a', 's6.small.1.linux', 'hws.service.type.ec2', 'hws.resource.type.vm',
		ARRAY['month'], 11, NULL, 'img-ubuntu-22.04', 'SAS', 40, now(), now())`, id); err != nil {
		t.Fatal(err)
	}
	o := h.waitOrder(c.token, h.ordered(c, h.quote(c, id, 0, "46.20", time.Hour)).ID, 20*time.Second)
	if o.Status != "completed" {
		t.Fatalf("order %+v", o)
	}
	avail, held := h.ledgerOf(c)
	if !held.IsZero() || !avail.Equal(dec("53.80")) || !h.simState().balance(c.huaweiID).Equal(avail) {
		t.Fatalf("ledger %s (held %s), Huawei %s", avail, held, h.simState().balance(c.huaweiID))
	}
}
