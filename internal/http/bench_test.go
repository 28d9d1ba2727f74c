package http_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/partnerlab/storefront/internal/auth"
	"github.com/partnerlab/storefront/internal/domain"
	storehttp "github.com/partnerlab/storefront/internal/http"
	"github.com/partnerlab/storefront/internal/store"
	"github.com/partnerlab/storefront/internal/testdb"
)

// BenchmarkGetMe measures the whole middleware chain and handler in process
// (no sockets), against the same query and JSON encoding done bare, so the
// allocations and time the chain adds are visible:
//
//	go test -run '^$' -bench GetMe -benchmem ./internal/http/
func BenchmarkGetMe(b *testing.B) {
	pool := testdb.New(b)
	st, err := store.New(pool)
	if err != nil {
		b.Fatal(err)
	}
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	signer := auth.NewSigner(priv, nil, testIssuer, testAudience, 15*time.Minute)
	svc, err := domain.NewAuthService(st, auth.NewArgon2Hasher(tinyArgon2), signer, realClock{}, 24*time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	pair, err := svc.Signup(context.Background(), domain.SignupInput{Email: "bench@example.com", Password: "bench-password-1"})
	if err != nil {
		b.Fatal(err)
	}
	p, err := signer.Verify(pair.AccessToken)
	if err != nil {
		b.Fatal(err)
	}
	srv, err := storehttp.New(storehttp.Config{}, storehttp.Deps{Auth: svc, Tokens: signer, Ready: st.SchemaReady, Metrics: storehttp.NewMetrics(pool)})
	if err != nil {
		b.Fatal(err)
	}
	h := srv.Handler()
	run := func(b *testing.B, h http.Handler) {
		b.ReportAllocs()
		for b.Loop() {
			r := httptest.NewRequest("GET", "/v1/me", nil)
			r.Header.Set("Authorization", "Bearer "+pair.AccessToken)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != 200 {
				b.Fatalf("status %d: %s", w.Code, w.Body)
			}
		}
	}
	b.Run("storefront", func(b *testing.B) { run(b, h) })
	b.Run("bare", func(b *testing.B) {
		run(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var id, email, status string
			var created time.Time
			if err := pool.QueryRow(r.Context(), `SELECT id::text, email, status, created_at FROM users WHERE id = $1`, p.ID).Scan(&id, &email, &status, &created); err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"id": id, "email": email, "status": status, "created_at": created})
		}))
	})
}

// BenchmarkIdempotentReplay compares answering a retried POST from its
// stored Idempotency-Key answer with a plain GET /v1/me (goal: ≤ 1.2×), in
// process, through the whole chain:
//
//	go test -run '^$' -bench IdempotentReplay -benchmem ./internal/http/
func BenchmarkIdempotentReplay(b *testing.B) {
	pool := testdb.New(b)
	st, err := store.New(pool)
	if err != nil {
		b.Fatal(err)
	}
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	signer := auth.NewSigner(priv, nil, testIssuer, testAudience, 15*time.Minute)
	svc, err := domain.NewAuthService(st, auth.NewArgon2Hasher(tinyArgon2), signer, realClock{}, 24*time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := svc.EnsureAdmin(context.Background(), adminEmail, adminPass); err != nil {
		b.Fatal(err)
	}
	pair, err := svc.Login(context.Background(), adminEmail, adminPass)
	if err != nil {
		b.Fatal(err)
	}
	srv, err := storehttp.New(storehttp.Config{}, storehttp.Deps{Auth: svc, Tokens: signer, Ready: st.SchemaReady,
		Metrics: storehttp.NewMetrics(pool), Idempotency: st.Idempotency()})
	if err != nil {
		b.Fatal(err)
	}
	h := srv.Handler()
	body := `{"email":"replayed@example.com","password":"staff-password-1","roles":["operator"]}`
	do := func(b *testing.B, method, path, body string, want int) {
		var rd *strings.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		var r *http.Request
		if rd != nil {
			r = httptest.NewRequest(method, path, rd)
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Idempotency-Key", "bench-key")
		} else {
			r = httptest.NewRequest(method, path, nil)
		}
		r.Header.Set("Authorization", "Bearer "+pair.AccessToken)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != want {
			b.Fatalf("%s %s: %d %s", method, path, w.Code, w.Body)
		}
	}
	do(b, "POST", "/v1/staff", body, http.StatusCreated) // the first run stores the answer
	b.Run("get_me", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			do(b, "GET", "/v1/me", "", http.StatusOK)
		}
	})
	b.Run("replay", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			do(b, "POST", "/v1/staff", body, http.StatusCreated)
		}
	})
}
