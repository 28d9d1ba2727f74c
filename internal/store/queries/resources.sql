-- UpsertResource writes what Huawei listed; the auto-renew wish and the links are left alone.
-- name: UpsertResource :exec
INSERT INTO resources (id, customer_id, huawei_resource_id, kind, name, region, spec, service_type, resource_type,
    status, main, huawei_parent_id, effective_at, expires_at, expire_policy, synced_at, created_at, updated_at)
VALUES (@id, @customer_id, @huawei_resource_id, @kind, sqlc.narg(name), sqlc.narg(region), @spec,
    sqlc.narg(service_type), sqlc.narg(resource_type), @status, @main, sqlc.narg(huawei_parent_id),
    sqlc.narg(effective_at), sqlc.narg(expires_at), sqlc.narg(expire_policy), @synced_at, @synced_at, @synced_at)
ON CONFLICT (huawei_resource_id) DO UPDATE SET
    kind = EXCLUDED.kind, name = EXCLUDED.name, region = EXCLUDED.region, spec = EXCLUDED.spec,
    service_type = EXCLUDED.service_type, resource_type = EXCLUDED.resource_type, status = EXCLUDED.status,
    main = EXCLUDED.main, huawei_parent_id = EXCLUDED.huawei_parent_id, effective_at = EXCLUDED.effective_at,
    expires_at = EXCLUDED.expires_at, expire_policy = EXCLUDED.expire_policy, synced_at = EXCLUDED.synced_at,
    updated_at = CASE WHEN (resources.status, resources.expires_at, resources.expire_policy, resources.name)
        IS DISTINCT FROM (EXCLUDED.status, EXCLUDED.expires_at, EXCLUDED.expire_policy, EXCLUDED.name)
        THEN EXCLUDED.updated_at ELSE resources.updated_at END
WHERE resources.customer_id = EXCLUDED.customer_id;

-- name: MarkUnlistedResourcesDeleted :execrows
UPDATE resources SET status = 'deleted', synced_at = @synced_at, updated_at = @synced_at
WHERE customer_id = @customer_id AND status <> 'deleted' AND NOT (huawei_resource_id = ANY (sqlc.arg(listed)::text[]));

-- name: LinkResourcePrimaries :exec
UPDATE resources r SET primary_id = p.id
FROM resources p
WHERE r.customer_id = @customer_id AND r.huawei_parent_id IS NOT NULL AND NOT r.main
  AND p.huawei_resource_id = r.huawei_parent_id AND p.customer_id = r.customer_id
  AND r.primary_id IS DISTINCT FROM p.id;

-- LinkResourceOrders links resources to the storefront order whose line created them.
-- name: LinkResourceOrders :exec
UPDATE resources r SET order_id = ol.order_id, huawei_order_id = coalesce(ol.upstream_order_id, r.huawei_order_id)
FROM order_lines ol JOIN orders o ON o.id = ol.order_id
WHERE r.customer_id = @customer_id AND r.order_id IS NULL AND o.customer_id = r.customer_id AND o.kind = 'new'
  AND (r.huawei_resource_id = ANY(ol.huawei_resource_ids) OR r.huawei_parent_id = ANY(ol.huawei_resource_ids));

-- name: ResourceByID :one
SELECT * FROM resources WHERE id = @id;

-- name: ResourceForUpdate :one
SELECT * FROM resources WHERE id = @id FOR UPDATE;

-- name: ResourcesByIDs :many
SELECT * FROM resources WHERE id = ANY(@ids::uuid[]) ORDER BY id;

-- name: ListResources :many
SELECT * FROM resources
WHERE id > @after
  AND (sqlc.narg(customer_id)::uuid IS NULL OR customer_id = sqlc.narg(customer_id))
  AND (sqlc.narg(status)::text IS NULL OR status = sqlc.narg(status))
  AND (sqlc.narg(kind)::text IS NULL OR kind = sqlc.narg(kind))
ORDER BY id
LIMIT @lim;

-- name: SetResourceAutoRenew :execrows
UPDATE resources SET auto_renew_enabled = @auto_renew_enabled, auto_renew_period = sqlc.narg(auto_renew_period),
    auto_renew_times = sqlc.narg(auto_renew_times), auto_renew_status = @auto_renew_status,
    auto_renew_error = sqlc.narg(auto_renew_error), updated_at = @updated_at
WHERE id = @id;

-- ResourceTerms are the terms of a primary resource and of its subordinates.
-- name: ResourceTerms :many
SELECT t.* FROM resource_terms t JOIN resources r ON r.id = t.resource_id
WHERE r.id = @id OR r.primary_id = @id
ORDER BY t.starts_at, t.huawei_order_id;

-- name: CountFiveDayRefunds :one
SELECT count(*) FROM five_day_refunds WHERE customer_id = @customer_id AND at >= @from_at AND at < @to_at;

-- BusyResources are the resources (Huawei ids, and our ids as text) an open order of the customer
-- touches: the lines' Huawei resources and an unsubscription's requested resource ids.
-- name: BusyResources :many
SELECT DISTINCT x::text AS ref FROM (
    SELECT unnest(ol.huawei_resource_ids) AS x FROM order_lines ol JOIN orders o ON o.id = ol.order_id
    WHERE o.customer_id = ANY(@customer_ids::uuid[]) AND o.status IN ('pending', 'paying', 'provisioning')
    UNION ALL
    SELECT jsonb_array_elements_text(o.request -> 'resource_ids') FROM orders o
    WHERE o.customer_id = ANY(@customer_ids::uuid[]) AND o.status IN ('pending', 'paying', 'provisioning')
      AND jsonb_typeof(o.request -> 'resource_ids') = 'array'
) s;

-- name: CustomersWithHuaweiID :many
SELECT id FROM customers WHERE huawei_domain_id IS NOT NULL ORDER BY id;

-- name: ProductsBySpecs :many
SELECT * FROM catalog_products WHERE spec = ANY(@specs::text[]);

-- name: FiveDayRefundCounts :many
SELECT customer_id, count(*) AS n FROM five_day_refunds
WHERE customer_id = ANY(@customer_ids::uuid[]) AND at >= @from_at AND at < @to_at
GROUP BY customer_id;

-- ListCustomerResourcesPage is ListResources for one customer, on resources_customer_idx
-- (a generic plan of the optional filter could not use it).
-- name: ListCustomerResourcesPage :many
SELECT * FROM resources
WHERE customer_id = @customer_id AND id > @after
  AND (sqlc.narg(status)::text IS NULL OR status = sqlc.narg(status))
  AND (sqlc.narg(kind)::text IS NULL OR kind = sqlc.narg(kind))
ORDER BY customer_id, id
LIMIT @lim;
