package domain_test

import (
	"context"
	"crypto/rand"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/partnerlab/storefront/internal/crypto"
	"github.com/partnerlab/storefront/internal/domain"
	"github.com/partnerlab/storefront/internal/store"
	"github.com/partnerlab/storefront/internal/testdb"
)

// fakeRealNameCloud answers what the test sets; it counts submissions.
type fakeRealNameCloud struct {
	mu        sync.Mutex
	review    domain.CloudRealNameReview
	reviewErr error
	sendErr   error
	sends     int
}

func (f *fakeRealNameCloud) set(fn func(*fakeRealNameCloud)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *fakeRealNameCloud) submit() (domain.CloudRealNameSubmission, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sends++
	if f.sendErr != nil {
		return domain.CloudRealNameSubmission{}, f.sendErr
	}
	f.review = domain.CloudRealNameReview{Status: domain.CloudReviewPending}
	return domain.CloudRealNameSubmission{NeedsReview: true}, nil
}

func (f *fakeRealNameCloud) SubmitIndividualRealName(context.Context, domain.CloudIndividualRealName) (domain.CloudRealNameSubmission, error) {
	return f.submit()
}

func (f *fakeRealNameCloud) SubmitEnterpriseRealName(context.Context, domain.CloudEnterpriseRealName) (domain.CloudRealNameSubmission, error) {
	return f.submit()
}

func (f *fakeRealNameCloud) ChangeToEnterpriseRealName(context.Context, domain.CloudEnterpriseRealName) (domain.CloudRealNameSubmission, error) {
	return f.submit()
}

func (f *fakeRealNameCloud) RealNameReview(context.Context, string) (domain.CloudRealNameReview, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.review, f.reviewErr
}

func (f *fakeRealNameCloud) SendVerificationCode(context.Context, domain.CloudVerificationCodeRequest) error {
	return nil
}

func realnameUpstreamErr(code domain.Code, outcome domain.Outcome, cbc string) error {
	return &domain.Error{Code: code, Message: "upstream", Upstream: &domain.UpstreamDetail{
		Operation: "CreatePersonalRealnameAuth", HTTPStatus: 400, Code: cbc, Message: "Huawei says no", Outcome: outcome}}
}

type rnFixture struct {
	svc   *domain.RealNameService
	cloud *fakeRealNameCloud
	st    *store.Store
	actor domain.Principal
	cust  uuid.UUID
	files []uuid.UUID
}

// newRNFixture: a customer with a Huawei account and three uploaded files
// (rows only: submission reads the keys, not the bytes).
func newRNFixture(t *testing.T) rnFixture {
	t.Helper()
	ctx := context.Background()
	pool := testdb.New(t)
	st, err := store.New(pool)
	if err != nil {
		t.Fatal(err)
	}
	secret := make([]byte, crypto.KeySize)
	rand.Read(secret)
	keys, _ := crypto.New(secret)
	cloud := &fakeRealNameCloud{review: domain.CloudRealNameReview{Status: domain.CloudReviewNeverSubmitted}}
	clock := &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	svc := domain.NewRealNameService(domain.RealNameDeps{Store: st, Cloud: cloud, Clock: clock, Cipher: keys, Index: keys})
	now := clock.Now()
	u := domain.User{ID: uuid.Must(uuid.NewV7()), Email: "rn@example.com", PasswordHash: "x", Roles: []domain.Role{domain.RoleCustomer},
		Status: domain.StatusActive, CreatedAt: now, UpdatedAt: now}
	cu := domain.Customer{ID: uuid.Must(uuid.NewV7()), UserID: u.ID, AccountName: "rnacct01", Mobile: "13900000001", CreatedAt: now, UpdatedAt: now}
	f := rnFixture{svc: svc, cloud: cloud, st: st, cust: cu.ID,
		actor: domain.Principal{Kind: domain.PrincipalUser, ID: u.ID, Roles: []domain.Role{domain.RoleCustomer}}}
	err = st.InTx(ctx, func(tx domain.Tx) error {
		if err := tx.Auth().CreateUser(ctx, u); err != nil {
			return err
		}
		if err := tx.Customers().CreateCustomer(ctx, cu, ""); err != nil {
			return err
		}
		for i := range 3 {
			id := uuid.Must(uuid.NewV7())
			f.files = append(f.files, id)
			if err := tx.RealName().CreateFile(ctx, domain.File{ID: id, CustomerID: cu.ID, Purpose: domain.FilePurposeRealName,
				StorageKey: "realname/" + cu.ID.String() + "/" + id.String() + ".png", ContentType: "image/png", Size: int64(10 + i),
				SHA256: make([]byte, 32), UploadedBy: u.ID, CreatedAt: now}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE customers SET huawei_domain_id = 'hw-1', registration_status = 'created' WHERE id = $1`, cu.ID); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f rnFixture) apply(t *testing.T) uuid.UUID {
	t.Helper()
	v, err := f.svc.Apply(context.Background(), f.actor, f.cust, domain.ApplicationInput{Kind: domain.RealNameIndividual,
		IDType: domain.IDPassport, Name: "张三", IDNumber: "E12345678", FileIDs: f.files})
	if err != nil {
		t.Fatal(err)
	}
	return v.ID
}

func (f rnFixture) status(t *testing.T, id uuid.UUID) (domain.ApplicationStatus, domain.RealNameStatus) {
	t.Helper()
	a, err := f.st.RealName().ApplicationByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	cu, err := f.st.Customers().CustomerByID(context.Background(), f.cust)
	if err != nil {
		t.Fatal(err)
	}
	return a.Status, cu.RealNameStatus
}

// An unknown outcome that never reached Huawei: the read-back shows no
// submission, so the job sends again; once in review, a review read that
// finds no submission fails the application instead of polling for ever.
func TestSubmitResendsWhenNothingArrived(t *testing.T) {
	t.Parallel()
	f := newRNFixture(t)
	ctx := context.Background()
	id := f.apply(t)
	f.cloud.set(func(c *fakeRealNameCloud) {
		c.sendErr = realnameUpstreamErr(domain.CodeUpstreamUnknown, domain.OutcomeUnknown, "")
	})
	if err := f.svc.Submit(ctx, id); !errors.Is(err, domain.ErrUpstreamUnknown) {
		t.Fatalf("unknown outcome: %v", err)
	}
	if st, _ := f.status(t, id); st != domain.ApplicationPending {
		t.Fatalf("after an unknown outcome: %s", st)
	}
	f.cloud.set(func(c *fakeRealNameCloud) { c.sendErr = nil })
	if err := f.svc.Submit(ctx, id); err != nil {
		t.Fatal(err)
	}
	if f.cloud.sends != 2 {
		t.Fatalf("sends %d, want 2 (nothing had arrived)", f.cloud.sends)
	}
	if st, cs := f.status(t, id); st != domain.ApplicationInReview || cs != domain.RealNameInReview {
		t.Fatalf("%s / %s", st, cs)
	}
	// Running the job again changes nothing and sends nothing.
	if err := f.svc.Submit(ctx, id); err != nil || f.cloud.sends != 2 {
		t.Fatalf("rerun: %v, sends %d", err, f.cloud.sends)
	}
	// Still in review: the poll re-enqueues itself and leaves the state.
	if err := f.svc.PollReview(ctx, id, 1); err != nil {
		t.Fatal(err)
	}
	f.cloud.set(func(c *fakeRealNameCloud) {
		c.review = domain.CloudRealNameReview{Status: domain.CloudReviewNeverSubmitted}
	})
	if err := f.svc.PollReview(ctx, id, 2); err != nil {
		t.Fatal(err)
	}
	st, cs := f.status(t, id)
	if st != domain.ApplicationFailed || cs != domain.RealNameUnverified {
		t.Fatalf("no submission at Huawei: %s / %s", st, cs)
	}
	v, _ := f.svc.Application(ctx, f.actor, f.cust, id)
	if v.Upstream == nil || v.Upstream.Operation != "ShowRealnameAuthenticationReviewResult" {
		t.Fatalf("failure detail %+v", v.Upstream)
	}
}

// An unknown outcome that did reach Huawei: the read-back differs from the
// baseline, so the application follows it without a second send.
func TestSubmitFollowsWhatArrived(t *testing.T) {
	t.Parallel()
	f := newRNFixture(t)
	ctx := context.Background()
	id := f.apply(t)
	// The customer's earlier submission was rejected: that is the baseline.
	f.cloud.set(func(c *fakeRealNameCloud) {
		c.review = domain.CloudRealNameReview{Status: domain.CloudReviewRejected, Opinion: "old"}
		c.sendErr = realnameUpstreamErr(domain.CodeUpstreamUnknown, domain.OutcomeUnknown, "")
	})
	if err := f.svc.Submit(ctx, id); err == nil {
		t.Fatal("unknown outcome reported as success")
	}
	// The read-back still shows the old rejection: it did not arrive; send again.
	f.cloud.set(func(c *fakeRealNameCloud) {
		c.sendErr = realnameUpstreamErr(domain.CodeUpstreamUnknown, domain.OutcomeUnknown, "")
	})
	if err := f.svc.Submit(ctx, id); err == nil || f.cloud.sends != 2 {
		t.Fatalf("second attempt: %v, sends %d", err, f.cloud.sends)
	}
	// This time Huawei had it and decided: rejected with a new opinion.
	f.cloud.set(func(c *fakeRealNameCloud) {
		c.review = domain.CloudRealNameReview{Status: domain.CloudReviewRejected, Opinion: "name does not match"}
	})
	if err := f.svc.Submit(ctx, id); err != nil || f.cloud.sends != 2 {
		t.Fatalf("read back: %v, sends %d", err, f.cloud.sends)
	}
	st, cs := f.status(t, id)
	if st != domain.ApplicationRejected || cs != domain.RealNameRejected {
		t.Fatalf("%s / %s", st, cs)
	}
	rn, err := f.svc.Status(ctx, f.actor, f.cust)
	if err != nil || rn.Opinion != "name does not match" {
		t.Fatalf("status %+v %v", rn, err)
	}
}

// A definite refusal fails the application with Huawei's code; the
// customer stays as it was; Huawei not knowing the customer is definite too.
func TestSubmitDefiniteRefusals(t *testing.T) {
	t.Parallel()
	f := newRNFixture(t)
	ctx := context.Background()
	id := f.apply(t)
	f.cloud.set(func(c *fakeRealNameCloud) {
		c.sendErr = realnameUpstreamErr(domain.CodeUpstreamRejected, domain.OutcomeDefinite, "CBC.99007202")
	})
	if err := f.svc.Submit(ctx, id); err != nil {
		t.Fatal(err)
	}
	if st, cs := f.status(t, id); st != domain.ApplicationFailed || cs != domain.RealNameUnverified {
		t.Fatalf("%s / %s", st, cs)
	}
	v, _ := f.svc.Application(ctx, f.actor, f.cust, id)
	if v.Upstream == nil || v.Upstream.Code != "CBC.99007202" || v.Upstream.Message != "Huawei says no" {
		t.Fatalf("detail %+v", v.Upstream)
	}

	// A new application may follow a failed one.
	id2 := f.apply(t)
	f.cloud.set(func(c *fakeRealNameCloud) {
		c.reviewErr = realnameUpstreamErr(domain.CodeUpstreamNotFound, domain.OutcomeDefinite, "CBC.99000035")
	})
	if err := f.svc.Submit(ctx, id2); err != nil {
		t.Fatal(err)
	}
	if st, _ := f.status(t, id2); st != domain.ApplicationFailed {
		t.Fatalf("customer unknown at Huawei: %s", st)
	}
	// A retryable read leaves the application for the queue to retry.
	id3 := f.apply(t)
	f.cloud.set(func(c *fakeRealNameCloud) {
		c.reviewErr = realnameUpstreamErr(domain.CodeUpstreamThrottled, domain.OutcomeRetryable, "APIGW.0308")
	})
	if err := f.svc.Submit(ctx, id3); !errors.Is(err, domain.ErrUpstreamThrottled) {
		t.Fatalf("throttled: %v", err)
	}
	if st, _ := f.status(t, id3); st != domain.ApplicationPending {
		t.Fatalf("throttled: %s", st)
	}
}
