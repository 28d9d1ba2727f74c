package bsssim

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// The seeded price book (pricebook.json, embedded) is the simulator's
// product catalogue:
//
//   - ECS flavours as "<flavor>.linux" / "<flavor>.win" (resource_spec as
//     the rating APIs spell it), EVS disk types per GB (SATA, SAS, GPSSD,
//     SSD, ESSD), EIP (5_bgp, 5_sbgp, per address) and bandwidth billed by
//     bandwidth (19_bgp, 19_sbgp, 19_share, per Mbit/s).
//   - Each product has an hourly (on-demand), a monthly and a yearly list
//     price in yuan, as decimal strings. The same prices hold in every
//     region of the book; an unknown region is "product not found", like an
//     unknown spec.
//   - Linear products (disks, bandwidth) are priced per unit of size and need
//     resource_size and size_measure_id (17 GB, 15 Mbit/s).
//   - partner_discount is the partner-set discount (discount_type 607) the
//     partner grants to its customers: percent_off off the list price, for
//     every customer unless SetPartnerDiscount overrides it for one.
//
// Money rule: a period line is list price × size × periods × quantity
// (exact in fen), and its discounted amount is rounded half away from zero
// to fen per line; an order's amount is the sum of its lines. Ratings and
// orders use the same function, so a quote equals the order it precedes.

//go:embed pricebook.json
var pricebookJSON []byte

// priceBook is the parsed, read-only catalogue.
type priceBook struct {
	Currency        string            `json:"currency"`
	Regions         []string          `json:"regions"`
	ServiceTypes    []catalogService  `json:"service_types"`
	ResourceTypes   []catalogResource `json:"resource_types"`
	PartnerDiscount discountRule      `json:"partner_discount"`
	Products        []*product        `json:"products"`

	bySpec map[string]*product // service type + resource type + spec
}

type catalogService struct {
	Code         string `json:"code"`
	NameZh       string `json:"name_zh"`
	NameEn       string `json:"name_en"`
	Abbreviation string `json:"abbreviation"`
}

type catalogResource struct {
	Code            string `json:"code"`
	ServiceTypeCode string `json:"service_type_code"`
	NameZh          string `json:"name_zh"`
	NameEn          string `json:"name_en"`
	DescZh          string `json:"desc_zh"`
	DescEn          string `json:"desc_en"`
}

type discountRule struct {
	DiscountID   string          `json:"discount_id"`
	DiscountType int             `json:"discount_type"`
	Name         string          `json:"name"`
	PercentOff   decimal.Decimal `json:"percent_off"`
}

type product struct {
	ProductID     string          `json:"product_id"`
	ServiceType   string          `json:"cloud_service_type"`
	ResourceType  string          `json:"resource_type"`
	Spec          string          `json:"resource_spec"`
	SpecDesc      string          `json:"spec_desc"`
	Linear        bool            `json:"linear"`
	SizeMeasureID int             `json:"size_measure_id"`
	MinSize       int             `json:"min_size"`
	MaxSize       int             `json:"max_size"`
	Hourly        decimal.Decimal `json:"hourly"`
	Monthly       decimal.Decimal `json:"monthly"`
	Yearly        decimal.Decimal `json:"yearly"`
}

// Rating and order period types (docs/huawei-bss.md §3.3, §4.1).
const (
	periodDay   = 0
	periodMonth = 2
	periodYear  = 3
	periodHour  = 4
)

// measureGB is the size measure of disks (bandwidth uses 15, Mbit/s).
const measureGB = 17

// loadPriceBook parses the embedded book. It is data shipped with the
// binary, so a parse error is a build defect, reported by New's caller.
func loadPriceBook() (*priceBook, error) {
	var pb priceBook
	if err := json.Unmarshal(pricebookJSON, &pb); err != nil {
		return nil, fmt.Errorf("bsssim: price book: %w", err)
	}
	pb.bySpec = make(map[string]*product, len(pb.Products))
	for _, p := range pb.Products {
		k := specKey(p.ServiceType, p.ResourceType, p.Spec)
		if _, dup := pb.bySpec[k]; dup {
			return nil, fmt.Errorf("bsssim: price book: duplicate product %s", k)
		}
		pb.bySpec[k] = p
	}
	return &pb, nil
}

func specKey(serviceType, resourceType, spec string) string {
	return strings.ToLower(serviceType) + "\x00" + strings.ToLower(resourceType) + "\x00" + strings.ToLower(spec)
}

// lookup finds the product for the four keys the rating APIs require.
func (pb *priceBook) lookup(serviceType, resourceType, spec, region string) (*product, bool) {
	if !pb.hasRegion(region) {
		return nil, false
	}
	p, ok := pb.bySpec[specKey(serviceType, resourceType, spec)]
	return p, ok
}

func (pb *priceBook) hasRegion(region string) bool {
	for _, r := range pb.Regions {
		if strings.EqualFold(r, region) {
			return true
		}
	}
	return false
}

// byResource finds a product by resource type and spec only (the native
// ECS/EVS create APIs do not name the service type).
func (pb *priceBook) byResource(resourceType, spec string) (*product, bool) {
	for _, p := range pb.Products {
		if p.ResourceType == resourceType && strings.EqualFold(p.Spec, spec) {
			return p, true
		}
	}
	return nil, false
}

func (pb *priceBook) serviceName(code, lang string) string {
	for _, s := range pb.ServiceTypes {
		if s.Code == code {
			if lang == "en_US" {
				return s.NameEn
			}
			return s.NameZh
		}
	}
	return code
}

func (pb *priceBook) resourceName(code, lang string) string {
	for _, r := range pb.ResourceTypes {
		if r.Code == code {
			if lang == "en_US" {
				return r.NameEn
			}
			return r.NameZh
		}
	}
	return code
}

// periodPrice is the list price of one unit of p for n periods.
func (p *product) periodPrice(periodType, n int) (decimal.Decimal, bool) {
	switch periodType {
	case periodMonth:
		return p.Monthly.Mul(decimal.NewFromInt(int64(n))), true
	case periodYear:
		return p.Yearly.Mul(decimal.NewFromInt(int64(n))), true
	}
	return decimal.Decimal{}, false
}

// priced is one rated line: list price and price after the partner
// discount, both in yuan.
type priced struct {
	Official decimal.Decimal
	Amount   decimal.Decimal
}

func (p priced) Discount() decimal.Decimal { return p.Official.Sub(p.Amount) }

// ratePeriod prices size×qty units of p for n periods of periodType with
// discount percentOff, in fen (see the money rule above).
func ratePeriod(p *product, periodType, n, size, qty int, percentOff decimal.Decimal) (priced, bool) {
	unit, ok := p.periodPrice(periodType, n)
	if !ok {
		return priced{}, false
	}
	if !p.Linear {
		size = 1
	}
	official := unit.Mul(decimal.NewFromInt(int64(size * qty))).Round(2)
	return priced{Official: official, Amount: applyDiscount(official, percentOff, 2)}, true
}

func applyDiscount(official, percentOff decimal.Decimal, places int32) decimal.Decimal {
	if !percentOff.IsPositive() {
		return official
	}
	hundred := decimal.NewFromInt(100)
	return official.Mul(hundred.Sub(percentOff)).Div(hundred).Round(places)
}

// --- catalogue operations (docs/huawei-bss.md §3.1) ---

func (s *Server) catalogueOps() []op {
	return []op{
		{Name: "ListServiceTypes", Method: http.MethodGet, Path: "/v2/products/service-types", Creds: credPartner | credCustomer, Handle: s.listServiceTypes},
		{Name: "ListResourceTypes", Method: http.MethodGet, Path: "/v2/products/resource-types", Creds: credPartner | credCustomer, Handle: s.listResourceTypes},
	}
}

type serviceTypeJSON struct {
	ServiceTypeName string `json:"service_type_name"`
	ServiceTypeCode string `json:"service_type_code"`
	Abbreviation    string `json:"abbreviation"`
}

type resourceTypeJSON struct {
	ResourceTypeCode string `json:"resource_type_code"`
	ResourceTypeName string `json:"resource_type_name"`
	ResourceTypeDesc string `json:"resource_type_desc"`
	ServiceTypeCode  string `json:"service_type_code"`
}

func (s *Server) listServiceTypes(c *call) (any, *apiError) {
	offset, limit, aerr := pageQuery(c, 10, 1000)
	if aerr != nil {
		return nil, aerr
	}
	lang := c.Header("X-Language")
	name := c.Query("service_type_name")
	if len(name) > 128 {
		return nil, paramErr("service_type_name", "is longer than 128 characters")
	}
	var all []serviceTypeJSON
	for _, st := range s.com.book.ServiceTypes {
		n := st.NameZh
		if lang == "en_US" {
			n = st.NameEn
		}
		if name != "" && !strings.Contains(strings.ToLower(n), strings.ToLower(name)) {
			continue
		}
		all = append(all, serviceTypeJSON{ServiceTypeName: n, ServiceTypeCode: st.Code, Abbreviation: st.Abbreviation})
	}
	return map[string]any{"total_count": len(all), "service_types": page(all, offset, limit)}, nil
}

func (s *Server) listResourceTypes(c *call) (any, *apiError) {
	offset, limit, aerr := pageQuery(c, 10, 1000)
	if aerr != nil {
		return nil, aerr
	}
	lang := c.Header("X-Language")
	var all []resourceTypeJSON
	for _, rt := range s.com.book.ResourceTypes {
		n, d := rt.NameZh, rt.DescZh
		if lang == "en_US" {
			n, d = rt.NameEn, rt.DescEn
		}
		all = append(all, resourceTypeJSON{ResourceTypeCode: rt.Code, ResourceTypeName: n, ResourceTypeDesc: d, ServiceTypeCode: rt.ServiceTypeCode})
	}
	return map[string]any{"total_count": len(all), "resource_types": page(all, offset, limit)}, nil
}

// pageQuery reads offset/limit query parameters (defaults 0 and def).
func pageQuery(c *call, def, max int) (offset, limit int, aerr *apiError) {
	offset, limit = 0, def
	if v := c.Query("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, 0, paramErr("offset", "must be an integer >= 0")
		}
		offset = n
	}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > max {
			return 0, 0, paramErr("limit", fmt.Sprintf("must be an integer from 1 to %d", max))
		}
		limit = n
	}
	return offset, limit, nil
}

// page returns items[offset:offset+limit], never nil (an empty page is []).
func page[T any](items []T, offset, limit int) []T {
	if offset >= len(items) {
		return []T{}
	}
	end := min(offset+limit, len(items))
	return items[offset:end]
}
