// Command server runs Storefront: the public API, the admin listener
// (metrics, pprof) and the River job workers, on one Postgres.
package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/partnerlab/storefront/internal/auth"
	"github.com/partnerlab/storefront/internal/crypto"
	"github.com/partnerlab/storefront/internal/domain"
	"github.com/partnerlab/storefront/internal/files"
	storehttp "github.com/partnerlab/storefront/internal/http"
	"github.com/partnerlab/storefront/internal/jobs"
	"github.com/partnerlab/storefront/internal/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(os.Args) > 1 && os.Args[1] == "verify-ledger" {
		code := verifyLedger(ctx, os.Getenv, os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	if err := run(ctx, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "storefront:", err)
		os.Exit(1)
	}
}

// River's job fetching (see the client's configuration in run).
const (
	jobWorkers           = 32
	jobFetchCooldown     = 5 * time.Millisecond
	jobFetchPollInterval = 50 * time.Millisecond
)

// systemClock is the production domain.Clock.
type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now().UTC() }

// run is the whole program; tests call it with their own environment and
// cancel ctx to stop it. It returns after every request and job drained.
func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	out := newLogWriter(stdout, 100*time.Millisecond)
	defer out.Close()
	log := slog.New(slog.NewJSONHandler(out, &slog.HandlerOptions{Level: parseLevel(cfg.LogLevel)}))
	log.Info("starting", slog.String("config", cfg.String()))

	// Keys.
	pemBytes, err := os.ReadFile(cfg.JWTPrivateKeyFile)
	if err != nil {
		return fmt.Errorf("JWT_PRIVATE_KEY_FILE: %w", err)
	}
	priv, err := auth.ParsePrivateKeyPEM(pemBytes)
	if err != nil {
		return fmt.Errorf("JWT_PRIVATE_KEY_FILE: %w", err)
	}
	var extra []ed25519.PublicKey
	if cfg.JWTVerifyKeysFile != "" {
		b, err := os.ReadFile(cfg.JWTVerifyKeysFile)
		if err != nil {
			return fmt.Errorf("JWT_VERIFY_KEYS_FILE: %w", err)
		}
		if extra, err = auth.ParsePublicKeysPEM(b); err != nil {
			return fmt.Errorf("JWT_VERIFY_KEYS_FILE: %w", err)
		}
	}
	signer := auth.NewSigner(priv, extra, cfg.JWTIssuer, cfg.JWTAudience, cfg.AccessTokenTTL)

	// Database: migrate first (advisory-locked), then the pool.
	if err := store.Migrate(cfg.DatabaseURL); err != nil {
		return err
	}
	poolCfg, err := pgxpool.ParseConfig(cfg.DatabaseURL)
	if err != nil {
		return errors.New("DATABASE_URL: cannot be parsed")
	}
	poolCfg.MaxConns = cfg.DatabaseMaxConn
	store.ConfigurePool(poolCfg)
	if poolCfg.ConnConfig.ConnectTimeout == 0 {
		// Without one, a request waits as long as the kernel keeps trying to
		// reach an unreachable host; with one it answers 503 unavailable.
		poolCfg.ConnConfig.ConnectTimeout = 5 * time.Second
	}
	pool, err := pgxpool.NewWithConfig(ctx, poolCfg)
	if err != nil {
		return fmt.Errorf("database pool: %w", err)
	}
	defer pool.Close()
	st, err := store.New(pool)
	if err != nil {
		return err
	}
	clock := systemClock{}

	authSvc, err := domain.NewAuthService(st, auth.NewArgon2Hasher(cfg.Argon2), signer, clock, cfg.RefreshTokenTTL)
	if err != nil {
		return err
	}
	if cfg.BootstrapAdminEmail != "" {
		created, err := authSvc.EnsureAdmin(ctx, cfg.BootstrapAdminEmail, cfg.BootstrapAdminPassword)
		if err != nil {
			return fmt.Errorf("bootstrap admin: %w", err)
		}
		if created {
			log.Info("bootstrap admin created", slog.String("email", cfg.BootstrapAdminEmail))
		}
	}

	// Real-name data: sealed fields and uploaded attachments.
	keyring, err := crypto.New(cfg.DataEncryptionKey, cfg.DataEncryptionRetired...)
	if err != nil {
		return fmt.Errorf("DATA_ENCRYPTION_KEY: %w", err)
	}
	fileStore, err := files.Open(cfg.FilesDir)
	if err != nil {
		return fmt.Errorf("FILES_DIR: %w", err)
	}
	defer fileStore.Close()

	// Cloud upstream (the simulator by default, reading the attachments
	// from FILES_DIR as Huawei reads them from the OBS bucket).
	up, err := startUpstream(cfg.Upstream, cfg.FilesDir, log)
	if err != nil {
		return err
	}
	defer up.close(context.Background())
	up.check(ctx, log)
	customerSvc := domain.NewCustomerService(st, up.Cloud, clock, domain.WithRealNameIndex(keyring))
	realnameSvc := domain.NewRealNameService(domain.RealNameDeps{
		Store: st, Cloud: up.Cloud, Clock: clock, Cipher: keyring, Index: keyring, Files: fileStore,
		PollInterval: cfg.RealNamePollInterval, PollMaxInterval: cfg.RealNamePollMaxInterval,
	})
	stepUpSvc := domain.NewStepUpService(st, keyring, clock)
	moneySvc := domain.NewMoneyService(st, up.Cloud, stepUpSvc, clock, domain.MoneyConfig{
		StepUpThreshold: cfg.StepUpThreshold, MaxAmount: cfg.MoneyMaxAmount, SettleDelay: cfg.MoneySettleDelay, Log: log})
	commerceSvc := domain.NewCommerceService(st, up.Cloud, moneySvc, up.businessClock(clock), domain.CommerceConfig{
		QuoteTTL: cfg.QuoteTTL, SettleDelay: cfg.MoneySettleDelay, ProvisionTimeout: cfg.OrderProvisionTimeout,
		ServerVPCID: cfg.ServerVPCID, ServerSubnetIDs: cfg.ServerSubnetIDs, ServerSecurityGroupIDs: cfg.ServerSecurityGroupIDs, Log: log})
	if up.SimURL != "" {
		if err := seedCatalog(ctx, st, clock, log); err != nil {
			return fmt.Errorf("seed catalogue: %w", err)
		}
	}

	// Jobs.
	workers := river.NewWorkers()
	periodic := jobs.Register(workers, jobs.Services{Auth: authSvc, Customers: customerSvc, RealName: realnameSvc, Money: moneySvc, Commerce: commerceSvc,
		Idempotency: st.Idempotency(), Clock: clock, Log: log, ReconcileEvery: cfg.ReconcileInterval})
	riverClient, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Logger: log,
		// Money jobs mostly wait on Huawei (and on its 10 requests a second),
		// not on this process, so more of them run at once than there are cores.
		Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: jobWorkers}},
		Workers: workers,
		// River hears of a new job at once (LISTEN/NOTIFY on insert) and then
		// fetches no sooner than FetchCooldown after its previous fetch (default
		// 100 ms); jobs made due without an insert (a snooze ending, a customer's
		// next operation woken when the slot frees) are found by the poll every
		// FetchPollInterval (default 1 s). Both defaults would be most of an
		// operation's time from accepted to succeeded; a poll every 50 ms costs
		// one indexed query per replica.
		FetchCooldown:     jobFetchCooldown,
		FetchPollInterval: jobFetchPollInterval,
		// A job left running by a replica that died (say, a money operation
		// in flight) is retried after this, not River's default hour: the
		// retry finds the operation in flight and hands it to the resolver.
		// Longer than the longest job timeout (reconciliation's, 10 min).
		RescueStuckJobsAfter: 15 * time.Minute,
		PeriodicJobs:         periodic,
	})
	if err != nil {
		return fmt.Errorf("river: %w", err)
	}
	if err := riverClient.Start(ctx); err != nil {
		return fmt.Errorf("river start: %w", err)
	}

	// HTTP.
	metrics := storehttp.NewMetrics(pool)
	srv, err := storehttp.New(storehttp.Config{
		CORSAllowedOrigins: cfg.CORSAllowedOrigins,
		TrustedProxies:     cfg.TrustedProxies,
		AuthRateLimit:      cfg.AuthRateLimit,
		APIRateLimit:       cfg.APIRateLimit,
	}, storehttp.Deps{
		Auth:        authSvc,
		Customers:   customerSvc,
		RealName:    realnameSvc,
		Idempotency: st.Idempotency(),
		Audit:       domain.NewAuditService(st, st.AuditLog()),
		Money:       moneySvc,
		Commerce:    commerceSvc,
		StepUp:      stepUpSvc,
		Tokens:      signer,
		Ready:       st.SchemaReady,
		Metrics:     metrics,
		Logger:      log,
	})
	if err != nil {
		return err
	}
	public := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    storehttp.ServerMaxHeaderBytes, // above the policy limit: 431 is the handler's problem document
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	admin := &http.Server{
		Handler:           srv.AdminHandler(),
		ReadHeaderTimeout: 5 * time.Second,
		// pprof's profile endpoint streams for up to 30 s by default.
		WriteTimeout: 60 * time.Second,
		ErrorLog:     slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	publicLn, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("HTTP_ADDR: %w", err)
	}
	adminLn, err := net.Listen("tcp", cfg.AdminAddr)
	if err != nil {
		publicLn.Close()
		return fmt.Errorf("ADMIN_ADDR: %w", err)
	}
	errc := make(chan error, 2)
	go func() { errc <- serve(public, publicLn) }()
	go func() { errc <- serve(admin, adminLn) }()
	base := "http://" + publicLn.Addr().String()
	log.Info("ready",
		slog.String("api", base+"/v1"),
		slog.String("docs", base+"/docs"),
		slog.String("health", base+"/healthz"),
		slog.String("metrics", "http://"+adminLn.Addr().String()+"/metrics"),
		slog.String("upstream", cfg.Upstream.Kind),
		slog.String("sim", up.SimURL))

	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case err = <-errc:
		log.Error("listener failed", slog.Any("error", err))
	}

	// Drain: stop accepting, finish in-flight requests, then let running jobs finish.
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	shutdownErr := errors.Join(public.Shutdown(shutdownCtx), admin.Shutdown(shutdownCtx), riverClient.Stop(shutdownCtx))
	if shutdownErr != nil {
		log.Error("shutdown incomplete", slog.Any("error", shutdownErr))
	}
	log.Info("stopped")
	return errors.Join(err, shutdownErr)
}

func serve(s *http.Server, ln net.Listener) error {
	if err := s.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func parseLevel(s string) slog.Level {
	switch s {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}
