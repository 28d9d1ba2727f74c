package domain

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// CatalogStore keeps products, Huawei's cached types and quotes.
type CatalogStore interface {
	// CreateProduct inserts p. Errors: ErrAlreadyExists (catalog_products_spec_key).
	CreateProduct(ctx context.Context, p Product) error
	// Product errors: ErrNotFound.
	Product(ctx context.Context, id uuid.UUID) (Product, error)
	// ProductForUpdate locks the row. Errors: ErrNotFound.
	ProductForUpdate(ctx context.Context, id uuid.UUID) (Product, error)
	// ProductsByIDs returns the products that exist among ids.
	ProductsByIDs(ctx context.Context, ids []uuid.UUID) ([]Product, error)
	// ProductsBySpecs returns the products selling any of specs.
	ProductsBySpecs(ctx context.Context, specs []string) ([]Product, error)
	// UpdateProduct writes name, periods, enabled and UpdatedAt. Errors: ErrNotFound.
	UpdateProduct(ctx context.Context, p Product) error
	// ListProducts returns up to q.Limit products with id > q.After, by id.
	ListProducts(ctx context.Context, q ProductQuery) ([]Product, error)
	// CountProducts counts every product (seeding).
	CountProducts(ctx context.Context) (int, error)

	// ReplaceCloudTypes stores types of kind as synced at at, dropping the
	// ones Huawei no longer lists.
	ReplaceCloudTypes(ctx context.Context, kind CloudTypeKind, types []CachedCloudType, at time.Time) error
	ListCloudTypes(ctx context.Context, kind CloudTypeKind) ([]CachedCloudType, error)

	// CreateQuote inserts q with its lines.
	CreateQuote(ctx context.Context, q Quote) error
	// Quote reads a quote with its lines and the order placed from it.
	// Errors: ErrNotFound.
	Quote(ctx context.Context, id uuid.UUID) (Quote, error)
	// AnyVerifiedCustomer is a registered, verified, active customer whose
	// credential can price a spec (product checks); ErrNotFound when none.
	AnyVerifiedCustomer(ctx context.Context) (uuid.UUID, string, error)
}

// ProductQuery selects products; zero fields do not filter.
type ProductQuery struct {
	After   uuid.UUID
	Kind    ProductKind
	Enabled *bool
	Limit   int
}

// Huawei's codes of what the catalogue sells.
const (
	ServiceTypeECS  = "hws.service.type.ec2"
	ServiceTypeEVS  = "hws.service.type.ebs"
	ResourceTypeVM  = "hws.resource.type.vm"
	ResourceTypeVol = "hws.resource.type.volume"
	// SizeMeasureGB is Huawei's size_measure_id of GB.
	SizeMeasureGB = 17
)

// Limits of the catalogue (Huawei's, docs/huawei-bss.md).
const (
	MaxMonths       = 11
	MaxYears        = 3
	MinRootVolumeGB = 40
	MaxRootVolumeGB = 1024
	MinDiskGB       = 10
	MaxDiskGB       = 32768
	MaxProductPage  = 100
)

// ProductInput is a new product or, with pointers set, a change.
type ProductInput struct {
	Kind             ProductKind
	Name             string
	Region           string
	AvailabilityZone string
	Spec             string
	PeriodTypes      []PeriodType
	MaxMonths        int
	MaxYears         int
	ImageRef         string
	RootVolumeType   string
	RootVolumeGB     int
	MinSizeGB        int
	MaxSizeGB        int
	Enabled          *bool
}

// ProductPatch changes a product; nil fields stay.
type ProductPatch struct {
	Name        *string
	Enabled     *bool
	PeriodTypes []PeriodType // nil: unchanged
	MaxPeriod   *struct{ Months, Years int }
}

func isAdmin(p Principal) bool { return p.Kind == PrincipalUser && p.HasAnyRole(RoleAdmin) }

func (s *CommerceService) now() time.Time { return s.clock.Now().UTC().Truncate(time.Microsecond) }

// MaxFor is the largest period count the product sells for pt (0: not offered).
func (p Product) MaxFor(pt PeriodType) int {
	if !slices.Contains(p.PeriodTypes, pt) {
		return 0
	}
	if pt == PeriodMonth {
		return p.MaxMonths
	}
	return p.MaxYears
}

// ListProducts pages through the catalogue by id: customers (and API
// clients) see enabled products only, staff see all. Errors: ErrValidation.
func (s *CommerceService) ListProducts(ctx context.Context, actor Principal, q ProductQuery) (Page[Product], error) {
	if q.Limit < 1 || q.Limit > MaxProductPage {
		return Page[Product]{}, fieldErr("limit", "range", "1–100")
	}
	if !isStaff(actor) {
		if q.Enabled != nil && !*q.Enabled {
			return Page[Product]{}, nil
		}
		t := true
		q.Enabled = &t
	}
	limit := q.Limit
	q.Limit++
	items, err := s.store.Commerce().ListProducts(ctx, q)
	if err != nil {
		return Page[Product]{}, err
	}
	return pageOf(items, limit, func(p Product) uuid.UUID { return p.ID }), nil
}

// GetProduct returns one product; a disabled one is not found for customers.
func (s *CommerceService) GetProduct(ctx context.Context, actor Principal, id uuid.UUID) (Product, error) {
	p, err := s.store.Commerce().Product(ctx, id)
	if err != nil {
		return Product{}, err
	}
	if !p.Enabled && !isStaff(actor) {
		return Product{}, Errorf(CodeNotFound, "product not found")
	}
	return p, nil
}

func fieldErr(field, code, msg string) error {
	return &Error{Code: CodeValidation, Message: field + ": " + msg, Fields: []FieldError{{Field: field, Code: code, Message: msg}}}
}

func checkPeriods(fe *fieldErrors, pts []PeriodType, months, years int) {
	switch {
	case len(pts) < 1 || len(pts) > 2:
		fe.check("period_types", "range", "one or two of month, year")
	case len(pts) == 2 && pts[0] == pts[1]:
		fe.check("period_types", "duplicate", "each period type once")
	}
	for _, pt := range pts {
		if !pt.Valid() {
			fe.check("period_types", "enum", "month or year")
		}
	}
	month, year := slices.Contains(pts, PeriodMonth), slices.Contains(pts, PeriodYear)
	switch {
	case month && (months < 1 || months > MaxMonths):
		fe.check("max_period.month", "range", "1–11 when months are offered")
	case !month && months != 0:
		fe.check("max_period.month", "not_allowed", "months are not offered")
	}
	switch {
	case year && (years < 1 || years > MaxYears):
		fe.check("max_period.year", "range", "1–3 when years are offered")
	case !year && years != 0:
		fe.check("max_period.year", "not_allowed", "years are not offered")
	}
}

func validName(s string) bool {
	return s != "" && utf8.ValidString(s) && utf8.RuneCountInString(s) <= 100 && !strings.ContainsRune(s, 0)
}

// CreateProduct adds a product (admins). The spec is priced once at Huawei
// with the credential of a verified customer (RatePeriod has no partner
// view); when no customer can price yet, the service and resource types are
// checked against Huawei's list instead and the spec is trusted. Errors:
// ErrForbidden, ErrValidation (field "spec" when Huawei does not know it),
// ErrAlreadyExists (same kind, region, spec and root volume), upstream errors.
func (s *CommerceService) CreateProduct(ctx context.Context, actor Principal, in ProductInput) (Product, error) {
	if !isAdmin(actor) {
		return Product{}, ErrForbidden
	}
	var fe fieldErrors
	if !validName(in.Name) {
		fe.check("name", "format", "1–100 characters")
	}
	if in.Region == "" || len(in.Region) > 64 {
		fe.check("region", "required", "a Huawei region, e.g. cn-north-4")
	}
	if in.Spec == "" || len(in.Spec) > 64 {
		fe.check("spec", "required", "a Huawei spec code")
	}
	checkPeriods(&fe, in.PeriodTypes, in.MaxMonths, in.MaxYears)
	p := Product{ID: uuid.Must(uuid.NewV7()), Kind: in.Kind, Name: in.Name, Region: in.Region, AvailabilityZone: in.AvailabilityZone,
		Spec: in.Spec, PeriodTypes: in.PeriodTypes, MaxMonths: in.MaxMonths, MaxYears: in.MaxYears, Enabled: true}
	if in.Enabled != nil {
		p.Enabled = *in.Enabled
	}
	switch in.Kind {
	case ProductECS:
		p.ServiceType, p.ResourceType = ServiceTypeECS, ResourceTypeVM
		p.ImageRef, p.RootVolumeType, p.RootVolumeGB = in.ImageRef, in.RootVolumeType, in.RootVolumeGB
		if in.ImageRef == "" {
			fe.check("image_ref", "required", "ECS products need an image")
		}
		if in.RootVolumeType == "" {
			fe.check("root_volume", "required", "ECS products need a root volume")
		} else if in.RootVolumeGB < MinRootVolumeGB || in.RootVolumeGB > MaxRootVolumeGB {
			fe.check("root_volume.size_gb", "range", "40–1024")
		}
		if in.MinSizeGB != 0 || in.MaxSizeGB != 0 {
			fe.check("min_size_gb", "not_allowed", "EVS products only")
		}
		// Huawei prices the image's OS: an image naming "win" is Windows.
		win := strings.Contains(strings.ToLower(in.ImageRef), "win")
		if in.ImageRef != "" && win != strings.HasSuffix(in.Spec, ".win") {
			fe.check("spec", "mismatch", "the flavour's OS suffix (.linux/.win) must match the image")
		}
	case ProductEVS:
		p.ServiceType, p.ResourceType = ServiceTypeEVS, ResourceTypeVol
		p.MinSizeGB, p.MaxSizeGB = in.MinSizeGB, in.MaxSizeGB
		switch {
		case in.MinSizeGB == 0 || in.MaxSizeGB == 0:
			fe.check("min_size_gb", "required", "EVS products need min_size_gb and max_size_gb")
		case in.MinSizeGB < MinDiskGB || in.MaxSizeGB > MaxDiskGB || in.MinSizeGB > in.MaxSizeGB:
			fe.check("max_size_gb", "range", "10 ≤ min_size_gb ≤ max_size_gb ≤ 32768")
		}
		if in.ImageRef != "" || in.RootVolumeType != "" {
			fe.check("image_ref", "not_allowed", "ECS products only")
		}
		if in.AvailabilityZone == "" {
			// EVS creates a disk in one zone; Huawei refuses a create without it.
			fe.check("availability_zone", "required", "EVS products need the availability zone their disks are created in")
		}
	default:
		fe.check("kind", "enum", "ecs or evs")
	}
	if err := fe.err(); err != nil {
		return Product{}, err
	}
	if err := s.checkSpec(ctx, p); err != nil {
		return Product{}, err
	}
	p.CreatedAt = s.now()
	p.UpdatedAt = p.CreatedAt
	err := s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.Commerce().CreateProduct(ctx, p); err != nil {
			return err
		}
		return tx.Audit().Append(ctx, NewAuditEvent(ctx, s.clock, actor, "catalog.product.created", "product", p.ID, productDetails(p)))
	})
	if err != nil {
		return Product{}, err
	}
	return p, nil
}

func productDetails(p Product) map[string]any {
	return map[string]any{"kind": string(p.Kind), "name": p.Name, "region": p.Region, "spec": p.Spec, "enabled": p.Enabled,
		"period_types": p.PeriodTypes, "max_months": p.MaxMonths, "max_years": p.MaxYears}
}

// checkSpec asks Huawei whether it sells p (see CreateProduct).
func (s *CommerceService) checkSpec(ctx context.Context, p Product) error {
	_, huaweiID, err := s.store.Commerce().AnyVerifiedCustomer(ctx)
	if errors.Is(err, ErrNotFound) {
		return s.checkTypes(ctx, p)
	}
	if err != nil {
		return err
	}
	project, err := s.cloud.CustomerProjectID(ctx, huaweiID, p.Region)
	if errors.Is(err, ErrUpstreamNotFound) {
		return fieldErr("region", "unknown", "Huawei has no such region")
	}
	if err != nil {
		return err
	}
	pt := p.PeriodTypes[0]
	items := productItems(p, "spec", pt, 1, 1, p.MinSizeGB)
	_, err = s.cloud.RatePeriod(ctx, huaweiID, CloudPeriodRating{ProjectID: project, Items: items})
	if errors.Is(err, ErrUpstreamNotFound) || errors.Is(err, ErrUpstreamInvalid) {
		return &Error{Code: CodeValidation, Message: "Huawei does not sell this spec in this region", Err: err,
			Fields: []FieldError{{Field: "spec", Code: "unknown", Message: "Huawei does not sell this spec (or root volume type) in this region"}}}
	}
	return err
}

// checkTypes: without a customer to price with, the product's service and
// resource types must at least be Huawei's.
func (s *CommerceService) checkTypes(ctx context.Context, p Product) error {
	rts, err := s.CloudTypes(ctx, CloudTypeResource)
	if err != nil {
		return err
	}
	for _, t := range rts {
		if t.Code == p.ResourceType && t.ServiceType == p.ServiceType {
			return nil
		}
	}
	return fieldErr("kind", "unknown", "Huawei does not list this product's resource type")
}

// productItems are the Huawei items a line of product p costs: an ECS is
// its VM plus its root volume (as ECS prices a server order), an EVS its disk.
func productItems(p Product, id string, pt PeriodType, count, quantity, sizeGB int) []CloudPeriodItem {
	unit := CloudPeriodUnit(pt)
	key := CloudProductKey{ServiceType: p.ServiceType, ResourceType: p.ResourceType, ResourceSpec: p.Spec, Region: p.Region, AvailabilityZone: p.AvailabilityZone}
	if p.Kind == ProductEVS {
		key.Size, key.SizeMeasureID = sizeGB, SizeMeasureGB
		return []CloudPeriodItem{{ID: id, Product: key, Period: unit, Periods: count, Quantity: quantity}}
	}
	root := CloudProductKey{ServiceType: ServiceTypeEVS, ResourceType: ResourceTypeVol, ResourceSpec: p.RootVolumeType, Region: p.Region,
		AvailabilityZone: p.AvailabilityZone, Size: p.RootVolumeGB, SizeMeasureID: SizeMeasureGB}
	return []CloudPeriodItem{
		{ID: id + "-vm", Product: key, Period: unit, Periods: count, Quantity: quantity},
		{ID: id + "-root", Product: root, Period: unit, Periods: count, Quantity: quantity},
	}
}

// UpdateProduct renames, enables or disables a product or changes its
// periods (admins). Quotes already given keep their price. Errors:
// ErrForbidden, ErrNotFound, ErrValidation.
func (s *CommerceService) UpdateProduct(ctx context.Context, actor Principal, id uuid.UUID, in ProductPatch) (Product, error) {
	if !isAdmin(actor) {
		return Product{}, ErrForbidden
	}
	var out Product
	err := s.store.InTx(ctx, func(tx Tx) error {
		p, err := tx.Commerce().ProductForUpdate(ctx, id)
		if err != nil {
			return err
		}
		var fe fieldErrors
		if in.Name != nil {
			if !validName(*in.Name) {
				fe.check("name", "format", "1–100 characters")
			}
			p.Name = *in.Name
		}
		if in.Enabled != nil {
			p.Enabled = *in.Enabled
		}
		if in.PeriodTypes != nil {
			p.PeriodTypes = in.PeriodTypes
		}
		if in.MaxPeriod != nil {
			p.MaxMonths, p.MaxYears = in.MaxPeriod.Months, in.MaxPeriod.Years
		}
		if in.PeriodTypes != nil || in.MaxPeriod != nil {
			checkPeriods(&fe, p.PeriodTypes, p.MaxMonths, p.MaxYears)
		}
		if err := fe.err(); err != nil {
			return err
		}
		p.UpdatedAt = s.now()
		if err := tx.Commerce().UpdateProduct(ctx, p); err != nil {
			return err
		}
		out = p
		return tx.Audit().Append(ctx, NewAuditEvent(ctx, s.clock, actor, "catalog.product.updated", "product", p.ID, productDetails(p)))
	})
	return out, err
}

// CloudTypesMaxAge is how old the cached types may get before a read
// refreshes them (the daily job normally does it first).
const CloudTypesMaxAge = 25 * time.Hour

// CloudTypes returns Huawei's cached service or resource types, reading
// them from Huawei when the cache is empty.
func (s *CommerceService) CloudTypes(ctx context.Context, kind CloudTypeKind) ([]CachedCloudType, error) {
	ts, err := s.store.Commerce().ListCloudTypes(ctx, kind)
	if err != nil || len(ts) > 0 {
		return ts, err
	}
	if err := s.RefreshCloudTypes(ctx); err != nil {
		return nil, err
	}
	return s.store.Commerce().ListCloudTypes(ctx, kind)
}

// RefreshCloudTypes reads every service and resource type from Huawei and
// replaces the cache (the daily job).
func (s *CommerceService) RefreshCloudTypes(ctx context.Context) error {
	const page = 100
	var svc []CachedCloudType
	at := s.now()
	for off := 0; ; off += page {
		pg, err := s.cloud.ListServiceTypes(ctx, CloudCatalogQuery{Language: "en_US", Offset: off, Limit: page})
		if err != nil {
			return err
		}
		for _, t := range pg.Items {
			svc = append(svc, CachedCloudType{Kind: CloudTypeService, Code: t.Code, Name: t.Name, Abbreviation: t.Abbreviation, SyncedAt: at})
		}
		if len(pg.Items) < page || off+page >= pg.Total {
			break
		}
	}
	var res []CachedCloudType
	for off := 0; ; off += page {
		pg, err := s.cloud.ListResourceTypes(ctx, CloudCatalogQuery{Language: "en_US", Offset: off, Limit: page})
		if err != nil {
			return err
		}
		for _, t := range pg.Items {
			res = append(res, CachedCloudType{Kind: CloudTypeResource, Code: t.Code, Name: t.Name, Description: t.Description, ServiceType: t.ServiceTypeCode, SyncedAt: at})
		}
		if len(pg.Items) < page || off+page >= pg.Total {
			break
		}
	}
	return s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.Commerce().ReplaceCloudTypes(ctx, CloudTypeService, svc, at); err != nil {
			return err
		}
		return tx.Commerce().ReplaceCloudTypes(ctx, CloudTypeResource, res, at)
	})
}

// RefreshCloudTypesJob refreshes the cached Huawei types (daily).
type RefreshCloudTypesJob struct{}

func (RefreshCloudTypesJob) Kind() string           { return "catalog_refresh_types" }
func (RefreshCloudTypesJob) JobOptions() JobOptions { return JobOptions{Unique: true} }
