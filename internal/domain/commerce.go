package domain

import (
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// Commerce: the catalogue, binding quotes, orders paid from the customer's
// balance through a visible saga, resources with what can be done now,
// renewals, auto-renew and unsubscription (docs/design.md §11). Money moves
// only through the money core: each Huawei order a storefront order creates
// is paid by one MoneyOperation of kind MoneyPayment, and a refund Huawei
// reports is booked as one of kind MoneyRefund.
//
// The code is split by aggregate: catalog.go (products, Huawei's types,
// quotes), resources.go (sync, actions, auto-renew, the refund estimate),
// orders.go (orders, renewals and unsubscriptions and their sagas).

// Commerce error codes (docs/design.md §11).
const (
	CodeQuoteExpired         Code = "quote_expired"
	CodeQuoteUsed            Code = "quote_used"
	CodePriceChanged         Code = "price_changed"
	CodeCustomerNotVerified  Code = "customer_not_verified"
	CodeCustomerFrozen       Code = "customer_frozen"
	CodeOrderNotCancellable  Code = "order_not_cancellable"
	CodeFeeNotAccepted       Code = "fee_not_accepted"
	CodeResourceNotPrimary   Code = "resource_not_primary"
	CodeResourceNotActive    Code = "resource_not_active"
	CodeResourceUnpaidOrder  Code = "resource_in_unpaid_order"
	CodeResourceNotRenewable Code = "resource_not_renewable"
)

// PeriodType is the unit of a yearly/monthly term.
type PeriodType string

const (
	PeriodMonth PeriodType = "month"
	PeriodYear  PeriodType = "year"
)

// Valid reports whether p is month or year.
func (p PeriodType) Valid() bool { return p == PeriodMonth || p == PeriodYear }

// ProductKind is what a product creates at Huawei.
type ProductKind string

const (
	ProductECS ProductKind = "ecs"
	ProductEVS ProductKind = "evs"
)

// Product is something the partner sells: a Huawei spec in a region with the
// periods offered.
type Product struct {
	ID               uuid.UUID
	Kind             ProductKind
	Name             string
	Region           string
	AvailabilityZone string
	Spec             string // ECS: flavour + ".linux"/".win"; EVS: disk type
	ServiceType      string // hws.service.type.ec2 / .ebs
	ResourceType     string // hws.resource.type.vm / .volume
	PeriodTypes      []PeriodType
	MaxMonths        int // 0: months not offered
	MaxYears         int // 0: years not offered
	ImageRef         string
	RootVolumeType   string
	RootVolumeGB     int
	MinSizeGB        int
	MaxSizeGB        int
	Enabled          bool
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// CloudTypeKind says whether a cached Huawei type is a service or a resource type.
type CloudTypeKind string

const (
	CloudTypeService  CloudTypeKind = "service"
	CloudTypeResource CloudTypeKind = "resource"
)

// CachedCloudType is one of Huawei's service or resource types, cached.
type CachedCloudType struct {
	Kind         CloudTypeKind
	Code         string
	Name         string
	Abbreviation string
	Description  string
	ServiceType  string
	SyncedAt     time.Time
}

// QuoteKind says what a quote prices.
type QuoteKind string

const (
	QuoteNew     QuoteKind = "new"
	QuoteRenewal QuoteKind = "renewal"
)

// DefaultQuoteTTL is how long a quote binds.
const DefaultQuoteTTL = 30 * time.Minute

// Discount is one of Huawei's discounts as priced for a line.
type Discount struct {
	ID     string          `json:"id"`
	Type   int             `json:"type"`
	Name   string          `json:"name"`
	Amount decimal.Decimal `json:"amount"`
}

// Quote is a priced cart that binds until ExpiresAt.
type Quote struct {
	ID         uuid.UUID
	Kind       QuoteKind
	CustomerID uuid.UUID
	Lines      []QuoteLine
	Amount     decimal.Decimal
	Official   decimal.Decimal
	Discount   decimal.Decimal
	Currency   string
	ExpiresAt  time.Time
	OrderID    uuid.UUID // uuid.Nil: not ordered
	CreatedBy  uuid.UUID
	CreatedAt  time.Time
}

// QuoteLine is a product (new) or a resource (renewal) with its price.
type QuoteLine struct {
	Index       int
	ProductID   uuid.UUID // new
	ResourceID  uuid.UUID // renewal
	Quantity    int
	SizeGB      int
	PeriodType  PeriodType
	PeriodCount int
	Official    decimal.Decimal
	Discount    decimal.Decimal
	Amount      decimal.Decimal
	Discounts   []Discount
	Chosen      *Discount
}

// OrderKind is what an order does.
type OrderKind string

const (
	OrderNew            OrderKind = "new"
	OrderRenewal        OrderKind = "renewal"
	OrderUnsubscription OrderKind = "unsubscription"
)

// OrderStatus is where an order stands:
//
//	pending → paying → provisioning → completed
//	any open status → failed | cancelled (compensated) | needs_review
type OrderStatus string

const (
	OrderPending      OrderStatus = "pending"
	OrderPaying       OrderStatus = "paying"
	OrderProvisioning OrderStatus = "provisioning"
	OrderCompleted    OrderStatus = "completed"
	OrderFailed       OrderStatus = "failed"
	OrderCancelled    OrderStatus = "cancelled"
	OrderNeedsReview  OrderStatus = "needs_review"
)

// Open reports whether the saga still has work to do.
func (s OrderStatus) Open() bool {
	return s == OrderPending || s == OrderPaying || s == OrderProvisioning
}

// OrderSource says where an order was placed.
type OrderSource string

const (
	SourceStorefront OrderSource = "storefront"
	SourceHuawei     OrderSource = "huawei"
)

// StepStatus is where one saga step stands.
type StepStatus string

const (
	StepPending StepStatus = "pending"
	StepRunning StepStatus = "running"
	StepDone    StepStatus = "done"
	StepFailed  StepStatus = "failed"
	StepUnknown StepStatus = "unknown"
	StepSkipped StepStatus = "skipped"
)

// OrderStep is one saga step as the order shows it. Line is the quote line
// it is for (-1: the whole order).
type OrderStep struct {
	Name        string
	Line        int
	Status      StepStatus
	At          time.Time
	UpstreamRef string
	Error       *UpstreamDetail
}

// OrderLineStatus is where one Huawei order of a storefront order stands.
type OrderLineStatus string

const (
	LinePending     OrderLineStatus = "pending"
	LineCreated     OrderLineStatus = "created"
	LinePaid        OrderLineStatus = "paid"
	LineProvisioned OrderLineStatus = "provisioned"
	LineCancelled   OrderLineStatus = "cancelled"
	LineFailed      OrderLineStatus = "failed"
	LineUnknown     OrderLineStatus = "unknown"
)

// OrderLine is one Huawei order of a storefront order (one per quote line).
type OrderLine struct {
	Index             int
	Amount            decimal.Decimal
	ClientToken       string
	UpstreamOrderID   string
	UpstreamJobID     string
	UpstreamAmount    *decimal.Decimal
	PaymentID         uuid.UUID // the MoneyPayment operation
	Status            OrderLineStatus
	HuaweiResourceIDs []string
}

// Order is a purchase, renewal or unsubscription.
type Order struct {
	ID            uuid.UUID
	Kind          OrderKind
	CustomerID    uuid.UUID
	QuoteID       uuid.UUID
	Status        OrderStatus
	Source        OrderSource
	Amount        decimal.Decimal
	Currency      string
	Refund        *decimal.Decimal
	ErrorCode     string
	ErrorMessage  string
	Request       map[string]any // unsubscriptions: what was asked
	HuaweiOrderID string         // source huawei
	Lines         []OrderLine
	Steps         []OrderStep
	ResourceIDs   []uuid.UUID
	CreatedBy     uuid.UUID
	RequestKey    string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// ResourceKind is what a resource is.
type ResourceKind string

const (
	ResourceECS   ResourceKind = "ecs"
	ResourceEVS   ResourceKind = "evs"
	ResourceOther ResourceKind = "other"
)

// ResourceStatus is a resource's state as Huawei last listed it.
type ResourceStatus string

const (
	ResourceInUse   ResourceStatus = "in_use"
	ResourceExpired ResourceStatus = "expired"
	ResourceFrozen  ResourceStatus = "frozen"
	ResourceClosed  ResourceStatus = "closed"
	ResourceDeleted ResourceStatus = "deleted"
)

// AutoRenewSetting is what the customer asked Huawei for auto-renew and
// whether Huawei took it.
type AutoRenewSetting struct {
	Enabled    bool
	PeriodType PeriodType
	Times      int
	Status     string // pending, applied, failed
	Error      *UpstreamDetail
}

// Resource is a yearly/monthly resource as Huawei last listed it.
type Resource struct {
	ID               uuid.UUID
	CustomerID       uuid.UUID
	HuaweiResourceID string
	Kind             ResourceKind
	Name             string
	Region           string
	Spec             string
	ServiceType      string
	ResourceType     string
	Status           ResourceStatus
	Main             bool
	PrimaryID        uuid.UUID // uuid.Nil for a primary
	HuaweiParentID   string
	EffectiveAt      time.Time
	ExpiresAt        time.Time
	ExpirePolicy     CloudExpirePolicy
	OrderID          uuid.UUID
	HuaweiOrderID    string
	AutoRenew        *AutoRenewSetting // nil: never asked here
	SyncedAt         time.Time
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// ResourceTerm is what one term of a (primary) resource cost: the basis of
// the refund estimate.
type ResourceTerm struct {
	ResourceID    uuid.UUID
	HuaweiOrderID string
	StartsAt      time.Time
	EndsAt        time.Time
	Paid          decimal.Decimal
}

// ResourceActions is what the customer can do with a resource now.
type ResourceActions struct {
	Renew       ActionRenew
	Unsubscribe ActionUnsubscribe
	AutoRenew   ActionAllowed
}

type ActionRenew struct {
	Allowed     bool
	PeriodTypes []PeriodType
	Reason      string
	Until       time.Time
}

type ActionUnsubscribe struct {
	Allowed         bool
	FullRefundUntil time.Time // zero: the 5-day rule does not apply
	Reason          string
}

type ActionAllowed struct {
	Allowed bool
	Reason  string
}

// UnsubscriptionEstimate is the preview for one resource.
type UnsubscriptionEstimate struct {
	ResourceID      uuid.UUID
	FullRefund      bool
	Reason          string // five_day, not_started, outside_window, quota_used
	Paid            decimal.Decimal
	Consumed        decimal.Decimal
	Fee             decimal.Decimal
	EstimatedRefund decimal.Decimal
	QuotaLeft       int
	FullRefundUntil time.Time
}

// UnsubscriptionPreview is the estimate for a set of resources.
type UnsubscriptionPreview struct {
	Items       []UnsubscriptionEstimate
	FeeApplies  bool
	TotalRefund decimal.Decimal
}

// Refund rules Storefront estimates with (docs/huawei-bss.md §5.4).
const (
	FiveDayWindow = 5 * 24 * time.Hour
	FiveDayQuota  = 10
)

// CommerceStore keeps the catalogue, quotes, orders and resources. Its parts
// are declared next to their use cases (catalog.go, resources.go, orders.go).
type CommerceStore interface {
	CatalogStore
	ResourceStore
	OrderStore
}

// CommerceConfig tunes the commerce use cases.
type CommerceConfig struct {
	QuoteTTL time.Duration // 0 → DefaultQuoteTTL
	// SettleDelay is how long after an unknown outcome a read-back that
	// found nothing is trusted (as MoneyConfig.SettleDelay).
	SettleDelay time.Duration
	// ProvisionTimeout is how long the saga follows provisioning before the
	// order goes to needs_review.
	ProvisionTimeout time.Duration
	// ServerVPCID, ServerSubnetIDs and ServerSecurityGroupIDs are the
	// network new ECS servers join. Quotes carry no network yet; without
	// these an ECS order fails at create (Huawei requires a VPC and subnet).
	ServerVPCID            string
	ServerSubnetIDs        []string
	ServerSecurityGroupIDs []string
	Log                    *slog.Logger
}

// CommerceService runs the commerce use cases. Its methods live in
// catalog.go, resources.go and orders.go.
type CommerceService struct {
	store Store
	cloud Cloud
	money *MoneyService
	clock Clock
	cfg   CommerceConfig
}

// NewCommerceService returns the commerce use cases.
func NewCommerceService(store Store, cloud Cloud, money *MoneyService, clock Clock, cfg CommerceConfig) *CommerceService {
	if cfg.QuoteTTL <= 0 {
		cfg.QuoteTTL = DefaultQuoteTTL
	}
	if cfg.SettleDelay <= 0 {
		cfg.SettleDelay = 30 * time.Second
	}
	if cfg.ProvisionTimeout <= 0 {
		cfg.ProvisionTimeout = 30 * time.Minute
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	s := &CommerceService{store: store, cloud: cloud, money: money, clock: clock, cfg: cfg}
	if money != nil {
		money.SetOrderSync(s.syncOrders)
	}
	return s
}
