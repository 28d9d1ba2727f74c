package http

import (
	"context"

	"github.com/google/uuid"

	"github.com/partnerlab/storefront/internal/domain"
	genapi "github.com/partnerlab/storefront/internal/http/api"
)

func (h *handlers) ListAuditEvents(ctx context.Context, req genapi.ListAuditEventsRequestObject) (genapi.ListAuditEventsResponseObject, error) {
	p, _ := principal(ctx)
	before, limit, err := pageParams(req.Params.Cursor, req.Params.Limit)
	if err != nil {
		return nil, err
	}
	q := req.Params
	f := domain.AuditFilter{}
	if q.ActorId != nil {
		f.ActorID = *q.ActorId
	}
	if q.Action != nil {
		f.Action = *q.Action
	}
	if q.TargetType != nil {
		f.SubjectType = *q.TargetType
	}
	if q.TargetId != nil {
		f.SubjectID = *q.TargetId
	}
	if q.From != nil {
		f.From = *q.From
	}
	if q.To != nil {
		f.To = *q.To
	}
	page, err := h.s.audit.List(ctx, p, f, before, limit)
	if err != nil {
		return nil, err
	}
	return genapi.ListAuditEvents200JSONResponse{Body: auditPage(page)}, nil
}

func (h *handlers) ListCustomerEvents(ctx context.Context, req genapi.ListCustomerEventsRequestObject) (genapi.ListCustomerEventsResponseObject, error) {
	p, _ := principal(ctx)
	before, limit, err := pageParams(req.Params.Cursor, req.Params.Limit)
	if err != nil {
		return nil, err
	}
	page, err := h.s.audit.CustomerTimeline(ctx, p, req.Id, before, limit)
	if err != nil {
		return nil, err
	}
	return genapi.ListCustomerEvents200JSONResponse{Body: auditPage(page)}, nil
}

func auditPage(page domain.Page[domain.AuditEvent]) genapi.AuditEventPage {
	out := genapi.AuditEventPage{Items: make([]genapi.AuditEvent, len(page.Items)), NextCursor: cursorOut(page.Next)}
	for i, e := range page.Items {
		a := genapi.AuditEvent{Id: e.ID, OccurredAt: e.OccurredAt, Action: e.Action, RequestId: e.RequestID, Summary: e.Details}
		if a.Summary == nil {
			a.Summary = map[string]any{}
		}
		a.Actor.Kind = genapi.AuditEventActorKindSystem
		if e.Actor.Kind != "" {
			a.Actor.Kind = genapi.AuditEventActorKind(e.Actor.Kind)
		}
		a.Actor.Id = optID(e.Actor.ID)
		if e.ActorRole != "" {
			r := string(e.ActorRole)
			a.Actor.Role = &r
		}
		if e.ClientIP != "" {
			ip := e.ClientIP
			a.ClientIp = &ip
		}
		a.Target.Type = e.SubjectType
		a.Target.Id = optID(e.SubjectID)
		out.Items[i] = a
	}
	return out
}

func optID(id uuid.UUID) *uuid.UUID {
	if id == uuid.Nil {
		return nil
	}
	return &id
}
