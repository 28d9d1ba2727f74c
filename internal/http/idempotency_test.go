package http_test

import (
	"bytes"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// TestIdempotencyKey: the contract of docs/design.md §2.7 through the API.
func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	adm := h.admin()
	body := map[string]any{"email": "idem@example.com", "password": "staff-password-1", "roles": []string{"operator"}}
	post := func(key string, body any) response {
		return h.do(req{method: "POST", path: "/v1/staff", token: adm.AccessToken, body: body, header: map[string]string{"Idempotency-Key": key}})
	}

	first := post("key-1", body)
	first.wantStatus(t, http.StatusCreated)
	if first.header.Get("Idempotent-Replayed") != "" {
		t.Fatal("the first answer says it is a replay")
	}
	users := h.count("users")
	again := post("key-1", body)
	again.wantStatus(t, http.StatusCreated)
	if again.header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(again.body, first.body) ||
		again.header.Get("Content-Type") != first.header.Get("Content-Type") {
		t.Fatalf("replay differs:\n%s\n%s (%q)", first.body, again.body, again.header.Get("Idempotent-Replayed"))
	}
	if h.count("users") != users {
		t.Fatal("the replay created another user")
	}

	// Another body with the same key: refused, nothing written.
	other := map[string]any{"email": "other@example.com", "password": "staff-password-1", "roles": []string{"operator"}}
	post("key-1", other).wantProblem(t, http.StatusUnprocessableEntity, "idempotency_key_reused")
	if h.count("users") != users {
		t.Fatal("a reused key wrote something")
	}

	// A failure is an answer too: replayed, not run again.
	dup := map[string]any{"email": adminEmail, "password": "staff-password-1", "roles": []string{"operator"}}
	a := post("key-2", dup)
	a.wantProblem(t, http.StatusConflict, "already_exists")
	b := post("key-2", dup)
	if b.status != http.StatusConflict || b.header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(a.body, b.body) {
		t.Fatalf("a 409 replay: %d %q %s", b.status, b.header.Get("Idempotent-Replayed"), b.body)
	}

	// Malformed keys.
	for _, k := range []string{"has space", strings.Repeat("k", 256), "ключ"} {
		p := post(k, other).wantProblem(t, http.StatusBadRequest, "validation_failed")
		if len(p.Errors) == 0 || p.Errors[0].Field != "Idempotency-Key" {
			t.Fatalf("key %q: errors %+v", k, p.Errors)
		}
	}

	// Keys are the caller's: another admin's same key and body runs as its own request.
	h.createStaff(adm.AccessToken, "admin2@example.com", "admin")
	adm2 := h.login("admin2@example.com", "staff-password-1")
	res := h.do(req{method: "POST", path: "/v1/staff", token: adm2.AccessToken, body: body, header: map[string]string{"Idempotency-Key": "key-1"}})
	res.wantProblem(t, http.StatusConflict, "already_exists") // ran: the email exists now
	if res.header.Get("Idempotent-Replayed") != "" {
		t.Fatal("another caller got the first caller's answer")
	}
}

// TestIdempotencyConcurrent: 50 parallel requests with one key have one
// effect; every answer is the first one's or 409 request_in_progress.
func TestIdempotencyConcurrent(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	adm := h.admin()
	body := map[string]any{"email": "race@example.com", "password": "staff-password-1", "roles": []string{"finance"}}
	users := h.count("users")
	var mu sync.Mutex
	var created, inProgress int
	var bodies [][]byte
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := h.do(req{method: "POST", path: "/v1/staff", token: adm.AccessToken, body: body, header: map[string]string{"Idempotency-Key": "race"}})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case res.status == http.StatusCreated:
				created++
				bodies = append(bodies, res.body)
			case res.status == http.StatusConflict && strings.Contains(string(res.body), `"request_in_progress"`):
				inProgress++
				if res.header.Get("Retry-After") == "" {
					t.Errorf("409 in progress without Retry-After")
				}
			default:
				t.Errorf("unexpected %d %s", res.status, res.body)
			}
		}()
	}
	wg.Wait()
	if got := h.count("users") - users; got != 1 {
		t.Fatalf("%d users created, want 1", got)
	}
	if created == 0 {
		t.Fatal("no request succeeded")
	}
	for _, b := range bodies[1:] {
		if !bytes.Equal(b, bodies[0]) {
			t.Fatalf("answers differ:\n%s\n%s", bodies[0], b)
		}
	}
	t.Logf("%d created (1 run + replays), %d in progress", created, inProgress)
}
