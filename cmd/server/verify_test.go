package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/partnerlab/storefront/internal/testdb"
)

// TestVerifyLedger: `storefront verify-ledger` needs only DATABASE_URL,
// exits 0 on a sound ledger, and prints each violation and exits 1 on a
// broken one.
func TestVerifyLedger(t *testing.T) {
	t.Parallel()
	url := testdb.URL(t)
	env := func(k string) string {
		if k == "DATABASE_URL" {
			return url
		}
		return ""
	}
	ctx := context.Background()
	var out, errOut bytes.Buffer
	if code := verifyLedger(ctx, env, &out, &errOut); code != 0 || !strings.Contains(out.String(), "invariants hold") {
		t.Fatalf("clean ledger: %d %q %q", code, out.String(), errOut.String())
	}

	// A repair outside the ledger: the cached balance no longer matches.
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `UPDATE ledger_accounts SET balance = balance - 5 WHERE kind = 'external_spend'`); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := verifyLedger(ctx, env, &out, &errOut); code != 1 ||
		!strings.Contains(out.String(), "cached_balance_is_sum_of_entries") || !strings.Contains(out.String(), "ledger_sums_to_zero") {
		t.Fatalf("broken ledger: %d %q", code, out.String())
	}
	if code := verifyLedger(ctx, func(string) string { return "" }, &out, &errOut); code != 2 {
		t.Fatalf("without DATABASE_URL: %d", code)
	}
}
