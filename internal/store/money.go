package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/shopspring/decimal"

	"github.com/partnerlab/storefront/internal/domain"
	"github.com/partnerlab/storefront/internal/store/internal/db"
)

// MoneyStore implements domain.MoneyStore.
type MoneyStore struct{ s *Store }

var _ domain.MoneyStore = (*MoneyStore)(nil)

// Money is the money store: operations, the ledger, reconciliation runs.
func (s *Store) Money() domain.MoneyStore { return &MoneyStore{s: s} }

// Wake implements domain.Tx.
func (t txStore) Wake(ctx context.Context, job domain.Job) error {
	args, err := json.Marshal(job)
	if err != nil {
		return fmt.Errorf("store: wake %s: %w", job.Kind(), err)
	}
	_, err = t.q.WakeJob(ctx, db.WakeJobParams{Kind: job.Kind(), Args: args})
	return translate(err, "job "+job.Kind())
}

// moneyErr translates the money tables' constraint names to the domain's
// errors, then falls back on translate.
func moneyErr(err error, what string) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.ConstraintName {
		case "money_operations_one_in_flight":
			return domain.ErrMoneySlotTaken
		case "ledger_accounts_no_negative_balance":
			return domain.ErrOverdraft
		case "money_operations_request_key":
			return domain.Wrap(err, domain.CodeAlreadyExists, "this request already made an operation")
		case "money_operations_upstream_ref_key":
			return domain.Wrap(err, domain.CodeAlreadyExists, "this upstream reference belongs to another operation")
		case "ledger_transfers_reference_key":
			return domain.Wrap(err, domain.CodeAlreadyExists, "this funding or spend is booked already")
		}
		if pgErr.Code == "23502" && pgErr.TableName == "ledger_transfers" && (pgErr.ColumnName == "from_account" || pgErr.ColumnName == "to_account") {
			// ApplyTransferByKind found no such account.
			return domain.Wrap(err, domain.CodeNotFound, "ledger account not found")
		}
	}
	return translate(err, what)
}

// accountCustomer is the account's customer; uuid.Nil stands for "no
// customer" in account lookups (the index is on coalesce(customer_id, nil)).
func accountCustomer(a domain.LedgerAccount) uuid.UUID { return a.CustomerID }

func (m *MoneyStore) CreateOperation(ctx context.Context, op domain.MoneyOperation) error {
	created := func(n int64, err error) error {
		if err == nil && n == 0 {
			return domain.ErrCustomerMismatch
		}
		return moneyErr(err, "money operation")
	}
	if m.s.pipe != nil {
		m.s.pipe.expect(func(tag pgconn.CommandTag, err error) error { return created(tag.RowsAffected(), err) })
	}
	n, err := m.s.q.CreateMoneyOperation(ctx, db.CreateMoneyOperationParams{
		ID: op.ID, Kind: string(op.Kind), CustomerID: op.CustomerID, HuaweiCustomerID: op.HuaweiCustomerID,
		Amount: op.Amount, Currency: op.Currency, Status: string(op.Status), Memo: nullable(op.Memo),
		CreatedBy: optUUID(op.CreatedBy), RequestKey: nullable(op.RequestKey), OrderID: optUUID(op.OrderID),
		PayOrderID: nullable(op.PayOrderID), CreatedAt: op.CreatedAt, UpdatedAt: op.UpdatedAt,
	})
	if m.s.pipe != nil {
		return nil // checked when the pipeline is sent
	}
	return created(n, err)
}

func (m *MoneyStore) Operation(ctx context.Context, id uuid.UUID) (domain.MoneyOperation, error) {
	r, err := m.s.q.MoneyOperation(ctx, id)
	if err != nil {
		return domain.MoneyOperation{}, translate(err, "money operation")
	}
	return operationFromDB(r)
}

func (m *MoneyStore) OperationForUpdate(ctx context.Context, id uuid.UUID) (domain.MoneyOperation, error) {
	r, err := m.s.q.MoneyOperationForUpdate(ctx, id)
	if err != nil {
		return domain.MoneyOperation{}, translate(err, "money operation")
	}
	return operationFromDB(r)
}

func (m *MoneyStore) OperationByRequestKey(ctx context.Context, createdBy uuid.UUID, key string) (domain.MoneyOperation, error) {
	r, err := m.s.q.MoneyOperationByRequestKey(ctx, db.MoneyOperationByRequestKeyParams{CreatedBy: &createdBy, RequestKey: &key})
	if err != nil {
		return domain.MoneyOperation{}, translate(err, "money operation")
	}
	return operationFromDB(r)
}

func (m *MoneyStore) OperationsByRefs(ctx context.Context, refs []string) ([]domain.MoneyOperation, error) {
	if len(refs) == 0 {
		return nil, nil
	}
	rows, err := m.s.q.MoneyOperationsByRefs(ctx, refs)
	return operationsFromDB(rows, err)
}

func (m *MoneyStore) UpdateOperation(ctx context.Context, op domain.MoneyOperation) error {
	p := db.UpdateMoneyOperationParams{
		ID: op.ID, Status: string(op.Status), UpstreamRef: nullable(op.UpstreamRef), Attempt: int32(op.Attempt),
		StartedAt: optTime(op.StartedAt), UnknownAt: optTime(op.UnknownAt), Checks: int32(op.Checks), UpdatedAt: op.UpdatedAt,
		PayOrderID: nullable(op.PayOrderID),
	}
	if e := op.Error; e != nil {
		st := int32(e.HTTPStatus)
		p.ErrorOperation, p.ErrorStatus, p.ErrorCode = nullable(e.Operation), &st, nullable(e.Code)
		p.ErrorMessage, p.ErrorOutcome = nullable(e.Message), nullable(string(e.Outcome))
	}
	var err error
	if len(op.Evidence) > 0 {
		if p.Evidence, err = json.Marshal(evidenceToDB(op.Evidence)); err != nil {
			return err
		}
	}
	if r := op.Resolution; r != nil {
		if p.Resolution, err = json.Marshal(resolutionToDB(*r)); err != nil {
			return err
		}
	}
	n, err := m.s.q.UpdateMoneyOperation(ctx, p)
	if err != nil {
		return moneyErr(err, "money operation")
	}
	if n == 0 {
		return domain.Errorf(domain.CodeNotFound, "money operation not found")
	}
	return nil
}

func (m *MoneyStore) ListOperations(ctx context.Context, f domain.MoneyFilter, before uuid.UUID, limit int) ([]domain.MoneyOperation, error) {
	rows, err := m.s.q.ListMoneyOperations(ctx, db.ListMoneyOperationsParams{
		BeforeID: optUUID(before), ByCustomer: optUUID(f.CustomerID), ByKind: nullable(string(f.Kind)),
		ByStatus: nullable(string(f.Status)), FromTime: optTime(f.From), ToTime: optTime(f.To), MaxRows: int32(limit),
	})
	return operationsFromDB(rows, err)
}

func (m *MoneyStore) SucceededOperations(ctx context.Context, from, to time.Time) ([]domain.MoneyOperation, error) {
	rows, err := m.s.q.SucceededMoneyOperations(ctx, db.SucceededMoneyOperationsParams{FromTime: &from, ToTime: &to})
	return operationsFromDB(rows, err)
}

func (m *MoneyStore) OpenOperations(ctx context.Context) ([]domain.MoneyOperation, error) {
	rows, err := m.s.q.OpenMoneyOperations(ctx)
	return operationsFromDB(rows, err)
}

func (m *MoneyStore) SlotHolder(ctx context.Context, customerID uuid.UUID) (domain.MoneyOperation, error) {
	r, err := m.s.q.MoneySlotHolder(ctx, customerID)
	if err != nil {
		return domain.MoneyOperation{}, translate(err, "money operation")
	}
	return operationFromDB(r)
}

func (m *MoneyStore) NextPending(ctx context.Context, customerID, except uuid.UUID) (domain.MoneyOperation, error) {
	r, err := m.s.q.NextPendingMoneyOperation(ctx, db.NextPendingMoneyOperationParams{CustomerID: customerID, ExceptID: except})
	if err != nil {
		return domain.MoneyOperation{}, translate(err, "money operation")
	}
	return operationFromDB(r)
}

func (m *MoneyStore) CustomerActivity(ctx context.Context, customerID uuid.UUID) (bool, time.Time, error) {
	r, err := m.s.q.CustomerMoneyActivity(ctx, customerID)
	if err != nil {
		return false, time.Time{}, translate(err, "money operations")
	}
	return r.Open, r.LastChange, nil
}

// Transfer implements domain.MoneyStore: accounts locked in id order, then
// one statement writes both balances, the transfer and its entries.
func (m *MoneyStore) Transfer(ctx context.Context, t domain.LedgerTransfer) error {
	if !t.Amount.IsPositive() || !t.Amount.Equal(t.Amount.Round(2)) {
		return fmt.Errorf("store: transfer %s of %s: the amount must be positive, in fen", t.Kind, t.Amount)
	}
	if t.From.Kind == t.To.Kind { // the model never moves money between two accounts of one kind
		return fmt.Errorf("store: transfer %s between two %s accounts", t.Kind, t.From.Kind)
	}
	if m.s.pipe != nil {
		m.queueTransfer(ctx, t)
		return nil
	}
	rows, err := m.lockPair(ctx, t)
	if err != nil {
		return translate(err, "ledger accounts")
	}
	if len(rows) != 2 {
		return domain.Errorf(domain.CodeNotFound, "ledger account of %s → %s not found", t.From.Kind, t.To.Kind)
	}
	var from, to db.LockAccountPairRow
	for _, r := range rows {
		if r.Kind == string(t.From.Kind) {
			from = r
		} else {
			to = r
		}
	}
	if !t.From.Kind.External() && from.Balance.LessThan(t.Amount) {
		return domain.ErrOverdraft
	}
	cur := t.Currency
	if cur == "" {
		cur = domain.CurrencyCNY
	}
	err = m.s.q.ApplyTransfer(ctx, db.ApplyTransferParams{
		ID: t.ID, Kind: string(t.Kind), FromAccount: from.ID, ToAccount: to.ID, Amount: t.Amount, Currency: cur,
		OperationID: optUUID(t.OperationID), Reference: nullable(t.Reference), CreatedAt: t.At,
		FromEntry: uuid.Must(uuid.NewV7()), ToEntry: uuid.Must(uuid.NewV7()),
	})
	return moneyErr(err, "ledger transfer")
}

// queueTransfer is Transfer inside Tx.Pipeline: one statement that locks
// both accounts in id order and moves the amount, with nothing read back.
// It does not open the customer's accounts (OpenCustomerAccounts): a
// missing account is ErrNotFound, and an overdraft ErrOverdraft, when the
// pipeline is sent (ApplyTransferByKind; moneyErr).
func (m *MoneyStore) queueTransfer(ctx context.Context, t domain.LedgerTransfer) {
	cur := t.Currency
	if cur == "" {
		cur = domain.CurrencyCNY
	}
	from, to := accountCustomer(t.From), accountCustomer(t.To)
	_ = m.s.q.ApplyTransferByKind(ctx, db.ApplyTransferByKindParams{
		ID: t.ID, Kind: string(t.Kind), FromKind: string(t.From.Kind), FromCustomer: from, ToKind: string(t.To.Kind), ToCustomer: to,
		Amount: t.Amount, Currency: cur, OperationID: optUUID(t.OperationID), Reference: nullable(t.Reference), CreatedAt: t.At,
		FromEntry: uuid.Must(uuid.NewV7()), ToEntry: uuid.Must(uuid.NewV7()),
	})
}

// transferCustomer is the customer whose accounts t touches (one per
// transfer), or nil.
func transferCustomer(t domain.LedgerTransfer) *uuid.UUID {
	for _, a := range []domain.LedgerAccount{t.From, t.To} {
		if a.CustomerID != uuid.Nil {
			id := a.CustomerID
			return &id
		}
	}
	return nil
}

// lockPair opens the transfer's customer accounts if need be and locks
// both accounts. A customer's accounts are opened by its first transfer,
// before any lock is taken, so that two first transfers cannot deadlock;
// inside a transaction both statements go in one round trip (a pipeline:
// they still run in this order).
func (m *MoneyStore) lockPair(ctx context.Context, t domain.LedgerTransfer) ([]db.LockAccountPairRow, error) {
	customer := transferCustomer(t) // both of its accounts are opened together
	lock := db.LockAccountPairParams{
		FromKind: string(t.From.Kind), FromCustomer: accountCustomer(t.From), ToKind: string(t.To.Kind), ToCustomer: accountCustomer(t.To),
	}
	if customer == nil {
		return m.s.q.LockAccountPair(ctx, lock)
	}
	if m.s.tx == nil {
		if err := m.s.q.EnsureCustomerAccounts(ctx, db.EnsureCustomerAccountsParams{CustomerID: customer, Now: t.At}); err != nil {
			return nil, err
		}
		return m.s.q.LockAccountPair(ctx, lock)
	}
	b := &pgx.Batch{}
	b.Queue(ensureCustomerAccountsSQL, customer, t.At)
	b.Queue(lockAccountPairSQL, lock.FromKind, lock.FromCustomer, lock.ToKind, lock.ToCustomer)
	br := m.s.tx.SendBatch(ctx, b)
	defer br.Close()
	if _, err := br.Exec(); err != nil {
		return nil, err
	}
	res, err := br.Query()
	if err != nil {
		return nil, err
	}
	rows, err := pgx.CollectRows(res, func(r pgx.CollectableRow) (db.LockAccountPairRow, error) {
		var row db.LockAccountPairRow
		return row, r.Scan(&row.ID, &row.Kind, &row.Balance)
	})
	if err != nil {
		return nil, err
	}
	return rows, br.Close()
}

// The statements of EnsureCustomerAccounts and LockAccountPair
// (queries/money.sql), for lockPair's pipeline; store tests run both paths.
const (
	ensureCustomerAccountsSQL = `INSERT INTO ledger_accounts (kind, customer_id, created_at, updated_at)
VALUES ('customer_available', $1, $2, $2), ('customer_held', $1, $2, $2)
ON CONFLICT DO NOTHING`
	lockAccountPairSQL = `SELECT id, kind, balance FROM ledger_accounts
WHERE (kind = $1 AND coalesce(customer_id, '00000000-0000-0000-0000-000000000000'::uuid) = $2::uuid)
   OR (kind = $3 AND coalesce(customer_id, '00000000-0000-0000-0000-000000000000'::uuid) = $4::uuid)
ORDER BY id
FOR UPDATE`
)

func (m *MoneyStore) OpenCustomerAccounts(ctx context.Context, customerID uuid.UUID, at time.Time) error {
	return translate(m.s.q.EnsureCustomerAccounts(ctx, db.EnsureCustomerAccountsParams{CustomerID: &customerID, Now: at}), "ledger accounts")
}

func (m *MoneyStore) SeedPartner(ctx context.Context, t domain.LedgerTransfer) (bool, error) {
	n, err := m.s.q.CreatePartnerAccount(ctx, t.At)
	if err != nil {
		return false, translate(err, "partner account")
	}
	if n == 0 {
		return false, nil
	}
	if t.Amount.IsPositive() {
		if err := m.Transfer(ctx, t); err != nil {
			return false, err
		}
	}
	return true, nil
}

func (m *MoneyStore) AccountBalance(ctx context.Context, a domain.LedgerAccount) (decimal.Decimal, error) {
	b, err := m.s.q.AccountBalance(ctx, db.AccountBalanceParams{Kind: string(a.Kind), CustomerID: accountCustomer(a)})
	if err != nil {
		return decimal.Decimal{}, translate(err, "ledger account")
	}
	return b, nil
}

func (m *MoneyStore) LockCustomerAccounts(ctx context.Context, customerID uuid.UUID) (decimal.Decimal, decimal.Decimal, error) {
	id := customerID
	if err := m.s.q.EnsureCustomerAccounts(ctx, db.EnsureCustomerAccountsParams{CustomerID: &id, Now: time.Now().UTC()}); err != nil {
		return decimal.Decimal{}, decimal.Decimal{}, translate(err, "ledger accounts")
	}
	rows, err := m.s.q.LockCustomerAccounts(ctx, &id)
	if err != nil {
		return decimal.Decimal{}, decimal.Decimal{}, translate(err, "ledger accounts")
	}
	var available, held decimal.Decimal
	for _, r := range rows {
		switch domain.LedgerAccountKind(r.Kind) {
		case domain.AccountCustomerAvailable:
			available = r.Balance
		case domain.AccountCustomerHeld:
			held = r.Balance
		}
	}
	return available, held, nil
}

func (m *MoneyStore) CustomerBalance(ctx context.Context, customerID uuid.UUID) (domain.CustomerBalance, error) {
	id := customerID
	rows, err := m.s.q.CustomerAccountBalances(ctx, &id)
	if err != nil {
		return domain.CustomerBalance{}, translate(err, "ledger accounts")
	}
	b := domain.CustomerBalance{CustomerID: customerID, Currency: domain.CurrencyCNY}
	for _, r := range rows {
		switch domain.LedgerAccountKind(r.Kind) {
		case domain.AccountCustomerAvailable:
			b.Available = r.Balance
		case domain.AccountCustomerHeld:
			b.Held = r.Balance
		}
	}
	up, err := m.s.q.UpstreamBalance(ctx, customerID)
	switch {
	case err == nil:
		b.Upstream = &domain.UpstreamBalance{Amount: up.Amount, Debt: up.Debt, ReadAt: up.ReadAt}
	case !errors.Is(err, pgx.ErrNoRows):
		return domain.CustomerBalance{}, translate(err, "upstream balance")
	}
	return b, nil
}

func (m *MoneyStore) ListEntries(ctx context.Context, customerID uuid.UUID, from, to time.Time, before uuid.UUID, limit int) ([]domain.LedgerEntry, error) {
	id := customerID
	rows, err := m.s.q.ListLedgerEntries(ctx, db.ListLedgerEntriesParams{CustomerID: &id, BeforeID: optUUID(before),
		FromTime: optTime(from), ToTime: optTime(to), MaxRows: int32(limit)})
	if err != nil {
		return nil, translate(err, "ledger entries")
	}
	out := make([]domain.LedgerEntry, len(rows))
	for i, r := range rows {
		out[i] = entryFromDB(db.LedgerEntriesChunkRow(r))
	}
	return out, nil
}

// exportChunk is how many entries EachEntry reads per statement.
const exportChunk = 500

// EachEntry reads in chunks inside one read-only repeatable-read
// transaction: the export is one consistent snapshot however long it
// streams, without holding every row in memory.
func (m *MoneyStore) EachEntry(ctx context.Context, customerID uuid.UUID, from, to time.Time, fn func(domain.LedgerEntry) error) error {
	if from.IsZero() {
		from = time.Unix(0, 0)
	}
	if to.IsZero() {
		to = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	id := customerID
	read := func(q *db.Queries) error {
		afterTime, afterID := time.Unix(0, 0), uuid.Nil
		for {
			rows, err := q.LedgerEntriesChunk(ctx, db.LedgerEntriesChunkParams{CustomerID: &id, FromTime: from, ToTime: to,
				AfterTime: afterTime, AfterID: afterID, MaxRows: exportChunk})
			if err != nil {
				return translate(err, "ledger entries")
			}
			for _, r := range rows {
				if err := fn(entryFromDB(r)); err != nil {
					return err
				}
			}
			if len(rows) < exportChunk {
				return nil
			}
			last := rows[len(rows)-1]
			afterTime, afterID = last.CreatedAt, last.ID
		}
	}
	pool, ok := m.s.conn.(interface {
		BeginTx(context.Context, pgx.TxOptions) (pgx.Tx, error)
	})
	if !ok || m.s.tx != nil {
		return read(m.s.q)
	}
	err := pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		return read(db.New(tx))
	})
	if u := unavailable(err); u != nil {
		return u
	}
	return err
}

func (m *MoneyStore) SaveUpstreamBalance(ctx context.Context, customerID uuid.UUID, b domain.UpstreamBalance) error {
	err := m.s.q.SaveUpstreamBalance(ctx, db.SaveUpstreamBalanceParams{CustomerID: customerID, Amount: b.Amount, Debt: b.Debt, ReadAt: b.ReadAt})
	return translate(err, "upstream balance")
}

func (m *MoneyStore) LedgerCustomers(ctx context.Context, after uuid.UUID, limit int) ([]domain.CustomerRef, error) {
	rows, err := m.s.q.LedgerCustomers(ctx, db.LedgerCustomersParams{AfterID: after, MaxRows: int32(limit)})
	if err != nil {
		return nil, translate(err, "customers")
	}
	out := make([]domain.CustomerRef, len(rows))
	for i, r := range rows {
		out[i] = domain.CustomerRef{ID: r.ID, HuaweiID: r.HuaweiID}
	}
	return out, nil
}

func (m *MoneyStore) CustomersByHuaweiID(ctx context.Context, huaweiIDs []string) (map[string]uuid.UUID, error) {
	out := map[string]uuid.UUID{}
	if len(huaweiIDs) == 0 {
		return out, nil
	}
	rows, err := m.s.q.CustomersByHuaweiID(ctx, huaweiIDs)
	if err != nil {
		return nil, translate(err, "customers")
	}
	for _, r := range rows {
		out[r.HuaweiID] = r.ID
	}
	return out, nil
}

func (m *MoneyStore) CreateRun(ctx context.Context, r domain.ReconciliationRun) error {
	err := m.s.q.CreateReconciliationRun(ctx, db.CreateReconciliationRunParams{ID: r.ID, Trigger: string(r.Trigger), Status: string(r.Status),
		CreatedBy: optUUID(r.CreatedBy), CreatedAt: r.CreatedAt})
	return translate(err, "reconciliation run")
}

func (m *MoneyStore) Run(ctx context.Context, id uuid.UUID) (domain.ReconciliationRun, error) {
	r, err := m.s.q.ReconciliationRun(ctx, id)
	if err != nil {
		return domain.ReconciliationRun{}, translate(err, "reconciliation run")
	}
	return runFromDB(r)
}

func (m *MoneyStore) RunForUpdate(ctx context.Context, id uuid.UUID) (domain.ReconciliationRun, error) {
	r, err := m.s.q.ReconciliationRunForUpdate(ctx, id)
	if err != nil {
		return domain.ReconciliationRun{}, translate(err, "reconciliation run")
	}
	return runFromDB(r)
}

func (m *MoneyStore) UpdateRun(ctx context.Context, r domain.ReconciliationRun) error {
	items := make([]runItemJSON, len(r.Items))
	for i, it := range r.Items {
		items[i] = runItemToDB(it)
	}
	b, err := json.Marshal(items)
	if err != nil {
		return err
	}
	err = m.s.q.UpdateReconciliationRun(ctx, db.UpdateReconciliationRunParams{ID: r.ID, Status: string(r.Status), Items: b,
		Error: nullable(r.Error), WindowFrom: optTime(r.From), WindowTo: optTime(r.To), StartedAt: optTime(r.StartedAt), CompletedAt: optTime(r.CompletedAt)})
	return translate(err, "reconciliation run")
}

func (m *MoneyStore) ListRuns(ctx context.Context, before uuid.UUID, limit int) ([]domain.ReconciliationRun, error) {
	rows, err := m.s.q.ListReconciliationRuns(ctx, db.ListReconciliationRunsParams{BeforeID: optUUID(before), MaxRows: int32(limit)})
	if err != nil {
		return nil, translate(err, "reconciliation runs")
	}
	out := make([]domain.ReconciliationRun, len(rows))
	for i, r := range rows {
		if out[i], err = runFromDB(r); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// --- mapping ---

func operationsFromDB(rows []db.MoneyOperation, err error) ([]domain.MoneyOperation, error) {
	if err != nil {
		return nil, translate(err, "money operations")
	}
	out := make([]domain.MoneyOperation, len(rows))
	for i, r := range rows {
		if out[i], err = operationFromDB(r); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func operationFromDB(r db.MoneyOperation) (domain.MoneyOperation, error) {
	op := domain.MoneyOperation{
		ID: r.ID, Kind: domain.MoneyKind(r.Kind), CustomerID: r.CustomerID, HuaweiCustomerID: r.HuaweiCustomerID,
		Amount: r.Amount, Currency: r.Currency, Status: domain.MoneyStatus(r.Status), UpstreamRef: deref(r.UpstreamRef),
		Memo: deref(r.Memo), RequestKey: deref(r.RequestKey), Attempt: int(r.Attempt), Checks: int(r.Checks),
		PayOrderID: deref(r.PayOrderID), CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
	if r.OrderID != nil {
		op.OrderID = *r.OrderID
	}
	if r.CreatedBy != nil {
		op.CreatedBy = *r.CreatedBy
	}
	if r.StartedAt != nil {
		op.StartedAt = *r.StartedAt
	}
	if r.UnknownAt != nil {
		op.UnknownAt = *r.UnknownAt
	}
	if r.ErrorOutcome != nil {
		op.Error = &domain.UpstreamDetail{Operation: deref(r.ErrorOperation), Code: deref(r.ErrorCode), Message: deref(r.ErrorMessage),
			Outcome: domain.Outcome(*r.ErrorOutcome)}
		if r.ErrorStatus != nil {
			op.Error.HTTPStatus = int(*r.ErrorStatus)
		}
	}
	if len(r.Evidence) > 0 {
		var ev []evidenceJSON
		if err := json.Unmarshal(r.Evidence, &ev); err != nil {
			return domain.MoneyOperation{}, fmt.Errorf("store: money operation %s evidence: %w", r.ID, err)
		}
		for _, e := range ev {
			op.Evidence = append(op.Evidence, domain.CloudAdjustRecord{TransID: e.TransID, CustomerID: e.CustomerID, CustomerName: e.CustomerName,
				Type: domain.CloudAdjustType(e.Type), Amount: e.Amount, Currency: e.Currency, At: e.At, Memo: e.Memo})
		}
	}
	if len(r.Resolution) > 0 {
		var res resolutionJSON
		if err := json.Unmarshal(r.Resolution, &res); err != nil {
			return domain.MoneyOperation{}, fmt.Errorf("store: money operation %s resolution: %w", r.ID, err)
		}
		op.Resolution = &domain.MoneyResolution{Outcome: domain.MoneyStatus(res.Outcome), Reason: res.Reason, UpstreamRef: res.UpstreamRef,
			By: res.By, Role: domain.Role(res.Role), ChallengeID: res.ChallengeID, At: res.At}
	}
	return op, nil
}

// evidenceJSON is the stored shape of an adjust record the resolver read.
type evidenceJSON struct {
	TransID      string          `json:"trans_id"`
	CustomerID   string          `json:"customer_id"`
	CustomerName string          `json:"customer_name,omitempty"`
	Type         string          `json:"operation_type"`
	Amount       decimal.Decimal `json:"amount"`
	Currency     string          `json:"currency"`
	At           time.Time       `json:"operation_time"`
	Memo         string          `json:"memo,omitempty"`
}

func evidenceToDB(recs []domain.CloudAdjustRecord) []evidenceJSON {
	out := make([]evidenceJSON, len(recs))
	for i, r := range recs {
		out[i] = evidenceJSON{TransID: r.TransID, CustomerID: r.CustomerID, CustomerName: r.CustomerName, Type: string(r.Type),
			Amount: r.Amount, Currency: r.Currency, At: r.At.UTC(), Memo: r.Memo}
	}
	return out
}

// resolutionJSON is the stored shape of a person's decision.
type resolutionJSON struct {
	Outcome     string    `json:"outcome"`
	Reason      string    `json:"reason"`
	UpstreamRef string    `json:"upstream_ref,omitempty"`
	By          uuid.UUID `json:"by"`
	Role        string    `json:"role,omitempty"`
	ChallengeID uuid.UUID `json:"challenge_id"`
	At          time.Time `json:"at"`
}

func resolutionToDB(r domain.MoneyResolution) resolutionJSON {
	return resolutionJSON{Outcome: string(r.Outcome), Reason: r.Reason, UpstreamRef: r.UpstreamRef, By: r.By, Role: string(r.Role),
		ChallengeID: r.ChallengeID, At: r.At.UTC()}
}

func entryFromDB(r db.LedgerEntriesChunkRow) domain.LedgerEntry {
	e := domain.LedgerEntry{ID: r.ID, TransferID: r.TransferID, Account: domain.LedgerAccountKind(r.AccountKind), Amount: r.Amount,
		BalanceAfter: r.BalanceAfter, Currency: r.Currency, Kind: domain.TransferKind(r.TransferKind), Reference: deref(r.Reference), CreatedAt: r.CreatedAt}
	if r.OperationID != nil {
		e.OperationID = *r.OperationID
	}
	return e
}

// runItemJSON is the stored shape of a reconciliation item.
type runItemJSON struct {
	Kind           string           `json:"kind"`
	CustomerID     *uuid.UUID       `json:"customer_id,omitempty"`
	OperationID    *uuid.UUID       `json:"operation_id,omitempty"`
	UpstreamRef    string           `json:"upstream_ref,omitempty"`
	LocalAmount    *decimal.Decimal `json:"local_amount,omitempty"`
	UpstreamAmount *decimal.Decimal `json:"upstream_amount,omitempty"`
	Detail         string           `json:"detail,omitempty"`
}

func runItemToDB(it domain.ReconciliationItem) runItemJSON {
	return runItemJSON{Kind: string(it.Kind), CustomerID: optUUID(it.CustomerID), OperationID: optUUID(it.OperationID), UpstreamRef: it.UpstreamRef,
		LocalAmount: it.LocalAmount, UpstreamAmount: it.UpstreamAmount, Detail: it.Detail}
}

func runFromDB(r db.ReconciliationRun) (domain.ReconciliationRun, error) {
	run := domain.ReconciliationRun{ID: r.ID, Trigger: domain.ReconciliationTrigger(r.Trigger), Status: domain.ReconciliationStatus(r.Status),
		Error: deref(r.Error), CreatedAt: r.CreatedAt}
	for dst, src := range map[*time.Time]*time.Time{&run.From: r.WindowFrom, &run.To: r.WindowTo, &run.StartedAt: r.StartedAt, &run.CompletedAt: r.CompletedAt} {
		if src != nil {
			*dst = *src
		}
	}
	if r.CreatedBy != nil {
		run.CreatedBy = *r.CreatedBy
	}
	var items []runItemJSON
	if err := json.Unmarshal(r.Items, &items); err != nil {
		return domain.ReconciliationRun{}, fmt.Errorf("store: reconciliation run %s items: %w", r.ID, err)
	}
	run.Items = make([]domain.ReconciliationItem, len(items))
	for i, it := range items {
		run.Items[i] = domain.ReconciliationItem{Kind: domain.ReconciliationItemKind(it.Kind), UpstreamRef: it.UpstreamRef,
			LocalAmount: it.LocalAmount, UpstreamAmount: it.UpstreamAmount, Detail: it.Detail}
		if it.CustomerID != nil {
			run.Items[i].CustomerID = *it.CustomerID
		}
		if it.OperationID != nil {
			run.Items[i].OperationID = *it.OperationID
		}
	}
	return run, nil
}
