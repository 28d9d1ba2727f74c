package http

import (
	"context"

	"github.com/partnerlab/storefront/internal/domain"
	genapi "github.com/partnerlab/storefront/internal/http/api"
)

// Placeholders until orders lands.
func (h *handlers) ListOrders(ctx context.Context, req genapi.ListOrdersRequestObject) (genapi.ListOrdersResponseObject, error) {
	return nil, domain.Errorf(domain.CodeInternal, "not implemented")
}

func (h *handlers) CreateOrder(ctx context.Context, req genapi.CreateOrderRequestObject) (genapi.CreateOrderResponseObject, error) {
	return nil, domain.Errorf(domain.CodeInternal, "not implemented")
}

func (h *handlers) GetOrder(ctx context.Context, req genapi.GetOrderRequestObject) (genapi.GetOrderResponseObject, error) {
	return nil, domain.Errorf(domain.CodeInternal, "not implemented")
}

func (h *handlers) CancelOrder(ctx context.Context, req genapi.CancelOrderRequestObject) (genapi.CancelOrderResponseObject, error) {
	return nil, domain.Errorf(domain.CodeInternal, "not implemented")
}

func (h *handlers) CreateRenewal(ctx context.Context, req genapi.CreateRenewalRequestObject) (genapi.CreateRenewalResponseObject, error) {
	return nil, domain.Errorf(domain.CodeInternal, "not implemented")
}

func (h *handlers) CreateUnsubscription(ctx context.Context, req genapi.CreateUnsubscriptionRequestObject) (genapi.CreateUnsubscriptionResponseObject, error) {
	return nil, domain.Errorf(domain.CodeInternal, "not implemented")
}
