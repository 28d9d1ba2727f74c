package http_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerlab/storefront/internal/auth"
	"github.com/partnerlab/storefront/internal/domain"
	storehttp "github.com/partnerlab/storefront/internal/http"
	"github.com/partnerlab/storefront/internal/store"
	"github.com/partnerlab/storefront/internal/testdb"
	"github.com/partnerlab/storefront/internal/upstream/bsssim"
	"github.com/partnerlab/storefront/internal/upstream/huawei"
)

// commerceBench is the server in process (no contract check, no workers)
// with the simulator over HTTP behind the real adapter, rate limits off
// (the benchmarks measure Storefront's path, not Huawei's 10 requests a
// second), and one verified customer registered at the simulator.
type commerceBench struct {
	handler  http.Handler
	pool     *pgxpool.Pool
	st       *store.Store
	token    string // the customer's
	customer uuid.UUID
}

func newCommerceBench(b *testing.B) commerceBench {
	b.Helper()
	pool := testdb.New(b)
	st, err := store.New(pool)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	signer := auth.NewSigner(priv, nil, testIssuer, testAudience, 15*time.Minute)
	svc, err := domain.NewAuthService(st, auth.NewArgon2Hasher(tinyArgon2), signer, realClock{}, 24*time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	sim, err := bsssim.New(bsssim.Config{PartnerAK: simAK, PartnerSK: simSK, XAccountType: simXAccount, Seed: 7, DisableRateLimits: true, FilesDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	simSrv := httptest.NewServer(sim.Handler())
	cloud, err := huawei.New(huawei.Config{BSSEndpoint: simSrv.URL, IAMEndpoint: simSrv.URL, ECSEndpoint: simSrv.URL, EVSEndpoint: simSrv.URL,
		PartnerAK: simAK, PartnerSK: simSK, XAccountType: simXAccount, Region: "cn-north-4", CallTimeout: 10 * time.Second, DisableRateLimits: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cloud.Close(); simSrv.Close(); sim.Close() })
	commerce := domain.NewCommerceService(st, cloud, nil, realClock{}, domain.CommerceConfig{})
	srv, err := storehttp.New(storehttp.Config{}, storehttp.Deps{Auth: svc, Commerce: commerce, Idempotency: st.Idempotency(), Tokens: signer,
		Ready: st.SchemaReady, Metrics: storehttp.NewMetrics(pool)})
	if err != nil {
		b.Fatal(err)
	}
	pair, err := svc.Signup(ctx, domain.SignupInput{Email: "bench-buyer@example.com", Password: "bench-password-1"})
	if err != nil {
		b.Fatal(err)
	}
	var userID uuid.UUID
	if err := pool.QueryRow(ctx, `SELECT id FROM users WHERE email = 'bench-buyer@example.com'`).Scan(&userID); err != nil {
		b.Fatal(err)
	}
	c := domain.Customer{ID: uuid.Must(uuid.NewV7()), UserID: userID, AccountName: "benchbuyer", Mobile: "13800000000", CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := st.InTx(ctx, func(tx domain.Tx) error { return tx.Customers().CreateCustomer(ctx, c, "") }); err != nil {
		b.Fatal(err)
	}
	sub, err := cloud.CreateSubCustomer(ctx, domain.CloudNewSubCustomer{XAccountID: c.ID.String(), DomainName: "sfbench" + c.ID.String()[24:]})
	if err != nil {
		b.Fatal(err)
	}
	// FIXTURE: registered and verified, as the registration and real-name flows leave it.
	if _, err := pool.Exec(ctx, `UPDATE customers SET huawei_domain_id = $1, huawei_domain_name = $2, registration_status = 'created',
		association = 'confirmed', realname_status = 'verified' WHERE id = $3`, sub.DomainID, sub.DomainName, c.ID); err != nil {
		b.Fatal(err)
	}
	return commerceBench{handler: srv.Handler(), pool: pool, st: st, token: pair.AccessToken, customer: c.ID}
}

// serve runs one request in process and checks its status.
func (e commerceBench) serve(b *testing.B, method, path, body string, want int) []byte {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.Header.Set("Authorization", "Bearer "+e.token)
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	w := httptest.NewRecorder()
	e.handler.ServeHTTP(w, r)
	if w.Code != want {
		b.Fatalf("%s %s: status %d: %s", method, path, w.Code, w.Body)
	}
	return w.Body.Bytes()
}

// timed runs f b.N times and reports the median besides ns/op.
func timed(b *testing.B, f func()) {
	b.ReportAllocs()
	var ds []time.Duration
	for b.Loop() {
		start := time.Now()
		f()
		ds = append(ds, time.Since(start))
	}
	slices.Sort(ds)
	if len(ds) > 0 {
		b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(ds[len(ds)*99/100].Microseconds())/1000, "p99-ms")
	}
}

// BenchmarkQuote10Lines: POST /v1/quotes with 10 lines (5 ECS, priced as
// VM + root volume, and 5 EVS: 15 Huawei items in one RatePeriod call)
// through HTTP against the in-process simulator. Goal: p50 ≤ 50 ms.
//
//	go test -run '^$' -bench Quote10Lines -benchmem ./internal/http/
func BenchmarkQuote10Lines(b *testing.B) {
	e := newCommerceBench(b)
	ctx := context.Background()
	now := time.Now()
	ecs := domain.Product{ID: uuid.Must(uuid.NewV7()), Kind: domain.ProductECS, Name: "ecs", Region: "cn-north-4", Spec: "s6.small.1.linux",
		ServiceType: domain.ServiceTypeECS, ResourceType: domain.ResourceTypeVM, PeriodTypes: []domain.PeriodType{domain.PeriodMonth}, MaxMonths: 9,
		ImageRef: "img-ubuntu-22.04", RootVolumeType: "SAS", RootVolumeGB: 40, Enabled: true, CreatedAt: now, UpdatedAt: now}
	evs := domain.Product{ID: uuid.Must(uuid.NewV7()), Kind: domain.ProductEVS, Name: "evs", Region: "cn-north-4", Spec: "SSD",
		ServiceType: domain.ServiceTypeEVS, ResourceType: domain.ResourceTypeVol, PeriodTypes: []domain.PeriodType{domain.PeriodMonth}, MaxMonths: 9,
		MinSizeGB: 10, MaxSizeGB: 2000, Enabled: true, CreatedAt: now, UpdatedAt: now}
	for _, p := range []domain.Product{ecs, evs} {
		if err := e.st.Commerce().CreateProduct(ctx, p); err != nil {
			b.Fatal(err)
		}
	}
	var lines []map[string]any
	for i := range 5 {
		lines = append(lines, map[string]any{"product_id": ecs.ID, "period_type": "month", "period_count": i + 1, "quantity": 1},
			map[string]any{"product_id": evs.ID, "period_type": "month", "period_count": 1, "quantity": 1, "size_gb": 100 + i})
	}
	body, _ := json.Marshal(map[string]any{"lines": lines})
	e.serve(b, "POST", "/v1/quotes", string(body), http.StatusCreated) // warm the credential and project caches
	timed(b, func() { e.serve(b, "POST", "/v1/quotes", string(body), http.StatusCreated) })
}

// BenchmarkListResources10k: GET /v1/resources (100 a page, with actions)
// for a customer holding 10,000 resources, the first page and one from
// the middle by keyset cursor. Goal: p50 ≤ 10 ms.
//
//	go test -run '^$' -bench ListResources10k -benchmem ./internal/http/
func BenchmarkListResources10k(b *testing.B) {
	e := newCommerceBench(b)
	// FIXTURE: 10,000 synced resources written directly.
	if _, err := e.pool.Exec(context.Background(), `INSERT INTO resources (id, customer_id, huawei_resource_id, kind, region, spec, status, main,
		effective_at, expires_at, expire_policy, synced_at, created_at, updated_at)
		SELECT gen_random_uuid(), $1, 'bench-' || g, 'ecs', 'cn-north-4', 's6.small.1.linux', 'in_use', true,
			now() - interval '1 day', now() + interval '29 days', 0, now(), now(), now()
		FROM generate_series(1, 10000) g`, e.customer); err != nil {
		b.Fatal(err)
	}
	if _, err := e.pool.Exec(context.Background(), `ANALYZE resources`); err != nil {
		b.Fatal(err)
	}
	var mid uuid.UUID
	if err := e.pool.QueryRow(context.Background(), `SELECT id FROM resources ORDER BY id OFFSET 5000 LIMIT 1`).Scan(&mid); err != nil {
		b.Fatal(err)
	}
	b.Run("first", func(b *testing.B) {
		timed(b, func() { e.serve(b, "GET", "/v1/resources?limit=100", "", http.StatusOK) })
	})
	b.Run("middle", func(b *testing.B) {
		path := "/v1/resources?limit=100&cursor=" + cursorOf(mid)
		timed(b, func() { e.serve(b, "GET", path, "", http.StatusOK) })
	})
}

func cursorOf(id uuid.UUID) string { return base64.RawURLEncoding.EncodeToString(id[:]) }
