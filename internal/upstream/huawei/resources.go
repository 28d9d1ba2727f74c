package huawei

import (
	"context"

	bss "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"

	"github.com/partnerlab/storefront/internal/domain"
)

// ListCustomerResources implements domain.CloudResources: the partner's
// view (P credential with customer_id) of the misspelt
// /v2/orders/suscriptions/resources/query.
func (c *Client) ListCustomerResources(ctx context.Context, q domain.CloudResourceQuery) (domain.CloudResourcePage, error) {
	if err := required("customer id", q.CustomerID); err != nil {
		return domain.CloudResourcePage{}, err
	}
	if err := validCount("resource ids", len(q.ResourceIDs), 0, 50); err != nil {
		return domain.CloudResourcePage{}, err
	}
	body := &model.QueryResourcesReq{
		CustomerId:      &q.CustomerID,
		OrderId:         optStr(q.OrderID),
		ExpireTimeBegin: optTime(q.ExpiresFrom),
		ExpireTimeEnd:   optTime(q.ExpiresTo),
		ServiceTypeCode: optStr(q.ServiceTypeCode),
		Offset:          ptr(int32(q.Offset)),
		Limit:           optInt(q.Limit),
	}
	if len(q.ResourceIDs) > 0 {
		body.ResourceIds = &q.ResourceIDs
	}
	if q.OnlyMain {
		body.OnlyMainResource = ptr(int32(1))
	}
	if len(q.Statuses) > 0 {
		st := make([]int32, 0, len(q.Statuses))
		for _, s := range q.Statuses {
			st = append(st, int32(s))
		}
		body.StatusList = &st
	}
	resp, err := partnerBSS(ctx, c, readOp("ListPayPerUseCustomerResources"), func(cl *bss.BssClient) (*model.ListPayPerUseCustomerResourcesResponse, error) {
		return cl.ListPayPerUseCustomerResources(&model.ListPayPerUseCustomerResourcesRequest{Body: body})
	})
	if err != nil {
		return domain.CloudResourcePage{}, err
	}
	page := domain.CloudResourcePage{Total: num(resp.TotalCount)}
	if resp.Data != nil {
		for _, r := range *resp.Data {
			page.Resources = append(page.Resources, domain.CloudResource{
				ID:               str(r.Id),
				ResourceID:       str(r.ResourceId),
				Name:             str(r.ResourceName),
				Region:           str(r.RegionCode),
				ServiceTypeCode:  str(r.ServiceTypeCode),
				ResourceTypeCode: str(r.ResourceTypeCode),
				SpecCode:         str(r.ResourceSpecCode),
				ProjectID:        str(r.ProjectId),
				ProductID:        str(r.ProductId),
				ParentID:         str(r.ParentResourceId),
				Main:             num(r.IsMainResource) == 1,
				Status:           domain.CloudResourceStatus(num(r.Status)),
				EffectiveAt:      parseTime(r.EffectiveTime),
				ExpiresAt:        parseTime(r.ExpireTime),
				ExpirePolicy:     domain.CloudExpirePolicy(num(r.ExpirePolicy)),
				SpecDescription:  str(r.ProductSpecDesc),
				UpdatedAt:        parseTime(r.UpdateTime),
			})
		}
	}
	return page, nil
}

// RenewResources implements domain.CloudResources; is_auto_pay is always 0
// so payment stays a separate, explicit PayOrder.
func (c *Client) RenewResources(ctx context.Context, customerID string, req domain.CloudRenewal) (domain.CloudOrderResult, error) {
	if err := validCount("resource ids", len(req.ResourceIDs), 1, 10); err != nil {
		return domain.CloudOrderResult{}, err
	}
	pt, err := renewalPeriod(req.Period, req.Periods)
	if err != nil {
		return domain.CloudOrderResult{}, err
	}
	resp, err := customerBSS(ctx, c, effectOp("RenewalResources"), customerID, func(cl *bss.BssClient) (*model.RenewalResourcesResponse, error) {
		return cl.RenewalResources(&model.RenewalResourcesRequest{Body: &model.RenewalResourcesReq{
			ResourceIds: req.ResourceIDs, PeriodType: pt, PeriodNum: int32(req.Periods), IsAutoPay: ptr(int32(0)),
		}})
	})
	if err != nil {
		return domain.CloudOrderResult{}, err
	}
	return orderResult(resp.OrderIds, resp.FailResourceInfos), nil
}

// UnsubscribeResources implements domain.CloudResources.
func (c *Client) UnsubscribeResources(ctx context.Context, customerID string, req domain.CloudUnsubscription) (domain.CloudOrderResult, error) {
	if err := validCount("resource ids", len(req.ResourceIDs), 1, 10); err != nil {
		return domain.CloudOrderResult{}, err
	}
	if req.Kind != domain.CloudUnsubscribeResource && req.Kind != domain.CloudUnsubscribeRenewalsOnly {
		return domain.CloudOrderResult{}, domain.Errorf(domain.CodeValidation, "unsubscribe kind %d", req.Kind)
	}
	resp, err := customerBSS(ctx, c, effectOp("CancelResourcesSubscription"), customerID, func(cl *bss.BssClient) (*model.CancelResourcesSubscriptionResponse, error) {
		return cl.CancelResourcesSubscription(&model.CancelResourcesSubscriptionRequest{Body: &model.UnsubscribeResourcesReq{
			ResourceIds: req.ResourceIDs, UnsubscribeType: int32(req.Kind),
			UnsubscribeReasonType: optInt(req.ReasonType), UnsubscribeReason: optStr(req.Reason),
		}})
	})
	if err != nil {
		return domain.CloudOrderResult{}, err
	}
	return orderResult(resp.OrderIds, resp.FailResourceInfos), nil
}

func orderResult(ids *[]string, fails *[]model.FailResourceInfo) domain.CloudOrderResult {
	var r domain.CloudOrderResult
	if ids != nil {
		r.OrderIDs = append(r.OrderIDs, *ids...)
	}
	r.Failures = resourceFailures(fails)
	return r
}

// SetAutoRenew implements domain.CloudResources.
func (c *Client) SetAutoRenew(ctx context.Context, customerID string, req domain.CloudAutoRenew) error {
	if err := required("resource id", req.ResourceID); err != nil {
		return err
	}
	if req.Times < 0 || req.Times > 99 {
		return domain.Errorf(domain.CodeValidation, "auto-renew times %d: 0–99", req.Times)
	}
	body := &model.AutoRenewalResourcesReq{AutoRenewTimes: ptr(int32(req.Times))}
	switch req.Period {
	case "":
	case domain.CloudPeriodMonth, domain.CloudPeriodYear:
		var pt model.AutoRenewalResourcesReqPeriodType
		v := "MONTH"
		if req.Period == domain.CloudPeriodYear {
			v = "YEAR"
		}
		if err := pt.UnmarshalJSON([]byte(`"` + v + `"`)); err != nil {
			return domain.Wrap(err, domain.CodeInternal, "auto-renew period")
		}
		body.PeriodType = &pt
	default:
		return domain.Errorf(domain.CodeValidation, "auto-renew period %q: month or year", req.Period)
	}
	_, err := customerBSS(ctx, c, effectOp("AutoRenewalResources"), customerID, func(cl *bss.BssClient) (*model.AutoRenewalResourcesResponse, error) {
		return cl.AutoRenewalResources(&model.AutoRenewalResourcesRequest{ResourceId: req.ResourceID, Body: body})
	})
	return err
}

// CancelAutoRenew implements domain.CloudResources.
func (c *Client) CancelAutoRenew(ctx context.Context, customerID, resourceID string) error {
	if err := required("resource id", resourceID); err != nil {
		return err
	}
	_, err := customerBSS(ctx, c, effectOp("CancelAutoRenewalResources"), customerID, func(cl *bss.BssClient) (*model.CancelAutoRenewalResourcesResponse, error) {
		return cl.CancelAutoRenewalResources(&model.CancelAutoRenewalResourcesRequest{ResourceId: resourceID})
	})
	return err
}

// SetExpireToOnDemand implements domain.CloudResources.
func (c *Client) SetExpireToOnDemand(ctx context.Context, customerID string, resourceIDs []string, enable bool) ([]domain.CloudItemFailure, error) {
	if err := validCount("resource ids", len(resourceIDs), 1, 100); err != nil {
		return nil, err
	}
	operation := "CANCEL"
	if enable {
		operation = "SET_UP"
	}
	resp, err := customerBSS(ctx, c, effectOp("UpdatePeriodToOnDemand"), customerID, func(cl *bss.BssClient) (*model.UpdatePeriodToOnDemandResponse, error) {
		return cl.UpdatePeriodToOnDemand(&model.UpdatePeriodToOnDemandRequest{Body: &model.PeriodToOnDemandReq{
			Operation: operation, ResourceIds: resourceIDs,
		}})
	})
	if err != nil {
		return nil, err
	}
	if resp.ErrorDetails == nil {
		return nil, nil
	}
	out := make([]domain.CloudItemFailure, 0, len(*resp.ErrorDetails))
	for _, e := range *resp.ErrorDetails {
		out = append(out, domain.CloudItemFailure{ID: str(e.Id), Code: str(e.ErrorCode), Message: snippet(str(e.ErrorMsg))})
	}
	return out, nil
}
