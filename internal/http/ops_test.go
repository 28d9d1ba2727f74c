package http_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"net/http"
	"strings"
	"testing"

	"github.com/partnerlab/storefront/api"
	"github.com/partnerlab/storefront/internal/auth"
	"github.com/partnerlab/storefront/internal/store"
)

func TestOps(t *testing.T) {
	t.Parallel()
	h := newHarness(t)

	t.Run("healthz", func(t *testing.T) {
		res := h.do(req{method: "GET", path: "/healthz"})
		res.wantStatus(t, http.StatusOK)
		var v struct{ Status string }
		res.json(t, &v)
		if v.Status != "ok" {
			t.Fatalf("status %q", v.Status)
		}
	})
	t.Run("readyz", func(t *testing.T) {
		res := h.do(req{method: "GET", path: "/readyz"})
		res.wantStatus(t, http.StatusOK)
		var v struct {
			Status        string `json:"status"`
			SchemaVersion uint   `json:"schema_version"`
		}
		res.json(t, &v)
		if v.Status != "ok" || v.SchemaVersion != store.LatestVersion() || v.SchemaVersion == 0 {
			t.Fatalf("readyz %+v, want schema %d", v, store.LatestVersion())
		}
	})
	t.Run("openapi.yaml", func(t *testing.T) {
		res := h.do(req{method: "GET", path: "/openapi.yaml"})
		res.wantStatus(t, http.StatusOK)
		if !bytes.Equal(res.body, api.Spec) {
			t.Fatal("served spec differs from api/openapi.yaml")
		}
	})
	t.Run("docs", func(t *testing.T) {
		res := h.do(req{method: "GET", path: "/docs"})
		res.wantStatus(t, http.StatusOK)
		if !strings.Contains(string(res.body), "/openapi.yaml") {
			t.Fatal("docs page does not load /openapi.yaml")
		}
	})
	t.Run("docs bundle", func(t *testing.T) {
		res := h.do(req{method: "GET", path: "/docs/redoc.standalone.js"})
		res.wantStatus(t, http.StatusOK)
		if len(res.body) < 100_000 {
			t.Fatalf("bundle of %d bytes", len(res.body))
		}
	})
	t.Run("jwks", func(t *testing.T) {
		res := h.do(req{method: "GET", path: "/.well-known/jwks.json"})
		res.wantStatus(t, http.StatusOK)
		var v struct{ Keys []auth.JWK }
		res.json(t, &v)
		want := h.signer.JWKS()
		if len(v.Keys) != 1 || v.Keys[0] != want[0] || v.Keys[0].Kid != auth.KeyID(h.priv.Public().(ed25519.PublicKey)) {
			t.Fatalf("jwks %+v, want %+v", v.Keys, want)
		}
	})
	t.Run("not ready", func(t *testing.T) {
		// A half-applied migration: the process lives, but must not take traffic.
		if _, err := h.pool.Exec(t.Context(), `UPDATE schema_migrations SET dirty = true`); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _, _ = h.pool.Exec(context.Background(), `UPDATE schema_migrations SET dirty = false`) })
		res := h.do(req{method: "GET", path: "/readyz"})
		p := res.wantProblem(t, http.StatusServiceUnavailable, "not_ready")
		if !p.Retryable || strings.Contains(p.Detail, "dirty") {
			t.Fatalf("problem %+v: want retryable, without internals", p)
		}
		if ra := res.header.Get("Retry-After"); ra == "" || ra == "0" {
			t.Fatalf("Retry-After %q", ra)
		}
		h.do(req{method: "GET", path: "/healthz"}).wantStatus(t, http.StatusOK)
	})
	t.Run("security headers and request id", func(t *testing.T) {
		res := h.do(req{method: "GET", path: "/v1/me", header: map[string]string{"X-Request-Id": "client-chosen-id-1"}})
		res.wantProblem(t, http.StatusUnauthorized, "unauthenticated")
		for k, v := range map[string]string{
			"X-Content-Type-Options": "nosniff",
			"X-Frame-Options":        "DENY",
			"Cache-Control":          "no-store",
			"X-Request-Id":           "client-chosen-id-1",
		} {
			if got := res.header.Get(k); got != v {
				t.Errorf("%s: %q, want %q", k, got, v)
			}
		}
		// A request id that could smuggle anything into logs is replaced.
		res = h.do(req{method: "GET", path: "/healthz", header: map[string]string{"X-Request-Id": "bad id\twith spaces"}})
		if id := res.header.Get("X-Request-Id"); id == "" || strings.ContainsAny(id, " \t") {
			t.Fatalf("X-Request-Id %q", id)
		}
	})
}
