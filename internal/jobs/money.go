package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"

	"github.com/partnerlab/storefront/internal/domain"
)

// snoozeOr turns a use case's "try again after d" (a retryable domain
// error with RetryAfter: the customer's slot is taken, Huawei throttled,
// the database is away) into a River snooze, which does not count as a
// failed attempt; any other error is a failure River retries with backoff.
func snoozeOr(err error) error {
	var e *domain.Error
	if errors.As(err, &e) && e.Retryable() && e.RetryAfter > 0 {
		return river.JobSnooze(e.RetryAfter)
	}
	return err
}

// MoneyOperationWorker carries an accepted allocation or reclaim to Huawei.
type MoneyOperationWorker struct {
	river.WorkerDefaults[domain.MoneyOperationJob]
	svc Services
}

// Work calls MoneyService.Execute.
func (w *MoneyOperationWorker) Work(ctx context.Context, j *river.Job[domain.MoneyOperationJob]) error {
	return snoozeOr(w.svc.Money.Execute(ctx, j.Args.OperationID))
}

// ResolveMoneyOperationWorker decides an unknown outcome by reading back.
type ResolveMoneyOperationWorker struct {
	river.WorkerDefaults[domain.ResolveMoneyOperationJob]
	svc Services
}

// Work calls MoneyService.Resolve.
func (w *ResolveMoneyOperationWorker) Work(ctx context.Context, j *river.Job[domain.ResolveMoneyOperationJob]) error {
	return snoozeOr(w.svc.Money.Resolve(ctx, j.Args.OperationID))
}

// ReconciliationWorker runs a requested reconciliation.
type ReconciliationWorker struct {
	river.WorkerDefaults[domain.ReconciliationJob]
	svc Services
}

// Work calls MoneyService.Reconcile.
func (w *ReconciliationWorker) Work(ctx context.Context, j *river.Job[domain.ReconciliationJob]) error {
	return snoozeOr(w.svc.Money.Reconcile(ctx, j.Args.RunID))
}

// Timeout: a run pages through every adjust record and balance at
// Huawei's 10 requests a second (100 of either a request): ten minutes
// is six million of them. Shorter than River's RescueStuckJobsAfter
// (cmd/server), so a run is never rescued while it still runs.
func (w *ReconciliationWorker) Timeout(*river.Job[domain.ReconciliationJob]) time.Duration {
	return 10 * time.Minute
}

// PeriodicReconciliationWorker starts and runs the periodic reconciliation.
type PeriodicReconciliationWorker struct {
	river.WorkerDefaults[domain.PeriodicReconciliationJob]
	svc Services
}

// Work calls MoneyService.ReconcilePeriodic, which enqueues the run's job.
func (w *PeriodicReconciliationWorker) Work(ctx context.Context, _ *river.Job[domain.PeriodicReconciliationJob]) error {
	return w.svc.Money.ReconcilePeriodic(ctx)
}

// SweepMoneyWorker is the money jobs' safety net.
type SweepMoneyWorker struct {
	river.WorkerDefaults[domain.SweepMoneyJob]
	svc Services
}

// Work calls MoneyService.Sweep.
func (w *SweepMoneyWorker) Work(ctx context.Context, _ *river.Job[domain.SweepMoneyJob]) error {
	return w.svc.Money.Sweep(ctx)
}

// registerMoney adds the money workers and returns their periodic jobs.
// River's leader inserts periodic jobs, so with several replicas each
// runs once per interval.
func registerMoney(workers *river.Workers, svc Services) []*river.PeriodicJob {
	river.AddWorker(workers, &MoneyOperationWorker{svc: svc})
	river.AddWorker(workers, &ResolveMoneyOperationWorker{svc: svc})
	river.AddWorker(workers, &ReconciliationWorker{svc: svc})
	river.AddWorker(workers, &PeriodicReconciliationWorker{svc: svc})
	river.AddWorker(workers, &SweepMoneyWorker{svc: svc})
	every := svc.ReconcileEvery
	if every <= 0 {
		every = time.Hour
	}
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(every), func() (river.JobArgs, *river.InsertOpts) {
			return domain.PeriodicReconciliationJob{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: every}}
		}, nil),
		river.NewPeriodicJob(river.PeriodicInterval(time.Minute), func() (river.JobArgs, *river.InsertOpts) {
			return domain.SweepMoneyJob{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: time.Minute}}
		}, nil),
	}
}
