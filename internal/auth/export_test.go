package auth

import "time"

// SetClock makes s read time from now: the cache and the claim checks alike.
func SetClock(s *Signer, now func() time.Time) { s.now = now }
