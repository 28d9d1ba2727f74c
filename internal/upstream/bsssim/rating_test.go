package bsssim

import (
	"net/http"
	"testing"

	bssmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"
	"github.com/shopspring/decimal"
)

func TestPriceBookLoads(t *testing.T) {
	t.Parallel()
	pb, err := loadPriceBook()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pb.Products {
		if !p.Monthly.IsPositive() || !p.Yearly.IsPositive() || !p.Hourly.IsPositive() {
			t.Errorf("%s: prices must be positive: %s / %s / %s", p.Spec, p.Hourly, p.Monthly, p.Yearly)
		}
		if !p.Monthly.Equal(p.Monthly.Round(2)) || !p.Yearly.Equal(p.Yearly.Round(2)) {
			t.Errorf("%s: period prices must be in fen", p.Spec)
		}
		if p.Linear && (p.SizeMeasureID == 0 || p.MinSize < 1 || p.MaxSize < p.MinSize) {
			t.Errorf("%s: linear product without a size range", p.Spec)
		}
	}
	for _, region := range simRegions {
		if _, ok := pb.lookup(svcECS, rtVM, "s6.small.1.linux", region); !ok {
			t.Errorf("IAM region %s has no prices", region)
		}
	}
	if _, ok := pb.lookup(svcECS, rtVM, "s6.small.1.linux", "eu-west-0"); ok {
		t.Error("a region outside the book must not be priced")
	}
}

func TestCatalogue(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	st, err := h.bss.ListServiceTypes(&bssmodel.ListServiceTypesRequest{XLanguage: ptrTo("en_US"), Limit: ptrTo(int32(2))})
	if err != nil {
		t.Fatal(err)
	}
	if *st.TotalCount != 3 || len(*st.ServiceTypes) != 2 {
		t.Fatalf("service types: total %d, page %d", *st.TotalCount, len(*st.ServiceTypes))
	}
	if got := *(*st.ServiceTypes)[0].ServiceTypeName; got != "Elastic Cloud Server" {
		t.Fatalf("en_US name = %q", got)
	}
	st, err = h.bss.ListServiceTypes(&bssmodel.ListServiceTypesRequest{ServiceTypeName: ptrTo("云硬盘")})
	if err != nil {
		t.Fatal(err)
	}
	if *st.TotalCount != 1 || *(*st.ServiceTypes)[0].ServiceTypeCode != svcEVS {
		t.Fatalf("fuzzy name filter: %+v", st)
	}
	rt, err := h.bss.ListResourceTypes(&bssmodel.ListResourceTypesRequest{Offset: ptrTo(int32(3))})
	if err != nil {
		t.Fatal(err)
	}
	if *rt.TotalCount != 4 || len(*rt.ResourceTypes) != 1 || *(*rt.ResourceTypes)[0].ResourceTypeCode != rtBandwidth {
		t.Fatalf("resource types page: %+v", rt)
	}
	_, err = h.bss.ListResourceTypes(&bssmodel.ListResourceTypesRequest{Limit: ptrTo(int32(0))})
	sdkErr(t, err, http.StatusBadRequest, "CBC.0100")
}

func periodItem(id, svc, rt, spec string, size *int32, periodType, periodNum int32) bssmodel.PeriodProductInfo {
	it := bssmodel.PeriodProductInfo{
		Id: id, CloudServiceType: svc, ResourceType: rt, ResourceSpec: spec, Region: testRegion,
		PeriodType: periodType, PeriodNum: periodNum, SubscriptionNum: 1,
	}
	if size != nil {
		it.ResourceSize, it.SizeMeasureId = size, ptrTo(int32(measureGB))
	}
	return it
}

func TestRateOnPeriod(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	b := newBuyer(t, h, "rate-period", "")
	resp, err := b.bss.ListRateOnPeriodDetail(&bssmodel.ListRateOnPeriodDetailRequest{Body: &bssmodel.RateOnPeriodReq{
		ProjectId: b.project,
		ProductInfos: []bssmodel.PeriodProductInfo{
			periodItem("vm", svcECS, rtVM, "s6.small.1.linux", nil, periodMonth, 1),
			periodItem("disk", svcEVS, rtVolume, "SSD", ptrTo(int32(40)), periodMonth, 1),
			periodItem("vm-year", svcECS, rtVM, "c6.xlarge.2.linux", nil, periodYear, 1),
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	// List: 32.20 + 40 × 1.00 + 3223.20; partner discount 5 % per line:
	// 30.59 + 38.00 + 3062.04.
	off := resp.OfficialWebsiteRatingResult
	wantDec(t, "official total", *off.OfficialWebsiteAmount, "3295.40")
	if len(*off.ProductRatingResults) != 3 || *(*off.ProductRatingResults)[1].Id != "disk" {
		t.Fatalf("official per item: %+v", off.ProductRatingResults)
	}
	wantDec(t, "official disk", *(*off.ProductRatingResults)[1].OfficialWebsiteAmount, "40")
	if *resp.Currency != "CNY" {
		t.Fatalf("currency %q", *resp.Currency)
	}
	opts := *resp.OptionalDiscountRatingResults
	if len(opts) != 1 {
		t.Fatalf("discount results: %d", len(opts))
	}
	d := opts[0]
	if *d.DiscountType != 607 || *d.BestOffer != 1 || *d.DiscountId == "" {
		t.Fatalf("discount result: type %d best %d id %q", *d.DiscountType, *d.BestOffer, *d.DiscountId)
	}
	wantDec(t, "discounted total", *d.Amount, "3130.63")
	wantDec(t, "discount amount", *d.DiscountAmount, "164.77")
	wantDec(t, "vm discounted", *(*d.ProductRatingResults)[0].Amount, "30.59")

	// An unknown spec names no product.
	_, err = b.bss.ListRateOnPeriodDetail(&bssmodel.ListRateOnPeriodDetailRequest{Body: &bssmodel.RateOnPeriodReq{
		ProjectId:    b.project,
		ProductInfos: []bssmodel.PeriodProductInfo{periodItem("x", svcECS, rtVM, "z9.huge.9.linux", nil, periodMonth, 1)},
	}})
	sdkErr(t, err, http.StatusBadRequest, "CBC.99006006")

	// A linear product without its size is a parameter error.
	_, err = b.bss.ListRateOnPeriodDetail(&bssmodel.ListRateOnPeriodDetailRequest{Body: &bssmodel.RateOnPeriodReq{
		ProjectId:    b.project,
		ProductInfos: []bssmodel.PeriodProductInfo{periodItem("d", svcEVS, rtVolume, "SAS", nil, periodMonth, 1)},
	}})
	sdkErr(t, err, http.StatusBadRequest, "CBC.0100")

	// Another account's project is not the caller's.
	other := newBuyer(t, h, "rate-period-other", "")
	_, err = b.bss.ListRateOnPeriodDetail(&bssmodel.ListRateOnPeriodDetailRequest{Body: &bssmodel.RateOnPeriodReq{
		ProjectId:    other.project,
		ProductInfos: []bssmodel.PeriodProductInfo{periodItem("vm", svcECS, rtVM, "s6.small.1.linux", nil, periodMonth, 1)},
	}})
	sdkErr(t, err, http.StatusBadRequest, "CBC.99006073")

	// Ratings take the customer's credential only.
	_, err = h.bss.ListRateOnPeriodDetail(&bssmodel.ListRateOnPeriodDetailRequest{Body: &bssmodel.RateOnPeriodReq{
		ProjectId:    b.project,
		ProductInfos: []bssmodel.PeriodProductInfo{periodItem("vm", svcECS, rtVM, "s6.small.1.linux", nil, periodMonth, 1)},
	}})
	sdkErr(t, err, http.StatusForbidden, "CBC.0151")
}

func TestRateWithoutDiscount(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	b := newBuyer(t, h, "rate-nodisc", "")
	h.sim.SetPartnerDiscount(b.id, decimal.Zero)
	resp, err := b.bss.ListRateOnPeriodDetail(&bssmodel.ListRateOnPeriodDetailRequest{Body: &bssmodel.RateOnPeriodReq{
		ProjectId:    b.project,
		ProductInfos: []bssmodel.PeriodProductInfo{periodItem("vm", svcECS, rtVM, "s6.large.2.win", nil, periodYear, 2)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	wantDec(t, "official", *resp.OfficialWebsiteRatingResult.OfficialWebsiteAmount, "3190.56")
	if n := len(*resp.OptionalDiscountRatingResults); n != 0 {
		t.Fatalf("%d discount results without a discount", n)
	}
}

func TestRateOnDemand(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	b := newBuyer(t, h, "rate-demand", "")
	item := func(id, svc, rt, spec string, size *int32, factor string, unit int32) bssmodel.DemandProductInfo {
		v := decimal.NewFromInt(24)
		it := bssmodel.DemandProductInfo{
			Id: id, CloudServiceType: svc, ResourceType: rt, ResourceSpec: spec, Region: testRegion,
			UsageFactor: factor, UsageValue: &v, UsageMeasureId: unit, SubscriptionNum: 2,
		}
		if size != nil {
			it.ResourceSize, it.SizeMeasureId = size, ptrTo(int32(measureGB))
		}
		return it
	}
	resp, err := b.bss.ListOnDemandResourceRatings(&bssmodel.ListOnDemandResourceRatingsRequest{Body: &bssmodel.RateOnDemandReq{
		ProjectId: b.project,
		ProductInfos: []bssmodel.DemandProductInfo{
			item("vm", svcECS, rtVM, "s6.small.1.linux", nil, "duration", measureHour),
			item("disk", svcEVS, rtVolume, "SATA", ptrTo(int32(100)), "Duration", measureHour),
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	// vm: 0.07 × 24 h × 2 = 3.36 → 3.192; disk: 0.0004 × 24 × 100 × 2 = 1.92 → 1.824.
	wantDec(t, "official", *resp.OfficialWebsiteAmount, "5.28")
	wantDec(t, "amount", *resp.Amount, "5.016")
	wantDec(t, "discount", *resp.DiscountAmount, "0.264")
	rs := *resp.ProductRatingResults
	if *rs[0].Id != "vm" || *rs[0].ProductId == "" || len(*rs[0].DiscountRatingResults) != 1 {
		t.Fatalf("per item: %+v", rs[0])
	}
	wantDec(t, "vm amount", *rs[0].Amount, "3.192")

	_, err = b.bss.ListOnDemandResourceRatings(&bssmodel.ListOnDemandResourceRatingsRequest{Body: &bssmodel.RateOnDemandReq{
		ProjectId: b.project, ProductInfos: []bssmodel.DemandProductInfo{item("vm", svcECS, rtVM, "s6.small.1.linux", nil, "upflow", measureHour)},
	}})
	sdkErr(t, err, http.StatusBadRequest, "CBC.99006074")
	_, err = b.bss.ListOnDemandResourceRatings(&bssmodel.ListOnDemandResourceRatingsRequest{Body: &bssmodel.RateOnDemandReq{
		ProjectId: b.project, ProductInfos: []bssmodel.DemandProductInfo{item("vm", svcECS, rtVM, "s6.small.1.linux", nil, "Duration", 99)},
	}})
	sdkErr(t, err, http.StatusBadRequest, "CBC.99006050")
	_, err = b.bss.ListOnDemandResourceRatings(&bssmodel.ListOnDemandResourceRatingsRequest{Body: &bssmodel.RateOnDemandReq{
		ProjectId: b.project, ProductInfos: []bssmodel.DemandProductInfo{item("vm", svcECS, rtVM, "s6.small.1.linux", nil, "Duration", measureHour)},
		InquiryPrecision: ptrTo(int32(1)),
	}})
	if err != nil {
		t.Fatalf("inquiry_precision 1: %v", err)
	}
	_, err = b.bss.ListOnDemandResourceRatings(&bssmodel.ListOnDemandResourceRatingsRequest{Body: &bssmodel.RateOnDemandReq{
		ProjectId: b.project, ProductInfos: []bssmodel.DemandProductInfo{item("vm", svcECS, rtVM, "s6.small.1.linux", nil, "Duration", measureHour)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.bss.ListOnDemandResourceRatings(&bssmodel.ListOnDemandResourceRatingsRequest{Body: &bssmodel.RateOnDemandReq{
		ProjectId: b.project, ProductInfos: []bssmodel.DemandProductInfo{item("vm", svcECS, rtVM, "nope.linux", nil, "Duration", measureHour)},
	}})
	sdkErr(t, err, http.StatusBadRequest, "CBC.99006006")
}

func TestRenewRate(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	b := newBuyer(t, h, "rate-renew", "1000")
	orderID, serverID := b.ecsOrder("s6.small.1", "month", 1, nil)
	b.mustPay(orderID)
	var rootID string
	for _, r := range b.resources(bssmodel.QueryResourcesReq{OrderId: &orderID}) {
		if *r.IsMainResource == 0 {
			rootID = *r.ResourceId
		}
	}
	resp, err := b.bss.ListRenewRateOnPeriod(&bssmodel.ListRenewRateOnPeriodRequest{Body: &bssmodel.ListRenewRateOnPeriodReq{
		ResourceIds: []string{serverID, rootID, "no-such-resource"}, PeriodType: periodMonth, PeriodNum: 3,
	}})
	if err != nil {
		t.Fatal(err)
	}
	// Server + system disk for 3 months: (32.20 + 40.00) × 3 = 216.60 list,
	// 91.77 + 114.00 = 205.77 after 5 %.
	res := *resp.RenewInquiryResults
	if len(res) != 1 || *res[0].ResourceId != serverID || *res[0].Amount != "205.77" {
		t.Fatalf("renew results: %+v", res)
	}
	if *resp.OfficialWebsiteRatingResult.OfficialWebsiteAmount != "216.60" {
		t.Fatalf("official: %s", *resp.OfficialWebsiteRatingResult.OfficialWebsiteAmount)
	}
	if od := *resp.OptionalDiscountRatingResults; len(od) != 1 || *od[0].Amount != "205.77" || *od[0].DiscountAmount != "10.83" {
		t.Fatalf("discount results: %+v", od)
	}
	fails := map[string]string{}
	for _, f := range *resp.FailResourceInfos {
		fails[*f.ResourceId] = *f.ErrorCode
	}
	if fails[rootID] != "CBC.30050007" || fails["no-such-resource"] != "CBC.30050009" {
		t.Fatalf("fail_resource_infos: %v", fails)
	}

	_, err = b.bss.ListRenewRateOnPeriod(&bssmodel.ListRenewRateOnPeriodRequest{Body: &bssmodel.ListRenewRateOnPeriodReq{
		ResourceIds: []string{serverID, serverID}, PeriodType: periodMonth, PeriodNum: 1,
	}})
	sdkErr(t, err, http.StatusBadRequest, "CBC.30050012")
	_, err = b.bss.ListRenewRateOnPeriod(&bssmodel.ListRenewRateOnPeriodRequest{Body: &bssmodel.ListRenewRateOnPeriodReq{
		ResourceIds: []string{serverID}, PeriodType: periodYear, PeriodNum: 4,
	}})
	sdkErr(t, err, http.StatusBadRequest, "CBC.0100")
}
