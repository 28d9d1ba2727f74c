package store

import (
	"context"
	_ "embed"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

//go:embed invariants.sql
var invariantsSQL string

// Invariant is one rule of the ledger, as a query returning the rows that
// break it (docs/design.md §9.5).
type Invariant struct {
	Name  string
	About string // the rule, in a sentence or two
	SQL   string
}

// Violation is one row an invariant returned.
type Violation struct {
	Invariant string
	Subject   string
	Detail    string
}

func (v Violation) String() string { return v.Invariant + ": " + v.Subject + ": " + v.Detail }

// Invariants parses invariants.sql: blocks that start with
// "-- invariant: <name>", then comment lines (the rule), then the query.
func Invariants() []Invariant {
	var out []Invariant
	var cur *Invariant
	var query []string
	flush := func() {
		if cur != nil {
			cur.SQL = strings.Join(query, "\n")
			out = append(out, *cur)
		}
	}
	for _, line := range strings.Split(invariantsSQL, "\n") {
		if name, ok := strings.CutPrefix(line, "-- invariant: "); ok {
			flush()
			cur, query = &Invariant{Name: strings.TrimSpace(name)}, nil
			continue
		}
		if cur == nil {
			continue
		}
		if c, ok := strings.CutPrefix(line, "-- "); ok && len(query) == 0 {
			cur.About = strings.TrimSpace(cur.About + " " + c)
			continue
		}
		if strings.TrimSpace(line) != "" {
			query = append(query, line)
		}
	}
	flush()
	return out
}

// TxBeginner is a pool or a connection.
type TxBeginner interface {
	BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error)
}

// VerifyLedger runs every invariant in one read-only repeatable-read
// snapshot and returns what breaks them; none means the ledger is sound.
func VerifyLedger(ctx context.Context, conn TxBeginner) ([]Violation, error) {
	var out []Violation
	err := pgx.BeginTxFunc(ctx, conn, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		for _, inv := range Invariants() {
			rows, err := tx.Query(ctx, inv.SQL)
			if err != nil {
				return fmt.Errorf("invariant %s: %w", inv.Name, err)
			}
			for rows.Next() {
				var v Violation
				if err := rows.Scan(&v.Subject, &v.Detail); err != nil {
					rows.Close()
					return fmt.Errorf("invariant %s: %w", inv.Name, err)
				}
				v.Invariant = inv.Name
				out = append(out, v)
			}
			if err := rows.Err(); err != nil {
				return fmt.Errorf("invariant %s: %w", inv.Name, err)
			}
		}
		return nil
	})
	return out, err
}
