package domain

import (
	"context"
	"errors"
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
		return ErrAnswerTaken
	}
	c.saved = &rec
	return nil
}

// errAnswerTaken tells ErrAnswerTaken from other CodeInProgress errors.
var errAnswerTaken = errors.New("idempotency key has a row")

// ErrAnswerTaken: the request's Idempotency-Key has a row already (a
// retry, or the key used on another request), so its transaction is
// rolled back. Inside Tx.Pipeline, SaveRequestAnswer cannot see it at
// once: the pipeline fails with it when sent, and Pipeline notes it on
// the claim.
var ErrAnswerTaken = Wrap(errAnswerTaken, CodeInProgress, "this Idempotency-Key is answered by another request")

// Pipeline runs fn with tx.Pipeline: fn's writes go to the database in
// one round trip when it returns. A request's Idempotency-Key answer saved
// in fn (SaveRequestAnswer) that meets a row is noted on the request's
// claim as SaveRequestAnswer notes it outside a pipeline.
func Pipeline(ctx context.Context, tx Tx, fn func(Tx) error) error {
	return notePipeline(ctx, tx.Pipeline(ctx, fn))
}

// PipelineAndCommit is Pipeline with tx.PipelineAndCommit: the last step
// of a transaction.
func PipelineAndCommit(ctx context.Context, tx Tx, fn func(Tx) error) error {
	return notePipeline(ctx, tx.PipelineAndCommit(ctx, fn))
}

func notePipeline(ctx context.Context, err error) error {
	if errors.Is(err, errAnswerTaken) {
		if c := RequestClaimFrom(ctx); c != nil {
			c.taken, c.saved = true, nil
		}
	}
	return err
}
