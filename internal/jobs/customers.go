package jobs

import (
	"context"

	"github.com/riverqueue/river"

	"github.com/partnerlab/storefront/internal/domain"
)

// RegisterCustomerWorker creates (or finds) a customer's Huawei account and
// waits for the association: while Huawei has not confirmed it, the job
// snoozes for as long as the use case asks (a snooze costs no attempt);
// an error is an unknown or failed upstream call, retried with River's
// backoff.
type RegisterCustomerWorker struct {
	river.WorkerDefaults[domain.RegisterCustomerJob]
	svc Services
}

// Work calls CustomerService.RegisterCustomer.
func (w *RegisterCustomerWorker) Work(ctx context.Context, job *river.Job[domain.RegisterCustomerJob]) error {
	again, err := w.svc.Customers.RegisterCustomer(ctx, job.Args)
	if err != nil {
		return err
	}
	if again > 0 {
		return river.JobSnooze(again)
	}
	return nil
}

// CustomerFreezeWorker sends a customer's pending freeze or unfreeze.
type CustomerFreezeWorker struct {
	river.WorkerDefaults[domain.CustomerFreezeJob]
	svc Services
}

// Work calls CustomerService.ApplyFreeze.
func (w *CustomerFreezeWorker) Work(ctx context.Context, job *river.Job[domain.CustomerFreezeJob]) error {
	return w.svc.Customers.ApplyFreeze(ctx, job.Args)
}

func registerCustomerWorkers(workers *river.Workers, svc Services) {
	river.AddWorker(workers, &RegisterCustomerWorker{svc: svc})
	river.AddWorker(workers, &CustomerFreezeWorker{svc: svc})
}
