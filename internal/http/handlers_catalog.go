package http

import (
	"context"

	"github.com/google/uuid"

	"github.com/partnerlab/storefront/internal/domain"
	genapi "github.com/partnerlab/storefront/internal/http/api"
)

// --- catalogue ---

func (h *handlers) ListProducts(ctx context.Context, req genapi.ListProductsRequestObject) (genapi.ListProductsResponseObject, error) {
	p, _ := principal(ctx)
	after, limit, err := pageParams(req.Params.Cursor, req.Params.Limit)
	if err != nil {
		return nil, err
	}
	q := domain.ProductQuery{After: after, Limit: limit, Enabled: req.Params.Enabled}
	if req.Params.Kind != nil {
		q.Kind = domain.ProductKind(*req.Params.Kind)
	}
	page, err := h.s.commerce.ListProducts(ctx, p, q)
	if err != nil {
		return nil, err
	}
	out := genapi.ProductPage{Items: make([]genapi.Product, len(page.Items)), NextCursor: cursorOut(page.Next)}
	for i, pr := range page.Items {
		out.Items[i] = productOut(pr)
	}
	return genapi.ListProducts200JSONResponse{Body: out}, nil
}

func (h *handlers) CreateProduct(ctx context.Context, req genapi.CreateProductRequestObject) (genapi.CreateProductResponseObject, error) {
	p, _ := principal(ctx)
	b := req.Body
	in := domain.ProductInput{Kind: domain.ProductKind(b.Kind), Name: b.Name, Region: b.Region, Spec: b.Spec,
		AvailabilityZone: deref(b.AvailabilityZone), ImageRef: deref(b.ImageRef), Enabled: b.Enabled,
		MinSizeGB: intOf(b.MinSizeGb), MaxSizeGB: intOf(b.MaxSizeGb), MaxMonths: intOf(b.MaxPeriod.Month), MaxYears: intOf(b.MaxPeriod.Year)}
	for _, pt := range b.PeriodTypes {
		in.PeriodTypes = append(in.PeriodTypes, domain.PeriodType(pt))
	}
	if rv := b.RootVolume; rv != nil {
		in.RootVolumeType, in.RootVolumeGB = string(rv.Type), int(rv.SizeGb)
	}
	pr, err := h.s.commerce.CreateProduct(ctx, p, in)
	if err != nil {
		return nil, err
	}
	return genapi.CreateProduct201JSONResponse{Body: productOut(pr)}, nil
}

func (h *handlers) GetProduct(ctx context.Context, req genapi.GetProductRequestObject) (genapi.GetProductResponseObject, error) {
	p, _ := principal(ctx)
	pr, err := h.s.commerce.GetProduct(ctx, p, req.Id)
	if err != nil {
		return nil, err
	}
	return genapi.GetProduct200JSONResponse{Body: productOut(pr)}, nil
}

func (h *handlers) UpdateProduct(ctx context.Context, req genapi.UpdateProductRequestObject) (genapi.UpdateProductResponseObject, error) {
	p, _ := principal(ctx)
	b := req.Body
	in := domain.ProductPatch{Name: b.Name, Enabled: b.Enabled}
	if b.PeriodTypes != nil {
		in.PeriodTypes = []domain.PeriodType{}
		for _, pt := range *b.PeriodTypes {
			in.PeriodTypes = append(in.PeriodTypes, domain.PeriodType(pt))
		}
	}
	if b.MaxPeriod != nil {
		in.MaxPeriod = &struct{ Months, Years int }{intOf(b.MaxPeriod.Month), intOf(b.MaxPeriod.Year)}
	}
	pr, err := h.s.commerce.UpdateProduct(ctx, p, req.Id, in)
	if err != nil {
		return nil, err
	}
	return genapi.UpdateProduct200JSONResponse{Body: productOut(pr)}, nil
}

func (h *handlers) ListResourceTypes(ctx context.Context, _ genapi.ListResourceTypesRequestObject) (genapi.ListResourceTypesResponseObject, error) {
	out, err := h.cloudTypes(ctx, domain.CloudTypeResource)
	if err != nil {
		return nil, err
	}
	return genapi.ListResourceTypes200JSONResponse{Body: out}, nil
}

func (h *handlers) ListServiceTypes(ctx context.Context, _ genapi.ListServiceTypesRequestObject) (genapi.ListServiceTypesResponseObject, error) {
	out, err := h.cloudTypes(ctx, domain.CloudTypeService)
	if err != nil {
		return nil, err
	}
	return genapi.ListServiceTypes200JSONResponse{Body: out}, nil
}

func (h *handlers) cloudTypes(ctx context.Context, kind domain.CloudTypeKind) (genapi.CloudTypeList, error) {
	ts, err := h.s.commerce.CloudTypes(ctx, kind)
	if err != nil {
		return genapi.CloudTypeList{}, err
	}
	out := genapi.CloudTypeList{Items: make([]genapi.CloudType, len(ts))}
	for i, t := range ts {
		out.Items[i] = genapi.CloudType{Code: t.Code, Name: t.Name, Abbreviation: optString(t.Abbreviation),
			Description: optString(t.Description), ServiceType: optString(t.ServiceType)}
		if out.SyncedAt == nil || t.SyncedAt.Before(*out.SyncedAt) {
			out.SyncedAt = optTime(t.SyncedAt)
		}
	}
	return out, nil
}

func productOut(p domain.Product) genapi.Product {
	out := genapi.Product{Id: p.ID, Kind: genapi.ProductKind(p.Kind), Name: p.Name, Region: p.Region, Spec: p.Spec,
		AvailabilityZone: optString(p.AvailabilityZone), ServiceType: optString(p.ServiceType), ResourceType: optString(p.ResourceType),
		ImageRef: optString(p.ImageRef), MinSizeGb: optInt32(p.MinSizeGB), MaxSizeGb: optInt32(p.MaxSizeGB), Enabled: p.Enabled,
		MaxPeriod: genapi.MaxPeriod{Month: optInt32(p.MaxFor(domain.PeriodMonth)), Year: optInt32(p.MaxFor(domain.PeriodYear))},
		CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(), PeriodTypes: []genapi.ProductPeriodTypes{}}
	for _, pt := range p.PeriodTypes {
		out.PeriodTypes = append(out.PeriodTypes, genapi.ProductPeriodTypes(pt))
	}
	if p.RootVolumeType != "" {
		out.RootVolume = &genapi.RootVolume{Type: genapi.RootVolumeType(p.RootVolumeType), SizeGb: int32(p.RootVolumeGB)}
	}
	return out
}

// --- quotes ---

func (h *handlers) CreateQuote(ctx context.Context, req genapi.CreateQuoteRequestObject) (genapi.CreateQuoteResponseObject, error) {
	p, _ := principal(ctx)
	b := req.Body
	var customer uuid.UUID
	if b.CustomerId != nil {
		customer = *b.CustomerId
	}
	lines := make([]domain.QuoteLineInput, len(b.Lines))
	for i, l := range b.Lines {
		lines[i] = domain.QuoteLineInput{ProductID: l.ProductId, Quantity: int(l.Quantity), SizeGB: intOf(l.SizeGb),
			PeriodType: domain.PeriodType(l.PeriodType), PeriodCount: int(l.PeriodCount)}
	}
	q, err := h.s.commerce.Quote(ctx, p, customer, lines)
	if err != nil {
		return nil, err
	}
	return genapi.CreateQuote201JSONResponse{Body: quoteOut(q)}, nil
}

func (h *handlers) GetQuote(ctx context.Context, req genapi.GetQuoteRequestObject) (genapi.GetQuoteResponseObject, error) {
	p, _ := principal(ctx)
	q, err := h.s.commerce.GetQuote(ctx, p, req.Id)
	if err != nil {
		return nil, err
	}
	return genapi.GetQuote200JSONResponse{Body: quoteOut(q)}, nil
}

func (h *handlers) CreateRenewalQuote(ctx context.Context, req genapi.CreateRenewalQuoteRequestObject) (genapi.CreateRenewalQuoteResponseObject, error) {
	p, _ := principal(ctx)
	b := req.Body
	q, err := h.s.commerce.RenewalQuote(ctx, p, b.ResourceIds, domain.PeriodType(b.PeriodType), int(b.PeriodCount))
	if err != nil {
		return nil, err
	}
	return genapi.CreateRenewalQuote201JSONResponse{Body: quoteOut(q)}, nil
}

func discountOut(d domain.Discount) genapi.Discount {
	return genapi.Discount{Id: d.ID, Type: int32(d.Type), Name: d.Name, Amount: money(d.Amount)}
}

func quoteOut(q domain.Quote) genapi.Quote {
	official, discount := money(q.Official), money(q.Discount)
	out := genapi.Quote{Id: q.ID, Kind: genapi.QuoteKind(q.Kind), CustomerId: q.CustomerID, ExpiresAt: q.ExpiresAt.UTC(), CreatedAt: q.CreatedAt.UTC(),
		OrderId: optID(q.OrderID), Lines: make([]genapi.QuoteLine, len(q.Lines)),
		Total: genapi.Total{Amount: money(q.Amount), Currency: genapi.TotalCurrency(currency(q.Currency)), Official: &official, Discount: &discount}}
	for i, l := range q.Lines {
		ql := genapi.QuoteLine{Index: int32(l.Index), ProductId: optID(l.ProductID), ResourceId: optID(l.ResourceID), Quantity: int32(l.Quantity),
			SizeGb: optInt32(l.SizeGB), PeriodType: genapi.QuoteLinePeriodType(l.PeriodType), PeriodCount: int32(l.PeriodCount),
			Official: money(l.Official), Discount: money(l.Discount), Amount: money(l.Amount), Discounts: make([]genapi.Discount, len(l.Discounts))}
		for j, d := range l.Discounts {
			ql.Discounts[j] = discountOut(d)
		}
		if l.Chosen != nil {
			d := discountOut(*l.Chosen)
			ql.ChosenDiscount = &d
		}
		out.Lines[i] = ql
	}
	return out
}

// --- resources ---

func (h *handlers) ListResources(ctx context.Context, req genapi.ListResourcesRequestObject) (genapi.ListResourcesResponseObject, error) {
	p, _ := principal(ctx)
	after, limit, err := pageParams(req.Params.Cursor, req.Params.Limit)
	if err != nil {
		return nil, err
	}
	q := domain.ResourceQuery{After: after, Limit: limit}
	if req.Params.CustomerId != nil {
		q.CustomerID = *req.Params.CustomerId
	}
	if req.Params.Status != nil {
		q.Status = domain.ResourceStatus(*req.Params.Status)
	}
	if req.Params.Kind != nil {
		q.Kind = domain.ResourceKind(*req.Params.Kind)
	}
	page, err := h.s.commerce.ListResources(ctx, p, q)
	if err != nil {
		return nil, err
	}
	out := genapi.ResourcePage{Items: make([]genapi.Resource, len(page.Items)), NextCursor: cursorOut(page.Next)}
	for i, r := range page.Items {
		out.Items[i] = resourceOut(r)
	}
	return genapi.ListResources200JSONResponse{Body: out}, nil
}

func (h *handlers) GetResource(ctx context.Context, req genapi.GetResourceRequestObject) (genapi.GetResourceResponseObject, error) {
	p, _ := principal(ctx)
	r, err := h.s.commerce.GetResource(ctx, p, req.Id)
	if err != nil {
		return nil, err
	}
	return genapi.GetResource200JSONResponse{Body: resourceOut(r)}, nil
}

func (h *handlers) SetAutoRenew(ctx context.Context, req genapi.SetAutoRenewRequestObject) (genapi.SetAutoRenewResponseObject, error) {
	p, _ := principal(ctx)
	b := req.Body
	in := domain.AutoRenewInput{Enabled: b.Enabled, Times: intOf(b.Times)}
	if b.PeriodType != nil {
		in.PeriodType = domain.PeriodType(*b.PeriodType)
	}
	r, err := h.s.commerce.SetAutoRenew(ctx, p, req.Id, in)
	if err != nil {
		return nil, err
	}
	return genapi.SetAutoRenew202JSONResponse{Body: resourceOut(r)}, nil
}

func (h *handlers) CreateUnsubscriptionPreview(ctx context.Context, req genapi.CreateUnsubscriptionPreviewRequestObject) (genapi.CreateUnsubscriptionPreviewResponseObject, error) {
	p, _ := principal(ctx)
	pv, err := h.s.commerce.PreviewUnsubscription(ctx, p, req.Body.ResourceIds)
	if err != nil {
		return nil, err
	}
	total := money(pv.TotalRefund)
	out := genapi.UnsubscriptionPreview{Currency: genapi.UnsubscriptionPreviewCurrency(domain.CurrencyCNY), FeeApplies: pv.FeeApplies,
		TotalRefund: &total, Items: make([]genapi.UnsubscriptionPreviewItem, len(pv.Items))}
	for i, e := range pv.Items {
		paid, consumed := money(e.Paid), money(e.Consumed)
		out.Items[i] = genapi.UnsubscriptionPreviewItem{ResourceId: e.ResourceID, FullRefund: e.FullRefund, Reason: e.Reason,
			Paid: &paid, Consumed: &consumed, Fee: money(e.Fee), EstimatedRefund: money(e.EstimatedRefund), QuotaLeft: int32(e.QuotaLeft),
			FullRefundUntil: optTime(e.FullRefundUntil)}
	}
	return genapi.CreateUnsubscriptionPreview200JSONResponse{Body: out}, nil
}

func resourceOut(v domain.ResourceView) genapi.Resource {
	r := v.Resource
	out := genapi.Resource{Id: r.ID, CustomerId: r.CustomerID, ResourceId: r.HuaweiResourceID, Kind: genapi.ResourceKind(r.Kind),
		Name: optString(r.Name), Region: optString(r.Region), Spec: r.Spec, Status: genapi.ResourceStatus(r.Status),
		PrimaryId: optID(r.PrimaryID), OrderId: optID(r.OrderID), EffectiveAt: optTime(r.EffectiveAt), ExpiresAt: optTime(r.ExpiresAt),
		SyncedAt: optTime(r.SyncedAt), AutoRenew: r.AutoRenewOn(), Actions: actionsOut(v.Actions)}
	if a := r.AutoRenew; a != nil {
		s := &genapi.AutoRenewSetting{Enabled: a.Enabled, Status: genapi.AutoRenewSettingStatus(a.Status)}
		if a.Enabled {
			s.Times = optInt32Zero(a.Times)
			if a.PeriodType != "" {
				pt := genapi.AutoRenewSettingPeriodType(a.PeriodType)
				s.PeriodType = &pt
			}
		}
		if e := a.Error; e != nil {
			me := genapi.MoneyOperationError{Operation: e.Operation, Code: optString(e.Code), Message: e.Message,
				Outcome: genapi.MoneyOperationErrorOutcome(e.Outcome)}
			if e.HTTPStatus != 0 {
				st := int32(e.HTTPStatus)
				me.HttpStatus = &st
			}
			s.Error = &me
		}
		out.AutoRenewSetting = s
	}
	return out
}

func actionsOut(a domain.ResourceActions) genapi.ResourceActions {
	out := genapi.ResourceActions{
		Renew:       genapi.ActionRenew{Allowed: a.Renew.Allowed, Reason: optString(a.Renew.Reason), Until: optTime(a.Renew.Until), PeriodTypes: []genapi.ActionRenewPeriodTypes{}},
		Unsubscribe: genapi.ActionUnsubscribe{Allowed: a.Unsubscribe.Allowed, Reason: optString(a.Unsubscribe.Reason), FullRefundUntil: optTime(a.Unsubscribe.FullRefundUntil)},
		AutoRenew:   genapi.ActionSimple{Allowed: a.AutoRenew.Allowed, Reason: optString(a.AutoRenew.Reason)},
	}
	for _, pt := range a.Renew.PeriodTypes {
		out.Renew.PeriodTypes = append(out.Renew.PeriodTypes, genapi.ActionRenewPeriodTypes(pt))
	}
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func intOf(n *int32) int {
	if n == nil {
		return 0
	}
	return int(*n)
}

func optInt32(n int) *int32 {
	if n == 0 {
		return nil
	}
	v := int32(n)
	return &v
}

func optInt32Zero(n int) *int32 {
	v := int32(n)
	return &v
}
