package http_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerlab/storefront/internal/store"
	"github.com/partnerlab/storefront/internal/testdb"
)

// statementLog counts what reaches Postgres: each statement and each
// pipelined batch is one round trip.
type statementLog struct {
	mu   sync.Mutex
	sent []string
}

func (l *statementLog) add(s string) {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 60 {
		s = s[:60]
	}
	l.mu.Lock()
	l.sent = append(l.sent, s)
	l.mu.Unlock()
}

func (l *statementLog) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	l.add(d.SQL)
	return ctx
}
func (l *statementLog) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (l *statementLog) TraceBatchStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchStartData) context.Context {
	var qs []string
	for _, q := range d.Batch.QueuedQueries {
		s := strings.Join(strings.Fields(q.SQL), " ")
		if len(s) > 40 {
			s = s[:40]
		}
		qs = append(qs, s)
	}
	l.mu.Lock()
	l.sent = append(l.sent, "pipeline: "+strings.Join(qs, " | "))
	l.mu.Unlock()
	return ctx
}
func (l *statementLog) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (l *statementLog) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

func (l *statementLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.sent
	l.sent = nil
	return out
}

// TestAcceptAllocationRoundTrips keeps accepting an allocation cheap
// (BenchmarkAcceptAllocation measures it): over HTTP with a new
// Idempotency-Key, one transaction, one commit and one round trip to
// Postgres: BEGIN, the operation, its job, the audit record, the key's
// answer, the hold and COMMIT in one pipeline. (The customer's Huawei
// account is remembered from the first request.)
func TestAcceptAllocationRoundTrips(t *testing.T) {
	t.Parallel()
	cfg, err := pgxpool.ParseConfig(testdb.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	log := &statementLog{}
	store.ConfigurePool(cfg)
	cfg.ConnConfig.Tracer = log
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	f := newAcceptFixture(t, pool)
	customer := f.customer
	h := f.srv.Handler()
	post := func(key string) {
		r := httptest.NewRequest("POST", "/v1/customers/"+customer.String()+"/allocations", strings.NewReader(`{"amount":"0.01"}`))
		r.Header.Set("Authorization", "Bearer "+f.token)
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Idempotency-Key", key)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusAccepted {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
	}
	post("warm-up") // seeds the partner's account, caches the principal
	log.take()
	post("counted")
	sent := log.take()
	commits, begins := 0, 0
	for _, s := range sent {
		for _, q := range strings.Split(strings.TrimPrefix(s, "pipeline: "), " | ") {
			switch strings.ToLower(q) {
			case "commit":
				commits++
			case "begin":
				begins++
			}
		}
	}
	jobs := 0
	for _, s := range sent {
		jobs += strings.Count(s, "INSERT INTO river_job")
	}
	if commits != 1 || begins != 1 || jobs != 1 || len(sent) != 1 {
		t.Fatalf("%d round trips, %d transactions, %d commits, %d jobs; want 1 of each:\n%s", len(sent), begins, commits, jobs, strings.Join(sent, "\n"))
	}
	t.Logf("%d round trips:\n%s", len(sent), strings.Join(sent, "\n"))
}
