package http_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/partnerlab/storefront/internal/domain"
)

type reconItem struct {
	Kind           string  `json:"kind"`
	CustomerID     *string `json:"customer_id"`
	OperationID    *string `json:"operation_id"`
	UpstreamRef    *string `json:"upstream_ref"`
	LocalAmount    *string `json:"local_amount"`
	UpstreamAmount *string `json:"upstream_amount"`
	Detail         *string `json:"detail"`
}

type reconRun struct {
	ID     string      `json:"id"`
	Status string      `json:"status"`
	Items  []reconItem `json:"items"`
}

// reconcile starts a run and waits for it.
func (h *harness) reconcile(token string) reconRun {
	h.t.Helper()
	res := h.do(req{method: "POST", path: "/v1/reconciliation-runs", token: token, header: map[string]string{"Idempotency-Key": newKey()}})
	res.wantStatus(h.t, http.StatusAccepted)
	var run reconRun
	res.json(h.t, &run)
	if run.Status != "pending" || run.ID == "" {
		h.t.Fatalf("run %+v", run)
	}
	h.eventually("the reconciliation run", func() bool {
		res := h.do(req{method: "GET", path: "/v1/reconciliation-runs/" + run.ID, token: token})
		res.wantStatus(h.t, http.StatusOK)
		res.json(h.t, &run)
		return run.Status == "completed" || run.Status == "failed"
	})
	if run.Status != "completed" {
		h.t.Fatalf("run %+v", run)
	}
	return run
}

func (r reconRun) find(kind, ref string) *reconItem {
	for i, it := range r.Items {
		if it.Kind == kind && (ref == "" || (it.UpstreamRef != nil && *it.UpstreamRef == ref)) {
			return &r.Items[i]
		}
	}
	return nil
}

// TestMoneyReconcileOutOfBand: an allocation made at Huawei outside
// Storefront (the partner's credential, as in Huawei's console) is reported
// as unmatched_upstream, with the balance drift it causes, and the ledger is
// not touched.
func TestMoneyReconcileOutOfBand(t *testing.T) {
	t.Parallel()
	h := newMoneyHarness(t)
	fin := h.staffToken("finance@example.com", "finance")
	c := h.customerFixture()
	h.accepted(fin, "allocations", c.id, "100.00")
	h.settled(10 * time.Second)
	clean := h.reconcile(fin)
	if len(clean.Items) != 0 {
		t.Fatalf("a clean run found %+v", clean.Items)
	}

	ref, err := h.cloud.AllocateToCustomer(context.Background(), c.huaweiID, dec("7.77"))
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(moneyClockSkew + time.Second) // runs compare a closed window: records older than the skew
	run := h.reconcile(fin)
	it := run.find("unmatched_upstream", ref)
	if it == nil || it.CustomerID == nil || *it.CustomerID != c.id.String() || it.UpstreamAmount == nil || *it.UpstreamAmount != "7.77" {
		t.Fatalf("items %+v", run.Items)
	}
	if d := run.find("balance_drift", ""); d == nil {
		t.Fatalf("no balance drift in %+v", run.Items)
	}
	if b := h.balance(fin, c.id); b.Available != "100.00" || b.Upstream.Amount == nil || *b.Upstream.Amount != "107.77" {
		t.Fatalf("balance after the run %+v (upstream %v)", b, b.Upstream.Amount)
	}
	var spends int
	_ = h.pool.QueryRow(context.Background(), `SELECT count(*) FROM ledger_transfers WHERE kind = 'spend'`).Scan(&spends)
	if spends != 0 {
		t.Fatal("an unexplained difference was booked")
	}
	// The run is listed, newest first.
	var page struct {
		Items []reconRun `json:"items"`
	}
	res := h.do(req{method: "GET", path: "/v1/reconciliation-runs", token: fin})
	res.wantStatus(t, http.StatusOK)
	res.json(t, &page)
	if len(page.Items) != 2 || page.Items[0].ID != run.ID {
		t.Fatalf("runs %+v", page.Items)
	}
}

// TestMoneyReconcileSpend: what a customer spent at Huawei (an order paid
// from its balance) is booked as spending by the next run, once.
func TestMoneyReconcileSpend(t *testing.T) {
	t.Parallel()
	h := newMoneyHarness(t)
	fin := h.staffToken("finance@example.com", "finance")
	c := h.customerFixture()
	h.accepted(fin, "allocations", c.id, "5000.00")
	h.settled(10 * time.Second)

	ctx := context.Background()
	if _, err := h.cloud.SubmitIndividualRealName(ctx, domain.CloudIndividualRealName{CustomerID: c.huaweiID,
		FileURLs: []string{h.idCardFile(c.huaweiID)}, Name: "Zhang San", Number: "110101199001011234"}); err != nil {
		t.Fatal(err)
	}
	h.simDo("POST", "/_sim/realname/review", map[string]string{"customer_id": c.huaweiID, "decision": "approve"}, nil)
	po, err := h.cloud.CreatePrepaidServer(ctx, c.huaweiID, domain.CloudServerOrder{
		Region: "cn-north-4", Name: "web", ImageRef: "img-ubuntu-22.04", FlavorRef: "s6.small.1", VPCID: "vpc-1",
		SubnetIDs: []string{"subnet-1"}, AvailabilityZone: "cn-north-4a", RootVolume: domain.CloudDiskSpec{Type: "SAS", SizeGB: 40},
		Period: domain.CloudPeriodMonth, Periods: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.cloud.PayOrder(ctx, c.huaweiID, domain.CloudPayOrder{OrderID: po.OrderID}); err != nil {
		t.Fatal(err)
	}
	// The spend rule alone (what usage costs): orders placed at Huawei are
	// synced as orders before the rule applies (TestOrderSyncedFromHuawei);
	// here the sync is off, so the order stands in for usage.
	h.svc.Money.SetOrderSync(nil)
	huawei := h.simState().balance(c.huaweiID)
	spent := dec("5000").Sub(huawei)
	if !spent.IsPositive() {
		t.Fatalf("nothing spent: %s", huawei)
	}
	run := h.reconcile(fin)
	it := run.find("spend_booked", "")
	if len(run.Items) != 1 || it == nil || *it.LocalAmount != "5000.00" || *it.UpstreamAmount != huawei.StringFixed(2) {
		t.Fatalf("items %+v", run.Items)
	}
	if b := h.balance(fin, c.id); !dec(b.Available).Equal(huawei) {
		t.Fatalf("ledger %s, Huawei %s", b.Available, huawei)
	}
	var ref string
	_ = h.pool.QueryRow(ctx, `SELECT reference FROM ledger_transfers WHERE kind = 'spend'`).Scan(&ref)
	if ref != "reconciliation:"+run.ID+":"+c.id.String() {
		t.Fatalf("spend reference %q", ref)
	}
	if again := h.reconcile(fin); len(again.Items) != 0 {
		t.Fatalf("the next run found %+v", again.Items)
	}
}

// TestMoneyLedgerExport: the ledger as CSV, streamed, in a time range.
func TestMoneyLedgerExport(t *testing.T) {
	t.Parallel()
	h := newMoneyHarness(t)
	fin := h.staffToken("finance@example.com", "finance")
	c := h.customerFixture()
	from := time.Now().UTC().Add(-time.Second)
	for _, a := range []string{"10.00", "20.00", "30.00"} {
		h.accepted(fin, "allocations", c.id, a)
	}
	h.settled(10 * time.Second)
	h.accepted(fin, "reclaims", c.id, "5.00")
	h.settled(10 * time.Second)

	get := func(token, query string) response {
		return h.do(req{method: "GET", path: "/v1/customers/" + c.id.String() + "/ledger" + query, token: token,
			header: map[string]string{"Accept": "text/csv"}})
	}
	res := get(c.token, "?from="+from.Format(time.RFC3339Nano))
	res.wantStatus(t, http.StatusOK)
	if ct := res.header.Get("Content-Type"); ct != "text/csv" {
		t.Fatalf("Content-Type %q", ct)
	}
	recs, err := csv.NewReader(strings.NewReader(string(res.body))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// 3 allocations (hold + settle: 3 entries each on the customer's side), a reclaim (hold: 2, settle: 1).
	if len(recs) != 1+9+3 || strings.Join(recs[0], ",") != "created_at,entry_id,transfer_id,account,kind,amount,balance_after,currency,operation_id,reference" {
		t.Fatalf("csv %d rows: %s", len(recs), res.body)
	}
	sum := decimal.Zero
	for _, r := range recs[1:] {
		if r[3] == "available" {
			sum = sum.Add(dec(r[5]))
		}
	}
	if !sum.Equal(dec("55")) {
		t.Fatalf("available entries sum to %s", sum)
	}
	// A range that holds nothing, and one the other customer cannot read.
	res = get(fin, "?to="+from.Format(time.RFC3339Nano))
	res.wantStatus(t, http.StatusOK)
	if n := strings.Count(string(res.body), "\n"); n != 1 {
		t.Fatalf("empty range: %s", res.body)
	}
	other := h.customerFixture()
	get(other.token, "").wantProblem(t, http.StatusNotFound, "not_found")
	get(fin, "?from=2030-01-01T00:00:00Z&to=2029-01-01T00:00:00Z").wantProblem(t, http.StatusBadRequest, "validation_failed")

	// JSON pages walk the same entries, newest first.
	seen := 0
	cursor := ""
	for {
		q := "?limit=5"
		if cursor != "" {
			q += "&cursor=" + cursor
		}
		res := h.do(req{method: "GET", path: "/v1/customers/" + c.id.String() + "/ledger" + q, token: fin})
		res.wantStatus(t, http.StatusOK)
		var page struct {
			Items      []struct{ ID string } `json:"items"`
			NextCursor *string               `json:"next_cursor"`
		}
		res.json(t, &page)
		seen += len(page.Items)
		if page.NextCursor == nil {
			break
		}
		cursor = *page.NextCursor
	}
	if seen != 12 {
		t.Fatalf("pages held %d entries", seen)
	}
	res = h.do(req{method: "GET", path: "/v1/customers/" + c.id.String() + "/ledger?to=" + from.Format(time.RFC3339Nano), token: fin})
	var none struct {
		Items []struct{ ID string } `json:"items"`
	}
	res.json(t, &none)
	if len(none.Items) != 0 {
		t.Fatalf("entries before the first: %s", res.body)
	}
}

// TestMoneyUnknownOutcomes: an answer lost after Huawei committed is found
// by reading back (succeeded, with Huawei's id); a failure before it
// committed is concluded after the settle delay and a second read (failed,
// hold released). Nothing is ever sent twice.
func TestMoneyUnknownOutcomes(t *testing.T) {
	t.Parallel()
	h := newMoneyHarness(t)
	fin := h.staffToken("finance@example.com", "finance")
	c := h.customerFixture()

	h.simFault(map[string]any{"operation": "UpdateCustomerAccountAmount", "kind": "commit_then_5xx", "count": 1})
	committed := h.accepted(fin, "allocations", c.id, "12.00")
	h.settled(10 * time.Second)
	committed = h.operation(fin, committed.ID)
	st := h.simState()
	if committed.Status != "succeeded" || len(st.Adjusts) != 1 || committed.UpstreamRef != st.Adjusts[0].TransID {
		t.Fatalf("after commit_then_5xx: %+v, records %+v", committed, st.Adjusts)
	}
	if committed.Error != nil {
		t.Fatalf("succeeded with error %+v", committed.Error)
	}

	h.simFault(map[string]any{"operation": "ReclaimToPartnerAccount", "kind": "fail_before_commit", "count": 1})
	start := time.Now()
	lost := h.accepted(fin, "reclaims", c.id, "2.00")
	h.settled(15 * time.Second)
	lost = h.operation(fin, lost.ID)
	if lost.Status != "failed" || lost.Error == nil || lost.Error.Outcome != "definite" {
		t.Fatalf("after fail_before_commit: %+v", lost)
	}
	if took := time.Since(start); took < 2*time.Second {
		t.Fatalf("decided failed after %s, before the settle delay", took)
	}
	st = h.simState()
	if len(st.Adjusts) != 1 || !st.balance(c.huaweiID).Equal(dec("12")) {
		t.Fatalf("simulator %+v", st.Adjusts)
	}
	if b := h.balance(fin, c.id); b.Available != "12.00" || b.Held != "0.00" {
		t.Fatalf("ledger %+v", b)
	}
	// Each Huawei money call was made once.
	var j struct {
		Entries []struct {
			Operation string `json:"operation"`
		} `json:"entries"`
	}
	h.simDo("GET", "/_sim/journal", nil, &j)
	calls := map[string]int{}
	for _, e := range j.Entries {
		calls[e.Operation]++
	}
	if calls["UpdateCustomerAccountAmount"] != 1 || calls["ReclaimToPartnerAccount"] != 1 {
		t.Fatalf("calls %v", calls)
	}
}

// TestMoneyNeedsReview: when reading back cannot tell which record is the
// operation's, a person decides, with the evidence, and the decision is
// audited; the other record stays unmatched for reconciliation.
func TestMoneyNeedsReview(t *testing.T) {
	t.Parallel()
	h := newMoneyHarness(t)
	fin := h.staffToken("finance@example.com", "finance")
	c := h.customerFixture()
	// Someone funds the customer with the same amount in Huawei's console…
	console, err := h.cloud.AllocateToCustomer(context.Background(), c.huaweiID, dec("5.00"))
	if err != nil {
		t.Fatal(err)
	}
	// …and our allocation's answer is lost.
	h.simFault(map[string]any{"operation": "UpdateCustomerAccountAmount", "kind": "commit_then_5xx", "count": 1})
	op := h.accepted(fin, "allocations", c.id, "5.00")
	h.eventually("needs_review", func() bool { return h.operation(fin, op.ID).Status == "needs_review" })
	op = h.operation(fin, op.ID)
	if len(op.Evidence) != 2 || op.Error == nil {
		t.Fatalf("review %+v", op)
	}
	ours := ""
	for _, e := range op.Evidence {
		if e["trans_id"] != console {
			ours, _ = e["trans_id"].(string)
		}
	}
	// The customer sees the state, not the evidence.
	var mine moneyOp
	res := h.do(req{method: "GET", path: "/v1/money-operations/" + op.ID, token: c.token})
	res.json(t, &mine)
	if mine.Status != "needs_review" || mine.Evidence != nil {
		t.Fatalf("customer's view %s", res.body)
	}
	// The customer's next operation waits its turn behind the review.
	next := h.accepted(fin, "allocations", c.id, "1.00")
	time.Sleep(300 * time.Millisecond)
	if got := h.operation(fin, next.ID); got.Status != "pending" {
		t.Fatalf("the next operation is %s while one is in review", got.Status)
	}

	resolve := func(body map[string]any) response {
		return h.do(req{method: "POST", path: "/v1/money-operations/" + op.ID + "/resolution", token: fin, body: body,
			header: map[string]string{"Idempotency-Key": newKey()}})
	}
	p := resolve(map[string]any{"outcome": "succeeded", "reason": "ours is the later one"}).wantProblem(t, http.StatusBadRequest, "validation_failed")
	if len(p.Errors) != 1 || p.Errors[0].Field != "upstream_ref" {
		t.Fatalf("errors %+v", p.Errors)
	}
	// The record named must be Huawei's, for this customer, kind and amount.
	resolve(map[string]any{"outcome": "succeeded", "reason": "x", "upstream_ref": "no-such-record"}).wantProblem(t, http.StatusConflict, "conflict")
	done := resolve(map[string]any{"outcome": "succeeded", "reason": "the console's is the earlier one", "upstream_ref": ours})
	done.wantStatus(t, http.StatusOK)
	var decided moneyOp
	done.json(t, &decided)
	if decided.Status != "succeeded" || decided.UpstreamRef != ours {
		t.Fatalf("decided %s", done.body)
	}
	// The first decision stands.
	resolve(map[string]any{"outcome": "failed", "reason": "again"}).wantProblem(t, http.StatusConflict, "conflict")
	h.settled(10 * time.Second)
	if got := h.operation(fin, next.ID); got.Status != "succeeded" {
		t.Fatalf("the waiting operation is %s after the decision", got.Status)
	}
	var events int
	_ = h.pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_events WHERE action = 'money.operation.resolved' AND subject_id = $1`, uuid.MustParse(op.ID)).Scan(&events)
	if events != 1 {
		t.Fatalf("%d resolution audit events", events)
	}
	time.Sleep(moneyClockSkew + time.Second)
	run := h.reconcile(fin)
	if run.find("unmatched_upstream", console) == nil {
		t.Fatalf("the console's record is not reported: %+v", run.Items)
	}
}

// crashAfterCall makes the money service's first allocation call reach
// Huawei and then kill its worker (a panic, as if the process died between
// the call and recording its answer).
type crashAfterCall struct {
	domain.Cloud
	once   sync.Once
	called chan string
}

func (c *crashAfterCall) AllocateToCustomer(ctx context.Context, customerID string, amount decimal.Decimal) (string, error) {
	ref, err := c.Cloud.AllocateToCustomer(ctx, customerID, amount)
	crash := false
	c.once.Do(func() { crash = true })
	if crash {
		c.called <- ref
		panic(fmt.Sprintf("worker killed after Huawei answered %q", ref))
	}
	return ref, err
}

// TestMoneyCrashAfterCall: the worker dies after Huawei committed and before
// the outcome was written; after a restart the operation is found in flight,
// treated as unknown, and the resolver settles it with Huawei's record,
// without calling adjust-amount again.
func TestMoneyCrashAfterCall(t *testing.T) {
	t.Parallel()
	crash := &crashAfterCall{called: make(chan string, 1)}
	h := newMoneyHarness(t, withCloud(func(c domain.Cloud) domain.Cloud { crash.Cloud = c; return crash }))
	fin := h.staffToken("finance@example.com", "finance")
	c := h.customerFixture()
	op := h.accepted(fin, "allocations", c.id, "42.00")
	var ref string
	select {
	case ref = <-crash.called:
	case <-time.After(10 * time.Second):
		t.Fatal("the allocation never reached Huawei")
	}
	// Restart the workers (the old client finishes the dead job's error first).
	time.Sleep(100 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.river.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if got := h.operation(fin, op.ID); got.Status != "in_flight" {
		t.Fatalf("after the crash: %s", got.Status)
	}
	h.river = h.newRiver()
	h.settled(20 * time.Second)
	got := h.operation(fin, op.ID)
	if got.Status != "succeeded" || got.UpstreamRef != ref {
		t.Fatalf("after the restart: %+v, Huawei's %s", got, ref)
	}
	st := h.simState()
	if len(st.Adjusts) != 1 || !st.balance(c.huaweiID).Equal(dec("42")) {
		t.Fatalf("simulator %+v", st.Adjusts)
	}
	if b := h.balance(fin, c.id); b.Available != "42.00" {
		t.Fatalf("ledger %+v", b)
	}
}
