package domain

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// NewAuditEvent stamps an audit record with the request's id and client IP
// (carried by ctx) and the actor's roles at the time.
func NewAuditEvent(ctx context.Context, clock Clock, actor Principal, action, subjectType string, subjectID uuid.UUID, details map[string]any) AuditEvent {
	return AuditEvent{
		ID: uuid.Must(uuid.NewV7()), OccurredAt: clock.Now(), Actor: actor, ActorRole: actingRole(actor),
		Action: action, SubjectType: subjectType, SubjectID: subjectID,
		RequestID: RequestID(ctx), ClientIP: ClientIP(ctx), Details: details,
	}
}

// actingRole is the roles the actor held, sorted and joined ("finance,operator").
func actingRole(p Principal) Role {
	if len(p.Roles) == 0 {
		return ""
	}
	rs := make([]string, len(p.Roles))
	for i, r := range p.Roles {
		rs[i] = string(r)
	}
	slices.Sort(rs)
	return Role(strings.Join(rs, ","))
}

type clientIPKey struct{}

// WithClientIP carries the caller's IP (as the HTTP layer resolved it) into
// use cases for audit records.
func WithClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, clientIPKey{}, ip)
}

// ClientIP returns the IP carried by ctx, or "".
func ClientIP(ctx context.Context) string {
	ip, _ := ctx.Value(clientIPKey{}).(string)
	return ip
}

// AuditFilter narrows the audit trail; zero fields do not filter.
type AuditFilter struct {
	ActorID     uuid.UUID
	Action      string
	SubjectType string
	SubjectID   uuid.UUID
	From, To    time.Time
}

// AuditLog reads the audit trail, newest first.
type AuditLog interface {
	// ListAudit returns up to limit events matching f with id < before
	// (uuid.Nil: from the newest).
	ListAudit(ctx context.Context, f AuditFilter, before uuid.UUID, limit int) ([]AuditEvent, error)
	// CustomerAudit returns up to limit events about customerID or its
	// objects (Details["customer_id"]) with id < before.
	CustomerAudit(ctx context.Context, customerID, before uuid.UUID, limit int) ([]AuditEvent, error)
}

// AuditService reads the audit trail for admins and a customer's timeline.
type AuditService struct {
	store Store
	log   AuditLog
}

// NewAuditService wires the service.
func NewAuditService(store Store, log AuditLog) *AuditService {
	return &AuditService{store: store, log: log}
}

// List is the whole trail, for admins. Errors: ErrForbidden.
func (s *AuditService) List(ctx context.Context, actor Principal, f AuditFilter, before uuid.UUID, limit int) (Page[AuditEvent], error) {
	if !actor.HasAnyRole(RoleAdmin) {
		return Page[AuditEvent]{}, ErrForbidden
	}
	items, err := s.log.ListAudit(ctx, f, before, limit+1)
	if err != nil {
		return Page[AuditEvent]{}, err
	}
	return pageOf(items, limit, func(e AuditEvent) uuid.UUID { return e.ID }), nil
}

// CustomerTimeline is what happened to one customer: the customer itself
// and staff see it; another customer gets ErrNotFound, as for a missing id.
func (s *AuditService) CustomerTimeline(ctx context.Context, actor Principal, customerID, before uuid.UUID, limit int) (Page[AuditEvent], error) {
	c, err := s.store.Customers().CustomerByID(ctx, customerID)
	if err != nil {
		return Page[AuditEvent]{}, err
	}
	if !c.VisibleTo(actor) {
		return Page[AuditEvent]{}, ErrNotFound
	}
	items, err := s.log.CustomerAudit(ctx, customerID, before, limit+1)
	if err != nil {
		return Page[AuditEvent]{}, err
	}
	return pageOf(items, limit, func(e AuditEvent) uuid.UUID { return e.ID }), nil
}
