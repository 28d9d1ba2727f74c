package huawei

import (
	"context"
	"errors"
	"time"

	bss "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"
	bssintl "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bssintl/v2"
	intlmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bssintl/v2/model"

	"github.com/partnerlab/storefront/internal/domain"
)

// CheckUserIdentity implements domain.CloudCustomers.
func (c *Client) CheckUserIdentity(ctx context.Context, q domain.CloudIdentityCheck) (domain.CloudIdentityCheckResult, error) {
	switch q.Kind {
	case domain.CloudIdentityName, domain.CloudIdentityMobile, domain.CloudIdentityEmail:
	default:
		return domain.CloudIdentityCheckResult{}, domain.Errorf(domain.CodeValidation, "identity kind %q is not name, mobile or email", q.Kind)
	}
	if err := required("identity value", q.Value); err != nil {
		return domain.CloudIdentityCheckResult{}, err
	}
	op := readOp("CheckUserIdentity")
	resp, err := partnerBSS(ctx, c, op, func(cl *bss.BssClient) (*model.CheckUserIdentityResponse, error) {
		return cl.CheckUserIdentity(&model.CheckUserIdentityRequest{Body: &model.CheckSubcustomerUserReq{
			SearchType: string(q.Kind), SearchValue: q.Value,
		}})
	})
	if err != nil {
		return domain.CloudIdentityCheckResult{}, err
	}
	if code := str(resp.ErrorCode); code != "" && code != "CBC.0000" {
		return domain.CloudIdentityCheckResult{}, c.fail(op, caller{}, failure{status: resp.HttpStatusCode, code: code, msg: snippet(str(resp.ErrorMsg))}, nil)
	}
	res := domain.CloudIdentityCheckResult{MobileRemaining: -1}
	switch str(resp.CheckResult) {
	case "available":
		res.Available = true
	case "used_by_user":
	default:
		return domain.CloudIdentityCheckResult{}, c.fail(op, caller{}, failure{status: resp.HttpStatusCode, undecoded: true}, nil)
	}
	if resp.MobileRemainAvailableNum != nil {
		res.MobileRemaining = int(*resp.MobileRemainAvailableNum)
	}
	return res, nil
}

// SendVerificationCode implements domain.CloudCustomers.
func (c *Client) SendVerificationCode(ctx context.Context, req domain.CloudVerificationCodeRequest) error {
	if err := required("mobile", req.Mobile); err != nil {
		return err
	}
	scene := req.Scene
	if scene == 0 {
		scene = domain.CloudSMSRegister
	}
	if scene == domain.CloudSMSBankCardRealName && req.CustomerID == "" {
		return domain.Errorf(domain.CodeValidation, "customer id is required for a bank-card verification code")
	}
	body := &model.SendVerificationCodeV2Req{
		ReceiverType: 1,
		MobilePhone:  req.Mobile,
		Lang:         optStr(req.Lang),
		Scene:        ptr(int32(scene)),
		CustomerId:   optStr(req.CustomerID),
	}
	if req.Validity > 0 {
		body.Timeout = ptr(int32(max(req.Validity.Round(time.Minute)/time.Minute, 1)))
	}
	_, err := partnerBSS(ctx, c, effectOp("SendVerificationMessageCode"), func(cl *bss.BssClient) (*model.SendVerificationMessageCodeResponse, error) {
		return cl.SendVerificationMessageCode(&model.SendVerificationMessageCodeRequest{Body: body})
	})
	return err
}

// CreateSubCustomer implements domain.CloudCustomers, including the half
// success documented there.
func (c *Client) CreateSubCustomer(ctx context.Context, req domain.CloudNewSubCustomer) (domain.CloudCreatedSubCustomer, error) {
	if err := required("xaccount id", req.XAccountID); err != nil {
		return domain.CloudCreatedSubCustomer{}, err
	}
	if req.Mobile != "" && req.VerificationCode == "" {
		return domain.CloudCreatedSubCustomer{}, domain.Errorf(domain.CodeValidation, "a mobile needs its verification code")
	}
	body := &model.CreateCustomerV2Req{
		XaccountId:       req.XAccountID,
		XaccountType:     c.cfg.XAccountType,
		DomainName:       optStr(req.DomainName),
		MobilePhone:      optStr(req.Mobile),
		VerificationCode: optStr(req.VerificationCode),
		Password:         optStr(req.Password),
	}
	if req.CloseMarketing {
		body.IsCloseMarketMs = ptr("true")
	}
	var half huaweiBody
	op := effectOp("CreateSubCustomer")
	resp, err := partnerBSS(ctx, c, op, func(cl *bss.BssClient) (*model.CreateSubCustomerResponse, error) {
		resp, err := cl.CreateSubCustomer(&model.CreateSubCustomerRequest{Body: body})
		var he *httpError
		if errors.As(err, &he) && he.status >= 500 {
			half = parseBody(he.body)
		}
		return resp, err
	})
	if err != nil {
		if half.code == "CBC.99000050" && half.domainID != "" {
			return domain.CloudCreatedSubCustomer{DomainID: half.domainID, DomainName: half.domainName}, err
		}
		return domain.CloudCreatedSubCustomer{}, err
	}
	if str(resp.DomainId) == "" {
		// 200 without the id: something was probably created; we cannot say what.
		return domain.CloudCreatedSubCustomer{}, c.fail(op, caller{}, failure{status: resp.HttpStatusCode, undecoded: true}, nil)
	}
	return domain.CloudCreatedSubCustomer{DomainID: *resp.DomainId, DomainName: str(resp.DomainName)}, nil
}

// ListSubCustomers implements domain.CloudCustomers.
func (c *Client) ListSubCustomers(ctx context.Context, q domain.CloudSubCustomerQuery) (domain.CloudSubCustomerPage, error) {
	if q.Limit < 0 || q.Limit > 100 || q.Offset < 0 {
		return domain.CloudSubCustomerPage{}, domain.Errorf(domain.CodeValidation, "limit 1–100 and a non-negative offset")
	}
	resp, err := partnerBSS(ctx, c, readOp("ListSubCustomers"), func(cl *bss.BssClient) (*model.ListSubCustomersResponse, error) {
		return cl.ListSubCustomers(&model.ListSubCustomersRequest{Body: &model.QuerySubCustomerListReq{
			AccountName: optStr(q.AccountName),
			CustomerId:  optStr(q.CustomerID),
			Offset:      ptr(int32(q.Offset)),
			Limit:       optInt(q.Limit),
		}})
	})
	if err != nil {
		return domain.CloudSubCustomerPage{}, err
	}
	page := domain.CloudSubCustomerPage{Total: num(resp.Count)}
	if resp.CustomerInfos != nil {
		for _, ci := range *resp.CustomerInfos {
			page.Customers = append(page.Customers, subCustomer(ci))
		}
	}
	return page, nil
}

func subCustomer(ci model.CustomerInformation) domain.CloudSubCustomer {
	status := domain.CloudRealNameNone
	switch str(ci.VerifiedStatus) {
	case "0":
		status = domain.CloudRealNameReviewing
	case "1":
		status = domain.CloudRealNameRejected
	case "2":
		status = domain.CloudRealNameVerified
	}
	return domain.CloudSubCustomer{
		DomainID:       ci.CustomerId,
		AccountName:    ci.AccountName,
		RealName:       str(ci.Customer),
		AssociatedAt:   parseTime(ci.AssociatedOn),
		Reseller:       str(ci.AssociationType) == "2",
		Label:          str(ci.Label),
		Phone:          str(ci.Telephone),
		Email:          str(ci.Email),
		RealNameStatus: status,
		Enterprise:     num(ci.CustomerType) == 1,
		Frozen:         num(ci.IsFrozen) != 0,
		XAccountID:     str(ci.XaccountId),
		XAccountType:   str(ci.XaccountType),
		Level:          str(ci.CustomerLevel),
	}
}

// FreezeCustomers implements domain.CloudCustomers (bssintl models on the
// China endpoint: bss/v2 lacks the operation).
func (c *Client) FreezeCustomers(ctx context.Context, req domain.CloudFreezeRequest) ([]domain.CloudItemFailure, error) {
	scope, err := freezeScope(req)
	if err != nil {
		return nil, err
	}
	var ft intlmodel.FreezeSubCustomersReqFreezeType
	if err := ft.UnmarshalJSON([]byte(`"` + scope + `"`)); err != nil {
		return nil, domain.Wrap(err, domain.CodeInternal, "freeze type")
	}
	resp, err := partnerBSSIntl(ctx, c, effectOp("FreezeSubCustomers"), func(cl *bssintl.BssintlClient) (*intlmodel.FreezeSubCustomersResponse, error) {
		return cl.FreezeSubCustomers(&intlmodel.FreezeSubCustomersRequest{Body: &intlmodel.FreezeSubCustomersReq{
			CustomerIds: req.CustomerIDs, Reason: req.Reason, FreezeType: &ft,
		}})
	})
	if err != nil {
		return nil, err
	}
	return customerFailures(resp.ErrorDetails), nil
}

// UnfreezeCustomers implements domain.CloudCustomers.
func (c *Client) UnfreezeCustomers(ctx context.Context, req domain.CloudFreezeRequest) ([]domain.CloudItemFailure, error) {
	scope, err := freezeScope(req)
	if err != nil {
		return nil, err
	}
	var ut intlmodel.UnfreezeSubCustomersReqUnfreezeType
	if err := ut.UnmarshalJSON([]byte(`"` + scope + `"`)); err != nil {
		return nil, domain.Wrap(err, domain.CodeInternal, "unfreeze type")
	}
	resp, err := partnerBSSIntl(ctx, c, effectOp("UnfreezeSubCustomers"), func(cl *bssintl.BssintlClient) (*intlmodel.UnfreezeSubCustomersResponse, error) {
		return cl.UnfreezeSubCustomers(&intlmodel.UnfreezeSubCustomersRequest{Body: &intlmodel.UnfreezeSubCustomersReq{
			CustomerIds: req.CustomerIDs, Reason: req.Reason, UnfreezeType: &ut,
		}})
	})
	if err != nil {
		return nil, err
	}
	return customerFailures(resp.ErrorDetails), nil
}

func freezeScope(req domain.CloudFreezeRequest) (string, error) {
	if err := validCount("customer ids", len(req.CustomerIDs), 1, 10); err != nil {
		return "", err
	}
	if err := required("reason", req.Reason); err != nil {
		return "", err
	}
	switch req.Scope {
	case "":
		return string(domain.CloudFreezeAccount), nil
	case domain.CloudFreezeAccount, domain.CloudFreezeAccountAndResources:
		return string(req.Scope), nil
	}
	return "", domain.Errorf(domain.CodeValidation, "freeze scope %q", req.Scope)
}

func customerFailures(d *[]intlmodel.CustomerErrorDetail) []domain.CloudItemFailure {
	if d == nil {
		return nil
	}
	out := make([]domain.CloudItemFailure, 0, len(*d))
	for _, e := range *d {
		out = append(out, domain.CloudItemFailure{ID: str(e.Id), Code: str(e.ErrorCode), Message: snippet(str(e.ErrorMsg))})
	}
	return out
}
