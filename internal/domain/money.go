package domain

import (
	"strconv"

	"github.com/shopspring/decimal"
)

// CurrencyCNY is the only currency of the China site (docs/huawei-bss.md §6.1).
const CurrencyCNY = "CNY"

// Money is an exact amount with its currency. Amounts are decimal, never
// float (docs/design.md §2.5); the scale at rest is fen (2 decimals).
type Money struct {
	Amount   decimal.Decimal
	Currency string
}

// CNY builds a Money in yuan.
func CNY(amount decimal.Decimal) Money { return Money{Amount: amount, Currency: CurrencyCNY} }

// RoundFen rounds half away from zero to 2 decimals: the unit Huawei deducts
// in. Used at the upstream boundary, where the SDK hands over float64 or
// 6–10 decimal rating results.
func RoundFen(d decimal.Decimal) decimal.Decimal { return d.Round(2) }

// FenFromFloat converts an SDK float64 money field to decimal fen. The float
// is formatted with its shortest exact representation first, so 0.1 stays
// 0.1 and does not become 0.1000000000000000055.
func FenFromFloat(f float64) decimal.Decimal {
	return RoundFen(decimal.RequireFromString(strconv.FormatFloat(f, 'f', -1, 64)))
}

// ParseAmount parses a client money string: positive, at most 2 decimals.
func ParseAmount(s string) (decimal.Decimal, error) {
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Decimal{}, Errorf(CodeValidation, "amount %q is not a decimal number", s)
	}
	if !d.Equal(d.Round(2)) {
		return decimal.Decimal{}, Errorf(CodeValidation, "amount %q has more than 2 decimals", s)
	}
	if !d.IsPositive() {
		return decimal.Decimal{}, Errorf(CodeValidation, "amount %q must be greater than zero", s)
	}
	return d, nil
}

// String renders "1234.50 CNY".
func (m Money) String() string { return m.Amount.StringFixed(2) + " " + m.Currency }
