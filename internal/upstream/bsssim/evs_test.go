package bsssim

import (
	"net/http"
	"testing"

	bssmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"
	evsmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/evs/v2/model"
)

func volumeRequest(size int32, periodType string, periodNum int32, metadata map[string]string) *evsmodel.CreateVolumeRequest {
	pt := evsmodel.GetBssParamForCreateVolumePeriodTypeEnum().MONTH
	if periodType == "year" {
		pt = evsmodel.GetBssParamForCreateVolumePeriodTypeEnum().YEAR
	}
	return &evsmodel.CreateVolumeRequest{Body: &evsmodel.CreateVolumeRequestBody{
		BssParam: &evsmodel.BssParamForCreateVolume{
			ChargingMode: ptrTo(evsmodel.GetBssParamForCreateVolumeChargingModeEnum().PRE_PAID),
			PeriodType:   &pt,
			PeriodNum:    &periodNum,
			IsAutoPay:    ptrTo(evsmodel.GetBssParamForCreateVolumeIsAutoPayEnum().FALSE),
		},
		Volume: &evsmodel.CreateVolumeOption{
			AvailabilityZone: testRegion + "a", Size: size, Name: ptrTo("data"),
			VolumeType: evsmodel.GetCreateVolumeOptionVolumeTypeEnum().SSD, Metadata: metadata,
		},
	}}
}

func TestCreateVolumePrepaid(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	b := newBuyer(t, h, "evs", "1000")
	resp, err := b.evs.CreateVolume(volumeRequest(100, "month", 3, map[string]string{"create_for_volume_id": "true"}))
	if err != nil {
		t.Fatal(err)
	}
	if resp.OrderId == nil || resp.JobId == nil || resp.VolumeIds == nil || len(*resp.VolumeIds) != 1 {
		t.Fatalf("CreateVolume answer %+v", resp)
	}
	volID := (*resp.VolumeIds)[0]
	oi := b.order(*resp.OrderId).OrderInfo
	// 100 GB SSD × 1.00 × 3 months = 300.00, 285.00 after 5 %.
	if *oi.Status != orderPendingPayment || *oi.ServiceTypeCode != svcEVS {
		t.Fatalf("order %+v", oi)
	}
	wantDec(t, "amount", fen(oi.AmountAfterDiscount), "285.00")
	job, err := b.evs.ShowJob(&evsmodel.ShowJobRequest{JobId: *resp.JobId})
	if err != nil || job.Status.Value() != "INIT" {
		t.Fatalf("job of an unpaid order: %v %+v", err, job)
	}
	b.mustPay(*resp.OrderId)
	job, err = b.evs.ShowJob(&evsmodel.ShowJobRequest{JobId: *resp.JobId})
	if err != nil || job.Status.Value() != "SUCCESS" || *job.Entities.VolumeId != volID || *job.Entities.Size != 100 {
		t.Fatalf("job of a paid order: %v %+v", err, job)
	}
	v := b.resource(volID)
	if *v.IsMainResource != 1 || *v.ResourceSpecCode != "SSD" || !v.SpecSize.Equal(dec("100")) || *v.SpecSizeMeasureId != measureGB || *v.ResourceName != "data" {
		t.Fatalf("volume resource %+v", v)
	}
	if !parseWire(t, v.ExpireTime).Equal(parseWire(t, v.EffectiveTime).AddDate(0, 3, 0)) {
		t.Fatalf("3-month term: %s .. %s", *v.EffectiveTime, *v.ExpireTime)
	}

	// Without the metadata flag the ids are not returned.
	resp, err = b.evs.CreateVolume(volumeRequest(10, "year", 1, nil))
	if err != nil {
		t.Fatal(err)
	}
	if resp.VolumeIds != nil || resp.OrderId == nil {
		t.Fatalf("answer without create_for_volume_id: %+v", resp)
	}
	rs, err := b.bss.ListPayPerUseCustomerResources(&bssmodel.ListPayPerUseCustomerResourcesRequest{Body: &bssmodel.QueryResourcesReq{OrderId: resp.OrderId}})
	if err != nil || *rs.TotalCount != 0 {
		t.Fatalf("an unpaid order has no resources yet: %v %+v", err, rs)
	}

	_, err = b.evs.CreateVolume(volumeRequest(5, "month", 1, nil))
	sdkErr(t, err, http.StatusBadRequest, "EVS.1010")
	_, err = b.evs.CreateVolume(volumeRequest(10, "year", 2, nil))
	sdkErr(t, err, http.StatusBadRequest, "EVS.1009")
	req := volumeRequest(10, "month", 1, nil)
	req.Body.BssParam = nil
	_, err = b.evs.CreateVolume(req)
	sdkErr(t, err, http.StatusBadRequest, "EVS.1009")
}
