package http_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

type auditEvent struct {
	ID     string `json:"id"`
	Action string `json:"action"`
	Actor  struct {
		Kind string  `json:"kind"`
		ID   *string `json:"id"`
		Role *string `json:"role"`
	} `json:"actor"`
	Target struct {
		Type string  `json:"type"`
		ID   *string `json:"id"`
	} `json:"target"`
	RequestID string         `json:"request_id"`
	ClientIP  *string        `json:"client_ip"`
	Summary   map[string]any `json:"summary"`
}

type auditPage struct {
	Items      []auditEvent `json:"items"`
	NextCursor *string      `json:"next_cursor"`
}

// TestAuditEvents: what staff did is listed for admins, newest first, with
// role, request id and client IP, filtered and paged; nobody else may read it.
func TestAuditEvents(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	adm := h.admin()
	admin := mustPrincipal(t, h, adm.AccessToken)
	var ids []string
	for _, e := range []string{"a1@example.com", "a2@example.com", "a3@example.com"} {
		ids = append(ids, h.createStaff(adm.AccessToken, e, "operator").ID)
	}
	h.do(req{method: "PATCH", path: "/v1/staff/" + ids[0], token: adm.AccessToken, body: map[string]string{"status": "disabled"},
		header: map[string]string{"X-Request-Id": "req-audit-test-1"}}).wantStatus(t, http.StatusOK)

	list := func(q url.Values) auditPage {
		t.Helper()
		res := h.do(req{method: "GET", path: "/v1/audit-events?" + q.Encode(), token: adm.AccessToken})
		res.wantStatus(t, http.StatusOK)
		var p auditPage
		res.json(t, &p)
		return p
	}
	all := list(url.Values{})
	if len(all.Items) != 4 || all.Items[0].Action != "staff.set_status" {
		t.Fatalf("events %+v", all.Items)
	}
	top := all.Items[0]
	if top.Actor.Kind != "user" || top.Actor.ID == nil || *top.Actor.ID != admin.ID.String() || top.Actor.Role == nil || *top.Actor.Role != "admin" ||
		top.RequestID != "req-audit-test-1" || top.ClientIP == nil || *top.ClientIP == "" || top.Target.Type != "user" || *top.Target.ID != ids[0] {
		t.Fatalf("event %+v", top)
	}

	// Filters and paging.
	if p := list(url.Values{"action": {"staff.create"}}); len(p.Items) != 3 {
		t.Fatalf("action filter: %d", len(p.Items))
	}
	if p := list(url.Values{"target_id": {ids[1]}}); len(p.Items) != 1 || p.Items[0].Action != "staff.create" {
		t.Fatalf("target filter: %+v", p.Items)
	}
	if p := list(url.Values{"from": {time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}}); len(p.Items) != 0 {
		t.Fatalf("from filter: %d", len(p.Items))
	}
	first := list(url.Values{"limit": {"3"}})
	if len(first.Items) != 3 || first.NextCursor == nil {
		t.Fatalf("page 1: %d items, cursor %v", len(first.Items), first.NextCursor)
	}
	second := list(url.Values{"limit": {"3"}, "cursor": {*first.NextCursor}})
	if len(second.Items) != 1 || second.NextCursor != nil || second.Items[0].ID != all.Items[3].ID {
		t.Fatalf("page 2: %+v", second)
	}

	// Admins only.
	op := h.login("a2@example.com", "staff-password-1")
	h.do(req{method: "GET", path: "/v1/audit-events", token: op.AccessToken}).wantProblem(t, http.StatusForbidden, "forbidden")
	cust := h.signup("cust@example.com")
	h.do(req{method: "GET", path: "/v1/audit-events", token: cust.AccessToken}).wantProblem(t, http.StatusForbidden, "forbidden")
	h.do(req{method: "GET", path: "/v1/audit-events"}).wantProblem(t, http.StatusUnauthorized, "unauthenticated")
}

// TestCustomerEvents: a customer's timeline comes from the audit trail —
// what the customer, staff and the jobs did to it — for the customer and
// staff; another customer gets the same 404 as for a missing id.
func TestCustomerEvents(t *testing.T) {
	t.Parallel()
	h := newCustomerHarness(t)
	ann := h.signup("ann@example.com").AccessToken
	bob := h.signup("bob@example.com").AccessToken
	op := h.operator("olga@example.com").AccessToken
	c := h.register(ann, "ann-0001", "13000130001")
	h.waitCustomer(ann, c.ID, "the account", confirmed)
	h.do(req{method: "POST", path: "/v1/customers/" + c.ID + "/freeze", token: op,
		body: map[string]string{"reason": "audit test", "scope": "account"}}).wantStatus(t, http.StatusAccepted)

	events := func(tok string) auditPage {
		t.Helper()
		res := h.do(req{method: "GET", path: "/v1/customers/" + c.ID + "/events", token: tok})
		res.wantStatus(t, http.StatusOK)
		var p auditPage
		res.json(t, &p)
		return p
	}
	seen := map[string]bool{}
	for _, e := range events(ann).Items {
		seen[e.Action] = true
		if e.Target.ID == nil || *e.Target.ID != c.ID {
			t.Errorf("event %s is about %v, not the customer", e.Action, e.Target.ID)
		}
	}
	for _, a := range []string{"customer.create", "customer.registration_created", "customer.association_confirmed", "customer.freeze_requested"} {
		if !seen[a] {
			t.Errorf("timeline lacks %s: %v", a, seen)
		}
	}
	if n := len(events(op).Items); n < len(seen) {
		t.Errorf("staff see %d events, fewer than the customer's %d kinds", n, len(seen))
	}
	h.do(req{method: "GET", path: "/v1/customers/" + c.ID + "/events", token: bob}).wantProblem(t, http.StatusNotFound, "not_found")
	h.do(req{method: "GET", path: "/v1/customers/01a23297-49f5-76b7-b752-6e9c1ec1bc6a/events", token: op}).wantProblem(t, http.StatusNotFound, "not_found")
	h.do(req{method: "GET", path: "/v1/customers/" + c.ID + "/events"}).wantProblem(t, http.StatusUnauthorized, "unauthenticated")
}
