package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/shopspring/decimal"

	"github.com/partnerlab/storefront/internal/testdb"
)

// TestDecimalParameters: with ConfigurePool (testdb.New applies it), an
// amount reaches Postgres exactly, as numeric and wherever a decimal is
// bound to another type.
func TestDecimalParameters(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := context.Background()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The fast plan is the one chosen, not pgx's driver.Valuer detour.
	plan := conn.Conn().TypeMap().PlanEncode(pgtype.NumericOID, pgtype.BinaryFormatCode, decimal.Decimal{})
	conn.Release()
	if got := fmt.Sprintf("%T", plan); got != "*store.decimalEncodePlan" {
		t.Fatalf("numeric plan for a decimal: %s", got)
	}
	for _, s := range []string{"0.01", "-123.45", "100000000.00", "0", "0.00", "12345678901234567890.123456789", "1E-20", "-0.5"} {
		d := decimal.RequireFromString(s)
		var asNumeric, asText string
		var back decimal.Decimal
		if err := pool.QueryRow(ctx, `SELECT $1::numeric::text, $2::text, $1::numeric`, d, d).Scan(&asNumeric, &asText, &back); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		want := d.String()
		if !decimal.RequireFromString(asNumeric).Equal(d) || asText != want || !back.Equal(d) {
			t.Errorf("%s: numeric %s, text %s, scanned %s; want %s", s, asNumeric, asText, back, want)
		}
	}
	var p *decimal.Decimal
	var isNull bool
	if err := pool.QueryRow(ctx, `SELECT $1::numeric IS NULL`, p).Scan(&isNull); err != nil || !isNull {
		t.Fatalf("nil *decimal: null %v, %v", isNull, err)
	}
	two := decimal.RequireFromString("2.50")
	if err := pool.QueryRow(ctx, `SELECT $1::numeric = 2.5`, &two).Scan(&isNull); err != nil || !isNull {
		t.Fatalf("*decimal 2.50: equal %v, %v", isNull, err)
	}
}
