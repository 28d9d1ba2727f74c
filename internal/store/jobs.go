package store

import (
	"cmp"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivershared/uniquestates"

	"github.com/partnerlab/storefront/internal/domain"
)

// jobs inserts the domain's jobs. Outside a pipeline River's InsertTx does
// (txStore.Enqueue); inside one, queue writes the same row itself, as
// River's insert-only clients for other languages do, so that a job joins
// the pipeline's single round trip instead of being a round trip (and a
// read of the row back) of its own. Accepting an allocation is the reason:
// the River insert was a third of its cost (docs/design.md §9.7).
type jobs struct {
	river *river.Client[pgx.Tx]
	// lastNotify is when a pipeline last told the workers of a new job
	// (Unix ns); see notifyDue.
	lastNotify atomic.Int64
}

// jobInsertSQL is the row River's JobInsertFastMany writes for a job due
// now: state available, River's default priority and queue, no tags or
// metadata; a duplicate of a unique job is skipped, as River skips it.
// TestPipelinedJobIsRivers holds the two to the same row.
const jobInsertSQL = `INSERT INTO river_job (args, kind, max_attempts, metadata, priority, queue, state, tags, unique_key, unique_states, created_at, scheduled_at)
VALUES ($1, $2, $3, '{}', 1, 'default', 'available', '{}', $4, $5::integer::bit(8), now(), now())
ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND unique_states IS NOT NULL AND river_job_state_in_bitmask(unique_states, state) DO NOTHING`

// jobNotifySQL is River's insert notification for the default queue (its
// PGNotifyMany): the workers' listener fetches at once instead of at its
// next poll.
const jobNotifySQL = `SELECT pg_notify(concat(current_schema(), '.river_insert'), '{"queue": "default"}')`

// jobNotifyEvery is how often pipelines notify at most, River's own
// inserter's limit (its FetchCooldown default): a worker that was told
// fetches every job that is available, so more notifications within its
// cooldown would only cost commits (NOTIFY serialises them).
const jobNotifyEvery = river.FetchCooldownDefault

// uniqueStatesBits is uniqueStates as River stores them (a bit(8) mask).
var uniqueStatesBits = int32(uniquestates.UniqueStatesToBitmask(uniqueStates))

// queue adds job's insert to p (and a notification when one is due). Only
// what the row above is can be queued: a job for later (RunAt) goes
// through River, outside the pipeline.
func (j *jobs) queue(p *pipeline, job domain.Job) error {
	var o domain.JobOptions
	if jo, ok := job.(domain.JobWithOptions); ok {
		o = jo.JobOptions()
	}
	if !o.RunAt.IsZero() {
		return fmt.Errorf("store: enqueue %s: a job with RunAt inside Tx.Pipeline (River schedules it; enqueue it outside)", job.Kind())
	}
	args, err := json.Marshal(job)
	if err != nil {
		return fmt.Errorf("store: enqueue %s: %w", job.Kind(), err)
	}
	var key []byte
	var states *int32
	if o.Unique {
		k, err := uniqueKey(job.Kind(), args)
		if err != nil {
			return fmt.Errorf("store: enqueue %s: %w", job.Kind(), err)
		}
		key, states = k, &uniqueStatesBits
	}
	maxAttempts := int16(min(cmp.Or(o.MaxAttempts, river.MaxAttemptsDefault), 1<<15-1)) //nolint:gosec // bounded
	p.queue(jobInsertSQL, []any{args, job.Kind(), maxAttempts, key, states}, nil)
	if now, last, ok := j.notifyDue(time.Now()); ok {
		p.queue(jobNotifySQL, nil, nil)
		// A pipeline that fails takes its notification with it: the next
		// insert sends one instead of waiting out jobNotifyEvery.
		p.onFail = append(p.onFail, func() { j.lastNotify.CompareAndSwap(now, last) })
	}
	return nil
}

// notifyDue reports whether a notification should go with this insert (the
// first one, then at most one per jobNotifyEvery) and, when it should, the
// time it takes and the one it replaces.
func (j *jobs) notifyDue(t time.Time) (now, last int64, ok bool) {
	now, last = t.UnixNano(), j.lastNotify.Load()
	if last != 0 && now-last < int64(jobNotifyEvery) {
		return 0, 0, false
	}
	return now, last, j.lastNotify.CompareAndSwap(last, now)
}

// uniqueKey is River's unique key for a job unique by kind and arguments
// (UniqueOpts{ByArgs: true, ByState: ...}): the SHA-256 of
// "&kind=<kind>&args=<the encoded arguments' top-level keys, sorted>".
// The domain's jobs have no `river:"unique"` field tags, which would
// narrow the arguments River hashes.
func uniqueKey(kind string, args []byte) ([]byte, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(args, &fields); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	slices.Sort(names)
	b := append(make([]byte, 0, 16+len(kind)+len(args)), "&kind="+kind+"&args={"...)
	for i, name := range names {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, name)
		b = append(b, ':')
		b = append(b, fields[name]...)
	}
	b = append(b, '}')
	sum := sha256.Sum256(b)
	return sum[:], nil
}
