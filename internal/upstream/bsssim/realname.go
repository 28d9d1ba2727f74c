package bsssim

import (
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"regexp"
	"strings"
	"time"
)

// verified_status values of ListSubCustomers.
const (
	verifiedNone      = -1
	verifiedReviewing = 0
	verifiedRejected  = 1
	verifiedOK        = 2
)

// review_result values of ShowRealnameAuthenticationReviewResult.
const (
	reviewPending  = 0
	reviewRejected = 1
	reviewApproved = 2
)

// realname is a customer's verification state and its latest submission.
type realname struct {
	Status       int     `json:"status"`        // verified_status
	CustomerType int     `json:"customer_type"` // -1 none, 0 individual, 1 enterprise
	Name         string  `json:"name,omitempty"`
	Review       *review `json:"review,omitempty"`
}

type review struct {
	Kind         string    `json:"kind"` // individual | enterprise | change
	IdentifyType int       `json:"identify_type"`
	Name         string    `json:"name"`
	Number       string    `json:"number"`
	Files        []string  `json:"files"`
	SubmittedAt  time.Time `json:"submitted_at"`
	Result       int       `json:"result"`
	Opinion      string    `json:"opinion,omitempty"`
	DecidedAt    time.Time `json:"decided_at,omitzero"`
}

func (s *Server) realnameOps() []op {
	return []op{
		{Name: "CreatePersonalRealnameAuth", Method: http.MethodPost, Path: "/v2/customers/realname-auths/individual", Creds: credPartner, Handle: s.createPersonalRealname},
		{Name: "CreateEnterpriseRealnameAuthentication", Method: http.MethodPost, Path: "/v2/customers/realname-auths/enterprise", Creds: credPartner, Handle: s.createEnterpriseRealname},
		{Name: "ChangeEnterpriseRealnameAuthentication", Method: http.MethodPut, Path: "/v2/customers/realname-auths/enterprise", Creds: credPartner, Handle: s.changeEnterpriseRealname},
		{Name: "ShowRealnameAuthenticationReviewResult", Method: http.MethodGet, Path: "/v2/customers/realname-auths/result", Creds: credPartner, Handle: s.showRealnameReview},
	}
}

var allowedAttachment = map[string]bool{".jpg": true, ".jpeg": true, ".bmp": true, ".png": true, ".gif": true, ".pdf": true}

// allowedContent are the formats Huawei accepts, as content sniffing names them.
var allowedContent = map[string]bool{"image/jpeg": true, "image/bmp": true, "image/png": true, "image/gif": true, "application/pdf": true}

// maxAttachmentSize is Huawei's per-file limit (docs/huawei-bss.md §2).
const maxAttachmentSize = 10 << 20

// checkAttachments applies the attachment rules: 1–4 paths relative to the
// bucket's download/ directory, formats by extension. With Config.FilesDir
// the simulator also sees the objects, as Huawei sees the bucket: each path
// must name a readable file of at most 10 MB whose content is one of the
// formats.
func (s *Server) checkAttachments(files []string, min int) *apiError {
	if len(files) == 0 || len(files) > 4 {
		return paramErr("verified_file_url", "must hold 1 to 4 attachments")
	}
	if len(files) < min {
		return paramErr("verified_file_url", "needs the attachments in the documented order")
	}
	for _, f := range files {
		if f == "" || strings.HasPrefix(f, "/") || strings.HasPrefix(f, "download/") {
			return paramErr("verified_file_url", "must be paths relative to the download/ directory")
		}
		// Extensions are matched case-insensitively; the object names
		// themselves are case-sensitive upstream.
		if !allowedAttachment[strings.ToLower(path.Ext(f))] {
			return cbcErr(http.StatusBadRequest, "CBC.99000100", "The attachment format is not supported: only jpg, jpeg, bmp, png, gif and pdf.")
		}
	}
	if s.cfg.FilesDir == "" {
		return nil
	}
	for _, f := range files {
		if e := s.checkObject(f); e != nil {
			return e
		}
	}
	return nil
}

// checkObject reads one attachment from FilesDir. Huawei documents no code
// for an object it cannot find; the simulator answers CBC.99000100, the
// attachment error a missing or unreadable object most resembles
// (docs/huawei-bss.md §2 and Appendix B: how Huawei reads the bucket is
// unconfirmed).
func (s *Server) checkObject(name string) *apiError {
	unreadable := cbcErr(http.StatusBadRequest, "CBC.99000100", "The attachment "+name+" cannot be read or its format is not supported.")
	if !fs.ValidPath(name) {
		return unreadable
	}
	root, err := os.OpenRoot(s.cfg.FilesDir)
	if err != nil {
		return unreadable
	}
	defer root.Close()
	f, err := root.Open(name)
	if err != nil {
		return unreadable
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() || st.Size() == 0 {
		return unreadable
	}
	if st.Size() > maxAttachmentSize {
		return cbcErr(http.StatusBadRequest, "CBC.99000099", "The attachment "+name+" is larger than 10 MB.")
	}
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	if !allowedContent[http.DetectContentType(head[:n])] {
		return unreadable
	}
	return nil
}

// realnameTarget finds the customer and applies the checks common to the
// three submissions.
func (s *Server) realnameTarget(id, xaccountType string) (*customer, *apiError) {
	if id == "" || len(id) > 64 {
		return nil, paramErr("customer_id", "is required and at most 64 characters")
	}
	if xaccountType == "" || len(xaccountType) > 64 {
		return nil, paramErr("xaccount_type", "is required and at most 64 characters")
	}
	if xaccountType != s.cfg.XAccountType {
		return nil, paramErr("xaccount_type", "is not the platform id issued to this partner")
	}
	cu, ok := s.st.byID[id]
	if !ok {
		return nil, cbcErr(http.StatusBadRequest, "CBC.99000035", "The customer is not a sub-customer of the partner.")
	}
	if r := cu.Realname.Review; r != nil && r.Result == reviewPending {
		return nil, cbcErr(http.StatusBadRequest, "CBC.99007188", "The customer is already real-name verified or under review.")
	}
	return cu, nil
}

// certificateCap: one certificate number may verify at most three accounts.
const certificateCap = 3

func (s *Server) certificateUses(number, except string) int {
	n := 0
	for _, cu := range s.st.Customers {
		r := cu.Realname.Review
		if cu.DomainID == except || r == nil || r.Number != number || r.Result == reviewRejected {
			continue
		}
		n++
	}
	return n
}

var (
	reBankAccount = regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`)
	reRegCountry  = regexp.MustCompile(`^[A-Z]{2}$`)
	reCorpNameBad = regexp.MustCompile(`^[\d\s\p{P}\p{S}]+$`)
)

var validVerifiedType = map[int32]bool{3: true, 5: true, 6: true, 9: true, 10: true}

func (s *Server) createPersonalRealname(c *call) (any, *apiError) {
	var req struct {
		CustomerID      string   `json:"customer_id"`
		IdentifyType    *int32   `json:"identify_type"`
		VerifiedType    *int32   `json:"verified_type"`
		VerifiedFileURL []string `json:"verified_file_url"`
		Name            string   `json:"name"`
		VerifiedNumber  string   `json:"verified_number"`
		ChangeType      *int32   `json:"change_type"`
		XAccountType    string   `json:"xaccount_type"`
		BankCardInfo    *struct {
			BankAccount      string `json:"bank_account"`
			Areacode         string `json:"areacode"`
			Mobile           string `json:"mobile"`
			VerificationCode string `json:"verification_code"`
		} `json:"bank_card_info"`
	}
	if e := c.Decode(&req); e != nil {
		return nil, e
	}
	if req.IdentifyType == nil || (*req.IdentifyType != 0 && *req.IdentifyType != 4) {
		return nil, paramErr("identify_type", "must be 0 or 4")
	}
	minFiles := 1
	if req.VerifiedType != nil {
		if *req.IdentifyType != 0 || !validVerifiedType[*req.VerifiedType] {
			return nil, paramErr("verified_type", "must be 3, 5, 6, 9 or 10 with identify_type 0")
		}
		minFiles = 3
	}
	if e := s.checkAttachments(req.VerifiedFileURL, minFiles); e != nil {
		return nil, e
	}
	if req.Name == "" || len(req.Name) > 255 {
		return nil, paramErr("name", "is required and at most 255 characters")
	}
	if req.VerifiedNumber == "" || len(req.VerifiedNumber) > 32 {
		return nil, paramErr("verified_number", "is required and at most 32 characters")
	}
	if req.ChangeType != nil && *req.ChangeType != -1 {
		return nil, paramErr("change_type", "must be -1")
	}
	cu, e := s.realnameTarget(req.CustomerID, req.XAccountType)
	if e != nil {
		return nil, e
	}
	if cu.RealnameVerified() {
		return nil, cbcErr(http.StatusBadRequest, "CBC.99007188", "The customer is already real-name verified or under review.")
	}
	bankCard := *req.IdentifyType == 4
	if bankCard {
		b := req.BankCardInfo
		switch {
		case b == nil:
			return nil, paramErr("bank_card_info", "is required with identify_type 4")
		case !reBankAccount.MatchString(b.BankAccount):
			return nil, paramErr("bank_card_info.bank_account", "must be letters, digits and '-'")
		case b.Areacode != "0086":
			return nil, paramErr("bank_card_info.areacode", "must be 0086")
		case !reMobileCN.MatchString(b.Mobile):
			return nil, paramErr("bank_card_info.mobile", "must be a mainland China mobile number")
		}
		if e := s.verifySMS(c.Now, b.Mobile, 18, cu.DomainID, b.VerificationCode); e != nil {
			// The individual real-name page documents only "code expired"
			// for verification-code problems.
			return nil, cbcErr(http.StatusBadRequest, "CBC.99000027", "The verification code has expired or is invalid.")
		}
	}
	if s.certificateUses(req.VerifiedNumber, cu.DomainID) >= certificateCap {
		return nil, cbcErr(http.StatusBadRequest, "CBC.99007189", "Too many accounts have been verified with this certificate number.")
	}
	r := &review{Kind: "individual", IdentifyType: int(*req.IdentifyType), Name: req.Name, Number: req.VerifiedNumber,
		Files: req.VerifiedFileURL, SubmittedAt: c.Now, Result: reviewPending}
	cu.Realname.Review = r
	if bankCard {
		// Bank-card verification is checked online with UnionPay: no manual review.
		s.decide(cu, true, "", c.Now)
		return map[string]any{"is_review": 0}, nil
	}
	cu.Realname.Status = verifiedReviewing
	return map[string]any{"is_review": 1}, nil
}

type enterpriseReq struct {
	CustomerID       string   `json:"customer_id"`
	IdentifyType     *int32   `json:"identify_type"`
	CertificateType  *int32   `json:"certificate_type"`
	VerifiedFileURL  []string `json:"verified_file_url"`
	CorpName         string   `json:"corp_name"`
	VerifiedNumber   string   `json:"verified_number"`
	RegCountry       *string  `json:"reg_country"`
	RegAddress       *string  `json:"reg_address"`
	ChangeType       *int32   `json:"change_type"`
	XAccountType     string   `json:"xaccount_type"`
	EnterprisePerson *struct {
		LegelName     string  `json:"legel_name"`
		LegelIDNumber string  `json:"legel_id_number"`
		CertifierRole *string `json:"certifier_role"`
	} `json:"enterprise_person"`
}

var validCertificateType = map[int32]bool{0: true, 1: true, 2: true, 3: true, 4: true, 99: true}

func (s *Server) checkEnterprise(req *enterpriseReq) *apiError {
	if req.IdentifyType == nil || *req.IdentifyType != 1 {
		return paramErr("identify_type", "must be 1")
	}
	if req.CertificateType != nil && !validCertificateType[*req.CertificateType] {
		return paramErr("certificate_type", "must be 0, 1, 2, 3, 4 or 99")
	}
	minFiles := 1
	if p := req.EnterprisePerson; p != nil {
		switch {
		case p.LegelName == "" || len(p.LegelName) > 255:
			return paramErr("enterprise_person.legel_name", "is required and at most 255 characters")
		case p.LegelIDNumber == "" || len(p.LegelIDNumber) > 32:
			return paramErr("enterprise_person.legel_id_number", "is required and at most 32 characters")
		case p.CertifierRole != nil && *p.CertifierRole != "legalPerson":
			return paramErr("enterprise_person.certifier_role", "must be legalPerson")
		}
		minFiles = 3 // certificate, then ID-card portrait side, then emblem side
	}
	if e := s.checkAttachments(req.VerifiedFileURL, minFiles); e != nil {
		return e
	}
	if req.CorpName == "" || len(req.CorpName) > 255 || reCorpNameBad.MatchString(req.CorpName) {
		return paramErr("corp_name", "is required, at most 255 characters, and not only digits, symbols or spaces")
	}
	if req.VerifiedNumber == "" || len(req.VerifiedNumber) > 64 {
		return paramErr("verified_number", "is required and at most 64 characters")
	}
	if req.RegCountry != nil && *req.RegCountry != "" && !reRegCountry.MatchString(*req.RegCountry) {
		return paramErr("reg_country", "must be an ISO 3166 alpha-2 code")
	}
	return nil
}

func (s *Server) createEnterpriseRealname(c *call) (any, *apiError) {
	var req enterpriseReq
	if e := c.Decode(&req); e != nil {
		return nil, e
	}
	if e := s.checkEnterprise(&req); e != nil {
		return nil, e
	}
	cu, e := s.realnameTarget(req.CustomerID, req.XAccountType)
	if e != nil {
		return nil, e
	}
	if cu.RealnameVerified() {
		return nil, cbcErr(http.StatusBadRequest, "CBC.99007188", "The customer is already real-name verified or under review.")
	}
	if s.certificateUses(req.VerifiedNumber, cu.DomainID) >= certificateCap {
		return nil, cbcErr(http.StatusBadRequest, "CBC.99007191", "The number of verification attempts exceeds the limit.")
	}
	cu.Realname.Review = &review{Kind: "enterprise", IdentifyType: 1, Name: req.CorpName, Number: req.VerifiedNumber,
		Files: req.VerifiedFileURL, SubmittedAt: c.Now, Result: reviewPending}
	cu.Realname.Status = verifiedReviewing
	return map[string]any{"is_review": 1}, nil
}

func (s *Server) changeEnterpriseRealname(c *call) (any, *apiError) {
	var req enterpriseReq
	if e := c.Decode(&req); e != nil {
		return nil, e
	}
	if req.ChangeType == nil || *req.ChangeType != 1 {
		return nil, paramErr("change_type", "must be 1 (individual to enterprise)")
	}
	if e := s.checkEnterprise(&req); e != nil {
		return nil, e
	}
	cu, e := s.realnameTarget(req.CustomerID, req.XAccountType)
	if e != nil {
		return nil, e
	}
	if !cu.RealnameVerified() || cu.Realname.CustomerType != 0 {
		return nil, cbcErr(http.StatusBadRequest, "CBC.99007004", "Only a verified individual customer can change to enterprise verification.")
	}
	// The customer stays a verified individual while the change is reviewed.
	cu.Realname.Review = &review{Kind: "change", IdentifyType: 1, Name: req.CorpName, Number: req.VerifiedNumber,
		Files: req.VerifiedFileURL, SubmittedAt: c.Now, Result: reviewPending}
	return map[string]any{"is_review": 1}, nil
}

func (s *Server) showRealnameReview(c *call) (any, *apiError) {
	id := c.Query("customer_id")
	if id == "" || len(id) > 64 {
		return nil, paramErr("customer_id", "is required and at most 64 characters")
	}
	cu, ok := s.st.byID[id]
	if !ok {
		return nil, cbcErr(http.StatusBadRequest, "CBC.99000035", "The customer is not a sub-customer of the partner.")
	}
	r := cu.Realname.Review
	if r == nil {
		return map[string]any{}, nil
	}
	out := map[string]any{"review_result": r.Result}
	if r.Result == reviewRejected {
		out["opinion"] = r.Opinion
	}
	return out, nil
}

// decide closes the pending review of cu.
func (s *Server) decide(cu *customer, approve bool, opinion string, now time.Time) {
	r := cu.Realname.Review
	r.DecidedAt = now
	if approve {
		r.Result = reviewApproved
		cu.Realname.Status = verifiedOK
		cu.Realname.Name = r.Name
		cu.Realname.CustomerType = 0
		if r.Kind != "individual" {
			cu.Realname.CustomerType = 1
		}
		return
	}
	r.Result = reviewRejected
	r.Opinion = opinion
	if r.Kind != "change" {
		cu.Realname.Status = verifiedRejected
	}
}

// reviewTick auto-approves reviews pending for ReviewDelay of virtual time.
func (s *Server) reviewTick(now time.Time) {
	if s.cfg.ReviewDelay <= 0 {
		return
	}
	for _, cu := range s.st.Customers {
		r := cu.Realname.Review
		if r != nil && r.Result == reviewPending && !now.Before(r.SubmittedAt.Add(s.cfg.ReviewDelay)) {
			s.decide(cu, true, "", r.SubmittedAt.Add(s.cfg.ReviewDelay))
		}
	}
}
