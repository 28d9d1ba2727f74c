package http

import (
	"context"

	"github.com/google/uuid"

	"github.com/partnerlab/storefront/internal/domain"
	genapi "github.com/partnerlab/storefront/internal/http/api"
)

func (h *handlers) EnrollTotp(ctx context.Context, _ genapi.EnrollTotpRequestObject) (genapi.EnrollTotpResponseObject, error) {
	p, _ := principal(ctx)
	e, err := h.s.stepUp.EnrollTOTP(ctx, p)
	if err != nil {
		return nil, err
	}
	return genapi.EnrollTotp201JSONResponse{Body: genapi.TotpEnrollment{Secret: e.Secret, OtpauthUri: e.OTPAuthURI}}, nil
}

func (h *handlers) ConfirmTotp(ctx context.Context, req genapi.ConfirmTotpRequestObject) (genapi.ConfirmTotpResponseObject, error) {
	p, _ := principal(ctx)
	if err := h.s.stepUp.ConfirmTOTP(ctx, p, req.Body.Code); err != nil {
		return nil, err
	}
	return genapi.ConfirmTotp200JSONResponse{Body: genapi.TotpStatus{Enabled: true}}, nil
}

func (h *handlers) CreateStepUpChallenge(ctx context.Context, req genapi.CreateStepUpChallengeRequestObject) (genapi.CreateStepUpChallengeResponseObject, error) {
	p, _ := principal(ctx)
	in := domain.StepUpChallengeInput{Action: domain.StepUpAction(req.Body.Action), CustomerID: req.Body.CustomerId, Amount: string(req.Body.Amount)}
	if req.Body.OperationId != nil {
		in.OperationID = *req.Body.OperationId
	}
	c, err := h.s.stepUp.CreateChallenge(ctx, p, in)
	if err != nil {
		return nil, err
	}
	out := genapi.StepUpChallenge{Id: c.ID, Action: genapi.StepUpChallengeAction(c.Action), CustomerId: c.CustomerID,
		Amount: genapi.Money(c.Amount.StringFixed(2)), ExpiresAt: c.ExpiresAt}
	if c.OperationID != uuid.Nil {
		out.OperationId = &c.OperationID
	}
	return genapi.CreateStepUpChallenge201JSONResponse{Body: out}, nil
}
