package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/shopspring/decimal"

	"github.com/partnerlab/storefront/internal/domain"
	"github.com/partnerlab/storefront/internal/store/internal/db"
)

// catalogErr translates the catalogue's constraint names, then falls back on translate.
func catalogErr(err error, what string) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.ConstraintName == "catalog_products_spec_key" {
		return domain.Wrap(err, domain.CodeAlreadyExists, "a product with this kind, region, spec and root volume exists")
	}
	return translate(err, what)
}

func optInt(n int) *int32 {
	if n == 0 {
		return nil
	}
	v := int32(n)
	return &v
}

func intOf(n *int32) int {
	if n == nil {
		return 0
	}
	return int(*n)
}

func periodsToDB(ps []domain.PeriodType) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = string(p)
	}
	return out
}

func periodsFromDB(ps []string) []domain.PeriodType {
	out := make([]domain.PeriodType, len(ps))
	for i, p := range ps {
		out[i] = domain.PeriodType(p)
	}
	return out
}

func productFromDB(r db.CatalogProduct) domain.Product {
	return domain.Product{ID: r.ID, Kind: domain.ProductKind(r.Kind), Name: r.Name, Region: r.Region, AvailabilityZone: deref(r.AvailabilityZone),
		Spec: r.Spec, ServiceType: r.ServiceType, ResourceType: r.ResourceType, PeriodTypes: periodsFromDB(r.PeriodTypes),
		MaxMonths: intOf(r.MaxMonths), MaxYears: intOf(r.MaxYears), ImageRef: deref(r.ImageRef), RootVolumeType: deref(r.RootVolumeType),
		RootVolumeGB: intOf(r.RootVolumeGb), MinSizeGB: intOf(r.MinSizeGb), MaxSizeGB: intOf(r.MaxSizeGb), Enabled: r.Enabled,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

func productsFromDB(rows []db.CatalogProduct, err error) ([]domain.Product, error) {
	if err != nil {
		return nil, translate(err, "products")
	}
	out := make([]domain.Product, len(rows))
	for i, r := range rows {
		out[i] = productFromDB(r)
	}
	return out, nil
}

func (c *CommerceStore) CreateProduct(ctx context.Context, p domain.Product) error {
	err := c.s.q.CreateProduct(ctx, db.CreateProductParams{
		ID: p.ID, Kind: string(p.Kind), Name: p.Name, Region: p.Region, AvailabilityZone: nullable(p.AvailabilityZone), Spec: p.Spec,
		ServiceType: p.ServiceType, ResourceType: p.ResourceType, PeriodTypes: periodsToDB(p.PeriodTypes), MaxMonths: optInt(p.MaxMonths),
		MaxYears: optInt(p.MaxYears), ImageRef: nullable(p.ImageRef), RootVolumeType: nullable(p.RootVolumeType), RootVolumeGb: optInt(p.RootVolumeGB),
		MinSizeGb: optInt(p.MinSizeGB), MaxSizeGb: optInt(p.MaxSizeGB), Enabled: p.Enabled, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
	})
	return catalogErr(err, "product")
}

func (c *CommerceStore) Product(ctx context.Context, id uuid.UUID) (domain.Product, error) {
	r, err := c.s.q.ProductByID(ctx, id)
	if err != nil {
		return domain.Product{}, translate(err, "product")
	}
	return productFromDB(r), nil
}

func (c *CommerceStore) ProductForUpdate(ctx context.Context, id uuid.UUID) (domain.Product, error) {
	r, err := c.s.q.ProductForUpdate(ctx, id)
	if err != nil {
		return domain.Product{}, translate(err, "product")
	}
	return productFromDB(r), nil
}

func (c *CommerceStore) ProductsByIDs(ctx context.Context, ids []uuid.UUID) ([]domain.Product, error) {
	return productsFromDB(c.s.q.ProductsByIDs(ctx, ids))
}

func (c *CommerceStore) ProductsBySpecs(ctx context.Context, specs []string) ([]domain.Product, error) {
	if len(specs) == 0 {
		return nil, nil
	}
	return productsFromDB(c.s.q.ProductsBySpecs(ctx, specs))
}

func (c *CommerceStore) UpdateProduct(ctx context.Context, p domain.Product) error {
	n, err := c.s.q.UpdateProduct(ctx, db.UpdateProductParams{ID: p.ID, Name: p.Name, PeriodTypes: periodsToDB(p.PeriodTypes),
		MaxMonths: optInt(p.MaxMonths), MaxYears: optInt(p.MaxYears), Enabled: p.Enabled, UpdatedAt: p.UpdatedAt})
	if err == nil && n == 0 {
		return domain.Errorf(domain.CodeNotFound, "product not found")
	}
	return catalogErr(err, "product")
}

func (c *CommerceStore) ListProducts(ctx context.Context, q domain.ProductQuery) ([]domain.Product, error) {
	p := db.ListProductsParams{After: q.After, Enabled: q.Enabled, Lim: int32(q.Limit)}
	if q.Kind != "" {
		k := string(q.Kind)
		p.Kind = &k
	}
	return productsFromDB(c.s.q.ListProducts(ctx, p))
}

func (c *CommerceStore) CountProducts(ctx context.Context) (int, error) {
	n, err := c.s.q.CountProducts(ctx)
	return int(n), translate(err, "products")
}

func (c *CommerceStore) ReplaceCloudTypes(ctx context.Context, kind domain.CloudTypeKind, types []domain.CachedCloudType, at time.Time) error {
	for _, t := range types {
		err := c.s.q.UpsertCloudType(ctx, db.UpsertCloudTypeParams{Kind: string(kind), Code: t.Code, Name: t.Name,
			Abbreviation: nullable(t.Abbreviation), Description: nullable(t.Description), ServiceType: nullable(t.ServiceType), SyncedAt: at})
		if err != nil {
			return translate(err, "cloud type")
		}
	}
	return translate(c.s.q.DeleteCloudTypesBefore(ctx, db.DeleteCloudTypesBeforeParams{Kind: string(kind), Before: at}), "cloud types")
}

func (c *CommerceStore) ListCloudTypes(ctx context.Context, kind domain.CloudTypeKind) ([]domain.CachedCloudType, error) {
	rows, err := c.s.q.ListCloudTypes(ctx, string(kind))
	if err != nil {
		return nil, translate(err, "cloud types")
	}
	out := make([]domain.CachedCloudType, len(rows))
	for i, r := range rows {
		out[i] = domain.CachedCloudType{Kind: domain.CloudTypeKind(r.Kind), Code: r.Code, Name: r.Name, Abbreviation: deref(r.Abbreviation),
			Description: deref(r.Description), ServiceType: deref(r.ServiceType), SyncedAt: r.SyncedAt}
	}
	return out, nil
}

// discountJSON is how a discount is kept in quote_lines (jsonb).
type discountJSON struct {
	ID     string `json:"id"`
	Type   int    `json:"type"`
	Name   string `json:"name"`
	Amount string `json:"amount"`
}

func discountToDB(d domain.Discount) discountJSON {
	return discountJSON{ID: d.ID, Type: d.Type, Name: d.Name, Amount: d.Amount.StringFixed(2)}
}

func discountFromDB(d discountJSON) (domain.Discount, error) {
	a, err := decimalOf(d.Amount)
	return domain.Discount{ID: d.ID, Type: d.Type, Name: d.Name, Amount: a}, err
}

func (c *CommerceStore) CreateQuote(ctx context.Context, q domain.Quote) error {
	err := c.s.q.CreateQuote(ctx, db.CreateQuoteParams{ID: q.ID, Kind: string(q.Kind), CustomerID: q.CustomerID, Amount: q.Amount,
		Official: q.Official, Discount: q.Discount, Currency: q.Currency, ExpiresAt: q.ExpiresAt, CreatedBy: optUUID(q.CreatedBy), CreatedAt: q.CreatedAt})
	if err != nil {
		return translate(err, "quote")
	}
	for _, l := range q.Lines {
		ds := make([]discountJSON, len(l.Discounts))
		for i, d := range l.Discounts {
			ds[i] = discountToDB(d)
		}
		dj, err := json.Marshal(ds)
		if err != nil {
			return err
		}
		var chosen []byte
		if l.Chosen != nil {
			if chosen, err = json.Marshal(discountToDB(*l.Chosen)); err != nil {
				return err
			}
		}
		err = c.s.q.CreateQuoteLine(ctx, db.CreateQuoteLineParams{QuoteID: q.ID, Idx: int32(l.Index), ProductID: optUUID(l.ProductID),
			ResourceID: optUUID(l.ResourceID), Quantity: int32(l.Quantity), SizeGb: optInt(l.SizeGB), PeriodType: string(l.PeriodType),
			PeriodCount: int32(l.PeriodCount), Official: l.Official, Discount: l.Discount, Amount: l.Amount, Discounts: dj, ChosenDiscount: chosen})
		if err != nil {
			return translate(err, "quote line")
		}
	}
	return nil
}

func (c *CommerceStore) Quote(ctx context.Context, id uuid.UUID) (domain.Quote, error) {
	r, err := c.s.q.QuoteByID(ctx, id)
	if err != nil {
		return domain.Quote{}, translate(err, "quote")
	}
	q := domain.Quote{ID: r.ID, Kind: domain.QuoteKind(r.Kind), CustomerID: r.CustomerID, Amount: r.Amount, Official: r.Official,
		Discount: r.Discount, Currency: r.Currency, ExpiresAt: r.ExpiresAt, CreatedAt: r.CreatedAt}
	if r.OrderID != nil {
		q.OrderID = *r.OrderID
	}
	if r.CreatedBy != nil {
		q.CreatedBy = *r.CreatedBy
	}
	rows, err := c.s.q.QuoteLines(ctx, id)
	if err != nil {
		return domain.Quote{}, translate(err, "quote lines")
	}
	for _, l := range rows {
		ql := domain.QuoteLine{Index: int(l.Idx), Quantity: int(l.Quantity), SizeGB: intOf(l.SizeGb), PeriodType: domain.PeriodType(l.PeriodType),
			PeriodCount: int(l.PeriodCount), Official: l.Official, Discount: l.Discount, Amount: l.Amount}
		if l.ProductID != nil {
			ql.ProductID = *l.ProductID
		}
		if l.ResourceID != nil {
			ql.ResourceID = *l.ResourceID
		}
		var ds []discountJSON
		if err := json.Unmarshal(l.Discounts, &ds); err != nil {
			return domain.Quote{}, err
		}
		for _, d := range ds {
			dd, err := discountFromDB(d)
			if err != nil {
				return domain.Quote{}, err
			}
			ql.Discounts = append(ql.Discounts, dd)
		}
		if len(l.ChosenDiscount) > 0 && string(l.ChosenDiscount) != "null" {
			var d discountJSON
			if err := json.Unmarshal(l.ChosenDiscount, &d); err != nil {
				return domain.Quote{}, err
			}
			dd, err := discountFromDB(d)
			if err != nil {
				return domain.Quote{}, err
			}
			ql.Chosen = &dd
		}
		q.Lines = append(q.Lines, ql)
	}
	return q, nil
}

func (c *CommerceStore) AnyVerifiedCustomer(ctx context.Context) (uuid.UUID, string, error) {
	r, err := c.s.q.AnyVerifiedCustomer(ctx)
	if err != nil {
		return uuid.Nil, "", translate(err, "verified customer")
	}
	return r.ID, r.HuaweiDomainID, nil
}

func decimalOf(s string) (decimal.Decimal, error) { return decimal.NewFromString(s) }
