package domain

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// IdempotencyTTL is how long a stored answer is replayed (docs/design.md
// §2.7: at least 72 hours).
const IdempotencyTTL = 72 * time.Hour

// IdempotencyKey scopes a client's Idempotency-Key to the caller, so two
// callers can never see each other's answers.
type IdempotencyKey struct {
	Principal Principal
	Key       string
}

// IdempotencyRecord is the recovery point of one (caller, key).
type IdempotencyRecord struct {
	Fingerprint []byte
	Completed   bool
	LockedUntil time.Time
	// The stored answer, when Completed.
	Status  int
	Headers map[string]string
	Body    []byte
}

// IdempotencyStore keeps recovery points in Postgres, so every replica
// answers a retried request the same.
type IdempotencyStore interface {
	// Begin claims k for a request with this fingerprint until lockUntil.
	// started is true when the caller now runs the request (a new key, or a
	// running one whose holder died: its lock expired and the body is the
	// same); otherwise rec is what is stored. Errors: infrastructure only.
	Begin(ctx context.Context, k IdempotencyKey, fingerprint []byte, now, lockUntil time.Time) (rec IdempotencyRecord, started bool, err error)
	// Complete stores the answer of a started request.
	Complete(ctx context.Context, k IdempotencyKey, rec IdempotencyRecord, now time.Time) error
	// Release forgets a started request whose answer must not be replayed
	// (it failed before doing anything), so a retry runs again.
	Release(ctx context.Context, k IdempotencyKey) error
	// Purge deletes keys created before `before`; it returns how many.
	Purge(ctx context.Context, before time.Time) (int64, error)
}

// Scope returns the kind and id the key is scoped to: the user or client.
func (k IdempotencyKey) Scope() (kind string, id uuid.UUID) {
	return string(k.Principal.Kind), k.Principal.ID
}

// PurgeIdempotencyKeysJob deletes recovery points older than IdempotencyTTL;
// it runs periodically.
type PurgeIdempotencyKeysJob struct{}

// Kind implements Job.
func (PurgeIdempotencyKeysJob) Kind() string { return "purge_idempotency_keys" }

// PurgeIdempotencyKeys is the reaper's use case: keys live IdempotencyTTL.
func PurgeIdempotencyKeys(ctx context.Context, st IdempotencyStore, clock Clock) (int64, error) {
	return st.Purge(ctx, clock.Now().Add(-IdempotencyTTL))
}
