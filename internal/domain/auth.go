package domain

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
)

// Lockout policy: this many failed logins on one email within the window
// answer ErrAccountLocked until the oldest failure leaves the window.
const (
	LoginFailureLimit  = 5
	LoginFailureWindow = 15 * time.Minute
)

// TokenPair is what a successful login, signup or refresh returns.
type TokenPair struct {
	AccessToken  string
	RefreshToken string
	ExpiresIn    time.Duration
}

// ClientToken is what the client-credentials grant returns.
type ClientToken struct {
	AccessToken string
	ExpiresIn   time.Duration
	Scopes      []Scope
}

// AuthService holds the use cases of people and credentials.
type AuthService struct {
	store      Store
	hasher     PasswordHasher
	tokens     TokenIssuer
	clock      Clock
	refreshTTL time.Duration
	principals principalCache
	// dummyHash is verified against when the email is unknown, so an unknown
	// email costs the same time as a wrong password.
	dummyHash string
}

// NewAuthService wires the service; refreshTTL is the refresh token lifetime.
func NewAuthService(store Store, hasher PasswordHasher, tokens TokenIssuer, clock Clock, refreshTTL time.Duration) (*AuthService, error) {
	dummy, err := hasher.Hash(rand.Text())
	if err != nil {
		return nil, fmt.Errorf("auth: dummy hash: %w", err)
	}
	return &AuthService{store: store, hasher: hasher, tokens: tokens, clock: clock, refreshTTL: refreshTTL, dummyHash: dummy}, nil
}

// SignupInput is a customer's own registration.
type SignupInput struct {
	Email    string
	Password string
	Mobile   string
}

// Signup creates a customer and signs it in. Errors: ErrAlreadyExists.
func (s *AuthService) Signup(ctx context.Context, in SignupInput) (TokenPair, error) {
	u, err := s.newUser(in.Email, in.Password, in.Mobile, "", []Role{RoleCustomer})
	if err != nil {
		return TokenPair{}, err
	}
	var pair TokenPair
	err = s.store.InTx(ctx, func(tx Tx) error {
		st := tx.Auth()
		if err := st.CreateUser(ctx, u); err != nil {
			return err
		}
		pair, err = s.startSession(ctx, st, u, uuid.Nil)
		return err
	})
	return pair, err
}

// Login checks email and password. Errors: ErrUnauthenticated (same for an
// unknown email and a wrong password), ErrAccountLocked with RetryAfter.
func (s *AuthService) Login(ctx context.Context, email, password string) (TokenPair, error) {
	now := s.clock.Now()
	key, err := ParseEmail(email)
	if err != nil {
		return TokenPair{}, err
	}
	n, oldest, err := s.store.Auth().LoginFailures(ctx, key, now.Add(-LoginFailureWindow))
	if err != nil {
		return TokenPair{}, err
	}
	if n >= LoginFailureLimit {
		wait := oldest.Add(LoginFailureWindow).Sub(now)
		return TokenPair{}, &Error{Code: CodeAccountLocked, Message: "too many failed logins; try again later", RetryAfter: max(wait, time.Second)}
	}

	u, err := s.store.Auth().UserByEmail(ctx, key)
	found := err == nil
	if err != nil && !errors.Is(err, ErrNotFound) {
		return TokenPair{}, err
	}
	hash := s.dummyHash
	if found {
		hash = u.PasswordHash
	}
	ok, err := s.hasher.Verify(hash, password)
	if err != nil {
		return TokenPair{}, err
	}
	if !found || !ok || u.Status != StatusActive {
		if err := s.store.Auth().RecordLoginFailure(ctx, key, now); err != nil {
			return TokenPair{}, err
		}
		return TokenPair{}, Errorf(CodeUnauthenticated, "email or password is wrong")
	}
	var pair TokenPair
	err = s.store.InTx(ctx, func(tx Tx) error {
		st := tx.Auth()
		if err := st.ClearLoginFailures(ctx, key); err != nil {
			return err
		}
		pair, err = s.startSession(ctx, st, u, uuid.Nil)
		return err
	})
	return pair, err
}

// Refresh rotates a refresh token. A token that was already used revokes its
// whole family: someone holds a copy. Errors: ErrUnauthenticated.
func (s *AuthService) Refresh(ctx context.Context, token string) (TokenPair, error) {
	now := s.clock.Now()
	hash := hashToken(token)
	var pair TokenPair
	reused := false
	err := s.store.InTx(ctx, func(tx Tx) error {
		st := tx.Auth()
		reused = false
		t, err := st.RefreshTokenForUpdate(ctx, hash)
		if errors.Is(err, ErrNotFound) {
			return Errorf(CodeUnauthenticated, "refresh token is not valid")
		}
		if err != nil {
			return err
		}
		if t.UsedAt != nil || t.RevokedAt != nil {
			reused = t.RevokedAt == nil
			// Commit the revocation; the caller still gets 401.
			return st.RevokeRefreshFamily(ctx, t.FamilyID, now)
		}
		if !now.Before(t.ExpiresAt) {
			return Errorf(CodeUnauthenticated, "refresh token has expired")
		}
		u, err := st.UserByID(ctx, t.UserID)
		if err != nil {
			return err
		}
		if u.Status != StatusActive {
			return Errorf(CodeUnauthenticated, "account is disabled")
		}
		if err := st.MarkRefreshTokenUsed(ctx, t.ID, now); err != nil {
			return err
		}
		pair, err = s.startSession(ctx, st, u, t.FamilyID)
		return err
	})
	if err != nil {
		return TokenPair{}, err
	}
	if pair.AccessToken == "" {
		msg := "refresh token is not valid"
		if reused {
			msg = "refresh token was already used; every session of this login is revoked"
		}
		return TokenPair{}, Errorf(CodeUnauthenticated, "%s", msg)
	}
	return pair, nil
}

// Logout revokes the token's family. Unknown tokens are not an error: the
// result the caller wants (that token no longer works) already holds.
func (s *AuthService) Logout(ctx context.Context, token string) error {
	return s.store.InTx(ctx, func(tx Tx) error {
		st := tx.Auth()
		t, err := st.RefreshTokenForUpdate(ctx, hashToken(token))
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return st.RevokeRefreshFamily(ctx, t.FamilyID, s.clock.Now())
	})
}

// PurgeCredentialsJob asks for expired refresh tokens and old login failures
// to be deleted; it runs periodically.
type PurgeCredentialsJob struct{}

// Kind implements Job.
func (PurgeCredentialsJob) Kind() string { return "purge_auth" }

// PurgeCredentials deletes what expired; running it twice is harmless.
func (s *AuthService) PurgeCredentials(ctx context.Context) (int64, error) {
	return s.store.Auth().PurgeExpired(ctx, s.clock.Now())
}

// EnsureAdmin creates the first admin from configuration when no user has
// that email. It never changes an existing user. Reports whether it created one.
func (s *AuthService) EnsureAdmin(ctx context.Context, email, password string) (bool, error) {
	key, err := ParseEmail(email)
	if err != nil {
		return false, err
	}
	_, err = s.store.Auth().UserByEmail(ctx, key)
	if err == nil {
		return false, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return false, err
	}
	u, err := s.newUser(email, password, "", "Bootstrap admin", []Role{RoleAdmin})
	if err != nil {
		return false, err
	}
	if err := s.store.Auth().CreateUser(ctx, u); err != nil {
		if errors.Is(err, ErrAlreadyExists) { // another replica won the race
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// CreateStaffInput is an admin creating a staff account.
type CreateStaffInput struct {
	Email    string
	Password string
	Name     string
	Roles    []Role
}

// CreateStaff errors: ErrForbidden, ErrValidation, ErrAlreadyExists.
func (s *AuthService) CreateStaff(ctx context.Context, actor Principal, in CreateStaffInput) (User, error) {
	if !actor.HasAnyRole(RoleAdmin) {
		return User{}, ErrForbidden
	}
	for _, r := range in.Roles {
		if !slices.Contains(StaffRoles, r) {
			return User{}, &Error{Code: CodeValidation, Message: "invalid role", Fields: []FieldError{{Field: "roles", Code: "invalid", Message: fmt.Sprintf("%q is not a staff role", r)}}}
		}
	}
	u, err := s.newUser(in.Email, in.Password, "", in.Name, slices.Compact(slices.Sorted(slices.Values(in.Roles))))
	if err != nil {
		return User{}, err
	}
	err = s.store.InTx(ctx, func(tx Tx) error {
		st := tx.Auth()
		if err := st.CreateUser(ctx, u); err != nil {
			return err
		}
		return tx.Audit().Append(ctx, s.audit(ctx, actor, "staff.create", "user", u.ID, map[string]any{"roles": u.Roles}))
	})
	return u, err
}

// ListStaff errors: ErrForbidden.
func (s *AuthService) ListStaff(ctx context.Context, actor Principal, after uuid.UUID, limit int) (Page[User], error) {
	if !actor.HasAnyRole(RoleAdmin) {
		return Page[User]{}, ErrForbidden
	}
	items, err := s.store.Auth().ListStaff(ctx, after, limit+1)
	if err != nil {
		return Page[User]{}, err
	}
	return pageOf(items, limit, func(u User) uuid.UUID { return u.ID }), nil
}

// Staff returns one staff account. Errors: ErrForbidden, ErrNotFound.
func (s *AuthService) Staff(ctx context.Context, actor Principal, id uuid.UUID) (User, error) {
	if !actor.HasAnyRole(RoleAdmin) {
		return User{}, ErrForbidden
	}
	u, err := s.store.Auth().UserByID(ctx, id)
	if err != nil {
		return User{}, err
	}
	if !u.IsStaff() {
		return User{}, ErrNotFound
	}
	return u, nil
}

// SetStaffStatus disables (revoking every refresh token) or re-enables a staff
// account. Errors: ErrForbidden, ErrNotFound, ErrConflict (an admin disabling itself).
func (s *AuthService) SetStaffStatus(ctx context.Context, actor Principal, id uuid.UUID, status Status) (User, error) {
	if !actor.HasAnyRole(RoleAdmin) {
		return User{}, ErrForbidden
	}
	if id == actor.ID && status == StatusDisabled {
		return User{}, Errorf(CodeConflict, "an admin cannot disable its own account")
	}
	now := s.clock.Now()
	var out User
	err := s.store.InTx(ctx, func(tx Tx) error {
		st := tx.Auth()
		u, err := st.UserByID(ctx, id)
		if err != nil {
			return err
		}
		if !u.IsStaff() {
			return ErrNotFound
		}
		if out, err = st.SetUserStatus(ctx, id, status, now); err != nil {
			return err
		}
		if status == StatusDisabled {
			if err := st.RevokeUserRefreshTokens(ctx, id, now); err != nil {
				return err
			}
		}
		return tx.Audit().Append(ctx, s.audit(ctx, actor, "staff.set_status", "user", id, map[string]any{"status": status}))
	})
	if err == nil {
		s.principals.forget(id)
	}
	return out, err
}

// CreateAPIClient returns the client and its secret, which is never stored in
// clear and cannot be shown again. Errors: ErrForbidden.
func (s *AuthService) CreateAPIClient(ctx context.Context, actor Principal, name string, scopes []Scope) (APIClient, string, error) {
	if !actor.HasAnyRole(RoleAdmin) {
		return APIClient{}, "", ErrForbidden
	}
	secret := randomToken()
	c := APIClient{
		ID:         uuid.Must(uuid.NewV7()),
		Name:       name,
		SecretHash: hashToken(secret),
		Scopes:     slices.Compact(slices.Sorted(slices.Values(scopes))),
		Status:     StatusActive,
		CreatedBy:  actor.ID,
		CreatedAt:  s.clock.Now(),
	}
	err := s.store.InTx(ctx, func(tx Tx) error {
		st := tx.Auth()
		if err := st.CreateAPIClient(ctx, c); err != nil {
			return err
		}
		return tx.Audit().Append(ctx, s.audit(ctx, actor, "api_client.create", "api_client", c.ID, map[string]any{"scopes": c.Scopes}))
	})
	if err != nil {
		return APIClient{}, "", err
	}
	return c, secret, nil
}

// ListAPIClients errors: ErrForbidden.
func (s *AuthService) ListAPIClients(ctx context.Context, actor Principal, after uuid.UUID, limit int) (Page[APIClient], error) {
	if !actor.HasAnyRole(RoleAdmin) {
		return Page[APIClient]{}, ErrForbidden
	}
	items, err := s.store.Auth().ListAPIClients(ctx, after, limit+1)
	if err != nil {
		return Page[APIClient]{}, err
	}
	return pageOf(items, limit, func(c APIClient) uuid.UUID { return c.ID }), nil
}

// DisableAPIClient errors: ErrForbidden, ErrNotFound.
func (s *AuthService) DisableAPIClient(ctx context.Context, actor Principal, id uuid.UUID) error {
	if !actor.HasAnyRole(RoleAdmin) {
		return ErrForbidden
	}
	err := s.store.InTx(ctx, func(tx Tx) error {
		st := tx.Auth()
		if err := st.DisableAPIClient(ctx, id, s.clock.Now()); err != nil {
			return err
		}
		return tx.Audit().Append(ctx, s.audit(ctx, actor, "api_client.disable", "api_client", id, nil))
	})
	if err == nil {
		s.principals.forget(id)
	}
	return err
}

// ClientCredentials is the OAuth 2.0 client-credentials grant. requested may
// narrow the client's scopes; empty means all of them. Errors:
// ErrUnauthenticated (unknown client, wrong secret, disabled), ErrValidation
// (a scope the client was not granted).
func (s *AuthService) ClientCredentials(ctx context.Context, clientID uuid.UUID, secret string, requested []Scope) (ClientToken, error) {
	bad := Errorf(CodeUnauthenticated, "client authentication failed")
	c, err := s.store.Auth().APIClientByID(ctx, clientID)
	if errors.Is(err, ErrNotFound) {
		return ClientToken{}, bad
	}
	if err != nil {
		return ClientToken{}, err
	}
	if subtle.ConstantTimeCompare(c.SecretHash, hashToken(secret)) != 1 || c.Status != StatusActive {
		return ClientToken{}, bad
	}
	scopes := c.Scopes
	if len(requested) > 0 {
		for _, r := range requested {
			if !slices.Contains(c.Scopes, r) {
				return ClientToken{}, &Error{Code: CodeValidation, Message: "scope not granted to this client",
					Fields: []FieldError{{Field: "scope", Code: "not_granted", Message: fmt.Sprintf("%q is not granted", r)}}}
			}
		}
		scopes = slices.Compact(slices.Sorted(slices.Values(requested)))
	}
	tok, ttl, err := s.tokens.IssueAccess(Principal{Kind: PrincipalClient, ID: c.ID, Scopes: scopes}, s.clock.Now())
	if err != nil {
		return ClientToken{}, err
	}
	return ClientToken{AccessToken: tok, ExpiresIn: ttl, Scopes: scopes}, nil
}

func (s *AuthService) newUser(email, password, mobile, name string, roles []Role) (User, error) {
	email, err := ParseEmail(email)
	if err != nil {
		return User{}, err
	}
	hash, err := s.hasher.Hash(password)
	if err != nil {
		return User{}, err
	}
	now := s.clock.Now()
	return User{
		ID:           uuid.Must(uuid.NewV7()),
		Email:        email,
		Mobile:       mobile,
		Name:         name,
		PasswordHash: hash,
		Roles:        roles,
		Status:       StatusActive,
		CreatedAt:    now,
		UpdatedAt:    now,
	}, nil
}

// startSession issues an access token and a fresh refresh token in family
// (a new family when family is uuid.Nil).
func (s *AuthService) startSession(ctx context.Context, st AuthStore, u User, family uuid.UUID) (TokenPair, error) {
	now := s.clock.Now()
	if family == uuid.Nil {
		family = uuid.Must(uuid.NewV7())
	}
	refresh := randomToken()
	if err := st.InsertRefreshToken(ctx, RefreshToken{
		ID: uuid.Must(uuid.NewV7()), FamilyID: family, UserID: u.ID, Hash: hashToken(refresh),
		CreatedAt: now, ExpiresAt: now.Add(s.refreshTTL),
	}); err != nil {
		return TokenPair{}, err
	}
	access, ttl, err := s.tokens.IssueAccess(Principal{Kind: PrincipalUser, ID: u.ID, Roles: u.Roles}, now)
	if err != nil {
		return TokenPair{}, err
	}
	return TokenPair{AccessToken: access, RefreshToken: refresh, ExpiresIn: ttl}, nil
}

func (s *AuthService) audit(ctx context.Context, actor Principal, action, subjectType string, subjectID uuid.UUID, details map[string]any) AuditEvent {
	return NewAuditEvent(ctx, s.clock, actor, action, subjectType, subjectID, details)
}

// randomToken is 256 bits from crypto/rand, base64url without padding.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand documents it)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

func pageOf[T any](items []T, limit int, id func(T) uuid.UUID) Page[T] {
	if len(items) <= limit {
		return Page[T]{Items: items}
	}
	items = items[:limit]
	next := id(items[len(items)-1])
	return Page[T]{Items: items, Next: &next}
}

type requestIDKey struct{}

// WithRequestID carries the request id into use cases for audit records.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request id carried by ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
