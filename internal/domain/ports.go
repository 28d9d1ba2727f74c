package domain

import (
	"context"
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

// AuthStore keeps users, credentials and the audit trail.
type AuthStore interface {
	// InTx runs fn in one database transaction; fn's store sees and writes only
	// inside it. Serialization failures are retried by the implementation.
	InTx(ctx context.Context, fn func(AuthStore) error) error

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

	AppendAudit(ctx context.Context, e AuditEvent) error
}
