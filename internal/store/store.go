// Package store is Storefront's Postgres: it opens the pool, applies the
// embedded migrations, and implements the domain's storage ports with
// queries compiled by sqlc (queries/*.sql → internal/db). Generated types
// never leave this package; errors are translated to the domain vocabulary.
package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerlab/storefront/internal/domain"
	"github.com/partnerlab/storefront/internal/store/internal/db"
)

// DBTX is what both a pool and a transaction offer.
type DBTX interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Begin(ctx context.Context) (pgx.Tx, error)
}

// Store implements the domain storage ports over a pool or, inside InTx, a
// transaction.
type Store struct {
	conn DBTX
	q    *db.Queries
	txn  bool
}

// New returns a Store on pool.
func New(pool *pgxpool.Pool) *Store {
	return &Store{conn: pool, q: db.New(pool)}
}

// maxTxAttempts bounds retries of serialization failures and deadlocks.
const maxTxAttempts = 3

// inTx runs fn in a transaction, retrying serialization failures (40001)
// and deadlocks (40P01), which are safe to retry because nothing committed.
// Nested calls reuse the outer transaction.
func (s *Store) inTx(ctx context.Context, fn func(*Store) error) error {
	if s.txn {
		return fn(s)
	}
	var err error
	for attempt := 1; attempt <= maxTxAttempts; attempt++ {
		err = pgx.BeginFunc(ctx, s.conn, func(tx pgx.Tx) error {
			return fn(&Store{conn: tx, q: db.New(tx), txn: true})
		})
		if !isRetryable(err) {
			if u := unavailable(err); u != nil { // Begin or Commit could not reach the database
				return u
			}
			return err
		}
		time.Sleep(time.Duration(attempt*attempt) * 10 * time.Millisecond)
	}
	return err
}

func isRetryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01")
}

// translate maps driver errors to the domain vocabulary: no rows → not
// found; unique violations by constraint name; an unreachable database →
// unavailable (errors.go). Anything else stays as is (an internal error for
// the caller).
func translate(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.Errorf(domain.CodeNotFound, "%s not found", what)
	}
	if u := unavailable(err); u != nil {
		return u
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505":
			if msg, ok := uniqueMessages[pgErr.ConstraintName]; ok {
				return domain.Wrap(err, domain.CodeAlreadyExists, msg)
			}
		case "40001", "40P01":
			return domain.Wrap(err, domain.CodeInProgress, "concurrent update; retry")
		}
	}
	return fmt.Errorf("store: %s: %w", what, err)
}

// uniqueMessages names every unique constraint a client can trip.
var uniqueMessages = map[string]string{
	"users_email_normalized_key": "an account with this email already exists",
}
