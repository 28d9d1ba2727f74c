package domain_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/partnerlab/storefront/internal/domain"
)

func TestEstimateRefund(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	r := domain.Resource{ID: uuid.New(), Main: true, EffectiveAt: start}
	month := func(from time.Time, paid string) domain.ResourceTerm {
		return domain.ResourceTerm{ResourceID: r.ID, HuaweiOrderID: "o" + from.String(), StartsAt: from, EndsAt: from.AddDate(0, 1, 0), Paid: decimal.RequireFromString(paid)}
	}
	one := []domain.ResourceTerm{month(start, "310.00")}
	renewed := []domain.ResourceTerm{month(start, "310.00"), month(start.AddDate(0, 1, 0), "280.00")}
	tests := []struct {
		name      string
		terms     []domain.ResourceTerm
		at        time.Duration // after start
		quota     int
		full      bool
		reason    string
		refund    string
		fee       string
		consumed  string
		untilZero bool
	}{
		{name: "4d23h: full refund", terms: one, at: 4*24*time.Hour + 23*time.Hour, quota: 10, full: true, reason: "five_day", refund: "310.00", fee: "0.00", consumed: "0.00"},
		{name: "4d23h renewed: every term in full", terms: renewed, at: 4*24*time.Hour + 23*time.Hour, quota: 1, full: true, reason: "five_day", refund: "590.00", fee: "0.00", consumed: "0.00"},
		// 5d1h: 6 of 31 days used: consumed 310×6/31 = 60.00, rest 250.00, fee 25.00.
		{name: "5d1h: fee", terms: one, at: 5*24*time.Hour + time.Hour, quota: 10, reason: "outside_window", refund: "225.00", fee: "25.00", consumed: "60.00", untilZero: true},
		// The 11th in a year: no quota left, so the fee applies inside the window (2 of 31 days).
		{name: "11th in a year: fee", terms: one, at: 2 * 24 * time.Hour, quota: 0, reason: "quota_used", refund: "261.00", fee: "29.00", consumed: "20.00", untilZero: true},
		// Renewal not started yet: refunded in full; the running term (10 of 31 days) with a fee.
		{name: "renewal not started", terms: renewed, at: 10 * 24 * time.Hour, quota: 10, reason: "outside_window", refund: "469.00", fee: "21.00", consumed: "100.00", untilZero: true},
		{name: "finished term consumed", terms: one, at: 40 * 24 * time.Hour, quota: 10, reason: "outside_window", refund: "0.00", fee: "0.00", consumed: "310.00", untilZero: true},
		{name: "no terms", terms: nil, at: time.Hour, quota: 10, reason: "unknown_terms", refund: "0.00", fee: "0.00", consumed: "0.00", untilZero: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := domain.EstimateRefund(r, tt.terms, start.Add(tt.at), tt.quota)
			if e.FullRefund != tt.full || e.Reason != tt.reason || e.EstimatedRefund.StringFixed(2) != tt.refund ||
				e.Fee.StringFixed(2) != tt.fee || e.Consumed.StringFixed(2) != tt.consumed || e.QuotaLeft != tt.quota {
				t.Fatalf("estimate %+v", e)
			}
			if e.FullRefundUntil.IsZero() != tt.untilZero {
				t.Fatalf("full refund until %v", e.FullRefundUntil)
			}
		})
	}
}

func TestEstimateUnsubscriptionSpendsQuota(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var rs []domain.Resource
	var terms [][]domain.ResourceTerm
	for range 3 {
		r := domain.Resource{ID: uuid.New(), Main: true}
		rs = append(rs, r)
		terms = append(terms, []domain.ResourceTerm{{ResourceID: r.ID, HuaweiOrderID: "o", StartsAt: start, EndsAt: start.AddDate(0, 1, 0), Paid: decimal.RequireFromString("31.00")}})
	}
	pv := domain.EstimateUnsubscription(rs, terms, start.Add(24*time.Hour), 2)
	if pv.Items[0].Reason != "five_day" || pv.Items[0].QuotaLeft != 2 || pv.Items[1].Reason != "five_day" || pv.Items[1].QuotaLeft != 1 ||
		pv.Items[2].Reason != "quota_used" || pv.Items[2].QuotaLeft != 0 || !pv.FeeApplies {
		t.Fatalf("preview %+v", pv)
	}
	// 31 + 31 + (31 − 1.00 consumed − 3.00 fee) = 89.00
	if pv.TotalRefund.StringFixed(2) != "89.00" {
		t.Fatalf("total %s", pv.TotalRefund)
	}
}

func TestActions(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	r := domain.Resource{ID: uuid.New(), Main: true, Status: domain.ResourceInUse, EffectiveAt: now.Add(-24 * time.Hour), ExpiresAt: now.AddDate(0, 1, 0)}
	a := domain.Actions(r, now, false, 10, []domain.PeriodType{domain.PeriodMonth})
	if !a.Renew.Allowed || !a.Renew.Until.Equal(r.ExpiresAt.Add(domain.Retention)) || len(a.Renew.PeriodTypes) != 1 ||
		!a.Unsubscribe.Allowed || !a.Unsubscribe.FullRefundUntil.Equal(r.EffectiveAt.Add(domain.FiveDayWindow)) || !a.AutoRenew.Allowed {
		t.Fatalf("in use: %+v", a)
	}
	if a := domain.Actions(r, now, false, 0, nil); !a.Unsubscribe.FullRefundUntil.IsZero() || len(a.Renew.PeriodTypes) != 2 {
		t.Fatalf("no quota: %+v", a)
	}
	if a := domain.Actions(r, now, true, 10, nil); a.Renew.Allowed || a.Unsubscribe.Allowed || a.Renew.Reason != "open_order" {
		t.Fatalf("busy: %+v", a)
	}
	expired := r
	expired.Status, expired.ExpiresAt = domain.ResourceExpired, now.Add(-14*24*time.Hour)
	if a := domain.Actions(expired, now, false, 10, nil); !a.Renew.Allowed || a.Unsubscribe.Allowed || a.AutoRenew.Allowed {
		t.Fatalf("expired within retention: %+v", a)
	}
	expired.ExpiresAt = now.Add(-16 * 24 * time.Hour)
	if a := domain.Actions(expired, now, false, 10, nil); a.Renew.Allowed || a.Renew.Reason != "retention_over" {
		t.Fatalf("expired past retention: %+v", a)
	}
	sub := r
	sub.Main, sub.PrimaryID = false, uuid.New()
	if a := domain.Actions(sub, now, false, 10, nil); a.Renew.Allowed || a.Unsubscribe.Allowed || a.AutoRenew.Allowed {
		t.Fatalf("subordinate: %+v", a)
	}
}
