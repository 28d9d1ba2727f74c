-- Onboarding: Huawei Cloud customers, the idempotency store, and the audit trail's
-- role and client IP.

-- A storefront user who became (or is becoming) a Huawei Cloud customer of the partner.
-- id is also the xaccount_id sent to Huawei, so a customer can never get two Huawei accounts:
-- huawei_domain_id is unique and set once, and the registration job reads back before it resends.
CREATE TABLE customers (
    id                  uuid        PRIMARY KEY,
    user_id             uuid        NOT NULL REFERENCES users (id),
    account_name        text        NOT NULL,
    email               text,
    mobile              text        NOT NULL,
    status              text        NOT NULL DEFAULT 'active',
    frozen_scope        text,
    pending_action      text,
    pending_scope       text,
    realname_status     text        NOT NULL DEFAULT 'unverified',
    -- Keyed hash of the verified real-name name, for exact search without decrypting.
    realname_name_index bytea,
    registration_status text        NOT NULL DEFAULT 'pending',
    -- The SMS code the registration job hands to Huawei; cleared once used.
    registration_code   text,
    registration_error_code    text,
    registration_error_message text,
    association         text        NOT NULL DEFAULT 'pending',
    huawei_domain_id    text,
    huawei_domain_name  text,
    created_by          uuid,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    CONSTRAINT customers_user_id_key UNIQUE (user_id),
    CONSTRAINT customers_account_name_key UNIQUE (account_name),
    CONSTRAINT customers_huawei_domain_id_key UNIQUE (huawei_domain_id),
    CONSTRAINT customers_status_check CHECK (status IN ('active', 'frozen')),
    CONSTRAINT customers_frozen_scope_check CHECK (
        (status = 'active' AND frozen_scope IS NULL) OR
        (status = 'frozen' AND frozen_scope IN ('account', 'account_and_resources'))),
    CONSTRAINT customers_pending_action_check CHECK (
        (pending_action IS NULL AND pending_scope IS NULL) OR
        (pending_action IN ('freeze', 'unfreeze') AND pending_scope IN ('account', 'account_and_resources'))),
    CONSTRAINT customers_realname_status_check CHECK (realname_status IN ('unverified', 'in_review', 'verified', 'rejected')),
    CONSTRAINT customers_registration_status_check CHECK (registration_status IN ('pending', 'created', 'failed')),
    CONSTRAINT customers_association_check CHECK (association IN ('pending', 'confirmed')),
    CONSTRAINT customers_confirmed_has_domain_check CHECK (association = 'pending' OR huawei_domain_id IS NOT NULL)
);
-- Newest-first cursor pages, and prefix searches (text_pattern_ops serves LIKE 'x%').
CREATE INDEX customers_created_idx ON customers (created_at DESC, id DESC);
CREATE INDEX customers_account_name_prefix_idx ON customers (account_name text_pattern_ops);
CREATE INDEX customers_email_prefix_idx ON customers (lower(email) text_pattern_ops);
CREATE INDEX customers_mobile_prefix_idx ON customers (mobile text_pattern_ops);
CREATE INDEX customers_realname_name_idx ON customers (realname_name_index) WHERE realname_name_index IS NOT NULL;

ALTER TABLE users ADD COLUMN customer_id uuid REFERENCES customers (id);
ALTER TABLE users ADD CONSTRAINT users_customer_id_key UNIQUE (customer_id);

-- The audit trail: who acted in which role, from where.
ALTER TABLE audit_events ADD COLUMN actor_role text;
ALTER TABLE audit_events ADD COLUMN client_ip text;
CREATE INDEX audit_events_occurred_idx ON audit_events (occurred_at DESC, id DESC);
CREATE INDEX audit_events_actor_idx ON audit_events (actor_id, occurred_at DESC);
CREATE INDEX audit_events_action_idx ON audit_events (action, occurred_at DESC);

-- Idempotency-Key recovery points: one row per (caller, key). The first request inserts it
-- 'running' (a concurrent one with the same key sees the row and answers 409); when it finishes
-- the response is stored for exact replay.
CREATE TABLE idempotency_keys (
    principal_kind  text        NOT NULL,
    principal_id    uuid        NOT NULL,
    key             text        NOT NULL,
    fingerprint     bytea       NOT NULL,
    status          text        NOT NULL DEFAULT 'running',
    response_status int,
    response_headers jsonb,
    response_body   bytea,
    locked_until    timestamptz NOT NULL,
    created_at      timestamptz NOT NULL,
    completed_at    timestamptz,
    CONSTRAINT idempotency_keys_pkey PRIMARY KEY (principal_kind, principal_id, key),
    CONSTRAINT idempotency_keys_status_check CHECK (status IN ('running', 'completed')),
    CONSTRAINT idempotency_keys_key_check CHECK (key ~ '^[\x21-\x7E]{1,255}$'),
    CONSTRAINT idempotency_keys_completed_check CHECK (
        status = 'running' OR (response_status IS NOT NULL AND response_body IS NOT NULL AND completed_at IS NOT NULL))
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
