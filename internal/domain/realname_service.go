package domain

// RealNameService holds the use cases of real-name verification: attachment
// files, applications submitted in a job, and the review-polling job.
type RealNameService struct {
	store Store
	cloud CloudRealName
	clock Clock
}

// NewRealNameService wires the service.
func NewRealNameService(store Store, cloud CloudRealName, clock Clock) *RealNameService {
	return &RealNameService{store: store, cloud: cloud, clock: clock}
}
