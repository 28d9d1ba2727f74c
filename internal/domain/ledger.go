package domain

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// LedgerAccountKind names the accounts of the double-entry ledger
// (docs/design.md §2.6, §9.1). Holds are explicit: money of an unfinished
// allocation or reclaim sits in the customer's held account until Huawei's
// answer settles or releases it.
type LedgerAccountKind string

const (
	// AccountPartnerAllocatable is the partner's allocatable balance at
	// Huawei as we know it: seeded once from ListPartnerBalances, then moved
	// only by our own allocations and reclaims.
	AccountPartnerAllocatable LedgerAccountKind = "partner_allocatable"
	// AccountCustomerAvailable is what a customer has at Huawei as we know it.
	AccountCustomerAvailable LedgerAccountKind = "customer_available"
	// AccountCustomerHeld is money of a customer's unfinished operations:
	// allocations on their way in, reclaims on their way out.
	AccountCustomerHeld LedgerAccountKind = "customer_held"
	// AccountExternalFunding is where the partner's seed comes from.
	AccountExternalFunding LedgerAccountKind = "external_funding"
	// AccountExternalSpend is what customers spent at Huawei (booked by
	// reconciliation).
	AccountExternalSpend LedgerAccountKind = "external_spend"
)

// External accounts stand for the world outside the ledger; they may go
// below zero (a source), every other account may not.
func (k LedgerAccountKind) External() bool {
	return k == AccountExternalFunding || k == AccountExternalSpend
}

// LedgerAccount names one account: a kind, and the customer for the
// customer kinds.
type LedgerAccount struct {
	Kind       LedgerAccountKind
	CustomerID uuid.UUID
}

// PartnerAllocatable, CustomerAvailable, CustomerHeld, ExternalFunding and
// ExternalSpend name the ledger's accounts.
func PartnerAllocatable() LedgerAccount { return LedgerAccount{Kind: AccountPartnerAllocatable} }
func CustomerAvailable(customerID uuid.UUID) LedgerAccount {
	return LedgerAccount{Kind: AccountCustomerAvailable, CustomerID: customerID}
}
func CustomerHeld(customerID uuid.UUID) LedgerAccount {
	return LedgerAccount{Kind: AccountCustomerHeld, CustomerID: customerID}
}
func ExternalFunding() LedgerAccount { return LedgerAccount{Kind: AccountExternalFunding} }
func ExternalSpend() LedgerAccount   { return LedgerAccount{Kind: AccountExternalSpend} }

// TransferKind says why money moved.
type TransferKind string

const (
	TransferFunding TransferKind = "funding" // the partner's seed from Huawei
	TransferHold    TransferKind = "hold"    // an operation was accepted
	TransferSettle  TransferKind = "settle"  // Huawei did it
	TransferRelease TransferKind = "release" // Huawei did not
	TransferSpend   TransferKind = "spend"   // the customer spent at Huawei
)

// LedgerTransfer moves a positive Amount from one account to another: two
// entries, −Amount and +Amount, written together with the accounts' cached
// balances. Transfers are never changed or deleted; a correction is another
// transfer.
type LedgerTransfer struct {
	ID          uuid.UUID
	Kind        TransferKind
	From, To    LedgerAccount
	Amount      decimal.Decimal
	Currency    string
	OperationID uuid.UUID // hold, settle and release belong to an operation
	Reference   string    // Huawei's transaction id, the seed's read, the run that booked a spend
	At          time.Time
}

// LedgerEntry is one side of a transfer, as a customer's ledger shows it.
type LedgerEntry struct {
	ID           uuid.UUID
	TransferID   uuid.UUID
	Account      LedgerAccountKind
	Amount       decimal.Decimal // signed: + into the account, − out of it
	BalanceAfter decimal.Decimal
	Currency     string
	Kind         TransferKind
	OperationID  uuid.UUID
	Reference    string
	CreatedAt    time.Time
}

// CustomerBalance is a customer's money as our ledger knows it, and what
// Huawei said last time reconciliation read it.
type CustomerBalance struct {
	CustomerID uuid.UUID
	Available  decimal.Decimal
	Held       decimal.Decimal
	Currency   string
	Upstream   *UpstreamBalance // nil: never read
}

// UpstreamBalance is a customer's balance as Huawei reported it.
type UpstreamBalance struct {
	Amount decimal.Decimal
	Debt   decimal.Decimal
	ReadAt time.Time
}

// PartnerBalance is the partner's allocatable account at Huawei, read now,
// beside our ledger's figure (nil before the ledger was seeded).
type PartnerBalance struct {
	Amount      decimal.Decimal
	Designated  decimal.Decimal
	Allocatable decimal.Decimal // Amount − Designated: the allocation limit (docs/huawei-bss.md §6.2)
	Currency    string
	ReadAt      time.Time
	Ledger      *decimal.Decimal
}

// CustomerRef pairs our customer id with Huawei's.
type CustomerRef struct {
	ID       uuid.UUID
	HuaweiID string
}

// ErrOverdraft: a transfer would take an account that may not go negative
// below zero. Nothing was written.
var ErrOverdraft = errors.New("ledger: the transfer would overdraw an account")

// ErrCustomerMismatch is returned by MoneyStore.CreateOperation when the
// operation's customer does not exist or its Huawei account is not the
// one the operation names: money is never booked against a stale account.
var ErrCustomerMismatch = errors.New("money: the customer does not exist or has another Huawei account")

// ErrMoneySlotTaken: another operation of the customer is already at Huawei
// or undecided (docs/design.md §2.4). Nothing was written.
var ErrMoneySlotTaken = errors.New("money: another operation of this customer is in flight")

// MoneyFilter narrows a list of money operations; zero fields do not filter.
type MoneyFilter struct {
	CustomerID uuid.UUID
	Kind       MoneyKind
	Status     MoneyStatus
	From, To   time.Time // created at or after From, before To
}

// MoneyStore keeps money operations, the ledger, Huawei balance snapshots
// and reconciliation runs. Writes happen inside a transaction, with the
// audit record and the jobs they go with.
type MoneyStore interface {
	// CreateOperation inserts op. Errors: ErrAlreadyExists when its
	// (CreatedBy, RequestKey) is taken; ErrCustomerMismatch when its
	// customer does not exist or does not have op.HuaweiCustomerID.
	CreateOperation(ctx context.Context, op MoneyOperation) error
	// Operation errors: ErrNotFound.
	Operation(ctx context.Context, id uuid.UUID) (MoneyOperation, error)
	// OperationForUpdate locks the row. Errors: ErrNotFound.
	OperationForUpdate(ctx context.Context, id uuid.UUID) (MoneyOperation, error)
	// OperationByRequestKey finds what a request with this Idempotency-Key
	// made. Errors: ErrNotFound.
	OperationByRequestKey(ctx context.Context, createdBy uuid.UUID, key string) (MoneyOperation, error)
	// OperationsByRefs returns the operations holding any of refs as their
	// upstream reference.
	OperationsByRefs(ctx context.Context, refs []string) ([]MoneyOperation, error)
	// UpdateOperation writes op's state (status, reference, error, evidence,
	// resolution, attempt, times, checks). Errors: ErrMoneySlotTaken when op
	// would be a second operation of its customer in flight, unknown or in
	// review; ErrAlreadyExists when its upstream reference belongs to
	// another operation.
	UpdateOperation(ctx context.Context, op MoneyOperation) error
	// ListOperations returns up to limit operations matching f with id <
	// before (uuid.Nil: from the newest), newest first.
	ListOperations(ctx context.Context, f MoneyFilter, before uuid.UUID, limit int) ([]MoneyOperation, error)
	// SucceededOperations returns the succeeded operations started in [from, to].
	SucceededOperations(ctx context.Context, from, to time.Time) ([]MoneyOperation, error)
	// OpenOperations returns every operation not yet succeeded or failed,
	// oldest first.
	OpenOperations(ctx context.Context) ([]MoneyOperation, error)
	// SlotHolder returns the customer's operation that is in flight, unknown
	// or in review. Errors: ErrNotFound when there is none.
	SlotHolder(ctx context.Context, customerID uuid.UUID) (MoneyOperation, error)
	// NextPending returns the customer's oldest pending operation other than
	// except. Errors: ErrNotFound.
	NextPending(ctx context.Context, customerID, except uuid.UUID) (MoneyOperation, error)
	// CustomerActivity says whether the customer has an unfinished operation
	// and when any of its operations last changed (zero: none).
	CustomerActivity(ctx context.Context, customerID uuid.UUID) (open bool, lastChange time.Time, err error)

	// Transfer applies t: it creates missing customer accounts, locks both
	// accounts in a fixed order, and writes the transfer, its two entries
	// and both cached balances. Errors: ErrOverdraft; ErrAlreadyExists when
	// a funding or spend with t's reference exists; ErrNotFound when the
	// partner account has not been seeded (inside Tx.Pipeline, also when
	// the customer's accounts are not open yet).
	Transfer(ctx context.Context, t LedgerTransfer) error
	// OpenCustomerAccounts creates the customer's available and held
	// accounts if missing (Transfer does too, except inside Tx.Pipeline).
	OpenCustomerAccounts(ctx context.Context, customerID uuid.UUID, at time.Time) error
	// SeedPartner creates the partner's account and, when t.Amount is
	// positive, applies t (a funding transfer into it). It returns false and
	// does nothing when the account exists.
	SeedPartner(ctx context.Context, t LedgerTransfer) (bool, error)
	// AccountBalance errors: ErrNotFound when the account does not exist.
	AccountBalance(ctx context.Context, a LedgerAccount) (decimal.Decimal, error)
	// LockCustomerAccounts creates the customer's accounts if missing, locks
	// them and returns their balances.
	LockCustomerAccounts(ctx context.Context, customerID uuid.UUID) (available, held decimal.Decimal, err error)
	// CustomerBalance is zero for a customer without accounts.
	CustomerBalance(ctx context.Context, customerID uuid.UUID) (CustomerBalance, error)
	// ListEntries returns up to limit entries of the customer's accounts
	// created in [from, to) (zero: unbounded) with id < before (uuid.Nil:
	// from the newest), newest first.
	ListEntries(ctx context.Context, customerID uuid.UUID, from, to time.Time, before uuid.UUID, limit int) ([]LedgerEntry, error)
	// EachEntry calls fn for every entry of the customer's accounts created
	// in [from, to) (zero: unbounded), oldest first, streaming from the
	// database; it stops at fn's first error and returns it.
	EachEntry(ctx context.Context, customerID uuid.UUID, from, to time.Time, fn func(LedgerEntry) error) error
	// SaveUpstreamBalance records what Huawei said the customer has.
	SaveUpstreamBalance(ctx context.Context, customerID uuid.UUID, b UpstreamBalance) error
	// LedgerCustomers returns up to limit customers with ledger accounts and
	// id > after, by id.
	LedgerCustomers(ctx context.Context, after uuid.UUID, limit int) ([]CustomerRef, error)
	// CustomersByHuaweiID maps Huawei customer ids to ours (unknown ids are absent).
	CustomersByHuaweiID(ctx context.Context, huaweiIDs []string) (map[string]uuid.UUID, error)

	// CreateRun inserts a reconciliation run.
	CreateRun(ctx context.Context, r ReconciliationRun) error
	// Run errors: ErrNotFound.
	Run(ctx context.Context, id uuid.UUID) (ReconciliationRun, error)
	// RunForUpdate locks the run. Errors: ErrNotFound.
	RunForUpdate(ctx context.Context, id uuid.UUID) (ReconciliationRun, error)
	// UpdateRun writes the run's status, window, items, error and times.
	UpdateRun(ctx context.Context, r ReconciliationRun) error
	// ListRuns returns up to limit runs with id < before, newest first.
	ListRuns(ctx context.Context, before uuid.UUID, limit int) ([]ReconciliationRun, error)
}
