package domain

import (
	"errors"
	"fmt"
	"time"
)

// Code is a stable, machine-readable error code. Clients switch on it, so a
// code is never renamed once released; internal/http maps each code to an
// HTTP status in exactly one table.
type Code string

// The error vocabulary. Keep it small: a new code is a contract change.
const (
	CodeInvalid          Code = "invalid_request"   // malformed input that is not a field error
	CodeValidation       Code = "validation_failed" // field errors in Error.Fields
	CodeUnauthenticated  Code = "unauthenticated"   // no or bad credentials
	CodeForbidden        Code = "forbidden"         // authenticated, but the role may not
	CodeNotFound         Code = "not_found"         // absent, or not the caller's (same answer)
	CodeConflict         Code = "conflict"          // state does not allow the operation now
	CodeAlreadyExists    Code = "already_exists"    // a unique thing already exists
	CodeIdempotencyReuse Code = "idempotency_key_reused"
	CodeInProgress       Code = "request_in_progress" // same idempotency key still running
	CodeRateLimited      Code = "rate_limited"
	CodeAccountLocked    Code = "account_locked"   // too many failed logins; retry after
	CodeAccountDisabled  Code = "account_disabled" // the token's user or client is disabled or deleted
	CodeInternal         Code = "internal"
	// CodeUnavailable: a dependency of ours (the database) cannot be reached
	// or is shutting down. Retryable, with Error.RetryAfter. A write whose
	// connection broke during COMMIT may have happened; sending it again is
	// safe where it carries an Idempotency-Key (docs/design.md §2.7).
	CodeUnavailable Code = "unavailable"
	// An uploaded file breaks a documented limit: too large, or content of a
	// type the operation does not take (decided from the bytes, not the name).
	CodePayloadTooLarge      Code = "payload_too_large"
	CodeUnsupportedMediaType Code = "unsupported_media_type"

	// Cloud (Huawei) outcomes. Error.Upstream carries Huawei's own code.
	CodeInsufficientBalance Code = "insufficient_balance"
	CodeUpstreamRejected    Code = "upstream_rejected"    // definite: Huawei said no, nothing happened
	CodeUpstreamNotFound    Code = "upstream_not_found"   // definite: Huawei does not know the object
	CodeUpstreamInvalid     Code = "upstream_invalid"     // definite: Huawei refused a field
	CodeUpstreamForbidden   Code = "upstream_forbidden"   // definite: wrong credential / not allowed
	CodeUpstreamThrottled   Code = "upstream_throttled"   // retryable: nothing happened
	CodeUpstreamUnavailable Code = "upstream_unavailable" // retryable: nothing happened
	CodeUpstreamUnknown     Code = "upstream_outcome_unknown"
	CodeVerificationCode    Code = "verification_code_invalid"

	// Step-up (docs/design.md §3): every failure is 403 and names the rule
	// that failed, except that an unknown challenge and another staff
	// member's challenge get the same answer (CodeStepUpInvalid).
	CodeStepUpRequired    Code = "step_up_required"      // no challenge id or code was sent
	CodeStepUpInvalid     Code = "step_up_invalid"       // no such challenge, or not the caller's
	CodeStepUpExpired     Code = "step_up_expired"       // older than 5 minutes
	CodeStepUpReplayed    Code = "step_up_replayed"      // challenge already answered, or the code's time step already accepted
	CodeStepUpMismatch    Code = "step_up_mismatch"      // the challenge is for another action, customer, amount or operation
	CodeStepUpCodeInvalid Code = "step_up_code_invalid"  // wrong TOTP code
	CodeStepUpLocked      Code = "step_up_locked"        // 5 wrong answers: create a new challenge
	CodeTOTPNotEnrolled   Code = "totp_not_enrolled"     // the staff member has no confirmed TOTP authenticator
	CodeTOTPEnrolled      Code = "totp_already_enrolled" // a confirmed authenticator cannot be replaced
	// Money (docs/design.md §9): which balance refused an allocation or
	// reclaim, and a customer Huawei does not know yet.
	CodeInsufficientPartnerBalance  Code = "insufficient_partner_balance"
	CodeInsufficientCustomerBalance Code = "insufficient_customer_balance"
	CodeCustomerNotRegistered       Code = "customer_not_registered"
)

// Outcome says what an upstream failure means for the world outside.
type Outcome string

const (
	// OutcomeDefinite: the upstream answered and nothing changed.
	OutcomeDefinite Outcome = "definite"
	// OutcomeRetryable: refused before any effect (throttled, connection refused);
	// the same call may be sent again.
	OutcomeRetryable Outcome = "retryable"
	// OutcomeUnknown: the call may or may not have taken effect (timeout, 5xx,
	// undecodable 2xx). Never resend blindly; read back first (docs/design.md §2.3).
	OutcomeUnknown Outcome = "unknown"
)

// FieldError names one bad input field.
type FieldError struct {
	Field   string
	Code    string
	Message string
}

// UpstreamDetail is what Huawei said, kept so the problem body can show it.
type UpstreamDetail struct {
	Operation  string // SDK operation name, e.g. "UpdateCustomerAccountAmount"
	HTTPStatus int    // 0 when no answer arrived
	Code       string // Huawei error_code, e.g. "CBC.99005003"
	Message    string // Huawei error_msg; never contains our secrets
	Outcome    Outcome
}

// Error is the one error type the domain speaks. Message is safe to show to
// clients; Err is the cause, logged but never shown.
type Error struct {
	Code       Code
	Message    string
	Fields     []FieldError
	Upstream   *UpstreamDetail
	RetryAfter time.Duration
	Err        error
}

func (e *Error) Error() string {
	msg := string(e.Code)
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Upstream != nil {
		msg += fmt.Sprintf(" (upstream %s %s %d %s)", e.Upstream.Operation, e.Upstream.Outcome, e.Upstream.HTTPStatus, e.Upstream.Code)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, domain.ErrNotFound) match any *Error with that code,
// so callers test the vocabulary, never message strings.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Retryable reports whether the same request may be sent again unchanged.
func (e *Error) Retryable() bool {
	switch e.Code {
	case CodeRateLimited, CodeAccountLocked, CodeInProgress, CodeUnavailable, CodeUpstreamThrottled, CodeUpstreamUnavailable:
		return true
	}
	return false
}

// Sentinels for errors.Is. Do not return them directly when a message or cause
// helps; build an *Error with the same Code (Errorf, Wrap).
var (
	ErrInvalid             = &Error{Code: CodeInvalid}
	ErrValidation          = &Error{Code: CodeValidation}
	ErrUnauthenticated     = &Error{Code: CodeUnauthenticated}
	ErrForbidden           = &Error{Code: CodeForbidden}
	ErrNotFound            = &Error{Code: CodeNotFound}
	ErrConflict            = &Error{Code: CodeConflict}
	ErrAlreadyExists       = &Error{Code: CodeAlreadyExists}
	ErrRateLimited         = &Error{Code: CodeRateLimited}
	ErrAccountLocked       = &Error{Code: CodeAccountLocked}
	ErrUnavailable         = &Error{Code: CodeUnavailable}
	ErrInsufficientBalance = &Error{Code: CodeInsufficientBalance}
	ErrUpstreamRejected    = &Error{Code: CodeUpstreamRejected}
	ErrUpstreamNotFound    = &Error{Code: CodeUpstreamNotFound}
	ErrUpstreamInvalid     = &Error{Code: CodeUpstreamInvalid}
	ErrUpstreamForbidden   = &Error{Code: CodeUpstreamForbidden}
	ErrUpstreamThrottled   = &Error{Code: CodeUpstreamThrottled}
	ErrUpstreamUnavailable = &Error{Code: CodeUpstreamUnavailable}
	ErrUpstreamUnknown     = &Error{Code: CodeUpstreamUnknown}
	ErrVerificationCode    = &Error{Code: CodeVerificationCode}
	ErrStepUpRequired      = &Error{Code: CodeStepUpRequired}
	ErrStepUpInvalid       = &Error{Code: CodeStepUpInvalid}
	ErrStepUpExpired       = &Error{Code: CodeStepUpExpired}
	ErrStepUpReplayed      = &Error{Code: CodeStepUpReplayed}
	ErrStepUpMismatch      = &Error{Code: CodeStepUpMismatch}
	ErrStepUpCodeInvalid   = &Error{Code: CodeStepUpCodeInvalid}
	ErrStepUpLocked        = &Error{Code: CodeStepUpLocked}
	ErrTOTPNotEnrolled     = &Error{Code: CodeTOTPNotEnrolled}
	ErrTOTPEnrolled        = &Error{Code: CodeTOTPEnrolled}
)

// Errorf builds an *Error with a client-safe message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap builds an *Error that keeps cause for logs but shows only message.
func Wrap(cause error, code Code, message string) *Error {
	return &Error{Code: code, Message: message, Err: cause}
}

// ErrorCode returns the code of err's *Error, or CodeInternal.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// UpstreamOutcome returns the outcome of an upstream failure; errors that did
// not come from the upstream adapter are OutcomeUnknown, the safe assumption.
func UpstreamOutcome(err error) Outcome {
	var e *Error
	if errors.As(err, &e) && e.Upstream != nil {
		return e.Upstream.Outcome
	}
	return OutcomeUnknown
}
