package store

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/partnerlab/storefront/internal/domain"
	"github.com/partnerlab/storefront/internal/store/internal/db"
)

// errPipelineRead: a statement that returns rows was asked for inside
// Tx.Pipeline, where nothing is sent until the pipeline ends. A
// programming error, found by the first test that takes that path.
var errPipelineRead = errors.New("store: a read inside Tx.Pipeline (only writes that need no result may be queued)")

// pipeline is the writes of one Tx.Pipeline, sent in one round trip when
// it ends. Each statement keeps its check: how its outcome (a command tag
// or an error) becomes the domain's answer.
type pipeline struct {
	batch  pgx.Batch
	checks []func(pgconn.CommandTag, error) error
	next   func(pgconn.CommandTag, error) error // set by expect
	// onFail undoes what queuing promised outside the database (a job
	// notification's slot) when the pipeline is not sent or fails.
	onFail []func()
}

// failed runs the onFail hooks once err is known; it returns err.
func (p *pipeline) failed(err error) error {
	if err != nil {
		for _, f := range p.onFail {
			f()
		}
	}
	return err
}

// expect sets the check of the next statement queued through pipeConn
// (a sqlc query whose command tag matters).
func (p *pipeline) expect(check func(pgconn.CommandTag, error) error) { p.next = check }

// queue adds a statement; check nil means moneyErr's translation, which
// knows every constraint a queued write may trip.
func (p *pipeline) queue(sql string, args []any, check func(pgconn.CommandTag, error) error) {
	if check == nil {
		check = func(_ pgconn.CommandTag, err error) error { return moneyErr(err, "write") }
	}
	p.batch.Queue(sql, args...)
	p.checks = append(p.checks, check)
}

// send runs the queued statements, in order, in one round trip on tx, and
// returns the first statement's failure (Postgres skips the rest, and the
// transaction is then aborted: the caller rolls back).
func (p *pipeline) send(ctx context.Context, tx pgx.Tx) error {
	if len(p.checks) == 0 {
		return nil
	}
	br := tx.SendBatch(ctx, &p.batch)
	first := p.read(br)
	if err := br.Close(); first == nil && err != nil {
		first = translate(err, "pipeline")
	}
	return first
}

// read reads the queued statements' results from br, in order, and
// returns the first failure.
func (p *pipeline) read(br pgx.BatchResults) error {
	var first error
	for _, check := range p.checks {
		tag, err := br.Exec()
		if first == nil {
			first = check(tag, err)
		}
	}
	return first
}

// pipeConn is the connection a Store inside a pipeline sees: Exec queues
// (and reports success: the outcome comes when the pipeline is sent);
// anything that reads is refused.
type pipeConn struct{ p *pipeline }

func (c pipeConn) Exec(_ context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	check := c.p.next
	c.p.next = nil
	c.p.queue(sql, args, check)
	return pgconn.CommandTag{}, nil
}

func (pipeConn) Query(context.Context, string, ...any) (pgx.Rows, error) {
	return nil, errPipelineRead
}

func (pipeConn) QueryRow(context.Context, string, ...any) pgx.Row {
	return &lazyRow{err: errPipelineRead}
}

func (pipeConn) Begin(context.Context) (pgx.Tx, error) { return nil, errPipelineRead }

// Pipeline implements domain.Tx: fn's writes are queued and sent to
// Postgres in one round trip when fn returns, instead of one round trip
// each. Only writes that need no result may be made in fn; a read fails.
// Inside a pipeline, MoneyStore.Transfer, SaveAnswer and Enqueue have
// forms that need no read (the overdraft and a taken key are found by
// constraints and command tags when the pipeline is sent; a job is the
// row River writes, jobs.go). A nested call joins the outer pipeline.
func (t txStore) Pipeline(ctx context.Context, fn func(domain.Tx) error) error {
	return t.pipeline(ctx, fn, false)
}

// PipelineAndCommit implements domain.Tx: Pipeline whose round trip also
// commits the transaction (lazyTx.commitWith). Where the transaction is
// not the store's own (a nested InTx), it is Pipeline, and the outer
// transaction commits as usual.
func (t txStore) PipelineAndCommit(ctx context.Context, fn func(domain.Tx) error) error {
	return t.pipeline(ctx, fn, true)
}

func (t txStore) pipeline(ctx context.Context, fn func(domain.Tx) error, commit bool) error {
	if t.pipe != nil {
		return fn(t)
	}
	p := &pipeline{}
	c := pipeConn{p}
	in := &Store{conn: c, q: db.New(c), tx: t.tx, jobs: t.jobs, pipe: p}
	if err := fn(txStore{in}); err != nil {
		return p.failed(err)
	}
	if lt, ok := t.tx.(*lazyTx); ok && commit && !t.nested {
		return p.failed(lt.commitWith(ctx, p))
	}
	return p.failed(p.send(ctx, t.tx))
}
