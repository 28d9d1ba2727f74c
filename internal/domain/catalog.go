package domain

// CatalogStore keeps products, Huawei's cached types and quotes.
type CatalogStore interface {
}
