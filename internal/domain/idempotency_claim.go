package domain

import (
	"context"
	"time"
)

// RequestClaim is a request's Idempotency-Key, claimed and answered inside
// the transaction of the use case it runs instead of around it: the answer
// commits with the change, so the request costs one durable commit, not
// three (claim, change, answer). Only use cases that also keep the key on
// what they create (unique per caller) take a claim, so that two requests
// with one key running at once still have one effect: the second meets the
// first's unique key, and the HTTP layer replays the first's answer.
type RequestClaim struct {
	Key         IdempotencyKey
	Fingerprint []byte
	Now         time.Time
	// Answer renders the answer the request gets for the use case's result,
	// exactly as the HTTP layer will write it. Nil: nothing is saved.
	Answer func(result any) (IdempotencyRecord, error)

	saved *IdempotencyRecord
	taken bool
}

type requestClaimKey struct{}

// WithRequestClaim passes c to the use case the request runs.
func WithRequestClaim(ctx context.Context, c *RequestClaim) context.Context {
	return context.WithValue(ctx, requestClaimKey{}, c)
}

// RequestClaimFrom is the request's claim, or nil.
func RequestClaimFrom(ctx context.Context) *RequestClaim {
	c, _ := ctx.Value(requestClaimKey{}).(*RequestClaim)
	return c
}

// Saved is the answer SaveRequestAnswer wrote in the use case's last
// transaction (committed only if the use case succeeded).
func (c *RequestClaim) Saved() (IdempotencyRecord, bool) {
	if c == nil || c.saved == nil {
		return IdempotencyRecord{}, false
	}
	return *c.saved, true
}

// Taken: the use case found the key answered or claimed by another request
// (a retry, or the key used on another request); its transaction was
// rolled back, and the answer is what that row says.
func (c *RequestClaim) Taken() bool { return c != nil && c.taken }

// SaveRequestAnswer stores the request's answer for result in tx, when the
// request carries a claim with an Answer; otherwise it does nothing. A key
// that has a row already makes the transaction fail (and Taken true); the
// HTTP layer then answers with what that row says.
func SaveRequestAnswer(ctx context.Context, tx Tx, result any) error {
	c := RequestClaimFrom(ctx)
	if c == nil || c.Answer == nil {
		return nil
	}
	c.saved = nil
	rec, err := c.Answer(result)
	if err != nil {
		return err
	}
	rec.Fingerprint, rec.Completed = c.Fingerprint, true
	stored, err := tx.SaveAnswer(ctx, c.Key, rec, c.Now)
	if err != nil {
		return err
	}
	if !stored {
		c.taken = true
		return Errorf(CodeInProgress, "this Idempotency-Key is answered by another request")
	}
	c.saved = &rec
	return nil
}
