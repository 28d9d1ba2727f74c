package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/partnerlab/storefront/internal/domain"
)

// OrderWorker runs an order's saga.
type OrderWorker struct {
	river.WorkerDefaults[domain.OrderJob]
	svc Services
}

// Work calls CommerceService.RunOrder.
func (w *OrderWorker) Work(ctx context.Context, j *river.Job[domain.OrderJob]) error {
	return snoozeOr(w.svc.Commerce.RunOrder(ctx, j.Args.OrderID))
}

// SyncOrdersWorker books orders placed at Huawei.
type SyncOrdersWorker struct {
	river.WorkerDefaults[domain.SyncOrdersJob]
	svc Services
}

// Work calls CommerceService.SyncOrders.
func (w *SyncOrdersWorker) Work(ctx context.Context, j *river.Job[domain.SyncOrdersJob]) error {
	return snoozeOr(w.svc.Commerce.SyncOrders(ctx, j.Args.CustomerID))
}

// SweepOrdersWorker re-enqueues open orders' sagas and syncs Huawei orders.
type SweepOrdersWorker struct {
	river.WorkerDefaults[domain.SweepOrdersJob]
	svc Services
}

// Work calls CommerceService.SweepOrders.
func (w *SweepOrdersWorker) Work(ctx context.Context, _ *river.Job[domain.SweepOrdersJob]) error {
	return snoozeOr(w.svc.Commerce.SweepOrders(ctx))
}

func registerOrders(workers *river.Workers, svc Services) []*river.PeriodicJob {
	river.AddWorker(workers, &OrderWorker{svc: svc})
	river.AddWorker(workers, &SyncOrdersWorker{svc: svc})
	river.AddWorker(workers, &SweepOrdersWorker{svc: svc})
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(10*time.Minute), func() (river.JobArgs, *river.InsertOpts) {
			return domain.SweepOrdersJob{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: 10 * time.Minute}}
		}, nil),
	}
}
