package domain_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/partnerlab/storefront/internal/domain"
	"github.com/partnerlab/storefront/internal/store"
	"github.com/partnerlab/storefront/internal/testdb"
)

func TestMaskMobile(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"13812345678": "138****5678", "1381234": "*******", "": ""} {
		if got := domain.MaskMobile(in); got != want {
			t.Errorf("MaskMobile(%q) = %q, want %q", in, got, want)
		}
	}
}

// fakeCustomers is a scripted CloudCustomers: create answers what the test
// says, the list shows what the test put in it.
type fakeCustomers struct {
	domain.CloudCustomers // unused methods panic
	mu                    sync.Mutex
	create                func(domain.CloudNewSubCustomer) (domain.CloudCreatedSubCustomer, error)
	listed                []domain.CloudSubCustomer
	creates, lists        int
}

func (f *fakeCustomers) CreateSubCustomer(_ context.Context, req domain.CloudNewSubCustomer) (domain.CloudCreatedSubCustomer, error) {
	f.mu.Lock()
	f.creates++
	create := f.create
	f.mu.Unlock()
	return create(req)
}

func (f *fakeCustomers) ListSubCustomers(_ context.Context, q domain.CloudSubCustomerQuery) (domain.CloudSubCustomerPage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lists++
	var out domain.CloudSubCustomerPage
	for _, c := range f.listed {
		if q.CustomerID != "" && c.DomainID != q.CustomerID {
			continue
		}
		out.Customers = append(out.Customers, c)
	}
	out.Total = len(out.Customers)
	return out, nil
}

func (f *fakeCustomers) list(c domain.CloudSubCustomer) {
	f.mu.Lock()
	f.listed = append(f.listed, c)
	f.mu.Unlock()
}

func (f *fakeCustomers) counts() (creates, lists int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.creates, f.lists
}

func upstreamErr(code domain.Code, outcome domain.Outcome, huaweiCode string) error {
	return &domain.Error{Code: code, Message: "scripted", Upstream: &domain.UpstreamDetail{
		Operation: "CreateSubCustomer", HTTPStatus: 500, Code: huaweiCode, Message: "scripted", Outcome: outcome}}
}

type regFixture struct {
	svc   *domain.CustomerService
	st    *store.Store
	cloud *fakeCustomers
	clock *fakeClock
	job   domain.RegisterCustomerJob
}

// newRegistration makes a customer user, posts its registration and
// returns the job the post enqueued (the test runs it by hand).
func newRegistration(t *testing.T) regFixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.New(testdb.New(t))
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	cloud := &fakeCustomers{}
	svc := domain.NewCustomerService(st, cloud, clock)
	u := domain.User{ID: uuid.Must(uuid.NewV7()), Email: "u@example.com", PasswordHash: "$argon2id$x",
		Roles: []domain.Role{domain.RoleCustomer}, Status: domain.StatusActive, CreatedAt: clock.Now(), UpdatedAt: clock.Now()}
	if err := st.Auth().CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	c, err := svc.CreateCustomer(ctx, domain.Principal{Kind: domain.PrincipalUser, ID: u.ID, Roles: u.Roles},
		domain.NewCustomer{AccountName: "user-01", Mobile: "13800138000", SMSCode: "123456"})
	if err != nil {
		t.Fatal(err)
	}
	return regFixture{svc: svc, st: st, cloud: cloud, clock: clock, job: domain.RegisterCustomerJob{CustomerID: c.ID, RequestedAt: c.CreatedAt}}
}

func (f regFixture) customer(t *testing.T) domain.Customer {
	t.Helper()
	c, err := f.st.Customers().CustomerByID(context.Background(), f.job.CustomerID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f regFixture) run(t *testing.T) (time.Duration, error) {
	t.Helper()
	return f.svc.RegisterCustomer(context.Background(), f.job)
}

// An unknown outcome without an account id: the job never sends again;
// it reads back while the account may still appear, then gives up and
// marks the registration failed so the user can retry.
func TestRegisterInDoubtGivesUp(t *testing.T) {
	t.Parallel()
	f := newRegistration(t)
	f.cloud.create = func(domain.CloudNewSubCustomer) (domain.CloudCreatedSubCustomer, error) {
		return domain.CloudCreatedSubCustomer{}, upstreamErr(domain.CodeUpstreamUnknown, domain.OutcomeUnknown, "CBC.0999")
	}
	if _, err := f.run(t); !errors.Is(err, domain.ErrUpstreamUnknown) {
		t.Fatalf("first run: %v, want the unknown outcome (River retries)", err)
	}
	if c := f.customer(t); c.RegistrationSentAt.IsZero() || c.Registration != domain.RegistrationPending {
		t.Fatalf("after an unknown outcome %+v", c)
	}
	for i := 0; i < 3; i++ {
		f.clock.Advance(5 * time.Minute)
		again, err := f.run(t)
		if err != nil || again <= 0 {
			t.Fatalf("in doubt: %v %v, want a wait", again, err)
		}
	}
	f.clock.Advance(domain.RegistrationInDoubtTimeout)
	if again, err := f.run(t); err != nil || again != 0 {
		t.Fatalf("give up: %v %v", again, err)
	}
	c := f.customer(t)
	if c.Registration != domain.RegistrationFailed || c.RegistrationErr == nil || c.RegistrationErr.Code != "registration_unconfirmed" {
		t.Fatalf("after giving up %+v %+v", c, c.RegistrationErr)
	}
	if creates, lists := f.cloud.counts(); creates != 1 || lists != 5 {
		t.Fatalf("%d creates, %d read-backs; want 1 and 5", creates, lists)
	}
}

// Huawei already has an account for our xaccount id (an earlier send did
// create it): the job waits for it to be listed, then records it.
func TestRegisterXAccountTakenReadsBack(t *testing.T) {
	t.Parallel()
	f := newRegistration(t)
	f.cloud.create = func(domain.CloudNewSubCustomer) (domain.CloudCreatedSubCustomer, error) {
		return domain.CloudCreatedSubCustomer{}, upstreamErr(domain.CodeAlreadyExists, domain.OutcomeDefinite, "CBC.99000039")
	}
	if again, err := f.run(t); err != nil || again <= 0 {
		t.Fatalf("xaccount taken: %v %v, want a wait", again, err)
	}
	if c := f.customer(t); c.Registration != domain.RegistrationPending || c.RegistrationSentAt.IsZero() {
		t.Fatalf("after CBC.99000039 %+v", c)
	}
	f.cloud.list(domain.CloudSubCustomer{DomainID: "dom-1", AccountName: "user-01", XAccountID: f.job.CustomerID.String()})
	if again, err := f.run(t); err != nil || again != 0 {
		t.Fatalf("found: %v %v", again, err)
	}
	c := f.customer(t)
	if c.DomainID != "dom-1" || c.Registration != domain.RegistrationCreated || c.Association != domain.AssociationConfirmed ||
		!c.RegistrationSentAt.IsZero() {
		t.Fatalf("recorded %+v", c)
	}
	code, err := f.st.Customers().RegistrationCode(context.Background(), c.ID)
	if err != nil || code != "" {
		t.Fatalf("the SMS code is still stored: %q %v", code, err)
	}
	if creates, _ := f.cloud.counts(); creates != 1 {
		t.Fatalf("%d creates, want 1", creates)
	}
}

// Nothing was sent (throttled): the mark is cleared and the next run may
// send; a created account is then confirmed once Huawei lists it.
func TestRegisterRetryableThenCreated(t *testing.T) {
	t.Parallel()
	f := newRegistration(t)
	f.cloud.create = func(domain.CloudNewSubCustomer) (domain.CloudCreatedSubCustomer, error) {
		return domain.CloudCreatedSubCustomer{}, upstreamErr(domain.CodeUpstreamThrottled, domain.OutcomeRetryable, "APIGW.0308")
	}
	if _, err := f.run(t); !errors.Is(err, domain.ErrUpstreamThrottled) {
		t.Fatalf("throttled: %v", err)
	}
	if c := f.customer(t); !c.RegistrationSentAt.IsZero() {
		t.Fatalf("throttled left the send marked %+v", c)
	}
	var sent domain.CloudNewSubCustomer
	f.cloud.create = func(req domain.CloudNewSubCustomer) (domain.CloudCreatedSubCustomer, error) {
		sent = req
		return domain.CloudCreatedSubCustomer{DomainID: "dom-2", DomainName: req.DomainName}, nil
	}
	again, err := f.run(t)
	if err != nil || again <= 0 {
		t.Fatalf("created, not yet listed: %v %v", again, err)
	}
	if sent.XAccountID != f.job.CustomerID.String() || sent.DomainName != "user-01" || sent.VerificationCode != "123456" || sent.Mobile != "13800138000" {
		t.Fatalf("sent %+v", sent)
	}
	if c := f.customer(t); c.DomainID != "dom-2" || c.Association != domain.AssociationPending {
		t.Fatalf("created %+v", c)
	}
	f.cloud.list(domain.CloudSubCustomer{DomainID: "dom-2", AccountName: "user-01", XAccountID: f.job.CustomerID.String()})
	if again, err := f.run(t); err != nil || again != 0 {
		t.Fatalf("confirm: %v %v", again, err)
	}
	if c := f.customer(t); c.Association != domain.AssociationConfirmed {
		t.Fatalf("confirmed %+v", c)
	}
	if creates, _ := f.cloud.counts(); creates != 2 {
		t.Fatalf("%d creates, want 2 (the throttled one sent nothing)", creates)
	}
}

// The association waits grow with the time waited and stop after a day.
func TestAssociationPollingGivesUp(t *testing.T) {
	t.Parallel()
	f := newRegistration(t)
	f.cloud.create = func(req domain.CloudNewSubCustomer) (domain.CloudCreatedSubCustomer, error) {
		return domain.CloudCreatedSubCustomer{DomainID: "dom-3"}, nil
	}
	first, err := f.run(t)
	if err != nil || first != time.Second {
		t.Fatalf("first wait %v %v, want 1s", first, err)
	}
	f.clock.Advance(time.Hour)
	if later, err := f.run(t); err != nil || later != 5*time.Minute {
		t.Fatalf("wait after an hour %v %v, want the 5 min cap", later, err)
	}
	f.clock.Advance(domain.AssociationGiveUp)
	if again, err := f.run(t); err != nil || again != 0 {
		t.Fatalf("after a day: %v %v, want to stop", again, err)
	}
	if c := f.customer(t); c.Association != domain.AssociationPending || c.DomainName != "user-01" {
		t.Fatalf("unconfirmed %+v", c)
	}
}
