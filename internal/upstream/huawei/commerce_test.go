package huawei

import (
	"testing"
	"time"

	"github.com/partnerlab/storefront/internal/domain"
)

func serverOrder(tag string) domain.CloudServerOrder {
	return domain.CloudServerOrder{
		Region: simRegion, Name: "web-" + tag, ImageRef: "img-ubuntu-22.04", FlavorRef: "s6.small.1",
		VPCID: "vpc-" + tag, SubnetIDs: []string{"subnet-" + tag}, AvailabilityZone: simRegion + "a",
		RootVolume: domain.CloudDiskSpec{Type: "SAS", SizeGB: 40},
		Period:     domain.CloudPeriodMonth, Periods: 1,
	}
}

func volumeOrder(tag string) domain.CloudVolumeOrder {
	return domain.CloudVolumeOrder{
		Region: simRegion, Name: "data-" + tag, AvailabilityZone: simRegion + "a",
		Disk: domain.CloudDiskSpec{Type: "SSD", SizeGB: 100}, Period: domain.CloudPeriodMonth, Periods: 1,
	}
}

// serverOrder creates a pending ECS order for the buyer.
func (e *env) serverOrder(buyer string) domain.CloudPendingOrder {
	e.t.Helper()
	po, err := e.c.CreatePrepaidServer(e.ctx(), buyer, serverOrder("t"))
	if err != nil {
		e.t.Fatalf("create server: %v", err)
	}
	return po
}

// paidServer is a provisioned, paid server: its main resource id.
func (e *env) paidServer(buyer string) (orderID, resourceID string) {
	e.t.Helper()
	po := e.serverOrder(buyer)
	if err := e.c.PayOrder(e.ctx(), buyer, domain.CloudPayOrder{OrderID: po.OrderID}); err != nil {
		e.t.Fatalf("pay: %v", err)
	}
	page, err := e.c.ListCustomerResources(e.ctx(), domain.CloudResourceQuery{CustomerID: buyer, OrderID: po.OrderID, OnlyMain: true})
	if err != nil || len(page.Resources) != 1 {
		e.t.Fatalf("resources of %s: %v %+v", po.OrderID, err, page)
	}
	return po.OrderID, page.Resources[0].ResourceID
}

func TestProvisionPayAndTrack(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := e.ctx()
	buyer := e.buyer("1000")

	po, err := e.c.CreatePrepaidServer(ctx, buyer, serverOrder("a"))
	if err != nil {
		t.Fatal(err)
	}
	if po.OrderID == "" || len(po.ResourceIDs) != 1 {
		t.Fatalf("pending order %+v", po)
	}

	d, err := e.c.CustomerOrder(ctx, po.OrderID, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	o := d.Order
	if o.ID != po.OrderID || o.CustomerID != buyer || o.Status != domain.CloudOrderPendingPayment || o.Type != domain.CloudOrderNew {
		t.Fatalf("order %+v", o)
	}
	// 32.20 + 40 GB × 0.35 = 46.20, less the price book's default 5 %.
	wantMoney(t, "order amount", o.Amount, "43.89")
	wantMoney(t, "order official", o.Official, "46.20")
	if o.CreatedAt.IsZero() || !o.PaymentDeadline.After(o.CreatedAt) || o.Currency != domain.CurrencyCNY {
		t.Fatalf("times %+v", o)
	}
	if d.TotalLines < 2 || len(d.Lines) < 2 {
		t.Fatalf("lines %+v", d)
	}
	for _, l := range d.Lines {
		if l.Period != domain.CloudPeriodMonth || l.Periods != 1 || l.ID == "" {
			t.Fatalf("line %+v", l)
		}
	}

	list, err := e.c.ListCustomerOrders(ctx, domain.CloudOrderQuery{CustomerID: buyer, Status: domain.CloudOrderPendingPayment, Limit: 10, NewestFirst: true})
	if err != nil || list.Total != 1 || len(list.Orders) != 1 || list.Orders[0].ID != po.OrderID {
		t.Fatalf("list: %v %+v", err, list)
	}

	if err := e.c.PayOrder(ctx, buyer, domain.CloudPayOrder{OrderID: po.OrderID}); err != nil {
		t.Fatal(err)
	}
	if got := e.simCustomer(buyer).Balance; got != "956.11" {
		t.Fatalf("balance after paying 43.89: %s", got)
	}
	d, err = e.c.CustomerOrder(ctx, po.OrderID, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if d.Order.Status != domain.CloudOrderCompleted || d.Order.PaidAt.IsZero() {
		t.Fatalf("after payment %+v", d.Order)
	}

	res, err := e.c.ListCustomerResources(ctx, domain.CloudResourceQuery{CustomerID: buyer, OrderID: po.OrderID})
	if err != nil {
		t.Fatal(err)
	}
	var main *domain.CloudResource
	for i, r := range res.Resources {
		if r.Main {
			main = &res.Resources[i]
		}
	}
	if main == nil || main.ResourceID != po.ResourceIDs[0] || main.Status != domain.CloudResourceInUse ||
		main.Region != simRegion || main.ServiceTypeCode != "hws.service.type.ec2" || main.ProjectID == "" {
		t.Fatalf("resources %+v", res)
	}
	if span := main.ExpiresAt.Sub(main.EffectiveAt); span < 27*24*time.Hour || span > 32*24*time.Hour {
		t.Fatalf("a month is %s", span)
	}

	// Definite refusals.
	err = e.c.PayOrder(ctx, buyer, domain.CloudPayOrder{OrderID: po.OrderID})
	wantErr(t, err, domain.CodeUpstreamRejected, domain.OutcomeDefinite, "CBC.99003106")
	err = e.c.CancelOrder(ctx, buyer, po.OrderID)
	wantErr(t, err, domain.CodeUpstreamRejected, domain.OutcomeDefinite, "CBC.99005010")
	err = e.c.PayOrder(ctx, buyer, domain.CloudPayOrder{OrderID: "CS0000000000NOPE"})
	wantErr(t, err, domain.CodeUpstreamNotFound, domain.OutcomeDefinite, "CBC.30000010")
	_, err = e.c.CustomerOrder(ctx, "CS0000000000NOPE", 0, 10)
	wantErr(t, err, domain.CodeUpstreamNotFound, domain.OutcomeDefinite, "CBC.30000010")
	err = e.c.PayOrder(ctx, buyer, domain.CloudPayOrder{OrderID: po.OrderID, CouponIDs: make([]domain.CloudCouponRef, 4)})
	wantErr(t, err, domain.CodeValidation, "", "")
	_, err = e.c.ListCustomerOrders(ctx, domain.CloudOrderQuery{CustomerID: buyer, CreatedFrom: o.CreatedAt.AddDate(-2, 0, 0), CreatedTo: o.CreatedAt})
	wantErr(t, err, domain.CodeUpstreamInvalid, domain.OutcomeDefinite, "CBC.0100")
	_, err = e.c.ListCustomerResources(ctx, domain.CloudResourceQuery{CustomerID: buyer, Limit: 501})
	wantErr(t, err, domain.CodeUpstreamInvalid, domain.OutcomeDefinite, "CBC.0100")
	_, err = e.c.ListCustomerResources(ctx, domain.CloudResourceQuery{})
	wantErr(t, err, domain.CodeValidation, "", "")

	// A customer sees only its own orders: another's order is "invalid".
	other := e.buyer("100")
	err = e.c.PayOrder(ctx, other, domain.CloudPayOrder{OrderID: po.OrderID})
	wantErr(t, err, domain.CodeUpstreamNotFound, domain.OutcomeDefinite, "CBC.30000010")
}

func TestClientTokenDeduplicatesCreate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := e.ctx()
	buyer := e.buyer("")
	req := serverOrder("tok")
	req.ClientToken = "order-7f3a"
	a, err := e.c.CreatePrepaidServer(ctx, buyer, req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.c.CreatePrepaidServer(ctx, buyer, req)
	if err != nil {
		t.Fatal(err)
	}
	if a.OrderID != b.OrderID {
		t.Fatalf("same X-Client-Token, two orders: %s %s", a.OrderID, b.OrderID)
	}
}

func TestVolumeOrderAndCancel(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := e.ctx()
	buyer := e.buyer("")

	po, err := e.c.CreatePrepaidVolume(ctx, buyer, volumeOrder("v"))
	if err != nil {
		t.Fatal(err)
	}
	if po.OrderID == "" || len(po.ResourceIDs) != 1 {
		t.Fatalf("pending %+v", po)
	}
	d, err := e.c.CustomerOrder(ctx, po.OrderID, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	wantMoney(t, "100 GB SSD for a month, 5 % off", d.Order.Amount, "95.00")

	// Unfunded: paying is refused, definitely.
	err = e.c.PayOrder(ctx, buyer, domain.CloudPayOrder{OrderID: po.OrderID})
	wantErr(t, err, domain.CodeInsufficientBalance, domain.OutcomeDefinite, "CBC.99005003")

	if err := e.c.CancelOrder(ctx, buyer, po.OrderID); err != nil {
		t.Fatal(err)
	}
	d, err = e.c.CustomerOrder(ctx, po.OrderID, 0, 10)
	if err != nil || d.Order.Status != domain.CloudOrderCancelled {
		t.Fatalf("after cancel: %v %+v", err, d.Order)
	}
	err = e.c.CancelOrder(ctx, buyer, po.OrderID)
	wantErr(t, err, domain.CodeUpstreamRejected, domain.OutcomeDefinite, "CBC.99005010")
}

func TestCreateErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := e.ctx()

	// Not real-name verified: ECS refuses the buyer.
	unverified := e.customer()
	_, err := e.c.CreatePrepaidServer(ctx, unverified, serverOrder("u"))
	wantErr(t, err, domain.CodeUpstreamForbidden, domain.OutcomeDefinite, "Ecs.0003")
	_, err = e.c.CreatePrepaidVolume(ctx, unverified, volumeOrder("u"))
	wantErr(t, err, domain.CodeUpstreamForbidden, domain.OutcomeDefinite, "EVS.0003")

	buyer := e.buyer("")
	bad := serverOrder("f")
	bad.FlavorRef = "x9.huge.99"
	_, err = e.c.CreatePrepaidServer(ctx, buyer, bad)
	wantErr(t, err, domain.CodeUpstreamInvalid, domain.OutcomeDefinite, "Ecs.0005")
	vol := volumeOrder("f")
	vol.Disk.SizeGB = 5
	_, err = e.c.CreatePrepaidVolume(ctx, buyer, vol)
	wantErr(t, err, domain.CodeUpstreamInvalid, domain.OutcomeDefinite, "EVS.1010")

	// Refused here, never sent.
	before := len(e.calls("CreateServers"))
	bad = serverOrder("p")
	bad.Periods = 10
	_, err = e.c.CreatePrepaidServer(ctx, buyer, bad)
	wantErr(t, err, domain.CodeValidation, "", "")
	e.wantCalls("CreateServers", before)

	// No agency for an unknown account.
	_, err = e.c.CreatePrepaidServer(ctx, "no-such-domain", serverOrder("n"))
	wantErr(t, err, domain.CodeUpstreamNotFound, domain.OutcomeDefinite, "IAM.0004")
}

func TestRenewAutoRenewUnsubscribe(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := e.ctx()
	buyer := e.buyer("1000")
	_, vm := e.paidServer(buyer)

	q, err := e.c.RateRenewal(ctx, buyer, domain.CloudRenewalRating{ResourceIDs: []string{vm}, Period: domain.CloudPeriodMonth, Periods: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Resources) != 1 || q.Resources[0].ResourceID != vm || !q.Resources[0].Amount.Equal(dec("43.89")) || !q.Official.Equal(dec("46.20")) || len(q.Failures) != 0 {
		t.Fatalf("renew quote %+v", q)
	}
	q, err = e.c.RateRenewal(ctx, buyer, domain.CloudRenewalRating{ResourceIDs: []string{vm, "no-such-resource"}, Period: domain.CloudPeriodMonth, Periods: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Failures) != 1 || q.Failures[0].ID != "no-such-resource" || q.Failures[0].Code == "" {
		t.Fatalf("renew quote failures %+v", q)
	}
	_, err = e.c.RateRenewal(ctx, buyer, domain.CloudRenewalRating{ResourceIDs: []string{vm}, Period: domain.CloudPeriodMonth, Periods: 12})
	wantErr(t, err, domain.CodeValidation, "", "")

	ren, err := e.c.RenewResources(ctx, buyer, domain.CloudRenewal{ResourceIDs: []string{vm}, Period: domain.CloudPeriodMonth, Periods: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(ren.OrderIDs) != 1 || len(ren.Failures) != 0 {
		t.Fatalf("renewal %+v", ren)
	}
	d, err := e.c.CustomerOrder(ctx, ren.OrderIDs[0], 0, 10)
	if err != nil || d.Order.Type != domain.CloudOrderRenewal || d.Order.Status != domain.CloudOrderPendingPayment {
		t.Fatalf("renewal order: %v %+v", err, d.Order)
	}
	// A pending renewal blocks another one.
	_, err = e.c.RenewResources(ctx, buyer, domain.CloudRenewal{ResourceIDs: []string{vm}, Period: domain.CloudPeriodMonth, Periods: 1})
	wantErr(t, err, domain.CodeUpstreamRejected, domain.OutcomeDefinite, "CBC.99003100")
	if err := e.c.PayOrder(ctx, buyer, domain.CloudPayOrder{OrderID: ren.OrderIDs[0]}); err != nil {
		t.Fatal(err)
	}
	_, err = e.c.RenewResources(ctx, buyer, domain.CloudRenewal{ResourceIDs: []string{"no-such-resource"}, Period: domain.CloudPeriodMonth, Periods: 1})
	wantErr(t, err, domain.CodeUpstreamNotFound, domain.OutcomeDefinite, "")

	policy := func() domain.CloudExpirePolicy {
		t.Helper()
		page, err := e.c.ListCustomerResources(ctx, domain.CloudResourceQuery{CustomerID: buyer, ResourceIDs: []string{vm}, OnlyMain: true})
		if err != nil || len(page.Resources) != 1 {
			t.Fatalf("resource %s: %v %+v", vm, err, page)
		}
		return page.Resources[0].ExpirePolicy
	}
	if err := e.c.SetAutoRenew(ctx, buyer, domain.CloudAutoRenew{ResourceID: vm, Period: domain.CloudPeriodMonth}); err != nil {
		t.Fatal(err)
	}
	if p := policy(); p != domain.CloudExpireAutoRenew {
		t.Fatalf("policy after auto-renew on: %d", p)
	}
	if err := e.c.CancelAutoRenew(ctx, buyer, vm); err != nil {
		t.Fatal(err)
	}
	if p := policy(); p == domain.CloudExpireAutoRenew {
		t.Fatal("auto-renew still on")
	}
	err = e.c.CancelAutoRenew(ctx, buyer, vm)
	wantErr(t, err, domain.CodeUpstreamRejected, domain.OutcomeDefinite, "CBC.99003605")
	err = e.c.SetAutoRenew(ctx, buyer, domain.CloudAutoRenew{ResourceID: "no-such-resource"})
	wantErr(t, err, domain.CodeUpstreamNotFound, domain.OutcomeDefinite, "CBC.99003012")

	fails, err := e.c.SetExpireToOnDemand(ctx, buyer, []string{vm}, true)
	if err != nil || len(fails) != 0 {
		t.Fatalf("to on-demand: %v %+v", err, fails)
	}
	if p := policy(); p != domain.CloudExpireToOnDemand {
		t.Fatalf("policy after to-on-demand: %d", p)
	}
	fails, err = e.c.SetExpireToOnDemand(ctx, buyer, []string{vm, "no-such-resource"}, false)
	if err != nil || len(fails) != 1 || fails[0].ID != "no-such-resource" {
		t.Fatalf("cancel to on-demand: %v %+v", err, fails)
	}

	// Within five days: the full refund, which Huawei reports per resource.
	un, err := e.c.UnsubscribeResources(ctx, buyer, domain.CloudUnsubscription{ResourceIDs: []string{vm}, Kind: domain.CloudUnsubscribeResource, ReasonType: 5, Reason: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if len(un.OrderIDs) != 1 {
		t.Fatalf("unsubscribe %+v", un)
	}
	refunds, err := e.c.RefundDetails(ctx, buyer, un.OrderIDs[0])
	if err != nil {
		t.Fatal(err)
	}
	total := dec("0")
	for _, r := range refunds {
		if r.CustomerID != buyer || r.BaseOrderID == "" {
			t.Fatalf("refund row %+v", r)
		}
		total = total.Add(r.Amount)
	}
	wantMoney(t, "refunded (negative): order and renewal", total, "-87.78")
	if got := e.simCustomer(buyer).Balance; got != "1000.00" {
		t.Fatalf("balance after the full refund %s", got)
	}
	_, err = e.c.RefundDetails(ctx, buyer, ren.OrderIDs[0])
	wantErr(t, err, domain.CodeUpstreamRejected, domain.OutcomeDefinite, "CBC.99005026")
	_, err = e.c.UnsubscribeResources(ctx, buyer, domain.CloudUnsubscription{ResourceIDs: []string{vm}, Kind: domain.CloudUnsubscribeResource})
	wantErr(t, err, domain.CodeUpstreamNotFound, domain.OutcomeDefinite, "")
	_, err = e.c.UnsubscribeResources(ctx, buyer, domain.CloudUnsubscription{ResourceIDs: []string{vm}})
	wantErr(t, err, domain.CodeValidation, "", "")
}
