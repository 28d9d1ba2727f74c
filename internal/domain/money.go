package domain

import (
	"regexp"
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

// plainDecimal is what a client amount must look like before its value is
// checked: digits, optionally a point and digits; no sign, exponent or space.
var plainDecimal = regexp.MustCompile(`^[0-9]{1,18}(\.[0-9]{1,18})?$`)

// ParseAmount parses a client money string: a plain decimal, positive, at
// most 2 decimals. Errors are validation errors naming the field "amount".
func ParseAmount(s string) (decimal.Decimal, error) {
	bad := func(code, msg string) error {
		return &Error{Code: CodeValidation, Message: msg, Fields: []FieldError{{Field: "amount", Code: code, Message: msg}}}
	}
	if !plainDecimal.MatchString(s) {
		return decimal.Decimal{}, bad("format", "amount must be a decimal string such as \"100.00\"")
	}
	d := decimal.RequireFromString(s)
	if !d.Equal(d.Round(2)) {
		return decimal.Decimal{}, bad("scale", "amount must have at most 2 decimals")
	}
	if !d.IsPositive() {
		return decimal.Decimal{}, bad("minimum", "amount must be greater than zero")
	}
	return d, nil
}

// String renders "1234.50 CNY".
func (m Money) String() string { return m.Amount.StringFixed(2) + " " + m.Currency }
