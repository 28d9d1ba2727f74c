package huawei

import (
	"testing"

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

	// A frozen customer cannot be funded (the simulator's CBC.99003626).
	if _, err := e.c.FreezeCustomers(ctx, domain.CloudFreezeRequest{CustomerIDs: []string{id}, Reason: "x"}); err != nil {
		t.Fatal(err)
	}
	_, err = e.c.AllocateToCustomer(ctx, id, dec("1"))
	wantErr(t, err, domain.CodeUpstreamRejected, domain.OutcomeDefinite, "CBC.99003626")
}
