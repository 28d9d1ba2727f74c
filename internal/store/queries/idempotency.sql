-- name: IdempotencyInsert :execrows
-- Claims a new (caller, key); 0 rows when it exists (read it instead).
INSERT INTO idempotency_keys (principal_kind, principal_id, key, fingerprint, status, locked_until, created_at)
VALUES (@principal_kind, @principal_id, @key, @fingerprint, 'running', @locked_until, @now)
ON CONFLICT (principal_kind, principal_id, key) DO NOTHING;

-- name: IdempotencyTakeOver :execrows
-- Takes over a running key whose holder died (its lock expired), for the
-- same body only.
UPDATE idempotency_keys SET locked_until = @locked_until
WHERE principal_kind = @principal_kind AND principal_id = @principal_id AND key = @key
  AND status = 'running' AND locked_until < @now AND fingerprint = @fingerprint;

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
