package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/partnerlab/storefront/internal/domain"
)

// RefreshCloudTypesWorker refreshes Huawei's cached service and resource types.
type RefreshCloudTypesWorker struct {
	river.WorkerDefaults[domain.RefreshCloudTypesJob]
	svc Services
}

// Work calls CommerceService.RefreshCloudTypes.
func (w *RefreshCloudTypesWorker) Work(ctx context.Context, _ *river.Job[domain.RefreshCloudTypesJob]) error {
	return snoozeOr(w.svc.Commerce.RefreshCloudTypes(ctx))
}

// SyncResourcesWorker syncs one customer's resources from Huawei.
type SyncResourcesWorker struct {
	river.WorkerDefaults[domain.SyncResourcesJob]
	svc Services
}

// Work calls CommerceService.SyncResources.
func (w *SyncResourcesWorker) Work(ctx context.Context, j *river.Job[domain.SyncResourcesJob]) error {
	return snoozeOr(w.svc.Commerce.SyncResources(ctx, j.Args.CustomerID))
}

// SyncAllResourcesWorker enqueues a sync per registered customer.
type SyncAllResourcesWorker struct {
	river.WorkerDefaults[domain.SyncAllResourcesJob]
	svc Services
}

// Work calls CommerceService.SyncAllResources.
func (w *SyncAllResourcesWorker) Work(ctx context.Context, _ *river.Job[domain.SyncAllResourcesJob]) error {
	return w.svc.Commerce.SyncAllResources(ctx)
}

// ApplyAutoRenewWorker carries an auto-renew wish to Huawei.
type ApplyAutoRenewWorker struct {
	river.WorkerDefaults[domain.ApplyAutoRenewJob]
	svc Services
}

// Work calls CommerceService.ApplyAutoRenew.
func (w *ApplyAutoRenewWorker) Work(ctx context.Context, j *river.Job[domain.ApplyAutoRenewJob]) error {
	return snoozeOr(w.svc.Commerce.ApplyAutoRenew(ctx, j.Args.ResourceID))
}

// registerCatalog adds the catalogue and resource workers and returns their
// periodic jobs: the types daily, every customer's resources every 10 minutes.
func registerCatalog(workers *river.Workers, svc Services) []*river.PeriodicJob {
	river.AddWorker(workers, &RefreshCloudTypesWorker{svc: svc})
	river.AddWorker(workers, &SyncResourcesWorker{svc: svc})
	river.AddWorker(workers, &SyncAllResourcesWorker{svc: svc})
	river.AddWorker(workers, &ApplyAutoRenewWorker{svc: svc})
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(24*time.Hour), func() (river.JobArgs, *river.InsertOpts) {
			return domain.RefreshCloudTypesJob{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: 24 * time.Hour}}
		}, &river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(10*time.Minute), func() (river.JobArgs, *river.InsertOpts) {
			return domain.SyncAllResourcesJob{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: 10 * time.Minute}}
		}, nil),
	}
}
