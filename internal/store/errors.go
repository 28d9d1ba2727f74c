package store

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/partnerlab/storefront/internal/domain"
)

// UnavailableRetryAfter is how long clients are told to wait when the
// database cannot be reached.
const UnavailableRetryAfter = 5 * time.Second

// unavailable translates an error that means "the database cannot be
// reached, or is going away" into domain.CodeUnavailable (503, retryable,
// Retry-After), and returns nil for any other error. translate and inTx call
// it, so every store method and every transaction answers an outage the
// same way instead of a 500.
//
// Unavailable are:
//   - connecting failed (*pgconn.ConnectError: refused, timed out, the
//     server still starting up);
//   - pgconn.SafeToRetry: the statement was never sent (a connection found
//     closed, a failed write);
//   - the connection broke under a statement: a network error, EOF;
//   - SQLSTATE class 08 (connection exception), 57P01 admin_shutdown,
//     57P02 crash_shutdown, 57P03 cannot_connect_now, 53300
//     too_many_connections;
//   - context.DeadlineExceeded: waiting for a pooled connection or an answer
//     took longer than the caller allowed (a cancelled context is the
//     caller leaving, not an outage).
//
// Errors already in the domain vocabulary are left alone.
func unavailable(err error) error {
	if err == nil || !isUnavailable(err) {
		return nil
	}
	return &domain.Error{Code: domain.CodeUnavailable, Message: "the database is unavailable; retry later",
		RetryAfter: UnavailableRetryAfter, Err: err}
}

func isUnavailable(err error) bool {
	var de *domain.Error
	if errors.As(err, &de) {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "57P01", "57P02", "57P03", "53300":
			return true
		}
		return strings.HasPrefix(pgErr.Code, "08")
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	switch {
	case errors.As(err, &connectErr), pgconn.SafeToRetry(err), errors.As(err, &netErr),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, context.DeadlineExceeded):
		return true
	}
	return false
}
