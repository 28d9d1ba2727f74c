package domain

// OrderStore keeps orders, their lines and their steps.
type OrderStore interface {
}
