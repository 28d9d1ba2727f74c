package domain_test

import (
	"errors"
	"math"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/partnerlab/storefront/internal/domain"
)

func TestParseAmount(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want string // "" means refused
	}{
		{"1", "1"},
		{"0.01", "0.01"},
		{"12.30", "12.3"},
		{"12.3", "12.3"},
		{"1000000.99", "1000000.99"},
		{"0", ""},
		{"0.00", ""},
		{"-1", ""},
		{"-0.01", ""},
		{"0.001", ""},
		{"1.005", ""},
		{"12.340", "12.34"}, // trailing zero: still 2 significant decimals
		{"", ""},
		{"abc", ""},
		{"1,00", ""},
		{"NaN", ""},
		{" 1", ""},
	} {
		got, err := domain.ParseAmount(tc.in)
		if tc.want == "" {
			if err == nil {
				t.Errorf("ParseAmount(%q) = %s, want an error", tc.in, got)
			} else if !errors.Is(err, domain.ErrValidation) {
				t.Errorf("ParseAmount(%q) error %v is not ErrValidation", tc.in, err)
			}
			continue
		}
		if err != nil || !got.Equal(decimal.RequireFromString(tc.want)) {
			t.Errorf("ParseAmount(%q) = %s, %v; want %s", tc.in, got, err, tc.want)
		}
	}
}

func TestFenFromFloat(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   float64
		want string
	}{
		{0.1, "0.1"},
		{0.1 + 0.2, "0.3"}, // 0.30000000000000004
		{1e6, "1000000"},
		{12.345, "12.35"}, // stored as 12.3449999…; the shortest form rounds half away from zero
		{-12.345, "-12.35"},
		{2.675, "2.68"}, // the classic float rounding trap
		{1.005, "1.01"},
		{0.004, "0"},
		{0.005, "0.01"},
		{99999999.99, "99999999.99"},
		{123.456789, "123.46"},
		{0, "0"},
		{math.Copysign(0, -1), "0"},
	} {
		got := domain.FenFromFloat(tc.in)
		if !got.Equal(decimal.RequireFromString(tc.want)) {
			t.Errorf("FenFromFloat(%v) = %s, want %s", tc.in, got, tc.want)
		}
		if got.Exponent() < -2 {
			t.Errorf("FenFromFloat(%v) = %s has more than 2 decimals", tc.in, got)
		}
	}
}

func TestRoundFen(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"1.234":        "1.23",
		"1.235":        "1.24",
		"-1.235":       "-1.24",
		"0.0049999999": "0",
		"10.1050000":   "10.11",
	} {
		if got := domain.RoundFen(decimal.RequireFromString(in)); !got.Equal(decimal.RequireFromString(want)) {
			t.Errorf("RoundFen(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestMoneyString(t *testing.T) {
	t.Parallel()
	if got := domain.CNY(decimal.RequireFromString("1234.5")).String(); got != "1234.50 CNY" {
		t.Fatalf("String = %q", got)
	}
}
