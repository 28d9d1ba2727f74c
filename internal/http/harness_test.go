package http_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/shopspring/decimal"

	"github.com/partnerlab/storefront/api"
	"github.com/partnerlab/storefront/internal/auth"
	"github.com/partnerlab/storefront/internal/crypto"
	"github.com/partnerlab/storefront/internal/domain"
	storehttp "github.com/partnerlab/storefront/internal/http"
	"github.com/partnerlab/storefront/internal/jobs"
	"github.com/partnerlab/storefront/internal/store"
	"github.com/partnerlab/storefront/internal/testdb"
	"github.com/partnerlab/storefront/internal/upstream/bsssim"
	"github.com/partnerlab/storefront/internal/upstream/huawei"
)

const (
	testIssuer   = "storefront-test"
	testAudience = "storefront-test-api"
	adminEmail   = "admin@example.com"
	adminPass    = "admin-password-1"

	// The simulator's partner credential: fake and public.
	simAK       = "SIMPARTNERAKEXAMPLE0"
	simSK       = "sim-partner-sk-not-a-secret"
	simXAccount = "storefront_test"
)

// tinyArgon2 keeps hashing cheap: tests check behaviour, not cost.
var tinyArgon2 = auth.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}

func TestMain(m *testing.M) {
	// The spec describes these bodies as strings; kin-openapi has no decoder
	// for them (and decodes YAML into a map), so read them as plain text.
	// Registered once before any test runs, so no test races on it.
	for _, ct := range []string{"text/html", "text/javascript", "application/yaml", "text/csv"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.PlainBodyDecoder)
	}
	os.Exit(m.Run())
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now().UTC() }

// harness is the real server on its own database, with the Huawei
// simulator over HTTP behind the real adapter and River working the jobs,
// behind a middleware that checks every response against the spec.
type harness struct {
	t      *testing.T
	url    string
	rawURL string // the same server without the contract check (load tests)
	pool   *pgxpool.Pool
	priv   ed25519.PrivateKey
	signer *auth.Signer
	auth   *domain.AuthService
	router http.Handler // the bare server handler (chi), for the inventory
	sim    *bsssim.Server
	simURL string // the simulator's base URL: its /_sim/ admin API
	cloud  *huawei.Client
	st     *store.Store
	svc    jobs.Services
	keys   *crypto.Keyring // seals real-name fields
	// filesDir holds uploaded files; the simulator reads it.
	filesDir string
	stepUp   *domain.StepUpService
	river    *river.Client[pgx.Tx]
	// newRiver starts another River client on the same workers (a restart).
	newRiver func() *river.Client[pgx.Tx]
}

type harnessConfig struct {
	http *storehttp.Config
	sim  bsssim.Config
	// stepUpThreshold: money operations of this amount or more need step-up
	// (the default, 0, makes every amount need it, as in production).
	stepUpThreshold decimal.Decimal
	// cloud wraps the adapter the money service calls (a test seam).
	cloud       func(domain.Cloud) domain.Cloud
	callTimeout time.Duration
	workers     int
	noLimits    bool
	// clock, when set, is the money and commerce services' clock (tests that
	// move the simulator's clock move it too); else real time for money and
	// the simulator's clock for commerce, as cmd/server wires the sandbox.
	clock domain.Clock
}

// withClock puts the money and commerce services on clk.
func withClock(clk domain.Clock) harnessOpt {
	return func(c *harnessConfig) { c.clock = clk }
}

// withStepUpThreshold sets STEP_UP_THRESHOLD.
func withStepUpThreshold(amount string) harnessOpt {
	return func(c *harnessConfig) { c.stepUpThreshold = decimal.RequireFromString(amount) }
}

type harnessOpt func(*harnessConfig)

// withCloud wraps the Huawei adapter the money service calls.
func withCloud(f func(domain.Cloud) domain.Cloud) harnessOpt {
	return func(c *harnessConfig) { c.cloud = f }
}

// withCallTimeout sets the adapter's deadline of one Huawei call.
func withCallTimeout(d time.Duration) harnessOpt {
	return func(c *harnessConfig) { c.callTimeout = d }
}

// withWorkers sets how many jobs River runs at once.
func withWorkers(n int) harnessOpt {
	return func(c *harnessConfig) { c.workers = n }
}

// withoutRateLimits turns Huawei's rate limits off in the simulator and
// the adapter's limiter (throughput tests that are not about the limits).
func withoutRateLimits() harnessOpt {
	return func(c *harnessConfig) { c.noLimits, c.sim.DisableRateLimits = true, true }
}

func withAuthRateLimit(n int) harnessOpt {
	return func(c *harnessConfig) { c.http.AuthRateLimit = n }
}

func withAPIRateLimit(n int) harnessOpt {
	return func(c *harnessConfig) { c.http.APIRateLimit = n }
}

// withSim adjusts the simulator's configuration (delays, limits).
func withSim(f func(*bsssim.Config)) harnessOpt {
	return func(c *harnessConfig) { f(&c.sim) }
}

func newHarness(t *testing.T, opts ...harnessOpt) *harness {
	t.Helper()
	// Uploaded files live in a per-test directory the simulator reads too,
	// as Huawei reads the partner's OBS bucket.
	filesDir := t.TempDir()
	hc := harnessConfig{sim: bsssim.Config{PartnerAK: simAK, PartnerSK: simSK, XAccountType: simXAccount,
		Seed: 7, ReviewDelay: 0, AssociationDelay: 0, FilesDir: filesDir}, callTimeout: 10 * time.Second, workers: 8}
	cfg := storehttp.Config{AuthRateLimit: 10_000, APIRateLimit: 0}
	hc.http = &cfg
	for _, o := range opts {
		o(&hc)
	}
	pool := testdb.New(t)
	st, err := store.New(pool)
	if err != nil {
		t.Fatal(err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer := auth.NewSigner(priv, nil, testIssuer, testAudience, 15*time.Minute)
	svc, err := domain.NewAuthService(st, auth.NewArgon2Hasher(tinyArgon2), signer, realClock{}, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.EnsureAdmin(context.Background(), adminEmail, adminPass); err != nil {
		t.Fatal(err)
	}

	// Huawei: the simulator over HTTP, the real adapter.
	sim, err := bsssim.New(hc.sim)
	if err != nil {
		t.Fatal(err)
	}
	simSrv := httptest.NewServer(sim.Handler())
	cloud, err := huawei.New(huawei.Config{
		BSSEndpoint: simSrv.URL, IAMEndpoint: simSrv.URL, ECSEndpoint: simSrv.URL, EVSEndpoint: simSrv.URL,
		PartnerAK: hc.sim.PartnerAK, PartnerSK: hc.sim.PartnerSK, XAccountType: hc.sim.XAccountType, Region: "cn-north-4",
		CallTimeout: hc.callTimeout, DisableRateLimits: hc.noLimits,
	})
	if err != nil {
		t.Fatal(err)
	}
	keys, fileStore := newDataProtection(t, filesDir)
	stepUp := domain.NewStepUpService(st, keys, realClock{})
	moneyCfg := domain.MoneyConfig{StepUpThreshold: hc.stepUpThreshold, MaxAmount: decimal.RequireFromString("1000000.00"),
		SettleDelay: 2 * time.Second, BusyRetry: time.Second, ClockSkew: moneyClockSkew}
	var moneyCloud domain.Cloud = cloud
	if hc.cloud != nil {
		moneyCloud = hc.cloud(cloud)
	}
	// Commerce reads the simulator's virtual time, as cmd/server wires the
	// sandbox.
	var moneyClock, commerceClock domain.Clock = realClock{}, sim
	if hc.clock != nil {
		moneyClock, commerceClock = hc.clock, hc.clock
	}
	services := jobs.Services{
		Auth:      svc,
		Customers: domain.NewCustomerService(st, cloud, realClock{}, domain.WithRealNameIndex(keys)),
		RealName: domain.NewRealNameService(domain.RealNameDeps{Store: st, Cloud: cloud, Clock: realClock{},
			Cipher: keys, Index: keys, Files: fileStore, PollInterval: 20 * time.Millisecond, PollMaxInterval: 100 * time.Millisecond}),
		Idempotency: st.Idempotency(),
		Clock:       realClock{},
		Money:       domain.NewMoneyService(st, moneyCloud, stepUp, moneyClock, moneyCfg),
		Log:         slog.New(slog.DiscardHandler),
	}
	services.Commerce = domain.NewCommerceService(st, moneyCloud, services.Money, commerceClock, domain.CommerceConfig{
		SettleDelay: 2 * time.Second, ProvisionTimeout: 30 * time.Second, Log: services.Log,
		ServerVPCID: "vpc-1", ServerSubnetIDs: []string{"subnet-1"}})

	// Jobs: River works them while the test runs.
	workers := river.NewWorkers()
	jobs.Register(workers, services)
	newRiver := func() *river.Client[pgx.Tx] {
		rc, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
			Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: hc.workers}},
			Workers:           workers,
			FetchCooldown:     5 * time.Millisecond,
			FetchPollInterval: 20 * time.Millisecond,
			Logger:            slog.New(slog.DiscardHandler),
			TestOnly:          true,
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := rc.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		return rc
	}
	hr := &harness{river: newRiver(), newRiver: newRiver}

	srv, err := storehttp.New(cfg, storehttp.Deps{
		Auth:        svc,
		Customers:   services.Customers,
		RealName:    services.RealName,
		Idempotency: st.Idempotency(),
		Audit:       domain.NewAuditService(st, st.AuditLog()),
		Money:       services.Money,
		Commerce:    services.Commerce,
		StepUp:      stepUp,
		Tokens:      signer,
		Ready:       st.SchemaReady,
		Metrics:     storehttp.NewMetrics(pool),
	})
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	ts := httptest.NewServer(contractCheck(t, h))
	raw := httptest.NewServer(h)
	t.Cleanup(func() {
		ts.Close()
		raw.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = hr.river.Stop(ctx)
		sim.Close()
		cloud.Close()
		simSrv.Close()
	})
	*hr = harness{t: t, url: ts.URL, rawURL: raw.URL, pool: pool, priv: priv, signer: signer, auth: svc, router: h,
		sim: sim, simURL: simSrv.URL, cloud: cloud, st: st, svc: services, river: hr.river, newRiver: newRiver,
		keys: keys, filesDir: filesDir, stepUp: stepUp}
	return hr
}

// contractCheck fails the test when a response does not match the spec:
// the operation's documented response (status or default, content type,
// headers, body schema), or, for a request the spec does not route, a
// problem+json body matching the Problem schema.
func contractCheck(t *testing.T, next http.Handler) http.Handler {
	spec := loadSpec(t)
	router, err := gorillamux.NewRouter(spec)
	if err != nil {
		t.Fatal(err)
	}
	problem := spec.Components.Schemas["Problem"]
	if problem == nil {
		t.Fatal("spec has no Problem schema")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		res := rec.Result()
		body := rec.Body.Bytes()
		if err := checkResponse(r, res, body, router, problem); err != nil {
			t.Errorf("contract: %s %s → %d: %v\nbody: %s", r.Method, r.URL.RequestURI(), res.StatusCode, err, truncate(body))
		}
		for k, v := range res.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(res.StatusCode)
		_, _ = w.Write(body)
	})
}

// loadSpec reads api/openapi.yaml as the binary embeds it. The generated
// package's copy leaves out the ops operations (exclude-tags: ops), and
// those responses must match too.
func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	spec, err := openapi3.NewLoader().LoadFromData(api.Spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := spec.Validate(context.Background()); err != nil {
		t.Fatalf("spec: %v", err)
	}
	return spec
}

func checkResponse(r *http.Request, res *http.Response, body []byte, router routers.Router, problem *openapi3.SchemaRef) error {
	route, params, err := router.FindRoute(r)
	if err != nil {
		if !errors.Is(err, routers.ErrPathNotFound) && !errors.Is(err, routers.ErrMethodNotAllowed) {
			return err
		}
		// Not an operation: only a problem document is an acceptable answer.
		if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
			return fmt.Errorf("unrouted request answered %q, want application/problem+json", ct)
		}
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			return err
		}
		return problem.Value.VisitJSON(v, openapi3.EnableJSONSchema2020(), openapi3.VisitAsResponse(), openapi3.MultiErrors())
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route},
		Status:                 res.StatusCode,
		Header:                 res.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true,
			SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.WithStringFormatValidators(responseFormats())}},
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(r.Context(), in); err != nil {
		return err
	}
	// Every error is a problem document, whatever the spec's default says.
	if res.StatusCode >= 400 && res.Header.Get("Content-Type") != "application/problem+json" {
		return fmt.Errorf("error answered %q, want application/problem+json", res.Header.Get("Content-Type"))
	}
	return nil
}

// responseFormats: kin-openapi checks neither format by default; what the
// server renders must be a plain address and a canonical UUID.
func responseFormats() map[string]openapi3.StringFormatValidator {
	return map[string]openapi3.StringFormatValidator{
		"email": openapi3.NewCallbackValidator(func(v string) error {
			if a, err := mail.ParseAddress(v); err != nil || a.Address != v {
				return fmt.Errorf("%q is not a plain email address", v)
			}
			return nil
		}),
		"uuid": openapi3.NewRegexpFormatValidator(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`),
	}
}

func truncate(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "…"
	}
	return string(b)
}

// response is what a test looks at.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// problem is the decoded problem document.
type problem struct {
	Type      string       `json:"type"`
	Title     string       `json:"title"`
	Status    int          `json:"status"`
	Detail    string       `json:"detail"`
	Code      string       `json:"code"`
	RequestID string       `json:"request_id"`
	Retryable bool         `json:"retryable"`
	Errors    []fieldError `json:"errors"`
}

type fieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// wantProblem checks status, problem+json and code, and returns the problem.
func (r response) wantProblem(t *testing.T, status int, code string) problem {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json", ct)
	}
	var p problem
	r.json(t, &p)
	if p.Code != code || p.Status != status || p.Type != "urn:storefront:problem:"+code {
		t.Fatalf("problem %+v, want code %q status %d", p, code, status)
	}
	if p.RequestID == "" || p.RequestID != r.header.Get("X-Request-Id") {
		t.Fatalf("problem request_id %q, X-Request-Id %q", p.RequestID, r.header.Get("X-Request-Id"))
	}
	if status == http.StatusUnauthorized && r.header.Get("WWW-Authenticate") == "" {
		t.Fatal("401 without WWW-Authenticate")
	}
	return p
}

func (r response) wantStatus(t *testing.T, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
}

// req is one request; body is JSON-encoded unless it is a string or []byte.
type req struct {
	method, path string
	token        string
	body         any
	contentType  string
	header       map[string]string
}

func (h *harness) do(rq req) response {
	h.t.Helper()
	var rd io.Reader
	ct := rq.contentType
	switch b := rq.body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	case url.Values:
		rd = strings.NewReader(b.Encode())
		if ct == "" {
			ct = "application/x-www-form-urlencoded"
		}
	default:
		j, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	if rd != nil && ct == "" {
		ct = "application/json"
	}
	r, err := http.NewRequest(rq.method, h.url+rq.path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if ct != "" {
		r.Header.Set("Content-Type", ct)
	}
	if rq.token != "" {
		r.Header.Set("Authorization", "Bearer "+rq.token)
	}
	for k, v := range rq.header {
		r.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

type tokenPair struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
}

func (h *harness) login(email, password string) tokenPair {
	h.t.Helper()
	res := h.do(req{method: "POST", path: "/v1/auth/login", body: map[string]string{"email": email, "password": password}})
	res.wantStatus(h.t, http.StatusOK)
	var p tokenPair
	res.json(h.t, &p)
	if p.AccessToken == "" || p.RefreshToken == "" || p.TokenType != "Bearer" || p.ExpiresIn != 900 {
		h.t.Fatalf("token pair %+v", p)
	}
	return p
}

func (h *harness) admin() tokenPair {
	h.t.Helper()
	return h.login(adminEmail, adminPass)
}

// signup registers a customer and returns its tokens.
func (h *harness) signup(email string) tokenPair {
	h.t.Helper()
	res := h.do(req{method: "POST", path: "/v1/auth/signup", body: map[string]string{"email": email, "password": "customer-pass-1"}})
	res.wantStatus(h.t, http.StatusCreated)
	var p tokenPair
	res.json(h.t, &p)
	return p
}

type staff struct {
	ID        string   `json:"id"`
	Email     string   `json:"email"`
	Name      *string  `json:"name"`
	Roles     []string `json:"roles"`
	Status    string   `json:"status"`
	CreatedAt string   `json:"created_at"`
}

func (h *harness) createStaff(adminToken, email string, roles ...string) staff {
	h.t.Helper()
	res := h.do(req{method: "POST", path: "/v1/staff", token: adminToken,
		body: map[string]any{"email": email, "password": "staff-password-1", "roles": roles}})
	res.wantStatus(h.t, http.StatusCreated)
	var s staff
	res.json(h.t, &s)
	return s
}

func (h *harness) count(table string) int {
	h.t.Helper()
	var n int
	if err := h.pool.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		h.t.Fatal(err)
	}
	return n
}

// simDo calls the simulator's /_sim/ admin API (clock, SMS box, faults,
// reviews, state) and decodes the JSON answer into out (when not nil).
func (h *harness) simDo(method, path string, body, out any) {
	h.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	r, err := http.NewRequest(method, h.simURL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		h.t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			h.t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
}

// eventually polls cond until it holds or 10 s pass (jobs run asynchronously).
func (h *harness) eventually(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// idCardFile puts a real image where the simulator reads attachments (the
// files directory, as Huawei reads the partner's bucket) and returns its
// relative path, for tests that submit real-name directly through the
// adapter.
func (h *harness) idCardFile(domainID string) string {
	h.t.Helper()
	var img bytes.Buffer
	if err := png.Encode(&img, image.NewGray(image.Rect(0, 0, 1, 1))); err != nil {
		h.t.Fatal(err)
	}
	rel := filepath.Join("idcard", domainID+".png")
	if err := os.MkdirAll(filepath.Join(h.filesDir, "idcard"), 0o700); err != nil {
		h.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(h.filesDir, rel), img.Bytes(), 0o600); err != nil {
		h.t.Fatal(err)
	}
	return rel
}
