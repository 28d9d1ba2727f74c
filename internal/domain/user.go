package domain

import (
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Role is what a person may do (docs/design.md §3).
type Role string

const (
	RoleCustomer Role = "customer"
	RoleOperator Role = "operator"
	RoleFinance  Role = "finance"
	RoleAdmin    Role = "admin"
)

// StaffRoles are the roles an admin may grant.
var StaffRoles = []Role{RoleOperator, RoleFinance, RoleAdmin}

// Scope is what an API client may do.
type Scope string

// Status of a user or API client.
type Status string

const (
	StatusActive   Status = "active"
	StatusDisabled Status = "disabled"
)

// User is a person who signs in: a customer or partner staff.
type User struct {
	ID           uuid.UUID
	Email        string
	Mobile       string
	Name         string
	PasswordHash string
	Roles        []Role
	Status       Status
	CustomerID   *uuid.UUID // set once the user became a Huawei Cloud customer
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// IsStaff reports whether the user holds any staff role.
func (u User) IsStaff() bool {
	return slices.ContainsFunc(u.Roles, func(r Role) bool { return r != RoleCustomer })
}

// NormalizeEmail is the key emails are unique by: trimmed and lower-cased.
// It is not a validation: every address comes from ParseEmail, whose
// canonical form it leaves unchanged.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// PrincipalKind says whether a caller is a person or a third-party client.
type PrincipalKind string

const (
	PrincipalUser   PrincipalKind = "user"
	PrincipalClient PrincipalKind = "api_client"
)

// Principal is the authenticated caller of a request, as the access token says.
type Principal struct {
	Kind   PrincipalKind
	ID     uuid.UUID
	Roles  []Role
	Scopes []Scope
}

// HasAnyRole reports whether p holds at least one of roles.
func (p Principal) HasAnyRole(roles ...Role) bool {
	return slices.ContainsFunc(p.Roles, func(r Role) bool { return slices.Contains(roles, r) })
}

// HasAllScopes reports whether p was granted every scope in scopes.
func (p Principal) HasAllScopes(scopes ...Scope) bool {
	for _, s := range scopes {
		if !slices.Contains(p.Scopes, s) {
			return false
		}
	}
	return true
}

// APIClient is a third party that authenticates with client credentials.
type APIClient struct {
	ID         uuid.UUID
	Name       string
	SecretHash []byte
	Scopes     []Scope
	Status     Status
	CreatedBy  uuid.UUID
	CreatedAt  time.Time
}

// RefreshToken is the stored form of an opaque refresh token (its SHA-256).
type RefreshToken struct {
	ID        uuid.UUID
	FamilyID  uuid.UUID
	UserID    uuid.UUID
	Hash      []byte
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
	RevokedAt *time.Time
}

// AuditEvent is one entry of the append-only audit trail, written in the
// same transaction as the change it records. Details is a redacted summary:
// never a secret, a name or a certificate number.
type AuditEvent struct {
	ID          uuid.UUID
	OccurredAt  time.Time
	Actor       Principal // Kind "" means the system (a job)
	ActorRole   Role      // the role the actor acted in; "" for clients and the system
	Action      string
	SubjectType string
	SubjectID   uuid.UUID
	RequestID   string
	ClientIP    string
	Details     map[string]any
}

// Page is a cursor-paginated slice. After is the id the next page starts after.
type Page[T any] struct {
	Items []T
	Next  *uuid.UUID
}
