package domain

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
)

// isFinance: the people who see and move every customer's money.
func isFinance(p Principal) bool {
	return p.Kind == PrincipalUser && p.HasAnyRole(RoleFinance, RoleAdmin)
}

// Operation returns one money operation: finance and admins any, a customer
// its own (without staff notes). Errors: ErrNotFound.
func (s *MoneyService) Operation(ctx context.Context, actor Principal, id uuid.UUID) (MoneyOperation, error) {
	op, err := s.store.Money().Operation(ctx, id)
	if err != nil {
		return MoneyOperation{}, err
	}
	own := uuid.Nil
	if !isFinance(actor) {
		own = s.ownCustomer(ctx, actor)
	}
	v, ok := op.visibleTo(actor, own)
	if !ok {
		return MoneyOperation{}, Errorf(CodeNotFound, "money operation not found")
	}
	return v, nil
}

// Operations lists money operations newest first: finance and admins all
// of them, a customer its own. Errors: ErrForbidden.
func (s *MoneyService) Operations(ctx context.Context, actor Principal, f MoneyFilter, before uuid.UUID, limit int) (Page[MoneyOperation], error) {
	own := uuid.Nil
	if !isFinance(actor) {
		if actor.Kind != PrincipalUser || !actor.HasAnyRole(RoleCustomer) {
			return Page[MoneyOperation]{}, ErrForbidden
		}
		own = s.ownCustomer(ctx, actor)
		if own == uuid.Nil || (f.CustomerID != uuid.Nil && f.CustomerID != own) {
			return Page[MoneyOperation]{Items: []MoneyOperation{}}, nil
		}
		f.CustomerID = own
	}
	items, err := s.store.Money().ListOperations(ctx, f, before, limit+1)
	if err != nil {
		return Page[MoneyOperation]{}, err
	}
	for i, op := range items {
		items[i], _ = op.visibleTo(actor, own)
	}
	return pageOf(items, limit, func(op MoneyOperation) uuid.UUID { return op.ID }), nil
}

// CustomerBalance is the customer's balance in our ledger and Huawei's
// figure as reconciliation last read it. Staff see every customer, a
// customer itself. Errors: ErrNotFound.
func (s *MoneyService) CustomerBalance(ctx context.Context, actor Principal, customerID uuid.UUID) (CustomerBalance, error) {
	cu, err := s.store.Customers().CustomerByID(ctx, customerID)
	if err != nil {
		return CustomerBalance{}, err
	}
	if !cu.VisibleTo(actor) {
		return CustomerBalance{}, Errorf(CodeNotFound, "customer not found")
	}
	return s.store.Money().CustomerBalance(ctx, customerID)
}

// PartnerBalance reads the partner's allocatable balance at Huawei now,
// beside our ledger's. Finance and admins. Errors: ErrForbidden, the
// upstream errors of a read.
func (s *MoneyService) PartnerBalance(ctx context.Context, actor Principal) (PartnerBalance, error) {
	if !isFinance(actor) {
		return PartnerBalance{}, ErrForbidden
	}
	pb, err := s.readPartnerBalance(ctx)
	if err != nil {
		return PartnerBalance{}, err
	}
	ours, err := s.store.Money().AccountBalance(ctx, PartnerAllocatable())
	switch {
	case err == nil:
		pb.Ledger = &ours
	case !errors.Is(err, ErrNotFound):
		return PartnerBalance{}, err
	}
	return pb, nil
}

// ledgerAccess: finance and admins read every customer's ledger, a
// customer its own. Errors: ErrNotFound, ErrForbidden.
func (s *MoneyService) ledgerAccess(ctx context.Context, actor Principal, customerID uuid.UUID) error {
	if _, err := s.store.Customers().CustomerByID(ctx, customerID); err != nil {
		return err
	}
	if isFinance(actor) {
		return nil
	}
	if actor.Kind == PrincipalUser && actor.HasAnyRole(RoleCustomer) {
		if s.ownCustomer(ctx, actor) == customerID {
			return nil
		}
		return Errorf(CodeNotFound, "customer not found")
	}
	return ErrForbidden
}

// LedgerEntries pages through a customer's ledger entries created in
// [from, to) (zero: unbounded), newest first. Errors: ErrNotFound,
// ErrForbidden.
func (s *MoneyService) LedgerEntries(ctx context.Context, actor Principal, customerID uuid.UUID, from, to time.Time, before uuid.UUID, limit int) (Page[LedgerEntry], error) {
	if err := s.ledgerAccess(ctx, actor, customerID); err != nil {
		return Page[LedgerEntry]{}, err
	}
	items, err := s.store.Money().ListEntries(ctx, customerID, from, to, before, limit+1)
	if err != nil {
		return Page[LedgerEntry]{}, err
	}
	return pageOf(items, limit, func(e LedgerEntry) uuid.UUID { return e.ID }), nil
}

// LedgerExport checks access now and returns the stream of a customer's
// entries created in [from, to), oldest first, to run when the caller is
// ready to write. Errors: ErrNotFound, ErrForbidden, ErrValidation.
func (s *MoneyService) LedgerExport(ctx context.Context, actor Principal, customerID uuid.UUID, from, to time.Time) (func(ctx context.Context, emit func(LedgerEntry) error) error, error) {
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		return nil, &Error{Code: CodeValidation, Message: "from must be before to",
			Fields: []FieldError{{Field: "from", Code: "range", Message: "must be before to"}}}
	}
	if err := s.ledgerAccess(ctx, actor, customerID); err != nil {
		return nil, err
	}
	return func(ctx context.Context, emit func(LedgerEntry) error) error {
		return s.store.Money().EachEntry(ctx, customerID, from, to, emit)
	}, nil
}
