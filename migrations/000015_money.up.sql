-- Money: the double-entry ledger, allocation and reclaim operations, Huawei balance snapshots and
-- reconciliation runs (docs/design.md §2.3–§2.6, §4, §9). Constraint and index names are matched by
-- internal/store to domain errors, so they are part of the code's contract.

-- Accounts. Non-external accounts never go below zero; external accounts are the world outside the
-- ledger (funding of the partner, customers' spending at Huawei), so every transfer has two sides and
-- the balances of all accounts always add up to zero.
--   partner_allocatable  the partner's allocatable balance at Huawei as we know it (one row; it exists
--                        once it has been seeded from Huawei's ListPartnerBalances)
--   customer_available   what a customer has at Huawei as we know it
--   customer_held        money of a customer's unfinished operations (allocations on their way in,
--                        reclaims on their way out)
--   external_funding     where the partner's seed (and any later funding) comes from
--   external_spend       what customers spent at Huawei, booked by reconciliation
CREATE TABLE ledger_accounts (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        text        NOT NULL,
    customer_id uuid        REFERENCES customers (id),
    currency    text        NOT NULL DEFAULT 'CNY',
    -- The sum of the account's entries, kept in the transaction that adds them; version counts them.
    balance     numeric(20,2) NOT NULL DEFAULT 0,
    version     bigint      NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    CONSTRAINT ledger_accounts_kind_check CHECK (kind IN
        ('partner_allocatable', 'customer_available', 'customer_held', 'external_funding', 'external_spend')),
    CONSTRAINT ledger_accounts_customer_check CHECK (
        (kind IN ('customer_available', 'customer_held')) = (customer_id IS NOT NULL)),
    CONSTRAINT ledger_accounts_currency_check CHECK (currency = 'CNY'),
    CONSTRAINT ledger_accounts_no_negative_balance CHECK (kind LIKE 'external\_%' OR balance >= 0)
);
-- One account of each kind per customer, and one of each other kind. The nil UUID stands for "no
-- customer" so that lookups by (kind, customer) use the index.
CREATE UNIQUE INDEX ledger_accounts_kind_customer_key
    ON ledger_accounts (kind, (coalesce(customer_id, '00000000-0000-0000-0000-000000000000'::uuid)));

INSERT INTO ledger_accounts (kind, created_at, updated_at) VALUES
    ('external_funding', now(), now()),
    ('external_spend', now(), now());

-- An allocation or a reclaim: the intent, its state and what Huawei said. At most one operation per
-- customer is at Huawei or undecided (in_flight, unknown, needs_review), so reading Huawei's adjust
-- records back can always tell which operation a record belongs to (docs/design.md §2.4).
CREATE TABLE money_operations (
    id                 uuid          PRIMARY KEY,
    kind               text          NOT NULL,
    customer_id        uuid          NOT NULL REFERENCES customers (id),
    -- Huawei's id of the customer when the operation was asked for: what the job sends and reads back.
    huawei_customer_id text          NOT NULL,
    amount             numeric(20,2) NOT NULL,
    currency           text          NOT NULL DEFAULT 'CNY',
    status             text          NOT NULL,
    upstream_ref       text,
    error_operation    text,
    error_status       int,
    error_code         text,
    error_message      text,
    error_outcome      text,
    evidence           jsonb,
    resolution         jsonb,
    memo               text,
    created_by         uuid,
    -- The Idempotency-Key of the request that asked for it, scoped to created_by: a request taken over
    -- after its first run died finds the operation instead of making another.
    request_key        text,
    -- Times the operation was taken in flight; an outcome is recorded only for the current attempt.
    attempt            int           NOT NULL DEFAULT 0,
    started_at         timestamptz,
    unknown_at         timestamptz,
    -- Read-backs of Huawei's adjust records made for an unknown outcome.
    checks             int           NOT NULL DEFAULT 0,
    created_at         timestamptz   NOT NULL,
    updated_at         timestamptz   NOT NULL,
    CONSTRAINT money_operations_kind_check CHECK (kind IN ('allocation', 'reclaim')),
    CONSTRAINT money_operations_status_check CHECK (status IN
        ('pending', 'in_flight', 'succeeded', 'failed', 'unknown', 'needs_review')),
    CONSTRAINT money_operations_amount_positive CHECK (amount > 0),
    CONSTRAINT money_operations_currency_check CHECK (currency = 'CNY'),
    CONSTRAINT money_operations_succeeded_has_ref CHECK (status <> 'succeeded' OR upstream_ref IS NOT NULL),
    CONSTRAINT money_operations_started_check CHECK (status = 'pending' OR status = 'failed' OR started_at IS NOT NULL),
    CONSTRAINT money_operations_upstream_ref_key UNIQUE (upstream_ref),
    CONSTRAINT money_operations_request_key UNIQUE (created_by, request_key)
);
CREATE UNIQUE INDEX money_operations_one_in_flight ON money_operations (customer_id)
    WHERE status IN ('in_flight', 'unknown', 'needs_review');
CREATE INDEX money_operations_customer_idx ON money_operations (customer_id, id DESC);
CREATE INDEX money_operations_open_idx ON money_operations (customer_id) WHERE status NOT IN ('succeeded', 'failed');
CREATE INDEX money_operations_started_idx ON money_operations (started_at) WHERE status = 'succeeded';

-- A transfer moves a positive amount between two different accounts; its two entries (−amount on
-- from, +amount on to) are written in the same statement.
CREATE TABLE ledger_transfers (
    id           uuid          PRIMARY KEY,
    kind         text          NOT NULL,
    from_account bigint        NOT NULL REFERENCES ledger_accounts (id),
    to_account   bigint        NOT NULL REFERENCES ledger_accounts (id),
    amount       numeric(20,2) NOT NULL,
    currency     text          NOT NULL DEFAULT 'CNY',
    operation_id uuid          REFERENCES money_operations (id),
    -- Huawei's transaction id (settle), the seed's read, or the reconciliation run that booked a spend.
    reference    text,
    created_at   timestamptz   NOT NULL,
    CONSTRAINT ledger_transfers_kind_check CHECK (kind IN ('funding', 'hold', 'settle', 'release', 'spend')),
    CONSTRAINT ledger_transfers_amount_positive CHECK (amount > 0),
    CONSTRAINT ledger_transfers_distinct_accounts CHECK (from_account <> to_account),
    CONSTRAINT ledger_transfers_currency_check CHECK (currency = 'CNY'),
    CONSTRAINT ledger_transfers_operation_check CHECK ((kind IN ('hold', 'settle', 'release')) = (operation_id IS NOT NULL))
);
-- One hold and at most one settle or release per operation.
CREATE UNIQUE INDEX ledger_transfers_operation_step_key ON ledger_transfers (operation_id, (kind = 'hold')) WHERE operation_id IS NOT NULL;
-- Seeds and spend bookings are referenced, and booked once.
CREATE UNIQUE INDEX ledger_transfers_reference_key ON ledger_transfers (kind, reference) WHERE kind IN ('funding', 'spend');

CREATE TABLE ledger_entries (
    id              uuid          PRIMARY KEY,
    transfer_id     uuid          NOT NULL REFERENCES ledger_transfers (id),
    account_id      bigint        NOT NULL REFERENCES ledger_accounts (id),
    amount          numeric(20,2) NOT NULL,
    balance_after   numeric(20,2) NOT NULL,
    account_version bigint        NOT NULL,
    created_at      timestamptz   NOT NULL,
    CONSTRAINT ledger_entries_amount_nonzero CHECK (amount <> 0),
    CONSTRAINT ledger_entries_account_version_key UNIQUE (account_id, account_version)
);
CREATE INDEX ledger_entries_transfer_idx ON ledger_entries (transfer_id);
CREATE INDEX ledger_entries_account_idx ON ledger_entries (account_id, id DESC);
CREATE INDEX ledger_entries_account_time_idx ON ledger_entries (account_id, created_at, id);

-- Append-only: corrections are new entries (docs/design.md §2.6).
CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER ledger_transfers_append_only BEFORE UPDATE OR DELETE ON ledger_transfers
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER ledger_transfers_no_truncate BEFORE TRUNCATE ON ledger_transfers
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();

-- What Huawei last said a customer has (ListCustomersBalancesDetail), written by reconciliation.
CREATE TABLE money_upstream_balances (
    customer_id uuid          PRIMARY KEY REFERENCES customers (id),
    amount      numeric(20,2) NOT NULL,
    debt        numeric(20,2) NOT NULL DEFAULT 0,
    read_at     timestamptz   NOT NULL
);

-- A comparison of our operations and balances with Huawei's adjust records and balances.
CREATE TABLE reconciliation_runs (
    id           uuid        PRIMARY KEY,
    trigger      text        NOT NULL,
    status       text        NOT NULL,
    items        jsonb       NOT NULL DEFAULT '[]'::jsonb,
    error        text,
    window_from  timestamptz,
    window_to    timestamptz,
    created_by   uuid,
    created_at   timestamptz NOT NULL,
    started_at   timestamptz,
    completed_at timestamptz,
    CONSTRAINT reconciliation_runs_trigger_check CHECK (trigger IN ('manual', 'periodic')),
    CONSTRAINT reconciliation_runs_status_check CHECK (status IN ('pending', 'running', 'completed', 'failed'))
);
