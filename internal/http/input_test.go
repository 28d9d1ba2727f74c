package http_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
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
		{name: "100 KB header", req: req{method: "GET", path: "/healthz", header: map[string]string{"X-Big": strings.Repeat("a", 100<<10)}}, status: 431, code: "header_too_large"},
		{name: "100 KB header on /v1", req: req{method: "GET", path: "/v1/me", token: adm.AccessToken, header: map[string]string{"X-Big": strings.Repeat("a", 100<<10)}}, status: 431, code: "header_too_large"},
		{name: "headers over 64 KiB together", req: req{method: "GET", path: "/healthz", header: manyHeaders(20, 4<<10)}, status: 431, code: "header_too_large"},
		{name: "100 KB URL", req: req{method: "GET", path: "/v1/staff?cursor=" + strings.Repeat("a", 100<<10), token: adm.AccessToken}, status: 431, code: "header_too_large"},
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
	// Just under the limit is fine.
	h.do(req{method: "GET", path: "/v1/me", token: adm.AccessToken, header: manyHeaders(14, 4<<10)}).wantStatus(t, http.StatusOK)
}

// manyHeaders is n headers X-Pad-i of size bytes each.
func manyHeaders(n, size int) map[string]string {
	m := map[string]string{}
	for i := range n {
		m[fmt.Sprintf("X-Pad-%d", i)] = strings.Repeat("p", size)
	}
	return m
}

// TestMalformedInput: what encoding/json and the spec validator would let
// through is refused at the edge with 400 validation_failed naming the field
// (errors[].field, errors[].code): control and bidi characters, invalid
// UTF-8, trailing data, duplicate member names. Nothing is written.
func TestMalformedInput(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	adm := h.admin()
	users := h.count("users")
	clients := h.count("api_clients")
	audits := h.count("audit_events")

	login := func(body string) req { return req{method: "POST", path: "/v1/auth/login", body: body} }
	signup := func(body string) req { return req{method: "POST", path: "/v1/auth/signup", body: body} }
	staff := func(body string) req {
		return req{method: "POST", path: "/v1/staff", token: adm.AccessToken, body: body}
	}
	client := func(body string) req {
		return req{method: "POST", path: "/v1/api-clients", token: adm.AccessToken, body: body}
	}
	staffWithName := func(name string) req {
		return staff(`{"email":"s@example.com","password":"staff-password-1","roles":["operator"],"name":"` + name + `"}`)
	}
	form := func(body string) req {
		return req{method: "POST", path: "/v1/oauth/token", body: body, contentType: "application/x-www-form-urlencoded"}
	}

	cases := []struct {
		name  string
		req   req
		field string
		code  string
	}{
		{"NUL in a login email", login(`{"email":"admin@example.com\u0000","password":"x"}`), "email", "forbidden_character"},
		{"NUL in a staff name", staffWithName(`Eve\u0000`), "name", "forbidden_character"},
		{"NUL in an API client name", client(`{"name":"r\u0000","scopes":["orders:read"]}`), "name", "forbidden_character"},
		{"NUL in a password", signup(`{"email":"n@example.com","password":"long-enough-1\u0000"}`), "password", "forbidden_character"},
		{"line feed in a name", staffWithName(`Eve\nINFO forged log line`), "name", "forbidden_character"},
		{"tab in a name", staffWithName(`Eve\tX`), "name", "forbidden_character"},
		{"DEL in a name", staffWithName("Eve\x7f"), "name", "forbidden_character"},
		{"C1 control in a name", staffWithName(`Eve\u0085`), "name", "forbidden_character"},
		{"CSI in a name", staffWithName("Eve\u009b31m"), "name", "forbidden_character"},
		{"line separator in a name", staffWithName("Eve\u2028x"), "name", "forbidden_character"},
		{"right-to-left override in a name", staffWithName(`Eve\u202Efdp.exe`), "name", "forbidden_character"},
		{"bidi isolate in a name", staffWithName("Eve\u2066x\u2069"), "name", "forbidden_character"},
		// The validator answers these first (unknown member, not in the enum); checkJSON's paths are unit-tested.
		{"control character in a member name", client(`{"name":"r","scopes":["orders:read"],"x\u0001":1}`), "body", ""},
		{"control character in an array element", client(`{"name":"r","scopes":["orders:read\u0000"]}`), "scopes.0", ""},

		{"invalid UTF-8 in a name", staffWithName("Eve\xff\xfe"), "name", "invalid_utf8"},
		{"overlong UTF-8 in a name", staffWithName("Eve\xc0\xaf"), "name", "invalid_utf8"},
		{"invalid UTF-8 in a password", signup("{\"email\":\"n@example.com\",\"password\":\"long-enough-\xe2\x28\xa1\"}"), "password", "invalid_utf8"},
		{"lone high surrogate", staffWithName(`Eve\ud800`), "name", "invalid_utf8"},
		{"lone low surrogate", staffWithName(`Eve\udc00x`), "name", "invalid_utf8"},
		{"reversed surrogate pair", staffWithName(`Eve\ude00\ud83d`), "name", "invalid_utf8"},

		{"trailing garbage", signup(`{"email":"n@example.com","password":"long-enough-1"}garbage`), "body", "trailing_data"},
		{"a second object", signup(`{"email":"n@example.com","password":"long-enough-1"} {"email":"m@example.com","password":"long-enough-1"}`), "body", "trailing_data"},
		{"a second value after a newline", signup("{\"email\":\"n@example.com\",\"password\":\"long-enough-1\"}\n[]"), "body", "trailing_data"},
		{"duplicate roles (escalation)", staff(`{"email":"s@example.com","password":"staff-password-1","roles":["operator"],"roles":["admin"]}`), "roles", "duplicate_key"},
		{"duplicate email", signup(`{"email":"n@example.com","password":"long-enough-1","email":"m@example.com"}`), "email", "duplicate_key"},
		{"duplicate by escape", signup(`{"email":"n@example.com","password":"long-enough-1","\u0065mail":"m@example.com"}`), "email", "duplicate_key"},

		{"NUL in a form value", form("grant_type=client_credentials&client_id=" + uuid.NewString() + "&client_secret=s%00"), "client_secret", "forbidden_character"},
		{"invalid UTF-8 in a form value", form("grant_type=client_credentials&client_id=" + uuid.NewString() + "&client_secret=%ff"), "client_secret", "invalid_utf8"},
		{"form parameter twice", form("grant_type=client_credentials&client_id=" + uuid.NewString() + "&client_secret=a&client_secret=b"), "client_secret", "duplicate_key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := h.do(c.req).wantProblem(t, http.StatusBadRequest, "validation_failed")
			if !slices.ContainsFunc(p.Errors, func(e fieldError) bool { return e.Field == c.field && (c.code == "" || e.Code == c.code) }) {
				t.Fatalf("errors %+v do not name %s with %s", p.Errors, c.field, c.code)
			}
			for _, e := range p.Errors {
				if strings.ContainsAny(e.Message, "\x00\u202e") || strings.Contains(e.Message, "long-enough") {
					t.Fatalf("message %q echoes the input", e.Message)
				}
			}
		})
	}
	if n := h.count("users"); n != users {
		t.Fatalf("users %d → %d: a refused request wrote", users, n)
	}
	if n := h.count("api_clients"); n != clients {
		t.Fatalf("api clients %d → %d: a refused request wrote", clients, n)
	}
	if n := h.count("audit_events"); n != audits {
		t.Fatalf("audit events %d → %d: a refused request wrote", audits, n)
	}

	// What is not refused: text in any script, emoji as a surrogate-pair
	// escape and with joiners, trailing whitespace after the value.
	t.Run("legitimate text passes", func(t *testing.T) {
		res := h.do(staff("{\"email\":\"zoe@example.com\",\"password\":\"staff-password-1\",\"roles\":[\"operator\"]," +
			"\"name\":\"Zoë 李 زهره\\u200c \\ud83d\\ude00 👩\u200d💻\"}\n\t "))
		res.wantStatus(t, http.StatusCreated)
		var s struct{ Name string }
		res.json(t, &s)
		if s.Name != "Zoë 李 زهره\u200c 😀 👩\u200d💻" {
			t.Fatalf("name stored as %q", s.Name)
		}
		res = h.do(client(`{"name":"Reseller GmbH – Köln","scopes":["orders:read"]}`))
		res.wantStatus(t, http.StatusCreated)
	})
	// Refusing duplicates is not a matter of order: the validator sees the
	// last value, the check names the repeat whichever value is valid.
	t.Run("duplicate in another case", func(t *testing.T) {
		p := h.do(staff(`{"email":"s@example.com","password":"staff-password-1","roles":["operator"],"Roles":["admin"]}`)).
			wantProblem(t, http.StatusBadRequest, "validation_failed")
		if len(p.Errors) == 0 {
			t.Fatal("no errors[]")
		}
	})
}

// TestLookalikeEmails: addresses that look like another one are refused with
// 400 naming email, at signup, login and staff creation; internationalized
// domains are stored in their ASCII form; ASCII case never makes a second
// account.
func TestLookalikeEmails(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	adm := h.admin()
	h.signup("kate@example.com")
	users := h.count("users")

	signup := func(email string) response {
		return h.do(req{method: "POST", path: "/v1/auth/signup", body: map[string]string{"email": email, "password": "customer-pass-1"}})
	}
	for name, email := range map[string]string{
		"KELVIN SIGN (lower-cases to k)": "\u212aate@example.com",
		"Cyrillic а":                     "k\u0430te@example.com",
		"zero-width space":               "ka\u200bte@example.com",
		"right-to-left override":         "kate\u202e@example.com",
		"zero-width space in the domain": "kate@exa\u200bmple.com",
		"full-width domain":              "kate@ｅｘａｍｐｌｅ.com",
		"non-ASCII local part":           "kät@example.com",
	} {
		t.Run("signup "+name, func(t *testing.T) {
			p := signup(email).wantProblem(t, http.StatusBadRequest, "validation_failed")
			if !slices.ContainsFunc(p.Errors, func(e fieldError) bool { return e.Field == "email" }) {
				t.Fatalf("errors %+v do not name email", p.Errors)
			}
		})
		t.Run("login "+name, func(t *testing.T) {
			res := h.do(req{method: "POST", path: "/v1/auth/login", body: map[string]string{"email": email, "password": "customer-pass-1"}})
			p := res.wantProblem(t, http.StatusBadRequest, "validation_failed")
			if !slices.ContainsFunc(p.Errors, func(e fieldError) bool { return e.Field == "email" }) {
				t.Fatalf("errors %+v do not name email", p.Errors)
			}
		})
		t.Run("staff "+name, func(t *testing.T) {
			res := h.do(req{method: "POST", path: "/v1/staff", token: adm.AccessToken,
				body: map[string]any{"email": email, "password": "staff-password-1", "roles": []string{"operator"}}})
			p := res.wantProblem(t, http.StatusBadRequest, "validation_failed")
			if !slices.ContainsFunc(p.Errors, func(e fieldError) bool { return e.Field == "email" }) {
				t.Fatalf("errors %+v do not name email", p.Errors)
			}
		})
	}
	if n := h.count("users"); n != users {
		t.Fatalf("users %d → %d: a lookalike was stored", users, n)
	}

	t.Run("IDN stored as A-labels", func(t *testing.T) {
		res := signup("Ida@Bücher.example")
		res.wantStatus(t, http.StatusCreated)
		var p tokenPair
		res.json(t, &p)
		var me struct{ Email string }
		h.do(req{method: "GET", path: "/v1/me", token: p.AccessToken}).json(t, &me)
		if me.Email != "ida@xn--bcher-kva.example" {
			t.Fatalf("email %q, want the canonical ASCII form", me.Email)
		}
		signup("ida@xn--bcher-kva.example").wantProblem(t, http.StatusConflict, "already_exists")
		h.login("IDA@bücher.example", "customer-pass-1")
	})
}
