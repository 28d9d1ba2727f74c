package huawei

import (
	"testing"

	"github.com/partnerlab/storefront/internal/domain"
)

func TestCatalog(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := e.ctx()

	st, err := e.c.ListServiceTypes(ctx, domain.CloudCatalogQuery{Limit: 100, Language: "en_US"})
	if err != nil {
		t.Fatal(err)
	}
	var ecs *domain.CloudServiceType
	for i := range st.Items {
		if st.Items[i].Code == "hws.service.type.ec2" {
			ecs = &st.Items[i]
		}
	}
	if ecs == nil || ecs.Name == "" || ecs.Abbreviation != "ECS" || st.Total < len(st.Items) {
		t.Fatalf("service types %+v", st)
	}

	rt, err := e.c.ListResourceTypes(ctx, domain.CloudCatalogQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var vm bool
	for _, r := range rt.Items {
		if r.Code == "hws.resource.type.vm" && r.ServiceTypeCode == "hws.service.type.ec2" && r.Name != "" {
			vm = true
		}
	}
	if !vm {
		t.Fatalf("resource types %+v", rt)
	}

	page, err := e.c.ListServiceTypes(ctx, domain.CloudCatalogQuery{Limit: 1, Offset: 1})
	if err != nil || len(page.Items) != 1 || page.Total != st.Total {
		t.Fatalf("paging: %v %+v", err, page)
	}
	named, err := e.c.ListServiceTypes(ctx, domain.CloudCatalogQuery{Name: "Elastic Volume", Language: "en_US"})
	if err != nil || len(named.Items) != 1 || named.Items[0].Code != "hws.service.type.ebs" {
		t.Fatalf("by name: %v %+v", err, named)
	}

	_, err = e.c.ListServiceTypes(ctx, domain.CloudCatalogQuery{Limit: 1001})
	wantErr(t, err, domain.CodeUpstreamInvalid, domain.OutcomeDefinite, "CBC.0100")
	_, err = e.c.ListResourceTypes(ctx, domain.CloudCatalogQuery{Limit: 1001})
	wantErr(t, err, domain.CodeUpstreamInvalid, domain.OutcomeDefinite, "CBC.0100")
}

func TestCustomerProjectID(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := e.ctx()
	id := e.customer()

	p1, err := e.c.CustomerProjectID(ctx, id, "cn-north-4")
	if err != nil || p1 == "" {
		t.Fatalf("project: %q %v", p1, err)
	}
	p2, err := e.c.CustomerProjectID(ctx, id, "cn-east-3")
	if err != nil || p2 == "" || p2 == p1 {
		t.Fatalf("second region: %q %v", p2, err)
	}
	if again, err := e.c.CustomerProjectID(ctx, id, "cn-north-4"); err != nil || again != p1 {
		t.Fatalf("again: %q %v", again, err)
	}
	e.wantCalls("KeystoneListProjects", 2) // the third answer came from the cache

	_, err = e.c.CustomerProjectID(ctx, id, "mars-east-1")
	wantErr(t, err, domain.CodeUpstreamNotFound, domain.OutcomeDefinite, "-")
}

func ecsProduct(spec string) domain.CloudProductKey {
	return domain.CloudProductKey{ServiceType: "hws.service.type.ec2", ResourceType: "hws.resource.type.vm", ResourceSpec: spec, Region: simRegion}
}

func TestRateOnDemand(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := e.ctx()
	id := e.customer()
	project, err := e.c.CustomerProjectID(ctx, id, simRegion)
	if err != nil {
		t.Fatal(err)
	}
	e.sim.SetPartnerDiscount(id, dec("0")) // the price book's default is 5 % off
	item := domain.CloudOnDemandItem{ID: "line-1", Product: ecsProduct("s6.small.1.linux"), UsageFactor: "Duration", UsageValue: dec("1"), UsageMeasureID: 4, Quantity: 2}

	r, err := e.c.RateOnDemand(ctx, id, domain.CloudOnDemandRating{ProjectID: project, Items: []domain.CloudOnDemandItem{item}})
	if err != nil {
		t.Fatal(err)
	}
	// 0.07/hour × 2, no discount.
	wantMoney(t, "official", r.Official, "0.14")
	wantMoney(t, "amount", r.Amount, "0.14")
	wantMoney(t, "discount", r.Discount, "0")
	if r.Currency != domain.CurrencyCNY || len(r.Items) != 1 || r.Items[0].ID != "line-1" || r.Items[0].ProductID == "" {
		t.Fatalf("rating %+v", r)
	}

	// With a partner discount: the amounts differ and the discount is named.
	e.sim.SetPartnerDiscount(id, dec("10"))
	item.UsageValue = dec("100")
	r, err = e.c.RateOnDemand(ctx, id, domain.CloudOnDemandRating{ProjectID: project, Items: []domain.CloudOnDemandItem{item}})
	if err != nil {
		t.Fatal(err)
	}
	wantMoney(t, "official", r.Official, "14.00")
	wantMoney(t, "amount", r.Amount, "12.60")
	wantMoney(t, "discount", r.Discount, "1.40")
	if ds := r.Items[0].Discounts; len(ds) != 1 || ds[0].Type != 607 || !ds[0].Amount.Equal(dec("1.40")) {
		t.Fatalf("discounts %+v", ds)
	}

	bad := item
	bad.Product = ecsProduct("s6.nonexistent.linux")
	_, err = e.c.RateOnDemand(ctx, id, domain.CloudOnDemandRating{ProjectID: project, Items: []domain.CloudOnDemandItem{bad}})
	wantErr(t, err, domain.CodeUpstreamNotFound, domain.OutcomeDefinite, "CBC.99006006")
	bad = item
	bad.UsageMeasureID = 99
	_, err = e.c.RateOnDemand(ctx, id, domain.CloudOnDemandRating{ProjectID: project, Items: []domain.CloudOnDemandItem{bad}})
	wantErr(t, err, domain.CodeUpstreamInvalid, domain.OutcomeDefinite, "CBC.99006050")
	bad = item
	bad.UsageFactor = "upflow"
	_, err = e.c.RateOnDemand(ctx, id, domain.CloudOnDemandRating{ProjectID: project, Items: []domain.CloudOnDemandItem{bad}})
	wantErr(t, err, domain.CodeUpstreamInvalid, domain.OutcomeDefinite, "CBC.99006074")
	_, err = e.c.RateOnDemand(ctx, id, domain.CloudOnDemandRating{ProjectID: "0123456789abcdef0123456789abcdef", Items: []domain.CloudOnDemandItem{item}})
	wantErr(t, err, domain.CodeUpstreamNotFound, domain.OutcomeDefinite, "CBC.99006073")
	_, err = e.c.RateOnDemand(ctx, id, domain.CloudOnDemandRating{ProjectID: project})
	wantErr(t, err, domain.CodeValidation, "", "")
}

func TestRatePeriod(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := e.ctx()
	id := e.customer()
	project, err := e.c.CustomerProjectID(ctx, id, simRegion)
	if err != nil {
		t.Fatal(err)
	}
	items := []domain.CloudPeriodItem{
		{ID: "vm", Product: ecsProduct("s6.small.1.linux"), Period: domain.CloudPeriodMonth, Periods: 1, Quantity: 1},
		{ID: "disk", Product: domain.CloudProductKey{ServiceType: "hws.service.type.ebs", ResourceType: "hws.resource.type.volume", ResourceSpec: "SAS", Region: simRegion, Size: 40, SizeMeasureID: 17}, Period: domain.CloudPeriodMonth, Periods: 1, Quantity: 1},
	}
	q, err := e.c.RatePeriod(ctx, id, domain.CloudPeriodRating{ProjectID: project, Items: items})
	if err != nil {
		t.Fatal(err)
	}
	// 32.20 + 40 GB × 0.35; the price book's default partner discount is 5 %.
	wantMoney(t, "official", q.Official.Amount, "46.20")
	if len(q.Official.Items) != 2 || q.Currency != domain.CurrencyCNY {
		t.Fatalf("quote %+v", q)
	}

	e.sim.SetPartnerDiscount(id, dec("5"))
	q, err = e.c.RatePeriod(ctx, id, domain.CloudPeriodRating{ProjectID: project, Items: items})
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Options) == 0 {
		t.Fatalf("no discount option: %+v", q)
	}
	var best *domain.CloudDiscountOption
	for i := range q.Options {
		if q.Options[i].Best {
			best = &q.Options[i]
		}
	}
	if best == nil || best.DiscountType != 607 || best.DiscountID == "" {
		t.Fatalf("options %+v", q.Options)
	}
	if !best.Rating.Amount.LessThan(q.Official.Amount) || !best.Rating.Official.Add(best.Rating.Discount.Neg()).Equal(best.Rating.Amount) {
		t.Fatalf("best option %+v", best.Rating)
	}
	for _, a := range []string{best.Rating.Amount.String(), best.Rating.Discount.String()} {
		if !dec(a).Equal(dec(a).Round(2)) {
			t.Fatalf("not rounded to fen: %s", a)
		}
	}

	bad := items[:1]
	bad[0].Period = "fortnight"
	_, err = e.c.RatePeriod(ctx, id, domain.CloudPeriodRating{ProjectID: project, Items: bad})
	wantErr(t, err, domain.CodeValidation, "", "")
}
