package bsssim

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	bssmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"
)

func individual(id string, files ...string) *bssmodel.CreatePersonalRealnameAuthRequest {
	if files == nil {
		files = []string{"id/front.jpg"}
	}
	return &bssmodel.CreatePersonalRealnameAuthRequest{Body: &bssmodel.ApplyIndividualRealnameAuthsReq{
		CustomerId: id, IdentifyType: 0, VerifiedFileUrl: files, Name: "Zhang San", VerifiedNumber: "110101199001011234",
		XaccountType: "storefront_sim"}}
}

func enterprise(id string) *bssmodel.ApplyEnterpriseRealnameAuthsReq {
	return &bssmodel.ApplyEnterpriseRealnameAuthsReq{CustomerId: id, IdentifyType: 1, CertificateType: tref(int32(0)),
		VerifiedFileUrl: []string{"corp/licence.pdf"}, CorpName: "Example Tech Co., Ltd.", VerifiedNumber: "91110000MA0000000X",
		RegCountry: tref("CN"), XaccountType: "storefront_sim"}
}

func (h *harness) reviewResult(id string) *bssmodel.ShowRealnameAuthenticationReviewResultResponse {
	h.t.Helper()
	r, err := h.bss.ShowRealnameAuthenticationReviewResult(&bssmodel.ShowRealnameAuthenticationReviewResultRequest{CustomerId: id})
	if err != nil {
		h.t.Fatal(err)
	}
	return r
}

func TestRealnameReviewByDelay(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	id := h.newCustomer("rn1")
	if r := h.reviewResult(id); r.ReviewResult != nil {
		t.Fatalf("result before any submission: %s", r)
	}
	resp, err := h.bss.CreatePersonalRealnameAuth(individual(id))
	if err != nil || *resp.IsReview != 1 {
		t.Fatalf("submit: %v %s", err, resp)
	}
	if r := h.reviewResult(id); *r.ReviewResult != 0 || r.Opinion != nil {
		t.Fatalf("pending: %s", r)
	}
	// A second submission while under review is refused.
	_, err = h.bss.CreatePersonalRealnameAuth(individual(id))
	sdkErr(t, err, http.StatusBadRequest, "CBC.99007188")

	h.advance("9m")
	if r := h.reviewResult(id); *r.ReviewResult != 0 {
		t.Fatalf("approved before the delay: %s", r)
	}
	h.advance("1m")
	if r := h.reviewResult(id); *r.ReviewResult != 2 {
		t.Fatalf("not approved after the delay: %s", r)
	}
	l, _ := h.bss.ListSubCustomers(&bssmodel.ListSubCustomersRequest{Body: &bssmodel.QuerySubCustomerListReq{CustomerId: &id}})
	info := (*l.CustomerInfos)[0]
	if *info.VerifiedStatus != "2" || *info.CustomerType != 0 || *info.Customer != "Zhang San" {
		t.Fatalf("customer after approval: %s", info)
	}
	if cu, _ := h.sim.customerByID(id); !cu.RealnameVerified() {
		t.Fatal("RealnameVerified() false")
	}

	// Individual → enterprise change, decided by the admin.
	ch := enterprise(id)
	resp2, err := h.bss.ChangeEnterpriseRealnameAuthentication(&bssmodel.ChangeEnterpriseRealnameAuthenticationRequest{Body: &bssmodel.ChangeEnterpriseRealnameAuthsReq{
		CustomerId: id, IdentifyType: 1, VerifiedFileUrl: ch.VerifiedFileUrl, CorpName: ch.CorpName, VerifiedNumber: ch.VerifiedNumber,
		ChangeType: 1, XaccountType: "storefront_sim"}})
	if err != nil || *resp2.IsReview != 1 {
		t.Fatalf("change: %v %s", err, resp2)
	}
	if cu, _ := h.sim.customerByID(id); !cu.RealnameVerified() {
		t.Fatal("a pending change must keep the individual verification")
	}
	h.admin(http.MethodPost, "/_sim/realname/review", map[string]string{"customer_id": id, "decision": "approve"}, nil, http.StatusOK)
	l, _ = h.bss.ListSubCustomers(&bssmodel.ListSubCustomersRequest{Body: &bssmodel.QuerySubCustomerListReq{CustomerId: &id}})
	if info := (*l.CustomerInfos)[0]; *info.CustomerType != 1 || *info.Customer != "Example Tech Co., Ltd." {
		t.Fatalf("after change: %s", info)
	}
	// Nothing pending any more.
	h.admin(http.MethodPost, "/_sim/realname/review", map[string]string{"customer_id": id, "decision": "approve"}, nil, http.StatusConflict)
}

func TestRealnameReviewByAdmin(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *Config) { c.ReviewDelay = 0 })
	id := h.newCustomer("rn2")
	resp, err := h.bss.CreateEnterpriseRealnameAuthentication(&bssmodel.CreateEnterpriseRealnameAuthenticationRequest{Body: enterprise(id)})
	if err != nil || *resp.IsReview != 1 {
		t.Fatalf("submit: %v %s", err, resp)
	}
	h.advance("48h")
	if r := h.reviewResult(id); *r.ReviewResult != 0 {
		t.Fatalf("ReviewDelay 0 must leave it to the admin: %s", r)
	}
	h.admin(http.MethodPost, "/_sim/realname/review", map[string]string{"customer_id": id, "decision": "reject", "opinion": "blurry photo"}, nil, http.StatusOK)
	r := h.reviewResult(id)
	if *r.ReviewResult != 1 || *r.Opinion != "blurry photo" {
		t.Fatalf("rejected: %s", r)
	}
	if st := h.state(); st.Customers[0].RealnameStatus != "rejected" {
		t.Fatalf("state = %s", st.Customers[0].RealnameStatus)
	}
	// A rejected customer may submit again.
	if _, err := h.bss.CreateEnterpriseRealnameAuthentication(&bssmodel.CreateEnterpriseRealnameAuthenticationRequest{Body: enterprise(id)}); err != nil {
		t.Fatal(err)
	}
	h.admin(http.MethodPost, "/_sim/realname/review", map[string]string{"customer_id": id, "decision": "maybe"}, nil, http.StatusBadRequest)
	h.admin(http.MethodPost, "/_sim/realname/review", map[string]string{"customer_id": "nobody", "decision": "approve"}, nil, http.StatusNotFound)
}

func TestRealnameValidation(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	id := h.newCustomer("rn3")
	for _, tc := range []struct {
		name string
		req  *bssmodel.CreatePersonalRealnameAuthRequest
		code string
	}{
		{"five attachments", individual(id, "a.jpg", "b.jpg", "c.jpg", "d.jpg", "e.jpg"), "CBC.0100"},
		{"no attachment", individual(id, []string{}...), "CBC.0100"},
		{"bad format", individual(id, "scan.tiff"), "CBC.99000100"},
		{"no extension", individual(id, "scan"), "CBC.99000100"},
		{"absolute path", individual(id, "/download/a.jpg"), "CBC.0100"},
		{"unknown customer", individual("nobody"), "CBC.99000035"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "no attachment" {
				tc.req.Body.VerifiedFileUrl = []string{}
			}
			_, err := h.bss.CreatePersonalRealnameAuth(tc.req)
			sdkErr(t, err, http.StatusBadRequest, tc.code)
		})
	}
	passport := individual(id, "p1.png", "p2.PNG")
	passport.Body.VerifiedType = tref(int32(3))
	_, err := h.bss.CreatePersonalRealnameAuth(passport) // a passport needs three pages
	sdkErr(t, err, http.StatusBadRequest, "CBC.0100")
	passport.Body.VerifiedFileUrl = append(passport.Body.VerifiedFileUrl, "p3.gif")
	if _, err := h.bss.CreatePersonalRealnameAuth(passport); err != nil {
		t.Fatalf("passport: %v", err)
	}

	e := enterprise(id)
	e.CorpName = "123 456"
	_, err = h.bss.CreateEnterpriseRealnameAuthentication(&bssmodel.CreateEnterpriseRealnameAuthenticationRequest{Body: e})
	sdkErr(t, err, http.StatusBadRequest, "CBC.0100")
	e = enterprise(id)
	e.IdentifyType = 0
	_, err = h.bss.CreateEnterpriseRealnameAuthentication(&bssmodel.CreateEnterpriseRealnameAuthenticationRequest{Body: e})
	sdkErr(t, err, http.StatusBadRequest, "CBC.0100")

	// Change without a verified individual.
	other := h.newCustomer("rn4")
	_, err = h.bss.ChangeEnterpriseRealnameAuthentication(&bssmodel.ChangeEnterpriseRealnameAuthenticationRequest{Body: &bssmodel.ChangeEnterpriseRealnameAuthsReq{
		CustomerId: other, IdentifyType: 1, VerifiedFileUrl: []string{"a.pdf"}, CorpName: "Corp", VerifiedNumber: "N1", ChangeType: 1, XaccountType: "storefront_sim"}})
	sdkErr(t, err, http.StatusBadRequest, "CBC.99007004")

	_, err = h.bss.ShowRealnameAuthenticationReviewResult(&bssmodel.ShowRealnameAuthenticationReviewResultRequest{})
	sdkErr(t, err, http.StatusBadRequest, "CBC.0100")
}

func TestRealnameCertificateCap(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	for i := range 3 {
		id := h.newCustomer("cap" + string(rune('a'+i)))
		if _, err := h.bss.CreatePersonalRealnameAuth(individual(id)); err != nil {
			t.Fatal(err)
		}
	}
	_, err := h.bss.CreatePersonalRealnameAuth(individual(h.newCustomer("capd")))
	sdkErr(t, err, http.StatusBadRequest, "CBC.99007189")
}

func TestRealnameBankCard(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	id := h.newCustomer("bank")
	code := h.sendBankCardCode("13600000001", id)
	bankCard := func(customerID, code string) *bssmodel.CreatePersonalRealnameAuthRequest {
		return &bssmodel.CreatePersonalRealnameAuthRequest{Body: &bssmodel.ApplyIndividualRealnameAuthsReq{
			CustomerId: customerID, IdentifyType: 4, VerifiedFileUrl: []string{"face.jpg"}, Name: "Li Si", VerifiedNumber: "110101199202021111",
			XaccountType: "storefront_sim", BankCardInfo: &bssmodel.BankCardInfoV2{BankAccount: "6222-0000-1111", Areacode: "0086", Mobile: "13600000001", VerificationCode: code}}}
	}
	wrong := "999999"
	if code == wrong {
		wrong = "888888"
	}
	_, err := h.bss.CreatePersonalRealnameAuth(bankCard(id, wrong))
	sdkErr(t, err, http.StatusBadRequest, "CBC.99000027")
	// The code was asked for this customer: it proves nothing for another
	// one, even on the same card and mobile.
	other := h.newCustomer("bank2")
	_, err = h.bss.CreatePersonalRealnameAuth(bankCard(other, code))
	sdkErr(t, err, http.StatusBadRequest, "CBC.99000027")
	resp, err := h.bss.CreatePersonalRealnameAuth(bankCard(id, code))
	if err != nil || *resp.IsReview != 0 {
		t.Fatalf("bank card: %v %s", err, resp)
	}
	if r := h.reviewResult(id); *r.ReviewResult != 2 {
		t.Fatalf("bank card not verified at once: %s", r)
	}
	_, err = h.bss.CreatePersonalRealnameAuth(individual(id))
	sdkErr(t, err, http.StatusBadRequest, "CBC.99007188")
}

// With FilesDir the simulator reads the attachments as Huawei reads the
// bucket: each path must name a file there, within the size limit, whose
// content is an accepted format.
func TestRealnameAttachmentsInFilesDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name string, b []byte) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	write("realname/c/ok.png", png)
	write("realname/c/text.png", []byte("just text, named like an image"))
	write("realname/c/big.pdf", append([]byte("%PDF-1.7\n"), make([]byte, 10<<20)...))
	h := newHarness(t, func(c *Config) { c.FilesDir = dir })
	id := h.newCustomer("rnf")
	for _, tc := range []struct {
		name, file, code string
	}{
		{"missing", "realname/c/none.png", "CBC.99000100"},
		{"content is not an image", "realname/c/text.png", "CBC.99000100"},
		{"too large", "realname/c/big.pdf", "CBC.99000099"},
		{"escapes the directory", "realname/../../etc/passwd.png", "CBC.99000100"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.bss.CreatePersonalRealnameAuth(individual(id, tc.file))
			sdkErr(t, err, http.StatusBadRequest, tc.code)
		})
	}
	if _, err := h.bss.CreatePersonalRealnameAuth(individual(id, "realname/c/ok.png")); err != nil {
		t.Fatalf("a file that exists: %v", err)
	}
}
