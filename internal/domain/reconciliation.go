package domain

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// ReconciliationTrigger says who started a run.
type ReconciliationTrigger string

const (
	ReconcileManual   ReconciliationTrigger = "manual"
	ReconcilePeriodic ReconciliationTrigger = "periodic"
)

// ReconciliationStatus is where a run stands.
type ReconciliationStatus string

const (
	RunPending   ReconciliationStatus = "pending"
	RunRunning   ReconciliationStatus = "running"
	RunCompleted ReconciliationStatus = "completed"
	RunFailed    ReconciliationStatus = "failed"
)

// ReconciliationItemKind is what a run found (docs/design.md §9.4).
type ReconciliationItemKind string

const (
	// An adjust record at Huawei that is no operation of ours (an
	// allocation or reclaim made elsewhere, e.g. in Huawei's console).
	ItemUnmatchedUpstream ReconciliationItemKind = "unmatched_upstream"
	// A succeeded operation of ours whose record Huawei does not have.
	ItemUnmatchedLocal ReconciliationItemKind = "unmatched_local"
	// Both sides have the transaction, but not the same amount, kind or customer.
	ItemAmountMismatch ReconciliationItemKind = "amount_mismatch"
	// A balance differs in a way spending does not explain.
	ItemBalanceDrift ReconciliationItemKind = "balance_drift"
	// Spending at Huawei booked to the ledger (explained, not a mismatch).
	ItemSpendBooked ReconciliationItemKind = "spend_booked"
)

// ReconciliationItem is one finding; uuid.Nil and nil mean "not applicable".
type ReconciliationItem struct {
	Kind           ReconciliationItemKind
	CustomerID     uuid.UUID
	OperationID    uuid.UUID
	UpstreamRef    string
	LocalAmount    *decimal.Decimal
	UpstreamAmount *decimal.Decimal
	Detail         string
}

// ReconciliationRun compares our operations and balances with Huawei's.
type ReconciliationRun struct {
	ID          uuid.UUID
	Trigger     ReconciliationTrigger
	Status      ReconciliationStatus
	Items       []ReconciliationItem
	Error       string
	From, To    time.Time // the adjust-record window compared
	CreatedBy   uuid.UUID
	CreatedAt   time.Time
	StartedAt   time.Time
	CompletedAt time.Time
}

// ReconciliationJob runs one requested reconciliation.
type ReconciliationJob struct{ RunID uuid.UUID }

// Kind implements Job.
func (ReconciliationJob) Kind() string { return "money_reconcile" }

// JobOptions implements JobWithOptions.
func (ReconciliationJob) JobOptions() JobOptions { return JobOptions{Unique: true} }

// PeriodicReconciliationJob starts and runs a periodic reconciliation.
type PeriodicReconciliationJob struct{}

// Kind implements Job.
func (PeriodicReconciliationJob) Kind() string { return "money_reconcile_periodic" }

// RequestReconciliation records a run and its job. Finance and admins.
// Errors: ErrForbidden.
func (s *MoneyService) RequestReconciliation(ctx context.Context, actor Principal) (ReconciliationRun, error) {
	if !isFinance(actor) {
		return ReconciliationRun{}, ErrForbidden
	}
	run := ReconciliationRun{ID: uuid.Must(uuid.NewV7()), Trigger: ReconcileManual, Status: RunPending, CreatedBy: actor.ID, CreatedAt: s.clock.Now()}
	err := s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.Money().CreateRun(ctx, run); err != nil {
			return err
		}
		if err := tx.Audit().Append(ctx, NewAuditEvent(ctx, s.clock, actor, "money.reconciliation.requested", "reconciliation_run", run.ID, nil)); err != nil {
			return err
		}
		return tx.Enqueue(ctx, ReconciliationJob{RunID: run.ID})
	})
	if err != nil {
		return ReconciliationRun{}, err
	}
	return run, nil
}

// ReconcilePeriodic records a periodic run and its job, which runs it (and
// runs it again if it is interrupted).
func (s *MoneyService) ReconcilePeriodic(ctx context.Context) error {
	run := ReconciliationRun{ID: uuid.Must(uuid.NewV7()), Trigger: ReconcilePeriodic, Status: RunPending, CreatedAt: s.clock.Now()}
	return s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.Money().CreateRun(ctx, run); err != nil {
			return err
		}
		return tx.Enqueue(ctx, ReconciliationJob{RunID: run.ID})
	})
}

// maxRunItems is the most items a run lists (the API's page of a run).
const maxRunItems = 10000

// ReconciliationRun returns a run with its items. Errors: ErrForbidden, ErrNotFound.
func (s *MoneyService) ReconciliationRun(ctx context.Context, actor Principal, id uuid.UUID) (ReconciliationRun, error) {
	if !isFinance(actor) {
		return ReconciliationRun{}, ErrForbidden
	}
	return s.store.Money().Run(ctx, id)
}

// ReconciliationRuns lists runs newest first. Errors: ErrForbidden.
func (s *MoneyService) ReconciliationRuns(ctx context.Context, actor Principal, before uuid.UUID, limit int) (Page[ReconciliationRun], error) {
	if !isFinance(actor) {
		return Page[ReconciliationRun]{}, ErrForbidden
	}
	items, err := s.store.Money().ListRuns(ctx, before, limit+1)
	if err != nil {
		return Page[ReconciliationRun]{}, err
	}
	return pageOf(items, limit, func(r ReconciliationRun) uuid.UUID { return r.ID }), nil
}

// Reconcile runs a reconciliation (docs/design.md §9.4). It reports what
// does not match and never corrects money silently: the only thing it
// books is spending at Huawei, by the rule in spendRule, as referenced
// transfers to the external spend account. A failed read is retried by the
// job; a run interrupted half-way runs again from the start.
func (s *MoneyService) Reconcile(ctx context.Context, id uuid.UUID) error {
	var run ReconciliationRun
	done := false
	err := s.store.InTx(ctx, func(tx Tx) error {
		r, err := tx.Money().RunForUpdate(ctx, id)
		if err != nil {
			return err
		}
		if r.Status == RunCompleted || r.Status == RunFailed {
			done = true
			return nil
		}
		now := s.clock.Now()
		r.Status, r.StartedAt = RunRunning, now
		// A closed window: no record can still enter it (docs/huawei-bss.md §6.7).
		r.From, r.To = now.Add(-s.cfg.ReconcileLookback).Truncate(time.Second), now.Add(-s.cfg.ClockSkew).Truncate(time.Second)
		run = r
		return tx.Money().UpdateRun(ctx, r)
	})
	if err != nil || done {
		return err
	}
	items, rerr := s.reconcile(ctx, run)
	var de *Error
	if rerr != nil && errors.As(rerr, &de) && de.Retryable() {
		return rerr // the job runs it again
	}
	return s.store.InTx(ctx, func(tx Tx) error {
		r, err := tx.Money().RunForUpdate(ctx, id)
		if err != nil {
			return err
		}
		r.Status, r.Items, r.CompletedAt = RunCompleted, items, s.clock.Now()
		if len(items) > maxRunItems {
			r.Items, r.Error = items[:maxRunItems], fmt.Sprintf("%d more items are not listed", len(items)-maxRunItems)
		}
		if rerr != nil {
			r.Status, r.Error = RunFailed, "the run stopped: "+clientText(rerr)
			s.log.ErrorContext(ctx, "money: reconciliation failed", "run_id", id, "error", rerr)
		}
		if err := tx.Money().UpdateRun(ctx, r); err != nil {
			return err
		}
		counts := map[string]any{"status": string(r.Status)}
		for _, it := range items {
			n, _ := counts[string(it.Kind)].(int)
			counts[string(it.Kind)] = n + 1
		}
		return tx.Audit().Append(ctx, NewAuditEvent(ctx, s.clock, Principal{}, "money.reconciliation.finished", "reconciliation_run", r.ID, counts))
	})
}

// clientText is what a client may read of err.
func clientText(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return string(e.Code) + ": " + e.Message
	}
	return "internal error"
}

func (s *MoneyService) reconcile(ctx context.Context, run ReconciliationRun) ([]ReconciliationItem, error) {
	if err := s.ensurePartnerSeeded(ctx); err != nil {
		return nil, err
	}
	open, err := s.store.Money().OpenOperations(ctx)
	if err != nil {
		return nil, err
	}
	items, suspect, err := s.matchRecords(ctx, run, open)
	if err != nil {
		return nil, err
	}
	bal, err := s.compareBalances(ctx, run, suspect)
	if err != nil {
		return append(items, bal...), err
	}
	items = append(items, bal...)
	partner, err := s.comparePartner(ctx, len(open) > 0)
	if err != nil {
		return items, err
	}
	return append(items, partner...), nil
}

// matchRecords matches Huawei's adjust records in the run's window with our
// operations by transaction id, both ways. suspect lists the customers with
// a record that is no operation of ours: their balance differences are not
// booked as spending.
func (s *MoneyService) matchRecords(ctx context.Context, run ReconciliationRun, open []MoneyOperation) ([]ReconciliationItem, map[uuid.UUID]bool, error) {
	recs, err := s.allAdjustRecords(ctx, CloudAdjustRecordQuery{From: run.From, To: run.To})
	if err != nil {
		return nil, nil, err
	}
	refs := make([]string, 0, len(recs))
	huaweiIDs := make([]string, 0, len(recs))
	seen := map[string]bool{}
	for _, r := range recs {
		refs = append(refs, r.TransID)
		huaweiIDs = append(huaweiIDs, r.CustomerID)
		seen[r.TransID] = true
	}
	ops, err := s.store.Money().OperationsByRefs(ctx, refs)
	if err != nil {
		return nil, nil, err
	}
	byRef := make(map[string]MoneyOperation, len(ops))
	for _, op := range ops {
		if !op.Kind.ofOrder() { // payments and refunds have no adjust record
			byRef[op.UpstreamRef] = op
		}
	}
	customers, err := s.store.Money().CustomersByHuaweiID(ctx, huaweiIDs)
	if err != nil {
		return nil, nil, err
	}
	inSlot := map[uuid.UUID]MoneyOperation{}
	for _, op := range open {
		if op.Status != MoneyPending && !op.Kind.ofOrder() {
			inSlot[op.CustomerID] = op
		}
	}

	var items []ReconciliationItem
	suspect := map[uuid.UUID]bool{}
	for _, r := range recs {
		amount := r.Amount
		op, ok := byRef[r.TransID]
		if !ok {
			cid := customers[r.CustomerID]
			if h, busy := inSlot[cid]; busy && cid != uuid.Nil && !r.At.Before(h.StartedAt.Add(-s.cfg.ClockSkew)) {
				continue // the undecided operation may be this record's; the resolver decides
			}
			suspect[cid] = true
			items = append(items, ReconciliationItem{Kind: ItemUnmatchedUpstream, CustomerID: cid, UpstreamRef: r.TransID, UpstreamAmount: &amount,
				Detail: fmt.Sprintf("%s of %s at %s for Huawei customer %s is no operation of ours", r.Type, amount.StringFixed(2), r.At.UTC().Format(time.RFC3339), r.CustomerID)})
			continue
		}
		if it, bad := mismatch(op, r); bad {
			items = append(items, it)
		}
	}
	local, err := s.store.Money().SucceededOperations(ctx, run.From, run.To)
	if err != nil {
		return nil, nil, err
	}
	for _, op := range local {
		if seen[op.UpstreamRef] || op.Kind.ofOrder() {
			continue
		}
		// Outside the window by a clock's width, or missing: ask for it by id.
		page, err := s.cloud.ListAdjustRecords(ctx, CloudAdjustRecordQuery{TransID: op.UpstreamRef, Limit: 10})
		if err != nil {
			return nil, nil, err
		}
		found := false
		for _, r := range page.Records {
			if r.TransID == op.UpstreamRef {
				found = true
				if it, bad := mismatch(op, r); bad {
					items = append(items, it)
				}
			}
		}
		if !found {
			amount := op.Amount
			items = append(items, ReconciliationItem{Kind: ItemUnmatchedLocal, CustomerID: op.CustomerID, OperationID: op.ID, UpstreamRef: op.UpstreamRef,
				LocalAmount: &amount, Detail: "Huawei has no adjust record with this transaction id"})
		}
	}
	return items, suspect, nil
}

func mismatch(op MoneyOperation, r CloudAdjustRecord) (ReconciliationItem, bool) {
	if op.Kind.adjustType() == r.Type && op.Amount.Equal(r.Amount) && op.HuaweiCustomerID == r.CustomerID {
		return ReconciliationItem{}, false
	}
	local, up := op.Amount, r.Amount
	return ReconciliationItem{Kind: ItemAmountMismatch, CustomerID: op.CustomerID, OperationID: op.ID, UpstreamRef: r.TransID,
		LocalAmount: &local, UpstreamAmount: &up,
		Detail: fmt.Sprintf("ours: %s %s for %s; Huawei's: %s %s for %s", op.Kind, local.StringFixed(2), op.HuaweiCustomerID, r.Type, up.StringFixed(2), r.CustomerID)}, true
}

// customerBatch is how many balances one ListCustomersBalancesDetail call
// reads (Huawei's maximum, docs/huawei-bss.md §6.4).
const customerBatch = 100

// compareBalances reads every ledger customer's balance at Huawei in
// batches, stores it, and compares it with ours.
func (s *MoneyService) compareBalances(ctx context.Context, run ReconciliationRun, suspect map[uuid.UUID]bool) ([]ReconciliationItem, error) {
	var items []ReconciliationItem
	for after := uuid.Nil; ; {
		refs, err := s.store.Money().LedgerCustomers(ctx, after, customerBatch)
		if err != nil || len(refs) == 0 {
			return items, err
		}
		after = refs[len(refs)-1].ID
		if s.orderSync != nil {
			// Orders placed at Huawei are booked as order spend first, so
			// the spend rule below does not book them a second time.
			for _, r := range refs {
				if _, err := s.orderSync(ctx, r.ID); err != nil {
					return items, err
				}
			}
		}
		ids := make([]string, len(refs))
		for i, r := range refs {
			ids[i] = r.HuaweiID
		}
		readAt := s.clock.Now()
		bals, err := s.cloud.CustomerBalances(ctx, ids)
		if err != nil {
			return items, err
		}
		byID := make(map[string]CloudCustomerBalance, len(bals))
		for _, b := range bals {
			byID[b.CustomerID] = b
		}
		for _, ref := range refs {
			b, found := byID[ref.HuaweiID]
			late := false
			if s.orderSync != nil {
				// An order completed at Huawei between the sync above and
				// the balance read is booked now, as an order; the
				// difference is then not spending this run may book.
				n, err := s.orderSync(ctx, ref.ID)
				if err != nil {
					return items, err
				}
				late = n > 0
			}
			it, err := s.compareBalance(ctx, run, ref, b, found, readAt, suspect[ref.ID] || late)
			if err != nil {
				return items, err
			}
			if it != nil {
				items = append(items, *it)
			}
		}
	}
}

// compareBalance applies the spend rule to one customer (docs/design.md
// §9.4). A customer is compared only when nothing of its money moved
// around the read: no operation unfinished and none changed since just
// before Huawei was asked, and nothing held. Then, with d = ours − Huawei's:
//   - d = 0: in step;
//   - d > 0 and no adjust record of the customer is unmatched: the customer
//     spent d at Huawei (orders, usage); book it, customer available →
//     external spend, referenced by run and customer;
//   - otherwise (Huawei has more, or an unmatched record could explain the
//     difference): balance_drift, reported and not booked.
func (s *MoneyService) compareBalance(ctx context.Context, run ReconciliationRun, ref CustomerRef, b CloudCustomerBalance, found bool, readAt time.Time, suspect bool) (*ReconciliationItem, error) {
	var item *ReconciliationItem
	err := s.store.InTx(ctx, func(tx Tx) error {
		item = nil
		if found {
			if err := tx.Money().SaveUpstreamBalance(ctx, ref.ID, UpstreamBalance{Amount: b.Amount, Debt: b.Debt, ReadAt: readAt}); err != nil {
				return err
			}
		}
		available, held, err := tx.Money().LockCustomerAccounts(ctx, ref.ID)
		if err != nil {
			return err
		}
		open, lastChange, err := tx.Money().CustomerActivity(ctx, ref.ID)
		if err != nil {
			return err
		}
		if open || !held.IsZero() || !lastChange.Before(readAt) {
			return nil // money is moving: the next run compares
		}
		ours := available
		if !found {
			if !ours.IsZero() {
				item = &ReconciliationItem{Kind: ItemBalanceDrift, CustomerID: ref.ID, LocalAmount: &ours,
					Detail: "Huawei returned no balance for this customer (not a reseller-model customer of the partner?)"}
			}
			return nil
		}
		up := b.Amount
		d := ours.Sub(up)
		switch {
		case d.IsZero():
			return nil
		case d.IsPositive() && !suspect:
			t := LedgerTransfer{ID: uuid.Must(uuid.NewV7()), Kind: TransferSpend, From: CustomerAvailable(ref.ID), To: ExternalSpend(),
				Amount: d, Currency: CurrencyCNY, Reference: "reconciliation:" + run.ID.String() + ":" + ref.ID.String(), At: s.clock.Now()}
			if err := tx.Money().Transfer(ctx, t); err != nil {
				if errors.Is(err, ErrAlreadyExists) {
					return nil // booked by an earlier attempt of this run
				}
				return err
			}
			if err := tx.Audit().Append(ctx, NewAuditEvent(ctx, s.clock, Principal{}, "money.spend.booked", "reconciliation_run", run.ID, map[string]any{
				"customer_id": ref.ID.String(), "amount": d.StringFixed(2), "currency": CurrencyCNY, "transfer_id": t.ID.String(),
				"ledger_before": ours.StringFixed(2), "huawei": up.StringFixed(2), "huawei_read_at": readAt.UTC().Format(time.RFC3339)})); err != nil {
				return err
			}
			item = &ReconciliationItem{Kind: ItemSpendBooked, CustomerID: ref.ID, LocalAmount: &ours, UpstreamAmount: &up,
				Detail: "Huawei's balance is " + d.StringFixed(2) + " lower with every adjust record matched: booked as spending (transfer " + t.ID.String() + ")"}
		default:
			detail := "Huawei's balance is higher than ours by " + d.Neg().StringFixed(2)
			if d.IsPositive() {
				detail = "Huawei's balance is lower than ours by " + d.StringFixed(2) + ", and an adjust record of this customer is not ours"
			}
			item = &ReconciliationItem{Kind: ItemBalanceDrift, CustomerID: ref.ID, LocalAmount: &ours, UpstreamAmount: &up, Detail: detail}
		}
		return nil
	})
	return item, err
}

// comparePartner compares the partner's allocatable balance when no
// operation is unfinished and our figure held still around the read.
// Any difference is drift: funding and spending on the partner's own
// account are not ours to book.
func (s *MoneyService) comparePartner(ctx context.Context, busy bool) ([]ReconciliationItem, error) {
	if busy {
		return nil, nil
	}
	before, err := s.store.Money().AccountBalance(ctx, PartnerAllocatable())
	if err != nil {
		return nil, err
	}
	pb, err := s.readPartnerBalance(ctx)
	if err != nil {
		return nil, err
	}
	after, err := s.store.Money().AccountBalance(ctx, PartnerAllocatable())
	if err != nil {
		return nil, err
	}
	open, err := s.store.Money().OpenOperations(ctx)
	if err != nil || len(open) > 0 || !before.Equal(after) || before.Equal(pb.Allocatable) {
		return nil, err
	}
	up := pb.Allocatable
	return []ReconciliationItem{{Kind: ItemBalanceDrift, LocalAmount: &before, UpstreamAmount: &up,
		Detail: "the partner's allocatable balance at Huawei (amount − designated) differs from the ledger's by " + up.Sub(before).StringFixed(2)}}, nil
}
