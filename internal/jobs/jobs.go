// Package jobs holds Storefront's River workers: the steps that run after a
// request commits (docs/design.md §1). Each worker is idempotent, keyed by its
// arguments, because River retries.
package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/partnerlab/storefront/internal/domain"
)

// PurgeAuthArgs asks for expired refresh tokens and old login failures to be deleted.
type PurgeAuthArgs struct{}

// Kind is River's job kind.
func (PurgeAuthArgs) Kind() string { return "purge_auth" }

// AuthPurger is the store method the worker needs.
type AuthPurger interface {
	PurgeExpiredAuth(ctx context.Context, now time.Time) (int64, error)
}

// PurgeAuthWorker keeps the credential tables small.
type PurgeAuthWorker struct {
	river.WorkerDefaults[PurgeAuthArgs]
	Store AuthPurger
	Clock domain.Clock
	Log   *slog.Logger
}

// Work deletes what expired; running it twice is harmless.
func (w *PurgeAuthWorker) Work(ctx context.Context, _ *river.Job[PurgeAuthArgs]) error {
	n, err := w.Store.PurgeExpiredAuth(ctx, w.Clock.Now())
	if err != nil {
		return err
	}
	w.Log.InfoContext(ctx, "purged expired credentials", slog.Int64("rows", n))
	return nil
}

// Register adds every worker and periodic job.
func Register(workers *river.Workers, purger AuthPurger, clock domain.Clock, log *slog.Logger) []*river.PeriodicJob {
	river.AddWorker(workers, &PurgeAuthWorker{Store: purger, Clock: clock, Log: log})
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) {
			return PurgeAuthArgs{}, nil
		}, &river.PeriodicJobOpts{RunOnStart: true}),
	}
}
