package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/partnerlab/storefront/internal/domain"
	"github.com/partnerlab/storefront/internal/store"
)

// customerFixture inserts a user and its customer with a Huawei id.
func customerFixture(t *testing.T, st *store.Store, pool *pgxpool.Pool, n int) uuid.UUID {
	t.Helper()
	ctx := context.Background()
	u := user(fmt.Sprintf("money%d@example.com", n))
	if err := st.Auth().CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	c := domain.Customer{ID: uuid.Must(uuid.NewV7()), UserID: u.ID, AccountName: fmt.Sprintf("money%d", n), Mobile: "13800000000", CreatedAt: t0, UpdatedAt: t0}
	if err := st.InTx(ctx, func(tx domain.Tx) error { return tx.Customers().CreateCustomer(ctx, c, "") }); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE customers SET huawei_domain_id = $1, registration_status = 'created' WHERE id = $2`, fmt.Sprintf("hw-%d", n), c.ID); err != nil {
		t.Fatal(err)
	}
	return c.ID
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func assertLedger(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	vs, err := store.VerifyLedger(context.Background(), pool)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		t.Errorf("ledger invariant broken: %s", v)
	}
}

func transfer(kind domain.TransferKind, from, to domain.LedgerAccount, amount string) domain.LedgerTransfer {
	return domain.LedgerTransfer{ID: uuid.Must(uuid.NewV7()), Kind: kind, From: from, To: to, Amount: dec(amount), Currency: "CNY", At: t0}
}

// TestLedger: transfers keep cached balances and entries together, refuse
// overdrafts by name, and the tables refuse changes.
func TestLedger(t *testing.T) {
	t.Parallel()
	_, st, pool := newStore(t)
	ctx := context.Background()
	m := st.Money()
	c := customerFixture(t, st, pool, 1)

	if _, err := m.AccountBalance(ctx, domain.PartnerAllocatable()); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("partner account before seeding: %v", err)
	}
	seed := transfer(domain.TransferFunding, domain.ExternalFunding(), domain.PartnerAllocatable(), "1000.00")
	seed.Reference = "seed:test"
	for i, want := range []bool{true, false} {
		ok, err := m.SeedPartner(ctx, seed)
		if err != nil || ok != want {
			t.Fatalf("seed %d: %v %v", i, ok, err)
		}
	}
	op := domain.MoneyOperation{ID: uuid.Must(uuid.NewV7()), Kind: domain.MoneyAllocation, CustomerID: c, HuaweiCustomerID: "hw-1",
		Amount: dec("400.00"), Currency: "CNY", Status: domain.MoneyPending, CreatedAt: t0, UpdatedAt: t0}
	hold := transfer(domain.TransferHold, domain.PartnerAllocatable(), domain.CustomerHeld(c), "400.00")
	hold.OperationID = op.ID
	err := st.InTx(ctx, func(tx domain.Tx) error {
		if err := tx.Money().CreateOperation(ctx, op); err != nil {
			return err
		}
		return tx.Money().Transfer(ctx, hold)
	})
	if err != nil {
		t.Fatal(err)
	}
	bal, err := m.CustomerBalance(ctx, c)
	if err != nil || !bal.Held.Equal(dec("400")) || !bal.Available.IsZero() || bal.Upstream != nil {
		t.Fatalf("balance %+v %v", bal, err)
	}
	assertLedger(t, pool)

	// An overdraft is refused before and by the database.
	big := transfer(domain.TransferSpend, domain.CustomerAvailable(c), domain.ExternalSpend(), "0.01")
	big.Reference = "r1"
	if err := m.Transfer(ctx, big); !errors.Is(err, domain.ErrOverdraft) {
		t.Fatalf("overdraft: %v", err)
	}
	_, err = pool.Exec(ctx, `UPDATE ledger_accounts SET balance = -1 WHERE kind = 'partner_allocatable'`)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.ConstraintName != "ledger_accounts_no_negative_balance" {
		t.Fatalf("negative balance: %v", err)
	}

	// Append-only.
	for _, q := range []string{
		`UPDATE ledger_entries SET amount = amount + 1`, `DELETE FROM ledger_entries`,
		`UPDATE ledger_transfers SET amount = 1`, `DELETE FROM ledger_transfers`, `TRUNCATE ledger_entries`,
	} {
		if _, err := pool.Exec(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v", q, err)
		}
	}
	// Named checks.
	for q, name := range map[string]string{
		`INSERT INTO ledger_transfers (id, kind, from_account, to_account, amount, created_at) SELECT gen_random_uuid(), 'funding', id, id, 1, now() FROM ledger_accounts LIMIT 1`: "ledger_transfers_distinct_accounts",
		`INSERT INTO ledger_transfers (id, kind, from_account, to_account, amount, created_at) SELECT gen_random_uuid(), 'funding', 1, 2, 0, now()`:                                "ledger_transfers_amount_positive",
	} {
		_, err := pool.Exec(ctx, q)
		if !errors.As(err, &pgErr) || pgErr.ConstraintName != name {
			t.Errorf("%s: %v, want %s", q, err, name)
		}
	}
	assertLedger(t, pool)

	// A broken cached balance is found (a repair outside the ledger).
	if _, err := pool.Exec(ctx, `UPDATE ledger_accounts SET balance = balance + 1 WHERE kind = 'partner_allocatable'`); err != nil {
		t.Fatal(err)
	}
	vs, err := store.VerifyLedger(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, v := range vs {
		found[v.Invariant] = true
	}
	for _, want := range []string{"cached_balance_is_sum_of_entries", "ledger_sums_to_zero", "partner_from_operations"} {
		if !found[want] {
			t.Errorf("invariant %s did not notice: %v", want, vs)
		}
	}
}

// TestTransferLockOrder: transfers in opposite directions between the same
// accounts, concurrently, never deadlock and keep the ledger whole.
func TestTransferLockOrder(t *testing.T) {
	t.Parallel()
	_, st, pool := newStore(t)
	ctx := context.Background()
	c := customerFixture(t, st, pool, 2)
	seed := transfer(domain.TransferFunding, domain.ExternalFunding(), domain.PartnerAllocatable(), "100000.00")
	seed.Reference = "seed"
	if _, err := st.Money().SeedPartner(ctx, seed); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			op := domain.MoneyOperation{ID: uuid.Must(uuid.NewV7()), Kind: domain.MoneyAllocation, CustomerID: c, HuaweiCustomerID: "hw-2",
				Amount: dec("1.00"), Currency: "CNY", Status: domain.MoneyPending, CreatedAt: t0, UpdatedAt: t0}
			errs <- st.InTx(ctx, func(tx domain.Tx) error {
				if err := tx.Money().CreateOperation(ctx, op); err != nil {
					return err
				}
				t1 := transfer(domain.TransferHold, domain.PartnerAllocatable(), domain.CustomerHeld(c), "1.00")
				t1.OperationID = op.ID
				if err := tx.Money().Transfer(ctx, t1); err != nil {
					return err
				}
				if i%2 == 0 {
					return nil
				}
				t2 := transfer(domain.TransferRelease, domain.CustomerHeld(c), domain.PartnerAllocatable(), "1.00")
				t2.OperationID = op.ID
				if err := tx.Money().Transfer(ctx, t2); err != nil {
					return err
				}
				op.Status = domain.MoneyFailed
				op.Error = &domain.UpstreamDetail{Outcome: domain.OutcomeDefinite, Message: "test"}
				return tx.Money().UpdateOperation(ctx, op)
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	bal, _ := st.Money().CustomerBalance(ctx, c)
	if !bal.Held.Equal(dec("100")) {
		t.Fatalf("held %s, want 100", bal.Held)
	}
	assertLedger(t, pool)
}

// TestOneOperationInFlight: the partial unique index keeps a second
// operation of a customer out of flight, and says so by name.
func TestOneOperationInFlight(t *testing.T) {
	t.Parallel()
	_, st, pool := newStore(t)
	ctx := context.Background()
	c := customerFixture(t, st, pool, 3)
	seed := transfer(domain.TransferFunding, domain.ExternalFunding(), domain.PartnerAllocatable(), "10.00")
	seed.Reference = "seed"
	if _, err := st.Money().SeedPartner(ctx, seed); err != nil {
		t.Fatal(err)
	}
	var ops []domain.MoneyOperation
	for range 2 {
		op := domain.MoneyOperation{ID: uuid.Must(uuid.NewV7()), Kind: domain.MoneyAllocation, CustomerID: c, HuaweiCustomerID: "hw-3",
			Amount: dec("1.00"), Currency: "CNY", Status: domain.MoneyPending, CreatedAt: t0, UpdatedAt: t0}
		err := st.InTx(ctx, func(tx domain.Tx) error {
			if err := tx.Money().CreateOperation(ctx, op); err != nil {
				return err
			}
			h := transfer(domain.TransferHold, domain.PartnerAllocatable(), domain.CustomerHeld(c), "1.00")
			h.OperationID = op.ID
			return tx.Money().Transfer(ctx, h)
		})
		if err != nil {
			t.Fatal(err)
		}
		ops = append(ops, op)
	}
	for i, op := range ops {
		op.Status, op.Attempt, op.StartedAt = domain.MoneyInFlight, 1, t0
		err := st.InTx(ctx, func(tx domain.Tx) error { return tx.Money().UpdateOperation(ctx, op) })
		if i == 0 && err != nil {
			t.Fatal(err)
		}
		if i == 1 && !errors.Is(err, domain.ErrMoneySlotTaken) {
			t.Fatalf("second in flight: %v", err)
		}
	}
	if h, err := st.Money().SlotHolder(ctx, c); err != nil || h.ID != ops[0].ID {
		t.Fatalf("slot holder %v %v", h.ID, err)
	}
	if n, err := st.Money().NextPending(ctx, c, ops[0].ID); err != nil || n.ID != ops[1].ID {
		t.Fatalf("next pending %v %v", n.ID, err)
	}
	assertLedger(t, pool)
}

// TestInvariantsParse: every invariant has a name, a rule and a query.
func TestInvariantsParse(t *testing.T) {
	t.Parallel()
	invs := store.Invariants()
	if len(invs) < 8 {
		t.Fatalf("%d invariants", len(invs))
	}
	seen := map[string]bool{}
	for _, inv := range invs {
		if inv.Name == "" || inv.About == "" || !strings.HasPrefix(strings.TrimSpace(inv.SQL), "SELECT") || seen[inv.Name] {
			t.Errorf("invariant %+v", inv)
		}
		seen[inv.Name] = true
	}
}
