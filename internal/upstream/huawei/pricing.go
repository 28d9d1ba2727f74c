package huawei

import (
	"context"

	"github.com/shopspring/decimal"

	bss "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"

	"github.com/partnerlab/storefront/internal/domain"
)

// ListServiceTypes implements domain.CloudCatalog.
func (c *Client) ListServiceTypes(ctx context.Context, q domain.CloudCatalogQuery) (domain.CloudServiceTypePage, error) {
	resp, err := partnerBSS(ctx, c, readOp("ListServiceTypes"), func(cl *bss.BssClient) (*model.ListServiceTypesResponse, error) {
		return cl.ListServiceTypes(&model.ListServiceTypesRequest{
			XLanguage: optStr(q.Language), Limit: optInt(q.Limit), Offset: ptr(int32(q.Offset)), ServiceTypeName: optStr(q.Name),
		})
	})
	if err != nil {
		return domain.CloudServiceTypePage{}, err
	}
	page := domain.CloudServiceTypePage{Total: num(resp.TotalCount)}
	if resp.ServiceTypes != nil {
		for _, s := range *resp.ServiceTypes {
			page.Items = append(page.Items, domain.CloudServiceType{
				Code: str(s.ServiceTypeCode), Name: str(s.ServiceTypeName), Abbreviation: str(s.Abbreviation),
			})
		}
	}
	return page, nil
}

// ListResourceTypes implements domain.CloudCatalog.
func (c *Client) ListResourceTypes(ctx context.Context, q domain.CloudCatalogQuery) (domain.CloudResourceTypePage, error) {
	resp, err := partnerBSS(ctx, c, readOp("ListResourceTypes"), func(cl *bss.BssClient) (*model.ListResourceTypesResponse, error) {
		return cl.ListResourceTypes(&model.ListResourceTypesRequest{
			XLanguage: optStr(q.Language), Limit: optInt(q.Limit), Offset: ptr(int32(q.Offset)),
		})
	})
	if err != nil {
		return domain.CloudResourceTypePage{}, err
	}
	page := domain.CloudResourceTypePage{Total: num(resp.TotalCount)}
	if resp.ResourceTypes != nil {
		for _, r := range *resp.ResourceTypes {
			page.Items = append(page.Items, domain.CloudResourceType{
				Code: str(r.ResourceTypeCode), Name: str(r.ResourceTypeName),
				Description: str(r.ResourceTypeDesc), ServiceTypeCode: str(r.ServiceTypeCode),
			})
		}
	}
	return page, nil
}

// RateOnDemand implements domain.CloudPricing.
func (c *Client) RateOnDemand(ctx context.Context, customerID string, req domain.CloudOnDemandRating) (domain.CloudRating, error) {
	if err := ratingRequest(customerID, req.ProjectID, len(req.Items)); err != nil {
		return domain.CloudRating{}, err
	}
	infos := make([]model.DemandProductInfo, 0, len(req.Items))
	for _, it := range req.Items {
		usage := it.UsageValue
		infos = append(infos, model.DemandProductInfo{
			Id:               it.ID,
			CloudServiceType: it.Product.ServiceType,
			ResourceType:     it.Product.ResourceType,
			ResourceSpec:     it.Product.ResourceSpec,
			Region:           it.Product.Region,
			AvailableZone:    optStr(it.Product.AvailabilityZone),
			ResourceSize:     optInt(it.Product.Size),
			SizeMeasureId:    optInt(it.Product.SizeMeasureID),
			UsageFactor:      it.UsageFactor,
			UsageValue:       &usage,
			UsageMeasureId:   int32(it.UsageMeasureID),
			SubscriptionNum:  int32(max(it.Quantity, 1)),
		})
	}
	resp, err := customerBSS(ctx, c, readOp("ListOnDemandResourceRatings"), customerID, func(cl *bss.BssClient) (*model.ListOnDemandResourceRatingsResponse, error) {
		return cl.ListOnDemandResourceRatings(&model.ListOnDemandResourceRatingsRequest{Body: &model.RateOnDemandReq{
			ProjectId: req.ProjectID, ProductInfos: infos,
		}})
	})
	if err != nil {
		return domain.CloudRating{}, err
	}
	r := domain.CloudRating{
		Currency: currency(resp.Currency),
		Amount:   fen(resp.Amount),
		Official: fen(resp.OfficialWebsiteAmount),
		Discount: fen(resp.DiscountAmount),
	}
	if resp.ProductRatingResults != nil {
		for _, p := range *resp.ProductRatingResults {
			item := domain.CloudRatedItem{
				ID: str(p.Id), ProductID: str(p.ProductId),
				Amount: fen(p.Amount), Official: fen(p.OfficialWebsiteAmount), Discount: fen(p.DiscountAmount),
			}
			if p.DiscountRatingResults != nil {
				for _, d := range *p.DiscountRatingResults {
					item.Discounts = append(item.Discounts, domain.CloudRatedDiscount{
						ID: str(d.DiscountId), Type: num(d.DiscountType), Name: str(d.DiscountName), Amount: fen(d.Amount),
					})
				}
			}
			r.Items = append(r.Items, item)
		}
	}
	return r, nil
}

// RatePeriod implements domain.CloudPricing.
func (c *Client) RatePeriod(ctx context.Context, customerID string, req domain.CloudPeriodRating) (domain.CloudPeriodQuote, error) {
	if err := ratingRequest(customerID, req.ProjectID, len(req.Items)); err != nil {
		return domain.CloudPeriodQuote{}, err
	}
	infos := make([]model.PeriodProductInfo, 0, len(req.Items))
	for _, it := range req.Items {
		pt, err := ratingPeriod(it.Period)
		if err != nil {
			return domain.CloudPeriodQuote{}, err
		}
		infos = append(infos, model.PeriodProductInfo{
			Id:               it.ID,
			CloudServiceType: it.Product.ServiceType,
			ResourceType:     it.Product.ResourceType,
			ResourceSpec:     it.Product.ResourceSpec,
			Region:           it.Product.Region,
			AvailableZone:    optStr(it.Product.AvailabilityZone),
			ResourceSize:     optInt(it.Product.Size),
			SizeMeasureId:    optInt(it.Product.SizeMeasureID),
			PeriodType:       pt,
			PeriodNum:        int32(it.Periods),
			SubscriptionNum:  int32(max(it.Quantity, 1)),
		})
	}
	resp, err := customerBSS(ctx, c, readOp("ListRateOnPeriodDetail"), customerID, func(cl *bss.BssClient) (*model.ListRateOnPeriodDetailResponse, error) {
		return cl.ListRateOnPeriodDetail(&model.ListRateOnPeriodDetailRequest{Body: &model.RateOnPeriodReq{
			ProjectId: req.ProjectID, ProductInfos: infos,
		}})
	})
	if err != nil {
		return domain.CloudPeriodQuote{}, err
	}
	q := domain.CloudPeriodQuote{Currency: currency(resp.Currency)}
	q.Official.Currency = q.Currency
	if o := resp.OfficialWebsiteRatingResult; o != nil {
		q.Official.Amount = fen(o.OfficialWebsiteAmount)
		q.Official.Official = q.Official.Amount
		if o.ProductRatingResults != nil {
			for _, p := range *o.ProductRatingResults {
				a := fen(p.OfficialWebsiteAmount)
				q.Official.Items = append(q.Official.Items, domain.CloudRatedItem{ID: str(p.Id), ProductID: str(p.ProductId), Amount: a, Official: a})
			}
		}
	}
	if resp.OptionalDiscountRatingResults != nil {
		for _, d := range *resp.OptionalDiscountRatingResults {
			opt := domain.CloudDiscountOption{
				DiscountID: str(d.DiscountId), DiscountType: num(d.DiscountType), DiscountName: str(d.DiscountName),
				Best: num(d.BestOffer) == 1,
				Rating: domain.CloudRating{
					Currency: q.Currency, Amount: fen(d.Amount), Official: fen(d.OfficialWebsiteAmount), Discount: fen(d.DiscountAmount),
				},
			}
			if d.ProductRatingResults != nil {
				for _, p := range *d.ProductRatingResults {
					opt.Rating.Items = append(opt.Rating.Items, domain.CloudRatedItem{
						ID: str(p.Id), ProductID: str(p.ProductId),
						Amount: fen(p.Amount), Official: fen(p.OfficialWebsiteAmount), Discount: fen(p.DiscountAmount),
					})
				}
			}
			q.Options = append(q.Options, opt)
		}
	}
	return q, nil
}

// RateRenewal implements domain.CloudPricing. Its amounts are JSON strings.
func (c *Client) RateRenewal(ctx context.Context, customerID string, req domain.CloudRenewalRating) (domain.CloudRenewalQuote, error) {
	if err := required("customer id", customerID); err != nil {
		return domain.CloudRenewalQuote{}, err
	}
	if err := validCount("resource ids", len(req.ResourceIDs), 1, 10); err != nil {
		return domain.CloudRenewalQuote{}, err
	}
	pt, err := renewalPeriod(req.Period, req.Periods)
	if err != nil {
		return domain.CloudRenewalQuote{}, err
	}
	op := readOp("ListRenewRateOnPeriod")
	resp, err := customerBSS(ctx, c, op, customerID, func(cl *bss.BssClient) (*model.ListRenewRateOnPeriodResponse, error) {
		return cl.ListRenewRateOnPeriod(&model.ListRenewRateOnPeriodRequest{Body: &model.ListRenewRateOnPeriodReq{
			ResourceIds: req.ResourceIDs, PeriodType: pt, PeriodNum: int32(req.Periods),
			IncludeRelativeResources: ptr(req.IncludeRelated),
		}})
	})
	if err != nil {
		return domain.CloudRenewalQuote{}, err
	}
	bad := func() (domain.CloudRenewalQuote, error) {
		return domain.CloudRenewalQuote{}, c.fail(op, caller{customerID: customerID}, failure{status: resp.HttpStatusCode, undecoded: true}, nil)
	}
	q := domain.CloudRenewalQuote{Currency: currency(resp.Currency)}
	if resp.RenewInquiryResults != nil {
		for _, r := range *resp.RenewInquiryResults {
			a, ok := fenString(r.Amount)
			if !ok {
				return bad()
			}
			q.Resources = append(q.Resources, domain.CloudRenewalPrice{ResourceID: str(r.ResourceId), Amount: a})
		}
	}
	if o := resp.OfficialWebsiteRatingResult; o != nil {
		a, ok := fenString(o.OfficialWebsiteAmount)
		if !ok {
			return bad()
		}
		q.Official = a
	}
	if resp.OptionalDiscountRatingResults != nil {
		for _, d := range *resp.OptionalDiscountRatingResults {
			var amts [3]decimal.Decimal
			for i, s := range []*string{d.Amount, d.OfficialWebsiteAmount, d.DiscountAmount} {
				v, ok := fenString(s)
				if !ok {
					return bad()
				}
				amts[i] = v
			}
			q.Options = append(q.Options, domain.CloudDiscountOption{
				DiscountID: str(d.DiscountId), DiscountType: num(d.DiscountType), DiscountName: str(d.DiscountName),
				Best:   num(d.BestOffer) == 1,
				Rating: domain.CloudRating{Currency: q.Currency, Amount: amts[0], Official: amts[1], Discount: amts[2]},
			})
		}
	}
	q.Failures = resourceFailures(resp.FailResourceInfos)
	return q, nil
}

func ratingRequest(customerID, projectID string, items int) error {
	if err := required("customer id", customerID); err != nil {
		return err
	}
	if err := required("project id", projectID); err != nil {
		return err
	}
	return validCount("rating items", items, 1, 100)
}

func resourceFailures(f *[]model.FailResourceInfo) []domain.CloudItemFailure {
	if f == nil {
		return nil
	}
	out := make([]domain.CloudItemFailure, 0, len(*f))
	for _, e := range *f {
		out = append(out, domain.CloudItemFailure{ID: str(e.ResourceId), Code: str(e.ErrorCode), Message: snippet(str(e.ErrorMsg))})
	}
	return out
}
