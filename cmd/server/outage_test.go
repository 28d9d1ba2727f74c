package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/partnerlab/storefront/internal/testdb"
)

// TestDatabaseOutage runs the whole program on a private PostgreSQL cluster,
// stops the cluster under it and starts it again: while the database is
// down, /v1 answers 503 unavailable (retryable, Retry-After) and /readyz 503
// with Retry-After, never 500; once it is back, the same requests succeed
// without restarting the server.
func TestDatabaseOutage(t *testing.T) {
	t.Parallel()
	start := time.Now()
	pg := testdb.NewCluster(t)
	env := map[string]string{
		"DATABASE_URL":             pg.URL(),
		"JWT_PRIVATE_KEY_FILE":     writeKey(t),
		"TOTP_ENCRYPTION_KEY":      totpKey(t),
		"HTTP_ADDR":                "127.0.0.1:0",
		"ADMIN_ADDR":               "127.0.0.1:0",
		"SIM_ADDR":                 "127.0.0.1:0",
		"BOOTSTRAP_ADMIN_EMAIL":    "root@example.com",
		"BOOTSTRAP_ADMIN_PASSWORD": bootstrapPassword,
		"SHUTDOWN_TIMEOUT":         "10s",
	}
	var out syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- run(ctx, envFunc(env), &out) }()
	var ready map[string]any
	deadline := time.After(30 * time.Second)
	for ready == nil {
		select {
		case err := <-done:
			t.Fatalf("run returned before ready: %v\n%s", err, out.String())
		case <-deadline:
			t.Fatalf("no ready line within 30s:\n%s", out.String())
		case <-time.After(20 * time.Millisecond):
			ready = out.logLine("ready")
		}
	}
	health, _ := ready["health"].(string)
	base := strings.TrimSuffix(health, "/healthz")

	client := &http.Client{Timeout: 15 * time.Second}
	do := func(method, path, token, body string) (int, http.Header, []byte) {
		t.Helper()
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, err := http.NewRequest(method, base+path, rd)
		if err != nil {
			t.Fatal(err)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return res.StatusCode, res.Header, b
	}
	loginBody := `{"email":"root@example.com","password":"` + bootstrapPassword + `"}`
	status, _, body := do("POST", "/v1/auth/login", "", loginBody)
	var pair struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &pair); status != http.StatusOK || err != nil || pair.AccessToken == "" {
		t.Fatalf("login: %d %s", status, body)
	}
	token := pair.AccessToken
	if status, _, body := do("GET", "/v1/me", token, ""); status != http.StatusOK {
		t.Fatalf("/v1/me before the outage: %d %s", status, body)
	}

	// wantUnavailable checks a 503 problem with Retry-After and its code.
	wantUnavailable := func(what string, status int, h http.Header, body []byte, code string) {
		t.Helper()
		var p struct {
			Status    int    `json:"status"`
			Code      string `json:"code"`
			Retryable bool   `json:"retryable"`
			Detail    string `json:"detail"`
		}
		if status != http.StatusServiceUnavailable || h.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("%s during the outage: %d %q %s", what, status, h.Get("Content-Type"), body)
		}
		if err := json.Unmarshal(body, &p); err != nil || p.Status != 503 || p.Code != code || !p.Retryable {
			t.Fatalf("%s during the outage: %s, want code %s, retryable", what, body, code)
		}
		if n, err := strconv.Atoi(h.Get("Retry-After")); err != nil || n <= 0 {
			t.Fatalf("%s during the outage: Retry-After %q", what, h.Get("Retry-After"))
		}
		if strings.Contains(p.Detail, "dial") || strings.Contains(p.Detail, "127.0.0.1") {
			t.Fatalf("%s: detail leaks the cause: %q", what, p.Detail)
		}
	}

	pg.Stop()
	for i := range 3 { // the pooled connections die one by one; every request must say 503
		began := time.Now()
		status, h, body := do("GET", "/v1/me", token, "")
		wantUnavailable("GET /v1/me #"+strconv.Itoa(i+1), status, h, body, "unavailable")
		if d := time.Since(began); d > 3*time.Second {
			t.Errorf("GET /v1/me #%d took %s during the outage: it waited for the database", i+1, d)
		}
	}
	status, h, body := do("POST", "/v1/auth/login", "", loginBody)
	wantUnavailable("POST /v1/auth/login", status, h, body, "unavailable")
	status, h, body = do("POST", "/v1/staff", token, `{"email":"op@example.com","password":"staff-password-1","roles":["operator"]}`)
	wantUnavailable("POST /v1/staff", status, h, body, "unavailable")
	status, h, body = do("GET", "/readyz", "", "")
	wantUnavailable("GET /readyz", status, h, body, "not_ready")
	if status, _, _ := do("GET", "/healthz", "", ""); status != http.StatusOK {
		t.Fatalf("/healthz during the outage: %d (the process is alive)", status)
	}

	pg.Start()
	back := time.Now()
	for {
		status, h, body := do("GET", "/v1/me", token, "")
		if status == http.StatusOK {
			break
		}
		wantUnavailable("GET /v1/me while the database restarts", status, h, body, "unavailable")
		if time.Since(back) > 10*time.Second {
			t.Fatalf("/v1/me still %d 10s after the database came back: %s", status, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if status, _, body := do("GET", "/readyz", "", ""); status != http.StatusOK {
		t.Fatalf("/readyz after the outage: %d %s", status, body)
	}
	if status, _, body := do("POST", "/v1/auth/login", "", loginBody); status != http.StatusOK {
		t.Fatalf("login after the outage: %d %s", status, body)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run after cancel: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not return within 30s of cancel")
	}
	if strings.Contains(out.String(), `"msg":"internal error"`) {
		t.Error("an outage was logged as an internal error")
	}
	t.Logf("outage test took %s", time.Since(start).Round(time.Millisecond))
}
