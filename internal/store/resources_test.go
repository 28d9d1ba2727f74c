package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/partnerlab/storefront/internal/domain"
)

// TestResourceSync: an upsert keeps the row's owner and its auto-renew
// wish, moves updated_at only when what Huawei lists changed, links
// subordinates, and the finish marks what was not listed as deleted.
func TestResourceSync(t *testing.T) {
	t.Parallel()
	_, st, pool := newStore(t)
	ctx := context.Background()
	a := customerFixture(t, st, pool, 901)
	b := customerFixture(t, st, pool, 902)
	c := st.Commerce()
	at := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	vm := domain.Resource{ID: uuid.Must(uuid.NewV7()), CustomerID: a, HuaweiResourceID: "vm-1", Kind: domain.ResourceECS, Spec: "s6.small.1.linux",
		Status: domain.ResourceInUse, Main: true, ExpiresAt: at.AddDate(0, 1, 0), SyncedAt: at}
	disk := domain.Resource{ID: uuid.Must(uuid.NewV7()), CustomerID: a, HuaweiResourceID: "vm-1-vol", Kind: domain.ResourceEVS, Spec: "SAS",
		Status: domain.ResourceInUse, HuaweiParentID: "vm-1", SyncedAt: at}
	old := domain.Resource{ID: uuid.Must(uuid.NewV7()), CustomerID: a, HuaweiResourceID: "old", Kind: domain.ResourceOther, Spec: "x",
		Status: domain.ResourceInUse, Main: true, SyncedAt: at.Add(-time.Hour)}
	for _, r := range []domain.Resource{vm, disk, old} {
		if err := c.UpsertResource(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.SetAutoRenew(ctx, vm.ID, domain.AutoRenewSetting{Enabled: true, PeriodType: domain.PeriodMonth, Status: "applied"}, at); err != nil {
		t.Fatal(err)
	}
	n, err := c.FinishResourceSync(ctx, a, at, []string{"vm-1", "vm-1-vol"})
	if err != nil || n != 1 {
		t.Fatalf("finish: %d deleted, %v", n, err)
	}
	got, err := c.Resource(ctx, disk.ID)
	if err != nil || got.PrimaryID != vm.ID || got.Primary() {
		t.Fatalf("disk %+v %v", got, err)
	}
	if got, _ := c.Resource(ctx, old.ID); got.Status != domain.ResourceDeleted {
		t.Fatalf("old %+v", got)
	}

	// The same listing later: nothing changed, updated_at stays; another
	// customer's listing of the id changes nothing.
	later := vm
	later.ID, later.SyncedAt = uuid.Must(uuid.NewV7()), at.Add(time.Hour)
	if err := c.UpsertResource(ctx, later); err != nil {
		t.Fatal(err)
	}
	thief := later
	thief.CustomerID, thief.Status = b, domain.ResourceFrozen
	if err := c.UpsertResource(ctx, thief); err != nil {
		t.Fatal(err)
	}
	got, err = c.Resource(ctx, vm.ID)
	if err != nil || got.CustomerID != a || got.Status != domain.ResourceInUse || !got.SyncedAt.Equal(later.SyncedAt) ||
		!got.UpdatedAt.Equal(at) || got.AutoRenew == nil || got.AutoRenew.Status != "applied" || !got.AutoRenew.Enabled {
		t.Fatalf("vm %+v %v", got, err)
	}
	page, err := c.ListResources(ctx, domain.ResourceQuery{CustomerID: a, Status: domain.ResourceInUse, Limit: 10})
	if err != nil || len(page) != 2 {
		t.Fatalf("page %+v %v", page, err)
	}
}
