package http

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/partnerlab/storefront/internal/domain"
)

// Problem is an RFC 9457 problem document with our extensions.
type Problem struct {
	Type      string          `json:"type"`
	Title     string          `json:"title"`
	Status    int             `json:"status"`
	Detail    string          `json:"detail,omitempty"`
	Code      domain.Code     `json:"code"`
	RequestID string          `json:"request_id"`
	Retryable bool            `json:"retryable"`
	Errors    []FieldError    `json:"errors,omitempty"`
	Upstream  *UpstreamReport `json:"upstream,omitempty"`
}

// FieldError is one entry of Problem.Errors.
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// UpstreamReport is what Huawei answered.
type UpstreamReport struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// problemTypeBase prefixes every problem type URI.
const problemTypeBase = "urn:storefront:problem:"

// statusOf is the one table from domain codes to HTTP (docs/design.md §8).
var statusOf = map[domain.Code]struct {
	status int
	title  string
}{
	domain.CodeInvalid:             {http.StatusBadRequest, "Bad request"},
	domain.CodeValidation:          {http.StatusBadRequest, "Validation failed"},
	domain.CodeUnauthenticated:     {http.StatusUnauthorized, "Unauthenticated"},
	domain.CodeForbidden:           {http.StatusForbidden, "Forbidden"},
	domain.CodeNotFound:            {http.StatusNotFound, "Not found"},
	domain.CodeConflict:            {http.StatusConflict, "Conflict"},
	domain.CodeAlreadyExists:       {http.StatusConflict, "Already exists"},
	domain.CodeIdempotencyReuse:    {http.StatusUnprocessableEntity, "Idempotency key reused with another request"},
	domain.CodeInProgress:          {http.StatusConflict, "Request in progress"},
	domain.CodeRateLimited:         {http.StatusTooManyRequests, "Too many requests"},
	domain.CodeAccountLocked:       {http.StatusTooManyRequests, "Too many failed logins"},
	domain.CodeAccountDisabled:     {http.StatusUnauthorized, "Account disabled"},
	domain.CodeInternal:            {http.StatusInternalServerError, "Internal error"},
	domain.CodeUnavailable:         {http.StatusServiceUnavailable, "Service unavailable"},
	domain.CodeInsufficientBalance: {http.StatusConflict, "Insufficient balance"},
	domain.CodeUpstreamRejected:    {http.StatusUnprocessableEntity, "Huawei Cloud refused the operation"},
	domain.CodeUpstreamNotFound:    {http.StatusNotFound, "Not found at Huawei Cloud"},
	domain.CodeUpstreamInvalid:     {http.StatusUnprocessableEntity, "Huawei Cloud refused a field"},
	domain.CodeUpstreamForbidden:   {http.StatusBadGateway, "Huawei Cloud refused our credentials"},
	domain.CodeUpstreamThrottled:   {http.StatusServiceUnavailable, "Huawei Cloud is throttling"},
	domain.CodeUpstreamUnavailable: {http.StatusServiceUnavailable, "Huawei Cloud is unavailable"},
	domain.CodeUpstreamUnknown:     {http.StatusBadGateway, "Outcome at Huawei Cloud unknown; being checked"},
	domain.CodeVerificationCode:    {http.StatusUnprocessableEntity, "Verification code invalid"},
	domain.CodeStepUpRequired:      {http.StatusForbidden, "Step-up required"},
	domain.CodeStepUpInvalid:       {http.StatusForbidden, "Step-up challenge invalid"},
	domain.CodeStepUpExpired:       {http.StatusForbidden, "Step-up challenge expired"},
	domain.CodeStepUpReplayed:      {http.StatusForbidden, "Step-up already used"},
	domain.CodeStepUpMismatch:      {http.StatusForbidden, "Step-up challenge is for another operation"},
	domain.CodeStepUpCodeInvalid:   {http.StatusForbidden, "Step-up code invalid"},
	domain.CodeStepUpLocked:        {http.StatusForbidden, "Step-up challenge locked"},
	domain.CodeTOTPNotEnrolled:     {http.StatusForbidden, "TOTP not enrolled"},
	domain.CodeTOTPEnrolled:        {http.StatusConflict, "TOTP already enrolled"},
	codeNotAcceptable:              {http.StatusNotAcceptable, "Not acceptable"},
	codeMethodNotAllowed:           {http.StatusMethodNotAllowed, "Method not allowed"},
	codePayloadTooLarge:            {http.StatusRequestEntityTooLarge, "Payload too large"},
	codeUnsupportedMediaType:       {http.StatusUnsupportedMediaType, "Unsupported media type"},
	codeNotReady:                   {http.StatusServiceUnavailable, "Not ready"},
	codeHeaderTooLarge:             {http.StatusRequestHeaderFieldsTooLarge, "Request header fields too large"},

	// Money: the request is fine, the balances or the customer's state are not.
	domain.CodeInsufficientPartnerBalance:  {http.StatusConflict, "The partner's allocatable balance is too low"},
	domain.CodeInsufficientCustomerBalance: {http.StatusConflict, "The customer's available balance is too low"},
	domain.CodeCustomerNotRegistered:       {http.StatusConflict, "The customer has no Huawei Cloud account yet"},

	// Commerce (docs/design.md §11).
	domain.CodeQuoteExpired:         {http.StatusConflict, "The quote has expired"},
	domain.CodeQuoteUsed:            {http.StatusConflict, "The quote has already been ordered"},
	domain.CodePriceChanged:         {http.StatusConflict, "Huawei's price changed since the quote"},
	domain.CodeCustomerNotVerified:  {http.StatusForbidden, "The customer's real name is not verified"},
	domain.CodeCustomerFrozen:       {http.StatusForbidden, "The customer is frozen"},
	domain.CodeOrderNotCancellable:  {http.StatusConflict, "The order can no longer be cancelled"},
	domain.CodeFeeNotAccepted:       {http.StatusConflict, "A handling fee applies and was not accepted"},
	domain.CodeResourceNotPrimary:   {http.StatusConflict, "Not a primary resource"},
	domain.CodeResourceNotActive:    {http.StatusConflict, "The resource is not active"},
	domain.CodeResourceUnpaidOrder:  {http.StatusConflict, "The resource is in an unpaid order"},
	domain.CodeResourceNotRenewable: {http.StatusConflict, "The resource cannot be renewed"},
}

// HTTP-only codes: they describe the request's envelope, not a domain rule.
const (
	codeNotAcceptable        domain.Code = "not_acceptable"
	codeMethodNotAllowed     domain.Code = "method_not_allowed"
	codePayloadTooLarge                  = domain.CodePayloadTooLarge      // also a domain rule (uploads)
	codeUnsupportedMediaType             = domain.CodeUnsupportedMediaType // also a domain rule (uploads)
	codeNotReady             domain.Code = "not_ready"
	codeHeaderTooLarge       domain.Code = "header_too_large"
)

// writeError renders err as a problem. Errors outside the domain vocabulary
// are logged once with the request id and shown as a bare 500.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var de *domain.Error
	if !errors.As(err, &de) {
		s.log.ErrorContext(r.Context(), "internal error", slog.String("request_id", requestID(r.Context())), slog.Any("error", err))
		de = &domain.Error{Code: domain.CodeInternal}
	} else if de.Err != nil || de.Upstream != nil {
		// Keep causes in the log, never in the body.
		s.log.WarnContext(r.Context(), "request failed", slog.String("request_id", requestID(r.Context())),
			slog.String("code", string(de.Code)), slog.Any("error", err))
	}
	p := problemOf(de, requestID(r.Context()))
	if de.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((de.RetryAfter+999_999_999)/1_000_000_000)))
	}
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="storefront"`)
	}
	writeProblem(w, p)
}

func problemOf(de *domain.Error, reqID string) Problem {
	m, ok := statusOf[de.Code]
	if !ok {
		m = statusOf[domain.CodeInternal]
	}
	p := Problem{
		Type:      problemTypeBase + string(de.Code),
		Title:     m.title,
		Status:    m.status,
		Detail:    de.Message,
		Code:      de.Code,
		RequestID: reqID,
		Retryable: de.Retryable() || m.status == http.StatusServiceUnavailable,
	}
	for _, f := range de.Fields {
		p.Errors = append(p.Errors, FieldError(f))
	}
	if de.Upstream != nil && de.Upstream.Code != "" {
		p.Upstream = &UpstreamReport{Code: de.Upstream.Code, Message: de.Upstream.Message}
	}
	return p
}

func writeProblem(w http.ResponseWriter, p Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}
