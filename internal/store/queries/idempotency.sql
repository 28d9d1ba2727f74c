-- name: IdempotencyBegin :one
-- Claims (caller, key): inserts a running row, or takes over a running row
-- whose lock expired (its request died) when the body is the same. No row
-- back means another request holds it, or it is completed: read it.
INSERT INTO idempotency_keys (principal_kind, principal_id, key, fingerprint, status, locked_until, created_at)
VALUES (@principal_kind, @principal_id, @key, @fingerprint, 'running', @locked_until, @now)
ON CONFLICT (principal_kind, principal_id, key) DO UPDATE
    SET locked_until = EXCLUDED.locked_until
    WHERE idempotency_keys.status = 'running'
      AND idempotency_keys.locked_until < EXCLUDED.created_at
      AND idempotency_keys.fingerprint = EXCLUDED.fingerprint
RETURNING status;

-- name: IdempotencyGet :one
SELECT fingerprint, status, response_status, response_headers, response_body, locked_until
FROM idempotency_keys
WHERE principal_kind = @principal_kind AND principal_id = @principal_id AND key = @key;

-- name: IdempotencyComplete :execrows
UPDATE idempotency_keys
SET status = 'completed', response_status = @response_status, response_headers = @response_headers,
    response_body = @response_body, completed_at = @now
WHERE principal_kind = @principal_kind AND principal_id = @principal_id AND key = @key AND status = 'running';

-- name: IdempotencyRelease :exec
DELETE FROM idempotency_keys
WHERE principal_kind = @principal_kind AND principal_id = @principal_id AND key = @key AND status = 'running';

-- name: IdempotencyPurge :execrows
DELETE FROM idempotency_keys WHERE created_at < @before;
