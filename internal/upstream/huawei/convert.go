package huawei

import (
	"time"

	"github.com/shopspring/decimal"

	"github.com/partnerlab/storefront/internal/domain"
)

// Conversions at the boundary: SDK pointers and Huawei's encodings in,
// domain values out. Money is rounded to fen here and nowhere else.

const huaweiTime = "2006-01-02T15:04:05Z" // docs/huawei-bss.md §8.8

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func num(p *int32) int {
	if p == nil {
		return 0
	}
	return int(*p)
}

func ptr[T any](v T) *T { return &v }

// optStr: "" means "no filter" for Huawei's optional fields.
func optStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func optInt(n int) *int32 {
	if n == 0 {
		return nil
	}
	v := int32(n)
	return &v
}

func optTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	return ptr(t.UTC().Format(huaweiTime))
}

// parseTime reads Huawei's UTC timestamps; an absent or unreadable one is
// the zero time rather than a failed call (it never decides money).
func parseTime(p *string) time.Time {
	if p == nil || *p == "" {
		return time.Time{}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, *p); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

func fen(p *decimal.Decimal) decimal.Decimal {
	if p == nil {
		return decimal.Zero
	}
	return domain.RoundFen(*p)
}

// fenFloat converts the SDK's float64 money fields, the one place a float
// may touch money (docs/design.md §2.5).
func fenFloat(p *float64) decimal.Decimal {
	if p == nil {
		return decimal.Zero
	}
	return domain.FenFromFloat(*p)
}

// fenString reads Huawei's money-as-string fields (adjust records, renewal
// prices). ok is false for text that is not a number.
func fenString(p *string) (d decimal.Decimal, ok bool) {
	if p == nil || *p == "" {
		return decimal.Zero, true
	}
	d, err := decimal.NewFromString(*p)
	if err != nil {
		return decimal.Zero, false
	}
	return domain.RoundFen(d), true
}

func currency(p *string) string {
	if p == nil || *p == "" {
		return domain.CurrencyCNY
	}
	return *p
}

// validAmount: > 0, at most 2 decimals, as adjust-amount and reclaim demand.
func validAmount(amount decimal.Decimal) error {
	if !amount.IsPositive() || !amount.Equal(amount.Round(2)) {
		return domain.Errorf(domain.CodeValidation, "amount %s must be greater than zero with at most 2 decimals", amount.String())
	}
	return nil
}

func validCount(what string, n, lo, hi int) error {
	if n < lo || n > hi {
		return domain.Errorf(domain.CodeValidation, "%s: %d given, %d–%d allowed", what, n, lo, hi)
	}
	return nil
}

func required(what, v string) error {
	if v == "" {
		return domain.Errorf(domain.CodeValidation, "%s is required", what)
	}
	return nil
}

// ratingPeriod is period_type of the rating APIs.
func ratingPeriod(u domain.CloudPeriodUnit) (int32, error) {
	switch u {
	case domain.CloudPeriodDay:
		return 0, nil
	case domain.CloudPeriodMonth:
		return 2, nil
	case domain.CloudPeriodYear:
		return 3, nil
	case domain.CloudPeriodHour:
		return 4, nil
	}
	return 0, domain.Errorf(domain.CodeValidation, "period %q is not day, month, year or hour", u)
}

// renewalPeriod is period_type of renewals: months 1–11 or years 1–3.
func renewalPeriod(u domain.CloudPeriodUnit, n int) (int32, error) {
	switch {
	case u == domain.CloudPeriodMonth && n >= 1 && n <= 11:
		return 2, nil
	case u == domain.CloudPeriodYear && n >= 1 && n <= 3:
		return 3, nil
	}
	return 0, domain.Errorf(domain.CodeValidation, "renewal period %d %s: months 1–11 or years 1–3", n, u)
}

// linePeriod reads an order line's period_type.
func linePeriod(p *int32) domain.CloudPeriodUnit {
	switch num(p) {
	case 0:
		if p == nil {
			return ""
		}
		return domain.CloudPeriodDay
	case 2:
		return domain.CloudPeriodMonth
	case 3:
		return domain.CloudPeriodYear
	case 4:
		return domain.CloudPeriodHour
	}
	return ""
}
