package huawei

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"syscall"
	"testing"
	"unicode/utf8"

	"github.com/partnerlab/storefront/internal/domain"
)

// The classification table, one row per documented class. Wire-level
// behaviour is tested against the simulator; this pins the rules,
// including bodies the simulator never sends.
func TestClassify(t *testing.T) {
	t.Parallel()
	money, read := effectOp("UpdateCustomerAccountAmount"), readOp("ListCustomerOrders")
	cbc := func(code string) []byte { return fmt.Appendf(nil, `{"error_code":%q,"error_msg":"m"}`, code) }
	dial := &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}}
	reset := &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}}
	cases := []struct {
		name    string
		op      opSpec
		f       failure
		code    domain.Code
		outcome domain.Outcome
		huawei  string
	}{
		{"insufficient balance", money, failure{status: 400, body: cbc("CBC.99005003")}, domain.CodeInsufficientBalance, domain.OutcomeDefinite, "CBC.99005003"},
		{"old insufficient balance", money, failure{status: 400, body: cbc("CBC.5003")}, domain.CodeInsufficientBalance, domain.OutcomeDefinite, "CBC.5003"},
		{"not found", money, failure{status: 400, body: cbc("CBC.99000035")}, domain.CodeUpstreamNotFound, domain.OutcomeDefinite, "CBC.99000035"},
		{"parameter", money, failure{status: 400, body: cbc("CBC.0100")}, domain.CodeUpstreamInvalid, domain.OutcomeDefinite, "CBC.0100"},
		{"parameter invalid", read, failure{status: 400, body: cbc("CBC.0101")}, domain.CodeUpstreamInvalid, domain.OutcomeDefinite, "CBC.0101"},
		{"access denied", money, failure{status: 403, body: cbc("CBC.0151")}, domain.CodeUpstreamForbidden, domain.OutcomeDefinite, "CBC.0151"},
		{"credential kind", money, failure{status: 403, body: cbc("CBC.0155")}, domain.CodeUpstreamForbidden, domain.OutcomeDefinite, "CBC.0155"},
		{"illegal operation", money, failure{status: 403, body: cbc("CBC.0150")}, domain.CodeUpstreamForbidden, domain.OutcomeDefinite, "CBC.0150"},
		{"duplicate xaccount", money, failure{status: 400, body: cbc("CBC.99000039")}, domain.CodeAlreadyExists, domain.OutcomeDefinite, "CBC.99000039"},
		{"wrong sms code", money, failure{status: 400, body: cbc("CBC.99004010")}, domain.CodeVerificationCode, domain.OutcomeDefinite, "CBC.99004010"},
		{"other 4xx", money, failure{status: 400, body: cbc("CBC.99003106")}, domain.CodeUpstreamRejected, domain.OutcomeDefinite, "CBC.99003106"},
		{"unknown code 409", money, failure{status: 409, body: cbc("X.1")}, domain.CodeUpstreamRejected, domain.OutcomeDefinite, "X.1"},
		{"404 without code", read, failure{status: 404, body: []byte("not here")}, domain.CodeUpstreamNotFound, domain.OutcomeDefinite, ""},
		{"keystone body", read, failure{status: 404, body: []byte(`{"error":{"code":404,"message":"Could not find agency","title":"Not Found"}}`)}, domain.CodeUpstreamNotFound, domain.OutcomeDefinite, "404"},
		{"auth 401", money, failure{status: 401, body: []byte(`{"error_msg":"verify aksk signature fail","error_code":"APIG.0301","request_id":"r"}`)}, domain.CodeUpstreamForbidden, domain.OutcomeDefinite, "APIG.0301"},
		{"401 whatever the body", money, failure{status: 401, body: cbc("CBC.0100")}, domain.CodeUpstreamForbidden, domain.OutcomeDefinite, "CBC.0100"},
		{"gateway 429", money, failure{status: 429, body: []byte(`{"status_code":429,"request_id":"r","error_code":"APIGW.0308","error_message":"The throttling threshold has been reached","encoded_authorization_message":""}`)}, domain.CodeUpstreamThrottled, domain.OutcomeRetryable, "APIGW.0308"},
		{"old gateway 429", money, failure{status: 429, body: []byte(`{"error_code":"APIG.0308","error_msg":"over ratelimit"}`)}, domain.CodeUpstreamThrottled, domain.OutcomeRetryable, "APIG.0308"},
		{"cbc 429", read, failure{status: 429, body: cbc("CBC.0250")}, domain.CodeUpstreamThrottled, domain.OutcomeRetryable, "CBC.0250"},
		{"too frequent", money, failure{status: 400, body: cbc("CBC.99008040")}, domain.CodeUpstreamThrottled, domain.OutcomeRetryable, "CBC.99008040"},
		{"5xx on money", money, failure{status: 500, body: cbc("CBC.0999")}, domain.CodeUpstreamUnknown, domain.OutcomeUnknown, "CBC.0999"},
		{"5xx on read", read, failure{status: 500, body: cbc("CBC.0999")}, domain.CodeUpstreamUnavailable, domain.OutcomeRetryable, "CBC.0999"},
		{"502 html on money", money, failure{status: 502, body: []byte("<html>bad gateway</html>")}, domain.CodeUpstreamUnknown, domain.OutcomeUnknown, ""},
		{"half success", effectOp("CreateSubCustomer"), failure{status: 500, body: []byte(`{"error_code":"CBC.99000050","error_msg":"t","domain_id":"d1","domain_name":"n"}`)}, domain.CodeUpstreamUnknown, domain.OutcomeUnknown, "CBC.99000050"},
		{"undecodable 2xx on money", money, failure{status: 200, undecoded: true}, domain.CodeUpstreamUnknown, domain.OutcomeUnknown, ""},
		{"undecodable 2xx on read", read, failure{status: 200, undecoded: true}, domain.CodeUpstreamUnavailable, domain.OutcomeRetryable, ""},
		{"redirect on money", money, failure{status: 302}, domain.CodeUpstreamUnknown, domain.OutcomeUnknown, ""},
		{"business error in a 200", read, failure{status: 200, code: "CBC.0100", msg: "bad"}, domain.CodeUpstreamInvalid, domain.OutcomeDefinite, "CBC.0100"},
		{"dial refused on money", money, failure{transport: dial, sent: true}, domain.CodeUpstreamUnavailable, domain.OutcomeRetryable, ""},
		{"never written", money, failure{transport: errors.New("x"), sent: false}, domain.CodeUpstreamUnavailable, domain.OutcomeRetryable, ""},
		{"reset after sending money", money, failure{transport: reset, sent: true}, domain.CodeUpstreamUnknown, domain.OutcomeUnknown, ""},
		{"timeout after sending money", money, failure{transport: context.DeadlineExceeded, sent: true, deadline: true}, domain.CodeUpstreamUnknown, domain.OutcomeUnknown, ""},
		{"timeout on read", read, failure{transport: context.DeadlineExceeded, sent: true, deadline: true}, domain.CodeUpstreamUnavailable, domain.OutcomeRetryable, ""},
		{"limiter", money, failure{notSentWhy: errLimitWait.Error()}, domain.CodeUpstreamThrottled, domain.OutcomeRetryable, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := classify(tc.op, tc.f)
			if e.Code != tc.code || e.Upstream.Outcome != tc.outcome || e.Upstream.Code != tc.huawei {
				t.Fatalf("got %s/%s/%q, want %s/%s/%q", e.Code, e.Upstream.Outcome, e.Upstream.Code, tc.code, tc.outcome, tc.huawei)
			}
			if e.Upstream.Operation != tc.op.name || e.Upstream.HTTPStatus != tc.f.status {
				t.Fatalf("detail %+v", e.Upstream)
			}
			if e.Retryable() != (tc.outcome == domain.OutcomeRetryable) {
				t.Fatalf("Retryable() %t for %s", e.Retryable(), tc.outcome)
			}
		})
	}
}

func TestParseBodyMessages(t *testing.T) {
	t.Parallel()
	h := parseBody([]byte(`{"status_code":429,"error_code":"APIGW.0308","error_message":"threshold reached"}`))
	if h.code != "APIGW.0308" || h.msg != "threshold reached" {
		t.Fatalf("%+v", h)
	}
	h = parseBody([]byte(`{"error_code":"CBC.99000050","error_msg":"timeout","domain_id":"abc","domain_name":"n1"}`))
	if h.domainID != "abc" || h.domainName != "n1" {
		t.Fatalf("%+v", h)
	}
	long := make([]byte, 5000)
	for i := range long {
		long[i] = 'x'
	}
	if h = parseBody(long); len(h.msg) > 520 {
		t.Fatalf("message of %d bytes kept", len(h.msg))
	}
}

// FuzzClassify: whatever status and body Huawei (or anything between) sends,
// the mapping is total and keeps the invariants the callers rely on.
// Seeds are in testdata/fuzz/FuzzClassify.
func FuzzClassify(f *testing.F) {
	f.Add(400, []byte(`{"error_code":"CBC.99005003","error_msg":"Insufficient balance."}`), true)
	f.Add(500, []byte(`{"error_code":"CBC.99000050","error_msg":"t","domain_id":"d"}`), false)
	f.Fuzz(func(t *testing.T, status int, body []byte, effect bool) {
		op := opSpec{name: "Op", limit: 10, effect: effect}
		f := failure{status: status, body: body}
		if status >= 200 && status < 300 && len(body)%2 == 1 {
			f = failure{status: status, undecoded: true}
		}
		e := classify(op, f)
		if e == nil || e.Upstream == nil {
			t.Fatal("nil classification")
		}
		u := e.Upstream
		if u.Operation != "Op" || u.HTTPStatus != status {
			t.Fatalf("detail %+v", u)
		}
		switch u.Outcome {
		case domain.OutcomeUnknown:
			if e.Code != domain.CodeUpstreamUnknown {
				t.Fatalf("unknown outcome with code %s", e.Code)
			}
			if !effect {
				t.Fatalf("a read classified unknown: %d %q", status, body)
			}
			if status >= 400 && status < 500 {
				t.Fatalf("a 4xx classified unknown: %d %q", status, body)
			}
		case domain.OutcomeRetryable:
			if !e.Retryable() {
				t.Fatalf("retryable outcome, code %s not retryable", e.Code)
			}
		case domain.OutcomeDefinite:
			if e.Retryable() || e.Code == domain.CodeUpstreamUnknown {
				t.Fatalf("definite outcome with %s", e.Code)
			}
			if status >= 500 || status < 200 || (status >= 300 && status < 400) {
				t.Fatalf("status %d classified definite", status)
			}
		default:
			t.Fatalf("outcome %q", u.Outcome)
		}
		if status == 429 && e.Code != domain.CodeUpstreamThrottled {
			t.Fatalf("429 → %s", e.Code)
		}
		if effect && status >= 500 && u.Outcome != domain.OutcomeUnknown {
			t.Fatalf("5xx on a money call → %s", u.Outcome)
		}
		if !utf8.ValidString(u.Message) || len(u.Message) > 520 || !utf8.ValidString(e.Message) {
			t.Fatalf("message %q", u.Message)
		}
	})
}
