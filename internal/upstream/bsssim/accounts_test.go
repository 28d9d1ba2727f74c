package bsssim

import (
	"net/http"
	"strings"
	"testing"
	"time"

	bssmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"
	"github.com/shopspring/decimal"
)

func mustDec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestAllocateAndReclaim(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *Config) {
		c.PartnerBalance = mustDec("100.00")
	})
	a, b := h.newCustomer("ma"), h.newCustomer("mb")

	adjust := func(id, amount string) (*bssmodel.UpdateCustomerAccountAmountResponse, error) {
		amt := mustDec(amount)
		return h.bss.UpdateCustomerAccountAmount(&bssmodel.UpdateCustomerAccountAmountRequest{Body: &bssmodel.AdjustAccountReq{CustomerId: id, Amount: &amt}})
	}
	reclaim := func(id, amount string) (*bssmodel.ReclaimToPartnerAccountResponse, error) {
		amt := mustDec(amount)
		return h.bss.ReclaimToPartnerAccount(&bssmodel.ReclaimToPartnerAccountRequest{Body: &bssmodel.ReclaimToPartnerAccountBalancesReq{CustomerId: id, Amount: &amt}})
	}

	r1, err := adjust(a, "10.00") // the SDK sends "10"
	if err != nil || r1.TransferId == nil || *r1.TransferId == "" {
		t.Fatalf("adjust: %v %s", err, r1)
	}
	if _, err := adjust(b, "12.30"); err != nil { // sent as "12.3"
		t.Fatal(err)
	}
	_, err = adjust(a, "77.71") // 100 − 22.30 = 77.70 left
	sdkErr(t, err, http.StatusBadRequest, "CBC.99005003")

	rc, err := reclaim(a, "3.5")
	if err != nil || rc.TransId == nil || *rc.TransId == *r1.TransferId {
		t.Fatalf("reclaim: %v %s", err, rc)
	}
	_, err = reclaim(a, "6.51")
	sdkErr(t, err, http.StatusBadRequest, "CBC.99005003")

	// Partner balances: float64 fields on the wire, exact in state.
	pb, err := h.bss.ListPartnerBalances(&bssmodel.ListPartnerBalancesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var alloc, cash bool
	for _, ab := range *pb.AccountBalances {
		switch ab.AccountType {
		case 8:
			alloc = ab.Amount == 81.2 && *ab.DesignatedAmount == 0 && ab.Currency == "CNY" && ab.MeasureId == 1
		case 1:
			cash = ab.Amount == 0
		}
	}
	if !alloc || !cash {
		t.Fatalf("partner balances = %s", pb)
	}
	st := h.state()
	if st.allocatable() != "81.20" || st.balance(a) != "6.50" || st.balance(b) != "12.30" {
		t.Fatalf("state: alloc %s a %s b %s", st.allocatable(), st.balance(a), st.balance(b))
	}

	// Batch balances: unknown ids are silently left out.
	cb, err := h.bss.ListCustomersBalancesDetail(&bssmodel.ListCustomersBalancesDetailRequest{Body: &bssmodel.QueryCustomersBalancesReq{
		CustomerInfos: []bssmodel.CustomerInfoV2{{CustomerId: a}, {CustomerId: "nobody"}, {CustomerId: b}}}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, x := range *cb.CustomerBalances {
		got[x.CustomerId] = x.Amount.StringFixed(2) + "/" + x.DebtAmount.StringFixed(2) + "/" + *x.Currency
	}
	if len(got) != 2 || got[a] != "6.50/0.00/CNY" || got[b] != "12.30/0.00/CNY" {
		t.Fatalf("balances = %v", got)
	}
	_, err = h.bss.ListCustomersBalancesDetail(&bssmodel.ListCustomersBalancesDetailRequest{Body: &bssmodel.QueryCustomersBalancesReq{}})
	sdkErr(t, err, http.StatusBadRequest, "CBC.0100")

	// Adjust records: newest first (TestAdjustRecordsOrderAndPaging),
	// amounts as strings.
	recs, err := h.bss.ListPartnerAdjustRecords(&bssmodel.ListPartnerAdjustRecordsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if *recs.TotalCount != 3 || len(*recs.Records) != 3 {
		t.Fatalf("records = %s", recs)
	}
	all := *recs.Records
	var reclaimed *bssmodel.AdjustRecordV3
	for i := range all {
		if *all[i].TransId == *rc.TransId {
			reclaimed = &all[i]
		}
	}
	if reclaimed == nil || *reclaimed.OperationType != opBeRetrieve || *reclaimed.Amount != "3.50" ||
		*reclaimed.CustomerId != a || *reclaimed.OperationTime == "" || *reclaimed.MeasureId != 1 {
		t.Fatalf("reclaim record in %s", recs)
	}
	recs, _ = h.bss.ListPartnerAdjustRecords(&bssmodel.ListPartnerAdjustRecordsRequest{TransId: r1.TransferId})
	if *recs.TotalCount != 1 || *(*recs.Records)[0].Amount != "10.00" || *(*recs.Records)[0].OperationType != opBeAdjust {
		t.Fatalf("by trans_id = %s", recs)
	}
	recs, _ = h.bss.ListPartnerAdjustRecords(&bssmodel.ListPartnerAdjustRecordsRequest{CustomerId: &a, OperationType: tref(opBeAdjust)})
	if *recs.TotalCount != 1 {
		t.Fatalf("by customer+type = %s", recs)
	}
	recs, _ = h.bss.ListPartnerAdjustRecords(&bssmodel.ListPartnerAdjustRecordsRequest{Offset: tref(int32(1)), Limit: tref(int32(1))})
	if *recs.TotalCount != 3 || len(*recs.Records) != 1 || *(*recs.Records)[0].TransId != *all[1].TransId {
		t.Fatalf("page = %s", recs)
	}
	h.advance("2h")
	amt := mustDec("1")
	if _, err := h.bss.UpdateCustomerAccountAmount(&bssmodel.UpdateCustomerAccountAmountRequest{Body: &bssmodel.AdjustAccountReq{CustomerId: b, Amount: &amt}}); err != nil {
		t.Fatal(err)
	}
	recs, _ = h.bss.ListPartnerAdjustRecords(&bssmodel.ListPartnerAdjustRecordsRequest{OperationTimeBegin: tref("2026-11-21T11:00:00Z")})
	if *recs.TotalCount != 1 || *(*recs.Records)[0].Amount != "1.00" {
		t.Fatalf("time window = %s", recs)
	}
	recs, _ = h.bss.ListPartnerAdjustRecords(&bssmodel.ListPartnerAdjustRecordsRequest{OperationTimeEnd: tref("2026-11-21T11:00:00Z")})
	if *recs.TotalCount != 3 {
		t.Fatalf("time window end = %s", recs)
	}
	for _, bad := range []bssmodel.ListPartnerAdjustRecordsRequest{
		{Limit: tref(int32(0))}, {Limit: tref(int32(101))}, {Offset: tref(int32(-1))},
		{OperationType: tref("ADJUST")}, {OperationTimeBegin: tref("yesterday")},
	} {
		_, err := h.bss.ListPartnerAdjustRecords(&bad)
		sdkErr(t, err, http.StatusBadRequest, "CBC.0100")
	}
}

func TestAmountValidation(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	id := h.newCustomer("amt")
	for _, tc := range []struct {
		amount string
		status int
		code   string
	}{
		{`"10"`, 200, ""},
		{`12.3`, 200, ""},
		{`"0.01"`, 200, ""},
		{`"1.230"`, 200, ""}, // trailing zero: still two decimals
		{`"1.234"`, 400, "CBC.0100"},
		{`0`, 400, "CBC.0100"},
		{`"-5"`, 400, "CBC.0100"},
		{`"ten"`, 400, "CBC.0100"},
		{`null`, 400, "CBC.0100"},
		{`true`, 400, "CBC.0100"},
	} {
		st, _, body := h.raw(http.MethodPost, "/v2/accounts/partner-accounts/adjust-amount", `{"customer_id":"`+id+`","amount":`+tc.amount+"}\n")
		if st != tc.status || (tc.code != "" && !strings.Contains(string(body), tc.code)) {
			t.Errorf("amount %s: %d %s", tc.amount, st, body)
		}
		if tc.code == "CBC.0100" && !strings.Contains(string(body), "amount") {
			t.Errorf("amount %s: message does not name the field: %s", tc.amount, body)
		}
	}
	if got := h.state().balance(id); got != "23.54" {
		t.Fatalf("balance = %s", got)
	}
	st, _, body := h.raw(http.MethodPost, "/v2/accounts/partner-accounts/adjust-amount", `{"customer_id":"nobody","amount":"1"}`)
	if st != 400 || !strings.Contains(string(body), "CBC.99000035") {
		t.Fatalf("unknown customer: %d %s", st, body)
	}
	st, _, body = h.raw(http.MethodPost, "/v2/accounts/partner-accounts/reclaim", `{"customer_id":"`+id+`","amount":"1","indirect_partner_id":"r"}`)
	if st != 400 || !strings.Contains(string(body), "CBC.99000037") {
		t.Fatalf("reseller: %d %s", st, body)
	}
}

func TestReferralCustomer(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	resp, err := h.bss.CreateSubCustomer(&bssmodel.CreateSubCustomerRequest{Body: &bssmodel.CreateCustomerV2Req{
		XaccountId: "ref", XaccountType: "storefront_sim", CooperationType: tref("1")}})
	if err != nil {
		t.Fatal(err)
	}
	amt := mustDec("1")
	_, err = h.bss.UpdateCustomerAccountAmount(&bssmodel.UpdateCustomerAccountAmountRequest{Body: &bssmodel.AdjustAccountReq{CustomerId: *resp.DomainId, Amount: &amt}})
	sdkErr(t, err, http.StatusBadRequest, "CBC.99000000")
	cb, err := h.bss.ListCustomersBalancesDetail(&bssmodel.ListCustomersBalancesDetailRequest{Body: &bssmodel.QueryCustomersBalancesReq{
		CustomerInfos: []bssmodel.CustomerInfoV2{{CustomerId: *resp.DomainId}}}})
	if err != nil || len(*cb.CustomerBalances) != 0 {
		t.Fatalf("referral customer listed: %v %s", err, cb)
	}
}

// ListPartnerAdjustRecords: operation time descending, ties by trans_id
// descending; a window whose end is past pages by offset without repeats or
// gaps while new records keep arriving.
func TestAdjustRecordsOrderAndPaging(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	a := h.newCustomer("pg")
	fund := func() { h.fund(a, "1") }

	// Ties: three records in one second (put in place, as the wire cannot
	// stop the clock), stamped before the ones the API makes below.
	h.sim.mu.Lock()
	tie := h.sim.now().Add(-time.Minute)
	cu := h.sim.st.byID[a]
	for _, id := range []string{"b-tie", "c-tie", "a-tie"} {
		h.sim.st.Adjusts = append(h.sim.st.Adjusts, adjustRecord{TransID: id, CustomerID: a, CustomerName: cu.DomainName,
			OperationType: opBeAdjust, Amount: mustDec("1"), OperationTime: tie})
	}
	h.sim.mu.Unlock()
	for range 4 {
		fund()
	}

	list := func(req bssmodel.ListPartnerAdjustRecordsRequest) ([]bssmodel.AdjustRecordV3, int32) {
		t.Helper()
		resp, err := h.bss.ListPartnerAdjustRecords(&req)
		if err != nil {
			t.Fatal(err)
		}
		return *resp.Records, *resp.TotalCount
	}
	all, _ := list(bssmodel.ListPartnerAdjustRecordsRequest{Limit: tref(int32(100))})
	if len(all) != 7 {
		t.Fatalf("%d records", len(all))
	}
	for i := 1; i < len(all); i++ {
		prev, cur := all[i-1], all[i]
		if *prev.OperationTime < *cur.OperationTime || *prev.OperationTime == *cur.OperationTime && *prev.TransId < *cur.TransId {
			t.Fatalf("not newest first, ties by trans_id descending: %s then %s", recString(prev), recString(cur))
		}
	}
	if got := *all[4].TransId + "," + *all[5].TransId + "," + *all[6].TransId; got != "c-tie,b-tie,a-tie" {
		t.Fatalf("the tie is ordered %s", got)
	}

	// Page a closed window (end a second already past) two at a time while
	// records arrive after every page.
	h.advance("1m")
	endAt := h.sim.now().Add(-time.Second)
	end := endAt.Format(hwTime)
	var paged []string
	for offset := int32(0); ; offset += 2 {
		page, total := list(bssmodel.ListPartnerAdjustRecordsRequest{OperationTimeEnd: &end, Offset: &offset, Limit: tref(int32(2))})
		if total != 7 {
			t.Fatalf("total %d while paging a closed window", total)
		}
		for _, r := range page {
			paged = append(paged, *r.TransId)
		}
		fund()
		if len(page) < 2 {
			break
		}
	}
	if len(paged) != len(all) {
		t.Fatalf("paged %d records, want %d: %v", len(paged), len(all), paged)
	}
	for i, r := range all {
		if paged[i] != *r.TransId {
			t.Fatalf("page order %v differs from the one-shot order at %d", paged, i)
		}
	}
	// The records that arrived meanwhile are the next window's, which
	// begins a second after the last one ended.
	begin := endAt.Add(time.Second).Format(hwTime)
	if later, total := list(bssmodel.ListPartnerAdjustRecordsRequest{OperationTimeBegin: &begin}); total != 4 || len(later) != 4 {
		t.Fatalf("next window: %d records", total)
	}
}

func recString(r bssmodel.AdjustRecordV3) string { return *r.OperationTime + "/" + *r.TransId }
