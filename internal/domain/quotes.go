package domain

import (
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// QuoteLineInput is one line of a cart.
type QuoteLineInput struct {
	ProductID   uuid.UUID
	Quantity    int
	SizeGB      int // EVS only; 0: absent
	PeriodType  PeriodType
	PeriodCount int
}

// MaxQuoteLines bounds a cart.
const MaxQuoteLines = 20

// buyer is the customer a quote or resource request acts for, checked for
// what buying needs: registered at Huawei, verified and not frozen.
func (s *CommerceService) buyer(ctx context.Context, actor Principal, customerID uuid.UUID) (Customer, error) {
	var c Customer
	var err error
	switch {
	case actor.Kind == PrincipalUser && actor.HasAnyRole(RoleCustomer):
		c, err = s.store.Customers().CustomerByUserID(ctx, actor.ID)
		if err != nil {
			return Customer{}, Errorf(CodeNotFound, "customer not found")
		}
		if customerID != uuid.Nil && customerID != c.ID {
			return Customer{}, Errorf(CodeNotFound, "customer not found")
		}
	case actor.Kind == PrincipalUser && actor.HasAnyRole(RoleOperator, RoleAdmin):
		if customerID == uuid.Nil {
			return Customer{}, fieldErr("customer_id", "required", "operators name the customer")
		}
		c, err = s.store.Customers().CustomerByID(ctx, customerID)
		if err != nil {
			return Customer{}, err
		}
	default:
		return Customer{}, ErrForbidden
	}
	if err := customerMayBuy(c); err != nil {
		return Customer{}, err
	}
	return c, nil
}

// Quote prices a cart with the customer's own credential and stores it for
// CommerceConfig.QuoteTTL. All lines of a region are priced in one
// RatePeriod call; an ECS line is its VM plus its root volume, so the line
// costs what the ECS create order will. Each line keeps the list price,
// every discount Huawei offered (the line's amount under it) and the one
// chosen: Huawei's best offer, else none (the list price).
// Errors: ErrForbidden, ErrNotFound, ErrValidation (naming lines.i.field, as the contract validation does),
// CodeCustomerNotRegistered, CodeCustomerNotVerified, CodeCustomerFrozen,
// upstream errors.
func (s *CommerceService) Quote(ctx context.Context, actor Principal, customerID uuid.UUID, lines []QuoteLineInput) (Quote, error) {
	var fe fieldErrors
	if len(lines) < 1 || len(lines) > MaxQuoteLines {
		fe.check("lines", "range", "1–20 lines")
	}
	ids := make([]uuid.UUID, 0, len(lines))
	for _, l := range lines {
		ids = append(ids, l.ProductID)
	}
	if err := fe.err(); err != nil {
		return Quote{}, err
	}
	ps, err := s.store.Commerce().ProductsByIDs(ctx, ids)
	if err != nil {
		return Quote{}, err
	}
	byID := map[uuid.UUID]Product{}
	for _, p := range ps {
		byID[p.ID] = p
	}
	for i, l := range lines {
		f := func(name string) string { return fmt.Sprintf("lines.%d.%s", i, name) }
		p, ok := byID[l.ProductID]
		if !ok || !p.Enabled {
			fe.check(f("product_id"), "unknown", "no such product, or it is not sold")
			continue
		}
		if l.Quantity < 1 || l.Quantity > 100 {
			fe.check(f("quantity"), "range", "1–100")
		}
		switch max := p.MaxFor(l.PeriodType); {
		case max == 0:
			fe.check(f("period_type"), "not_offered", "the product is not sold by the "+string(l.PeriodType))
		case l.PeriodCount < 1 || l.PeriodCount > max:
			fe.check(f("period_count"), "range", fmt.Sprintf("1–%d", max))
		}
		switch {
		case p.Kind == ProductECS && l.SizeGB != 0:
			fe.check(f("size_gb"), "not_allowed", "ECS lines have no size")
		case p.Kind == ProductEVS && l.SizeGB == 0:
			fe.check(f("size_gb"), "required", "EVS lines need a size")
		case p.Kind == ProductEVS && (l.SizeGB < p.MinSizeGB || l.SizeGB > p.MaxSizeGB):
			fe.check(f("size_gb"), "range", fmt.Sprintf("%d–%d", p.MinSizeGB, p.MaxSizeGB))
		}
	}
	if err := fe.err(); err != nil {
		return Quote{}, err
	}
	c, err := s.buyer(ctx, actor, customerID)
	if err != nil {
		return Quote{}, err
	}

	// One RatePeriod call per region.
	var regions []string
	for _, l := range lines {
		if r := byID[l.ProductID].Region; !slices.Contains(regions, r) {
			regions = append(regions, r)
		}
	}
	out := make([]QuoteLine, len(lines))
	for _, region := range regions {
		project, err := s.cloud.CustomerProjectID(ctx, c.DomainID, region)
		if err != nil {
			return Quote{}, err
		}
		var items []CloudPeriodItem
		owner := map[string]int{} // item id → line index
		for i, l := range lines {
			p := byID[l.ProductID]
			if p.Region != region {
				continue
			}
			for _, it := range productItems(p, fmt.Sprintf("l%d", i), l.PeriodType, l.PeriodCount, l.Quantity, l.SizeGB) {
				items = append(items, it)
				owner[it.ID] = i
			}
		}
		rated, err := s.cloud.RatePeriod(ctx, c.DomainID, CloudPeriodRating{ProjectID: project, Items: items})
		if err != nil {
			return Quote{}, err
		}
		priceLines(out, owner, rated)
	}
	q := Quote{ID: uuid.Must(uuid.NewV7()), Kind: QuoteNew, CustomerID: c.ID, Currency: CurrencyCNY, CreatedBy: actor.ID, CreatedAt: s.now()}
	for i, l := range lines {
		ql := &out[i]
		ql.Index, ql.ProductID, ql.Quantity, ql.SizeGB, ql.PeriodType, ql.PeriodCount = i, l.ProductID, l.Quantity, l.SizeGB, l.PeriodType, l.PeriodCount
	}
	return s.saveQuote(ctx, actor, q, out)
}

// priceLines adds each rated item to its line: list prices from the
// official rating, one Discount per option (the line's amount under it),
// and the best option chosen.
func priceLines(out []QuoteLine, owner map[string]int, rated CloudPeriodQuote) {
	touched := map[int]bool{}
	for _, it := range rated.Official.Items {
		i, ok := owner[it.ID]
		if !ok {
			continue
		}
		out[i].Official = out[i].Official.Add(it.Official)
		touched[i] = true
	}
	for _, opt := range rated.Options {
		amounts := map[int]decimal.Decimal{}
		for _, it := range opt.Rating.Items {
			if i, ok := owner[it.ID]; ok {
				amounts[i] = amounts[i].Add(it.Amount)
			}
		}
		for i := range touched {
			a, ok := amounts[i]
			if !ok {
				a = out[i].Official
			}
			d := Discount{ID: opt.DiscountID, Type: opt.DiscountType, Name: opt.DiscountName, Amount: a}
			out[i].Discounts = append(out[i].Discounts, d)
			if opt.Best {
				out[i].Chosen = &d
			}
		}
	}
	for i := range touched {
		out[i].Amount = out[i].Official
		if out[i].Chosen != nil {
			out[i].Amount = out[i].Chosen.Amount
		}
		out[i].Discount = out[i].Official.Sub(out[i].Amount)
	}
}

// saveQuote totals the lines and stores the quote with its audit record.
func (s *CommerceService) saveQuote(ctx context.Context, actor Principal, q Quote, lines []QuoteLine) (Quote, error) {
	q.Lines = lines
	q.ExpiresAt = q.CreatedAt.Add(s.cfg.QuoteTTL)
	for _, l := range lines {
		q.Official = q.Official.Add(l.Official)
		q.Amount = q.Amount.Add(l.Amount)
	}
	q.Discount = q.Official.Sub(q.Amount)
	err := s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.Commerce().CreateQuote(ctx, q); err != nil {
			return err
		}
		return tx.Audit().Append(ctx, NewAuditEvent(ctx, s.clock, actor, "quote.created", "quote", q.ID, map[string]any{
			"customer_id": q.CustomerID.String(), "kind": string(q.Kind), "amount": q.Amount.StringFixed(2), "lines": len(lines)}))
	})
	if err != nil {
		return Quote{}, err
	}
	return q, nil
}

// GetQuote returns a quote: a customer its own (404 otherwise), staff all.
func (s *CommerceService) GetQuote(ctx context.Context, actor Principal, id uuid.UUID) (Quote, error) {
	q, err := s.store.Commerce().Quote(ctx, id)
	if err != nil {
		return Quote{}, err
	}
	if err := s.mayRead(ctx, actor, q.CustomerID); err != nil {
		return Quote{}, Errorf(CodeNotFound, "quote not found")
	}
	return q, nil
}

// mayRead is the tenant wall: staff read all, a customer its own.
func (s *CommerceService) mayRead(ctx context.Context, actor Principal, customerID uuid.UUID) error {
	if isStaff(actor) {
		return nil
	}
	own, err := s.ownCustomer(ctx, actor)
	if err != nil {
		return err
	}
	if own.ID != customerID {
		return ErrNotFound
	}
	return nil
}

// checkRenewalPeriod: months 1–11, years 1–3.
func checkRenewalPeriod(pt PeriodType, n int) error {
	switch {
	case !pt.Valid():
		return fieldErr("period_type", "enum", "month or year")
	case pt == PeriodMonth && (n < 1 || n > MaxMonths):
		return fieldErr("period_count", "range", "1–11 months")
	case pt == PeriodYear && (n < 1 || n > MaxYears):
		return fieldErr("period_count", "range", "1–3 years")
	}
	return nil
}

// RenewalQuote prices renewing the customer's primary resources (1–10)
// with RateRenewal (subordinates included): one line per resource whose
// amount is Huawei's per-resource amount (the best offer applied). Huawei
// gives the list price and each discount option per cart only, so they are
// shared among the lines in proportion to the per-resource amounts (the
// last line takes the rounding).
// Errors: ErrValidation, ErrNotFound (not the customer's),
// CodeResourceNotPrimary, CodeResourceUnpaidOrder (Huawei CBC.30050010),
// CodeResourceNotRenewable (any other refusal), the buyer's errors.
func (s *CommerceService) RenewalQuote(ctx context.Context, actor Principal, resourceIDs []uuid.UUID, pt PeriodType, count int) (Quote, error) {
	if len(resourceIDs) < 1 || len(resourceIDs) > 10 {
		return Quote{}, fieldErr("resource_ids", "range", "1–10 resources")
	}
	if err := checkRenewalPeriod(pt, count); err != nil {
		return Quote{}, err
	}
	c, err := s.buyer(ctx, actor, uuid.Nil)
	if err != nil {
		return Quote{}, err
	}
	rs, err := s.ownResources(ctx, c.ID, resourceIDs)
	if err != nil {
		return Quote{}, err
	}
	huaweiIDs := make([]string, len(rs))
	for i, r := range rs {
		if !r.Primary() {
			return Quote{}, Errorf(CodeResourceNotPrimary, "resource %s is not a primary resource", r.ID)
		}
		huaweiIDs[i] = r.HuaweiResourceID
	}
	rated, err := s.cloud.RateRenewal(ctx, c.DomainID, CloudRenewalRating{ResourceIDs: huaweiIDs, Period: CloudPeriodUnit(pt), Periods: count, IncludeRelated: true})
	if err != nil {
		return Quote{}, err
	}
	if len(rated.Failures) > 0 {
		f := rated.Failures[0]
		code := CodeResourceNotRenewable
		if f.Code == "CBC.30050010" {
			code = CodeResourceUnpaidOrder
		}
		return Quote{}, &Error{Code: code, Message: "Huawei cannot renew resource " + f.ID,
			Upstream: &UpstreamDetail{Operation: "ListRenewRateOnPeriod", HTTPStatus: 200, Code: f.Code, Message: f.Message, Outcome: OutcomeDefinite}}
	}
	price := map[string]decimal.Decimal{}
	for _, p := range rated.Resources {
		price[p.ResourceID] = p.Amount
	}
	// Huawei's per-resource amounts are the renewal's price per resource;
	// its list price and discounts come per cart and are shared among the
	// lines in proportion to those amounts.
	lines := make([]QuoteLine, len(rs))
	weights := make([]decimal.Decimal, len(rs))
	for i, r := range rs {
		weights[i] = price[r.HuaweiResourceID]
		lines[i] = QuoteLine{Index: i, ResourceID: r.ID, Quantity: 1, PeriodType: pt, PeriodCount: count, Amount: weights[i]}
	}
	official := rated.Official
	if official.IsZero() {
		official = decimal.Sum(decimal.Zero, weights...)
	}
	for i, o := range share(official, weights) {
		lines[i].Official = o
	}
	for _, opt := range rated.Options {
		for i, a := range share(opt.Rating.Amount, weights) {
			d := Discount{ID: opt.DiscountID, Type: opt.DiscountType, Name: opt.DiscountName, Amount: a}
			lines[i].Discounts = append(lines[i].Discounts, d)
			if opt.Best {
				lines[i].Chosen = &d
			}
		}
	}
	for i := range lines {
		lines[i].Discount = lines[i].Official.Sub(lines[i].Amount)
	}
	q := Quote{ID: uuid.Must(uuid.NewV7()), Kind: QuoteRenewal, CustomerID: c.ID, Currency: CurrencyCNY, CreatedBy: actor.ID, CreatedAt: s.now()}
	return s.saveQuote(ctx, actor, q, lines)
}

// share splits amount in proportion to weights (equally when they are all
// zero); the last part takes the rounding.
func share(amount decimal.Decimal, weights []decimal.Decimal) []decimal.Decimal {
	out := make([]decimal.Decimal, len(weights))
	total := decimal.Sum(decimal.Zero, weights...)
	left := amount
	for i := range weights {
		switch {
		case i == len(weights)-1:
			out[i] = left
		case total.IsZero():
			out[i] = amount.Div(decimal.NewFromInt(int64(len(weights)))).Round(2)
		default:
			out[i] = amount.Mul(weights[i]).Div(total).Round(2)
		}
		left = left.Sub(out[i])
	}
	return out
}
