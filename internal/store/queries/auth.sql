-- name: CreateUser :exec
INSERT INTO users (id, email, email_normalized, mobile, name, password_hash, roles, status, created_at, updated_at)
VALUES (@id, @email, @email_normalized, @mobile, @name, @password_hash, @roles, @status, @created_at, @updated_at);

-- name: UserByEmail :one
SELECT id, email, email_normalized, mobile, name, password_hash, roles, status, created_at, updated_at, customer_id
FROM users WHERE email_normalized = @email_normalized;

-- name: UserByID :one
SELECT id, email, email_normalized, mobile, name, password_hash, roles, status, created_at, updated_at, customer_id
FROM users WHERE id = @id;

-- name: ListStaff :many
SELECT id, email, email_normalized, mobile, name, password_hash, roles, status, created_at, updated_at, customer_id
FROM users
WHERE NOT (roles = ARRAY['customer']::text[]) AND id > @after
ORDER BY id
LIMIT @max_rows;

-- name: SetUserStatus :one
UPDATE users SET status = @status, updated_at = @updated_at WHERE id = @id
RETURNING id, email, email_normalized, mobile, name, password_hash, roles, status, created_at, updated_at, customer_id;

-- name: LoginFailures :one
SELECT count(*)::int AS n, coalesce(min(failed_at), 'epoch'::timestamptz)::timestamptz AS oldest
FROM login_failures WHERE email_normalized = @email_normalized AND failed_at > @since;

-- name: RecordLoginFailure :exec
INSERT INTO login_failures (email_normalized, failed_at) VALUES (@email_normalized, @failed_at);

-- name: ClearLoginFailures :exec
DELETE FROM login_failures WHERE email_normalized = @email_normalized;

-- name: PurgeLoginFailures :execrows
DELETE FROM login_failures WHERE failed_at < @before;

-- name: InsertRefreshToken :exec
INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, created_at, expires_at)
VALUES (@id, @family_id, @user_id, @token_hash, @created_at, @expires_at);

-- name: RefreshTokenForUpdate :one
SELECT id, family_id, user_id, token_hash, created_at, expires_at, used_at, revoked_at
FROM refresh_tokens WHERE token_hash = @token_hash FOR UPDATE;

-- name: MarkRefreshTokenUsed :exec
UPDATE refresh_tokens SET used_at = @used_at WHERE id = @id;

-- name: RevokeRefreshFamily :exec
UPDATE refresh_tokens SET revoked_at = @revoked_at WHERE family_id = @family_id AND revoked_at IS NULL;

-- name: RevokeUserRefreshTokens :exec
UPDATE refresh_tokens SET revoked_at = @revoked_at WHERE user_id = @user_id AND revoked_at IS NULL;

-- name: PurgeRefreshTokens :execrows
DELETE FROM refresh_tokens WHERE expires_at < @before;

-- name: CreateAPIClient :exec
INSERT INTO api_clients (id, name, secret_hash, scopes, status, created_by, created_at)
VALUES (@id, @name, @secret_hash, @scopes, @status, @created_by, @created_at);

-- name: APIClientByID :one
SELECT * FROM api_clients WHERE id = @id;

-- name: ListAPIClients :many
SELECT * FROM api_clients
WHERE id > @after ORDER BY id LIMIT @max_rows;

-- name: DisableAPIClient :execrows
UPDATE api_clients SET status = 'disabled', disabled_at = @disabled_at WHERE id = @id;

-- name: AppendAudit :exec
INSERT INTO audit_events (id, occurred_at, actor_kind, actor_id, actor_role, action, subject_type, subject_id, request_id, client_ip, details)
VALUES (@id, @occurred_at, @actor_kind, @actor_id, sqlc.narg(actor_role), @action, @subject_type, @subject_id, @request_id, sqlc.narg(client_ip), @details);
