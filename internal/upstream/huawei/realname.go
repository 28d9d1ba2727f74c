package huawei

import (
	"context"

	bss "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"

	"github.com/partnerlab/storefront/internal/domain"
)

// SubmitIndividualRealName implements domain.CloudRealName.
func (c *Client) SubmitIndividualRealName(ctx context.Context, req domain.CloudIndividualRealName) (domain.CloudRealNameSubmission, error) {
	if err := realNameCommon(req.CustomerID, req.FileURLs, req.Name, req.Number); err != nil {
		return domain.CloudRealNameSubmission{}, err
	}
	body := &model.ApplyIndividualRealnameAuthsReq{
		CustomerId:      req.CustomerID,
		IdentifyType:    0,
		VerifiedType:    optInt(req.VerifiedType),
		VerifiedFileUrl: req.FileURLs,
		Name:            req.Name,
		VerifiedNumber:  req.Number,
		ChangeType:      ptr(int32(-1)),
		XaccountType:    c.cfg.XAccountType,
	}
	if req.BankCard != nil {
		body.IdentifyType = 4
		body.VerifiedType = nil
		body.BankCardInfo = &model.BankCardInfoV2{
			BankAccount:      req.BankCard.Account,
			Areacode:         req.BankCard.AreaCode,
			Mobile:           req.BankCard.Mobile,
			VerificationCode: req.BankCard.VerificationCode,
		}
	}
	resp, err := partnerBSS(ctx, c, effectOp("CreatePersonalRealnameAuth"), func(cl *bss.BssClient) (*model.CreatePersonalRealnameAuthResponse, error) {
		return cl.CreatePersonalRealnameAuth(&model.CreatePersonalRealnameAuthRequest{Body: body})
	})
	if err != nil {
		return domain.CloudRealNameSubmission{}, err
	}
	return domain.CloudRealNameSubmission{NeedsReview: num(resp.IsReview) == 1}, nil
}

// SubmitEnterpriseRealName implements domain.CloudRealName.
func (c *Client) SubmitEnterpriseRealName(ctx context.Context, req domain.CloudEnterpriseRealName) (domain.CloudRealNameSubmission, error) {
	if err := realNameCommon(req.CustomerID, req.FileURLs, req.CorpName, req.Number); err != nil {
		return domain.CloudRealNameSubmission{}, err
	}
	body := &model.ApplyEnterpriseRealnameAuthsReq{
		CustomerId:       req.CustomerID,
		IdentifyType:     1,
		CertificateType:  ptr(int32(req.CertificateType)),
		VerifiedFileUrl:  req.FileURLs,
		CorpName:         req.CorpName,
		VerifiedNumber:   req.Number,
		RegCountry:       optStr(req.RegCountry),
		RegAddress:       optStr(req.RegAddress),
		XaccountType:     c.cfg.XAccountType,
		EnterprisePerson: legalPerson(req.LegalPerson),
	}
	resp, err := partnerBSS(ctx, c, effectOp("CreateEnterpriseRealnameAuthentication"), func(cl *bss.BssClient) (*model.CreateEnterpriseRealnameAuthenticationResponse, error) {
		return cl.CreateEnterpriseRealnameAuthentication(&model.CreateEnterpriseRealnameAuthenticationRequest{Body: body})
	})
	if err != nil {
		return domain.CloudRealNameSubmission{}, err
	}
	return domain.CloudRealNameSubmission{NeedsReview: num(resp.IsReview) == 1}, nil
}

// ChangeToEnterpriseRealName implements domain.CloudRealName.
func (c *Client) ChangeToEnterpriseRealName(ctx context.Context, req domain.CloudEnterpriseRealName) (domain.CloudRealNameSubmission, error) {
	if err := realNameCommon(req.CustomerID, req.FileURLs, req.CorpName, req.Number); err != nil {
		return domain.CloudRealNameSubmission{}, err
	}
	body := &model.ChangeEnterpriseRealnameAuthsReq{
		CustomerId:       req.CustomerID,
		IdentifyType:     1,
		CertificateType:  ptr(int32(req.CertificateType)),
		VerifiedFileUrl:  req.FileURLs,
		CorpName:         req.CorpName,
		VerifiedNumber:   req.Number,
		RegCountry:       optStr(req.RegCountry),
		RegAddress:       optStr(req.RegAddress),
		ChangeType:       1,
		XaccountType:     c.cfg.XAccountType,
		EnterprisePerson: legalPerson(req.LegalPerson),
	}
	resp, err := partnerBSS(ctx, c, effectOp("ChangeEnterpriseRealnameAuthentication"), func(cl *bss.BssClient) (*model.ChangeEnterpriseRealnameAuthenticationResponse, error) {
		return cl.ChangeEnterpriseRealnameAuthentication(&model.ChangeEnterpriseRealnameAuthenticationRequest{Body: body})
	})
	if err != nil {
		return domain.CloudRealNameSubmission{}, err
	}
	return domain.CloudRealNameSubmission{NeedsReview: num(resp.IsReview) == 1}, nil
}

// RealNameReview implements domain.CloudRealName.
func (c *Client) RealNameReview(ctx context.Context, customerID string) (domain.CloudRealNameReview, error) {
	if err := required("customer id", customerID); err != nil {
		return domain.CloudRealNameReview{}, err
	}
	op := readOp("ShowRealnameAuthenticationReviewResult")
	resp, err := partnerBSS(ctx, c, op, func(cl *bss.BssClient) (*model.ShowRealnameAuthenticationReviewResultResponse, error) {
		return cl.ShowRealnameAuthenticationReviewResult(&model.ShowRealnameAuthenticationReviewResultRequest{CustomerId: customerID})
	})
	if err != nil {
		return domain.CloudRealNameReview{}, err
	}
	var status domain.CloudReviewStatus
	switch {
	case resp.ReviewResult == nil:
		// review_result is sent "only if a request was submitted"
		// (docs/huawei-bss.md §2.4): a 200 without it is the answer for a
		// customer with no submission, not a broken body.
		status = domain.CloudReviewNeverSubmitted
	case *resp.ReviewResult == 0:
		status = domain.CloudReviewPending
	case *resp.ReviewResult == 1:
		status = domain.CloudReviewRejected
	case *resp.ReviewResult == 2:
		status = domain.CloudReviewApproved
	default:
		return domain.CloudRealNameReview{}, c.fail(op, caller{}, failure{status: resp.HttpStatusCode, undecoded: true}, nil)
	}
	return domain.CloudRealNameReview{Status: status, Opinion: snippet(str(resp.Opinion))}, nil
}

func realNameCommon(customerID string, files []string, name, number string) error {
	if err := required("customer id", customerID); err != nil {
		return err
	}
	if err := validCount("attachments", len(files), 1, 4); err != nil {
		return err
	}
	if err := required("name", name); err != nil {
		return err
	}
	return required("certificate number", number)
}

func legalPerson(p *domain.CloudLegalPerson) *model.EnterprisePersonNew {
	if p == nil {
		return nil
	}
	return &model.EnterprisePersonNew{LegelName: p.Name, LegelIdNumber: p.IDNumber, CertifierRole: ptr("legalPerson")}
}
