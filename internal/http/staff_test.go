package http_test

import (
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/google/uuid"
)

type staffPage struct {
	Items      []staff `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

func TestStaff(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	adm := h.admin()
	admin := mustPrincipal(t, h, adm.AccessToken)

	created := []staff{
		h.createStaff(adm.AccessToken, "op1@example.com", "operator"),
		h.createStaff(adm.AccessToken, "fin@example.com", "finance", "operator"),
		h.createStaff(adm.AccessToken, "op2@example.com", "operator"),
		h.createStaff(adm.AccessToken, "adm2@example.com", "admin"),
	}
	if got := created[1].Roles; !slices.Equal(got, []string{"finance", "operator"}) {
		t.Fatalf("roles %v", got)
	}
	h.signup("customer@example.com") // customers are not staff and never listed

	// Walk every page with limit 2: admin + 4 created = 5, so 3 pages.
	var seen []string
	pages := 0
	cursor := ""
	for {
		path := "/v1/staff?limit=2"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		res := h.do(req{method: "GET", path: path, token: adm.AccessToken})
		res.wantStatus(t, http.StatusOK)
		var p staffPage
		res.json(t, &p)
		pages++
		if len(p.Items) > 2 {
			t.Fatalf("page of %d with limit 2", len(p.Items))
		}
		for _, s := range p.Items {
			seen = append(seen, s.Email)
		}
		if p.NextCursor == nil {
			break
		}
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		cursor = *p.NextCursor
	}
	want := []string{adminEmail, "op1@example.com", "fin@example.com", "op2@example.com", "adm2@example.com"}
	if !slices.Equal(seen, want) || pages != 3 {
		t.Fatalf("pages %d listed %v, want %v in creation order", pages, seen, want)
	}

	// Default page size holds them all, with no next page.
	res := h.do(req{method: "GET", path: "/v1/staff", token: adm.AccessToken})
	res.wantStatus(t, http.StatusOK)
	var all staffPage
	res.json(t, &all)
	if len(all.Items) != 5 || all.NextCursor != nil {
		t.Fatalf("default page: %d items, next %v", len(all.Items), all.NextCursor)
	}

	t.Run("get", func(t *testing.T) {
		res := h.do(req{method: "GET", path: "/v1/staff/" + created[1].ID, token: adm.AccessToken})
		res.wantStatus(t, http.StatusOK)
		var s staff
		res.json(t, &s)
		if s.ID != created[1].ID || s.Email != "fin@example.com" || s.Status != "active" {
			t.Fatalf("got %+v", s)
		}
		h.do(req{method: "GET", path: "/v1/staff/" + uuid.NewString(), token: adm.AccessToken}).wantProblem(t, http.StatusNotFound, "not_found")
		// A customer's id is not a staff account.
		cust := mustPrincipal(t, h, h.login("customer@example.com", "customer-pass-1").AccessToken)
		h.do(req{method: "GET", path: "/v1/staff/" + cust.ID.String(), token: adm.AccessToken}).wantProblem(t, http.StatusNotFound, "not_found")
		h.do(req{method: "PATCH", path: "/v1/staff/" + cust.ID.String(), token: adm.AccessToken, body: map[string]string{"status": "disabled"}}).
			wantProblem(t, http.StatusNotFound, "not_found")
	})

	t.Run("disable", func(t *testing.T) {
		op := h.login("op1@example.com", "staff-password-1")
		res := h.do(req{method: "PATCH", path: "/v1/staff/" + created[0].ID, token: adm.AccessToken, body: map[string]string{"status": "disabled"}})
		res.wantStatus(t, http.StatusOK)
		var s staff
		res.json(t, &s)
		if s.Status != "disabled" {
			t.Fatalf("status %q", s.Status)
		}
		refresh(h, op.RefreshToken).wantProblem(t, http.StatusUnauthorized, "unauthenticated")
		h.do(req{method: "POST", path: "/v1/auth/login", body: map[string]string{"email": "op1@example.com", "password": "staff-password-1"}}).
			wantProblem(t, http.StatusUnauthorized, "unauthenticated")
		// /me refuses a disabled account even while its access token lasts.
		h.do(req{method: "GET", path: "/v1/me", token: op.AccessToken}).wantProblem(t, http.StatusUnauthorized, "account_disabled")

		// Re-enabled: signs in again (the failed attempt above is one of five).
		h.do(req{method: "PATCH", path: "/v1/staff/" + created[0].ID, token: adm.AccessToken, body: map[string]string{"status": "active"}}).
			wantStatus(t, http.StatusOK)
		h.login("op1@example.com", "staff-password-1")
	})

	t.Run("cannot disable itself", func(t *testing.T) {
		h.do(req{method: "PATCH", path: "/v1/staff/" + admin.ID.String(), token: adm.AccessToken, body: map[string]string{"status": "disabled"}}).
			wantProblem(t, http.StatusConflict, "conflict")
		h.admin() // still signs in
	})

	t.Run("audit", func(t *testing.T) {
		var creates, statuses int
		err := h.pool.QueryRow(t.Context(), `SELECT count(*) FILTER (WHERE action = 'staff.create'),
			count(*) FILTER (WHERE action = 'staff.set_status') FROM audit_events WHERE actor_id = $1`, admin.ID).Scan(&creates, &statuses)
		if err != nil {
			t.Fatal(err)
		}
		if creates != 4 || statuses != 2 {
			t.Fatalf("audit: %d creates, %d status changes; want 4 and 2", creates, statuses)
		}
		// The table is append-only.
		if _, err := h.pool.Exec(t.Context(), `DELETE FROM audit_events`); err == nil {
			t.Fatal("deleted audit events")
		}
	})
}
