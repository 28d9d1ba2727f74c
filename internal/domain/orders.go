package domain

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// Orders: a storefront order has one line per quote line, each one Huawei
// order paid by one MoneyPayment operation. Accepting it holds the total in
// the ledger in the same transaction as the order and its job; the saga
// (RunOrder, one OrderJob per order) then creates, checks, pays, follows
// provisioning and captures, each step idempotent and recorded in
// order_steps. No transaction spans a Huawei call (docs/design.md §2.2).

// OrderQuote is what an order needs of its quote.
type OrderQuote struct {
	ID         uuid.UUID
	Kind       QuoteKind
	CustomerID uuid.UUID
	Amount     decimal.Decimal
	Currency   string
	ExpiresAt  time.Time
	OrderID    uuid.UUID // uuid.Nil: not ordered yet
	Lines      []OrderQuoteLine
}

// OrderQuoteLine is a quote line with the product (new) or the Huawei
// resource (renewal) it buys.
type OrderQuoteLine struct {
	Index            int
	ProductID        uuid.UUID
	ResourceID       uuid.UUID
	Quantity         int
	SizeGB           int
	PeriodType       PeriodType
	PeriodCount      int
	Amount           decimal.Decimal
	ProductKind      ProductKind
	Region           string
	AvailabilityZone string
	Spec             string
	ImageRef         string
	RootVolumeType   string
	RootVolumeGB     int
	HuaweiResourceID string
}

// OrderFilter narrows ListOrders; zero fields do not filter.
type OrderFilter struct {
	CustomerID uuid.UUID
	Status     OrderStatus
	Kind       OrderKind
	Source     OrderSource
}

// OrderResource is a resource as an order needs it.
type OrderResource struct {
	ID               uuid.UUID
	CustomerID       uuid.UUID
	HuaweiResourceID string
	Status           ResourceStatus
	Main             bool
}

// OrderStore keeps orders, their lines and their steps.
type OrderStore interface {
	// OrderQuote reads a quote with its lines. Errors: ErrNotFound.
	OrderQuote(ctx context.Context, id uuid.UUID) (OrderQuote, error)
	// CreateOrder inserts the order and its lines. Errors: CodeQuoteUsed
	// (the quote has an order), ErrAlreadyExists (request key or Huawei
	// order id taken).
	CreateOrder(ctx context.Context, o Order) error
	// Order reads an order with lines, steps and resource ids. Errors:
	// ErrNotFound.
	Order(ctx context.Context, id uuid.UUID) (Order, error)
	// OrderForUpdate locks the order row and reads it with its lines.
	OrderForUpdate(ctx context.Context, id uuid.UUID) (Order, error)
	OrderByRequestKey(ctx context.Context, createdBy uuid.UUID, key string) (Order, error)
	OrderByHuaweiID(ctx context.Context, huaweiOrderID string) (Order, error)
	UpdateOrder(ctx context.Context, o Order) error
	CreateOrderLine(ctx context.Context, orderID uuid.UUID, l OrderLine) error
	UpdateOrderLine(ctx context.Context, orderID uuid.UUID, l OrderLine) error
	SaveStep(ctx context.Context, orderID uuid.UUID, st OrderStep) error
	ListOrders(ctx context.Context, f OrderFilter, before uuid.UUID, limit int) ([]Order, error)
	OrderPayments(ctx context.Context, orderID uuid.UUID) ([]MoneyOperation, error)
	OrderResourcesByIDs(ctx context.Context, ids []uuid.UUID) ([]OrderResource, error)
	OrderResourceIDsByHuaweiIDs(ctx context.Context, huaweiIDs []string) (map[string]uuid.UUID, error)
	AddOrderResourceTerm(ctx context.Context, t ResourceTerm) error
	AddOrderFiveDayRefund(ctx context.Context, customerID uuid.UUID, huaweiResourceID string, orderID uuid.UUID, at time.Time) error
	// KnownHuaweiOrders says which of ids are ours already (an order line's
	// upstream order, a synced order, a payment's or refund's reference).
	KnownHuaweiOrders(ctx context.Context, ids []string) (map[string]bool, error)
}

// OrderJob runs an order's saga.
type OrderJob struct{ OrderID uuid.UUID }

// Kind implements Job.
func (OrderJob) Kind() string { return "order" }

// JobOptions implements JobWithOptions: one saga per order at a time, with
// room for a long wait (provisioning, a payment being read back).
func (OrderJob) JobOptions() JobOptions { return JobOptions{Unique: true, MaxAttempts: 100} }

// SyncOrdersJob reads a customer's completed Huawei orders (or every ledger
// customer's, CustomerID nil) and books those placed outside the storefront.
type SyncOrdersJob struct{ CustomerID uuid.UUID }

// Kind implements Job.
func (SyncOrdersJob) Kind() string { return "orders_sync" }

// JobOptions implements JobWithOptions.
func (SyncOrdersJob) JobOptions() JobOptions { return JobOptions{Unique: true} }

// Order steps (OrderStep.Name).
const (
	StepHold           = "hold"
	StepCreateOrder    = "create_order"
	StepCheckPrice     = "check_price"
	StepPay            = "pay"
	StepProvision      = "provision"
	StepCapture        = "capture"
	StepCancelUpstream = "cancel_upstream"
	StepRelease        = "release"
	StepUnsubscribe    = "unsubscribe"
	StepRefund         = "refund"
	StepSync           = "sync"
)

// stepOperation is the Huawei operation a step calls, named on a failure
// Huawei did not answer itself (its own answer names the operation).
func stepOperation(step string) string {
	switch step {
	case StepCreateOrder:
		return "CreateServers/CreateVolume/RenewalResources"
	case StepCheckPrice, StepProvision:
		return "ShowCustomerOrderDetails"
	case StepPay:
		return "PayOrders"
	case StepCancelUpstream:
		return "CancelCustomerOrder"
	case StepUnsubscribe:
		return "CancelResourcesSubscription"
	case StepRefund:
		return "ShowRefundOrderDetails"
	case StepSync:
		return "ListPayPerUseCustomerResources"
	}
	return step
}

// Order error codes (Order.ErrorCode) besides the problem codes.
const (
	orderCancelRequested  = "cancel_requested"
	OrderErrCreateFailed  = "create_failed"
	OrderErrPaymentFailed = "payment_failed"
	OrderErrProvisioning  = "provisioning_failed"
	OrderErrReview        = "needs_review"
	// OrderErrPaymentReview: a payment is in review; the saga resumes once
	// a person decided it.
	OrderErrPaymentReview = "payment_needs_review"
)

// ownCustomer is the customer actor is. Errors: ErrForbidden for a
// principal that is not a customer, ErrNotFound for a customer user not yet
// linked to a customer.
func (s *CommerceService) ownCustomer(ctx context.Context, actor Principal) (Customer, error) {
	if actor.Kind != PrincipalUser || !actor.HasAnyRole(RoleCustomer) {
		return Customer{}, Errorf(CodeForbidden, "only a customer may do this")
	}
	c, err := s.store.Customers().CustomerByUserID(ctx, actor.ID)
	if errors.Is(err, ErrNotFound) {
		return Customer{}, Errorf(CodeNotFound, "customer not found")
	}
	return c, err
}

// customerMayBuy is the one rule for quoting and ordering: registered at
// Huawei, verified, not frozen (checked in that order).
func customerMayBuy(c Customer) error {
	if c.DomainID == "" {
		return Errorf(CodeCustomerNotRegistered, "the customer has no Huawei Cloud account yet")
	}
	if c.RealNameStatus != RealNameVerified {
		return Errorf(CodeCustomerNotVerified, "the customer's real name is not verified")
	}
	if c.Status == CustomerFrozen {
		return Errorf(CodeCustomerFrozen, "the customer is frozen")
	}
	return nil
}

// PlaceOrder accepts a quote (new: POST /v1/orders; renewal: POST
// /v1/renewals): in one transaction the order and its lines, each line's
// payment with its hold, the audit record and the saga's job. Errors:
// ErrNotFound (not the caller's quote), CodeQuoteExpired, CodeQuoteUsed,
// CodeInsufficientBalance, CodeCustomerNotVerified, CodeCustomerFrozen,
// CodeCustomerNotRegistered, ErrConflict (a quote of the other kind).
func (s *CommerceService) PlaceOrder(ctx context.Context, actor Principal, kind QuoteKind, quoteID uuid.UUID, requestKey string) (Order, error) {
	cu, err := s.ownCustomer(ctx, actor)
	if err != nil {
		return Order{}, err
	}
	q, err := s.store.Commerce().OrderQuote(ctx, quoteID)
	if errors.Is(err, ErrNotFound) || (err == nil && q.CustomerID != cu.ID) {
		return Order{}, Errorf(CodeNotFound, "quote not found")
	}
	if err != nil {
		return Order{}, err
	}
	if requestKey != "" && q.OrderID != uuid.Nil {
		// A request taken over after its first run died finds its order.
		if o, err := s.store.Commerce().OrderByRequestKey(ctx, actor.ID, requestKey); err == nil && o.QuoteID == q.ID {
			return s.store.Commerce().Order(ctx, o.ID)
		}
	}
	if q.Kind != kind {
		return Order{}, Errorf(CodeConflict, "this is a %s quote", q.Kind)
	}
	if err := customerMayBuy(cu); err != nil {
		return Order{}, err
	}
	now := s.clock.Now()
	if q.OrderID != uuid.Nil {
		return Order{}, Errorf(CodeQuoteUsed, "the quote has already been ordered")
	}
	if !now.Before(q.ExpiresAt) {
		return Order{}, Errorf(CodeQuoteExpired, "the quote expired at %s", q.ExpiresAt.UTC().Format(time.RFC3339))
	}
	okind := OrderNew
	if kind == QuoteRenewal {
		okind = OrderRenewal
		for _, l := range q.Lines {
			if l.HuaweiResourceID == "" {
				return Order{}, Errorf(CodeConflict, "quote line %d names no known resource", l.Index)
			}
		}
	}
	o := Order{ID: uuid.Must(uuid.NewV7()), Kind: okind, CustomerID: cu.ID, QuoteID: q.ID, Status: OrderPending, Source: SourceStorefront,
		Amount: q.Amount, Currency: CurrencyCNY, CreatedBy: actor.ID, RequestKey: requestKey, CreatedAt: now, UpdatedAt: now}
	var pays []MoneyOperation
	for _, l := range q.Lines {
		ol := OrderLine{Index: l.Index, Amount: l.Amount, ClientToken: uuid.Must(uuid.NewV7()).String(), Status: LinePending}
		if l.Amount.IsPositive() {
			p := newPayment(o, cu.DomainID, l.Amount, actor.ID, now)
			ol.PaymentID = p.ID
			pays = append(pays, p)
		}
		o.Lines = append(o.Lines, ol)
	}
	err = s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.Commerce().CreateOrder(ctx, o); err != nil {
			return err
		}
		for _, p := range pays {
			if err := s.money.acceptPayment(ctx, tx, p); err != nil {
				return err
			}
		}
		if err := tx.Commerce().SaveStep(ctx, o.ID, OrderStep{Name: StepHold, Line: -1, Status: StepDone, At: now}); err != nil {
			return err
		}
		if err := s.auditOrder(ctx, tx, actor, o, "order.created", map[string]any{"quote_id": q.ID.String()}); err != nil {
			return err
		}
		return tx.Enqueue(ctx, OrderJob{OrderID: o.ID})
	})
	if errors.Is(err, ErrAlreadyExists) && requestKey != "" {
		if prev, kerr := s.store.Commerce().OrderByRequestKey(ctx, actor.ID, requestKey); kerr == nil {
			if prev.QuoteID != q.ID {
				return Order{}, Errorf(CodeIdempotencyReuse, "this Idempotency-Key was used with another request")
			}
			return s.store.Commerce().Order(ctx, prev.ID)
		}
	}
	if err != nil {
		return Order{}, err
	}
	return s.store.Commerce().Order(ctx, o.ID)
}

// auditOrder records an order event; the customer id puts it on the
// customer's timeline.
func (s *CommerceService) auditOrder(ctx context.Context, tx Tx, actor Principal, o Order, action string, extra map[string]any) error {
	d := map[string]any{"customer_id": o.CustomerID.String(), "kind": string(o.Kind), "status": string(o.Status),
		"amount": o.Amount.StringFixed(2), "currency": CurrencyCNY, "source": string(o.Source)}
	if o.ErrorCode != "" {
		d["error_code"] = o.ErrorCode
	}
	for k, v := range extra {
		d[k] = v
	}
	return tx.Audit().Append(ctx, NewAuditEvent(ctx, s.clock, actor, action, "order", o.ID, d))
}

// GetOrder: a customer sees its own (404 otherwise); staff see all.
func (s *CommerceService) GetOrder(ctx context.Context, actor Principal, id uuid.UUID) (Order, error) {
	o, err := s.store.Commerce().Order(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Order{}, Errorf(CodeNotFound, "order not found")
	}
	if err != nil {
		return Order{}, err
	}
	if s.mayRead(ctx, actor, o.CustomerID) != nil {
		return Order{}, Errorf(CodeNotFound, "order not found")
	}
	return o, nil
}

// ListOrders: a customer sees its own; staff all. Newest first.
func (s *CommerceService) ListOrders(ctx context.Context, actor Principal, f OrderFilter, before uuid.UUID, limit int) (Page[Order], error) {
	staff := actor.Kind == PrincipalUser && actor.HasAnyRole(RoleOperator, RoleFinance, RoleAdmin)
	if !staff {
		if actor.Kind != PrincipalUser || !actor.HasAnyRole(RoleCustomer) {
			return Page[Order]{}, Errorf(CodeForbidden, "your role may not read orders")
		}
		c, err := s.store.Customers().CustomerByUserID(ctx, actor.ID)
		if err != nil {
			return Page[Order]{}, Errorf(CodeNotFound, "customer not found")
		}
		if f.CustomerID != uuid.Nil && f.CustomerID != c.ID {
			return Page[Order]{Items: []Order{}}, nil
		}
		f.CustomerID = c.ID
	}
	items, err := s.store.Commerce().ListOrders(ctx, f, before, limit+1)
	if err != nil {
		return Page[Order]{}, err
	}
	return pageOf(items, limit, func(o Order) uuid.UUID { return o.ID }), nil
}

// CancelOrder asks to cancel an order none of whose payments has been sent:
// the saga cancels its pending Huawei orders and releases the holds.
// Errors: ErrNotFound, CodeOrderNotCancellable.
func (s *CommerceService) CancelOrder(ctx context.Context, actor Principal, id uuid.UUID) (Order, error) {
	if _, err := s.GetOrder(ctx, actor, id); err != nil {
		return Order{}, err
	}
	err := s.store.InTx(ctx, func(tx Tx) error {
		o, err := tx.Commerce().OrderForUpdate(ctx, id)
		if err != nil {
			return err
		}
		if o.ErrorCode == orderCancelRequested || o.Status == OrderCancelled {
			return nil
		}
		// The saga moves pending → paying under this lock before it sends a
		// payment, so pending means no payment is in flight or settled.
		if o.Status != OrderPending || o.Source != SourceStorefront || o.Kind == OrderUnsubscription {
			return Errorf(CodeOrderNotCancellable, "the order is %s and can no longer be cancelled", o.Status)
		}
		o.ErrorCode, o.ErrorMessage, o.UpdatedAt = orderCancelRequested, "cancellation requested", s.clock.Now()
		if err := tx.Commerce().UpdateOrder(ctx, o); err != nil {
			return err
		}
		if err := s.auditOrder(ctx, tx, actor, o, "order.cancel_requested", nil); err != nil {
			return err
		}
		if err := tx.Enqueue(ctx, OrderJob{OrderID: o.ID}); err != nil {
			return err
		}
		return tx.Wake(ctx, OrderJob{OrderID: o.ID})
	})
	if err != nil {
		return Order{}, err
	}
	return s.store.Commerce().Order(ctx, id)
}

// step records a saga step.
func (s *CommerceService) step(ctx context.Context, orderID uuid.UUID, name string, line int, st StepStatus, ref string, why error) error {
	return s.store.InTx(ctx, func(tx Tx) error { return s.stepTx(ctx, tx, orderID, name, line, st, ref, why) })
}

func (s *CommerceService) stepTx(ctx context.Context, tx Tx, orderID uuid.UUID, name string, line int, st StepStatus, ref string, why error) error {
	var d *UpstreamDetail
	if why != nil {
		d = failureDetail(stepOperation(name), why)
	}
	return tx.Commerce().SaveStep(ctx, orderID, OrderStep{Name: name, Line: line, Status: st, UpstreamRef: ref, Error: d, At: s.clock.Now()})
}

// RunOrder is the saga (one OrderJob per order; re-runnable: every step
// looks at what is recorded before acting).
func (s *CommerceService) RunOrder(ctx context.Context, id uuid.UUID) error {
	o, err := s.store.Commerce().Order(ctx, id)
	if err != nil {
		return err
	}
	if o.Status == OrderNeedsReview && o.ErrorCode == OrderErrPaymentReview {
		if o, err = s.resumeAfterReview(ctx, o); err != nil {
			return err
		}
	}
	if !o.Status.Open() {
		return nil
	}
	cu, err := s.store.Customers().CustomerByID(ctx, o.CustomerID)
	if err != nil {
		return err
	}
	if o.Kind == OrderUnsubscription {
		return s.runUnsubscription(ctx, o, cu)
	}
	if o.ErrorCode == orderCancelRequested {
		return s.compensate(ctx, &o, cu, OrderCancelled, "", "cancelled at the customer's request")
	}
	if o.Status == OrderPending {
		q, err := s.store.Commerce().OrderQuote(ctx, o.QuoteID)
		if err != nil {
			return err
		}
		for i := range o.Lines {
			if o.Lines[i].UpstreamOrderID != "" {
				continue
			}
			if err := s.createUpstream(ctx, &o, cu, &o.Lines[i], q.Lines[i]); err != nil {
				return err
			}
			if !o.Status.Open() {
				return nil
			}
		}
		if err := s.checkPrice(ctx, &o, cu); err != nil || !o.Status.Open() {
			return err
		}
		if err := s.startPaying(ctx, &o); err != nil || !o.Status.Open() || o.Status == OrderPending {
			if err == nil && o.ErrorCode == orderCancelRequested {
				return s.compensate(ctx, &o, cu, OrderCancelled, "", "cancelled at the customer's request")
			}
			return err
		}
	}
	if o.Status == OrderPaying {
		if err := s.pay(ctx, &o, cu); err != nil || !o.Status.Open() {
			return err
		}
	}
	if o.Status == OrderProvisioning {
		return s.provision(ctx, &o, cu)
	}
	return nil
}

// createUpstream creates one line's Huawei order: a prepaid ECS/EVS order
// with the line's stable client token (a resend after an unknown outcome
// carries it, so Huawei answers with the first order), or a renewal order.
func (s *CommerceService) createUpstream(ctx context.Context, o *Order, cu Customer, l *OrderLine, ql OrderQuoteLine) error {
	if err := s.step(ctx, o.ID, StepCreateOrder, l.Index, StepRunning, "", nil); err != nil {
		return err
	}
	var po CloudPendingOrder
	var err error
	switch {
	case o.Kind == OrderRenewal:
		po, err = s.renewUpstream(ctx, o, cu, ql)
	case ql.ProductKind == ProductECS:
		po, err = s.cloud.CreatePrepaidServer(ctx, cu.DomainID, CloudServerOrder{Region: ql.Region, ClientToken: l.ClientToken,
			Name: "sf-" + o.ID.String()[:8], ImageRef: ql.ImageRef, FlavorRef: trimOS(ql.Spec), AvailabilityZone: ql.AvailabilityZone,
			VPCID: s.cfg.ServerVPCID, SubnetIDs: s.cfg.ServerSubnetIDs, SecurityGroupIDs: s.cfg.ServerSecurityGroupIDs,
			RootVolume: CloudDiskSpec{Type: ql.RootVolumeType, SizeGB: ql.RootVolumeGB}, Count: ql.Quantity,
			Period: CloudPeriodUnit(ql.PeriodType), Periods: ql.PeriodCount})
	default:
		po, err = s.cloud.CreatePrepaidVolume(ctx, cu.DomainID, CloudVolumeOrder{Region: ql.Region, ClientToken: l.ClientToken,
			Name: "sf-" + o.ID.String()[:8], AvailabilityZone: ql.AvailabilityZone, Disk: CloudDiskSpec{Type: ql.Spec, SizeGB: ql.SizeGB},
			Count: ql.Quantity, Period: CloudPeriodUnit(ql.PeriodType), Periods: ql.PeriodCount})
	}
	if err != nil {
		switch callOutcome(err) {
		case OutcomeDefinite:
			_ = s.step(ctx, o.ID, StepCreateOrder, l.Index, StepFailed, "", err)
			return s.compensate(ctx, o, cu, OrderFailed, OrderErrCreateFailed, "Huawei refused to create the order of line "+fmt.Sprint(l.Index)+": "+errMessage(err))
		case OutcomeRetryable:
			return retryLater(time.Second, "Huawei throttled or could not be reached; nothing was sent")
		default:
			// Unknown: the next run resends with the same client token
			// (Huawei deduplicates) or, for a renewal, reads back.
			_ = s.step(ctx, o.ID, StepCreateOrder, l.Index, StepUnknown, "", err)
			return retryLater(s.cfg.SettleDelay/10, "the create's outcome is unknown; resending with the same client token")
		}
	}
	l.UpstreamOrderID, l.UpstreamJobID, l.Status = po.OrderID, po.JobID, LineCreated
	l.HuaweiResourceIDs = po.ResourceIDs
	return s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.Commerce().UpdateOrderLine(ctx, o.ID, *l); err != nil {
			return err
		}
		if err := s.stepTx(ctx, tx, o.ID, StepCreateOrder, l.Index, StepDone, po.OrderID, nil); err != nil {
			return err
		}
		return s.auditOrder(ctx, tx, Principal{}, *o, "order.upstream_created", map[string]any{"line": l.Index, "upstream_order_id": po.OrderID})
	})
}

// trimOS turns a catalogue spec ("s6.small.1.linux") into the ECS flavour.
func trimOS(spec string) string {
	for _, suf := range []string{".linux", ".win"} {
		if len(spec) > len(suf) && spec[len(spec)-len(suf):] == suf {
			return spec[:len(spec)-len(suf)]
		}
	}
	return spec
}

func errMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		if e.Upstream != nil && e.Upstream.Code != "" {
			return e.Upstream.Code + " " + e.Message
		}
		return e.Message
	}
	return "the call failed"
}

// checkPrice compares each Huawei order's amount with its quoted line;
// any difference stops the order before anything is paid.
func (s *CommerceService) checkPrice(ctx context.Context, o *Order, cu Customer) error {
	for i := range o.Lines {
		l := &o.Lines[i]
		if l.UpstreamAmount != nil {
			continue
		}
		d, err := s.cloud.CustomerOrder(ctx, l.UpstreamOrderID, 0, 1)
		if err != nil {
			return err
		}
		amt := d.Order.Amount
		l.UpstreamAmount = &amt
		if err := s.store.Commerce().UpdateOrderLine(ctx, o.ID, *l); err != nil {
			return err
		}
	}
	for _, l := range o.Lines {
		if !l.UpstreamAmount.Equal(l.Amount) {
			_ = s.step(ctx, o.ID, StepCheckPrice, l.Index, StepFailed, l.UpstreamOrderID, nil)
			return s.compensate(ctx, o, cu, OrderFailed, string(CodePriceChanged),
				fmt.Sprintf("Huawei prices line %d at %s, the quote at %s", l.Index, l.UpstreamAmount.StringFixed(2), l.Amount.StringFixed(2)))
		}
	}
	return s.step(ctx, o.ID, StepCheckPrice, -1, StepDone, "", nil)
}

// startPaying moves the order pending → paying under its lock, unless a
// cancellation came first; from here it cannot be cancelled.
func (s *CommerceService) startPaying(ctx context.Context, o *Order) error {
	return s.store.InTx(ctx, func(tx Tx) error {
		cur, err := tx.Commerce().OrderForUpdate(ctx, o.ID)
		if err != nil {
			return err
		}
		if cur.ErrorCode == orderCancelRequested || cur.Status != OrderPending {
			o.Status, o.ErrorCode = cur.Status, cur.ErrorCode
			return nil
		}
		pays, err := tx.Commerce().OrderPayments(ctx, o.ID)
		if err != nil {
			return err
		}
		byID := map[uuid.UUID]MoneyOperation{}
		for _, p := range pays {
			byID[p.ID] = p
		}
		for _, l := range o.Lines {
			p, ok := byID[l.PaymentID]
			if !ok || p.PayOrderID != "" {
				continue
			}
			p.PayOrderID, p.UpdatedAt = l.UpstreamOrderID, s.clock.Now()
			if err := tx.Money().UpdateOperation(ctx, p); err != nil {
				return err
			}
		}
		cur.Status, cur.UpdatedAt = OrderPaying, s.clock.Now()
		o.Status = OrderPaying
		return tx.Commerce().UpdateOrder(ctx, cur)
	})
}

// pay pays each created line through the money core, one at a time per
// customer (the slot); a payment already decided is not touched again.
func (s *CommerceService) pay(ctx context.Context, o *Order, cu Customer) error {
	for i := range o.Lines {
		l := &o.Lines[i]
		if l.Status == LinePaid || l.Status == LineProvisioned {
			continue
		}
		if l.PaymentID == uuid.Nil {
			if err := s.payFree(ctx, o, cu, l); err != nil {
				return err
			}
			continue
		}
		op, err := s.store.Money().Operation(ctx, l.PaymentID)
		if err != nil {
			return err
		}
		if op.Status == MoneyPending || op.Status == MoneyInFlight {
			if op.Status == MoneyPending {
				_ = s.step(ctx, o.ID, StepPay, l.Index, StepRunning, l.UpstreamOrderID, nil)
			}
			if err := s.money.Execute(ctx, op.ID); err != nil {
				return err
			}
			if op, err = s.store.Money().Operation(ctx, l.PaymentID); err != nil {
				return err
			}
		}
		switch op.Status {
		case MoneySucceeded:
			l.Status = LinePaid
			if err := s.store.InTx(ctx, func(tx Tx) error {
				if err := tx.Commerce().UpdateOrderLine(ctx, o.ID, *l); err != nil {
					return err
				}
				return s.stepTx(ctx, tx, o.ID, StepPay, l.Index, StepDone, op.UpstreamRef, nil)
			}); err != nil {
				return err
			}
		case MoneyFailed:
			_ = s.store.InTx(ctx, func(tx Tx) error {
				return tx.Commerce().SaveStep(ctx, o.ID, OrderStep{Name: StepPay, Line: l.Index, Status: StepFailed, UpstreamRef: l.UpstreamOrderID, Error: op.Error, At: s.clock.Now()})
			})
			msg := "Huawei did not take the payment of line " + fmt.Sprint(l.Index)
			if op.Error != nil {
				msg += ": " + op.Error.Code + " " + op.Error.Message
			}
			return s.compensate(ctx, o, cu, OrderFailed, OrderErrPaymentFailed, msg)
		case MoneyNeedsReview:
			_ = s.step(ctx, o.ID, StepPay, l.Index, StepUnknown, l.UpstreamOrderID, nil)
			return s.finish(ctx, o, OrderNeedsReview, OrderErrPaymentReview,
				"the payment of line "+fmt.Sprint(l.Index)+" could not be decided by reading back; finance decides it (money operation "+op.ID.String()+")")
		case MoneyUnknown:
			_ = s.step(ctx, o.ID, StepPay, l.Index, StepUnknown, l.UpstreamOrderID, nil)
			return retryLater(s.cfg.SettleDelay/4, "the payment's outcome is being read back")
		default:
			return retryLater(time.Second, "the payment waits its turn")
		}
	}
	o.Status = OrderProvisioning
	return s.store.InTx(ctx, func(tx Tx) error {
		cur, err := tx.Commerce().OrderForUpdate(ctx, o.ID)
		if err != nil {
			return err
		}
		cur.Status, cur.UpdatedAt = OrderProvisioning, s.clock.Now()
		if err := tx.Commerce().UpdateOrder(ctx, cur); err != nil {
			return err
		}
		return s.auditOrder(ctx, tx, Principal{}, cur, "order.paid", nil)
	})
}

// payFree pays a zero-amount Huawei order (no money moves, so no money
// operation): unknown outcomes are read back like a payment's.
func (s *CommerceService) payFree(ctx context.Context, o *Order, cu Customer, l *OrderLine) error {
	d, err := s.cloud.CustomerOrder(ctx, l.UpstreamOrderID, 0, 1)
	if err != nil {
		return err
	}
	if d.Order.Status == CloudOrderPendingPayment {
		if err := s.cloud.PayOrder(ctx, cu.DomainID, CloudPayOrder{OrderID: l.UpstreamOrderID}); err != nil && callOutcome(err) == OutcomeDefinite {
			return s.compensate(ctx, o, cu, OrderFailed, OrderErrPaymentFailed, "Huawei did not take the payment: "+errMessage(err))
		} else if err != nil {
			return retryLater(s.cfg.SettleDelay/4, "reading the free order back")
		}
	}
	l.Status = LinePaid
	return s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.Commerce().UpdateOrderLine(ctx, o.ID, *l); err != nil {
			return err
		}
		return s.stepTx(ctx, tx, o.ID, StepPay, l.Index, StepDone, l.UpstreamOrderID, nil)
	})
}

// provision follows each paid Huawei order to completed, collects its
// resources, then captures: the order is completed.
func (s *CommerceService) provision(ctx context.Context, o *Order, cu Customer) error {
	for i := range o.Lines {
		l := &o.Lines[i]
		if l.Status == LineProvisioned {
			continue
		}
		d, err := s.cloud.CustomerOrder(ctx, l.UpstreamOrderID, 0, 10)
		if err != nil {
			return err
		}
		switch d.Order.Status {
		case CloudOrderCompleted:
		case CloudOrderProcessing, CloudOrderPendingPayment:
			if s.clock.Now().Sub(o.UpdatedAt) > s.cfg.ProvisionTimeout {
				_ = s.step(ctx, o.ID, StepProvision, l.Index, StepUnknown, l.UpstreamOrderID, nil)
				return s.toReview(ctx, o, "provisioning of line "+fmt.Sprint(l.Index)+" did not finish within "+s.cfg.ProvisionTimeout.String())
			}
			_ = s.step(ctx, o.ID, StepProvision, l.Index, StepRunning, l.UpstreamOrderID, nil)
			return retryLater(200*time.Millisecond, "provisioning")
		default:
			// Paid but not provisioned: Huawei refunds such an order with an
			// unsubscribe order of its own; the refund is booked when synced.
			_ = s.step(ctx, o.ID, StepProvision, l.Index, StepFailed, l.UpstreamOrderID, nil)
			return s.finish(ctx, o, OrderFailed, OrderErrProvisioning, fmt.Sprintf("Huawei order %s of line %d ended in status %d", l.UpstreamOrderID, l.Index, d.Order.Status))
		}
		rs, err := s.cloud.ListCustomerResources(ctx, CloudResourceQuery{CustomerID: cu.DomainID, OrderID: l.UpstreamOrderID, Limit: 100})
		if err != nil {
			return err
		}
		var ids []string
		for _, r := range rs.Resources {
			ids = append(ids, r.ResourceID)
		}
		if len(ids) == 0 {
			// Completed without resources: Huawei unsubscribes a purchase
			// whose provisioning failed and refunds it in full with an
			// unsubscribe order of its own. Book that refund, once.
			booked, err := s.bookProvisioningRefund(ctx, o, cu, l)
			if err != nil {
				return err
			}
			if booked {
				_ = s.step(ctx, o.ID, StepProvision, l.Index, StepFailed, l.UpstreamOrderID, nil)
				return s.finish(ctx, o, OrderFailed, OrderErrProvisioning,
					fmt.Sprintf("provisioning of Huawei order %s (line %d) failed; Huawei refunded it in full", l.UpstreamOrderID, l.Index))
			}
			if s.clock.Now().Sub(o.UpdatedAt) > s.cfg.ProvisionTimeout {
				_ = s.step(ctx, o.ID, StepProvision, l.Index, StepUnknown, l.UpstreamOrderID, nil)
				return s.toReview(ctx, o, "Huawei order "+l.UpstreamOrderID+" completed without resources and without a refund")
			}
			return retryLater(200*time.Millisecond, "the order's resources are not listed yet")
		}
		l.HuaweiResourceIDs, l.Status = ids, LineProvisioned
		if err := s.store.InTx(ctx, func(tx Tx) error {
			if err := tx.Commerce().UpdateOrderLine(ctx, o.ID, *l); err != nil {
				return err
			}
			return s.stepTx(ctx, tx, o.ID, StepProvision, l.Index, StepDone, l.UpstreamOrderID, nil)
		}); err != nil {
			return err
		}
	}
	// Capture: the payments' settles are the capture; resources and their
	// terms follow.
	if err := s.SyncResources(ctx, cu.ID); err != nil {
		s.cfg.Log.WarnContext(ctx, "orders: resource sync after an order failed", "order_id", o.ID, "error", err)
	}
	if err := s.writeTerms(ctx, *o, cu); err != nil {
		return err
	}
	return s.finish(ctx, o, OrderCompleted, "", "")
}

// writeTerms records what each primary resource of the order cost for its
// term (the refund estimate's basis): one row per resource per Huawei order.
func (s *CommerceService) writeTerms(ctx context.Context, o Order, cu Customer) error {
	for _, l := range o.Lines {
		if len(l.HuaweiResourceIDs) == 0 || l.UpstreamOrderID == "" {
			continue
		}
		rs, err := s.cloud.ListCustomerResources(ctx, CloudResourceQuery{CustomerID: cu.DomainID, ResourceIDs: l.HuaweiResourceIDs, OnlyMain: true, Limit: 100})
		if err != nil {
			return err
		}
		var ids []string
		for _, r := range rs.Resources {
			ids = append(ids, r.ResourceID)
		}
		local, err := s.store.Commerce().OrderResourceIDsByHuaweiIDs(ctx, ids)
		if err != nil {
			return err
		}
		n := max(len(rs.Resources), 1)
		paid := l.Amount.Div(decimal.NewFromInt(int64(n))).Round(2)
		for _, r := range rs.Resources {
			id, ok := local[r.ResourceID]
			if !ok || !r.ExpiresAt.After(r.EffectiveAt) {
				continue // not synced yet: the resources' sync writes none, the next order's capture may
			}
			if err := s.store.Commerce().AddOrderResourceTerm(ctx, ResourceTerm{ResourceID: id, HuaweiOrderID: l.UpstreamOrderID,
				StartsAt: r.EffectiveAt, EndsAt: r.ExpiresAt, Paid: paid}); err != nil {
				return err
			}
		}
	}
	return nil
}

// finish closes the order, with its capture step done (completed) or
// skipped.
func (s *CommerceService) finish(ctx context.Context, o *Order, st OrderStatus, code, msg string) error {
	return s.store.InTx(ctx, func(tx Tx) error {
		cur, closed, err := s.closeTx(ctx, tx, o.ID, st, code, msg)
		if err != nil || !closed {
			return err
		}
		*o = cur
		stepSt := StepDone
		if st != OrderCompleted {
			stepSt = StepSkipped
		}
		return s.stepTx(ctx, tx, cur.ID, StepCapture, -1, stepSt, "", nil)
	})
}

// closeTx moves an open order to st with code and msg and audits it; an
// order already closed is left alone (closed false).
func (s *CommerceService) closeTx(ctx context.Context, tx Tx, id uuid.UUID, st OrderStatus, code, msg string) (Order, bool, error) {
	cur, err := tx.Commerce().OrderForUpdate(ctx, id)
	if err != nil || !cur.Status.Open() {
		return cur, false, err
	}
	cur.Status, cur.ErrorCode, cur.ErrorMessage, cur.UpdatedAt = st, code, msg, s.clock.Now()
	if err := tx.Commerce().UpdateOrder(ctx, cur); err != nil {
		return cur, false, err
	}
	return cur, true, s.auditOrder(ctx, tx, Principal{}, cur, "order."+string(st), map[string]any{"message": msg})
}

// toReview parks the order for a person.
func (s *CommerceService) toReview(ctx context.Context, o *Order, why string) error {
	return s.finish(ctx, o, OrderNeedsReview, OrderErrReview, why)
}

// compensate cancels the order's Huawei orders that were not paid and
// releases their payments' holds; lines already paid stay paid (and are
// followed to their resources by a person: the order says so). On success
// it leaves the order's final status in *at, so the caller's saga run stops
// there instead of going on with its stale copy (it once went on to check
// the price of a line Huawei had refused to create).
func (s *CommerceService) compensate(ctx context.Context, at *Order, cu Customer, st OrderStatus, code, msg string) error {
	if err := s.compensateOnce(ctx, *at, cu, st, code, msg); err != nil {
		return err
	}
	cur, err := s.store.Commerce().Order(ctx, at.ID)
	if err != nil {
		return err
	}
	*at = cur
	return nil
}

func (s *CommerceService) compensateOnce(ctx context.Context, o Order, cu Customer, st OrderStatus, code, msg string) error {
	o, err := s.store.Commerce().Order(ctx, o.ID)
	if err != nil {
		return err
	}
	paid := false
	for _, l := range o.Lines {
		if l.Status == LinePaid || l.Status == LineProvisioned {
			paid = true
			continue
		}
		if l.PaymentID != uuid.Nil {
			op, err := s.store.Money().Operation(ctx, l.PaymentID)
			if err != nil {
				return err
			}
			if op.Status == MoneySucceeded {
				paid = true
				continue
			}
			if op.Status != MoneyPending && op.Status != MoneyFailed {
				return retryLater(time.Second, "a payment of the order is undecided")
			}
		}
		if l.UpstreamOrderID == "" || l.Status == LineCancelled {
			continue
		}
		cerr := s.cloud.CancelOrder(ctx, cu.DomainID, l.UpstreamOrderID)
		if cerr != nil {
			d, rerr := s.cloud.CustomerOrder(ctx, l.UpstreamOrderID, 0, 1)
			if rerr != nil {
				return rerr
			}
			if d.Order.Status != CloudOrderCancelled {
				if d.Order.Status == CloudOrderPendingPayment {
					return retryLater(time.Second, "cancelling the Huawei order")
				}
				// Paid at Huawei without us (the console?): a person looks.
				_ = s.step(ctx, o.ID, StepCancelUpstream, l.Index, StepFailed, l.UpstreamOrderID, cerr)
				return s.toReview(ctx, &o, fmt.Sprintf("Huawei order %s could not be cancelled (status %d)", l.UpstreamOrderID, d.Order.Status))
			}
		}
		l.Status = LineCancelled
		if err := s.store.InTx(ctx, func(tx Tx) error {
			if err := tx.Commerce().UpdateOrderLine(ctx, o.ID, l); err != nil {
				return err
			}
			return s.stepTx(ctx, tx, o.ID, StepCancelUpstream, l.Index, StepDone, l.UpstreamOrderID, nil)
		}); err != nil {
			return err
		}
	}
	if paid && st == OrderCancelled {
		st = OrderFailed
	}
	return s.store.InTx(ctx, func(tx Tx) error {
		for _, l := range o.Lines {
			if l.PaymentID == uuid.Nil || l.Status == LinePaid || l.Status == LineProvisioned {
				continue
			}
			if _, err := s.money.releasePayment(ctx, tx, l.PaymentID, msg); err != nil {
				return err
			}
		}
		if err := s.stepTx(ctx, tx, o.ID, StepRelease, -1, StepDone, "", nil); err != nil {
			return err
		}
		_, _, err := s.closeTx(ctx, tx, o.ID, st, code, msg)
		return err
	})
}

// bookProvisioningRefund finds the unsubscribe order Huawei made for a
// failed purchase (its refund's base order is the line's order) and books
// its refund to the ledger. False: none yet.
func (s *CommerceService) bookProvisioningRefund(ctx context.Context, o *Order, cu Customer, l *OrderLine) (bool, error) {
	ids, err := s.readBackUnsubscribe(ctx, *o, cu)
	if err != nil {
		return false, err
	}
	for _, id := range ids {
		refs, err := s.cloud.RefundDetails(ctx, cu.DomainID, id)
		if err != nil {
			continue // not available yet, or not a refund: read again later
		}
		refund, mine := decimal.Zero, false
		for _, r := range refs {
			if r.BaseOrderID == l.UpstreamOrderID {
				mine = true
			}
			if r.Amount.IsNegative() {
				refund = refund.Add(r.Amount.Neg())
			}
		}
		if !mine {
			continue
		}
		l.Status = LineFailed
		err = s.store.InTx(ctx, func(tx Tx) error {
			if refund.IsPositive() {
				if _, err := s.money.bookRefund(ctx, tx, o.ID, cu.ID, cu.DomainID, id, refund); err != nil {
					return err
				}
			}
			if err := tx.Commerce().UpdateOrderLine(ctx, o.ID, *l); err != nil {
				return err
			}
			if err := s.stepTx(ctx, tx, o.ID, StepRefund, l.Index, StepDone, id, nil); err != nil {
				return err
			}
			cur, err := tx.Commerce().OrderForUpdate(ctx, o.ID)
			if err != nil {
				return err
			}
			total := refund
			if cur.Refund != nil {
				total = total.Add(*cur.Refund)
			}
			cur.Refund = &total
			if err := tx.Commerce().UpdateOrder(ctx, cur); err != nil {
				return err
			}
			o.Refund = &total
			return nil
		})
		return err == nil, err
	}
	return false, nil
}

// resumeAfterReview puts an order whose payment was in review back to
// paying once no payment of it is undecided (a person decided it).
func (s *CommerceService) resumeAfterReview(ctx context.Context, o Order) (Order, error) {
	pays, err := s.store.Commerce().OrderPayments(ctx, o.ID)
	if err != nil {
		return o, err
	}
	for _, p := range pays {
		if p.Status == MoneyNeedsReview || p.Status == MoneyUnknown || p.Status == MoneyInFlight {
			return o, nil
		}
	}
	err = s.store.InTx(ctx, func(tx Tx) error {
		cur, err := tx.Commerce().OrderForUpdate(ctx, o.ID)
		if err != nil {
			return err
		}
		if cur.Status != OrderNeedsReview || cur.ErrorCode != OrderErrPaymentReview {
			return nil
		}
		cur.Status, cur.ErrorCode, cur.ErrorMessage, cur.UpdatedAt = OrderPaying, "", "", s.clock.Now()
		if err := tx.Commerce().UpdateOrder(ctx, cur); err != nil {
			return err
		}
		return s.auditOrder(ctx, tx, Principal{}, cur, "order.resumed", nil)
	})
	if err != nil {
		return o, err
	}
	return s.store.Commerce().Order(ctx, o.ID)
}
