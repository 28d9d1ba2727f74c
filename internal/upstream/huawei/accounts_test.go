package huawei

import (
	"net/http"
	"testing"
	"time"

	"github.com/partnerlab/storefront/internal/domain"
)

func TestPartnerBalances(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bals, err := e.c.PartnerBalances(e.ctx())
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, b := range bals {
		if b.Currency != domain.CurrencyCNY {
			t.Fatalf("currency %q", b.Currency)
		}
		if b.Type == domain.CloudAccountAllocatable {
			found = true
			wantMoney(t, "allocatable", b.Amount, e.partnerAllocatable())
			wantMoney(t, "allocatable", b.Amount, "1000000.00")
		}
	}
	if !found {
		t.Fatalf("no allocatable account in %+v", bals)
	}
}

func TestAllocateAndReclaim(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := e.ctx()
	id := e.customer()

	transfer, err := e.c.AllocateToCustomer(ctx, id, dec("1234.50"))
	if err != nil {
		t.Fatal(err)
	}
	if transfer == "" {
		t.Fatal("no transfer id")
	}
	if got := e.simCustomer(id).Balance; got != "1234.50" {
		t.Fatalf("simulator balance %s", got)
	}
	if got := e.partnerAllocatable(); got != "998765.50" {
		t.Fatalf("partner allocatable %s", got)
	}

	trans, err := e.c.ReclaimFromCustomer(ctx, id, dec("0.5"))
	if err != nil {
		t.Fatal(err)
	}
	if trans == "" || trans == transfer {
		t.Fatalf("trans id %q (transfer %q)", trans, transfer)
	}

	bals, err := e.c.CustomerBalances(ctx, []string{id})
	if err != nil {
		t.Fatal(err)
	}
	if len(bals) != 1 || bals[0].CustomerID != id || bals[0].Currency != domain.CurrencyCNY {
		t.Fatalf("balances %+v", bals)
	}
	wantMoney(t, "customer balance", bals[0].Amount, "1234.00")
	wantMoney(t, "debt", bals[0].Debt, "0")

	// The read-back for unknown outcomes: the records name both moves.
	recs, err := e.c.ListAdjustRecords(ctx, domain.CloudAdjustRecordQuery{CustomerID: id, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if recs.Total != 2 || len(recs.Records) != 2 {
		t.Fatalf("records %+v", recs)
	}
	byID := map[string]domain.CloudAdjustRecord{}
	for _, r := range recs.Records {
		byID[r.TransID] = r
		if r.CustomerID != id || r.At.IsZero() || r.Currency != domain.CurrencyCNY {
			t.Fatalf("record %+v", r)
		}
	}
	if r := byID[transfer]; r.Type != domain.CloudAdjustAllocate || !r.Amount.Equal(dec("1234.50")) {
		t.Fatalf("allocation record %+v", r)
	}
	if r := byID[trans]; r.Type != domain.CloudAdjustReclaim || !r.Amount.Equal(dec("0.50")) {
		t.Fatalf("reclaim record %+v", r)
	}
	one, err := e.c.ListAdjustRecords(ctx, domain.CloudAdjustRecordQuery{TransID: trans})
	if err != nil || len(one.Records) != 1 || one.Records[0].TransID != trans {
		t.Fatalf("by trans id: %v %+v", err, one)
	}
	only, err := e.c.ListAdjustRecords(ctx, domain.CloudAdjustRecordQuery{CustomerID: id, Type: domain.CloudAdjustReclaim})
	if err != nil || len(only.Records) != 1 {
		t.Fatalf("by type: %v %+v", err, only)
	}
	_, err = e.c.ListAdjustRecords(ctx, domain.CloudAdjustRecordQuery{Type: "SOURCE_OPERATION_GIFT"})
	wantErr(t, err, domain.CodeUpstreamInvalid, domain.OutcomeDefinite, "CBC.0100")
}

func TestAllocateErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := e.ctx()
	id := e.customer()

	_, err := e.c.AllocateToCustomer(ctx, id, dec("1000000.01"))
	wantErr(t, err, domain.CodeInsufficientBalance, domain.OutcomeDefinite, "CBC.99005003")
	_, err = e.c.ReclaimFromCustomer(ctx, id, dec("0.01"))
	wantErr(t, err, domain.CodeInsufficientBalance, domain.OutcomeDefinite, "CBC.99005003")
	_, err = e.c.AllocateToCustomer(ctx, "not-a-customer-of-ours", dec("1"))
	wantErr(t, err, domain.CodeUpstreamNotFound, domain.OutcomeDefinite, "CBC.99000035")

	// Refused locally, never sent: a bad amount must not reach Huawei.
	for _, bad := range []string{"0", "-1", "1.001"} {
		_, err = e.c.AllocateToCustomer(ctx, id, dec(bad))
		wantErr(t, err, domain.CodeValidation, "", "")
		_, err = e.c.ReclaimFromCustomer(ctx, id, dec(bad))
		wantErr(t, err, domain.CodeValidation, "", "")
	}
	e.wantCalls("UpdateCustomerAccountAmount", 2)
	e.wantCalls("ReclaimToPartnerAccount", 1)

	_, err = e.c.CustomerBalances(ctx, nil)
	wantErr(t, err, domain.CodeValidation, "", "")
}

// A freeze stops a customer from buying, not the partner from funding it or
// taking back what is left: adjust-amount and reclaim document no
// account-frozen refusal (docs/huawei-bss.md §6.5, §6.6, §8.6).
func TestAllocateAndReclaimFrozenCustomer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := e.ctx()
	for _, scope := range []domain.CloudFreezeScope{domain.CloudFreezeAccount, domain.CloudFreezeAccountAndResources} {
		id := e.customer()
		e.fund(id, "10.00")
		if fails, err := e.c.FreezeCustomers(ctx, domain.CloudFreezeRequest{CustomerIDs: []string{id}, Reason: "overdue", Scope: scope}); err != nil || len(fails) != 0 {
			t.Fatalf("freeze %s: %v %+v", scope, err, fails)
		}
		if _, err := e.c.AllocateToCustomer(ctx, id, dec("5.00")); err != nil {
			t.Fatalf("allocate to a customer frozen with %s: %v", scope, err)
		}
		if _, err := e.c.ReclaimFromCustomer(ctx, id, dec("15.00")); err != nil {
			t.Fatalf("reclaim from a customer frozen with %s: %v", scope, err)
		}
		if sc := e.simCustomer(id); sc.Balance != "0.00" || !sc.Frozen {
			t.Fatalf("%s: %+v", scope, sc)
		}
		// Still the usual refusals.
		_, err := e.c.ReclaimFromCustomer(ctx, id, dec("0.01"))
		wantErr(t, err, domain.CodeInsufficientBalance, domain.OutcomeDefinite, "CBC.99005003")
	}
}

// Paging the adjust records of a closed window while new ones arrive: every
// record once, in the one-shot order (the paging ListAdjustRecords
// documents).
func TestListAdjustRecordsPagingByWindow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := e.ctx()
	id := e.customer()
	for range 5 {
		e.fund(id, "1.00")
	}
	e.advance("1m")
	var clk struct {
		Now time.Time `json:"now"`
	}
	e.admin(http.MethodGet, "/clock", nil, &clk)
	to := clk.Now.Add(-time.Second) // a second already past upstream

	all, err := e.c.ListAdjustRecords(ctx, domain.CloudAdjustRecordQuery{CustomerID: id, To: to, Limit: 100})
	if err != nil || len(all.Records) != 5 {
		t.Fatalf("one shot: %v %+v", err, all)
	}
	var paged []string
	for offset := 0; ; offset += 2 {
		page, err := e.c.ListAdjustRecords(ctx, domain.CloudAdjustRecordQuery{CustomerID: id, To: to, Offset: offset, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if page.Total != 5 {
			t.Fatalf("total %d while paging a closed window", page.Total)
		}
		for _, r := range page.Records {
			paged = append(paged, r.TransID)
		}
		e.fund(id, "1.00") // arrives between pages
		if len(page.Records) < 2 {
			break
		}
	}
	if len(paged) != 5 {
		t.Fatalf("paged %v", paged)
	}
	for i, r := range all.Records {
		if r.TransID != paged[i] {
			t.Fatalf("paged %v, one shot %+v", paged, all.Records)
		}
		if i > 0 && r.At.After(all.Records[i-1].At) {
			t.Fatalf("not newest first: %+v", all.Records)
		}
	}
	next, err := e.c.ListAdjustRecords(ctx, domain.CloudAdjustRecordQuery{CustomerID: id, From: to.Add(time.Second), Limit: 100})
	if err != nil || next.Total != 3 {
		t.Fatalf("next window: %v %+v", err, next)
	}
}
