-- Step-up for money-moving staff actions (docs/design.md §3): a TOTP authenticator per staff member
-- and challenges bound to {staff, action, customer, amount}, answered once within 5 minutes.

-- One TOTP secret (RFC 6238: SHA-1, 6 digits, 30 s) per user. The secret is sealed with AES-256-GCM
-- (TOTP_ENCRYPTION_KEY; associated data: the user id), never stored in plain text. An unconfirmed
-- enrolment may be replaced; a confirmed one may not. last_used_step is the last time step a code was
-- accepted for: a step at or below it is never accepted again, across challenges.
CREATE TABLE totp_credentials (
    user_id        uuid        PRIMARY KEY REFERENCES users (id),
    secret_sealed  bytea       NOT NULL,
    confirmed_at   timestamptz,
    last_used_step bigint,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    CONSTRAINT totp_credentials_sealed_length_check CHECK (octet_length(secret_sealed) BETWEEN 28 AND 1024),
    CONSTRAINT totp_credentials_step_check CHECK (last_used_step IS NULL OR last_used_step >= 0)
);

-- A step-up challenge: what one code may authorise. attempts counts wrong answers; at 5 it is locked.
-- used_at is set by the one answer that succeeds.
CREATE TABLE step_up_challenges (
    id           uuid          PRIMARY KEY,
    user_id      uuid          NOT NULL REFERENCES users (id),
    action       text          NOT NULL,
    customer_id  uuid          NOT NULL REFERENCES customers (id),
    amount       numeric(20,2) NOT NULL,
    -- For action 'resolve': the money operation to decide (no foreign key: the operation's table is
    -- the money migration's).
    operation_id uuid,
    attempts     int           NOT NULL DEFAULT 0,
    expires_at   timestamptz   NOT NULL,
    used_at      timestamptz,
    created_at   timestamptz   NOT NULL,
    CONSTRAINT step_up_challenges_action_check CHECK (action IN ('allocate', 'reclaim', 'resolve')),
    CONSTRAINT step_up_challenges_amount_check CHECK (amount > 0),
    CONSTRAINT step_up_challenges_attempts_check CHECK (attempts >= 0),
    CONSTRAINT step_up_challenges_operation_check CHECK ((action = 'resolve') = (operation_id IS NOT NULL)),
    CONSTRAINT step_up_challenges_expiry_check CHECK (expires_at > created_at)
);
-- A staff member's challenges, oldest first: creating one sweeps that member's long-expired ones.
CREATE INDEX step_up_challenges_user_idx ON step_up_challenges (user_id, expires_at);
