package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/partnerlab/storefront/internal/domain"
	"github.com/partnerlab/storefront/internal/upstream/bsssim"
	"github.com/partnerlab/storefront/internal/upstream/huawei"
)

// UpstreamConfig selects the cloud: the in-process simulator (the default,
// so `make run` needs no Huawei account) or Huawei Cloud itself. Switching
// is configuration only; the same SDK adapter talks to both.
type UpstreamConfig struct {
	Kind string // UPSTREAM: sim | huawei

	// Simulator (UPSTREAM=sim).
	SimAddr        string        // SIM_ADDR
	SimPartnerAK   string        // SIM_PARTNER_AK (fake by default)
	SimPartnerSK   string        // SIM_PARTNER_SK (fake by default; masked)
	SimSeed        int64         // SIM_SEED
	SimSnapshot    string        // SIM_SNAPSHOT
	SimReviewDelay time.Duration // SIM_REVIEW_DELAY

	// Huawei Cloud (UPSTREAM=huawei).
	BSSEndpoint  string        // HUAWEI_BSS_ENDPOINT
	IAMEndpoint  string        // HUAWEI_IAM_ENDPOINT
	ECSEndpoint  string        // HUAWEI_ECS_ENDPOINT
	EVSEndpoint  string        // HUAWEI_EVS_ENDPOINT
	Region       string        // HUAWEI_REGION
	AK           string        // HUAWEI_AK
	SK           string        // HUAWEI_SK (secret)
	XAccountType string        // HUAWEI_XACCOUNT_TYPE
	CallTimeout  time.Duration // HUAWEI_CALL_TIMEOUT
}

// Fake, documented dev credentials of the simulator: they open nothing real.
const (
	simDefaultAK = "SIMPARTNERAKEXAMPLE0"
	simDefaultSK = "sim-partner-sk-not-a-secret"
	simXAccount  = "storefront_sim"
)

func loadUpstreamConfig(getenv func(string) string) (UpstreamConfig, []error) {
	var errs []error
	str := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	dur := func(name string, def time.Duration, allowZero bool) time.Duration {
		v := getenv(name)
		if v == "" {
			return def
		}
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || (d == 0 && !allowZero) {
			errs = append(errs, fmt.Errorf("%s: want a duration like 10m", name))
			return def
		}
		return d
	}
	c := UpstreamConfig{
		Kind:           str("UPSTREAM", "sim"),
		SimAddr:        str("SIM_ADDR", "127.0.0.1:8081"),
		SimPartnerAK:   str("SIM_PARTNER_AK", simDefaultAK),
		SimPartnerSK:   str("SIM_PARTNER_SK", simDefaultSK),
		SimSnapshot:    str("SIM_SNAPSHOT", ""),
		SimReviewDelay: dur("SIM_REVIEW_DELAY", 10*time.Minute, true),
		Region:         str("HUAWEI_REGION", "cn-north-4"),
		BSSEndpoint:    str("HUAWEI_BSS_ENDPOINT", "https://bss.myhuaweicloud.com"),
		IAMEndpoint:    str("HUAWEI_IAM_ENDPOINT", "https://iam.myhuaweicloud.com"),
		AK:             str("HUAWEI_AK", ""),
		SK:             getenv("HUAWEI_SK"),
		XAccountType:   str("HUAWEI_XACCOUNT_TYPE", ""),
		CallTimeout:    dur("HUAWEI_CALL_TIMEOUT", 15*time.Second, false),
	}
	c.ECSEndpoint = str("HUAWEI_ECS_ENDPOINT", "https://ecs."+c.Region+".myhuaweicloud.com")
	c.EVSEndpoint = str("HUAWEI_EVS_ENDPOINT", "https://evs."+c.Region+".myhuaweicloud.com")
	seed, err := strconv.ParseInt(str("SIM_SEED", "1"), 10, 64)
	if err != nil {
		errs = append(errs, errors.New("SIM_SEED: want an integer"))
	}
	c.SimSeed = seed
	switch c.Kind {
	case "sim":
		if _, _, err := net.SplitHostPort(c.SimAddr); err != nil {
			errs = append(errs, errors.New("SIM_ADDR: want host:port"))
		}
	case "huawei":
		for _, v := range []struct{ name, val string }{{"HUAWEI_AK", c.AK}, {"HUAWEI_SK", c.SK}, {"HUAWEI_XACCOUNT_TYPE", c.XAccountType}} {
			if v.val == "" {
				errs = append(errs, fmt.Errorf("%s: required when UPSTREAM=huawei", v.name))
			}
		}
	default:
		errs = append(errs, errors.New("UPSTREAM: want sim or huawei"))
	}
	return c, errs
}

func (c UpstreamConfig) write(row func(string, any)) {
	row("UPSTREAM", c.Kind)
	if c.Kind == "sim" {
		row("SIM_ADDR", c.SimAddr)
		row("SIM_PARTNER_AK", c.SimPartnerAK)
		row("SIM_PARTNER_SK", mask(c.SimPartnerSK))
		row("SIM_SEED", c.SimSeed)
		row("SIM_SNAPSHOT", c.SimSnapshot)
		row("SIM_REVIEW_DELAY", c.SimReviewDelay)
		return
	}
	row("HUAWEI_BSS_ENDPOINT", c.BSSEndpoint)
	row("HUAWEI_IAM_ENDPOINT", c.IAMEndpoint)
	row("HUAWEI_ECS_ENDPOINT", c.ECSEndpoint)
	row("HUAWEI_EVS_ENDPOINT", c.EVSEndpoint)
	row("HUAWEI_REGION", c.Region)
	row("HUAWEI_AK", c.AK)
	row("HUAWEI_SK", mask(c.SK))
	row("HUAWEI_XACCOUNT_TYPE", c.XAccountType)
	row("HUAWEI_CALL_TIMEOUT", c.CallTimeout)
}

// upstream is the running cloud adapter (and the simulator, when in-process).
type upstream struct {
	Cloud   *huawei.Client
	SimURL  string // "" unless UPSTREAM=sim
	sim     *bsssim.Server
	simHTTP *http.Server
}

// startUpstream builds the adapter; for UPSTREAM=sim it first starts the
// simulator on SIM_ADDR so partners can also reach its /_sim/ admin API.
// The simulator reads real-name attachments from filesDir (FILES_DIR), the
// directory that stands for the OBS bucket's download/ directory.
func startUpstream(c UpstreamConfig, filesDir string, log *slog.Logger) (*upstream, error) {
	hc := huawei.Config{
		BSSEndpoint: c.BSSEndpoint, IAMEndpoint: c.IAMEndpoint, ECSEndpoint: c.ECSEndpoint, EVSEndpoint: c.EVSEndpoint,
		PartnerAK: c.AK, PartnerSK: c.SK, XAccountType: c.XAccountType, Region: c.Region,
		CallTimeout: c.CallTimeout,
	}
	u := &upstream{}
	if c.Kind == "sim" {
		sim, err := bsssim.New(bsssim.Config{
			PartnerAK: c.SimPartnerAK, PartnerSK: c.SimPartnerSK, XAccountType: simXAccount, Seed: c.SimSeed,
			ReviewDelay: c.SimReviewDelay, SnapshotPath: c.SimSnapshot, FilesDir: filesDir, Logger: log.With(slog.String("component", "bss-sim")),
		})
		if err != nil {
			return nil, fmt.Errorf("simulator: %w", err)
		}
		ln, err := net.Listen("tcp", c.SimAddr)
		if err != nil {
			return nil, fmt.Errorf("SIM_ADDR: %w", err)
		}
		u.sim = sim
		u.simHTTP = &http.Server{Handler: sim.Handler(), ReadHeaderTimeout: 5 * time.Second}
		go func() {
			if err := u.simHTTP.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("simulator listener failed", slog.Any("error", err))
			}
		}()
		u.SimURL = "http://" + ln.Addr().String()
		hc.BSSEndpoint, hc.IAMEndpoint, hc.ECSEndpoint, hc.EVSEndpoint = u.SimURL, u.SimURL, u.SimURL, u.SimURL
		hc.PartnerAK, hc.PartnerSK, hc.XAccountType = c.SimPartnerAK, c.SimPartnerSK, simXAccount
	}
	cloud, err := huawei.New(hc)
	if err != nil {
		u.close(context.Background())
		return nil, err
	}
	u.Cloud = cloud
	return u, nil
}

// check reads the partner's balances once at start, so a wrong endpoint or
// credential shows in the first log lines. It only warns: Storefront serves
// what it can while Huawei is unreachable.
func (u *upstream) check(ctx context.Context, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	bals, err := u.Cloud.PartnerBalances(ctx)
	if err != nil {
		log.Warn("upstream check failed", slog.String("code", string(domain.ErrorCode(err))), slog.Any("error", err))
		return
	}
	for _, b := range bals {
		if b.Type == domain.CloudAccountAllocatable {
			log.Info("upstream ready", slog.String("allocatable", domain.CNY(b.Amount.Sub(b.Designated)).String()))
		}
	}
}

func (u *upstream) close(ctx context.Context) error {
	var errs []error
	if u.Cloud != nil {
		u.Cloud.Close()
	}
	if u.simHTTP != nil {
		errs = append(errs, u.simHTTP.Shutdown(ctx))
	}
	if u.sim != nil {
		errs = append(errs, u.sim.Close())
	}
	return errors.Join(errs...)
}

// businessClock is the clock of the commerce rules: the simulator's virtual
// time in the sandbox (so advancing it moves quote expiry and the 5-day
// refund window as it moves Huawei's side), else fallback.
func (u *upstream) businessClock(fallback domain.Clock) domain.Clock {
	if u.sim == nil {
		return fallback
	}
	return u.sim
}
