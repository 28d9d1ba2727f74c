package http

import (
	"context"

	genapi "github.com/partnerlab/storefront/internal/http/api"
)

func (h *handlers) EnrollTotp(ctx context.Context, req genapi.EnrollTotpRequestObject) (genapi.EnrollTotpResponseObject, error) {
	return nil, errUnbuilt
}

func (h *handlers) ConfirmTotp(ctx context.Context, req genapi.ConfirmTotpRequestObject) (genapi.ConfirmTotpResponseObject, error) {
	return nil, errUnbuilt
}

func (h *handlers) CreateStepUpChallenge(ctx context.Context, req genapi.CreateStepUpChallengeRequestObject) (genapi.CreateStepUpChallengeResponseObject, error) {
	return nil, errUnbuilt
}
