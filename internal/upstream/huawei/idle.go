package huawei

import "time"

// The adapter keeps three tables keyed by customer: rate-limit buckets
// (operation × account), customer credentials and project ids. A server
// that lives for months meets every customer the partner has, so each
// table drops what has not been touched for idleTTL; a dropped entry costs
// at most one IAM call or an empty bucket when its customer comes back.
//
// Sweeping is lazy: a table looks at its entries while serving an access,
// at most once per half idleTTL, so an entry outlives its last use by at
// most 1.5 × idleTTL and there is no goroutine to stop.
const idleTTL = 15 * time.Minute

// sweepClock says when a table is due for a sweep. Guarded by the table's
// own lock.
type sweepClock struct {
	ttl  time.Duration
	next time.Time
}

// due reports whether a sweep should run now, and if so schedules the next.
func (s *sweepClock) due(now time.Time) bool {
	if now.Before(s.next) {
		return false
	}
	s.next = now.Add(s.ttl / 2)
	return true
}

// sweepMap deletes the entries of m that idle says may go and returns the
// map to keep. Go maps never give back the memory of deleted entries, so
// when most of m went, the survivors move to a new map and the old one is
// left to the collector: the footprint follows the live set, not the peak.
func sweepMap[K comparable, V any](m map[K]V, idle func(V) bool) map[K]V {
	deleted := 0
	for k, v := range m {
		if idle(v) {
			delete(m, k)
			deleted++
		}
	}
	if deleted <= len(m) {
		return m
	}
	fresh := make(map[K]V, len(m))
	for k, v := range m {
		fresh[k] = v
	}
	return fresh
}
