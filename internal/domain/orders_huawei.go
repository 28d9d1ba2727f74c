package domain

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// Renewals, unsubscriptions and orders placed at Huawei.

// orderSkew widens read-back windows for the difference between clocks.
const orderSkew = time.Minute

func upstreamCode(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Upstream != nil {
		return e.Upstream.Code
	}
	return ""
}

// renewUpstream creates the pending renewal order of one resource. Huawei
// has no idempotency key here: a resend after an unknown outcome is refused
// with CBC.99003100 (the resource is in an unpaid order) when the first one
// landed, so that refusal is answered by reading back the customer's
// pending renewal orders created since the order was accepted that are no
// order of ours: exactly one is this line's.
func (s *CommerceService) renewUpstream(ctx context.Context, o *Order, cu Customer, ql OrderQuoteLine) (CloudPendingOrder, error) {
	res, err := s.cloud.RenewResources(ctx, cu.DomainID, CloudRenewal{ResourceIDs: []string{ql.HuaweiResourceID},
		Period: CloudPeriodUnit(ql.PeriodType), Periods: ql.PeriodCount})
	if err == nil {
		if len(res.OrderIDs) == 0 {
			msg := "Huawei created no renewal order"
			if len(res.Failures) > 0 {
				msg = res.Failures[0].Code + " " + res.Failures[0].Message
			}
			return CloudPendingOrder{}, &Error{Code: CodeUpstreamRejected, Message: msg,
				Upstream: &UpstreamDetail{Operation: "RenewalResources", Outcome: OutcomeDefinite, Message: msg}}
		}
		return CloudPendingOrder{OrderID: res.OrderIDs[0]}, nil
	}
	if upstreamCode(err) != "CBC.99003100" {
		return CloudPendingOrder{}, err
	}
	page, rerr := s.cloud.ListCustomerOrders(ctx, CloudOrderQuery{CustomerID: cu.DomainID, Type: CloudOrderRenewal, Status: CloudOrderPendingPayment,
		CreatedFrom: o.CreatedAt.Add(-orderSkew), CreatedTo: s.clock.Now().Add(orderSkew), Limit: 100})
	if rerr != nil {
		return CloudPendingOrder{}, rerr
	}
	var ids []string
	for _, c := range page.Orders {
		ids = append(ids, c.ID)
	}
	known, kerr := s.store.Commerce().KnownHuaweiOrders(ctx, ids)
	if kerr != nil {
		return CloudPendingOrder{}, kerr
	}
	var mine []string
	for _, id := range ids {
		if !known[id] {
			mine = append(mine, id)
		}
	}
	if len(mine) == 1 {
		return CloudPendingOrder{OrderID: mine[0]}, nil
	}
	return CloudPendingOrder{}, err // refused (0 found), or undecidable: the order stops and says why
}

// UnsubscriptionInput is POST /v1/unsubscriptions.
type UnsubscriptionInput struct {
	ResourceIDs []uuid.UUID
	ReasonType  int
	Reason      string
	AcceptFee   bool
	RequestKey  string
}

// Unsubscribe accepts an unsubscription: checks the resources and the fee,
// then the order (pending, the request stored), its audit and its job.
// Errors: ErrNotFound, CodeResourceNotPrimary, CodeFeeNotAccepted,
// CodeCustomerFrozen, CodeCustomerNotRegistered.
func (s *CommerceService) Unsubscribe(ctx context.Context, actor Principal, in UnsubscriptionInput) (Order, error) {
	cu, err := s.ownCustomer(ctx, actor)
	if err != nil {
		return Order{}, err
	}
	if in.RequestKey != "" {
		if o, err := s.store.Commerce().OrderByRequestKey(ctx, actor.ID, in.RequestKey); err == nil {
			return s.store.Commerce().Order(ctx, o.ID)
		}
	}
	if cu.Status == CustomerFrozen {
		return Order{}, Errorf(CodeCustomerFrozen, "the customer is frozen")
	}
	if cu.DomainID == "" {
		return Order{}, Errorf(CodeCustomerNotRegistered, "the customer has no Huawei Cloud account yet")
	}
	rs, err := s.store.Commerce().OrderResourcesByIDs(ctx, in.ResourceIDs)
	if err != nil {
		return Order{}, err
	}
	byID := map[uuid.UUID]OrderResource{}
	for _, r := range rs {
		if r.CustomerID == cu.ID {
			byID[r.ID] = r
		}
	}
	var huaweiIDs []any
	for _, id := range in.ResourceIDs {
		r, ok := byID[id]
		if !ok {
			return Order{}, Errorf(CodeNotFound, "resource %s not found", id)
		}
		if !r.Main {
			return Order{}, Errorf(CodeResourceNotPrimary, "resource %s is not a primary resource; unsubscribe its primary", id)
		}
		if r.Status != ResourceInUse && r.Status != ResourceExpired && r.Status != ResourceFrozen {
			return Order{}, Errorf(CodeResourceNotActive, "resource %s is %s", id, r.Status)
		}
		huaweiIDs = append(huaweiIDs, r.HuaweiResourceID)
	}
	// A resource an open order of the customer is changing (a renewal being
	// paid, an unsubscription under way) waits for it: Huawei would refuse.
	busy, err := s.store.Commerce().BusyResources(ctx, []uuid.UUID{cu.ID})
	if err != nil {
		return Order{}, err
	}
	for _, id := range in.ResourceIDs {
		if r := byID[id]; busy[r.HuaweiResourceID] || busy[id.String()] {
			return Order{}, Errorf(CodeConflict, "resource %s is in an order that is still running", id)
		}
	}
	pv, err := s.PreviewUnsubscription(ctx, actor, in.ResourceIDs)
	if err != nil {
		return Order{}, err
	}
	if pv.FeeApplies && !in.AcceptFee {
		return Order{}, Errorf(CodeFeeNotAccepted, "a handling fee applies; accept it with accept_fee")
	}
	full := []any{}
	for _, it := range pv.Items {
		if r, ok := byID[it.ResourceID]; ok && it.FullRefund {
			full = append(full, r.HuaweiResourceID)
		}
	}
	ids := make([]any, len(in.ResourceIDs))
	for i, id := range in.ResourceIDs {
		ids[i] = id.String()
	}
	now := s.clock.Now()
	o := Order{ID: uuid.Must(uuid.NewV7()), Kind: OrderUnsubscription, CustomerID: cu.ID, Status: OrderPending, Source: SourceStorefront,
		Amount: decimal.Zero, Currency: CurrencyCNY, CreatedBy: actor.ID, RequestKey: in.RequestKey, CreatedAt: now, UpdatedAt: now,
		Request: map[string]any{"resource_ids": ids, "huawei_resource_ids": huaweiIDs, "reason_type": in.ReasonType, "reason": in.Reason,
			"accept_fee": in.AcceptFee, "fee_applies": pv.FeeApplies, "estimated_refund": pv.TotalRefund.StringFixed(2), "full_refund": full}}
	err = s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.Commerce().CreateOrder(ctx, o); err != nil {
			return err
		}
		if err := s.auditOrder(ctx, tx, actor, o, "order.created", map[string]any{"resource_ids": ids}); err != nil {
			return err
		}
		return tx.Enqueue(ctx, OrderJob{OrderID: o.ID})
	})
	if errors.Is(err, ErrAlreadyExists) && in.RequestKey != "" {
		if prev, kerr := s.store.Commerce().OrderByRequestKey(ctx, actor.ID, in.RequestKey); kerr == nil {
			return s.store.Commerce().Order(ctx, prev.ID)
		}
	}
	if err != nil {
		return Order{}, err
	}
	return s.store.Commerce().Order(ctx, o.ID)
}

func stringsOf(v any) []string {
	var out []string
	switch xs := v.(type) {
	case []any:
		for _, x := range xs {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
	case []string:
		out = xs
	}
	return out
}

// runUnsubscription: unsubscribe at Huawei (once: an unknown outcome is
// read back from the customer's unsubscribe orders), then for each
// unsubscribe order read its refund until Huawei has it and book it as one
// refund operation; then the order is completed with the refund.
func (s *CommerceService) runUnsubscription(ctx context.Context, o Order, cu Customer) error {
	hids := stringsOf(o.Request["huawei_resource_ids"])
	if len(o.Lines) == 0 {
		ids, err := s.unsubscribeUpstream(ctx, o, cu, hids)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil // compensated or waiting
		}
		err = s.store.InTx(ctx, func(tx Tx) error {
			cur, err := tx.Commerce().OrderForUpdate(ctx, o.ID)
			if err != nil {
				return err
			}
			if len(cur.Lines) > 0 {
				return nil
			}
			for i, id := range ids {
				l := OrderLine{Index: i, Amount: decimal.Zero, ClientToken: o.ID.String(), UpstreamOrderID: id, Status: LineCreated}
				if err := tx.Commerce().CreateOrderLine(ctx, o.ID, l); err != nil {
					return err
				}
			}
			cur.Status, cur.UpdatedAt = OrderProvisioning, s.clock.Now()
			if err := tx.Commerce().UpdateOrder(ctx, cur); err != nil {
				return err
			}
			if err := s.stepTx(ctx, tx, o.ID, StepUnsubscribe, -1, StepDone, ids[0], nil); err != nil {
				return err
			}
			return s.auditOrder(ctx, tx, Principal{}, cur, "order.unsubscribed", map[string]any{"upstream_order_ids": ids})
		})
		if err != nil {
			return err
		}
		if o, err = s.store.Commerce().Order(ctx, o.ID); err != nil {
			return err
		}
	}
	full := map[string]bool{}
	for _, h := range stringsOf(o.Request["full_refund"]) {
		full[h] = true
	}
	total := decimal.Zero
	for _, l := range o.Lines {
		if l.Status == LinePaid {
			total = total.Add(*l.UpstreamAmount)
			continue
		}
		refs, err := s.cloud.RefundDetails(ctx, cu.DomainID, l.UpstreamOrderID)
		if err != nil || len(refs) == 0 {
			_ = s.step(ctx, o.ID, StepRefund, l.Index, StepRunning, l.UpstreamOrderID, nil)
			return retryLater(time.Second, "Huawei has not reported the refund yet")
		}
		refund := decimal.Zero
		for _, r := range refs {
			if r.Amount.IsNegative() {
				refund = refund.Add(r.Amount.Neg())
			}
		}
		l.Status, l.UpstreamAmount = LinePaid, &refund
		err = s.store.InTx(ctx, func(tx Tx) error {
			if refund.IsPositive() {
				if _, err := s.money.bookRefund(ctx, tx, o.ID, cu.ID, cu.DomainID, l.UpstreamOrderID, refund); err != nil {
					return err
				}
			}
			for _, h := range hids {
				if full[h] {
					if err := tx.Commerce().AddOrderFiveDayRefund(ctx, cu.ID, h, o.ID, s.clock.Now()); err != nil {
						return err
					}
				}
			}
			if err := tx.Commerce().UpdateOrderLine(ctx, o.ID, l); err != nil {
				return err
			}
			return s.stepTx(ctx, tx, o.ID, StepRefund, l.Index, StepDone, l.UpstreamOrderID, nil)
		})
		if err != nil {
			return err
		}
		total = total.Add(refund)
	}
	if err := s.SyncResources(ctx, cu.ID); err != nil {
		s.cfg.Log.WarnContext(ctx, "orders: resource sync after an unsubscription failed", "order_id", o.ID, "error", err)
	}
	return s.store.InTx(ctx, func(tx Tx) error {
		cur, err := tx.Commerce().OrderForUpdate(ctx, o.ID)
		if err != nil {
			return err
		}
		if !cur.Status.Open() {
			return nil
		}
		cur.Status, cur.Refund, cur.UpdatedAt = OrderCompleted, &total, s.clock.Now()
		if err := tx.Commerce().UpdateOrder(ctx, cur); err != nil {
			return err
		}
		return s.auditOrder(ctx, tx, Principal{}, cur, "order.completed", map[string]any{"refund": total.StringFixed(2)})
	})
}

// unsubscribeUpstream calls UnsubscribeResources once per attempt; an
// unknown outcome is read back (the customer's unsubscribe orders since the
// order was accepted that are no order of ours) before anything is resent.
func (s *CommerceService) unsubscribeUpstream(ctx context.Context, o Order, cu Customer, hids []string) ([]string, error) {
	tried := false
	for _, st := range o.Steps {
		if st.Name == StepUnsubscribe && (st.Status == StepRunning || st.Status == StepUnknown) {
			tried = true
		}
	}
	if tried {
		// An earlier attempt may have landed: its unsubscribe order is one
		// of the customer's since the order was accepted that is no order
		// of ours. (Only then: a fresh order does not claim another's.)
		if found, err := s.readBackUnsubscribe(ctx, o, cu); err != nil || len(found) > 0 {
			return found, err
		}
		if s.clock.Now().Before(o.UpdatedAt.Add(s.cfg.SettleDelay)) {
			return nil, retryLater(s.cfg.SettleDelay/4, "the unsubscription's outcome is unknown; reading back")
		}
	}
	if err := s.step(ctx, o.ID, StepUnsubscribe, -1, StepRunning, "", nil); err != nil {
		return nil, err
	}
	res, err := s.cloud.UnsubscribeResources(ctx, cu.DomainID, CloudUnsubscription{ResourceIDs: hids, Kind: CloudUnsubscribeResource,
		ReasonType: intOf(o.Request["reason_type"]), Reason: fmt.Sprint(o.Request["reason"])})
	if err == nil && len(res.OrderIDs) > 0 {
		return res.OrderIDs, nil
	}
	if err == nil || callOutcome(err) == OutcomeDefinite {
		msg := "Huawei refused the unsubscription"
		if err != nil {
			msg += ": " + errMessage(err)
		} else if len(res.Failures) > 0 {
			msg += ": " + res.Failures[0].Code + " " + res.Failures[0].Message
		}
		_ = s.step(ctx, o.ID, StepUnsubscribe, -1, StepFailed, "", err)
		return nil, s.finish(ctx, &o, OrderFailed, string(CodeUpstreamRejected), msg)
	}
	_ = s.step(ctx, o.ID, StepUnsubscribe, -1, StepUnknown, "", err)
	return nil, retryLater(s.cfg.SettleDelay/4, "the unsubscription's outcome is unknown; reading back")
}

func intOf(v any) int {
	switch n := v.(type) {
	case float64:
		return int(n)
	case int:
		return n
	}
	return 0
}

func (s *CommerceService) readBackUnsubscribe(ctx context.Context, o Order, cu Customer) ([]string, error) {
	page, err := s.cloud.ListCustomerOrders(ctx, CloudOrderQuery{CustomerID: cu.DomainID, Type: CloudOrderUnsubscribe,
		CreatedFrom: o.CreatedAt.Add(-orderSkew), CreatedTo: s.clock.Now().Add(orderSkew), Limit: 100})
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, c := range page.Orders {
		ids = append(ids, c.ID)
	}
	known, err := s.store.Commerce().KnownHuaweiOrders(ctx, ids)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, id := range ids {
		if !known[id] {
			out = append(out, id)
		}
	}
	return out, nil
}

// syncLookback is how far back SyncOrders reads Huawei's completed orders.
const syncLookback = 30 * 24 * time.Hour

// SyncOrders books the customer's completed Huawei orders that were placed
// outside the storefront (the console, Huawei's auto-renew): each becomes an
// order with source huawei and a spend transfer available → external spend
// referenced "order:<huawei order id>" (booked once: the reference and the
// order's huawei_order_id are unique). Unsubscribe orders are not booked
// here. Reconciliation runs it for a customer before it books spending.
func (s *CommerceService) SyncOrders(ctx context.Context, customerID uuid.UUID) error {
	_, err := s.syncOrders(ctx, customerID)
	return err
}

// syncOrders is SyncOrders, saying how many orders it booked. Paid orders
// are completed (5) or still processing (3): both have taken the money.
func (s *CommerceService) syncOrders(ctx context.Context, customerID uuid.UUID) (int, error) {
	cu, err := s.store.Customers().CustomerByID(ctx, customerID)
	if err != nil || cu.DomainID == "" {
		return 0, err
	}
	now := s.clock.Now()
	var orders []CloudOrder
	for _, st := range []CloudOrderStatus{CloudOrderCompleted, CloudOrderProcessing} {
		q := CloudOrderQuery{CustomerID: cu.DomainID, Status: st, CreatedFrom: now.Add(-syncLookback), CreatedTo: now.Add(orderSkew), Limit: 100}
		for q.Offset = 0; ; q.Offset += q.Limit {
			page, err := s.cloud.ListCustomerOrders(ctx, q)
			if err != nil {
				return 0, err
			}
			orders = append(orders, page.Orders...)
			if len(page.Orders) < q.Limit || q.Offset+q.Limit >= page.Total {
				break
			}
		}
	}
	ids := make([]string, 0, len(orders))
	for _, c := range orders {
		ids = append(ids, c.ID)
	}
	known, err := s.store.Commerce().KnownHuaweiOrders(ctx, ids)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range orders {
		if known[c.ID] || (c.Type != CloudOrderNew && c.Type != CloudOrderRenewal) {
			continue
		}
		booked, err := s.bookHuaweiOrder(ctx, cu, c)
		if err != nil {
			return n, err
		}
		if booked {
			n++
		}
	}
	return n, nil
}

func (s *CommerceService) bookHuaweiOrder(ctx context.Context, cu Customer, c CloudOrder) (bool, error) {
	now := s.clock.Now()
	kind := OrderNew
	if c.Type == CloudOrderRenewal {
		kind = OrderRenewal
	}
	o := Order{ID: uuid.Must(uuid.NewV7()), Kind: kind, CustomerID: cu.ID, Status: OrderCompleted, Source: SourceHuawei,
		Amount: c.Amount, Currency: CurrencyCNY, HuaweiOrderID: c.ID, CreatedAt: now, UpdatedAt: now}
	err := s.store.InTx(ctx, func(tx Tx) error {
		if c.Amount.IsPositive() {
			t := LedgerTransfer{ID: uuid.Must(uuid.NewV7()), Kind: TransferSpend, From: CustomerAvailable(cu.ID), To: ExternalSpend(),
				Amount: c.Amount, Currency: CurrencyCNY, Reference: "order:" + c.ID, At: now}
			err := tx.Money().Transfer(ctx, t)
			if errors.Is(err, ErrOverdraft) {
				// Our ledger has less than Huawei took: not booked; a person looks.
				o.Status, o.ErrorCode = OrderNeedsReview, OrderErrReview
				o.ErrorMessage = "the customer's available balance in the ledger is lower than the order: its spend is not booked"
			} else if err != nil {
				return err
			}
		}
		if err := tx.Commerce().CreateOrder(ctx, o); err != nil {
			return err
		}
		if err := tx.Commerce().SaveStep(ctx, o.ID, OrderStep{Name: StepSync, Line: -1, Status: StepDone, UpstreamRef: c.ID, At: now}); err != nil {
			return err
		}
		return s.auditOrder(ctx, tx, Principal{}, o, "order.synced", map[string]any{"huawei_order_id": c.ID})
	})
	if errors.Is(err, ErrAlreadyExists) {
		return false, nil // another run booked it
	}
	if err != nil {
		return false, err
	}
	s.huaweiOrderTerms(ctx, cu, c)
	return true, nil
}

// huaweiOrderTerms writes resource_terms for a synced order's primary
// resources, best effort (the resources may not be synced yet).
func (s *CommerceService) huaweiOrderTerms(ctx context.Context, cu Customer, c CloudOrder) {
	rs, err := s.cloud.ListCustomerResources(ctx, CloudResourceQuery{CustomerID: cu.DomainID, OrderID: c.ID, OnlyMain: true, Limit: 100})
	if err != nil || len(rs.Resources) == 0 {
		return
	}
	var ids []string
	for _, r := range rs.Resources {
		ids = append(ids, r.ResourceID)
	}
	local, err := s.store.Commerce().OrderResourceIDsByHuaweiIDs(ctx, ids)
	if err != nil {
		return
	}
	paid := c.Amount.Div(decimal.NewFromInt(int64(len(rs.Resources)))).Round(2)
	for _, r := range rs.Resources {
		if id, ok := local[r.ResourceID]; ok && r.ExpiresAt.After(r.EffectiveAt) {
			_ = s.store.Commerce().AddOrderResourceTerm(ctx, ResourceTerm{ResourceID: id, HuaweiOrderID: c.ID, StartsAt: r.EffectiveAt, EndsAt: r.ExpiresAt, Paid: paid})
		}
	}
}

// SweepOrdersJob is the orders' safety net (periodic): open orders get
// their saga enqueued again, and every ledger customer's Huawei orders are
// synced.
type SweepOrdersJob struct{}

// Kind implements Job.
func (SweepOrdersJob) Kind() string { return "orders_sweep" }

// SweepOrders enqueues the saga of every open order (a job lost after its
// attempts) and a SyncOrdersJob per ledger customer.
func (s *CommerceService) SweepOrders(ctx context.Context) error {
	var open []Order
	for _, st := range []OrderStatus{OrderPending, OrderPaying, OrderProvisioning} {
		os, err := s.store.Commerce().ListOrders(ctx, OrderFilter{Status: st}, uuid.Nil, 1000)
		if err != nil {
			return err
		}
		open = append(open, os...)
	}
	var customers []uuid.UUID
	for after := uuid.Nil; ; {
		refs, err := s.store.Money().LedgerCustomers(ctx, after, 100)
		if err != nil {
			return err
		}
		if len(refs) == 0 {
			break
		}
		for _, r := range refs {
			customers = append(customers, r.ID)
		}
		after = refs[len(refs)-1].ID
	}
	return s.store.InTx(ctx, func(tx Tx) error {
		for _, o := range open {
			if o.Source == SourceStorefront {
				if err := tx.Enqueue(ctx, OrderJob{OrderID: o.ID}); err != nil {
					return err
				}
			}
		}
		for _, c := range customers {
			if err := tx.Enqueue(ctx, SyncOrdersJob{CustomerID: c}); err != nil {
				return err
			}
		}
		return nil
	})
}
