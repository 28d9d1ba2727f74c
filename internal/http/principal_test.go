package http_test

import (
	"net/http"
	"net/url"
	"testing"
)

// TestDisabledPrincipalIsPowerless walks what an attacker tried: a disabled
// admin, a deleted API client and a deleted user keep valid-looking access
// tokens; none of them may do anything, and every route answers the same 401.
func TestDisabledPrincipalIsPowerless(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	root := h.admin()
	rootMe := mustPrincipal(t, h, root.AccessToken)
	rogue := h.createStaff(root.AccessToken, "rogue@example.com", "admin")
	rt := h.login("rogue@example.com", "staff-password-1")
	// The token works while the account is active (or the refusals prove nothing).
	h.do(req{method: "GET", path: "/v1/staff", token: rt.AccessToken}).wantStatus(t, http.StatusOK)

	h.do(req{method: "PATCH", path: "/v1/staff/" + rogue.ID, token: root.AccessToken, body: map[string]string{"status": "disabled"}}).
		wantStatus(t, http.StatusOK)
	staffBefore, clientsBefore := h.count("users"), h.count("api_clients")

	gone := func(rq req) {
		t.Helper()
		rq.token = rt.AccessToken
		h.do(rq).wantProblem(t, http.StatusUnauthorized, "account_disabled")
	}
	gone(req{method: "POST", path: "/v1/staff", body: map[string]any{"email": "evil@example.com", "password": "staff-password-1", "roles": []string{"admin"}}})
	gone(req{method: "POST", path: "/v1/api-clients", body: map[string]any{"name": "backdoor", "scopes": []string{"orders:read"}}})
	gone(req{method: "PATCH", path: "/v1/staff/" + rogue.ID, body: map[string]string{"status": "active"}})
	gone(req{method: "PATCH", path: "/v1/staff/" + rootMe.ID.String(), body: map[string]string{"status": "disabled"}})
	gone(req{method: "GET", path: "/v1/me"})
	gone(req{method: "GET", path: "/v1/staff"})
	if h.count("users") != staffBefore || h.count("api_clients") != clientsBefore {
		t.Fatal("a disabled admin's request wrote something")
	}
	// Its refresh tokens were revoked with it.
	refresh(h, rt.RefreshToken).wantProblem(t, http.StatusUnauthorized, "unauthenticated")
	// The bootstrap admin is untouched.
	h.do(req{method: "GET", path: "/v1/me", token: root.AccessToken}).wantStatus(t, http.StatusOK)

	// A deleted API client's token.
	res := h.do(req{method: "POST", path: "/v1/api-clients", token: root.AccessToken,
		body: map[string]any{"name": "reseller", "scopes": []string{"orders:read"}}})
	res.wantStatus(t, http.StatusCreated)
	var c apiClientCreated
	res.json(t, &c)
	res = h.do(req{method: "POST", path: "/v1/oauth/token", body: url.Values{"grant_type": {"client_credentials"}, "client_id": {c.ClientID}, "client_secret": {c.ClientSecret}}})
	res.wantStatus(t, http.StatusOK)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	res.json(t, &tok)
	h.do(req{method: "GET", path: "/v1/me", token: tok.AccessToken}).wantStatus(t, http.StatusOK)
	h.do(req{method: "DELETE", path: "/v1/api-clients/" + c.ID, token: root.AccessToken}).wantStatus(t, http.StatusNoContent)
	h.do(req{method: "GET", path: "/v1/me", token: tok.AccessToken}).wantProblem(t, http.StatusUnauthorized, "account_disabled")

	// A user removed from the database (no API deletes users; an operator
	// with SQL might): the same answer, not 404.
	cust := h.signup("leaving@example.com")
	h.do(req{method: "GET", path: "/v1/me", token: cust.AccessToken}).wantStatus(t, http.StatusOK)
	id := mustPrincipal(t, h, cust.AccessToken).ID
	if _, err := h.pool.Exec(t.Context(), `DELETE FROM refresh_tokens WHERE user_id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if _, err := h.pool.Exec(t.Context(), `DELETE FROM users WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	// /me reads the row itself, so it answers at once even while this
	// replica's status cache still remembers the user as active.
	h.do(req{method: "GET", path: "/v1/me", token: cust.AccessToken}).wantProblem(t, http.StatusUnauthorized, "account_disabled")
}
