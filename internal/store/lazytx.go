package store

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// lazyTx is a pgx.Tx whose BEGIN is not a round trip of its own: it goes
// to Postgres in one pipeline with the transaction's first statement, and
// commitWith sends a transaction's last writes and its COMMIT in one
// pipeline too. pgx's own transaction waits for BEGIN and for COMMIT, two
// round trips more than accepting an allocation needs (it is one: BEGIN,
// its writes and COMMIT in one pipeline).
//
// A transaction that sent nothing commits and rolls back without a round
// trip. Whether Postgres is in a transaction is read from the connection
// (TxStatus), never assumed, so a failed pipeline or a failed COMMIT leaves
// the state Postgres reports: Rollback sends ROLLBACK only when a
// transaction is open, and the pool destroys a connection released in any
// state but idle.
type lazyTx struct {
	conn   *pgx.Conn
	begun  bool // BEGIN was sent
	closed bool // committed or rolled back (by us or by Postgres)
}

var _ pgx.Tx = (*lazyTx)(nil)

// errNestedTx: a savepoint transaction inside lazyTx. Nothing in the store
// asks for one (a nested InTx reuses the outer transaction).
var errNestedTx = errors.New("store: nested transactions (savepoints) are not supported")

// withBegin is b preceded by BEGIN when the transaction has not begun.
func (t *lazyTx) withBegin(b *pgx.Batch) *pgx.Batch {
	if t.begun {
		return b
	}
	nb := &pgx.Batch{QueuedQueries: make([]*pgx.QueuedQuery, 0, len(b.QueuedQueries)+1)}
	nb.Queue("begin")
	nb.QueuedQueries = append(nb.QueuedQueries, b.QueuedQueries...)
	return nb
}

// send sends b (with BEGIN first if need be) and returns its results with
// BEGIN's consumed. A BEGIN that failed is returned as the error; the
// results are then closed.
func (t *lazyTx) send(ctx context.Context, b *pgx.Batch) (pgx.BatchResults, error) {
	if t.closed {
		return nil, pgx.ErrTxClosed
	}
	if t.begun {
		return t.conn.SendBatch(ctx, b), nil
	}
	br := t.conn.SendBatch(ctx, t.withBegin(b))
	if _, err := br.Exec(); err != nil {
		_ = br.Close()
		return nil, err
	}
	t.begun = true
	return br, nil
}

func (t *lazyTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if t.closed {
		return pgconn.CommandTag{}, pgx.ErrTxClosed
	}
	if t.begun {
		return t.conn.Exec(ctx, sql, args...)
	}
	b := &pgx.Batch{}
	b.Queue(sql, args...)
	br, err := t.send(ctx, b)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return tag, err
}

func (t *lazyTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if t.closed {
		return nil, pgx.ErrTxClosed
	}
	if t.begun {
		return t.conn.Query(ctx, sql, args...)
	}
	b := &pgx.Batch{}
	b.Queue(sql, args...)
	br, err := t.send(ctx, b)
	if err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		_ = br.Close()
		return nil, err
	}
	return &batchRows{Rows: rows, br: br}, nil
}

func (t *lazyTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	rows, err := t.Query(ctx, sql, args...)
	return &lazyRow{rows: rows, err: err}
}

func (t *lazyTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	br, err := t.send(ctx, b)
	if err != nil {
		return errBatchResults{err}
	}
	return br
}

func (t *lazyTx) CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error) {
	if err := t.begin(ctx); err != nil {
		return 0, err
	}
	return t.conn.CopyFrom(ctx, table, columns, src)
}

// begin sends BEGIN alone (for what cannot carry it: COPY).
func (t *lazyTx) begin(ctx context.Context) error {
	if t.closed {
		return pgx.ErrTxClosed
	}
	if t.begun {
		return nil
	}
	if _, err := t.conn.Exec(ctx, "begin"); err != nil {
		return err
	}
	t.begun = true
	return nil
}

func (t *lazyTx) Begin(context.Context) (pgx.Tx, error) { return nil, errNestedTx }

func (t *lazyTx) LargeObjects() pgx.LargeObjects { return pgx.LargeObjects{} }

func (t *lazyTx) Prepare(ctx context.Context, name, sql string) (*pgconn.StatementDescription, error) {
	return t.conn.Prepare(ctx, name, sql)
}

func (t *lazyTx) Conn() *pgx.Conn { return t.conn }

func (t *lazyTx) Commit(ctx context.Context) error {
	if t.closed {
		return pgx.ErrTxClosed
	}
	if !t.begun {
		t.closed = true
		return nil
	}
	tag, err := t.conn.Exec(ctx, "commit")
	t.closed = t.conn.PgConn().TxStatus() == 'I'
	if err != nil {
		return err
	}
	if tag.String() == "ROLLBACK" { // the transaction had failed: Postgres rolled it back
		return pgx.ErrTxCommitRollback
	}
	return nil
}

func (t *lazyTx) Rollback(ctx context.Context) error {
	if t.closed {
		return pgx.ErrTxClosed
	}
	t.closed = true
	if !t.begun || t.conn.PgConn().TxStatus() == 'I' {
		return nil
	}
	if _, err := t.conn.Exec(ctx, "rollback"); err != nil {
		// The connection's state is unknown: close it (the pool then
		// destroys it) rather than hand it to the next transaction.
		_ = t.conn.Close(context.WithoutCancel(ctx))
		return err
	}
	return nil
}

// commitWith sends p's writes and COMMIT in one round trip (with BEGIN
// first if nothing was sent yet): the transaction ends with it. A write's
// failure is p's error, COMMIT is then skipped by Postgres, and the
// transaction is left for Rollback; a failed COMMIT is returned as is.
func (t *lazyTx) commitWith(ctx context.Context, p *pipeline) error {
	if t.closed {
		return pgx.ErrTxClosed
	}
	b := &p.batch
	b.Queue("commit")
	br, err := t.send(ctx, b)
	if err != nil {
		return err
	}
	first := p.read(br)
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	t.closed = t.conn.PgConn().TxStatus() == 'I'
	if first != nil {
		return first
	}
	if err != nil {
		return translate(err, "commit")
	}
	if tag.String() == "ROLLBACK" {
		return pgx.ErrTxCommitRollback
	}
	return nil
}

// batchRows are the rows of a query sent in a pipeline: closing them also
// reads the rest of the pipeline's answer.
type batchRows struct {
	pgx.Rows
	br  pgx.BatchResults
	err error
}

func (r *batchRows) Close() {
	r.Rows.Close()
	if r.br != nil {
		if err := r.br.Close(); err != nil && r.err == nil {
			r.err = err
		}
		r.br = nil
	}
}

func (r *batchRows) Err() error {
	if err := r.Rows.Err(); err != nil {
		return err
	}
	return r.err
}

func (r *batchRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	r.Close()
	return false
}

// lazyRow is QueryRow's row, as pgx's: the first row, or pgx.ErrNoRows.
type lazyRow struct {
	rows pgx.Rows
	err  error
}

func (r *lazyRow) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	defer r.rows.Close()
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return pgx.ErrNoRows
	}
	if err := r.rows.Scan(dest...); err != nil {
		return err
	}
	r.rows.Close()
	return r.rows.Err()
}

// errBatchResults answers every read of a batch that could not be sent.
type errBatchResults struct{ err error }

func (e errBatchResults) Exec() (pgconn.CommandTag, error) { return pgconn.CommandTag{}, e.err }
func (e errBatchResults) Query() (pgx.Rows, error)         { return nil, e.err }
func (e errBatchResults) QueryRow() pgx.Row                { return &lazyRow{err: e.err} }
func (e errBatchResults) Close() error                     { return e.err }
func (e errBatchResults) Tx() pgx.Tx                       { return nil }
