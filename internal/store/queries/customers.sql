-- name: CreateCustomer :exec
INSERT INTO customers (id, user_id, account_name, email, mobile, registration_code, created_by, created_at, updated_at)
VALUES (@id, @user_id, @account_name, @email, @mobile, @registration_code, @created_by, @created_at, @updated_at);

-- name: LinkUserToCustomer :execrows
UPDATE users SET customer_id = @customer_id, updated_at = @updated_at WHERE id = @user_id AND customer_id IS NULL;

-- name: CustomerByID :one
SELECT * FROM customers WHERE id = @id;

-- name: CustomerForUpdate :one
SELECT * FROM customers WHERE id = @id FOR UPDATE;

-- name: CustomerByUserID :one
SELECT * FROM customers WHERE user_id = @user_id;

-- name: CustomerByUserIDForUpdate :one
SELECT * FROM customers WHERE user_id = @user_id FOR UPDATE;

-- name: RegistrationCode :one
SELECT registration_code FROM customers WHERE id = @id;

-- name: SetRegistrationCode :execrows
UPDATE customers SET registration_code = sqlc.narg(registration_code) WHERE id = @id;

-- UpdateCustomer writes what the customer use cases change; the real-name columns belong to the
-- real-name use cases and are left alone.
-- name: UpdateCustomer :execrows
UPDATE customers SET
    account_name = @account_name,
    email = sqlc.narg(email),
    mobile = @mobile,
    status = @status,
    frozen_scope = sqlc.narg(frozen_scope),
    pending_action = sqlc.narg(pending_action),
    pending_scope = sqlc.narg(pending_scope),
    registration_status = @registration_status,
    registration_error_code = sqlc.narg(registration_error_code),
    registration_error_message = sqlc.narg(registration_error_message),
    association = @association,
    huawei_domain_id = sqlc.narg(huawei_domain_id),
    huawei_domain_name = sqlc.narg(huawei_domain_name),
    action_error_code = sqlc.narg(action_error_code),
    action_error_message = sqlc.narg(action_error_message),
    registration_sent_at = sqlc.narg(registration_sent_at),
    updated_at = @updated_at
WHERE id = @id;

-- Customer lists go newest first by (created_at, id). The page bound is one row comparison, so
-- the first page, a deep page and a created_to filter are all one range scan of
-- customers_created_idx that stops after max_rows; the caller passes a far-future bound for the
-- first page rather than an optional one (an OR would hide the range from a generic plan).

-- name: ListCustomers :many
SELECT * FROM customers
WHERE (created_at, id) < (@before_created_at::timestamptz, @before_id::uuid)
  AND created_at >= @created_from::timestamptz
  AND (sqlc.narg(status)::text IS NULL OR status = sqlc.narg(status)::text)
  AND (sqlc.narg(realname_status)::text IS NULL OR realname_status = sqlc.narg(realname_status)::text)
ORDER BY created_at DESC, id DESC
LIMIT @max_rows;

-- Search: a prefix of the account name, of lower(email) or of the mobile, or the exact keyed
-- index of a real-name name. Prefixes are byte ranges [prefix, prefix || U+10FFFF) with the
-- text_pattern_ops operators, which the prefix indexes serve even in a generic plan (LIKE with a
-- parameter would not); a NULL name_index matches nothing.
-- name: SearchCustomers :many
SELECT * FROM customers
WHERE (created_at, id) < (@before_created_at::timestamptz, @before_id::uuid)
  AND created_at >= @created_from::timestamptz
  AND (sqlc.narg(status)::text IS NULL OR status = sqlc.narg(status)::text)
  AND (sqlc.narg(realname_status)::text IS NULL OR realname_status = sqlc.narg(realname_status)::text)
  AND ((account_name ~>=~ @prefix::text AND account_name ~<~ @prefix_end::text)
    OR (lower(email) ~>=~ @email_prefix::text AND lower(email) ~<~ @email_prefix_end::text)
    OR (mobile ~>=~ @prefix::text AND mobile ~<~ @prefix_end::text)
    OR realname_name_index = sqlc.narg(name_index)::bytea)
ORDER BY created_at DESC, id DESC
LIMIT @max_rows;

-- A customer's own list: at most its one row, found by user_id, with the same filters.
-- name: ListCustomersOfUser :many
SELECT * FROM customers
WHERE user_id = @user_id
  AND (created_at, id) < (@before_created_at::timestamptz, @before_id::uuid)
  AND created_at >= @created_from::timestamptz
  AND (sqlc.narg(status)::text IS NULL OR status = sqlc.narg(status)::text)
  AND (sqlc.narg(realname_status)::text IS NULL OR realname_status = sqlc.narg(realname_status)::text)
  AND (sqlc.narg(prefix)::text IS NULL
    OR (account_name ~>=~ sqlc.narg(prefix)::text AND account_name ~<~ sqlc.narg(prefix_end)::text)
    OR (lower(email) ~>=~ sqlc.narg(email_prefix)::text AND lower(email) ~<~ sqlc.narg(email_prefix_end)::text)
    OR (mobile ~>=~ sqlc.narg(prefix)::text AND mobile ~<~ sqlc.narg(prefix_end)::text)
    OR realname_name_index = sqlc.narg(name_index)::bytea)
ORDER BY created_at DESC, id DESC
LIMIT @max_rows;

-- name: CustomerByAccountName :one
SELECT * FROM customers WHERE account_name = @account_name;
