package http

import (
	"context"

	"github.com/google/uuid"

	"github.com/partnerlab/storefront/internal/domain"
	genapi "github.com/partnerlab/storefront/internal/http/api"
)

func (h *handlers) ListOrders(ctx context.Context, req genapi.ListOrdersRequestObject) (genapi.ListOrdersResponseObject, error) {
	p, _ := principal(ctx)
	before, limit, err := pageParams(req.Params.Cursor, req.Params.Limit)
	if err != nil {
		return nil, err
	}
	q := req.Params
	var f domain.OrderFilter
	if q.CustomerId != nil {
		f.CustomerID = *q.CustomerId
	}
	if q.Status != nil {
		f.Status = domain.OrderStatus(*q.Status)
	}
	if q.Kind != nil {
		f.Kind = domain.OrderKind(*q.Kind)
	}
	if q.Source != nil {
		f.Source = domain.OrderSource(*q.Source)
	}
	page, err := h.s.commerce.ListOrders(ctx, p, f, before, limit)
	if err != nil {
		return nil, err
	}
	out := genapi.OrderPage{Items: make([]genapi.Order, len(page.Items)), NextCursor: cursorOut(page.Next)}
	for i, o := range page.Items {
		out.Items[i] = orderOut(o)
	}
	return genapi.ListOrders200JSONResponse{Body: out}, nil
}

func (h *handlers) CreateOrder(ctx context.Context, req genapi.CreateOrderRequestObject) (genapi.CreateOrderResponseObject, error) {
	p, _ := principal(ctx)
	o, err := h.s.commerce.PlaceOrder(ctx, p, domain.QuoteNew, req.Body.QuoteId, req.Params.IdempotencyKey)
	if err != nil {
		return nil, err
	}
	return genapi.CreateOrder202JSONResponse{Body: orderOut(o)}, nil
}

func (h *handlers) GetOrder(ctx context.Context, req genapi.GetOrderRequestObject) (genapi.GetOrderResponseObject, error) {
	p, _ := principal(ctx)
	o, err := h.s.commerce.GetOrder(ctx, p, req.Id)
	if err != nil {
		return nil, err
	}
	return genapi.GetOrder200JSONResponse{Body: orderOut(o)}, nil
}

func (h *handlers) CancelOrder(ctx context.Context, req genapi.CancelOrderRequestObject) (genapi.CancelOrderResponseObject, error) {
	p, _ := principal(ctx)
	o, err := h.s.commerce.CancelOrder(ctx, p, req.Id)
	if err != nil {
		return nil, err
	}
	return genapi.CancelOrder202JSONResponse{Body: orderOut(o)}, nil
}

func (h *handlers) CreateRenewal(ctx context.Context, req genapi.CreateRenewalRequestObject) (genapi.CreateRenewalResponseObject, error) {
	p, _ := principal(ctx)
	o, err := h.s.commerce.PlaceOrder(ctx, p, domain.QuoteRenewal, req.Body.QuoteId, req.Params.IdempotencyKey)
	if err != nil {
		return nil, err
	}
	return genapi.CreateRenewal202JSONResponse{Body: orderOut(o)}, nil
}

func (h *handlers) CreateUnsubscription(ctx context.Context, req genapi.CreateUnsubscriptionRequestObject) (genapi.CreateUnsubscriptionResponseObject, error) {
	p, _ := principal(ctx)
	b := req.Body
	in := domain.UnsubscriptionInput{ResourceIDs: b.ResourceIds, AcceptFee: b.AcceptFee, RequestKey: req.Params.IdempotencyKey}
	if b.ReasonType != nil {
		in.ReasonType = int(*b.ReasonType)
	}
	if b.Reason != nil {
		in.Reason = *b.Reason
	}
	o, err := h.s.commerce.Unsubscribe(ctx, p, in)
	if err != nil {
		return nil, err
	}
	return genapi.CreateUnsubscription202JSONResponse{Body: orderOut(o)}, nil
}

func orderOut(o domain.Order) genapi.Order {
	out := genapi.Order{Id: o.ID, Kind: genapi.OrderKind(o.Kind), CustomerId: o.CustomerID, Status: genapi.OrderStatus(o.Status),
		Source: genapi.OrderSource(o.Source), Total: genapi.Total{Amount: money(o.Amount), Currency: genapi.TotalCurrency(domain.CurrencyCNY)},
		Steps: make([]genapi.OrderStep, len(o.Steps)), ResourceIds: o.ResourceIDs, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt}
	if out.ResourceIds == nil {
		out.ResourceIds = []uuid.UUID{}
	}
	if o.QuoteID != uuid.Nil {
		q := o.QuoteID
		out.QuoteId = &q
	}
	if o.Refund != nil {
		out.Refund = &genapi.Total{Amount: money(*o.Refund), Currency: genapi.TotalCurrency(domain.CurrencyCNY)}
	}
	if o.ErrorCode != "" && !o.Status.Open() {
		out.Error = &genapi.OrderError{Code: o.ErrorCode, Message: o.ErrorMessage}
	}
	var ups []string
	for _, l := range o.Lines {
		if l.UpstreamOrderID != "" {
			ups = append(ups, l.UpstreamOrderID)
		}
	}
	if o.HuaweiOrderID != "" {
		ups = append(ups, o.HuaweiOrderID)
	}
	if ups != nil {
		out.UpstreamOrderIds = &ups
	}
	for i, st := range o.Steps {
		at := st.At
		s := genapi.OrderStep{Name: st.Name, Status: genapi.OrderStepStatus(st.Status), At: &at, UpstreamRef: optString(st.UpstreamRef)}
		if st.Line >= 0 {
			l := int32(st.Line)
			s.Line = &l
		}
		if e := st.Error; e != nil {
			me := genapi.MoneyOperationError{Operation: e.Operation, Code: optString(e.Code), Message: e.Message, Outcome: genapi.MoneyOperationErrorOutcome(e.Outcome)}
			if me.Outcome == "" {
				me.Outcome = genapi.MoneyOperationErrorOutcome(domain.OutcomeUnknown)
			}
			if e.HTTPStatus != 0 {
				hs := int32(e.HTTPStatus)
				me.HttpStatus = &hs
			}
			s.Error = &me
		}
		out.Steps[i] = s
	}
	return out
}
