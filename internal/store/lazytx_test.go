package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/partnerlab/storefront/internal/domain"
)

// TestLazyTransactions: transactions whose BEGIN rides with their first
// statement and whose COMMIT may ride with their last pipeline keep every
// promise of a transaction: all or nothing, reads see their own writes, a
// failure rolls back and leaves the connection usable, and a nested
// transaction never commits the outer one.
func TestLazyTransactions(t *testing.T) {
	t.Parallel()
	_, st, pool := newStore(t)
	ctx := context.Background()
	count := func() int {
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	boom := errors.New("boom")
	add := func(tx domain.Tx, email string) error { return tx.Auth().CreateUser(ctx, user(email)) }

	// Nothing sent: commit and rollback are free and harmless.
	if err := st.InTx(ctx, func(domain.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if err := st.InTx(ctx, func(domain.Tx) error { return boom }); !errors.Is(err, boom) {
		t.Fatal(err)
	}
	// A read first (BEGIN rides with it), then writes, then a read of them.
	err := st.InTx(ctx, func(tx domain.Tx) error {
		if _, err := tx.Auth().UserByEmail(ctx, "nobody@example.com"); !errors.Is(err, domain.ErrNotFound) {
			return err
		}
		if err := add(tx, "lazy1@example.com"); err != nil {
			return err
		}
		_, err := tx.Auth().UserByEmail(ctx, "lazy1@example.com")
		return err
	})
	if err != nil || count() != 1 {
		t.Fatalf("read, write, read: %v, %d users", err, count())
	}
	// A failure after writes rolls them back.
	err = st.InTx(ctx, func(tx domain.Tx) error {
		if err := add(tx, "lazy2@example.com"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) || count() != 1 {
		t.Fatalf("rolled back: %v, %d users", err, count())
	}
	// A statement that fails (a duplicate) aborts the transaction; the next
	// one on the pool works.
	err = st.InTx(ctx, func(tx domain.Tx) error { return add(tx, "lazy1@example.com") })
	if !errors.Is(err, domain.ErrAlreadyExists) {
		t.Fatalf("duplicate: %v", err)
	}
	// The last pipeline commits: its writes and the earlier ones are kept.
	err = st.InTx(ctx, func(tx domain.Tx) error {
		if err := add(tx, "lazy3@example.com"); err != nil {
			return err
		}
		return tx.PipelineAndCommit(ctx, func(tx domain.Tx) error { return add(tx, "lazy4@example.com") })
	})
	if err != nil || count() != 3 {
		t.Fatalf("pipeline and commit: %v, %d users", err, count())
	}
	// A pipeline that fails commits nothing, not even what came before it.
	err = st.InTx(ctx, func(tx domain.Tx) error {
		if err := add(tx, "lazy5@example.com"); err != nil {
			return err
		}
		return tx.PipelineAndCommit(ctx, func(tx domain.Tx) error { return add(tx, "lazy1@example.com") })
	})
	if !errors.Is(err, domain.ErrAlreadyExists) || count() != 3 {
		t.Fatalf("failed pipeline: %v, %d users", err, count())
	}
	// Only a pipeline: BEGIN, writes and COMMIT in one round trip.
	if err := st.InTx(ctx, func(tx domain.Tx) error {
		return tx.PipelineAndCommit(ctx, func(tx domain.Tx) error { return add(tx, "lazy6@example.com") })
	}); err != nil || count() != 4 {
		t.Fatalf("pipeline only: %v, %d users", err, count())
	}
	// PipelineAndCommit is the transaction's last step: after it, the
	// transaction is over and a statement fails loudly.
	err = st.InTx(ctx, func(tx domain.Tx) error {
		if err := tx.PipelineAndCommit(ctx, func(tx domain.Tx) error { return add(tx, "lazy7@example.com") }); err != nil {
			return err
		}
		return add(tx, "lazy8@example.com")
	})
	if err == nil || count() != 5 {
		t.Fatalf("after the commit: %v, %d users", err, count())
	}
	// A transaction nested in another (InTx on a transaction's store)
	// leaves the commit to the outer one: its PipelineAndCommit only
	// sends, and the outer failure keeps nothing.
	err = st.InTx(ctx, func(tx domain.Tx) error {
		err := tx.(domain.Store).InTx(ctx, func(inner domain.Tx) error {
			return inner.PipelineAndCommit(ctx, func(tx domain.Tx) error { return add(tx, "lazy9@example.com") })
		})
		if err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) || count() != 5 {
		t.Fatalf("nested: %v, %d users", err, count())
	}
	// Many at once on a small pool: no connection is left in a transaction.
	errs := make(chan error, 40)
	for i := range 40 {
		go func() {
			errs <- st.InTx(ctx, func(tx domain.Tx) error {
				if err := add(tx, uuid.NewString()+"@example.com"); err != nil {
					return err
				}
				if i%2 == 0 {
					return boom
				}
				return tx.PipelineAndCommit(ctx, func(tx domain.Tx) error { return nil })
			})
		}()
	}
	for i := range 40 {
		if err := <-errs; err != nil && !errors.Is(err, boom) {
			t.Fatal(i, err)
		}
	}
	if count() != 25 {
		t.Fatalf("%d users, want 25", count())
	}
}
