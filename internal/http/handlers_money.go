package http

import (
	"context"

	genapi "github.com/partnerlab/storefront/internal/http/api"
)

func (h *handlers) CreateAllocation(ctx context.Context, req genapi.CreateAllocationRequestObject) (genapi.CreateAllocationResponseObject, error) {
	return nil, errUnbuilt
}

func (h *handlers) CreateReclaim(ctx context.Context, req genapi.CreateReclaimRequestObject) (genapi.CreateReclaimResponseObject, error) {
	return nil, errUnbuilt
}

func (h *handlers) ListMoneyOperations(ctx context.Context, req genapi.ListMoneyOperationsRequestObject) (genapi.ListMoneyOperationsResponseObject, error) {
	return nil, errUnbuilt
}

func (h *handlers) GetMoneyOperation(ctx context.Context, req genapi.GetMoneyOperationRequestObject) (genapi.GetMoneyOperationResponseObject, error) {
	return nil, errUnbuilt
}

func (h *handlers) ResolveMoneyOperation(ctx context.Context, req genapi.ResolveMoneyOperationRequestObject) (genapi.ResolveMoneyOperationResponseObject, error) {
	return nil, errUnbuilt
}

func (h *handlers) GetCustomerBalance(ctx context.Context, req genapi.GetCustomerBalanceRequestObject) (genapi.GetCustomerBalanceResponseObject, error) {
	return nil, errUnbuilt
}

func (h *handlers) GetPartnerBalance(ctx context.Context, req genapi.GetPartnerBalanceRequestObject) (genapi.GetPartnerBalanceResponseObject, error) {
	return nil, errUnbuilt
}

func (h *handlers) ListLedgerEntries(ctx context.Context, req genapi.ListLedgerEntriesRequestObject) (genapi.ListLedgerEntriesResponseObject, error) {
	return nil, errUnbuilt
}

func (h *handlers) CreateReconciliationRun(ctx context.Context, req genapi.CreateReconciliationRunRequestObject) (genapi.CreateReconciliationRunResponseObject, error) {
	return nil, errUnbuilt
}

func (h *handlers) ListReconciliationRuns(ctx context.Context, req genapi.ListReconciliationRunsRequestObject) (genapi.ListReconciliationRunsResponseObject, error) {
	return nil, errUnbuilt
}

func (h *handlers) GetReconciliationRun(ctx context.Context, req genapi.GetReconciliationRunRequestObject) (genapi.GetReconciliationRunResponseObject, error) {
	return nil, errUnbuilt
}
