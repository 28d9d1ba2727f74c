-- Money operations (docs/design.md §9.2).

-- An operation is created only for a customer whose Huawei account is the
-- one it names: no row when the customer does not exist or has another.
-- name: CreateMoneyOperation :execrows
INSERT INTO money_operations (id, kind, customer_id, huawei_customer_id, amount, currency, status, memo, created_by,
                              request_key, order_id, pay_order_id, created_at, updated_at)
SELECT @id, @kind, c.id, c.huawei_domain_id, @amount, @currency, @status, @memo, @created_by,
       @request_key, sqlc.narg(order_id)::uuid, sqlc.narg(pay_order_id)::text, @created_at, @updated_at
FROM customers c
WHERE c.id = @customer_id AND c.huawei_domain_id = @huawei_customer_id::text;

-- name: MoneyOperation :one
SELECT * FROM money_operations WHERE id = @id;

-- name: MoneyOperationForUpdate :one
SELECT * FROM money_operations WHERE id = @id FOR UPDATE;

-- name: MoneyOperationByRequestKey :one
SELECT * FROM money_operations WHERE created_by = @created_by AND request_key = @request_key;

-- name: MoneyOperationsByRefs :many
SELECT * FROM money_operations WHERE upstream_ref = ANY (@refs::text[]);

-- name: UpdateMoneyOperation :execrows
UPDATE money_operations
SET status = @status, upstream_ref = @upstream_ref,
    error_operation = @error_operation, error_status = @error_status, error_code = @error_code,
    error_message = @error_message, error_outcome = @error_outcome,
    evidence = @evidence, resolution = @resolution, attempt = @attempt, started_at = @started_at,
    unknown_at = @unknown_at, checks = @checks, pay_order_id = sqlc.narg(pay_order_id)::text, updated_at = @updated_at
WHERE id = @id;

-- Newest first by id (UUIDv7: time-ordered); every filter optional.
-- name: ListMoneyOperations :many
SELECT * FROM money_operations
WHERE (sqlc.narg(before_id)::uuid IS NULL OR id < sqlc.narg(before_id)::uuid)
  AND (sqlc.narg(by_customer)::uuid IS NULL OR customer_id = sqlc.narg(by_customer)::uuid)
  AND (sqlc.narg(by_kind)::text IS NULL OR kind = sqlc.narg(by_kind)::text)
  AND (sqlc.narg(by_status)::text IS NULL OR status = sqlc.narg(by_status)::text)
  AND (sqlc.narg(from_time)::timestamptz IS NULL OR created_at >= sqlc.narg(from_time)::timestamptz)
  AND (sqlc.narg(to_time)::timestamptz IS NULL OR created_at < sqlc.narg(to_time)::timestamptz)
ORDER BY id DESC
LIMIT @max_rows;

-- name: SucceededMoneyOperations :many
SELECT * FROM money_operations
WHERE status = 'succeeded' AND started_at >= @from_time AND started_at <= @to_time
ORDER BY id;

-- name: OpenMoneyOperations :many
SELECT * FROM money_operations WHERE status NOT IN ('succeeded', 'failed') ORDER BY id;

-- name: MoneySlotHolder :one
SELECT * FROM money_operations
WHERE customer_id = @customer_id AND status IN ('in_flight', 'unknown', 'needs_review')
LIMIT 1;

-- name: NextPendingMoneyOperation :one
SELECT * FROM money_operations
WHERE customer_id = @customer_id AND status = 'pending' AND id <> @except_id
ORDER BY id
LIMIT 1;

-- name: CustomerMoneyActivity :one
SELECT EXISTS (SELECT 1 FROM money_operations o
               WHERE o.customer_id = @customer_id AND o.status NOT IN ('succeeded', 'failed'))::boolean AS open,
       coalesce((SELECT max(o.updated_at) FROM money_operations o WHERE o.customer_id = @customer_id),
                'epoch'::timestamptz)::timestamptz AS last_change;

-- The ledger (docs/design.md §9.1).

-- name: EnsureCustomerAccounts :exec
INSERT INTO ledger_accounts (kind, customer_id, created_at, updated_at)
VALUES ('customer_available', @customer_id, @now, @now), ('customer_held', @customer_id, @now, @now)
ON CONFLICT DO NOTHING;

-- name: CreatePartnerAccount :execrows
INSERT INTO ledger_accounts (kind, created_at, updated_at)
VALUES ('partner_allocatable', @now, @now)
ON CONFLICT DO NOTHING;

-- Both accounts of a transfer, locked in id order (every transaction that
-- locks accounts does it in this order, so none can deadlock another). The
-- nil UUID stands for "no customer".
-- name: LockAccountPair :many
SELECT id, kind, balance FROM ledger_accounts
WHERE (kind = @from_kind AND coalesce(customer_id, '00000000-0000-0000-0000-000000000000'::uuid) = @from_customer::uuid)
   OR (kind = @to_kind AND coalesce(customer_id, '00000000-0000-0000-0000-000000000000'::uuid) = @to_customer::uuid)
ORDER BY id
FOR UPDATE;

-- One statement: both balances, the transfer and its two entries. The
-- no-negative-balance check constraint refuses an overdraft.
-- name: ApplyTransfer :exec
WITH moved AS (
    UPDATE ledger_accounts a
    SET balance = CASE WHEN a.id = @to_account::bigint THEN a.balance + @amount::numeric ELSE a.balance - @amount::numeric END,
        version = a.version + 1,
        updated_at = @created_at
    WHERE a.id IN (@from_account::bigint, @to_account::bigint)
    RETURNING a.id, a.balance, a.version
), t AS (
    INSERT INTO ledger_transfers (id, kind, from_account, to_account, amount, currency, operation_id, reference, created_at)
    VALUES (@id, @kind, @from_account::bigint, @to_account::bigint, @amount::numeric, @currency, @operation_id, @reference, @created_at)
    RETURNING id
)
INSERT INTO ledger_entries (id, transfer_id, account_id, amount, balance_after, account_version, created_at)
SELECT CASE WHEN m.id = @to_account::bigint THEN @to_entry::uuid ELSE @from_entry::uuid END,
       t.id, m.id,
       CASE WHEN m.id = @to_account::bigint THEN @amount::numeric ELSE 0 - @amount::numeric END,
       m.balance, m.version, @created_at
FROM moved m CROSS JOIN t;

-- ApplyTransfer as MoneyStore.Transfer makes it inside Tx.Pipeline, where
-- nothing is read first: the accounts are found by kind and customer and
-- locked in id order (as lockAccountPairSQL does); the customer's accounts
-- must exist (the pipeline does not open them); an account that does not
-- exist leaves the transfer's account NULL, a not_null_violation that
-- moneyErr reports as not found; ledger_accounts_no_negative_balance
-- refuses an overdraft.
-- name: ApplyTransferByKind :exec
WITH acc AS (
    SELECT id, kind FROM ledger_accounts
    WHERE (kind = @from_kind::text AND coalesce(customer_id, '00000000-0000-0000-0000-000000000000'::uuid) = @from_customer::uuid)
       OR (kind = @to_kind::text AND coalesce(customer_id, '00000000-0000-0000-0000-000000000000'::uuid) = @to_customer::uuid)
    ORDER BY id
    FOR UPDATE
), moved AS (
    UPDATE ledger_accounts a
    SET balance = CASE WHEN a.kind = @to_kind::text THEN a.balance + @amount::numeric ELSE a.balance - @amount::numeric END,
        version = a.version + 1,
        updated_at = @created_at
    FROM acc
    WHERE a.id = acc.id
    RETURNING a.id, a.kind, a.balance, a.version
), t AS (
    INSERT INTO ledger_transfers (id, kind, from_account, to_account, amount, currency, operation_id, reference, created_at)
    VALUES (@id, @kind, (SELECT id FROM acc WHERE acc.kind = @from_kind::text), (SELECT id FROM acc WHERE acc.kind = @to_kind::text),
            @amount::numeric, @currency, @operation_id, @reference, @created_at)
    RETURNING id
)
INSERT INTO ledger_entries (id, transfer_id, account_id, amount, balance_after, account_version, created_at)
SELECT CASE WHEN m.kind = @to_kind::text THEN @to_entry::uuid ELSE @from_entry::uuid END,
       t.id, m.id,
       CASE WHEN m.kind = @to_kind::text THEN @amount::numeric ELSE 0 - @amount::numeric END,
       m.balance, m.version, @created_at
FROM moved m CROSS JOIN t;

-- name: AccountBalance :one
SELECT balance FROM ledger_accounts
WHERE kind = @kind AND coalesce(customer_id, '00000000-0000-0000-0000-000000000000'::uuid) = @customer_id::uuid;

-- name: LockCustomerAccounts :many
SELECT kind, balance FROM ledger_accounts WHERE customer_id = @customer_id ORDER BY id FOR UPDATE;

-- name: CustomerAccountBalances :many
SELECT kind, balance FROM ledger_accounts WHERE customer_id = @customer_id;

-- name: UpstreamBalance :one
SELECT amount, debt, read_at FROM money_upstream_balances WHERE customer_id = @customer_id;

-- name: SaveUpstreamBalance :exec
INSERT INTO money_upstream_balances (customer_id, amount, debt, read_at)
VALUES (@customer_id, @amount, @debt, @read_at)
ON CONFLICT (customer_id) DO UPDATE SET amount = EXCLUDED.amount, debt = EXCLUDED.debt, read_at = EXCLUDED.read_at;

-- A customer's entries, newest first.
-- name: ListLedgerEntries :many
SELECT e.id, e.transfer_id, a.kind AS account_kind, e.amount, e.balance_after, t.kind AS transfer_kind, t.currency,
       t.operation_id, t.reference, e.created_at
FROM ledger_entries e
JOIN ledger_accounts a ON a.id = e.account_id
JOIN ledger_transfers t ON t.id = e.transfer_id
WHERE a.customer_id = @customer_id
  AND (sqlc.narg(before_id)::uuid IS NULL OR e.id < sqlc.narg(before_id)::uuid)
  AND (sqlc.narg(from_time)::timestamptz IS NULL OR e.created_at >= sqlc.narg(from_time)::timestamptz)
  AND (sqlc.narg(to_time)::timestamptz IS NULL OR e.created_at < sqlc.narg(to_time)::timestamptz)
ORDER BY e.id DESC
LIMIT @max_rows;

-- A customer's entries in [from, to), oldest first, one chunk after the
-- (created_at, id) of the last one read.
-- name: LedgerEntriesChunk :many
SELECT e.id, e.transfer_id, a.kind AS account_kind, e.amount, e.balance_after, t.kind AS transfer_kind, t.currency,
       t.operation_id, t.reference, e.created_at
FROM ledger_entries e
JOIN ledger_accounts a ON a.id = e.account_id
JOIN ledger_transfers t ON t.id = e.transfer_id
WHERE a.customer_id = @customer_id
  AND e.created_at >= @from_time AND e.created_at < @to_time
  AND (e.created_at, e.id) > (@after_time::timestamptz, @after_id::uuid)
ORDER BY e.created_at, e.id
LIMIT @max_rows;

-- name: LedgerCustomers :many
SELECT c.id, c.huawei_domain_id::text AS huawei_id
FROM customers c
WHERE c.huawei_domain_id IS NOT NULL AND c.id > @after_id
  AND EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.customer_id = c.id)
ORDER BY c.id
LIMIT @max_rows;

-- name: CustomersByHuaweiID :many
SELECT id, huawei_domain_id::text AS huawei_id FROM customers WHERE huawei_domain_id = ANY (@huawei_ids::text[]);

-- Reconciliation runs (docs/design.md §9.4).

-- name: CreateReconciliationRun :exec
INSERT INTO reconciliation_runs (id, trigger, status, created_by, created_at)
VALUES (@id, @trigger, @status, @created_by, @created_at);

-- name: ReconciliationRun :one
SELECT * FROM reconciliation_runs WHERE id = @id;

-- name: ReconciliationRunForUpdate :one
SELECT * FROM reconciliation_runs WHERE id = @id FOR UPDATE;

-- name: UpdateReconciliationRun :exec
UPDATE reconciliation_runs
SET status = @status, items = @items, error = @error, window_from = @window_from, window_to = @window_to,
    started_at = @started_at, completed_at = @completed_at
WHERE id = @id;

-- name: ListReconciliationRuns :many
SELECT * FROM reconciliation_runs
WHERE (sqlc.narg(before_id)::uuid IS NULL OR id < sqlc.narg(before_id)::uuid)
ORDER BY id DESC
LIMIT @max_rows;

-- Jobs: make a waiting job due now (domain.Tx.Wake). Running and finished
-- jobs are left alone; the GIN index on args finds it.
-- name: WakeJob :execrows
UPDATE river_job SET state = 'available', scheduled_at = now()
WHERE kind = @kind AND args @> @args::jsonb AND state IN ('available', 'scheduled', 'retryable');
