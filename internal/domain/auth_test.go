package domain_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerlab/storefront/internal/auth"
	"github.com/partnerlab/storefront/internal/domain"
	"github.com/partnerlab/storefront/internal/store"
	"github.com/partnerlab/storefront/internal/testdb"
)

// fakeClock is moved by the test; rules about time are checked without waiting.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type fixture struct {
	svc   *domain.AuthService
	clock *fakeClock
	pool  *pgxpool.Pool
}

const refreshTTL = 24 * time.Hour

func newFixture(t *testing.T) fixture {
	t.Helper()
	pool := testdb.New(t)
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	st, err := store.New(pool)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := domain.NewAuthService(st,
		auth.NewArgon2Hasher(auth.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}),
		auth.NewSigner(priv, nil, "iss", "aud", 15*time.Minute), clock, refreshTTL)
	if err != nil {
		t.Fatal(err)
	}
	return fixture{svc: svc, clock: clock, pool: pool}
}

func TestLockoutWindow(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.Signup(ctx, domain.SignupInput{Email: "a@example.com", Password: "right-password"}); err != nil {
		t.Fatal(err)
	}
	// Failures spread over the window: the first at t0, the rest a minute apart.
	for i := range domain.LoginFailureLimit {
		if i > 0 {
			f.clock.Advance(time.Minute)
		}
		if _, err := f.svc.Login(ctx, "a@example.com", "wrong"); !errors.Is(err, domain.ErrUnauthenticated) {
			t.Fatalf("failure %d: %v", i+1, err)
		}
	}
	_, err := f.svc.Login(ctx, "a@example.com", "right-password")
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.CodeAccountLocked {
		t.Fatalf("locked login: %v", err)
	}
	// The lock lasts until the oldest failure leaves the window.
	if want := domain.LoginFailureWindow - time.Duration(domain.LoginFailureLimit-1)*time.Minute; de.RetryAfter != want {
		t.Fatalf("RetryAfter %v, want %v", de.RetryAfter, want)
	}
	f.clock.Advance(de.RetryAfter - time.Second)
	if _, err := f.svc.Login(ctx, "a@example.com", "right-password"); !errors.Is(err, domain.ErrAccountLocked) {
		t.Fatalf("a second before the end: %v", err)
	}
	f.clock.Advance(time.Second)
	if _, err := f.svc.Login(ctx, "a@example.com", "right-password"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
	// Success cleared the count: four more failures do not lock.
	for range domain.LoginFailureLimit - 1 {
		_, _ = f.svc.Login(ctx, "a@example.com", "wrong")
	}
	if _, err := f.svc.Login(ctx, "a@example.com", "right-password"); err != nil {
		t.Fatalf("after a success and %d failures: %v", domain.LoginFailureLimit-1, err)
	}
}

func TestLockoutUnknownEmail(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	// Unknown emails lock the same way, so the lock does not reveal which exist.
	for range domain.LoginFailureLimit {
		if _, err := f.svc.Login(ctx, "ghost@example.com", "x"); !errors.Is(err, domain.ErrUnauthenticated) {
			t.Fatal(err)
		}
	}
	if _, err := f.svc.Login(ctx, "ghost@example.com", "x"); !errors.Is(err, domain.ErrAccountLocked) {
		t.Fatalf("sixth attempt on an unknown email: %v", err)
	}
}

func TestRefreshExpiry(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	pair, err := f.svc.Signup(ctx, domain.SignupInput{Email: "a@example.com", Password: "right-password"})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(refreshTTL - time.Second)
	pair, err = f.svc.Refresh(ctx, pair.RefreshToken)
	if err != nil {
		t.Fatalf("just before expiry: %v", err)
	}
	// The rotated token has a fresh lifetime from now.
	f.clock.Advance(refreshTTL)
	if _, err := f.svc.Refresh(ctx, pair.RefreshToken); !errors.Is(err, domain.ErrUnauthenticated) {
		t.Fatalf("at expiry: %v", err)
	}
}

// TestRefreshRace: two concurrent uses of one refresh token never both win.
func TestRefreshRace(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	pair, err := f.svc.Signup(ctx, domain.SignupInput{Email: "a@example.com", Password: "right-password"})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { _, errs[i] = f.svc.Refresh(ctx, pair.RefreshToken) })
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, domain.ErrUnauthenticated):
			t.Errorf("unexpected error: %v", err)
		}
	}
	if wins > 1 {
		t.Fatalf("%d concurrent refreshes of one token succeeded", wins)
	}
	var live int
	if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM refresh_tokens WHERE revoked_at IS NULL AND used_at IS NULL`).Scan(&live); err != nil {
		t.Fatal(err)
	}
	if wins == 1 && live != 0 {
		// The winner's token was issued, then a loser's reuse revoked the family.
		t.Fatalf("%d live tokens after a detected reuse", live)
	}
}

func TestEnsureAdmin(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	created, err := f.svc.EnsureAdmin(ctx, "root@example.com", "first-password")
	if err != nil || !created {
		t.Fatalf("first: %v, %v", created, err)
	}
	// Never changes an existing user, even with another password.
	created, err = f.svc.EnsureAdmin(ctx, "ROOT@example.com", "second-password")
	if err != nil || created {
		t.Fatalf("second: %v, %v", created, err)
	}
	if _, err := f.svc.Login(ctx, "root@example.com", "first-password"); err != nil {
		t.Fatalf("original password: %v", err)
	}
}

func TestClientCredentials(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.EnsureAdmin(ctx, "root@example.com", "first-password"); err != nil {
		t.Fatal(err)
	}
	// The admin's principal, as its token would carry it.
	var adminID uuid.UUID
	if err := f.pool.QueryRow(ctx, `SELECT id FROM users`).Scan(&adminID); err != nil {
		t.Fatal(err)
	}
	admin := domain.Principal{Kind: domain.PrincipalUser, ID: adminID, Roles: []domain.Role{domain.RoleAdmin}}
	customer := domain.Principal{Kind: domain.PrincipalUser, ID: uuid.New(), Roles: []domain.Role{domain.RoleCustomer}}

	if _, _, err := f.svc.CreateAPIClient(ctx, customer, "x", []domain.Scope{"orders:read"}); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("customer creates a client: %v", err)
	}
	c, secret, err := f.svc.CreateAPIClient(ctx, admin, "reseller", []domain.Scope{"orders:read", "catalog:read", "orders:read"})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Scopes) != 2 {
		t.Fatalf("scopes %v, want deduplicated", c.Scopes)
	}
	var stored []byte
	if err := f.pool.QueryRow(ctx, `SELECT secret_hash FROM api_clients WHERE id = $1`, c.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if string(stored) == secret || len(stored) != 32 {
		t.Fatal("the secret is stored in clear")
	}
	tok, err := f.svc.ClientCredentials(ctx, c.ID, secret, nil)
	if err != nil || tok.AccessToken == "" || len(tok.Scopes) != 2 {
		t.Fatalf("token: %+v, %v", tok, err)
	}
	if _, err := f.svc.ClientCredentials(ctx, c.ID, secret, []domain.Scope{"orders:write"}); !errors.Is(err, domain.ErrValidation) {
		t.Fatalf("ungranted scope: %v", err)
	}
	if _, err := f.svc.ClientCredentials(ctx, uuid.New(), secret, nil); !errors.Is(err, domain.ErrUnauthenticated) {
		t.Fatalf("unknown client: %v", err)
	}
	if err := f.svc.DisableAPIClient(ctx, admin, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ClientCredentials(ctx, c.ID, secret, nil); !errors.Is(err, domain.ErrUnauthenticated) {
		t.Fatalf("disabled client: %v", err)
	}
}

// TestPrincipalStatusAcrossReplicas: the replica that disables a staff
// member refuses it at once; another replica (its own cache, same database)
// within PrincipalStatusTTL.
func TestPrincipalStatusAcrossReplicas(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	st, err := store.New(f.pool)
	if err != nil {
		t.Fatal(err)
	}
	other, err := domain.NewAuthService(st, auth.NewArgon2Hasher(auth.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}),
		auth.NewSigner(make(ed25519.PrivateKey, ed25519.PrivateKeySize), nil, "iss", "aud", 15*time.Minute), f.clock, refreshTTL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.EnsureAdmin(ctx, "root@example.com", "root-password"); err != nil {
		t.Fatal(err)
	}
	root, err := st.Auth().UserByEmail(ctx, "root@example.com")
	if err != nil {
		t.Fatal(err)
	}
	rootP := domain.Principal{Kind: domain.PrincipalUser, ID: root.ID, Roles: root.Roles}
	op, err := f.svc.CreateStaff(ctx, rootP, domain.CreateStaffInput{Email: "op@example.com", Password: "op-password-1", Roles: []domain.Role{domain.RoleOperator}})
	if err != nil {
		t.Fatal(err)
	}
	opP := domain.Principal{Kind: domain.PrincipalUser, ID: op.ID, Roles: op.Roles}
	for _, svc := range []*domain.AuthService{f.svc, other} {
		if err := svc.Authenticate(ctx, opP); err != nil {
			t.Fatalf("active operator refused: %v", err)
		}
	}
	if _, err := f.svc.SetStaffStatus(ctx, rootP, op.ID, domain.StatusDisabled); err != nil {
		t.Fatal(err)
	}
	disabled := func(err error) bool {
		var de *domain.Error
		return errors.As(err, &de) && de.Code == domain.CodeAccountDisabled
	}
	if err := f.svc.Authenticate(ctx, opP); !disabled(err) {
		t.Fatalf("this replica: %v, want account_disabled at once", err)
	}
	if err := other.Authenticate(ctx, opP); err != nil {
		t.Fatalf("other replica before its cache expired: %v (the cache is what makes a request cheap)", err)
	}
	f.clock.Advance(domain.PrincipalStatusTTL)
	if err := other.Authenticate(ctx, opP); !disabled(err) {
		t.Fatalf("other replica after %v: %v, want account_disabled", domain.PrincipalStatusTTL, err)
	}
}
