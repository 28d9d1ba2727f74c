package bsssim

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// EVS CreateVolume with bssParam prePaid (SDK evs/v2): a stand-alone
// yearly/monthly disk is its own primary resource. volume_ids are returned
// only when volume.metadata asks for them with create_for_volume_id "true",
// as the EVS API documents; the order's resources are listed either way by
// ListPayPerUseCustomerResources with the order id.

func (s *Server) evsOps() []op {
	return []op{
		{Name: "CreateVolume", Method: http.MethodPost, Path: "/v2.1/{project_id}/cloudvolumes", Creds: credCustomer, Handle: s.createVolume},
	}
}

func evsParam(format string, args ...any) *apiError {
	return serviceErr(http.StatusBadRequest, "EVS.1009", fmt.Sprintf(format, args...))
}

func (s *Server) createVolume(c *call) (any, *apiError) {
	if resp, ok := s.idempotent(c, "CreateVolume"); ok {
		return resp, nil
	}
	var req struct {
		BssParam *prepaidParam `json:"bssParam"`
		Volume   *struct {
			AvailabilityZone string            `json:"availability_zone"`
			Count            *int32            `json:"count"`
			Name             *string           `json:"name"`
			Size             int32             `json:"size"`
			VolumeType       string            `json:"volume_type"`
			Metadata         map[string]string `json:"metadata"`
			BackupID         *string           `json:"backup_id"`
			SnapshotID       *string           `json:"snapshot_id"`
		} `json:"volume"`
		ServerID *string `json:"server_id"`
	}
	if err := json.Unmarshal(c.Body, &req); err != nil {
		return nil, evsParam("invalid volumeForCreate: %v", err)
	}
	v := req.Volume
	if v == nil {
		return nil, serviceErr(http.StatusBadRequest, "EVS.1008", "null createVolumeReq!")
	}
	if v.AvailabilityZone == "" {
		return nil, evsParam("availability_zone is required")
	}
	if v.BackupID != nil || v.SnapshotID != nil {
		return nil, evsParam("creating a yearly/monthly disk from a backup or snapshot is not simulated")
	}
	if v.Size < 10 || v.Size > 32768 {
		return nil, serviceErr(http.StatusBadRequest, "EVS.1010", "invalid volume size! (10 to 32768 GB)")
	}
	count := 1
	if v.Count != nil {
		if *v.Count < 1 || *v.Count > 100 {
			return nil, evsParam("count must be from 1 to 100")
		}
		count = int(*v.Count)
	}
	pp, aerr := parsePrepaid(req.BssParam, 1, evsParam)
	if aerr != nil {
		return nil, aerr
	}
	region, aerr := s.checkBuyer(c,
		func(msg string) *apiError { return serviceErr(http.StatusForbidden, "EVS.0003", msg) },
		serviceErr(http.StatusBadRequest, "EVS.0001", "invalid tenant id!"))
	if aerr != nil {
		return nil, aerr
	}
	p, ok := s.com.book.lookup(svcEVS, rtVolume, v.VolumeType, region)
	if !ok {
		return nil, evsParam("volume_type %s does not exist in %s", v.VolumeType, region)
	}
	if req.ServerID != nil && *req.ServerID != "" {
		srv, ok := s.com.resource(*req.ServerID)
		if !ok || srv.Deleted || srv.CustomerID != c.Caller.CustomerID || srv.ResourceTypeCode != rtVM {
			return nil, evsParam("server %s does not exist", *req.ServerID)
		}
	}
	name := "volume"
	if v.Name != nil && *v.Name != "" {
		name = *v.Name
	}
	pct := s.com.percentOff(c.Caller.CustomerID)
	var lines []*OrderLine
	var ids []string
	for i := range count {
		n := name
		if count > 1 {
			n = fmt.Sprintf("%s-%04d", name, i+1)
		}
		pr, _ := ratePeriod(p, pp.PeriodType, pp.PeriodNum, int(v.Size), 1, pct)
		id := s.newUUID()
		ids = append(ids, id)
		lines = append(lines, &OrderLine{
			ResourceID: id, ResourceName: n, IsMain: true,
			ServiceTypeCode: p.ServiceType, ResourceTypeCode: p.ResourceType, ResourceSpec: p.Spec,
			ProductID: p.ProductID, ProductSpecDesc: p.SpecDesc, Size: int(v.Size), SizeMeasureID: p.SizeMeasureID,
			PeriodType: pp.PeriodType, PeriodNum: pp.PeriodNum, SubscriptionNum: 1, Official: pr.Official, Amount: pr.Amount,
		})
	}
	o := s.newOrder(c.Now, c.Caller.CustomerID, orderNew, sourceCustomer, svcEVS, lines)
	o.ProjectID, o.Region, o.AutoRenew = c.Param("project_id"), region, pp.AutoRenew
	if pp.AutoPay {
		_ = s.payOrder(o, c.Now)
	}
	o.JobID = s.newJobID()
	resp := map[string]any{"job_id": o.JobID, "order_id": o.OrderID}
	if v.Metadata["create_for_volume_id"] == "true" {
		resp["volume_ids"] = ids
	}
	s.rememberToken(c, "CreateVolume", resp)
	return resp, nil
}
