package domain

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// CustomerStatus is the account state on Huawei as we last set it.
type CustomerStatus string

const (
	CustomerActive CustomerStatus = "active"
	CustomerFrozen CustomerStatus = "frozen"
)

// FreezeScope is what a freeze covers (docs/huawei-bss.md §1.5): only
// FreezeAccountAndResources freezes the customer's resources.
type FreezeScope string

const (
	FreezeAccount             FreezeScope = "account"
	FreezeAccountAndResources FreezeScope = "account_and_resources"
)

// RealNameStatus is the customer's verification state.
type RealNameStatus string

const (
	RealNameUnverified RealNameStatus = "unverified"
	RealNameInReview   RealNameStatus = "in_review"
	RealNameVerified   RealNameStatus = "verified"
	RealNameRejected   RealNameStatus = "rejected"
)

// RegistrationStatus is where creating the Huawei account stands.
type RegistrationStatus string

const (
	RegistrationPending RegistrationStatus = "pending" // the job has not created the account yet
	RegistrationCreated RegistrationStatus = "created" // Huawei returned (or we read back) a domain id
	RegistrationFailed  RegistrationStatus = "failed"  // Huawei refused definitely; the user may retry
)

// Association is whether Huawei confirmed the account is linked to the partner.
type Association string

const (
	AssociationPending   Association = "pending"
	AssociationConfirmed Association = "confirmed"
)

// Customer is a storefront user who is (or is becoming) a Huawei Cloud
// customer of the partner. ID is also the xaccount_id Huawei keeps.
type Customer struct {
	ID              uuid.UUID
	UserID          uuid.UUID
	AccountName     string
	Email           string
	Mobile          string
	Status          CustomerStatus
	FrozenScope     FreezeScope // empty unless frozen
	PendingAction   string      // "freeze", "unfreeze" or ""
	PendingScope    FreezeScope
	RealNameStatus  RealNameStatus
	Registration    RegistrationStatus
	RegistrationErr *UpstreamDetail // why Huawei refused, when Registration is failed
	// RegistrationSentAt is when CreateSubCustomer was sent without a known
	// outcome; zero otherwise. While set the account may exist: the job
	// reads back and never sends again (docs/design.md §2.3).
	RegistrationSentAt time.Time
	ActionErr          *UpstreamDetail // why Huawei refused the last freeze or unfreeze; cleared by the next request
	Association        Association
	DomainID           string // Huawei's customer id; empty until known
	DomainName         string
	CreatedBy          uuid.UUID
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// VisibleTo is the tenant wall (docs/design.md §2.10): staff see every
// customer, a customer only itself. Callers answer ErrNotFound otherwise,
// the same as for a missing id.
func (c Customer) VisibleTo(p Principal) bool {
	if p.Kind != PrincipalUser {
		return false
	}
	if p.HasAnyRole(RoleOperator, RoleFinance, RoleAdmin) {
		return true
	}
	return c.UserID == p.ID
}

// CustomerStore keeps customers. Methods that change a row are used inside
// a transaction, with the audit record and the job that carries the change
// to Huawei.
type CustomerStore interface {
	// CreateCustomer inserts c with the SMS code the registration job will
	// hand to Huawei, and links its user (users.customer_id).
	// Errors: ErrAlreadyExists (the user is already a customer, or the
	// account name is taken).
	CreateCustomer(ctx context.Context, c Customer, smsCode string) error
	// CustomerByID errors: ErrNotFound.
	CustomerByID(ctx context.Context, id uuid.UUID) (Customer, error)
	// CustomerForUpdate locks the row. Errors: ErrNotFound.
	CustomerForUpdate(ctx context.Context, id uuid.UUID) (Customer, error)
	// CustomerByUserID errors: ErrNotFound.
	CustomerByUserID(ctx context.Context, userID uuid.UUID) (Customer, error)
	// CustomerByUserIDForUpdate locks the user's customer row. Errors: ErrNotFound.
	CustomerByUserIDForUpdate(ctx context.Context, userID uuid.UUID) (Customer, error)
	// CustomerByAccountName errors: ErrNotFound.
	CustomerByAccountName(ctx context.Context, accountName string) (Customer, error)
	// UpdateCustomer writes c's account fields, status, pending action,
	// registration (with RegistrationSentAt), association, Huawei ids,
	// action error and UpdatedAt
	// (not the real-name fields, which the real-name use cases own).
	// Errors: ErrNotFound, ErrAlreadyExists (account name taken).
	UpdateCustomer(ctx context.Context, c Customer) error
	// RegistrationCode is the SMS code stored for the registration job; ""
	// once cleared. Errors: ErrNotFound.
	RegistrationCode(ctx context.Context, id uuid.UUID) (string, error)
	// SetRegistrationCode stores code; "" clears it. Errors: ErrNotFound.
	SetRegistrationCode(ctx context.Context, id uuid.UUID, code string) error
	// ListCustomers returns up to q.Limit customers matching q, newest first
	// (CreatedAt, then ID, descending).
	ListCustomers(ctx context.Context, q CustomerQuery) ([]Customer, error)
}

// CustomerCursor is where a page of customers ends: the last row's sort key.
type CustomerCursor struct {
	CreatedAt time.Time
	ID        uuid.UUID
}

// CustomerQuery selects customers. Zero fields do not filter.
type CustomerQuery struct {
	// UserID limits the list to that user's customer (a customer's own view).
	UserID uuid.UUID
	// Search is a prefix of the account name (case-sensitive, as Huawei
	// stores it), of the email (case-insensitive) or of the mobile.
	Search string
	// NameIndex is the keyed index of Search as an exact real-name name,
	// matched besides the prefixes; nil matches nothing. Only with Search.
	NameIndex      []byte
	Status         CustomerStatus
	RealNameStatus RealNameStatus
	CreatedFrom    time.Time // inclusive
	CreatedTo      time.Time // exclusive
	// After is the previous page's last row; nil for the first page.
	After *CustomerCursor
	Limit int
}
