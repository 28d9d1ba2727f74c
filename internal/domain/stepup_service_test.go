package domain_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/partnerlab/storefront/internal/crypto"
	"github.com/partnerlab/storefront/internal/domain"
	"github.com/partnerlab/storefront/internal/store"
	"github.com/partnerlab/storefront/internal/testdb"
)

type stepUpFixture struct {
	t        *testing.T
	svc      *domain.StepUpService
	st       *store.Store
	pool     *pgxpool.Pool
	clock    *fakeClock
	sealer   *crypto.Keyring
	customer uuid.UUID // a customer to move money for
}

func newStepUpFixture(t *testing.T) *stepUpFixture {
	t.Helper()
	pool := testdb.New(t)
	st, err := store.New(pool)
	if err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	sealer, err := crypto.New(key)
	if err != nil {
		t.Fatal(err)
	}
	// On a step boundary, so "the current step" is the same for 30 s of fake time.
	clock := &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	f := &stepUpFixture{t: t, svc: domain.NewStepUpService(st, sealer, clock), st: st, pool: pool, clock: clock, sealer: sealer}
	f.customer = f.newCustomer("acme")
	return f
}

// newUser inserts a user with roles and returns it as a principal.
func (f *stepUpFixture) newUser(email string, roles ...domain.Role) domain.Principal {
	f.t.Helper()
	now := f.clock.Now()
	u := domain.User{ID: uuid.Must(uuid.NewV7()), Email: email, PasswordHash: "unused", Roles: roles, Status: domain.StatusActive, CreatedAt: now, UpdatedAt: now}
	if err := f.st.Auth().CreateUser(context.Background(), u); err != nil {
		f.t.Fatal(err)
	}
	return domain.Principal{Kind: domain.PrincipalUser, ID: u.ID, Roles: roles}
}

func (f *stepUpFixture) newCustomer(name string) uuid.UUID {
	f.t.Helper()
	p := f.newUser(name+"@customer.example", domain.RoleCustomer)
	now := f.clock.Now()
	c := domain.Customer{ID: uuid.Must(uuid.NewV7()), UserID: p.ID, AccountName: name, Mobile: "13900000000", CreatedAt: now, UpdatedAt: now}
	if err := f.st.Customers().CreateCustomer(context.Background(), c, ""); err != nil {
		f.t.Fatal(err)
	}
	return c.ID
}

// enrolled is a staff member with a confirmed authenticator; it returns the
// secret, as the authenticator app holds it.
func (f *stepUpFixture) enrolled(email string, roles ...domain.Role) (domain.Principal, []byte) {
	f.t.Helper()
	p := f.newUser(email, roles...)
	secret := f.enrol(p)
	if err := f.svc.ConfirmTOTP(context.Background(), p, f.code(secret)); err != nil {
		f.t.Fatal(err)
	}
	// The confirming code's step is spent: start the test on the next one.
	f.clock.Advance(domain.TOTPPeriod)
	return p, secret
}

func (f *stepUpFixture) enrol(p domain.Principal) []byte {
	f.t.Helper()
	e, err := f.svc.EnrollTOTP(context.Background(), p)
	if err != nil {
		f.t.Fatal(err)
	}
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(e.Secret)
	if err != nil || len(secret) != domain.TOTPSecretSize {
		f.t.Fatalf("secret %q: %d bytes, %v", e.Secret, len(secret), err)
	}
	return secret
}

// code is the authenticator's current code.
func (f *stepUpFixture) code(secret []byte) string {
	return domain.TOTPCode(secret, domain.TOTPStep(f.clock.Now()))
}

// wrongCode is any code that is not valid in the current window.
func (f *stepUpFixture) wrongCode(secret []byte) string {
	step := domain.TOTPStep(f.clock.Now())
	for _, c := range []string{"000000", "111111", "222222", "333333"} {
		if c != domain.TOTPCode(secret, step-1) && c != domain.TOTPCode(secret, step) && c != domain.TOTPCode(secret, step+1) {
			return c
		}
	}
	f.t.Fatal("no wrong code")
	return ""
}

func (f *stepUpFixture) challenge(p domain.Principal, action domain.StepUpAction, customer uuid.UUID, amount string) domain.StepUpChallenge {
	f.t.Helper()
	in := domain.StepUpChallengeInput{Action: action, CustomerID: customer, Amount: amount}
	if action == domain.StepUpResolve {
		in.OperationID = uuid.Must(uuid.NewV7())
	}
	c, err := f.svc.CreateChallenge(context.Background(), p, in)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

func (f *stepUpFixture) attempts(id uuid.UUID) int {
	f.t.Helper()
	var n int
	if err := f.pool.QueryRow(context.Background(), "SELECT attempts FROM step_up_challenges WHERE id = $1", id).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func wantCode(t *testing.T, err error, code domain.Code) {
	t.Helper()
	if got := domain.ErrorCode(err); err == nil || got != code {
		t.Fatalf("got %v (%s), want %s", err, got, code)
	}
}

func amt(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// TestStepUpVerifyOnce: enrol, confirm, create a challenge, answer it: the
// first answer passes, the same challenge never again.
func TestStepUpVerifyOnce(t *testing.T) {
	t.Parallel()
	f := newStepUpFixture(t)
	ctx := context.Background()
	fin, secret := f.enrolled("fin@example.com", domain.RoleFinance)
	c := f.challenge(fin, domain.StepUpAllocate, f.customer, "100.50")
	if c.Action != domain.StepUpAllocate || c.CustomerID != f.customer || !c.Amount.Equal(amt("100.50")) ||
		c.UserID != fin.ID || !c.ExpiresAt.Equal(f.clock.Now().Add(5*time.Minute)) {
		t.Fatalf("challenge %+v", c)
	}
	// The amount compares as a number: 100.5 is 100.50.
	if err := f.svc.Verify(ctx, fin, c.ID, f.code(secret), domain.StepUpAllocate, f.customer, amt("100.5")); err != nil {
		t.Fatalf("verify: %v", err)
	}
	f.clock.Advance(domain.TOTPPeriod) // a fresh code: the challenge itself is spent
	wantCode(t, f.svc.Verify(ctx, fin, c.ID, f.code(secret), domain.StepUpAllocate, f.customer, amt("100.50")), domain.CodeStepUpReplayed)

	// An admin may too, for every action.
	adm, asecret := f.enrolled("adm@example.com", domain.RoleAdmin)
	for _, action := range []domain.StepUpAction{domain.StepUpReclaim, domain.StepUpResolve} {
		f.clock.Advance(domain.TOTPPeriod)
		c := f.challenge(adm, action, f.customer, "7.00")
		if err := f.svc.VerifyOperation(ctx, adm, c.ID, f.code(asecret), action, f.customer, amt("7"), c.OperationID); err != nil {
			t.Fatalf("%s: %v", action, err)
		}
	}
}

func TestStepUpVerifyMissing(t *testing.T) {
	t.Parallel()
	f := newStepUpFixture(t)
	fin, secret := f.enrolled("fin@example.com", domain.RoleFinance)
	c := f.challenge(fin, domain.StepUpAllocate, f.customer, "10.00")
	ctx := context.Background()
	wantCode(t, f.svc.Verify(ctx, fin, uuid.Nil, f.code(secret), domain.StepUpAllocate, f.customer, amt("10")), domain.CodeStepUpRequired)
	wantCode(t, f.svc.Verify(ctx, fin, c.ID, "", domain.StepUpAllocate, f.customer, amt("10")), domain.CodeStepUpRequired)
	if n := f.attempts(c.ID); n != 0 {
		t.Fatalf("attempts %d after missing answers", n)
	}
	if err := f.svc.Verify(ctx, fin, c.ID, f.code(secret), domain.StepUpAllocate, f.customer, amt("10")); err != nil {
		t.Fatal(err)
	}
}

// TestStepUpVerifyInvalid: an unknown id and another staff member's
// challenge get the same answer, and neither touches the challenge.
func TestStepUpVerifyInvalid(t *testing.T) {
	t.Parallel()
	f := newStepUpFixture(t)
	ctx := context.Background()
	fin, secret := f.enrolled("fin@example.com", domain.RoleFinance)
	other, osecret := f.enrolled("other@example.com", domain.RoleFinance)
	c := f.challenge(fin, domain.StepUpAllocate, f.customer, "10.00")

	errUnknown := f.svc.Verify(ctx, fin, uuid.Must(uuid.NewV7()), f.code(secret), domain.StepUpAllocate, f.customer, amt("10"))
	wantCode(t, errUnknown, domain.CodeStepUpInvalid)
	errOther := f.svc.Verify(ctx, other, c.ID, f.code(osecret), domain.StepUpAllocate, f.customer, amt("10"))
	wantCode(t, errOther, domain.CodeStepUpInvalid)
	if errUnknown.Error() != errOther.Error() {
		t.Fatalf("answers differ: %q vs %q", errUnknown, errOther)
	}
	// Even with the owner's right code, another caller gets nowhere.
	wantCode(t, f.svc.Verify(ctx, other, c.ID, f.code(secret), domain.StepUpAllocate, f.customer, amt("10")), domain.CodeStepUpInvalid)
	// An API client has no challenges.
	client := domain.Principal{Kind: domain.PrincipalClient, ID: fin.ID}
	wantCode(t, f.svc.Verify(ctx, client, c.ID, f.code(secret), domain.StepUpAllocate, f.customer, amt("10")), domain.CodeStepUpInvalid)
	if n := f.attempts(c.ID); n != 0 {
		t.Fatalf("others' tries counted on the owner's challenge: %d", n)
	}
	if err := f.svc.Verify(ctx, fin, c.ID, f.code(secret), domain.StepUpAllocate, f.customer, amt("10")); err != nil {
		t.Fatal(err)
	}
}

func TestStepUpVerifyExpired(t *testing.T) {
	t.Parallel()
	f := newStepUpFixture(t)
	ctx := context.Background()
	fin, secret := f.enrolled("fin@example.com", domain.RoleFinance)
	c := f.challenge(fin, domain.StepUpReclaim, f.customer, "10.00")
	f.clock.Advance(domain.StepUpChallengeTTL - time.Second)
	d := f.challenge(fin, domain.StepUpReclaim, f.customer, "10.00")
	if err := f.svc.Verify(ctx, fin, d.ID, f.code(secret), domain.StepUpReclaim, f.customer, amt("10")); err != nil {
		t.Fatalf("a second before expiry: %v", err)
	}
	f.clock.Advance(time.Second + domain.TOTPPeriod)
	wantCode(t, f.svc.Verify(ctx, fin, c.ID, f.code(secret), domain.StepUpReclaim, f.customer, amt("10")), domain.CodeStepUpExpired)
}

// TestStepUpVerifyReplayedStep: a code's time step is accepted once per
// staff member, across challenges; a replay is not a guess and is not
// counted; the next step's code works.
func TestStepUpVerifyReplayedStep(t *testing.T) {
	t.Parallel()
	f := newStepUpFixture(t)
	ctx := context.Background()
	fin, secret := f.enrolled("fin@example.com", domain.RoleFinance)
	a := f.challenge(fin, domain.StepUpAllocate, f.customer, "10.00")
	b := f.challenge(fin, domain.StepUpAllocate, f.customer, "10.00")
	code := f.code(secret)
	if err := f.svc.Verify(ctx, fin, a.ID, code, domain.StepUpAllocate, f.customer, amt("10")); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.svc.Verify(ctx, fin, b.ID, code, domain.StepUpAllocate, f.customer, amt("10")), domain.CodeStepUpReplayed)
	// The previous step's code (still inside the ±1 window) is older: refused too.
	prev := domain.TOTPCode(secret, domain.TOTPStep(f.clock.Now())-1)
	wantCode(t, f.svc.Verify(ctx, fin, b.ID, prev, domain.StepUpAllocate, f.customer, amt("10")), domain.CodeStepUpReplayed)
	if n := f.attempts(b.ID); n != 0 {
		t.Fatalf("replays counted as wrong answers: %d", n)
	}
	f.clock.Advance(domain.TOTPPeriod)
	if err := f.svc.Verify(ctx, fin, b.ID, f.code(secret), domain.StepUpAllocate, f.customer, amt("10")); err != nil {
		t.Fatalf("next step: %v", err)
	}
}

// TestStepUpVerifyConfirmStepSpent: the code that confirmed enrolment does
// not answer a challenge.
func TestStepUpVerifyConfirmStepSpent(t *testing.T) {
	t.Parallel()
	f := newStepUpFixture(t)
	ctx := context.Background()
	fin := f.newUser("fin@example.com", domain.RoleFinance)
	secret := f.enrol(fin)
	code := f.code(secret)
	if err := f.svc.ConfirmTOTP(ctx, fin, code); err != nil {
		t.Fatal(err)
	}
	c := f.challenge(fin, domain.StepUpAllocate, f.customer, "10.00")
	wantCode(t, f.svc.Verify(ctx, fin, c.ID, code, domain.StepUpAllocate, f.customer, amt("10")), domain.CodeStepUpReplayed)
}

// TestStepUpVerifyMismatch: a challenge answers only for its own action,
// customer, amount and operation. A mismatch is a wrong answer: it counts
// toward the lock (see StepUpService.VerifyOperation).
func TestStepUpVerifyMismatch(t *testing.T) {
	t.Parallel()
	f := newStepUpFixture(t)
	ctx := context.Background()
	fin, secret := f.enrolled("fin@example.com", domain.RoleFinance)
	other := f.newCustomer("other")
	c := f.challenge(fin, domain.StepUpAllocate, f.customer, "100.00")
	for i, tc := range []struct {
		name     string
		action   domain.StepUpAction
		customer uuid.UUID
		amount   string
	}{
		{"action", domain.StepUpReclaim, f.customer, "100.00"},
		{"customer", domain.StepUpAllocate, other, "100.00"},
		{"amount up a fen", domain.StepUpAllocate, f.customer, "100.01"},
		{"amount down", domain.StepUpAllocate, f.customer, "99.99"},
	} {
		err := f.svc.Verify(ctx, fin, c.ID, f.code(secret), tc.action, tc.customer, amt(tc.amount))
		wantCode(t, err, domain.CodeStepUpMismatch)
		if n := f.attempts(c.ID); n != i+1 {
			t.Fatalf("%s: attempts %d, want %d", tc.name, n, i+1)
		}
	}
	// The right answer still passes: 4 wrong answers do not lock.
	if err := f.svc.Verify(ctx, fin, c.ID, f.code(secret), domain.StepUpAllocate, f.customer, amt("100")); err != nil {
		t.Fatal(err)
	}

	// Resolve: the operation too.
	f.clock.Advance(domain.TOTPPeriod)
	r := f.challenge(fin, domain.StepUpResolve, f.customer, "5.00")
	err := f.svc.VerifyOperation(ctx, fin, r.ID, f.code(secret), domain.StepUpResolve, f.customer, amt("5"), uuid.Must(uuid.NewV7()))
	wantCode(t, err, domain.CodeStepUpMismatch)
	if err := f.svc.VerifyOperation(ctx, fin, r.ID, f.code(secret), domain.StepUpResolve, f.customer, amt("5"), r.OperationID); err != nil {
		t.Fatal(err)
	}
}

// TestStepUpVerifyLock: 5 wrong answers lock the challenge; the 5th already
// answers step_up_locked, and so does the right code afterwards.
func TestStepUpVerifyLock(t *testing.T) {
	t.Parallel()
	f := newStepUpFixture(t)
	ctx := context.Background()
	fin, secret := f.enrolled("fin@example.com", domain.RoleFinance)
	c := f.challenge(fin, domain.StepUpAllocate, f.customer, "10.00")
	wrong := f.wrongCode(secret)
	for i := 1; i < domain.StepUpMaxAttempts; i++ {
		wantCode(t, f.svc.Verify(ctx, fin, c.ID, wrong, domain.StepUpAllocate, f.customer, amt("10")), domain.CodeStepUpCodeInvalid)
		if n := f.attempts(c.ID); n != i {
			t.Fatalf("attempts %d, want %d", n, i)
		}
	}
	// Malformed codes are wrong codes too.
	wantCode(t, f.svc.Verify(ctx, fin, c.ID, "12ab", domain.StepUpAllocate, f.customer, amt("10")), domain.CodeStepUpLocked)
	wantCode(t, f.svc.Verify(ctx, fin, c.ID, f.code(secret), domain.StepUpAllocate, f.customer, amt("10")), domain.CodeStepUpLocked)
	if n := f.attempts(c.ID); n != domain.StepUpMaxAttempts {
		t.Fatalf("attempts %d after the lock", n)
	}
	// The locked challenge spent no time step: a new challenge takes the same code.
	d := f.challenge(fin, domain.StepUpAllocate, f.customer, "10.00")
	if err := f.svc.Verify(ctx, fin, d.ID, f.code(secret), domain.StepUpAllocate, f.customer, amt("10")); err != nil {
		t.Fatal(err)
	}
}

// TestStepUpWrongTryCountsWhenCallerFails: Verify commits in its own
// transaction, so a wrong try counts even when the caller's transaction,
// in which it was called, rolls back.
func TestStepUpWrongTryCountsWhenCallerFails(t *testing.T) {
	t.Parallel()
	f := newStepUpFixture(t)
	ctx := context.Background()
	fin, secret := f.enrolled("fin@example.com", domain.RoleFinance)
	c := f.challenge(fin, domain.StepUpAllocate, f.customer, "10.00")
	callerFailed := errors.New("the money operation failed")
	err := f.st.InTx(ctx, func(domain.Tx) error {
		wantCode(t, f.svc.Verify(ctx, fin, c.ID, f.wrongCode(secret), domain.StepUpAllocate, f.customer, amt("10")), domain.CodeStepUpCodeInvalid)
		return callerFailed
	})
	if !errors.Is(err, callerFailed) {
		t.Fatal(err)
	}
	if n := f.attempts(c.ID); n != 1 {
		t.Fatalf("attempts %d after the caller rolled back, want 1", n)
	}
	// A success is kept the same way: the challenge is spent.
	_ = f.st.InTx(ctx, func(domain.Tx) error {
		if err := f.svc.Verify(ctx, fin, c.ID, f.code(secret), domain.StepUpAllocate, f.customer, amt("10")); err != nil {
			t.Fatal(err)
		}
		return callerFailed
	})
	f.clock.Advance(domain.TOTPPeriod)
	wantCode(t, f.svc.Verify(ctx, fin, c.ID, f.code(secret), domain.StepUpAllocate, f.customer, amt("10")), domain.CodeStepUpReplayed)
}

// TestStepUpVerifyConcurrent: many answers to one challenge at once let
// exactly one through; the same for one code across two challenges.
func TestStepUpVerifyConcurrent(t *testing.T) {
	t.Parallel()
	f := newStepUpFixture(t)
	ctx := context.Background()
	fin, secret := f.enrolled("fin@example.com", domain.RoleFinance)

	race := func(ids []uuid.UUID, code string) (passed int, codes map[domain.Code]int) {
		const perID = 4
		var mu sync.Mutex
		var wg sync.WaitGroup
		codes = map[domain.Code]int{}
		start := make(chan struct{})
		for _, id := range ids {
			for range perID {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					err := f.svc.Verify(ctx, fin, id, code, domain.StepUpAllocate, f.customer, amt("10"))
					mu.Lock()
					defer mu.Unlock()
					if err == nil {
						passed++
					} else {
						codes[domain.ErrorCode(err)]++
					}
				}()
			}
		}
		close(start)
		wg.Wait()
		return passed, codes
	}

	c := f.challenge(fin, domain.StepUpAllocate, f.customer, "10.00")
	if passed, codes := race([]uuid.UUID{c.ID}, f.code(secret)); passed != 1 || codes[domain.CodeStepUpReplayed] != 3 {
		t.Fatalf("one challenge: %d passed, refusals %v", passed, codes)
	}
	f.clock.Advance(domain.TOTPPeriod)
	a := f.challenge(fin, domain.StepUpAllocate, f.customer, "10.00")
	b := f.challenge(fin, domain.StepUpAllocate, f.customer, "10.00")
	if passed, codes := race([]uuid.UUID{a.ID, b.ID}, f.code(secret)); passed != 1 || codes[domain.CodeStepUpReplayed] != 7 {
		t.Fatalf("one code, two challenges: %d passed, refusals %v", passed, codes)
	}
}

func TestStepUpEnrolment(t *testing.T) {
	t.Parallel()
	f := newStepUpFixture(t)
	ctx := context.Background()
	op := f.newUser("Op.Erator+totp@example.com", domain.RoleOperator)

	e, err := f.svc.EnrollTOTP(ctx, op)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Secret) != 32 || strings.Contains(e.Secret, "=") {
		t.Fatalf("secret %q: want 32 base32 characters, unpadded", e.Secret)
	}
	u, err := url.Parse(e.OTPAuthURI)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Scheme != "otpauth" || u.Host != "totp" || u.Path != "/Storefront:Op.Erator+totp@example.com" ||
		q.Get("secret") != e.Secret || q.Get("issuer") != "Storefront" || q.Get("algorithm") != "SHA1" ||
		q.Get("digits") != "6" || q.Get("period") != "30" {
		t.Fatalf("otpauth URI %s", e.OTPAuthURI)
	}

	// Unconfirmed: a new enrolment replaces the secret.
	second := f.enrol(op)
	first, _ := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(e.Secret)
	if bytes.Equal(first, second) {
		t.Fatal("the same secret twice")
	}
	wantCode(t, f.svc.ConfirmTOTP(ctx, op, f.code(first)), domain.CodeVerificationCode)
	wantCode(t, f.svc.ConfirmTOTP(ctx, op, "12345x"), domain.CodeVerificationCode)
	// ±1 step: the next step's code confirms.
	next := domain.TOTPCode(second, domain.TOTPStep(f.clock.Now())+1)
	if err := f.svc.ConfirmTOTP(ctx, op, next); err != nil {
		t.Fatal(err)
	}
	// Confirmed: kept.
	_, err = f.svc.EnrollTOTP(ctx, op)
	wantCode(t, err, domain.CodeTOTPEnrolled)
	wantCode(t, f.svc.ConfirmTOTP(ctx, op, f.code(second)), domain.CodeTOTPEnrolled)

	// Nothing enrolled: nothing to confirm.
	fin := f.newUser("fin@example.com", domain.RoleFinance)
	wantCode(t, f.svc.ConfirmTOTP(ctx, fin, "123456"), domain.CodeTOTPNotEnrolled)
	// Two steps away is outside the window.
	s := f.enrol(fin)
	wantCode(t, f.svc.ConfirmTOTP(ctx, fin, domain.TOTPCode(s, domain.TOTPStep(f.clock.Now())+2)), domain.CodeVerificationCode)
	wantCode(t, f.svc.ConfirmTOTP(ctx, fin, domain.TOTPCode(s, domain.TOTPStep(f.clock.Now())-2)), domain.CodeVerificationCode)

	// Customers and API clients do not enrol.
	cust := f.newUser("c@example.com", domain.RoleCustomer)
	_, err = f.svc.EnrollTOTP(ctx, cust)
	wantCode(t, err, domain.CodeForbidden)
	_, err = f.svc.EnrollTOTP(ctx, domain.Principal{Kind: domain.PrincipalClient, ID: uuid.Must(uuid.NewV7())})
	wantCode(t, err, domain.CodeForbidden)
	wantCode(t, f.svc.ConfirmTOTP(ctx, cust, "123456"), domain.CodeForbidden)
}

// TestStepUpSecretAtRest: the secret column holds no plain text (neither the
// bytes nor their base32), and it opens only for its own user.
func TestStepUpSecretAtRest(t *testing.T) {
	t.Parallel()
	f := newStepUpFixture(t)
	ctx := context.Background()
	fin := f.newUser("fin@example.com", domain.RoleFinance)
	e, err := f.svc.EnrollTOTP(ctx, fin)
	if err != nil {
		t.Fatal(err)
	}
	secret, _ := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(e.Secret)
	var sealed []byte
	if err := f.pool.QueryRow(ctx, "SELECT secret_sealed FROM totp_credentials WHERE user_id = $1", fin.ID).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	var row string
	if err := f.pool.QueryRow(ctx, "SELECT row_to_json(c)::text FROM totp_credentials c WHERE user_id = $1", fin.ID).Scan(&row); err != nil {
		t.Fatal(err)
	}
	for _, plain := range [][]byte{secret, []byte(e.Secret), []byte(strings.ToLower(e.Secret))} {
		if bytes.Contains(sealed, plain) || strings.Contains(row, string(plain)) {
			t.Fatalf("the stored row holds the secret in plain text: %s", row)
		}
	}
	if got, err := f.sealer.Open(sealed, fin.ID[:]); err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("open with the owner's id: %v", err)
	}
	other := uuid.Must(uuid.NewV7())
	if _, err := f.sealer.Open(sealed, other[:]); err == nil {
		t.Fatal("opened with another user's id")
	}
}

func TestStepUpCreateChallenge(t *testing.T) {
	t.Parallel()
	f := newStepUpFixture(t)
	ctx := context.Background()
	fin, _ := f.enrolled("fin@example.com", domain.RoleFinance)
	create := func(p domain.Principal, in domain.StepUpChallengeInput) error {
		_, err := f.svc.CreateChallenge(ctx, p, in)
		return err
	}
	ok := domain.StepUpChallengeInput{Action: domain.StepUpAllocate, CustomerID: f.customer, Amount: "1.00"}
	if err := create(fin, ok); err != nil {
		t.Fatal(err)
	}
	with := func(change func(*domain.StepUpChallengeInput)) domain.StepUpChallengeInput {
		in := ok
		change(&in)
		return in
	}
	for name, tc := range map[string]struct {
		in   domain.StepUpChallengeInput
		code domain.Code
	}{
		"zero amount":            {with(func(in *domain.StepUpChallengeInput) { in.Amount = "0.00" }), domain.CodeValidation},
		"negative amount":        {with(func(in *domain.StepUpChallengeInput) { in.Amount = "-1.00" }), domain.CodeValidation},
		"three decimals":         {with(func(in *domain.StepUpChallengeInput) { in.Amount = "1.001" }), domain.CodeValidation},
		"unknown action":         {with(func(in *domain.StepUpChallengeInput) { in.Action = "transfer" }), domain.CodeValidation},
		"resolve without op":     {with(func(in *domain.StepUpChallengeInput) { in.Action = domain.StepUpResolve }), domain.CodeValidation},
		"allocate with op":       {with(func(in *domain.StepUpChallengeInput) { in.OperationID = uuid.Must(uuid.NewV7()) }), domain.CodeValidation},
		"unknown customer":       {with(func(in *domain.StepUpChallengeInput) { in.CustomerID = uuid.Must(uuid.NewV7()) }), domain.CodeNotFound},
		"customer's user id too": {with(func(in *domain.StepUpChallengeInput) { in.CustomerID = fin.ID }), domain.CodeNotFound},
	} {
		err := create(fin, tc.in)
		if domain.ErrorCode(err) != tc.code {
			t.Errorf("%s: %v, want %s", name, err, tc.code)
		}
		var de *domain.Error
		if tc.code == domain.CodeValidation && (!errors.As(err, &de) || len(de.Fields) != 1) {
			t.Errorf("%s: no field named: %v", name, err)
		}
	}

	// Not enrolled, or enrolled but not confirmed.
	adm := f.newUser("adm@example.com", domain.RoleAdmin)
	wantCode(t, create(adm, ok), domain.CodeTOTPNotEnrolled)
	f.enrol(adm)
	wantCode(t, create(adm, ok), domain.CodeTOTPNotEnrolled)
	// Operators, customers and API clients never.
	op, _ := f.enrolled("op@example.com", domain.RoleOperator)
	wantCode(t, create(op, ok), domain.CodeForbidden)
	wantCode(t, create(domain.Principal{Kind: domain.PrincipalClient, ID: fin.ID, Roles: []domain.Role{domain.RoleFinance}}, ok), domain.CodeForbidden)

	// A member's challenges that expired a day ago are swept by the next one.
	var before int
	_ = f.pool.QueryRow(ctx, "SELECT count(*) FROM step_up_challenges WHERE user_id = $1", fin.ID).Scan(&before)
	f.clock.Advance(25 * time.Hour)
	if err := create(fin, ok); err != nil {
		t.Fatal(err)
	}
	var after int
	_ = f.pool.QueryRow(ctx, "SELECT count(*) FROM step_up_challenges WHERE user_id = $1", fin.ID).Scan(&after)
	if before != 1 || after != 1 {
		t.Fatalf("challenges %d, then %d after a day; want 1 and 1", before, after)
	}
}

// TestStepUpAudit: enrolment, confirmation, creation, success and every
// failure are audited, without the secret or any code.
func TestStepUpAudit(t *testing.T) {
	t.Parallel()
	f := newStepUpFixture(t)
	ctx := context.Background()
	fin := f.newUser("fin@example.com", domain.RoleFinance)
	secret := f.enrol(fin)
	confirmCode := f.code(secret)
	if err := f.svc.ConfirmTOTP(ctx, fin, confirmCode); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(domain.TOTPPeriod)
	c := f.challenge(fin, domain.StepUpAllocate, f.customer, "10.00")
	wrong := f.wrongCode(secret)
	_ = f.svc.Verify(ctx, fin, c.ID, wrong, domain.StepUpAllocate, f.customer, amt("10"))
	_ = f.svc.Verify(ctx, fin, c.ID, f.code(secret), domain.StepUpReclaim, f.customer, amt("10"))
	_ = f.svc.Verify(ctx, fin, uuid.Must(uuid.NewV7()), f.code(secret), domain.StepUpAllocate, f.customer, amt("10"))
	good := f.code(secret)
	if err := f.svc.Verify(ctx, fin, c.ID, good, domain.StepUpAllocate, f.customer, amt("10")); err != nil {
		t.Fatal(err)
	}

	rows, err := f.pool.Query(ctx, "SELECT action, subject_type, coalesce(details::text, '') FROM audit_events WHERE actor_id = $1 ORDER BY id", fin.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	reasons := map[string]bool{}
	for rows.Next() {
		var action, subject, details string
		if err := rows.Scan(&action, &subject, &details); err != nil {
			t.Fatal(err)
		}
		got = append(got, action)
		for _, secretish := range []string{wrong, good, confirmCode, base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(secret)} {
			if strings.Contains(details, secretish) {
				t.Errorf("%s details hold a code or the secret: %s", action, details)
			}
		}
		if strings.Contains(details, `"customer_id"`) {
			t.Errorf("%s names customer_id: it would show in the customer's timeline: %s", action, details)
		}
		if action == "step_up.verify_failed" {
			var d map[string]any
			if err := json.Unmarshal([]byte(details), &d); err != nil {
				t.Fatal(err)
			}
			reasons[d["reason"].(string)] = true
		}
	}
	want := []string{"totp.enroll", "totp.confirm", "step_up.create", "step_up.verify_failed", "step_up.verify_failed", "step_up.verify_failed", "step_up.verify"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("audit %v, want %v", got, want)
	}
	for _, r := range []string{"code_invalid", "mismatch", "unknown"} {
		if !reasons[r] {
			t.Errorf("no failure audited with reason %q (have %v)", r, reasons)
		}
	}
}

// TestStepUpMemberLock: the per-challenge lock alone would let a session
// create challenges without end and guess 5 times on each; wrong answers
// across a member's challenges within an hour are bounded too.
func TestStepUpMemberLock(t *testing.T) {
	t.Parallel()
	f := newStepUpFixture(t)
	ctx := context.Background()
	fin, secret := f.enrolled("fin@example.com", domain.RoleFinance)
	other, osecret := f.enrolled("other@example.com", domain.RoleFinance)
	open := f.challenge(fin, domain.StepUpAllocate, f.customer, "10.00")
	wrong := f.wrongCode(secret)
	// Lock challenges a minute apart until the budget is spent.
	for range domain.StepUpMemberWrongLimit / domain.StepUpMaxAttempts {
		f.clock.Advance(time.Minute)
		c := f.challenge(fin, domain.StepUpAllocate, f.customer, "10.00")
		for range domain.StepUpMaxAttempts {
			_ = f.svc.Verify(ctx, fin, c.ID, wrong, domain.StepUpAllocate, f.customer, amt("10"))
		}
	}
	// Locked out: no new challenge, and an open one refuses even the right code.
	_, err := f.svc.CreateChallenge(ctx, fin, domain.StepUpChallengeInput{Action: domain.StepUpAllocate, CustomerID: f.customer, Amount: "10.00"})
	wantCode(t, err, domain.CodeStepUpLocked)
	var de *domain.Error
	// The first locked challenge was created a minute before the last one.
	if !errors.As(err, &de) || de.RetryAfter != domain.StepUpMemberWrongWindow-time.Minute {
		t.Fatalf("RetryAfter: %v", err)
	}
	wantCode(t, f.svc.Verify(ctx, fin, open.ID, f.code(secret), domain.StepUpAllocate, f.customer, amt("10")), domain.CodeStepUpLocked)
	if n := f.attempts(open.ID); n != 0 {
		t.Fatalf("the refused answer counted: %d", n)
	}
	// Another member is not affected.
	oc := f.challenge(other, domain.StepUpAllocate, f.customer, "10.00")
	if err := f.svc.Verify(ctx, other, oc.ID, f.code(osecret), domain.StepUpAllocate, f.customer, amt("10")); err != nil {
		t.Fatal(err)
	}
	// Once the first locked challenge leaves the window, half the budget is back.
	f.clock.Advance(de.RetryAfter)
	c := f.challenge(fin, domain.StepUpAllocate, f.customer, "10.00")
	if err := f.svc.Verify(ctx, fin, c.ID, f.code(secret), domain.StepUpAllocate, f.customer, amt("10")); err != nil {
		t.Fatal(err)
	}
}
