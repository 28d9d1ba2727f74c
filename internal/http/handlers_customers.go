package http

import (
	"context"

	genapi "github.com/partnerlab/storefront/internal/http/api"
)

func (h *handlers) CheckRegistration(ctx context.Context, req genapi.CheckRegistrationRequestObject) (genapi.CheckRegistrationResponseObject, error) {
	return nil, errUnbuilt
}

func (h *handlers) SendRegistrationSmsCode(ctx context.Context, req genapi.SendRegistrationSmsCodeRequestObject) (genapi.SendRegistrationSmsCodeResponseObject, error) {
	return nil, errUnbuilt
}

func (h *handlers) CreateCustomer(ctx context.Context, req genapi.CreateCustomerRequestObject) (genapi.CreateCustomerResponseObject, error) {
	return nil, errUnbuilt
}

func (h *handlers) ListCustomers(ctx context.Context, req genapi.ListCustomersRequestObject) (genapi.ListCustomersResponseObject, error) {
	return nil, errUnbuilt
}

func (h *handlers) GetCustomer(ctx context.Context, req genapi.GetCustomerRequestObject) (genapi.GetCustomerResponseObject, error) {
	return nil, errUnbuilt
}

func (h *handlers) FreezeCustomer(ctx context.Context, req genapi.FreezeCustomerRequestObject) (genapi.FreezeCustomerResponseObject, error) {
	return nil, errUnbuilt
}

func (h *handlers) UnfreezeCustomer(ctx context.Context, req genapi.UnfreezeCustomerRequestObject) (genapi.UnfreezeCustomerResponseObject, error) {
	return nil, errUnbuilt
}
