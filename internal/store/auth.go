package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/partnerlab/storefront/internal/domain"
	"github.com/partnerlab/storefront/internal/store/internal/db"
)

// AuthStore implements domain.AuthStore.
type AuthStore struct{ s *Store }

var _ domain.AuthStore = (*AuthStore)(nil)

func (a *AuthStore) CreateUser(ctx context.Context, u domain.User) error {
	err := a.s.q.CreateUser(ctx, db.CreateUserParams{
		ID: u.ID, Email: u.Email, EmailNormalized: domain.NormalizeEmail(u.Email), Mobile: nullable(u.Mobile),
		Name: nullable(u.Name), PasswordHash: u.PasswordHash, Roles: rolesToDB(u.Roles), Status: string(u.Status),
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt,
	})
	return translate(err, "user")
}

func (a *AuthStore) UserByEmail(ctx context.Context, email string) (domain.User, error) {
	r, err := a.s.q.UserByEmail(ctx, email)
	if err != nil {
		return domain.User{}, translate(err, "user")
	}
	return userFromDB(r), nil
}

func (a *AuthStore) UserByID(ctx context.Context, id uuid.UUID) (domain.User, error) {
	r, err := a.s.q.UserByID(ctx, id)
	if err != nil {
		return domain.User{}, translate(err, "user")
	}
	return userFromDB(r), nil
}

func (a *AuthStore) ListStaff(ctx context.Context, after uuid.UUID, limit int) ([]domain.User, error) {
	rows, err := a.s.q.ListStaff(ctx, db.ListStaffParams{After: after, MaxRows: int32(limit)})
	if err != nil {
		return nil, translate(err, "staff")
	}
	out := make([]domain.User, len(rows))
	for i, r := range rows {
		out[i] = userFromDB(r)
	}
	return out, nil
}

func (a *AuthStore) SetUserStatus(ctx context.Context, id uuid.UUID, status domain.Status, now time.Time) (domain.User, error) {
	r, err := a.s.q.SetUserStatus(ctx, db.SetUserStatusParams{ID: id, Status: string(status), UpdatedAt: now})
	if err != nil {
		return domain.User{}, translate(err, "user")
	}
	return userFromDB(r), nil
}

func (a *AuthStore) LoginFailures(ctx context.Context, email string, since time.Time) (int, time.Time, error) {
	r, err := a.s.q.LoginFailures(ctx, db.LoginFailuresParams{EmailNormalized: email, Since: since})
	if err != nil {
		return 0, time.Time{}, translate(err, "login failures")
	}
	return int(r.N), r.Oldest, nil
}

func (a *AuthStore) RecordLoginFailure(ctx context.Context, email string, at time.Time) error {
	return translate(a.s.q.RecordLoginFailure(ctx, db.RecordLoginFailureParams{EmailNormalized: email, FailedAt: at}), "login failure")
}

func (a *AuthStore) ClearLoginFailures(ctx context.Context, email string) error {
	return translate(a.s.q.ClearLoginFailures(ctx, email), "login failures")
}

func (a *AuthStore) InsertRefreshToken(ctx context.Context, t domain.RefreshToken) error {
	return translate(a.s.q.InsertRefreshToken(ctx, db.InsertRefreshTokenParams{
		ID: t.ID, FamilyID: t.FamilyID, UserID: t.UserID, TokenHash: t.Hash, CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt,
	}), "refresh token")
}

func (a *AuthStore) RefreshTokenForUpdate(ctx context.Context, hash []byte) (domain.RefreshToken, error) {
	r, err := a.s.q.RefreshTokenForUpdate(ctx, hash)
	if err != nil {
		return domain.RefreshToken{}, translate(err, "refresh token")
	}
	return domain.RefreshToken{ID: r.ID, FamilyID: r.FamilyID, UserID: r.UserID, Hash: r.TokenHash,
		CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt, UsedAt: r.UsedAt, RevokedAt: r.RevokedAt}, nil
}

func (a *AuthStore) MarkRefreshTokenUsed(ctx context.Context, id uuid.UUID, at time.Time) error {
	return translate(a.s.q.MarkRefreshTokenUsed(ctx, db.MarkRefreshTokenUsedParams{ID: id, UsedAt: &at}), "refresh token")
}

func (a *AuthStore) RevokeRefreshFamily(ctx context.Context, family uuid.UUID, at time.Time) error {
	return translate(a.s.q.RevokeRefreshFamily(ctx, db.RevokeRefreshFamilyParams{FamilyID: family, RevokedAt: &at}), "refresh family")
}

func (a *AuthStore) RevokeUserRefreshTokens(ctx context.Context, user uuid.UUID, at time.Time) error {
	return translate(a.s.q.RevokeUserRefreshTokens(ctx, db.RevokeUserRefreshTokensParams{UserID: user, RevokedAt: &at}), "refresh tokens")
}

func (a *AuthStore) CreateAPIClient(ctx context.Context, c domain.APIClient) error {
	return translate(a.s.q.CreateAPIClient(ctx, db.CreateAPIClientParams{
		ID: c.ID, Name: c.Name, SecretHash: c.SecretHash, Scopes: scopesToDB(c.Scopes), Status: string(c.Status),
		CreatedBy: c.CreatedBy, CreatedAt: c.CreatedAt,
	}), "api client")
}

func (a *AuthStore) APIClientByID(ctx context.Context, id uuid.UUID) (domain.APIClient, error) {
	r, err := a.s.q.APIClientByID(ctx, id)
	if err != nil {
		return domain.APIClient{}, translate(err, "api client")
	}
	return apiClientFromDB(r), nil
}

func (a *AuthStore) ListAPIClients(ctx context.Context, after uuid.UUID, limit int) ([]domain.APIClient, error) {
	rows, err := a.s.q.ListAPIClients(ctx, db.ListAPIClientsParams{After: after, MaxRows: int32(limit)})
	if err != nil {
		return nil, translate(err, "api clients")
	}
	out := make([]domain.APIClient, len(rows))
	for i, r := range rows {
		out[i] = apiClientFromDB(r)
	}
	return out, nil
}

func (a *AuthStore) DisableAPIClient(ctx context.Context, id uuid.UUID, at time.Time) error {
	n, err := a.s.q.DisableAPIClient(ctx, db.DisableAPIClientParams{ID: id, DisabledAt: &at})
	if err != nil {
		return translate(err, "api client")
	}
	if n == 0 {
		return domain.Errorf(domain.CodeNotFound, "api client not found")
	}
	return nil
}

// auditStore appends to the audit trail; only a transaction hands one out.
type auditStore struct{ s *Store }

func (a auditStore) Append(ctx context.Context, e domain.AuditEvent) error {
	details, err := json.Marshal(e.Details)
	if err != nil {
		return err
	}
	if e.Details == nil {
		details = []byte("{}")
	}
	var actor, subject *uuid.UUID
	if e.Actor.ID != uuid.Nil {
		actor = &e.Actor.ID
	}
	if e.SubjectID != uuid.Nil {
		subject = &e.SubjectID
	}
	kind := string(e.Actor.Kind)
	if kind == "" {
		kind = "system"
	}
	return translate(a.s.q.AppendAudit(ctx, db.AppendAuditParams{
		ID: e.ID, OccurredAt: e.OccurredAt, ActorKind: kind, ActorID: actor, ActorRole: nullable(string(e.ActorRole)), Action: e.Action,
		SubjectType: e.SubjectType, SubjectID: subject, RequestID: e.RequestID, ClientIp: nullable(e.ClientIP), Details: details,
	}), "audit event")
}

// PurgeExpired deletes refresh tokens past expiry and login failures older
// than a day (the lockout only looks back 15 minutes).
func (a *AuthStore) PurgeExpired(ctx context.Context, now time.Time) (int64, error) {
	s := a.s
	n, err := s.q.PurgeRefreshTokens(ctx, now)
	if err != nil {
		return 0, translate(err, "refresh tokens")
	}
	m, err := s.q.PurgeLoginFailures(ctx, now.Add(-24*time.Hour))
	if err != nil {
		return 0, translate(err, "login failures")
	}
	return n + m, nil
}

func userFromDB(r db.User) domain.User {
	roles := make([]domain.Role, len(r.Roles))
	for i, x := range r.Roles {
		roles[i] = domain.Role(x)
	}
	return domain.User{ID: r.ID, Email: r.Email, Mobile: deref(r.Mobile), Name: deref(r.Name), PasswordHash: r.PasswordHash,
		Roles: roles, Status: domain.Status(r.Status), CustomerID: r.CustomerID, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

func apiClientFromDB(r db.ApiClient) domain.APIClient {
	scopes := make([]domain.Scope, len(r.Scopes))
	for i, x := range r.Scopes {
		scopes[i] = domain.Scope(x)
	}
	return domain.APIClient{ID: r.ID, Name: r.Name, SecretHash: r.SecretHash, Scopes: scopes, Status: domain.Status(r.Status), CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt}
}

func rolesToDB(rs []domain.Role) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}

func scopesToDB(ss []domain.Scope) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
