package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/partnerlab/storefront/internal/domain"
	"github.com/partnerlab/storefront/internal/store/internal/db"
)

// IdempotencyStore implements domain.IdempotencyStore.
type IdempotencyStore struct{ s *Store }

var _ domain.IdempotencyStore = (*IdempotencyStore)(nil)

// Idempotency is the store of Idempotency-Key recovery points.
func (s *Store) Idempotency() *IdempotencyStore { return &IdempotencyStore{s: s} }

func (i *IdempotencyStore) Begin(ctx context.Context, k domain.IdempotencyKey, fp []byte, now, lockUntil time.Time) (domain.IdempotencyRecord, bool, error) {
	kind, id := k.Scope()
	_, err := i.s.q.IdempotencyBegin(ctx, db.IdempotencyBeginParams{
		PrincipalKind: kind, PrincipalID: id, Key: k.Key, Fingerprint: fp, LockedUntil: lockUntil, Now: now,
	})
	if err == nil {
		return domain.IdempotencyRecord{Fingerprint: fp, LockedUntil: lockUntil}, true, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return domain.IdempotencyRecord{}, false, translate(err, "idempotency key")
	}
	r, err := i.s.q.IdempotencyGet(ctx, db.IdempotencyGetParams{PrincipalKind: kind, PrincipalID: id, Key: k.Key})
	if errors.Is(err, pgx.ErrNoRows) {
		// Purged between the two statements: claim it again.
		return i.Begin(ctx, k, fp, now, lockUntil)
	}
	if err != nil {
		return domain.IdempotencyRecord{}, false, translate(err, "idempotency key")
	}
	rec := domain.IdempotencyRecord{Fingerprint: r.Fingerprint, Completed: r.Status == "completed", LockedUntil: r.LockedUntil, Body: r.ResponseBody}
	if r.ResponseStatus != nil {
		rec.Status = int(*r.ResponseStatus)
	}
	if len(r.ResponseHeaders) > 0 {
		if err := json.Unmarshal(r.ResponseHeaders, &rec.Headers); err != nil {
			return domain.IdempotencyRecord{}, false, err
		}
	}
	return rec, false, nil
}

func (i *IdempotencyStore) Complete(ctx context.Context, k domain.IdempotencyKey, rec domain.IdempotencyRecord, now time.Time) error {
	kind, id := k.Scope()
	headers, err := json.Marshal(rec.Headers)
	if err != nil {
		return err
	}
	status := int32(rec.Status)
	body := rec.Body
	if body == nil {
		body = []byte{}
	}
	_, err = i.s.q.IdempotencyComplete(ctx, db.IdempotencyCompleteParams{
		ResponseStatus: &status, ResponseHeaders: headers, ResponseBody: body, Now: &now,
		PrincipalKind: kind, PrincipalID: id, Key: k.Key,
	})
	return translate(err, "idempotency key")
}

func (i *IdempotencyStore) Release(ctx context.Context, k domain.IdempotencyKey) error {
	kind, id := k.Scope()
	return translate(i.s.q.IdempotencyRelease(ctx, db.IdempotencyReleaseParams{PrincipalKind: kind, PrincipalID: id, Key: k.Key}), "idempotency key")
}

func (i *IdempotencyStore) Purge(ctx context.Context, before time.Time) (int64, error) {
	n, err := i.s.q.IdempotencyPurge(ctx, before)
	return n, translate(err, "idempotency keys")
}
