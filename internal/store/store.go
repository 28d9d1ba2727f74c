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
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

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

// Store implements domain.Store over a pool and, inside InTx, domain.Tx over
// one transaction.
type Store struct {
	conn DBTX
	q    *db.Queries
	tx   pgx.Tx // set inside InTx
	jobs *jobs
	pipe *pipeline // set inside Tx.Pipeline
	// nested: inside an InTx inside another; the transaction is the outer
	// one's to commit.
	nested bool
}

var (
	_ domain.Store = (*Store)(nil)
	_ domain.Tx    = txStore{}
)

// New returns a Store on pool. Its jobs are inserted by an insert-only River
// client on the same pool; the client that works them is the caller's.
func New(pool *pgxpool.Pool) (*Store, error) {
	inserter, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		return nil, fmt.Errorf("store: river inserter: %w", err)
	}
	return &Store{conn: pool, q: db.New(pool), jobs: &jobs{river: inserter}}, nil
}

// Auth is the users-and-credentials store.
func (s *Store) Auth() domain.AuthStore { return &AuthStore{s: s} }

// InTx implements domain.Store.
func (s *Store) InTx(ctx context.Context, fn func(domain.Tx) error) error {
	return s.inTx(ctx, func(t *Store) error { return fn(txStore{t}) })
}

// txStore is the domain.Tx view: what may only happen inside a transaction.
type txStore struct{ *Store }

func (t txStore) Audit() domain.AuditStore { return auditStore{t.Store} }

// Enqueue inserts job with River on this transaction's connection, so the
// job exists exactly when the transaction commits; inside a pipeline it
// queues the row River would write (jobs.queue).
func (t txStore) Enqueue(ctx context.Context, job domain.Job) error {
	if t.pipe != nil {
		return t.jobs.queue(t.pipe, job)
	}
	var opts *river.InsertOpts
	if j, ok := job.(domain.JobWithOptions); ok {
		o := j.JobOptions()
		opts = &river.InsertOpts{ScheduledAt: o.RunAt, MaxAttempts: o.MaxAttempts}
		if o.Unique {
			// While pending or running (domain.JobOptions): a completed job
			// does not block the same work from being asked for again.
			opts.UniqueOpts = river.UniqueOpts{ByArgs: true, ByState: uniqueStates}
		}
	}
	res, err := t.jobs.river.InsertTx(ctx, t.tx, job, opts)
	if err != nil {
		return translate(err, "job "+job.Kind())
	}
	// River inserts a job with a future ScheduledAt as "scheduled", and only
	// its scheduler, every 5 s, makes it "available". A job due sooner is
	// made available at once with its scheduled_at kept, as River itself
	// does with short retries and snoozes: workers still fetch it only once
	// scheduled_at has passed, so short delays (review polling) are kept
	// instead of rounded up to the scheduler's tick.
	if opts != nil && !opts.ScheduledAt.IsZero() && !res.UniqueSkippedAsDuplicate &&
		res.Job.State == rivertype.JobStateScheduled && time.Until(opts.ScheduledAt) < riverSchedulerInterval {
		_, err = t.tx.Exec(ctx, `UPDATE river_job SET state = 'available' WHERE id = $1 AND state = 'scheduled'`, res.Job.ID)
		return translate(err, "job "+job.Kind())
	}
	return nil
}

// riverSchedulerInterval is River's (unconfigurable) scheduler period.
const riverSchedulerInterval = 5 * time.Second

// uniqueStates are the states in which a unique job blocks another one with
// the same arguments: River's default without completed.
var uniqueStates = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
	rivertype.JobStateRunning, rivertype.JobStateScheduled,
}

// maxTxAttempts bounds retries of serialization failures and deadlocks.
const maxTxAttempts = 3

// inTx runs fn in a transaction, retrying serialization failures (40001)
// and deadlocks (40P01), which are safe to retry because nothing committed.
// Nested calls reuse the outer transaction.
func (s *Store) inTx(ctx context.Context, fn func(*Store) error) error {
	if s.tx != nil {
		in := *s
		in.nested = true
		return fn(&in)
	}
	var err error
	for attempt := 1; attempt <= maxTxAttempts; attempt++ {
		err = s.beginFunc(ctx, func(tx pgx.Tx) error {
			return fn(&Store{conn: tx, q: db.New(tx), tx: tx, jobs: s.jobs})
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

// beginFunc runs fn in a transaction and commits it when fn returns nil
// (rolls it back otherwise), as pgx.BeginFunc does; on a pool the
// transaction is a lazyTx, whose BEGIN and COMMIT share round trips with
// its statements.
func (s *Store) beginFunc(ctx context.Context, fn func(pgx.Tx) error) (err error) {
	pool, ok := s.conn.(*pgxpool.Pool)
	if !ok {
		return pgx.BeginFunc(ctx, s.conn, fn)
	}
	c, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer c.Release() // destroys the connection unless it is idle
	tx := &lazyTx{conn: c.Conn()}
	defer func() {
		if rerr := tx.Rollback(ctx); rerr != nil && !errors.Is(rerr, pgx.ErrTxClosed) && err == nil {
			err = rerr
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	if tx.closed { // fn's last pipeline committed (PipelineAndCommit)
		return nil
	}
	return tx.Commit(ctx)
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
	"customers_user_id_key":      "this user is already a customer",
	"users_customer_id_key":      "this user is already a customer",
	"customers_account_name_key": "this account name is taken",
}
