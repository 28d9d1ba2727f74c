-- Newest first by id (UUIDv7: time-ordered); every filter optional.
-- name: ListAudit :many
SELECT id, occurred_at, actor_kind, actor_id, action, subject_type, subject_id, request_id, details, actor_role, client_ip
FROM audit_events
WHERE (sqlc.narg(before_id)::uuid IS NULL OR id < sqlc.narg(before_id)::uuid)
  AND (sqlc.narg(by_actor)::uuid IS NULL OR actor_id = sqlc.narg(by_actor)::uuid)
  AND (sqlc.narg(by_action)::text IS NULL OR action = sqlc.narg(by_action)::text)
  AND (sqlc.narg(by_subject_type)::text IS NULL OR subject_type = sqlc.narg(by_subject_type)::text)
  AND (sqlc.narg(by_subject_id)::uuid IS NULL OR subject_id = sqlc.narg(by_subject_id)::uuid)
  AND (sqlc.narg(from_time)::timestamptz IS NULL OR occurred_at >= sqlc.narg(from_time)::timestamptz)
  AND (sqlc.narg(to_time)::timestamptz IS NULL OR occurred_at < sqlc.narg(to_time)::timestamptz)
ORDER BY id DESC
LIMIT @max_rows;

-- A customer's timeline: events about the customer, and events about its
-- objects (applications, files) that name it in details.customer_id.
-- name: ListCustomerAudit :many
SELECT id, occurred_at, actor_kind, actor_id, action, subject_type, subject_id, request_id, details, actor_role, client_ip
FROM audit_events
WHERE (subject_id = sqlc.arg(subject)::uuid OR (details ->> 'customer_id') = sqlc.arg(subject_text)::text)
  AND (sqlc.narg(before_id)::uuid IS NULL OR id < sqlc.narg(before_id)::uuid)
ORDER BY id DESC
LIMIT @max_rows;
