package domain

import (
	"context"
	"io"
	"time"

	"github.com/google/uuid"
)

// Clock is injected so rules about time are testable (docs/design.md §2.9).
type Clock interface {
	Now() time.Time
}

// PasswordHasher hashes and verifies passwords (argon2id in production).
type PasswordHasher interface {
	Hash(password string) (string, error)
	// Verify reports whether password matches encoded; an error means the
	// encoded hash itself is unusable.
	Verify(encoded, password string) (bool, error)
}

// TokenIssuer signs access tokens.
type TokenIssuer interface {
	// IssueAccess returns a signed access token for p and its lifetime.
	IssueAccess(p Principal, now time.Time) (token string, ttl time.Duration, err error)
}

// Store is the one storage port. Outside a transaction its aggregate stores
// read (and write single rows that need no companion); InTx runs fn in one
// Postgres transaction whose Tx sees every aggregate's store and enqueues
// jobs, so an intent and the job that carries it out commit together or not
// at all (docs/design.md §1, §2.2).
type Store interface {
	// InTx runs fn in one transaction. Serialization failures and deadlocks
	// are retried by the implementation, so fn may run more than once and must
	// not have effects outside the transaction.
	InTx(ctx context.Context, fn func(Tx) error) error
	Auth() AuthStore
	Customers() CustomerStore
	RealName() RealNameStore
	StepUp() StepUpStore
	Money() MoneyStore
	Commerce() CommerceStore
}

// Tx is a transaction's view of the store.
type Tx interface {
	Auth() AuthStore
	Customers() CustomerStore
	RealName() RealNameStore
	StepUp() StepUpStore
	// Audit appends to the audit trail; it exists only inside a transaction,
	// so a change and its record commit together.
	Audit() AuditStore
	// Enqueue schedules job to run after the transaction commits; a rollback
	// discards it. A job whose Options say Unique is not enqueued again while
	// one with the same arguments is pending or running.
	Enqueue(ctx context.Context, job Job) error
	// Money is the money store inside this transaction.
	Money() MoneyStore
	// Commerce is the commerce store inside this transaction.
	Commerce() CommerceStore
	// Wake makes a waiting job with exactly job's arguments (scheduled,
	// snoozed or retrying) due now, when the transaction commits; a running,
	// finished or missing job is left alone.
	Wake(ctx context.Context, job Job) error
	// SaveAnswer stores the completed answer of a request's Idempotency-Key
	// with this transaction (see RequestClaim); stored is false when the key
	// has a row already.
	SaveAnswer(ctx context.Context, k IdempotencyKey, rec IdempotencyRecord, now time.Time) (stored bool, err error)
	// Pipeline runs fn with its writes queued, and sends them to the
	// database in one round trip when fn returns: the hot path's
	// statements cost one wait instead of one each. fn may only write
	// (a read fails); a write reports success when queued, and the first
	// failure is what Pipeline returns (then the transaction must roll
	// back). Money().Transfer and SaveAnswer work in it, their overdraft
	// (ErrOverdraft) and taken key (ErrAnswerTaken) reported by Pipeline.
	// Enqueue works for a job due now (not one with Options.RunAt). Use the package's
	// Pipeline function, which also notes a taken key on the request.
	Pipeline(ctx context.Context, fn func(Tx) error) error
	// PipelineAndCommit is Pipeline whose round trip also commits the
	// transaction: it must be the transaction's last step (its function
	// returns right after). Inside a nested transaction it is Pipeline.
	PipelineAndCommit(ctx context.Context, fn func(Tx) error) error
}

// Job is a plain value describing work that runs after a commit, outside any
// transaction (typically an upstream call). Kind names it for the queue; the
// worker in internal/jobs decodes it and calls one use case.
type Job interface {
	Kind() string
}

// JobOptions are what a job may ask of the queue.
type JobOptions struct {
	// Unique: at most one job with this kind and these arguments is pending,
	// scheduled or running.
	Unique bool
	// RunAt delays the first attempt; zero means now.
	RunAt time.Time
	// MaxAttempts bounds retries; zero means the queue's default.
	MaxAttempts int
}

// JobWithOptions is a Job that states its options.
type JobWithOptions interface {
	Job
	JobOptions() JobOptions
}

// AuditStore keeps the append-only audit trail.
type AuditStore interface {
	Append(ctx context.Context, e AuditEvent) error
}

// AuthStore keeps users and credentials.
type AuthStore interface {
	// CreateUser inserts u. Errors: ErrAlreadyExists when the email is taken.
	CreateUser(ctx context.Context, u User) error
	// UserByEmail finds by normalized email. Errors: ErrNotFound.
	UserByEmail(ctx context.Context, emailNormalized string) (User, error)
	// UserByID errors: ErrNotFound.
	UserByID(ctx context.Context, id uuid.UUID) (User, error)
	// ListStaff returns up to limit staff users with id > after, by id.
	ListStaff(ctx context.Context, after uuid.UUID, limit int) ([]User, error)
	// SetUserStatus errors: ErrNotFound.
	SetUserStatus(ctx context.Context, id uuid.UUID, status Status, now time.Time) (User, error)

	// LoginFailures counts failures for the email since `since` and returns the oldest of them.
	LoginFailures(ctx context.Context, emailNormalized string, since time.Time) (n int, oldest time.Time, err error)
	RecordLoginFailure(ctx context.Context, emailNormalized string, at time.Time) error
	ClearLoginFailures(ctx context.Context, emailNormalized string) error

	InsertRefreshToken(ctx context.Context, t RefreshToken) error
	// RefreshTokenForUpdate locks the token row. Errors: ErrNotFound.
	RefreshTokenForUpdate(ctx context.Context, hash []byte) (RefreshToken, error)
	MarkRefreshTokenUsed(ctx context.Context, id uuid.UUID, at time.Time) error
	RevokeRefreshFamily(ctx context.Context, familyID uuid.UUID, at time.Time) error
	RevokeUserRefreshTokens(ctx context.Context, userID uuid.UUID, at time.Time) error

	// CreateAPIClient errors: none beyond infrastructure.
	CreateAPIClient(ctx context.Context, c APIClient) error
	// APIClientByID errors: ErrNotFound.
	APIClientByID(ctx context.Context, id uuid.UUID) (APIClient, error)
	ListAPIClients(ctx context.Context, after uuid.UUID, limit int) ([]APIClient, error)
	// DisableAPIClient errors: ErrNotFound.
	DisableAPIClient(ctx context.Context, id uuid.UUID, at time.Time) error

	// PurgeExpired deletes expired refresh tokens and old login failures; it
	// returns how many rows went.
	PurgeExpired(ctx context.Context, now time.Time) (int64, error)
}

// Cipher seals small sensitive values (names, certificate numbers) before
// they are stored (docs/design.md §4). associatedData is authenticated but
// not stored: Open needs the same bytes, so callers bind a value to its row
// and column and a sealed value copied elsewhere does not open.
type Cipher interface {
	Seal(plaintext, associatedData []byte) ([]byte, error)
	Open(sealed, associatedData []byte) ([]byte, error)
}

// BlindIndexer gives a keyed hash for exact search of a sealed value:
// equal inputs give equal indexes; without the key an index cannot be
// checked against guesses. Callers normalise the input first.
type BlindIndexer interface {
	BlindIndex(value []byte) []byte
}

// Files keeps uploaded objects by key: relative slash-separated paths such
// as "realname/<customer id>/<file id>.png". For Huawei the same keys are
// the attachment paths relative to the OBS bucket's download/ directory
// (docs/huawei-bss.md §2), so a key never changes once stored.
type Files interface {
	// Put stores everything r yields under key, atomically: on an error
	// (including one r returns) nothing is left under key. Errors:
	// ErrAlreadyExists when key is taken.
	Put(ctx context.Context, key string, r io.Reader) error
	// Open reads an object. Errors: ErrNotFound.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Remove deletes an object; a missing one is not an error.
	Remove(ctx context.Context, key string) error
}
