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
