package huawei

import (
	"context"
	"strconv"

	bss "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"

	"github.com/partnerlab/storefront/internal/domain"
)

// ListCustomerOrders implements domain.CloudOrders.
func (c *Client) ListCustomerOrders(ctx context.Context, q domain.CloudOrderQuery) (domain.CloudOrderPage, error) {
	if q.Limit < 0 || q.Limit > 100 || q.Offset < 0 {
		return domain.CloudOrderPage{}, domain.Errorf(domain.CodeValidation, "limit 1–100 and a non-negative offset")
	}
	req := &model.ListCustomerOrdersRequest{
		OrderId:         optStr(q.OrderID),
		CustomerId:      optStr(q.CustomerID),
		CreateTimeBegin: optTime(q.CreatedFrom),
		CreateTimeEnd:   optTime(q.CreatedTo),
		Status:          optInt(int(q.Status)),
		Limit:           optInt(q.Limit),
		Offset:          ptr(int32(q.Offset)),
	}
	if q.Type != 0 {
		req.OrderType = ptr(strconv.Itoa(int(q.Type)))
	}
	if q.NewestFirst {
		req.OrderBy = ptr("-createTime")
	} else {
		req.OrderBy = ptr("createTime")
	}
	resp, err := partnerBSS(ctx, c, readOp("ListCustomerOrders"), func(cl *bss.BssClient) (*model.ListCustomerOrdersResponse, error) {
		return cl.ListCustomerOrders(req)
	})
	if err != nil {
		return domain.CloudOrderPage{}, err
	}
	page := domain.CloudOrderPage{Total: num(resp.TotalCount)}
	if resp.OrderInfos != nil {
		for _, o := range *resp.OrderInfos {
			page.Orders = append(page.Orders, cloudOrder(orderFields{
				o.OrderId, o.CustomerId, o.ServiceTypeCode, o.ServiceTypeName, o.Status, o.OrderType,
				o.AmountAfterDiscount, o.OfficialAmount, o.Currency, o.CreateTime, o.PaymentTime, nil, o.AmountInfo,
			}))
		}
	}
	return page, nil
}

// CustomerOrder implements domain.CloudOrders.
func (c *Client) CustomerOrder(ctx context.Context, orderID string, offset, limit int) (domain.CloudOrderDetail, error) {
	if err := required("order id", orderID); err != nil {
		return domain.CloudOrderDetail{}, err
	}
	op := readOp("ShowCustomerOrderDetails")
	resp, err := partnerBSS(ctx, c, op, func(cl *bss.BssClient) (*model.ShowCustomerOrderDetailsResponse, error) {
		return cl.ShowCustomerOrderDetails(&model.ShowCustomerOrderDetailsRequest{
			OrderId: orderID, Offset: ptr(int32(offset)), Limit: optInt(limit),
		})
	})
	if err != nil {
		return domain.CloudOrderDetail{}, err
	}
	o := resp.OrderInfo
	if o == nil || str(o.OrderId) == "" {
		return domain.CloudOrderDetail{}, c.fail(op, caller{}, failure{status: resp.HttpStatusCode, undecoded: true}, nil)
	}
	d := domain.CloudOrderDetail{
		Order: cloudOrder(orderFields{
			o.OrderId, o.CustomerId, o.ServiceTypeCode, o.ServiceTypeName, o.Status, o.OrderType,
			o.AmountAfterDiscount, o.OfficialAmount, o.Currency, o.CreateTime, o.PaymentTime, o.PendingPaymentEndTime, o.AmountInfo,
		}),
		TotalLines: num(resp.TotalCount),
	}
	if resp.OrderLineItems != nil {
		for _, l := range *resp.OrderLineItems {
			d.Lines = append(d.Lines, domain.CloudOrderLine{
				ID:              str(l.OrderLineItemId),
				ServiceTypeCode: str(l.ServiceTypeCode),
				ProductID:       str(l.ProductId),
				SpecDescription: str(l.ProductSpecDesc),
				Period:          linePeriod(l.PeriodType),
				Periods:         num(l.PeriodNum),
				EffectiveAt:     parseTime(l.EffectiveTime),
				ExpiresAt:       parseTime(l.ExpireTime),
				Quantity:        num(l.SubscriptionNum),
				Amount:          fenFloat(l.AmountAfterDiscount),
				Official:        fenFloat(l.OfficialAmount),
				Currency:        currency(l.Currency),
			})
		}
	}
	return d, nil
}

// orderFields is what CustomerOrderV2 and V3 share.
type orderFields struct {
	id, customer, serviceCode, serviceName *string
	status, typ                            *int32
	amount, official                       *float64
	currency, created, paid, deadline      *string
	info                                   *model.AmountInfomationV2
}

func cloudOrder(f orderFields) domain.CloudOrder {
	o := domain.CloudOrder{
		ID:              str(f.id),
		CustomerID:      str(f.customer),
		ServiceTypeCode: str(f.serviceCode),
		ServiceTypeName: str(f.serviceName),
		Status:          domain.CloudOrderStatus(num(f.status)),
		Type:            domain.CloudOrderType(num(f.typ)),
		Amount:          fenFloat(f.amount),
		Official:        fenFloat(f.official),
		Currency:        currency(f.currency),
		CreatedAt:       parseTime(f.created),
		PaidAt:          parseTime(f.paid),
		PaymentDeadline: parseTime(f.deadline),
	}
	if i := f.info; i != nil {
		o.CouponAmount = fenFloat(i.CouponAmount)
		o.HandlingFee = fenFloat(i.CommissionAmount)
		o.ConsumedAmount = fenFloat(i.ConsumedAmount)
		if i.Discounts != nil {
			for _, d := range *i.Discounts {
				o.Discounts = append(o.Discounts, domain.CloudOrderDiscount{Type: str(d.DiscountType), Amount: fenFloat(d.DiscountAmount)})
			}
		}
	}
	return o
}

// PayOrder implements domain.CloudOrders. Never retried here: PayOrders has
// no idempotency key, and an unknown outcome is read back by the caller.
func (c *Client) PayOrder(ctx context.Context, customerID string, req domain.CloudPayOrder) error {
	if err := required("order id", req.OrderID); err != nil {
		return err
	}
	if err := validCount("coupons", len(req.CouponIDs), 0, 3); err != nil {
		return err
	}
	body := &model.PayCustomerOrderV3Req{OrderId: req.OrderID, UseCoupon: "NO", UseDiscount: "NO"}
	if len(req.CouponIDs) > 0 {
		coupons := make([]model.CouponSimpleInfoOrderPayV3, 0, len(req.CouponIDs))
		for _, cp := range req.CouponIDs {
			coupons = append(coupons, model.CouponSimpleInfoOrderPayV3{Id: cp.ID, Type: int32(cp.Type)})
		}
		body.UseCoupon, body.CouponInfos = "YES", &coupons
	}
	if d := req.DiscountID; d != nil {
		body.UseDiscount = "YES"
		body.DiscountInfos = &[]model.DiscountSimpleInfoV3{{Id: d.ID, Type: int32(d.Type)}}
	}
	_, err := customerBSS(ctx, c, effectOp("PayOrders"), customerID, func(cl *bss.BssClient) (*model.PayOrdersResponse, error) {
		return cl.PayOrders(&model.PayOrdersRequest{Body: body})
	})
	return err
}

// CancelOrder implements domain.CloudOrders.
func (c *Client) CancelOrder(ctx context.Context, customerID, orderID string) error {
	if err := required("order id", orderID); err != nil {
		return err
	}
	_, err := customerBSS(ctx, c, effectOp("CancelCustomerOrder"), customerID, func(cl *bss.BssClient) (*model.CancelCustomerOrderResponse, error) {
		return cl.CancelCustomerOrder(&model.CancelCustomerOrderRequest{Body: &model.CancelCustomerOrderReq{OrderId: orderID}})
	})
	return err
}

// RefundDetails implements domain.CloudOrders.
func (c *Client) RefundDetails(ctx context.Context, customerID, orderID string) ([]domain.CloudRefund, error) {
	if err := required("order id", orderID); err != nil {
		return nil, err
	}
	if err := required("customer id", customerID); err != nil {
		return nil, err
	}
	resp, err := partnerBSS(ctx, c, readOp("ShowRefundOrderDetails"), func(cl *bss.BssClient) (*model.ShowRefundOrderDetailsResponse, error) {
		return cl.ShowRefundOrderDetails(&model.ShowRefundOrderDetailsRequest{OrderId: orderID, CustomerId: &customerID})
	})
	if err != nil {
		return nil, err
	}
	var out []domain.CloudRefund
	if resp.RefundInfos != nil {
		for _, r := range *resp.RefundInfos {
			out = append(out, domain.CloudRefund{
				ID: r.Id, Amount: fen(r.Amount), CustomerID: r.CustomerId,
				ServiceTypeCode: r.ServiceTypeCode, ResourceTypeCode: r.ResourceTypeCode,
				Region: r.RegionCode, BaseOrderID: str(r.BaseOrderId),
			})
		}
	}
	return out, nil
}
