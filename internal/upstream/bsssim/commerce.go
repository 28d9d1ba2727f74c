package bsssim

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// The commerce half of the simulator: the price book, ratings, yearly/monthly
// orders and resources, and the time rules that drive them (docs/huawei-bss.md
// §3–§5, §7). Orders come to exist through the native ECS/EVS create APIs
// (route A, §7.1) and are paid, cancelled, renewed and unsubscribed through
// the BSS order APIs.
//
// Rules the simulator chooses where Huawei publishes no exact figure:
//
//   - Payment deadline: a pending order (status 6) lapses 7 days after
//     creation (pending_payment_end_time, inclusive) and becomes cancelled
//     (status 4); paying it from then on answers CBC.99003110, also when no
//     tick has run since the deadline.
//   - A pending renewal order is cancelled (status 4) as soon as one of its
//     resources is deleted (retention ended) or leaves the yearly/monthly
//     system (expired with expire-to-on-demand); paying it then answers
//     CBC.99003106 and debits nothing.
//   - Expiry: at expire_time a resource becomes expired (status 5) and
//     enters a retentionPeriod of 15 days in which it can still be renewed;
//     after that it is deleted (no longer listed; renew → CBC.99003016). With
//     expire-to-on-demand set, it leaves the yearly/monthly system at expiry
//     instead (status 3, listed only when status_list asks for 3). A resource
//     of a customer frozen with ACCOUNT_AND_RESOURCE is shown as frozen
//     (status 4); an ACCOUNT freeze leaves resources running.
//   - Auto-renew: the first deduction attempt is 7 days before expiry, then
//     one attempt every 24 h until the resource is deleted; each attempt
//     renews one period (month or year, from the auto-renew setting or the
//     resource's last order) and is paid from the customer's balance; when
//     the balance is short nothing happens and the next attempt follows.
//   - Unsubscribe refunds: see refundFor in commerce_resources.go.
//   - Buying needs a real-name verified, unfrozen account: the ECS/EVS
//     creates answer 403 Ecs.0003 / EVS.0003 otherwise. Paying and renewing
//     on a frozen account (either freeze type) answer 400 CBC.7281 and no
//     auto-renew deduction is made; with ACCOUNT_AND_RESOURCE its resources
//     also show status 4, so auto-renew cannot be set (CBC.99003602).
//   - Discount: an order carries the partner discount its customer has when
//     it is created (the price book's default, or SetPartnerDiscount).
//   - Provisioning is instantaneous by default: payment creates the
//     resources, and the ECS/EVS job reports SUCCESS from then on. The admin
//     knob POST /_sim/provisioning (commerce_provision.go) can make a paid
//     new purchase stay processing (status 3, job RUNNING) for a virtual
//     duration, its resources appearing only at completion, and can script
//     provisioning failures: the order completes, its job reports FAIL, no
//     resource is ever listed, and a system unsubscribe order (type 4,
//     source 8) refunds everything paid to the balance without fee.
//   - RenewalResources is all or nothing for the resources it accepts: with
//     is_auto_pay 1 the balance must cover every order it would create, or
//     it creates none and answers CBC.30050006.
//   - Time zone: calendar-year quotas are counted in Beijing time (UTC+8),
//     the China site's business time zone; all wire timestamps are UTC.
const (
	paymentWindow   = 7 * 24 * time.Hour
	retentionPeriod = 15 * 24 * time.Hour
	autoRenewLead   = 7 * 24 * time.Hour
	autoRenewRetry  = 24 * time.Hour
)

// Order status (docs/huawei-bss.md §4.1).
const (
	orderProcessing     = 3
	orderCancelled      = 4
	orderCompleted      = 5
	orderPendingPayment = 6
)

// Order type (docs/huawei-bss.md §4.1).
const (
	orderNew         = 1
	orderRenew       = 2
	orderUnsubscribe = 4
)

// Why a pending order was cancelled.
const (
	cancelByCustomer   = "customer"      // CancelCustomerOrder
	cancelLapsed       = "lapsed"        // payment deadline passed
	cancelResourceGone = "resource_gone" // a renewed resource was deleted or left yearly/monthly
	cancelBySystem     = "system"        // an auto-renew order that could not be paid
)

// Order source type: 1 customer, 8 system-created (auto-renew).
const (
	sourceCustomer = 1
	sourceSystem   = 8
)

// Resource status (docs/huawei-bss.md §5.1).
const (
	resInUse   = 2
	resClosed  = 3
	resFrozen  = 4
	resExpired = 5
)

// expire_policy (docs/huawei-bss.md §5.1).
const (
	policyGrace     = 0
	policyOnDemand  = 1
	policyAutoRenew = 3
)

// Service and resource type codes used by the native create APIs.
const (
	svcECS      = "hws.service.type.ec2"
	svcEVS      = "hws.service.type.ebs"
	rtVM        = "hws.resource.type.vm"
	rtVolume    = "hws.resource.type.volume"
	rtIP        = "hws.resource.type.ip"
	rtBandwidth = "hws.resource.type.bandwidth"
)

// inBeijing converts to the China site's business time zone (UTC+8, no
// DST).
func inBeijing(t time.Time) time.Time { return t.In(time.FixedZone("UTC+8", 8*3600)) }

func fmtTime(t time.Time) string { return t.UTC().Format(hwTime) }

// commerce is the JSON-serialisable state of orders and resources. The
// simulator snapshot marshals it as is, so every field is exported.
type commerce struct {
	Orders    []*Order    `json:"orders"`
	Resources []*Resource `json:"resources"`
	// Discounts overrides the price book's partner discount (percent off)
	// per customer domain id; 0 removes it for that customer.
	Discounts map[string]decimal.Decimal `json:"discounts,omitempty"`
	// FiveDay records each 5-day no-reason unsubscription, for the quota of
	// 10 per customer and calendar year.
	FiveDay []FiveDayUse `json:"five_day_unsubscribes,omitempty"`
	// ClientTokens remembers the answers of native creates sent with an
	// X-Client-Token, so that a retried create replays instead of buying
	// twice.
	ClientTokens []ClientToken `json:"client_tokens,omitempty"`
	// Provisioning holds the /_sim/provisioning knobs (commerce_provision.go).
	Provisioning []ProvisionSetting `json:"provisioning,omitempty"`

	book *priceBook
}

// FiveDayUse is one use of the 5-day no-reason full refund.
type FiveDayUse struct {
	CustomerID string    `json:"customer_id"`
	ResourceID string    `json:"resource_id"`
	Time       time.Time `json:"time"`
}

// Order is a yearly/monthly order: a new purchase, a renewal or an
// unsubscription (refund).
type Order struct {
	OrderID         string          `json:"order_id"`
	CustomerID      string          `json:"customer_id"`
	ServiceTypeCode string          `json:"service_type_code"`
	OrderType       int             `json:"order_type"`
	Status          int             `json:"status"`
	SourceType      int             `json:"source_type"`
	Official        decimal.Decimal `json:"official_amount"`
	Amount          decimal.Decimal `json:"amount_after_discount"`
	DiscountID      string          `json:"discount_id,omitempty"`
	DiscountType    int             `json:"discount_type,omitempty"`
	Commission      decimal.Decimal `json:"commission_amount"` // unsubscribe: handling fee
	Consumed        decimal.Decimal `json:"consumed_amount"`   // unsubscribe: consumed part
	CreateTime      time.Time       `json:"create_time"`
	PaymentTime     *time.Time      `json:"payment_time,omitempty"`
	PaymentDeadline *time.Time      `json:"pending_payment_end_time,omitempty"`
	ProjectID       string          `json:"project_id,omitempty"`
	Region          string          `json:"region,omitempty"`
	AutoRenew       bool            `json:"auto_renew,omitempty"` // new purchase with isAutoRenew
	JobID           string          `json:"job_id,omitempty"`     // ECS/EVS job of a new purchase
	CancelReason    string          `json:"cancel_reason,omitempty"`
	// Provisioning of a paid new purchase (status 3 until ProvisionDue).
	ProvisionDue  *time.Time   `json:"provision_due,omitempty"`
	ProvisionFail bool         `json:"provision_fail,omitempty"`
	ProvisionedAt *time.Time   `json:"provisioned_at,omitempty"`
	RefundOrderID string       `json:"refund_order_id,omitempty"` // system unsubscribe after a failed provisioning
	Lines         []*OrderLine `json:"lines"`
	Refunds       []RefundItem `json:"refunds,omitempty"`
}

// OrderLine is one resource of an order. On a new purchase it describes
// the resource that payment creates.
type OrderLine struct {
	LineID           string          `json:"order_line_item_id"`
	ResourceID       string          `json:"resource_id"`
	ResourceName     string          `json:"resource_name,omitempty"`
	ParentResourceID string          `json:"parent_resource_id,omitempty"`
	IsMain           bool            `json:"is_main_resource"`
	ServiceTypeCode  string          `json:"service_type_code"`
	ResourceTypeCode string          `json:"resource_type_code"`
	ResourceSpec     string          `json:"resource_spec"`
	ProductID        string          `json:"product_id"`
	ProductSpecDesc  string          `json:"product_spec_desc"`
	Size             int             `json:"size,omitempty"`
	SizeMeasureID    int             `json:"size_measure_id,omitempty"`
	PeriodType       int             `json:"period_type"`
	PeriodNum        int             `json:"period_num,omitempty"` // 0 on unsubscribe lines (null on the wire)
	SubscriptionNum  int             `json:"subscription_num"`
	Official         decimal.Decimal `json:"official_amount"`
	Amount           decimal.Decimal `json:"amount_after_discount"`
	EffectiveTime    *time.Time      `json:"effective_time,omitempty"`
	ExpireTime       *time.Time      `json:"expire_time,omitempty"`
}

// RefundItem is one row of ShowRefundOrderDetails: negative = refunded,
// positive = consumed amount or handling fee.
type RefundItem struct {
	ID               string          `json:"id"`
	ResourceID       string          `json:"resource_id"`
	ResourceTypeCode string          `json:"resource_type_code"`
	ServiceTypeCode  string          `json:"service_type_code"`
	Region           string          `json:"region_code"`
	Amount           decimal.Decimal `json:"amount"`
	BaseOrderID      string          `json:"base_order_id"`
}

// Resource is a provisioned yearly/monthly resource.
type Resource struct {
	ID               string     `json:"id"`
	ResourceID       string     `json:"resource_id"`
	Name             string     `json:"resource_name"`
	CustomerID       string     `json:"customer_id"`
	ProjectID        string     `json:"project_id"`
	Region           string     `json:"region_code"`
	ServiceTypeCode  string     `json:"service_type_code"`
	ResourceTypeCode string     `json:"resource_type_code"`
	ResourceSpec     string     `json:"resource_spec_code"`
	ProductID        string     `json:"product_id"`
	ProductSpecDesc  string     `json:"product_spec_desc"`
	Size             int        `json:"spec_size,omitempty"`
	SizeMeasureID    int        `json:"spec_size_measure_id,omitempty"`
	ParentResourceID string     `json:"parent_resource_id,omitempty"`
	IsMain           bool       `json:"is_main_resource"`
	Status           int        `json:"status"`
	EffectiveTime    time.Time  `json:"effective_time"`
	ExpireTime       time.Time  `json:"expire_time"`
	UpdateTime       time.Time  `json:"update_time"`
	OrderID          string     `json:"order_id"` // the order that created it
	PeriodType       int        `json:"period_type"`
	PeriodNum        int        `json:"period_num"`
	AutoRenew        bool       `json:"auto_renew"`
	AutoRenewTimes   int        `json:"auto_renew_times,omitempty"` // renewals left; 0 = unlimited
	AutoRenewPeriod  string     `json:"auto_renew_period_type,omitempty"`
	LastRenewTry     time.Time  `json:"last_auto_renew_attempt"`
	ToOnDemand       bool       `json:"to_on_demand"`
	PendingOrderID   string     `json:"pending_order_id,omitempty"`
	Terms            []Term     `json:"terms"`
	Deleted          bool       `json:"deleted"`
	DeletedTime      *time.Time `json:"deleted_time,omitempty"`
}

// Term is one paid period of a resource: the basis of refunds.
type Term struct {
	OrderID string          `json:"order_id"`
	Start   time.Time       `json:"start"`
	End     time.Time       `json:"end"`
	Paid    decimal.Decimal `json:"paid"`
}

func newCommerce(s *Server) *commerce {
	book, err := loadPriceBook()
	if err != nil {
		// The book is embedded at build time and parsed in every test, so
		// this is a build defect, not a runtime condition.
		panic(err)
	}
	return &commerce{Discounts: map[string]decimal.Decimal{}, book: book}
}

// SetPartnerDiscount sets the partner discount (percent off the list price,
// 0–100) a customer gets on ratings and new orders, overriding the price
// book's default.
func (s *Server) SetPartnerDiscount(customerID string, percentOff decimal.Decimal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.com.Discounts == nil {
		s.com.Discounts = map[string]decimal.Decimal{}
	}
	s.com.Discounts[customerID] = percentOff
}

// discountFor returns the partner discount a customer gets, if any.
func (c *commerce) discountFor(customerID string) (discountRule, bool) {
	d := c.book.PartnerDiscount
	if p, ok := c.Discounts[customerID]; ok {
		d.PercentOff = p
	}
	return d, d.PercentOff.IsPositive()
}

func (c *commerce) percentOff(customerID string) decimal.Decimal {
	if d, ok := c.discountFor(customerID); ok {
		return d.PercentOff
	}
	return decimal.Zero
}

func (s *Server) commerceOps() []op {
	ops := s.catalogueOps()
	ops = append(ops, s.ratingOps()...)
	ops = append(ops, s.orderOps()...)
	ops = append(ops, s.resourceOps()...)
	ops = append(ops, s.ecsOps()...)
	ops = append(ops, s.evsOps()...)
	return ops
}

func (c *commerce) order(id string) (*Order, bool) {
	for _, o := range c.Orders {
		if strings.EqualFold(o.OrderID, id) {
			return o, true
		}
	}
	return nil, false
}

func (c *commerce) resource(id string) (*Resource, bool) {
	for _, r := range c.Resources {
		if r.ResourceID == id {
			return r, true
		}
	}
	return nil, false
}

// group is a primary resource followed by its live subordinates.
func (c *commerce) group(primary *Resource) []*Resource {
	g := []*Resource{primary}
	for _, r := range c.Resources {
		if !r.Deleted && r.ParentResourceID == primary.ResourceID && r != primary {
			g = append(g, r)
		}
	}
	return g
}

// status is the status shown on the wire: the resources of a customer
// frozen with ACCOUNT_AND_RESOURCE are frozen whatever their own state. An
// ACCOUNT freeze stops the account from buying, renewing and changing, but
// its resources keep running (docs/huawei-bss.md §1.5).
func (s *Server) resourceStatus(r *Resource) int {
	if r.Status == resInUse || r.Status == resExpired {
		if cu, ok := s.customerByID(r.CustomerID); ok && cu.Frozen && cu.FreezeType == freezeAccountAndResource {
			return resFrozen
		}
	}
	return r.Status
}

func (r *Resource) expirePolicy() int {
	switch {
	case r.AutoRenew:
		return policyAutoRenew
	case r.ToOnDemand:
		return policyOnDemand
	}
	return policyGrace
}

// --- ids ---

// newOrderID mimics Huawei order ids: "CS" + yyMMddHHmm (Beijing) + 5
// upper-case characters, unique within the simulator.
func (s *Server) newOrderID(now time.Time) string {
	for {
		id := "CS" + inBeijing(now).Format("0601021504") + strings.ToUpper(s.newID("")[:5])
		if _, dup := s.com.order(id); !dup {
			return id
		}
	}
}

// newUUID is a deterministic id in UUID layout, as ECS/EVS resource ids are.
func (s *Server) newUUID() string {
	h := s.newID("")
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// newJobID mimics ECS/EVS job ids (32 hex characters).
func (s *Server) newJobID() string { return "ff808082" + s.newID("")[:24] }

// --- periods ---

// addPeriod adds n months or years, clamping to the last day of the target
// month (31 Jan + 1 month = 28/29 Feb), as billing periods do.
func addPeriod(t time.Time, periodType, n int) time.Time {
	months := n
	if periodType == periodYear {
		months = 12 * n
	}
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(months), 1, t.Hour(), t.Minute(), t.Second(), 0, t.Location())
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(d, last)-1)
}

// --- order creation and payment ---

// newOrder registers a pending order (or a paid one when the caller pays it
// at once) and returns it.
func (s *Server) newOrder(now time.Time, customerID string, orderType, source int, service string, lines []*OrderLine) *Order {
	o := &Order{
		OrderID:         s.newOrderID(now),
		CustomerID:      customerID,
		ServiceTypeCode: service,
		OrderType:       orderType,
		Status:          orderPendingPayment,
		SourceType:      source,
		CreateTime:      now,
		Lines:           lines,
	}
	deadline := now.Add(paymentWindow)
	o.PaymentDeadline = &deadline
	if d, ok := s.com.discountFor(customerID); ok && orderType != orderUnsubscribe {
		o.DiscountID, o.DiscountType = d.DiscountID, d.DiscountType
	}
	for i, l := range lines {
		l.LineID = fmt.Sprintf("%s-%06d", o.OrderID, i+1)
		o.Official = o.Official.Add(l.Official)
		o.Amount = o.Amount.Add(l.Amount)
	}
	s.com.Orders = append(s.com.Orders, o)
	return o
}

// payOrder debits the customer and applies the order's effect: a new
// purchase creates its resources, a renewal extends them.
func (s *Server) payOrder(o *Order, now time.Time) *apiError {
	if aerr := s.debitCustomer(o.CustomerID, o.Amount); aerr != nil {
		return aerr
	}
	o.Status = orderCompleted
	o.PaymentTime = &now
	o.PaymentDeadline = nil
	switch o.OrderType {
	case orderNew:
		s.startProvisioning(o, now)
	case orderRenew:
		s.extend(o, now)
	}
	return nil
}

// renewalLive reports whether every resource of a renewal order still
// exists in the yearly/monthly system.
func (s *Server) renewalLive(o *Order) bool {
	for _, l := range o.Lines {
		r, ok := s.com.resource(l.ResourceID)
		if !ok || r.Deleted || r.Status == resClosed {
			return false
		}
	}
	return true
}

// dropPendingRenewal cancels the unpaid renewal order of a resource that is
// being deleted or leaves the yearly/monthly system.
func (s *Server) dropPendingRenewal(r *Resource, now time.Time) {
	if r.PendingOrderID == "" {
		return
	}
	if o, ok := s.com.order(r.PendingOrderID); ok && o.Status == orderPendingPayment && o.OrderType == orderRenew {
		s.cancelOrder(o, now, cancelResourceGone)
	}
}

// provision creates the resources of a paid new-purchase order.
func (s *Server) provision(o *Order, now time.Time) {
	for _, l := range o.Lines {
		start, end := now, addPeriod(now, l.PeriodType, l.PeriodNum)
		l.EffectiveTime, l.ExpireTime = &start, &end
		r := &Resource{
			ID:               s.newID(""),
			ResourceID:       l.ResourceID,
			Name:             l.ResourceName,
			CustomerID:       o.CustomerID,
			ProjectID:        o.ProjectID,
			Region:           o.Region,
			ServiceTypeCode:  l.ServiceTypeCode,
			ResourceTypeCode: l.ResourceTypeCode,
			ResourceSpec:     l.ResourceSpec,
			ProductID:        l.ProductID,
			ProductSpecDesc:  l.ProductSpecDesc,
			Size:             l.Size,
			SizeMeasureID:    l.SizeMeasureID,
			ParentResourceID: l.ParentResourceID,
			IsMain:           l.IsMain,
			Status:           resInUse,
			EffectiveTime:    start,
			ExpireTime:       end,
			UpdateTime:       now,
			OrderID:          o.OrderID,
			PeriodType:       l.PeriodType,
			PeriodNum:        l.PeriodNum,
			AutoRenew:        o.AutoRenew && l.IsMain,
			LastRenewTry:     now,
			Terms:            []Term{{OrderID: o.OrderID, Start: start, End: end, Paid: l.Amount}},
		}
		s.com.Resources = append(s.com.Resources, r)
	}
}

// extend applies a paid renewal: each resource gets a new term from its
// current expiry (also when it is already in retention).
func (s *Server) extend(o *Order, now time.Time) {
	for _, l := range o.Lines {
		r, ok := s.com.resource(l.ResourceID)
		if !ok || r.Deleted {
			continue
		}
		start := r.ExpireTime
		end := addPeriod(start, l.PeriodType, l.PeriodNum)
		l.EffectiveTime, l.ExpireTime = &start, &end
		r.Terms = append(r.Terms, Term{OrderID: o.OrderID, Start: start, End: end, Paid: l.Amount})
		r.ExpireTime = end
		r.PeriodType, r.PeriodNum = l.PeriodType, l.PeriodNum
		if r.Status == resExpired && end.After(now) {
			r.Status = resInUse
		}
		if r.PendingOrderID == o.OrderID {
			r.PendingOrderID = ""
		}
		r.UpdateTime = now
	}
}

// cancelOrder ends a pending order (customer cancel, payment deadline, or
// its renewed resource gone) and releases the resources it held.
func (s *Server) cancelOrder(o *Order, now time.Time, reason string) {
	o.Status = orderCancelled
	o.CancelReason = reason
	o.PaymentDeadline = nil
	for _, r := range s.com.Resources {
		if r.PendingOrderID == o.OrderID {
			r.PendingOrderID = ""
			r.UpdateTime = now
		}
	}
}

// renewalLines rates a renewal of a primary resource and its subordinates.
func (s *Server) renewalLines(group []*Resource, periodType, periodNum int) ([]*OrderLine, *apiError) {
	pct := s.com.percentOff(group[0].CustomerID)
	var lines []*OrderLine
	for _, r := range group {
		p, ok := s.com.book.lookup(r.ServiceTypeCode, r.ResourceTypeCode, r.ResourceSpec, r.Region)
		if !ok {
			return nil, cbcErr(http.StatusBadRequest, "CBC.99006006", "The product does not exist.")
		}
		pr, _ := ratePeriod(p, periodType, periodNum, r.Size, 1, pct)
		lines = append(lines, &OrderLine{
			ResourceID:       r.ResourceID,
			ResourceName:     r.Name,
			ParentResourceID: r.ParentResourceID,
			IsMain:           r.IsMain,
			ServiceTypeCode:  r.ServiceTypeCode,
			ResourceTypeCode: r.ResourceTypeCode,
			ResourceSpec:     r.ResourceSpec,
			ProductID:        r.ProductID,
			ProductSpecDesc:  r.ProductSpecDesc,
			Size:             r.Size,
			SizeMeasureID:    r.SizeMeasureID,
			PeriodType:       periodType,
			PeriodNum:        periodNum,
			SubscriptionNum:  1,
			Official:         pr.Official,
			Amount:           pr.Amount,
		})
	}
	return lines, nil
}

// --- dump (/_sim/state) ---

func optTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return fmtTime(*t)
}

func (c *commerce) dump() map[string]any {
	orders := make([]map[string]any, 0, len(c.Orders))
	for _, o := range c.Orders {
		lines := make([]map[string]any, 0, len(o.Lines))
		for _, l := range o.Lines {
			lines = append(lines, map[string]any{
				"order_line_item_id": l.LineID, "resource_id": l.ResourceID, "is_main_resource": l.IsMain,
				"resource_type_code": l.ResourceTypeCode, "resource_spec": l.ResourceSpec, "size": l.Size,
				"period_type": l.PeriodType, "period_num": l.PeriodNum,
				"official_amount": money(l.Official), "amount_after_discount": money(l.Amount),
				"effective_time": optTime(l.EffectiveTime), "expire_time": optTime(l.ExpireTime),
			})
		}
		refunds := make([]map[string]any, 0, len(o.Refunds))
		for _, r := range o.Refunds {
			refunds = append(refunds, map[string]any{"resource_id": r.ResourceID, "amount": money(r.Amount), "base_order_id": r.BaseOrderID})
		}
		orders = append(orders, map[string]any{
			"order_id": o.OrderID, "customer_id": o.CustomerID, "order_type": o.OrderType, "status": o.Status,
			"source_type": o.SourceType, "service_type_code": o.ServiceTypeCode,
			"official_amount": money(o.Official), "amount_after_discount": money(o.Amount),
			"commission_amount": money(o.Commission), "consumed_amount": money(o.Consumed),
			"create_time": fmtTime(o.CreateTime), "payment_time": optTime(o.PaymentTime),
			"pending_payment_end_time": optTime(o.PaymentDeadline), "lines": lines, "refunds": refunds,
			"cancel_reason": o.CancelReason, "provision_due": optTime(o.ProvisionDue), "provision_fail": o.ProvisionFail,
			"provisioned_at": optTime(o.ProvisionedAt), "refund_order_id": o.RefundOrderID,
		})
	}
	resources := make([]map[string]any, 0, len(c.Resources))
	for _, r := range c.Resources {
		terms := make([]map[string]any, 0, len(r.Terms))
		for _, t := range r.Terms {
			terms = append(terms, map[string]any{"order_id": t.OrderID, "start": fmtTime(t.Start), "end": fmtTime(t.End), "paid": money(t.Paid)})
		}
		resources = append(resources, map[string]any{
			"resource_id": r.ResourceID, "resource_name": r.Name, "customer_id": r.CustomerID, "project_id": r.ProjectID,
			"region_code": r.Region, "service_type_code": r.ServiceTypeCode, "resource_type_code": r.ResourceTypeCode,
			"resource_spec_code": r.ResourceSpec, "parent_resource_id": r.ParentResourceID, "is_main_resource": r.IsMain,
			"status": r.Status, "deleted": r.Deleted, "effective_time": fmtTime(r.EffectiveTime), "expire_time": fmtTime(r.ExpireTime),
			"expire_policy": r.expirePolicy(), "auto_renew": r.AutoRenew, "to_on_demand": r.ToOnDemand,
			"pending_order_id": r.PendingOrderID, "order_id": r.OrderID, "terms": terms,
		})
	}
	provisioning := make([]map[string]any, 0, len(c.Provisioning))
	for _, p := range c.Provisioning {
		provisioning = append(provisioning, map[string]any{"customer_id": p.CustomerID, "processing": p.Processing.String(), "fail_next": p.FailNext})
	}
	return map[string]any{"orders": orders, "resources": resources, "provisioning": provisioning}
}

// sortedOrders returns orders by creation time; orders created in the
// same second keep their creation order (reversed when descending).
func sortedOrders(orders []*Order, desc bool) []*Order {
	out := slices.Clone(orders)
	if desc {
		slices.Reverse(out)
	}
	slices.SortStableFunc(out, func(a, b *Order) int {
		if desc {
			return b.CreateTime.Compare(a.CreateTime)
		}
		return a.CreateTime.Compare(b.CreateTime)
	})
	return out
}
