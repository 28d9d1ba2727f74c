package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerlab/storefront/internal/domain"
	"github.com/partnerlab/storefront/internal/store"
	"github.com/partnerlab/storefront/internal/testdb"
)

// lastQuery remembers the SQL and arguments of the last query a pool ran,
// so the benchmark can EXPLAIN exactly what the store sent.
type lastQuery struct {
	mu   sync.Mutex
	sql  string
	args []any
}

func (l *lastQuery) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	args := d.Args
	if len(args) > 0 {
		if _, ok := args[0].(pgx.QueryExecMode); ok {
			args = args[1:]
		}
	}
	l.mu.Lock()
	l.sql, l.args = d.SQL, args
	l.mu.Unlock()
	return ctx
}

func (l *lastQuery) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (l *lastQuery) get() (string, []any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sql, l.args
}

// seedCustomers inserts n customers and their users in one statement:
// account names c<10 hex digits> (uniformly spread prefixes), emails
// user<i>@example.com, mobiles 13<i>, one customer a second.
func seedCustomers(tb testing.TB, pool *pgxpool.Pool, n int, base time.Time) {
	tb.Helper()
	ctx := context.Background()
	_, err := pool.Exec(ctx, `
WITH s AS (SELECT i, md5('u' || i)::uuid AS uid, md5('c' || i)::uuid AS cid FROM generate_series(1, $1::int) AS i),
u AS (
  INSERT INTO users (id, email, email_normalized, password_hash, roles, created_at, updated_at)
  SELECT uid, 'user' || i || '@example.com', 'user' || i || '@example.com', '$argon2id$x', ARRAY['customer'], $2, $2 FROM s
  RETURNING id)
INSERT INTO customers (id, user_id, account_name, email, mobile, status, frozen_scope, realname_status,
  registration_status, association, huawei_domain_id, huawei_domain_name, created_at, updated_at)
SELECT cid, uid, 'c' || substr(md5(i::text), 1, 10), 'user' || i || '@example.com', '13' || lpad(i::text, 9, '0'),
  CASE WHEN i % 10 = 0 THEN 'frozen' ELSE 'active' END, CASE WHEN i % 10 = 0 THEN 'account' END,
  CASE WHEN i % 3 = 0 THEN 'verified' ELSE 'unverified' END,
  'created', 'confirmed', 'hw' || i, 'c' || substr(md5(i::text), 1, 10),
  $2::timestamptz + i * interval '1 second', $2
FROM s WHERE (SELECT count(*) FROM u) > 0`, n, base)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE users u SET customer_id = c.id FROM customers c WHERE c.user_id = u.id`); err != nil {
		tb.Fatal(err)
	}
	for _, t := range []string{"customers", "users"} {
		if _, err := pool.Exec(ctx, "VACUUM ANALYZE "+t); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkListCustomers measures the customer list on 100,000 customers:
// the first page, a page 90,000 rows deep, a name-prefix search, a wide
// (unselective) email-prefix search and a customer's own view, 50 rows a
// page, through the store as the API calls it. It reports p50 and p95 per
// query and logs the EXPLAIN (ANALYZE, BUFFERS) of each, as a custom plan
// and as the generic plan a prepared statement may settle on.
//
//	go test -run '^$' -bench BenchmarkListCustomers -benchtime 2000x ./internal/store/
func BenchmarkListCustomers(b *testing.B) {
	ctx := context.Background()
	trace := &lastQuery{}
	cfg, err := pgxpool.ParseConfig(testdb.URL(b))
	if err != nil {
		b.Fatal(err)
	}
	cfg.ConnConfig.Tracer = trace
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	st, err := store.New(pool)
	if err != nil {
		b.Fatal(err)
	}
	const n = 100_000
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	start := time.Now()
	seedCustomers(b, pool, n, base)
	b.Logf("seeded %d customers in %v", n, time.Since(start).Round(time.Millisecond))

	var deep domain.CustomerCursor
	if err := pool.QueryRow(ctx, `SELECT created_at, id FROM customers ORDER BY created_at DESC, id DESC OFFSET 90000 LIMIT 1`).
		Scan(&deep.CreatedAt, &deep.ID); err != nil {
		b.Fatal(err)
	}
	var prefix string // a 3-hex-digit name prefix: about 100,000/4,096 ≈ 24 customers
	if err := pool.QueryRow(ctx, `SELECT left(account_name, 4) FROM customers ORDER BY id LIMIT 1`).Scan(&prefix); err != nil {
		b.Fatal(err)
	}
	var own uuid.UUID
	if err := pool.QueryRow(ctx, `SELECT user_id FROM customers ORDER BY id LIMIT 1`).Scan(&own); err != nil {
		b.Fatal(err)
	}

	cases := []struct {
		name string
		q    domain.CustomerQuery
		want func(int) bool
	}{
		{"first_page", domain.CustomerQuery{Limit: 51}, func(k int) bool { return k == 51 }},
		{"deep_cursor", domain.CustomerQuery{After: &deep, Limit: 51}, func(k int) bool { return k == 51 }},
		{"name_prefix", domain.CustomerQuery{Search: prefix, Limit: 51}, func(k int) bool { return k > 0 && k < 51 }},
		{"wide_prefix", domain.CustomerQuery{Search: "user1", Limit: 51}, func(k int) bool { return k == 51 }},
		{"own_view", domain.CustomerQuery{UserID: own, Limit: 51}, func(k int) bool { return k == 1 }},
	}
	for _, c := range cases {
		got, err := st.Customers().ListCustomers(ctx, c.q)
		if err != nil || !c.want(len(got)) {
			b.Fatalf("%s: %d rows, %v", c.name, len(got), err)
		}
		sql, args := trace.get()
		b.Logf("%s (q=%q, %d rows)\n--- custom plan ---\n%s--- generic plan ---\n%s", c.name, c.q.Search, len(got),
			explain(b, pool, sql, args, false), explain(b, pool, sql, args, true))
	}

	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			times := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for b.Loop() {
				t0 := time.Now()
				if _, err := st.Customers().ListCustomers(ctx, c.q); err != nil {
					b.Fatal(err)
				}
				times = append(times, time.Since(t0))
			}
			b.StopTimer()
			slices.Sort(times)
			b.ReportMetric(ms(times[len(times)/2]), "p50-ms")
			b.ReportMetric(ms(times[len(times)*95/100]), "p95-ms")
		})
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// explain runs EXPLAIN (ANALYZE, BUFFERS) of sql with args on one
// connection. The custom plan is what the planner makes for these
// arguments; the generic plan is what a prepared statement may settle on
// after five executions (pgx prepares and caches statements), planned
// without knowing them.
func explain(tb testing.TB, pool *pgxpool.Pool, sql string, args []any, generic bool) string {
	tb.Helper()
	ctx := context.Background()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Release()
	var rows pgx.Rows
	if !generic {
		rows, err = conn.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "+sql, args...)
	} else {
		lits := make([]string, len(args))
		for i, a := range args {
			lits[i] = literal(tb, a)
		}
		for _, stmt := range []string{"SET plan_cache_mode = force_generic_plan", "PREPARE bench_q AS " + sql} {
			if _, err := conn.Exec(ctx, stmt); err != nil {
				tb.Fatalf("%s: %v", stmt, err)
			}
		}
		defer conn.Exec(ctx, "DEALLOCATE bench_q; RESET plan_cache_mode") //nolint:errcheck // a test connection
		rows, err = conn.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE bench_q("+strings.Join(lits, ", ")+")",
			pgx.QueryExecModeSimpleProtocol)
	}
	if err != nil {
		tb.Fatal(err)
	}
	var out strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			tb.Fatal(err)
		}
		out.WriteString(line + "\n")
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return out.String()
}

// literal renders one query argument of the store's customer queries as
// SQL.
func literal(tb testing.TB, a any) string {
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	switch v := a.(type) {
	case time.Time:
		return quote(v.Format(time.RFC3339Nano)) + "::timestamptz"
	case uuid.UUID:
		return quote(v.String()) + "::uuid"
	case string:
		return quote(v) + "::text"
	case *string:
		if v == nil {
			return "NULL::text"
		}
		return quote(*v) + "::text"
	case []byte:
		if v == nil {
			return "NULL::bytea"
		}
		return fmt.Sprintf("'\\x%x'::bytea", v)
	case int32:
		return fmt.Sprint(v)
	}
	tb.Fatalf("no literal for %T", a)
	return ""
}
