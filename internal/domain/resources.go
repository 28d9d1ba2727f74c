package domain

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/google/uuid"
)

// ResourceStore keeps resources synced from Huawei and their terms.
type ResourceStore interface {
	// UpsertResource writes what Huawei listed (keyed by HuaweiResourceID),
	// leaving the auto-renew wish and the links alone.
	UpsertResource(ctx context.Context, r Resource) error
	// FinishResourceSync marks the customer's resources that Huawei did not
	// list (listed: the Huawei ids it did) as deleted, and links subordinates
	// to their primary and resources to the storefront order whose lines
	// name them. It returns how many went. (By id, not by sync time: Huawei's
	// times, and the sandbox's clock, have whole seconds, so two syncs in one
	// second carry the same time.)
	FinishResourceSync(ctx context.Context, customerID uuid.UUID, at time.Time, listed []string) (int64, error)
	// Resource errors: ErrNotFound.
	Resource(ctx context.Context, id uuid.UUID) (Resource, error)
	// ResourceForUpdate locks the row. Errors: ErrNotFound.
	ResourceForUpdate(ctx context.Context, id uuid.UUID) (Resource, error)
	// ResourcesByIDs returns the resources that exist among ids.
	ResourcesByIDs(ctx context.Context, ids []uuid.UUID) ([]Resource, error)
	// ListResources returns up to q.Limit resources with id > q.After, by id.
	ListResources(ctx context.Context, q ResourceQuery) ([]Resource, error)
	// SetAutoRenew writes the auto-renew wish and its status. Errors: ErrNotFound.
	SetAutoRenew(ctx context.Context, id uuid.UUID, a AutoRenewSetting, at time.Time) error
	// ResourceTerms are the terms of a primary and its subordinates, by start.
	ResourceTerms(ctx context.Context, primaryID uuid.UUID) ([]ResourceTerm, error)
	// FiveDayRefunds counts the customer's 5-day full refunds in [from, to).
	FiveDayRefunds(ctx context.Context, customerID uuid.UUID, from, to time.Time) (int, error)
	// FiveDayRefundCounts is FiveDayRefunds for several customers (absent: 0).
	FiveDayRefundCounts(ctx context.Context, customerIDs []uuid.UUID, from, to time.Time) (map[uuid.UUID]int, error)
	// BusyResources are the references (Huawei resource ids, and our ids
	// as text) that open storefront orders of the customers touch.
	BusyResources(ctx context.Context, customerIDs []uuid.UUID) (map[string]bool, error)
	// CustomersWithHuaweiID lists every customer registered at Huawei.
	CustomersWithHuaweiID(ctx context.Context) ([]uuid.UUID, error)
}

// ResourceQuery selects resources; zero fields do not filter.
type ResourceQuery struct {
	After      uuid.UUID
	CustomerID uuid.UUID
	Status     ResourceStatus
	Kind       ResourceKind
	Limit      int
}

// Retention is how long after expiry Huawei keeps a resource renewable.
const Retention = 15 * 24 * time.Hour

// beijing is Huawei's calendar for the yearly 5-day quota (no DST in China).
var beijing = time.FixedZone("CST", 8*60*60)

// Primary reports whether r is a primary resource (the one that is renewed,
// unsubscribed and auto-renewed for its subordinates).
func (r Resource) Primary() bool { return r.Main && r.PrimaryID == uuid.Nil }

// AutoRenewOn is Huawei's view: the expire policy renews.
func (r Resource) AutoRenewOn() bool { return r.ExpirePolicy == CloudExpireAutoRenew }

// SyncResourcesJob syncs one customer's resources from Huawei.
type SyncResourcesJob struct{ CustomerID uuid.UUID }

func (SyncResourcesJob) Kind() string           { return "resources_sync" }
func (SyncResourcesJob) JobOptions() JobOptions { return JobOptions{Unique: true} }

// SyncAllResourcesJob enqueues a SyncResourcesJob per registered customer.
type SyncAllResourcesJob struct{}

func (SyncAllResourcesJob) Kind() string           { return "resources_sync_all" }
func (SyncAllResourcesJob) JobOptions() JobOptions { return JobOptions{Unique: true} }

// ApplyAutoRenewJob carries a resource's auto-renew wish to Huawei. It is
// not unique: the worker reads the latest wish, so a second request while
// the first job runs is applied by its own job.
type ApplyAutoRenewJob struct{ ResourceID uuid.UUID }

func (ApplyAutoRenewJob) Kind() string { return "resources_auto_renew" }

func resourceKind(serviceType string) ResourceKind {
	switch serviceType {
	case ServiceTypeECS:
		return ResourceECS
	case ServiceTypeEVS:
		return ResourceEVS
	}
	return ResourceOther
}

func resourceStatus(s CloudResourceStatus) ResourceStatus {
	switch s {
	case CloudResourceClosed:
		return ResourceClosed
	case CloudResourceFrozen:
		return ResourceFrozen
	case CloudResourceExpired:
		return ResourceExpired
	}
	return ResourceInUse
}

// SyncResources reads the customer's yearly/monthly resources from Huawei and
// stores them (periodically and after every order). Resources Huawei no
// longer lists become deleted. A customer not registered at Huawei has none.
func (s *CommerceService) SyncResources(ctx context.Context, customerID uuid.UUID) error {
	c, err := s.store.Customers().CustomerByID(ctx, customerID)
	if err != nil {
		return err
	}
	if c.DomainID == "" {
		return nil
	}
	const page = 100
	var listed []CloudResource
	statuses := []CloudResourceStatus{CloudResourceInUse, CloudResourceClosed, CloudResourceFrozen, CloudResourceExpired}
	for off := 0; ; off += page {
		pg, err := s.cloud.ListCustomerResources(ctx, CloudResourceQuery{CustomerID: c.DomainID, Statuses: statuses, Offset: off, Limit: page})
		if err != nil {
			return err
		}
		listed = append(listed, pg.Resources...)
		if len(pg.Resources) < page || off+page >= pg.Total {
			break
		}
	}
	at := s.now()
	return s.store.InTx(ctx, func(tx Tx) error {
		for _, cr := range listed {
			r := Resource{ID: uuid.Must(uuid.NewV7()), CustomerID: c.ID, HuaweiResourceID: cr.ResourceID, Kind: resourceKind(cr.ServiceTypeCode),
				Name: cr.Name, Region: cr.Region, Spec: cr.SpecCode, ServiceType: cr.ServiceTypeCode, ResourceType: cr.ResourceTypeCode,
				Status: resourceStatus(cr.Status), Main: cr.Main, HuaweiParentID: cr.ParentID, EffectiveAt: cr.EffectiveAt,
				ExpiresAt: cr.ExpiresAt, ExpirePolicy: cr.ExpirePolicy, SyncedAt: at}
			if err := tx.Commerce().UpsertResource(ctx, r); err != nil {
				return err
			}
		}
		ids := make([]string, len(listed))
		for i, cr := range listed {
			ids[i] = cr.ResourceID
		}
		_, err := tx.Commerce().FinishResourceSync(ctx, c.ID, at, ids)
		return err
	})
}

// SyncAllResources enqueues a sync of every registered customer (periodic).
func (s *CommerceService) SyncAllResources(ctx context.Context) error {
	ids, err := s.store.Commerce().CustomersWithHuaweiID(ctx)
	if err != nil {
		return err
	}
	for start := 0; start < len(ids); start += 500 {
		batch := ids[start:min(start+500, len(ids))]
		err := s.store.InTx(ctx, func(tx Tx) error {
			for _, id := range batch {
				if err := tx.Enqueue(ctx, SyncResourcesJob{CustomerID: id}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// MaxResourcePage bounds a page of resources.
const MaxResourcePage = 100

// ResourceView is a resource with what can be done with it now.
type ResourceView struct {
	Resource
	Actions ResourceActions
}

// ListResources pages through resources by id: a customer its own, staff
// all (filtered). Errors: ErrValidation, ErrNotFound (a customer naming
// another customer), ErrForbidden.
func (s *CommerceService) ListResources(ctx context.Context, actor Principal, q ResourceQuery) (Page[ResourceView], error) {
	if q.Limit < 1 || q.Limit > MaxResourcePage {
		return Page[ResourceView]{}, fieldErr("limit", "range", "1–100")
	}
	if !isStaff(actor) {
		c, err := s.ownCustomer(ctx, actor)
		if err != nil {
			return Page[ResourceView]{}, ErrForbidden
		}
		own := c.ID
		if q.CustomerID != uuid.Nil && q.CustomerID != own {
			return Page[ResourceView]{}, nil
		}
		q.CustomerID = own
	}
	limit := q.Limit
	q.Limit++
	rs, err := s.store.Commerce().ListResources(ctx, q)
	if err != nil {
		return Page[ResourceView]{}, err
	}
	page := pageOf(rs, limit, func(r Resource) uuid.UUID { return r.ID })
	views, err := s.views(ctx, page.Items)
	if err != nil {
		return Page[ResourceView]{}, err
	}
	return Page[ResourceView]{Items: views, Next: page.Next}, nil
}

// GetResource returns one resource: a customer's own (404 otherwise), staff all.
func (s *CommerceService) GetResource(ctx context.Context, actor Principal, id uuid.UUID) (ResourceView, error) {
	r, err := s.store.Commerce().Resource(ctx, id)
	if err != nil {
		return ResourceView{}, err
	}
	if err := s.mayRead(ctx, actor, r.CustomerID); err != nil {
		return ResourceView{}, Errorf(CodeNotFound, "resource not found")
	}
	vs, err := s.views(ctx, []Resource{r})
	if err != nil {
		return ResourceView{}, err
	}
	return vs[0], nil
}

// views computes the actions of rs with a few queries for the whole page:
// the open orders and 5-day quota of their customers, the products of their specs.
func (s *CommerceService) views(ctx context.Context, rs []Resource) ([]ResourceView, error) {
	out := make([]ResourceView, len(rs))
	if len(rs) == 0 {
		return out, nil
	}
	now := s.clock.Now()
	var customers []uuid.UUID
	var specs []string
	for _, r := range rs {
		if !slices.Contains(customers, r.CustomerID) {
			customers = append(customers, r.CustomerID)
		}
		if r.Primary() && !slices.Contains(specs, r.Spec) {
			specs = append(specs, r.Spec)
		}
	}
	st := s.store.Commerce()
	busy, err := st.BusyResources(ctx, customers)
	if err != nil {
		return nil, err
	}
	from, to := beijingYear(now)
	used, err := st.FiveDayRefundCounts(ctx, customers, from, to)
	if err != nil {
		return nil, err
	}
	products, err := st.ProductsBySpecs(ctx, specs)
	if err != nil {
		return nil, err
	}
	for i, r := range rs {
		var periods []PeriodType
		for _, p := range products {
			if string(p.Kind) == string(r.Kind) && p.Region == r.Region && p.Spec == r.Spec {
				periods = p.PeriodTypes
				break
			}
		}
		out[i] = ResourceView{Resource: r, Actions: Actions(r, now, busy[r.HuaweiResourceID] || busy[r.ID.String()], FiveDayQuota-used[r.CustomerID], periods)}
	}
	return out, nil
}

// beijingYear is the calendar year (Beijing time) holding now.
func beijingYear(now time.Time) (from, to time.Time) {
	y := now.In(beijing).Year()
	return time.Date(y, 1, 1, 0, 0, 0, 0, beijing), time.Date(y+1, 1, 1, 0, 0, 0, 0, beijing)
}

// Actions is what the customer can do with r at now: busy says an open
// storefront order touches it, quotaLeft is the customer's 5-day refunds
// left this year, periods the product's period types (nil: both).
func Actions(r Resource, now time.Time, busy bool, quotaLeft int, periods []PeriodType) ResourceActions {
	var a ResourceActions
	if len(periods) == 0 {
		periods = []PeriodType{PeriodMonth, PeriodYear}
	}
	a.Renew.PeriodTypes = periods
	if !r.ExpiresAt.IsZero() {
		a.Renew.Until = r.ExpiresAt.Add(Retention)
	}
	switch {
	case !r.Primary():
		a.Renew.Reason, a.Unsubscribe.Reason, a.AutoRenew.Reason = "not_primary", "not_primary", "not_primary"
		return a
	case busy:
		a.Renew.Reason, a.Unsubscribe.Reason = "open_order", "open_order"
	default:
		switch {
		case r.Status != ResourceInUse && r.Status != ResourceExpired:
			a.Renew.Reason = "not_active"
		case !a.Renew.Until.IsZero() && !now.Before(a.Renew.Until):
			a.Renew.Reason = "retention_over"
		default:
			a.Renew.Allowed = true
		}
		if r.Status == ResourceInUse {
			a.Unsubscribe.Allowed = true
			if until := r.EffectiveAt.Add(FiveDayWindow); !r.EffectiveAt.IsZero() && now.Before(until) && quotaLeft > 0 {
				a.Unsubscribe.FullRefundUntil = until
			}
		} else {
			a.Unsubscribe.Reason = "not_active"
		}
	}
	// Huawei refuses auto-renew for expired or frozen resources
	// (SetAutoRenew: resource_not_active), so only in-use ones offer it.
	if r.Status == ResourceInUse {
		a.AutoRenew.Allowed = true
	} else {
		a.AutoRenew.Reason = "not_active"
	}
	if !a.Renew.Allowed {
		a.Renew.Until = time.Time{}
	}
	return a
}

// ownResources loads ids, all of which must be the customer's (ErrNotFound
// otherwise), in the order asked.
func (s *CommerceService) ownResources(ctx context.Context, customerID uuid.UUID, ids []uuid.UUID) ([]Resource, error) {
	rs, err := s.store.Commerce().ResourcesByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := map[uuid.UUID]Resource{}
	for _, r := range rs {
		byID[r.ID] = r
	}
	out := make([]Resource, 0, len(ids))
	for _, id := range ids {
		r, ok := byID[id]
		if !ok || r.CustomerID != customerID {
			return nil, Errorf(CodeNotFound, "resource %s not found", id)
		}
		if slices.ContainsFunc(out, func(x Resource) bool { return x.ID == id }) {
			return nil, fieldErr("resource_ids", "duplicate", "each resource once")
		}
		out = append(out, r)
	}
	return out, nil
}

// AutoRenewInput is what the customer asks of Huawei's auto-renew.
type AutoRenewInput struct {
	Enabled    bool
	PeriodType PeriodType // "" → as the last order
	Times      int        // 0 → until cancelled
}

// SetAutoRenew records the customer's auto-renew wish for a primary
// resource (pending) with its audit record and the job that carries it to
// Huawei. Errors: ErrNotFound, ErrValidation, CodeResourceNotPrimary,
// CodeResourceNotActive.
func (s *CommerceService) SetAutoRenew(ctx context.Context, actor Principal, resourceID uuid.UUID, in AutoRenewInput) (ResourceView, error) {
	c, err := s.ownCustomer(ctx, actor)
	if err != nil {
		return ResourceView{}, Errorf(CodeNotFound, "resource not found")
	}
	own := c.ID
	if in.PeriodType != "" && !in.PeriodType.Valid() {
		return ResourceView{}, fieldErr("period_type", "enum", "month or year")
	}
	if in.Times < 0 || in.Times > 99 {
		return ResourceView{}, fieldErr("times", "range", "0–99")
	}
	if !in.Enabled {
		in.PeriodType, in.Times = "", 0
	}
	var out Resource
	err = s.store.InTx(ctx, func(tx Tx) error {
		r, err := tx.Commerce().ResourceForUpdate(ctx, resourceID)
		if err != nil || r.CustomerID != own {
			return Errorf(CodeNotFound, "resource not found")
		}
		if !r.Primary() {
			return Errorf(CodeResourceNotPrimary, "auto-renew is set on the primary resource")
		}
		if r.Status != ResourceInUse {
			return Errorf(CodeResourceNotActive, "the resource is %s", r.Status)
		}
		r.AutoRenew = &AutoRenewSetting{Enabled: in.Enabled, PeriodType: in.PeriodType, Times: in.Times, Status: "pending"}
		if err := tx.Commerce().SetAutoRenew(ctx, r.ID, *r.AutoRenew, s.now()); err != nil {
			return err
		}
		out = r
		if err := tx.Audit().Append(ctx, NewAuditEvent(ctx, s.clock, actor, "resource.auto_renew.requested", "resource", r.ID, map[string]any{
			"enabled": in.Enabled, "period_type": string(in.PeriodType), "times": in.Times, "huawei_resource_id": r.HuaweiResourceID})); err != nil {
			return err
		}
		return tx.Enqueue(ctx, ApplyAutoRenewJob{ResourceID: r.ID})
	})
	if err != nil {
		return ResourceView{}, err
	}
	vs, err := s.views(ctx, []Resource{out})
	if err != nil {
		return ResourceView{}, err
	}
	return vs[0], nil
}

// codeAutoRenewAlreadyOff is Huawei's answer to cancelling an auto-renew
// that is off: the wish holds.
const codeAutoRenewAlreadyOff = "CBC.99003605"

// ApplyAutoRenew is the job's use case: it sends the resource's pending
// wish to Huawei. Setting and cancelling auto-renew are idempotent at
// Huawei (the same call again leaves the same policy), so a resend after
// an unknown outcome is safe and River's retry does it. A definite refusal
// marks the wish failed with Huawei's reason; then the resources are synced.
func (s *CommerceService) ApplyAutoRenew(ctx context.Context, resourceID uuid.UUID) error {
	r, err := s.store.Commerce().Resource(ctx, resourceID)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if r.AutoRenew == nil || r.AutoRenew.Status != "pending" {
		return nil
	}
	c, err := s.store.Customers().CustomerByID(ctx, r.CustomerID)
	if err != nil {
		return err
	}
	wish := *r.AutoRenew
	if wish.Enabled {
		err = s.cloud.SetAutoRenew(ctx, c.DomainID, CloudAutoRenew{ResourceID: r.HuaweiResourceID, Times: wish.Times, Period: CloudPeriodUnit(wish.PeriodType)})
	} else {
		err = s.cloud.CancelAutoRenew(ctx, c.DomainID, r.HuaweiResourceID)
	}
	var refused *UpstreamDetail
	if err != nil {
		var de *Error
		switch {
		case !wish.Enabled && errors.As(err, &de) && de.Upstream != nil && de.Upstream.Code == codeAutoRenewAlreadyOff:
		case UpstreamOutcome(err) == OutcomeDefinite && errors.As(err, &de):
			refused = de.Upstream
		default:
			return err // retryable or unknown: River retries (safe, see above)
		}
	}
	err = s.store.InTx(ctx, func(tx Tx) error {
		cur, err := tx.Commerce().ResourceForUpdate(ctx, resourceID)
		if err != nil {
			return err
		}
		if cur.AutoRenew == nil || *cur.AutoRenew != wish {
			return nil // a newer wish: its own job applies it
		}
		done := wish
		done.Status, done.Error = "applied", nil
		action := "resource.auto_renew.applied"
		if refused != nil {
			done.Status, done.Error, action = "failed", refused, "resource.auto_renew.failed"
		}
		if err := tx.Commerce().SetAutoRenew(ctx, cur.ID, done, s.now()); err != nil {
			return err
		}
		details := map[string]any{"enabled": wish.Enabled}
		if refused != nil {
			details["upstream_code"] = refused.Code
		}
		return tx.Audit().Append(ctx, NewAuditEvent(ctx, s.clock, system, action, "resource", cur.ID, details))
	})
	if err != nil {
		return err
	}
	// Sync here rather than through SyncResourcesJob: that job is unique,
	// so one already running (it may have read Huawei before this change)
	// would swallow a new one and leave the old expire policy until the
	// periodic sync. A failed sync is left to the periodic one.
	if err := s.SyncResources(ctx, r.CustomerID); err != nil {
		s.cfg.Log.WarnContext(ctx, "sync after auto-renew failed", "customer_id", r.CustomerID.String(), "error", err)
	}
	return nil
}

// PreviewUnsubscription estimates, per primary resource of actor's customer,
// what unsubscribing it now would refund (docs/design.md §11.6), from the
// terms the orders recorded (resource_terms) and Huawei's rules as the
// simulator implements them (EstimateRefund). Errors: ErrValidation,
// ErrNotFound, CodeResourceNotPrimary.
func (s *CommerceService) PreviewUnsubscription(ctx context.Context, actor Principal, resourceIDs []uuid.UUID) (UnsubscriptionPreview, error) {
	if len(resourceIDs) < 1 || len(resourceIDs) > 10 {
		return UnsubscriptionPreview{}, fieldErr("resource_ids", "range", "1–10 resources")
	}
	c, err := s.ownCustomer(ctx, actor)
	if err != nil {
		return UnsubscriptionPreview{}, err
	}
	own := c.ID
	rs, err := s.ownResources(ctx, own, resourceIDs)
	if err != nil {
		return UnsubscriptionPreview{}, err
	}
	for _, r := range rs {
		if !r.Primary() {
			return UnsubscriptionPreview{}, Errorf(CodeResourceNotPrimary, "resource %s is not a primary resource", r.ID)
		}
	}
	now := s.clock.Now()
	from, to := beijingYear(now)
	used, err := s.store.Commerce().FiveDayRefunds(ctx, own, from, to)
	if err != nil {
		return UnsubscriptionPreview{}, err
	}
	terms := make([][]ResourceTerm, len(rs))
	for i, r := range rs {
		if terms[i], err = s.store.Commerce().ResourceTerms(ctx, r.ID); err != nil {
			return UnsubscriptionPreview{}, err
		}
	}
	return EstimateUnsubscription(rs, terms, now, FiveDayQuota-used), nil
}
