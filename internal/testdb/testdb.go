// Package testdb gives each test its own real Postgres database, cloned from
// a template that has every migration applied. The server is
// TEST_DATABASE_URL, else the local one on 127.0.0.1:5432, else a
// testcontainers-go Postgres when Docker answers; with none of them a test
// is skipped locally and fails under CI=true.
package testdb

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/testcontainers/testcontainers-go/modules/postgres"

	"github.com/partnerlab/storefront/internal/store"
	"github.com/partnerlab/storefront/migrations"
)

const localURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

var (
	serverOnce sync.Once
	serverURL  string
	serverErr  error

	tmplOnce sync.Once
	tmplName string
	tmplErr  error
)

func server(ctx context.Context) (string, error) {
	serverOnce.Do(func() {
		if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
			serverURL = u
			return
		}
		if ping(ctx, localURL) == nil {
			serverURL = localURL
			return
		}
		ctr, err := postgres.Run(ctx, "postgres:15-alpine", postgres.BasicWaitStrategies())
		if err != nil { // no Docker: an error, not a panic (testcontainers-go v0.44.0)
			serverErr = fmt.Errorf("no TEST_DATABASE_URL, nothing on 127.0.0.1:5432, and no Docker: %w", err)
			return
		}
		serverURL, serverErr = ctr.ConnectionString(ctx, "sslmode=disable")
	})
	return serverURL, serverErr
}

func ping(ctx context.Context, u string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, u)
	if err != nil {
		return err
	}
	return c.Close(ctx)
}

// URL returns the URL of a fresh, migrated database that is dropped when tb ends.
func URL(tb testing.TB) string {
	tb.Helper()
	ctx := context.Background()
	admin, err := server(ctx)
	if err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("testdb: no PostgreSQL for tests under CI: %v", err)
		}
		tb.Skipf("testdb: no PostgreSQL for tests (set TEST_DATABASE_URL): %v", err)
	}
	tmplOnce.Do(func() { tmplName, tmplErr = buildTemplate(ctx, admin) })
	if tmplErr != nil {
		tb.Fatalf("testdb: template: %v", tmplErr)
	}
	name := "t_" + strings.ToLower(rand.Text())
	if err := exec(ctx, admin, `CREATE DATABASE `+ident(name)+` TEMPLATE `+ident(tmplName)); err != nil {
		tb.Fatalf("testdb: create: %v", err)
	}
	tb.Cleanup(func() {
		if err := exec(context.Background(), admin, `DROP DATABASE IF EXISTS `+ident(name)+` WITH (FORCE)`); err != nil {
			tb.Logf("testdb: drop %s: %v", name, err)
		}
	})
	return withDB(admin, name)
}

// New returns a pool on a fresh, migrated database.
func New(tb testing.TB) *pgxpool.Pool {
	tb.Helper()
	cfg, err := pgxpool.ParseConfig(URL(tb))
	if err != nil {
		tb.Fatalf("testdb: pool: %v", err)
	}
	store.ConfigurePool(cfg) // as cmd/server does
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		tb.Fatalf("testdb: pool: %v", err)
	}
	tb.Cleanup(pool.Close)
	return pool
}

// buildTemplate makes tmpl_<hash of the migrations> once per server; test
// binaries of several packages run in parallel, so an advisory lock
// serializes the build and the rename makes a crashed build harmless.
func buildTemplate(ctx context.Context, admin string) (string, error) {
	name := "tmpl_" + migrationsHash()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(727274)`); err != nil {
		return "", err
	}
	defer conn.Exec(context.Background(), `SELECT pg_advisory_unlock(727274)`) //nolint:errcheck

	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	building := name + "_building"
	if _, err := conn.Exec(ctx, `DROP DATABASE IF EXISTS `+ident(building)+` WITH (FORCE)`); err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+ident(building)); err != nil {
		return "", err
	}
	if err := store.Migrate(withDB(admin, building)); err != nil {
		return "", err
	}
	for _, q := range []string{
		`ALTER DATABASE ` + ident(building) + ` RENAME TO ` + ident(name),
		`ALTER DATABASE ` + ident(name) + ` WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			return "", err
		}
	}
	return name, nil
}

func migrationsHash() string {
	h := sha256.New()
	entries, _ := fs.ReadDir(migrations.FS, ".")
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	for _, n := range names {
		b, _ := fs.ReadFile(migrations.FS, n)
		h.Write([]byte(n))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

func exec(ctx context.Context, admin, sql string) error {
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

func withDB(admin, name string) string {
	u, err := url.Parse(admin)
	if err != nil {
		panic(fmt.Sprintf("testdb: bad admin URL: %v", err))
	}
	u.Path = "/" + name
	return u.String()
}

func ident(s string) string { return pgx.Identifier{s}.Sanitize() }
