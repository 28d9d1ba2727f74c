package main

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/partnerlab/storefront/internal/auth"
	"github.com/partnerlab/storefront/internal/crypto"
	"github.com/partnerlab/storefront/internal/domain"
)

// Config is every setting, read from the environment. Each field's env
// name and default are in the README's configuration table.
type Config struct {
	HTTPAddr        string        // HTTP_ADDR
	AdminAddr       string        // ADMIN_ADDR
	DatabaseURL     string        // DATABASE_URL (secret: may hold a password)
	DatabaseMaxConn int32         // DATABASE_MAX_CONNS
	LogLevel        string        // LOG_LEVEL
	ShutdownTimeout time.Duration // SHUTDOWN_TIMEOUT

	JWTPrivateKeyFile string        // JWT_PRIVATE_KEY_FILE
	JWTVerifyKeysFile string        // JWT_VERIFY_KEYS_FILE (extra public keys during rotation)
	JWTIssuer         string        // JWT_ISSUER
	JWTAudience       string        // JWT_AUDIENCE
	AccessTokenTTL    time.Duration // ACCESS_TOKEN_TTL
	RefreshTokenTTL   time.Duration // REFRESH_TOKEN_TTL

	Argon2 auth.Argon2Params // ARGON2_MEMORY_KIB, ARGON2_TIME, ARGON2_THREADS

	BootstrapAdminEmail    string // BOOTSTRAP_ADMIN_EMAIL
	BootstrapAdminPassword string // BOOTSTRAP_ADMIN_PASSWORD (secret)

	CORSAllowedOrigins []string // CORS_ALLOWED_ORIGINS (comma-separated)
	TrustedProxies     []string // TRUSTED_PROXIES (comma-separated CIDRs)
	AuthRateLimit      int      // AUTH_RATE_LIMIT (per minute per client IP)
	APIRateLimit       int      // API_RATE_LIMIT (per minute per client IP; 0 = off)

	StepUpThreshold decimal.Decimal // STEP_UP_THRESHOLD: money operations of this amount or more need step-up
	MoneyMaxAmount  decimal.Decimal // MONEY_MAX_AMOUNT: the largest single allocation or reclaim
	// Real-name data (docs/design.md §4).
	DataEncryptionKey       []byte        // DATA_ENCRYPTION_KEY (secret: base64 of 32 random bytes)
	DataEncryptionRetired   [][]byte      // DATA_ENCRYPTION_RETIRED_KEYS (secret: comma-separated, open-only)
	FilesDir                string        // FILES_DIR (uploaded attachments)
	RealNamePollInterval    time.Duration // REALNAME_POLL_INTERVAL (first re-read of a review)
	RealNamePollMaxInterval time.Duration // REALNAME_POLL_MAX_INTERVAL
	// MONEY_SETTLE_DELAY: how long an unknown outcome is read back before
	// "no record" means Huawei did nothing.
	MoneySettleDelay time.Duration
	// RECONCILE_INTERVAL: how often reconciliation with Huawei runs.
	ReconcileInterval time.Duration

	// Commerce (docs/design.md §11).
	QuoteTTL               time.Duration // QUOTE_TTL: how long a quote binds
	OrderProvisionTimeout  time.Duration // ORDER_PROVISION_TIMEOUT: provisioning followed before needs_review
	ServerVPCID            string        // ECS_VPC_ID: the VPC new ECS servers join
	ServerSubnetIDs        []string      // ECS_SUBNET_IDS (comma-separated)
	ServerSecurityGroupIDs []string      // ECS_SECURITY_GROUP_IDS (comma-separated)

	Upstream UpstreamConfig
}

// loadConfig reads getenv, applies defaults and validates. Errors name the
// variable, never its value.
func loadConfig(getenv func(string) string) (Config, error) {
	var errs []error
	str := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	dur := func(name string, def time.Duration) time.Duration {
		v := getenv(name)
		if v == "" {
			return def
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("%s: want a positive duration like 15m", name))
			return def
		}
		return d
	}
	num := func(name string, def, min, max int) int {
		v := getenv(name)
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < min || n > max {
			errs = append(errs, fmt.Errorf("%s: want an integer in [%d, %d]", name, min, max))
			return def
		}
		return n
	}
	amount := func(name, def string) decimal.Decimal {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			v = def
		}
		d, err := decimal.NewFromString(v)
		if err != nil || d.IsNegative() || !d.Equal(d.Round(2)) {
			errs = append(errs, fmt.Errorf("%s: want an amount like 100.00 (at least 0, at most 2 decimals)", name))
			return decimal.RequireFromString(def)
		}
		return d
	}
	list := func(name string) []string {
		var out []string
		for _, p := range strings.Split(getenv(name), ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out
	}

	c := Config{
		HTTPAddr:        str("HTTP_ADDR", "127.0.0.1:8080"),
		AdminAddr:       str("ADMIN_ADDR", "127.0.0.1:9090"),
		DatabaseURL:     str("DATABASE_URL", ""),
		DatabaseMaxConn: int32(num("DATABASE_MAX_CONNS", 16, 2, 1000)),
		LogLevel:        strings.ToLower(str("LOG_LEVEL", "info")),
		ShutdownTimeout: dur("SHUTDOWN_TIMEOUT", 20*time.Second),

		JWTPrivateKeyFile: str("JWT_PRIVATE_KEY_FILE", ""),
		JWTVerifyKeysFile: str("JWT_VERIFY_KEYS_FILE", ""),
		JWTIssuer:         str("JWT_ISSUER", "storefront"),
		JWTAudience:       str("JWT_AUDIENCE", "storefront-api"),
		AccessTokenTTL:    dur("ACCESS_TOKEN_TTL", 15*time.Minute),
		RefreshTokenTTL:   dur("REFRESH_TOKEN_TTL", 30*24*time.Hour),

		Argon2: auth.Argon2Params{
			MemoryKiB: uint32(num("ARGON2_MEMORY_KIB", int(auth.DefaultArgon2.MemoryKiB), 19*1024, 4*1024*1024)),
			Time:      uint32(num("ARGON2_TIME", int(auth.DefaultArgon2.Time), 2, 100)),
			Threads:   uint8(num("ARGON2_THREADS", int(auth.DefaultArgon2.Threads), 1, 64)),
		},

		BootstrapAdminEmail:    str("BOOTSTRAP_ADMIN_EMAIL", ""),
		BootstrapAdminPassword: getenv("BOOTSTRAP_ADMIN_PASSWORD"),

		CORSAllowedOrigins: list("CORS_ALLOWED_ORIGINS"),
		TrustedProxies:     list("TRUSTED_PROXIES"),
		AuthRateLimit:      num("AUTH_RATE_LIMIT", 30, 1, 1_000_000),
		APIRateLimit:       num("API_RATE_LIMIT", 6000, 0, 100_000_000),

		StepUpThreshold:         amount("STEP_UP_THRESHOLD", "0.00"),
		MoneyMaxAmount:          amount("MONEY_MAX_AMOUNT", "1000000.00"),
		MoneySettleDelay:        dur("MONEY_SETTLE_DELAY", 30*time.Second),
		ReconcileInterval:       dur("RECONCILE_INTERVAL", time.Hour),
		QuoteTTL:                dur("QUOTE_TTL", domain.DefaultQuoteTTL),
		OrderProvisionTimeout:   dur("ORDER_PROVISION_TIMEOUT", 30*time.Minute),
		ServerVPCID:             str("ECS_VPC_ID", ""),
		ServerSubnetIDs:         list("ECS_SUBNET_IDS"),
		ServerSecurityGroupIDs:  list("ECS_SECURITY_GROUP_IDS"),
		FilesDir:                str("FILES_DIR", ""),
		RealNamePollInterval:    dur("REALNAME_POLL_INTERVAL", domain.DefaultPollInterval),
		RealNamePollMaxInterval: dur("REALNAME_POLL_MAX_INTERVAL", domain.DefaultPollMaxInterval),
	}
	if v := getenv("DATA_ENCRYPTION_KEY"); v == "" {
		errs = append(errs, errors.New("DATA_ENCRYPTION_KEY: required: base64 of 32 random bytes, e.g. openssl rand -base64 32 (make run generates a dev key)"))
	} else if k, err := crypto.ParseKey(v); err != nil {
		errs = append(errs, errors.New("DATA_ENCRYPTION_KEY: want base64 of exactly 32 bytes"))
	} else {
		c.DataEncryptionKey = k
	}
	for i, v := range list("DATA_ENCRYPTION_RETIRED_KEYS") {
		k, err := crypto.ParseKey(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("DATA_ENCRYPTION_RETIRED_KEYS: entry %d: want base64 of exactly 32 bytes", i+1))
			continue
		}
		c.DataEncryptionRetired = append(c.DataEncryptionRetired, k)
	}
	if c.FilesDir == "" {
		errs = append(errs, errors.New("FILES_DIR: required: the directory for uploaded attachments (make run uses .data/files)"))
	}
	if c.RealNamePollMaxInterval < c.RealNamePollInterval {
		errs = append(errs, errors.New("REALNAME_POLL_MAX_INTERVAL: at least REALNAME_POLL_INTERVAL"))
	}
	up, upErrs := loadUpstreamConfig(getenv)
	c.Upstream = up
	errs = append(errs, upErrs...)

	if c.DatabaseURL == "" {
		errs = append(errs, errors.New("DATABASE_URL: required (make run sets one up for you)"))
	}
	if c.JWTPrivateKeyFile == "" {
		errs = append(errs, errors.New("JWT_PRIVATE_KEY_FILE: required (an Ed25519 PKCS#8 PEM; make run generates a dev key)"))
	}
	for _, a := range []struct{ name, v string }{{"HTTP_ADDR", c.HTTPAddr}, {"ADMIN_ADDR", c.AdminAddr}} {
		if _, _, err := net.SplitHostPort(a.v); err != nil {
			errs = append(errs, fmt.Errorf("%s: want host:port", a.name))
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, errors.New("LOG_LEVEL: want debug, info, warn or error"))
	}
	if c.AccessTokenTTL > time.Hour {
		errs = append(errs, errors.New("ACCESS_TOKEN_TTL: at most 1h (tokens cannot be revoked before they expire)"))
	}
	for _, p := range c.TrustedProxies {
		if _, err := netip.ParsePrefix(p); err != nil {
			errs = append(errs, fmt.Errorf("TRUSTED_PROXIES: %q is not a CIDR prefix", p))
		}
	}
	if (c.BootstrapAdminEmail == "") != (c.BootstrapAdminPassword == "") {
		errs = append(errs, errors.New("BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_PASSWORD: set both or neither"))
	}
	// The same rule as every other account's email (domain.ParseEmail), so
	// the admin is found at login and listed as a plain address.
	if c.BootstrapAdminEmail != "" {
		if _, err := domain.ParseEmail(c.BootstrapAdminEmail); err != nil {
			msg := "want a plain address like admin@example.com"
			var de *domain.Error
			if errors.As(err, &de) && len(de.Fields) == 1 {
				msg = de.Fields[0].Message
			}
			errs = append(errs, fmt.Errorf("BOOTSTRAP_ADMIN_EMAIL: %s", msg))
		}
	}
	if c.BootstrapAdminPassword != "" && len(c.BootstrapAdminPassword) < 12 {
		errs = append(errs, errors.New("BOOTSTRAP_ADMIN_PASSWORD: at least 12 characters"))
	}
	return c, errors.Join(errs...)
}

// String is the log-safe rendering: secrets masked, the database password removed.
func (c Config) String() string {
	var b strings.Builder
	row := func(k string, v any) { fmt.Fprintf(&b, "  %-24s %v\n", k, v) }
	b.WriteString("config:\n")
	row("HTTP_ADDR", c.HTTPAddr)
	row("ADMIN_ADDR", c.AdminAddr)
	row("DATABASE_URL", maskURL(c.DatabaseURL))
	row("DATABASE_MAX_CONNS", c.DatabaseMaxConn)
	row("LOG_LEVEL", c.LogLevel)
	row("SHUTDOWN_TIMEOUT", c.ShutdownTimeout)
	row("JWT_PRIVATE_KEY_FILE", c.JWTPrivateKeyFile)
	row("JWT_VERIFY_KEYS_FILE", c.JWTVerifyKeysFile)
	row("JWT_ISSUER", c.JWTIssuer)
	row("JWT_AUDIENCE", c.JWTAudience)
	row("ACCESS_TOKEN_TTL", c.AccessTokenTTL)
	row("REFRESH_TOKEN_TTL", c.RefreshTokenTTL)
	row("ARGON2", fmt.Sprintf("m=%dKiB t=%d p=%d", c.Argon2.MemoryKiB, c.Argon2.Time, c.Argon2.Threads))
	row("BOOTSTRAP_ADMIN_EMAIL", c.BootstrapAdminEmail)
	row("BOOTSTRAP_ADMIN_PASSWORD", mask(c.BootstrapAdminPassword))
	row("CORS_ALLOWED_ORIGINS", strings.Join(c.CORSAllowedOrigins, ","))
	row("TRUSTED_PROXIES", strings.Join(c.TrustedProxies, ","))
	row("AUTH_RATE_LIMIT", c.AuthRateLimit)
	row("API_RATE_LIMIT", c.APIRateLimit)
	row("STEP_UP_THRESHOLD", c.StepUpThreshold.StringFixed(2))
	row("MONEY_MAX_AMOUNT", c.MoneyMaxAmount.StringFixed(2))
	row("DATA_ENCRYPTION_KEY", maskBytes(c.DataEncryptionKey))
	row("DATA_ENCRYPTION_RETIRED_KEYS", fmt.Sprintf("%d key(s)", len(c.DataEncryptionRetired)))
	row("FILES_DIR", c.FilesDir)
	row("REALNAME_POLL_INTERVAL", c.RealNamePollInterval)
	row("REALNAME_POLL_MAX_INTERVAL", c.RealNamePollMaxInterval)
	row("MONEY_SETTLE_DELAY", c.MoneySettleDelay)
	row("RECONCILE_INTERVAL", c.ReconcileInterval)
	row("QUOTE_TTL", c.QuoteTTL)
	row("ORDER_PROVISION_TIMEOUT", c.OrderProvisionTimeout)
	row("ECS_VPC_ID", c.ServerVPCID)
	row("ECS_SUBNET_IDS", strings.Join(c.ServerSubnetIDs, ","))
	row("ECS_SECURITY_GROUP_IDS", strings.Join(c.ServerSecurityGroupIDs, ","))
	c.Upstream.write(row)
	return b.String()
}

func maskBytes(secret []byte) string { return mask(string(secret)) }

func mask(secret string) string {
	if secret == "" {
		return ""
	}
	return "****"
}

// maskURL drops the password of a postgres:// URL (userinfo or ?password=,
// parsed as pgx parses it, so an unescaped "@" in the password is handled)
// or of a key=value DSN (quoted values included). A URL that does not parse
// is hidden whole: where its password ends cannot be known.
func maskURL(s string) string {
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil {
			return "****"
		}
		params := strings.Split(u.RawQuery, "&")
		for i, p := range params {
			if k, _, _ := strings.Cut(p, "="); k != "" {
				if k, err := url.QueryUnescape(k); err != nil || k == "password" {
					params[i] = "password=****"
				}
			}
		}
		u.RawQuery = strings.Join(params, "&")
		_, hasPassword := u.User.Password()
		if !hasPassword {
			return u.String()
		}
		// Built by hand: url.UserPassword would print the mask as %2A%2A%2A%2A.
		u.User = url.User(u.User.Username())
		out := u.String()
		head := u.Scheme + "://" + u.User.String()
		return head + ":****" + out[len(head):]
	}
	return dsnPassword.ReplaceAllString(s, "${1}password=****")
}

// dsnPassword matches a libpq keyword/value password: bare, or single-quoted
// with backslash escapes.
var dsnPassword = regexp.MustCompile(`(^|\s)password\s*=\s*(?:'(?:[^'\\]|\\.)*'|\S*)`)
