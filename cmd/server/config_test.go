package main

import (
	"strings"
	"testing"
	"time"

	"github.com/partnerlab/storefront/internal/auth"
)

// minimalEnv is the least configuration that loads.
func minimalEnv() map[string]string {
	return map[string]string{
		"DATABASE_URL":         "postgres://app@db.internal:5432/storefront",
		"JWT_PRIVATE_KEY_FILE": "/run/secrets/jwt.pem",
		"DATA_ENCRYPTION_KEY":  testDataKey,
		"FILES_DIR":            "/var/lib/storefront/files",
	}
}

// testDataKey is a fixed 32-byte key, base64: for configuration tests only.
const testDataKey = "c3RvcmVmcm9udC10ZXN0LWRhdGEta2V5LTMyLWJ5dGU="

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	c, err := loadConfig(envFunc(minimalEnv()))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"HTTP_ADDR", c.HTTPAddr, "127.0.0.1:8080"},
		{"ADMIN_ADDR", c.AdminAddr, "127.0.0.1:9090"},
		{"DATABASE_MAX_CONNS", c.DatabaseMaxConn, int32(16)},
		{"LOG_LEVEL", c.LogLevel, "info"},
		{"SHUTDOWN_TIMEOUT", c.ShutdownTimeout, 20 * time.Second},
		{"JWT_ISSUER", c.JWTIssuer, "storefront"},
		{"JWT_AUDIENCE", c.JWTAudience, "storefront-api"},
		{"ACCESS_TOKEN_TTL", c.AccessTokenTTL, 15 * time.Minute},
		{"REFRESH_TOKEN_TTL", c.RefreshTokenTTL, 30 * 24 * time.Hour},
		{"ARGON2", c.Argon2, auth.DefaultArgon2},
		{"AUTH_RATE_LIMIT", c.AuthRateLimit, 30},
		{"API_RATE_LIMIT", c.APIRateLimit, 6000},
		{"BOOTSTRAP_ADMIN_EMAIL", c.BootstrapAdminEmail, ""},
		{"CORS_ALLOWED_ORIGINS", len(c.CORSAllowedOrigins), 0},
		{"TRUSTED_PROXIES", len(c.TrustedProxies), 0},
		{"UPSTREAM", c.Upstream.Kind, "sim"},
		{"DATA_ENCRYPTION_KEY", len(c.DataEncryptionKey), 32},
		{"DATA_ENCRYPTION_RETIRED_KEYS", len(c.DataEncryptionRetired), 0},
		{"FILES_DIR", c.FilesDir, "/var/lib/storefront/files"},
		{"REALNAME_POLL_INTERVAL", c.RealNamePollInterval, 5 * time.Second},
		{"REALNAME_POLL_MAX_INTERVAL", c.RealNamePollMaxInterval, 5 * time.Minute},
		{"QUOTE_TTL", c.QuoteTTL, 30 * time.Minute},
		{"ORDER_PROVISION_TIMEOUT", c.OrderProvisionTimeout, 30 * time.Minute},
		{"ECS_VPC_ID", c.ServerVPCID, ""},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
}

func TestConfigValues(t *testing.T) {
	t.Parallel()
	env := minimalEnv()
	env["CORS_ALLOWED_ORIGINS"] = " https://a.example , ,https://b.example"
	env["TRUSTED_PROXIES"] = "10.0.0.0/8,fd00::/8"
	env["ACCESS_TOKEN_TTL"] = "5m"
	env["LOG_LEVEL"] = "DEBUG"
	env["API_RATE_LIMIT"] = "0"
	env["ECS_SUBNET_IDS"] = "subnet-a, subnet-b"
	env["QUOTE_TTL"] = "10m"
	c, err := loadConfig(envFunc(env))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.CORSAllowedOrigins, "|") != "https://a.example|https://b.example" ||
		len(c.TrustedProxies) != 2 || c.AccessTokenTTL != 5*time.Minute || c.LogLevel != "debug" || c.APIRateLimit != 0 ||
		strings.Join(c.ServerSubnetIDs, "|") != "subnet-a|subnet-b" || c.QuoteTTL != 10*time.Minute {
		t.Fatalf("config %+v", c)
	}
}

// TestConfigErrors: each bad setting is reported by name and never echoes
// the value, which may be a secret.
func TestConfigErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		set    map[string]string
		unset  string
		naming string
	}{
		{name: "no database", unset: "DATABASE_URL", naming: "DATABASE_URL"},
		{name: "no key", unset: "JWT_PRIVATE_KEY_FILE", naming: "JWT_PRIVATE_KEY_FILE"},
		{name: "http addr", set: map[string]string{"HTTP_ADDR": "8080-secretvalue"}, naming: "HTTP_ADDR"},
		{name: "admin addr", set: map[string]string{"ADMIN_ADDR": "secretvalue"}, naming: "ADMIN_ADDR"},
		{name: "max conns", set: map[string]string{"DATABASE_MAX_CONNS": "1"}, naming: "DATABASE_MAX_CONNS"},
		{name: "max conns not a number", set: map[string]string{"DATABASE_MAX_CONNS": "secretvalue"}, naming: "DATABASE_MAX_CONNS"},
		{name: "log level", set: map[string]string{"LOG_LEVEL": "secretvalue"}, naming: "LOG_LEVEL"},
		{name: "shutdown timeout", set: map[string]string{"SHUTDOWN_TIMEOUT": "secretvalue"}, naming: "SHUTDOWN_TIMEOUT"},
		{name: "negative duration", set: map[string]string{"REFRESH_TOKEN_TTL": "-1h"}, naming: "REFRESH_TOKEN_TTL"},
		{name: "access ttl too long", set: map[string]string{"ACCESS_TOKEN_TTL": "2h"}, naming: "ACCESS_TOKEN_TTL"},
		{name: "argon2 memory below OWASP", set: map[string]string{"ARGON2_MEMORY_KIB": "1024"}, naming: "ARGON2_MEMORY_KIB"},
		{name: "argon2 time", set: map[string]string{"ARGON2_TIME": "1"}, naming: "ARGON2_TIME"},
		{name: "quote ttl", set: map[string]string{"QUOTE_TTL": "-5m"}, naming: "QUOTE_TTL"},
		{name: "argon2 threads", set: map[string]string{"ARGON2_THREADS": "0"}, naming: "ARGON2_THREADS"},
		{name: "auth rate limit", set: map[string]string{"AUTH_RATE_LIMIT": "0"}, naming: "AUTH_RATE_LIMIT"},
		{name: "api rate limit", set: map[string]string{"API_RATE_LIMIT": "-5"}, naming: "API_RATE_LIMIT"},
		{name: "trusted proxies", set: map[string]string{"TRUSTED_PROXIES": "10.0.0.0/8,not-a-cidr"}, naming: "TRUSTED_PROXIES"},
		{name: "bootstrap email without password", set: map[string]string{"BOOTSTRAP_ADMIN_EMAIL": "root@example.com"}, naming: "BOOTSTRAP_ADMIN_PASSWORD"},
		{name: "bootstrap password without email", set: map[string]string{"BOOTSTRAP_ADMIN_PASSWORD": "secretvalue-long"}, naming: "BOOTSTRAP_ADMIN_EMAIL"},
		{name: "bootstrap password short", set: map[string]string{"BOOTSTRAP_ADMIN_EMAIL": "root@example.com", "BOOTSTRAP_ADMIN_PASSWORD": "secretvalue"}, naming: "BOOTSTRAP_ADMIN_PASSWORD"},
		{name: "bootstrap email not an address", set: map[string]string{"BOOTSTRAP_ADMIN_EMAIL": "secretvalue", "BOOTSTRAP_ADMIN_PASSWORD": "long-enough-password"}, naming: "BOOTSTRAP_ADMIN_EMAIL"},
		{name: "bootstrap email a lookalike", set: map[string]string{"BOOTSTRAP_ADMIN_EMAIL": "\u212asecretvalue@example.com", "BOOTSTRAP_ADMIN_PASSWORD": "long-enough-password"}, naming: "BOOTSTRAP_ADMIN_EMAIL"},
		{name: "upstream", set: map[string]string{"UPSTREAM": "secretvalue"}, naming: "UPSTREAM"},
		{name: "no data key", unset: "DATA_ENCRYPTION_KEY", naming: "DATA_ENCRYPTION_KEY"},
		{name: "data key not base64", set: map[string]string{"DATA_ENCRYPTION_KEY": "secretvalue!"}, naming: "DATA_ENCRYPTION_KEY"},
		{name: "data key too short", set: map[string]string{"DATA_ENCRYPTION_KEY": "c2VjcmV0dmFsdWU="}, naming: "DATA_ENCRYPTION_KEY"},
		{name: "retired key", set: map[string]string{"DATA_ENCRYPTION_RETIRED_KEYS": testDataKey + ",secretvalue"}, naming: "DATA_ENCRYPTION_RETIRED_KEYS"},
		{name: "no files dir", unset: "FILES_DIR", naming: "FILES_DIR"},
		{name: "poll interval", set: map[string]string{"REALNAME_POLL_INTERVAL": "secretvalue"}, naming: "REALNAME_POLL_INTERVAL"},
		{name: "poll max below interval", set: map[string]string{"REALNAME_POLL_INTERVAL": "1m", "REALNAME_POLL_MAX_INTERVAL": "10s"}, naming: "REALNAME_POLL_MAX_INTERVAL"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			env := minimalEnv()
			delete(env, c.unset)
			for k, v := range c.set {
				env[k] = v
			}
			_, err := loadConfig(envFunc(env))
			if err == nil {
				t.Fatal("loaded")
			}
			if !strings.Contains(err.Error(), c.naming+":") && !strings.Contains(err.Error(), c.naming+" ") {
				t.Fatalf("error does not name %s: %v", c.naming, err)
			}
			if strings.Contains(err.Error(), "secretvalue") {
				t.Fatalf("error echoes the value: %v", err)
			}
		})
	}
	// Every problem at once, not one per start.
	_, err := loadConfig(envFunc(map[string]string{"LOG_LEVEL": "x", "HTTP_ADDR": "x"}))
	for _, name := range []string{"DATABASE_URL", "JWT_PRIVATE_KEY_FILE", "LOG_LEVEL", "HTTP_ADDR"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("joined error lacks %s: %v", name, err)
		}
	}
}

func TestConfigStringMasksSecrets(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		url    string
		secret string
		keep   string // what should still show
	}{
		{"postgres://app:hunter2pw@db.internal:5432/storefront?sslmode=require", "hunter2pw", "app:****@db.internal:5432/storefront"},
		{"postgresql://app:p%40ss%3Aword@db/storefront", "p%40ss", "db/storefront"},
		{"postgres://app:p@ssw0rd@db.internal/storefront", "ssw0rd", "db.internal/storefront"},
		{"postgres://app@db.internal/storefront?password=hunter2pw&sslmode=disable", "hunter2pw", "db.internal/storefront"},
		{"host=db user=app password=hunter2pw dbname=storefront", "hunter2pw", "host=db"},
		{"host=db user=app password='hunter2 pw' dbname=storefront", "pw", "dbname=storefront"},
		{"postgres://app@db.internal/storefront", "", "postgres://app@db.internal/storefront"},
	} {
		env := minimalEnv()
		env["DATABASE_URL"] = tc.url
		env["BOOTSTRAP_ADMIN_EMAIL"] = "root@example.com"
		env["BOOTSTRAP_ADMIN_PASSWORD"] = "bootstrap-secret-pw-1"
		env["HUAWEI_SK"] = "huawei-secret-key"
		c, err := loadConfig(envFunc(env))
		if err != nil {
			t.Fatal(err)
		}
		s := c.String()
		for _, secret := range []string{tc.secret, "bootstrap-secret-pw-1", "huawei-secret-key", testDataKey, string(c.DataEncryptionKey)} {
			if secret != "" && strings.Contains(s, secret) {
				t.Errorf("%s: String() shows %q:\n%s", tc.url, secret, s)
			}
		}
		for _, keep := range []string{tc.keep, "root@example.com", "BOOTSTRAP_ADMIN_PASSWORD", "****"} {
			if !strings.Contains(s, keep) {
				t.Errorf("%s: String() lacks %q:\n%s", tc.url, keep, s)
			}
		}
	}
}
