package http_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/partnerlab/storefront/internal/domain"
)

// productBody is a Product as the API renders it.
type productBody struct {
	ID          string   `json:"id"`
	Kind        string   `json:"kind"`
	Name        string   `json:"name"`
	Region      string   `json:"region"`
	Spec        string   `json:"spec"`
	ServiceType string   `json:"service_type"`
	PeriodTypes []string `json:"period_types"`
	MaxPeriod   struct {
		Month *int `json:"month"`
		Year  *int `json:"year"`
	} `json:"max_period"`
	Enabled bool `json:"enabled"`
}

type productPage struct {
	Items      []productBody `json:"items"`
	NextCursor *string       `json:"next_cursor"`
}

func ecsProduct(spec string) map[string]any {
	return map[string]any{"kind": "ecs", "name": "ECS " + spec, "region": "cn-north-4", "spec": spec,
		"image_ref": "img-ubuntu-22.04", "root_volume": map[string]any{"type": "SAS", "size_gb": 40},
		"period_types": []string{"month", "year"}, "max_period": map[string]any{"month": 9, "year": 3}}
}

func evsProduct(spec string) map[string]any {
	return map[string]any{"kind": "evs", "name": "EVS " + spec, "region": "cn-north-4", "availability_zone": "cn-north-4a", "spec": spec,
		"min_size_gb": 10, "max_size_gb": 2000, "period_types": []string{"month"}, "max_period": map[string]any{"month": 9, "year": nil}}
}

func (h *harness) createProduct(adminToken string, body map[string]any) productBody {
	h.t.Helper()
	res := h.do(req{method: "POST", path: "/v1/catalog/products", token: adminToken, body: body})
	res.wantStatus(h.t, http.StatusCreated)
	var p productBody
	res.json(h.t, &p)
	return p
}

// buyerFixture is a registered customer verified here and, when
// atHuawei, at the simulator too (real name approved) and funded, so
// it can create resources.
//
// FIXTURE: the real-name status is set by a plain UPDATE, as the real-name
// flow (built elsewhere) would.
func (h *harness) buyerFixture(atHuawei bool) moneyCustomer {
	h.t.Helper()
	c := h.customerFixture()
	ctx := context.Background()
	if _, err := h.pool.Exec(ctx, `UPDATE customers SET realname_status = 'verified' WHERE id = $1`, c.id); err != nil {
		h.t.Fatal(err)
	}
	if !atHuawei {
		return c
	}
	if _, err := h.cloud.SubmitIndividualRealName(ctx, domain.CloudIndividualRealName{CustomerID: c.huaweiID,
		FileURLs: []string{h.idCardFile(c.huaweiID)}, Name: "Zhang San", Number: fmt.Sprintf("1101011990010%05d", moneyFixtureSeq.Add(1))}); err != nil {
		h.t.Fatal(err)
	}
	h.simDo("POST", "/_sim/realname/review", map[string]string{"customer_id": c.huaweiID, "decision": "approve"}, nil)
	if _, err := h.cloud.AllocateToCustomer(ctx, c.huaweiID, decimal.RequireFromString("5000.00")); err != nil {
		h.t.Fatal(err)
	}
	return c
}

func TestCatalogProducts(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := h.admin().AccessToken
	cust := h.signup("catalog-customer@example.com").AccessToken
	op := h.staffToken("catalog-operator@example.com", "operator")

	// No verified customer yet: the types are checked, the spec trusted.
	ecs := h.createProduct(admin, ecsProduct("s6.small.1.linux"))
	if ecs.ServiceType != domain.ServiceTypeECS || ecs.Kind != "ecs" || !ecs.Enabled || *ecs.MaxPeriod.Month != 9 || *ecs.MaxPeriod.Year != 3 {
		t.Fatalf("ecs %+v", ecs)
	}
	evs := h.createProduct(admin, evsProduct("SSD"))
	if evs.MaxPeriod.Year != nil {
		t.Fatalf("evs %+v", evs)
	}
	h.do(req{method: "POST", path: "/v1/catalog/products", token: admin, body: ecsProduct("s6.small.1.linux")}).wantProblem(t, http.StatusConflict, "already_exists")
	h.do(req{method: "POST", path: "/v1/catalog/products", token: cust, body: ecsProduct("s6.medium.2.linux")}).wantProblem(t, http.StatusForbidden, "forbidden")
	h.do(req{method: "POST", path: "/v1/catalog/products", token: op, body: ecsProduct("s6.medium.2.linux")}).wantProblem(t, http.StatusForbidden, "forbidden")

	// Validation per kind.
	noImage := ecsProduct("s6.medium.2.linux")
	delete(noImage, "image_ref")
	p := h.do(req{method: "POST", path: "/v1/catalog/products", token: admin, body: noImage}).wantProblem(t, http.StatusBadRequest, "validation_failed")
	if p.Errors[0].Field != "image_ref" {
		t.Fatalf("errors %+v", p.Errors)
	}
	noSize := evsProduct("SAS")
	delete(noSize, "max_size_gb")
	p = h.do(req{method: "POST", path: "/v1/catalog/products", token: admin, body: noSize}).wantProblem(t, http.StatusBadRequest, "validation_failed")
	if p.Errors[0].Field != "min_size_gb" {
		t.Fatalf("errors %+v", p.Errors)
	}
	// With a verified customer the spec is priced at Huawei.
	h.buyerFixture(false)
	p = h.do(req{method: "POST", path: "/v1/catalog/products", token: admin, body: ecsProduct("zz9.huge.1.linux")}).wantProblem(t, http.StatusBadRequest, "validation_failed")
	if p.Errors[0].Field != "spec" {
		t.Fatalf("errors %+v", p.Errors)
	}
	h.createProduct(admin, ecsProduct("s6.medium.2.linux"))

	// Disable: customers no longer see it.
	res := h.do(req{method: "PATCH", path: "/v1/catalog/products/" + evs.ID, token: admin, body: map[string]any{"enabled": false, "name": "Old SSD"}})
	res.wantStatus(t, http.StatusOK)
	h.do(req{method: "PATCH", path: "/v1/catalog/products/" + evs.ID, token: cust, body: map[string]any{"enabled": true}}).wantProblem(t, http.StatusForbidden, "forbidden")
	h.do(req{method: "GET", path: "/v1/catalog/products/" + evs.ID, token: cust}).wantProblem(t, http.StatusNotFound, "not_found")
	h.do(req{method: "GET", path: "/v1/catalog/products/" + evs.ID, token: op}).wantStatus(t, http.StatusOK)

	var page productPage
	h.do(req{method: "GET", path: "/v1/catalog/products", token: cust}).json(t, &page)
	if len(page.Items) != 2 {
		t.Fatalf("customer sees %+v", page.Items)
	}
	for _, it := range page.Items {
		if !it.Enabled {
			t.Fatalf("customer sees a disabled product %+v", it)
		}
	}
	h.do(req{method: "GET", path: "/v1/catalog/products?limit=2", token: admin}).json(t, &page)
	if len(page.Items) != 2 || page.NextCursor == nil {
		t.Fatalf("admin page 1 %+v", page)
	}
	h.do(req{method: "GET", path: "/v1/catalog/products?limit=2&cursor=" + *page.NextCursor, token: admin}).json(t, &page)
	if len(page.Items) != 1 || page.NextCursor != nil || page.Items[0].Spec != "s6.medium.2.linux" {
		t.Fatalf("admin page 2 %+v", page)
	}
	h.do(req{method: "GET", path: "/v1/catalog/products?kind=evs&enabled=false", token: admin}).json(t, &page)
	if len(page.Items) != 1 || page.Items[0].ID != evs.ID {
		t.Fatalf("filtered %+v", page)
	}
	if n := h.count("audit_events WHERE action LIKE 'catalog.product.%'"); n != 4 {
		t.Fatalf("%d audit records", n)
	}

	var types struct {
		Items []struct {
			Code        string  `json:"code"`
			ServiceType *string `json:"service_type"`
		} `json:"items"`
		SyncedAt *time.Time `json:"synced_at"`
	}
	h.do(req{method: "GET", path: "/v1/catalog/resource-types", token: cust}).json(t, &types)
	if len(types.Items) < 2 || types.SyncedAt == nil {
		t.Fatalf("resource types %+v", types)
	}
	h.do(req{method: "GET", path: "/v1/catalog/service-types", token: cust}).json(t, &types)
	if len(types.Items) < 2 {
		t.Fatalf("service types %+v", types)
	}
}
