-- Orders, their lines and saga steps (docs/design.md §11). Quotes and products
-- are read here with the order's own queries: an order needs only what it
-- pays for.

-- name: OrderQuote :one
SELECT q.id, q.kind, q.customer_id, q.amount, q.currency, q.expires_at,
       coalesce((SELECT o.id FROM orders o WHERE o.quote_id = q.id), '00000000-0000-0000-0000-000000000000'::uuid)::uuid AS order_id
FROM quotes q WHERE q.id = @id;

-- name: OrderQuoteLines :many
SELECT l.idx, l.product_id, l.resource_id, l.quantity, l.size_gb, l.period_type, l.period_count, l.amount,
       coalesce(p.kind, '') AS product_kind, coalesce(p.region, '') AS region, coalesce(p.availability_zone, '') AS availability_zone,
       coalesce(p.spec, '') AS spec, coalesce(p.image_ref, '') AS image_ref, coalesce(p.root_volume_type, '') AS root_volume_type,
       coalesce(p.root_volume_gb, 0) AS root_volume_gb, coalesce(r.huawei_resource_id, '') AS huawei_resource_id
FROM quote_lines l
LEFT JOIN catalog_products p ON p.id = l.product_id
LEFT JOIN resources r ON r.id = l.resource_id
WHERE l.quote_id = @quote_id
ORDER BY l.idx;

-- name: CreateOrder :exec
INSERT INTO orders (id, kind, customer_id, quote_id, status, source, amount, currency, refund_amount, request,
                    huawei_order_id, created_by, request_key, created_at, updated_at)
VALUES (@id, @kind, @customer_id, sqlc.narg(quote_id)::uuid, @status, @source, @amount, @currency,
        sqlc.narg(refund_amount)::numeric, sqlc.narg(request)::jsonb, sqlc.narg(huawei_order_id)::text,
        sqlc.narg(created_by)::uuid, sqlc.narg(request_key)::text, @created_at, @updated_at);

-- name: CreateOrderLine :exec
INSERT INTO order_lines (order_id, idx, amount, client_token, payment_id, status, upstream_order_id)
VALUES (@order_id, @idx, @amount, @client_token, sqlc.narg(payment_id)::uuid, @status, sqlc.narg(upstream_order_id)::text);

-- name: GetOrder :one
SELECT * FROM orders WHERE id = @id;

-- name: GetOrderForUpdate :one
SELECT * FROM orders WHERE id = @id FOR UPDATE;

-- name: OrderByRequestKey :one
SELECT * FROM orders WHERE created_by = @created_by AND request_key = @request_key;

-- name: OrderByHuaweiID :one
SELECT * FROM orders WHERE huawei_order_id = @huawei_order_id;

-- name: UpdateOrder :exec
UPDATE orders SET status = @status, refund_amount = sqlc.narg(refund_amount)::numeric, error_code = sqlc.narg(error_code)::text,
    error_message = sqlc.narg(error_message)::text, updated_at = @updated_at
WHERE id = @id;

-- name: OrderLines :many
SELECT * FROM order_lines WHERE order_id = @order_id ORDER BY idx;

-- name: UpdateOrderLine :exec
UPDATE order_lines SET status = @status, upstream_order_id = sqlc.narg(upstream_order_id)::text,
    upstream_job_id = sqlc.narg(upstream_job_id)::text, upstream_amount = sqlc.narg(upstream_amount)::numeric,
    huawei_resource_ids = @huawei_resource_ids
WHERE order_id = @order_id AND idx = @idx;

-- name: OrderSteps :many
SELECT * FROM order_steps WHERE order_id = @order_id ORDER BY id;

-- name: UpsertOrderStep :exec
INSERT INTO order_steps (order_id, name, line, status, upstream_ref, error, at)
VALUES (@order_id, @name, sqlc.narg(line)::int, @status, sqlc.narg(upstream_ref)::text, sqlc.narg(error)::jsonb, @at)
ON CONFLICT (order_id, name, coalesce(line, -1)) DO UPDATE
SET status = excluded.status, upstream_ref = coalesce(excluded.upstream_ref, order_steps.upstream_ref),
    error = excluded.error, at = excluded.at;

-- Newest first by id (UUIDv7: time-ordered); every filter optional.
-- name: ListOrders :many
SELECT * FROM orders
WHERE (sqlc.narg(before_id)::uuid IS NULL OR id < sqlc.narg(before_id)::uuid)
  AND (sqlc.narg(by_customer)::uuid IS NULL OR customer_id = sqlc.narg(by_customer)::uuid)
  AND (sqlc.narg(by_status)::text IS NULL OR status = sqlc.narg(by_status)::text)
  AND (sqlc.narg(by_kind)::text IS NULL OR kind = sqlc.narg(by_kind)::text)
  AND (sqlc.narg(by_source)::text IS NULL OR source = sqlc.narg(by_source)::text)
ORDER BY id DESC
LIMIT @max_rows;

-- name: OrderResourceIDs :many
SELECT r.id FROM resources r
WHERE r.huawei_resource_id = ANY (
    SELECT unnest(l.huawei_resource_ids) FROM order_lines l WHERE l.order_id = @order_id)
ORDER BY r.id;

-- name: OrderPayments :many
SELECT * FROM money_operations WHERE order_id = @order_id ORDER BY id;

-- name: OrderResourcesByIDs :many
SELECT id, customer_id, huawei_resource_id, status, main FROM resources WHERE id = ANY (@ids::uuid[]);

-- name: OrderResourceIDsByHuaweiIDs :many
SELECT id, huawei_resource_id FROM resources WHERE huawei_resource_id = ANY (@ids::text[]);

-- AddOrderResourceTerm records what a term cost. Huawei lists a resource with its first effective time
-- and its latest expiry, so a renewal's term starts where the resource's previous term ended.
-- name: AddOrderResourceTerm :exec
INSERT INTO resource_terms (resource_id, huawei_order_id, starts_at, ends_at, paid)
SELECT @resource_id, @huawei_order_id,
    GREATEST(sqlc.arg(starts_at)::timestamptz, coalesce((SELECT max(t.ends_at) FROM resource_terms t
        WHERE t.resource_id = @resource_id AND t.ends_at < sqlc.arg(ends_at)::timestamptz), sqlc.arg(starts_at)::timestamptz)),
    sqlc.arg(ends_at)::timestamptz, @paid
ON CONFLICT (resource_id, huawei_order_id) DO NOTHING;

-- name: AddOrderFiveDayRefund :exec
INSERT INTO five_day_refunds (customer_id, huawei_resource_id, order_id, at)
VALUES (@customer_id, @huawei_resource_id, @order_id, @at)
ON CONFLICT DO NOTHING;

-- name: OrderedHuaweiIDs :many
SELECT upstream_order_id::text FROM order_lines WHERE upstream_order_id = ANY (@ids::text[])
UNION
SELECT huawei_order_id::text FROM orders WHERE huawei_order_id = ANY (@ids::text[])
UNION
SELECT upstream_ref::text FROM money_operations WHERE kind IN ('payment', 'refund') AND upstream_ref = ANY (@ids::text[]);
