package http_test

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/partnerlab/storefront/internal/domain"
	"github.com/partnerlab/storefront/internal/store"
)

// moneyClockSkew is the tests' MoneyConfig.ClockSkew: the simulator's clock
// is ours, to the second. Reconciliation compares records older than this.
const moneyClockSkew = 2 * time.Second

// newMoneyHarness is the harness for money tests: no step-up below
// 1,000,000,000.00 (tests of step-up lower it), and the ledger's invariants
// asserted when the test ends, whatever it did.
func newMoneyHarness(t *testing.T, opts ...harnessOpt) *harness {
	t.Helper()
	h := newHarness(t, append([]harnessOpt{withStepUpThreshold("1000000000.00")}, opts...)...)
	t.Cleanup(func() { h.assertLedger() })
	return h
}

// assertLedger runs `storefront verify-ledger`'s queries and fails the
// test on any violation.
func (h *harness) assertLedger() {
	h.t.Helper()
	vs, err := store.VerifyLedger(context.Background(), h.pool)
	if err != nil {
		h.t.Errorf("verify ledger: %v", err)
		return
	}
	for _, v := range vs {
		h.t.Errorf("ledger invariant broken: %s", v)
	}
}

// staffToken creates a staff member with roles and logs in.
func (h *harness) staffToken(email string, roles ...string) string {
	h.t.Helper()
	h.createStaff(h.admin().AccessToken, email, roles...)
	return h.login(email, "staff-password-1").AccessToken
}

// moneyCustomer is a customer fixture: its user's token, our id and Huawei's.
type moneyCustomer struct {
	token    string
	id       uuid.UUID
	huaweiID string
}

var moneyFixtureSeq atomic.Int64

// customerFixture makes a registered customer without the registration
// flow (built elsewhere):
//
// FIXTURE: a signed-up user, a customers row written through the store, a
// sub-customer created at the simulator through the real adapter, and the
// Huawei id linked by a plain UPDATE — what the registration job will do.
func (h *harness) customerFixture() moneyCustomer {
	h.t.Helper()
	ctx := context.Background()
	n := moneyFixtureSeq.Add(1)
	email := fmt.Sprintf("money-customer-%d@example.com", n)
	tok := h.signup(email)
	p, err := h.signer.Verify(tok.AccessToken)
	if err != nil {
		h.t.Fatal(err)
	}
	now := time.Now().UTC()
	c := domain.Customer{ID: uuid.Must(uuid.NewV7()), UserID: p.ID, AccountName: fmt.Sprintf("moneycust%d", n), Email: email,
		Mobile: "13800000000", CreatedAt: now, UpdatedAt: now}
	if err := h.st.InTx(ctx, func(tx domain.Tx) error { return tx.Customers().CreateCustomer(ctx, c, "") }); err != nil {
		h.t.Fatal(err)
	}
	sub, err := h.cloud.CreateSubCustomer(ctx, domain.CloudNewSubCustomer{XAccountID: c.ID.String(), DomainName: fmt.Sprintf("sfm%d%x", n, c.ID[12:])})
	if err != nil {
		h.t.Fatal(err)
	}
	// FIXTURE: link the Huawei account as the registration job will.
	if _, err := h.pool.Exec(ctx, `UPDATE customers SET huawei_domain_id = $1, huawei_domain_name = $2,
		registration_status = 'created', association = 'confirmed' WHERE id = $3`, sub.DomainID, sub.DomainName, c.ID); err != nil {
		h.t.Fatal(err)
	}
	return moneyCustomer{token: tok.AccessToken, id: c.ID, huaweiID: sub.DomainID}
}

// moneyOp is a MoneyOperation as the API renders it.
type moneyOp struct {
	ID          string `json:"id"`
	Kind        string `json:"kind"`
	CustomerID  string `json:"customer_id"`
	Amount      string `json:"amount"`
	Currency    string `json:"currency"`
	Status      string `json:"status"`
	UpstreamRef string `json:"upstream_ref"`
	Error       *struct {
		Operation string `json:"operation"`
		Code      string `json:"code"`
		Message   string `json:"message"`
		Outcome   string `json:"outcome"`
	} `json:"error"`
	Evidence []map[string]any `json:"evidence"`
}

var keySeq atomic.Int64

func newKey() string { return fmt.Sprintf("key-%d-%d", time.Now().UnixNano(), keySeq.Add(1)) }

// move posts an allocation or reclaim ("allocations", "reclaims").
func (h *harness) move(token, what string, customer uuid.UUID, amount, key string) response {
	h.t.Helper()
	hd := map[string]string{}
	if key != "" {
		hd["Idempotency-Key"] = key
	}
	return h.do(req{method: "POST", path: "/v1/customers/" + customer.String() + "/" + what, token: token,
		body: map[string]any{"amount": amount}, header: hd})
}

// accepted posts and wants 202.
func (h *harness) accepted(token, what string, customer uuid.UUID, amount string) moneyOp {
	h.t.Helper()
	res := h.move(token, what, customer, amount, newKey())
	res.wantStatus(h.t, http.StatusAccepted)
	var op moneyOp
	res.json(h.t, &op)
	return op
}

func (h *harness) operation(token, id string) moneyOp {
	h.t.Helper()
	res := h.do(req{method: "GET", path: "/v1/money-operations/" + id, token: token})
	res.wantStatus(h.t, http.StatusOK)
	var op moneyOp
	res.json(h.t, &op)
	return op
}

// settled waits (up to within) until every operation is succeeded or failed.
func (h *harness) settled(within time.Duration) {
	h.t.Helper()
	deadline := time.Now().Add(within)
	for {
		var open int
		if err := h.pool.QueryRow(context.Background(), `SELECT count(*) FROM money_operations WHERE status NOT IN ('succeeded', 'failed')`).Scan(&open); err != nil {
			h.t.Fatal(err)
		}
		if open == 0 {
			return
		}
		if time.Now().After(deadline) {
			rows, _ := h.pool.Query(context.Background(), `SELECT id, status, customer_id, coalesce(error_message, '') FROM money_operations WHERE status NOT IN ('succeeded', 'failed') LIMIT 10`)
			for rows.Next() {
				var id, status, cust, msg string
				_ = rows.Scan(&id, &status, &cust, &msg)
				h.t.Logf("open: %s %s %s %s", id, status, cust, msg)
			}
			rows.Close()
			h.t.Fatalf("%d operations still open after %s", open, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// simState is the simulator's ground truth.
type simState struct {
	Partner struct {
		Balances []struct {
			AccountType int    `json:"account_type"`
			Amount      string `json:"amount"`
			Designated  string `json:"designated_amount"`
		} `json:"balances"`
	} `json:"partner"`
	Customers []struct {
		DomainID string `json:"domain_id"`
		Balance  string `json:"balance"`
	} `json:"customers"`
	Adjusts []struct {
		TransID    string `json:"trans_id"`
		CustomerID string `json:"customer_id"`
		Type       string `json:"operation_type"`
		Amount     string `json:"amount"`
	} `json:"adjust_records"`
}

func (h *harness) simState() simState {
	h.t.Helper()
	var s simState
	h.simDo("GET", "/_sim/state", nil, &s)
	return s
}

func (s simState) balance(huaweiID string) decimal.Decimal {
	for _, c := range s.Customers {
		if c.DomainID == huaweiID {
			return decimal.RequireFromString(c.Balance)
		}
	}
	return decimal.Zero
}

func (s simState) partnerAllocatable() decimal.Decimal {
	for _, b := range s.Partner.Balances {
		if b.AccountType == 8 {
			return decimal.RequireFromString(b.Amount).Sub(decimal.RequireFromString(b.Designated))
		}
	}
	return decimal.Zero
}

// ledgerBalance reads a customer's balance through the API.
type balanceOut struct {
	Available string `json:"available"`
	Held      string `json:"held"`
	Currency  string `json:"currency"`
	Upstream  struct {
		Amount *string `json:"amount"`
		ReadAt *string `json:"read_at"`
	} `json:"upstream"`
}

func (h *harness) balance(token string, customer uuid.UUID) balanceOut {
	h.t.Helper()
	res := h.do(req{method: "GET", path: "/v1/customers/" + customer.String() + "/balance", token: token})
	res.wantStatus(h.t, http.StatusOK)
	var b balanceOut
	res.json(h.t, &b)
	return b
}

// ledgerTotals reads our side straight from the ledger: every customer's
// available balance by Huawei id, and the partner's.
func (h *harness) ledgerTotals() (map[string]decimal.Decimal, decimal.Decimal) {
	h.t.Helper()
	ctx := context.Background()
	out := map[string]decimal.Decimal{}
	rows, err := h.pool.Query(ctx, `SELECT c.huawei_domain_id, a.balance FROM ledger_accounts a JOIN customers c ON c.id = a.customer_id WHERE a.kind = 'customer_available'`)
	if err != nil {
		h.t.Fatal(err)
	}
	for rows.Next() {
		var id string
		var b decimal.Decimal
		if err := rows.Scan(&id, &b); err != nil {
			h.t.Fatal(err)
		}
		out[id] = b
	}
	rows.Close()
	var partner decimal.Decimal
	if err := h.pool.QueryRow(ctx, `SELECT balance FROM ledger_accounts WHERE kind = 'partner_allocatable'`).Scan(&partner); err != nil {
		h.t.Fatal(err)
	}
	return out, partner
}

// simFault scripts a simulator fault from its full body.
func (h *harness) simFault(body map[string]any) {
	h.t.Helper()
	h.simDo("POST", "/_sim/faults", body, nil)
}
