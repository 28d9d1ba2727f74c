package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/shopspring/decimal"

	"github.com/partnerlab/storefront/internal/testdb"
)

// TestParameterTypes: with ConfigurePool (testdb.New applies it), amounts
// and ids reach Postgres exactly, as numeric and uuid and wherever they are
// bound to text, by value and by pointer, and a nil pointer is NULL.
func TestParameterTypes(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := context.Background()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The direct plans are the ones chosen, not pgx's driver.Valuer detour.
	d, u := decimal.RequireFromString("1.50"), uuid.New()
	for _, c := range []struct {
		oid uint32
		v   any
	}{{pgtype.NumericOID, d}, {pgtype.NumericOID, &d}, {pgtype.UUIDOID, u}, {pgtype.UUIDOID, &u}} {
		plan := conn.Conn().TypeMap().PlanEncode(c.oid, pgtype.BinaryFormatCode, c.v)
		if got := fmt.Sprintf("%T", plan); got != "*store.convertPlan" {
			t.Errorf("plan for %T: %s", c.v, got)
		}
	}
	conn.Release()

	for _, s := range []string{"0.01", "-123.45", "100000000.00", "0", "0.00", "12345678901234567890.123456789", "1E-20", "-0.5"} {
		d := decimal.RequireFromString(s)
		var asNumeric, asText, viaPointer string
		var back decimal.Decimal
		if err := pool.QueryRow(ctx, `SELECT $1::numeric::text, $2::text, $1::numeric, $3::numeric::text`, d, d, &d).Scan(&asNumeric, &asText, &back, &viaPointer); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		want := d.String()
		if !decimal.RequireFromString(asNumeric).Equal(d) || asText != want || !back.Equal(d) || !decimal.RequireFromString(viaPointer).Equal(d) {
			t.Errorf("%s: numeric %s, text %s, scanned %s, pointer %s; want %s", s, asNumeric, asText, back, viaPointer, want)
		}
	}
	for _, id := range []uuid.UUID{uuid.Nil, uuid.New(), uuid.Must(uuid.NewV7())} {
		var asUUID, asText, viaPointer string
		var back uuid.UUID
		if err := pool.QueryRow(ctx, `SELECT $1::uuid::text, $2::text, $1::uuid, $3::uuid::text`, id, id, &id).Scan(&asUUID, &asText, &back, &viaPointer); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if asUUID != id.String() || asText != id.String() || back != id || viaPointer != id.String() {
			t.Errorf("%s: uuid %s, text %s, scanned %s, pointer %s", id, asUUID, asText, back, viaPointer)
		}
	}
	var nd *decimal.Decimal
	var nu *uuid.UUID
	var nulls bool
	if err := pool.QueryRow(ctx, `SELECT $1::numeric IS NULL AND $2::uuid IS NULL`, nd, nu).Scan(&nulls); err != nil || !nulls {
		t.Fatalf("nil pointers: null %v, %v", nulls, err)
	}
}
