package domain

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// TestOperationTransfers: each kind's hold, settle and release move between
// the accounts of docs/design.md §9.1, and each step undoes or completes
// the hold.
func TestOperationTransfers(t *testing.T) {
	t.Parallel()
	c := uuid.Must(uuid.NewV7())
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		kind                  MoneyKind
		hold, settle, release [2]LedgerAccount
	}{
		{MoneyAllocation,
			[2]LedgerAccount{PartnerAllocatable(), CustomerHeld(c)},
			[2]LedgerAccount{CustomerHeld(c), CustomerAvailable(c)},
			[2]LedgerAccount{CustomerHeld(c), PartnerAllocatable()}},
		{MoneyReclaim,
			[2]LedgerAccount{CustomerAvailable(c), CustomerHeld(c)},
			[2]LedgerAccount{CustomerHeld(c), PartnerAllocatable()},
			[2]LedgerAccount{CustomerHeld(c), CustomerAvailable(c)}},
	} {
		op := MoneyOperation{ID: uuid.Must(uuid.NewV7()), Kind: tc.kind, CustomerID: c, Amount: decimal.RequireFromString("12.34"), Currency: "CNY"}
		for name, got := range map[string]LedgerTransfer{"hold": op.hold(at), "settle": op.settle("T1", at), "release": op.release(at)} {
			want := map[string][2]LedgerAccount{"hold": tc.hold, "settle": tc.settle, "release": tc.release}[name]
			if got.From != want[0] || got.To != want[1] || !got.Amount.Equal(op.Amount) || got.OperationID != op.ID || got.Kind != TransferKind(name) {
				t.Errorf("%s %s: %+v", tc.kind, name, got)
			}
		}
		if op.settle("T1", at).Reference != "T1" {
			t.Errorf("%s settle carries no reference", tc.kind)
		}
	}
}

// TestCallOutcome: what the adapter did not classify is unknown, the safe
// assumption for a money move.
func TestCallOutcome(t *testing.T) {
	t.Parallel()
	up := func(o Outcome) error {
		return &Error{Code: CodeUpstreamRejected, Upstream: &UpstreamDetail{Outcome: o}}
	}
	for _, tc := range []struct {
		err  error
		want Outcome
	}{
		{up(OutcomeDefinite), OutcomeDefinite},
		{up(OutcomeRetryable), OutcomeRetryable},
		{up(OutcomeUnknown), OutcomeUnknown},
		{Errorf(CodeValidation, "bad amount"), OutcomeDefinite},
		{Errorf(CodeInternal, "could not be built"), OutcomeUnknown},
		{errors.New("context canceled"), OutcomeUnknown},
	} {
		if got := callOutcome(tc.err); got != tc.want {
			t.Errorf("callOutcome(%v) = %s, want %s", tc.err, got, tc.want)
		}
	}
}

// TestParseMoneyAmount: what a client may write as an amount.
func TestParseMoneyAmount(t *testing.T) {
	t.Parallel()
	s := &MoneyService{cfg: MoneyConfig{MaxAmount: decimal.RequireFromString("1000.00")}}
	for in, code := range map[string]string{
		"1": "", "0.01": "", "1000.00": "", "12.340": "", "007.5": "",
		"0": "minimum", "0.00": "minimum", "1.001": "scale", "1000.01": "maximum",
		"-1": "format", "+1": "format", "1e2": "format", " 1": "format", "1,0": "format", "": "format", ".5": "format", "1.": "format", "NaN": "format",
	} {
		_, err := s.parseAmount(in)
		var e *Error
		switch {
		case code == "" && err != nil:
			t.Errorf("%q: %v", in, err)
		case code != "" && (!errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Field != "amount" || e.Fields[0].Code != code):
			t.Errorf("%q: %v, want field amount %s", in, err, code)
		}
	}
}
