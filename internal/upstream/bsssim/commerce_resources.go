package bsssim

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Yearly/monthly resources (docs/huawei-bss.md §5).

func (s *Server) resourceOps() []op {
	return []op{
		{Name: "ListPayPerUseCustomerResources", Method: http.MethodPost, Path: "/v2/orders/suscriptions/resources/query", Creds: credPartner | credCustomer, Handle: s.listResources},
		{Name: "RenewalResources", Method: http.MethodPost, Path: "/v2/orders/subscriptions/resources/renew", Creds: credCustomer, Handle: s.renewResources},
		{Name: "CancelResourcesSubscription", Method: http.MethodPost, Path: "/v2/orders/subscriptions/resources/unsubscribe", Creds: credCustomer, Handle: s.unsubscribeResources},
		{Name: "AutoRenewalResources", Method: http.MethodPost, Path: "/v2/orders/subscriptions/resources/autorenew/{resource_id}", Creds: credCustomer, Success: http.StatusNoContent, Handle: s.setAutoRenew},
		{Name: "CancelAutoRenewalResources", Method: http.MethodDelete, Path: "/v2/orders/subscriptions/resources/autorenew/{resource_id}", Creds: credCustomer, Success: http.StatusNoContent, Handle: s.cancelAutoRenew},
		{Name: "UpdatePeriodToOnDemand", Method: http.MethodPost, Path: "/v2/orders/subscriptions/resources/to-on-demand", Creds: credCustomer, Handle: s.periodToOnDemand},
	}
}

// ownResource finds a live resource of the calling customer.
func (s *Server) ownResource(c *call, id string) (*Resource, bool) {
	r, ok := s.com.resource(id)
	if !ok || r.Deleted || r.CustomerID != c.Caller.CustomerID {
		return nil, false
	}
	return r, true
}

// --- ListPayPerUseCustomerResources ---

type enterpriseProjectJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type resourceJSON struct {
	ID                string                `json:"id"`
	ResourceID        string                `json:"resource_id"`
	ResourceName      string                `json:"resource_name"`
	RegionCode        string                `json:"region_code"`
	ServiceTypeCode   string                `json:"service_type_code"`
	ResourceTypeCode  string                `json:"resource_type_code"`
	ResourceTypeName  string                `json:"resource_type_name"`
	ServiceTypeName   string                `json:"service_type_name"`
	ResourceSpecCode  string                `json:"resource_spec_code"`
	ProjectID         string                `json:"project_id"`
	ProductID         string                `json:"product_id"`
	ParentResourceID  string                `json:"parent_resource_id"`
	IsMainResource    int                   `json:"is_main_resource"`
	Status            int                   `json:"status"`
	EffectiveTime     string                `json:"effective_time"`
	ExpireTime        string                `json:"expire_time"`
	ExpirePolicy      int                   `json:"expire_policy"`
	ProductSpecDesc   string                `json:"product_spec_desc"`
	SpecSize          *jsonNum              `json:"spec_size,omitempty"`
	SpecSizeMeasureID *int                  `json:"spec_size_measure_id,omitempty"`
	UpdateTime        string                `json:"update_time"`
	EnterpriseProject enterpriseProjectJSON `json:"enterprise_project"`
}

func (s *Server) resourceWire(r *Resource) resourceJSON {
	main := 0
	if r.IsMain {
		main = 1
	}
	rj := resourceJSON{
		ID: r.ID, ResourceID: r.ResourceID, ResourceName: r.Name, RegionCode: r.Region,
		ServiceTypeCode: r.ServiceTypeCode, ResourceTypeCode: r.ResourceTypeCode,
		ResourceTypeName: s.com.book.resourceName(r.ResourceTypeCode, ""), ServiceTypeName: s.com.book.serviceName(r.ServiceTypeCode, ""),
		ResourceSpecCode: r.ResourceSpec, ProjectID: r.ProjectID, ProductID: r.ProductID, ParentResourceID: r.ParentResourceID,
		IsMainResource: main, Status: s.resourceStatus(r),
		EffectiveTime: r.EffectiveTime.UTC().Format(hwTime), ExpireTime: r.ExpireTime.UTC().Format(hwTime),
		ExpirePolicy: r.expirePolicy(), ProductSpecDesc: r.ProductSpecDesc, UpdateTime: r.UpdateTime.UTC().Format(hwTime),
		EnterpriseProject: enterpriseProjectJSON{ID: "0", Name: "default"},
	}
	if r.Size > 0 {
		rj.SpecSize = ptrTo(jsonNum(decimal.NewFromInt(int64(r.Size))))
		rj.SpecSizeMeasureID = ptrTo(r.SizeMeasureID)
	}
	return rj
}

func (s *Server) listResources(c *call) (any, *apiError) {
	var req struct {
		ResourceIDs      *[]string `json:"resource_ids"`
		OrderID          *string   `json:"order_id"`
		OnlyMainResource *int32    `json:"only_main_resource"`
		StatusList       *[]int32  `json:"status_list"`
		Offset           *int32    `json:"offset"`
		Limit            *int32    `json:"limit"`
		ExpireTimeBegin  *string   `json:"expire_time_begin"`
		ExpireTimeEnd    *string   `json:"expire_time_end"`
		ServiceTypeCode  *string   `json:"service_type_code"`
		CustomerID       *string   `json:"customer_id"`
	}
	if aerr := c.Decode(&req); aerr != nil {
		return nil, aerr
	}
	customerID := c.Caller.CustomerID
	if c.Caller.Partner {
		if req.CustomerID == nil || *req.CustomerID == "" {
			return nil, paramErr("customer_id", "is required when the partner queries")
		}
		if _, ok := s.customerByID(*req.CustomerID); !ok {
			return nil, cbcErr(http.StatusBadRequest, "CBC.99000000", "You have no permission to operate this customer.")
		}
		customerID = *req.CustomerID
	}
	offset, limit := 0, 10
	if req.Offset != nil {
		if *req.Offset < 0 {
			return nil, paramErr("offset", "must be >= 0")
		}
		offset = int(*req.Offset)
	}
	if req.Limit != nil {
		if *req.Limit < 1 || *req.Limit > 500 {
			return nil, paramErr("limit", "must be from 1 to 500")
		}
		limit = int(*req.Limit)
	}
	var ids []string
	if req.ResourceIDs != nil {
		ids = *req.ResourceIDs
		if len(ids) > 50 {
			return nil, paramErr("resource_ids", "must hold at most 50 ids")
		}
	}
	onlyMain := false
	if req.OnlyMainResource != nil {
		switch *req.OnlyMainResource {
		case 0:
		case 1:
			onlyMain = true
		default:
			return nil, paramErr("only_main_resource", "must be 0 or 1")
		}
	}
	var statuses []int
	if req.StatusList != nil {
		if len(*req.StatusList) > 10 {
			return nil, paramErr("status_list", "must hold at most 10 values")
		}
		for _, v := range *req.StatusList {
			if v < resInUse || v > resExpired {
				return nil, paramErr("status_list", "values must be 2, 3, 4 or 5")
			}
			statuses = append(statuses, int(v))
		}
	}
	if req.ServiceTypeCode != nil && *req.ServiceTypeCode == "" {
		return nil, paramErr("service_type_code", "must not be empty")
	}
	expBegin, aerr := parseHWTime("expire_time_begin", req.ExpireTimeBegin)
	if aerr != nil {
		return nil, aerr
	}
	expEnd, aerr := parseHWTime("expire_time_end", req.ExpireTimeEnd)
	if aerr != nil {
		return nil, aerr
	}

	// Subordinates of a requested primary come along unless only primaries
	// were asked for.
	wanted := map[string]bool{}
	for _, id := range ids {
		wanted[id] = true
	}
	var all []resourceJSON
	for _, r := range s.com.Resources {
		if r.Deleted || r.CustomerID != customerID {
			continue
		}
		if len(ids) > 0 && !wanted[r.ResourceID] && (onlyMain || !wanted[r.ParentResourceID]) {
			continue
		}
		if onlyMain && !r.IsMain {
			continue
		}
		if req.OrderID != nil && *req.OrderID != "" && !r.hasOrder(*req.OrderID) {
			continue
		}
		if req.ServiceTypeCode != nil && !strings.EqualFold(r.ServiceTypeCode, *req.ServiceTypeCode) {
			continue
		}
		st := s.resourceStatus(r)
		if statuses != nil && !slices.Contains(statuses, st) {
			continue
		}
		if statuses == nil && st == resClosed {
			continue // converted to on-demand: no longer a yearly/monthly resource
		}
		if (!expBegin.IsZero() && r.ExpireTime.Before(expBegin)) || (!expEnd.IsZero() && r.ExpireTime.After(expEnd)) {
			continue
		}
		all = append(all, s.resourceWire(r))
	}
	return map[string]any{"data": page(all, offset, limit), "total_count": len(all)}, nil
}

func (r *Resource) hasOrder(orderID string) bool {
	if strings.EqualFold(r.OrderID, orderID) {
		return true
	}
	for _, t := range r.Terms {
		if strings.EqualFold(t.OrderID, orderID) {
			return true
		}
	}
	return false
}

// --- RenewalResources ---

func (s *Server) renewResources(c *call) (any, *apiError) {
	var req struct {
		ResourceIDs []string `json:"resource_ids"`
		PeriodType  int32    `json:"period_type"`
		PeriodNum   int32    `json:"period_num"`
		IsAutoPay   *int32   `json:"is_auto_pay"`
	}
	if aerr := c.Decode(&req); aerr != nil {
		return nil, aerr
	}
	if len(req.ResourceIDs) == 0 || len(req.ResourceIDs) > 10 {
		return nil, paramErr("resource_ids", "must hold 1 to 10 ids")
	}
	if aerr := checkPeriod("", req.PeriodType, req.PeriodNum); aerr != nil {
		return nil, aerr
	}
	autoPay := false
	if req.IsAutoPay != nil {
		switch *req.IsAutoPay {
		case 0:
		case 1:
			autoPay = true
		default:
			return nil, paramErr("is_auto_pay", "must be 0 or 1")
		}
	}
	if aerr := s.checkNotFrozen(c.Caller.CustomerID); aerr != nil {
		return nil, aerr
	}
	seen := map[string]bool{}
	fails := []failResourceJSON{}
	var firstFail *apiError
	fail := func(id, code, msg string) {
		fails = append(fails, failResourceJSON{ResourceID: id, ErrorCode: code, ErrorMsg: msg})
		if firstFail == nil {
			firstFail = cbcErr(http.StatusBadRequest, code, msg)
		}
	}
	var targets []*Resource
	for _, id := range req.ResourceIDs {
		if seen[id] {
			return nil, paramErr("resource_ids", "contains "+id+" twice")
		}
		seen[id] = true
		r, ok := s.ownResource(c, id)
		switch {
		case !ok:
			fail(id, "CBC.99003016", "The resource has expired and been deleted, or does not exist.")
		case !r.IsMain:
			fail(id, "CBC.30010036", "The resource is not a primary resource.")
		case r.PendingOrderID != "":
			fail(id, "CBC.99003100", "The resource is in an unpaid order.")
		case r.Status == resClosed:
			fail(id, "CBC.30050013", "The product cannot be renewed.")
		case addPeriod(r.ExpireTime, int(req.PeriodType), int(req.PeriodNum)).After(addPeriod(c.Now, periodYear, 5)):
			fail(id, "CBC.99003154", "The total subscription duration would exceed the maximum (5 years).")
		default:
			targets = append(targets, r)
		}
	}
	if len(targets) == 0 {
		return nil, firstFail
	}
	// Rate everything before anything changes: the request either creates
	// (and with auto-pay pays) an order for every accepted resource, or
	// changes nothing.
	type renewal struct {
		r     *Resource
		g     []*Resource
		lines []*OrderLine
	}
	plan := make([]renewal, 0, len(targets))
	total := decimal.Zero
	for _, r := range targets {
		g := s.com.group(r)
		lines, aerr := s.renewalLines(g, int(req.PeriodType), int(req.PeriodNum))
		if aerr != nil {
			return nil, aerr
		}
		for _, l := range lines {
			total = total.Add(l.Amount)
		}
		plan = append(plan, renewal{r, g, lines})
	}
	if autoPay {
		cu, ok := s.customerByID(c.Caller.CustomerID)
		if !ok || cu.Balance.LessThan(total) {
			return nil, cbcErr(http.StatusBadRequest, "CBC.30050006",
				"Automatic payment failed: insufficient balance for "+money(total)+"; no order was created.")
		}
	}
	orderIDs := make([]string, 0, len(plan))
	for _, p := range plan {
		o := s.newOrder(c.Now, c.Caller.CustomerID, orderRenew, sourceCustomer, p.r.ServiceTypeCode, p.lines)
		o.ProjectID, o.Region = p.r.ProjectID, p.r.Region
		for _, x := range p.g {
			x.PendingOrderID = o.OrderID
		}
		orderIDs = append(orderIDs, o.OrderID)
		if autoPay {
			// Cannot fail: the balance covers the whole request and the
			// account was checked unfrozen above.
			if aerr := s.payOrder(o, c.Now); aerr != nil {
				panic("bsssim: renewal auto-pay failed after the balance check: " + aerr.Msg)
			}
		}
	}
	return map[string]any{"order_ids": orderIDs, "fail_resource_infos": fails}, nil
}

// --- CancelResourcesSubscription ---

// Unsubscription refund rule (refundFor). Huawei publishes the principle
// but not the fee table (docs/huawei-bss.md §5.4), so the simulator fixes one:
//
//   - 5-day no-reason full refund: the primary resource became effective
//     less than 5×24 h ago and the customer has used fewer than 10 such
//     refunds in the calendar year (Beijing time). Everything paid for the
//     group (primary, subordinates, renewals) is refunded; no fee; one use
//     of the quota per primary.
//   - Otherwise, per term: a term that has not started yet is refunded in
//     full without fee; a finished term refunds nothing; the running term is
//     consumed by whole days: consumed = paid × ceil(used days) / total days
//     (rounded to fen), remaining = paid − consumed, handling fee = 10 % of
//     remaining (rounded to fen), refund = remaining − fee.
//   - Rounding is half away from zero, per resource and term.
const (
	fiveDayWindow  = 5 * 24 * time.Hour
	fiveDayQuota   = 10
	handlingFeePct = 10
)

type refundCalc struct {
	Refund, Fee, Consumed decimal.Decimal
}

func (r refundCalc) add(o refundCalc) refundCalc {
	return refundCalc{r.Refund.Add(o.Refund), r.Fee.Add(o.Fee), r.Consumed.Add(o.Consumed)}
}

// termRefund is the refund of the terms of one resource that one order
// paid for: the unit of a ShowRefundOrderDetails row group.
type termRefund struct {
	OrderID string
	refundCalc
}

// refundTerms computes the refund of each term of x at now, in term order.
func refundTerms(x *Resource, now time.Time, fiveDay bool) []termRefund {
	out := make([]termRefund, 0, len(x.Terms))
	for _, t := range x.Terms {
		var c refundCalc
		switch {
		case fiveDay || t.Start.After(now):
			c.Refund = t.Paid
		case !t.End.After(now):
			c.Consumed = t.Paid
		default:
			day := 24 * time.Hour
			used := int64((now.Sub(t.Start) + day - 1) / day)
			total := max(int64((t.End.Sub(t.Start)+day-1)/day), used)
			consumed := t.Paid.Mul(decimal.NewFromInt(used)).Div(decimal.NewFromInt(total)).Round(2)
			remaining := t.Paid.Sub(consumed)
			fee := remaining.Mul(decimal.NewFromInt(handlingFeePct)).Div(decimal.NewFromInt(100)).Round(2)
			c = refundCalc{Refund: remaining.Sub(fee), Fee: fee, Consumed: consumed}
		}
		out = append(out, termRefund{OrderID: t.OrderID, refundCalc: c})
	}
	return out
}

func sumRefunds(parts []termRefund) refundCalc {
	var out refundCalc
	for _, p := range parts {
		out = out.add(p.refundCalc)
	}
	return out
}

// refundFor computes the refund of the terms of x at now.
func refundFor(x *Resource, now time.Time, fiveDay bool) refundCalc {
	return sumRefunds(refundTerms(x, now, fiveDay))
}

// fiveDayUsed counts the customer's 5-day refunds in now's calendar year.
func (c *commerce) fiveDayUsed(customerID string, now time.Time) int {
	year := inBeijing(now).Year()
	n := 0
	for _, u := range c.FiveDay {
		if u.CustomerID == customerID && inBeijing(u.Time).Year() == year {
			n++
		}
	}
	return n
}

func (s *Server) unsubscribeResources(c *call) (any, *apiError) {
	var req struct {
		ResourceIDs           []string `json:"resource_ids"`
		UnsubscribeType       int32    `json:"unsubscribe_type"`
		UnsubscribeReasonType *int32   `json:"unsubscribe_reason_type"`
		UnsubscribeReason     *string  `json:"unsubscribe_reason"`
	}
	if aerr := c.Decode(&req); aerr != nil {
		return nil, aerr
	}
	if len(req.ResourceIDs) == 0 || len(req.ResourceIDs) > 10 {
		return nil, paramErr("resource_ids", "must hold 1 to 10 ids")
	}
	if req.UnsubscribeType != 1 && req.UnsubscribeType != 2 {
		return nil, paramErr("unsubscribe_type", "must be 1 or 2")
	}
	if t := req.UnsubscribeReasonType; t != nil && (*t < 1 || *t > 5) {
		return nil, paramErr("unsubscribe_reason_type", "must be from 1 to 5")
	}
	if cu, ok := s.customerByID(c.Caller.CustomerID); ok && cu.Frozen {
		return nil, cbcErr(http.StatusBadRequest, "CBC.99003656", "The resource or account is frozen and cannot be unsubscribed.")
	}
	// Validate everything first: an unsubscription is all or nothing.
	listed := map[string]bool{}
	for _, id := range req.ResourceIDs {
		listed[id] = true
	}
	var primaries []*Resource
	for _, id := range req.ResourceIDs {
		r, ok := s.ownResource(c, id)
		if !ok {
			return nil, cbcErr(http.StatusBadRequest, "CBC.99003012", "The resource "+id+" does not exist.")
		}
		if !r.IsMain {
			if !listed[r.ParentResourceID] {
				return nil, cbcErr(http.StatusBadRequest, "CBC.99003185", "The cloud service must be unsubscribed as a whole: include the primary resource "+r.ParentResourceID+".")
			}
			continue
		}
		if r.Status == resClosed {
			return nil, cbcErr(http.StatusBadRequest, "CBC.30000067", "The resource has been deleted or is not managed by the yearly/monthly system.")
		}
		for _, x := range s.com.group(r) {
			if x.PendingOrderID != "" {
				return nil, cbcErr(http.StatusBadRequest, "CBC.99003100", "The resource "+x.ResourceID+" is in an unpaid order.")
			}
		}
		if req.UnsubscribeType == 2 && !hasFutureTerm(r, c.Now) {
			return nil, cbcErr(http.StatusBadRequest, "CBC.99003128", "The resource "+id+" has no renewed period that is not yet effective.")
		}
		if !slices.Contains(primaries, r) {
			primaries = append(primaries, r)
		}
	}

	orderIDs := []string{}
	for _, r := range primaries {
		g := s.com.group(r)
		fiveDay := false
		if req.UnsubscribeType == 1 && c.Now.Sub(r.EffectiveTime) < fiveDayWindow &&
			s.com.fiveDayUsed(c.Caller.CustomerID, c.Now) < fiveDayQuota {
			fiveDay = true
			s.com.FiveDay = append(s.com.FiveDay, FiveDayUse{CustomerID: c.Caller.CustomerID, ResourceID: r.ResourceID, Time: c.Now})
		}
		var lines []*OrderLine
		var refunds []RefundItem
		var total refundCalc
		for _, x := range g {
			var parts []termRefund
			if req.UnsubscribeType == 2 {
				parts = s.dropFutureTerms(x, c.Now)
			} else {
				parts = refundTerms(x, c.Now, fiveDay)
				now := c.Now
				x.Deleted, x.DeletedTime = true, &now
				x.AutoRenew = false
			}
			x.UpdateTime = c.Now
			calc := sumRefunds(parts)
			total = total.add(calc)
			lines = append(lines, &OrderLine{
				ResourceID: x.ResourceID, ResourceName: x.Name, ParentResourceID: x.ParentResourceID, IsMain: x.IsMain,
				ServiceTypeCode: x.ServiceTypeCode, ResourceTypeCode: x.ResourceTypeCode, ResourceSpec: x.ResourceSpec,
				ProductID: x.ProductID, ProductSpecDesc: x.ProductSpecDesc, Size: x.Size, SizeMeasureID: x.SizeMeasureID,
				PeriodType: x.PeriodType, SubscriptionNum: 1, Official: calc.Refund, Amount: calc.Refund,
			})
			refunds = append(refunds, s.refundItems(x, parts)...)
		}
		o := s.newOrder(c.Now, c.Caller.CustomerID, orderUnsubscribe, sourceCustomer, r.ServiceTypeCode, lines)
		o.Status, o.PaymentTime, o.PaymentDeadline = orderCompleted, &c.Now, nil
		o.ProjectID, o.Region = r.ProjectID, r.Region
		o.Commission, o.Consumed, o.Refunds = total.Fee, total.Consumed, refunds
		if total.Refund.IsPositive() {
			s.creditCustomer(c.Caller.CustomerID, total.Refund)
		}
		orderIDs = append(orderIDs, o.OrderID)
	}
	return map[string]any{"order_ids": orderIDs}, nil
}

func hasFutureTerm(r *Resource, now time.Time) bool {
	for _, t := range r.Terms {
		if t.Start.After(now) {
			return true
		}
	}
	return false
}

// dropFutureTerms removes the renewed periods that have not started and
// refunds them in full.
func (s *Server) dropFutureTerms(x *Resource, now time.Time) []termRefund {
	var out []termRefund
	kept := x.Terms[:0]
	for _, t := range x.Terms {
		if t.Start.After(now) {
			out = append(out, termRefund{OrderID: t.OrderID, refundCalc: refundCalc{Refund: t.Paid}})
			continue
		}
		kept = append(kept, t)
	}
	x.Terms = kept
	if n := len(kept); n > 0 {
		x.ExpireTime = kept[n-1].End
	}
	return out
}

// refundItems are the ShowRefundOrderDetails rows of one resource: per
// order that paid for it (base_order_id), in term order, the refunded
// amount (negative, always present), then the consumed amount and the
// handling fee (positive, when not zero).
func (s *Server) refundItems(x *Resource, parts []termRefund) []RefundItem {
	var orders []string
	byOrder := map[string]refundCalc{}
	for _, p := range parts {
		if _, seen := byOrder[p.OrderID]; !seen {
			orders = append(orders, p.OrderID)
		}
		byOrder[p.OrderID] = byOrder[p.OrderID].add(p.refundCalc)
	}
	var out []RefundItem
	for _, orderID := range orders {
		calc := byOrder[orderID]
		add := func(amt decimal.Decimal) {
			out = append(out, RefundItem{
				ID: s.newID(""), ResourceID: x.ResourceID, ResourceTypeCode: x.ResourceTypeCode,
				ServiceTypeCode: x.ServiceTypeCode, Region: x.Region, Amount: amt, BaseOrderID: orderID,
			})
		}
		add(calc.Refund.Neg())
		if calc.Consumed.IsPositive() {
			add(calc.Consumed)
		}
		if calc.Fee.IsPositive() {
			add(calc.Fee)
		}
	}
	return out
}

// --- auto-renew ---

func errNoResource(id string) *apiError {
	return cbcErr(http.StatusBadRequest, "CBC.99003012", "The resource "+id+" does not exist.")
}

// primaryOf maps a subordinate to its primary: auto-renew is set on the
// whole group.
func (s *Server) primaryOf(r *Resource) *Resource {
	if r.IsMain {
		return r
	}
	if p, ok := s.com.resource(r.ParentResourceID); ok && !p.Deleted {
		return p
	}
	return r
}

func (s *Server) setAutoRenew(c *call) (any, *apiError) {
	id := c.Param("resource_id")
	if id == "" || len(id) > 64 {
		return nil, paramErr("resource_id", "is required (max 64 characters)")
	}
	var req struct {
		AutoRenewTimes *int32  `json:"auto_renew_times"`
		PeriodType     *string `json:"period_type"`
	}
	if len(strings.TrimSpace(string(c.Body))) > 0 {
		if aerr := c.Decode(&req); aerr != nil {
			return nil, aerr
		}
	}
	if t := req.AutoRenewTimes; t != nil && (*t < 0 || *t > 99) {
		return nil, paramErr("auto_renew_times", "must be from 0 to 99")
	}
	if p := req.PeriodType; p != nil && *p != "MONTH" && *p != "YEAR" {
		return nil, paramErr("period_type", "must be MONTH or YEAR")
	}
	r, ok := s.ownResource(c, id)
	if !ok {
		return nil, errNoResource(id)
	}
	r = s.primaryOf(r)
	if r.Status != resInUse || s.resourceStatus(r) == resFrozen {
		return nil, cbcErr(http.StatusBadRequest, "CBC.99003602", "The resource has expired or is frozen.")
	}
	if r.AutoRenew && req.AutoRenewTimes == nil {
		return nil, paramErr("auto_renew_times", "is required when auto-renew is already set")
	}
	if !r.AutoRenew {
		// Attempts that were due before auto-renew was switched on are not
		// made retroactively.
		r.LastRenewTry = c.Now
	}
	r.AutoRenew, r.ToOnDemand = true, false
	r.AutoRenewTimes = 0
	if req.AutoRenewTimes != nil {
		r.AutoRenewTimes = int(*req.AutoRenewTimes)
	}
	r.AutoRenewPeriod = ""
	if req.PeriodType != nil {
		r.AutoRenewPeriod = *req.PeriodType
	}
	r.UpdateTime = c.Now
	return nil, nil
}

func (s *Server) cancelAutoRenew(c *call) (any, *apiError) {
	id := c.Param("resource_id")
	r, ok := s.ownResource(c, id)
	if !ok {
		return nil, errNoResource(id)
	}
	r = s.primaryOf(r)
	if !r.AutoRenew {
		return nil, cbcErr(http.StatusBadRequest, "CBC.99003605", "Auto-renew has already been cancelled.")
	}
	r.AutoRenew, r.AutoRenewTimes, r.AutoRenewPeriod = false, 0, ""
	r.UpdateTime = c.Now
	return nil, nil
}

// --- UpdatePeriodToOnDemand ---

type errorDetailJSON struct {
	ErrorCode string `json:"error_code"`
	ErrorMsg  string `json:"error_msg"`
	ID        string `json:"id"`
}

func (s *Server) periodToOnDemand(c *call) (any, *apiError) {
	var req struct {
		Operation   string   `json:"operation"`
		ResourceIDs []string `json:"resource_ids"`
	}
	if aerr := c.Decode(&req); aerr != nil {
		return nil, aerr
	}
	if req.Operation != "SET_UP" && req.Operation != "CANCEL" {
		return nil, paramErr("operation", "must be SET_UP or CANCEL")
	}
	if len(req.ResourceIDs) == 0 || len(req.ResourceIDs) > 100 {
		return nil, paramErr("resource_ids", "must hold 1 to 100 ids")
	}
	frozen := false
	if cu, ok := s.customerByID(c.Caller.CustomerID); ok && cu.Frozen {
		frozen = true
	}
	details := []errorDetailJSON{}
	for _, id := range req.ResourceIDs {
		r, ok := s.ownResource(c, id)
		switch {
		case frozen:
			details = append(details, errorDetailJSON{"CBC.99003626", "The account is frozen.", id})
		case !ok:
			details = append(details, errorDetailJSON{"CBC.99003012", "The resource does not exist.", id})
		case !r.IsMain:
			details = append(details, errorDetailJSON{"CBC.30010036", "The resource is not a primary resource.", id})
		case r.Status != resInUse:
			details = append(details, errorDetailJSON{"CBC.99003602", "The resource has expired or is frozen.", id})
		case req.Operation == "SET_UP":
			r.ToOnDemand, r.AutoRenew, r.AutoRenewTimes, r.AutoRenewPeriod = true, false, 0, ""
			r.UpdateTime = c.Now
		default:
			r.ToOnDemand = false
			r.UpdateTime = c.Now
		}
	}
	return map[string]any{"error_details": details}, nil
}
