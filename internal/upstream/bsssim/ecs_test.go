package bsssim

import (
	"net/http"
	"testing"

	bssmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"
	ecsmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ecs/v2/model"
)

func TestCreateServersValidation(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	b := newBuyer(t, h, "ecs-validate", "1000")
	cases := []struct {
		name   string
		mod    func(*ecsmodel.PrePaidServer)
		status int
		code   string
	}{
		{"unknown flavour", func(sv *ecsmodel.PrePaidServer) { sv.FlavorRef = "z9.huge.9" }, http.StatusBadRequest, "Ecs.0005"},
		{"postPaid", func(sv *ecsmodel.PrePaidServer) {
			sv.Extendparam.ChargingMode = ptrTo(ecsmodel.GetPrePaidServerExtendParamChargingModeEnum().POST_PAID)
		}, http.StatusBadRequest, "Ecs.0005"},
		{"ten months", func(sv *ecsmodel.PrePaidServer) { sv.Extendparam.PeriodNum = ptrTo(int32(10)) }, http.StatusBadRequest, "Ecs.0005"},
		{"four years", func(sv *ecsmodel.PrePaidServer) {
			sv.Extendparam.PeriodType = ptrTo(ecsmodel.GetPrePaidServerExtendParamPeriodTypeEnum().YEAR)
			sv.Extendparam.PeriodNum = ptrTo(int32(4))
		}, http.StatusBadRequest, "Ecs.0005"},
		{"no nics", func(sv *ecsmodel.PrePaidServer) { sv.Nics = nil }, http.StatusBadRequest, "Ecs.0005"},
		{"tiny system disk", func(sv *ecsmodel.PrePaidServer) { sv.RootVolume.Size = ptrTo(int32(20)) }, http.StatusBadRequest, "Ecs.0005"},
		{"other region", func(sv *ecsmodel.PrePaidServer) { sv.Extendparam.RegionID = ptrTo("cn-east-3") }, http.StatusBadRequest, "Ecs.0005"},
	}
	for _, tc := range cases {
		_, err := b.createServer("s6.small.1", "month", 1, tc.mod)
		se := sdkErr(t, err, tc.status, tc.code)
		if se.ErrorMessage == "" {
			t.Errorf("%s: empty message", tc.name)
		}
	}
	if rs, _ := h.bss.ListCustomerOrders(&bssmodel.ListCustomerOrdersRequest{CustomerId: &b.id}); *rs.TotalCount != 0 {
		t.Fatalf("refused creates left %d orders", *rs.TotalCount)
	}
}

func TestCreateServersBuyerChecks(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	b := newBuyer(t, h, "ecs-buyer", "1000")
	other := newBuyer(t, h, "ecs-buyer-other", "1000")

	// Another account's project.
	b.project, other.project = other.project, b.project
	b.login()
	_, err := b.createServer("s6.small.1", "month", 1, nil)
	sdkErr(t, err, http.StatusForbidden, "Ecs.0003")
	b.project, other.project = other.project, b.project
	b.login()

	// Purchases need real-name verification.
	h.sim.mu.Lock()
	cu, _ := h.sim.customerByID(b.id)
	cu.Realname.Status = 0
	h.sim.mu.Unlock()
	_, err = b.createServer("s6.small.1", "month", 1, nil)
	sdkErr(t, err, http.StatusForbidden, "Ecs.0003")

	// The partner cannot buy for the customer.
	_, err = h.bss.PayOrders(&bssmodel.PayOrdersRequest{Body: &bssmodel.PayCustomerOrderV3Req{OrderId: "x", UseCoupon: "NO", UseDiscount: "NO"}})
	sdkErr(t, err, http.StatusForbidden, "CBC.0151")
}

func TestCreateServersBundleAutoPayAndIdempotency(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	b := newBuyer(t, h, "ecs-bundle", "10000")
	token := "3c2d7b5e-0000-4000-8000-000000000001"
	mod := func(sv *ecsmodel.PrePaidServer) {
		sv.Count = ptrTo(int32(2))
		sv.ImageRef = "win2022-datacenter-64bit"
		sv.DataVolumes = &[]ecsmodel.PrePaidServerDataVolume{{Volumetype: ecsmodel.GetPrePaidServerDataVolumeVolumetypeEnum().SAS, Size: 100}}
		sv.Publicip = &ecsmodel.PrePaidServerPublicip{Eip: &ecsmodel.PrePaidServerEip{
			Iptype:    "5_bgp",
			Bandwidth: &ecsmodel.PrePaidServerEipBandwidth{Size: ptrTo(int32(5)), Sharetype: ecsmodel.GetPrePaidServerEipBandwidthSharetypeEnum().PER},
		}}
		sv.Extendparam.IsAutoPay = ptrTo(ecsmodel.GetPrePaidServerExtendParamIsAutoPayEnum().TRUE)
		sv.Extendparam.PeriodType = ptrTo(ecsmodel.GetPrePaidServerExtendParamPeriodTypeEnum().YEAR)
		sv.Extendparam.PeriodNum = ptrTo(int32(1))
	}
	create := func() *ecsmodel.CreateServersResponse {
		t.Helper()
		pt := ecsmodel.GetPrePaidServerExtendParamPeriodTypeEnum().MONTH
		sv := &ecsmodel.PrePaidServer{
			ImageRef: "img", FlavorRef: "s6.large.2", Name: "app", Vpcid: "vpc",
			Nics:        []ecsmodel.PrePaidServerNic{{SubnetId: ptrTo("subnet")}},
			RootVolume:  &ecsmodel.PrePaidServerRootVolume{Volumetype: ecsmodel.GetPrePaidServerRootVolumeVolumetypeEnum().GPSSD},
			Extendparam: &ecsmodel.PrePaidServerExtendParam{ChargingMode: ptrTo(ecsmodel.GetPrePaidServerExtendParamChargingModeEnum().PRE_PAID), PeriodType: &pt, PeriodNum: ptrTo(int32(1))},
		}
		mod(sv)
		resp, err := b.ecs.CreateServers(&ecsmodel.CreateServersRequest{XClientToken: &token, Body: &ecsmodel.CreateServersRequestBody{Server: sv}})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	first := create()
	job, err := b.ecs.ShowJob(&ecsmodel.ShowJobRequest{JobId: *first.JobId})
	if err != nil {
		t.Fatal(err)
	}
	if job.Status.Value() != "SUCCESS" || *job.Entities.SubJobsTotal != 2 || *(*job.Entities.SubJobs)[1].Entities.ServerId != (*first.ServerIds)[1] {
		t.Fatalf("ShowJob of an auto-paid order: %+v", job)
	}
	again := create()
	if *first.OrderId != *again.OrderId || (*first.ServerIds)[1] != (*again.ServerIds)[1] || *first.JobId != *again.JobId {
		t.Fatalf("X-Client-Token replay differs: %+v vs %+v", first, again)
	}
	list, err := h.bss.ListCustomerOrders(&bssmodel.ListCustomerOrdersRequest{CustomerId: &b.id})
	if err != nil || *list.TotalCount != 1 {
		t.Fatalf("a replayed create bought twice: %v %+v", err, list)
	}
	_, err = b.ecs.ShowJob(&ecsmodel.ShowJobRequest{JobId: "ff80808200000000000000000000beef"})
	sdkErr(t, err, http.StatusNotFound, "Ecs.0005")

	// isAutoPay "true" paid at once. Per server and year, Windows s6.large.2
	// 1595.28, GPSSD 40 GB 204.00, SAS 100 GB 357.00, EIP 51.00, 5 Mbit/s
	// 1173.00; each less 5 %: 1515.52 + 193.80 + 339.15 + 48.45 + 1114.35.
	oi := b.order(*first.OrderId).OrderInfo
	if *oi.Status != orderCompleted {
		t.Fatalf("auto-paid order status %d", *oi.Status)
	}
	wantDec(t, "two servers", fen(oi.AmountAfterDiscount), "6422.54")
	wantDec(t, "balance", b.balance(), "3577.46")
	rs := b.resources(bssmodel.QueryResourcesReq{OrderId: first.OrderId})
	if len(rs) != 10 {
		t.Fatalf("%d resources, want 2 × (server, 2 disks, EIP, bandwidth)", len(rs))
	}
	names := map[string]string{}
	for _, r := range rs {
		names[*r.ResourceName] = *r.ResourceTypeCode
		if *r.IsMainResource == 0 && *r.ParentResourceId != (*first.ServerIds)[0] && *r.ParentResourceId != (*first.ServerIds)[1] {
			t.Fatalf("subordinate %s has parent %s", *r.ResourceId, *r.ParentResourceId)
		}
	}
	if names["app-0002"] != rtVM || names["app-0001-volume-0001"] != rtVolume || names["app-0002-bandwidth"] != rtBandwidth {
		t.Fatalf("resource names %v", names)
	}
	// Unsubscribing a server takes its disks, EIP and bandwidth along.
	if _, err := unsubscribe(b, 1, (*first.ServerIds)[0]); err != nil {
		t.Fatal(err)
	}
	if left := b.resources(bssmodel.QueryResourcesReq{OrderId: first.OrderId}); len(left) != 5 {
		t.Fatalf("%d resources left after unsubscribing one server", len(left))
	}
}
