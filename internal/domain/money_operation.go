package domain

import (
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// MoneyKind says which way an operation moves money.
type MoneyKind string

const (
	MoneyAllocation MoneyKind = "allocation" // partner → customer (adjust-amount)
	MoneyReclaim    MoneyKind = "reclaim"    // customer → partner (reclaim)
	// MoneyPayment pays one Huawei order from the customer's balance
	// (PayOrder): customer → external spend.
	MoneyPayment MoneyKind = "payment"
	// MoneyRefund is a refund Huawei reported for an unsubscribe order:
	// external spend → customer, booked at once (hold and settle together).
	MoneyRefund MoneyKind = "refund"
)

// Valid reports whether k is a kind the money routes accept (allocation,
// reclaim); payments and refunds are made by orders only.
func (k MoneyKind) Valid() bool { return k == MoneyAllocation || k == MoneyReclaim }

// ofOrder reports whether the kind belongs to an order (payment, refund):
// it has no adjust record at Huawei.
func (k MoneyKind) ofOrder() bool { return k == MoneyPayment || k == MoneyRefund }

// adjustType is how Huawei's adjust records name the kind.
func (k MoneyKind) adjustType() CloudAdjustType {
	if k == MoneyReclaim {
		return CloudAdjustReclaim
	}
	return CloudAdjustAllocate
}

func (k MoneyKind) stepUpAction() StepUpAction {
	if k == MoneyReclaim {
		return StepUpReclaim
	}
	return StepUpAllocate
}

// MoneyStatus is where an operation stands (docs/design.md §9.2):
//
//	pending → in_flight → succeeded | failed | unknown | pending (throttled, nothing sent)
//	unknown → succeeded | failed | needs_review   (the resolver, reading back)
//	needs_review → succeeded | failed             (a person, with step-up)
type MoneyStatus string

const (
	MoneyPending     MoneyStatus = "pending"
	MoneyInFlight    MoneyStatus = "in_flight"
	MoneySucceeded   MoneyStatus = "succeeded"
	MoneyFailed      MoneyStatus = "failed"
	MoneyUnknown     MoneyStatus = "unknown"
	MoneyNeedsReview MoneyStatus = "needs_review"
)

// Valid reports whether s is a status this API knows.
func (s MoneyStatus) Valid() bool {
	switch s {
	case MoneyPending, MoneyInFlight, MoneySucceeded, MoneyFailed, MoneyUnknown, MoneyNeedsReview:
		return true
	}
	return false
}

// Finished: Huawei's side is decided and the hold is settled or released.
func (s MoneyStatus) Finished() bool { return s == MoneySucceeded || s == MoneyFailed }

// MoneyOperation is one allocation or reclaim: the intent, its ledger hold,
// and what Huawei said.
type MoneyOperation struct {
	ID         uuid.UUID
	Kind       MoneyKind
	CustomerID uuid.UUID
	// HuaweiCustomerID is the customer's Huawei id when the operation was
	// accepted: what the job sends and what the resolver reads back.
	HuaweiCustomerID string
	Amount           decimal.Decimal
	Currency         string
	Status           MoneyStatus
	// UpstreamRef is Huawei's transfer_id (allocation), trans_id (reclaim),
	// the paid order's id (payment) or the unsubscribe order's id (refund).
	UpstreamRef string
	// OrderID is the storefront order a payment or refund belongs to.
	OrderID uuid.UUID
	// PayOrderID is the Huawei order a payment pays (set by the saga once
	// the order exists; a payment without it is not sent).
	PayOrderID string
	// Error is Huawei's refusal (failed) or the failure that left the
	// outcome unknown.
	Error *UpstreamDetail
	// Evidence is what the resolver read back when it could not decide.
	Evidence   []CloudAdjustRecord
	Resolution *MoneyResolution
	Memo       string
	CreatedBy  uuid.UUID
	// RequestKey is the Idempotency-Key of the request that made it.
	RequestKey string
	// Attempt counts the times the operation was taken in flight; only the
	// current attempt may record an outcome.
	Attempt   int
	StartedAt time.Time // the current attempt's call to Huawei
	UnknownAt time.Time
	Checks    int // read-backs made for an unknown outcome
	CreatedAt time.Time
	UpdatedAt time.Time
}

// MoneyResolution is a person's decision on a needs_review operation.
type MoneyResolution struct {
	Outcome     MoneyStatus // succeeded or failed
	Reason      string
	UpstreamRef string
	By          uuid.UUID
	Role        Role
	ChallengeID uuid.UUID
	At          time.Time
}

// hold, settle and release are the operation's transfers (docs/design.md §9.1):
//
//	allocation: hold partner → held; settle held → available; release held → partner
//	reclaim:    hold available → held; settle held → partner; release held → available
//	payment:    hold available → held; settle held → spend;   release held → available
//	refund:     hold spend → held;     settle held → available (booked together)
func (op MoneyOperation) hold(at time.Time) LedgerTransfer {
	t := op.transfer(TransferHold, at)
	t.From, t.To = PartnerAllocatable(), CustomerHeld(op.CustomerID)
	switch op.Kind {
	case MoneyReclaim, MoneyPayment:
		t.From = CustomerAvailable(op.CustomerID)
	case MoneyRefund:
		t.From = ExternalSpend()
	}
	return t
}

func (op MoneyOperation) settle(ref string, at time.Time) LedgerTransfer {
	t := op.transfer(TransferSettle, at)
	t.From, t.To, t.Reference = CustomerHeld(op.CustomerID), CustomerAvailable(op.CustomerID), ref
	switch op.Kind {
	case MoneyReclaim:
		t.To = PartnerAllocatable()
	case MoneyPayment:
		t.To = ExternalSpend()
	}
	return t
}

func (op MoneyOperation) release(at time.Time) LedgerTransfer {
	t := op.transfer(TransferRelease, at)
	t.From, t.To = CustomerHeld(op.CustomerID), PartnerAllocatable()
	switch op.Kind {
	case MoneyReclaim, MoneyPayment, MoneyRefund:
		t.To = CustomerAvailable(op.CustomerID)
	}
	if op.Kind == MoneyRefund {
		t.To = ExternalSpend()
	}
	return t
}

func (op MoneyOperation) transfer(kind TransferKind, at time.Time) LedgerTransfer {
	return LedgerTransfer{ID: uuid.Must(uuid.NewV7()), Kind: kind, Amount: op.Amount, Currency: op.Currency, OperationID: op.ID, At: at}
}

// visibleTo: finance and admins see every operation; a customer only its own
// (docs/design.md §2.10), and without staff notes, evidence and decisions.
func (op MoneyOperation) visibleTo(p Principal, own uuid.UUID) (MoneyOperation, bool) {
	if p.Kind == PrincipalUser && p.HasAnyRole(RoleFinance, RoleAdmin) {
		return op, true
	}
	if own == uuid.Nil || op.CustomerID != own {
		return MoneyOperation{}, false
	}
	op.Memo, op.Evidence, op.Resolution, op.RequestKey = "", nil, nil, ""
	return op, true
}

// MoneyOperationJob carries an accepted operation to Huawei.
type MoneyOperationJob struct{ OperationID uuid.UUID }

// Kind implements Job.
func (MoneyOperationJob) Kind() string { return "money_operation" }

// JobOptions implements JobWithOptions: one job per operation.
func (MoneyOperationJob) JobOptions() JobOptions { return JobOptions{Unique: true} }

// ResolveMoneyOperationJob reads back an operation whose outcome is unknown.
type ResolveMoneyOperationJob struct{ OperationID uuid.UUID }

// Kind implements Job.
func (ResolveMoneyOperationJob) Kind() string { return "money_resolve" }

// JobOptions implements JobWithOptions: one resolver per operation; reads
// that fail are retried for a long time before a person is needed.
func (ResolveMoneyOperationJob) JobOptions() JobOptions {
	return JobOptions{Unique: true, MaxAttempts: 50}
}

// SweepMoneyJob re-enqueues the jobs of operations that lost theirs and
// wakes customers' queues; it runs periodically.
type SweepMoneyJob struct{}

// Kind implements Job.
func (SweepMoneyJob) Kind() string { return "money_sweep" }
