package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/golang-migrate/migrate/v4"
	_ "github.com/golang-migrate/migrate/v4/database/pgx/v5" // registers "pgx5"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/jackc/pgx/v5"

	"github.com/partnerlab/storefront/migrations"
)

// Migrate applies every embedded migration (River's schema and ours) to the
// database at databaseURL. golang-migrate holds a Postgres advisory lock for
// the run, so replicas starting together are safe.
func Migrate(databaseURL string) error {
	src, err := iofs.New(migrations.FS, ".")
	if err != nil {
		return fmt.Errorf("migrate: source: %w", err)
	}
	u, err := migrateURL(databaseURL)
	if err != nil {
		return err
	}
	m, err := migrate.NewWithSourceInstance("iofs", src, u)
	if err != nil {
		return fmt.Errorf("migrate: open: %w", err)
	}
	defer m.Close()
	if err := m.Up(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("migrate: up: %w", err)
	}
	return nil
}

// migrateURL turns a postgres:// URL (or a keyword/value DSN) into the pgx5:// scheme.
func migrateURL(databaseURL string) (string, error) {
	if strings.HasPrefix(databaseURL, "postgres://") || strings.HasPrefix(databaseURL, "postgresql://") {
		u, err := url.Parse(databaseURL)
		if err != nil {
			return "", errors.New("migrate: DATABASE_URL is not a valid URL")
		}
		u.Scheme = "pgx5"
		return u.String(), nil
	}
	// Keyword/value form: let pgx parse it and rebuild a URL.
	cfg, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		return "", errors.New("migrate: DATABASE_URL cannot be parsed")
	}
	u := url.URL{Scheme: "pgx5", Host: fmt.Sprintf("%s:%d", cfg.Host, cfg.Port), Path: "/" + cfg.Database}
	if cfg.Password != "" {
		u.User = url.UserPassword(cfg.User, cfg.Password)
	} else {
		u.User = url.User(cfg.User)
	}
	q := url.Values{}
	if cfg.TLSConfig == nil {
		q.Set("sslmode", "disable")
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// LatestVersion is the highest migration version embedded in the binary.
func LatestVersion() uint {
	entries, _ := fs.ReadDir(migrations.FS, ".")
	var versions []int
	for _, e := range entries {
		n, err := strconv.Atoi(strings.SplitN(e.Name(), "_", 2)[0])
		if err == nil {
			versions = append(versions, n)
		}
	}
	sort.Ints(versions)
	if len(versions) == 0 {
		return 0
	}
	return uint(versions[len(versions)-1])
}

// ErrSchemaNotCurrent means the database is behind (or ahead of) this binary,
// or a migration failed half-way (dirty).
var ErrSchemaNotCurrent = errors.New("store: schema is not current")

// SchemaReady pings the database and checks the applied migration version.
func (s *Store) SchemaReady(ctx context.Context) (uint, error) {
	row, err := s.q.SchemaVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: read schema version: %w", err)
	}
	if row.Dirty || uint(row.Version) != LatestVersion() {
		return uint(row.Version), fmt.Errorf("%w: at %d (dirty=%v), binary wants %d", ErrSchemaNotCurrent, row.Version, row.Dirty, LatestVersion())
	}
	return uint(row.Version), nil
}
