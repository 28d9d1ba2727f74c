package store

import (
	"context"

	"github.com/google/uuid"

	"github.com/partnerlab/storefront/internal/domain"
	"github.com/partnerlab/storefront/internal/store/internal/db"
)

// CustomerStore implements domain.CustomerStore.
type CustomerStore struct{ s *Store }

var _ domain.CustomerStore = (*CustomerStore)(nil)

// Customers is the customer store.
func (s *Store) Customers() domain.CustomerStore { return &CustomerStore{s: s} }

func (c *CustomerStore) CreateCustomer(ctx context.Context, cu domain.Customer, smsCode string) error {
	var createdBy *uuid.UUID
	if cu.CreatedBy != uuid.Nil {
		createdBy = &cu.CreatedBy
	}
	err := c.s.q.CreateCustomer(ctx, db.CreateCustomerParams{
		ID: cu.ID, UserID: cu.UserID, AccountName: cu.AccountName, Email: nullable(cu.Email), Mobile: cu.Mobile,
		RegistrationCode: nullable(smsCode), CreatedBy: createdBy, CreatedAt: cu.CreatedAt, UpdatedAt: cu.UpdatedAt,
	})
	if err != nil {
		return translate(err, "customer")
	}
	n, err := c.s.q.LinkUserToCustomer(ctx, db.LinkUserToCustomerParams{CustomerID: &cu.ID, UpdatedAt: cu.UpdatedAt, UserID: cu.UserID})
	if err != nil {
		return translate(err, "customer")
	}
	if n == 0 {
		return domain.Errorf(domain.CodeAlreadyExists, "this user is already a customer")
	}
	return nil
}

func (c *CustomerStore) CustomerByID(ctx context.Context, id uuid.UUID) (domain.Customer, error) {
	r, err := c.s.q.CustomerByID(ctx, id)
	if err != nil {
		return domain.Customer{}, translate(err, "customer")
	}
	return customerFromDB(r), nil
}

func (c *CustomerStore) CustomerForUpdate(ctx context.Context, id uuid.UUID) (domain.Customer, error) {
	r, err := c.s.q.CustomerForUpdate(ctx, id)
	if err != nil {
		return domain.Customer{}, translate(err, "customer")
	}
	return customerFromDB(r), nil
}

func (c *CustomerStore) CustomerByUserID(ctx context.Context, userID uuid.UUID) (domain.Customer, error) {
	r, err := c.s.q.CustomerByUserID(ctx, userID)
	if err != nil {
		return domain.Customer{}, translate(err, "customer")
	}
	return customerFromDB(r), nil
}

func customerFromDB(r db.Customer) domain.Customer {
	cu := domain.Customer{
		ID: r.ID, UserID: r.UserID, AccountName: r.AccountName, Email: deref(r.Email), Mobile: r.Mobile,
		Status: domain.CustomerStatus(r.Status), FrozenScope: domain.FreezeScope(deref(r.FrozenScope)),
		PendingAction: deref(r.PendingAction), PendingScope: domain.FreezeScope(deref(r.PendingScope)),
		RealNameStatus: domain.RealNameStatus(r.RealnameStatus), Registration: domain.RegistrationStatus(r.RegistrationStatus),
		Association: domain.Association(r.Association), DomainID: deref(r.HuaweiDomainID), DomainName: deref(r.HuaweiDomainName),
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
	if r.CreatedBy != nil {
		cu.CreatedBy = *r.CreatedBy
	}
	if r.RegistrationErrorCode != nil {
		cu.RegistrationErr = &domain.UpstreamDetail{Operation: "CreateSubCustomer", Code: *r.RegistrationErrorCode, Message: deref(r.RegistrationErrorMessage), Outcome: domain.OutcomeDefinite}
	}
	return cu
}
