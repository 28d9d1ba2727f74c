// Command bench-baseline is the yardstick for `make bench`: a bare net/http server that answers
// GET /v1/me with the same SELECT and the same JSON fields as Storefront, without its middleware
// (auth, request ids, logging, metrics, validation). The ratio of Storefront's throughput to this one
// is the cost of everything we put around the query.
//
// Configuration comes from the environment:
//
//	BENCH_ADDR     listen address (default 127.0.0.1:8089)
//	DATABASE_URL   PostgreSQL (pgxpool syntax; pool_max_conns etc. may be given as URL parameters)
//	BENCH_USER_ID  the user GET /v1/me returns when the request has no ?user_id=
package main

import (
	"context"
	"encoding/json"
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

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench-baseline:", err)
		os.Exit(1)
	}
}

type config struct {
	addr        string
	databaseURL string
	userID      uuid.UUID // uuid.Nil: every request must name its user
}

func loadConfig(getenv func(string) string) (config, error) {
	c := config{addr: "127.0.0.1:8089", databaseURL: getenv("DATABASE_URL")}
	if v := getenv("BENCH_ADDR"); v != "" {
		c.addr = v
	}
	if c.databaseURL == "" {
		return c, errors.New("DATABASE_URL is required")
	}
	if v := getenv("BENCH_USER_ID"); v != "" {
		id, err := uuid.Parse(v)
		if err != nil {
			return c, fmt.Errorf("BENCH_USER_ID: %w", err)
		}
		c.userID = id
	}
	return c, nil
}

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	log := slog.New(slog.NewJSONHandler(stdout, nil))
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	pool, err := pgxpool.New(ctx, cfg.databaseURL)
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	defer pool.Close()
	if err := pool.Ping(ctx); err != nil {
		return fmt.Errorf("database: %w", err)
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           newHandler(pool, cfg.userID, log),
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       time.Minute,
	}
	log.Info("bench-baseline listening", "addr", ln.Addr().String())

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// me mirrors the fields Storefront's GET /v1/me returns.
type me struct {
	ID         uuid.UUID  `json:"id"`
	Email      string     `json:"email"`
	Mobile     *string    `json:"mobile"`
	Roles      []string   `json:"roles"`
	Status     string     `json:"status"`
	CustomerID *uuid.UUID `json:"customer_id,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
}

func newHandler(pool *pgxpool.Pool, defaultUser uuid.UUID, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := pool.Ping(r.Context()); err != nil {
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /v1/me", func(w http.ResponseWriter, r *http.Request) {
		id := defaultUser
		if v := r.URL.Query().Get("user_id"); v != "" {
			parsed, err := uuid.Parse(v)
			if err != nil {
				http.Error(w, "user_id is not a UUID", http.StatusBadRequest)
				return
			}
			id = parsed
		}
		if id == uuid.Nil {
			http.Error(w, "no user: pass ?user_id= or set BENCH_USER_ID", http.StatusBadRequest)
			return
		}
		// The server's own query (internal/store/queries/auth.sql UserByID),
		// column for column.
		var u me
		var emailNorm, passwordHash string
		var name *string
		var updated time.Time
		err := pool.QueryRow(r.Context(),
			`SELECT id, email, email_normalized, mobile, name, password_hash, roles, status, created_at, updated_at, customer_id
			 FROM users WHERE id = $1`, id,
		).Scan(&u.ID, &u.Email, &emailNorm, &u.Mobile, &name, &passwordHash, &u.Roles, &u.Status, &u.CreatedAt, &updated, &u.CustomerID)
		if errors.Is(err, pgx.ErrNoRows) {
			http.Error(w, "no such user", http.StatusNotFound)
			return
		}
		if err != nil {
			log.Error("select user", "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		u.CreatedAt = u.CreatedAt.UTC()
		w.Header().Set("Content-Type", "application/json")
		if err := json.NewEncoder(w).Encode(u); err != nil {
			log.Error("write response", "err", err)
		}
	})
	return mux
}
