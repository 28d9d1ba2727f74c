package domain

import (
	"context"

	"github.com/google/uuid"
)

// ResourceStore keeps resources synced from Huawei and their terms.
type ResourceStore interface {
}

// SyncResources reads the customer's yearly/monthly resources from Huawei and
// stores them (periodically and after every order).
func (s *CommerceService) SyncResources(ctx context.Context, customerID uuid.UUID) error {
	return nil
}

// PreviewUnsubscription estimates, per primary resource of actor's customer,
// what unsubscribing it now would refund (docs/design.md §11.6).
func (s *CommerceService) PreviewUnsubscription(ctx context.Context, actor Principal, resourceIDs []uuid.UUID) (UnsubscriptionPreview, error) {
	return UnsubscriptionPreview{}, Errorf(CodeInternal, "not implemented")
}
