package bsssim

import (
	"net/http"
	"testing"
	"time"

	bssmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"
	ecsmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ecs/v2/model"
	evsmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/evs/v2/model"
	"github.com/shopspring/decimal"
)

func (b *buyer) renew(autoPay int32, periodNum int32, ids ...string) (*bssmodel.RenewalResourcesResponse, error) {
	return b.bss.RenewalResources(&bssmodel.RenewalResourcesRequest{Body: &bssmodel.RenewalResourcesReq{
		ResourceIds: ids, PeriodType: periodMonth, PeriodNum: periodNum, IsAutoPay: ptrTo(autoPay),
	}})
}

func (b *buyer) mustRenew(periodNum int32, id string) string {
	b.t.Helper()
	resp, err := b.renew(0, periodNum, id)
	if err != nil || resp.OrderIds == nil || len(*resp.OrderIds) != 1 {
		b.t.Fatalf("RenewalResources: %v %+v", err, resp)
	}
	return (*resp.OrderIds)[0]
}

func (b *buyer) ordersOfType(typ string) []bssmodel.CustomerOrderV2 {
	b.t.Helper()
	list, err := b.h.bss.ListCustomerOrders(&bssmodel.ListCustomerOrdersRequest{CustomerId: &b.id, OrderType: ptrTo(typ)})
	if err != nil {
		b.t.Fatalf("ListCustomerOrders: %v", err)
	}
	return *list.OrderInfos
}

// A renewal left unpaid while the resource's retention runs out is
// cancelled with the resource; paying it afterwards debits nothing.
func TestRenewalOrderCancelledWhenResourceDeleted(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	b := newBuyer(t, h, "renew-deleted", "1000")
	orderID, serverID := b.ecsOrder("s6.small.1", "month", 1, nil)
	b.mustPay(orderID)
	b.advance("745h") // expired: in retention until 720h + 15 days
	b.advance("240h")
	if st := *b.resource(serverID).Status; st != resExpired {
		t.Fatalf("status %d in retention", st)
	}
	renewID := b.mustRenew(1, serverID)
	before := b.balance()

	b.advance("100h") // retention over; the renewal's own deadline is still ahead
	if rs := b.resources(bssmodel.QueryResourcesReq{}); len(rs) != 0 {
		t.Fatalf("%d resources after retention", len(rs))
	}
	if st := *b.order(renewID).OrderInfo.Status; st != orderCancelled {
		t.Fatalf("renewal of a deleted resource: status %d, want %d", st, orderCancelled)
	}
	sdkErr(t, b.pay(renewID), http.StatusBadRequest, "CBC.99003106")
	wantDec(t, "balance", b.balance(), before.StringFixed(2))
}

// A renewal left unpaid while the resource converts to on-demand at expiry
// is cancelled: the resource left the yearly/monthly system.
func TestRenewalOrderCancelledWhenResourceGoesOnDemand(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	b := newBuyer(t, h, "renew-on-demand", "1000")
	orderID, serverID := b.ecsOrder("s6.small.1", "month", 1, nil)
	b.mustPay(orderID)
	b.advance("700h")
	renewID := b.mustRenew(1, serverID)
	if resp, err := b.bss.UpdatePeriodToOnDemand(&bssmodel.UpdatePeriodToOnDemandRequest{Body: &bssmodel.PeriodToOnDemandReq{
		Operation: "SET_UP", ResourceIds: []string{serverID}}}); err != nil || len(*resp.ErrorDetails) != 0 {
		t.Fatalf("to on-demand: %v %+v", err, resp)
	}
	before := b.balance()
	b.advance("45h") // past expiry (720h)
	if st := *b.order(renewID).OrderInfo.Status; st != orderCancelled {
		t.Fatalf("renewal of an on-demand resource: status %d", st)
	}
	sdkErr(t, b.pay(renewID), http.StatusBadRequest, "CBC.99003106")
	wantDec(t, "balance", b.balance(), before.StringFixed(2))
	closed := b.resources(bssmodel.QueryResourcesReq{StatusList: &[]int32{resClosed}, OnlyMainResource: ptrTo(int32(1))})
	if len(closed) != 1 || parseWire(t, closed[0].ExpireTime).After(b.now()) {
		t.Fatalf("the closed resource must not have been extended: %+v", closed)
	}
}

// RenewalResources with auto-pay changes nothing unless it can pay for
// every resource it accepts.
func TestRenewalAutoPayAllOrNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	b := newBuyer(t, h, "renew-autopay", "300")
	o1, s1 := b.ecsOrder("s6.small.1", "month", 1, nil)
	o2, s2 := b.ecsOrder("s6.small.1", "month", 1, nil)
	b.mustPay(o1)
	b.mustPay(o2)
	wantDec(t, "balance after two purchases", b.balance(), "162.82")
	exp1 := parseWire(t, b.resource(s1).ExpireTime)
	exp2 := parseWire(t, b.resource(s2).ExpireTime)

	// Two months each: 137.18 per server, 274.36 in all. One would fit.
	_, err := b.renew(1, 2, s1, s2)
	sdkErr(t, err, http.StatusBadRequest, "CBC.30050006")
	wantDec(t, "balance after a refused auto-pay", b.balance(), "162.82")
	if rs := b.ordersOfType("2"); len(rs) != 0 {
		t.Fatalf("a refused auto-pay renewal created %d orders", len(rs))
	}
	if got := parseWire(t, b.resource(s1).ExpireTime); !got.Equal(exp1) {
		t.Fatalf("expiry moved to %s", got)
	}
	// Nothing is locked: a manual renewal of the same resources goes through.
	resp, err := b.renew(0, 1, s1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.bss.CancelCustomerOrder(&bssmodel.CancelCustomerOrderRequest{Body: &bssmodel.CancelCustomerOrderReq{OrderId: (*resp.OrderIds)[0]}}); err != nil {
		t.Fatal(err)
	}

	h.fund(b.id, "200")
	resp, err = b.renew(1, 2, s1, s2, "gone")
	if err != nil {
		t.Fatal(err)
	}
	if resp.OrderIds == nil || len(*resp.OrderIds) != 2 || len(*resp.FailResourceInfos) != 1 {
		t.Fatalf("auto-paid renewal answer %+v", resp)
	}
	for _, id := range *resp.OrderIds {
		if st := *b.order(id).OrderInfo.Status; st != orderCompleted {
			t.Fatalf("auto-paid renewal %s: status %d", id, st)
		}
	}
	wantDec(t, "balance after paying both", b.balance(), "88.46")
	for id, exp := range map[string]time.Time{s1: exp1, s2: exp2} {
		if got := parseWire(t, b.resource(id).ExpireTime); !got.Equal(addPeriod(exp, periodMonth, 2)) {
			t.Fatalf("%s expires %s, want %s + 2 months", id, got, exp)
		}
	}
}

// ShowRefundOrderDetails names, per resource, the order that paid each
// refunded amount.
func TestRefundDetailsNameThePayingOrder(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	b := newBuyer(t, h, "refund-base", "1000")
	orderID, serverID := b.ecsOrder("s6.small.1", "month", 1, nil)
	b.mustPay(orderID)
	renewID := b.mustRenew(1, serverID)
	b.mustPay(renewID)
	b.advance("239h") // day 10 of the first 30-day term; no 5-day refund

	resp, err := unsubscribe(b, 1, serverID)
	if err != nil {
		t.Fatal(err)
	}
	refundID := (*resp.OrderIds)[0]
	type row struct {
		base   string
		amount string
	}
	got := map[string][]row{}
	var order []string
	for _, r := range refundRows(t, b, refundID) {
		if _, ok := got[r.ResourceTypeCode]; !ok {
			order = append(order, r.ResourceTypeCode)
		}
		got[r.ResourceTypeCode] = append(got[r.ResourceTypeCode], row{*r.BaseOrderId, r.Amount.StringFixed(2)})
	}
	// Server 30.59 a term: the first is 10/30 consumed (10.20), fee 10 % of
	// 20.39 (2.04), refund 18.35; the renewal has not started: all back.
	// Disk 38.00: consumed 12.67, fee 2.53, refund 22.80; renewal 38.00.
	want := map[string][]row{
		rtVM:     {{orderID, "-18.35"}, {orderID, "10.20"}, {orderID, "2.04"}, {renewID, "-30.59"}},
		rtVolume: {{orderID, "-22.80"}, {orderID, "12.67"}, {orderID, "2.53"}, {renewID, "-38.00"}},
	}
	if len(order) != 2 || order[0] != rtVM {
		t.Fatalf("resources in refund rows: %v", order)
	}
	for rt, w := range want {
		g := got[rt]
		if len(g) != len(w) {
			t.Fatalf("%s rows %+v, want %+v", rt, g, w)
		}
		for i := range w {
			if g[i] != w[i] {
				t.Fatalf("%s row %d = %+v, want %+v (all: %+v)", rt, i, g[i], w[i], g)
			}
		}
	}
	oi := b.order(refundID).OrderInfo
	wantDec(t, "refund", fen(oi.AmountAfterDiscount), "109.74")
	wantDec(t, "fee", fen(oi.AmountInfo.CommissionAmount), "4.57")
	wantDec(t, "consumed", fen(oi.AmountInfo.ConsumedAmount), "22.87")

	// Dropping only a renewed period names the renewal alone.
	o2, s2 := b.ecsOrder("s6.small.1", "month", 1, nil)
	b.mustPay(o2)
	r2 := b.mustRenew(1, s2)
	b.mustPay(r2)
	resp, err = unsubscribe(b, 2, s2)
	if err != nil {
		t.Fatal(err)
	}
	rows := refundRows(t, b, (*resp.OrderIds)[0])
	if len(rows) != 2 {
		t.Fatalf("renewal-only rows: %+v", rows)
	}
	for _, r := range rows {
		if *r.BaseOrderId != r2 || !r.Amount.IsNegative() {
			t.Fatalf("renewal-only row %+v: base %s, want %s", r, *r.BaseOrderId, r2)
		}
	}
}

// Paying after pending_payment_end_time answers CBC.99003110, through the
// wire after the tick cancelled the order and in the handler when no tick
// has run since the deadline.
func TestPayAfterDeadline(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	b := newBuyer(t, h, "late-pay", "1000")
	first, _ := b.ecsOrder("s6.small.1", "month", 1, nil)
	b.advance("169h")
	sdkErr(t, b.pay(first), http.StatusBadRequest, "CBC.99003110")
	if st := *b.order(first).OrderInfo.Status; st != orderCancelled {
		t.Fatalf("lapsed order status %d", st)
	}
	wantDec(t, "balance", b.balance(), "1000.00")

	second, _ := b.ecsOrder("s6.small.1", "month", 1, nil)
	h.sim.mu.Lock()
	o, _ := h.sim.com.order(second)
	c := &call{s: h.sim, Body: []byte(`{"order_id":"` + second + `","use_coupon":"NO","use_discount":"NO"}`),
		Now: *o.PaymentDeadline, Caller: caller{CustomerID: b.id}}
	_, aerr := h.sim.payOrders(c)
	status := o.Status
	h.sim.mu.Unlock()
	if aerr == nil || aerr.Code != "CBC.99003110" {
		t.Fatalf("pay at the deadline before any tick: %+v", aerr)
	}
	if status != orderCancelled {
		t.Fatalf("status %d after a refused late payment", status)
	}
	wantDec(t, "balance", b.balance(), "1000.00")
}

func (h *harness) setProvisioning(body map[string]any) []provisionJSON {
	h.t.Helper()
	var out struct {
		Settings []provisionJSON `json:"settings"`
	}
	h.admin(http.MethodPost, "/_sim/provisioning", body, &out, http.StatusOK)
	return out.Settings
}

// With a processing time, a paid purchase is processing (status 3, job
// RUNNING) and has no resources until it completes.
func TestProvisioningProcessing(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	b := newBuyer(t, h, "slow", "1000")
	other := newBuyer(t, h, "fast", "1000")
	set := h.setProvisioning(map[string]any{"processing": "1h", "customer_id": b.id})
	if len(set) != 1 || set[0].Processing != "1h0m0s" || set[0].CustomerID != b.id {
		t.Fatalf("settings %+v", set)
	}

	resp, err := b.createServer("s6.small.1", "month", 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	orderID, serverID := *resp.OrderId, (*resp.ServerIds)[0]
	b.mustPay(orderID)
	paid := b.now()
	if st := *b.order(orderID).OrderInfo.Status; st != orderProcessing {
		t.Fatalf("paid order status %d, want %d", st, orderProcessing)
	}
	wantDec(t, "debited at payment", b.balance(), "931.41")
	job, err := b.ecs.ShowJob(&ecsmodel.ShowJobRequest{JobId: *resp.JobId})
	if err != nil || job.Status.Value() != "RUNNING" {
		t.Fatalf("job while processing: %v %+v", err, job)
	}
	if rs := b.resources(bssmodel.QueryResourcesReq{OrderId: &orderID}); len(rs) != 0 {
		t.Fatalf("%d resources listed while processing", len(rs))
	}
	list, err := h.bss.ListCustomerOrders(&bssmodel.ListCustomerOrdersRequest{CustomerId: &b.id, Status: ptrTo(int32(orderProcessing))})
	if err != nil || *list.TotalCount != 1 {
		t.Fatalf("status 3 filter: %v %+v", err, list)
	}
	sdkErr(t, b.pay(orderID), http.StatusBadRequest, "CBC.99003106")

	// Another customer is not affected.
	o2, _ := other.ecsOrder("s6.small.1", "month", 1, nil)
	other.mustPay(o2)
	if st := *other.order(o2).OrderInfo.Status; st != orderCompleted {
		t.Fatalf("unaffected customer's order status %d", st)
	}

	b.advance("1h")
	if st := *b.order(orderID).OrderInfo.Status; st != orderCompleted {
		t.Fatalf("after processing: status %d", st)
	}
	job, err = b.ecs.ShowJob(&ecsmodel.ShowJobRequest{JobId: *resp.JobId})
	if err != nil || job.Status.Value() != "SUCCESS" {
		t.Fatalf("job after processing: %v %+v", err, job)
	}
	vm := b.resource(serverID)
	if eff := parseWire(t, vm.EffectiveTime); eff.Before(paid.Add(time.Hour)) || *vm.Status != resInUse {
		t.Fatalf("resource effective %s (paid %s), status %d", eff, paid, *vm.Status)
	}

	h.admin(http.MethodDelete, "/_sim/provisioning", nil, nil, http.StatusOK)
	o3, _ := b.ecsOrder("s6.small.1", "month", 1, nil)
	b.mustPay(o3)
	if st := *b.order(o3).OrderInfo.Status; st != orderCompleted {
		t.Fatalf("after clearing the knob: status %d", st)
	}
	h.admin(http.MethodPost, "/_sim/provisioning", map[string]any{"processing": "-1s"}, nil, http.StatusBadRequest)
	h.admin(http.MethodPost, "/_sim/provisioning", map[string]any{"fail_next": 1, "customer_id": "nobody"}, nil, http.StatusNotFound)
}

// A scripted provisioning failure: the job fails, no resource is ever
// listed, and the system unsubscribes the purchase with a full refund.
func TestProvisioningFailure(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	b := newBuyer(t, h, "doomed", "1000")
	h.setProvisioning(map[string]any{"fail_next": 1})

	resp, err := b.createServer("s6.small.1", "month", 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	orderID := *resp.OrderId
	b.mustPay(orderID)
	wantDec(t, "balance after a failed provisioning", b.balance(), "1000.00")
	if st := *b.order(orderID).OrderInfo.Status; st != orderCompleted {
		t.Fatalf("failed purchase status %d", st)
	}
	job, err := b.ecs.ShowJob(&ecsmodel.ShowJobRequest{JobId: *resp.JobId})
	if err != nil || job.Status.Value() != "FAIL" || job.FailReason == nil || *job.FailReason == "" {
		t.Fatalf("job of a failed provisioning: %v %+v", err, job)
	}
	if rs := b.resources(bssmodel.QueryResourcesReq{StatusList: &[]int32{resInUse, resClosed, resFrozen, resExpired}}); len(rs) != 0 {
		t.Fatalf("a failed provisioning listed %d resources", len(rs))
	}
	unsubs := b.ordersOfType("4")
	if len(unsubs) != 1 {
		t.Fatalf("%d unsubscribe orders", len(unsubs))
	}
	u := unsubs[0]
	if *u.SourceType != sourceSystem || *u.Status != orderCompleted {
		t.Fatalf("system unsubscribe order %+v", u)
	}
	wantDec(t, "refund", fen(u.AmountAfterDiscount), "68.59")
	wantDec(t, "fee", fen(u.AmountInfo.CommissionAmount), "0")
	wantDec(t, "consumed", fen(u.AmountInfo.ConsumedAmount), "0")
	sum := decimal.Zero
	rows := refundRows(t, b, *u.OrderId)
	for _, r := range rows {
		if *r.BaseOrderId != orderID || !r.Amount.IsNegative() {
			t.Fatalf("refund row %+v", r)
		}
		sum = sum.Add(*r.Amount)
	}
	if len(rows) != 2 || !sum.Equal(dec("-68.59")) {
		t.Fatalf("%d refund rows summing to %s", len(rows), sum)
	}

	// Used up: the next purchase provisions.
	o2, s2 := b.ecsOrder("s6.small.1", "month", 1, nil)
	b.mustPay(o2)
	if *b.resource(s2).Status != resInUse {
		t.Fatal("the next purchase did not provision")
	}

	// Processing and failure together, on EVS: RUNNING, then FAIL.
	h.setProvisioning(map[string]any{"processing": "30m", "fail_next": 1, "customer_id": b.id})
	vresp, err := b.evs.CreateVolume(volumeRequest(100, "month", 1, nil))
	if err != nil {
		t.Fatal(err)
	}
	before := b.balance()
	b.mustPay(*vresp.OrderId)
	job2, err := b.evs.ShowJob(&evsmodel.ShowJobRequest{JobId: *vresp.JobId})
	if err != nil || job2.Status.Value() != "RUNNING" {
		t.Fatalf("EVS job while processing: %v %+v", err, job2)
	}
	wantDec(t, "debited while processing", before.Sub(b.balance()), "95.00")
	b.advance("30m")
	job2, err = b.evs.ShowJob(&evsmodel.ShowJobRequest{JobId: *vresp.JobId})
	if err != nil || job2.Status.Value() != "FAIL" {
		t.Fatalf("EVS job after a failed provisioning: %v %+v", err, job2)
	}
	wantDec(t, "refunded", b.balance(), before.StringFixed(2))
	if rs := b.resources(bssmodel.QueryResourcesReq{OrderId: vresp.OrderId}); len(rs) != 0 {
		t.Fatalf("failed EVS purchase listed %d resources", len(rs))
	}
	if n := len(b.ordersOfType("4")); n != 2 {
		t.Fatalf("%d unsubscribe orders after the EVS failure", n)
	}
}
