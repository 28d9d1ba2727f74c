// Command bss-sim runs the Huawei Cloud BSS/IAM/ECS simulator on its own,
// for local development and for tests of other programs against it.
//
// Configuration comes from the environment:
//
//	SIM_ADDR           listen address (default 127.0.0.1:8081)
//	SIM_PARTNER_AK     partner access key (default a well-known fake)
//	SIM_PARTNER_SK     partner secret key (default a well-known fake)
//	SIM_SEED           seed for ids, codes and prices (default 1)
//	SIM_SNAPSHOT       JSON file: state loaded at start, written at shutdown
//	SIM_REVIEW_DELAY   virtual delay before real-name reviews auto-approve (default 10m; 0 = admin decides)
//	SIM_ASSOCIATION_DELAY  virtual delay before a new customer's partner association completes
//	                   and ListSubCustomers shows it (default 30s; 0 = at once)
//	SIM_XACCOUNT_TYPE  platform id / agency name (default storefront_sim)
//	SIM_FILES_DIR      directory standing for the OBS bucket's download/: real-name attachment paths must name files in it (default: paths checked by form only)
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/partnerlab/storefront/internal/upstream/bsssim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bss-sim:", err)
		os.Exit(1)
	}
}

// config is the process configuration; String never shows the secret key.
type config struct {
	Addr string
	Sim  bsssim.Config
}

func (c config) String() string {
	sk := "(default)"
	if c.Sim.PartnerSK != "" {
		sk = "***"
	}
	return fmt.Sprintf("addr=%s partner_ak=%s partner_sk=%s seed=%d snapshot=%q review_delay=%s association_delay=%s xaccount_type=%s",
		c.Addr, c.Sim.PartnerAK, sk, c.Sim.Seed, c.Sim.SnapshotPath, c.Sim.ReviewDelay, c.Sim.AssociationDelay, c.Sim.XAccountType)
}

func loadConfig(getenv func(string) string) (config, error) {
	c := config{Addr: "127.0.0.1:8081"}
	if v := getenv("SIM_ADDR"); v != "" {
		c.Addr = v
	}
	c.Sim.PartnerAK = getenv("SIM_PARTNER_AK")
	c.Sim.PartnerSK = getenv("SIM_PARTNER_SK")
	c.Sim.SnapshotPath = getenv("SIM_SNAPSHOT")
	c.Sim.XAccountType = getenv("SIM_XACCOUNT_TYPE")
	c.Sim.FilesDir = getenv("SIM_FILES_DIR")
	if v := getenv("SIM_SEED"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return c, fmt.Errorf("SIM_SEED: %w", err)
		}
		c.Sim.Seed = n
	}
	c.Sim.ReviewDelay = bsssim.DefaultReviewDelay
	if v := getenv("SIM_REVIEW_DELAY"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return c, fmt.Errorf("SIM_REVIEW_DELAY: want a non-negative duration such as 10m, got %q", v)
		}
		c.Sim.ReviewDelay = d
	}
	c.Sim.AssociationDelay = bsssim.DefaultAssociationDelay
	if v := getenv("SIM_ASSOCIATION_DELAY"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return c, fmt.Errorf("SIM_ASSOCIATION_DELAY: want a non-negative duration such as 30s, got %q", v)
		}
		c.Sim.AssociationDelay = d
	}
	return c, nil
}

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	log := slog.New(slog.NewJSONHandler(stdout, nil))
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	cfg.Sim.Logger = log
	sim, err := bsssim.New(cfg.Sim)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		sim.Close()
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           sim.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		// No write timeout: latency and hang faults must be able to outlast it.
	}
	log.Info("bss-sim listening", "addr", ln.Addr().String(), "config", cfg.String())

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		sim.Close()
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}

	log.Info("bss-sim shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		// Hung (fault-injected) requests do not finish on their own.
		srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("serve", "err", err)
	}
	if err := sim.Close(); err != nil {
		return fmt.Errorf("close simulator: %w", err)
	}
	log.Info("bss-sim stopped")
	return nil
}
