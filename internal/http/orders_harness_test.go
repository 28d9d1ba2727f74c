package http_test

import (
	"context"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/partnerlab/storefront/internal/domain"
)

// orderBody is an Order as the API renders it.
type orderBody struct {
	ID         string `json:"id"`
	Kind       string `json:"kind"`
	CustomerID string `json:"customer_id"`
	Status     string `json:"status"`
	Source     string `json:"source"`
	Total      struct {
		Amount string `json:"amount"`
	} `json:"total"`
	Refund *struct {
		Amount string `json:"amount"`
	} `json:"refund"`
	Steps []struct {
		Name        string  `json:"name"`
		Line        *int    `json:"line"`
		Status      string  `json:"status"`
		UpstreamRef *string `json:"upstream_ref"`
	} `json:"steps"`
	UpstreamOrderIDs []string `json:"upstream_order_ids"`
	ResourceIDs      []string `json:"resource_ids"`
	Error            *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func (o orderBody) step(name string) string {
	for _, s := range o.Steps {
		if s.Name == name {
			return s.Status
		}
	}
	return ""
}

// orderCustomer is a registered, real-name verified customer (here and at
// the simulator) with funds allocated, and no partner discount at Huawei
// (so the fixtures' prices are the list prices).
func (h *harness) orderCustomer(fin string, funds string) moneyCustomer {
	h.t.Helper()
	ctx := context.Background()
	c := h.customerFixture()
	if _, err := h.cloud.SubmitIndividualRealName(ctx, domain.CloudIndividualRealName{CustomerID: c.huaweiID,
		FileURLs: []string{h.idCardFile(c.huaweiID)}, Name: "Zhang San", Number: "110101199001011234"}); err != nil {
		h.t.Fatal(err)
	}
	h.simDo("POST", "/_sim/realname/review", map[string]string{"customer_id": c.huaweiID, "decision": "approve"}, nil)
	// FIXTURE: the real-name flow's outcome, written as its job would.
	if _, err := h.pool.Exec(ctx, `UPDATE customers SET realname_status = 'verified' WHERE id = $1`, c.id); err != nil {
		h.t.Fatal(err)
	}
	h.sim.SetPartnerDiscount(c.huaweiID, decimal.Zero)
	if funds != "" {
		h.accepted(fin, "allocations", c.id, funds)
		h.settled(10 * time.Second)
	}
	return c
}

// evsProduct writes a catalogue product (the catalogue's use cases are
// another part's): SAS disks in cn-north-4, 0.35 a GB a month.
func (h *harness) evsProduct() uuid.UUID {
	h.t.Helper()
	id := uuid.Must(uuid.NewV7())
	// FIXTURE: a catalogue row as the catalogue's use case writes it.
	_, err := h.pool.Exec(context.Background(), `INSERT INTO catalog_products (id, kind, name, region, availability_zone, spec, service_type,
		resource_type, period_types, max_months, max_years, min_size_gb, max_size_gb, created_at, updated_at)
		VALUES ($1, 'evs', 'SAS disk', 'cn-north-4', 'cn-north-4a', 'SAS', 'hws.service.type.ebs', 'hws.resource.type.volume',
		ARRAY['month','year'], 11, 3, 10, 32768, now(), now())`, id)
	if err != nil {
		h.t.Fatal(err)
	}
	return id
}

// quote writes a quote of one line: sizeGB of product for one month at
// amount, binding for ttl.
func (h *harness) quote(c moneyCustomer, product uuid.UUID, sizeGB int, amount string, ttl time.Duration) uuid.UUID {
	h.t.Helper()
	ctx := context.Background()
	id := uuid.Must(uuid.NewV7())
	now := time.Now().UTC()
	// FIXTURE: a quote as the quotes use case writes it.
	if _, err := h.pool.Exec(ctx, `INSERT INTO quotes (id, kind, customer_id, amount, official, discount, expires_at, created_at)
		VALUES ($1, 'new', $2, $3, $3, 0, $4, $5)`, id, c.id, amount, now.Add(ttl), now.Add(-time.Hour)); err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.pool.Exec(ctx, `INSERT INTO quote_lines (quote_id, idx, product_id, quantity, size_gb, period_type, period_count,
		official, discount, amount) VALUES ($1, 0, $2, 1, $3, 'month', 1, $4, 0, $4)`, id, product, sizeGB, amount); err != nil {
		h.t.Fatal(err)
	}
	return id
}

func (h *harness) placeOrder(c moneyCustomer, quote uuid.UUID, key string) response {
	h.t.Helper()
	return h.do(req{method: "POST", path: "/v1/orders", token: c.token, body: map[string]any{"quote_id": quote.String()},
		header: map[string]string{"Idempotency-Key": key}})
}

func (h *harness) getOrder(token, id string) orderBody {
	h.t.Helper()
	res := h.do(req{method: "GET", path: "/v1/orders/" + id, token: token})
	res.wantStatus(h.t, http.StatusOK)
	var o orderBody
	res.json(h.t, &o)
	return o
}

// waitOrder waits until the order is no longer open.
func (h *harness) waitOrder(token, id string, within time.Duration) orderBody {
	h.t.Helper()
	deadline := time.Now().Add(within)
	for {
		o := h.getOrder(token, id)
		switch o.Status {
		case "pending", "paying", "provisioning":
		default:
			return o
		}
		if time.Now().After(deadline) {
			h.logJobs()
			h.t.Fatalf("order %s still %s after %s: %+v", id, o.Status, within, o)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ordered places an order and wants 202.
func (h *harness) ordered(c moneyCustomer, quote uuid.UUID) orderBody {
	h.t.Helper()
	res := h.placeOrder(c, quote, newKey())
	res.wantStatus(h.t, http.StatusAccepted)
	var o orderBody
	res.json(h.t, &o)
	return o
}

func (h *harness) ledgerOf(c moneyCustomer) (available, held decimal.Decimal) {
	h.t.Helper()
	ctx := context.Background()
	_ = h.pool.QueryRow(ctx, `SELECT balance FROM ledger_accounts WHERE kind = 'customer_available' AND customer_id = $1`, c.id).Scan(&available)
	_ = h.pool.QueryRow(ctx, `SELECT balance FROM ledger_accounts WHERE kind = 'customer_held' AND customer_id = $1`, c.id).Scan(&held)
	return available, held
}

// simOrder is one order as the simulator holds it.
func (h *harness) simOrders(huaweiID string) []map[string]any {
	h.t.Helper()
	var st struct {
		Orders []map[string]any `json:"orders"`
	}
	h.simDo("GET", "/_sim/state", nil, &st)
	var out []map[string]any
	for _, o := range st.Orders {
		if o["customer_id"] == huaweiID {
			out = append(out, o)
		}
	}
	return out
}
