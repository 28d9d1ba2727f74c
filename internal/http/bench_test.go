package http_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
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
