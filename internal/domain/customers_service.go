package domain

// CustomerService holds the use cases of becoming and managing a Huawei
// Cloud customer: registration checks, SMS codes, the customer record and
// the job that creates the Huawei account, staff search, freeze/unfreeze.
type CustomerService struct {
	store Store
	cloud CloudCustomers
	clock Clock
}

// NewCustomerService wires the service.
func NewCustomerService(store Store, cloud CloudCustomers, clock Clock) *CustomerService {
	return &CustomerService{store: store, cloud: cloud, clock: clock}
}
