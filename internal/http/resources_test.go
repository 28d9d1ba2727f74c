package http_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/partnerlab/storefront/internal/domain"
)

type resourceBody struct {
	ID         string     `json:"id"`
	CustomerID string     `json:"customer_id"`
	ResourceID string     `json:"resource_id"`
	Kind       string     `json:"kind"`
	Spec       string     `json:"spec"`
	Status     string     `json:"status"`
	PrimaryID  *string    `json:"primary_id"`
	ExpiresAt  *time.Time `json:"expires_at"`
	AutoRenew  bool       `json:"auto_renew"`
	Setting    *struct {
		Enabled bool   `json:"enabled"`
		Status  string `json:"status"`
	} `json:"auto_renew_setting"`
	Actions struct {
		Renew struct {
			Allowed     bool       `json:"allowed"`
			PeriodTypes []string   `json:"period_types"`
			Until       *time.Time `json:"until"`
			Reason      *string    `json:"reason"`
		} `json:"renew"`
		Unsubscribe struct {
			Allowed         bool       `json:"allowed"`
			FullRefundUntil *time.Time `json:"full_refund_until"`
		} `json:"unsubscribe"`
		AutoRenew struct {
			Allowed bool `json:"allowed"`
		} `json:"auto_renew"`
	} `json:"actions"`
}

type resourcePage struct {
	Items      []resourceBody `json:"items"`
	NextCursor *string        `json:"next_cursor"`
}

// syncedServer creates and pays an ECS (VM + 40 GB SAS root volume, one
// month) for the buyer directly at the simulator, then syncs.
func (h *harness) syncedServer(c moneyCustomer) {
	h.t.Helper()
	ctx := context.Background()
	po, err := h.cloud.CreatePrepaidServer(ctx, c.huaweiID, domain.CloudServerOrder{
		Region: "cn-north-4", Name: "web", ImageRef: "img-ubuntu-22.04", FlavorRef: "s6.small.1", VPCID: "vpc-1",
		SubnetIDs: []string{"subnet-1"}, AvailabilityZone: "cn-north-4a", RootVolume: domain.CloudDiskSpec{Type: "SAS", SizeGB: 40},
		Period: domain.CloudPeriodMonth, Periods: 1})
	if err != nil {
		h.t.Fatal(err)
	}
	if err := h.cloud.PayOrder(ctx, c.huaweiID, domain.CloudPayOrder{OrderID: po.OrderID}); err != nil {
		h.t.Fatal(err)
	}
	if err := h.svc.Commerce.SyncResources(ctx, c.id); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) resources(token, query string) resourcePage {
	h.t.Helper()
	res := h.do(req{method: "GET", path: "/v1/resources" + query, token: token})
	res.wantStatus(h.t, http.StatusOK)
	var p resourcePage
	res.json(h.t, &p)
	return p
}

func (h *harness) resource(token, id string) resourceBody {
	h.t.Helper()
	res := h.do(req{method: "GET", path: "/v1/resources/" + id, token: token})
	res.wantStatus(h.t, http.StatusOK)
	var r resourceBody
	res.json(h.t, &r)
	return r
}

func (h *harness) simExpirePolicy(huaweiResourceID string) int {
	h.t.Helper()
	var st struct {
		Resources []struct {
			ResourceID   string `json:"resource_id"`
			ExpirePolicy int    `json:"expire_policy"`
		} `json:"resources"`
	}
	h.simDo("GET", "/_sim/state", nil, &st)
	for _, r := range st.Resources {
		if r.ResourceID == huaweiResourceID {
			return r.ExpirePolicy
		}
	}
	h.t.Fatalf("resource %s not at the simulator", huaweiResourceID)
	return -1
}

func TestResources(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := h.admin().AccessToken
	h.createProduct(admin, ecsProduct("s6.small.1.linux"))
	c := h.buyerFixture(true)
	other := h.buyerFixture(true)
	h.syncedServer(c)
	h.syncedServer(other)

	page := h.resources(c.token, "")
	if len(page.Items) != 2 {
		t.Fatalf("resources %+v", page.Items)
	}
	var vm, disk resourceBody
	for _, r := range page.Items {
		if r.CustomerID != c.id.String() || r.Status != "in_use" {
			t.Fatalf("resource %+v", r)
		}
		if r.PrimaryID == nil {
			vm = r
		} else {
			disk = r
		}
	}
	if vm.Kind != "ecs" || vm.Spec != "s6.small.1.linux" || disk.Kind != "evs" || *disk.PrimaryID != vm.ID || vm.AutoRenew {
		t.Fatalf("vm %+v disk %+v", vm, disk)
	}
	a := vm.Actions
	if !a.Renew.Allowed || len(a.Renew.PeriodTypes) != 2 || !a.Renew.Until.Equal(vm.ExpiresAt.Add(domain.Retention)) ||
		!a.Unsubscribe.Allowed || a.Unsubscribe.FullRefundUntil == nil || !a.AutoRenew.Allowed {
		t.Fatalf("vm actions %+v", a)
	}
	if disk.Actions.Renew.Allowed || disk.Actions.Unsubscribe.Allowed || disk.Actions.AutoRenew.Allowed {
		t.Fatalf("disk actions %+v", disk.Actions)
	}

	// Tenancy: another customer's resource is not found; staff see all.
	h.do(req{method: "GET", path: "/v1/resources/" + vm.ID, token: other.token}).wantProblem(t, http.StatusNotFound, "not_found")
	if p := h.resources(other.token, "?customer_id="+c.id.String()); len(p.Items) != 0 {
		t.Fatalf("other customer sees %+v", p.Items)
	}
	op := h.staffToken("res-operator@example.com", "operator")
	if p := h.resources(op, ""); len(p.Items) != 4 {
		t.Fatalf("staff sees %d", len(p.Items))
	}
	if p := h.resources(op, "?customer_id="+c.id.String()+"&kind=ecs&status=in_use&limit=1"); len(p.Items) != 1 || p.Items[0].ID != vm.ID || p.NextCursor != nil {
		t.Fatalf("filtered %+v", p)
	}
	if p := h.resources(op, "?limit=3"); len(p.Items) != 3 || p.NextCursor == nil {
		t.Fatalf("page %+v", p)
	} else if p2 := h.resources(op, "?limit=3&cursor="+*p.NextCursor); len(p2.Items) != 1 {
		t.Fatalf("page 2 %+v", p2)
	}

	// A renewal quote: the primary only, months 1–11.
	body := func(ids ...string) map[string]any {
		return map[string]any{"resource_ids": ids, "period_type": "month", "period_count": 2}
	}
	res := h.do(req{method: "POST", path: "/v1/renewal-quotes", token: c.token, body: body(vm.ID)})
	res.wantStatus(t, http.StatusCreated)
	var q quoteBody
	res.json(t, &q)
	if q.Kind != "renewal" || len(q.Lines) != 1 || q.Lines[0].ResourceID != vm.ID || q.Total.Official != "92.40" || q.Lines[0].Chosen == nil ||
		!dec(q.Total.Amount).LessThan(dec(q.Total.Official)) {
		t.Fatalf("renewal quote %+v", q)
	}
	h.do(req{method: "POST", path: "/v1/renewal-quotes", token: c.token, body: body(disk.ID)}).wantProblem(t, http.StatusConflict, "resource_not_primary")
	h.do(req{method: "POST", path: "/v1/renewal-quotes", token: other.token, body: body(vm.ID)}).wantProblem(t, http.StatusNotFound, "not_found")
	h.do(req{method: "POST", path: "/v1/renewal-quotes", token: c.token, body: map[string]any{"resource_ids": []string{vm.ID}, "period_type": "year", "period_count": 4}}).
		wantProblem(t, http.StatusBadRequest, "validation_failed")

	// A renewal left unpaid at Huawei blocks another quote.
	ro, err := h.cloud.RenewResources(context.Background(), other.huaweiID, domain.CloudRenewal{ResourceIDs: []string{otherVM(t, h, other).ResourceID},
		Period: domain.CloudPeriodMonth, Periods: 1})
	if err != nil || len(ro.OrderIDs) != 1 {
		t.Fatalf("renew at Huawei: %+v %v", ro, err)
	}
	h.do(req{method: "POST", path: "/v1/renewal-quotes", token: other.token, body: body(otherVM(t, h, other).ID)}).
		wantProblem(t, http.StatusConflict, "resource_in_unpaid_order")

	// Auto-renew on reaches Huawei, then off.
	res = h.do(req{method: "PUT", path: "/v1/resources/" + vm.ID + "/auto-renew", token: c.token, body: map[string]any{"enabled": true, "period_type": "month", "times": 0}})
	res.wantStatus(t, http.StatusAccepted)
	var r resourceBody
	res.json(t, &r)
	if r.Setting == nil || !r.Setting.Enabled || r.Setting.Status != "pending" {
		t.Fatalf("accepted %+v", r)
	}
	h.eventually("auto-renew applied", func() bool {
		r := h.resource(c.token, vm.ID)
		return r.Setting.Status == "applied" && r.AutoRenew
	})
	if p := h.simExpirePolicy(vm.ResourceID); p != int(domain.CloudExpireAutoRenew) {
		t.Fatalf("expire policy %d at Huawei", p)
	}
	h.do(req{method: "PUT", path: "/v1/resources/" + disk.ID + "/auto-renew", token: c.token, body: map[string]any{"enabled": true}}).wantProblem(t, http.StatusConflict, "resource_not_primary")
	h.do(req{method: "PUT", path: "/v1/resources/" + vm.ID + "/auto-renew", token: other.token, body: map[string]any{"enabled": true}}).wantProblem(t, http.StatusNotFound, "not_found")
	h.do(req{method: "PUT", path: "/v1/resources/" + vm.ID + "/auto-renew", token: c.token, body: map[string]any{"enabled": false}}).wantStatus(t, http.StatusAccepted)
	h.eventually("auto-renew off", func() bool {
		r := h.resource(c.token, vm.ID)
		return r.Setting.Status == "applied" && !r.Setting.Enabled && !r.AutoRenew
	})
	if p := h.simExpirePolicy(vm.ResourceID); p == int(domain.CloudExpireAutoRenew) {
		t.Fatal("auto-renew still on at Huawei")
	}

	// Unsubscription preview: no terms recorded → unknown; with a term → 5-day full refund.
	var pv struct {
		FeeApplies  bool   `json:"fee_applies"`
		TotalRefund string `json:"total_refund"`
		Items       []struct {
			Reason          string `json:"reason"`
			EstimatedRefund string `json:"estimated_refund"`
			QuotaLeft       int    `json:"quota_left"`
			FullRefund      bool   `json:"full_refund"`
		} `json:"items"`
	}
	res = h.do(req{method: "POST", path: "/v1/unsubscription-previews", token: c.token, body: map[string]any{"resource_ids": []string{vm.ID}}})
	res.wantStatus(t, http.StatusOK)
	res.json(t, &pv)
	if len(pv.Items) != 1 || pv.Items[0].Reason != "unknown_terms" || pv.TotalRefund != "0.00" {
		t.Fatalf("preview %+v", pv)
	}
	// FIXTURE: the term the orders saga records when an order completes.
	now := time.Now().UTC()
	if _, err := h.pool.Exec(context.Background(), `INSERT INTO resource_terms (resource_id, huawei_order_id, starts_at, ends_at, paid)
		VALUES ($1, 'CS-test', $2, $3, 46.20)`, uuid.MustParse(vm.ID), now.Add(-time.Hour), now.AddDate(0, 1, 0)); err != nil {
		t.Fatal(err)
	}
	h.do(req{method: "POST", path: "/v1/unsubscription-previews", token: c.token, body: map[string]any{"resource_ids": []string{vm.ID}}}).json(t, &pv)
	if pv.Items[0].Reason != "five_day" || !pv.Items[0].FullRefund || pv.Items[0].EstimatedRefund != "46.20" || pv.Items[0].QuotaLeft != 10 || pv.FeeApplies {
		t.Fatalf("preview %+v", pv)
	}
	h.do(req{method: "POST", path: "/v1/unsubscription-previews", token: c.token, body: map[string]any{"resource_ids": []string{disk.ID}}}).wantProblem(t, http.StatusConflict, "resource_not_primary")
	h.do(req{method: "POST", path: "/v1/unsubscription-previews", token: other.token, body: map[string]any{"resource_ids": []string{vm.ID}}}).wantProblem(t, http.StatusNotFound, "not_found")

	// A resource Huawei no longer lists is deleted at the next sync.
	if _, err := h.pool.Exec(context.Background(), `INSERT INTO resources (id, customer_id, huawei_resource_id, kind, spec, status, main, synced_at, created_at, updated_at)
		VALUES ($1, $2, 'gone-1', 'other', 'x', 'in_use', true, now() - interval '1 hour', now(), now())`, uuid.New(), c.id); err != nil {
		t.Fatal(err)
	}
	if err := h.svc.Commerce.SyncResources(context.Background(), c.id); err != nil {
		t.Fatal(err)
	}
	if p := h.resources(c.token, "?status=deleted"); len(p.Items) != 1 || p.Items[0].ResourceID != "gone-1" {
		t.Fatalf("deleted %+v", p.Items)
	}
}

// otherVM is the customer's primary ECS.
func otherVM(t *testing.T, h *harness, c moneyCustomer) resourceBody {
	t.Helper()
	for _, r := range h.resources(c.token, "?kind=ecs").Items {
		return r
	}
	t.Fatal("no ECS")
	return resourceBody{}
}

func (h *harness) setAutoRenew(token, id string, body map[string]any) {
	h.t.Helper()
	h.do(req{method: "PUT", path: "/v1/resources/" + id + "/auto-renew", token: token, body: body}).wantStatus(h.t, http.StatusAccepted)
}

// TestAutoRenewOutcomes: an unknown outcome is sent again (setting
// auto-renew is idempotent at Huawei); a definite refusal fails the wish
// with Huawei's reason; cancelling what is already off counts as applied.
func TestAutoRenewOutcomes(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.buyerFixture(true)
	h.syncedServer(c)
	vm := otherVM(t, h, c)

	h.fault("AutoRenewalResources", "commit_then_5xx", 1)
	h.setAutoRenew(c.token, vm.ID, map[string]any{"enabled": true, "times": 2})
	h.eventually("auto-renew applied after a resend", func() bool {
		r := h.resource(c.token, vm.ID)
		return r.Setting.Status == "applied" && r.AutoRenew
	})
	if n := h.calls("AutoRenewalResources"); n != 2 {
		t.Fatalf("%d AutoRenewalResources calls", n)
	}

	h.simDo("POST", "/_sim/faults", map[string]any{"operation": "AutoRenewalResources", "kind": "error", "count": 1,
		"status": 400, "error_code": "CBC.99003602", "error_msg": "The resource has expired or is frozen."}, nil)
	h.setAutoRenew(c.token, vm.ID, map[string]any{"enabled": true, "times": 3})
	var failed struct {
		Setting struct {
			Status string `json:"status"`
			Error  *struct {
				Code    string `json:"code"`
				Outcome string `json:"outcome"`
			} `json:"error"`
		} `json:"auto_renew_setting"`
	}
	h.eventually("auto-renew failed", func() bool {
		h.do(req{method: "GET", path: "/v1/resources/" + vm.ID, token: c.token}).json(t, &failed)
		return failed.Setting.Status == "failed"
	})
	if failed.Setting.Error == nil || failed.Setting.Error.Code != "CBC.99003602" || failed.Setting.Error.Outcome != "definite" {
		t.Fatalf("failed setting %+v", failed.Setting)
	}

	h.setAutoRenew(c.token, vm.ID, map[string]any{"enabled": false})
	h.eventually("auto-renew off", func() bool {
		r := h.resource(c.token, vm.ID)
		return r.Setting.Status == "applied" && !r.AutoRenew
	})
	h.setAutoRenew(c.token, vm.ID, map[string]any{"enabled": false})
	h.eventually("already off counts as applied", func() bool {
		return h.resource(c.token, vm.ID).Setting.Status == "applied"
	})
	// Unsubscribed at Huawei behind our back: Huawei refuses to price a
	// renewal (resource_not_renewable, with its reason); the next sync
	// marks the resource deleted.
	if _, err := h.cloud.UnsubscribeResources(context.Background(), c.huaweiID, domain.CloudUnsubscription{ResourceIDs: []string{vm.ResourceID},
		Kind: domain.CloudUnsubscribeResource}); err != nil {
		t.Fatal(err)
	}
	res := h.do(req{method: "POST", path: "/v1/renewal-quotes", token: c.token, body: map[string]any{"resource_ids": []string{vm.ID}, "period_type": "month", "period_count": 1}})
	var p struct {
		Code     string `json:"code"`
		Upstream struct {
			Code string `json:"code"`
		} `json:"upstream"`
	}
	res.wantProblem(t, http.StatusConflict, "resource_not_renewable")
	res.json(t, &p)
	if p.Upstream.Code != "CBC.30050009" {
		t.Fatalf("problem %+v", p)
	}
	if err := h.svc.Commerce.SyncResources(context.Background(), c.id); err != nil {
		t.Fatal(err)
	}
	if r := h.resource(c.token, vm.ID); r.Status != "deleted" || r.Actions.Renew.Allowed {
		t.Fatalf("after unsubscription %+v", r)
	}
}

// TestResourceOrderLink: a resource whose Huawei id a storefront order
// line names is linked to that order, and while the order is open the
// resource cannot be renewed or unsubscribed.
func TestResourceOrderLink(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.buyerFixture(true)
	h.syncedServer(c)
	vm := otherVM(t, h, c)
	ctx := context.Background()
	// FIXTURE: an open order and its line as the orders saga writes them.
	order := uuid.Must(uuid.NewV7())
	if _, err := h.pool.Exec(ctx, `INSERT INTO orders (id, kind, customer_id, status, amount, created_at, updated_at)
		VALUES ($1, 'new', $2, 'provisioning', 46.20, now(), now())`, order, c.id); err != nil {
		t.Fatal(err)
	}
	if _, err := h.pool.Exec(ctx, `INSERT INTO order_lines (order_id, idx, amount, client_token, status, huawei_resource_ids)
		VALUES ($1, 0, 46.20, 'tok', 'paid', ARRAY[$2])`, order, vm.ResourceID); err != nil {
		t.Fatal(err)
	}
	if err := h.svc.Commerce.SyncResources(ctx, c.id); err != nil {
		t.Fatal(err)
	}
	var r struct {
		OrderID string `json:"order_id"`
		resourceBody
	}
	h.do(req{method: "GET", path: "/v1/resources/" + vm.ID, token: c.token}).json(t, &r)
	if r.OrderID != order.String() || r.Actions.Renew.Allowed || r.Actions.Unsubscribe.Allowed || *r.Actions.Renew.Reason != "open_order" {
		t.Fatalf("resource %+v", r)
	}
	var disk struct {
		OrderID string `json:"order_id"`
	}
	for _, it := range h.resources(c.token, "?kind=evs").Items {
		h.do(req{method: "GET", path: "/v1/resources/" + it.ID, token: c.token}).json(t, &disk)
	}
	if disk.OrderID != order.String() {
		t.Fatalf("root volume not linked: %+v", disk)
	}
	if _, err := h.pool.Exec(ctx, `UPDATE orders SET status = 'completed' WHERE id = $1`, order); err != nil {
		t.Fatal(err)
	}
	if a := h.resource(c.token, vm.ID).Actions; !a.Renew.Allowed || !a.Unsubscribe.Allowed || a.Unsubscribe.FullRefundUntil == nil {
		t.Fatalf("actions after the order %+v", a)
	}

	// Ten 5-day refunds this year (Beijing time) use the quota up; one
	// from last year does not count.
	// FIXTURE: five_day_refunds as the unsubscription saga records them.
	if _, err := h.pool.Exec(ctx, `INSERT INTO five_day_refunds (customer_id, huawei_resource_id, order_id, at)
		SELECT $1, 'r-' || g, $2, now() FROM generate_series(1, 9) g`, c.id, order); err != nil {
		t.Fatal(err)
	}
	if _, err := h.pool.Exec(ctx, `INSERT INTO five_day_refunds (customer_id, huawei_resource_id, order_id, at)
		VALUES ($1, 'last-year', $2, date_trunc('year', now() AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai' - interval '1 minute')`, c.id, order); err != nil {
		t.Fatal(err)
	}
	if a := h.resource(c.token, vm.ID).Actions; a.Unsubscribe.FullRefundUntil == nil {
		t.Fatalf("nine used: %+v", a)
	}
	if _, err := h.pool.Exec(ctx, `INSERT INTO five_day_refunds (customer_id, huawei_resource_id, order_id, at) VALUES ($1, 'r-10', $2, now())`, c.id, order); err != nil {
		t.Fatal(err)
	}
	if a := h.resource(c.token, vm.ID).Actions; !a.Unsubscribe.Allowed || a.Unsubscribe.FullRefundUntil != nil {
		t.Fatalf("quota used: %+v", a)
	}
	// Expired (as a sync would record it): renewable, but no auto-renew.
	if _, err := h.pool.Exec(ctx, `UPDATE resources SET status = 'expired' WHERE id = $1`, uuid.MustParse(vm.ID)); err != nil {
		t.Fatal(err)
	}
	if a := h.resource(c.token, vm.ID).Actions; !a.Renew.Allowed || a.Unsubscribe.Allowed || a.AutoRenew.Allowed {
		t.Fatalf("expired: %+v", a)
	}
	h.do(req{method: "PUT", path: "/v1/resources/" + vm.ID + "/auto-renew", token: c.token, body: map[string]any{"enabled": true}}).
		wantProblem(t, http.StatusConflict, "resource_not_active")
}
