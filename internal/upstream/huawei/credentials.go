package huawei

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/global"
	iam "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/iam/v3"
	iammodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/iam/v3/model"

	"github.com/partnerlab/storefront/internal/domain"
)

// customerCredential is a customer's temporary AK/SK + security token,
// obtained with the partner's credential through the agency the customer
// granted (assume_role, agency name = xaccount_type; docs/huawei-bss.md §8.4).
type customerCredential struct {
	global   *global.Credentials
	ak, sk   string
	token    string
	useUntil time.Time // wall clock; a little before Huawei's expiry
}

// credentialCache holds one credential per customer until shortly before it
// expires, or until nobody asked for it for idleTTL (idle.go). Concurrent
// callers for the same customer share one IAM call.
type credentialCache struct {
	fetch func(ctx context.Context, customerID string) (*customerCredential, error)
	now   func() time.Time

	mu      sync.Mutex
	entries map[string]*credEntry
	sweep   sweepClock
}

type credEntry struct {
	done    chan struct{} // closed when the fetch finished; cred/err are then set
	cred    *customerCredential
	err     error
	touched time.Time // last get; guarded by credentialCache.mu
}

func newCredentialCache(fetch func(context.Context, string) (*customerCredential, error), now func() time.Time) *credentialCache {
	return &credentialCache{fetch: fetch, now: now, entries: map[string]*credEntry{}, sweep: sweepClock{ttl: idleTTL}}
}

// get returns a usable credential, fetching one when there is none or it is
// about to expire. The fetch is detached from the caller's cancellation
// (bounded by CallTimeout), so one impatient caller does not fail the
// others waiting for the same customer.
func (cc *credentialCache) get(ctx context.Context, customerID string) (*customerCredential, error) {
	if customerID == "" {
		return nil, domain.Errorf(domain.CodeValidation, "customer id is required")
	}
	now := cc.now()
	cc.mu.Lock()
	if cc.sweep.due(now) {
		cc.entries = sweepMap(cc.entries, func(e *credEntry) bool {
			// In flight: someone is waiting for it. Stale: useless anyway.
			return isDone(e) && (now.Sub(e.touched) >= idleTTL || e.stale(now))
		})
	}
	e := cc.entries[customerID]
	if e == nil || e.stale(now) {
		e = &credEntry{done: make(chan struct{})}
		cc.entries[customerID] = e
		go func() {
			e.cred, e.err = cc.fetch(context.WithoutCancel(ctx), customerID)
			close(e.done)
		}()
	}
	e.touched = now
	cc.mu.Unlock()

	select {
	case <-e.done:
		return e.cred, e.err
	case <-ctx.Done():
		return nil, classify(readOp(opAssumeRole), failure{notSentWhy: "no customer credential before the deadline"})
	}
}

func (e *credEntry) stale(now time.Time) bool {
	select {
	case <-e.done:
		return e.err != nil || !now.Before(e.cred.useUntil)
	default:
		return false // in flight: join it
	}
}

// forget drops a finished credential (Huawei refused it).
func (cc *credentialCache) forget(customerID string) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if e, ok := cc.entries[customerID]; ok && isDone(e) {
		delete(cc.entries, customerID)
	}
}

// size is how many customers the cache holds (tests watch it shrink).
func (cc *credentialCache) size() int {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return len(cc.entries)
}

func isDone(e *credEntry) bool {
	select {
	case <-e.done:
		return true
	default:
		return false
	}
}

const opAssumeRole = "CreateTemporaryAccessKeyByAgency"

func (c *Client) fetchCredential(ctx context.Context, customerID string) (*customerCredential, error) {
	op := readOp(opAssumeRole) // a temporary credential changes nothing: safe to ask again
	seconds := int32(c.cfg.CredentialDuration / time.Second)
	req := &iammodel.CreateTemporaryAccessKeyByAgencyRequest{Body: &iammodel.CreateTemporaryAccessKeyByAgencyRequestBody{
		Auth: &iammodel.AgencyAuth{Identity: &iammodel.AgencyAuthIdentity{
			Methods: []iammodel.AgencyAuthIdentityMethods{iammodel.GetAgencyAuthIdentityMethodsEnum().ASSUME_ROLE},
			AssumeRole: &iammodel.IdentityAssumerole{
				AgencyName:      c.cfg.XAccountType,
				DomainId:        &customerID,
				DurationSeconds: &seconds,
			},
		}},
	}}
	resp, err := invoke(ctx, c, op, caller{}, func(rt http.RoundTripper) (*iammodel.CreateTemporaryAccessKeyByAgencyResponse, error) {
		hc, err := c.sdkClient(iam.IamClientBuilder(), c.cfg.IAMEndpoint, c.partner, rt)
		if err != nil {
			return nil, err
		}
		return iam.NewIamClient(hc).CreateTemporaryAccessKeyByAgency(req)
	})
	if err != nil {
		return nil, err
	}
	cr := resp.Credential
	if cr == nil || cr.Access == "" || cr.Secret == "" || cr.Securitytoken == "" {
		return nil, classify(op, failure{status: resp.HttpStatusCode, undecoded: true})
	}
	now := c.now()
	until := now.Add(c.cfg.CredentialDuration)
	// Trust the shorter of what we asked for and what IAM says, measured on
	// our clock: IAM's may differ a little.
	if exp, perr := time.Parse(time.RFC3339Nano, cr.ExpiresAt); perr == nil && exp.Before(until) {
		until = exp
	}
	until = until.Add(-c.cfg.CredentialRefreshMargin)
	g, err := global.NewCredentialsBuilder().WithAk(cr.Access).WithSk(cr.Secret).WithSecurityToken(cr.Securitytoken).SafeBuild()
	if err != nil {
		return nil, classify(op, failure{status: resp.HttpStatusCode, undecoded: true})
	}
	return &customerCredential{global: g, ak: cr.Access, sk: cr.Secret, token: cr.Securitytoken, useUntil: until}, nil
}

// VerifyCustomerAccess implements domain.CloudCustomers.
func (c *Client) VerifyCustomerAccess(ctx context.Context, customerID string) error {
	_, err := c.creds.get(ctx, customerID)
	return err
}

// CustomerProjectID implements domain.CloudCustomers. Project ids never
// change, so a found one is kept for the life of the Client.
func (c *Client) CustomerProjectID(ctx context.Context, customerID, region string) (string, error) {
	if region == "" {
		region = c.cfg.Region
	}
	if customerID == "" || region == "" {
		return "", domain.Errorf(domain.CodeValidation, "customer id and region are required")
	}
	key := customerID + "\x00" + region
	if id, ok := c.projects.get(key); ok {
		return id, nil
	}

	cred, err := c.creds.get(ctx, customerID)
	if err != nil {
		return "", err
	}
	op := readOp("KeystoneListProjects")
	resp, err := invoke(ctx, c, op, caller{customerID, cred}, func(rt http.RoundTripper) (*iammodel.KeystoneListProjectsResponse, error) {
		hc, err := c.sdkClient(iam.IamClientBuilder(), c.cfg.IAMEndpoint, cred.global, rt)
		if err != nil {
			return nil, err
		}
		return iam.NewIamClient(hc).KeystoneListProjects(&iammodel.KeystoneListProjectsRequest{Name: &region})
	})
	if err != nil {
		return "", err
	}
	if resp.Projects != nil {
		for _, p := range *resp.Projects {
			if p.Name == region && p.Id != "" {
				c.projects.put(key, p.Id)
				return p.Id, nil
			}
		}
	}
	e := newErr(op, failure{status: resp.HttpStatusCode}, domain.CodeUpstreamNotFound, domain.OutcomeDefinite,
		"the customer has no project in region "+region)
	return "", e
}

// projectCache maps customer × region to the project id. Ids never change,
// but customers stop calling: an id nobody asked for in idleTTL is dropped
// (idle.go) and asked IAM for again if needed.
type projectCache struct {
	now func() time.Time

	mu    sync.Mutex
	ids   map[string]projectEntry // customerID "\x00" region
	sweep sweepClock
}

type projectEntry struct {
	id      string
	touched time.Time
}

func newProjectCache(now func() time.Time) *projectCache {
	return &projectCache{now: now, ids: map[string]projectEntry{}, sweep: sweepClock{ttl: idleTTL}}
}

func (pc *projectCache) get(key string) (string, bool) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	now := pc.now()
	if pc.sweep.due(now) {
		pc.ids = sweepMap(pc.ids, func(e projectEntry) bool { return now.Sub(e.touched) >= idleTTL })
	}
	e, ok := pc.ids[key]
	if ok {
		e.touched = now
		pc.ids[key] = e
	}
	return e.id, ok
}

func (pc *projectCache) put(key, id string) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	pc.ids[key] = projectEntry{id: id, touched: pc.now()}
}

func (pc *projectCache) size() int {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	return len(pc.ids)
}
