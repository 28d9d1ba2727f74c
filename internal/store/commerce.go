package store

import "github.com/partnerlab/storefront/internal/domain"

// CommerceStore implements domain.CommerceStore: products, quotes and cached
// Huawei types (catalog.go), resources (resources.go), orders (orders.go).
type CommerceStore struct{ s *Store }

var _ domain.CommerceStore = (*CommerceStore)(nil)

// Commerce is the commerce store (inside a transaction when s is one).
func (s *Store) Commerce() domain.CommerceStore { return &CommerceStore{s: s} }
