package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/partnerlab/storefront/internal/testdb"
)

// The baseline runs its SELECT against the real migrated users table, so a schema change that would
// make the benchmark compare different work fails here first.
func TestMe(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := t.Context()

	id := uuid.Must(uuid.NewV7())
	created := time.Date(2026, 11, 21, 8, 30, 0, 0, time.UTC)
	if _, err := pool.Exec(ctx, `INSERT INTO users (id, email, email_normalized, password_hash, roles, created_at, updated_at)
		VALUES ($1, 'Bench@Example.com', 'bench@example.com', 'x', ARRAY['customer'], $2, $2)`, id, created); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(newHandler(pool, id, slog.New(slog.DiscardHandler)))
	t.Cleanup(srv.Close)

	get := func(t *testing.T, path string) (int, []byte) {
		t.Helper()
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return res.StatusCode, body
	}

	for _, path := range []string{"/v1/me", "/v1/me?user_id=" + id.String()} {
		status, body := get(t, path)
		if status != http.StatusOK {
			t.Fatalf("GET %s: status %d: %s", path, status, body)
		}
		var got map[string]any
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatal(err)
		}
		want := map[string]any{
			"id": id.String(), "email": "Bench@Example.com", "mobile": nil,
			"roles": []any{"customer"}, "status": "active", "created_at": "2026-11-21T08:30:00Z",
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("GET %s (-want +got):\n%s", path, diff)
		}
	}

	for path, want := range map[string]int{
		"/v1/me?user_id=" + uuid.NewString(): http.StatusNotFound,
		"/v1/me?user_id=42":                  http.StatusBadRequest,
		"/readyz":                            http.StatusNoContent,
	} {
		if status, body := get(t, path); status != want {
			t.Errorf("GET %s: status %d, want %d: %s", path, status, want, body)
		}
	}
}
