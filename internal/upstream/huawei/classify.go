package huawei

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/request"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/response"

	"github.com/partnerlab/storefront/internal/domain"
)

// opSpec is what the machinery knows about one SDK operation.
type opSpec struct {
	name  string // SDK operation name, as in UpstreamDetail.Operation
	limit int    // requests per second, Huawei's published figure
	// effect: the call changes something upstream (money, a customer, an
	// order, a resource, a setting). An answer lost after sending is then
	// an unknown outcome; for a pure read it is merely retryable.
	effect bool
}

func readOp(name string) opSpec { return opSpec{name: name, limit: publishedLimit(name)} }
func effectOp(name string) opSpec {
	return opSpec{name: name, limit: publishedLimit(name), effect: true}
}

// publishedLimit is docs/huawei-bss.md §8.9; Huawei states 10/s for the rest.
func publishedLimit(op string) int {
	switch op {
	case "CheckUserIdentity":
		return 5
	case "ListOnDemandResourceRatings", "ListPartnerAccountChangeRecords":
		return 20
	case "ListRateOnPeriodDetail":
		return 30
	}
	return 10
}

// failure is one failed exchange, as seen on the wire.
type failure struct {
	status     int    // HTTP status; 0 when no answer arrived
	code, msg  string // Huawei's error_code and message, when known
	body       []byte // the error body, parsed when code is empty
	undecoded  bool   // a success status whose body the SDK could not decode
	transport  error  // no (complete) answer: dial, reset, timeout, cancel
	sent       bool   // the request may have left this process
	deadline   bool   // the call's context ended
	notSentWhy string // for errLimitWait and other refusals before sending
}

// huaweiBody is what an error body says, whichever of Huawei's shapes it
// has: CBC {"error_code","error_msg"}, the gateway's throttling body with
// "error_message" (which the SDK does not read, so its ErrorCode is empty),
// {"code","message"}, or Keystone's {"error":{"code":404,"message"}}.
type huaweiBody struct {
	code, msg            string
	domainID, domainName string // CreateSubCustomer's half success
}

func parseBody(b []byte) huaweiBody {
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return huaweiBody{msg: snippet(string(b))}
	}
	var h huaweiBody
	h.code = firstString(m, "error_code", "code")
	h.msg = firstString(m, "error_msg", "error_message", "message")
	if inner, ok := m["error"].(map[string]any); ok && h.code == "" {
		h.code = firstString(inner, "error_code", "code")
		if n, ok := inner["code"].(float64); ok && h.code == "" {
			h.code = strconv.FormatFloat(n, 'f', -1, 64)
		}
		if h.msg == "" {
			h.msg = firstString(inner, "message", "error_msg", "title")
		}
	}
	h.domainID, _ = m["domain_id"].(string)
	h.domainName, _ = m["domain_name"].(string)
	h.msg = snippet(h.msg)
	return h
}

func firstString(m map[string]any, keys ...string) string {
	for _, k := range keys {
		if s, ok := m[k].(string); ok && s != "" {
			return s
		}
	}
	return ""
}

// snippet keeps a message short and printable: upstream text ends up in
// problem bodies and logs.
func snippet(s string) string {
	s = strings.TrimSpace(strings.ToValidUTF8(s, "?"))
	const max = 512
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' {
			return ' '
		}
		return r
	}, s)
}

// codeClass is the table of Huawei codes whose meaning is definite
// (docs/huawei-bss.md §1–§8). Codes not listed fall back on the HTTP status.
func codeClass(code string) (domain.Code, bool) {
	switch code {
	case "CBC.99005003", "CBC.5003":
		return domain.CodeInsufficientBalance, true
	case "CBC.30000010", // invalid order (maybe not found)
		"CBC.99003012", "CBC.99003016", "CBC.30050009", "CBC.5042", "CBC.30000067", // resources
		"CBC.5002", "CBC.99000035", "CBC.99000047", // customer not the partner's / no such account
		"CBC.99006006", "CBC.6006", "CBC.99006073": // product / project not found
		return domain.CodeUpstreamNotFound, true
	case "CBC.0100", "CBC.0101", "CBC.5017", "CBC.99000031", "CBC.99000036",
		"CBC.99000099", "CBC.99000100", "CBC.99006050", "CBC.99006074", "CBC.30050012", "CBC.6001",
		"Ecs.0005", "EVS.1008", "EVS.1009", "EVS.1010": // the native create APIs' parameter errors
		return domain.CodeUpstreamInvalid, true
	case "CBC.0105", "CBC.0150", "CBC.0151", "CBC.0154", "CBC.0155", "CBC.0156",
		"CBC.5001", "CBC.5004", "CBC.5021", "CBC.99000000", "CBC.99000037",
		"CBC.18000016", "CBC.99005030", "CBC.99005035",
		"APIG.0301", "APIGW.0301", "APIG.0302", "APIGW.0302":
		return domain.CodeUpstreamForbidden, true
	case "CBC.99000038", "CBC.99000029", "CBC.99000039", "CBC.99000051", // create customer
		"CBC.99007188", // real name already verified or under review
		"CBC.30000052": // already frozen
		return domain.CodeAlreadyExists, true
	case "CBC.99004008", "CBC.99004009", "CBC.99004010", "CBC.99000027":
		return domain.CodeVerificationCode, true
	case "APIGW.0308", "APIG.0308", "CBC.0250", // gateway / BSS flow control
		"CBC.99008040", "CBC.99007197", // operation too frequent, IP limited
		"CBC.99004015", "CBC.99000082": // SMS caps
		return domain.CodeUpstreamThrottled, true
	}
	return "", false
}

// classify turns a failure into the domain vocabulary. It is a pure
// function of the operation and what the wire said, so it can be fuzzed.
func classify(op opSpec, f failure) *domain.Error {
	if f.code == "" && len(f.body) > 0 {
		h := parseBody(f.body)
		f.code, f.msg = h.code, h.msg
	}
	unknownOr := func(why string) *domain.Error {
		if op.effect {
			return newErr(op, f, domain.CodeUpstreamUnknown, domain.OutcomeUnknown, why+"; it may have taken effect: read back before deciding")
		}
		return newErr(op, f, domain.CodeUpstreamUnavailable, domain.OutcomeRetryable, why)
	}

	switch {
	case f.notSentWhy != "":
		if f.notSentWhy == errLimitWait.Error() {
			e := newErr(op, f, domain.CodeUpstreamThrottled, domain.OutcomeRetryable, "waiting for a client-side rate-limit slot ran out of time; nothing was sent")
			e.RetryAfter = time.Second
			return e
		}
		return newErr(op, f, domain.CodeUpstreamUnavailable, domain.OutcomeRetryable, f.notSentWhy+"; nothing was sent")

	case f.transport != nil:
		if !f.sent || isDialError(f.transport) {
			return newErr(op, f, domain.CodeUpstreamUnavailable, domain.OutcomeRetryable, "could not reach Huawei; nothing was sent")
		}
		if f.deadline {
			return unknownOr("no answer before the deadline")
		}
		return unknownOr("the connection failed before a complete answer")

	case f.undecoded:
		return unknownOr("Huawei's answer could not be decoded")

	case f.status == 429:
		e := newErr(op, f, domain.CodeUpstreamThrottled, domain.OutcomeRetryable, "throttled by Huawei; nothing happened")
		e.RetryAfter = time.Second
		return e

	case f.status >= 500:
		if op.effect && f.code == "CBC.99000050" {
			return newErr(op, f, domain.CodeUpstreamUnknown, domain.OutcomeUnknown,
				"the account was created but its association is unconfirmed: confirm with ListSubCustomers, never create again")
		}
		return unknownOr(fmt.Sprintf("Huawei answered %d", f.status))

	case f.status == 401:
		// Authentication failed at the gateway, whatever the body says.
		return newErr(op, f, domain.CodeUpstreamForbidden, domain.OutcomeDefinite, describe(domain.CodeUpstreamForbidden))

	case f.status >= 400:
		if code, ok := codeClass(f.code); ok {
			outcome := domain.OutcomeDefinite
			var retryAfter time.Duration
			if code == domain.CodeUpstreamThrottled {
				outcome = domain.OutcomeRetryable
				if !smsCap(f.code) { // the SMS caps last an hour or a day
					retryAfter = time.Second
				}
			}
			e := newErr(op, f, code, outcome, describe(code))
			e.RetryAfter = retryAfter
			return e
		}
		switch f.status {
		case 403:
			return newErr(op, f, domain.CodeUpstreamForbidden, domain.OutcomeDefinite, describe(domain.CodeUpstreamForbidden))
		case 404:
			return newErr(op, f, domain.CodeUpstreamNotFound, domain.OutcomeDefinite, describe(domain.CodeUpstreamNotFound))
		}
		return newErr(op, f, domain.CodeUpstreamRejected, domain.OutcomeDefinite, describe(domain.CodeUpstreamRejected))

	case f.status >= 200 && f.status < 300 && f.code != "":
		// A business error inside a success answer (old-style CBC bodies).
		if code, ok := codeClass(f.code); ok {
			outcome := domain.OutcomeDefinite
			if code == domain.CodeUpstreamThrottled {
				outcome = domain.OutcomeRetryable
			}
			return newErr(op, f, code, outcome, describe(code))
		}
		return newErr(op, f, domain.CodeUpstreamRejected, domain.OutcomeDefinite, describe(domain.CodeUpstreamRejected))
	}
	// 1xx, 3xx (the SDK would call a redirect a success) or no status at all.
	return unknownOr(fmt.Sprintf("unexpected answer %d", f.status))
}

func smsCap(code string) bool { return code == "CBC.99004015" || code == "CBC.99000082" }

func describe(code domain.Code) string {
	switch code {
	case domain.CodeInsufficientBalance:
		return "insufficient balance"
	case domain.CodeUpstreamNotFound:
		return "Huawei does not know the object"
	case domain.CodeUpstreamInvalid:
		return "Huawei refused a field"
	case domain.CodeUpstreamForbidden:
		return "Huawei refused the credential or the operation"
	case domain.CodeAlreadyExists:
		return "it already exists at Huawei"
	case domain.CodeVerificationCode:
		return "the verification code is wrong, expired or used up"
	case domain.CodeUpstreamThrottled:
		return "Huawei says too many requests; nothing happened"
	}
	return "Huawei refused the request"
}

func newErr(op opSpec, f failure, code domain.Code, outcome domain.Outcome, why string) *domain.Error {
	return &domain.Error{
		Code:    code,
		Message: "huawei " + op.name + ": " + why,
		Upstream: &domain.UpstreamDetail{
			Operation:  op.name,
			HTTPStatus: f.status,
			Code:       f.code,
			Message:    f.msg,
			Outcome:    outcome,
		},
	}
}

// isDialError: the connection was never made, so nothing was sent.
func isDialError(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns) || errors.Is(err, syscall.ECONNREFUSED)
}

// httpError is what errorHandler returns for every non-2xx answer, keeping
// the raw body: the SDK's own parser drops the gateway's error_message code
// and CreateSubCustomer's domain_id.
type httpError struct {
	status    int
	body      []byte
	requestID string
}

func (e *httpError) Error() string {
	return fmt.Sprintf("huawei answered HTTP %d (request %s)", e.status, e.requestID)
}

// errorHandler replaces the SDK's, which treats 3xx as success.
type errorHandler struct{}

func (errorHandler) HandleError(_ *request.DefaultHttpRequest, resp *response.DefaultHttpResponse) error {
	st := resp.GetStatusCode()
	if st >= 200 && st < 300 {
		return nil
	}
	e := &httpError{status: st, requestID: resp.GetHeader("X-Request-Id")}
	if resp.Response.Body != nil {
		e.body, _ = io.ReadAll(io.LimitReader(resp.Response.Body, 64<<10))
		resp.Response.Body.Close()
	}
	return e
}
