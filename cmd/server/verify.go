package main

import (
	"context"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5"

	"github.com/partnerlab/storefront/internal/store"
)

// verifyLedger is `storefront verify-ledger`: it runs the ledger's
// invariants (docs/design.md §9.5) on DATABASE_URL in one read-only
// snapshot and prints every violation. Exit status: 0 when every invariant
// holds, 1 when one does not, 2 when the check could not run.
func verifyLedger(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) int {
	url := getenv("DATABASE_URL")
	if url == "" {
		fmt.Fprintln(stderr, "storefront verify-ledger: DATABASE_URL is required")
		return 2
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		fmt.Fprintln(stderr, "storefront verify-ledger: cannot connect to the database:", err)
		return 2
	}
	defer conn.Close(context.WithoutCancel(ctx))
	vs, err := store.VerifyLedger(ctx, conn)
	if err != nil {
		fmt.Fprintln(stderr, "storefront verify-ledger:", err)
		return 2
	}
	n := len(store.Invariants())
	for _, v := range vs {
		fmt.Fprintln(stdout, v)
	}
	if len(vs) > 0 {
		fmt.Fprintf(stdout, "ledger: %d violation(s) of %d invariants\n", len(vs), n)
		return 1
	}
	fmt.Fprintf(stdout, "ledger: all %d invariants hold\n", n)
	return 0
}
