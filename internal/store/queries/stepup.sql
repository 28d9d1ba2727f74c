-- Enrolment: a new secret replaces an unconfirmed one; a confirmed one is kept (0 rows).
-- name: UpsertTOTPCredential :execrows
INSERT INTO totp_credentials (user_id, secret_sealed, created_at, updated_at)
VALUES (@user_id, @secret_sealed, @now, @now)
ON CONFLICT (user_id) DO UPDATE
SET secret_sealed = excluded.secret_sealed, last_used_step = NULL, created_at = excluded.created_at, updated_at = excluded.updated_at
WHERE totp_credentials.confirmed_at IS NULL;

-- name: TOTPCredential :one
SELECT * FROM totp_credentials WHERE user_id = @user_id;

-- name: TOTPCredentialForUpdate :one
SELECT * FROM totp_credentials WHERE user_id = @user_id FOR UPDATE;

-- name: ConfirmTOTPCredential :exec
UPDATE totp_credentials SET confirmed_at = @now::timestamptz, last_used_step = @step::bigint, updated_at = @now::timestamptz WHERE user_id = @user_id;

-- name: SetTOTPLastUsedStep :exec
UPDATE totp_credentials SET last_used_step = @step::bigint, updated_at = @now WHERE user_id = @user_id;

-- name: CreateStepUpChallenge :exec
INSERT INTO step_up_challenges (id, user_id, action, customer_id, amount, operation_id, expires_at, created_at)
VALUES (@id, @user_id, @action, @customer_id, @amount, @operation_id, @expires_at, @created_at);

-- name: StepUpChallengeForUpdate :one
SELECT * FROM step_up_challenges WHERE id = @id FOR UPDATE;

-- name: SetStepUpChallengeAttempts :exec
UPDATE step_up_challenges SET attempts = @attempts WHERE id = @id;

-- name: MarkStepUpChallengeUsed :exec
UPDATE step_up_challenges SET used_at = @used_at::timestamptz WHERE id = @id;

-- name: DeleteExpiredStepUpChallenges :execrows
DELETE FROM step_up_challenges WHERE user_id = @user_id AND expires_at < @before;

-- A staff member's wrong answers across challenges created since a time, and the oldest such challenge.
-- name: StepUpWrongAnswers :one
SELECT coalesce(sum(attempts), 0)::int AS n,
       coalesce(min(created_at) FILTER (WHERE attempts > 0), 'epoch'::timestamptz)::timestamptz AS oldest
FROM step_up_challenges WHERE user_id = @user_id AND created_at > @since;
