package bsssim

import (
	"time"
)

// The time rules (see the constants in commerce.go) run as a discrete
// event loop: each step finds the earliest due event up to `to`, applies it
// at its own time, and looks again. So a jump of a year renews a monthly
// auto-renew resource twelve times, in order, each deduction at its own
// virtual time; and a deadline and an expiry that fall in the same jump are
// applied in time order.

// event priorities at equal times: a renewal attempt at the moment of
// expiry comes before the expiry.
const (
	evProvision = iota
	evDeadline
	evRenew
	evExpire
	evDelete
)

type event struct {
	at   time.Time
	prio int
	fire func(now time.Time)
}

func (e event) before(o event) bool {
	if !e.at.Equal(o.at) {
		return e.at.Before(o.at)
	}
	return e.prio < o.prio
}

// maxTickEvents bounds one tick; a jump that would need more (thousands of
// resources over decades) is finished by the next tick.
const maxTickEvents = 100000

func (s *Server) commerceTick(from, to time.Time) {
	// Time never runs backwards inside a tick: an event that became due
	// earlier but was blocked (an auto-renew attempt behind a pending order
	// that has just lapsed) happens now, not in the past.
	cursor := from
	for range maxTickEvents {
		ev, ok := s.nextEvent(to)
		if !ok {
			return
		}
		if ev.at.After(cursor) {
			cursor = ev.at
		}
		ev.fire(cursor)
	}
}

// nextEvent returns the earliest event due at or before to.
func (s *Server) nextEvent(to time.Time) (event, bool) {
	var best event
	found := false
	consider := func(e event) {
		if e.at.After(to) {
			return
		}
		if !found || e.before(best) {
			best, found = e, true
		}
	}
	for _, o := range s.com.Orders {
		if o.Status == orderPendingPayment && o.PaymentDeadline != nil {
			consider(event{at: *o.PaymentDeadline, prio: evDeadline, fire: func(now time.Time) { s.cancelOrder(o, now, cancelLapsed) }})
		}
		if o.Status == orderProcessing && o.ProvisionDue != nil {
			consider(event{at: *o.ProvisionDue, prio: evProvision, fire: func(now time.Time) { s.finishProvisioning(o, now) }})
		}
	}
	for _, r := range s.com.Resources {
		if r.Deleted {
			continue
		}
		switch r.Status {
		case resInUse:
			consider(event{at: r.ExpireTime, prio: evExpire, fire: func(now time.Time) { s.expire(r, now) }})
		case resExpired:
			consider(event{at: r.ExpireTime.Add(retentionPeriod), prio: evDelete, fire: func(now time.Time) { s.deleteExpired(r, now) }})
		}
		if at, ok := s.nextRenewAttempt(r); ok {
			consider(event{at: at, prio: evRenew, fire: func(now time.Time) { s.autoRenew(r, now) }})
		}
	}
	return best, found
}

// nextRenewAttempt is the next auto-renew deduction time of a primary:
// the first of expire−7d + k×24h after the last attempt, before deletion.
func (s *Server) nextRenewAttempt(r *Resource) (time.Time, bool) {
	if !r.IsMain || !r.AutoRenew || r.PendingOrderID != "" || (r.Status != resInUse && r.Status != resExpired) {
		return time.Time{}, false
	}
	at := r.ExpireTime.Add(-autoRenewLead)
	if !at.After(r.LastRenewTry) {
		steps := r.LastRenewTry.Sub(at)/autoRenewRetry + 1
		at = at.Add(steps * autoRenewRetry)
	}
	if !at.Before(r.ExpireTime.Add(retentionPeriod)) {
		return time.Time{}, false
	}
	return at, true
}

// autoRenew makes one deduction attempt: one period of the auto-renew
// setting (or the last order's period type), paid from the balance.
func (s *Server) autoRenew(r *Resource, now time.Time) {
	r.LastRenewTry = now
	if cu, ok := s.customerByID(r.CustomerID); ok && cu.Frozen {
		return
	}
	periodType := r.PeriodType
	switch r.AutoRenewPeriod {
	case "MONTH":
		periodType = periodMonth
	case "YEAR":
		periodType = periodYear
	}
	g := s.com.group(r)
	lines, aerr := s.renewalLines(g, periodType, 1)
	if aerr != nil {
		return
	}
	var amount = lines[0].Amount
	for _, l := range lines[1:] {
		amount = amount.Add(l.Amount)
	}
	if cu, ok := s.customerByID(r.CustomerID); !ok || cu.Balance.LessThan(amount) {
		return // short: no order; the next attempt follows in 24 h
	}
	o := s.newOrder(now, r.CustomerID, orderRenew, sourceSystem, r.ServiceTypeCode, lines)
	o.ProjectID, o.Region = r.ProjectID, r.Region
	if aerr := s.payOrder(o, now); aerr != nil {
		// Cannot happen after the balance check; keep the books honest anyway.
		s.cancelOrder(o, now, cancelBySystem)
		return
	}
	if r.AutoRenewTimes > 0 {
		r.AutoRenewTimes--
		if r.AutoRenewTimes == 0 {
			r.AutoRenew, r.AutoRenewPeriod = false, ""
		}
	}
}

// expire applies the end of the last paid period.
func (s *Server) expire(r *Resource, now time.Time) {
	r.UpdateTime = now
	primary := s.primaryOf(r)
	if primary.ToOnDemand {
		r.Status = resClosed
		r.AutoRenew = false
		s.dropPendingRenewal(r, now)
		return
	}
	r.Status = resExpired
}

// deleteExpired ends the retention period.
func (s *Server) deleteExpired(r *Resource, now time.Time) {
	s.dropPendingRenewal(r, now)
	r.Deleted, r.DeletedTime = true, &now
	r.AutoRenew = false
	r.UpdateTime = now
}
