package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/shopspring/decimal"

	"github.com/partnerlab/storefront/internal/domain"
	"github.com/partnerlab/storefront/internal/store/internal/db"
)

// Orders: orders, their lines and saga steps (domain.OrderStore).

func ordersErr(err error, what string) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.ConstraintName {
		case "orders_quote_key":
			return domain.Wrap(err, domain.CodeQuoteUsed, "the quote has already been ordered")
		case "orders_request_key", "orders_huawei_order_key", "order_lines_upstream_key":
			return domain.Wrap(err, domain.CodeAlreadyExists, what+" already exists")
		}
	}
	return moneyErr(err, what)
}

func numericOf(d *decimal.Decimal) pgtype.Numeric {
	if d == nil {
		return pgtype.Numeric{}
	}
	return pgtype.Numeric{Int: d.Coefficient(), Exp: d.Exponent(), Valid: true}
}

func numericDecimal(n pgtype.Numeric) *decimal.Decimal {
	if !n.Valid || n.Int == nil {
		return nil
	}
	d := decimal.NewFromBigInt(n.Int, n.Exp)
	return &d
}

func (c *CommerceStore) OrderQuote(ctx context.Context, id uuid.UUID) (domain.OrderQuote, error) {
	r, err := c.s.q.OrderQuote(ctx, id)
	if err != nil {
		return domain.OrderQuote{}, translate(err, "quote")
	}
	q := domain.OrderQuote{ID: r.ID, Kind: domain.QuoteKind(r.Kind), CustomerID: r.CustomerID, Amount: r.Amount, Currency: r.Currency,
		ExpiresAt: r.ExpiresAt, OrderID: r.OrderID}
	rows, err := c.s.q.OrderQuoteLines(ctx, id)
	if err != nil {
		return domain.OrderQuote{}, translate(err, "quote lines")
	}
	for _, l := range rows {
		ql := domain.OrderQuoteLine{Index: int(l.Idx), Quantity: int(l.Quantity), PeriodType: domain.PeriodType(l.PeriodType),
			PeriodCount: int(l.PeriodCount), Amount: l.Amount, ProductKind: domain.ProductKind(l.ProductKind), Region: l.Region,
			AvailabilityZone: l.AvailabilityZone, Spec: l.Spec, ImageRef: l.ImageRef, RootVolumeType: l.RootVolumeType,
			RootVolumeGB: int(l.RootVolumeGb), HuaweiResourceID: l.HuaweiResourceID}
		if l.ProductID != nil {
			ql.ProductID = *l.ProductID
		}
		if l.ResourceID != nil {
			ql.ResourceID = *l.ResourceID
		}
		if l.SizeGb != nil {
			ql.SizeGB = int(*l.SizeGb)
		}
		q.Lines = append(q.Lines, ql)
	}
	return q, nil
}

func (c *CommerceStore) CreateOrder(ctx context.Context, o domain.Order) error {
	var req []byte
	if o.Request != nil {
		var err error
		if req, err = json.Marshal(o.Request); err != nil {
			return err
		}
	}
	err := c.s.q.CreateOrder(ctx, db.CreateOrderParams{ID: o.ID, Kind: string(o.Kind), CustomerID: o.CustomerID, QuoteID: optUUID(o.QuoteID),
		Status: string(o.Status), Source: string(o.Source), Amount: o.Amount, Currency: domain.CurrencyCNY, RefundAmount: numericOf(o.Refund),
		Request: req, HuaweiOrderID: nullable(o.HuaweiOrderID), CreatedBy: optUUID(o.CreatedBy), RequestKey: nullable(o.RequestKey),
		CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt})
	if err != nil {
		return ordersErr(err, "order")
	}
	for _, l := range o.Lines {
		if err := c.CreateOrderLine(ctx, o.ID, l); err != nil {
			return err
		}
	}
	return nil
}

func (c *CommerceStore) CreateOrderLine(ctx context.Context, orderID uuid.UUID, l domain.OrderLine) error {
	err := c.s.q.CreateOrderLine(ctx, db.CreateOrderLineParams{OrderID: orderID, Idx: int32(l.Index), Amount: l.Amount, ClientToken: l.ClientToken,
		PaymentID: optUUID(l.PaymentID), Status: string(l.Status), UpstreamOrderID: nullable(l.UpstreamOrderID)})
	return ordersErr(err, "order line")
}

func orderFromDB(r db.Order) (domain.Order, error) {
	o := domain.Order{ID: r.ID, Kind: domain.OrderKind(r.Kind), CustomerID: r.CustomerID, Status: domain.OrderStatus(r.Status),
		Source: domain.OrderSource(r.Source), Amount: r.Amount, Currency: r.Currency, Refund: numericDecimal(r.RefundAmount),
		ErrorCode: deref(r.ErrorCode), ErrorMessage: deref(r.ErrorMessage), HuaweiOrderID: deref(r.HuaweiOrderID),
		RequestKey: deref(r.RequestKey), CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if r.QuoteID != nil {
		o.QuoteID = *r.QuoteID
	}
	if r.CreatedBy != nil {
		o.CreatedBy = *r.CreatedBy
	}
	if len(r.Request) > 0 {
		if err := json.Unmarshal(r.Request, &o.Request); err != nil {
			return domain.Order{}, fmt.Errorf("store: order %s request: %w", r.ID, err)
		}
	}
	return o, nil
}

func (c *CommerceStore) lines(ctx context.Context, o *domain.Order) error {
	rows, err := c.s.q.OrderLines(ctx, o.ID)
	if err != nil {
		return translate(err, "order lines")
	}
	o.Lines = make([]domain.OrderLine, len(rows))
	for i, l := range rows {
		o.Lines[i] = domain.OrderLine{Index: int(l.Idx), Amount: l.Amount, ClientToken: l.ClientToken, UpstreamOrderID: deref(l.UpstreamOrderID),
			UpstreamJobID: deref(l.UpstreamJobID), UpstreamAmount: numericDecimal(l.UpstreamAmount), Status: domain.OrderLineStatus(l.Status),
			HuaweiResourceIDs: l.HuaweiResourceIds}
		if l.PaymentID != nil {
			o.Lines[i].PaymentID = *l.PaymentID
		}
	}
	return nil
}

func (c *CommerceStore) Order(ctx context.Context, id uuid.UUID) (domain.Order, error) {
	r, err := c.s.q.GetOrder(ctx, id)
	if err != nil {
		return domain.Order{}, translate(err, "order")
	}
	o, err := orderFromDB(r)
	if err != nil {
		return o, err
	}
	if err := c.lines(ctx, &o); err != nil {
		return o, err
	}
	steps, err := c.s.q.OrderSteps(ctx, id)
	if err != nil {
		return o, translate(err, "order steps")
	}
	o.Steps = make([]domain.OrderStep, len(steps))
	for i, st := range steps {
		o.Steps[i] = domain.OrderStep{Name: st.Name, Line: -1, Status: domain.StepStatus(st.Status), At: st.At, UpstreamRef: deref(st.UpstreamRef)}
		if st.Line != nil {
			o.Steps[i].Line = int(*st.Line)
		}
		if len(st.Error) > 0 {
			var d domain.UpstreamDetail
			if err := json.Unmarshal(st.Error, &d); err == nil {
				o.Steps[i].Error = &d
			}
		}
	}
	rids, err := c.s.q.OrderResourceIDs(ctx, id)
	if err != nil {
		return o, translate(err, "order resources")
	}
	o.ResourceIDs = rids
	return o, nil
}

func (c *CommerceStore) OrderForUpdate(ctx context.Context, id uuid.UUID) (domain.Order, error) {
	r, err := c.s.q.GetOrderForUpdate(ctx, id)
	if err != nil {
		return domain.Order{}, translate(err, "order")
	}
	o, err := orderFromDB(r)
	if err != nil {
		return o, err
	}
	return o, c.lines(ctx, &o)
}

func (c *CommerceStore) OrderByRequestKey(ctx context.Context, createdBy uuid.UUID, key string) (domain.Order, error) {
	r, err := c.s.q.OrderByRequestKey(ctx, db.OrderByRequestKeyParams{CreatedBy: &createdBy, RequestKey: &key})
	if err != nil {
		return domain.Order{}, translate(err, "order")
	}
	return orderFromDB(r)
}

func (c *CommerceStore) OrderByHuaweiID(ctx context.Context, huaweiOrderID string) (domain.Order, error) {
	r, err := c.s.q.OrderByHuaweiID(ctx, &huaweiOrderID)
	if err != nil {
		return domain.Order{}, translate(err, "order")
	}
	return orderFromDB(r)
}

func (c *CommerceStore) UpdateOrder(ctx context.Context, o domain.Order) error {
	err := c.s.q.UpdateOrder(ctx, db.UpdateOrderParams{ID: o.ID, Status: string(o.Status), RefundAmount: numericOf(o.Refund),
		ErrorCode: nullable(o.ErrorCode), ErrorMessage: nullable(o.ErrorMessage), UpdatedAt: o.UpdatedAt})
	return ordersErr(err, "order")
}

func (c *CommerceStore) UpdateOrderLine(ctx context.Context, orderID uuid.UUID, l domain.OrderLine) error {
	ids := l.HuaweiResourceIDs
	if ids == nil {
		ids = []string{}
	}
	err := c.s.q.UpdateOrderLine(ctx, db.UpdateOrderLineParams{OrderID: orderID, Idx: int32(l.Index), Status: string(l.Status),
		UpstreamOrderID: nullable(l.UpstreamOrderID), UpstreamJobID: nullable(l.UpstreamJobID), UpstreamAmount: numericOf(l.UpstreamAmount),
		HuaweiResourceIds: ids})
	return ordersErr(err, "order line")
}

func (c *CommerceStore) SaveStep(ctx context.Context, orderID uuid.UUID, st domain.OrderStep) error {
	p := db.UpsertOrderStepParams{OrderID: orderID, Name: st.Name, Status: string(st.Status), UpstreamRef: nullable(st.UpstreamRef), At: st.At}
	if st.Line >= 0 {
		l := int32(st.Line)
		p.Line = &l
	}
	if st.Error != nil {
		b, err := json.Marshal(st.Error)
		if err != nil {
			return err
		}
		p.Error = b
	}
	return translate(c.s.q.UpsertOrderStep(ctx, p), "order step")
}

func (c *CommerceStore) ListOrders(ctx context.Context, f domain.OrderFilter, before uuid.UUID, limit int) ([]domain.Order, error) {
	rows, err := c.s.q.ListOrders(ctx, db.ListOrdersParams{BeforeID: optUUID(before), ByCustomer: optUUID(f.CustomerID),
		ByStatus: nullable(string(f.Status)), ByKind: nullable(string(f.Kind)), BySource: nullable(string(f.Source)), MaxRows: int32(limit)})
	if err != nil {
		return nil, translate(err, "orders")
	}
	out := make([]domain.Order, 0, len(rows))
	for _, r := range rows {
		o, err := c.Order(ctx, r.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

func (c *CommerceStore) OrderPayments(ctx context.Context, orderID uuid.UUID) ([]domain.MoneyOperation, error) {
	rows, err := c.s.q.OrderPayments(ctx, &orderID)
	return operationsFromDB(rows, err)
}

func (c *CommerceStore) OrderResourcesByIDs(ctx context.Context, ids []uuid.UUID) ([]domain.OrderResource, error) {
	rows, err := c.s.q.OrderResourcesByIDs(ctx, ids)
	if err != nil {
		return nil, translate(err, "resources")
	}
	out := make([]domain.OrderResource, len(rows))
	for i, r := range rows {
		out[i] = domain.OrderResource{ID: r.ID, CustomerID: r.CustomerID, HuaweiResourceID: r.HuaweiResourceID, Status: domain.ResourceStatus(r.Status), Main: r.Main}
	}
	return out, nil
}

func (c *CommerceStore) OrderResourceIDsByHuaweiIDs(ctx context.Context, huaweiIDs []string) (map[string]uuid.UUID, error) {
	out := map[string]uuid.UUID{}
	if len(huaweiIDs) == 0 {
		return out, nil
	}
	rows, err := c.s.q.OrderResourceIDsByHuaweiIDs(ctx, huaweiIDs)
	if err != nil {
		return nil, translate(err, "resources")
	}
	for _, r := range rows {
		out[r.HuaweiResourceID] = r.ID
	}
	return out, nil
}

func (c *CommerceStore) AddOrderResourceTerm(ctx context.Context, t domain.ResourceTerm) error {
	return translate(c.s.q.AddOrderResourceTerm(ctx, db.AddOrderResourceTermParams{ResourceID: t.ResourceID, HuaweiOrderID: t.HuaweiOrderID,
		StartsAt: t.StartsAt, EndsAt: t.EndsAt, Paid: t.Paid}), "resource term")
}

func (c *CommerceStore) AddOrderFiveDayRefund(ctx context.Context, customerID uuid.UUID, huaweiResourceID string, orderID uuid.UUID, at time.Time) error {
	return translate(c.s.q.AddOrderFiveDayRefund(ctx, db.AddOrderFiveDayRefundParams{CustomerID: customerID, HuaweiResourceID: huaweiResourceID,
		OrderID: orderID, At: at}), "five-day refund")
}

func (c *CommerceStore) KnownHuaweiOrders(ctx context.Context, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := c.s.q.OrderedHuaweiIDs(ctx, ids)
	if err != nil {
		return nil, translate(err, "orders")
	}
	for _, r := range rows {
		out[r] = true
	}
	return out, nil
}
