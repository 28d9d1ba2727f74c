-- People and credentials. Roles: docs/design.md §3. Constraint names are matched by internal/store to
-- domain errors, so they are part of the code's contract.

CREATE TABLE users (
    id               uuid        PRIMARY KEY,
    email            text        NOT NULL,
    email_normalized text        NOT NULL,
    mobile           text,
    name             text,
    password_hash    text        NOT NULL,
    roles            text[]      NOT NULL,
    status           text        NOT NULL DEFAULT 'active',
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    CONSTRAINT users_email_normalized_key UNIQUE (email_normalized),
    CONSTRAINT users_status_check CHECK (status IN ('active', 'disabled')),
    CONSTRAINT users_roles_check CHECK (
        cardinality(roles) BETWEEN 1 AND 4
        AND roles <@ ARRAY['customer', 'operator', 'finance', 'admin']::text[]),
    CONSTRAINT users_email_length_check CHECK (char_length(email) BETWEEN 3 AND 254)
);

-- Staff listing pages by id (UUIDv7, so creation order) among non-customers.
CREATE INDEX users_staff_idx ON users (id) WHERE NOT (roles = ARRAY['customer']::text[]);

-- Opaque refresh tokens, stored as SHA-256 of the token. A family is every token descended from one
-- login; presenting a used token revokes the family (RFC 6819 §5.2.2.3, OAuth 2.0 BCP refresh rotation).
CREATE TABLE refresh_tokens (
    id         uuid        PRIMARY KEY,
    family_id  uuid        NOT NULL,
    user_id    uuid        NOT NULL REFERENCES users (id),
    token_hash bytea       NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    revoked_at timestamptz,
    CONSTRAINT refresh_tokens_token_hash_key UNIQUE (token_hash),
    CONSTRAINT refresh_tokens_hash_length_check CHECK (octet_length(token_hash) = 32)
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_expires_idx ON refresh_tokens (expires_at);

-- Failed logins by normalized email (known or not, so lockout does not reveal which emails exist).
CREATE TABLE login_failures (
    email_normalized text        NOT NULL,
    failed_at        timestamptz NOT NULL
);
CREATE INDEX login_failures_email_idx ON login_failures (email_normalized, failed_at);

-- Third-party clients (OAuth 2.0 client credentials). The secret is 256 random bits, so a plain
-- SHA-256 is a sufficient verifier (no slow hash needed, unlike passwords).
CREATE TABLE api_clients (
    id          uuid        PRIMARY KEY,
    name        text        NOT NULL,
    secret_hash bytea       NOT NULL,
    scopes      text[]      NOT NULL,
    status      text        NOT NULL DEFAULT 'active',
    created_by  uuid        NOT NULL REFERENCES users (id),
    created_at  timestamptz NOT NULL,
    disabled_at timestamptz,
    CONSTRAINT api_clients_status_check CHECK (status IN ('active', 'disabled')),
    CONSTRAINT api_clients_scopes_check CHECK (cardinality(scopes) BETWEEN 1 AND 16)
);

-- Append-only record of staff actions.
CREATE TABLE audit_events (
    id           uuid        PRIMARY KEY,
    occurred_at  timestamptz NOT NULL,
    actor_kind   text        NOT NULL,
    actor_id     uuid,
    action       text        NOT NULL,
    subject_type text        NOT NULL,
    subject_id   uuid,
    request_id   text        NOT NULL DEFAULT '',
    details      jsonb       NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_events_subject_idx ON audit_events (subject_type, subject_id);

CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
