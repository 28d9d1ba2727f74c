package domain

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// Payments and refunds: the money kinds of orders (docs/design.md §11). A
// payment is an operation like an allocation: accepted with its hold
// (available → held), taken through the customer's one-in-flight slot by
// Execute, which calls PayOrder once, and decided by its answer or, when the
// answer is unknown, by reading the Huawei order back (resolvePayment). A
// refund is booked in one transaction once Huawei has reported it.

// newPayment is the pending payment of one order line.
func newPayment(o Order, huaweiCustomerID string, amount decimal.Decimal, createdBy uuid.UUID, at time.Time) MoneyOperation {
	return MoneyOperation{ID: uuid.Must(uuid.NewV7()), Kind: MoneyPayment, CustomerID: o.CustomerID, HuaweiCustomerID: huaweiCustomerID,
		Amount: amount, Currency: CurrencyCNY, Status: MoneyPending, OrderID: o.ID, CreatedBy: createdBy, CreatedAt: at, UpdatedAt: at}
}

// acceptPayment writes a pending payment and its hold. Errors:
// CodeInsufficientBalance when the customer's available balance is short.
func (s *MoneyService) acceptPayment(ctx context.Context, tx Tx, op MoneyOperation) error {
	if err := tx.Money().CreateOperation(ctx, op); err != nil {
		return err
	}
	if err := tx.Money().Transfer(ctx, op.hold(op.CreatedAt)); err != nil {
		if errors.Is(err, ErrOverdraft) {
			return Errorf(CodeInsufficientBalance, "the customer's available balance is lower than the order's total")
		}
		return err
	}
	return s.audit(ctx, tx, Principal{}, op, nil)
}

// releasePayment releases a payment that was never sent (pending): the order
// was cancelled or compensated before paying it. A payment in any other
// state is left alone and reported as false.
func (s *MoneyService) releasePayment(ctx context.Context, tx Tx, id uuid.UUID, why string) (bool, error) {
	cur, err := tx.Money().OperationForUpdate(ctx, id)
	if err != nil {
		return false, err
	}
	if cur.Status == MoneyFailed {
		return true, nil
	}
	if cur.Status != MoneyPending {
		return false, nil
	}
	return true, s.fail(ctx, tx, cur, &UpstreamDetail{Operation: upstreamOperation(cur.Kind), Outcome: OutcomeDefinite, Message: why}, Principal{}, nil)
}

// bookRefund books a refund Huawei reported for an unsubscribe order, in
// the caller's transaction: the operation, its hold (spend → held) and its
// settle (held → available) with the unsubscribe order's id. A refund
// already booked for that order is found by the reference and not booked
// twice (false).
func (s *MoneyService) bookRefund(ctx context.Context, tx Tx, orderID, customerID uuid.UUID, huaweiCustomerID, unsubscribeOrderID string, amount decimal.Decimal) (bool, error) {
	now := s.clock.Now()
	op := MoneyOperation{ID: uuid.Must(uuid.NewV7()), Kind: MoneyRefund, CustomerID: customerID, HuaweiCustomerID: huaweiCustomerID,
		Amount: amount, Currency: CurrencyCNY, Status: MoneySucceeded, UpstreamRef: unsubscribeOrderID, OrderID: orderID,
		StartedAt: now, CreatedAt: now, UpdatedAt: now}
	have, err := tx.Money().OperationsByRefs(ctx, []string{unsubscribeOrderID})
	if err != nil {
		return false, err
	}
	if len(have) > 0 {
		return false, nil
	}
	// Created pending first: the hold may only exist for an operation that
	// is not finished, the settle for one that is (the invariants see the
	// committed state only).
	op.Status, op.UpstreamRef = MoneyPending, ""
	if err := tx.Money().CreateOperation(ctx, op); err != nil {
		return false, err
	}
	if err := tx.Money().Transfer(ctx, op.hold(now)); err != nil {
		return false, err
	}
	if err := tx.Money().Transfer(ctx, op.settle(unsubscribeOrderID, now)); err != nil {
		return false, err
	}
	op.Status, op.UpstreamRef, op.StartedAt = MoneySucceeded, unsubscribeOrderID, now
	if err := tx.Money().UpdateOperation(ctx, op); err != nil {
		return false, err
	}
	return true, s.audit(ctx, tx, Principal{}, op, nil)
}

// wakeOrder makes a decided payment's order saga look again now.
func (s *MoneyService) wakeOrder(ctx context.Context, tx Tx, op MoneyOperation) error {
	if op.Kind != MoneyPayment || op.OrderID == uuid.Nil {
		return nil
	}
	// The saga may have ended its job while the payment was in review.
	if err := tx.Enqueue(ctx, OrderJob{OrderID: op.OrderID}); err != nil {
		return err
	}
	return tx.Wake(ctx, OrderJob{OrderID: op.OrderID})
}

// resolvePayment decides an unknown PayOrder by reading the order back; it
// never pays again (docs/design.md §2.3):
//   - completed (5) or processing (3): Huawei took the money: succeeded;
//   - cancelled (4): failed;
//   - still pending payment (6): once SettleDelay has passed since the
//     outcome became unknown, cancel it; a cancel Huawei accepts proves the
//     payment did not happen: failed. Before that, read again later;
//   - anything else, or a read that keeps failing for ReviewAfter:
//     needs_review.
func (s *MoneyService) resolvePayment(ctx context.Context, op MoneyOperation) error {
	now := s.clock.Now()
	d, err := s.cloud.CustomerOrder(ctx, op.PayOrderID, 0, 1)
	if err != nil {
		if now.Sub(op.UnknownAt) < s.cfg.ReviewAfter {
			return err
		}
		return s.decide(ctx, op, func(tx Tx, cur MoneyOperation) error {
			return s.toReview(ctx, tx, cur, nil, "the Huawei order could not be read for "+s.cfg.ReviewAfter.String()+": "+err.Error())
		})
	}
	switch d.Order.Status {
	case CloudOrderCompleted, CloudOrderProcessing:
		return s.decide(ctx, op, func(tx Tx, cur MoneyOperation) error {
			return s.succeed(ctx, tx, cur, cur.PayOrderID, Principal{}, nil)
		})
	case CloudOrderCancelled:
		return s.decide(ctx, op, func(tx Tx, cur MoneyOperation) error {
			return s.fail(ctx, tx, cur, &UpstreamDetail{Operation: "PayOrders", Outcome: OutcomeDefinite,
				Message: "read back: the Huawei order is cancelled, so it was not paid"}, Principal{}, nil)
		})
	case CloudOrderPendingPayment:
		if now.Before(op.UnknownAt.Add(s.cfg.SettleDelay)) {
			return retryLater(max(op.UnknownAt.Add(s.cfg.SettleDelay).Sub(now), s.cfg.SettleDelay/10), "the order is still pending payment; reading again after the settle delay")
		}
		cerr := s.cloud.CancelOrder(ctx, op.HuaweiCustomerID, op.PayOrderID)
		if cerr == nil {
			return s.decide(ctx, op, func(tx Tx, cur MoneyOperation) error {
				return s.fail(ctx, tx, cur, &UpstreamDetail{Operation: "PayOrders", Outcome: OutcomeDefinite,
					Message: "read back: the order was still pending payment after the settle delay and Huawei accepted its cancellation"}, Principal{}, nil)
			})
		}
		// Refused (the status changed meanwhile: perhaps paid after all) or
		// unknown: read the order again.
		return retryLater(s.cfg.SettleDelay/10, "cancelling the pending order did not settle it; reading again")
	}
	return s.decide(ctx, op, func(tx Tx, cur MoneyOperation) error {
		return s.toReview(ctx, tx, cur, nil, "read back: the Huawei order is in a status that does not say whether it was paid")
	})
}

// confirmPaid: a person says a payment succeeded: the reference must be the
// order it pays, and Huawei must show that order paid.
func (s *MoneyService) confirmPaid(ctx context.Context, op MoneyOperation, ref string) error {
	if ref != op.PayOrderID {
		return Errorf(CodeConflict, "a payment's reference is the Huawei order it pays (%s)", op.PayOrderID)
	}
	d, err := s.cloud.CustomerOrder(ctx, ref, 0, 1)
	if err != nil {
		return err
	}
	if d.Order.Status != CloudOrderCompleted && d.Order.Status != CloudOrderProcessing {
		return Errorf(CodeConflict, "Huawei shows order %s in status %d, not paid", ref, d.Order.Status)
	}
	return nil
}
