package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/partnerlab/storefront/internal/auth"
	"github.com/partnerlab/storefront/internal/testdb"
)

// syncBuffer is stdout for run: the logger writes from many goroutines
// while the test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// logLine returns the first JSON log record with msg, or nil.
func (b *syncBuffer) logLine(msg string) map[string]any {
	sc := bufio.NewScanner(strings.NewReader(b.String()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var rec map[string]any
		if json.Unmarshal(sc.Bytes(), &rec) == nil && rec["msg"] == msg {
			return rec
		}
	}
	return nil
}

func writeKey(t *testing.T) string {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pemBytes, err := auth.MarshalPrivateKeyPEM(priv)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "jwt.pem")
	if err := os.WriteFile(path, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// totpKey is a random TOTP_ENCRYPTION_KEY.
func totpKey(t *testing.T) string {
	t.Helper()
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(key)
}

func envFunc(env map[string]string) func(string) string {
	return func(k string) string { return env[k] }
}

const bootstrapPassword = "bootstrap-secret-pw-1"

// TestRun starts the whole program as main does, talks to it over TCP and
// stops it by cancelling its context.
func TestRun(t *testing.T) {
	t.Parallel()
	dbURL := testdb.URL(t)
	env := map[string]string{
		"DATABASE_URL":             dbURL,
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
	metrics, _ := ready["metrics"].(string)
	base := strings.TrimSuffix(health, "/healthz")
	if base == "" || base == health || !strings.HasPrefix(metrics, "http://") {
		t.Fatalf("ready line without addresses: %v", ready)
	}

	get := func(url string, header ...string) (int, http.Header, []byte) {
		t.Helper()
		req, err := http.NewRequest("GET", url, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		res, err := http.DefaultClient.Do(req)
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
	for _, c := range []struct{ path, ct, has string }{
		{"/healthz", "application/json", `"status":"ok"`},
		{"/readyz", "application/json", `"schema_version"`},
		{"/openapi.yaml", "application/yaml", "openapi: 3.1"},
		{"/docs", "text/html; charset=utf-8", "<redoc"},
		{"/.well-known/jwks.json", "application/json", `"kty":"OKP"`},
	} {
		status, h, body := get(base + c.path)
		if status != http.StatusOK || h.Get("Content-Type") != c.ct || !strings.Contains(string(body), c.has) {
			t.Errorf("GET %s: %d %q %.200s", c.path, status, h.Get("Content-Type"), body)
		}
	}

	// A header section over the policy limit is a problem document, not
	// net/http's own plain-text 431 (the server's limit is set above it).
	status, h, body := get(base+"/healthz", "X-Big", strings.Repeat("a", 100<<10))
	if status != http.StatusRequestHeaderFieldsTooLarge || h.Get("Content-Type") != "application/problem+json" ||
		!strings.Contains(string(body), `"code":"header_too_large"`) {
		t.Errorf("100 KB header: %d %q %.300s", status, h.Get("Content-Type"), body)
	}

	// The bootstrap admin exists and signs in.
	res, err := http.Post(base+"/v1/auth/login", "application/json",
		strings.NewReader(`{"email":"root@example.com","password":"`+bootstrapPassword+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	var pair struct {
		AccessToken string `json:"access_token"`
	}
	err = json.NewDecoder(res.Body).Decode(&pair)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK || pair.AccessToken == "" {
		t.Fatalf("bootstrap admin login: %d %v", res.StatusCode, err)
	}
	if status, _, body := get(base+"/v1/staff", "Authorization", "Bearer "+pair.AccessToken); status != http.StatusOK ||
		!strings.Contains(string(body), "root@example.com") {
		t.Fatalf("GET /v1/staff as bootstrap admin: %d %s", status, body)
	}

	// Metrics count requests by route template, on the admin listener only.
	status, _, body = get(metrics)
	if status != http.StatusOK {
		t.Fatalf("metrics: %d", status)
	}
	for _, want := range []string{
		`storefront_http_requests_total{method="GET",route="/healthz",status="200"} 1`,
		`storefront_http_requests_total{method="GET",route="/v1/staff",status="200"} 1`,
		`storefront_db_pool_max_connections`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if status, _, _ := get(base + "/metrics"); status != http.StatusNotFound {
		t.Errorf("public /metrics: %d, want 404", status)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run after cancel: %v\n%s", err, out.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not return within 30s of cancel")
	}
	logs := out.String()
	if out.logLine("stopped") == nil {
		t.Error("no stopped line")
	}
	if strings.Contains(logs, bootstrapPassword) {
		t.Error("logs contain the bootstrap admin password")
	}
	if _, err := http.Get(health); err == nil {
		t.Error("still serving after run returned")
	}
}

func TestRunConfigError(t *testing.T) {
	t.Parallel()
	var out syncBuffer
	err := run(context.Background(), envFunc(map[string]string{"LOG_LEVEL": "loud"}), &out)
	if err == nil {
		t.Fatal("run without configuration succeeded")
	}
	for _, name := range []string{"DATABASE_URL", "JWT_PRIVATE_KEY_FILE", "LOG_LEVEL"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error does not name %s: %v", name, err)
		}
	}
}

func TestRunBadKeyFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(path, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out syncBuffer
	err := run(context.Background(), envFunc(map[string]string{
		"DATABASE_URL": "postgres://u@127.0.0.1:1/db", "JWT_PRIVATE_KEY_FILE": path, "TOTP_ENCRYPTION_KEY": totpKey(t),
	}), &out)
	if err == nil || !strings.Contains(err.Error(), "JWT_PRIVATE_KEY_FILE") {
		t.Fatalf("run with a bad key: %v", err)
	}
}
