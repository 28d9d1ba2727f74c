package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerlab/storefront/internal/domain"
)

func TestUnavailable(t *testing.T) {
	t.Parallel()
	// A real connect error: nothing listens on a port we just closed.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	pool, err := pgxpool.New(context.Background(), "postgres://u@"+addr+"/db?sslmode=disable&connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	_, connectErr := pool.Exec(context.Background(), "SELECT 1")
	if connectErr == nil {
		t.Fatal("query on a closed port succeeded")
	}
	expired, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()

	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"connect refused (pgxpool)", connectErr, true},
		{"admin shutdown 57P01", &pgconn.PgError{Code: "57P01"}, true},
		{"crash shutdown 57P02", &pgconn.PgError{Code: "57P02"}, true},
		{"cannot connect now 57P03", fmt.Errorf("wrapped: %w", &pgconn.PgError{Code: "57P03"}), true},
		{"connection failure 08006", &pgconn.PgError{Code: "08006"}, true},
		{"too many connections 53300", &pgconn.PgError{Code: "53300"}, true},
		{"connection reset", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, true},
		{"unexpected EOF", fmt.Errorf("receive message: %w", io.ErrUnexpectedEOF), true},
		{"deadline", context.DeadlineExceeded, true},
		{"deadline on acquire", func() error { _, err := pool.Acquire(expired); return err }(), true},

		{"unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"serialization failure", &pgconn.PgError{Code: "40001"}, false},
		{"syntax error", &pgconn.PgError{Code: "42601"}, false},
		{"no rows", pgx.ErrNoRows, false},
		{"caller cancelled", context.Canceled, false},
		{"already a domain error", domain.Wrap(io.EOF, domain.CodeConflict, "x"), false},
		{"anything else", errors.New("boom"), false},
	}
	for _, c := range cases {
		got := unavailable(c.err)
		if (got != nil) != c.want {
			t.Errorf("%s: unavailable(%v) = %v, want %v", c.name, c.err, got, c.want)
			continue
		}
		if got == nil {
			continue
		}
		var de *domain.Error
		if !errors.As(got, &de) || de.Code != domain.CodeUnavailable || de.RetryAfter <= 0 || !de.Retryable() || !errors.Is(got, c.err) {
			t.Errorf("%s: %#v: want CodeUnavailable, retryable, Retry-After, cause kept", c.name, got)
		}
		// translate and inTx use it.
		if tr := translate(c.err, "thing"); domain.ErrorCode(tr) != domain.CodeUnavailable {
			t.Errorf("%s: translate = %v", c.name, tr)
		}
	}
	// inTx: Begin on an unreachable database.
	s, err := New(pool)
	if err != nil {
		t.Fatal(err)
	}
	err = s.inTx(context.Background(), func(*Store) error { return nil })
	if domain.ErrorCode(err) != domain.CodeUnavailable {
		t.Fatalf("inTx on an unreachable database: %v", err)
	}
}
