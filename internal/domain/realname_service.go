package domain

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"regexp"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// RealNameCloud is what real-name verification needs from Huawei: the
// submissions and the review, plus the SMS code of the bank-card scheme.
type RealNameCloud interface {
	CloudRealName
	SendVerificationCode(ctx context.Context, req CloudVerificationCodeRequest) error
}

// RealNameDeps wires a RealNameService.
type RealNameDeps struct {
	Store  Store
	Cloud  RealNameCloud
	Clock  Clock
	Cipher Cipher
	Index  BlindIndexer
	Files  Files
	// PollInterval is the wait before the first re-read of a review that is
	// still under way; each round doubles it, up to PollMaxInterval. Zero
	// values: DefaultPollInterval and DefaultPollMaxInterval.
	PollInterval    time.Duration
	PollMaxInterval time.Duration
}

// Review polling defaults: quick at first (a review can be fast), then
// backing off so a review that takes days costs a few hundred reads, well
// inside Huawei's per-partner rate limit (docs/huawei-bss.md §8.9).
const (
	DefaultPollInterval    = 5 * time.Second
	DefaultPollMaxInterval = 5 * time.Minute
)

// bankCardCodeValidity is how long Huawei's SMS codes live by default
// (docs/huawei-bss.md §1.2).
const bankCardCodeValidity = 10 * time.Minute

// RealNameService holds the use cases of real-name verification
// (docs/design.md §4): attachment files, applications submitted to Huawei
// in a job, and the job that polls the review. Names and numbers are sealed
// with Cipher before they reach the store and leave only masked.
type RealNameService struct {
	store   Store
	cloud   RealNameCloud
	clock   Clock
	cipher  Cipher
	index   BlindIndexer
	files   Files
	poll    time.Duration
	pollMax time.Duration
}

// NewRealNameService wires the service.
func NewRealNameService(d RealNameDeps) *RealNameService {
	s := &RealNameService{store: d.Store, cloud: d.Cloud, clock: d.Clock, cipher: d.Cipher, index: d.Index, files: d.Files,
		poll: d.PollInterval, pollMax: d.PollMaxInterval}
	if s.poll <= 0 {
		s.poll = DefaultPollInterval
	}
	if s.pollMax <= 0 {
		s.pollMax = DefaultPollMaxInterval
	}
	s.pollMax = max(s.pollMax, s.poll)
	return s
}

// --- jobs ---

// SubmitRealNameJob submits an application to Huawei.
type SubmitRealNameJob struct {
	ApplicationID uuid.UUID `json:"application_id"`
}

// Kind implements Job.
func (SubmitRealNameJob) Kind() string { return "realname_submit" }

// JobOptions implements JobWithOptions: one submission job per application.
func (SubmitRealNameJob) JobOptions() JobOptions { return JobOptions{Unique: true} }

// PollRealNameReviewJob reads the review of an application in review. Each
// round enqueues the next one while the review lasts; Round is part of the
// unique arguments, so two chains for one application cannot both go on.
type PollRealNameReviewJob struct {
	ApplicationID uuid.UUID `json:"application_id"`
	Round         int       `json:"round"`
	RunAt         time.Time `json:"-"`
}

// Kind implements Job.
func (PollRealNameReviewJob) Kind() string { return "realname_poll_review" }

// JobOptions implements JobWithOptions.
func (j PollRealNameReviewJob) JobOptions() JobOptions {
	return JobOptions{Unique: true, RunAt: j.RunAt}
}

// pollDelay is the wait before round+1: PollInterval doubled per round, capped.
func (s *RealNameService) pollDelay(round int) time.Duration {
	d := s.poll
	for i := 1; i < round && d < s.pollMax; i++ {
		d *= 2
	}
	return min(d, s.pollMax)
}

// --- access ---

// visibleCustomer loads a customer the actor may see; another customer's
// answers the same as a missing one (docs/design.md §2.10).
func (s *RealNameService) visibleCustomer(ctx context.Context, actor Principal, id uuid.UUID) (Customer, error) {
	cu, err := s.store.Customers().CustomerByID(ctx, id)
	if errors.Is(err, ErrNotFound) || (err == nil && !cu.VisibleTo(actor)) {
		return Customer{}, Errorf(CodeNotFound, "customer not found")
	}
	return cu, err
}

// mayActFor: the customer itself, or sales staff on its behalf.
func mayActFor(actor Principal, cu Customer) bool {
	return actor.Kind == PrincipalUser && (cu.UserID == actor.ID || actor.HasAnyRole(RoleOperator, RoleAdmin))
}

func (s *RealNameService) actingCustomer(ctx context.Context, actor Principal, id uuid.UUID) (Customer, error) {
	cu, err := s.visibleCustomer(ctx, actor, id)
	if err != nil {
		return Customer{}, err
	}
	if !mayActFor(actor, cu) {
		return Customer{}, Errorf(CodeForbidden, "only the customer or sales staff may do this")
	}
	return cu, nil
}

// --- files ---

// UploadFileInput is one upload. CustomerID is required from staff; a
// customer uploads for itself (giving its own id, or none).
type UploadFileInput struct {
	CustomerID *uuid.UUID
	Purpose    FilePurpose
	Content    io.Reader
}

// UploadFile stores an attachment: at most MaxFileSize bytes, of a type
// decided by its content (jpg, png, gif, bmp or pdf), under
// realname/<customer>/<file>.<ext>. Errors: CodeValidation,
// CodeNotFound (customer), CodeConflict (not a customer yet),
// CodeUnsupportedMediaType, CodePayloadTooLarge, ErrForbidden.
func (s *RealNameService) UploadFile(ctx context.Context, actor Principal, in UploadFileInput) (File, error) {
	if in.Purpose != FilePurposeRealName {
		return File{}, fieldError("purpose", "enum", "must be realname")
	}
	cu, err := s.uploadTarget(ctx, actor, in.CustomerID)
	if err != nil {
		return File{}, err
	}
	head := make([]byte, SniffLen)
	n, err := io.ReadFull(in.Content, head)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return File{}, Wrap(err, CodeInvalid, "the file could not be read")
	}
	head = head[:n]
	if n == 0 {
		return File{}, fieldError("file", "required", "is empty")
	}
	contentType, ext, ok := SniffContentType(head)
	if !ok {
		return File{}, Errorf(CodeUnsupportedMediaType, "the file is not a jpg, jpeg, png, gif, bmp or pdf (judged by its content, not its name)")
	}
	now := s.clock.Now()
	f := File{ID: uuid.Must(uuid.NewV7()), CustomerID: cu.ID, Purpose: in.Purpose, ContentType: contentType,
		UploadedBy: actor.ID, CreatedAt: now}
	f.StorageKey = fmt.Sprintf("realname/%s/%s.%s", cu.ID, f.ID, ext)
	body := &measured{r: io.MultiReader(bytes.NewReader(head), in.Content), h: sha256.New(), max: MaxFileSize}
	if err := s.files.Put(ctx, f.StorageKey, body); err != nil {
		return File{}, err
	}
	f.Size, f.SHA256 = body.n, body.h.Sum(nil)
	err = s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.RealName().CreateFile(ctx, f); err != nil {
			return err
		}
		return tx.Audit().Append(ctx, NewAuditEvent(ctx, s.clock, actor, "file.upload", "file", f.ID, map[string]any{
			"customer_id": cu.ID, "purpose": f.Purpose, "content_type": f.ContentType, "size": f.Size}))
	})
	if err != nil {
		// Without its row the object is unreachable: take it back.
		_ = s.files.Remove(context.WithoutCancel(ctx), f.StorageKey)
		return File{}, err
	}
	return f, nil
}

func (s *RealNameService) uploadTarget(ctx context.Context, actor Principal, id *uuid.UUID) (Customer, error) {
	if actor.Kind == PrincipalUser && actor.HasAnyRole(RoleOperator, RoleAdmin) {
		if id == nil {
			return Customer{}, fieldError("customer_id", "required", "staff upload for a customer: name it")
		}
		return s.actingCustomer(ctx, actor, *id)
	}
	if actor.Kind != PrincipalUser || !actor.HasAnyRole(RoleCustomer) {
		return Customer{}, Errorf(CodeForbidden, "only the customer or sales staff may upload")
	}
	cu, err := s.store.Customers().CustomerByUserID(ctx, actor.ID)
	if errors.Is(err, ErrNotFound) {
		if id != nil {
			return Customer{}, Errorf(CodeNotFound, "customer not found")
		}
		return Customer{}, Errorf(CodeConflict, "become a customer before uploading real-name attachments")
	}
	if err != nil {
		return Customer{}, err
	}
	if id != nil && *id != cu.ID {
		return Customer{}, Errorf(CodeNotFound, "customer not found")
	}
	return cu, nil
}

// measured counts and hashes what passes and fails past max bytes.
type measured struct {
	r   io.Reader
	h   hash.Hash
	n   int64
	max int64
}

func (m *measured) Read(p []byte) (int, error) {
	n, err := m.r.Read(p)
	m.n += int64(n)
	m.h.Write(p[:n])
	if m.n > m.max {
		return n, Errorf(CodePayloadTooLarge, "the file is larger than %d bytes", m.max)
	}
	return n, err
}

// File returns an attachment's metadata to its customer and staff.
// Errors: CodeNotFound (missing or not the caller's).
func (s *RealNameService) File(ctx context.Context, actor Principal, id uuid.UUID) (File, error) {
	f, err := s.store.RealName().FileByID(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return File{}, Errorf(CodeNotFound, "file not found")
	}
	if err != nil {
		return File{}, err
	}
	if _, err := s.visibleCustomer(ctx, actor, f.CustomerID); errors.Is(err, ErrNotFound) {
		return File{}, Errorf(CodeNotFound, "file not found")
	} else if err != nil {
		return File{}, err
	}
	return f, nil
}

// --- bank-card SMS code ---

var reMobileCN = regexp.MustCompile(`^1[3-9][0-9]{9}$`)

// SendBankCardCode asks Huawei to send the SMS code of the bank-card scheme
// (scene 18) to the mobile the card is registered with; the code goes into
// the application. It returns when the code expires. Errors: CodeNotFound,
// ErrForbidden, CodeConflict (no Huawei account yet), CodeValidation,
// ErrUpstreamThrottled (Huawei's per-number limits).
func (s *RealNameService) SendBankCardCode(ctx context.Context, actor Principal, customerID uuid.UUID, mobile string) (time.Time, error) {
	cu, err := s.actingCustomer(ctx, actor, customerID)
	if err != nil {
		return time.Time{}, err
	}
	if !reMobileCN.MatchString(mobile) {
		return time.Time{}, fieldError("mobile", "pattern", "must be a mainland China mobile number")
	}
	if cu.DomainID == "" {
		return time.Time{}, errNoHuaweiAccount()
	}
	now := s.clock.Now()
	err = s.cloud.SendVerificationCode(ctx, CloudVerificationCodeRequest{Mobile: mobile, Scene: CloudSMSBankCardRealName, CustomerID: cu.DomainID})
	if err != nil {
		return time.Time{}, err
	}
	return now.Add(bankCardCodeValidity), nil
}

func errNoHuaweiAccount() error {
	return Errorf(CodeConflict, "the customer's Huawei account does not exist yet: registration is not finished")
}

// --- applications ---

// LegalPerson is an enterprise's legal representative.
type LegalPerson struct {
	Name     string
	IDNumber string
}

// ApplicationInput is what a customer (or operator) applies with; which
// fields apply depends on Kind and IDType (docs/huawei-bss.md §2).
type ApplicationInput struct {
	Kind            RealNameKind
	IDType          RealNameIDType
	Name            string
	IDNumber        string
	BankAccount     string
	Mobile          string // the bank card's mobile
	SMSCode         string
	CompanyName     string
	CreditCode      string
	CertificateType CertificateType
	LegalPerson     *LegalPerson
	RegCountry      string
	RegAddress      string
	FileIDs         []uuid.UUID
}

var (
	reBankAccount = regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`)
	reRegCountry  = regexp.MustCompile(`^[A-Z]{2}$`)
	reCorpNameBad = regexp.MustCompile(`^[\d\s\p{P}\p{S}]+$`)
)

// validate checks the input's shape; every problem is one field error.
func (in ApplicationInput) validate() []FieldError {
	var fe []FieldError
	bad := func(field, code, msg string) { fe = append(fe, FieldError{Field: field, Code: code, Message: msg}) }
	text := func(field, v string, maxRunes int) {
		switch {
		case v == "":
			bad(field, "required", "is required")
		case utf8.RuneCountInString(v) > maxRunes:
			bad(field, "maxLength", fmt.Sprintf("at most %d characters", maxRunes))
		}
	}
	absent := func(field string, present bool, why string) {
		if present {
			bad(field, "not_allowed", why)
		}
	}
	files := len(in.FileIDs)
	switch in.Kind {
	case RealNameIndividual:
		text("name", in.Name, 255)
		text("id_number", in.IDNumber, 32)
		const notIndividual = "not for an individual"
		absent("company_name", in.CompanyName != "", notIndividual)
		absent("credit_code", in.CreditCode != "", notIndividual)
		absent("certificate_type", in.CertificateType != "", notIndividual)
		absent("legal_person", in.LegalPerson != nil, notIndividual)
		absent("reg_country", in.RegCountry != "", notIndividual)
		absent("reg_address", in.RegAddress != "", notIndividual)
		switch {
		case in.IDType == IDBankCard:
			if files != 1 {
				bad("file_ids", "count", "the bank-card scheme takes exactly one attachment: a face photo")
			}
			if !reBankAccount.MatchString(in.BankAccount) {
				bad("bank_account", "pattern", "is required: letters, digits and '-', at most 64")
			}
			if !reMobileCN.MatchString(in.Mobile) {
				bad("mobile", "pattern", "is required: the card's mainland China mobile number")
			}
			if !reSMSCode.MatchString(in.SMSCode) {
				bad("sms_code", "pattern", "is required: the 6-digit code sent for the bank-card scheme")
			}
		case verifiedType[in.IDType] != 0:
			if files != certificatePageCount {
				bad("file_ids", "count", "a certificate takes exactly three attachments, in order: identity page, back or entry-stamp page, hand-held photo of the identity page")
			}
			const onlyBankCard = "only with id_type bank_card"
			absent("bank_account", in.BankAccount != "", onlyBankCard)
			absent("mobile", in.Mobile != "", onlyBankCard)
			absent("sms_code", in.SMSCode != "", onlyBankCard)
		case in.IDType == "":
			bad("id_type", "required", "is required for an individual")
		default:
			bad("id_type", "enum", "is not a known scheme")
		}
	case RealNameEnterprise, RealNameChange:
		text("company_name", in.CompanyName, 255)
		if in.CompanyName != "" && reCorpNameBad.MatchString(in.CompanyName) {
			bad("company_name", "pattern", "cannot be only digits, symbols or spaces")
		}
		text("credit_code", in.CreditCode, 64)
		if _, ok := certificateCode[in.CertificateType]; !ok && in.CertificateType != "" {
			bad("certificate_type", "enum", "is not a known certificate")
		}
		if p := in.LegalPerson; p != nil {
			text("legal_person.name", p.Name, 255)
			text("legal_person.id_number", p.IDNumber, 32)
			if files < 3 {
				bad("file_ids", "count", "with a legal person: the organisation certificate, then the person's ID portrait side and emblem side")
			}
		}
		if in.RegCountry != "" && !reRegCountry.MatchString(in.RegCountry) {
			bad("reg_country", "pattern", "must be an ISO 3166 alpha-2 code")
		}
		if utf8.RuneCountInString(in.RegAddress) > 512 {
			bad("reg_address", "maxLength", "at most 512 characters")
		}
		const notEnterprise = "not for an enterprise"
		absent("id_type", in.IDType != "", notEnterprise)
		absent("name", in.Name != "", notEnterprise+": use company_name")
		absent("id_number", in.IDNumber != "", notEnterprise+": use credit_code")
		absent("bank_account", in.BankAccount != "", notEnterprise)
		absent("mobile", in.Mobile != "", notEnterprise)
		absent("sms_code", in.SMSCode != "", notEnterprise)
	default:
		bad("kind", "enum", "must be individual, enterprise or change")
	}
	switch {
	case files == 0:
		bad("file_ids", "required", "at least one attachment")
	case files > MaxAttachments:
		bad("file_ids", "maxItems", fmt.Sprintf("at most %d attachments", MaxAttachments))
	}
	seen := map[uuid.UUID]bool{}
	for i, id := range in.FileIDs {
		if seen[id] {
			bad(fmt.Sprintf("file_ids[%d]", i), "duplicate", "the same file twice")
		}
		seen[id] = true
	}
	return fe
}

// Apply records an application and enqueues its submission, in one
// transaction. The customer must have its Huawei account and no
// application pending or in review; change needs a verified individual,
// the other kinds an unverified customer. Attachments must be this
// customer's realname files: a missing file and another customer's file
// get the same field error (docs/design.md §2.10).
// Errors: CodeNotFound, ErrForbidden, CodeValidation, CodeConflict.
func (s *RealNameService) Apply(ctx context.Context, actor Principal, customerID uuid.UUID, in ApplicationInput) (ApplicationView, error) {
	cu, err := s.actingCustomer(ctx, actor, customerID)
	if err != nil {
		return ApplicationView{}, err
	}
	if fe := in.validate(); len(fe) > 0 {
		return ApplicationView{}, &Error{Code: CodeValidation, Message: "the application is not valid", Fields: fe}
	}
	if cu.DomainID == "" {
		return ApplicationView{}, errNoHuaweiAccount()
	}
	if err := s.checkAttachments(ctx, cu.ID, in.FileIDs); err != nil {
		return ApplicationView{}, err
	}
	if in.Kind != RealNameIndividual && in.CertificateType == "" {
		in.CertificateType = CertBusinessLicense
	}
	now := s.clock.Now()
	a := RealNameApplication{
		ID: uuid.Must(uuid.NewV7()), CustomerID: cu.ID, Kind: in.Kind, Status: ApplicationPending,
		IDType: in.IDType, CertificateType: in.CertificateType, RegCountry: in.RegCountry, RegAddress: in.RegAddress,
		FileIDs: in.FileIDs, CreatedBy: actor.ID, CreatedAt: now, UpdatedAt: now,
	}
	if a.Sealed, err = s.seal(a.ID, in); err != nil {
		return ApplicationView{}, err
	}
	err = s.store.InTx(ctx, func(tx Tx) error {
		// The lock orders applications of one customer; the partial unique
		// index is the backstop.
		cu, err := tx.Customers().CustomerForUpdate(ctx, cu.ID)
		if err != nil {
			return err
		}
		rs := tx.RealName()
		if open, err := rs.LatestApplication(ctx, cu.ID, ApplicationPending, ApplicationInReview); err == nil {
			return Errorf(CodeConflict, "application %s is %s: wait for its outcome", open.ID, open.Status)
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		if err := s.checkKindAllowed(ctx, rs, cu, in.Kind); err != nil {
			return err
		}
		if err := rs.CreateApplication(ctx, a); err != nil {
			return err
		}
		details := map[string]any{"application_id": a.ID, "kind": a.Kind, "attachments": len(a.FileIDs)}
		if a.IDType != "" {
			details["id_type"] = a.IDType
		}
		if a.CertificateType != "" {
			details["certificate_type"] = a.CertificateType
		}
		if err := tx.Audit().Append(ctx, NewAuditEvent(ctx, s.clock, actor, "realname.apply", "customer", cu.ID, details)); err != nil {
			return err
		}
		return tx.Enqueue(ctx, SubmitRealNameJob{ApplicationID: a.ID})
	})
	if err != nil {
		return ApplicationView{}, err
	}
	return s.view(a)
}

// checkAttachments: every id names a realname file of this customer.
func (s *RealNameService) checkAttachments(ctx context.Context, customerID uuid.UUID, ids []uuid.UUID) error {
	found, err := s.store.RealName().FilesByID(ctx, ids)
	if err != nil {
		return err
	}
	ok := map[uuid.UUID]bool{}
	for _, f := range found {
		ok[f.ID] = f.CustomerID == customerID && f.Purpose == FilePurposeRealName
	}
	var fe []FieldError
	for i, id := range ids {
		if !ok[id] {
			fe = append(fe, FieldError{Field: fmt.Sprintf("file_ids[%d]", i), Code: "not_found", Message: "no such real-name file of this customer"})
		}
	}
	if len(fe) > 0 {
		return &Error{Code: CodeValidation, Message: "an attachment is not this customer's real-name file", Fields: fe}
	}
	return nil
}

// checkKindAllowed: individual and enterprise verify a customer that is not
// verified; change turns a verified individual into an enterprise.
func (s *RealNameService) checkKindAllowed(ctx context.Context, rs RealNameStore, cu Customer, kind RealNameKind) error {
	if kind != RealNameChange {
		if cu.RealNameStatus == RealNameVerified {
			return Errorf(CodeConflict, "the customer is already verified; a verified individual may apply with kind change")
		}
		return nil
	}
	if cu.RealNameStatus != RealNameVerified {
		return Errorf(CodeConflict, "kind change needs a customer verified as an individual")
	}
	last, err := rs.LatestApplication(ctx, cu.ID, ApplicationVerified)
	if errors.Is(err, ErrNotFound) || (err == nil && last.Kind != RealNameIndividual) {
		return Errorf(CodeConflict, "kind change needs a customer verified as an individual")
	}
	return err
}

// --- sealing ---

// Field names in the associated data: a sealed value opens only for its
// own application and field.
const (
	fieldName        = "name"
	fieldNumber      = "number"
	fieldBankAccount = "bank_account"
	fieldBankMobile  = "bank_mobile"
	fieldSMSCode     = "sms_code"
	fieldLegalName   = "legal_name"
	fieldLegalNumber = "legal_number"
)

func sealAD(id uuid.UUID, field string) []byte {
	return []byte("realname_applications:" + id.String() + ":" + field)
}

func (s *RealNameService) seal(id uuid.UUID, in ApplicationInput) (SealedFields, error) {
	var out SealedFields
	var firstErr error
	put := func(dst *[]byte, field, v string) {
		if v == "" || firstErr != nil {
			return
		}
		b, err := s.cipher.Seal([]byte(v), sealAD(id, field))
		if err != nil {
			firstErr = err
			return
		}
		*dst = b
	}
	name, number := in.Name, in.IDNumber
	if in.Kind != RealNameIndividual {
		name, number = in.CompanyName, in.CreditCode
	}
	put(&out.Name, fieldName, name)
	put(&out.Number, fieldNumber, number)
	put(&out.BankAccount, fieldBankAccount, in.BankAccount)
	put(&out.BankMobile, fieldBankMobile, in.Mobile)
	put(&out.SMSCode, fieldSMSCode, in.SMSCode)
	if p := in.LegalPerson; p != nil {
		put(&out.LegalName, fieldLegalName, p.Name)
		put(&out.LegalNumber, fieldLegalNumber, p.IDNumber)
	}
	return out, firstErr
}

// opened are an application's sensitive values in clear: they exist only
// while a use case needs them and never leave the service unmasked.
type opened struct {
	Name, Number, BankAccount, BankMobile, SMSCode, LegalName, LegalNumber string
}

func (s *RealNameService) open(a RealNameApplication) (opened, error) {
	var out opened
	var firstErr error
	get := func(dst *string, field string, v []byte) {
		if v == nil || firstErr != nil {
			return
		}
		b, err := s.cipher.Open(v, sealAD(a.ID, field))
		if err != nil {
			firstErr = Wrap(err, CodeInternal, "a sealed field cannot be opened")
			return
		}
		*dst = string(b)
	}
	get(&out.Name, fieldName, a.Sealed.Name)
	get(&out.Number, fieldNumber, a.Sealed.Number)
	get(&out.BankAccount, fieldBankAccount, a.Sealed.BankAccount)
	get(&out.BankMobile, fieldBankMobile, a.Sealed.BankMobile)
	get(&out.SMSCode, fieldSMSCode, a.Sealed.SMSCode)
	get(&out.LegalName, fieldLegalName, a.Sealed.LegalName)
	get(&out.LegalNumber, fieldLegalNumber, a.Sealed.LegalNumber)
	return out, firstErr
}

// --- views ---

// ApplicationView is an application as callers see it: every name and
// number masked.
type ApplicationView struct {
	ID              uuid.UUID
	CustomerID      uuid.UUID
	Kind            RealNameKind
	Status          ApplicationStatus
	IDType          RealNameIDType
	CertificateType CertificateType
	Name            string // individual, masked
	IDNumber        string // individual, masked
	BankAccount     string // bank-card scheme, masked
	CompanyName     string // enterprise and change, masked
	CreditCode      string // enterprise and change, masked
	LegalPerson     *LegalPerson
	RegCountry      string
	FileIDs         []uuid.UUID
	Opinion         string
	Upstream        *UpstreamDetail
	CreatedAt       time.Time
	UpdatedAt       time.Time
	DecidedAt       *time.Time
}

func (s *RealNameService) view(a RealNameApplication) (ApplicationView, error) {
	o, err := s.open(a)
	if err != nil {
		return ApplicationView{}, err
	}
	v := ApplicationView{
		ID: a.ID, CustomerID: a.CustomerID, Kind: a.Kind, Status: a.Status, IDType: a.IDType, CertificateType: a.CertificateType,
		RegCountry: a.RegCountry, FileIDs: a.FileIDs, Opinion: a.Opinion, Upstream: a.Upstream,
		CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt, DecidedAt: a.DecidedAt,
	}
	if a.Kind == RealNameIndividual {
		v.Name, v.IDNumber, v.BankAccount = MaskName(o.Name), MaskNumber(o.Number), MaskTail(o.BankAccount)
	} else {
		v.CompanyName, v.CreditCode = MaskCompany(o.Name), MaskNumber(o.Number)
	}
	if o.LegalName != "" {
		v.LegalPerson = &LegalPerson{Name: MaskName(o.LegalName), IDNumber: MaskNumber(o.LegalNumber)}
	}
	return v, nil
}

// Applications lists a customer's applications, newest first.
// Errors: CodeNotFound.
func (s *RealNameService) Applications(ctx context.Context, actor Principal, customerID, after uuid.UUID, limit int) (Page[ApplicationView], error) {
	cu, err := s.visibleCustomer(ctx, actor, customerID)
	if err != nil {
		return Page[ApplicationView]{}, err
	}
	items, err := s.store.RealName().ListApplications(ctx, cu.ID, after, limit+1)
	if err != nil {
		return Page[ApplicationView]{}, err
	}
	page := pageOf(items, limit, func(a RealNameApplication) uuid.UUID { return a.ID })
	out := Page[ApplicationView]{Items: make([]ApplicationView, len(page.Items)), Next: page.Next}
	for i, a := range page.Items {
		if out.Items[i], err = s.view(a); err != nil {
			return Page[ApplicationView]{}, err
		}
	}
	return out, nil
}

// Application returns one application of a customer. Errors: CodeNotFound.
func (s *RealNameService) Application(ctx context.Context, actor Principal, customerID, id uuid.UUID) (ApplicationView, error) {
	cu, err := s.visibleCustomer(ctx, actor, customerID)
	if err != nil {
		return ApplicationView{}, err
	}
	a, err := s.store.RealName().ApplicationByID(ctx, id)
	if errors.Is(err, ErrNotFound) || (err == nil && a.CustomerID != cu.ID) {
		return ApplicationView{}, Errorf(CodeNotFound, "application not found")
	}
	if err != nil {
		return ApplicationView{}, err
	}
	return s.view(a)
}

// RealNameView is a customer's verification state.
type RealNameView struct {
	Status     RealNameStatus
	Kind       RealNameKind // of the verification in force, else of the latest application; "" when none
	Opinion    string       // Huawei's reason, when the latest application was rejected
	VerifiedAt *time.Time
}

// Status returns the customer's verification state. Errors: CodeNotFound.
func (s *RealNameService) Status(ctx context.Context, actor Principal, customerID uuid.UUID) (RealNameView, error) {
	cu, err := s.visibleCustomer(ctx, actor, customerID)
	if err != nil {
		return RealNameView{}, err
	}
	v := RealNameView{Status: cu.RealNameStatus}
	rs := s.store.RealName()
	latest, err := rs.LatestApplication(ctx, cu.ID)
	if errors.Is(err, ErrNotFound) {
		return v, nil
	}
	if err != nil {
		return RealNameView{}, err
	}
	v.Kind = latest.Kind
	if latest.Status == ApplicationRejected {
		v.Opinion = latest.Opinion
	}
	if cu.RealNameStatus == RealNameVerified {
		ver, err := rs.LatestApplication(ctx, cu.ID, ApplicationVerified)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return RealNameView{}, err
		}
		if err == nil {
			v.Kind, v.VerifiedAt = ver.Kind, ver.DecidedAt
		}
	}
	return v, nil
}

// --- the submission job ---

// Submit sends a pending application to Huawei (SubmitRealNameJob). It is
// idempotent: an application that is no longer pending is left alone.
// Before the first send it records Huawei's review state (the baseline) and
// before every send the moment it began, both committed; so when a send
// ends in an unknown outcome (or the process dies mid-send), the next run
// reads the review back first and sends again only if Huawei's state is
// still the baseline (docs/design.md §2.3). A definite refusal fails the
// application with Huawei's code and message; a retryable or unknown
// failure returns the error for the queue to retry.
func (s *RealNameService) Submit(ctx context.Context, id uuid.UUID) error {
	a, err := s.store.RealName().ApplicationByID(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil || a.Status != ApplicationPending {
		return err
	}
	cu, err := s.store.Customers().CustomerByID(ctx, a.CustomerID)
	if err != nil {
		return err
	}
	rv, err := s.cloud.RealNameReview(ctx, cu.DomainID)
	if errors.Is(err, ErrUpstreamNotFound) {
		return s.decide(ctx, a.ID, ApplicationFailed, "", upstreamOf(err)) // not the partner's customer (any more)
	}
	if err != nil {
		return err
	}
	switch {
	case a.SubmittingSince == nil:
		a.Baseline = &rv
	case landed(a.Baseline, rv):
		return s.record(ctx, a.ID, rv)
	}
	now := s.clock.Now()
	a.SubmittingSince, a.UpdatedAt = &now, now
	stillPending := false
	err = s.store.InTx(ctx, func(tx Tx) error {
		cur, err := tx.RealName().ApplicationForUpdate(ctx, a.ID)
		if err != nil || cur.Status != ApplicationPending {
			return err
		}
		stillPending = true
		if cur.Baseline != nil {
			a.Baseline = cur.Baseline
		}
		cur.Baseline, cur.SubmittingSince, cur.UpdatedAt = a.Baseline, a.SubmittingSince, a.UpdatedAt
		return tx.RealName().UpdateApplication(ctx, cur)
	})
	if err != nil || !stillPending {
		return err
	}
	sub, err := s.send(ctx, a, cu.DomainID)
	if err == nil {
		if sub.NeedsReview {
			return s.record(ctx, a.ID, CloudRealNameReview{Status: CloudReviewPending})
		}
		return s.record(ctx, a.ID, CloudRealNameReview{Status: CloudReviewApproved})
	}
	switch {
	case errors.Is(err, ErrAlreadyExists):
		// "Already verified or under review": if Huawei is reviewing, the
		// review under way decides this customer's verification; follow it.
		rv, rerr := s.cloud.RealNameReview(ctx, cu.DomainID)
		if rerr != nil {
			return rerr
		}
		if rv.Status == CloudReviewPending {
			return s.record(ctx, a.ID, rv)
		}
		return s.decide(ctx, a.ID, ApplicationFailed, "", upstreamOf(err))
	case ErrorCode(err) == CodeValidation:
		// The adapter refused to send (a documented limit): nothing left.
		return s.decide(ctx, a.ID, ApplicationFailed, "", &UpstreamDetail{Operation: submitOperation(a.Kind), Message: errorMessage(err), Outcome: OutcomeDefinite})
	case UpstreamOutcome(err) == OutcomeDefinite:
		return s.decide(ctx, a.ID, ApplicationFailed, "", upstreamOf(err))
	}
	return err
}

// landed reports whether Huawei's review state rv shows a submission made
// after the baseline was read.
func landed(baseline *CloudRealNameReview, rv CloudRealNameReview) bool {
	switch {
	case rv.Status == CloudReviewNeverSubmitted:
		return false
	case rv.Status == CloudReviewPending, baseline == nil:
		return true
	}
	return rv != *baseline
}

func submitOperation(kind RealNameKind) string {
	switch kind {
	case RealNameEnterprise:
		return "CreateEnterpriseRealnameAuthentication"
	case RealNameChange:
		return "ChangeEnterpriseRealnameAuthentication"
	}
	return "CreatePersonalRealnameAuth"
}

// send builds the Huawei request from the sealed application.
func (s *RealNameService) send(ctx context.Context, a RealNameApplication, domainID string) (CloudRealNameSubmission, error) {
	o, err := s.open(a)
	if err != nil {
		return CloudRealNameSubmission{}, err
	}
	keys, err := s.attachmentKeys(ctx, a.FileIDs)
	if err != nil {
		return CloudRealNameSubmission{}, err
	}
	if a.Kind == RealNameIndividual {
		req := CloudIndividualRealName{CustomerID: domainID, VerifiedType: verifiedType[a.IDType], FileURLs: keys, Name: o.Name, Number: o.Number}
		if a.IDType == IDBankCard {
			req.BankCard = &CloudBankCard{Account: o.BankAccount, AreaCode: "0086", Mobile: o.BankMobile, VerificationCode: o.SMSCode}
		}
		return s.cloud.SubmitIndividualRealName(ctx, req)
	}
	req := CloudEnterpriseRealName{CustomerID: domainID, CertificateType: certificateCode[a.CertificateType], FileURLs: keys,
		CorpName: o.Name, Number: o.Number, RegCountry: a.RegCountry, RegAddress: a.RegAddress}
	if o.LegalName != "" {
		req.LegalPerson = &CloudLegalPerson{Name: o.LegalName, IDNumber: o.LegalNumber}
	}
	if a.Kind == RealNameChange {
		return s.cloud.ChangeToEnterpriseRealName(ctx, req)
	}
	return s.cloud.SubmitEnterpriseRealName(ctx, req)
}

// attachmentKeys are the files' storage keys in the application's order:
// the paths Huawei reads under the bucket's download/ directory.
func (s *RealNameService) attachmentKeys(ctx context.Context, ids []uuid.UUID) ([]string, error) {
	files, err := s.store.RealName().FilesByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[uuid.UUID]string, len(files))
	for _, f := range files {
		byID[f.ID] = f.StorageKey
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		if keys[i] = byID[id]; keys[i] == "" {
			return nil, fmt.Errorf("realname: attachment %s is gone", id)
		}
	}
	return keys, nil
}

// record applies what Huawei's review says of an application it has.
func (s *RealNameService) record(ctx context.Context, id uuid.UUID, rv CloudRealNameReview) error {
	switch rv.Status {
	case CloudReviewApproved:
		return s.decide(ctx, id, ApplicationVerified, "", nil)
	case CloudReviewRejected:
		return s.decide(ctx, id, ApplicationRejected, rv.Opinion, nil)
	case CloudReviewPending:
		return s.inReview(ctx, id)
	}
	return fmt.Errorf("realname: no submission to record for %s", id)
}

// inReview marks a pending application in review (and the customer, unless
// it is a change: a verified individual stays verified while Huawei reviews
// its change) and enqueues the first review poll.
func (s *RealNameService) inReview(ctx context.Context, id uuid.UUID) error {
	now := s.clock.Now()
	return s.store.InTx(ctx, func(tx Tx) error {
		rs := tx.RealName()
		a, err := rs.ApplicationForUpdate(ctx, id)
		if err != nil || a.Status != ApplicationPending {
			return err
		}
		a.Status, a.UpdatedAt, a.Sealed.SMSCode = ApplicationInReview, now, nil
		if err := rs.UpdateApplication(ctx, a); err != nil {
			return err
		}
		if a.Kind != RealNameChange {
			if err := rs.SetCustomerRealName(ctx, a.CustomerID, RealNameInReview, nil, now); err != nil {
				return err
			}
		}
		if err := tx.Audit().Append(ctx, NewAuditEvent(ctx, s.clock, Principal{}, "realname.in_review", "customer", a.CustomerID,
			map[string]any{"application_id": a.ID, "kind": a.Kind})); err != nil {
			return err
		}
		return tx.Enqueue(ctx, PollRealNameReviewJob{ApplicationID: a.ID, Round: 1, RunAt: now.Add(s.pollDelay(1))})
	})
}

// decide closes an open application and carries the outcome to the
// customer: verified sets the customer verified with the blind index of the
// verified name; rejected sets it rejected (a rejected change leaves the
// individual verification in force); failed leaves the customer as it was
// before the application.
func (s *RealNameService) decide(ctx context.Context, id uuid.UUID, status ApplicationStatus, opinion string, up *UpstreamDetail) error {
	now := s.clock.Now()
	return s.store.InTx(ctx, func(tx Tx) error {
		rs := tx.RealName()
		a, err := rs.ApplicationForUpdate(ctx, id)
		if err != nil || !a.Status.Open() {
			return err
		}
		wasInReview := a.Status == ApplicationInReview
		a.Status, a.UpdatedAt, a.DecidedAt, a.Sealed.SMSCode = status, now, &now, nil
		a.Opinion, a.Upstream = "", nil
		switch status {
		case ApplicationRejected:
			a.Opinion = opinion
		case ApplicationFailed:
			a.Upstream = up
		}
		if err := rs.UpdateApplication(ctx, a); err != nil {
			return err
		}
		switch {
		case status == ApplicationVerified:
			o, err := s.open(a)
			if err != nil {
				return err
			}
			if err := rs.SetCustomerRealName(ctx, a.CustomerID, RealNameVerified, RealNameIndex(s.index, o.Name), now); err != nil {
				return err
			}
		case a.Kind == RealNameChange:
			// The individual verification stays in force.
		case status == ApplicationRejected:
			if err := rs.SetCustomerRealName(ctx, a.CustomerID, RealNameRejected, nil, now); err != nil {
				return err
			}
		case wasInReview: // failed after Huawei had it in review
			if err := rs.SetCustomerRealName(ctx, a.CustomerID, RealNameUnverified, nil, now); err != nil {
				return err
			}
		}
		details := map[string]any{"application_id": a.ID, "kind": a.Kind}
		if up != nil && up.Code != "" {
			details["upstream_code"] = up.Code
		}
		return tx.Audit().Append(ctx, NewAuditEvent(ctx, s.clock, Principal{}, "realname."+string(status), "customer", a.CustomerID, details))
	})
}

// upstreamOf is what Huawei said in err, for the application to show.
func upstreamOf(err error) *UpstreamDetail {
	var e *Error
	if errors.As(err, &e) && e.Upstream != nil {
		u := *e.Upstream
		return &u
	}
	return &UpstreamDetail{Operation: "unknown", Message: errorMessage(err), Outcome: OutcomeDefinite}
}

func errorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	return "refused"
}

// --- the review-polling job ---

// PollReview reads Huawei's review of an application in review
// (PollRealNameReviewJob): approved or rejected closes it; still under way
// enqueues the next round, later by pollDelay, in a transaction; Huawei
// holding no submission at all fails it. An upstream error returns for the
// queue to retry, except Huawei saying the customer is not the partner's,
// which fails it. Idempotent: an application not in review is left alone.
func (s *RealNameService) PollReview(ctx context.Context, id uuid.UUID, round int) error {
	a, err := s.store.RealName().ApplicationByID(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil || a.Status != ApplicationInReview {
		return err
	}
	cu, err := s.store.Customers().CustomerByID(ctx, a.CustomerID)
	if err != nil {
		return err
	}
	rv, err := s.cloud.RealNameReview(ctx, cu.DomainID)
	if errors.Is(err, ErrUpstreamNotFound) {
		return s.decide(ctx, id, ApplicationFailed, "", upstreamOf(err)) // not the partner's customer (any more)
	}
	if err != nil {
		return err
	}
	switch rv.Status {
	case CloudReviewApproved, CloudReviewRejected:
		return s.record(ctx, id, rv)
	case CloudReviewNeverSubmitted:
		return s.decide(ctx, id, ApplicationFailed, "", &UpstreamDetail{Operation: "ShowRealnameAuthenticationReviewResult",
			Message: "Huawei holds no real-name submission for this customer", Outcome: OutcomeDefinite})
	}
	now := s.clock.Now()
	return s.store.InTx(ctx, func(tx Tx) error {
		cur, err := tx.RealName().ApplicationForUpdate(ctx, id)
		if err != nil || cur.Status != ApplicationInReview {
			return err
		}
		return tx.Enqueue(ctx, PollRealNameReviewJob{ApplicationID: id, Round: round + 1, RunAt: now.Add(s.pollDelay(round + 1))})
	})
}

func fieldError(field, code, msg string) *Error {
	return &Error{Code: CodeValidation, Message: field + " " + msg, Fields: []FieldError{{Field: field, Code: code, Message: msg}}}
}
