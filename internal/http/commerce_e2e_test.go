package http_test

// The commerce end-to-end tests run the storefront on a clock that follows
// the simulator's virtual clock: at Huawei business time is real time, so
// when a test moves the simulator's clock forward the storefront's clock
// must move with it (the refund estimate, the 5-day quota's year, the
// order sync's window all read it).

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/partnerlab/storefront/internal/domain"
)

// e2eClock is real time plus how far the test moved the simulator's clock.
type e2eClock struct{ off atomic.Int64 }

func (c *e2eClock) Now() time.Time { return time.Now().UTC().Add(time.Duration(c.off.Load())) }

// advanceBoth moves the simulator's clock and the storefront's by d.
func (h *harness) advanceBoth(clk *e2eClock, d time.Duration) {
	h.t.Helper()
	h.advanceSim(d)
	clk.off.Add(int64(d))
}

// newClockedHarness is newMoneyHarness (no step-up, the ledger's
// invariants asserted at the end) with the money and commerce services on
// clk.
func newClockedHarness(t *testing.T, clk *e2eClock) *harness {
	t.Helper()
	h := newClockedHarnessWith(t, clk, withStepUpThreshold("1000000000.00"))
	t.Cleanup(func() { h.assertLedger() })
	return h
}

func newClockedHarnessWith(t *testing.T, clk *e2eClock, opts ...harnessOpt) *harness {
	t.Helper()
	return newHarness(t, append(opts, withClock(clk))...)
}

// unsubPreview is an UnsubscriptionPreview as the API renders it.
type unsubPreview struct {
	FeeApplies  bool   `json:"fee_applies"`
	TotalRefund string `json:"total_refund"`
	Items       []struct {
		ResourceID      string `json:"resource_id"`
		Reason          string `json:"reason"`
		FullRefund      bool   `json:"full_refund"`
		Fee             string `json:"fee"`
		EstimatedRefund string `json:"estimated_refund"`
		QuotaLeft       int    `json:"quota_left"`
	} `json:"items"`
}

func (h *harness) preview(token string, ids ...string) unsubPreview {
	h.t.Helper()
	res := h.do(req{method: "POST", path: "/v1/unsubscription-previews", token: token, body: map[string]any{"resource_ids": ids}})
	res.wantStatus(h.t, http.StatusOK)
	var p unsubPreview
	res.json(h.t, &p)
	return p
}

func (h *harness) unsubscribe(token string, acceptFee bool, ids ...string) response {
	h.t.Helper()
	return h.do(req{method: "POST", path: "/v1/unsubscriptions", token: token,
		body: map[string]any{"resource_ids": ids, "accept_fee": acceptFee}, header: map[string]string{"Idempotency-Key": newKey()}})
}

// unsubscribed unsubscribes ids (accepting any fee) and waits for the order.
func (h *harness) unsubscribed(token string, ids ...string) orderBody {
	h.t.Helper()
	res := h.unsubscribe(token, true, ids...)
	res.wantStatus(h.t, http.StatusAccepted)
	var o orderBody
	res.json(h.t, &o)
	o = h.waitOrder(token, o.ID, 30*time.Second)
	if o.Status != "completed" || o.Kind != "unsubscription" || o.Refund == nil {
		h.t.Fatalf("unsubscription %+v", o)
	}
	return o
}

// boughtDisks quotes and orders n 100 GB SAS disks for a month (one line,
// quantity n) through the API and returns the order and its resources.
func (h *harness) boughtDisks(c moneyCustomer, product string, n int) (orderBody, []resourceBody) {
	h.t.Helper()
	res := h.do(req{method: "POST", path: "/v1/quotes", token: c.token, body: map[string]any{"lines": []any{line(product, "month", 1, n, intp(100))}}})
	res.wantStatus(h.t, http.StatusCreated)
	var q quoteBody
	res.json(h.t, &q)
	o := h.waitOrder(c.token, h.ordered(c, uuid.MustParse(q.ID)).ID, 30*time.Second)
	if o.Status != "completed" || o.Total.Amount != q.Total.Amount {
		h.t.Fatalf("order %+v %+v (quote %s)", o, o.Error, q.Total.Amount)
	}
	var rs []resourceBody
	for _, r := range h.resources(c.token, "?kind=evs&status=in_use&limit=100").Items {
		var full struct {
			OrderID *string `json:"order_id"`
		}
		h.do(req{method: "GET", path: "/v1/resources/" + r.ID, token: c.token}).json(h.t, &full)
		if full.OrderID != nil && *full.OrderID == o.ID {
			rs = append(rs, r)
		}
	}
	if len(rs) != n {
		h.t.Fatalf("order %s has %d resources, want %d", o.ID, len(rs), n)
	}
	return o, rs
}

// effectiveAt is when Huawei started the resource's first term.
func (h *harness) effectiveAt(token, id string) time.Time {
	h.t.Helper()
	var r struct {
		EffectiveAt *time.Time `json:"effective_at"`
	}
	h.do(req{method: "GET", path: "/v1/resources/" + id, token: token}).json(h.t, &r)
	if r.EffectiveAt == nil {
		h.t.Fatalf("resource %s has no effective_at", id)
	}
	return *r.EffectiveAt
}

// advanceTo moves both clocks to at least at.
func (h *harness) advanceTo(clk *e2eClock, at time.Time) {
	h.t.Helper()
	if d := at.Sub(clk.Now()); d > 0 {
		h.advanceBoth(clk, d.Truncate(time.Second)+time.Second)
	}
}

// assertBooked: the ledger agrees with Huawei, nothing is held.
func (h *harness) assertBooked(c moneyCustomer) decimal.Decimal {
	h.t.Helper()
	avail, held := h.ledgerOf(c)
	if up := h.simState().balance(c.huaweiID); !held.IsZero() || !up.Equal(avail) {
		h.t.Fatalf("ledger %s (held %s), Huawei %s", avail, held, up)
	}
	return avail
}

// TestCommerceFiveDayBoundary: a disk unsubscribed 4d23h after it started
// is refunded in full (the ledger back up by what the order paid); one
// unsubscribed 5d1h after needs accept_fee, and Huawei's refund is what
// the preview estimated.
func TestCommerceFiveDayBoundary(t *testing.T) {
	t.Parallel()
	clk := &e2eClock{}
	h := newClockedHarness(t, clk)
	fin := h.staffToken("finance@example.com", "finance")
	c := h.orderCustomer(fin, "1000.00")
	evs := h.createProduct(h.admin().AccessToken, sasDisk())

	// Within 5 × 24 h: a full refund.
	before := h.assertBooked(c)
	o1, rs1 := h.boughtDisks(c, evs.ID, 1)
	paid := dec(o1.Total.Amount)
	if got := h.assertBooked(c); !got.Equal(before.Sub(paid)) {
		t.Fatalf("after the order: %s, want %s", got, before.Sub(paid))
	}
	// The second disk, bought a little later, is checked a day later.
	_, rs2 := h.boughtDisks(c, evs.ID, 1)
	start1, start2 := h.effectiveAt(c.token, rs1[0].ID), h.effectiveAt(c.token, rs2[0].ID)

	h.advanceTo(clk, start1.Add(4*24*time.Hour+23*time.Hour))
	pv := h.preview(c.token, rs1[0].ID)
	if len(pv.Items) != 1 || !pv.Items[0].FullRefund || pv.Items[0].Reason != "five_day" || pv.Items[0].Fee != "0.00" ||
		pv.Items[0].EstimatedRefund != o1.Total.Amount || pv.FeeApplies || pv.Items[0].QuotaLeft != 10 {
		t.Fatalf("preview at 4d23h %+v", pv)
	}
	before = h.assertBooked(c)
	u1 := h.unsubscribed(c.token, rs1[0].ID)
	if !dec(u1.Refund.Amount).Equal(paid) {
		t.Fatalf("refund %s, paid %s", u1.Refund.Amount, paid)
	}
	if got := h.assertBooked(c); !got.Equal(before.Add(paid)) {
		t.Fatalf("after the refund: %s, want %s", got, before.Add(paid))
	}
	if r := h.resource(c.token, rs1[0].ID); r.Status != "deleted" {
		t.Fatalf("unsubscribed resource %+v", r)
	}
	// Giving it back twice: refused here, nothing sent to Huawei again.
	calls := h.calls("CancelResourcesSubscription")
	h.unsubscribe(c.token, true, rs1[0].ID).wantProblem(t, http.StatusConflict, "resource_not_active")
	if n := h.calls("CancelResourcesSubscription"); n != calls {
		t.Fatalf("CancelResourcesSubscription called again: %d → %d", calls, n)
	}

	// After 5 × 24 h: a fee, which must be accepted.
	h.advanceTo(clk, start2.Add(5*24*time.Hour+time.Hour))
	pv = h.preview(c.token, rs2[0].ID)
	if len(pv.Items) != 1 || pv.Items[0].FullRefund || pv.Items[0].Reason != "outside_window" || !pv.FeeApplies ||
		!dec(pv.Items[0].Fee).IsPositive() || pv.Items[0].QuotaLeft != 9 {
		t.Fatalf("preview at 5d1h %+v", pv)
	}
	h.unsubscribe(c.token, false, rs2[0].ID).wantProblem(t, http.StatusConflict, "fee_not_accepted")
	if n := h.calls("CancelResourcesSubscription"); n != 1 {
		t.Fatalf("CancelResourcesSubscription called %d times", n)
	}
	before = h.assertBooked(c)
	u2 := h.unsubscribed(c.token, rs2[0].ID)
	refund, estimate := dec(u2.Refund.Amount), dec(pv.Items[0].EstimatedRefund)
	if got := h.assertBooked(c); !got.Equal(before.Add(refund)) {
		t.Fatalf("after the refund: %s, want %s", got, before.Add(refund))
	}
	t.Logf("5d1h: paid %s, estimated refund %s (fee %s), Huawei refunded %s: difference %s",
		paid, estimate, pv.Items[0].Fee, refund, refund.Sub(estimate))
	if !refund.Equal(estimate) {
		t.Errorf("Huawei refunded %s, the preview estimated %s (difference %s)", refund, estimate, refund.Sub(estimate))
	}
	h.assertRefundEntries(c, u1, u2)
}

// assertRefundEntries: the customer's ledger (GET /v1/customers/{id}/ledger)
// credits each unsubscription's refund to available exactly once, referenced
// to Huawei's unsubscribe order.
func (h *harness) assertRefundEntries(c moneyCustomer, orders ...orderBody) {
	h.t.Helper()
	var page struct {
		Items []struct {
			Kind      string  `json:"kind"`
			Account   string  `json:"account"`
			Amount    string  `json:"amount"`
			Reference *string `json:"reference"`
		} `json:"items"`
	}
	res := h.do(req{method: "GET", path: "/v1/customers/" + c.id.String() + "/ledger?limit=100", token: c.token})
	res.wantStatus(h.t, http.StatusOK)
	res.json(h.t, &page)
	for _, o := range orders {
		if len(o.UpstreamOrderIDs) == 0 {
			h.t.Fatalf("unsubscription %+v", o)
		}
		sum := decimal.Zero
		for _, ref := range o.UpstreamOrderIDs { // one unsubscribe order per primary
			n := 0
			for _, e := range page.Items {
				if e.Account == "available" && e.Reference != nil && *e.Reference == ref {
					n++
					sum = sum.Add(dec(e.Amount))
				}
			}
			if n != 1 {
				h.t.Fatalf("%d entries for unsubscribe order %s: %+v", n, ref, page.Items)
			}
		}
		if !sum.Equal(dec(o.Refund.Amount)) {
			h.t.Fatalf("entries of %s for a refund of %s", sum, o.Refund.Amount)
		}
	}
}

// sasDisk is an EVS product Huawei can create: EVS needs an availability
// zone (the catalogue accepts a product without one; see the report).
func sasDisk() map[string]any {
	p := evsProduct("SAS")
	p["availability_zone"] = "cn-north-4a"
	return p
}

// TestCommerceFiveDayQuota: ten 5-day full refunds use up the calendar
// year's quota (the previews count it down 10 → 1, then 0); the eleventh
// unsubscription within 5 days is charged a fee, in the preview and in
// Huawei's refund alike.
func TestCommerceFiveDayQuota(t *testing.T) {
	t.Parallel()
	clk := &e2eClock{}
	h := newClockedHarness(t, clk)
	fin := h.staffToken("finance@example.com", "finance")
	c := h.orderCustomer(fin, "1000.00")
	evs := h.createProduct(h.admin().AccessToken, sasDisk())
	o, rs := h.boughtDisks(c, evs.ID, 11)
	paidEach := dec(o.Total.Amount).Div(decimal.NewFromInt(11))
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	// A day and an hour on: still inside the window, and clear of a day
	// boundary (Huawei counts whole seconds, started days rounded up: at
	// exactly 24 h our sub-second clock counts a second day that Huawei
	// does not).
	h.advanceBoth(clk, 25*time.Hour)

	pv := h.preview(c.token, ids[:10]...)
	if len(pv.Items) != 10 || pv.FeeApplies || !dec(pv.TotalRefund).Equal(paidEach.Mul(decimal.NewFromInt(10))) {
		t.Fatalf("preview of ten %+v", pv)
	}
	for i, it := range pv.Items {
		if it.Reason != "five_day" || !it.FullRefund || it.QuotaLeft != 10-i {
			t.Fatalf("item %d %+v", i, it)
		}
	}
	h.do(req{method: "POST", path: "/v1/unsubscription-previews", token: c.token, body: map[string]any{"resource_ids": ids}}).
		wantProblem(t, http.StatusBadRequest, "validation_failed") // 10 at most
	before := h.assertBooked(c)
	u1 := h.unsubscribed(c.token, ids[:10]...)
	if !dec(u1.Refund.Amount).Equal(paidEach.Mul(decimal.NewFromInt(10))) {
		t.Fatalf("refund of ten %s", u1.Refund.Amount)
	}
	if got := h.assertBooked(c); !got.Equal(before.Add(dec(u1.Refund.Amount))) {
		t.Fatalf("after ten: %s, want %s", got, before.Add(dec(u1.Refund.Amount)))
	}

	// The eleventh, within 5 days, has no quota left.
	pv = h.preview(c.token, ids[10])
	it := pv.Items[0]
	if it.Reason != "quota_used" || it.FullRefund || it.QuotaLeft != 0 || !pv.FeeApplies || !dec(it.Fee).IsPositive() {
		t.Fatalf("preview of the eleventh %+v", pv)
	}
	if r := h.resource(c.token, ids[10]); r.Actions.Unsubscribe.FullRefundUntil != nil {
		t.Fatalf("full refund offered: %+v", r.Actions.Unsubscribe)
	}
	h.unsubscribe(c.token, false, ids[10]).wantProblem(t, http.StatusConflict, "fee_not_accepted")
	before = h.assertBooked(c)
	u2 := h.unsubscribed(c.token, ids[10])
	refund, estimate := dec(u2.Refund.Amount), dec(it.EstimatedRefund)
	t.Logf("11th: paid %s, estimated %s (fee %s), Huawei refunded %s: difference %s", paidEach, estimate, it.Fee, refund, refund.Sub(estimate))
	if !refund.LessThan(paidEach) || !refund.Equal(estimate) {
		t.Fatalf("Huawei refunded %s of %s, the preview estimated %s", refund, paidEach, estimate)
	}
	if got := h.assertBooked(c); !got.Equal(before.Add(refund)) {
		t.Fatalf("after the eleventh: %s, want %s", got, before.Add(refund))
	}
	if n := h.calls("CancelResourcesSubscription"); n != 2 {
		t.Fatalf("CancelResourcesSubscription called %d times", n)
	}
	h.assertRefundEntries(c, u1, u2)
}

// TestCommerceHuaweiAutoRenew: auto-renew turned on through the API;
// Huawei renews 7 days before expiry from the customer's balance; the
// order sync (run by reconciliation) shows it as a renewal order with
// source huawei, booked as one spend entry referenced to Huawei's order;
// the resource sync moves the expiry a month on.
func TestCommerceHuaweiAutoRenew(t *testing.T) {
	t.Parallel()
	clk := &e2eClock{}
	h := newClockedHarness(t, clk)
	fin := h.staffToken("finance@example.com", "finance")
	c := h.orderCustomer(fin, "1000.00")
	evs := h.createProduct(h.admin().AccessToken, sasDisk())
	bought, rs := h.boughtDisks(c, evs.ID, 1)
	disk := rs[0]
	if disk.ExpiresAt == nil || disk.AutoRenew {
		t.Fatalf("resource %+v", disk)
	}
	expires := *disk.ExpiresAt

	res := h.do(req{method: "PUT", path: "/v1/resources/" + disk.ID + "/auto-renew", token: c.token,
		body: map[string]any{"enabled": true, "period_type": "month", "times": 1}})
	res.wantStatus(t, http.StatusAccepted)
	h.eventually("auto-renew applied", func() bool {
		r := h.resource(c.token, disk.ID)
		return r.Setting != nil && r.Setting.Status == "applied" && r.AutoRenew
	})
	if p := h.simExpirePolicy(disk.ResourceID); p != int(domain.CloudExpireAutoRenew) {
		t.Fatalf("expire policy %d at Huawei", p)
	}
	before := h.assertBooked(c)

	// Huawei deducts 7 days before expiry.
	h.advanceTo(clk, expires.Add(-7*24*time.Hour+time.Hour))
	up := h.simState().balance(c.huaweiID)
	if !up.LessThan(before) {
		t.Fatalf("Huawei did not deduct: %s (was %s); orders %+v", up, before, h.simOrders(c.huaweiID))
	}
	renewed := before.Sub(up)
	if !renewed.Equal(dec(bought.Total.Amount)) {
		t.Fatalf("Huawei deducted %s for a month, the purchase was %s", renewed, bought.Total.Amount)
	}

	// The order sync (reconciliation runs it) books it, once.
	for range 2 {
		if run := h.reconcile(fin); len(run.Items) != 0 {
			t.Fatalf("reconciliation items %+v", run.Items)
		}
	}
	var page struct {
		Items []orderBody `json:"items"`
	}
	res = h.do(req{method: "GET", path: "/v1/orders?source=huawei", token: c.token})
	res.wantStatus(t, http.StatusOK)
	res.json(t, &page)
	if len(page.Items) != 1 || page.Items[0].Kind != "renewal" || page.Items[0].Status != "completed" ||
		!dec(page.Items[0].Total.Amount).Equal(renewed) || len(page.Items[0].UpstreamOrderIDs) != 1 {
		t.Fatalf("huawei orders %+v", page.Items)
	}
	huaweiOrder := page.Items[0].UpstreamOrderIDs[0]
	var ledger struct {
		Items []struct {
			Kind      string  `json:"kind"`
			Account   string  `json:"account"`
			Amount    string  `json:"amount"`
			Reference *string `json:"reference"`
		} `json:"items"`
	}
	res = h.do(req{method: "GET", path: "/v1/customers/" + c.id.String() + "/ledger?limit=100", token: c.token})
	res.wantStatus(t, http.StatusOK)
	res.json(t, &ledger)
	spends := 0
	for _, e := range ledger.Items {
		if e.Kind == "spend" {
			spends++
			if e.Account != "available" || e.Reference == nil || *e.Reference != "order:"+huaweiOrder || !dec(e.Amount).Equal(renewed.Neg()) {
				t.Fatalf("spend entry %+v, want order:%s of -%s", e, huaweiOrder, renewed)
			}
		}
	}
	if spends != 1 {
		t.Fatalf("%d spend entries: %+v", spends, ledger.Items)
	}
	if got := h.assertBooked(c); !got.Equal(before.Sub(renewed)) {
		t.Fatalf("ledger %s, want %s", got, before.Sub(renewed))
	}

	// The resource sync moves the expiry a month on.
	if err := h.svc.Commerce.SyncResources(context.Background(), c.id); err != nil {
		t.Fatal(err)
	}
	r := h.resource(c.token, disk.ID)
	if r.ExpiresAt == nil || !r.ExpiresAt.Equal(expires.AddDate(0, 1, 0)) || r.Status != "in_use" {
		t.Fatalf("after the renewal: expires %v (was %s), %+v", r.ExpiresAt, expires, r)
	}
}

// TestCommerceRenewedRefundEstimate: a disk renewed for two more months and
// unsubscribed after the 5-day window refunds the unused part of its first
// term minus the fee plus the whole renewal term; the preview's estimate is
// what Huawei refunds (the renewal's term starts where the first ended).
func TestCommerceRenewedRefundEstimate(t *testing.T) {
	t.Parallel()
	clk := &e2eClock{}
	h := newClockedHarness(t, clk)
	fin := h.staffToken("finance@example.com", "finance")
	c := h.orderCustomer(fin, "1000.00")
	evs := h.createProduct(h.admin().AccessToken, sasDisk())
	_, rs := h.boughtDisks(c, evs.ID, 1)
	start := h.effectiveAt(c.token, rs[0].ID)

	res := h.do(req{method: "POST", path: "/v1/renewal-quotes", token: c.token,
		body: map[string]any{"resource_ids": []string{rs[0].ID}, "period_type": "month", "period_count": 2}})
	res.wantStatus(t, http.StatusCreated)
	var q quoteBody
	res.json(t, &q)
	res = h.do(req{method: "POST", path: "/v1/renewals", token: c.token, body: map[string]any{"quote_id": q.ID},
		header: map[string]string{"Idempotency-Key": newKey()}})
	res.wantStatus(t, http.StatusAccepted)
	var o orderBody
	res.json(t, &o)
	if o = h.waitOrder(c.token, o.ID, 30*time.Second); o.Status != "completed" {
		t.Fatalf("renewal %+v", o)
	}

	h.advanceTo(clk, start.Add(6*24*time.Hour))
	pv := h.preview(c.token, rs[0].ID)
	if len(pv.Items) != 1 || pv.Items[0].FullRefund || !pv.FeeApplies {
		t.Fatalf("preview %+v", pv)
	}
	u := h.unsubscribed(c.token, rs[0].ID)
	if refund, estimate := dec(u.Refund.Amount), dec(pv.Items[0].EstimatedRefund); !refund.Equal(estimate) {
		t.Fatalf("Huawei refunded %s, the preview estimated %s", refund, estimate)
	}
	h.assertBooked(c)
}
