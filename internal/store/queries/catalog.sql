-- name: CreateProduct :exec
INSERT INTO catalog_products (id, kind, name, region, availability_zone, spec, service_type, resource_type,
    period_types, max_months, max_years, image_ref, root_volume_type, root_volume_gb, min_size_gb, max_size_gb,
    enabled, created_at, updated_at)
VALUES (@id, @kind, @name, @region, sqlc.narg(availability_zone), @spec, @service_type, @resource_type,
    @period_types, sqlc.narg(max_months), sqlc.narg(max_years), sqlc.narg(image_ref), sqlc.narg(root_volume_type),
    sqlc.narg(root_volume_gb), sqlc.narg(min_size_gb), sqlc.narg(max_size_gb), @enabled, @created_at, @updated_at);

-- name: ProductByID :one
SELECT * FROM catalog_products WHERE id = @id;

-- name: ProductForUpdate :one
SELECT * FROM catalog_products WHERE id = @id FOR UPDATE;

-- name: ProductsByIDs :many
SELECT * FROM catalog_products WHERE id = ANY(@ids::uuid[]);

-- name: UpdateProduct :execrows
UPDATE catalog_products SET name = @name, period_types = @period_types, max_months = sqlc.narg(max_months),
    max_years = sqlc.narg(max_years), enabled = @enabled, updated_at = @updated_at
WHERE id = @id;

-- name: ListProducts :many
SELECT * FROM catalog_products
WHERE id > @after
  AND (sqlc.narg(kind)::text IS NULL OR kind = sqlc.narg(kind))
  AND (sqlc.narg(enabled)::boolean IS NULL OR enabled = sqlc.narg(enabled))
ORDER BY id
LIMIT @lim;

-- name: CountProducts :one
SELECT count(*) FROM catalog_products;

-- name: UpsertCloudType :exec
INSERT INTO cloud_types (kind, code, name, abbreviation, description, service_type, synced_at)
VALUES (@kind, @code, @name, sqlc.narg(abbreviation), sqlc.narg(description), sqlc.narg(service_type), @synced_at)
ON CONFLICT (kind, code) DO UPDATE SET name = EXCLUDED.name, abbreviation = EXCLUDED.abbreviation,
    description = EXCLUDED.description, service_type = EXCLUDED.service_type, synced_at = EXCLUDED.synced_at;

-- name: DeleteCloudTypesBefore :exec
DELETE FROM cloud_types WHERE kind = @kind AND synced_at < @before;

-- name: ListCloudTypes :many
SELECT * FROM cloud_types WHERE kind = @kind ORDER BY code;

-- name: CreateQuote :exec
INSERT INTO quotes (id, kind, customer_id, amount, official, discount, currency, expires_at, created_by, created_at)
VALUES (@id, @kind, @customer_id, @amount, @official, @discount, @currency, @expires_at, sqlc.narg(created_by), @created_at);

-- name: CreateQuoteLine :exec
INSERT INTO quote_lines (quote_id, idx, product_id, resource_id, quantity, size_gb, period_type, period_count,
    official, discount, amount, discounts, chosen_discount)
VALUES (@quote_id, @idx, sqlc.narg(product_id), sqlc.narg(resource_id), @quantity, sqlc.narg(size_gb), @period_type,
    @period_count, @official, @discount, @amount, @discounts, sqlc.narg(chosen_discount));

-- name: QuoteByID :one
SELECT q.*, o.id AS order_id FROM quotes q LEFT JOIN orders o ON o.quote_id = q.id WHERE q.id = @id;

-- name: QuoteLines :many
SELECT * FROM quote_lines WHERE quote_id = @quote_id ORDER BY idx;

-- name: AnyVerifiedCustomer :one
SELECT id, huawei_domain_id::text AS huawei_domain_id FROM customers
WHERE huawei_domain_id IS NOT NULL AND realname_status = 'verified' AND status = 'active'
ORDER BY created_at LIMIT 1;
