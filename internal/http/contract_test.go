package http_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// TestContractCheck: the response check the harness runs on every request
// does refuse responses that break the spec, so its silence means something.
func TestContractCheck(t *testing.T) {
	t.Parallel()
	spec := loadSpec(t)
	router, err := gorillamux.NewRouter(spec)
	if err != nil {
		t.Fatal(err)
	}
	problemSchema := spec.Components.Schemas["Problem"]
	const okProblem = `{"type":"urn:storefront:problem:not_found","title":"Not found","status":404,"code":"not_found","request_id":"req_1","retryable":false}`
	const staff = `{"id":"0190a6e4-8f3a-7cde-8000-000000000001","email":"a@example.com","roles":["admin"],"status":"active","created_at":"2026-01-01T00:00:00Z"}`
	const me = `{"id":"0190a6e4-8f3a-7cde-8000-000000000001","kind":"user","email":"a@example.com","status":"active","roles":["customer"],"scopes":[],"created_at":"2026-01-01T00:00:00Z"}`

	cases := []struct {
		name, method, path string
		status             int
		ct, body           string
		header             map[string]string
		ok                 bool
	}{
		{"valid me", "GET", "/v1/me", 200, "application/json", me, nil, true},
		{"me missing roles", "GET", "/v1/me", 200, "application/json", `{"id":"0190a6e4-8f3a-7cde-8000-000000000001","kind":"user","status":"active","scopes":[],"created_at":"2026-01-01T00:00:00Z"}`, nil, false},
		{"me with an unknown role", "GET", "/v1/me", 200, "application/json", `{"id":"0190a6e4-8f3a-7cde-8000-000000000001","kind":"user","status":"active","roles":["root"],"scopes":[],"created_at":"2026-01-01T00:00:00Z"}`, nil, false},
		{"me as text", "GET", "/v1/me", 200, "text/plain", "hello", nil, false},
		{"valid staff", "GET", "/v1/staff/0190a6e4-8f3a-7cde-8000-000000000001", 200, "application/json", staff, nil, true},
		{"staff with a bad email", "GET", "/v1/staff/0190a6e4-8f3a-7cde-8000-000000000001", 200, "application/json",
			strings.Replace(staff, "a@example.com", "Bob <a@example.com>", 1), nil, false},
		{"me with a bad id", "GET", "/v1/me", 200, "application/json", strings.Replace(me, "0190a6e4-", "0190a6e4", 1), nil, false},
		{"valid problem", "GET", "/v1/me", 401, "application/problem+json", okProblem, nil, true},
		{"problem without code", "GET", "/v1/me", 401, "application/problem+json", `{"type":"x","title":"x","status":401,"request_id":"r","retryable":false}`, nil, false},
		{"error as plain JSON", "GET", "/v1/me", 401, "application/json", okProblem, nil, false},
		{"header out of range", "GET", "/healthz", 200, "application/json", `{"status":"ok"}`, map[string]string{"RateLimit-Limit": "-1"}, false},
		{"valid health", "GET", "/healthz", 200, "application/json", `{"status":"ok"}`, nil, true},
		{"bad health", "GET", "/healthz", 200, "application/json", `{"status":"fine"}`, nil, false},
		{"unrouted problem", "GET", "/nowhere", 404, "application/problem+json", okProblem, nil, true},
		{"unrouted text", "GET", "/nowhere", 404, "text/plain", "404 page not found", nil, false},
		{"unrouted bad problem", "POST", "/healthz", 405, "application/problem+json", `{"code":"x"}`, nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(c.method, c.path, nil)
			res := &http.Response{StatusCode: c.status, Header: http.Header{"Content-Type": {c.ct}}}
			for k, v := range c.header {
				res.Header.Set(k, v)
			}
			err := checkResponse(r, res, []byte(c.body), router, problemSchema)
			if (err == nil) != c.ok {
				t.Fatalf("checkResponse = %v, want ok=%v", err, c.ok)
			}
		})
	}
}
