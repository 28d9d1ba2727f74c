// Package huawei owns Storefront's calls to Huawei Cloud: it implements
// domain.Cloud on the official Go SDK (BSS, IAM, ECS, EVS) and adds what the
// SDK lacks — a context deadline on every call, client-side rate limits at
// Huawei's published figures, the classification of every failure as
// definite, retryable or unknown, and the partner's agency credentials for
// acting as a customer.
//
// It never retries. adjust-amount, reclaim, pay and the create calls have no
// idempotency key upstream, and even a throttled read is better retried by
// the job that owns it, with its own budget, than hidden in here.
package huawei

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/global"

	"github.com/partnerlab/storefront/internal/domain"
)

// Config is everything the adapter needs. Endpoints are full URLs; an ECS or
// EVS endpoint may contain "{region}", replaced by the region of the call
// (those services are regional, BSS and IAM are global).
type Config struct {
	BSSEndpoint string // https://bss.myhuaweicloud.com
	IAMEndpoint string // https://iam.myhuaweicloud.com
	ECSEndpoint string // https://ecs.{region}.myhuaweicloud.com
	EVSEndpoint string // https://evs.{region}.myhuaweicloud.com

	PartnerAK string
	PartnerSK string // never logged; Config.String masks it

	// XAccountType is the platform id Huawei issued, which is also the name
	// of the agency customers grant the partner (docs/huawei-bss.md §8.4).
	XAccountType string
	// Region is the default region for provisioning requests that name none.
	Region string

	// CallTimeout bounds one call, including the wait for a rate-limit slot,
	// whatever the caller's deadline (default 30 s). It is also the SDK's
	// HttpConfig timeout.
	CallTimeout time.Duration
	// CredentialDuration is what the adapter asks IAM for a customer's
	// temporary credential to last (default 1 h; IAM allows 15 min–24 h).
	CredentialDuration time.Duration
	// CredentialRefreshMargin: a cached customer credential is replaced this
	// long before it expires (default 5 min).
	CredentialRefreshMargin time.Duration

	// DisableRateLimits turns the client-side limiter off (benchmarks only).
	DisableRateLimits bool
	// RateWindow is the limiter's window (default 1 s, Huawei's).
	RateWindow time.Duration

	// Transport is the base HTTP transport (default: a dedicated
	// http.Transport). The adapter binds each request to its context on top.
	Transport http.RoundTripper
}

func (c Config) withDefaults() Config {
	if c.CallTimeout <= 0 {
		c.CallTimeout = 30 * time.Second
	}
	if c.CredentialDuration <= 0 {
		c.CredentialDuration = time.Hour
	}
	if c.CredentialRefreshMargin <= 0 {
		c.CredentialRefreshMargin = 5 * time.Minute
	}
	if c.RateWindow <= 0 {
		c.RateWindow = time.Second
	}
	return c
}

func (c Config) validate() error {
	var missing []string
	for name, v := range map[string]string{
		"BSSEndpoint": c.BSSEndpoint, "IAMEndpoint": c.IAMEndpoint,
		"ECSEndpoint": c.ECSEndpoint, "EVSEndpoint": c.EVSEndpoint,
		// An SDK credential without AK and SK silently falls back to the ECS
		// metadata service (docs/huawei-bss.md §9.1); refuse that here.
		"PartnerAK": c.PartnerAK, "PartnerSK": c.PartnerSK, "XAccountType": c.XAccountType,
	} {
		if strings.TrimSpace(v) == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("huawei: missing config %s", strings.Join(slices.Sorted(slices.Values(missing)), ", "))
	}
	if c.CredentialDuration < 15*time.Minute || c.CredentialDuration > 24*time.Hour {
		return fmt.Errorf("huawei: CredentialDuration %s outside IAM's 15m–24h", c.CredentialDuration)
	}
	if c.CredentialRefreshMargin >= c.CredentialDuration {
		return errors.New("huawei: CredentialRefreshMargin must be shorter than CredentialDuration")
	}
	return nil
}

// String is log-safe: the secret key is masked.
func (c Config) String() string {
	return fmt.Sprintf("huawei.Config{BSS:%s IAM:%s ECS:%s EVS:%s AK:%s SK:%s XAccountType:%s Region:%s CallTimeout:%s RateLimits:%t}",
		c.BSSEndpoint, c.IAMEndpoint, c.ECSEndpoint, c.EVSEndpoint, c.PartnerAK, mask(c.PartnerSK),
		c.XAccountType, c.Region, c.CallTimeout, !c.DisableRateLimits)
}

// LogValue keeps slog from printing the secret key.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }

func mask(s string) string {
	if s == "" {
		return ""
	}
	return "***"
}

// Client implements domain.Cloud. It is safe for concurrent use.
type Client struct {
	cfg      Config
	base     http.RoundTripper
	ownsBase *http.Transport
	partner  *global.Credentials
	limits   *limiter
	creds    *credentialCache
	projects *projectCache
	// now ages cached customer credentials and the idle entries of the
	// per-customer tables. It is real time, like Huawei's expiry of
	// credentials; tests replace it before the first call. Requests are
	// always signed with the real time (sdkClient).
	now func() time.Time
}

var _ domain.Cloud = (*Client)(nil)

// New validates cfg and builds a Client. It makes no network call.
func New(cfg Config) (*Client, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	partner, err := global.NewCredentialsBuilder().WithAk(cfg.PartnerAK).WithSk(cfg.PartnerSK).SafeBuild()
	if err != nil {
		return nil, errors.New("huawei: partner credential rejected by the SDK")
	}
	c := &Client{cfg: cfg, partner: partner, now: time.Now}
	c.limits = newLimiter(cfg.RateWindow, idleTTL, cfg.DisableRateLimits, c.clock)
	c.creds = newCredentialCache(c.fetchCredential, c.clock)
	c.projects = newProjectCache(c.clock)
	c.base = cfg.Transport
	if c.base == nil {
		c.ownsBase = &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          64,
			MaxIdleConnsPerHost:   32,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
		}
		c.base = c.ownsBase
	}
	return c, nil
}

// clock reads c.now at each call, so that a test's replacement reaches the
// tables built in New.
func (c *Client) clock() time.Time { return c.now() }

// Close releases idle connections of the adapter's own transport.
func (c *Client) Close() {
	if c.ownsBase != nil {
		c.ownsBase.CloseIdleConnections()
	}
}

// redact removes the secrets a call could have exposed from s: the
// partner's key pair and, for a call made as a customer, the temporary
// credential it used. Huawei's gateway messages can echo an access key, and
// transport errors are printed whole.
func (c *Client) redact(s string, who caller) string {
	secrets := append([]string{c.cfg.PartnerSK, c.cfg.PartnerAK}, who.secrets()...)
	for _, v := range secrets {
		if len(v) >= 4 && strings.Contains(s, v) {
			s = strings.ReplaceAll(s, v, "***")
		}
	}
	return s
}
