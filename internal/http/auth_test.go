package http_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/partnerlab/storefront/internal/auth"
	"github.com/partnerlab/storefront/internal/domain"
)

// claimsFor are the claims the server itself would issue for an admin now;
// each case below breaks one thing.
func claimsFor(id uuid.UUID, now time.Time) auth.Claims {
	return auth.Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    testIssuer,
			Subject:   id.String(),
			Audience:  jwt.ClaimStrings{testAudience},
			ExpiresAt: jwt.NewNumericDate(now.Add(10 * time.Minute)),
			NotBefore: jwt.NewNumericDate(now),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        uuid.NewString(),
		},
		Kind:  domain.PrincipalUser,
		Roles: []domain.Role{domain.RoleAdmin},
		Typ:   "access",
	}
}

func signEd(t *testing.T, priv ed25519.PrivateKey, kid string, c auth.Claims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAccessTokens(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	adm := h.admin()
	pub := h.priv.Public().(ed25519.PublicKey)
	kid := auth.KeyID(pub)
	me, err := h.auth.Me(t.Context(), mustPrincipal(t, h, adm.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()

	// A hand-made token with the real key and valid claims must work, or
	// every refusal below would prove nothing.
	good := signEd(t, h.priv, kid, claimsFor(me.User.ID, now))
	h.do(req{method: "GET", path: "/v1/staff", token: good}).wantStatus(t, http.StatusOK)
	h.do(req{method: "GET", path: "/v1/me", token: adm.AccessToken}).wantStatus(t, http.StatusOK)

	_, otherPriv, _ := ed25519.GenerateKey(rand.Reader)
	otherKid := auth.KeyID(otherPriv.Public().(ed25519.PublicKey))

	with := func(f func(*auth.Claims)) auth.Claims {
		c := claimsFor(me.User.ID, now)
		f(&c)
		return c
	}
	none := func() string {
		tok := jwt.NewWithClaims(jwt.SigningMethodNone, claimsFor(me.User.ID, now))
		tok.Header["kid"] = kid
		s, err := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	hs256 := func(key []byte) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claimsFor(me.User.ID, now))
		tok.Header["kid"] = kid
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	tampered := func() string {
		// A customer's genuine token with its roles raised to admin.
		cust := h.signup("tamper@example.com")
		parts := strings.Split(cust.AccessToken, ".")
		payload, err := base64.RawURLEncoding.DecodeString(parts[1])
		if err != nil {
			t.Fatal(err)
		}
		raised := bytes.Replace(payload, []byte(`"roles":["customer"]`), []byte(`"roles":["admin"]`), 1)
		if bytes.Equal(raised, payload) {
			t.Fatalf("payload %s has no customer role to raise", payload)
		}
		parts[1] = base64.RawURLEncoding.EncodeToString(raised)
		return strings.Join(parts, ".")
	}
	cases := []struct {
		name  string
		token string
		raw   string // Authorization header as sent, when not "Bearer <token>"
	}{
		{name: "alg none", token: none()},
		{name: "HS256 with the public key bytes", token: hs256(pub)},
		{name: "HS256 with the JWKS x", token: hs256([]byte(base64.RawURLEncoding.EncodeToString(pub)))},
		{name: "unknown kid", token: signEd(t, otherPriv, otherKid, claimsFor(me.User.ID, now))},
		{name: "our kid, another key", token: signEd(t, otherPriv, kid, claimsFor(me.User.ID, now))},
		{name: "no kid", token: signEd(t, h.priv, "", claimsFor(me.User.ID, now))},
		{name: "expired", token: signEd(t, h.priv, kid, with(func(c *auth.Claims) {
			c.IssuedAt = jwt.NewNumericDate(now.Add(-time.Hour))
			c.NotBefore = c.IssuedAt
			c.ExpiresAt = jwt.NewNumericDate(now.Add(-auth.Leeway - time.Minute))
		}))},
		{name: "no exp", token: signEd(t, h.priv, kid, with(func(c *auth.Claims) { c.ExpiresAt = nil }))},
		{name: "not yet valid", token: signEd(t, h.priv, kid, with(func(c *auth.Claims) {
			c.NotBefore = jwt.NewNumericDate(now.Add(auth.Leeway + 5*time.Minute))
		}))},
		{name: "wrong iss", token: signEd(t, h.priv, kid, with(func(c *auth.Claims) { c.Issuer = "someone-else" }))},
		{name: "wrong aud", token: signEd(t, h.priv, kid, with(func(c *auth.Claims) { c.Audience = jwt.ClaimStrings{"other-api"} }))},
		{name: "not an access token", token: signEd(t, h.priv, kid, with(func(c *auth.Claims) { c.Typ = "refresh" }))},
		{name: "unknown kind", token: signEd(t, h.priv, kid, with(func(c *auth.Claims) { c.Kind = "robot" }))},
		{name: "subject not a uuid", token: signEd(t, h.priv, kid, with(func(c *auth.Claims) { c.Subject = "admin" }))},
		{name: "tampered payload", token: tampered()},
		{name: "refresh token as access token", token: adm.RefreshToken},
		{name: "missing token", raw: "-"},
		{name: "Basic scheme", raw: "Basic " + base64.StdEncoding.EncodeToString([]byte(adminEmail+":"+adminPass))},
		{name: "Bearer without token", raw: "Bearer "},
		{name: "bare token without scheme", raw: adm.AccessToken},
		{name: "garbage", raw: "Bearer not.a.jwt"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hdr := map[string]string{}
			switch c.raw {
			case "":
				hdr["Authorization"] = "Bearer " + c.token
			case "-":
			default:
				hdr["Authorization"] = c.raw
			}
			for _, path := range []string{"/v1/me", "/v1/staff"} {
				p := h.do(req{method: "GET", path: path, header: hdr}).wantProblem(t, http.StatusUnauthorized, "unauthenticated")
				if p.Detail != "a valid access token is required" {
					t.Fatalf("detail %q tells why the token was refused", p.Detail)
				}
			}
		})
	}
}

// mustPrincipal verifies a token the server issued.
func mustPrincipal(t *testing.T, h *harness, token string) domain.Principal {
	t.Helper()
	p, err := h.signer.Verify(token)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRoles(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	adm := h.admin()
	cust := h.signup("customer@example.com")
	h.createStaff(adm.AccessToken, "operator@example.com", "operator")
	op := h.login("operator@example.com", "staff-password-1")

	for _, tc := range []struct {
		who    string
		token  string
		status int
	}{
		{"customer", cust.AccessToken, http.StatusForbidden},
		{"operator", op.AccessToken, http.StatusForbidden},
		{"admin", adm.AccessToken, http.StatusOK},
	} {
		for _, path := range []string{"/v1/staff", "/v1/api-clients"} {
			res := h.do(req{method: "GET", path: path, token: tc.token})
			if tc.status == http.StatusForbidden {
				res.wantProblem(t, http.StatusForbidden, "forbidden")
			} else {
				res.wantStatus(t, tc.status)
			}
		}
	}
	// Everyone signed in may read /me.
	var m struct {
		Kind  string   `json:"kind"`
		Email string   `json:"email"`
		Roles []string `json:"roles"`
	}
	res := h.do(req{method: "GET", path: "/v1/me", token: cust.AccessToken})
	res.wantStatus(t, http.StatusOK)
	res.json(t, &m)
	if m.Kind != "user" || m.Email != "customer@example.com" || len(m.Roles) != 1 || m.Roles[0] != "customer" {
		t.Fatalf("me %+v", m)
	}
	res = h.do(req{method: "POST", path: "/v1/auth/signup", body: map[string]string{
		"email": "mobile@example.com", "password": "customer-pass-1", "mobile": "13912345678"}})
	res.wantStatus(t, http.StatusCreated)
	var mp tokenPair
	res.json(t, &mp)
	res = h.do(req{method: "GET", path: "/v1/me", token: mp.AccessToken})
	res.wantStatus(t, http.StatusOK)
	var mm struct{ Mobile *string }
	res.json(t, &mm)
	if mm.Mobile == nil || *mm.Mobile != "13912345678" {
		t.Fatalf("mobile %v", mm.Mobile)
	}

	// A customer may not create staff either (a write, not only reads).
	before := h.count("users")
	h.do(req{method: "POST", path: "/v1/staff", token: cust.AccessToken,
		body: map[string]any{"email": "x@example.com", "password": "staff-password-1", "roles": []string{"admin"}}}).
		wantProblem(t, http.StatusForbidden, "forbidden")
	if n := h.count("users"); n != before {
		t.Fatalf("users %d → %d after a refused create", before, n)
	}
}

type apiClientCreated struct {
	ID           string   `json:"id"`
	ClientID     string   `json:"client_id"`
	ClientSecret string   `json:"client_secret"`
	Scopes       []string `json:"scopes"`
	Status       string   `json:"status"`
}

func TestAPIClients(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	adm := h.admin()

	res := h.do(req{method: "POST", path: "/v1/api-clients", token: adm.AccessToken,
		body: map[string]any{"name": "reseller", "scopes": []string{"orders:read", "catalog:read"}}})
	res.wantStatus(t, http.StatusCreated)
	var c apiClientCreated
	res.json(t, &c)
	if c.ClientID == "" || c.ClientID != c.ID || c.ClientSecret == "" || c.Status != "active" {
		t.Fatalf("created %+v", c)
	}
	// The secret is never shown again.
	list := h.do(req{method: "GET", path: "/v1/api-clients", token: adm.AccessToken})
	list.wantStatus(t, http.StatusOK)
	if bytes.Contains(list.body, []byte(c.ClientSecret)) || bytes.Contains(list.body, []byte("secret")) {
		t.Fatalf("list shows the secret: %s", list.body)
	}

	token := func(secret, scope string) response {
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {c.ClientID}, "client_secret": {secret}}
		if scope != "" {
			form.Set("scope", scope)
		}
		return h.do(req{method: "POST", path: "/v1/oauth/token", body: form})
	}
	res = token(c.ClientSecret, "")
	res.wantStatus(t, http.StatusOK)
	if cc := res.header.Get("Cache-Control"); cc != "no-store" {
		t.Fatalf("Cache-Control %q", cc)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
		Scope       string `json:"scope"`
	}
	res.json(t, &tok)
	if tok.TokenType != "Bearer" || tok.ExpiresIn != 900 || tok.Scope != "catalog:read orders:read" {
		t.Fatalf("token %+v", tok)
	}

	res = h.do(req{method: "GET", path: "/v1/me", token: tok.AccessToken})
	res.wantStatus(t, http.StatusOK)
	var m struct {
		ID     string   `json:"id"`
		Kind   string   `json:"kind"`
		Email  *string  `json:"email"`
		Scopes []string `json:"scopes"`
	}
	res.json(t, &m)
	if m.Kind != "api_client" || m.ID != c.ID || m.Email != nil || len(m.Scopes) != 2 {
		t.Fatalf("me %+v", m)
	}
	// A client token is not a person's: admin routes refuse it.
	for _, path := range []string{"/v1/staff", "/v1/api-clients"} {
		h.do(req{method: "GET", path: path, token: tok.AccessToken}).wantProblem(t, http.StatusForbidden, "forbidden")
	}

	t.Run("narrowed scope", func(t *testing.T) {
		res := token(c.ClientSecret, "orders:read")
		res.wantStatus(t, http.StatusOK)
		var tok struct{ Scope string }
		res.json(t, &tok)
		if tok.Scope != "orders:read" {
			t.Fatalf("scope %q", tok.Scope)
		}
		p := token(c.ClientSecret, "orders:write").wantProblem(t, http.StatusBadRequest, "validation_failed")
		if len(p.Errors) != 1 || p.Errors[0].Field != "scope" {
			t.Fatalf("errors %+v", p.Errors)
		}
	})
	t.Run("wrong secret", func(t *testing.T) {
		token(c.ClientSecret+"x", "").wantProblem(t, http.StatusUnauthorized, "unauthenticated")
	})
	t.Run("unknown client", func(t *testing.T) {
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {uuid.NewString()}, "client_secret": {c.ClientSecret}}
		h.do(req{method: "POST", path: "/v1/oauth/token", body: form}).wantProblem(t, http.StatusUnauthorized, "unauthenticated")
	})
	t.Run("wrong grant type", func(t *testing.T) {
		form := url.Values{"grant_type": {"password"}, "client_id": {c.ClientID}, "client_secret": {c.ClientSecret}}
		h.do(req{method: "POST", path: "/v1/oauth/token", body: form}).wantProblem(t, http.StatusBadRequest, "validation_failed")
	})
	t.Run("JSON instead of a form", func(t *testing.T) {
		h.do(req{method: "POST", path: "/v1/oauth/token", body: map[string]string{
			"grant_type": "client_credentials", "client_id": c.ClientID, "client_secret": c.ClientSecret,
		}}).wantProblem(t, http.StatusUnsupportedMediaType, "unsupported_media_type")
	})

	// Disabled: no more tokens. Runs last; the subtests above are sequential.
	h.do(req{method: "DELETE", path: "/v1/api-clients/" + c.ID, token: adm.AccessToken}).wantStatus(t, http.StatusNoContent)
	token(c.ClientSecret, "").wantProblem(t, http.StatusUnauthorized, "unauthenticated")
	h.do(req{method: "DELETE", path: "/v1/api-clients/" + uuid.NewString(), token: adm.AccessToken}).
		wantProblem(t, http.StatusNotFound, "not_found")
	var status string
	if err := h.pool.QueryRow(t.Context(), "SELECT status FROM api_clients WHERE id = $1", c.ID).Scan(&status); err != nil || status != "disabled" {
		t.Fatalf("stored status %q, %v", status, err)
	}
	var audits int
	if err := h.pool.QueryRow(t.Context(), "SELECT count(*) FROM audit_events WHERE subject_id = $1", c.ID).Scan(&audits); err != nil || audits != 2 {
		t.Fatalf("audit events for the client: %d, %v (want create and disable)", audits, err)
	}
}

func refresh(h *harness, token string) response {
	return h.do(req{method: "POST", path: "/v1/auth/refresh", body: map[string]string{"refresh_token": token}})
}

func TestRefreshRotation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	first := h.signup("rotate@example.com")

	res := refresh(h, first.RefreshToken)
	res.wantStatus(t, http.StatusOK)
	var second tokenPair
	res.json(t, &second)
	if second.RefreshToken == first.RefreshToken || second.AccessToken == "" {
		t.Fatalf("refresh did not rotate: %+v", second)
	}
	h.do(req{method: "GET", path: "/v1/me", token: second.AccessToken}).wantStatus(t, http.StatusOK)

	res = refresh(h, second.RefreshToken)
	res.wantStatus(t, http.StatusOK)
	var third tokenPair
	res.json(t, &third)

	// A second login is another family and must survive the reuse below.
	other := h.login("rotate@example.com", "customer-pass-1")

	// Someone replays the first token: refused, and the family is revoked,
	// so even the newest token of that family stops working.
	refresh(h, first.RefreshToken).wantProblem(t, http.StatusUnauthorized, "unauthenticated")
	refresh(h, third.RefreshToken).wantProblem(t, http.StatusUnauthorized, "unauthenticated")
	refresh(h, second.RefreshToken).wantProblem(t, http.StatusUnauthorized, "unauthenticated")

	refresh(h, other.RefreshToken).wantStatus(t, http.StatusOK)
	refresh(h, "never-issued").wantProblem(t, http.StatusUnauthorized, "unauthenticated")
}

func TestLogout(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	first := h.signup("logout@example.com")
	res := refresh(h, first.RefreshToken)
	res.wantStatus(t, http.StatusOK)
	var second tokenPair
	res.json(t, &second)

	logout := func(tok string) response {
		return h.do(req{method: "POST", path: "/v1/auth/logout", body: map[string]string{"refresh_token": tok}})
	}
	logout(second.RefreshToken).wantStatus(t, http.StatusNoContent)
	refresh(h, second.RefreshToken).wantProblem(t, http.StatusUnauthorized, "unauthenticated")
	// Logging out twice, or with a token never issued, is not an error.
	logout(second.RefreshToken).wantStatus(t, http.StatusNoContent)
	logout("never-issued").wantStatus(t, http.StatusNoContent)
}

func TestLoginLockout(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.signup("victim@example.com")

	login := func(email, password string) response {
		return h.do(req{method: "POST", path: "/v1/auth/login", body: map[string]string{"email": email, "password": password}})
	}

	// An unknown email and a wrong password look the same.
	unknown := login("nobody@example.com", "whatever-pass-1")
	wrong := login("victim@example.com", "wrong-password-1")
	pu := unknown.wantProblem(t, http.StatusUnauthorized, "unauthenticated")
	pw := wrong.wantProblem(t, http.StatusUnauthorized, "unauthenticated")
	if pu.RequestID == pw.RequestID {
		t.Fatal("two requests share a request id")
	}
	if a, b := withoutRequestID(t, unknown.body), withoutRequestID(t, wrong.body); a != b {
		t.Fatalf("unknown email answers %s\nwrong password answers %s", a, b)
	}

	for i := 2; i <= domain.LoginFailureLimit; i++ {
		login("victim@example.com", "wrong-password-1").wantProblem(t, http.StatusUnauthorized, "unauthenticated")
	}
	// Locked now, even with the right password.
	res := login("victim@example.com", "customer-pass-1")
	p := res.wantProblem(t, http.StatusTooManyRequests, "account_locked")
	if !p.Retryable {
		t.Fatal("a lockout is retryable later")
	}
	ra, err := strconv.Atoi(res.header.Get("Retry-After"))
	if err != nil || ra < 1 || ra > int(domain.LoginFailureWindow/time.Second) {
		t.Fatalf("Retry-After %q", res.header.Get("Retry-After"))
	}
	// The email is the key, in any spelling; other accounts are not affected.
	login("  VICTIM@example.com ", "customer-pass-1").wantProblem(t, http.StatusTooManyRequests, "account_locked")
	h.signup("bystander@example.com")
	h.login("bystander@example.com", "customer-pass-1")
}

// withoutRequestID is the problem body with request_id removed, re-encoded
// with sorted keys.
func withoutRequestID(t *testing.T, body []byte) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	if _, ok := m["request_id"]; !ok {
		t.Fatalf("no request_id in %s", body)
	}
	delete(m, "request_id")
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAuthRateLimit(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAuthRateLimit(3))
	body := map[string]string{"email": "nobody@example.com", "password": "whatever-pass-1"}
	for range 3 {
		h.do(req{method: "POST", path: "/v1/auth/login", body: body}).wantProblem(t, http.StatusUnauthorized, "unauthenticated")
	}
	res := h.do(req{method: "POST", path: "/v1/auth/login", body: body})
	p := res.wantProblem(t, http.StatusTooManyRequests, "rate_limited")
	if !p.Retryable {
		t.Fatal("rate_limited is retryable")
	}
	if ra, err := strconv.Atoi(res.header.Get("Retry-After")); err != nil || ra < 1 {
		t.Fatalf("Retry-After %q", res.header.Get("Retry-After"))
	}
	// The limit covers every credential endpoint, per IP.
	h.do(req{method: "POST", path: "/v1/auth/refresh", body: map[string]string{"refresh_token": "x"}}).
		wantProblem(t, http.StatusTooManyRequests, "rate_limited")
	h.do(req{method: "POST", path: "/v1/oauth/token", body: url.Values{"grant_type": {"client_credentials"}}}).
		wantProblem(t, http.StatusTooManyRequests, "rate_limited")
	// Nothing else is: the API limit is off in this harness.
	h.do(req{method: "GET", path: "/v1/me"}).wantProblem(t, http.StatusUnauthorized, "unauthenticated")
	h.do(req{method: "GET", path: "/healthz"}).wantStatus(t, http.StatusOK)
	// The limited attempt was not counted as a failed login.
	if n := h.count("login_failures"); n != 3 {
		t.Fatalf("login failures %d, want 3", n)
	}
}

func TestAPIRateLimit(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAPIRateLimit(3))
	for i := range 3 {
		res := h.do(req{method: "GET", path: "/healthz"})
		res.wantStatus(t, http.StatusOK)
		if got := res.header.Get("RateLimit-Remaining"); got != strconv.Itoa(2-i) {
			t.Fatalf("RateLimit-Remaining %q after %d requests", got, i+1)
		}
		// The spec documents Unix time (seconds) of the window's end.
		reset, err := strconv.ParseInt(res.header.Get("RateLimit-Reset"), 10, 64)
		if now := time.Now().Unix(); err != nil || reset < now || reset > now+61 {
			t.Fatalf("RateLimit-Reset %q, want the Unix time the minute window ends", res.header.Get("RateLimit-Reset"))
		}
	}
	res := h.do(req{method: "GET", path: "/v1/me"})
	res.wantProblem(t, http.StatusTooManyRequests, "rate_limited")
	if res.header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
}
