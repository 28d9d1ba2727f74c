package http_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"
)

// TestMoneyIdempotencyInUseCase: the money routes claim and answer their
// Idempotency-Key inside the use case's transaction (domain.RequestClaim);
// a key that already has an answer is answered from it even when running
// the request again would now succeed, and a key used on another route is
// refused without an effect.
func TestMoneyIdempotencyInUseCase(t *testing.T) {
	t.Parallel()
	h := newMoneyHarness(t)
	fin := h.staffToken("finance@example.com", "finance")
	c := h.customerFixture()
	ops := func() int {
		var n int
		if err := h.pool.QueryRow(context.Background(), `SELECT count(*) FROM money_operations`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	// A refusal is the key's answer: once the customer has the money, the
	// same request is still answered with it, and nothing moves.
	key := newKey()
	first := h.move(fin, "reclaims", c.id, "5.00", key)
	first.wantProblem(t, http.StatusConflict, "insufficient_customer_balance")
	op := h.accepted(fin, "allocations", c.id, "10.00")
	h.settled(10 * time.Second)
	if got := h.operation(fin, op.ID); got.Status != "succeeded" {
		t.Fatalf("allocation %s", got.Status)
	}
	again := h.move(fin, "reclaims", c.id, "5.00", key)
	if again.status != http.StatusConflict || again.header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(again.body, first.body) {
		t.Fatalf("replay of a refusal: %d %q %s\nfirst: %s", again.status, again.header.Get("Idempotent-Replayed"), again.body, first.body)
	}
	if n := ops(); n != 1 {
		t.Fatalf("%d operations after the replayed refusal, want 1", n)
	}
	if b := h.balance(fin, c.id); b.Available != "10.00" || b.Held != "0.00" {
		t.Fatalf("balance %+v", b)
	}

	// A key first used on another route: refused, nothing written.
	key = newKey()
	admin := h.admin().AccessToken
	h.do(req{method: "POST", path: "/v1/staff", token: admin, header: map[string]string{"Idempotency-Key": key},
		body: map[string]any{"email": "other@example.com", "password": "staff-password-1", "roles": []string{"operator"}}}).wantStatus(t, http.StatusCreated)
	before := ops()
	h.move(admin, "allocations", c.id, "2.00", key).wantProblem(t, http.StatusUnprocessableEntity, "idempotency_key_reused")
	if n := ops(); n != before {
		t.Fatalf("a reused key made an operation: %d → %d", before, n)
	}
	h.move(fin, "allocations", c.id, "2.00", key).wantStatus(t, http.StatusAccepted) // keys are the caller's

	// A fresh key: the answer goes out once, and the replay is it.
	key = newKey()
	a := h.move(fin, "allocations", c.id, "3.00", key)
	a.wantStatus(t, http.StatusAccepted)
	if a.header.Get("Idempotent-Replayed") != "" {
		t.Fatal("the first answer says it is a replay")
	}
	b := h.move(fin, "allocations", c.id, "3.00", key)
	if b.status != http.StatusAccepted || b.header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(a.body, b.body) ||
		a.header.Get("Location") != b.header.Get("Location") {
		t.Fatalf("replay: %d %q %s\nfirst: %s", b.status, b.header.Get("Idempotent-Replayed"), b.body, a.body)
	}
	h.settled(10 * time.Second)
}
