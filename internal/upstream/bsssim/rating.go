package bsssim

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/shopspring/decimal"
)

// Ratings (docs/huawei-bss.md §3.2–§3.4). All three take the customer's
// credential only; the framework refuses the partner's with 403 CBC.0151.

func (s *Server) ratingOps() []op {
	return []op{
		{Name: "ListOnDemandResourceRatings", Method: http.MethodPost, Path: "/v2/bills/ratings/on-demand-resources", Creds: credCustomer, Limit: 20, Handle: s.rateOnDemand},
		{Name: "ListRateOnPeriodDetail", Method: http.MethodPost, Path: "/v2/bills/ratings/period-resources/subscribe-rate", Creds: credCustomer, Limit: 30, Handle: s.rateOnPeriod},
		{Name: "ListRenewRateOnPeriod", Method: http.MethodPost, Path: "/v2/bills/ratings/period-resources/renew-rate", Creds: credCustomer, Limit: 10, Handle: s.rateRenew},
	}
}

// Usage measures the on-demand rating accepts (ListMeasureUnits ids).
const (
	measureHour = 4
	measureDay  = 5
)

// checkProject requires the project to be one of the caller's.
func (s *Server) checkProject(c *call, projectID string) *apiError {
	if projectID == "" || len(projectID) > 64 {
		return paramErr("project_id", "is required (max 64 characters)")
	}
	if owner, ok := s.projectOwner(projectID); !ok || owner != c.Caller.CustomerID {
		return cbcErr(http.StatusBadRequest, "CBC.99006073", "The project does not exist.")
	}
	return nil
}

// productFor resolves the four product keys of a rating item.
func (s *Server) productFor(item int, id, svc, rt, spec, region string, size, measure *int32) (*product, int, *apiError) {
	if id == "" || len(id) > 64 {
		return nil, 0, paramErr(fmt.Sprintf("product_infos[%d].id", item), "is required (max 64 characters)")
	}
	for _, f := range [][2]string{{"cloud_service_type", svc}, {"resource_type", rt}, {"resource_spec", spec}, {"region", region}} {
		if f[1] == "" || len(f[1]) > 400 {
			return nil, 0, paramErr(fmt.Sprintf("product_infos[%d].%s", item, f[0]), "is required (max 400 characters)")
		}
	}
	p, ok := s.com.book.lookup(svc, rt, spec, region)
	if !ok {
		return nil, 0, cbcErr(http.StatusBadRequest, "CBC.99006006",
			fmt.Sprintf("The product does not exist (id %s: %s / %s / %s in %s).", id, svc, rt, spec, region))
	}
	if !p.Linear {
		return p, 1, nil
	}
	if size == nil || measure == nil {
		return nil, 0, paramErr(fmt.Sprintf("product_infos[%d].resource_size", item), "and size_measure_id are required for a linear product")
	}
	if int(*measure) != p.SizeMeasureID {
		return nil, 0, paramErr(fmt.Sprintf("product_infos[%d].size_measure_id", item), fmt.Sprintf("must be %d for %s", p.SizeMeasureID, p.Spec))
	}
	if int(*size) < p.MinSize || int(*size) > p.MaxSize {
		return nil, 0, paramErr(fmt.Sprintf("product_infos[%d].resource_size", item), fmt.Sprintf("must be from %d to %d", p.MinSize, p.MaxSize))
	}
	return p, int(*size), nil
}

// --- ListOnDemandResourceRatings ---

type demandProductInfo struct {
	ID               string           `json:"id"`
	CloudServiceType string           `json:"cloud_service_type"`
	ResourceType     string           `json:"resource_type"`
	ResourceSpec     string           `json:"resource_spec"`
	Region           string           `json:"region"`
	AvailableZone    *string          `json:"available_zone"`
	ResourceSize     *int32           `json:"resource_size"`
	SizeMeasureID    *int32           `json:"size_measure_id"`
	UsageFactor      string           `json:"usage_factor"`
	UsageValue       *decimal.Decimal `json:"usage_value"`
	UsageMeasureID   int32            `json:"usage_measure_id"`
	SubscriptionNum  int32            `json:"subscription_num"`
}

type demandDiscountJSON struct {
	DiscountID   string  `json:"discount_id"`
	DiscountType int     `json:"discount_type"`
	Amount       jsonNum `json:"amount"`
	MeasureID    int     `json:"measure_id"`
	DiscountName string  `json:"discount_name"`
}

type demandResultJSON struct {
	ID                    string               `json:"id"`
	ProductID             string               `json:"product_id"`
	Amount                jsonNum              `json:"amount"`
	DiscountAmount        jsonNum              `json:"discount_amount"`
	OfficialWebsiteAmount jsonNum              `json:"official_website_amount"`
	MeasureID             int                  `json:"measure_id"`
	DiscountRatingResults []demandDiscountJSON `json:"discount_rating_results"`
}

func (s *Server) rateOnDemand(c *call) (any, *apiError) {
	var req struct {
		ProjectID        string              `json:"project_id"`
		InquiryPrecision *int32              `json:"inquiry_precision"`
		ProductInfos     []demandProductInfo `json:"product_infos"`
	}
	if aerr := c.Decode(&req); aerr != nil {
		return nil, aerr
	}
	if aerr := s.checkProject(c, req.ProjectID); aerr != nil {
		return nil, aerr
	}
	places := int32(6)
	if req.InquiryPrecision != nil {
		switch *req.InquiryPrecision {
		case 0:
		case 1:
			places = 10
		default:
			return nil, paramErr("inquiry_precision", "must be 0 or 1")
		}
	}
	if len(req.ProductInfos) == 0 || len(req.ProductInfos) > 100 {
		return nil, paramErr("product_infos", "must hold 1 to 100 items")
	}
	disc, hasDisc := s.com.discountFor(c.Caller.CustomerID)
	seen := map[string]bool{}
	var total, totalOfficial decimal.Decimal
	results := make([]demandResultJSON, 0, len(req.ProductInfos))
	for i, it := range req.ProductInfos {
		if seen[it.ID] {
			return nil, paramErr(fmt.Sprintf("product_infos[%d].id", i), "is not unique in the request")
		}
		seen[it.ID] = true
		p, size, aerr := s.productFor(i, it.ID, it.CloudServiceType, it.ResourceType, it.ResourceSpec, it.Region, it.ResourceSize, it.SizeMeasureID)
		if aerr != nil {
			return nil, aerr
		}
		if !strings.EqualFold(it.UsageFactor, "Duration") {
			return nil, cbcErr(http.StatusBadRequest, "CBC.99006074", fmt.Sprintf("The usage factor %q does not exist for %s.", it.UsageFactor, p.Spec))
		}
		var hours decimal.Decimal
		switch it.UsageMeasureID {
		case measureHour:
			hours = decimal.NewFromInt(1)
		case measureDay:
			hours = decimal.NewFromInt(24)
		default:
			return nil, cbcErr(http.StatusBadRequest, "CBC.99006050", fmt.Sprintf("The usage unit %d is wrong (4 hour, 5 day).", it.UsageMeasureID))
		}
		if it.UsageValue == nil || !it.UsageValue.IsPositive() {
			return nil, paramErr(fmt.Sprintf("product_infos[%d].usage_value", i), "must be greater than 0")
		}
		if it.SubscriptionNum < 1 {
			return nil, paramErr(fmt.Sprintf("product_infos[%d].subscription_num", i), "must be at least 1")
		}
		official := p.Hourly.Mul(hours).Mul(*it.UsageValue).Mul(decimal.NewFromInt(int64(size) * int64(it.SubscriptionNum))).Round(places)
		if official.GreaterThan(decimal.NewFromInt(1_000_000_000)) {
			return nil, cbcErr(http.StatusBadRequest, "CBC.99006055", "The rating result exceeds the amount limit.")
		}
		amount := official
		discounts := []demandDiscountJSON{}
		if hasDisc {
			amount = applyDiscount(official, disc.PercentOff, places)
			discounts = append(discounts, demandDiscountJSON{
				DiscountID: disc.DiscountID, DiscountType: disc.DiscountType, Amount: jsonNum(official.Sub(amount)),
				MeasureID: measureYuan, DiscountName: disc.Name,
			})
		}
		total, totalOfficial = total.Add(amount), totalOfficial.Add(official)
		results = append(results, demandResultJSON{
			ID: it.ID, ProductID: p.ProductID, Amount: jsonNum(amount), DiscountAmount: jsonNum(official.Sub(amount)),
			OfficialWebsiteAmount: jsonNum(official), MeasureID: measureYuan, DiscountRatingResults: discounts,
		})
	}
	return map[string]any{
		"amount":                  jsonNum(total),
		"discount_amount":         jsonNum(totalOfficial.Sub(total)),
		"official_website_amount": jsonNum(totalOfficial),
		"measure_id":              measureYuan,
		"currency":                s.com.book.Currency,
		"product_rating_results":  results,
	}, nil
}

// --- ListRateOnPeriodDetail ---

type periodProductInfo struct {
	ID                 string  `json:"id"`
	CloudServiceType   string  `json:"cloud_service_type"`
	ResourceType       string  `json:"resource_type"`
	ResourceSpec       string  `json:"resource_spec"`
	Region             string  `json:"region"`
	AvailableZone      *string `json:"available_zone"`
	ResourceSize       *int32  `json:"resource_size"`
	SizeMeasureID      *int32  `json:"size_measure_id"`
	PeriodType         int32   `json:"period_type"`
	PeriodNum          int32   `json:"period_num"`
	SubscriptionNum    int32   `json:"subscription_num"`
	FeeInstallmentMode *string `json:"fee_installment_mode"`
}

type officialProductJSON struct {
	ID                    string  `json:"id"`
	ProductID             string  `json:"product_id"`
	OfficialWebsiteAmount jsonNum `json:"official_website_amount"`
	MeasureID             int     `json:"measure_id"`
}

type periodProductJSON struct {
	ID                    string  `json:"id"`
	ProductID             string  `json:"product_id"`
	Amount                jsonNum `json:"amount"`
	OfficialWebsiteAmount jsonNum `json:"official_website_amount"`
	DiscountAmount        jsonNum `json:"discount_amount"`
	MeasureID             int     `json:"measure_id"`
}

type optionalDiscountJSON struct {
	DiscountID            string              `json:"discount_id"`
	Amount                jsonNum             `json:"amount"`
	OfficialWebsiteAmount jsonNum             `json:"official_website_amount"`
	DiscountAmount        jsonNum             `json:"discount_amount"`
	MeasureID             int                 `json:"measure_id"`
	DiscountType          int                 `json:"discount_type"`
	DiscountName          string              `json:"discount_name"`
	BestOffer             int                 `json:"best_offer"`
	ProductRatingResults  []periodProductJSON `json:"product_rating_results"`
}

// checkPeriod validates a subscription period. Months up to 11 and years
// up to 3 are the renewal ranges (§5.3); the create APIs are stricter.
func checkPeriod(field string, periodType, periodNum int32) *apiError {
	switch periodType {
	case periodMonth:
		if periodNum < 1 || periodNum > 11 {
			return paramErr(field+"period_num", "must be from 1 to 11 for months")
		}
	case periodYear:
		if periodNum < 1 || periodNum > 3 {
			return paramErr(field+"period_num", "must be from 1 to 3 for years")
		}
	default:
		return paramErr(field+"period_type", "must be 2 (month) or 3 (year)")
	}
	return nil
}

func (s *Server) rateOnPeriod(c *call) (any, *apiError) {
	var req struct {
		ProjectID    string              `json:"project_id"`
		ProductInfos []periodProductInfo `json:"product_infos"`
	}
	if aerr := c.Decode(&req); aerr != nil {
		return nil, aerr
	}
	if aerr := s.checkProject(c, req.ProjectID); aerr != nil {
		return nil, aerr
	}
	if len(req.ProductInfos) == 0 || len(req.ProductInfos) > 100 {
		return nil, paramErr("product_infos", "must hold 1 to 100 items")
	}
	disc, hasDisc := s.com.discountFor(c.Caller.CustomerID)
	pct := s.com.percentOff(c.Caller.CustomerID)
	seen := map[string]bool{}
	var total, totalOfficial decimal.Decimal
	official := make([]officialProductJSON, 0, len(req.ProductInfos))
	discounted := make([]periodProductJSON, 0, len(req.ProductInfos))
	for i, it := range req.ProductInfos {
		if seen[it.ID] {
			return nil, paramErr(fmt.Sprintf("product_infos[%d].id", i), "is not unique in the request")
		}
		seen[it.ID] = true
		p, size, aerr := s.productFor(i, it.ID, it.CloudServiceType, it.ResourceType, it.ResourceSpec, it.Region, it.ResourceSize, it.SizeMeasureID)
		if aerr != nil {
			return nil, aerr
		}
		if it.PeriodType == periodDay || it.PeriodType == periodHour {
			// The book sells by month and year only: a day/hour period
			// names a product that does not exist.
			return nil, cbcErr(http.StatusBadRequest, "CBC.99006006", fmt.Sprintf("The product does not exist for period type %d (id %s).", it.PeriodType, it.ID))
		}
		if aerr := checkPeriod(fmt.Sprintf("product_infos[%d].", i), it.PeriodType, it.PeriodNum); aerr != nil {
			return nil, aerr
		}
		if it.SubscriptionNum < 1 {
			return nil, paramErr(fmt.Sprintf("product_infos[%d].subscription_num", i), "must be at least 1")
		}
		pr, _ := ratePeriod(p, int(it.PeriodType), int(it.PeriodNum), size, int(it.SubscriptionNum), pct)
		total, totalOfficial = total.Add(pr.Amount), totalOfficial.Add(pr.Official)
		official = append(official, officialProductJSON{ID: it.ID, ProductID: p.ProductID, OfficialWebsiteAmount: jsonNum(pr.Official), MeasureID: measureYuan})
		discounted = append(discounted, periodProductJSON{
			ID: it.ID, ProductID: p.ProductID, Amount: jsonNum(pr.Amount), OfficialWebsiteAmount: jsonNum(pr.Official),
			DiscountAmount: jsonNum(pr.Discount()), MeasureID: measureYuan,
		})
	}
	optional := []optionalDiscountJSON{}
	if hasDisc {
		optional = append(optional, optionalDiscountJSON{
			DiscountID: disc.DiscountID, Amount: jsonNum(total), OfficialWebsiteAmount: jsonNum(totalOfficial),
			DiscountAmount: jsonNum(totalOfficial.Sub(total)), MeasureID: measureYuan, DiscountType: disc.DiscountType,
			DiscountName: disc.Name, BestOffer: 1, ProductRatingResults: discounted,
		})
	}
	return map[string]any{
		"official_website_rating_result": map[string]any{
			"official_website_amount": jsonNum(totalOfficial),
			"measure_id":              measureYuan,
			"product_rating_results":  official,
		},
		"optional_discount_rating_results": optional,
		"currency":                         s.com.book.Currency,
	}, nil
}

// --- ListRenewRateOnPeriod ---

type failResourceJSON struct {
	ResourceID string `json:"resource_id"`
	ErrorCode  string `json:"error_code"`
	ErrorMsg   string `json:"error_msg"`
}

type renewResultJSON struct {
	ResourceID string `json:"resource_id"`
	Amount     string `json:"amount"`
}

type optionalDiscountV2JSON struct {
	DiscountID            string `json:"discount_id"`
	Amount                string `json:"amount"`
	OfficialWebsiteAmount string `json:"official_website_amount"`
	DiscountAmount        string `json:"discount_amount"`
	DiscountType          int    `json:"discount_type"`
	DiscountName          string `json:"discount_name"`
	BestOffer             int    `json:"best_offer"`
}

func (s *Server) rateRenew(c *call) (any, *apiError) {
	var req struct {
		ResourceIDs              []string `json:"resource_ids"`
		PeriodType               int32    `json:"period_type"`
		PeriodNum                int32    `json:"period_num"`
		IncludeRelativeResources *bool    `json:"include_relative_resources"`
	}
	if aerr := c.Decode(&req); aerr != nil {
		return nil, aerr
	}
	if len(req.ResourceIDs) == 0 || len(req.ResourceIDs) > 10 {
		return nil, paramErr("resource_ids", "must hold 1 to 10 ids")
	}
	if aerr := checkPeriod("", req.PeriodType, req.PeriodNum); aerr != nil {
		return nil, aerr
	}
	seen := map[string]bool{}
	for _, id := range req.ResourceIDs {
		if seen[id] {
			return nil, cbcErr(http.StatusBadRequest, "CBC.30050012", "Duplicate resource id "+id+".")
		}
		seen[id] = true
	}
	disc, hasDisc := s.com.discountFor(c.Caller.CustomerID)
	var total, totalOfficial decimal.Decimal
	results := []renewResultJSON{}
	fails := []failResourceJSON{}
	for _, id := range req.ResourceIDs {
		r, ok := s.com.resource(id)
		switch {
		case !ok || r.Deleted || r.CustomerID != c.Caller.CustomerID:
			fails = append(fails, failResourceJSON{id, "CBC.30050009", "The resources do not exist or has been deleted due to expiration."})
			continue
		case !r.IsMain:
			fails = append(fails, failResourceJSON{id, "CBC.30050007", "It is not a primary resource, and the renewal quotation is not allowed."})
			continue
		case r.PendingOrderID != "":
			fails = append(fails, failResourceJSON{id, "CBC.30050010", "This operation is not allowed because some resources are included in the unpaid orders."})
			continue
		case r.Status == resClosed:
			fails = append(fails, failResourceJSON{id, "CBC.30050013", "The product cannot be renewed."})
			continue
		}
		lines, aerr := s.renewalLines(s.com.group(r), int(req.PeriodType), int(req.PeriodNum))
		if aerr != nil {
			return nil, aerr
		}
		var amount decimal.Decimal
		for _, l := range lines {
			amount = amount.Add(l.Amount)
			totalOfficial = totalOfficial.Add(l.Official)
		}
		total = total.Add(amount)
		results = append(results, renewResultJSON{ResourceID: id, Amount: money(amount)})
	}
	optional := []optionalDiscountV2JSON{}
	if hasDisc && len(results) > 0 {
		optional = append(optional, optionalDiscountV2JSON{
			DiscountID: disc.DiscountID, Amount: money(total), OfficialWebsiteAmount: money(totalOfficial),
			DiscountAmount: money(totalOfficial.Sub(total)), DiscountType: disc.DiscountType, DiscountName: disc.Name, BestOffer: 1,
		})
	}
	return map[string]any{
		"currency":                         s.com.book.Currency,
		"renew_inquiry_results":            results,
		"official_website_rating_result":   map[string]any{"official_website_amount": money(totalOfficial)},
		"optional_discount_rating_results": optional,
		"fail_resource_infos":              fails,
	}, nil
}
