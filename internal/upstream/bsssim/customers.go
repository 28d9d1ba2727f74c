package bsssim

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/shopspring/decimal"
)

// customer is a sub-customer of the partner.
type customer struct {
	DomainID        string          `json:"domain_id"`
	DomainName      string          `json:"domain_name"`
	XAccountID      string          `json:"xaccount_id"`
	XAccountType    string          `json:"xaccount_type"`
	MobilePhone     string          `json:"mobile_phone,omitempty"`
	AssociationType string          `json:"association_type"` // "1" referral, "2" reseller (代售)
	AssociatedOn    time.Time       `json:"associated_on"`    // when the asynchronous association completes (or completed)
	CloseMarketMsg  bool            `json:"close_market_ms"`
	HasPassword     bool            `json:"has_password"` // the password itself is never kept
	Label           string          `json:"label,omitempty"`
	Balance         decimal.Decimal `json:"balance"`
	Frozen          bool            `json:"frozen"`
	FreezeType      string          `json:"freeze_type,omitempty"` // ACCOUNT | ACCOUNT_AND_RESOURCE
	Realname        realname        `json:"realname"`
}

// associated reports whether the partner association has completed: only
// then does ListSubCustomers show the customer (docs/huawei-bss.md §1.3).
func (c *customer) associated(now time.Time) bool { return !now.Before(c.AssociatedOn) }

// RealnameVerified reports whether the customer may buy.
func (c *customer) RealnameVerified() bool { return c.Realname.Status == verifiedOK }

// reseller reports the 代售 association: the partner funds, reclaims and
// freezes only these.
func (c *customer) reseller() bool { return c.AssociationType == "2" }

// tempCred is a temporary AK/SK issued by IAM securitytokens.
type tempCred struct {
	Access    string    `json:"access"`
	Secret    string    `json:"secret"`
	Token     string    `json:"securitytoken"`
	DomainID  string    `json:"domain_id"`
	ExpiresAt time.Time `json:"expires_at"` // wall clock
}

type projectInfo struct {
	DomainID string `json:"domain_id"`
	Region   string `json:"region"`
}

// smsMessage is a verification code sent to a mobile.
type smsMessage struct {
	MobilePhone string    `json:"mobile_phone"`
	Code        string    `json:"code"`
	Scene       int       `json:"scene"`
	CustomerID  string    `json:"customer_id,omitempty"`
	SentAt      time.Time `json:"sent_at"`
	ExpiresAt   time.Time `json:"expires_at"`
	Failures    int       `json:"failures"`
	Used        bool      `json:"used"`
}

var (
	reMobileCN    = regexp.MustCompile(`^1\d{10}$`)
	reMobileIntl  = regexp.MustCompile(`^\d{4}-\d+$`)
	reCheckName   = regexp.MustCompile(`^[a-zA-Z-][a-zA-Z0-9_-]{4,31}$`)
	reDomainName  = regexp.MustCompile(`^[a-zA-Z_-][a-zA-Z0-9_-]*$`)
	reAllDigits   = regexp.MustCompile(`^\d+$`)
	reSMSCodeForm = regexp.MustCompile(`^\d{6}$`)
)

// validAccountName applies the Huawei account-name rules shared by
// CheckUserIdentity and CreateSubCustomer.
func validAccountName(name string, re *regexp.Regexp) bool {
	if len(name) < 5 || len(name) > 32 || !re.MatchString(name) || reAllDigits.MatchString(name) {
		return false
	}
	l := strings.ToLower(name)
	return !strings.HasPrefix(l, "op_") && !strings.HasPrefix(l, "shadow_")
}

func (s *Server) customerOps() []op {
	return []op{
		{Name: "CheckUserIdentity", Method: http.MethodPost, Path: "/v2/partners/sub-customers/users/check-identity", Creds: credPartner, Limit: 5, Handle: s.checkUserIdentity},
		{Name: "SendVerificationMessageCode", Method: http.MethodPost, Path: "/v2/bases/verificationcode/send", Creds: credPartner, Limit: 10, Success: http.StatusNoContent, Handle: s.sendVerificationCode},
		{Name: "CreateSubCustomer", Method: http.MethodPost, Path: "/v2/partners/sub-customers", Creds: credPartner, Limit: 10, Handle: s.createSubCustomer},
		{Name: "ListSubCustomers", Method: http.MethodPost, Path: "/v2/partners/sub-customers/query", Creds: credPartner, Handle: s.listSubCustomers},
		{Name: "FreezeSubCustomers", Method: http.MethodPost, Path: "/v2/partners/sub-customers/freeze", Creds: credPartner, Handle: s.freezeSubCustomers},
		{Name: "UnfreezeSubCustomers", Method: http.MethodPost, Path: "/v2/partners/sub-customers/unfreeze", Creds: credPartner, Handle: s.unfreezeSubCustomers},
	}
}

func (s *Server) checkUserIdentity(c *call) (any, *apiError) {
	var req struct {
		SearchType  string `json:"search_type"`
		SearchValue string `json:"search_value"`
	}
	if e := c.Decode(&req); e != nil {
		return nil, e
	}
	if req.SearchValue == "" || len(req.SearchValue) > 64 {
		return nil, paramErr("search_value", "is required and at most 64 characters")
	}
	used := false
	resp := map[string]any{}
	switch req.SearchType {
	case "mobile":
		if !reMobileIntl.MatchString(req.SearchValue) || !strings.HasPrefix(req.SearchValue, "0086-") ||
			!reMobileCN.MatchString(strings.TrimPrefix(req.SearchValue, "0086-")) {
			return nil, paramErr("search_value", "must be a mainland mobile with country code, e.g. 0086-13800000000")
		}
		// Only the per-number cap is checked for a mobile (docs/huawei-bss.md §1.1).
		left := max(s.cfg.MobileLimit-s.st.mobileUses[strings.TrimPrefix(req.SearchValue, "0086-")], 0)
		used = left == 0
		resp["mobile_remain_available_num"] = left
	case "email":
		if !strings.Contains(req.SearchValue, "@") {
			return nil, paramErr("search_value", "must be an e-mail address")
		}
		// Customers created through this API carry no e-mail address.
	case "name":
		if !validAccountName(req.SearchValue, reCheckName) {
			return nil, paramErr("search_value", "is not a valid account name")
		}
		_, used = s.st.byName[strings.ToLower(req.SearchValue)]
	default:
		return nil, paramErr("search_type", "must be one of email, mobile, name")
	}
	resp["check_result"] = "available"
	if used {
		resp["check_result"] = "used_by_user"
	}
	return resp, nil
}

const (
	smsHourCap = 15
	smsDayCap  = 60
)

func (s *Server) sendVerificationCode(c *call) (any, *apiError) {
	var req struct {
		ReceiverType *int32  `json:"receiver_type"`
		Timeout      *int32  `json:"timeout"`
		MobilePhone  string  `json:"mobile_phone"`
		Lang         *string `json:"lang"`
		Scene        *int32  `json:"scene"`
		CustomerID   *string `json:"customer_id"`
	}
	if e := c.Decode(&req); e != nil {
		return nil, e
	}
	if req.ReceiverType == nil || *req.ReceiverType != 1 {
		return nil, paramErr("receiver_type", "must be 1")
	}
	validity := 10 * time.Minute
	if req.Timeout != nil {
		switch t := *req.Timeout; {
		case t < 1 || t > 3000:
			return nil, paramErr("timeout", "must be between 1 and 3000")
		case t > 60:
			validity = 5 * time.Minute // documented: values above 60 are forced to 5 minutes
		default:
			validity = time.Duration(t) * time.Minute
		}
	}
	if !reMobileCN.MatchString(req.MobilePhone) {
		return nil, paramErr("mobile_phone", "must be a mainland China mobile number")
	}
	if req.Lang != nil && *req.Lang != "zh-cn" && *req.Lang != "en-us" {
		return nil, paramErr("lang", "must be zh-cn or en-us")
	}
	scene := 29
	if req.Scene != nil {
		scene = int(*req.Scene)
	}
	custID := ""
	switch scene {
	case 29:
	case 18:
		if req.CustomerID == nil || *req.CustomerID == "" {
			return nil, paramErr("customer_id", "is required for scene 18")
		}
		if len(*req.CustomerID) > 64 {
			return nil, paramErr("customer_id", "is at most 64 characters")
		}
		custID = *req.CustomerID
	default:
		return nil, paramErr("scene", "must be 29 or 18")
	}
	// Caps are rolling windows over the virtual clock.
	var hour, day int
	for _, t := range s.st.smsAttempts[req.MobilePhone] {
		if c.Now.Sub(t) < time.Hour {
			hour++
		}
		if c.Now.Sub(t) < 24*time.Hour {
			day++
		}
	}
	if hour >= smsHourCap || day >= smsDayCap {
		return nil, cbcErr(http.StatusBadRequest, "CBC.99004015", "The number of verification codes sent has reached the limit (15 per hour, 60 per day).")
	}
	s.st.Seq++
	code := s.hashHex(12, "sms", s.st.Seq)
	n, _ := strconv.ParseUint(code, 16, 64)
	m := smsMessage{
		MobilePhone: req.MobilePhone,
		Code:        strconv.FormatUint(100000+n%900000, 10),
		Scene:       scene,
		CustomerID:  custID,
		SentAt:      c.Now,
		ExpiresAt:   c.Now.Add(validity),
	}
	s.st.SMS = append(s.st.SMS, m)
	s.st.smsAttempts[req.MobilePhone] = append(s.st.smsAttempts[req.MobilePhone], c.Now)
	return nil, nil
}

// verifySMS checks a code against the latest code sent to mobile for scene
// and, for a bank-card code (scene 18), for that customer: such a code is
// requested with the customer_id it verifies, and proves nothing for another
// customer. A new code replaces the previous ones; three wrong tries burn
// the code.
func (s *Server) verifySMS(now time.Time, mobile string, scene int, customerID, code string) *apiError {
	var m *smsMessage
	for i := len(s.st.SMS) - 1; i >= 0; i-- {
		if c := &s.st.SMS[i]; c.MobilePhone == mobile && c.Scene == scene && c.CustomerID == customerID {
			m = c
			break
		}
	}
	switch {
	case m == nil || m.Used:
		return cbcErr(http.StatusBadRequest, "CBC.99004010", "The verification code is incorrect.")
	case m.Failures >= 3:
		return cbcErr(http.StatusBadRequest, "CBC.99004009", "The verification code failed more than 3 times. Obtain a new one.")
	case !now.Before(m.ExpiresAt):
		return cbcErr(http.StatusBadRequest, "CBC.99004008", "The verification code has expired.")
	case m.Code != code:
		m.Failures++
		return cbcErr(http.StatusBadRequest, "CBC.99004010", "The verification code is incorrect.")
	}
	m.Used = true
	return nil
}

func (s *Server) createSubCustomer(c *call) (any, *apiError) {
	var req struct {
		DomainName               *string `json:"domain_name"`
		MobilePhone              *string `json:"mobile_phone"`
		VerificationCode         *string `json:"verification_code"`
		XAccountID               string  `json:"xaccount_id"`
		XAccountType             string  `json:"xaccount_type"`
		Password                 *string `json:"password"`
		IsCloseMarketMs          *string `json:"is_close_market_ms"`
		CooperationType          *string `json:"cooperation_type"`
		IndirectPartnerID        *string `json:"indirect_partner_id"`
		IncludeAssociationResult *bool   `json:"include_association_result"`
	}
	if e := c.Decode(&req); e != nil {
		return nil, e
	}
	if req.XAccountID == "" || len(req.XAccountID) > 128 {
		return nil, paramErr("xaccount_id", "is required and at most 128 characters")
	}
	if req.XAccountType == "" || len(req.XAccountType) > 64 {
		return nil, paramErr("xaccount_type", "is required and at most 64 characters")
	}
	if req.XAccountType != s.cfg.XAccountType {
		return nil, paramErr("xaccount_type", "is not the platform id issued to this partner")
	}
	if req.IndirectPartnerID != nil && *req.IndirectPartnerID != "" {
		return nil, cbcErr(http.StatusBadRequest, "CBC.99000037", "You have no permission to operate this reseller.")
	}
	name := ""
	if req.DomainName != nil {
		name = *req.DomainName
	}
	if name != "" && !validAccountName(name, reDomainName) {
		return nil, cbcErr(http.StatusBadRequest, "CBC.99000031", "The account name format is invalid.")
	}
	mobile := ""
	if req.MobilePhone != nil && *req.MobilePhone != "" {
		mobile = *req.MobilePhone
		if len(mobile) > 32 || !reMobileCN.MatchString(mobile) {
			return nil, cbcErr(http.StatusBadRequest, "CBC.5017", "The mobile number format is invalid.")
		}
		if req.VerificationCode == nil || !reSMSCodeForm.MatchString(*req.VerificationCode) {
			return nil, paramErr("verification_code", "is required (6 digits) when mobile_phone is given")
		}
	}
	if req.Password != nil && !validPassword(*req.Password, name, mobile) {
		return nil, cbcErr(http.StatusBadRequest, "CBC.99000036", "The password format is invalid.")
	}
	closeMarket := false
	if req.IsCloseMarketMs != nil {
		switch *req.IsCloseMarketMs {
		case "true":
			closeMarket = true
		case "false":
		default:
			return nil, paramErr("is_close_market_ms", `must be "true" or "false"`)
		}
	}
	if _, dup := s.st.byXAccount[req.XAccountType+"\x00"+req.XAccountID]; dup {
		return nil, cbcErr(http.StatusBadRequest, "CBC.99000039", "The xaccountId already exists.")
	}
	if name != "" {
		if _, dup := s.st.byName[strings.ToLower(name)]; dup {
			return nil, cbcErr(http.StatusBadRequest, "CBC.99000038", "The login name already exists.")
		}
	}
	if mobile != "" {
		// Checked before the code, which a refused registration must not use up.
		if s.st.mobileUses[mobile] >= s.cfg.MobileLimit {
			return nil, cbcErr(http.StatusBadRequest, "CBC.99000030", "The number of customers registered with this mobile number exceeds the limit.")
		}
		if e := s.verifySMS(c.Now, mobile, 29, "", *req.VerificationCode); e != nil {
			return nil, e
		}
	}

	id := s.newID("")
	if name == "" {
		name = "hw" + s.hashHex(30, "name", id) // 32 characters, starts with a letter
	}
	assoc := "2"
	if req.CooperationType != nil && *req.CooperationType == "1" {
		assoc = "1"
	}
	// The account exists at once; the association with the partner follows
	// asynchronously. A caller that asks for the association result waits
	// for it in the call (the half_success fault scripts that wait timing
	// out). Other operations accept the customer meanwhile: Huawei documents
	// nothing about them before the association completes.
	associatedOn := c.Now.Add(s.cfg.AssociationDelay)
	if req.IncludeAssociationResult != nil && *req.IncludeAssociationResult {
		associatedOn = c.Now
	}
	cu := &customer{
		DomainID:        id,
		DomainName:      name,
		XAccountID:      req.XAccountID,
		XAccountType:    req.XAccountType,
		MobilePhone:     mobile,
		AssociationType: assoc,
		AssociatedOn:    associatedOn,
		CloseMarketMsg:  closeMarket,
		HasPassword:     req.Password != nil,
		Balance:         decimal.Zero,
		Realname:        realname{Status: verifiedNone, CustomerType: -1},
	}
	s.st.Customers = append(s.st.Customers, cu)
	s.st.index(cu)
	return map[string]any{"domain_id": cu.DomainID, "domain_name": cu.DomainName}, nil
}

// validPassword: 8–32 characters, at least two character classes, not the
// account name or its reverse, not containing the mobile number.
func validPassword(p, name, mobile string) bool {
	if len(p) < 8 || len(p) > 32 {
		return false
	}
	var classes [4]bool
	for _, r := range p {
		switch {
		case unicode.IsUpper(r):
			classes[0] = true
		case unicode.IsLower(r):
			classes[1] = true
		case unicode.IsDigit(r):
			classes[2] = true
		case r > ' ' && r < 0x7f:
			classes[3] = true
		default:
			return false
		}
	}
	n := 0
	for _, ok := range classes {
		if ok {
			n++
		}
	}
	if n < 2 {
		return false
	}
	if name != "" {
		rev := []rune(name)
		slices.Reverse(rev)
		if strings.EqualFold(p, name) || strings.EqualFold(p, string(rev)) {
			return false
		}
	}
	return mobile == "" || !strings.Contains(p, mobile)
}

const hwTime = "2006-01-02T15:04:05Z" // yyyy-MM-dd'T'HH:mm:ss'Z', UTC

// parseHWTime parses a request time filter; absent → zero time.
func parseHWTime(field string, v *string) (time.Time, *apiError) {
	if v == nil || *v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(hwTime, *v)
	if err != nil {
		return time.Time{}, paramErr(field, "must be UTC yyyy-MM-ddTHH:mm:ssZ")
	}
	return t, nil
}

func (s *Server) listSubCustomers(c *call) (any, *apiError) {
	var req struct {
		AccountName       *string `json:"account_name"`
		Customer          *string `json:"customer"`
		Offset            *int32  `json:"offset"`
		Limit             *int32  `json:"limit"`
		Label             *string `json:"label"`
		AssociationType   *string `json:"association_type"`
		AssociatedOnBegin *string `json:"associated_on_begin"`
		AssociatedOnEnd   *string `json:"associated_on_end"`
		CustomerID        *string `json:"customer_id"`
		IndirectPartnerID *string `json:"indirect_partner_id"`
	}
	if e := c.Decode(&req); e != nil {
		return nil, e
	}
	offset, limit := 0, 10
	if req.Offset != nil {
		if *req.Offset < 0 || *req.Offset > 40000000 {
			return nil, paramErr("offset", "must be between 0 and 40000000")
		}
		offset = int(*req.Offset)
	}
	if req.Limit != nil {
		if *req.Limit < 1 || *req.Limit > 100 {
			return nil, paramErr("limit", "must be between 1 and 100")
		}
		limit = int(*req.Limit)
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"account_name", req.AccountName}, {"customer", req.Customer}, {"label", req.Label}} {
		if f.v != nil && len(*f.v) > 64 {
			return nil, paramErr(f.name, "is at most 64 characters")
		}
	}
	if req.AccountName != nil && strings.Contains(*req.AccountName, " ") {
		return nil, paramErr("account_name", "must not contain spaces")
	}
	if req.AssociationType != nil && *req.AssociationType != "" && *req.AssociationType != "1" && *req.AssociationType != "2" {
		return nil, paramErr("association_type", `must be "1" or "2"`)
	}
	begin, e := parseHWTime("associated_on_begin", req.AssociatedOnBegin)
	if e != nil {
		return nil, e
	}
	end, e := parseHWTime("associated_on_end", req.AssociatedOnEnd)
	if e != nil {
		return nil, e
	}
	if req.IndirectPartnerID != nil && *req.IndirectPartnerID != "" {
		return nil, cbcErr(http.StatusBadRequest, "CBC.99000037", "You have no permission to operate this reseller.")
	}

	var hits []*customer
	// Newest first, like the Partner Center list; only customers whose
	// association has completed are the partner's customers here.
	for i := len(s.st.Customers) - 1; i >= 0; i-- {
		cu := s.st.Customers[i]
		switch {
		case !cu.associated(c.Now),
			req.AccountName != nil && *req.AccountName != "" && !strings.Contains(cu.DomainName, *req.AccountName),
			req.Customer != nil && *req.Customer != "" && (!cu.RealnameVerified() || !strings.Contains(cu.Realname.Name, *req.Customer)),
			req.Label != nil && *req.Label != "" && !strings.Contains(cu.Label, *req.Label),
			req.AssociationType != nil && *req.AssociationType != "" && cu.AssociationType != *req.AssociationType,
			req.CustomerID != nil && *req.CustomerID != "" && cu.DomainID != *req.CustomerID,
			!begin.IsZero() && cu.AssociatedOn.Before(begin),
			!end.IsZero() && cu.AssociatedOn.After(end):
			continue
		}
		hits = append(hits, cu)
	}
	infos := []map[string]any{}
	for i := offset; i < len(hits) && i < offset+limit; i++ {
		infos = append(infos, customerInfo(hits[i]))
	}
	return map[string]any{"customer_infos": infos, "count": len(hits)}, nil
}

func customerInfo(cu *customer) map[string]any {
	m := map[string]any{
		"customer_id":      cu.DomainID,
		"account_name":     cu.DomainName,
		"associated_on":    cu.AssociatedOn.UTC().Format(hwTime),
		"association_type": cu.AssociationType,
		"verified_status":  strconv.Itoa(cu.Realname.Status),
		"customer_type":    cu.Realname.CustomerType,
		"is_frozen":        0,
		"xaccount_id":      cu.XAccountID,
		"xaccount_type":    cu.XAccountType,
		"customer_level":   "V0",
	}
	if cu.Label != "" {
		m["label"] = cu.Label
	}
	if cu.RealnameVerified() {
		m["customer"] = cu.Realname.Name
	}
	if cu.MobilePhone != "" {
		m["telephone"] = cu.MobilePhone
		m["country_code"] = "0086"
	}
	if cu.Frozen {
		m["is_frozen"] = 1
		if cu.FreezeType == freezeAccountAndResource {
			m["is_frozen"] = 2
		}
	}
	return m
}

const (
	freezeAccount            = "ACCOUNT"
	freezeAccountAndResource = "ACCOUNT_AND_RESOURCE"
)

type freezeReq struct {
	CustomerIDs       []string `json:"customer_ids"`
	Reason            string   `json:"reason"`
	IndirectPartnerID *string  `json:"indirect_partner_id"`
	FreezeType        *string  `json:"freeze_type"`
	UnfreezeType      *string  `json:"unfreeze_type"`
}

func (s *Server) freezeSubCustomers(c *call) (any, *apiError) {
	return s.setFrozen(c, true)
}

func (s *Server) unfreezeSubCustomers(c *call) (any, *apiError) {
	return s.setFrozen(c, false)
}

// setFrozen freezes or unfreezes up to 10 reseller customers. Per-customer
// failures are reported in error_details with 200 when some succeed; when
// all fail, the first failure is the answer (a whole-request 400).
// Not-frozen / wrong-unfreeze-type codes are not documented; CBC.0101
// (parameter invalid) is used for them.
func (s *Server) setFrozen(c *call, freeze bool) (any, *apiError) {
	var req freezeReq
	if e := c.Decode(&req); e != nil {
		return nil, e
	}
	if len(req.CustomerIDs) == 0 || len(req.CustomerIDs) > 10 {
		return nil, paramErr("customer_ids", "must hold 1 to 10 ids")
	}
	if req.Reason == "" || len(req.Reason) > 256 {
		return nil, paramErr("reason", "is required and at most 256 characters")
	}
	typeField, typ := "freeze_type", req.FreezeType
	if !freeze {
		typeField, typ = "unfreeze_type", req.UnfreezeType
	}
	kind := freezeAccount
	if typ != nil {
		if *typ != freezeAccount && *typ != freezeAccountAndResource {
			return nil, paramErr(typeField, "must be ACCOUNT or ACCOUNT_AND_RESOURCE")
		}
		kind = *typ
	}
	if req.IndirectPartnerID != nil && *req.IndirectPartnerID != "" {
		return nil, cbcErr(http.StatusBadRequest, "CBC.99000037", "You have no permission to operate this reseller.")
	}
	var details []map[string]any
	var first *apiError
	for _, id := range req.CustomerIDs {
		e := s.freezeOne(id, freeze, kind)
		if e == nil {
			continue
		}
		if first == nil {
			first = e
		}
		details = append(details, map[string]any{"id": id, "error_code": e.Code, "error_msg": e.Msg})
	}
	if len(details) == len(req.CustomerIDs) {
		return nil, first
	}
	if len(details) > 0 {
		return map[string]any{"error_details": details}, nil
	}
	return map[string]any{}, nil
}

func (s *Server) freezeOne(id string, freeze bool, kind string) *apiError {
	cu, ok := s.st.byID[id]
	if !ok {
		return cbcErr(http.StatusBadRequest, "CBC.99000035", "The customer is not a sub-customer of the partner.")
	}
	if !cu.reseller() {
		return cbcErr(http.StatusBadRequest, "CBC.99000000", "You have no permission to operate this customer.")
	}
	switch {
	case freeze && cu.Frozen:
		return cbcErr(http.StatusBadRequest, "CBC.30000052", "The customer is already frozen.")
	case freeze:
		cu.Frozen, cu.FreezeType = true, kind
	case !cu.Frozen:
		return cbcErr(http.StatusBadRequest, "CBC.0101", "The customer is not frozen.")
	case cu.FreezeType != kind:
		return cbcErr(http.StatusBadRequest, "CBC.0101", "The unfreeze type must equal the freeze type "+cu.FreezeType+".")
	default:
		cu.Frozen, cu.FreezeType = false, ""
	}
	return nil
}
