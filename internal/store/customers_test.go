package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/partnerlab/storefront/internal/domain"
)

func TestCustomers(t *testing.T) {
	t.Parallel()
	a, st, pool := newStore(t)
	ctx := context.Background()
	cs := st.Customers()
	newCustomer := func(email, name string) domain.Customer {
		t.Helper()
		u := user(email)
		if err := a.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		c := domain.Customer{ID: uuid.Must(uuid.NewV7()), UserID: u.ID, AccountName: name, Mobile: "13800138000",
			Status: domain.CustomerActive, RealNameStatus: domain.RealNameUnverified, Registration: domain.RegistrationPending,
			Association: domain.AssociationPending, CreatedBy: u.ID, CreatedAt: t0, UpdatedAt: t0}
		if err := cs.CreateCustomer(ctx, c, "123456"); err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := newCustomer("c1@example.com", "cust-01")
	other := newCustomer("c2@example.com", "cust-02")

	if u, err := a.UserByID(ctx, c.UserID); err != nil || u.CustomerID == nil || *u.CustomerID != c.ID {
		t.Fatalf("user link %+v %v", u.CustomerID, err)
	}
	if code, err := cs.RegistrationCode(ctx, c.ID); err != nil || code != "123456" {
		t.Fatalf("code %q %v", code, err)
	}
	if got, err := cs.CustomerByAccountName(ctx, "cust-01"); err != nil || got.ID != c.ID {
		t.Fatalf("by name %+v %v", got, err)
	}
	if _, err := cs.CustomerByAccountName(ctx, "CUST-01"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("by name, other case: %v", err)
	}

	// The real-name use cases own realname_status: an update leaves it.
	if _, err := pool.Exec(ctx, `UPDATE customers SET realname_status = 'in_review' WHERE id = $1`, c.ID); err != nil {
		t.Fatal(err)
	}
	sent := t0.Add(time.Minute)
	c.DomainID, c.DomainName, c.Registration, c.Association = "dom-1", "cust-01", domain.RegistrationCreated, domain.AssociationConfirmed
	c.Status, c.FrozenScope, c.PendingAction, c.PendingScope = domain.CustomerFrozen, domain.FreezeAccount, domain.ActionUnfreeze, domain.FreezeAccount
	c.ActionErr = &domain.UpstreamDetail{Code: "CBC.0101", Message: "no"}
	c.RegistrationSentAt, c.UpdatedAt = sent, t0.Add(time.Hour)
	if err := cs.UpdateCustomer(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := cs.SetRegistrationCode(ctx, c.ID, ""); err != nil {
		t.Fatal(err)
	}
	got, err := cs.CustomerByID(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.RealNameStatus != domain.RealNameInReview || got.DomainID != "dom-1" || got.Status != domain.CustomerFrozen ||
		got.FrozenScope != domain.FreezeAccount || got.PendingAction != domain.ActionUnfreeze || got.ActionErr == nil ||
		got.ActionErr.Code != "CBC.0101" || !got.RegistrationSentAt.Equal(sent) || !got.UpdatedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("after update %+v", got)
	}
	if code, err := cs.RegistrationCode(ctx, c.ID); err != nil || code != "" {
		t.Fatalf("cleared code %q %v", code, err)
	}

	// Unique: account names, Huawei accounts.
	other.AccountName = "cust-01"
	if err := cs.UpdateCustomer(ctx, other); !errors.Is(err, domain.ErrAlreadyExists) {
		t.Fatalf("taken name: %v", err)
	}
	other.AccountName, other.DomainID = "cust-02", "dom-1"
	if err := cs.UpdateCustomer(ctx, other); err == nil {
		t.Fatal("a second customer on the same Huawei account")
	}
	if err := cs.UpdateCustomer(ctx, domain.Customer{ID: uuid.New(), Status: domain.CustomerActive,
		Registration: domain.RegistrationPending, Association: domain.AssociationPending}); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("update of a missing customer: %v", err)
	}

	// Lists: everyone, a user's own, a search.
	all, err := cs.ListCustomers(ctx, domain.CustomerQuery{Limit: 10})
	if err != nil || len(all) != 2 || all[0].ID != other.ID {
		t.Fatalf("list %+v %v", all, err)
	}
	mine, err := cs.ListCustomers(ctx, domain.CustomerQuery{UserID: c.UserID, Limit: 10})
	if err != nil || len(mine) != 1 || mine[0].ID != c.ID {
		t.Fatalf("own view %+v %v", mine, err)
	}
	if mine, err = cs.ListCustomers(ctx, domain.CustomerQuery{UserID: c.UserID, Search: "cust-02", Limit: 10}); err != nil || len(mine) != 0 {
		t.Fatalf("own view searching another %+v %v", mine, err)
	}
	found, err := cs.ListCustomers(ctx, domain.CustomerQuery{Search: "cust-0", Status: domain.CustomerFrozen, Limit: 10})
	if err != nil || len(found) != 1 || found[0].ID != c.ID {
		t.Fatalf("search %+v %v", found, err)
	}
}
