package http

import (
	"context"

	genapi "github.com/partnerlab/storefront/internal/http/api"
)

func (h *handlers) ListAuditEvents(ctx context.Context, req genapi.ListAuditEventsRequestObject) (genapi.ListAuditEventsResponseObject, error) {
	return nil, errUnbuilt
}

func (h *handlers) ListCustomerEvents(ctx context.Context, req genapi.ListCustomerEventsRequestObject) (genapi.ListCustomerEventsResponseObject, error) {
	return nil, errUnbuilt
}
