package domain

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// StepUpAction is what a step-up challenge authorises.
type StepUpAction string

const (
	StepUpAllocate StepUpAction = "allocate"
	StepUpReclaim  StepUpAction = "reclaim"
	StepUpResolve  StepUpAction = "resolve"
)

// StepUpVerifier answers a step-up challenge: the challenge must be the
// actor's, for this action, customer and amount, unexpired, unused and
// answered with a current TOTP code never accepted before. A successful
// answer consumes the challenge. Errors: 403 codes that say which rule
// failed (see StepUpService).
type StepUpVerifier interface {
	// VerifyOperation: operationID is the operation a resolve decides
	// (uuid.Nil for allocations and reclaims, which have none yet).
	VerifyOperation(ctx context.Context, actor Principal, challengeID uuid.UUID, code string, action StepUpAction, customerID uuid.UUID, amount decimal.Decimal, operationID uuid.UUID) error
}

// MoneyConfig holds the money rules that are settings.
type MoneyConfig struct {
	// StepUpThreshold: operations of this amount or more need step-up
	// (0.00: every amount).
	StepUpThreshold decimal.Decimal
	// MaxAmount caps one allocation or reclaim.
	MaxAmount decimal.Decimal
	// SettleDelay is how long after an unknown outcome the resolver keeps
	// reading Huawei's adjust records before a second read that still finds
	// nothing decides that Huawei did nothing (default 30 s).
	SettleDelay time.Duration
	// ClockSkew widens every time window read from Huawei, for the
	// difference between its clock and ours (default 1 min).
	ClockSkew time.Duration
	// BusyRetry is how soon a job whose customer has another operation in
	// flight looks again (default 1 s). The operation that leaves the slot
	// also wakes the next one at once, but a wake-up that arrives while the
	// next job is itself checking the slot is lost (River wakes only
	// waiting jobs), so this bounds that case's delay.
	BusyRetry time.Duration
	// ReviewAfter: an operation still unknown this long after its call,
	// because Huawei's records cannot be read, goes to needs_review
	// (default 1 h).
	ReviewAfter time.Duration
	// ReconcileLookback is how far back reconciliation compares our
	// operations with Huawei's adjust records (default 7 days).
	ReconcileLookback time.Duration
	// Log receives what jobs decide that nobody waits for; nil discards.
	Log *slog.Logger
}

func (c MoneyConfig) withDefaults() MoneyConfig {
	if c.SettleDelay <= 0 {
		c.SettleDelay = 30 * time.Second
	}
	if c.ClockSkew <= 0 {
		c.ClockSkew = time.Minute
	}
	if c.BusyRetry <= 0 {
		c.BusyRetry = time.Second
	}
	if c.ReviewAfter <= 0 {
		c.ReviewAfter = time.Hour
	}
	if c.ReconcileLookback <= 0 {
		c.ReconcileLookback = 7 * 24 * time.Hour
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return c
}

// MoneyService holds the use cases of moving money between the partner and
// its customers: allocation and reclaim through the ledger, the
// unknown-outcome resolver, balances and reconciliation with Huawei
// (docs/design.md §9).
type MoneyService struct {
	store  Store
	cloud  MoneyCloud
	stepUp StepUpVerifier
	clock  Clock
	cfg    MoneyConfig
	log    *slog.Logger
	// orderSync books a customer's orders placed at Huawei before
	// reconciliation books its unexplained spending (set by commerce).
	orderSync func(ctx context.Context, customerID uuid.UUID) (int, error)
	// huaweiIDs caches customer id → Huawei account id (huaweiAccount); one
	// entry per customer that was sent money.
	huaweiIDs sync.Map
}

// SetOrderSync makes reconciliation sync a customer's Huawei orders before
// it compares the customer's balance.
func (s *MoneyService) SetOrderSync(fn func(ctx context.Context, customerID uuid.UUID) (booked int, err error)) {
	s.orderSync = fn
}

// MoneyCloud is what the money core asks Huawei: adjust-amount, reclaim and
// their records, and for payments the order it pays (PayOrder, read back
// with CustomerOrder, cancelled with CancelOrder).
type MoneyCloud interface {
	CloudAccounts
	CloudOrders
}

// NewMoneyService wires the service.
func NewMoneyService(store Store, cloud MoneyCloud, stepUp StepUpVerifier, clock Clock, cfg MoneyConfig) *MoneyService {
	cfg = cfg.withDefaults()
	return &MoneyService{store: store, cloud: cloud, stepUp: stepUp, clock: clock, cfg: cfg, log: cfg.Log}
}

// MoneyRequest asks to allocate to or reclaim from a customer.
type MoneyRequest struct {
	Kind       MoneyKind
	CustomerID uuid.UUID
	Amount     string // as the client wrote it; parsed here
	Memo       string
	// ChallengeID and Code answer the step-up challenge, for amounts at or
	// above MoneyConfig.StepUpThreshold.
	ChallengeID uuid.UUID
	Code        string
	// RequestKey is the request's Idempotency-Key.
	RequestKey string
}

// parseAmount is ParseAmount within MoneyConfig.MaxAmount.
func (s *MoneyService) parseAmount(raw string) (decimal.Decimal, error) {
	d, err := ParseAmount(raw)
	if err != nil {
		return decimal.Decimal{}, err
	}
	if s.cfg.MaxAmount.IsPositive() && d.GreaterThan(s.cfg.MaxAmount) {
		msg := "amount must be at most " + s.cfg.MaxAmount.StringFixed(2)
		return decimal.Decimal{}, &Error{Code: CodeValidation, Message: msg, Fields: []FieldError{{Field: "amount", Code: "maximum", Message: msg}}}
	}
	return d, nil
}

// Request accepts an allocation or reclaim: in one transaction the
// operation (pending), its ledger hold, the audit record and the job that
// calls Huawei. Finance and admins only; a customer is answered as if the
// customer did not exist (docs/design.md §2.10), except for itself (403).
// Errors: ErrValidation (amount), ErrNotFound, ErrForbidden (role or
// step-up), CodeCustomerNotRegistered, CodeInsufficientPartnerBalance,
// CodeInsufficientCustomerBalance, CodeIdempotencyReuse (the request key
// made another operation).
func (s *MoneyService) Request(ctx context.Context, actor Principal, in MoneyRequest) (MoneyOperation, error) {
	if err := s.mayMoveMoney(ctx, actor, in.CustomerID); err != nil {
		return MoneyOperation{}, err
	}
	if !in.Kind.Valid() {
		return MoneyOperation{}, Errorf(CodeInvalid, "unknown money operation kind %q", in.Kind)
	}
	amount, err := s.parseAmount(in.Amount)
	if err != nil {
		return MoneyOperation{}, err
	}
	huaweiID, cached, err := s.huaweiAccount(ctx, in.CustomerID)
	if err != nil {
		return MoneyOperation{}, err
	}
	// Refuse what the ledger would refuse before a step-up challenge is
	// spent on it; the hold below is the authoritative check. (A retried
	// request whose operation exists is found by the request key's unique
	// constraint below, not by a read here on every request.)
	if err := s.precheck(ctx, in.Kind, in.CustomerID, amount); err != nil {
		if in.RequestKey != "" {
			if op, kerr := s.byRequestKey(ctx, actor, in, amount); !errors.Is(kerr, ErrNotFound) {
				return op, kerr
			}
		}
		return MoneyOperation{}, err
	}
	if !amount.LessThan(s.cfg.StepUpThreshold) && in.RequestKey != "" {
		// A retry must find its operation before its challenge, spent by
		// the first run, is asked for again.
		if op, err := s.byRequestKey(ctx, actor, in, amount); !errors.Is(err, ErrNotFound) {
			return op, err
		}
	}
	if err := s.verifyStepUp(ctx, actor, in.ChallengeID, in.Code, in.Kind.stepUpAction(), in.CustomerID, amount, uuid.Nil); err != nil {
		return MoneyOperation{}, err
	}

	now := s.clock.Now()
	op := MoneyOperation{
		ID: uuid.Must(uuid.NewV7()), Kind: in.Kind, CustomerID: in.CustomerID, HuaweiCustomerID: huaweiID,
		Amount: amount, Currency: CurrencyCNY, Status: MoneyPending, Memo: in.Memo,
		CreatedBy: actor.ID, RequestKey: in.RequestKey, CreatedAt: now, UpdatedAt: now,
	}
	// Accepting is the hot path of the money core, one round trip: BEGIN,
	// the operation, its job, its audit record, the request's
	// Idempotency-Key answer, its hold and COMMIT in one pipeline (the
	// hold's overdraft is the ledger's CHECK, reported when the pipeline is
	// sent).
	accept := func(tx Tx) error {
		details := s.details(op)
		if in.ChallengeID != uuid.Nil {
			details["challenge_id"] = in.ChallengeID.String()
		}
		audit := NewAuditEvent(ctx, s.clock, actor, "money."+string(op.Kind)+".requested", "money_operation", op.ID, details)
		err := PipelineAndCommit(ctx, tx, func(tx Tx) error {
			if err := tx.Money().CreateOperation(ctx, op); err != nil {
				return err
			}
			if err := tx.Enqueue(ctx, MoneyOperationJob{OperationID: op.ID}); err != nil {
				return err
			}
			if err := tx.Audit().Append(ctx, audit); err != nil {
				return err
			}
			// The request's Idempotency-Key answer commits with the operation.
			if err := SaveRequestAnswer(ctx, tx, op); err != nil {
				return err
			}
			// The hold last: every allocation locks the partner's account,
			// so the lock is taken as late as the transaction allows.
			return tx.Money().Transfer(ctx, op.hold(now))
		})
		if errors.Is(err, ErrOverdraft) {
			return insufficient(op.Kind)
		}
		return err
	}
	// The slow paths, each taken at most once: the cached Huawei account
	// was stale; the partner's account is not seeded or the customer's
	// accounts are not open yet (the pipeline opens nothing).
	reread, opened := false, false
	for {
		err = s.store.InTx(ctx, accept)
		switch {
		case errors.Is(err, ErrCustomerMismatch) && cached && !reread:
			reread = true
			s.huaweiIDs.Delete(in.CustomerID)
			if op.HuaweiCustomerID, _, err = s.huaweiAccount(ctx, in.CustomerID); err != nil {
				return MoneyOperation{}, err
			}
			continue
		case errors.Is(err, ErrNotFound) && !opened:
			opened = true
			if err = s.openAccounts(ctx, in.CustomerID); err != nil {
				return MoneyOperation{}, err
			}
			continue
		case errors.Is(err, ErrCustomerMismatch):
			s.huaweiIDs.Delete(in.CustomerID)
			return MoneyOperation{}, Errorf(CodeConflict, "the customer's Huawei Cloud account changed; retry")
		case errors.Is(err, ErrAlreadyExists) && in.RequestKey != "":
			// The same request, taken over after its first run died, got here first.
			return s.byRequestKey(ctx, actor, in, amount)
		case err != nil:
			return MoneyOperation{}, err
		}
		return op, nil
	}
}

// huaweiAccount is the customer's Huawei account id, and whether it came
// from the cache. A customer's Huawei account is set once, when its
// registration completes, so accepting money does not read the customer
// each time: the operation's insert checks the id against the customer's
// row (ErrCustomerMismatch), and a stale entry is dropped and read again.
// Errors: ErrNotFound, CodeCustomerNotRegistered.
func (s *MoneyService) huaweiAccount(ctx context.Context, customerID uuid.UUID) (string, bool, error) {
	if v, ok := s.huaweiIDs.Load(customerID); ok {
		return v.(string), true, nil
	}
	cu, err := s.store.Customers().CustomerByID(ctx, customerID)
	if err != nil {
		return "", false, err
	}
	if cu.DomainID == "" {
		return "", false, Errorf(CodeCustomerNotRegistered, "the customer has no Huawei Cloud account yet")
	}
	s.huaweiIDs.Store(customerID, cu.DomainID)
	return cu.DomainID, false, nil
}

// openAccounts seeds the partner's account (on first use) and opens the
// customer's accounts: what accepting in a pipeline finds missing.
func (s *MoneyService) openAccounts(ctx context.Context, customerID uuid.UUID) error {
	if err := s.ensurePartnerSeeded(ctx); err != nil {
		return err
	}
	return s.store.Money().OpenCustomerAccounts(ctx, customerID, s.clock.Now())
}

// byRequestKey returns the operation an earlier run of this request made.
// Errors: ErrNotFound, CodeIdempotencyReuse.
func (s *MoneyService) byRequestKey(ctx context.Context, actor Principal, in MoneyRequest, amount decimal.Decimal) (MoneyOperation, error) {
	op, err := s.store.Money().OperationByRequestKey(ctx, actor.ID, in.RequestKey)
	if err != nil {
		return MoneyOperation{}, err
	}
	if op.Kind != in.Kind || op.CustomerID != in.CustomerID || !op.Amount.Equal(amount) {
		return MoneyOperation{}, Errorf(CodeIdempotencyReuse, "this Idempotency-Key was used with another request")
	}
	return op, nil
}

func insufficient(kind MoneyKind) error {
	if kind == MoneyReclaim {
		return Errorf(CodeInsufficientCustomerBalance, "the customer's available balance is lower than the amount")
	}
	return Errorf(CodeInsufficientPartnerBalance, "the partner's allocatable balance is lower than the amount")
}

// precheck reads (without locking) the balance the hold will take from,
// seeding the partner's account on first use. Only for amounts that need
// step-up: without a challenge to spare, the hold alone decides (a read
// here would be a round trip that decides nothing; Request seeds the
// partner when the hold finds no account).
func (s *MoneyService) precheck(ctx context.Context, kind MoneyKind, customerID uuid.UUID, amount decimal.Decimal) error {
	if amount.LessThan(s.cfg.StepUpThreshold) {
		return nil
	}
	from := PartnerAllocatable()
	if kind == MoneyReclaim {
		from = CustomerAvailable(customerID)
	}
	bal, err := s.store.Money().AccountBalance(ctx, from)
	if errors.Is(err, ErrNotFound) {
		if kind == MoneyAllocation {
			if err := s.ensurePartnerSeeded(ctx); err != nil {
				return err
			}
			return s.precheck(ctx, kind, customerID, amount)
		}
		bal, err = decimal.Zero, nil
	}
	if err != nil {
		return err
	}
	if bal.LessThan(amount) {
		return insufficient(kind)
	}
	return nil
}

// mayMoveMoney: finance and admins. To a customer these routes answer 404,
// for its own id as for another's (docs/design.md §2.10): it learns nothing
// about other customers, and moving money is not a customer's route.
func (s *MoneyService) mayMoveMoney(ctx context.Context, actor Principal, customerID uuid.UUID) error {
	if actor.Kind == PrincipalUser && actor.HasAnyRole(RoleFinance, RoleAdmin) {
		return nil
	}
	if actor.Kind == PrincipalUser && actor.HasAnyRole(RoleCustomer) {
		return Errorf(CodeNotFound, "customer not found")
	}
	return Errorf(CodeForbidden, "your role may not move money")
}

// ownCustomer is the customer a customer principal is, or uuid.Nil.
func (s *MoneyService) ownCustomer(ctx context.Context, actor Principal) uuid.UUID {
	if actor.Kind != PrincipalUser || !actor.HasAnyRole(RoleCustomer) {
		return uuid.Nil
	}
	c, err := s.store.Customers().CustomerByUserID(ctx, actor.ID)
	if err != nil {
		return uuid.Nil
	}
	return c.ID
}

// verifyStepUp asks the verifier for amounts at or above the threshold; it
// alone says what is wrong with a missing or bad answer (403).
func (s *MoneyService) verifyStepUp(ctx context.Context, actor Principal, challengeID uuid.UUID, code string, action StepUpAction, customerID uuid.UUID, amount decimal.Decimal, operationID uuid.UUID) error {
	if amount.LessThan(s.cfg.StepUpThreshold) {
		return nil
	}
	return s.stepUp.VerifyOperation(ctx, actor, challengeID, code, action, customerID, amount, operationID)
}

// ensurePartnerSeeded opens the partner's ledger account on first use with
// Huawei's allocatable balance (amount − designated of ListPartnerBalances),
// booked as a referenced funding transfer (docs/design.md §9.1). Later
// changes at Huawei that are not ours show up in reconciliation as drift;
// they are never booked silently.
func (s *MoneyService) ensurePartnerSeeded(ctx context.Context) error {
	_, err := s.store.Money().AccountBalance(ctx, PartnerAllocatable())
	if !errors.Is(err, ErrNotFound) {
		return err
	}
	pb, err := s.readPartnerBalance(ctx)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	t := LedgerTransfer{ID: uuid.Must(uuid.NewV7()), Kind: TransferFunding, From: ExternalFunding(), To: PartnerAllocatable(),
		Amount: pb.Allocatable, Currency: CurrencyCNY, Reference: "seed:ListPartnerBalances@" + pb.ReadAt.UTC().Format(time.RFC3339), At: now}
	return s.store.InTx(ctx, func(tx Tx) error {
		seeded, err := tx.Money().SeedPartner(ctx, t)
		if err != nil || !seeded {
			return err
		}
		return tx.Audit().Append(ctx, NewAuditEvent(ctx, s.clock, Principal{}, "money.partner.seeded", "ledger", t.ID, map[string]any{
			"allocatable": pb.Allocatable.StringFixed(2), "amount": pb.Amount.StringFixed(2),
			"designated": pb.Designated.StringFixed(2), "currency": CurrencyCNY, "read_at": pb.ReadAt.UTC().Format(time.RFC3339)}))
	})
}

// readPartnerBalance reads the allocatable account at Huawei now.
func (s *MoneyService) readPartnerBalance(ctx context.Context) (PartnerBalance, error) {
	bs, err := s.cloud.PartnerBalances(ctx)
	if err != nil {
		return PartnerBalance{}, err
	}
	at := s.clock.Now()
	for _, b := range bs {
		if b.Type != CloudAccountAllocatable {
			continue
		}
		alloc := b.Amount.Sub(b.Designated)
		if alloc.IsNegative() {
			alloc = decimal.Zero
		}
		cur := b.Currency
		if cur == "" {
			cur = CurrencyCNY
		}
		return PartnerBalance{Amount: b.Amount, Designated: b.Designated, Allocatable: alloc, Currency: cur, ReadAt: at}, nil
	}
	return PartnerBalance{}, &Error{Code: CodeUpstreamNotFound, Message: "Huawei reports no allocatable account for the partner",
		Upstream: &UpstreamDetail{Operation: "ListPartnerBalances", Outcome: OutcomeDefinite}}
}

// details is what every audit record of an operation says.
func (s *MoneyService) details(op MoneyOperation) map[string]any {
	d := map[string]any{"customer_id": op.CustomerID.String(), "kind": string(op.Kind),
		"amount": op.Amount.StringFixed(2), "currency": op.Currency, "status": string(op.Status)}
	if op.UpstreamRef != "" {
		d["upstream_ref"] = op.UpstreamRef
	}
	if op.Error != nil && op.Error.Code != "" {
		d["upstream_code"] = op.Error.Code
	}
	return d
}

// retryLater asks the job queue to run the job again after d (a snooze,
// not a failure).
func retryLater(d time.Duration, why string) error {
	return &Error{Code: CodeInProgress, Message: why, RetryAfter: max(d, time.Millisecond)}
}

// busy answers a job whose customer's slot is taken.
func (s *MoneyService) busy(holder MoneyOperation) error {
	d := s.cfg.BusyRetry
	if holder.Status == MoneyNeedsReview {
		d = max(d, time.Minute) // a person decides; that can take a while
	}
	return retryLater(d, "another operation of this customer is in flight")
}

// Execute carries an accepted operation to Huawei (docs/design.md §9.2):
// take the customer's slot (pending → in_flight), call Huawei once, and
// write the outcome in a new transaction. An operation found in flight was
// taken by an attempt that never wrote its outcome, so its call may have
// reached Huawei: it becomes unknown and goes to the resolver. Nothing here
// ever calls Huawei twice for one attempt, and no attempt starts while the
// previous one is undecided.
func (s *MoneyService) Execute(ctx context.Context, id uuid.UUID) error {
	op, err := s.store.Money().Operation(ctx, id)
	if err != nil {
		return err
	}
	if op.Kind == MoneyRefund || (op.Kind == MoneyPayment && op.PayOrderID == "") {
		return nil // booked at once (refund), or its order's saga has not created the Huawei order yet
	}
	if op.Status == MoneyPending {
		// The cheap check first: a queue of pending operations waits here.
		if holder, err := s.store.Money().SlotHolder(ctx, op.CustomerID); err == nil {
			return s.busy(holder)
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	var call bool
	err = s.store.InTx(ctx, func(tx Tx) error {
		call = false
		cur, err := tx.Money().OperationForUpdate(ctx, id)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		switch cur.Status {
		case MoneyPending:
			cur.Status, cur.Attempt, cur.StartedAt, cur.UpdatedAt = MoneyInFlight, cur.Attempt+1, now, now
			if err := tx.Money().UpdateOperation(ctx, cur); err != nil {
				return err
			}
			op, call = cur, true
		case MoneyInFlight:
			return s.markUnknown(ctx, tx, cur, &UpstreamDetail{Operation: upstreamOperation(cur.Kind), Outcome: OutcomeUnknown,
				Message: "the attempt that called Huawei ended before recording its answer"})
		case MoneyUnknown:
			return tx.Enqueue(ctx, ResolveMoneyOperationJob{OperationID: cur.ID})
		}
		return nil
	})
	if errors.Is(err, ErrMoneySlotTaken) {
		holder, herr := s.store.Money().SlotHolder(ctx, op.CustomerID)
		if herr != nil {
			holder = MoneyOperation{Status: MoneyInFlight}
		}
		return s.busy(holder)
	}
	if err != nil || !call {
		return err
	}
	ref, callErr := s.call(ctx, op)
	// The answer is written whatever happened to the job's context: the
	// call is over, and losing its answer would turn a known outcome into
	// an unknown one.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	return s.record(rctx, op, ref, callErr)
}

func upstreamOperation(k MoneyKind) string {
	switch k {
	case MoneyReclaim:
		return "ReclaimToPartnerAccount"
	case MoneyPayment:
		return "PayOrders"
	case MoneyRefund:
		return "ShowRefundOrderDetails"
	}
	return "UpdateCustomerAccountAmount"
}

func (s *MoneyService) call(ctx context.Context, op MoneyOperation) (string, error) {
	switch op.Kind {
	case MoneyReclaim:
		return s.cloud.ReclaimFromCustomer(ctx, op.HuaweiCustomerID, op.Amount)
	case MoneyPayment:
		// PayOrder answers nothing of its own: the reference is the order paid.
		if err := s.cloud.PayOrder(ctx, op.HuaweiCustomerID, CloudPayOrder{OrderID: op.PayOrderID}); err != nil {
			return "", err
		}
		return op.PayOrderID, nil
	}
	return s.cloud.AllocateToCustomer(ctx, op.HuaweiCustomerID, op.Amount)
}

// callOutcome classifies what the call returned. Anything the adapter did
// not classify is unknown: the safe assumption for a money move.
func callOutcome(err error) Outcome {
	var e *Error
	if errors.As(err, &e) {
		if e.Upstream != nil {
			return e.Upstream.Outcome
		}
		if e.Code == CodeValidation { // refused by the adapter before sending
			return OutcomeDefinite
		}
	}
	return OutcomeUnknown
}

// failureDetail is what err says of a call to Huawei's operation: Huawei's
// own answer when it gave one, else operation and the outcome.
func failureDetail(operation string, err error) *UpstreamDetail {
	var e *Error
	if errors.As(err, &e) && e.Upstream != nil {
		d := *e.Upstream
		if d.Message == "" {
			d.Message = e.Message
		}
		return &d
	}
	d := &UpstreamDetail{Operation: operation, Outcome: callOutcome(err)}
	if e != nil {
		d.Message = e.Message
	} else {
		d.Message = "the call failed without an answer from Huawei"
	}
	return d
}

// record writes the outcome of the current attempt.
func (s *MoneyService) record(ctx context.Context, op MoneyOperation, ref string, callErr error) error {
	outcome := OutcomeDefinite
	if callErr != nil {
		outcome = callOutcome(callErr)
	}
	var again error
	err := s.store.InTx(ctx, func(tx Tx) error {
		again = nil
		cur, err := tx.Money().OperationForUpdate(ctx, op.ID)
		if err != nil {
			return err
		}
		if cur.Status != MoneyInFlight || cur.Attempt != op.Attempt {
			// A later decision (the resolver's, after this attempt was
			// given up for lost) stands.
			s.log.WarnContext(ctx, "money: late answer ignored", "operation_id", op.ID, "attempt", op.Attempt,
				"status", cur.Status, "upstream_ref", ref, "error", callErr)
			return nil
		}
		switch {
		case callErr == nil:
			return s.succeed(ctx, tx, cur, ref, Principal{}, nil)
		case outcome == OutcomeDefinite:
			return s.fail(ctx, tx, cur, failureDetail(upstreamOperation(cur.Kind), callErr), Principal{}, nil)
		case outcome == OutcomeRetryable:
			// Nothing reached Huawei (throttled, not sent): the operation
			// waits its turn again, and the slot goes to the next one.
			now := s.clock.Now()
			cur.Status, cur.Error, cur.UpdatedAt = MoneyPending, failureDetail(upstreamOperation(cur.Kind), callErr), now
			if err := tx.Money().UpdateOperation(ctx, cur); err != nil {
				return err
			}
			d := time.Second
			var e *Error
			if errors.As(callErr, &e) && e.RetryAfter > 0 {
				d = e.RetryAfter
			}
			again = retryLater(d, "Huawei throttled or could not be reached; nothing was sent")
			return s.wakeNext(ctx, tx, cur.CustomerID, cur.ID)
		default:
			return s.markUnknown(ctx, tx, cur, failureDetail(upstreamOperation(cur.Kind), callErr))
		}
	})
	if err != nil {
		return err
	}
	return again
}

// succeed settles the hold with Huawei's reference.
func (s *MoneyService) succeed(ctx context.Context, tx Tx, cur MoneyOperation, ref string, actor Principal, res *MoneyResolution) error {
	now := s.clock.Now()
	if err := tx.Money().Transfer(ctx, cur.settle(ref, now)); err != nil {
		return err
	}
	cur.Status, cur.UpstreamRef, cur.UpdatedAt = MoneySucceeded, ref, now
	if res == nil {
		cur.Error = nil
	} else {
		cur.Resolution = res
	}
	return s.decided(ctx, tx, cur, actor, res)
}

// fail releases the hold: Huawei did not move the money.
func (s *MoneyService) fail(ctx context.Context, tx Tx, cur MoneyOperation, why *UpstreamDetail, actor Principal, res *MoneyResolution) error {
	now := s.clock.Now()
	if err := tx.Money().Transfer(ctx, cur.release(now)); err != nil {
		return err
	}
	cur.Status, cur.UpdatedAt = MoneyFailed, now
	if why != nil {
		cur.Error = why
	}
	if res != nil {
		cur.Resolution = res
	}
	return s.decided(ctx, tx, cur, actor, res)
}

// decided writes a settled or released operation, audits it, and wakes
// what waited for it: its order's saga (a payment) and the customer's next
// operation (the slot is free).
func (s *MoneyService) decided(ctx context.Context, tx Tx, cur MoneyOperation, actor Principal, res *MoneyResolution) error {
	if err := tx.Money().UpdateOperation(ctx, cur); err != nil {
		return err
	}
	if err := s.audit(ctx, tx, actor, cur, res); err != nil {
		return err
	}
	if err := s.wakeOrder(ctx, tx, cur); err != nil {
		return err
	}
	return s.wakeNext(ctx, tx, cur.CustomerID, cur.ID)
}

// markUnknown keeps the slot and hands the operation to the resolver.
func (s *MoneyService) markUnknown(ctx context.Context, tx Tx, cur MoneyOperation, why *UpstreamDetail) error {
	now := s.clock.Now()
	cur.Status, cur.Error, cur.UnknownAt, cur.UpdatedAt = MoneyUnknown, why, now, now
	if err := tx.Money().UpdateOperation(ctx, cur); err != nil {
		return err
	}
	if err := s.audit(ctx, tx, Principal{}, cur, nil); err != nil {
		return err
	}
	return tx.Enqueue(ctx, ResolveMoneyOperationJob{OperationID: cur.ID})
}

func (s *MoneyService) audit(ctx context.Context, tx Tx, actor Principal, op MoneyOperation, res *MoneyResolution) error {
	action := "money." + string(op.Kind) + "." + string(op.Status)
	d := s.details(op)
	if res != nil {
		action = "money.operation.resolved"
		d["outcome"], d["reason"] = string(res.Outcome), res.Reason
		if res.ChallengeID != uuid.Nil {
			d["challenge_id"] = res.ChallengeID.String()
		}
	}
	return tx.Audit().Append(ctx, NewAuditEvent(ctx, s.clock, actor, action, "money_operation", op.ID, d))
}

// wakeNext makes the customer's oldest waiting operation's job due now.
func (s *MoneyService) wakeNext(ctx context.Context, tx Tx, customerID, except uuid.UUID) error {
	next, err := tx.Money().NextPending(ctx, customerID, except)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if next.Kind.ofOrder() {
		return tx.Wake(ctx, OrderJob{OrderID: next.OrderID})
	}
	return tx.Wake(ctx, MoneyOperationJob{OperationID: next.ID})
}

// Resolve decides an unknown outcome by reading Huawei's adjust records
// back; it never calls adjust-amount or reclaim (docs/design.md §9.3).
//   - exactly one record of the customer, kind and amount in the window
//     around the call, not already another operation's: succeeded, with
//     the record's transaction id;
//   - more than one: needs_review, with the records as evidence;
//   - none: read again after SettleDelay; none again: failed.
func (s *MoneyService) Resolve(ctx context.Context, id uuid.UUID) error {
	op, err := s.store.Money().Operation(ctx, id)
	if err != nil {
		return err
	}
	if op.Status != MoneyUnknown {
		return nil
	}
	if op.Kind == MoneyPayment {
		return s.resolvePayment(ctx, op)
	}
	now := s.clock.Now()
	recs, err := s.readBack(ctx, op, now)
	if err != nil {
		if now.Sub(op.UnknownAt) < s.cfg.ReviewAfter {
			return err
		}
		why := "Huawei's adjust records could not be read for " + s.cfg.ReviewAfter.String() + ": " + err.Error()
		return s.decide(ctx, op, func(tx Tx, cur MoneyOperation) error { return s.toReview(ctx, tx, cur, nil, why) })
	}
	cands, err := s.candidates(ctx, op, recs)
	if err != nil {
		return err
	}
	switch {
	case len(cands) == 1:
		return s.decide(ctx, op, func(tx Tx, cur MoneyOperation) error {
			return s.succeed(ctx, tx, cur, cands[0].TransID, Principal{}, nil)
		})
	case len(cands) > 1:
		return s.decide(ctx, op, func(tx Tx, cur MoneyOperation) error {
			return s.toReview(ctx, tx, cur, cands, "more than one adjust record could be this operation's")
		})
	}
	settled := !now.Before(op.UnknownAt.Add(s.cfg.SettleDelay))
	if settled && op.Checks >= 1 {
		return s.decide(ctx, op, func(tx Tx, cur MoneyOperation) error {
			return s.fail(ctx, tx, cur, &UpstreamDetail{Operation: upstreamOperation(cur.Kind), Outcome: OutcomeDefinite,
				Message: "no adjust record of this operation at Huawei after " + s.cfg.SettleDelay.String() + " and a second read"}, Principal{}, nil)
		})
	}
	err = s.decide(ctx, op, func(tx Tx, cur MoneyOperation) error {
		cur.Checks++
		cur.UpdatedAt = s.clock.Now()
		return tx.Money().UpdateOperation(ctx, cur)
	})
	if err != nil {
		return err
	}
	wait := op.UnknownAt.Add(s.cfg.SettleDelay).Sub(now)
	return retryLater(max(wait, s.cfg.SettleDelay/10), "no adjust record yet; reading again after the settle delay")
}

// decide runs fn on the locked operation if it is still the unknown one
// that was read.
func (s *MoneyService) decide(ctx context.Context, op MoneyOperation, fn func(Tx, MoneyOperation) error) error {
	return s.store.InTx(ctx, func(tx Tx) error {
		cur, err := tx.Money().OperationForUpdate(ctx, op.ID)
		if err != nil {
			return err
		}
		if cur.Status != MoneyUnknown || cur.Attempt != op.Attempt {
			return nil
		}
		return fn(tx, cur)
	})
}

func (s *MoneyService) toReview(ctx context.Context, tx Tx, cur MoneyOperation, evidence []CloudAdjustRecord, why string) error {
	cur.Status, cur.Evidence, cur.UpdatedAt = MoneyNeedsReview, evidence, s.clock.Now()
	if cur.Error == nil {
		cur.Error = &UpstreamDetail{Operation: upstreamOperation(cur.Kind), Outcome: OutcomeUnknown}
	}
	cur.Error.Message = why
	if err := tx.Money().UpdateOperation(ctx, cur); err != nil {
		return err
	}
	return s.audit(ctx, tx, Principal{}, cur, nil)
}

// readBack pages through the customer's adjust records of the operation's
// kind in a window around its call (docs/huawei-bss.md §6.7). The window
// is fixed for the whole pass, so offsets hold still while records arrive.
func (s *MoneyService) readBack(ctx context.Context, op MoneyOperation, now time.Time) ([]CloudAdjustRecord, error) {
	q := CloudAdjustRecordQuery{
		CustomerID: op.HuaweiCustomerID, Type: op.Kind.adjustType(),
		From: op.StartedAt.Add(-s.cfg.ClockSkew).Truncate(time.Second), To: now.Add(s.cfg.ClockSkew).Truncate(time.Second),
	}
	return s.allAdjustRecords(ctx, q)
}

// adjustPage is the page size of adjust-record reads.
const adjustPage = 100

func (s *MoneyService) allAdjustRecords(ctx context.Context, q CloudAdjustRecordQuery) ([]CloudAdjustRecord, error) {
	var out []CloudAdjustRecord
	seen := map[string]bool{}
	q.Limit = adjustPage
	for q.Offset = 0; ; q.Offset += adjustPage {
		page, err := s.cloud.ListAdjustRecords(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, r := range page.Records {
			if !seen[r.TransID] {
				seen[r.TransID] = true
				out = append(out, r)
			}
		}
		if len(page.Records) < adjustPage || q.Offset+adjustPage >= page.Total {
			return out, nil
		}
	}
}

// candidates are the records that could be op's: same kind and amount, and
// not another operation's.
func (s *MoneyService) candidates(ctx context.Context, op MoneyOperation, recs []CloudAdjustRecord) ([]CloudAdjustRecord, error) {
	var same []CloudAdjustRecord
	var refs []string
	for _, r := range recs {
		if r.Type == op.Kind.adjustType() && r.CustomerID == op.HuaweiCustomerID && r.Amount.Equal(op.Amount) {
			same = append(same, r)
			refs = append(refs, r.TransID)
		}
	}
	if len(same) == 0 {
		return nil, nil
	}
	taken, err := s.store.Money().OperationsByRefs(ctx, refs)
	if err != nil {
		return nil, err
	}
	owned := map[string]bool{}
	for _, t := range taken {
		if t.ID != op.ID {
			owned[t.UpstreamRef] = true
		}
	}
	var out []CloudAdjustRecord
	for _, r := range same {
		if !owned[r.TransID] {
			out = append(out, r)
		}
	}
	return out, nil
}

// MoneyDecision is a person's answer for a needs_review operation.
type MoneyDecision struct {
	OperationID uuid.UUID
	Outcome     MoneyStatus // succeeded or failed
	Reason      string
	UpstreamRef string // required for succeeded: the adjust record that is the operation's
	ChallengeID uuid.UUID
	Code        string
}

// Decide records a person's decision on a needs_review operation, with
// step-up (action resolve) and an audit record. Errors: ErrNotFound,
// ErrForbidden, ErrValidation, ErrConflict (not in review, or the reference
// is another operation's).
func (s *MoneyService) Decide(ctx context.Context, actor Principal, in MoneyDecision) (MoneyOperation, error) {
	op, err := s.store.Money().Operation(ctx, in.OperationID)
	if err != nil {
		return MoneyOperation{}, err
	}
	if err := s.mayMoveMoney(ctx, actor, op.CustomerID); err != nil {
		if errors.Is(err, ErrNotFound) {
			return MoneyOperation{}, Errorf(CodeNotFound, "money operation not found")
		}
		return MoneyOperation{}, err
	}
	var fields []FieldError
	if in.Outcome != MoneySucceeded && in.Outcome != MoneyFailed {
		fields = append(fields, FieldError{Field: "outcome", Code: "enum", Message: "must be succeeded or failed"})
	}
	if in.Reason == "" {
		fields = append(fields, FieldError{Field: "reason", Code: "required", Message: "say why"})
	}
	if in.Outcome == MoneySucceeded && in.UpstreamRef == "" {
		fields = append(fields, FieldError{Field: "upstream_ref", Code: "required", Message: "a succeeded operation names Huawei's transaction id"})
	}
	if len(fields) > 0 {
		return MoneyOperation{}, &Error{Code: CodeValidation, Message: "the decision is incomplete", Fields: fields}
	}
	if op.Status != MoneyNeedsReview {
		return MoneyOperation{}, Errorf(CodeConflict, "only an operation in needs_review is decided by a person; this one is %s", op.Status)
	}
	if in.Outcome == MoneySucceeded {
		if err := s.confirmRecord(ctx, op, in.UpstreamRef); err != nil {
			return MoneyOperation{}, err
		}
	}
	if err := s.verifyStepUp(ctx, actor, in.ChallengeID, in.Code, StepUpResolve, op.CustomerID, op.Amount, op.ID); err != nil {
		return MoneyOperation{}, err
	}
	res := &MoneyResolution{Outcome: in.Outcome, Reason: in.Reason, UpstreamRef: in.UpstreamRef, By: actor.ID,
		Role: actingRole(actor), ChallengeID: in.ChallengeID, At: s.clock.Now()}
	err = s.store.InTx(ctx, func(tx Tx) error {
		cur, err := tx.Money().OperationForUpdate(ctx, op.ID)
		if err != nil {
			return err
		}
		if cur.Status != MoneyNeedsReview {
			return Errorf(CodeConflict, "the operation is %s now", cur.Status)
		}
		if in.Outcome == MoneySucceeded {
			err = s.succeed(ctx, tx, cur, in.UpstreamRef, actor, res)
		} else {
			err = s.fail(ctx, tx, cur, nil, actor, res)
		}
		if errors.Is(err, ErrAlreadyExists) {
			return Errorf(CodeConflict, "upstream reference %q belongs to another operation", in.UpstreamRef)
		}
		return err
	})
	if err != nil {
		return MoneyOperation{}, err
	}
	return s.store.Money().Operation(ctx, op.ID)
}

// confirmRecord reads the adjust record a person names back from Huawei: it
// must be the operation's customer, kind and amount. Errors: ErrConflict.
func (s *MoneyService) confirmRecord(ctx context.Context, op MoneyOperation, ref string) error {
	if op.Kind == MoneyPayment {
		return s.confirmPaid(ctx, op, ref)
	}
	page, err := s.cloud.ListAdjustRecords(ctx, CloudAdjustRecordQuery{CustomerID: op.HuaweiCustomerID, Type: op.Kind.adjustType(), TransID: ref, Limit: 10})
	if err != nil {
		return err
	}
	for _, r := range page.Records {
		if r.TransID == ref && r.Type == op.Kind.adjustType() && r.CustomerID == op.HuaweiCustomerID && r.Amount.Equal(op.Amount) {
			return nil
		}
	}
	return Errorf(CodeConflict, "Huawei has no %s record %q of %s for this customer", op.Kind, ref, op.Amount.StringFixed(2))
}

// Sweep is the safety net of the money jobs (periodic): operations whose
// job was lost (discarded after its attempts) get one again, and every
// customer whose slot is free gets its oldest waiting operation woken.
func (s *MoneyService) Sweep(ctx context.Context) error {
	ops, err := s.store.Money().OpenOperations(ctx)
	if err != nil {
		return err
	}
	busy := map[uuid.UUID]bool{}
	for _, op := range ops {
		if op.Status != MoneyPending {
			busy[op.CustomerID] = true
		}
	}
	woken := map[uuid.UUID]bool{}
	return s.store.InTx(ctx, func(tx Tx) error {
		for _, op := range ops {
			switch op.Status {
			case MoneyPending, MoneyInFlight:
				if op.Kind.ofOrder() {
					// An order's payment is driven by its saga alone (one job
					// per order), never by a second job racing it.
					if err := tx.Enqueue(ctx, OrderJob{OrderID: op.OrderID}); err != nil {
						return err
					}
					continue
				}
			}
			switch op.Status {
			case MoneyPending:
				if err := tx.Enqueue(ctx, MoneyOperationJob{OperationID: op.ID}); err != nil {
					return err
				}
				if !busy[op.CustomerID] && !woken[op.CustomerID] {
					woken[op.CustomerID] = true
					if err := tx.Wake(ctx, MoneyOperationJob{OperationID: op.ID}); err != nil {
						return err
					}
				}
			case MoneyInFlight:
				if err := tx.Enqueue(ctx, MoneyOperationJob{OperationID: op.ID}); err != nil {
					return err
				}
			case MoneyUnknown:
				if err := tx.Enqueue(ctx, ResolveMoneyOperationJob{OperationID: op.ID}); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
