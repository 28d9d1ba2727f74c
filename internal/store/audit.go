package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/partnerlab/storefront/internal/domain"
	"github.com/partnerlab/storefront/internal/store/internal/db"
)

// AuditLog implements domain.AuditLog.
type AuditLog struct{ s *Store }

var _ domain.AuditLog = (*AuditLog)(nil)

// AuditLog reads the audit trail.
func (s *Store) AuditLog() *AuditLog { return &AuditLog{s: s} }

func (a *AuditLog) ListAudit(ctx context.Context, f domain.AuditFilter, before uuid.UUID, limit int) ([]domain.AuditEvent, error) {
	rows, err := a.s.q.ListAudit(ctx, db.ListAuditParams{
		BeforeID: optUUID(before), ByActor: optUUID(f.ActorID), ByAction: nullable(f.Action), BySubjectType: nullable(f.SubjectType),
		BySubjectID: optUUID(f.SubjectID), FromTime: optTime(f.From), ToTime: optTime(f.To), MaxRows: int32(limit),
	})
	if err != nil {
		return nil, translate(err, "audit events")
	}
	return auditsFromDB(rows)
}

func (a *AuditLog) CustomerAudit(ctx context.Context, customerID, before uuid.UUID, limit int) ([]domain.AuditEvent, error) {
	rows, err := a.s.q.ListCustomerAudit(ctx, db.ListCustomerAuditParams{Subject: customerID, SubjectText: customerID.String(), BeforeID: optUUID(before), MaxRows: int32(limit)})
	if err != nil {
		return nil, translate(err, "audit events")
	}
	return auditsFromDB(rows)
}

func auditsFromDB(rows []db.AuditEvent) ([]domain.AuditEvent, error) {
	out := make([]domain.AuditEvent, len(rows))
	for i, r := range rows {
		var err error
		if out[i], err = auditFromDB(r); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func auditFromDB(r db.AuditEvent) (domain.AuditEvent, error) {
	e := domain.AuditEvent{ID: r.ID, OccurredAt: r.OccurredAt, Action: r.Action, SubjectType: r.SubjectType,
		RequestID: r.RequestID, ClientIP: deref(r.ClientIp), ActorRole: domain.Role(deref(r.ActorRole))}
	if r.ActorKind != "system" {
		e.Actor.Kind = domain.PrincipalKind(r.ActorKind)
	}
	if r.ActorID != nil {
		e.Actor.ID = *r.ActorID
	}
	if r.SubjectID != nil {
		e.SubjectID = *r.SubjectID
	}
	if len(r.Details) > 0 {
		if err := json.Unmarshal(r.Details, &e.Details); err != nil {
			return domain.AuditEvent{}, err
		}
	}
	return e, nil
}

func optUUID(id uuid.UUID) *uuid.UUID {
	if id == uuid.Nil {
		return nil
	}
	return &id
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
