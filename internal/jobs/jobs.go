// Package jobs holds Storefront's River workers: the steps that run after a
// request commits (docs/design.md §1). Job arguments are plain domain values
// (domain.Job), enqueued by use cases through domain.Tx.Enqueue in the same
// transaction as their intent; a worker only decodes the job and calls one
// domain use case. River retries, so every use case a worker calls is
// idempotent, keyed by the job's arguments.
package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/partnerlab/storefront/internal/domain"
)

// Services are the use cases the workers call.
type Services struct {
	Auth      *domain.AuthService
	Customers *domain.CustomerService
	RealName  *domain.RealNameService
	Money     *domain.MoneyService
	Commerce  *domain.CommerceService
	// Idempotency and Clock serve the Idempotency-Key reaper.
	Idempotency domain.IdempotencyStore
	Clock       domain.Clock
	Log         *slog.Logger
	// ReconcileEvery is the period of the money reconciliation (0: hourly).
	ReconcileEvery time.Duration
}

// PurgeCredentialsWorker keeps the credential tables small.
type PurgeCredentialsWorker struct {
	river.WorkerDefaults[domain.PurgeCredentialsJob]
	svc Services
}

// Work calls AuthService.PurgeCredentials.
func (w *PurgeCredentialsWorker) Work(ctx context.Context, _ *river.Job[domain.PurgeCredentialsJob]) error {
	n, err := w.svc.Auth.PurgeCredentials(ctx)
	if err != nil {
		return err
	}
	w.svc.Log.InfoContext(ctx, "purged expired credentials", slog.Int64("rows", n))
	return nil
}

// PurgeIdempotencyKeysWorker keeps Idempotency-Key answers for
// domain.IdempotencyTTL and no longer.
type PurgeIdempotencyKeysWorker struct {
	river.WorkerDefaults[domain.PurgeIdempotencyKeysJob]
	svc Services
}

// Work calls domain.PurgeIdempotencyKeys.
func (w *PurgeIdempotencyKeysWorker) Work(ctx context.Context, _ *river.Job[domain.PurgeIdempotencyKeysJob]) error {
	n, err := domain.PurgeIdempotencyKeys(ctx, w.svc.Idempotency, w.svc.Clock)
	if err != nil {
		return err
	}
	w.svc.Log.InfoContext(ctx, "purged idempotency keys", slog.Int64("rows", n))
	return nil
}

// Register adds every worker to workers and returns the periodic jobs.
func Register(workers *river.Workers, svc Services) []*river.PeriodicJob {
	river.AddWorker(workers, &PurgeCredentialsWorker{svc: svc})
	river.AddWorker(workers, &PurgeIdempotencyKeysWorker{svc: svc})
	registerRealName(workers, svc)
	registerCustomerWorkers(workers, svc)
	money := append(registerMoney(workers, svc), registerOrders(workers, svc)...)
	money = append(money, registerCatalog(workers, svc)...)
	return append(money,
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) {
			return domain.PurgeCredentialsJob{}, nil
		}, &river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) {
			return domain.PurgeIdempotencyKeysJob{}, nil
		}, &river.PeriodicJobOpts{RunOnStart: true}),
	)
}
