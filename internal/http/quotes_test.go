package http_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

type quoteBody struct {
	ID         string    `json:"id"`
	Kind       string    `json:"kind"`
	CustomerID string    `json:"customer_id"`
	ExpiresAt  time.Time `json:"expires_at"`
	CreatedAt  time.Time `json:"created_at"`
	Total      struct {
		Amount   string `json:"amount"`
		Official string `json:"official"`
		Discount string `json:"discount"`
		Currency string `json:"currency"`
	} `json:"total"`
	Lines []struct {
		Index      int    `json:"index"`
		ProductID  string `json:"product_id"`
		ResourceID string `json:"resource_id"`
		Official   string `json:"official"`
		Amount     string `json:"amount"`
		Discount   string `json:"discount"`
		Discounts  []struct {
			ID     string `json:"id"`
			Type   int    `json:"type"`
			Amount string `json:"amount"`
		} `json:"discounts"`
		Chosen *struct {
			ID     string `json:"id"`
			Amount string `json:"amount"`
		} `json:"chosen_discount"`
	} `json:"lines"`
}

func line(productID string, pt string, n, qty int, size *int) map[string]any {
	l := map[string]any{"product_id": productID, "period_type": pt, "period_count": n, "quantity": qty}
	if size != nil {
		l["size_gb"] = *size
	}
	return l
}

func intp(n int) *int { return &n }

func TestQuote(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := h.admin().AccessToken
	c := h.buyerFixture(false)
	ecs := h.createProduct(admin, ecsProduct("s6.small.1.linux"))
	evs := h.createProduct(admin, evsProduct("SSD"))
	off := h.createProduct(admin, evsProduct("SAS"))
	h.do(req{method: "PATCH", path: "/v1/catalog/products/" + off.ID, token: admin, body: map[string]any{"enabled": false}}).wantStatus(t, http.StatusOK)

	// Happy path: an ECS line is the VM plus its root volume (32.20 +
	// 40 GB × 0.35 a month), an EVS line its disk (100 GB × 1.00).
	res := h.do(req{method: "POST", path: "/v1/quotes", token: c.token, body: map[string]any{"lines": []any{
		line(ecs.ID, "month", 2, 3, nil), line(evs.ID, "month", 1, 1, intp(100))}}})
	res.wantStatus(t, http.StatusCreated)
	var q quoteBody
	res.json(t, &q)
	if q.Kind != "new" || q.CustomerID != c.id.String() || len(q.Lines) != 2 || q.Total.Currency != "CNY" {
		t.Fatalf("quote %+v", q)
	}
	if ttl := q.ExpiresAt.Sub(q.CreatedAt); ttl != 30*time.Minute {
		t.Fatalf("expires %s after creation", ttl)
	}
	if q.Lines[0].Official != "277.20" || q.Lines[1].Official != "100.00" || q.Total.Official != "377.20" {
		t.Fatalf("official prices %+v", q)
	}
	sum := decimal.Zero
	for _, l := range q.Lines {
		if len(l.Discounts) == 0 || l.Chosen == nil || l.Amount != l.Chosen.Amount || !dec(l.Amount).LessThan(dec(l.Official)) ||
			!dec(l.Official).Sub(dec(l.Amount)).Equal(dec(l.Discount)) {
			t.Fatalf("line %+v", l)
		}
		sum = sum.Add(dec(l.Amount))
	}
	if !sum.Equal(dec(q.Total.Amount)) {
		t.Fatalf("total %s, lines %s", q.Total.Amount, sum)
	}
	var got quoteBody
	h.do(req{method: "GET", path: "/v1/quotes/" + q.ID, token: c.token}).json(t, &got)
	if got.Total != q.Total || len(got.Lines) != 2 || got.Lines[0].Chosen == nil || len(got.Lines[1].Discounts) != len(q.Lines[1].Discounts) {
		t.Fatalf("read back %+v", got)
	}
	fin := h.staffToken("quote-finance@example.com", "finance")
	h.do(req{method: "GET", path: "/v1/quotes/" + q.ID, token: fin}).wantStatus(t, http.StatusOK)
	other := h.buyerFixture(false)
	h.do(req{method: "GET", path: "/v1/quotes/" + q.ID, token: other.token}).wantProblem(t, http.StatusNotFound, "not_found")

	// Every bad input names its field.
	bad := []struct {
		line  map[string]any
		field string
	}{
		{line("01a00000-0000-7000-8000-000000000000", "month", 1, 1, nil), "lines.0.product_id"},
		{line(off.ID, "month", 1, 1, intp(100)), "lines.0.product_id"},
		{line(evs.ID, "year", 1, 1, intp(100)), "lines.0.period_type"},
		{line(ecs.ID, "month", 10, 1, nil), "lines.0.period_count"},
		{line(evs.ID, "month", 1, 1, intp(5000)), "lines.0.size_gb"},
		{line(evs.ID, "month", 1, 1, nil), "lines.0.size_gb"},
		{line(ecs.ID, "month", 1, 1, intp(100)), "lines.0.size_gb"},
	}
	for _, b := range bad {
		p := h.do(req{method: "POST", path: "/v1/quotes", token: c.token, body: map[string]any{"lines": []any{b.line}}}).
			wantProblem(t, http.StatusBadRequest, "validation_failed")
		if len(p.Errors) != 1 || p.Errors[0].Field != b.field {
			t.Fatalf("%v: errors %+v, want %s", b.line, p.Errors, b.field)
		}
	}

	// An operator quotes for a customer it names.
	op := h.staffToken("quote-operator@example.com", "operator")
	one := []any{line(evs.ID, "month", 1, 1, intp(10))}
	h.do(req{method: "POST", path: "/v1/quotes", token: op, body: map[string]any{"lines": one}}).wantProblem(t, http.StatusBadRequest, "validation_failed")
	res = h.do(req{method: "POST", path: "/v1/quotes", token: op, body: map[string]any{"customer_id": c.id, "lines": one}})
	res.wantStatus(t, http.StatusCreated)
	res.json(t, &got)
	if got.CustomerID != c.id.String() || got.Total.Official != "10.00" {
		t.Fatalf("operator quote %+v", got)
	}
	h.do(req{method: "GET", path: "/v1/quotes/" + got.ID, token: c.token}).wantStatus(t, http.StatusOK)
	h.do(req{method: "POST", path: "/v1/quotes", token: fin, body: map[string]any{"customer_id": c.id, "lines": one}}).wantProblem(t, http.StatusForbidden, "forbidden")

	// Lines in two regions: one RatePeriod call per region.
	east := ecsProduct("s6.small.1.linux")
	east["region"] = "cn-east-3"
	ecsEast := h.createProduct(admin, east)
	before := h.calls("ListRateOnPeriodDetail")
	res = h.do(req{method: "POST", path: "/v1/quotes", token: c.token, body: map[string]any{"lines": []any{
		line(ecs.ID, "month", 1, 1, nil), line(ecsEast.ID, "month", 1, 1, nil), line(evs.ID, "month", 1, 1, intp(10))}}})
	res.wantStatus(t, http.StatusCreated)
	res.json(t, &got)
	if n := h.calls("ListRateOnPeriodDetail") - before; n != 2 {
		t.Fatalf("%d rating calls for two regions", n)
	}
	if len(got.Lines) != 3 || got.Lines[0].Official != "46.20" || got.Lines[1].Official != "46.20" || got.Lines[2].Official != "10.00" {
		t.Fatalf("two-region quote %+v", got)
	}

	// The buyer's state.
	ctx := context.Background()
	unverified := h.customerFixture()
	h.do(req{method: "POST", path: "/v1/quotes", token: unverified.token, body: map[string]any{"lines": one}}).wantProblem(t, http.StatusForbidden, "customer_not_verified")
	if _, err := h.pool.Exec(ctx, `UPDATE customers SET status = 'frozen', frozen_scope = 'account' WHERE id = $1`, other.id); err != nil {
		t.Fatal(err)
	}
	h.do(req{method: "POST", path: "/v1/quotes", token: other.token, body: map[string]any{"lines": one}}).wantProblem(t, http.StatusForbidden, "customer_frozen")
	if _, err := h.pool.Exec(ctx, `UPDATE customers SET huawei_domain_id = NULL, huawei_domain_name = NULL, registration_status = 'pending', association = 'pending' WHERE id = $1`, unverified.id); err != nil {
		t.Fatal(err)
	}
	h.do(req{method: "POST", path: "/v1/quotes", token: op, body: map[string]any{"customer_id": unverified.id, "lines": one}}).wantProblem(t, http.StatusConflict, "customer_not_registered")
	if n := h.count("quotes"); n != 3 {
		t.Fatalf("%d quotes", n)
	}
}
