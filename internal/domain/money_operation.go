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
)

// Valid reports whether k is a kind this API knows.
func (k MoneyKind) Valid() bool { return k == MoneyAllocation || k == MoneyReclaim }

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
	// UpstreamRef is Huawei's transfer_id (allocation) or trans_id (reclaim).
	UpstreamRef string
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
func (op MoneyOperation) hold(at time.Time) LedgerTransfer {
	t := op.transfer(TransferHold, at)
	t.From, t.To = PartnerAllocatable(), CustomerHeld(op.CustomerID)
	if op.Kind == MoneyReclaim {
		t.From = CustomerAvailable(op.CustomerID)
	}
	return t
}

func (op MoneyOperation) settle(ref string, at time.Time) LedgerTransfer {
	t := op.transfer(TransferSettle, at)
	t.From, t.To, t.Reference = CustomerHeld(op.CustomerID), CustomerAvailable(op.CustomerID), ref
	if op.Kind == MoneyReclaim {
		t.To = PartnerAllocatable()
	}
	return t
}

func (op MoneyOperation) release(at time.Time) LedgerTransfer {
	t := op.transfer(TransferRelease, at)
	t.From, t.To = CustomerHeld(op.CustomerID), PartnerAllocatable()
	if op.Kind == MoneyReclaim {
		t.To = CustomerAvailable(op.CustomerID)
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
