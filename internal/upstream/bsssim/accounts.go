package bsssim

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

const (
	opBeAdjust   = "SOURCE_OPERATION_BEADJUST"
	opBeRetrieve = "SOURCE_OPERATION_BERETRIEVE"
	opBeUnbind   = "SOURCE_OPERATION_BEUNBIND"
)

// adjustRecord is one allocation to or reclaim from a customer.
type adjustRecord struct {
	TransID       string          `json:"trans_id"`
	CustomerID    string          `json:"customer_id"`
	CustomerName  string          `json:"customer_name"`
	OperationType string          `json:"operation_type"`
	Amount        decimal.Decimal `json:"amount"`
	OperationTime time.Time       `json:"operation_time"`
}

func (s *Server) accountOps() []op {
	return []op{
		{Name: "ListPartnerBalances", Method: http.MethodGet, Path: "/v2/accounts/partner-accounts/balances", Creds: credPartner, Handle: s.listPartnerBalances},
		{Name: "ShowCustomerAccountBalances", Method: http.MethodGet, Path: "/v2/accounts/customer-accounts/balances", Creds: credCustomer, Handle: s.showCustomerAccountBalances},
		{Name: "ListCustomersBalancesDetail", Method: http.MethodPost, Path: "/v2/accounts/customer-accounts/balances/batch-query", Creds: credPartner, Handle: s.listCustomersBalancesDetail},
		{Name: "UpdateCustomerAccountAmount", Method: http.MethodPost, Path: "/v2/accounts/partner-accounts/adjust-amount", Creds: credPartner, Handle: s.adjustAmount},
		{Name: "ReclaimToPartnerAccount", Method: http.MethodPost, Path: "/v2/accounts/partner-accounts/reclaim", Creds: credPartner, Handle: s.reclaim},
		{Name: "ListPartnerAdjustRecords", Method: http.MethodGet, Path: "/v3/accounts/partner-accounts/adjust-records", Creds: credPartner, Limit: 10, Handle: s.listAdjustRecords},
	}
}

// wireNumber renders an amount as a JSON number with two decimals. The
// SDK decodes it into float64 or decimal fields alike; no float is involved
// on this side.
func wireNumber(d decimal.Decimal) json.Number { return json.Number(d.StringFixed(2)) }

var errNoReseller = cbcErr(http.StatusBadRequest, "CBC.99000037", "You have no permission to operate this reseller.")

func (s *Server) listPartnerBalances(c *call) (any, *apiError) {
	if c.Query("indirect_partner_id") != "" {
		return nil, errNoReseller
	}
	p := s.st.Partner
	return map[string]any{"account_balances": []map[string]any{
		{"account_id": s.hashHex(32, "account", p.DomainID, 1), "account_type": 1, "amount": wireNumber(p.Cash),
			"currency": "CNY", "designated_amount": wireNumber(decimal.Zero), "measure_id": 1},
		{"account_id": s.hashHex(32, "account", p.DomainID, 8), "account_type": 8, "amount": wireNumber(p.Allocatable),
			"currency": "CNY", "designated_amount": wireNumber(p.Designated), "measure_id": 1},
	}}, nil
}

// showCustomerAccountBalances is the customer's own view. Reseller (代售)
// customers have no own account balance upstream (CBC.99000049); referral
// customers see their cash account.
func (s *Server) showCustomerAccountBalances(c *call) (any, *apiError) {
	cu, ok := s.st.byID[c.Caller.CustomerID]
	if !ok {
		return nil, cbcErr(http.StatusBadRequest, "CBC.99000047", "The account does not exist.")
	}
	if cu.reseller() {
		return nil, cbcErr(http.StatusBadRequest, "CBC.99000049", "A reseller sub-customer has no account balance.")
	}
	return map[string]any{
		"account_balances": []map[string]any{{"account_id": s.hashHex(32, "account", cu.DomainID, 1), "account_type": 1,
			"amount": wireNumber(cu.Balance), "currency": "CNY", "measure_id": 1}},
		"debt_amount": wireNumber(decimal.Zero), "measure_id": 1, "currency": "CNY",
	}, nil
}

func (s *Server) listCustomersBalancesDetail(c *call) (any, *apiError) {
	var req struct {
		CustomerInfos []struct {
			CustomerID string `json:"customer_id"`
		} `json:"customer_infos"`
		IndirectPartnerID *string `json:"indirect_partner_id"`
	}
	if e := c.Decode(&req); e != nil {
		return nil, e
	}
	if len(req.CustomerInfos) == 0 || len(req.CustomerInfos) > 100 {
		return nil, paramErr("customer_infos", "must hold 1 to 100 customers")
	}
	if req.IndirectPartnerID != nil && *req.IndirectPartnerID != "" {
		return nil, errNoReseller
	}
	out := []map[string]any{}
	for i, ci := range req.CustomerInfos {
		if ci.CustomerID == "" || len(ci.CustomerID) > 64 {
			return nil, paramErr("customer_infos["+strconv.Itoa(i)+"].customer_id", "is required and at most 64 characters")
		}
		cu, ok := s.st.byID[ci.CustomerID]
		if !ok || !cu.reseller() {
			continue // non-代售 and unknown customers are silently left out
		}
		out = append(out, map[string]any{"customer_id": cu.DomainID, "amount": wireNumber(cu.Balance),
			"debt_amount": wireNumber(decimal.Zero), "currency": "CNY", "measure_id": 1})
	}
	return map[string]any{"customer_balances": out}, nil
}

// parseAmount accepts the amount as a JSON string (what the SDK sends for a
// decimal.Decimal: "10", "12.3") or number; it must be > 0 with at most two
// decimals.
func parseAmount(raw json.RawMessage) (decimal.Decimal, *apiError) {
	bad := paramErr("amount", "must be a positive amount in yuan with at most 2 decimals")
	txt := strings.TrimSpace(string(raw))
	if txt == "" || txt == "null" {
		return decimal.Zero, paramErr("amount", "is required")
	}
	if strings.HasPrefix(txt, `"`) {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return decimal.Zero, bad
		}
		txt = s
	}
	d, err := decimal.NewFromString(txt)
	if err != nil || !d.IsPositive() || !d.Equal(d.Round(2)) {
		return decimal.Zero, bad
	}
	return d.Round(2), nil
}

type moneyReq struct {
	CustomerID        string          `json:"customer_id"`
	Amount            json.RawMessage `json:"amount"`
	IndirectPartnerID *string         `json:"indirect_partner_id"`
}

// moneyTarget decodes and checks a money move to or from a customer. A
// frozen customer is not refused: neither adjust-amount nor reclaim lists
// an account-frozen error (docs/huawei-bss.md §6.5, §6.6, §8.6), and a
// freeze stops the account from buying, not the partner from funding it or
// taking back what is left (§1.5).
func (s *Server) moneyTarget(c *call) (*customer, decimal.Decimal, *apiError) {
	var req moneyReq
	if e := c.Decode(&req); e != nil {
		return nil, decimal.Zero, e
	}
	if req.CustomerID == "" || len(req.CustomerID) > 64 {
		return nil, decimal.Zero, paramErr("customer_id", "is required and at most 64 characters")
	}
	amt, e := parseAmount(req.Amount)
	if e != nil {
		return nil, decimal.Zero, e
	}
	if req.IndirectPartnerID != nil && *req.IndirectPartnerID != "" {
		return nil, decimal.Zero, errNoReseller
	}
	cu, ok := s.st.byID[req.CustomerID]
	if !ok {
		return nil, decimal.Zero, cbcErr(http.StatusBadRequest, "CBC.99000035", "The customer is not a sub-customer of the partner.")
	}
	if !cu.reseller() {
		return nil, decimal.Zero, cbcErr(http.StatusBadRequest, "CBC.99000000", "You have no permission to operate this customer.")
	}
	return cu, amt, nil
}

func (s *Server) adjustAmount(c *call) (any, *apiError) {
	cu, amt, e := s.moneyTarget(c)
	if e != nil {
		return nil, e
	}
	p := &s.st.Partner
	if amt.GreaterThan(p.Allocatable.Sub(p.Designated)) {
		return nil, cbcErr(http.StatusBadRequest, "CBC.99005003", "Insufficient balance.")
	}
	p.Allocatable = p.Allocatable.Sub(amt)
	cu.Balance = cu.Balance.Add(amt)
	id := s.addAdjust(cu, opBeAdjust, amt, c.Now)
	return map[string]any{"transfer_id": id}, nil
}

func (s *Server) reclaim(c *call) (any, *apiError) {
	cu, amt, e := s.moneyTarget(c)
	if e != nil {
		return nil, e
	}
	if amt.GreaterThan(cu.Balance) {
		return nil, cbcErr(http.StatusBadRequest, "CBC.99005003", "Insufficient balance.")
	}
	cu.Balance = cu.Balance.Sub(amt)
	s.st.Partner.Allocatable = s.st.Partner.Allocatable.Add(amt)
	id := s.addAdjust(cu, opBeRetrieve, amt, c.Now)
	return map[string]any{"trans_id": id}, nil
}

func (s *Server) addAdjust(cu *customer, opType string, amt decimal.Decimal, now time.Time) string {
	id := s.newID("")
	s.st.Adjusts = append(s.st.Adjusts, adjustRecord{TransID: id, CustomerID: cu.DomainID, CustomerName: cu.DomainName,
		OperationType: opType, Amount: amt, OperationTime: now})
	return id
}

func (s *Server) listAdjustRecords(c *call) (any, *apiError) {
	q := c.r.URL.Query()
	opt := func(name string) *string {
		if !q.Has(name) {
			return nil
		}
		v := q.Get(name)
		return &v
	}
	if v := q.Get("indirect_partner_id"); v != "" {
		return nil, errNoReseller
	}
	opType := q.Get("operation_type")
	switch opType {
	case "", opBeAdjust, opBeRetrieve, opBeUnbind:
	default:
		return nil, paramErr("operation_type", "must be SOURCE_OPERATION_BEADJUST, SOURCE_OPERATION_BERETRIEVE or SOURCE_OPERATION_BEUNBIND")
	}
	begin, e := parseHWTime("operation_time_begin", opt("operation_time_begin"))
	if e != nil {
		return nil, e
	}
	end, e := parseHWTime("operation_time_end", opt("operation_time_end"))
	if e != nil {
		return nil, e
	}
	offset, e := queryInt(q.Get("offset"), "offset", 0, 0, 1<<31-1)
	if e != nil {
		return nil, e
	}
	limit, e := queryInt(q.Get("limit"), "limit", 10, 1, 100)
	if e != nil {
		return nil, e
	}
	custID, transID := q.Get("customer_id"), q.Get("trans_id")

	var hits []adjustRecord
	for _, r := range s.st.Adjusts {
		switch {
		case custID != "" && r.CustomerID != custID,
			transID != "" && r.TransID != transID,
			opType != "" && r.OperationType != opType,
			!begin.IsZero() && r.OperationTime.Before(begin),
			!end.IsZero() && r.OperationTime.After(end):
			continue
		}
		hits = append(hits, r)
	}
	slices.SortFunc(hits, newestFirst)
	recs := []map[string]any{}
	for i := offset; i < len(hits) && i < offset+limit; i++ {
		r := hits[i]
		recs = append(recs, map[string]any{
			"customer_id": r.CustomerID, "customer_name": r.CustomerName, "operation_type": r.OperationType,
			"amount": r.Amount.StringFixed(2), "currency": "CNY", "apply_scene": "",
			"operation_time": r.OperationTime.UTC().Format(hwTime), "measure_id": 1, "trans_id": r.TransID,
		})
	}
	return map[string]any{"records": recs, "total_count": len(hits)}, nil
}

// newestFirst is the order of ListPartnerAdjustRecords: operation_time
// descending, ties (whole seconds) by trans_id descending — a total order
// on what the client sees, so the same query gives the same pages.
//
// Records are only ever added at the current time, so a window whose
// operation_time_end is a second already past never changes: paging it by
// offset neither repeats nor skips a record, however many arrive meanwhile.
// That is how a client pages (the adapter's ListAdjustRecords says so too);
// without an end in the past, newest-first offsets shift with every new
// record.
func newestFirst(a, b adjustRecord) int {
	if c := b.OperationTime.Compare(a.OperationTime); c != 0 {
		return c
	}
	return strings.Compare(b.TransID, a.TransID)
}

// queryInt parses an optional integer query parameter within [lo, hi].
func queryInt(v, name string, def, lo, hi int) (int, *apiError) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, paramErr(name, "must be an integer between "+strconv.Itoa(lo)+" and "+strconv.Itoa(hi))
	}
	return n, nil
}
