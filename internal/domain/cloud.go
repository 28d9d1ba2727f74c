package domain

import (
	"context"
	"time"

	"github.com/shopspring/decimal"
)

// Cloud is the port to Huawei Cloud: what the use cases need from BSS, IAM,
// ECS and EVS, in domain terms. internal/upstream/huawei implements it over
// the official SDK; no SDK type crosses this boundary. The Cloud* types are
// Huawei's view of things (its order, its resource), distinct from the
// domain's own aggregates.
//
// Conventions for every method:
//   - Money is decimal.Decimal rounded to fen (2 decimals) by the adapter;
//     currency strings are Huawei's ("CNY"; empty upstream becomes "CNY").
//   - Times are UTC; a time Huawei did not send is the zero time.
//   - Methods that act *as the customer* take the customer's Huawei domain
//     id (customerID) first; the adapter obtains the customer's temporary
//     credential through the partner's agency and caches it. Everything else
//     runs with the partner's credential.
//   - Every failure is a *Error whose Upstream names the SDK operation, the
//     HTTP status, Huawei's error_code and message, and the Outcome
//     (definite, retryable or unknown). Besides the codes listed per method,
//     every method can return:
//     ErrUpstreamForbidden (definite: credential refused, agency missing,
//     operation not allowed for this partner),
//     ErrUpstreamInvalid (definite: Huawei refused a field),
//     ErrUpstreamRejected (definite: any other 4xx business refusal),
//     ErrUpstreamThrottled (retryable: rate limit here or at Huawei),
//     ErrUpstreamUnavailable (retryable: not sent, or a read that failed),
//     ErrUpstreamUnknown (only on methods that change something: timeout,
//     5xx or an undecodable answer — never resend blindly, read back first,
//     docs/design.md §2.3),
//     ErrValidation (the request breaks a documented limit; nothing was sent).
//   - The adapter never retries by itself.
type Cloud interface {
	CloudCustomers
	CloudRealName
	CloudCatalog
	CloudPricing
	CloudOrders
	CloudResources
	CloudAccounts
	CloudProvisioning
}

// CloudCustomers registers and manages the partner's sub-customers.
type CloudCustomers interface {
	// CheckUserIdentity asks whether a name, mobile or email may register.
	// Errors: ErrUpstreamInvalid for a malformed value.
	CheckUserIdentity(ctx context.Context, q CloudIdentityCheck) (CloudIdentityCheckResult, error)

	// SendVerificationCode sends an SMS code (registration or bank-card
	// real-name). Errors: ErrUpstreamThrottled when Huawei's per-number cap
	// (15/h, 60/day) is reached; ErrUpstreamUnknown if the send may have
	// happened.
	SendVerificationCode(ctx context.Context, req CloudVerificationCodeRequest) error

	// CreateSubCustomer creates a Huawei account linked to the partner
	// (reseller model) with the adapter's xaccount_type.
	// Errors: ErrAlreadyExists (login name, mobile or xaccount_id taken),
	// ErrVerificationCode (wrong, expired or exhausted SMS code),
	// ErrUpstreamInvalid (name/password/mobile format),
	// ErrUpstreamUnknown.
	//
	// Half success: when Huawei created the account but could not confirm
	// the association (500 CBC.99000050), the result carries the DomainID
	// (and DomainName) AND the error is ErrUpstreamUnknown with
	// Upstream.Code "CBC.99000050". The caller records the DomainID and
	// confirms with ListSubCustomers; it never creates again. On any other
	// ErrUpstreamUnknown the result is empty: look the account up with
	// ListSubCustomers by the DomainName the caller chose (so always choose
	// one) before deciding.
	CreateSubCustomer(ctx context.Context, req CloudNewSubCustomer) (CloudCreatedSubCustomer, error)

	// ListSubCustomers pages through the partner's customers. Errors: the
	// common ones only.
	ListSubCustomers(ctx context.Context, q CloudSubCustomerQuery) (CloudSubCustomerPage, error)

	// FreezeCustomers freezes up to 10 reseller-model customers. Per-customer
	// refusals come back in the result (partial success); the error is for
	// the call as a whole. Errors: ErrUpstreamUnknown.
	FreezeCustomers(ctx context.Context, req CloudFreezeRequest) ([]CloudItemFailure, error)

	// UnfreezeCustomers undoes FreezeCustomers; Scope must equal the scope
	// the customer was frozen with. Same errors as FreezeCustomers.
	UnfreezeCustomers(ctx context.Context, req CloudFreezeRequest) ([]CloudItemFailure, error)

	// VerifyCustomerAccess obtains (and caches) the customer's temporary
	// credential through the agency, proving the partner may act as the
	// customer. Errors: ErrUpstreamForbidden when the agency is missing or
	// refused, ErrUpstreamNotFound for an unknown customer.
	VerifyCustomerAccess(ctx context.Context, customerID string) error

	// CustomerProjectID returns the customer's project id for a region (the
	// project_id of ratings and of ECS/EVS calls), with the customer's
	// credential. Errors: ErrUpstreamNotFound when the customer has no
	// project in that region.
	CustomerProjectID(ctx context.Context, customerID, region string) (string, error)
}

// CloudRealName submits real-name verification on the customer's behalf.
type CloudRealName interface {
	// SubmitIndividualRealName submits an individual verification.
	// Errors: ErrAlreadyExists (already verified or under review),
	// ErrVerificationCode (bank-card scheme code), ErrUpstreamNotFound (not
	// the partner's customer), ErrUpstreamRejected (Huawei's checks failed),
	// ErrUpstreamUnknown.
	SubmitIndividualRealName(ctx context.Context, req CloudIndividualRealName) (CloudRealNameSubmission, error)

	// SubmitEnterpriseRealName submits an enterprise verification. Errors as
	// SubmitIndividualRealName.
	SubmitEnterpriseRealName(ctx context.Context, req CloudEnterpriseRealName) (CloudRealNameSubmission, error)

	// ChangeToEnterpriseRealName changes a verified individual to an
	// enterprise. Errors as SubmitIndividualRealName.
	ChangeToEnterpriseRealName(ctx context.Context, req CloudEnterpriseRealName) (CloudRealNameSubmission, error)

	// RealNameReview reads the result of the customer's latest verification
	// submission. A customer for whom nothing was ever submitted is not an
	// error: Huawei answers without a review_result (docs/huawei-bss.md
	// §2.4), and Status is CloudReviewNeverSubmitted, so a caller reading
	// back after an unknown outcome can tell "never arrived" from "arrived".
	// Errors: ErrUpstreamNotFound (not the partner's customer).
	RealNameReview(ctx context.Context, customerID string) (CloudRealNameReview, error)
}

// CloudCatalog reads Huawei's product catalogue (partner credential).
type CloudCatalog interface {
	// ListServiceTypes pages through the cloud service types. Errors: the
	// common ones only.
	ListServiceTypes(ctx context.Context, q CloudCatalogQuery) (CloudServiceTypePage, error)
	// ListResourceTypes pages through the resource types. Errors: the
	// common ones only.
	ListResourceTypes(ctx context.Context, q CloudCatalogQuery) (CloudResourceTypePage, error)
}

// CloudPricing prices carts with the customer's credential, so the customer's
// own discounts apply.
type CloudPricing interface {
	// RateOnDemand prices pay-per-use items. Errors: ErrUpstreamNotFound
	// (product not found: service type, resource type, region and spec must
	// all match), ErrUpstreamInvalid (usage factor or unit).
	RateOnDemand(ctx context.Context, customerID string, req CloudOnDemandRating) (CloudRating, error)

	// RatePeriod prices yearly/monthly items: the list price and one option
	// per applicable discount. Errors as RateOnDemand.
	RatePeriod(ctx context.Context, customerID string, req CloudPeriodRating) (CloudPeriodQuote, error)

	// RateRenewal prices renewing primary resources. Resources Huawei cannot
	// price come back in Failures (it answers 200 for those).
	// Errors: ErrUpstreamNotFound, ErrUpstreamInvalid.
	RateRenewal(ctx context.Context, customerID string, req CloudRenewalRating) (CloudRenewalQuote, error)
}

// CloudOrders reads and settles yearly/monthly orders.
type CloudOrders interface {
	// ListCustomerOrders lists orders of the partner's customers (partner
	// credential; CustomerID narrows it). Errors: ErrUpstreamInvalid (a
	// time window over one year).
	ListCustomerOrders(ctx context.Context, q CloudOrderQuery) (CloudOrderPage, error)

	// CustomerOrder reads one order and a page of its line items.
	// Errors: ErrUpstreamNotFound.
	CustomerOrder(ctx context.Context, orderID string, offset, limit int) (CloudOrderDetail, error)

	// PayOrder pays a pending order from the customer's balance (customer
	// credential; no idempotency key upstream).
	// Errors: ErrInsufficientBalance, ErrUpstreamNotFound (invalid order),
	// ErrUpstreamRejected (status changed, past the deadline, coupon rules),
	// ErrUpstreamUnknown (read the order status back; never pay again
	// blindly).
	PayOrder(ctx context.Context, customerID string, req CloudPayOrder) error

	// CancelOrder cancels a pending-payment order (customer credential).
	// Errors: ErrUpstreamRejected (status does not allow it),
	// ErrUpstreamNotFound, ErrUpstreamUnknown.
	CancelOrder(ctx context.Context, customerID, orderID string) error

	// RefundDetails lists where an unsubscribe/downgrade order's refund came
	// from (partner credential). Errors: ErrUpstreamRejected (not an
	// unsubscribe or downgrade order), ErrUpstreamNotFound.
	RefundDetails(ctx context.Context, customerID, orderID string) ([]CloudRefund, error)
}

// CloudResources manages yearly/monthly resources.
type CloudResources interface {
	// ListCustomerResources lists provisioned yearly/monthly resources of a
	// customer (partner credential; q.CustomerID is required). Errors: the
	// common ones only.
	ListCustomerResources(ctx context.Context, q CloudResourceQuery) (CloudResourcePage, error)

	// RenewResources creates pending renewal orders (never auto-paid) to be
	// paid with PayOrder. Per-resource refusals come back in Failures.
	// Errors: ErrUpstreamNotFound, ErrUpstreamRejected (not primary, unpaid
	// order exists, beyond the maximum term), ErrUpstreamUnknown.
	RenewResources(ctx context.Context, customerID string, req CloudRenewal) (CloudOrderResult, error)

	// UnsubscribeResources unsubscribes resources (refunds per Huawei's
	// rules). Errors: ErrUpstreamNotFound, ErrUpstreamRejected,
	// ErrUpstreamUnknown.
	UnsubscribeResources(ctx context.Context, customerID string, req CloudUnsubscription) (CloudOrderResult, error)

	// SetAutoRenew turns auto-renew on for a resource (and its subordinates).
	// Errors: ErrUpstreamNotFound, ErrUpstreamRejected (expired or frozen,
	// product delisted), ErrUpstreamUnknown.
	SetAutoRenew(ctx context.Context, customerID string, req CloudAutoRenew) error

	// CancelAutoRenew turns auto-renew off. Errors: ErrUpstreamNotFound,
	// ErrUpstreamRejected (already off), ErrUpstreamUnknown.
	CancelAutoRenew(ctx context.Context, customerID, resourceID string) error

	// SetExpireToOnDemand makes resources turn pay-per-use at expiry
	// (enable) or cancels that. Per-resource refusals come back in the
	// result. Errors: ErrUpstreamUnknown.
	SetExpireToOnDemand(ctx context.Context, customerID string, resourceIDs []string, enable bool) ([]CloudItemFailure, error)
}

// CloudAccounts moves and reads money between the partner and customers.
type CloudAccounts interface {
	// PartnerBalances reads the partner's own accounts. The allocatable
	// amount is Amount − Designated of the CloudAccountAllocatable entry.
	// Errors: the common ones only.
	PartnerBalances(ctx context.Context) ([]CloudPartnerBalance, error)

	// CustomerBalances reads the balances of 1–100 reseller-model customers;
	// others are silently absent from the result. Errors: the common ones
	// only.
	CustomerBalances(ctx context.Context, customerIDs []string) ([]CloudCustomerBalance, error)

	// AllocateToCustomer moves amount (> 0, at most 2 decimals, yuan) from the
	// partner to the customer (adjust-amount) and returns Huawei's
	// transfer_id. There is no idempotency key upstream.
	// Errors: ErrInsufficientBalance, ErrUpstreamNotFound (not the partner's
	// customer), ErrUpstreamUnknown (reconcile with ListAdjustRecords; never
	// resend blindly), ErrValidation (bad amount, nothing sent).
	AllocateToCustomer(ctx context.Context, customerID string, amount decimal.Decimal) (transferID string, err error)

	// ReclaimFromCustomer moves amount back from the customer to the partner
	// and returns Huawei's trans_id. Errors as AllocateToCustomer
	// (ErrInsufficientBalance: the customer has less).
	ReclaimFromCustomer(ctx context.Context, customerID string, amount decimal.Decimal) (transID string, err error)

	// ListAdjustRecords pages through allocation/reclaim records (v3), the
	// read-back for unknown allocations and reclaims. Errors: the common
	// ones only.
	ListAdjustRecords(ctx context.Context, q CloudAdjustRecordQuery) (CloudAdjustRecordPage, error)
}

// CloudProvisioning creates prepaid (yearly/monthly) resources with the
// customer's credential through the services' native APIs, always with
// manual payment: the answer is a pending order to pay with PayOrder.
type CloudProvisioning interface {
	// CreatePrepaidServer creates ECS servers. Errors: ErrInsufficientBalance,
	// ErrUpstreamInvalid, ErrUpstreamRejected (quota, sold out),
	// ErrUpstreamUnknown (look the order up with ListCustomerOrders before
	// creating again; ClientToken lets Huawei deduplicate a resend).
	CreatePrepaidServer(ctx context.Context, customerID string, req CloudServerOrder) (CloudPendingOrder, error)

	// CreatePrepaidVolume creates EVS volumes. Errors as CreatePrepaidServer.
	CreatePrepaidVolume(ctx context.Context, customerID string, req CloudVolumeOrder) (CloudPendingOrder, error)
}

// --- customers ---

// CloudIdentityKind is what CheckUserIdentity checks.
type CloudIdentityKind string

const (
	CloudIdentityName   CloudIdentityKind = "name"
	CloudIdentityMobile CloudIdentityKind = "mobile"
	CloudIdentityEmail  CloudIdentityKind = "email"
)

// CloudIdentityCheck: a mobile is "0086-13xxxxxxxxx"; a name 5–32 characters.
type CloudIdentityCheck struct {
	Kind  CloudIdentityKind
	Value string
}

type CloudIdentityCheckResult struct {
	Available bool
	// MobileRemaining is how many more customers may register with the
	// mobile (mobile checks only; -1 when Huawei did not say).
	MobileRemaining int
}

// CloudSMSScene is what an SMS code is for.
type CloudSMSScene int

const (
	CloudSMSRegister         CloudSMSScene = 29
	CloudSMSBankCardRealName CloudSMSScene = 18
)

type CloudVerificationCodeRequest struct {
	Mobile     string // mainland China number without country code
	Scene      CloudSMSScene
	Lang       string        // "zh-cn" (default) or "en-us"
	Validity   time.Duration // 0 → Huawei's default (10 min)
	CustomerID string        // required for CloudSMSBankCardRealName
}

type CloudNewSubCustomer struct {
	XAccountID       string // our customer id (max 128)
	DomainName       string // Huawei login name; choose one so an unknown outcome can be looked up
	Mobile           string
	VerificationCode string // required with Mobile
	Password         string // never logged; empty → Huawei picks a random one
	CloseMarketing   bool
}

type CloudCreatedSubCustomer struct {
	DomainID   string
	DomainName string
}

type CloudSubCustomerQuery struct {
	AccountName string // fuzzy
	CustomerID  string // exact
	Offset      int
	Limit       int // 1–100; 0 → Huawei's default 10
}

type CloudSubCustomerPage struct {
	Customers []CloudSubCustomer
	Total     int
}

// CloudRealNameStatus is Huawei's verified_status.
type CloudRealNameStatus string

const (
	CloudRealNameNone      CloudRealNameStatus = "none"
	CloudRealNameReviewing CloudRealNameStatus = "reviewing"
	CloudRealNameRejected  CloudRealNameStatus = "rejected"
	CloudRealNameVerified  CloudRealNameStatus = "verified"
)

// CloudSubCustomer is Huawei's view of one of the partner's customers.
type CloudSubCustomer struct {
	DomainID       string
	AccountName    string
	RealName       string // the verified name, if any
	AssociatedAt   time.Time
	Reseller       bool // association_type 2 (代售); false for referral (顾问销售)
	Label          string
	Phone          string
	Email          string
	RealNameStatus CloudRealNameStatus
	Enterprise     bool // customer_type 1
	Frozen         bool
	XAccountID     string
	XAccountType   string
	Level          string // V0…V5
}

// CloudFreezeScope says whether only the account or also its resources freeze.
type CloudFreezeScope string

const (
	CloudFreezeAccount             CloudFreezeScope = "ACCOUNT"
	CloudFreezeAccountAndResources CloudFreezeScope = "ACCOUNT_AND_RESOURCE"
)

type CloudFreezeRequest struct {
	CustomerIDs []string // 1–10
	Reason      string
	Scope       CloudFreezeScope // "" → CloudFreezeAccount
}

// CloudItemFailure is one item Huawei refused inside a successful answer.
type CloudItemFailure struct {
	ID      string // customer or resource id
	Code    string // Huawei error_code
	Message string
}

// --- real name ---

type CloudIndividualRealName struct {
	CustomerID   string
	BankCard     *CloudBankCard // set → bank-card scheme (identify_type 4)
	VerifiedType int            // certificate kind for the certificate scheme (3 passport, 5, 6, 9, 10)
	FileURLs     []string       // ordered attachment paths, at most 4
	Name         string
	Number       string // certificate number; never logged
}

type CloudBankCard struct {
	Account          string
	AreaCode         string // "0086"
	Mobile           string
	VerificationCode string
}

type CloudEnterpriseRealName struct {
	CustomerID      string
	CertificateType int      // 0 business licence … 99 other
	FileURLs        []string // organization certificate first
	CorpName        string
	Number          string
	RegCountry      string
	RegAddress      string
	LegalPerson     *CloudLegalPerson
}

type CloudLegalPerson struct {
	Name     string
	IDNumber string
}

type CloudRealNameSubmission struct {
	// NeedsReview: Huawei reviews manually; poll RealNameReview.
	NeedsReview bool
}

// CloudReviewStatus is the state of a submitted verification.
type CloudReviewStatus string

const (
	// CloudReviewNeverSubmitted: Huawei holds no submission for the customer.
	CloudReviewNeverSubmitted CloudReviewStatus = "never_submitted"
	CloudReviewPending        CloudReviewStatus = "pending"
	CloudReviewRejected       CloudReviewStatus = "rejected"
	CloudReviewApproved       CloudReviewStatus = "approved"
)

type CloudRealNameReview struct {
	Status  CloudReviewStatus
	Opinion string // why, when rejected
}

// --- catalogue ---

type CloudCatalogQuery struct {
	Name     string // service type name, fuzzy (service types only)
	Language string // "zh_CN" (default) or "en_US"
	Offset   int
	Limit    int
}

type CloudServiceType struct {
	Code         string // e.g. hws.service.type.ec2
	Name         string
	Abbreviation string
}

type CloudServiceTypePage struct {
	Items []CloudServiceType
	Total int
}

type CloudResourceType struct {
	Code            string // e.g. hws.resource.type.vm
	Name            string
	Description     string
	ServiceTypeCode string
}

type CloudResourceTypePage struct {
	Items []CloudResourceType
	Total int
}

// --- rating ---

// CloudPeriodUnit is the unit of a subscription or renewal period.
type CloudPeriodUnit string

const (
	CloudPeriodHour  CloudPeriodUnit = "hour"
	CloudPeriodDay   CloudPeriodUnit = "day"
	CloudPeriodMonth CloudPeriodUnit = "month"
	CloudPeriodYear  CloudPeriodUnit = "year"
)

// CloudProductKey names a product the way Huawei's pricing does; all four of
// ServiceType, ResourceType, ResourceSpec and Region must match.
type CloudProductKey struct {
	ServiceType      string // hws.service.type.ec2
	ResourceType     string // hws.resource.type.vm
	ResourceSpec     string // s6.small.1.linux, SAS, ...
	Region           string
	AvailabilityZone string
	Size             int // linear products (GB, Mbps); 0 otherwise
	SizeMeasureID    int // 17 GB, 15 Mbps, 14 count
}

type CloudOnDemandItem struct {
	ID             string // unique in the request; results carry it back
	Product        CloudProductKey
	UsageFactor    string          // Duration, upflow...
	UsageValue     decimal.Decimal // e.g. 1
	UsageMeasureID int             // 4 = hour
	Quantity       int
}

type CloudOnDemandRating struct {
	ProjectID string // CustomerProjectID for the items' region
	Items     []CloudOnDemandItem
}

type CloudPeriodItem struct {
	ID       string
	Product  CloudProductKey
	Period   CloudPeriodUnit
	Periods  int
	Quantity int
}

type CloudPeriodRating struct {
	ProjectID string
	Items     []CloudPeriodItem
}

// CloudRating is a priced cart: totals and one line per item.
type CloudRating struct {
	Currency string
	Amount   decimal.Decimal // after discount
	Official decimal.Decimal // list price
	Discount decimal.Decimal // Official − Amount
	Items    []CloudRatedItem
}

type CloudRatedItem struct {
	ID        string // the request item's ID
	ProductID string
	Amount    decimal.Decimal
	Official  decimal.Decimal
	Discount  decimal.Decimal
	Discounts []CloudRatedDiscount
}

type CloudRatedDiscount struct {
	ID     string
	Type   int // Huawei discount_type (605 business, 606 distributor, 607 partner…)
	Name   string
	Amount decimal.Decimal
}

// CloudPeriodQuote is the list price plus one priced option per discount.
type CloudPeriodQuote struct {
	Currency string
	Official CloudRating // Amount == Official: no discount applied
	Options  []CloudDiscountOption
}

// CloudDiscountOption is the cart priced with one discount.
type CloudDiscountOption struct {
	DiscountID   string
	DiscountType int
	DiscountName string
	Best         bool // Huawei's best_offer
	Rating       CloudRating
}

type CloudRenewalRating struct {
	ResourceIDs    []string // 1–10 primary resources
	Period         CloudPeriodUnit
	Periods        int
	IncludeRelated bool
}

type CloudRenewalQuote struct {
	Currency  string
	Resources []CloudRenewalPrice
	Official  decimal.Decimal
	Options   []CloudDiscountOption // Rating.Items is empty: Huawei prices renewals per cart only
	Failures  []CloudItemFailure
}

type CloudRenewalPrice struct {
	ResourceID string
	Amount     decimal.Decimal
}

// --- orders ---

// CloudOrderStatus is Huawei's order status.
type CloudOrderStatus int

const (
	CloudOrderPendingReview       CloudOrderStatus = 1
	CloudOrderPendingRefund       CloudOrderStatus = 2
	CloudOrderProcessing          CloudOrderStatus = 3
	CloudOrderCancelled           CloudOrderStatus = 4
	CloudOrderCompleted           CloudOrderStatus = 5
	CloudOrderPendingPayment      CloudOrderStatus = 6
	CloudOrderPendingConfirmation CloudOrderStatus = 9
)

// CloudOrderType is Huawei's order type.
type CloudOrderType int

const (
	CloudOrderNew         CloudOrderType = 1
	CloudOrderRenewal     CloudOrderType = 2
	CloudOrderChange      CloudOrderType = 3
	CloudOrderUnsubscribe CloudOrderType = 4
	CloudOrderToOnDemand  CloudOrderType = 10
	CloudOrderToPeriod    CloudOrderType = 11
)

type CloudOrderQuery struct {
	CustomerID  string
	OrderID     string
	Status      CloudOrderStatus // 0 → any
	Type        CloudOrderType   // 0 → any
	CreatedFrom time.Time        // zero → no bound; window ≤ 1 year
	CreatedTo   time.Time
	NewestFirst bool
	Offset      int
	Limit       int // 1–100
}

type CloudOrder struct {
	ID              string
	CustomerID      string
	ServiceTypeCode string
	ServiceTypeName string
	Status          CloudOrderStatus
	Type            CloudOrderType
	Amount          decimal.Decimal // after discounts, before coupons
	Official        decimal.Decimal
	Currency        string
	CreatedAt       time.Time
	PaidAt          time.Time
	PaymentDeadline time.Time // detail only
	Discounts       []CloudOrderDiscount
	CouponAmount    decimal.Decimal
	HandlingFee     decimal.Decimal // unsubscribe orders
	ConsumedAmount  decimal.Decimal // unsubscribe orders
}

type CloudOrderDiscount struct {
	Type   string // Huawei discount_type code, e.g. "607"
	Amount decimal.Decimal
}

type CloudOrderPage struct {
	Orders []CloudOrder
	Total  int
}

type CloudOrderLine struct {
	ID              string
	ServiceTypeCode string
	ProductID       string
	SpecDescription string
	Period          CloudPeriodUnit // "" for one-off or unknown
	Periods         int
	EffectiveAt     time.Time
	ExpiresAt       time.Time
	Quantity        int
	Amount          decimal.Decimal
	Official        decimal.Decimal
	Currency        string
}

type CloudOrderDetail struct {
	Order      CloudOrder
	Lines      []CloudOrderLine
	TotalLines int
}

type CloudPayOrder struct {
	OrderID    string
	CouponIDs  []CloudCouponRef // at most 3
	DiscountID *CloudDiscountRef
}

type CloudCouponRef struct {
	ID   string
	Type int // 300 discount coupon, 301 voucher, 302 flexi-purchase, 303 stored-value card
}

type CloudDiscountRef struct {
	ID   string
	Type int // 0 promotion, 2 business, 3 partner-granted
}

// CloudRefund: a negative Amount was refunded; positive is consumption or a
// handling fee.
type CloudRefund struct {
	ID               string
	Amount           decimal.Decimal
	CustomerID       string
	ServiceTypeCode  string
	ResourceTypeCode string
	Region           string
	BaseOrderID      string
}

// --- resources ---

// CloudResourceStatus is Huawei's resource status.
type CloudResourceStatus int

const (
	CloudResourceInUse   CloudResourceStatus = 2
	CloudResourceClosed  CloudResourceStatus = 3
	CloudResourceFrozen  CloudResourceStatus = 4
	CloudResourceExpired CloudResourceStatus = 5
)

// CloudExpirePolicy is what happens at expiry; only CloudExpireAutoRenew renews.
type CloudExpirePolicy int

const (
	CloudExpireGracePeriod   CloudExpirePolicy = 0
	CloudExpireToOnDemand    CloudExpirePolicy = 1
	CloudExpireDelete        CloudExpirePolicy = 2
	CloudExpireAutoRenew     CloudExpirePolicy = 3
	CloudExpireFreeze        CloudExpirePolicy = 4
	CloudExpireDeleteRetired CloudExpirePolicy = 5
)

type CloudResourceQuery struct {
	CustomerID      string // required
	ResourceIDs     []string
	OrderID         string
	OnlyMain        bool
	Statuses        []CloudResourceStatus
	ExpiresFrom     time.Time
	ExpiresTo       time.Time
	ServiceTypeCode string
	Offset          int
	Limit           int
}

type CloudResource struct {
	ID               string // Huawei's record id
	ResourceID       string
	Name             string
	Region           string
	ServiceTypeCode  string
	ResourceTypeCode string
	SpecCode         string
	ProjectID        string
	ProductID        string
	ParentID         string
	Main             bool
	Status           CloudResourceStatus
	EffectiveAt      time.Time
	ExpiresAt        time.Time
	ExpirePolicy     CloudExpirePolicy
	SpecDescription  string
	UpdatedAt        time.Time
}

type CloudResourcePage struct {
	Resources []CloudResource
	Total     int
}

type CloudRenewal struct {
	ResourceIDs []string // 1–10 primary resources
	Period      CloudPeriodUnit
	Periods     int
}

// CloudUnsubscribeKind: the resource with its renewals, or only its renewals.
type CloudUnsubscribeKind int

const (
	CloudUnsubscribeResource     CloudUnsubscribeKind = 1
	CloudUnsubscribeRenewalsOnly CloudUnsubscribeKind = 2
)

type CloudUnsubscription struct {
	ResourceIDs []string // 1–10
	Kind        CloudUnsubscribeKind
	ReasonType  int // 1–5, 0 → none
	Reason      string
}

// CloudOrderResult is the orders Huawei created plus refused items.
type CloudOrderResult struct {
	OrderIDs []string
	Failures []CloudItemFailure
}

type CloudAutoRenew struct {
	ResourceID string
	Times      int             // 0 → unlimited
	Period     CloudPeriodUnit // "" → as the last order; month or year
}

// --- accounts ---

// CloudAccountType is Huawei's account_type of a partner balance.
type CloudAccountType int

const (
	CloudAccountCash        CloudAccountType = 1
	CloudAccountCredit      CloudAccountType = 2
	CloudAccountBonus       CloudAccountType = 5
	CloudAccountDeposit     CloudAccountType = 7
	CloudAccountAllocatable CloudAccountType = 8
)

type CloudPartnerBalance struct {
	AccountID  string
	Type       CloudAccountType
	Amount     decimal.Decimal
	Designated decimal.Decimal // earmarked: not allocatable
	Credit     decimal.Decimal // credit accounts only
	Currency   string
}

type CloudCustomerBalance struct {
	CustomerID string
	Amount     decimal.Decimal // available
	Debt       decimal.Decimal
	Currency   string
}

// CloudAdjustType is the kind of an adjust record.
type CloudAdjustType string

const (
	CloudAdjustAllocate CloudAdjustType = "SOURCE_OPERATION_BEADJUST"
	CloudAdjustReclaim  CloudAdjustType = "SOURCE_OPERATION_BERETRIEVE"
	CloudAdjustUnbind   CloudAdjustType = "SOURCE_OPERATION_BEUNBIND"
)

type CloudAdjustRecordQuery struct {
	CustomerID string
	Type       CloudAdjustType // "" → all
	From, To   time.Time       // zero → no bound
	TransID    string
	Offset     int
	Limit      int
}

type CloudAdjustRecord struct {
	CustomerID   string
	CustomerName string
	Type         CloudAdjustType
	Amount       decimal.Decimal
	Currency     string
	Scene        string
	At           time.Time
	TransID      string
	Memo         string
}

type CloudAdjustRecordPage struct {
	Records []CloudAdjustRecord
	Total   int
}

// --- provisioning ---

type CloudDiskSpec struct {
	Type   string // SATA, SAS, SSD, GPSSD, ESSD...
	SizeGB int
}

// CloudServerOrder is a prepaid ECS purchase (manual payment).
type CloudServerOrder struct {
	Region           string
	ClientToken      string // idempotency at ECS (X-Client-Token); reuse it on a resend
	Name             string
	ImageRef         string
	FlavorRef        string
	VPCID            string
	SubnetIDs        []string
	SecurityGroupIDs []string
	AvailabilityZone string
	RootVolume       CloudDiskSpec
	DataVolumes      []CloudDiskSpec
	Count            int // 0 → 1
	Period           CloudPeriodUnit
	Periods          int
	AutoRenew        bool
	AdminPassword    string // never logged
}

// CloudVolumeOrder is a prepaid EVS purchase (manual payment).
type CloudVolumeOrder struct {
	Region           string
	ClientToken      string
	Name             string
	AvailabilityZone string
	Disk             CloudDiskSpec
	Count            int
	Period           CloudPeriodUnit
	Periods          int
	AutoRenew        bool
}

// CloudPendingOrder is what a prepaid create answers: the order awaiting
// PayOrder, the service's job and the ids of what it will create.
type CloudPendingOrder struct {
	OrderID     string
	JobID       string
	ResourceIDs []string
}
