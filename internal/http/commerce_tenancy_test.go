package http_test

import (
	"net/http"
	"testing"
)

// TestCommerceTenancy: every commerce route keeps customers apart (another
// customer's quote, order, resource → 404, before anything reaches
// Huawei), keeps roles to their routes (403), and wants a token (401).
func TestCommerceTenancy(t *testing.T) {
	t.Parallel()
	h := newMoneyHarness(t)
	admin := h.admin().AccessToken
	fin := h.staffToken("finance@example.com", "finance")
	op := h.staffToken("operator@example.com", "operator")
	c := h.orderCustomer(fin, "500.00")
	other := h.orderCustomer(fin, "500.00")
	evs := h.createProduct(admin, sasDisk())

	// The first customer's quote (unused), order, resource and renewal quote.
	res := h.do(req{method: "POST", path: "/v1/quotes", token: c.token, body: map[string]any{"lines": []any{line(evs.ID, "month", 1, 1, intp(100))}}})
	res.wantStatus(t, http.StatusCreated)
	var quote quoteBody
	res.json(t, &quote)
	order, rs := h.boughtDisks(c, evs.ID, 1)
	rid := rs[0].ID
	res = h.do(req{method: "POST", path: "/v1/renewal-quotes", token: c.token, body: map[string]any{"resource_ids": []string{rid}, "period_type": "month", "period_count": 1}})
	res.wantStatus(t, http.StatusCreated)
	var renewal quoteBody
	res.json(t, &renewal)
	calls := h.calls("")
	avail, _ := h.ledgerOf(c)

	key := func() map[string]string { return map[string]string{"Idempotency-Key": newKey()} }
	type route struct {
		name   string
		method string
		path   string
		body   any
		money  bool // takes Idempotency-Key
	}
	var (
		getQuote     = route{"get quote", "GET", "/v1/quotes/" + quote.ID, nil, false}
		placeOrder   = route{"place order", "POST", "/v1/orders", map[string]any{"quote_id": quote.ID}, true}
		getOrder     = route{"get order", "GET", "/v1/orders/" + order.ID, nil, false}
		cancelOrder  = route{"cancel order", "POST", "/v1/orders/" + order.ID + "/cancel", nil, true}
		getResource  = route{"get resource", "GET", "/v1/resources/" + rid, nil, false}
		autoRenew    = route{"auto-renew", "PUT", "/v1/resources/" + rid + "/auto-renew", map[string]any{"enabled": true, "period_type": "month", "times": 1}, false}
		renewalQuote = route{"renewal quote", "POST", "/v1/renewal-quotes", map[string]any{"resource_ids": []string{rid}, "period_type": "month", "period_count": 1}, false}
		renew        = route{"renewal", "POST", "/v1/renewals", map[string]any{"quote_id": renewal.ID}, true}
		preview      = route{"unsubscription preview", "POST", "/v1/unsubscription-previews", map[string]any{"resource_ids": []string{rid}}, false}
		unsubscribe  = route{"unsubscription", "POST", "/v1/unsubscriptions", map[string]any{"resource_ids": []string{rid}, "accept_fee": true}, true}
		listOrders   = route{"list orders", "GET", "/v1/orders", nil, false}
		listRes      = route{"list resources", "GET", "/v1/resources", nil, false}
		listProducts = route{"list products", "GET", "/v1/catalog/products", nil, false}
		getProduct   = route{"get product", "GET", "/v1/catalog/products/" + evs.ID, nil, false}
		newProduct   = route{"create product", "POST", "/v1/catalog/products", sasDisk(), false}
		patchProduct = route{"patch product", "PATCH", "/v1/catalog/products/" + evs.ID, map[string]any{"name": "renamed"}, false}
		newQuote     = route{"create quote", "POST", "/v1/quotes", map[string]any{"lines": []any{line(evs.ID, "month", 1, 1, intp(100))}}, false}
	)
	send := func(t *testing.T, r route, token string) response {
		t.Helper()
		rq := req{method: r.method, path: r.path, token: token, body: r.body}
		if r.money {
			rq.header = key()
		}
		return h.do(rq)
	}
	cases := []struct {
		who    string
		token  string
		routes []route
		status int
		code   string
	}{
		{"other customer", other.token, []route{getQuote, placeOrder, getOrder, cancelOrder, getResource, autoRenew, renewalQuote, renew, preview, unsubscribe},
			http.StatusNotFound, "not_found"},
		{"customer", c.token, []route{newProduct, patchProduct}, http.StatusForbidden, "forbidden"},
		{"operator", op, []route{placeOrder, renew, unsubscribe, autoRenew, renewalQuote, preview}, http.StatusForbidden, "forbidden"},
		{"finance", fin, []route{placeOrder, cancelOrder, renew, unsubscribe, autoRenew, newQuote, newProduct}, http.StatusForbidden, "forbidden"},
		{"unauthenticated", "", []route{getQuote, newQuote, placeOrder, getOrder, listOrders, cancelOrder, getResource, listRes, autoRenew,
			renewalQuote, renew, preview, unsubscribe, listProducts, getProduct, newProduct, patchProduct}, http.StatusUnauthorized, "unauthenticated"},
	}
	for _, tc := range cases {
		for _, r := range tc.routes {
			t.Run(tc.who+"/"+r.name, func(t *testing.T) {
				send(t, r, tc.token).wantProblem(t, tc.status, tc.code)
			})
		}
	}

	// Staff who may read see the first customer's order and resource.
	for _, who := range []struct{ name, token string }{{"finance", fin}, {"operator", op}, {"admin", admin}} {
		t.Run(who.name+"/reads", func(t *testing.T) {
			for _, r := range []route{getQuote, getOrder, getResource} {
				send(t, r, who.token).wantStatus(t, http.StatusOK)
			}
			var orders struct {
				Items []orderBody `json:"items"`
			}
			h.do(req{method: "GET", path: "/v1/orders?customer_id=" + c.id.String(), token: who.token}).json(t, &orders)
			if len(orders.Items) != 1 || orders.Items[0].ID != order.ID {
				t.Fatalf("orders %+v", orders.Items)
			}
			if p := h.resources(who.token, "?customer_id="+c.id.String()); len(p.Items) != 1 || p.Items[0].ID != rid {
				t.Fatalf("resources %+v", p.Items)
			}
		})
	}
	// The other customer's lists are empty, even when asking for the first's.
	t.Run("other customer/lists", func(t *testing.T) {
		var orders struct {
			Items []orderBody `json:"items"`
		}
		h.do(req{method: "GET", path: "/v1/orders?customer_id=" + c.id.String(), token: other.token}).json(t, &orders)
		if len(orders.Items) != 0 {
			t.Fatalf("orders %+v", orders.Items)
		}
		if p := h.resources(other.token, "?customer_id="+c.id.String()); len(p.Items) != 0 {
			t.Fatalf("resources %+v", p.Items)
		}
	})

	// Nothing reached Huawei and nothing moved.
	if n := h.calls(""); n != calls {
		t.Fatalf("%d Huawei calls during the refusals", n-calls)
	}
	if now, held := h.ledgerOf(c); !now.Equal(avail) || !held.IsZero() {
		t.Fatalf("ledger %s (held %s), was %s", now, held, avail)
	}
	if r := h.resource(c.token, rid); r.AutoRenew || r.Setting != nil || r.Status != "in_use" {
		t.Fatalf("resource %+v", r)
	}
	if o := h.getOrder(c.token, order.ID); o.Status != "completed" {
		t.Fatalf("order %+v", o)
	}
}
