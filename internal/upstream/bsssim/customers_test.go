package bsssim

import (
	"fmt"
	"net/http"
	"regexp"
	"testing"
	"time"

	bssmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"
	bssintlmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bssintl/v2/model"
)

func TestCheckUserIdentity(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	code := h.sendCode("13800000001")
	_, err := h.bss.CreateSubCustomer(&bssmodel.CreateSubCustomerRequest{Body: &bssmodel.CreateCustomerV2Req{
		XaccountId: "u1", XaccountType: "storefront_sim", DomainName: tref("Alice_01"), MobilePhone: tref("13800000001"), VerificationCode: &code}})
	if err != nil {
		t.Fatal(err)
	}
	check := func(typ, val string) *bssmodel.CheckUserIdentityResponse {
		t.Helper()
		resp, err := h.bss.CheckUserIdentity(&bssmodel.CheckUserIdentityRequest{Body: &bssmodel.CheckSubcustomerUserReq{SearchType: typ, SearchValue: val}})
		if err != nil {
			t.Fatalf("%s %s: %v", typ, val, err)
		}
		return resp
	}
	if r := check("name", "alice_01"); *r.CheckResult != "used_by_user" {
		t.Errorf("taken name (other case) = %s", *r.CheckResult)
	}
	if r := check("name", "bob-the-user"); *r.CheckResult != "available" {
		t.Errorf("free name = %s", *r.CheckResult)
	}
	// A mobile registers up to MobileLimit customers (TestMobileLimit).
	if r := check("mobile", "0086-13800000001"); *r.CheckResult != "available" || *r.MobileRemainAvailableNum != defaultMobileLimit-1 {
		t.Errorf("mobile used once = %s %d", *r.CheckResult, *r.MobileRemainAvailableNum)
	}
	if r := check("mobile", "0086-13800000002"); *r.CheckResult != "available" || *r.MobileRemainAvailableNum != defaultMobileLimit {
		t.Errorf("free mobile = %s %d", *r.CheckResult, *r.MobileRemainAvailableNum)
	}
	if r := check("email", "x@example.com"); *r.CheckResult != "available" || r.MobileRemainAvailableNum != nil {
		t.Errorf("email = %+v", r)
	}
	for _, bad := range [][2]string{{"name", "op_admin"}, {"name", "1234567"}, {"name", "abc"}, {"mobile", "13800000001"}, {"mobile", "0001-13800000001"}, {"email", "nope"}, {"phone", "x"}} {
		_, err := h.bss.CheckUserIdentity(&bssmodel.CheckUserIdentityRequest{Body: &bssmodel.CheckSubcustomerUserReq{SearchType: bad[0], SearchValue: bad[1]}})
		sdkErr(t, err, http.StatusBadRequest, "CBC.0100")
	}
}

func TestSMSCodeRules(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	create := func(x, mobile, code string) error {
		_, err := h.bss.CreateSubCustomer(&bssmodel.CreateSubCustomerRequest{Body: &bssmodel.CreateCustomerV2Req{
			XaccountId: x, XaccountType: "storefront_sim", MobilePhone: &mobile, VerificationCode: &code}})
		return err
	}

	t.Run("three wrong tries burn the code", func(t *testing.T) {
		code := h.sendCode("13900000001")
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		for range 3 {
			sdkErr(t, create("s1", "13900000001", wrong), http.StatusBadRequest, "CBC.99004010")
		}
		sdkErr(t, create("s1", "13900000001", code), http.StatusBadRequest, "CBC.99004009")
		code = h.sendCode("13900000001") // a new code works
		if err := create("s1", "13900000001", code); err != nil {
			t.Fatal(err)
		}
		// A used code cannot be used again.
		sdkErr(t, create("s1b", "13900000001", code), http.StatusBadRequest, "CBC.99004010")
	})
	t.Run("expiry", func(t *testing.T) {
		code := h.sendCode("13900000002") // default 10 minutes
		h.advance("11m")
		sdkErr(t, create("s2", "13900000002", code), http.StatusBadRequest, "CBC.99004008")

		// timeout > 60 is forced to 5 minutes.
		_, err := h.bss.SendVerificationMessageCode(&bssmodel.SendVerificationMessageCodeRequest{Body: &bssmodel.SendVerificationCodeV2Req{
			ReceiverType: 1, MobilePhone: "13900000002", Timeout: tref(int32(120))}})
		if err != nil {
			t.Fatal(err)
		}
		code = h.lastCode("13900000002")
		h.advance("6m")
		sdkErr(t, create("s2", "13900000002", code), http.StatusBadRequest, "CBC.99004008")

		_, err = h.bss.SendVerificationMessageCode(&bssmodel.SendVerificationMessageCodeRequest{Body: &bssmodel.SendVerificationCodeV2Req{
			ReceiverType: 1, MobilePhone: "13900000002", Timeout: tref(int32(30))}})
		if err != nil {
			t.Fatal(err)
		}
		code = h.lastCode("13900000002")
		h.advance("20m")
		if err := create("s2", "13900000002", code); err != nil {
			t.Fatalf("30-minute code after 20 minutes: %v", err)
		}
	})
	t.Run("hourly and daily caps", func(t *testing.T) {
		send := func() error {
			_, err := h.bss.SendVerificationMessageCode(&bssmodel.SendVerificationMessageCodeRequest{Body: &bssmodel.SendVerificationCodeV2Req{
				ReceiverType: 1, MobilePhone: "13900000003"}})
			return err
		}
		for hour := range 4 {
			for i := range 15 {
				if err := send(); err != nil {
					t.Fatalf("hour %d send %d: %v", hour, i, err)
				}
			}
			sdkErr(t, send(), http.StatusBadRequest, "CBC.99004015")
			h.advance("61m")
		}
		// 60 sent within the last day: the daily cap holds although the hour is fresh.
		sdkErr(t, send(), http.StatusBadRequest, "CBC.99004015")
		h.advance("21h")
		if err := send(); err != nil {
			t.Fatalf("after a day: %v", err)
		}
	})
	t.Run("validation", func(t *testing.T) {
		for _, req := range []*bssmodel.SendVerificationCodeV2Req{
			{ReceiverType: 2, MobilePhone: "13900000004"},
			{ReceiverType: 1, MobilePhone: "0086-13900000004"},
			{ReceiverType: 1, MobilePhone: "13900000004", Timeout: tref(int32(0))},
			{ReceiverType: 1, MobilePhone: "13900000004", Timeout: tref(int32(3001))},
			{ReceiverType: 1, MobilePhone: "13900000004", Scene: tref(int32(18))},
			{ReceiverType: 1, MobilePhone: "13900000004", Scene: tref(int32(7))},
			{ReceiverType: 1, MobilePhone: "13900000004", Lang: tref("fr-fr")},
		} {
			_, err := h.bss.SendVerificationMessageCode(&bssmodel.SendVerificationMessageCodeRequest{Body: req})
			sdkErr(t, err, http.StatusBadRequest, "CBC.0100")
		}
	})
}

func TestCreateSubCustomer(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	create := func(req bssmodel.CreateCustomerV2Req) (*bssmodel.CreateSubCustomerResponse, error) {
		if req.XaccountType == "" {
			req.XaccountType = "storefront_sim"
		}
		return h.bss.CreateSubCustomer(&bssmodel.CreateSubCustomerRequest{Body: &req})
	}
	resp, err := create(bssmodel.CreateCustomerV2Req{XaccountId: "x1", DomainName: tref("first_user"), Password: tref("Passw0rd!x")})
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(*resp.DomainId) || *resp.DomainName != "first_user" {
		t.Fatalf("resp = %s", resp)
	}
	random, err := create(bssmodel.CreateCustomerV2Req{XaccountId: "x2"})
	if err != nil {
		t.Fatal(err)
	}
	if n := *random.DomainName; len(n) != 32 || !reDomainName.MatchString(n) {
		t.Fatalf("random name %q", n)
	}

	code := h.sendCode("13700000001")
	if _, err := create(bssmodel.CreateCustomerV2Req{XaccountId: "x3", MobilePhone: tref("13700000001"), VerificationCode: &code}); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name string
		req  bssmodel.CreateCustomerV2Req
		code string
	}{
		{"duplicate xaccount_id", bssmodel.CreateCustomerV2Req{XaccountId: "x1"}, "CBC.99000039"},
		{"duplicate name", bssmodel.CreateCustomerV2Req{XaccountId: "y1", DomainName: tref("FIRST_USER")}, "CBC.99000038"},
		{"used code for a mobile", bssmodel.CreateCustomerV2Req{XaccountId: "y2", MobilePhone: tref("13700000001"), VerificationCode: &code}, "CBC.99004010"},
		{"reserved prefix", bssmodel.CreateCustomerV2Req{XaccountId: "y3", DomainName: tref("op_service")}, "CBC.99000031"},
		{"all digits", bssmodel.CreateCustomerV2Req{XaccountId: "y3", DomainName: tref("1234567")}, "CBC.99000031"},
		{"short name", bssmodel.CreateCustomerV2Req{XaccountId: "y3", DomainName: tref("abc")}, "CBC.99000031"},
		{"bad mobile", bssmodel.CreateCustomerV2Req{XaccountId: "y4", MobilePhone: tref("23700000001"), VerificationCode: tref("123456")}, "CBC.5017"},
		{"mobile without code", bssmodel.CreateCustomerV2Req{XaccountId: "y4", MobilePhone: tref("13700000002")}, "CBC.0100"},
		{"no code sent", bssmodel.CreateCustomerV2Req{XaccountId: "y4", MobilePhone: tref("13700000002"), VerificationCode: tref("123456")}, "CBC.99004010"},
		{"short password", bssmodel.CreateCustomerV2Req{XaccountId: "y5", Password: tref("Ab1!")}, "CBC.99000036"},
		{"one class password", bssmodel.CreateCustomerV2Req{XaccountId: "y5", Password: tref("abcdefghij")}, "CBC.99000036"},
		{"empty password", bssmodel.CreateCustomerV2Req{XaccountId: "y5", Password: tref("")}, "CBC.99000036"},
		{"password is the name reversed", bssmodel.CreateCustomerV2Req{XaccountId: "y5", DomainName: tref("user_Abc12"), Password: tref("21cbA_resu")}, "CBC.99000036"},
		{"wrong platform", bssmodel.CreateCustomerV2Req{XaccountId: "y6", XaccountType: "someone_else"}, "CBC.0100"},
		{"reseller", bssmodel.CreateCustomerV2Req{XaccountId: "y7", IndirectPartnerId: tref("r1")}, "CBC.99000037"},
		{"market flag", bssmodel.CreateCustomerV2Req{XaccountId: "y8", IsCloseMarketMs: tref("yes")}, "CBC.0100"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := create(tc.req)
			sdkErr(t, err, http.StatusBadRequest, tc.code)
		})
	}
	if n := len(h.state().Customers); n != 3 {
		t.Fatalf("%d customers after the refusals", n)
	}

	// A wrong JSON type is a CBC.0100 naming the field.
	st, _, body := h.raw(http.MethodPost, "/v2/partners/sub-customers", `{"xaccount_id":12,"xaccount_type":"storefront_sim"}`)
	if st != http.StatusBadRequest || !regexp.MustCompile(`CBC\.0100.*xaccount_id`).Match(body) {
		t.Fatalf("type error: %d %s", st, body)
	}
}

func TestListSubCustomers(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	var ids []string
	for i := range 12 {
		_, err := h.bss.CreateSubCustomer(&bssmodel.CreateSubCustomerRequest{Body: &bssmodel.CreateCustomerV2Req{
			XaccountId: "acct" + string(rune('a'+i)), XaccountType: "storefront_sim", DomainName: tref("member_" + string(rune('a'+i)) + "x")}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, h.state().Customers[i].DomainID)
	}
	list := func(req bssmodel.QuerySubCustomerListReq) *bssmodel.ListSubCustomersResponse {
		t.Helper()
		resp, err := h.bss.ListSubCustomers(&bssmodel.ListSubCustomersRequest{Body: &req})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	r := list(bssmodel.QuerySubCustomerListReq{})
	if *r.Count != 12 || len(*r.CustomerInfos) != 10 {
		t.Fatalf("default page: count %d, %d infos", *r.Count, len(*r.CustomerInfos))
	}
	first := (*r.CustomerInfos)[0]
	if first.CustomerId != ids[11] || *first.AssociationType != "2" || *first.VerifiedStatus != "-1" || *first.IsFrozen != 0 ||
		*first.XaccountId != "acctl" || *first.XaccountType != "storefront_sim" || *first.AssociatedOn != "2026-11-21T10:00:00Z" {
		t.Fatalf("first = %s", first)
	}
	r = list(bssmodel.QuerySubCustomerListReq{Offset: tref(int32(10)), Limit: tref(int32(5))})
	if *r.Count != 12 || len(*r.CustomerInfos) != 2 || (*r.CustomerInfos)[1].CustomerId != ids[0] {
		t.Fatalf("second page: %s", r)
	}
	r = list(bssmodel.QuerySubCustomerListReq{AccountName: tref("ber_c")})
	if *r.Count != 1 || (*r.CustomerInfos)[0].AccountName != "member_cx" {
		t.Fatalf("fuzzy name: %s", r)
	}
	r = list(bssmodel.QuerySubCustomerListReq{CustomerId: &ids[4]})
	if *r.Count != 1 || (*r.CustomerInfos)[0].CustomerId != ids[4] {
		t.Fatalf("by id: %s", r)
	}
	if r = list(bssmodel.QuerySubCustomerListReq{AssociationType: tref("1")}); *r.Count != 0 {
		t.Fatalf("referral filter: %s", r)
	}
	if r = list(bssmodel.QuerySubCustomerListReq{AssociatedOnBegin: tref("2026-11-21T11:00:00Z")}); *r.Count != 0 {
		t.Fatalf("time filter: %s", r)
	}
	for _, bad := range []bssmodel.QuerySubCustomerListReq{
		{Limit: tref(int32(101))}, {Limit: tref(int32(0))}, {Offset: tref(int32(-1))},
		{AssociationType: tref("3")}, {AssociatedOnBegin: tref("2026-11-21")}, {AccountName: tref("a b")},
	} {
		_, err := h.bss.ListSubCustomers(&bssmodel.ListSubCustomersRequest{Body: &bad})
		sdkErr(t, err, http.StatusBadRequest, "CBC.0100")
	}
}

func TestFreezeUnfreeze(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	a, b := h.newCustomer("fa"), h.newCustomer("fb")
	freeze := func(ids []string, typ *bssintlmodel.FreezeSubCustomersReqFreezeType) (*bssintlmodel.FreezeSubCustomersResponse, error) {
		return h.intl.FreezeSubCustomers(&bssintlmodel.FreezeSubCustomersRequest{Body: &bssintlmodel.FreezeSubCustomersReq{
			CustomerIds: ids, Reason: "overdue", FreezeType: typ}})
	}
	unfreeze := func(ids []string, typ *bssintlmodel.UnfreezeSubCustomersReqUnfreezeType) (*bssintlmodel.UnfreezeSubCustomersResponse, error) {
		return h.intl.UnfreezeSubCustomers(&bssintlmodel.UnfreezeSubCustomersRequest{Body: &bssintlmodel.UnfreezeSubCustomersReq{
			CustomerIds: ids, Reason: "paid", UnfreezeType: typ}})
	}
	resp, err := freeze([]string{a}, nil)
	if err != nil || resp.ErrorDetails != nil || resp.HttpStatusCode != http.StatusOK {
		t.Fatalf("freeze: %v %s", err, resp)
	}
	l, _ := h.bss.ListSubCustomers(&bssmodel.ListSubCustomersRequest{Body: &bssmodel.QuerySubCustomerListReq{CustomerId: &a}})
	if *(*l.CustomerInfos)[0].IsFrozen != 1 {
		t.Fatalf("is_frozen = %d", *(*l.CustomerInfos)[0].IsFrozen)
	}
	// Money still moves to and from a frozen customer: neither adjust-amount
	// nor reclaim documents an account-frozen refusal.
	amt := mustDec("5")
	if _, err = h.bss.UpdateCustomerAccountAmount(&bssmodel.UpdateCustomerAccountAmountRequest{Body: &bssmodel.AdjustAccountReq{CustomerId: a, Amount: &amt}}); err != nil {
		t.Fatalf("allocate to a frozen customer: %v", err)
	}
	if _, err = h.bss.ReclaimToPartnerAccount(&bssmodel.ReclaimToPartnerAccountRequest{Body: &bssmodel.ReclaimToPartnerAccountBalancesReq{CustomerId: a, Amount: &amt}}); err != nil {
		t.Fatalf("reclaim from a frozen customer: %v", err)
	}

	// All fail → whole-request error; some fail → 200 with details.
	_, err = freeze([]string{a}, nil)
	sdkErr(t, err, http.StatusBadRequest, "CBC.30000052")
	both := bssintlmodel.GetFreezeSubCustomersReqFreezeTypeEnum().ACCOUNT_AND_RESOURCE
	resp, err = freeze([]string{a, b}, &both)
	if err != nil || resp.ErrorDetails == nil || len(*resp.ErrorDetails) != 1 || *(*resp.ErrorDetails)[0].Id != a {
		t.Fatalf("partial: %v %s", err, resp)
	}
	l, _ = h.bss.ListSubCustomers(&bssmodel.ListSubCustomersRequest{Body: &bssmodel.QuerySubCustomerListReq{CustomerId: &b}})
	if *(*l.CustomerInfos)[0].IsFrozen != 2 {
		t.Fatalf("ACCOUNT_AND_RESOURCE is_frozen = %d", *(*l.CustomerInfos)[0].IsFrozen)
	}
	// Unfreeze must name the freeze type.
	_, err = unfreeze([]string{b}, nil)
	sdkErr(t, err, http.StatusBadRequest, "CBC.0101")
	ub := bssintlmodel.GetUnfreezeSubCustomersReqUnfreezeTypeEnum().ACCOUNT_AND_RESOURCE
	if _, err := unfreeze([]string{b}, &ub); err != nil {
		t.Fatal(err)
	}
	if _, err := unfreeze([]string{a}, nil); err != nil {
		t.Fatal(err)
	}
	if h.state().Customers[0].Frozen {
		t.Fatal("still frozen")
	}
	_, err = unfreeze([]string{"nobody"}, nil)
	sdkErr(t, err, http.StatusBadRequest, "CBC.99000035")
	_, err = freeze(make([]string, 11), nil)
	sdkErr(t, err, http.StatusBadRequest, "CBC.0100")
}

// One mobile registers up to MobileLimit customers; CheckUserIdentity counts
// down mobile_remain_available_num, and one more registration is
// CBC.99000030 without using up its code (docs/huawei-bss.md §1.1, §1.3).
func TestMobileLimit(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *Config) { c.MobileLimit = 3 })
	const mobile = "13800000077"
	remaining := func() (string, int32) {
		t.Helper()
		resp, err := h.bss.CheckUserIdentity(&bssmodel.CheckUserIdentityRequest{Body: &bssmodel.CheckSubcustomerUserReq{SearchType: "mobile", SearchValue: "0086-" + mobile}})
		if err != nil {
			t.Fatal(err)
		}
		return *resp.CheckResult, *resp.MobileRemainAvailableNum
	}
	create := func(x, code string) error {
		_, err := h.bss.CreateSubCustomer(&bssmodel.CreateSubCustomerRequest{Body: &bssmodel.CreateCustomerV2Req{
			XaccountId: x, XaccountType: "storefront_sim", MobilePhone: tref(mobile), VerificationCode: &code}})
		return err
	}
	for i := range 3 {
		if res, n := remaining(); res != "available" || n != int32(3-i) {
			t.Fatalf("before registration %d: %s %d", i+1, res, n)
		}
		if err := create(fmt.Sprintf("m%d", i), h.sendCode(mobile)); err != nil {
			t.Fatalf("registration %d: %v", i+1, err)
		}
	}
	if res, n := remaining(); res != "used_by_user" || n != 0 {
		t.Fatalf("at the limit: %s %d", res, n)
	}
	code := h.sendCode(mobile)
	sdkErr(t, create("m3", code), http.StatusBadRequest, "CBC.99000030")
	h.sim.mu.Lock()
	last := h.sim.st.SMS[len(h.sim.st.SMS)-1]
	h.sim.mu.Unlock()
	if last.Used || last.Failures != 0 {
		t.Fatalf("the refused registration touched its code: %+v", last)
	}
	if n := len(h.state().Customers); n != 3 {
		t.Fatalf("%d customers", n)
	}
}

// CreateSubCustomer creates the account at once and associates it with the
// partner after AssociationDelay of virtual time: only then does
// ListSubCustomers show it (docs/huawei-bss.md §1.3, §1.4).
func TestAssociationDelay(t *testing.T) {
	t.Parallel()
	if d := newHarness(t, func(c *Config) { c.AssociationDelay = -1 }).sim.cfg.AssociationDelay; d != 30*time.Second {
		t.Fatalf("default association delay %s", d)
	}
	// An hour, so that the real time the test takes cannot matter.
	h := newHarness(t, func(c *Config) { c.AssociationDelay = time.Hour })
	list := func(id string) *bssmodel.ListSubCustomersResponse {
		t.Helper()
		resp, err := h.bss.ListSubCustomers(&bssmodel.ListSubCustomersRequest{Body: &bssmodel.QuerySubCustomerListReq{CustomerId: &id}})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	id := h.newCustomer("assoc1")
	created := h.state().Now
	if l := list(id); *l.Count != 0 || len(*l.CustomerInfos) != 0 {
		t.Fatalf("listed before the association completed: %s", l)
	}
	all, err := h.bss.ListSubCustomers(&bssmodel.ListSubCustomersRequest{Body: &bssmodel.QuerySubCustomerListReq{}})
	if err != nil || *all.Count != 0 {
		t.Fatalf("unfiltered list: %v %s", err, all)
	}
	// The account itself exists: it can be funded meanwhile.
	h.fund(id, "1")

	h.advance("58m")
	if l := list(id); *l.Count != 0 {
		t.Fatalf("listed 58 minutes after creation: %s", l)
	}
	h.advance("2m")
	l := list(id)
	if *l.Count != 1 || len(*l.CustomerInfos) != 1 {
		t.Fatalf("not listed after the delay: %s", l)
	}
	c, _ := time.Parse(time.RFC3339, created)
	if on, _ := time.Parse(hwTime, *(*l.CustomerInfos)[0].AssociatedOn); on.Sub(c) < time.Hour || on.Sub(c) > time.Hour+2*time.Second {
		t.Fatalf("associated_on %s for a customer created at %s", on, created)
	}

	// Asking for the association result waits for it in the call.
	resp, err := h.bss.CreateSubCustomer(&bssmodel.CreateSubCustomerRequest{Body: &bssmodel.CreateCustomerV2Req{
		XaccountId: "assoc2", XaccountType: h.sim.cfg.XAccountType, IncludeAssociationResult: tref(true)}})
	if err != nil {
		t.Fatal(err)
	}
	if l := list(*resp.DomainId); *l.Count != 1 {
		t.Fatalf("include_association_result: not listed at once: %s", l)
	}

	// Zero is at once.
	now := newHarness(t, nil)
	nid := now.newCustomer("assoc3")
	if l, err := now.bss.ListSubCustomers(&bssmodel.ListSubCustomersRequest{Body: &bssmodel.QuerySubCustomerListReq{CustomerId: &nid}}); err != nil || *l.Count != 1 {
		t.Fatalf("AssociationDelay 0: %v %s", err, l)
	}
}
