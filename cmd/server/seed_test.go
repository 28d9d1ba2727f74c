package main

import (
	"context"
	"log/slog"
	"testing"

	"github.com/partnerlab/storefront/internal/store"
	"github.com/partnerlab/storefront/internal/testdb"
)

// TestSeedCatalog: an empty catalogue gets the seed products once.
func TestSeedCatalog(t *testing.T) {
	t.Parallel()
	st, err := store.New(testdb.New(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 2 {
		if err := seedCatalog(ctx, st, systemClock{}, slog.New(slog.DiscardHandler)); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := st.Commerce().CountProducts(ctx); err != nil || n != 3 {
		t.Fatalf("%d products, %v", n, err)
	}
}
