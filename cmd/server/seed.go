package main

import (
	"context"
	"log/slog"

	"github.com/google/uuid"

	"github.com/partnerlab/storefront/internal/domain"
)

// seedProducts are what `make run` sells on an empty catalogue against the
// simulator: a Linux ECS flavour with a 40 GB SAS root volume (the
// simulator prices any image id; one without "win" is Linux) and two EVS
// disk types, by the month (up to 9) and the year (up to 3).
func seedProducts() []domain.Product {
	both := []domain.PeriodType{domain.PeriodMonth, domain.PeriodYear}
	return []domain.Product{
		{Kind: domain.ProductECS, Name: "ECS s6.small.1 (1 vCPU, 1 GiB, Linux)", Region: "cn-north-4", Spec: "s6.small.1.linux",
			ServiceType: domain.ServiceTypeECS, ResourceType: domain.ResourceTypeVM, PeriodTypes: both, MaxMonths: 9, MaxYears: 3,
			ImageRef: "img-ubuntu-22.04", RootVolumeType: "SAS", RootVolumeGB: 40, Enabled: true},
		{Kind: domain.ProductEVS, Name: "EVS high I/O (SAS)", Region: "cn-north-4", AvailabilityZone: "cn-north-4a", Spec: "SAS",
			ServiceType: domain.ServiceTypeEVS, ResourceType: domain.ResourceTypeVol, PeriodTypes: both, MaxMonths: 9, MaxYears: 3,
			MinSizeGB: 10, MaxSizeGB: 32768, Enabled: true},
		{Kind: domain.ProductEVS, Name: "EVS ultra-high I/O (SSD)", Region: "cn-north-4", AvailabilityZone: "cn-north-4a", Spec: "SSD",
			ServiceType: domain.ServiceTypeEVS, ResourceType: domain.ResourceTypeVol, PeriodTypes: both, MaxMonths: 9, MaxYears: 3,
			MinSizeGB: 10, MaxSizeGB: 32768, Enabled: true},
	}
}

// seedCatalog fills an empty catalogue with seedProducts, audited as the
// system. A catalogue with any product is left alone.
func seedCatalog(ctx context.Context, st domain.Store, clock domain.Clock, log *slog.Logger) error {
	n, err := st.Commerce().CountProducts(ctx)
	if err != nil || n > 0 {
		return err
	}
	now := clock.Now().UTC()
	err = st.InTx(ctx, func(tx domain.Tx) error {
		for _, p := range seedProducts() {
			p.ID, p.CreatedAt, p.UpdatedAt = uuid.Must(uuid.NewV7()), now, now
			if err := tx.Commerce().CreateProduct(ctx, p); err != nil {
				return err
			}
			if err := tx.Audit().Append(ctx, domain.NewAuditEvent(ctx, clock, domain.Principal{}, "catalog.product.seeded", "product", p.ID,
				map[string]any{"kind": string(p.Kind), "spec": p.Spec, "region": p.Region})); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		log.Info("catalogue seeded for the simulator", slog.Int("products", len(seedProducts())))
	}
	return err
}
