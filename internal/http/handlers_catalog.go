package http

import (
	"context"

	"github.com/partnerlab/storefront/internal/domain"
	genapi "github.com/partnerlab/storefront/internal/http/api"
)

// Placeholders until catalog, quotes and resources lands.
func (h *handlers) ListProducts(ctx context.Context, req genapi.ListProductsRequestObject) (genapi.ListProductsResponseObject, error) {
	return nil, domain.Errorf(domain.CodeInternal, "not implemented")
}

func (h *handlers) CreateProduct(ctx context.Context, req genapi.CreateProductRequestObject) (genapi.CreateProductResponseObject, error) {
	return nil, domain.Errorf(domain.CodeInternal, "not implemented")
}

func (h *handlers) GetProduct(ctx context.Context, req genapi.GetProductRequestObject) (genapi.GetProductResponseObject, error) {
	return nil, domain.Errorf(domain.CodeInternal, "not implemented")
}

func (h *handlers) UpdateProduct(ctx context.Context, req genapi.UpdateProductRequestObject) (genapi.UpdateProductResponseObject, error) {
	return nil, domain.Errorf(domain.CodeInternal, "not implemented")
}

func (h *handlers) ListResourceTypes(ctx context.Context, req genapi.ListResourceTypesRequestObject) (genapi.ListResourceTypesResponseObject, error) {
	return nil, domain.Errorf(domain.CodeInternal, "not implemented")
}

func (h *handlers) ListServiceTypes(ctx context.Context, req genapi.ListServiceTypesRequestObject) (genapi.ListServiceTypesResponseObject, error) {
	return nil, domain.Errorf(domain.CodeInternal, "not implemented")
}

func (h *handlers) CreateQuote(ctx context.Context, req genapi.CreateQuoteRequestObject) (genapi.CreateQuoteResponseObject, error) {
	return nil, domain.Errorf(domain.CodeInternal, "not implemented")
}

func (h *handlers) GetQuote(ctx context.Context, req genapi.GetQuoteRequestObject) (genapi.GetQuoteResponseObject, error) {
	return nil, domain.Errorf(domain.CodeInternal, "not implemented")
}

func (h *handlers) CreateRenewalQuote(ctx context.Context, req genapi.CreateRenewalQuoteRequestObject) (genapi.CreateRenewalQuoteResponseObject, error) {
	return nil, domain.Errorf(domain.CodeInternal, "not implemented")
}

func (h *handlers) ListResources(ctx context.Context, req genapi.ListResourcesRequestObject) (genapi.ListResourcesResponseObject, error) {
	return nil, domain.Errorf(domain.CodeInternal, "not implemented")
}

func (h *handlers) GetResource(ctx context.Context, req genapi.GetResourceRequestObject) (genapi.GetResourceResponseObject, error) {
	return nil, domain.Errorf(domain.CodeInternal, "not implemented")
}

func (h *handlers) SetAutoRenew(ctx context.Context, req genapi.SetAutoRenewRequestObject) (genapi.SetAutoRenewResponseObject, error) {
	return nil, domain.Errorf(domain.CodeInternal, "not implemented")
}

func (h *handlers) CreateUnsubscriptionPreview(ctx context.Context, req genapi.CreateUnsubscriptionPreviewRequestObject) (genapi.CreateUnsubscriptionPreviewResponseObject, error) {
	return nil, domain.Errorf(domain.CodeInternal, "not implemented")
}
