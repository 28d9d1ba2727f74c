package domain

// Rule says who may call one API operation. The HTTP layer enforces it
// before a request reaches a use case; use cases check again what only they
// can (ownership, tenancy), so the domain stays the final authority.
type Rule struct {
	// Public operations need no credentials.
	Public bool
	// AnyPrincipal admits every authenticated user or API client.
	AnyPrincipal bool
	// Roles admits users holding at least one of them.
	Roles []Role
	// Scopes, when not nil, admits API clients holding all of them.
	Scopes []Scope
}

// Allows reports whether p (nil: anonymous) may call the operation.
func (r Rule) Allows(p *Principal) bool {
	switch {
	case r.Public:
		return true
	case p == nil:
		return false
	case r.AnyPrincipal:
		return true
	case p.Kind == PrincipalUser:
		return p.HasAnyRole(r.Roles...)
	case p.Kind == PrincipalClient:
		return r.Scopes != nil && p.HasAllScopes(r.Scopes...)
	}
	return false
}

var (
	public = Rule{Public: true}
	anyone = Rule{AnyPrincipal: true}
	admins = Rule{Roles: []Role{RoleAdmin}}
	// Everyone who signs in as a person: customers see their own objects
	// only (the use cases enforce it), staff see all.
	people = Rule{Roles: []Role{RoleCustomer, RoleOperator, RoleFinance, RoleAdmin}}
	// A customer for itself, or sales staff on its behalf.
	selfOrOperator = Rule{Roles: []Role{RoleCustomer, RoleOperator}}
	operators      = Rule{Roles: []Role{RoleOperator, RoleAdmin}}
	staffOnly      = Rule{Roles: []Role{RoleOperator, RoleFinance, RoleAdmin}}
	finance        = Rule{Roles: []Role{RoleFinance, RoleAdmin}}
	// Money routes admit customers too, only so that the use case can
	// answer them 404 as the tenant rule says (docs/design.md §2.10);
	// operators get 403 here.
	financeOrTenant = Rule{Roles: []Role{RoleCustomer, RoleFinance, RoleAdmin}}
	// Customers only: buying, renewing and giving back is the customer's act.
	customers = Rule{Roles: []Role{RoleCustomer}}
	// The customer, or staff who may act on orders for it.
	customerOrSales = Rule{Roles: []Role{RoleCustomer, RoleOperator, RoleAdmin}}
)

// Policy is who may call what, one line per API operation (the spec's
// operationId). An inventory test keeps api/openapi.yaml's security lists
// equal to it; an operation missing here is refused to everyone.
var Policy = map[string]Rule{
	// Credentials.
	"signup":       public,
	"login":        public,
	"refreshToken": public,
	"logout":       public,
	"oauthToken":   public,
	"getMe":        anyone,

	// Staff and API clients: admins only.
	"listStaff":        admins,
	"createStaff":      admins,
	"getStaff":         admins,
	"updateStaff":      admins,
	"listApiClients":   admins,
	"createApiClient":  admins,
	"disableApiClient": admins,

	// Onboarding.
	"checkRegistration":         selfOrOperator,
	"sendRegistrationSmsCode":   selfOrOperator,
	"createCustomer":            selfOrOperator,
	"listCustomers":             people,
	"getCustomer":               people,
	"freezeCustomer":            operators,
	"unfreezeCustomer":          operators,
	"uploadFile":                selfOrOperator,
	"getFile":                   people,
	"createRealnameApplication": selfOrOperator,
	"listRealnameApplications":  people,
	"getRealnameApplication":    people,
	"getRealname":               people,
	"sendRealnameSmsCode":       selfOrOperator,
	"listCustomerEvents":        people,
	"listAuditEvents":           admins,

	// Money.
	"enrollTotp":              staffOnly,
	"confirmTotp":             staffOnly,
	"createStepUpChallenge":   finance,
	"createAllocation":        financeOrTenant,
	"createReclaim":           financeOrTenant,
	"listMoneyOperations":     financeOrTenant,
	"getMoneyOperation":       financeOrTenant,
	"resolveMoneyOperation":   financeOrTenant,
	"getCustomerBalance":      people,
	"getPartnerBalance":       finance,
	"listLedgerEntries":       financeOrTenant,
	"createReconciliationRun": finance,
	"listReconciliationRuns":  finance,
	"getReconciliationRun":    finance,

	// Commerce.
	"listProducts":                anyone,
	"getProduct":                  anyone,
	"createProduct":               admins,
	"updateProduct":               admins,
	"listServiceTypes":            anyone,
	"listResourceTypes":           anyone,
	"createQuote":                 selfOrOperator,
	"getQuote":                    people,
	"createOrder":                 customers,
	"listOrders":                  people,
	"getOrder":                    people,
	"cancelOrder":                 customerOrSales,
	"listResources":               people,
	"getResource":                 people,
	"setAutoRenew":                customers,
	"createRenewalQuote":          customers,
	"createRenewal":               customers,
	"createUnsubscriptionPreview": customers,
	"createUnsubscription":        customers,
}
