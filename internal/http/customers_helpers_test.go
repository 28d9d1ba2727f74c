package http_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// newCustomerHarness is newHarness that, when the test fails, logs the
// River jobs (state, attempts, errors): what the customer jobs did.
func newCustomerHarness(t *testing.T, opts ...harnessOpt) *harness {
	t.Helper()
	h := newHarness(t, opts...)
	t.Cleanup(func() {
		if t.Failed() {
			h.logJobs()
		}
	})
	return h
}

func (h *harness) logJobs() {
	rows, err := h.pool.Query(context.Background(), `SELECT id, kind, state, attempt, args::text, coalesce(errors::text, '') FROM river_job ORDER BY id`)
	if err != nil {
		h.t.Log(err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var attempt int
		var kind, state, args, errs string
		if err := rows.Scan(&id, &kind, &state, &attempt, &args, &errs); err != nil {
			h.t.Log(err)
			return
		}
		h.t.Logf("job %d %s %s attempt %d args %s errors %s", id, kind, state, attempt, args, errs)
	}
}

// customerBody is the Customer schema as a test reads it.
type customerBody struct {
	ID             string       `json:"id"`
	UserID         string       `json:"user_id"`
	AccountName    string       `json:"account_name"`
	Email          *string      `json:"email"`
	Mobile         string       `json:"mobile"`
	Status         string       `json:"status"`
	FrozenScope    *string      `json:"frozen_scope"`
	PendingAction  *string      `json:"pending_action"`
	ActionError    *upstreamErr `json:"action_error"`
	RealnameStatus string       `json:"realname_status"`
	Huawei         struct {
		DomainID     *string      `json:"domain_id"`
		DomainName   *string      `json:"domain_name"`
		Association  string       `json:"association"`
		Registration string       `json:"registration"`
		Error        *upstreamErr `json:"error"`
	} `json:"huawei"`
	CreatedAt string `json:"created_at"`
}

type upstreamErr struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// upstreamProblem is a problem document with Huawei's answer.
type upstreamProblem struct {
	problem
	Upstream *upstreamErr `json:"upstream"`
}

type customerPage struct {
	Items      []customerBody `json:"items"`
	NextCursor *string        `json:"next_cursor"`
}

// simCustomer is one customer of GET /_sim/state.
type simCustomer struct {
	DomainID   string `json:"domain_id"`
	DomainName string `json:"domain_name"`
	XAccountID string `json:"xaccount_id"`
	Mobile     string `json:"mobile_phone"`
	Associated bool   `json:"associated"`
	Frozen     bool   `json:"frozen"`
	FreezeType string `json:"freeze_type"`
}

func (h *harness) simCustomers() []simCustomer {
	h.t.Helper()
	var st struct {
		Customers []simCustomer `json:"customers"`
	}
	h.simDo("GET", "/_sim/state", nil, &st)
	return st.Customers
}

// simAccountsFor lists the simulator's accounts whose xaccount_id is ours.
func (h *harness) simAccountsFor(customerID string) []simCustomer {
	h.t.Helper()
	var out []simCustomer
	for _, c := range h.simCustomers() {
		if c.XAccountID == customerID {
			out = append(out, c)
		}
	}
	return out
}

// calls counts the simulator's journal entries for an operation ("" = all).
func (h *harness) calls(op string) int {
	h.t.Helper()
	var j struct {
		Entries []struct {
			Operation string `json:"operation"`
		} `json:"entries"`
	}
	h.simDo("GET", "/_sim/journal", nil, &j)
	n := 0
	for _, e := range j.Entries {
		if op == "" || e.Operation == op {
			n++
		}
	}
	return n
}

// fault scripts count failures of kind on an operation.
func (h *harness) fault(op, kind string, count int) {
	h.t.Helper()
	h.simDo("POST", "/_sim/faults", map[string]any{"operation": op, "kind": kind, "count": count}, nil)
}

func (h *harness) advanceSim(d time.Duration) {
	h.t.Helper()
	h.simDo("POST", "/_sim/clock/advance", map[string]any{"duration": d.String()}, nil)
}

// smsCode is the latest registration code the simulator texted to mobile.
func (h *harness) smsCode(mobile string) string {
	h.t.Helper()
	var box struct {
		Messages []struct {
			Mobile string `json:"mobile_phone"`
			Code   string `json:"code"`
			Scene  int    `json:"scene"`
		} `json:"messages"`
	}
	h.simDo("GET", "/_sim/sms", nil, &box)
	for i := len(box.Messages) - 1; i >= 0; i-- {
		if m := box.Messages[i]; m.Mobile == mobile && m.Scene == 29 {
			return m.Code
		}
	}
	h.t.Fatalf("no registration code texted to %s", mobile)
	return ""
}

// sendCode asks for a registration code through the API and reads it from
// the simulator's SMS box.
func (h *harness) sendCode(token, mobile string) string {
	h.t.Helper()
	h.do(req{method: "POST", path: "/v1/registration/sms-codes", token: token, body: map[string]string{"mobile": mobile}}).
		wantStatus(h.t, http.StatusAccepted)
	return h.smsCode(mobile)
}

// postCustomer posts a registration with body fields (and the code).
func (h *harness) postCustomer(token string, body map[string]any) response {
	h.t.Helper()
	return h.do(req{method: "POST", path: "/v1/customers", token: token, body: body})
}

// register makes the token's user (or user_id, for an operator) a
// customer through the API and returns the 201 body.
func (h *harness) register(token, name, mobile string, extra ...map[string]any) customerBody {
	h.t.Helper()
	body := map[string]any{"account_name": name, "mobile": mobile, "sms_code": h.sendCode(token, mobile)}
	for _, e := range extra {
		for k, v := range e {
			body[k] = v
		}
	}
	res := h.postCustomer(token, body)
	res.wantStatus(h.t, http.StatusCreated)
	var c customerBody
	res.json(h.t, &c)
	return c
}

func (h *harness) customer(token, id string) customerBody {
	h.t.Helper()
	res := h.do(req{method: "GET", path: "/v1/customers/" + id, token: token})
	res.wantStatus(h.t, http.StatusOK)
	var c customerBody
	res.json(h.t, &c)
	return c
}

// waitCustomer polls GET /v1/customers/{id} until cond holds (every 50 ms:
// each poll is a full request through the contract check, so a tighter
// loop only burns the CPU the jobs need; 15 s: the machine may be busy).
func (h *harness) waitCustomer(token, id, what string, cond func(customerBody) bool) customerBody {
	h.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		c := h.customer(token, id)
		if cond(c) {
			return c
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s; customer %+v", what, c)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func registered(c customerBody) bool { return c.Huawei.Registration == "created" }
func confirmed(c customerBody) bool {
	return c.Huawei.Registration == "created" && c.Huawei.Association == "confirmed"
}

// operator creates an operator and signs it in.
func (h *harness) operator(email string) tokenPair {
	h.t.Helper()
	h.createStaff(h.admin().AccessToken, email, "operator")
	return h.login(email, "staff-password-1")
}

// apiClientToken creates an API client (admin) and returns its token.
func (h *harness) apiClientToken(scopes ...string) string {
	h.t.Helper()
	res := h.do(req{method: "POST", path: "/v1/api-clients", token: h.admin().AccessToken,
		body: map[string]any{"name": "integration", "scopes": scopes}})
	res.wantStatus(h.t, http.StatusCreated)
	var c struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	res.json(h.t, &c)
	res = h.do(req{method: "POST", path: "/v1/oauth/token", body: url.Values{"grant_type": {"client_credentials"}, "client_id": {c.ClientID}, "client_secret": {c.ClientSecret}}})
	res.wantStatus(h.t, http.StatusOK)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	res.json(h.t, &tok)
	return tok.AccessToken
}

// me is GET /v1/me.
func (h *harness) me(token string) map[string]any {
	h.t.Helper()
	res := h.do(req{method: "GET", path: "/v1/me", token: token})
	res.wantStatus(h.t, http.StatusOK)
	var m map[string]any
	res.json(h.t, &m)
	return m
}

// auditActions lists the audit actions recorded for a customer, oldest first.
func (h *harness) auditActions(customerID string) []string {
	h.t.Helper()
	rows, err := h.pool.Query(context.Background(), `SELECT action FROM audit_events WHERE subject_id = $1 ORDER BY occurred_at, id`, customerID)
	if err != nil {
		h.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			h.t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

func hasAll(have []string, want ...string) bool {
	joined := "\x00" + strings.Join(have, "\x00") + "\x00"
	for _, w := range want {
		if !strings.Contains(joined, "\x00"+w+"\x00") {
			return false
		}
	}
	return true
}
