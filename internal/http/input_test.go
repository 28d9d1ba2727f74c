package http_test

import (
	"slices"
	"strings"
	"testing"
)

// TestBadInput: every kind of bad request answers a problem with a stable
// code, and none of them writes anything.
func TestBadInput(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	adm := h.admin()
	cust := h.signup("taken@example.com")
	users := h.count("users")
	audits := h.count("audit_events")

	signup := func(body any) req {
		return req{method: "POST", path: "/v1/auth/signup", body: body}
	}
	valid := `{"email":"new@example.com","password":"long-enough-1"}`
	huge := `{"email":"new@example.com","password":"long-enough-1","mobile":"` + strings.Repeat("1", 1<<20) + `"}`

	cases := []struct {
		name    string
		req     req
		status  int
		code    string
		fields  []string // errors[].field that must be named (or a path under it)
		message string   // what some errors[].message must mention
		allow   string   // Allow header of a 405
	}{
		{name: "malformed JSON", req: signup(`{"email":"new@example.com",`), status: 400, code: "validation_failed"},
		{name: "not an object", req: signup(`["new@example.com"]`), status: 400, code: "validation_failed"},
		{name: "unknown field", req: signup(`{"email":"new@example.com","password":"long-enough-1","role":"admin"}`),
			status: 400, code: "validation_failed", message: `"role"`},
		{name: "display-name email", req: signup(`{"email":"Bob <new@example.com>","password":"long-enough-1"}`), status: 400, code: "validation_failed", fields: []string{"email"}},
		{name: "wrong type", req: signup(`{"email":42,"password":"long-enough-1"}`), status: 400, code: "validation_failed", fields: []string{"email"}},
		{name: "missing required field", req: signup(`{"email":"new@example.com"}`), status: 400, code: "validation_failed", fields: []string{"password"}},
		{name: "bad email", req: signup(`{"email":"not-an-email","password":"long-enough-1"}`), status: 400, code: "validation_failed", fields: []string{"email"}},
		{name: "short password", req: signup(`{"email":"new@example.com","password":"short"}`), status: 400, code: "validation_failed", fields: []string{"password"}},
		{name: "bad mobile", req: signup(`{"email":"new@example.com","password":"long-enough-1","mobile":"12345"}`), status: 400, code: "validation_failed", fields: []string{"mobile"}},
		{name: "empty body", req: req{method: "POST", path: "/v1/auth/signup", contentType: "application/json"}, status: 400, code: "validation_failed"},
		{name: "body over 1 MiB", req: signup(huge), status: 413, code: "payload_too_large"},
		{name: "text/plain", req: req{method: "POST", path: "/v1/auth/signup", body: valid, contentType: "text/plain"}, status: 415, code: "unsupported_media_type"},
		{name: "no content type", req: req{method: "POST", path: "/v1/auth/signup", body: valid, contentType: "-"}, status: 415, code: "unsupported_media_type"},
		{name: "form where JSON is wanted", req: req{method: "POST", path: "/v1/auth/signup", body: "email=new%40example.com&password=long-enough-1",
			contentType: "application/x-www-form-urlencoded"}, status: 415, code: "unsupported_media_type"},
		{name: "wrong method", req: req{method: "DELETE", path: "/v1/auth/signup"}, status: 405, code: "method_not_allowed", allow: "POST"},
		{name: "wrong method on a collection", req: req{method: "PUT", path: "/v1/staff", token: adm.AccessToken}, status: 405, code: "method_not_allowed", allow: "GET, POST"},
		{name: "wrong method on an ops route", req: req{method: "POST", path: "/healthz"}, status: 405, code: "method_not_allowed", allow: "GET"},
		{name: "unknown route", req: req{method: "GET", path: "/v1/nothing-here"}, status: 404, code: "not_found"},
		{name: "unknown route outside /v1", req: req{method: "GET", path: "/admin"}, status: 404, code: "not_found"},
		{name: "bad path id", req: req{method: "GET", path: "/v1/staff/not-a-uuid", token: adm.AccessToken}, status: 400, code: "validation_failed", fields: []string{"id"}},
		{name: "limit out of range", req: req{method: "GET", path: "/v1/staff?limit=1000", token: adm.AccessToken}, status: 400, code: "validation_failed", fields: []string{"limit"}},
		{name: "cursor not ours", req: req{method: "GET", path: "/v1/staff?cursor=abc", token: adm.AccessToken}, status: 400, code: "validation_failed", fields: []string{"cursor"}},
		{name: "missing token", req: req{method: "POST", path: "/v1/staff", body: map[string]any{"email": "s@example.com", "password": "staff-password-1", "roles": []string{"admin"}}},
			status: 401, code: "unauthenticated"},
		{name: "invalid token", req: req{method: "POST", path: "/v1/staff", token: "x.y.z", body: map[string]any{"email": "s@example.com", "password": "staff-password-1", "roles": []string{"admin"}}},
			status: 401, code: "unauthenticated"},
		{name: "role not allowed", req: req{method: "POST", path: "/v1/staff", token: cust.AccessToken, body: map[string]any{"email": "s@example.com", "password": "staff-password-1", "roles": []string{"admin"}}},
			status: 403, code: "forbidden"},
		{name: "staff role not grantable", req: req{method: "POST", path: "/v1/staff", token: adm.AccessToken, body: map[string]any{"email": "s@example.com", "password": "staff-password-1", "roles": []string{"customer"}}},
			status: 400, code: "validation_failed", fields: []string{"roles"}},
		{name: "duplicate roles", req: req{method: "POST", path: "/v1/staff", token: adm.AccessToken, body: map[string]any{"email": "s@example.com", "password": "staff-password-1", "roles": []string{"admin", "admin"}}},
			status: 400, code: "validation_failed", fields: []string{"roles"}},
		{name: "duplicate signup email", req: signup(`{"email":"taken@example.com","password":"long-enough-1"}`), status: 409, code: "already_exists"},
		{name: "duplicate email in another case", req: signup(`{"email":"Taken@Example.COM","password":"long-enough-1"}`), status: 409, code: "already_exists"},
		{name: "duplicate staff email", req: req{method: "POST", path: "/v1/staff", token: adm.AccessToken, body: map[string]any{"email": adminEmail, "password": "staff-password-1", "roles": []string{"admin"}}},
			status: 409, code: "already_exists"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rq := c.req
			if rq.contentType == "-" {
				rq.contentType = ""
				rq.header = map[string]string{"Content-Type": ""}
			}
			res := h.do(rq)
			p := res.wantProblem(t, c.status, c.code)
			for _, f := range c.fields {
				if !slices.ContainsFunc(p.Errors, func(e fieldError) bool { return e.Field == f || strings.HasPrefix(e.Field, f+".") }) {
					t.Errorf("errors %+v do not name %q", p.Errors, f)
				}
			}
			if c.message != "" && !slices.ContainsFunc(p.Errors, func(e fieldError) bool { return strings.Contains(e.Message, c.message) }) {
				t.Errorf("errors %+v do not mention %s", p.Errors, c.message)
			}
			if c.status == 400 && c.code == "validation_failed" && len(p.Errors) == 0 {
				t.Errorf("validation_failed without errors[]")
			}
			if c.allow != "" && res.header.Get("Allow") != c.allow {
				t.Errorf("Allow %q, want %q", res.header.Get("Allow"), c.allow)
			}
			if c.status == 413 && len(res.body) > 4096 {
				t.Errorf("413 echoes the body (%d bytes)", len(res.body))
			}
		})
	}
	if n := h.count("users"); n != users {
		t.Fatalf("users %d → %d: a refused request wrote", users, n)
	}
	if n := h.count("audit_events"); n != audits {
		t.Fatalf("audit events %d → %d: a refused request wrote", audits, n)
	}
}
