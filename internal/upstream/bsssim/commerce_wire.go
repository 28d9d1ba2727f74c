package bsssim

import (
	"github.com/shopspring/decimal"
)

// JSON encodings of money the SDK models decode (docs/huawei-bss.md §6.1):
// decimal.Decimal and float64 fields need JSON numbers (a string breaks
// float64 fields), *string amount fields need JSON strings.

// jsonMoney writes a fen amount as a JSON number with 2 decimals.
type jsonMoney decimal.Decimal

func (m jsonMoney) MarshalJSON() ([]byte, error) {
	return []byte(decimal.Decimal(m).StringFixed(2)), nil
}

// jsonNum writes a decimal as a JSON number in its shortest exact form
// (rating results carry up to 6 or 10 decimals).
type jsonNum decimal.Decimal

func (n jsonNum) MarshalJSON() ([]byte, error) {
	return []byte(decimal.Decimal(n).String()), nil
}

const measureYuan = 1

func ptrTo[T any](v T) *T { return &v }
