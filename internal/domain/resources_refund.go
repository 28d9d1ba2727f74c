package domain

import (
	"time"

	"github.com/shopspring/decimal"
)

// HandlingFeePercent is the fee on the unused part of a running term.
const HandlingFeePercent = 10

// EstimateUnsubscription estimates the refund of each primary resource of
// rs (terms[i] are rs[i]'s terms) at now, with quotaLeft 5-day refunds left
// this year; earlier items that use the quota leave less to later ones, as
// at Huawei.
func EstimateUnsubscription(rs []Resource, terms [][]ResourceTerm, now time.Time, quotaLeft int) UnsubscriptionPreview {
	out := UnsubscriptionPreview{TotalRefund: decimal.Zero}
	quotaLeft = max(quotaLeft, 0)
	for i, r := range rs {
		e := EstimateRefund(r, terms[i], now, quotaLeft)
		if e.Reason == "five_day" {
			quotaLeft--
		}
		if e.Fee.IsPositive() {
			out.FeeApplies = true
		}
		out.TotalRefund = out.TotalRefund.Add(e.EstimatedRefund)
		out.Items = append(out.Items, e)
	}
	return out
}

// EstimateRefund applies Huawei's refund rules (docs/huawei-bss.md §5.4, as
// bsssim's refundFor implements them) to one primary resource's terms:
//
//   - within 5×24 h of the start of the first term, with quota left: every
//     term is refunded in full (reason five_day);
//   - otherwise, per term: not yet started → refunded in full; finished →
//     consumed; running → consumed = paid × ceil(used days) / total days,
//     fee = 10 % of the rest, refund = rest − fee (each rounded to fen,
//     half away from zero).
//
// A resource without recorded terms (bought at Huawei, or before terms
// were kept) is estimated from nothing: reason unknown_terms, zero refund.
func EstimateRefund(r Resource, terms []ResourceTerm, now time.Time, quotaLeft int) UnsubscriptionEstimate {
	e := UnsubscriptionEstimate{ResourceID: r.ID, Paid: decimal.Zero, Consumed: decimal.Zero, Fee: decimal.Zero,
		EstimatedRefund: decimal.Zero, QuotaLeft: quotaLeft}
	// Huawei counts in whole seconds: a fraction of a second past a day's
	// end would otherwise count one more used day than Huawei does.
	now = now.Truncate(time.Second)
	if len(terms) == 0 {
		e.Reason = "unknown_terms"
		return e
	}
	start := terms[0].StartsAt
	for _, t := range terms {
		e.Paid = e.Paid.Add(t.Paid)
		if t.StartsAt.Before(start) {
			start = t.StartsAt
		}
	}
	inWindow := now.Sub(start) < FiveDayWindow
	if inWindow && quotaLeft > 0 {
		e.FullRefund, e.Reason, e.EstimatedRefund = true, "five_day", e.Paid
		e.FullRefundUntil = start.Add(FiveDayWindow)
		return e
	}
	started := false
	day := 24 * time.Hour
	for _, t := range terms {
		switch {
		case t.StartsAt.After(now):
			e.EstimatedRefund = e.EstimatedRefund.Add(t.Paid)
		case !t.EndsAt.After(now):
			started = true
			e.Consumed = e.Consumed.Add(t.Paid)
		default:
			started = true
			used := int64((now.Sub(t.StartsAt) + day - 1) / day)
			total := max(int64((t.EndsAt.Sub(t.StartsAt)+day-1)/day), used)
			consumed := t.Paid.Mul(decimal.NewFromInt(used)).Div(decimal.NewFromInt(total)).Round(2)
			rest := t.Paid.Sub(consumed)
			fee := rest.Mul(decimal.NewFromInt(HandlingFeePercent)).Div(decimal.NewFromInt(100)).Round(2)
			e.Consumed = e.Consumed.Add(consumed)
			e.Fee = e.Fee.Add(fee)
			e.EstimatedRefund = e.EstimatedRefund.Add(rest.Sub(fee))
		}
	}
	switch {
	case inWindow:
		e.Reason = "quota_used"
	case !started:
		e.Reason = "not_started"
	default:
		e.Reason = "outside_window"
	}
	e.FullRefund = e.EstimatedRefund.Equal(e.Paid)
	return e
}
