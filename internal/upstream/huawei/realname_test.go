package huawei

import (
	"testing"

	"github.com/partnerlab/storefront/internal/domain"
)

func TestIndividualRealName(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := e.ctx()
	id := e.customer()

	// Nothing submitted yet: its own state, not a failure a poller would
	// retry for ever.
	rv, err := e.c.RealNameReview(ctx, id)
	if err != nil || rv.Status != domain.CloudReviewNeverSubmitted || rv.Opinion != "" {
		t.Fatalf("before any submission: %v %+v", err, rv)
	}

	sub, err := e.c.SubmitIndividualRealName(ctx, domain.CloudIndividualRealName{
		CustomerID: id, VerifiedType: 3, FileURLs: []string{"p/front.jpg", "p/back.jpg", "p/hand.jpg"},
		Name: "Li Si", Number: "E12345678",
	})
	if err != nil {
		t.Fatal(err)
	}
	if !sub.NeedsReview {
		t.Fatal("a certificate submission is reviewed manually")
	}
	rv, err = e.c.RealNameReview(ctx, id)
	if err != nil || rv.Status != domain.CloudReviewPending {
		t.Fatalf("pending: %v %+v", err, rv)
	}
	_, err = e.c.SubmitIndividualRealName(ctx, domain.CloudIndividualRealName{CustomerID: id, FileURLs: []string{"a.png"}, Name: "Li Si", Number: "E12345678"})
	wantErr(t, err, domain.CodeAlreadyExists, domain.OutcomeDefinite, "CBC.99007188")

	e.review(id, "reject", "blurry photo")
	rv, err = e.c.RealNameReview(ctx, id)
	if err != nil || rv.Status != domain.CloudReviewRejected || rv.Opinion != "blurry photo" {
		t.Fatalf("rejected: %v %+v", err, rv)
	}

	// Resubmit after a rejection, then approval.
	if _, err := e.c.SubmitIndividualRealName(ctx, domain.CloudIndividualRealName{CustomerID: id, FileURLs: []string{"a.png"}, Name: "Li Si", Number: "110101199001010011"}); err != nil {
		t.Fatal(err)
	}
	e.review(id, "approve", "")
	rv, err = e.c.RealNameReview(ctx, id)
	if err != nil || rv.Status != domain.CloudReviewApproved {
		t.Fatalf("approved: %v %+v", err, rv)
	}
	page, err := e.c.ListSubCustomers(ctx, domain.CloudSubCustomerQuery{CustomerID: id})
	if err != nil || page.Customers[0].RealNameStatus != domain.CloudRealNameVerified || page.Customers[0].RealName == "" {
		t.Fatalf("customer after approval: %v %+v", err, page)
	}

	_, err = e.c.SubmitIndividualRealName(ctx, domain.CloudIndividualRealName{CustomerID: "not-ours", FileURLs: []string{"a.png"}, Name: "X", Number: "1"})
	wantErr(t, err, domain.CodeUpstreamNotFound, domain.OutcomeDefinite, "CBC.99000035")
	other := e.customer()
	_, err = e.c.SubmitIndividualRealName(ctx, domain.CloudIndividualRealName{CustomerID: other, FileURLs: []string{"a.exe"}, Name: "X", Number: "1"})
	wantErr(t, err, domain.CodeUpstreamInvalid, domain.OutcomeDefinite, "CBC.99000100")
	_, err = e.c.SubmitIndividualRealName(ctx, domain.CloudIndividualRealName{CustomerID: other, Name: "X", Number: "1"})
	wantErr(t, err, domain.CodeValidation, "", "")
}

func TestBankCardRealName(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := e.ctx()
	id := e.customer()
	const mobile = "13900000001"
	if err := e.c.SendVerificationCode(ctx, domain.CloudVerificationCodeRequest{Mobile: mobile, Scene: domain.CloudSMSBankCardRealName, CustomerID: id}); err != nil {
		t.Fatal(err)
	}
	card := &domain.CloudBankCard{Account: "6222-0000-1111", AreaCode: "0086", Mobile: mobile, VerificationCode: "000000"}
	if code := e.smsCode(mobile); code == card.VerificationCode {
		card.VerificationCode = "111111"
	}
	_, err := e.c.SubmitIndividualRealName(ctx, domain.CloudIndividualRealName{CustomerID: id, BankCard: card, FileURLs: []string{"face.jpg"}, Name: "Wang Wu", Number: "110101199001010022"})
	wantErr(t, err, domain.CodeVerificationCode, domain.OutcomeDefinite, "CBC.99000027")

	card.VerificationCode = e.smsCode(mobile)
	sub, err := e.c.SubmitIndividualRealName(ctx, domain.CloudIndividualRealName{CustomerID: id, BankCard: card, FileURLs: []string{"face.jpg"}, Name: "Wang Wu", Number: "110101199001010022"})
	if err != nil {
		t.Fatal(err)
	}
	if sub.NeedsReview {
		t.Fatal("bank-card verification is checked online")
	}
	if got := e.simCustomer(id).RealnameStatus; got != "verified" {
		t.Fatalf("simulator status %s", got)
	}
}

func TestEnterpriseRealName(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := e.ctx()

	corp := e.customer()
	sub, err := e.c.SubmitEnterpriseRealName(ctx, domain.CloudEnterpriseRealName{
		CustomerID: corp, CertificateType: 0, FileURLs: []string{"licence.pdf", "legal-front.jpg", "legal-back.jpg"},
		CorpName: "Storefront Test Co., Ltd.", Number: "91110000MA00000001", RegCountry: "CN", RegAddress: "Beijing",
		LegalPerson: &domain.CloudLegalPerson{Name: "Zhao Liu", IDNumber: "110101199001010033"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !sub.NeedsReview {
		t.Fatal("enterprise verification is reviewed")
	}
	e.review(corp, "approve", "")
	if rv, err := e.c.RealNameReview(ctx, corp); err != nil || rv.Status != domain.CloudReviewApproved {
		t.Fatalf("review: %v %+v", err, rv)
	}

	// Individual → enterprise.
	person := e.buyer("")
	sub, err = e.c.ChangeToEnterpriseRealName(ctx, domain.CloudEnterpriseRealName{
		CustomerID: person, CertificateType: 0, FileURLs: []string{"licence2.pdf"},
		CorpName: "Person Upgraded Ltd.", Number: "91110000MA00000002",
	})
	if err != nil {
		t.Fatal(err)
	}
	if !sub.NeedsReview {
		t.Fatal("a change is reviewed")
	}

	_, err = e.c.SubmitEnterpriseRealName(ctx, domain.CloudEnterpriseRealName{CustomerID: "not-ours", FileURLs: []string{"l.pdf"}, CorpName: "X Co", Number: "1"})
	wantErr(t, err, domain.CodeUpstreamNotFound, domain.OutcomeDefinite, "CBC.99000035")
	_, err = e.c.RealNameReview(ctx, "")
	wantErr(t, err, domain.CodeValidation, "", "")
}
