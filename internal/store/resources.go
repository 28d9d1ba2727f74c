package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/partnerlab/storefront/internal/domain"
	"github.com/partnerlab/storefront/internal/store/internal/db"
)

func timeOf(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

func resourceFromDB(r db.Resource) domain.Resource {
	out := domain.Resource{ID: r.ID, CustomerID: r.CustomerID, HuaweiResourceID: r.HuaweiResourceID, Kind: domain.ResourceKind(r.Kind),
		Name: deref(r.Name), Region: deref(r.Region), Spec: r.Spec, ServiceType: deref(r.ServiceType), ResourceType: deref(r.ResourceType),
		Status: domain.ResourceStatus(r.Status), Main: r.Main, HuaweiParentID: deref(r.HuaweiParentID), EffectiveAt: timeOf(r.EffectiveAt),
		ExpiresAt: timeOf(r.ExpiresAt), ExpirePolicy: domain.CloudExpirePolicy(intOf(r.ExpirePolicy)), HuaweiOrderID: deref(r.HuaweiOrderID),
		SyncedAt: r.SyncedAt, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if r.PrimaryID != nil {
		out.PrimaryID = *r.PrimaryID
	}
	if r.OrderID != nil {
		out.OrderID = *r.OrderID
	}
	if r.AutoRenewStatus != nil {
		a := &domain.AutoRenewSetting{Enabled: r.AutoRenewEnabled != nil && *r.AutoRenewEnabled, PeriodType: domain.PeriodType(deref(r.AutoRenewPeriod)),
			Times: intOf(r.AutoRenewTimes), Status: *r.AutoRenewStatus}
		if len(r.AutoRenewError) > 0 {
			var u domain.UpstreamDetail
			if json.Unmarshal(r.AutoRenewError, &u) == nil {
				a.Error = &u
			}
		}
		out.AutoRenew = a
	}
	return out
}

func resourcesFromDB(rows []db.Resource, err error) ([]domain.Resource, error) {
	if err != nil {
		return nil, translate(err, "resources")
	}
	out := make([]domain.Resource, len(rows))
	for i, r := range rows {
		out[i] = resourceFromDB(r)
	}
	return out, nil
}

func (c *CommerceStore) UpsertResource(ctx context.Context, r domain.Resource) error {
	var policy *int32
	if r.ExpirePolicy != 0 || !r.ExpiresAt.IsZero() {
		p := int32(r.ExpirePolicy)
		policy = &p
	}
	err := c.s.q.UpsertResource(ctx, db.UpsertResourceParams{ID: r.ID, CustomerID: r.CustomerID, HuaweiResourceID: r.HuaweiResourceID,
		Kind: string(r.Kind), Name: nullable(r.Name), Region: nullable(r.Region), Spec: r.Spec, ServiceType: nullable(r.ServiceType),
		ResourceType: nullable(r.ResourceType), Status: string(r.Status), Main: r.Main, HuaweiParentID: nullable(r.HuaweiParentID),
		EffectiveAt: optTime(r.EffectiveAt), ExpiresAt: optTime(r.ExpiresAt), ExpirePolicy: policy, SyncedAt: r.SyncedAt})
	return translate(err, "resource")
}

func (c *CommerceStore) FinishResourceSync(ctx context.Context, customerID uuid.UUID, at time.Time, listed []string) (int64, error) {
	if listed == nil {
		listed = []string{}
	}
	n, err := c.s.q.MarkUnlistedResourcesDeleted(ctx, db.MarkUnlistedResourcesDeletedParams{CustomerID: customerID, SyncedAt: at, Listed: listed})
	if err != nil {
		return 0, translate(err, "resources")
	}
	if err := c.s.q.LinkResourcePrimaries(ctx, customerID); err != nil {
		return 0, translate(err, "resources")
	}
	return n, translate(c.s.q.LinkResourceOrders(ctx, customerID), "resources")
}

func (c *CommerceStore) Resource(ctx context.Context, id uuid.UUID) (domain.Resource, error) {
	r, err := c.s.q.ResourceByID(ctx, id)
	if err != nil {
		return domain.Resource{}, translate(err, "resource")
	}
	return resourceFromDB(r), nil
}

func (c *CommerceStore) ResourceForUpdate(ctx context.Context, id uuid.UUID) (domain.Resource, error) {
	r, err := c.s.q.ResourceForUpdate(ctx, id)
	if err != nil {
		return domain.Resource{}, translate(err, "resource")
	}
	return resourceFromDB(r), nil
}

func (c *CommerceStore) ResourcesByIDs(ctx context.Context, ids []uuid.UUID) ([]domain.Resource, error) {
	return resourcesFromDB(c.s.q.ResourcesByIDs(ctx, ids))
}

func (c *CommerceStore) ListResources(ctx context.Context, q domain.ResourceQuery) ([]domain.Resource, error) {
	if q.CustomerID != uuid.Nil {
		return resourcesFromDB(c.s.q.ListCustomerResourcesPage(ctx, db.ListCustomerResourcesPageParams{CustomerID: q.CustomerID, After: q.After,
			Status: nullable(string(q.Status)), Kind: nullable(string(q.Kind)), Lim: int32(q.Limit)}))
	}
	p := db.ListResourcesParams{After: q.After, CustomerID: optUUID(q.CustomerID), Status: nullable(string(q.Status)),
		Kind: nullable(string(q.Kind)), Lim: int32(q.Limit)}
	return resourcesFromDB(c.s.q.ListResources(ctx, p))
}

func (c *CommerceStore) SetAutoRenew(ctx context.Context, id uuid.UUID, a domain.AutoRenewSetting, at time.Time) error {
	p := db.SetResourceAutoRenewParams{ID: id, AutoRenewEnabled: &a.Enabled, AutoRenewPeriod: nullable(string(a.PeriodType)),
		AutoRenewStatus: &a.Status, UpdatedAt: at}
	if a.Enabled {
		t := int32(a.Times)
		p.AutoRenewTimes = &t
	}
	if a.Error != nil {
		b, err := json.Marshal(a.Error)
		if err != nil {
			return err
		}
		p.AutoRenewError = b
	}
	n, err := c.s.q.SetResourceAutoRenew(ctx, p)
	if err == nil && n == 0 {
		return domain.Errorf(domain.CodeNotFound, "resource not found")
	}
	return translate(err, "resource")
}

func (c *CommerceStore) ResourceTerms(ctx context.Context, primaryID uuid.UUID) ([]domain.ResourceTerm, error) {
	rows, err := c.s.q.ResourceTerms(ctx, primaryID)
	if err != nil {
		return nil, translate(err, "resource terms")
	}
	out := make([]domain.ResourceTerm, len(rows))
	for i, r := range rows {
		out[i] = domain.ResourceTerm{ResourceID: r.ResourceID, HuaweiOrderID: r.HuaweiOrderID, StartsAt: r.StartsAt, EndsAt: r.EndsAt, Paid: r.Paid}
	}
	return out, nil
}

func (c *CommerceStore) FiveDayRefunds(ctx context.Context, customerID uuid.UUID, from, to time.Time) (int, error) {
	n, err := c.s.q.CountFiveDayRefunds(ctx, db.CountFiveDayRefundsParams{CustomerID: customerID, FromAt: from, ToAt: to})
	return int(n), translate(err, "five-day refunds")
}

func (c *CommerceStore) FiveDayRefundCounts(ctx context.Context, customerIDs []uuid.UUID, from, to time.Time) (map[uuid.UUID]int, error) {
	rows, err := c.s.q.FiveDayRefundCounts(ctx, db.FiveDayRefundCountsParams{CustomerIds: customerIDs, FromAt: from, ToAt: to})
	if err != nil {
		return nil, translate(err, "five-day refunds")
	}
	out := make(map[uuid.UUID]int, len(rows))
	for _, r := range rows {
		out[r.CustomerID] = int(r.N)
	}
	return out, nil
}

func (c *CommerceStore) BusyResources(ctx context.Context, customerIDs []uuid.UUID) (map[string]bool, error) {
	refs, err := c.s.q.BusyResources(ctx, customerIDs)
	if err != nil {
		return nil, translate(err, "open orders")
	}
	out := make(map[string]bool, len(refs))
	for _, r := range refs {
		out[r] = true
	}
	return out, nil
}

func (c *CommerceStore) CustomersWithHuaweiID(ctx context.Context) ([]uuid.UUID, error) {
	ids, err := c.s.q.CustomersWithHuaweiID(ctx)
	return ids, translate(err, "customers")
}
