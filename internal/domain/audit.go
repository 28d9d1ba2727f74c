package domain

import (
	"context"
	"slices"
	"strings"

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
