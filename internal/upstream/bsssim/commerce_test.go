package bsssim

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bssmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"
	ecsmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ecs/v2/model"
)

func TestPrepaidOrderLifecycle(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	b := newBuyer(t, h, "lifecycle", "50")

	created := b.now()
	orderID, serverID := b.ecsOrder("s6.small.1", "month", 1, nil)
	if !strings.HasPrefix(orderID, "CS") || len(orderID) != 17 {
		t.Fatalf("order id %q does not look like a Huawei order id", orderID)
	}

	// The order waits for payment for 7 days.
	det := b.order(orderID)
	oi := det.OrderInfo
	if *oi.Status != orderPendingPayment || *oi.OrderType != orderNew || *oi.CustomerId != b.id {
		t.Fatalf("new order: status %d type %d customer %s", *oi.Status, *oi.OrderType, *oi.CustomerId)
	}
	deadline := parseWire(t, oi.PendingPaymentEndTime)
	if d := deadline.Sub(parseWire(t, oi.CreateTime)); d != 7*24*time.Hour {
		t.Fatalf("payment window %s", d)
	}
	// 32.20 + 40 GB SSD 40.00 = 72.20 list, 68.59 after the 5 % partner discount.
	wantDec(t, "official_amount", fen(oi.OfficialAmount), "72.20")
	wantDec(t, "amount_after_discount", fen(oi.AmountAfterDiscount), "68.59")
	if ds := *oi.AmountInfo.Discounts; len(ds) != 1 || *ds[0].DiscountType != "607" {
		t.Fatalf("amount_info.discounts %+v", ds)
	}
	if *det.TotalCount != 2 || len(*det.OrderLineItems) != 2 {
		t.Fatalf("line items: %d", *det.TotalCount)
	}
	line := (*det.OrderLineItems)[0]
	if *line.PeriodType != periodMonth || *line.PeriodNum != 1 || *line.ProductId == "" || line.EffectiveTime != nil {
		t.Fatalf("unpaid line: %+v", line)
	}

	// The partner sees it among the customer's pending orders; the list
	// pages and filters.
	list, err := h.bss.ListCustomerOrders(&bssmodel.ListCustomerOrdersRequest{CustomerId: &b.id, Status: ptrTo(int32(orderPendingPayment))})
	if err != nil {
		t.Fatal(err)
	}
	if *list.TotalCount != 1 || *(*list.OrderInfos)[0].OrderId != orderID {
		t.Fatalf("ListCustomerOrders: %+v", list)
	}
	list, err = h.bss.ListCustomerOrders(&bssmodel.ListCustomerOrdersRequest{CustomerId: &b.id, Status: ptrTo(int32(orderCompleted))})
	if err != nil || *list.TotalCount != 0 {
		t.Fatalf("completed filter: %v %+v", err, list)
	}
	_, err = h.bss.ListCustomerOrders(&bssmodel.ListCustomerOrdersRequest{Limit: ptrTo(int32(101))})
	sdkErr(t, err, http.StatusBadRequest, "CBC.0100")

	// Only the customer may pay; with 50.00 it cannot.
	_, err = h.bss.PayOrders(&bssmodel.PayOrdersRequest{Body: &bssmodel.PayCustomerOrderV3Req{OrderId: orderID, UseCoupon: "NO", UseDiscount: "NO"}})
	sdkErr(t, err, http.StatusForbidden, "CBC.0151")
	sdkErr(t, b.pay(orderID), http.StatusBadRequest, "CBC.99005003")
	wantDec(t, "balance after a refused payment", b.balance(), "50.00")
	sdkErr(t, b.pay("CS0000000000NOPE0"), http.StatusBadRequest, "CBC.30000010")

	h.fund(b.id, "100")
	b.mustPay(orderID)
	wantDec(t, "balance after payment", b.balance(), "81.41")
	sdkErr(t, b.pay(orderID), http.StatusBadRequest, "CBC.99003106")

	det = b.order(orderID)
	if *det.OrderInfo.Status != orderCompleted || det.OrderInfo.PaymentTime == nil || det.OrderInfo.PendingPaymentEndTime != nil {
		t.Fatalf("paid order: %+v", det.OrderInfo)
	}
	line = (*det.OrderLineItems)[0]
	eff, exp := parseWire(t, line.EffectiveTime), parseWire(t, line.ExpireTime)
	if !exp.Equal(eff.AddDate(0, 1, 0)) || eff.Before(created) {
		t.Fatalf("line period %s .. %s", eff, exp)
	}

	// Payment created the server and its system disk.
	rs := b.resources(bssmodel.QueryResourcesReq{OrderId: &orderID})
	if len(rs) != 2 {
		t.Fatalf("%d resources for the order", len(rs))
	}
	vm, disk := rs[0], rs[1]
	if *vm.ResourceId != serverID || *vm.IsMainResource != 1 || *vm.Status != resInUse || *vm.ResourceTypeCode != rtVM ||
		*vm.ResourceSpecCode != "s6.small.1.linux" || *vm.ProjectId != b.project || *vm.RegionCode != testRegion {
		t.Fatalf("server resource: %+v", vm)
	}
	if *disk.ParentResourceId != serverID || *disk.IsMainResource != 0 || disk.SpecSize == nil || !disk.SpecSize.Equal(dec("40")) || *disk.SpecSizeMeasureId != measureGB {
		t.Fatalf("disk resource: %+v", disk)
	}
	if !parseWire(t, vm.ExpireTime).Equal(exp) || *vm.ExpirePolicy != policyGrace {
		t.Fatalf("server expiry %s policy %d", *vm.ExpireTime, *vm.ExpirePolicy)
	}
	if main := b.resources(bssmodel.QueryResourcesReq{OnlyMainResource: ptrTo(int32(1))}); len(main) != 1 {
		t.Fatalf("only_main_resource: %d", len(main))
	}

	// The customer lists its own; the partner must name the customer.
	own, err := b.bss.ListPayPerUseCustomerResources(&bssmodel.ListPayPerUseCustomerResourcesRequest{Body: &bssmodel.QueryResourcesReq{}})
	if err != nil || *own.TotalCount != 2 {
		t.Fatalf("customer's own list: %v %+v", err, own)
	}
	_, err = h.bss.ListPayPerUseCustomerResources(&bssmodel.ListPayPerUseCustomerResourcesRequest{Body: &bssmodel.QueryResourcesReq{}})
	sdkErr(t, err, http.StatusBadRequest, "CBC.0100")

	// Another customer neither sees nor pays it.
	other := newBuyer(t, h, "lifecycle-other", "1000")
	sdkErr(t, other.pay(orderID), http.StatusBadRequest, "CBC.30000010")
	ol, err := other.bss.ListCustomerOrders(&bssmodel.ListCustomerOrdersRequest{})
	if err != nil || *ol.TotalCount != 0 {
		t.Fatalf("other customer's orders: %v %+v", err, ol)
	}
}

func TestCancelAndPaymentDeadline(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	b := newBuyer(t, h, "cancel", "1000")

	first, _ := b.ecsOrder("s6.medium.2", "month", 1, nil)
	if _, err := b.bss.CancelCustomerOrder(&bssmodel.CancelCustomerOrderRequest{Body: &bssmodel.CancelCustomerOrderReq{OrderId: first}}); err != nil {
		t.Fatal(err)
	}
	if st := *b.order(first).OrderInfo.Status; st != orderCancelled {
		t.Fatalf("cancelled order status %d", st)
	}
	_, err := b.bss.CancelCustomerOrder(&bssmodel.CancelCustomerOrderRequest{Body: &bssmodel.CancelCustomerOrderReq{OrderId: first}})
	sdkErr(t, err, http.StatusBadRequest, "CBC.99005010")
	sdkErr(t, b.pay(first), http.StatusBadRequest, "CBC.99003106")
	_, err = h.bss.CancelCustomerOrder(&bssmodel.CancelCustomerOrderRequest{Body: &bssmodel.CancelCustomerOrderReq{OrderId: first}})
	sdkErr(t, err, http.StatusForbidden, "CBC.0151")

	// Unpaid for 7 days, an order lapses.
	second, _ := b.ecsOrder("s6.medium.2", "month", 1, nil)
	b.advance("167h")
	if st := *b.order(second).OrderInfo.Status; st != orderPendingPayment {
		t.Fatalf("before the deadline: status %d", st)
	}
	b.advance("2h")
	if st := *b.order(second).OrderInfo.Status; st != orderCancelled {
		t.Fatalf("after the deadline: status %d", st)
	}
	sdkErr(t, b.pay(second), http.StatusBadRequest, "CBC.99003110")
	if rs := b.resources(bssmodel.QueryResourcesReq{}); len(rs) != 0 {
		t.Fatalf("cancelled orders created %d resources", len(rs))
	}
	wantDec(t, "balance", b.balance(), "1000.00")
}

func TestRenewal(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	b := newBuyer(t, h, "renew", "1000")
	orderID, serverID := b.ecsOrder("s6.small.1", "month", 1, nil)
	b.mustPay(orderID)
	oldExpiry := parseWire(t, b.resource(serverID).ExpireTime)

	resp, err := b.bss.RenewalResources(&bssmodel.RenewalResourcesRequest{Body: &bssmodel.RenewalResourcesReq{
		ResourceIds: []string{serverID}, PeriodType: periodMonth, PeriodNum: 2, IsAutoPay: ptrTo(int32(0)),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.OrderIds == nil || len(*resp.OrderIds) != 1 {
		t.Fatalf("renew answer %+v", resp)
	}
	renewID := (*resp.OrderIds)[0]
	det := b.order(renewID)
	if *det.OrderInfo.OrderType != orderRenew || *det.OrderInfo.Status != orderPendingPayment || *det.TotalCount != 2 {
		t.Fatalf("renewal order: %+v", det.OrderInfo)
	}
	// (32.20 + 40.00) × 2 after 5 %: 61.18 + 76.00.
	wantDec(t, "renewal amount", fen(det.OrderInfo.AmountAfterDiscount), "137.18")

	// While the renewal is unpaid, the resource is locked to it.
	_, err = b.bss.RenewalResources(&bssmodel.RenewalResourcesRequest{Body: &bssmodel.RenewalResourcesReq{
		ResourceIds: []string{serverID}, PeriodType: periodMonth, PeriodNum: 1,
	}})
	sdkErr(t, err, http.StatusBadRequest, "CBC.99003100")
	_, err = b.bss.CancelResourcesSubscription(&bssmodel.CancelResourcesSubscriptionRequest{Body: &bssmodel.UnsubscribeResourcesReq{
		ResourceIds: []string{serverID}, UnsubscribeType: 1,
	}})
	sdkErr(t, err, http.StatusBadRequest, "CBC.99003100")

	before := b.balance()
	b.mustPay(renewID)
	wantDec(t, "debit", before.Sub(b.balance()), "137.18")
	vm := b.resource(serverID)
	if got := parseWire(t, vm.ExpireTime); !got.Equal(addPeriod(oldExpiry, periodMonth, 2)) {
		t.Fatalf("expiry %s, want %s + 2 months", got, oldExpiry)
	}
	all := b.resources(bssmodel.QueryResourcesReq{OrderId: &renewID})
	if len(all) != 2 || !parseWire(t, all[1].ExpireTime).Equal(parseWire(t, vm.ExpireTime)) {
		t.Fatalf("the system disk must renew with its server: %+v", all)
	}

	// Only primaries renew; unknown ids are reported.
	_, err = b.bss.RenewalResources(&bssmodel.RenewalResourcesRequest{Body: &bssmodel.RenewalResourcesReq{
		ResourceIds: []string{*all[1].ResourceId}, PeriodType: periodMonth, PeriodNum: 1,
	}})
	sdkErr(t, err, http.StatusBadRequest, "CBC.30010036")
	resp, err = b.bss.RenewalResources(&bssmodel.RenewalResourcesRequest{Body: &bssmodel.RenewalResourcesReq{
		ResourceIds: []string{serverID, "gone"}, PeriodType: periodYear, PeriodNum: 1,
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(*resp.OrderIds) != 1 || len(*resp.FailResourceInfos) != 1 || *(*resp.FailResourceInfos)[0].ErrorCode != "CBC.99003016" {
		t.Fatalf("partial renew: %+v", resp)
	}
	_, err = h.bss.RenewalResources(&bssmodel.RenewalResourcesRequest{Body: &bssmodel.RenewalResourcesReq{
		ResourceIds: []string{serverID}, PeriodType: periodMonth, PeriodNum: 1,
	}})
	sdkErr(t, err, http.StatusForbidden, "CBC.0151")
}

func unsubscribe(b *buyer, typ int32, ids ...string) (*bssmodel.CancelResourcesSubscriptionResponse, error) {
	return b.bss.CancelResourcesSubscription(&bssmodel.CancelResourcesSubscriptionRequest{Body: &bssmodel.UnsubscribeResourcesReq{
		ResourceIds: ids, UnsubscribeType: typ, UnsubscribeReasonType: ptrTo(int32(5)), UnsubscribeReason: ptrTo("test"),
	}})
}

func refundRows(t *testing.T, b *buyer, orderID string) []bssmodel.OrderRefundInfoV2 {
	t.Helper()
	resp, err := b.h.bss.ShowRefundOrderDetails(&bssmodel.ShowRefundOrderDetailsRequest{OrderId: orderID, CustomerId: &b.id})
	if err != nil {
		t.Fatalf("ShowRefundOrderDetails: %v", err)
	}
	return *resp.RefundInfos
}

func TestUnsubscribeWithinFiveDays(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	b := newBuyer(t, h, "five-day", "1000")
	orderID, serverID := b.ecsOrder("s6.small.1", "month", 1, nil)
	b.mustPay(orderID)
	b.advance("119h")

	resp, err := unsubscribe(b, 1, serverID)
	if err != nil {
		t.Fatal(err)
	}
	refundID := (*resp.OrderIds)[0]
	wantDec(t, "balance after a 5-day refund", b.balance(), "1000.00")
	det := b.order(refundID)
	oi := det.OrderInfo
	if *oi.OrderType != orderUnsubscribe || *oi.Status != orderCompleted {
		t.Fatalf("refund order %+v", oi)
	}
	wantDec(t, "refund amount", fen(oi.AmountAfterDiscount), "68.59")
	wantDec(t, "handling fee", fen(oi.AmountInfo.CommissionAmount), "0")
	var refunded float64
	for _, r := range refundRows(t, b, refundID) {
		if r.MeasureId != "1" || *r.BaseOrderId != orderID || r.CustomerId != b.id {
			t.Fatalf("refund row %+v", r)
		}
		f, _ := r.Amount.Float64()
		refunded += f
	}
	if refunded > -68.58 || refunded < -68.60 {
		t.Fatalf("refund rows sum %v, want -68.59", refunded)
	}
	if rs := b.resources(bssmodel.QueryResourcesReq{}); len(rs) != 0 {
		t.Fatalf("unsubscribed resources still listed: %d", len(rs))
	}
	_, err = unsubscribe(b, 1, serverID)
	sdkErr(t, err, http.StatusBadRequest, "CBC.99003012")

	// ShowRefundOrderDetails: the partner names the customer; a purchase
	// order is no refund order.
	_, err = h.bss.ShowRefundOrderDetails(&bssmodel.ShowRefundOrderDetailsRequest{OrderId: refundID})
	sdkErr(t, err, http.StatusBadRequest, "CBC.0100")
	_, err = h.bss.ShowRefundOrderDetails(&bssmodel.ShowRefundOrderDetailsRequest{OrderId: orderID, CustomerId: &b.id})
	sdkErr(t, err, http.StatusBadRequest, "CBC.99005026")
	if _, err := b.bss.ShowRefundOrderDetails(&bssmodel.ShowRefundOrderDetailsRequest{OrderId: refundID}); err != nil {
		t.Fatalf("customer reads its refund: %v", err)
	}
}

func TestUnsubscribeFiveDayQuota(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	b := newBuyer(t, h, "quota", "1000")
	// Ten 5-day refunds already used this calendar year.
	h.sim.mu.Lock()
	for range fiveDayQuota {
		h.sim.com.FiveDay = append(h.sim.com.FiveDay, FiveDayUse{CustomerID: b.id, ResourceID: "earlier", Time: testStart})
	}
	h.sim.mu.Unlock()
	orderID, serverID := b.ecsOrder("s6.small.1", "month", 1, nil)
	b.mustPay(orderID)
	b.advance("1h")
	resp, err := unsubscribe(b, 1, serverID)
	if err != nil {
		t.Fatal(err)
	}
	// Day 1 of 30 is consumed: 30.59 → 1.02 consumed, 29.57 left, fee 2.96,
	// refund 26.61; disk 38.00 → 1.27, 36.73, 3.67, 33.06.
	oi := b.order((*resp.OrderIds)[0]).OrderInfo
	wantDec(t, "refund", fen(oi.AmountAfterDiscount), "59.67")
	wantDec(t, "fee", fen(oi.AmountInfo.CommissionAmount), "6.63")
	wantDec(t, "consumed", fen(oi.AmountInfo.ConsumedAmount), "2.29")
	wantDec(t, "balance", b.balance(), "991.08")
}

func TestUnsubscribeAfterFiveDays(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	b := newBuyer(t, h, "late-unsub", "1000")
	orderID, serverID := b.ecsOrder("c6.xlarge.2", "month", 1, nil)
	b.mustPay(orderID)
	wantDec(t, "balance after purchase", b.balance(), "661.80") // 300.20 + 38.00
	b.advance("239h")                                           // inside day 10 of the 30-day term

	resp, err := unsubscribe(b, 1, serverID)
	if err != nil {
		t.Fatal(err)
	}
	// Server 300.20: consumed 100.07, remaining 200.13, fee 20.01, refund 180.12.
	// Disk 38.00: consumed 12.67, remaining 25.33, fee 2.53, refund 22.80.
	refundID := (*resp.OrderIds)[0]
	oi := b.order(refundID).OrderInfo
	wantDec(t, "refund", fen(oi.AmountAfterDiscount), "202.92")
	wantDec(t, "fee", fen(oi.AmountInfo.CommissionAmount), "22.54")
	wantDec(t, "consumed", fen(oi.AmountInfo.ConsumedAmount), "112.74")
	wantDec(t, "balance", b.balance(), "864.72")
	rows := refundRows(t, b, refundID)
	if len(rows) != 6 { // refund, consumed, fee for server and disk
		t.Fatalf("%d refund rows", len(rows))
	}
	if !rows[0].Amount.Equal(dec("-180.12")) || !rows[2].Amount.Equal(dec("20.01")) {
		t.Fatalf("server rows %s %s %s", rows[0].Amount, rows[1].Amount, rows[2].Amount)
	}
	h.sim.mu.Lock()
	used := h.sim.com.fiveDayUsed(b.id, h.sim.now())
	h.sim.mu.Unlock()
	if used != 0 {
		t.Fatalf("a late unsubscription used the 5-day quota (%d)", used)
	}
}

func TestUnsubscribeRenewedPeriodOnly(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	b := newBuyer(t, h, "unsub-renewal", "1000")
	orderID, serverID := b.ecsOrder("s6.small.1", "month", 1, nil)
	b.mustPay(orderID)
	firstExpiry := parseWire(t, b.resource(serverID).ExpireTime)

	_, err := unsubscribe(b, 2, serverID)
	sdkErr(t, err, http.StatusBadRequest, "CBC.99003128")

	resp, err := b.bss.RenewalResources(&bssmodel.RenewalResourcesRequest{Body: &bssmodel.RenewalResourcesReq{
		ResourceIds: []string{serverID}, PeriodType: periodMonth, PeriodNum: 1,
	}})
	if err != nil {
		t.Fatal(err)
	}
	b.mustPay((*resp.OrderIds)[0])
	b.advance("240h")
	before := b.balance()
	un, err := unsubscribe(b, 2, serverID)
	if err != nil {
		t.Fatal(err)
	}
	wantDec(t, "renewal refunded in full", b.balance().Sub(before), "68.59")
	vm := b.resource(serverID)
	if !parseWire(t, vm.ExpireTime).Equal(firstExpiry) || *vm.Status != resInUse {
		t.Fatalf("after dropping the renewal: expiry %s status %d", *vm.ExpireTime, *vm.Status)
	}
	if fee := fen(b.order((*un.OrderIds)[0]).OrderInfo.AmountInfo.CommissionAmount); !fee.IsZero() {
		t.Fatalf("fee %s on a renewal-only unsubscription", fee)
	}
}

func TestUnsubscribeSubordinateAlone(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	b := newBuyer(t, h, "unsub-sub", "1000")
	orderID, _ := b.ecsOrder("s6.small.1", "month", 1, nil)
	b.mustPay(orderID)
	var disk string
	for _, r := range b.resources(bssmodel.QueryResourcesReq{OrderId: &orderID}) {
		if *r.IsMainResource == 0 {
			disk = *r.ResourceId
		}
	}
	_, err := unsubscribe(b, 1, disk)
	sdkErr(t, err, http.StatusBadRequest, "CBC.99003185")
	_, err = h.bss.CancelResourcesSubscription(&bssmodel.CancelResourcesSubscriptionRequest{Body: &bssmodel.UnsubscribeResourcesReq{
		ResourceIds: []string{disk}, UnsubscribeType: 1}})
	sdkErr(t, err, http.StatusForbidden, "CBC.0151")
}

func TestAutoRenew(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	b := newBuyer(t, h, "auto-renew", "150")
	orderID, serverID := b.ecsOrder("s6.small.1", "month", 1, nil)
	b.mustPay(orderID) // 68.59; 81.41 left: enough for one monthly renewal
	expiry := parseWire(t, b.resource(serverID).ExpireTime)

	if _, err := b.bss.AutoRenewalResources(&bssmodel.AutoRenewalResourcesRequest{ResourceId: serverID}); err != nil {
		t.Fatal(err)
	}
	if p := *b.resource(serverID).ExpirePolicy; p != policyAutoRenew {
		t.Fatalf("expire_policy %d after enabling auto-renew", p)
	}
	// Re-setting needs auto_renew_times.
	_, err := b.bss.AutoRenewalResources(&bssmodel.AutoRenewalResourcesRequest{ResourceId: serverID, Body: &bssmodel.AutoRenewalResourcesReq{}})
	sdkErr(t, err, http.StatusBadRequest, "CBC.0100")
	_, err = b.bss.AutoRenewalResources(&bssmodel.AutoRenewalResourcesRequest{ResourceId: "nope"})
	sdkErr(t, err, http.StatusBadRequest, "CBC.99003012")

	// Nothing happens until 7 days before expiry.
	untilDeduction := expiry.Add(-autoRenewLead).Sub(b.now())
	b.advance((untilDeduction - time.Hour).String())
	if got := parseWire(t, b.resource(serverID).ExpireTime); !got.Equal(expiry) {
		t.Fatalf("renewed too early: %s", got)
	}
	b.advance("2h")
	vm := b.resource(serverID)
	newExpiry := addPeriod(expiry, periodMonth, 1)
	if got := parseWire(t, vm.ExpireTime); !got.Equal(newExpiry) {
		t.Fatalf("after the deduction: expiry %s, want %s", got, newExpiry)
	}
	wantDec(t, "balance after auto-renew", b.balance(), "12.82")
	list, err := h.bss.ListCustomerOrders(&bssmodel.ListCustomerOrdersRequest{CustomerId: &b.id, OrderType: ptrTo("2")})
	if err != nil || *list.TotalCount != 1 {
		t.Fatalf("auto-renew orders: %v %+v", err, list)
	}
	auto := (*list.OrderInfos)[0]
	if *auto.Status != orderCompleted || *auto.SourceType != sourceSystem {
		t.Fatalf("auto-renew order %+v", auto)
	}

	// The next deduction finds 12.82: too little. The resource expires,
	// is kept for the retention period, then deleted.
	b.advance((newExpiry.Sub(b.now()) + time.Hour).String())
	vm = b.resource(serverID)
	if *vm.Status != resExpired || !parseWire(t, vm.ExpireTime).Equal(newExpiry) {
		t.Fatalf("after a failed deduction: status %d expiry %s", *vm.Status, *vm.ExpireTime)
	}
	if list, _ := h.bss.ListCustomerOrders(&bssmodel.ListCustomerOrdersRequest{CustomerId: &b.id, OrderType: ptrTo("2")}); *list.TotalCount != 1 {
		t.Fatalf("a short balance created %d renewal orders", *list.TotalCount)
	}
	wantDec(t, "balance untouched", b.balance(), "12.82")

	// Money arrives during retention: the daily retry renews from the old
	// expiry and the resource is back in use.
	h.fund(b.id, "100")
	b.advance("24h")
	vm = b.resource(serverID)
	if *vm.Status != resInUse || !parseWire(t, vm.ExpireTime).Equal(addPeriod(newExpiry, periodMonth, 1)) {
		t.Fatalf("renewal in retention: status %d expiry %s", *vm.Status, *vm.ExpireTime)
	}

	if _, err := b.bss.CancelAutoRenewalResources(&bssmodel.CancelAutoRenewalResourcesRequest{ResourceId: serverID}); err != nil {
		t.Fatal(err)
	}
	_, err = b.bss.CancelAutoRenewalResources(&bssmodel.CancelAutoRenewalResourcesRequest{ResourceId: serverID})
	sdkErr(t, err, http.StatusBadRequest, "CBC.99003605")
	if p := *b.resource(serverID).ExpirePolicy; p != policyGrace {
		t.Fatalf("expire_policy %d after cancelling auto-renew", p)
	}
}

func TestAutoRenewTimesAndPeriod(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	b := newBuyer(t, h, "auto-renew-times", "10000")
	orderID, serverID := b.ecsOrder("s6.small.1", "month", 1, func(sv *ecsmodel.PrePaidServer) {
		sv.Extendparam.IsAutoRenew = ptrTo(ecsmodel.GetPrePaidServerExtendParamIsAutoRenewEnum().TRUE)
	})
	b.mustPay(orderID)
	if p := *b.resource(serverID).ExpirePolicy; p != policyAutoRenew {
		t.Fatalf("isAutoRenew at purchase: expire_policy %d", p)
	}
	year := bssmodel.GetAutoRenewalResourcesReqPeriodTypeEnum().YEAR
	if _, err := b.bss.AutoRenewalResources(&bssmodel.AutoRenewalResourcesRequest{ResourceId: serverID,
		Body: &bssmodel.AutoRenewalResourcesReq{AutoRenewTimes: ptrTo(int32(1)), PeriodType: &year}}); err != nil {
		t.Fatal(err)
	}
	expiry := parseWire(t, b.resource(serverID).ExpireTime)
	// Two years pass: exactly one yearly renewal, then auto-renew is used up.
	b.advance("17520h")
	list, err := h.bss.ListCustomerOrders(&bssmodel.ListCustomerOrdersRequest{CustomerId: &b.id, OrderType: ptrTo("2")})
	if err != nil || *list.TotalCount != 1 {
		t.Fatalf("renewals: %v %+v", err, list)
	}
	wantDec(t, "yearly renewal", fen((*list.OrderInfos)[0].AmountAfterDiscount), "699.62") // 328.44 × 0.95 + 408.00 × 0.95
	rs := b.resources(bssmodel.QueryResourcesReq{ResourceIds: &[]string{serverID}, StatusList: &[]int32{resInUse, resExpired}})
	if len(rs) != 0 {
		t.Fatalf("the server should be deleted after expiry and retention, found %+v", rs)
	}
	h.sim.mu.Lock()
	r, _ := h.sim.com.resource(serverID)
	gotExpiry, deleted := r.ExpireTime, r.Deleted
	h.sim.mu.Unlock()
	if !gotExpiry.Equal(addPeriod(expiry, periodYear, 1)) || !deleted {
		t.Fatalf("ground truth: expiry %s deleted %v", gotExpiry, deleted)
	}
}

func TestExpiryToOnDemand(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	b := newBuyer(t, h, "to-on-demand", "1000")
	orderID, serverID := b.ecsOrder("s6.small.1", "month", 1, nil)
	b.mustPay(orderID)
	resp, err := b.bss.UpdatePeriodToOnDemand(&bssmodel.UpdatePeriodToOnDemandRequest{Body: &bssmodel.PeriodToOnDemandReq{
		Operation: "SET_UP", ResourceIds: []string{serverID, "missing"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if d := *resp.ErrorDetails; len(d) != 1 || *d[0].Id != "missing" || *d[0].ErrorCode != "CBC.99003012" {
		t.Fatalf("error_details %+v", d)
	}
	if p := *b.resource(serverID).ExpirePolicy; p != policyOnDemand {
		t.Fatalf("expire_policy %d", p)
	}
	b.advance("745h")
	if rs := b.resources(bssmodel.QueryResourcesReq{}); len(rs) != 0 {
		t.Fatalf("converted resources are not yearly/monthly any more: %d listed", len(rs))
	}
	closed := b.resources(bssmodel.QueryResourcesReq{StatusList: &[]int32{resClosed}, OnlyMainResource: ptrTo(int32(1))})
	if len(closed) != 1 || *closed[0].ResourceId != serverID {
		t.Fatalf("status_list [3]: %+v", closed)
	}
	_, err = b.bss.RenewalResources(&bssmodel.RenewalResourcesRequest{Body: &bssmodel.RenewalResourcesReq{
		ResourceIds: []string{serverID}, PeriodType: periodMonth, PeriodNum: 1,
	}})
	sdkErr(t, err, http.StatusBadRequest, "CBC.30050013")
}

func TestExpiryAndFrozenStatus(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	b := newBuyer(t, h, "expiry", "1000")
	orderID, serverID := b.ecsOrder("s6.small.1", "month", 1, nil)
	b.mustPay(orderID)

	h.sim.mu.Lock()
	cu, _ := h.sim.customerByID(b.id)
	cu.Frozen, cu.FreezeType = true, freezeAccountAndResource
	h.sim.mu.Unlock()
	if st := *b.resource(serverID).Status; st != resFrozen {
		t.Fatalf("a frozen customer's resource shows status %d", st)
	}
	_, err := unsubscribe(b, 1, serverID)
	sdkErr(t, err, http.StatusBadRequest, "CBC.99003656")
	h.sim.mu.Lock()
	cu.Frozen, cu.FreezeType = false, ""
	h.sim.mu.Unlock()

	b.advance("745h")
	vm := b.resource(serverID)
	if *vm.Status != resExpired {
		t.Fatalf("status %d after expiry", *vm.Status)
	}
	_, err = b.bss.AutoRenewalResources(&bssmodel.AutoRenewalResourcesRequest{ResourceId: serverID})
	sdkErr(t, err, http.StatusBadRequest, "CBC.99003602")
	// Retention: renewable for 15 days, then deleted.
	b.advance("330h")
	if st := *b.resource(serverID).Status; st != resExpired {
		t.Fatalf("status %d during retention", st)
	}
	b.advance("10h")
	if rs := b.resources(bssmodel.QueryResourcesReq{}); len(rs) != 0 {
		t.Fatalf("%d resources after retention", len(rs))
	}
	rr, err := b.bss.ListRenewRateOnPeriod(&bssmodel.ListRenewRateOnPeriodRequest{Body: &bssmodel.ListRenewRateOnPeriodReq{
		ResourceIds: []string{serverID}, PeriodType: periodMonth, PeriodNum: 1}})
	if err != nil || len(*rr.FailResourceInfos) != 1 || *(*rr.FailResourceInfos)[0].ErrorCode != "CBC.30050009" {
		t.Fatalf("renew-rate of a deleted resource: %v %+v", err, rr)
	}
}

func TestStateDumpAndSnapshot(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sim.json")
	h := newHarness(t, func(c *Config) { c.SnapshotPath = path })
	b := newBuyer(t, h, "dump", "1000")
	orderID, serverID := b.ecsOrder("s6.small.1", "month", 1, nil)
	b.mustPay(orderID)

	var st struct {
		Orders []struct {
			OrderID string `json:"order_id"`
			Status  int    `json:"status"`
			Amount  string `json:"amount_after_discount"`
		} `json:"orders"`
		Resources []struct {
			ResourceID string `json:"resource_id"`
			Status     int    `json:"status"`
			Terms      []struct {
				Paid string `json:"paid"`
			} `json:"terms"`
		} `json:"resources"`
	}
	h.admin(http.MethodGet, "/_sim/state", nil, &st, http.StatusOK)
	if len(st.Orders) != 1 || st.Orders[0].OrderID != orderID || st.Orders[0].Amount != "68.59" || st.Orders[0].Status != orderCompleted {
		t.Fatalf("dumped orders %+v", st.Orders)
	}
	if len(st.Resources) != 2 || st.Resources[0].ResourceID != serverID || st.Resources[0].Terms[0].Paid != "30.59" || st.Resources[1].Terms[0].Paid != "38.00" {
		t.Fatalf("dumped resources %+v", st.Resources)
	}

	if err := h.sim.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := New(Config{SnapshotPath: path, Seed: 7, Start: testStart})
	if err != nil {
		t.Fatal(err)
	}
	again.mu.Lock()
	defer again.mu.Unlock()
	o, ok := again.com.order(orderID)
	r, ok2 := again.com.resource(serverID)
	if !ok || !ok2 || o.Status != orderCompleted || !o.Amount.Equal(dec("68.59")) || r.Status != resInUse || len(r.Terms) != 1 {
		t.Fatalf("snapshot round trip lost commerce state: %+v %+v", o, r)
	}
	if again.com.book == nil {
		t.Fatal("price book not loaded after a snapshot")
	}
	var m map[string]any
	raw, _ := json.Marshal(again.com)
	if err := json.Unmarshal(raw, &m); err != nil || m["orders"] == nil {
		t.Fatalf("commerce state does not marshal: %v", err)
	}
}

func TestAddPeriodClampsToMonthEnd(t *testing.T) {
	t.Parallel()
	at := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 10, 30, 0, 0, time.UTC) }
	cases := []struct {
		from       time.Time
		periodType int
		n          int
		want       time.Time
	}{
		{at(2026, 11, 21), periodMonth, 1, at(2026, 12, 21)},
		{at(2027, 1, 31), periodMonth, 1, at(2027, 2, 28)},
		{at(2028, 1, 31), periodMonth, 1, at(2028, 2, 29)},
		{at(2026, 8, 31), periodMonth, 3, at(2026, 11, 30)},
		{at(2028, 2, 29), periodYear, 1, at(2029, 2, 28)},
		{at(2026, 11, 21), periodYear, 3, at(2029, 11, 21)},
	}
	for _, tc := range cases {
		if got := addPeriod(tc.from, tc.periodType, tc.n); !got.Equal(tc.want) {
			t.Errorf("addPeriod(%s, %d, %d) = %s, want %s", tc.from, tc.periodType, tc.n, got, tc.want)
		}
	}
}

func TestRefundRule(t *testing.T) {
	t.Parallel()
	start := testStart
	r := &Resource{Terms: []Term{
		{OrderID: "new", Start: start, End: start.AddDate(0, 0, 30), Paid: dec("100.00")},
		{OrderID: "renew", Start: start.AddDate(0, 0, 30), End: start.AddDate(0, 0, 60), Paid: dec("90.00")},
	}}
	// Day 8 of 30 (7 days and a minute): consumed 26.67, remaining 73.33,
	// fee 7.33, refund 66.00; the renewal is refunded whole.
	got := refundFor(r, start.Add(7*24*time.Hour+time.Minute), false)
	if !got.Consumed.Equal(dec("26.67")) || !got.Fee.Equal(dec("7.33")) || !got.Refund.Equal(dec("156.00")) {
		t.Fatalf("late refund = %+v", got)
	}
	got = refundFor(r, start.Add(time.Hour), true)
	if !got.Refund.Equal(dec("190.00")) || !got.Fee.IsZero() || !got.Consumed.IsZero() {
		t.Fatalf("5-day refund = %+v", got)
	}
	got = refundFor(r, start.AddDate(0, 0, 61), false)
	if !got.Refund.IsZero() || !got.Consumed.Equal(dec("190.00")) {
		t.Fatalf("refund after expiry = %+v", got)
	}
}
