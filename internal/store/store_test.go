package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerlab/storefront/internal/domain"
	"github.com/partnerlab/storefront/internal/store"
	"github.com/partnerlab/storefront/internal/testdb"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// user is a factory with defaults; roles default to customer.
func user(email string, roles ...domain.Role) domain.User {
	if len(roles) == 0 {
		roles = []domain.Role{domain.RoleCustomer}
	}
	return domain.User{
		ID: uuid.Must(uuid.NewV7()), Email: email, PasswordHash: "$argon2id$x", Roles: roles,
		Status: domain.StatusActive, CreatedAt: t0, UpdatedAt: t0,
	}
}

func newStore(t *testing.T) (domain.AuthStore, *store.Store, *pgxpool.Pool) {
	t.Helper()
	pool := testdb.New(t)
	st, err := store.New(pool)
	if err != nil {
		t.Fatal(err)
	}
	return st.Auth(), st, pool
}

func TestUsers(t *testing.T) {
	t.Parallel()
	a, _, _ := newStore(t)
	ctx := context.Background()

	u := user("Mixed.Case@Example.com")
	u.Mobile, u.Name = "13800000000", "Ada"
	if err := a.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	got, err := a.UserByEmail(ctx, "mixed.case@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != u.ID || got.Email != u.Email || got.Mobile != u.Mobile || got.Name != u.Name ||
		!slices.Equal(got.Roles, u.Roles) || !got.CreatedAt.Equal(t0) {
		t.Fatalf("got %+v, want %+v", got, u)
	}
	if _, err := a.UserByID(ctx, u.ID); err != nil {
		t.Fatal(err)
	}

	err = a.CreateUser(ctx, user("  MIXED.case@example.com "))
	if !errors.Is(err, domain.ErrAlreadyExists) {
		t.Fatalf("duplicate email: %v", err)
	}
	var de *domain.Error
	if !errors.As(err, &de) || de.Message == "" || errors.Unwrap(err) == nil {
		t.Fatalf("duplicate email error %#v: want a message and the cause kept", err)
	}

	if _, err := a.UserByEmail(ctx, "nobody@example.com"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("unknown email: %v", err)
	}
	if _, err := a.UserByID(ctx, uuid.New()); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("unknown id: %v", err)
	}
	if _, err := a.SetUserStatus(ctx, uuid.New(), domain.StatusDisabled, t0); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("status of unknown id: %v", err)
	}
	later := t0.Add(time.Hour)
	got, err = a.SetUserStatus(ctx, u.ID, domain.StatusDisabled, later)
	if err != nil || got.Status != domain.StatusDisabled || !got.UpdatedAt.Equal(later) {
		t.Fatalf("SetUserStatus: %+v, %v", got, err)
	}

	// Constraints hold even if the domain were wrong.
	bad := user("bad@example.com", "root")
	if err := a.CreateUser(ctx, bad); err == nil || errors.Is(err, domain.ErrAlreadyExists) {
		t.Fatalf("unknown role stored: %v", err)
	}
}

func TestListStaff(t *testing.T) {
	t.Parallel()
	a, _, _ := newStore(t)
	ctx := context.Background()
	var staff []uuid.UUID
	for i := range 5 {
		if err := a.CreateUser(ctx, user(fmt.Sprintf("c%d@example.com", i))); err != nil {
			t.Fatal(err)
		}
		s := user(fmt.Sprintf("s%d@example.com", i), domain.RoleOperator)
		if i == 2 {
			s.Roles = []domain.Role{domain.RoleCustomer, domain.RoleFinance}
		}
		if err := a.CreateUser(ctx, s); err != nil {
			t.Fatal(err)
		}
		staff = append(staff, s.ID)
	}
	var seen []uuid.UUID
	after := uuid.Nil
	for {
		page, err := a.ListStaff(ctx, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, u := range page {
			seen = append(seen, u.ID)
		}
		after = page[len(page)-1].ID
	}
	if !slices.Equal(seen, staff) {
		t.Fatalf("listed %v, want the staff in creation order %v", seen, staff)
	}
}

func TestInTx(t *testing.T) {
	t.Parallel()
	a, st, _ := newStore(t)
	ctx := context.Background()
	boom := errors.New("boom")
	u := user("tx@example.com")
	err := st.InTx(ctx, func(tx domain.Tx) error {
		if err := tx.Auth().CreateUser(ctx, u); err != nil {
			return err
		}
		// Nested calls join the outer transaction: it sees the row.
		return st.InTx(ctx, func(inner domain.Tx) error {
			if _, err := tx.Auth().UserByID(ctx, u.ID); err != nil {
				return err
			}
			return boom
		})
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx = %v, want the callback's error", err)
	}
	if _, err := a.UserByID(ctx, u.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("rolled-back user: %v", err)
	}
	if err := st.InTx(ctx, func(tx domain.Tx) error { return tx.Auth().CreateUser(ctx, u) }); err != nil {
		t.Fatal(err)
	}
	if _, err := a.UserByID(ctx, u.ID); err != nil {
		t.Fatalf("committed user: %v", err)
	}
}

func TestLoginFailures(t *testing.T) {
	t.Parallel()
	a, st, _ := newStore(t)
	ctx := context.Background()
	n, _, err := a.LoginFailures(ctx, "a@example.com", t0.Add(-time.Hour))
	if err != nil || n != 0 {
		t.Fatalf("none yet: %d, %v", n, err)
	}
	for _, at := range []time.Time{t0.Add(-48 * time.Hour), t0.Add(-10 * time.Minute), t0.Add(-5 * time.Minute), t0} {
		if err := a.RecordLoginFailure(ctx, "a@example.com", at); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.RecordLoginFailure(ctx, "b@example.com", t0); err != nil {
		t.Fatal(err)
	}
	n, oldest, err := a.LoginFailures(ctx, "a@example.com", t0.Add(-15*time.Minute))
	if err != nil || n != 3 || !oldest.Equal(t0.Add(-10*time.Minute)) {
		t.Fatalf("in window: %d, oldest %v, %v", n, oldest, err)
	}
	// Purge keeps a day of failures.
	if _, err := st.Auth().PurgeExpired(ctx, t0); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := a.LoginFailures(ctx, "a@example.com", t0.Add(-72*time.Hour)); n != 3 {
		t.Fatalf("after purge: %d, want 3", n)
	}
	if err := a.ClearLoginFailures(ctx, "a@example.com"); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := a.LoginFailures(ctx, "a@example.com", t0.Add(-72*time.Hour)); n != 0 {
		t.Fatalf("after clear: %d", n)
	}
	if n, _, _ := a.LoginFailures(ctx, "b@example.com", t0.Add(-time.Hour)); n != 1 {
		t.Fatalf("another email was cleared: %d", n)
	}
}

func TestRefreshTokens(t *testing.T) {
	t.Parallel()
	a, st, pool := newStore(t)
	ctx := context.Background()
	u := user("r@example.com")
	if err := a.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	famA, famB := uuid.New(), uuid.New()
	tok := func(fam uuid.UUID, b byte, expires time.Time) domain.RefreshToken {
		h := make([]byte, 32)
		h[0] = b
		return domain.RefreshToken{ID: uuid.New(), FamilyID: fam, UserID: u.ID, Hash: h, CreatedAt: t0, ExpiresAt: expires}
	}
	a1, a2, b1 := tok(famA, 1, t0.Add(time.Hour)), tok(famA, 2, t0.Add(time.Hour)), tok(famB, 3, t0.Add(-time.Second))
	for _, x := range []domain.RefreshToken{a1, a2, b1} {
		if err := a.InsertRefreshToken(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.InsertRefreshToken(ctx, tok(famB, 1, t0)); err == nil {
		t.Fatal("two tokens with one hash")
	}
	if _, err := a.RefreshTokenForUpdate(ctx, make([]byte, 32)); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("unknown hash: %v", err)
	}
	if err := a.MarkRefreshTokenUsed(ctx, a1.ID, t0); err != nil {
		t.Fatal(err)
	}
	got, err := a.RefreshTokenForUpdate(ctx, a1.Hash)
	if err != nil || got.UsedAt == nil || !got.UsedAt.Equal(t0) || got.RevokedAt != nil || got.FamilyID != famA {
		t.Fatalf("after use: %+v, %v", got, err)
	}
	if err := a.RevokeRefreshFamily(ctx, famA, t0); err != nil {
		t.Fatal(err)
	}
	for _, x := range []domain.RefreshToken{a1, a2} {
		if got, _ := a.RefreshTokenForUpdate(ctx, x.Hash); got.RevokedAt == nil {
			t.Fatalf("token %v of the revoked family is live", x.ID)
		}
	}
	if got, _ := a.RefreshTokenForUpdate(ctx, b1.Hash); got.RevokedAt != nil {
		t.Fatal("another family was revoked")
	}
	if err := a.RevokeUserRefreshTokens(ctx, u.ID, t0); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.RefreshTokenForUpdate(ctx, b1.Hash); got.RevokedAt == nil {
		t.Fatal("RevokeUserRefreshTokens left a token live")
	}
	// Purge drops only the expired token.
	if n, err := st.Auth().PurgeExpired(ctx, t0); err != nil || n != 1 {
		t.Fatalf("purge: %d, %v", n, err)
	}
	var left int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM refresh_tokens`).Scan(&left); err != nil || left != 2 {
		t.Fatalf("left %d, %v", left, err)
	}
}

func TestAPIClientsAndAudit(t *testing.T) {
	t.Parallel()
	a, st, pool := newStore(t)
	ctx := context.Background()
	admin := user("root@example.com", domain.RoleAdmin)
	if err := a.CreateUser(ctx, admin); err != nil {
		t.Fatal(err)
	}
	c := domain.APIClient{ID: uuid.Must(uuid.NewV7()), Name: "r", SecretHash: make([]byte, 32), Scopes: []domain.Scope{"orders:read"},
		Status: domain.StatusActive, CreatedBy: admin.ID, CreatedAt: t0}
	if err := a.CreateAPIClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	got, err := a.APIClientByID(ctx, c.ID)
	if err != nil || got.Name != "r" || !slices.Equal(got.Scopes, c.Scopes) || got.Status != domain.StatusActive {
		t.Fatalf("got %+v, %v", got, err)
	}
	if err := a.DisableAPIClient(ctx, c.ID, t0); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.APIClientByID(ctx, c.ID); got.Status != domain.StatusDisabled {
		t.Fatalf("status %q", got.Status)
	}
	if err := a.DisableAPIClient(ctx, uuid.New(), t0); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("disable unknown: %v", err)
	}
	if _, err := a.APIClientByID(ctx, uuid.New()); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("unknown client: %v", err)
	}
	list, err := a.ListAPIClients(ctx, uuid.Nil, 10)
	if err != nil || len(list) != 1 {
		t.Fatalf("list: %d, %v", len(list), err)
	}

	ev := domain.AuditEvent{ID: uuid.New(), OccurredAt: t0, Actor: domain.Principal{Kind: domain.PrincipalUser, ID: admin.ID},
		Action: "api_client.disable", SubjectType: "api_client", SubjectID: c.ID, RequestID: "req_1"}
	if err := st.InTx(ctx, func(tx domain.Tx) error { return tx.Audit().Append(ctx, ev) }); err != nil {
		t.Fatal(err)
	}
	var details string
	if err := pool.QueryRow(ctx, `SELECT details::text FROM audit_events WHERE id = $1`, ev.ID).Scan(&details); err != nil || details != "{}" {
		t.Fatalf("nil details stored as %q, %v", details, err)
	}
	if _, err := pool.Exec(ctx, `UPDATE audit_events SET action = 'x'`); err == nil {
		t.Fatal("audit_events accepted an UPDATE")
	}
	if _, err := pool.Exec(ctx, `DELETE FROM audit_events`); err == nil {
		t.Fatal("audit_events accepted a DELETE")
	}
}

func TestSchemaReady(t *testing.T) {
	t.Parallel()
	_, st, pool := newStore(t)
	ctx := context.Background()
	v, err := st.SchemaReady(ctx)
	if err != nil || v != store.LatestVersion() || v == 0 {
		t.Fatalf("SchemaReady = %d, %v; want %d", v, err, store.LatestVersion())
	}
	if _, err := pool.Exec(ctx, `UPDATE schema_migrations SET dirty = true`); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SchemaReady(ctx); !errors.Is(err, store.ErrSchemaNotCurrent) {
		t.Fatalf("dirty schema: %v", err)
	}
	if _, err := pool.Exec(ctx, `UPDATE schema_migrations SET dirty = false, version = version - 1`); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SchemaReady(ctx); !errors.Is(err, store.ErrSchemaNotCurrent) {
		t.Fatalf("old schema: %v", err)
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	t.Parallel()
	url := testdb.URL(t) // already migrated from the template
	if err := store.Migrate(url); err != nil {
		t.Fatalf("second run: %v", err)
	}
}

func TestMigrateURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"postgres://u:p@h:5432/db?sslmode=disable":                     "pgx5://u:p@h:5432/db?sslmode=disable",
		"postgresql://u@h/db":                                          "pgx5://u@h/db",
		"host=h port=5433 user=u password=p dbname=db sslmode=disable": "pgx5://u:p@h:5433/db?sslmode=disable",
	} {
		got, err := store.MigrateURL(in)
		if err != nil || got != want {
			t.Errorf("migrateURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := store.MigrateURL("postgres://h:notaport/db"); err == nil {
		t.Error("bad URL accepted")
	}
}

// seamJob stands for any domain job: a plain value with a kind.
type seamJob struct{ Target uuid.UUID }

func (seamJob) Kind() string                  { return "seam_test" }
func (seamJob) JobOptions() domain.JobOptions { return domain.JobOptions{Unique: true} }

// TestTxSeam: what a use case records and the job it enqueues commit
// together or not at all, and a unique job is enqueued once.
func TestTxSeam(t *testing.T) {
	t.Parallel()
	_, st, pool := newStore(t)
	ctx := context.Background()
	count := func(target uuid.UUID) (events, jobs int) {
		t.Helper()
		err := pool.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM audit_events WHERE subject_id = $1),
			(SELECT count(*) FROM river_job WHERE kind = 'seam_test' AND args->>'Target' = $1::text)`, target).Scan(&events, &jobs)
		if err != nil {
			t.Fatal(err)
		}
		return events, jobs
	}
	useCase := func(target uuid.UUID, fail error) error {
		return st.InTx(ctx, func(tx domain.Tx) error {
			if err := tx.Audit().Append(ctx, domain.AuditEvent{ID: uuid.Must(uuid.NewV7()), OccurredAt: t0,
				Actor: domain.Principal{Kind: domain.PrincipalUser, ID: uuid.New()}, Action: "seam.test", SubjectType: "thing", SubjectID: target}); err != nil {
				return err
			}
			if err := tx.Enqueue(ctx, seamJob{Target: target}); err != nil {
				return err
			}
			return fail // after Enqueue: the job must go with the rollback
		})
	}

	failed := uuid.New()
	boom := errors.New("boom")
	if err := useCase(failed, boom); !errors.Is(err, boom) {
		t.Fatalf("use case = %v, want boom", err)
	}
	if e, j := count(failed); e != 0 || j != 0 {
		t.Fatalf("after rollback: %d audit events, %d jobs; want none", e, j)
	}

	ok := uuid.New()
	if err := useCase(ok, nil); err != nil {
		t.Fatal(err)
	}
	if e, j := count(ok); e != 1 || j != 1 {
		t.Fatalf("after commit: %d audit events, %d jobs; want 1 and 1", e, j)
	}
	// The same unique job again: one job stays.
	if err := useCase(ok, nil); err != nil {
		t.Fatal(err)
	}
	if _, j := count(ok); j != 1 {
		t.Fatalf("unique job enqueued %d times", j)
	}
}

// TestIdempotencyStore: a key is claimed once; a dead holder's key is taken
// over only after its lock and only for the same body; completed answers
// come back; the reaper removes old keys.
func TestIdempotencyStore(t *testing.T) {
	t.Parallel()
	_, st, pool := newStore(t)
	ctx := context.Background()
	idem := st.Idempotency()
	k := domain.IdempotencyKey{Principal: domain.Principal{Kind: domain.PrincipalUser, ID: uuid.New()}, Key: "k1"}
	fp, other := []byte("fingerprint-a"), []byte("fingerprint-b")
	lock := t0.Add(time.Minute)

	if _, started, err := idem.Begin(ctx, k, fp, t0, lock); err != nil || !started {
		t.Fatalf("first Begin: started=%v err=%v", started, err)
	}
	rec, started, err := idem.Begin(ctx, k, fp, t0.Add(time.Second), t0.Add(time.Minute+time.Second))
	if err != nil || started || rec.Completed || string(rec.Fingerprint) != string(fp) {
		t.Fatalf("second Begin while running: %+v started=%v err=%v", rec, started, err)
	}
	// After the lock: another body may not take it over; the same body may.
	if _, started, _ := idem.Begin(ctx, k, other, lock.Add(time.Second), lock.Add(2*time.Minute)); started {
		t.Fatal("another body took over the key")
	}
	if _, started, _ := idem.Begin(ctx, k, fp, lock.Add(time.Second), lock.Add(2*time.Minute)); !started {
		t.Fatal("the same body did not take over an expired key")
	}
	want := domain.IdempotencyRecord{Status: 201, Headers: map[string]string{"Content-Type": "application/json"}, Body: []byte(`{"id":1}`)}
	if err := idem.Complete(ctx, k, want, lock.Add(2*time.Second)); err != nil {
		t.Fatal(err)
	}
	rec, started, err = idem.Begin(ctx, k, fp, lock.Add(time.Hour), lock.Add(2*time.Hour))
	if err != nil || started || !rec.Completed || rec.Status != 201 || string(rec.Body) != `{"id":1}` || rec.Headers["Content-Type"] != "application/json" {
		t.Fatalf("completed: %+v started=%v err=%v", rec, started, err)
	}

	// Release frees a running key; Purge removes keys older than the TTL.
	k2 := domain.IdempotencyKey{Principal: k.Principal, Key: "k2"}
	if _, started, _ := idem.Begin(ctx, k2, fp, t0, lock); !started {
		t.Fatal("k2 not started")
	}
	if err := idem.Release(ctx, k2); err != nil {
		t.Fatal(err)
	}
	if _, started, _ := idem.Begin(ctx, k2, other, t0, lock); !started {
		t.Fatal("a released key was not free")
	}
	n, err := domain.PurgeIdempotencyKeys(ctx, idem, fixedClock(t0.Add(domain.IdempotencyTTL+time.Second)))
	if err != nil || n != 2 {
		t.Fatalf("purged %d, %v; want 2", n, err)
	}
	var left int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM idempotency_keys`).Scan(&left); err != nil || left != 0 {
		t.Fatalf("%d keys left, %v", left, err)
	}
}

type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c) }
