//go:build load

package http_test

import (
	"context"
	"slices"
	"testing"
	"time"
)

// TestMoneyLoad is the load test, not run in CI (build tag "load"; it
// takes a few minutes): at Huawei's real 10 requests a second,
//
//   - a burst of MONEY_LOAD_OPS (1,000) allocations over 100 customers
//     drains at no less than 0.9 × 10/s, with no operation failed by
//     throttling;
//
//   - below the limit (5/s, one customer each), the time from accepted to
//     succeeded has a p50 of at most 50 ms.
//
//     go test -tags load -race -run TestMoneyLoad -v -timeout 20m ./internal/http/
func TestMoneyLoad(t *testing.T) {
	n := envInt("MONEY_LOAD_OPS", 1000)
	h := newMoneyHarness(t, withWorkers(32))
	fin := h.staffToken("finance@example.com", "finance")
	customers := make([]moneyCustomer, 100)
	for i := range customers {
		customers[i] = h.customerFixture()
	}
	ctx := context.Background()

	// Below the limit: one allocation every 200 ms, each to its own customer.
	for i := range 60 {
		h.accepted(fin, "allocations", customers[i].id, "1.00")
		time.Sleep(200 * time.Millisecond)
	}
	h.settled(60 * time.Second)
	var lat []time.Duration
	rows, err := h.pool.Query(ctx, `SELECT updated_at - created_at FROM money_operations WHERE status = 'succeeded'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var d time.Duration
		if err := rows.Scan(&d); err != nil {
			t.Fatal(err)
		}
		lat = append(lat, d)
	}
	rows.Close()
	slices.Sort(lat)
	p50, p90, p99 := lat[len(lat)/2], lat[len(lat)*9/10], lat[len(lat)*99/100]
	t.Logf("accepted → succeeded below the limit (%d operations): p50 %s, p90 %s, p99 %s, max %s", len(lat), p50, p90, p99, lat[len(lat)-1])
	if p50 > 50*time.Millisecond {
		t.Errorf("p50 %s, want ≤ 50ms", p50)
	}

	// The burst.
	var before int
	_ = h.pool.QueryRow(ctx, `SELECT count(*) FROM money_operations`).Scan(&before)
	start := time.Now()
	load := runMoneyLoad(t, h, fin, customers, n, 16, 0, 30*time.Second)
	accepted := time.Since(start)
	h.settled(10 * time.Minute)
	var first, last time.Time
	var succeeded, failed int
	_ = h.pool.QueryRow(ctx, `SELECT min(started_at), max(updated_at), count(*) FILTER (WHERE status = 'succeeded'), count(*) FILTER (WHERE status = 'failed')
		FROM (SELECT * FROM money_operations ORDER BY id OFFSET $1) o`, before).Scan(&first, &last, &succeeded, &failed)
	span := last.Sub(first)
	rate := float64(succeeded) / span.Seconds()
	var j struct {
		Entries []struct {
			Operation string `json:"operation"`
			Status    int    `json:"status"`
		} `json:"entries"`
	}
	h.simDo("GET", "/_sim/journal", nil, &j)
	throttled := 0
	for _, e := range j.Entries {
		if e.Status == 429 {
			throttled++
		}
	}
	t.Logf("burst of %d: accepted in %s; %d succeeded, %d failed, refused %v; drained in %s: %.2f/s; Huawei answered 429 %d times",
		n, accepted.Round(time.Millisecond), succeeded, failed, load.refused, span.Round(time.Millisecond), rate, throttled)
	if failed > 0 || rate < 9 {
		t.Errorf("%d failed; %.2f/s, want ≥ 9/s", failed, rate)
	}
	checkAgainstHuawei(t, h, customers, moneyLoad{acked: allOps(t, h), requests: n})
}

// allOps lists every operation as acknowledged (for checks after a run
// made of several loads).
func allOps(t *testing.T, h *harness) map[string]moneyOp {
	out := map[string]moneyOp{}
	rows, err := h.pool.Query(context.Background(), `SELECT id::text FROM money_operations`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		_ = rows.Scan(&id)
		out[id] = moneyOp{ID: id}
	}
	return out
}
