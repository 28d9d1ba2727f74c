package domain

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Registration timings.
const (
	// SMSCodeValidity is how long a registration code lasts (Huawei's
	// default, asked for explicitly so the expiry we report is the real one).
	SMSCodeValidity = 10 * time.Minute
	// registrationCheckTimeout bounds the one upstream call of a check.
	registrationCheckTimeout = 5 * time.Second
	// RegistrationInDoubtTimeout is how long the registration job keeps
	// reading back an account whose CreateSubCustomer outcome it never
	// learned before it gives up and marks the registration failed (the
	// user may then post again; Huawei refuses a second account for the
	// same xaccount id, so nothing is created twice).
	RegistrationInDoubtTimeout = 30 * time.Minute
	// AssociationGiveUp is how long the job waits for Huawei to list a new
	// account before it stops looking (the association stays pending).
	AssociationGiveUp = 24 * time.Hour
	pollMin           = time.Second
	pollMax           = 5 * time.Minute
	// readBackPages bounds the pages of a fuzzy account-name read-back.
	readBackPages = 10
)

// CustomerService holds the use cases of becoming and managing a Huawei
// Cloud customer: registration checks, SMS codes, the customer record and
// the job that creates the Huawei account, staff search, freeze/unfreeze.
type CustomerService struct {
	store     Store
	cloud     CloudCustomers
	clock     Clock
	nameIndex func(name string) []byte
}

// CustomerOption configures a CustomerService.
type CustomerOption func(*CustomerService)

// WithRealNameIndex lets a customer search also match an exact real-name
// name through the keyed index the real-name use cases store with the
// customer. Without it a search matches prefixes only.
func WithRealNameIndex(idx BlindIndexer) CustomerOption {
	return func(s *CustomerService) {
		s.nameIndex = func(name string) []byte { return RealNameIndex(idx, name) }
	}
}

// NewCustomerService wires the service.
func NewCustomerService(store Store, cloud CloudCustomers, clock Clock, opts ...CustomerOption) *CustomerService {
	s := &CustomerService{store: store, cloud: cloud, clock: clock}
	for _, o := range opts {
		o(s)
	}
	return s
}

// now is the clock at the database's precision, so what a use case returns
// equals what a later read shows.
func (s *CustomerService) now() time.Time { return s.clock.Now().UTC().Truncate(time.Microsecond) }

func (s *CustomerService) audit(ctx context.Context, actor Principal, action string, id uuid.UUID, details map[string]any) AuditEvent {
	return NewAuditEvent(ctx, s.clock, actor, action, "customer", id, details)
}

// system is the actor of what jobs do.
var system = Principal{}

// mayRegister: a customer for itself, an operator for a user.
func mayRegister(p Principal) bool {
	return p.Kind == PrincipalUser && p.HasAnyRole(RoleCustomer, RoleOperator)
}

// mayFreeze: sales staff and admins.
func mayFreeze(p Principal) bool {
	return p.Kind == PrincipalUser && p.HasAnyRole(RoleOperator, RoleAdmin)
}

// --- registration checks and SMS codes ---

// RegistrationCheck asks whether a name, mobile or email may register.
type RegistrationCheck struct {
	Kind  CloudIdentityKind
	Value string
}

// Unavailability is why a value may not register.
type Unavailability string

const (
	UnavailableUsed        Unavailability = "used"
	UnavailableMobileLimit Unavailability = "mobile_limit_reached"
)

// RegistrationCheckResult is the answer of CheckRegistration.
type RegistrationCheckResult struct {
	Available bool
	Reason    Unavailability // "" when available
	// MobileRemaining is how many more customers may register with the
	// mobile; -1 for names, emails, and when Huawei did not say.
	MobileRemaining int
}

// CheckRegistration checks Huawei's format rules locally, then asks Huawei
// once (bounded). It writes nothing. An account name a storefront customer
// already holds is taken without asking. Errors: ErrForbidden,
// ErrValidation (field "value" or "type"), the upstream errors of
// CloudCustomers.CheckUserIdentity.
func (s *CustomerService) CheckRegistration(ctx context.Context, actor Principal, in RegistrationCheck) (RegistrationCheckResult, error) {
	if !mayRegister(actor) {
		return RegistrationCheckResult{}, ErrForbidden
	}
	var fe fieldErrors
	value := in.Value
	switch in.Kind {
	case CloudIdentityName:
		fe.check("value", "format", accountNameProblem(value))
	case CloudIdentityMobile:
		fe.check("value", "format", mobileProblem(value))
		value = mobileCountryPrefix + value
	case CloudIdentityEmail:
		fe.check("value", "format", emailProblem(value, huaweiCheckMax))
	default:
		fe.check("type", "enum", "one of name, mobile, email")
	}
	if err := fe.err(); err != nil {
		return RegistrationCheckResult{}, err
	}
	if in.Kind == CloudIdentityName {
		c, err := s.store.Customers().CustomerByAccountName(ctx, in.Value)
		switch {
		case err == nil && c.UserID != actor.ID:
			return RegistrationCheckResult{Reason: UnavailableUsed, MobileRemaining: -1}, nil
		case err != nil && !errors.Is(err, ErrNotFound):
			return RegistrationCheckResult{}, err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, registrationCheckTimeout)
	defer cancel()
	res, err := s.cloud.CheckUserIdentity(ctx, CloudIdentityCheck{Kind: in.Kind, Value: value})
	if err != nil {
		return RegistrationCheckResult{}, err
	}
	out := RegistrationCheckResult{Available: res.Available, MobileRemaining: -1}
	if in.Kind == CloudIdentityMobile {
		out.MobileRemaining = res.MobileRemaining
	}
	if !res.Available {
		out.Reason = UnavailableUsed
		if in.Kind == CloudIdentityMobile && res.MobileRemaining == 0 {
			out.Reason = UnavailableMobileLimit
		}
	}
	return out, nil
}

// SendRegistrationCode asks Huawei to text a registration code to a
// mainland mobile and returns when the code expires. It writes nothing.
// Errors: ErrForbidden, ErrValidation (field "mobile"), ErrRateLimited
// with the upstream detail when Huawei's per-number cap (15 an hour, 60 a
// day) is reached, the other upstream errors of SendVerificationCode.
func (s *CustomerService) SendRegistrationCode(ctx context.Context, actor Principal, mobile string) (time.Time, error) {
	if !mayRegister(actor) {
		return time.Time{}, ErrForbidden
	}
	var fe fieldErrors
	fe.check("mobile", "format", mobileProblem(mobile))
	if err := fe.err(); err != nil {
		return time.Time{}, err
	}
	sent := s.now()
	err := s.cloud.SendVerificationCode(ctx, CloudVerificationCodeRequest{Mobile: mobile, Scene: CloudSMSRegister, Validity: SMSCodeValidity})
	var e *Error
	if errors.As(err, &e) && e.Code == CodeUpstreamThrottled && e.Upstream != nil && smsCapCode(e.Upstream.Code) {
		return time.Time{}, &Error{Code: CodeRateLimited, Upstream: e.Upstream, Err: err,
			Message: "Huawei's limit of verification codes for this number is reached (15 an hour, 60 a day)"}
	}
	if err != nil {
		return time.Time{}, err
	}
	return sent.Add(SMSCodeValidity), nil
}

// smsCapCode: Huawei's per-number SMS limits (docs/huawei-bss.md §1.2, §8.6).
func smsCapCode(code string) bool { return code == "CBC.99004015" || code == "CBC.99000082" }

// --- the customer record ---

// NewCustomer is a request to become a Huawei Cloud customer.
type NewCustomer struct {
	AccountName string // the Huawei login name
	Mobile      string // mainland, 11 digits
	SMSCode     string // sent with SendRegistrationCode
	Email       string // optional
	// UserID is the user who becomes the customer: required from an
	// operator; a customer may leave it zero or give its own id.
	UserID uuid.UUID
}

// RegisterCustomerJob creates (or finds) the customer's Huawei account and
// waits for Huawei to confirm the association. RequestedAt names the
// attempt: a retry after a failed registration is a new job even while the
// queue has not yet marked the previous one done, and it paces the waits.
type RegisterCustomerJob struct {
	CustomerID  uuid.UUID `json:"customer_id"`
	RequestedAt time.Time `json:"requested_at"`
}

// Kind implements Job.
func (RegisterCustomerJob) Kind() string { return "customer_register" }

// JobOptions implements JobWithOptions: one registration job per customer.
func (RegisterCustomerJob) JobOptions() JobOptions { return JobOptions{Unique: true} }

// CreateCustomer records the customer, links its user and enqueues the job
// that creates the Huawei account, in one transaction; the answer's
// Registration is pending. A user whose registration failed may post again
// (a new code, possibly a new name or mobile): the same customer is updated
// and the job enqueued again. Errors: ErrForbidden, ErrValidation,
// ErrNotFound (no such customer user), ErrAlreadyExists (the user is a
// customer already, or the account name is taken), ErrConflict (the user
// is disabled).
func (s *CustomerService) CreateCustomer(ctx context.Context, actor Principal, in NewCustomer) (Customer, error) {
	if !mayRegister(actor) {
		return Customer{}, ErrForbidden
	}
	var fe fieldErrors
	fe.check("account_name", "format", accountNameProblem(in.AccountName))
	fe.check("mobile", "format", mobileProblem(in.Mobile))
	fe.check("sms_code", "format", smsCodeProblem(in.SMSCode))
	if in.Email != "" {
		fe.check("email", "format", emailProblem(in.Email, 254))
	}
	userID := in.UserID
	if actor.HasAnyRole(RoleOperator) {
		if userID == uuid.Nil {
			fe.check("user_id", "required", "staff register a customer for a signed-up user: give its id")
		}
	} else {
		if userID != uuid.Nil && userID != actor.ID {
			return Customer{}, Errorf(CodeForbidden, "only staff may register another user")
		}
		userID = actor.ID
	}
	if err := fe.err(); err != nil {
		return Customer{}, err
	}

	now := s.now()
	var out Customer
	err := s.store.InTx(ctx, func(tx Tx) error {
		u, err := tx.Auth().UserByID(ctx, userID)
		if errors.Is(err, ErrNotFound) || err == nil && (u.IsStaff() || !slices.Contains(u.Roles, RoleCustomer)) {
			return Errorf(CodeNotFound, "no signed-up customer user with this id")
		}
		if err != nil {
			return err
		}
		if u.Status != StatusActive {
			return Errorf(CodeConflict, "the user's account is disabled")
		}
		cs := tx.Customers()
		c, err := cs.CustomerByUserIDForUpdate(ctx, userID)
		switch {
		case err == nil:
			if c.Registration != RegistrationFailed {
				return Errorf(CodeAlreadyExists, "this user is already a customer")
			}
			prev := c.RegistrationErr
			c.AccountName, c.Mobile, c.Email = in.AccountName, in.Mobile, in.Email
			c.Registration, c.RegistrationErr, c.RegistrationSentAt, c.UpdatedAt = RegistrationPending, nil, time.Time{}, now
			if err := cs.UpdateCustomer(ctx, c); err != nil {
				return err
			}
			if err := cs.SetRegistrationCode(ctx, c.ID, in.SMSCode); err != nil {
				return err
			}
			details := map[string]any{"user_id": userID}
			if prev != nil {
				details["previous_error"] = prev.Code
			}
			if err := tx.Audit().Append(ctx, s.audit(ctx, actor, "customer.registration_retry", c.ID, details)); err != nil {
				return err
			}
		case errors.Is(err, ErrNotFound):
			c = Customer{
				ID: uuid.Must(uuid.NewV7()), UserID: userID, AccountName: in.AccountName, Email: in.Email, Mobile: in.Mobile,
				Status: CustomerActive, RealNameStatus: RealNameUnverified, Registration: RegistrationPending,
				Association: AssociationPending, CreatedBy: actor.ID, CreatedAt: now, UpdatedAt: now,
			}
			if err := cs.CreateCustomer(ctx, c, in.SMSCode); err != nil {
				return err
			}
			if err := tx.Audit().Append(ctx, s.audit(ctx, actor, "customer.create", c.ID,
				map[string]any{"user_id": userID, "on_behalf": userID != actor.ID})); err != nil {
				return err
			}
		default:
			return err
		}
		out = c
		return tx.Enqueue(ctx, RegisterCustomerJob{CustomerID: c.ID, RequestedAt: now})
	})
	if err != nil {
		return Customer{}, err
	}
	return out, nil
}

// Customer returns one customer. Errors: ErrNotFound (also for a customer
// that is not the caller's).
func (s *CustomerService) Customer(ctx context.Context, actor Principal, id uuid.UUID) (Customer, error) {
	c, err := s.store.Customers().CustomerByID(ctx, id)
	if err != nil {
		return Customer{}, err
	}
	if !c.VisibleTo(actor) {
		return Customer{}, Errorf(CodeNotFound, "customer not found")
	}
	return c, nil
}

// CustomerListInput filters a customer list; zero fields do not filter.
type CustomerListInput struct {
	Search         string
	Status         CustomerStatus
	RealNameStatus RealNameStatus
	CreatedFrom    time.Time
	CreatedTo      time.Time
	After          *CustomerCursor
	Limit          int // 1–100
}

// CustomerPage is a page of customers; Next is nil on the last one.
type CustomerPage struct {
	Items []Customer
	Next  *CustomerCursor
}

// MaxCustomerPage is the largest page.
const MaxCustomerPage = 100

// ListCustomers pages through customers newest first: staff see every
// customer, a customer only itself. Errors: ErrForbidden, ErrValidation.
func (s *CustomerService) ListCustomers(ctx context.Context, actor Principal, in CustomerListInput) (CustomerPage, error) {
	if actor.Kind != PrincipalUser || !actor.HasAnyRole(RoleCustomer, RoleOperator, RoleFinance, RoleAdmin) {
		return CustomerPage{}, ErrForbidden
	}
	var fe fieldErrors
	if in.Limit < 1 || in.Limit > MaxCustomerPage {
		fe.check("limit", "range", "1–100")
	}
	if !utf8.ValidString(in.Search) || strings.ContainsRune(in.Search, 0) {
		fe.check("q", "format", "not valid text")
	}
	if !in.CreatedFrom.IsZero() && !in.CreatedTo.IsZero() && !in.CreatedFrom.Before(in.CreatedTo) {
		fe.check("created_from", "range", "must be before created_to")
	}
	if err := fe.err(); err != nil {
		return CustomerPage{}, err
	}
	q := CustomerQuery{Search: in.Search, Status: in.Status, RealNameStatus: in.RealNameStatus,
		CreatedFrom: in.CreatedFrom, CreatedTo: in.CreatedTo, After: in.After, Limit: in.Limit + 1}
	if !actor.HasAnyRole(RoleOperator, RoleFinance, RoleAdmin) {
		q.UserID = actor.ID
	}
	if in.Search != "" && s.nameIndex != nil {
		q.NameIndex = s.nameIndex(in.Search)
	}
	items, err := s.store.Customers().ListCustomers(ctx, q)
	if err != nil {
		return CustomerPage{}, err
	}
	if len(items) <= in.Limit {
		return CustomerPage{Items: items}, nil
	}
	items = items[:in.Limit]
	last := items[len(items)-1]
	return CustomerPage{Items: items, Next: &CustomerCursor{CreatedAt: last.CreatedAt, ID: last.ID}}, nil
}

// --- the registration job ---

// RegisterCustomer is the registration job's use case, safe to run any
// number of times. It reads Huawei back before it ever sends
// CreateSubCustomer, sends at most once per outcome it does not know, and
// records the account in a new transaction. It returns how long to wait
// before running again while Huawei has not yet confirmed the association
// (or not yet listed an account whose creation is in doubt); zero when
// there is nothing left to do. An error means "retry": the outcome is
// unknown or Huawei could not be reached, and the retry starts with the
// read-back.
func (s *CustomerService) RegisterCustomer(ctx context.Context, job RegisterCustomerJob) (time.Duration, error) {
	id, since := job.CustomerID, job.RequestedAt
	c, err := s.store.Customers().CustomerByID(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	switch {
	case c.Registration == RegistrationFailed:
		return 0, nil
	case c.DomainID != "":
		return s.confirmAssociation(ctx, c, since)
	}

	// Read back before any send: a previous attempt may have created it.
	acct, found, err := s.findAccount(ctx, c)
	if err != nil {
		return 0, err
	}
	if found {
		_, err := s.recordAccount(ctx, c.ID, acct.DomainID, acct.AccountName, true, false)
		return 0, err
	}
	if !c.RegistrationSentAt.IsZero() {
		// In doubt: the account may exist but is not listed (yet). Never
		// send again with the same code; wait, then give up.
		if s.now().Sub(c.RegistrationSentAt) < RegistrationInDoubtTimeout {
			return s.pollDelay(c.RegistrationSentAt), nil
		}
		return 0, s.failRegistration(ctx, c.ID, &UpstreamDetail{Operation: "CreateSubCustomer", Code: "registration_unconfirmed",
			Message: "Huawei did not confirm the account and does not list it; request a new SMS code and try again", Outcome: OutcomeUnknown})
	}
	code, err := s.store.Customers().RegistrationCode(ctx, c.ID)
	if err != nil {
		return 0, err
	}
	if code == "" {
		return 0, s.failRegistration(ctx, c.ID, &UpstreamDetail{Operation: "CreateSubCustomer", Code: string(CodeVerificationCode),
			Message: "no verification code is stored for this registration; request a new SMS code and try again"})
	}

	// Mark the send before it happens: if the answer is lost, the next run
	// knows the account may exist.
	ok, err := s.markSent(ctx, c.ID)
	if err != nil || !ok {
		return 0, err
	}
	res, err := s.cloud.CreateSubCustomer(ctx, CloudNewSubCustomer{
		XAccountID: c.ID.String(), DomainName: c.AccountName, Mobile: c.Mobile, VerificationCode: code,
	})
	var e *Error
	errors.As(err, &e)
	switch {
	case err == nil || res.DomainID != "":
		// Created; with an error it is the half success (CBC.99000050):
		// created, association unconfirmed. Either way never create again.
		c, err := s.recordAccount(ctx, c.ID, res.DomainID, res.DomainName, false, err != nil)
		if err != nil {
			return 0, err
		}
		return s.confirmAssociation(ctx, c, since)
	case e != nil && e.Code == CodeAlreadyExists && e.Upstream != nil && e.Upstream.Code == "CBC.99000039":
		// Huawei has an account for this xaccount id (our customer id):
		// an earlier attempt created it. Stay in doubt and read back.
		return s.pollDelay(s.now()), nil
	case outcomeOf(err) == OutcomeUnknown:
		return 0, err
	case outcomeOf(err) == OutcomeRetryable:
		// Nothing was created: the next run may send again.
		if uerr := s.unmarkSent(ctx, c.ID); uerr != nil {
			return 0, errors.Join(err, uerr)
		}
		return 0, err
	}
	// A definite refusal: wrong or expired code, name or mobile taken,
	// the mobile's limit, a field Huawei refused.
	return 0, s.failRegistration(ctx, c.ID, refusal(err))
}

// outcomeOf is what a use case may assume after a failed upstream call:
// the adapter's outcome; a request it refused to send (ErrValidation
// without an upstream detail) is definite; anything else may have
// happened.
func outcomeOf(err error) Outcome {
	var e *Error
	if errors.As(err, &e) && e.Upstream == nil && e.Code == CodeValidation {
		return OutcomeDefinite
	}
	return UpstreamOutcome(err)
}

// refusal is the detail kept for a definite refusal: Huawei's code and
// message, or our own code when nothing was sent.
func refusal(err error) *UpstreamDetail {
	var e *Error
	if !errors.As(err, &e) {
		return &UpstreamDetail{Code: string(CodeInternal), Message: "refused", Outcome: OutcomeDefinite}
	}
	d := UpstreamDetail{Code: string(e.Code), Message: e.Message, Outcome: OutcomeDefinite}
	if e.Upstream != nil {
		d = *e.Upstream
		if d.Code == "" {
			d.Code = string(e.Code)
		}
		if d.Message == "" {
			d.Message = e.Message
		}
	}
	return &d
}

// findAccount reads Huawei's customer list for an account with our
// xaccount id (the customer id) under the customer's account name.
func (s *CustomerService) findAccount(ctx context.Context, c Customer) (CloudSubCustomer, bool, error) {
	const pageSize = 100
	xid := c.ID.String()
	for page := 0; page < readBackPages; page++ {
		res, err := s.cloud.ListSubCustomers(ctx, CloudSubCustomerQuery{AccountName: c.AccountName, Offset: page * pageSize, Limit: pageSize})
		if err != nil {
			return CloudSubCustomer{}, false, err
		}
		for _, sc := range res.Customers {
			if sc.XAccountID == xid {
				return sc, true, nil
			}
		}
		if len(res.Customers) < pageSize || (page+1)*pageSize >= res.Total {
			break
		}
	}
	return CloudSubCustomer{}, false, nil
}

// listed reports whether Huawei lists the account: its association with
// the partner is complete.
func (s *CustomerService) listed(ctx context.Context, domainID string) (CloudSubCustomer, bool, error) {
	res, err := s.cloud.ListSubCustomers(ctx, CloudSubCustomerQuery{CustomerID: domainID, Limit: 10})
	if err != nil {
		return CloudSubCustomer{}, false, err
	}
	for _, sc := range res.Customers {
		if sc.DomainID == domainID {
			return sc, true, nil
		}
	}
	return CloudSubCustomer{}, false, nil
}

// pollDelay grows with the time waited so far: a quarter of it, between
// one second and five minutes.
func (s *CustomerService) pollDelay(since time.Time) time.Duration {
	return min(max(s.now().Sub(since)/4, pollMin), pollMax)
}

// markSent records that CreateSubCustomer is about to be sent; false when
// the customer no longer needs it (another run got there first).
func (s *CustomerService) markSent(ctx context.Context, id uuid.UUID) (bool, error) {
	ok := false
	err := s.store.InTx(ctx, func(tx Tx) error {
		c, err := tx.Customers().CustomerForUpdate(ctx, id)
		if err != nil {
			return err
		}
		ok = c.Registration == RegistrationPending && c.DomainID == "" && c.RegistrationSentAt.IsZero()
		if !ok {
			return nil
		}
		c.RegistrationSentAt = s.now()
		return tx.Customers().UpdateCustomer(ctx, c)
	})
	return ok, err
}

// unmarkSent forgets the send when Huawei certainly did nothing.
func (s *CustomerService) unmarkSent(ctx context.Context, id uuid.UUID) error {
	return s.store.InTx(ctx, func(tx Tx) error {
		c, err := tx.Customers().CustomerForUpdate(ctx, id)
		if err != nil {
			return err
		}
		if c.DomainID != "" || c.RegistrationSentAt.IsZero() {
			return nil
		}
		c.RegistrationSentAt = time.Time{}
		return tx.Customers().UpdateCustomer(ctx, c)
	})
}

// recordAccount links the Huawei account to the customer and clears the
// stored code. listed: Huawei already lists it (association confirmed).
func (s *CustomerService) recordAccount(ctx context.Context, id uuid.UUID, domainID, domainName string, listed, half bool) (Customer, error) {
	var out Customer
	err := s.store.InTx(ctx, func(tx Tx) error {
		cs := tx.Customers()
		c, err := cs.CustomerForUpdate(ctx, id)
		if err != nil {
			return err
		}
		if c.DomainID != "" {
			if c.DomainID != domainID {
				return Errorf(CodeInternal, "customer %s is linked to Huawei account %s, not %s", id, c.DomainID, domainID)
			}
			out = c
			return nil
		}
		if domainName == "" {
			domainName = c.AccountName
		}
		c.DomainID, c.DomainName = domainID, domainName
		c.Registration, c.RegistrationErr, c.RegistrationSentAt = RegistrationCreated, nil, time.Time{}
		c.Association = AssociationPending
		if listed {
			c.Association = AssociationConfirmed
		}
		c.UpdatedAt = s.now()
		if err := cs.UpdateCustomer(ctx, c); err != nil {
			return err
		}
		if err := cs.SetRegistrationCode(ctx, id, ""); err != nil {
			return err
		}
		out = c
		return tx.Audit().Append(ctx, s.audit(ctx, system, "customer.registration_created", id,
			map[string]any{"domain_id": domainID, "half_success": half, "association": c.Association}))
	})
	return out, err
}

// failRegistration records a definite refusal; the user may post again.
func (s *CustomerService) failRegistration(ctx context.Context, id uuid.UUID, why *UpstreamDetail) error {
	return s.store.InTx(ctx, func(tx Tx) error {
		cs := tx.Customers()
		c, err := cs.CustomerForUpdate(ctx, id)
		if err != nil {
			return err
		}
		if c.Registration != RegistrationPending || c.DomainID != "" {
			return nil
		}
		c.Registration, c.RegistrationErr, c.RegistrationSentAt, c.UpdatedAt = RegistrationFailed, why, time.Time{}, s.now()
		if err := cs.UpdateCustomer(ctx, c); err != nil {
			return err
		}
		if err := cs.SetRegistrationCode(ctx, id, ""); err != nil {
			return err
		}
		return tx.Audit().Append(ctx, s.audit(ctx, system, "customer.registration_failed", id,
			map[string]any{"code": why.Code, "message": why.Message}))
	})
}

// confirmAssociation asks Huawei whether it lists the account yet.
func (s *CustomerService) confirmAssociation(ctx context.Context, c Customer, since time.Time) (time.Duration, error) {
	if c.Association == AssociationConfirmed {
		return 0, nil
	}
	_, ok, err := s.listed(ctx, c.DomainID)
	if err != nil {
		return 0, err
	}
	if !ok {
		if s.now().Sub(since) >= AssociationGiveUp {
			return 0, s.store.InTx(ctx, func(tx Tx) error {
				return tx.Audit().Append(ctx, s.audit(ctx, system, "customer.association_unconfirmed", c.ID,
					map[string]any{"domain_id": c.DomainID, "waited": AssociationGiveUp.String()}))
			})
		}
		return s.pollDelay(since), nil
	}
	return 0, s.store.InTx(ctx, func(tx Tx) error {
		cs := tx.Customers()
		c, err := cs.CustomerForUpdate(ctx, c.ID)
		if err != nil || c.Association == AssociationConfirmed {
			return err
		}
		c.Association, c.UpdatedAt = AssociationConfirmed, s.now()
		if err := cs.UpdateCustomer(ctx, c); err != nil {
			return err
		}
		return tx.Audit().Append(ctx, s.audit(ctx, system, "customer.association_confirmed", c.ID,
			map[string]any{"domain_id": c.DomainID}))
	})
}

// --- freeze and unfreeze ---

// Pending actions.
const (
	ActionFreeze   = "freeze"
	ActionUnfreeze = "unfreeze"
)

// CustomerFreezeJob carries out the customer's pending freeze or unfreeze;
// RequestedAt names the request (the next one is a new job even while the
// queue has not yet marked this one done).
type CustomerFreezeJob struct {
	CustomerID  uuid.UUID `json:"customer_id"`
	Reason      string    `json:"reason"`
	RequestedAt time.Time `json:"requested_at"`
}

// Kind implements Job.
func (CustomerFreezeJob) Kind() string { return "customer_freeze" }

// JobOptions implements JobWithOptions.
func (CustomerFreezeJob) JobOptions() JobOptions { return JobOptions{Unique: true} }

// maxReason is Huawei's limit on a freeze reason.
const maxReason = 256

// RequestFreeze records a freeze of the customer's Huawei account (scope
// account, or account and resources) as pending and enqueues the job that
// sends it. Errors: ErrForbidden, ErrValidation, ErrNotFound, ErrConflict
// (no confirmed Huawei account, already frozen, an action pending).
func (s *CustomerService) RequestFreeze(ctx context.Context, actor Principal, id uuid.UUID, reason string, scope FreezeScope) (Customer, error) {
	var fe fieldErrors
	if scope != FreezeAccount && scope != FreezeAccountAndResources {
		fe.check("scope", "enum", "account or account_and_resources")
	}
	return s.requestAction(ctx, actor, id, reason, ActionFreeze, scope, fe)
}

// RequestUnfreeze records an unfreeze (with the scope the customer was
// frozen with) as pending and enqueues the job. Errors: as RequestFreeze
// (ErrConflict: not frozen).
func (s *CustomerService) RequestUnfreeze(ctx context.Context, actor Principal, id uuid.UUID, reason string) (Customer, error) {
	return s.requestAction(ctx, actor, id, reason, ActionUnfreeze, "", nil)
}

func (s *CustomerService) requestAction(ctx context.Context, actor Principal, id uuid.UUID, reason, action string, scope FreezeScope, fe fieldErrors) (Customer, error) {
	if !mayFreeze(actor) {
		return Customer{}, ErrForbidden
	}
	if reason == "" || len(reason) > maxReason {
		fe.check("reason", "length", "1–256 characters")
	}
	if err := fe.err(); err != nil {
		return Customer{}, err
	}
	var out Customer
	err := s.store.InTx(ctx, func(tx Tx) error {
		cs := tx.Customers()
		c, err := cs.CustomerForUpdate(ctx, id)
		if err != nil {
			return err
		}
		switch {
		case c.DomainID == "" || c.Association != AssociationConfirmed:
			return Errorf(CodeConflict, "the customer has no confirmed Huawei account yet")
		case c.PendingAction != "":
			return Errorf(CodeConflict, "a %s is already pending", c.PendingAction)
		case action == ActionFreeze && c.Status == CustomerFrozen:
			return Errorf(CodeConflict, "the customer is already frozen")
		case action == ActionUnfreeze && c.Status != CustomerFrozen:
			return Errorf(CodeConflict, "the customer is not frozen")
		}
		if action == ActionUnfreeze {
			scope = c.FrozenScope // Huawei requires the scope it was frozen with
		}
		now := s.now()
		c.PendingAction, c.PendingScope, c.ActionErr, c.UpdatedAt = action, scope, nil, now
		if err := cs.UpdateCustomer(ctx, c); err != nil {
			return err
		}
		if err := tx.Audit().Append(ctx, s.audit(ctx, actor, "customer."+action+"_requested", id,
			map[string]any{"scope": scope, "reason": reason})); err != nil {
			return err
		}
		out = c
		return tx.Enqueue(ctx, CustomerFreezeJob{CustomerID: id, Reason: reason, RequestedAt: now})
	})
	return out, err
}

// ApplyFreeze is the freeze job's use case: it sends the customer's pending
// freeze or unfreeze and records the outcome in a new transaction. It reads
// back first, so a retry after an unknown outcome does not send twice what
// already happened. A refusal clears the pending action and stays visible
// (ActionErr, audit). An error means "retry".
func (s *CustomerService) ApplyFreeze(ctx context.Context, job CustomerFreezeJob) error {
	c, err := s.store.Customers().CustomerByID(ctx, job.CustomerID)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if c.PendingAction == "" {
		return nil
	}
	freeze := c.PendingAction == ActionFreeze
	sc, ok, err := s.listed(ctx, c.DomainID)
	if err != nil {
		return err
	}
	if ok && sc.Frozen == freeze {
		return s.finishAction(ctx, c.ID, nil)
	}
	req := CloudFreezeRequest{CustomerIDs: []string{c.DomainID}, Reason: job.Reason, Scope: cloudFreezeScope(c.PendingScope)}
	send := s.cloud.UnfreezeCustomers
	if freeze {
		send = s.cloud.FreezeCustomers
	}
	failures, err := send(ctx, req)
	if err != nil {
		if outcomeOf(err) != OutcomeDefinite {
			return err // unknown or retryable: the retry reads back first
		}
		return s.finishAction(ctx, c.ID, refusal(err))
	}
	for _, f := range failures {
		if f.ID == c.DomainID {
			op := "UnfreezeSubCustomers"
			if freeze {
				op = "FreezeSubCustomers"
			}
			return s.finishAction(ctx, c.ID, &UpstreamDetail{Operation: op, HTTPStatus: 200, Code: f.Code, Message: f.Message, Outcome: OutcomeDefinite})
		}
	}
	return s.finishAction(ctx, c.ID, nil)
}

func cloudFreezeScope(s FreezeScope) CloudFreezeScope {
	if s == FreezeAccountAndResources {
		return CloudFreezeAccountAndResources
	}
	return CloudFreezeAccount
}

// finishAction records the pending action's outcome: done (refused nil)
// or refused by Huawei.
func (s *CustomerService) finishAction(ctx context.Context, id uuid.UUID, refused *UpstreamDetail) error {
	return s.store.InTx(ctx, func(tx Tx) error {
		cs := tx.Customers()
		c, err := cs.CustomerForUpdate(ctx, id)
		if err != nil || c.PendingAction == "" {
			return err
		}
		action, scope := c.PendingAction, c.PendingScope
		c.PendingAction, c.PendingScope, c.UpdatedAt = "", "", s.now()
		details := map[string]any{"scope": scope}
		event := "customer." + action + "_failed"
		if refused != nil {
			c.ActionErr = refused
			details["code"], details["message"] = refused.Code, refused.Message
		} else {
			c.ActionErr = nil
			if action == ActionFreeze {
				c.Status, c.FrozenScope, event = CustomerFrozen, scope, "customer.frozen"
			} else {
				c.Status, c.FrozenScope, event = CustomerActive, "", "customer.unfrozen"
			}
		}
		if err := cs.UpdateCustomer(ctx, c); err != nil {
			return err
		}
		return tx.Audit().Append(ctx, s.audit(ctx, system, event, id, details))
	})
}
