package http

import (
	"context"

	genapi "github.com/partnerlab/storefront/internal/http/api"
)

func (h *handlers) UploadFile(ctx context.Context, req genapi.UploadFileRequestObject) (genapi.UploadFileResponseObject, error) {
	return nil, errUnbuilt
}

func (h *handlers) GetFile(ctx context.Context, req genapi.GetFileRequestObject) (genapi.GetFileResponseObject, error) {
	return nil, errUnbuilt
}

func (h *handlers) CreateRealnameApplication(ctx context.Context, req genapi.CreateRealnameApplicationRequestObject) (genapi.CreateRealnameApplicationResponseObject, error) {
	return nil, errUnbuilt
}

func (h *handlers) ListRealnameApplications(ctx context.Context, req genapi.ListRealnameApplicationsRequestObject) (genapi.ListRealnameApplicationsResponseObject, error) {
	return nil, errUnbuilt
}

func (h *handlers) GetRealnameApplication(ctx context.Context, req genapi.GetRealnameApplicationRequestObject) (genapi.GetRealnameApplicationResponseObject, error) {
	return nil, errUnbuilt
}

func (h *handlers) GetRealname(ctx context.Context, req genapi.GetRealnameRequestObject) (genapi.GetRealnameResponseObject, error) {
	return nil, errUnbuilt
}
