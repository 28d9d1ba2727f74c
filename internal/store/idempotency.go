package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/partnerlab/storefront/internal/domain"
	"github.com/partnerlab/storefront/internal/store/internal/db"
)

// IdempotencyStore implements domain.IdempotencyStore.
type IdempotencyStore struct{ s *Store }

var _ domain.IdempotencyStore = (*IdempotencyStore)(nil)

// Idempotency is the store of Idempotency-Key recovery points.
func (s *Store) Idempotency() *IdempotencyStore { return &IdempotencyStore{s: s} }

// Begin reads first, so a replay (the common retry) costs one indexed
// SELECT and no write; only a new key is inserted, and only a dead holder's
// key is updated.
func (i *IdempotencyStore) Begin(ctx context.Context, k domain.IdempotencyKey, fp []byte, now, lockUntil time.Time) (domain.IdempotencyRecord, bool, error) {
	kind, id := k.Scope()
	for range 2 {
		r, err := i.s.q.IdempotencyGet(ctx, db.IdempotencyGetParams{PrincipalKind: kind, PrincipalID: id, Key: k.Key})
		if errors.Is(err, pgx.ErrNoRows) {
			n, err := i.s.q.IdempotencyInsert(ctx, db.IdempotencyInsertParams{
				PrincipalKind: kind, PrincipalID: id, Key: k.Key, Fingerprint: fp, LockedUntil: lockUntil, Now: now,
			})
			if err != nil {
				return domain.IdempotencyRecord{}, false, translate(err, "idempotency key")
			}
			if n == 1 {
				return domain.IdempotencyRecord{Fingerprint: fp, LockedUntil: lockUntil}, true, nil
			}
			continue // another request inserted it first: read what it holds
		}
		if err != nil {
			return domain.IdempotencyRecord{}, false, translate(err, "idempotency key")
		}
		rec := domain.IdempotencyRecord{Fingerprint: r.Fingerprint, Completed: r.Status == "completed", LockedUntil: r.LockedUntil, Body: r.ResponseBody}
		if !rec.Completed && now.After(rec.LockedUntil) && bytes.Equal(rec.Fingerprint, fp) {
			n, err := i.s.q.IdempotencyTakeOver(ctx, db.IdempotencyTakeOverParams{
				LockedUntil: lockUntil, PrincipalKind: kind, PrincipalID: id, Key: k.Key, Now: now, Fingerprint: fp,
			})
			if err != nil {
				return domain.IdempotencyRecord{}, false, translate(err, "idempotency key")
			}
			if n == 1 {
				return domain.IdempotencyRecord{Fingerprint: fp, LockedUntil: lockUntil}, true, nil
			}
			continue // someone else took it over or finished it
		}
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
	return domain.IdempotencyRecord{}, false, domain.Errorf(domain.CodeInProgress, "this Idempotency-Key is changing hands; retry")
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

// SaveAnswer implements domain.Tx: the key's completed answer, written with
// the use case's own change (domain.RequestClaim); false when the key has a
// row already.
//
// Inside Tx.Pipeline it reports stored and queues the insert; a key that
// has a row makes the pipeline fail with domain.ErrAnswerTaken.
func (t txStore) SaveAnswer(ctx context.Context, k domain.IdempotencyKey, rec domain.IdempotencyRecord, now time.Time) (bool, error) {
	if t.pipe == nil {
		return (&IdempotencyStore{s: t.Store}).Answer(ctx, k, rec, now)
	}
	args, err := answerArgs(k, rec, now)
	if err != nil {
		return false, err
	}
	t.pipe.queue(insertAnswerNew, args, func(_ pgconn.CommandTag, err error) error {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.ConstraintName == "idempotency_keys_pkey" {
			return domain.ErrAnswerTaken
		}
		return translate(err, "idempotency key")
	})
	return true, nil
}

// insertAnswerNew writes a completed key outright (no 'running' phase); a
// key with a row is an error. Inside a pipeline that is what is wanted
// (the transaction is rolled back anyway), and a plain insert is cheaper
// than ON CONFLICT's speculative one.
const insertAnswerNew = `INSERT INTO idempotency_keys (principal_kind, principal_id, key, fingerprint, status, locked_until, created_at,
	response_status, response_headers, response_body, completed_at)
VALUES ($1, $2, $3, $4, 'completed', $5, $5, $6, $7, $8, $5)`

// insertAnswer is insertAnswerNew where a key with a row is left alone.
const insertAnswer = insertAnswerNew + `
ON CONFLICT (principal_kind, principal_id, key) DO NOTHING`

// Answer stores a completed answer outright (no 'running' phase): in a use
// case's transaction (SaveAnswer), or alone for a request that claimed its
// key in its use case but did not save it there (it failed before). stored
// is false when the key has a row already.
func (i *IdempotencyStore) Answer(ctx context.Context, k domain.IdempotencyKey, rec domain.IdempotencyRecord, now time.Time) (bool, error) {
	args, err := answerArgs(k, rec, now)
	if err != nil {
		return false, err
	}
	tag, err := i.s.conn.Exec(ctx, insertAnswer, args...)
	if err != nil {
		return false, translate(err, "idempotency key")
	}
	return tag.RowsAffected() == 1, nil
}

// answerArgs are insertAnswer's parameters.
func answerArgs(k domain.IdempotencyKey, rec domain.IdempotencyRecord, now time.Time) ([]any, error) {
	kind, id := k.Scope()
	headers, err := json.Marshal(rec.Headers)
	if err != nil {
		return nil, err
	}
	body := rec.Body
	if body == nil {
		body = []byte{}
	}
	return []any{kind, id, k.Key, rec.Fingerprint, now, rec.Status, headers, body}, nil
}
