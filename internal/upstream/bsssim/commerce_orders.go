package bsssim

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Yearly/monthly orders (docs/huawei-bss.md §4).

func (s *Server) orderOps() []op {
	return []op{
		{Name: "ListCustomerOrders", Method: http.MethodGet, Path: "/v2/orders/customer-orders", Creds: credPartner | credCustomer, Handle: s.listCustomerOrders},
		{Name: "ShowCustomerOrderDetails", Method: http.MethodGet, Path: "/v2/orders/customer-orders/details/{order_id}", Creds: credPartner | credCustomer, Handle: s.showCustomerOrderDetails},
		{Name: "PayOrders", Method: http.MethodPost, Path: "/v3/orders/customer-orders/pay", Creds: credCustomer, Success: http.StatusNoContent, Handle: s.payOrders},
		{Name: "CancelCustomerOrder", Method: http.MethodPut, Path: "/v2/orders/customer-orders/cancel", Creds: credCustomer, Success: http.StatusNoContent, Handle: s.cancelCustomerOrder},
		{Name: "ShowRefundOrderDetails", Method: http.MethodGet, Path: "/v2/orders/customer-orders/refund-orders", Creds: credPartner | credCustomer, Handle: s.showRefundOrderDetails},
	}
}

func errOrderInvalid(id string) *apiError {
	return cbcErr(http.StatusBadRequest, "CBC.30000010", "Invalid order: "+id+".")
}

// visibleOrder finds an order the caller may see: the partner sees every
// customer's orders, a customer only its own. "Not yours" and "does not
// exist" answer the same.
func (s *Server) visibleOrder(c *call, id string) (*Order, bool) {
	o, ok := s.com.order(id)
	if !ok || (!c.Caller.Partner && o.CustomerID != c.Caller.CustomerID) {
		return nil, false
	}
	return o, true
}

// --- wire shapes (CustomerOrderV2/V3, OrderLineItemEntityV2) ---

type discountItemJSON struct {
	DiscountType   string    `json:"discount_type"`
	DiscountAmount jsonMoney `json:"discount_amount"`
}

type amountInfoJSON struct {
	Discounts                 []discountItemJSON `json:"discounts"`
	FlexipurchaseCouponAmount jsonMoney          `json:"flexipurchase_coupon_amount"`
	CouponAmount              jsonMoney          `json:"coupon_amount"`
	StoredCardAmount          jsonMoney          `json:"stored_card_amount"`
	CommissionAmount          *jsonMoney         `json:"commission_amount,omitempty"`
	ConsumedAmount            *jsonMoney         `json:"consumed_amount,omitempty"`
}

type orderJSON struct {
	OrderID             string         `json:"order_id"`
	CustomerID          string         `json:"customer_id"`
	ServiceTypeCode     string         `json:"service_type_code"`
	ServiceTypeName     string         `json:"service_type_name"`
	SourceType          int            `json:"source_type"`
	Status              int            `json:"status"`
	OrderType           int            `json:"order_type"`
	AmountAfterDiscount jsonMoney      `json:"amount_after_discount"`
	OfficialAmount      jsonMoney      `json:"official_amount"`
	MeasureID           int            `json:"measure_id"`
	CreateTime          string         `json:"create_time"`
	PaymentTime         *string        `json:"payment_time,omitempty"`
	Currency            string         `json:"currency"`
	AmountInfo          amountInfoJSON `json:"amount_info"`
}

type orderV3JSON struct {
	orderJSON
	UserName              string  `json:"user_name"`
	PendingPaymentEndTime *string `json:"pending_payment_end_time,omitempty"`
}

type productObjectJSON struct {
	ProductID           string `json:"product_id"`
	ProductSpecDesc     string `json:"product_spec_desc"`
	CategoryCode        string `json:"category_code"`
	ProductOwnerService string `json:"product_owner_service"`
	CommercialResource  string `json:"commercial_resource"`
}

type orderLineJSON struct {
	OrderLineItemID     string            `json:"order_line_item_id"`
	ServiceTypeCode     string            `json:"service_type_code"`
	ServiceTypeName     string            `json:"service_type_name"`
	ProductID           string            `json:"product_id"`
	ProductSpecDesc     string            `json:"product_spec_desc"`
	PeriodType          int               `json:"period_type"`
	PeriodNum           *int              `json:"period_num"`
	EffectiveTime       *string           `json:"effective_time,omitempty"`
	ExpireTime          *string           `json:"expire_time,omitempty"`
	SubscriptionNum     int               `json:"subscription_num"`
	AmountAfterDiscount jsonMoney         `json:"amount_after_discount"`
	OfficialAmount      jsonMoney         `json:"official_amount"`
	AmountInfo          amountInfoJSON    `json:"amount_info"`
	Currency            string            `json:"currency"`
	CategoryCode        string            `json:"category_code"`
	ProductOwnerService string            `json:"product_owner_service"`
	CommercialResource  string            `json:"commercial_resource"`
	BaseProductInfo     productObjectJSON `json:"base_product_info"`
	OrderID             string            `json:"order_id"`
}

func wireTimePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	v := t.UTC().Format(hwTime)
	return &v
}

func (s *Server) amountInfo(o *Order, official, amount decimal.Decimal) amountInfoJSON {
	ai := amountInfoJSON{Discounts: []discountItemJSON{}}
	if d := official.Sub(amount); d.IsPositive() && o.OrderType != orderUnsubscribe {
		ai.Discounts = append(ai.Discounts, discountItemJSON{DiscountType: strconv.Itoa(o.DiscountType), DiscountAmount: jsonMoney(d)})
	}
	if o.OrderType == orderUnsubscribe {
		ai.CommissionAmount = ptrTo(jsonMoney(o.Commission))
		ai.ConsumedAmount = ptrTo(jsonMoney(o.Consumed))
	}
	return ai
}

func (s *Server) orderWire(o *Order, lang string) orderJSON {
	return orderJSON{
		OrderID:             o.OrderID,
		CustomerID:          o.CustomerID,
		ServiceTypeCode:     o.ServiceTypeCode,
		ServiceTypeName:     s.com.book.serviceName(o.ServiceTypeCode, lang),
		SourceType:          o.SourceType,
		Status:              o.Status,
		OrderType:           o.OrderType,
		AmountAfterDiscount: jsonMoney(o.Amount),
		OfficialAmount:      jsonMoney(o.Official),
		MeasureID:           measureYuan,
		CreateTime:          o.CreateTime.UTC().Format(hwTime),
		PaymentTime:         wireTimePtr(o.PaymentTime),
		Currency:            s.com.book.Currency,
		AmountInfo:          s.amountInfo(o, o.Official, o.Amount),
	}
}

// --- ListCustomerOrders ---

func (s *Server) listCustomerOrders(c *call) (any, *apiError) {
	q := func(name string) *string {
		if v := c.Query(name); v != "" {
			return &v
		}
		return nil
	}
	limit, aerr := queryInt(c.Query("limit"), "limit", 10, 1, 100)
	if aerr != nil {
		return nil, aerr
	}
	offset, aerr := queryInt(c.Query("offset"), "offset", 0, 0, 1<<31-1)
	if aerr != nil {
		return nil, aerr
	}
	status, aerr := queryInt(c.Query("status"), "status", 0, 1, 13)
	if aerr != nil {
		return nil, aerr
	}
	if status != 0 && !slices.Contains([]int{1, 3, 4, 5, 6, 9}, status) {
		return nil, paramErr("status", "must be one of 1, 3, 4, 5, 6, 9")
	}
	desc := true
	switch c.Query("order_by") {
	case "", "-createTime":
	case "createTime":
		desc = false
	default:
		return nil, paramErr("order_by", "must be createTime or -createTime")
	}
	if v := c.Query("indirect_partner_id"); v != "" {
		return nil, cbcErr(http.StatusBadRequest, "CBC.99000037", "You have no permission to operate this reseller.")
	}
	method := c.Query("method")
	if method != "" && method != "oneself" && method != "sub_customer" {
		return nil, paramErr("method", "must be oneself or sub_customer")
	}
	var windows [4]time.Time
	for i, name := range []string{"create_time_begin", "create_time_end", "payment_time_begin", "payment_time_end"} {
		t, aerr := parseHWTime(name, q(name))
		if aerr != nil {
			return nil, aerr
		}
		windows[i] = t
	}
	for i, name := range []string{"create_time", "payment_time"} {
		b, e := windows[2*i], windows[2*i+1]
		if !b.IsZero() && !e.IsZero() && (e.Before(b) || e.Sub(b) > 366*24*time.Hour) {
			return nil, paramErr(name+"_begin/"+name+"_end", "must span at most one year")
		}
	}
	customerID := c.Query("customer_id")
	if !c.Caller.Partner {
		customerID = c.Caller.CustomerID
	}
	orderID, svc, orderType := c.Query("order_id"), c.Query("service_type_code"), c.Query("order_type")

	var all []orderJSON
	if method != "sub_customer" { // enterprise sub-accounts do not exist in the sandbox
		for _, o := range sortedOrders(s.com.Orders, desc) {
			switch {
			case customerID != "" && o.CustomerID != customerID,
				orderID != "" && !strings.EqualFold(o.OrderID, orderID),
				svc != "" && !strings.EqualFold(o.ServiceTypeCode, svc),
				status != 0 && o.Status != status,
				orderType != "" && strconv.Itoa(o.OrderType) != orderType,
				!windows[0].IsZero() && o.CreateTime.Before(windows[0]),
				!windows[1].IsZero() && o.CreateTime.After(windows[1]),
				!windows[2].IsZero() && (o.PaymentTime == nil || o.PaymentTime.Before(windows[2])),
				!windows[3].IsZero() && (o.PaymentTime == nil || o.PaymentTime.After(windows[3])):
				continue
			}
			all = append(all, s.orderWire(o, ""))
		}
	}
	return map[string]any{"total_count": len(all), "order_infos": page(all, offset, limit)}, nil
}

// --- ShowCustomerOrderDetails ---

func (s *Server) showCustomerOrderDetails(c *call) (any, *apiError) {
	limit, aerr := queryInt(c.Query("limit"), "limit", 10, 1, 100)
	if aerr != nil {
		return nil, aerr
	}
	offset, aerr := queryInt(c.Query("offset"), "offset", 0, 0, 1<<31-1)
	if aerr != nil {
		return nil, aerr
	}
	if c.Query("indirect_partner_id") != "" {
		return nil, cbcErr(http.StatusBadRequest, "CBC.99000037", "You have no permission to operate this reseller.")
	}
	id := c.Param("order_id")
	o, ok := s.visibleOrder(c, id)
	if !ok {
		return nil, errOrderInvalid(id)
	}
	lang := c.Header("X-Language")
	info := orderV3JSON{orderJSON: s.orderWire(o, lang), PendingPaymentEndTime: wireTimePtr(o.PaymentDeadline)}
	if cu, ok := s.customerByID(o.CustomerID); ok {
		info.UserName = cu.DomainName
	}
	if o.SourceType == sourceSystem {
		info.UserName = "运营系统"
	}
	lines := make([]orderLineJSON, 0, len(o.Lines))
	for _, l := range o.Lines {
		var pn *int
		if l.PeriodNum > 0 {
			pn = ptrTo(l.PeriodNum)
		}
		lines = append(lines, orderLineJSON{
			OrderLineItemID:     l.LineID,
			ServiceTypeCode:     l.ServiceTypeCode,
			ServiceTypeName:     s.com.book.serviceName(l.ServiceTypeCode, lang),
			ProductID:           l.ProductID,
			ProductSpecDesc:     l.ProductSpecDesc,
			PeriodType:          l.PeriodType,
			PeriodNum:           pn,
			EffectiveTime:       wireTimePtr(l.EffectiveTime),
			ExpireTime:          wireTimePtr(l.ExpireTime),
			SubscriptionNum:     l.SubscriptionNum,
			AmountAfterDiscount: jsonMoney(l.Amount),
			OfficialAmount:      jsonMoney(l.Official),
			AmountInfo:          s.amountInfo(o, l.Official, l.Amount),
			Currency:            s.com.book.Currency,
			CategoryCode:        l.ResourceTypeCode,
			ProductOwnerService: l.ServiceTypeCode,
			CommercialResource:  l.ResourceTypeCode,
			BaseProductInfo: productObjectJSON{
				ProductID: l.ProductID, ProductSpecDesc: l.ProductSpecDesc, CategoryCode: l.ResourceTypeCode,
				ProductOwnerService: l.ServiceTypeCode, CommercialResource: l.ResourceTypeCode,
			},
			OrderID: o.OrderID,
		})
	}
	return map[string]any{"total_count": len(lines), "order_info": info, "order_line_items": page(lines, offset, limit)}, nil
}

// --- PayOrders ---

type idType struct {
	ID   string `json:"id"`
	Type int32  `json:"type"`
}

func (s *Server) payOrders(c *call) (any, *apiError) {
	var req struct {
		OrderID       string    `json:"order_id"`
		UseCoupon     string    `json:"use_coupon"`
		UseDiscount   string    `json:"use_discount"`
		CouponInfos   *[]idType `json:"coupon_infos"`
		DiscountInfos *[]idType `json:"discount_infos"`
	}
	if aerr := c.Decode(&req); aerr != nil {
		return nil, aerr
	}
	if req.OrderID == "" || len(req.OrderID) > 64 {
		return nil, paramErr("order_id", "is required (max 64 characters)")
	}
	if aerr := checkYesNo("use_coupon", req.UseCoupon, "coupon_infos", req.CouponInfos, 3); aerr != nil {
		return nil, aerr
	}
	if aerr := checkYesNo("use_discount", req.UseDiscount, "discount_infos", req.DiscountInfos, 1); aerr != nil {
		return nil, aerr
	}
	o, ok := s.visibleOrder(c, req.OrderID)
	if !ok {
		return nil, errOrderInvalid(req.OrderID)
	}
	// The deadline is judged before the status: a lapsed order answers
	// CBC.99003110 whether or not the tick has cancelled it yet.
	if o.Status == orderPendingPayment && o.PaymentDeadline != nil && !c.Now.Before(*o.PaymentDeadline) {
		s.cancelOrder(o, c.Now, cancelLapsed)
	}
	if o.Status == orderCancelled && o.CancelReason == cancelLapsed {
		return nil, cbcErr(http.StatusBadRequest, "CBC.99003110", "The payment deadline has passed. Submit the order again.")
	}
	if o.Status == orderPendingPayment && o.OrderType == orderRenew && !s.renewalLive(o) {
		// Normally cancelled already by the tick that deleted the resource.
		s.cancelOrder(o, c.Now, cancelResourceGone)
	}
	if o.Status != orderPendingPayment {
		return nil, cbcErr(http.StatusBadRequest, "CBC.99003106", "The order status has changed and no payment can be made.")
	}
	if req.CouponInfos != nil {
		// The sandbox issues no coupons, so any coupon id is unknown.
		return nil, cbcErr(http.StatusBadRequest, "CBC.99003112", "The coupon or stored-value card has been used or does not exist.")
	}
	if req.DiscountInfos != nil {
		// The only discount an order can carry is the partner discount it
		// was created with; naming it changes nothing.
		d := (*req.DiscountInfos)[0]
		if o.DiscountID == "" || d.ID != o.DiscountID || d.Type != 3 {
			return nil, cbcErr(http.StatusBadRequest, "CBC.99003108", "The discount is not applicable to the order.")
		}
	}
	if aerr := s.checkNotFrozen(o.CustomerID); aerr != nil {
		return nil, aerr
	}
	if aerr := s.payOrder(o, c.Now); aerr != nil {
		return nil, aerr
	}
	return nil, nil
}

func checkYesNo(flag, v, infos string, list *[]idType, max int) *apiError {
	switch v {
	case "YES":
		if list == nil || len(*list) == 0 {
			return paramErr(infos, "is required when "+flag+" is YES")
		}
		if len(*list) > max {
			return paramErr(infos, fmt.Sprintf("must hold at most %d items", max))
		}
		for i, it := range *list {
			if it.ID == "" {
				return paramErr(fmt.Sprintf("%s[%d].id", infos, i), "is required")
			}
		}
	case "NO":
		if list != nil {
			return paramErr(infos, "must be absent when "+flag+" is NO")
		}
	default:
		return paramErr(flag, "must be YES or NO")
	}
	return nil
}

// checkNotFrozen refuses money operations of a frozen account (CBC.7281
// "account frozen", answered with 400 by the v2/v3 APIs).
func (s *Server) checkNotFrozen(customerID string) *apiError {
	if cu, ok := s.customerByID(customerID); ok && cu.Frozen {
		return cbcErr(http.StatusBadRequest, "CBC.7281", "The account has been frozen.")
	}
	return nil
}

// --- CancelCustomerOrder ---

func (s *Server) cancelCustomerOrder(c *call) (any, *apiError) {
	var req struct {
		OrderID string `json:"order_id"`
	}
	if aerr := c.Decode(&req); aerr != nil {
		return nil, aerr
	}
	if req.OrderID == "" || len(req.OrderID) > 64 {
		return nil, paramErr("order_id", "is required (max 64 characters)")
	}
	o, ok := s.visibleOrder(c, req.OrderID)
	if !ok {
		return nil, errOrderInvalid(req.OrderID)
	}
	if o.Status != orderPendingPayment {
		return nil, cbcErr(http.StatusBadRequest, "CBC.99005010", "The order status does not allow cancellation.")
	}
	s.cancelOrder(o, c.Now, cancelByCustomer)
	return nil, nil
}

// --- ShowRefundOrderDetails ---

type refundInfoJSON struct {
	ID               string  `json:"id"`
	Amount           jsonNum `json:"amount"`
	MeasureID        string  `json:"measure_id"`
	CustomerID       string  `json:"customer_id"`
	ResourceTypeCode string  `json:"resource_type_code"`
	ServiceTypeCode  string  `json:"service_type_code"`
	ResourceTypeName string  `json:"resource_type_name"`
	ServiceTypeName  string  `json:"service_type_name"`
	RegionCode       string  `json:"region_code"`
	BaseOrderID      string  `json:"base_order_id"`
}

func (s *Server) showRefundOrderDetails(c *call) (any, *apiError) {
	id := c.Query("order_id")
	if id == "" || len(id) > 64 {
		return nil, paramErr("order_id", "is required (max 64 characters)")
	}
	customerID := c.Query("customer_id")
	if len(customerID) > 64 {
		return nil, paramErr("customer_id", "is at most 64 characters")
	}
	if c.Query("indirect_partner_id") != "" {
		return nil, cbcErr(http.StatusBadRequest, "CBC.99000037", "You have no permission to operate this reseller.")
	}
	if c.Caller.Partner && customerID == "" {
		return nil, paramErr("customer_id", "is required when the partner queries")
	}
	o, ok := s.visibleOrder(c, id)
	if !ok || (customerID != "" && o.CustomerID != customerID) {
		return nil, errOrderInvalid(id)
	}
	if o.OrderType != orderUnsubscribe {
		return nil, cbcErr(http.StatusBadRequest, "CBC.99005026", "The order is not an unsubscription or downgrade order.")
	}
	infos := make([]refundInfoJSON, 0, len(o.Refunds))
	for _, r := range o.Refunds {
		infos = append(infos, refundInfoJSON{
			ID: r.ID, Amount: jsonNum(r.Amount), MeasureID: strconv.Itoa(measureYuan), CustomerID: o.CustomerID,
			ResourceTypeCode: r.ResourceTypeCode, ServiceTypeCode: r.ServiceTypeCode,
			ResourceTypeName: s.com.book.resourceName(r.ResourceTypeCode, ""), ServiceTypeName: s.com.book.serviceName(r.ServiceTypeCode, ""),
			RegionCode: r.Region, BaseOrderID: r.BaseOrderID,
		})
	}
	return map[string]any{"total_count": len(infos), "refund_infos": infos}, nil
}
