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
