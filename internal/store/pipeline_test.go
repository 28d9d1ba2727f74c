package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/partnerlab/storefront/internal/domain"
)

// TestPipeline: writes queued in Tx.Pipeline reach the database in order
// when it ends, and every refusal the same writes meet one by one is still
// reported, by the same error: an overdraft, a missing account, a customer
// without that Huawei account, a taken Idempotency-Key, a read.
func TestPipeline(t *testing.T) {
	t.Parallel()
	_, st, pool := newStore(t)
	ctx := context.Background()
	c := customerFixture(t, st, pool, 7)
	op := func(amount string) domain.MoneyOperation {
		return domain.MoneyOperation{ID: uuid.Must(uuid.NewV7()), Kind: domain.MoneyAllocation, CustomerID: c, HuaweiCustomerID: "hw-7",
			Amount: dec(amount), Currency: "CNY", Status: domain.MoneyPending, CreatedAt: t0, UpdatedAt: t0}
	}
	hold := func(o domain.MoneyOperation) domain.LedgerTransfer {
		h := transfer(domain.TransferHold, domain.PartnerAllocatable(), domain.CustomerHeld(c), o.Amount.String())
		h.OperationID = o.ID
		return h
	}
	accept := func(o domain.MoneyOperation, key string) error {
		return st.InTx(ctx, func(tx domain.Tx) error {
			return tx.Pipeline(ctx, func(tx domain.Tx) error {
				if err := tx.Money().CreateOperation(ctx, o); err != nil {
					return err
				}
				if err := tx.Money().Transfer(ctx, hold(o)); err != nil {
					return err
				}
				if key == "" {
					return nil
				}
				k := domain.IdempotencyKey{Principal: domain.Principal{Kind: domain.PrincipalUser, ID: uuid.Nil}, Key: key}
				_, err := tx.SaveAnswer(ctx, k, domain.IdempotencyRecord{Fingerprint: []byte{1}, Completed: true, Status: 202, Body: []byte(`{}`)}, t0)
				return err
			})
		})
	}
	operations := func() int {
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM money_operations`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	// No partner account yet: not found (the caller seeds it and retries).
	if err := accept(op("1.00"), ""); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("without the partner's account: %v", err)
	}
	seed := transfer(domain.TransferFunding, domain.ExternalFunding(), domain.PartnerAllocatable(), "100.00")
	seed.Reference = "seed"
	if _, err := st.Money().SeedPartner(ctx, seed); err != nil {
		t.Fatal(err)
	}
	// The customer's accounts are not opened by a pipeline.
	if err := accept(op("1.00"), ""); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("without the customer's accounts: %v", err)
	}
	if err := st.Money().OpenCustomerAccounts(ctx, c, t0); err != nil {
		t.Fatal(err)
	}
	if err := accept(op("60.00"), "k1"); err != nil {
		t.Fatal(err)
	}
	if err := accept(op("50.00"), ""); !errors.Is(err, domain.ErrOverdraft) {
		t.Fatalf("overdraft: %v", err)
	}
	if err := accept(op("1.00"), "k1"); !errors.Is(err, domain.ErrAnswerTaken) {
		t.Fatalf("taken key: %v", err)
	}
	stale := op("1.00")
	stale.HuaweiCustomerID = "hw-other"
	if err := accept(stale, ""); !errors.Is(err, domain.ErrCustomerMismatch) {
		t.Fatalf("another Huawei account: %v", err)
	}
	err := st.InTx(ctx, func(tx domain.Tx) error {
		return tx.Pipeline(ctx, func(tx domain.Tx) error {
			_, err := tx.Money().Operation(ctx, uuid.New())
			return err
		})
	})
	if err == nil || errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("a read inside a pipeline: %v", err)
	}
	if n := operations(); n != 1 {
		t.Fatalf("%d operations, want 1: a refused pipeline wrote", n)
	}
	bal, err := st.Money().CustomerBalance(ctx, c)
	if err != nil || !bal.Held.Equal(dec("60")) {
		t.Fatalf("held %s %v, want 60", bal.Held, err)
	}

	// Concurrent pipelines on the same accounts: exactly the 40.00 left is
	// held, nothing deadlocks (the accounts are locked in id order).
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, over := 0, 0
	for range 60 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := accept(op("1.00"), "")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, domain.ErrOverdraft):
				over++
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if ok != 40 || over != 20 {
		t.Fatalf("%d accepted, %d overdrafts; want 40, 20", ok, over)
	}
	assertLedger(t, pool)
}
