package jobs

import (
	"context"

	"github.com/riverqueue/river"

	"github.com/partnerlab/storefront/internal/domain"
)

// SubmitRealNameWorker submits a real-name application to Huawei.
type SubmitRealNameWorker struct {
	river.WorkerDefaults[domain.SubmitRealNameJob]
	svc Services
}

// Work calls RealNameService.Submit.
func (w *SubmitRealNameWorker) Work(ctx context.Context, job *river.Job[domain.SubmitRealNameJob]) error {
	return w.svc.RealName.Submit(ctx, job.Args.ApplicationID)
}

// PollRealNameReviewWorker reads Huawei's review of an application in review.
type PollRealNameReviewWorker struct {
	river.WorkerDefaults[domain.PollRealNameReviewJob]
	svc Services
}

// Work calls RealNameService.PollReview.
func (w *PollRealNameReviewWorker) Work(ctx context.Context, job *river.Job[domain.PollRealNameReviewJob]) error {
	return w.svc.RealName.PollReview(ctx, job.Args.ApplicationID, job.Args.Round)
}

func registerRealName(workers *river.Workers, svc Services) {
	river.AddWorker(workers, &SubmitRealNameWorker{svc: svc})
	river.AddWorker(workers, &PollRealNameReviewWorker{svc: svc})
}
