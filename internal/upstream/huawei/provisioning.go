package huawei

import (
	"context"
	"net/http"
	"strings"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	ecs "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ecs/v2"
	ecsmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ecs/v2/model"
	evs "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/evs/v2"
	evsmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/evs/v2/model"

	"github.com/partnerlab/storefront/internal/domain"
)

// enumOf sets one of the SDK's string enums, which have no constructor from
// a value: they decode from JSON only.
func enumOf[T any, P interface {
	*T
	UnmarshalJSON([]byte) error
}](v string) (*T, error) {
	var e T
	if err := P(&e).UnmarshalJSON([]byte(`"` + v + `"`)); err != nil {
		return nil, domain.Wrap(err, domain.CodeInternal, "SDK enum")
	}
	return &e, nil
}

// prepaid is the customer-side setup shared by ECS and EVS creates: the
// region's endpoint, the customer's project there and a project-scoped
// credential (ECS/EVS are project services: basic credentials).
func (c *Client) prepaid(ctx context.Context, customerID, region string, tmpl string) (endpoint string, cred *basic.Credentials, who caller, err error) {
	if region == "" {
		region = c.cfg.Region
	}
	if err := required("region", region); err != nil {
		return "", nil, caller{}, err
	}
	project, err := c.CustomerProjectID(ctx, customerID, region)
	if err != nil {
		return "", nil, caller{}, err
	}
	cc, err := c.creds.get(ctx, customerID)
	if err != nil {
		return "", nil, caller{}, err
	}
	cred, err = basic.NewCredentialsBuilder().WithAk(cc.ak).WithSk(cc.sk).WithSecurityToken(cc.token).WithProjectId(project).SafeBuild()
	if err != nil {
		return "", nil, caller{}, domain.Errorf(domain.CodeInternal, "huawei: customer credential rejected by the SDK")
	}
	return strings.ReplaceAll(tmpl, "{region}", region), cred, caller{customerID, cc}, nil
}

func periodType(u domain.CloudPeriodUnit, n int) (string, error) {
	switch {
	case u == domain.CloudPeriodMonth && n >= 1 && n <= 9:
		return "month", nil
	case u == domain.CloudPeriodYear && n >= 1 && n <= 3:
		return "year", nil
	}
	return "", domain.Errorf(domain.CodeValidation, "prepaid period %d %s: months 1–9 or years 1–3", n, u)
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// CreatePrepaidServer implements domain.CloudProvisioning: chargingMode
// prePaid, isAutoPay false, so the answer is a pending order.
func (c *Client) CreatePrepaidServer(ctx context.Context, customerID string, req domain.CloudServerOrder) (domain.CloudPendingOrder, error) {
	for what, v := range map[string]string{"image": req.ImageRef, "flavor": req.FlavorRef, "vpc": req.VPCID, "name": req.Name, "root volume type": req.RootVolume.Type} {
		if err := required(what, v); err != nil {
			return domain.CloudPendingOrder{}, err
		}
	}
	if err := validCount("subnets", len(req.SubnetIDs), 1, 12); err != nil {
		return domain.CloudPendingOrder{}, err
	}
	pt, err := periodType(req.Period, req.Periods)
	if err != nil {
		return domain.CloudPendingOrder{}, err
	}
	ext := &ecsmodel.PrePaidServerExtendParam{PeriodNum: ptr(int32(req.Periods))}
	if ext.ChargingMode, err = enumOf[ecsmodel.PrePaidServerExtendParamChargingMode]("prePaid"); err != nil {
		return domain.CloudPendingOrder{}, err
	}
	if ext.PeriodType, err = enumOf[ecsmodel.PrePaidServerExtendParamPeriodType](pt); err != nil {
		return domain.CloudPendingOrder{}, err
	}
	if ext.IsAutoRenew, err = enumOf[ecsmodel.PrePaidServerExtendParamIsAutoRenew](boolText(req.AutoRenew)); err != nil {
		return domain.CloudPendingOrder{}, err
	}
	if ext.IsAutoPay, err = enumOf[ecsmodel.PrePaidServerExtendParamIsAutoPay]("false"); err != nil {
		return domain.CloudPendingOrder{}, err
	}
	root := &ecsmodel.PrePaidServerRootVolume{Size: optInt(req.RootVolume.SizeGB)}
	rootType, err := enumOf[ecsmodel.PrePaidServerRootVolumeVolumetype](req.RootVolume.Type)
	if err != nil {
		return domain.CloudPendingOrder{}, err
	}
	root.Volumetype = *rootType
	server := &ecsmodel.PrePaidServer{
		ImageRef: req.ImageRef, FlavorRef: req.FlavorRef, Name: req.Name, Vpcid: req.VPCID,
		RootVolume: root, Extendparam: ext,
		AvailabilityZone: optStr(req.AvailabilityZone),
		Count:            optInt(req.Count),
		AdminPass:        optStr(req.AdminPassword),
	}
	for _, s := range req.SubnetIDs {
		server.Nics = append(server.Nics, ecsmodel.PrePaidServerNic{SubnetId: ptr(s)})
	}
	if len(req.DataVolumes) > 0 {
		vols := make([]ecsmodel.PrePaidServerDataVolume, 0, len(req.DataVolumes))
		for _, d := range req.DataVolumes {
			t, err := enumOf[ecsmodel.PrePaidServerDataVolumeVolumetype](d.Type)
			if err != nil {
				return domain.CloudPendingOrder{}, err
			}
			vols = append(vols, ecsmodel.PrePaidServerDataVolume{Volumetype: *t, Size: int32(d.SizeGB)})
		}
		server.DataVolumes = &vols
	}
	if len(req.SecurityGroupIDs) > 0 {
		sgs := make([]ecsmodel.PrePaidServerSecurityGroup, 0, len(req.SecurityGroupIDs))
		for _, id := range req.SecurityGroupIDs {
			sgs = append(sgs, ecsmodel.PrePaidServerSecurityGroup{Id: ptr(id)})
		}
		server.SecurityGroups = &sgs
	}

	endpoint, cred, who, err := c.prepaid(ctx, customerID, req.Region, c.cfg.ECSEndpoint)
	if err != nil {
		return domain.CloudPendingOrder{}, err
	}
	op := effectOp("CreateServers")
	resp, err := invoke(ctx, c, op, who, func(rt http.RoundTripper) (*ecsmodel.CreateServersResponse, error) {
		hc, err := c.sdkClient(ecs.EcsClientBuilder(), endpoint, cred, rt)
		if err != nil {
			return nil, err
		}
		return ecs.NewEcsClient(hc).CreateServers(&ecsmodel.CreateServersRequest{
			XClientToken: optStr(req.ClientToken),
			Body:         &ecsmodel.CreateServersRequestBody{Server: server},
		})
	})
	if err != nil {
		return domain.CloudPendingOrder{}, err
	}
	if str(resp.OrderId) == "" {
		// Created something, maybe; without the order we cannot pay or cancel it.
		return domain.CloudPendingOrder{}, c.fail(op, who, failure{status: resp.HttpStatusCode, undecoded: true}, nil)
	}
	out := domain.CloudPendingOrder{OrderID: *resp.OrderId, JobID: str(resp.JobId)}
	if resp.ServerIds != nil {
		out.ResourceIDs = append(out.ResourceIDs, *resp.ServerIds...)
	}
	return out, nil
}

// CreatePrepaidVolume implements domain.CloudProvisioning.
func (c *Client) CreatePrepaidVolume(ctx context.Context, customerID string, req domain.CloudVolumeOrder) (domain.CloudPendingOrder, error) {
	if err := required("availability zone", req.AvailabilityZone); err != nil {
		return domain.CloudPendingOrder{}, err
	}
	if err := required("volume type", req.Disk.Type); err != nil {
		return domain.CloudPendingOrder{}, err
	}
	if req.Disk.SizeGB <= 0 {
		return domain.CloudPendingOrder{}, domain.Errorf(domain.CodeValidation, "volume size must be positive")
	}
	pt, err := periodType(req.Period, req.Periods)
	if err != nil {
		return domain.CloudPendingOrder{}, err
	}
	bp := &evsmodel.BssParamForCreateVolume{PeriodNum: ptr(int32(req.Periods))}
	if bp.ChargingMode, err = enumOf[evsmodel.BssParamForCreateVolumeChargingMode]("prePaid"); err != nil {
		return domain.CloudPendingOrder{}, err
	}
	if bp.PeriodType, err = enumOf[evsmodel.BssParamForCreateVolumePeriodType](pt); err != nil {
		return domain.CloudPendingOrder{}, err
	}
	if bp.IsAutoRenew, err = enumOf[evsmodel.BssParamForCreateVolumeIsAutoRenew](boolText(req.AutoRenew)); err != nil {
		return domain.CloudPendingOrder{}, err
	}
	if bp.IsAutoPay, err = enumOf[evsmodel.BssParamForCreateVolumeIsAutoPay]("false"); err != nil {
		return domain.CloudPendingOrder{}, err
	}
	vt, err := enumOf[evsmodel.CreateVolumeOptionVolumeType](req.Disk.Type)
	if err != nil {
		return domain.CloudPendingOrder{}, err
	}
	vol := &evsmodel.CreateVolumeOption{
		AvailabilityZone: req.AvailabilityZone, Size: int32(req.Disk.SizeGB), VolumeType: *vt,
		Name: optStr(req.Name), Count: optInt(req.Count),
		// Without it EVS answers no volume ids for a prepaid create.
		Metadata: map[string]string{"create_for_volume_id": "true"},
	}

	endpoint, cred, who, err := c.prepaid(ctx, customerID, req.Region, c.cfg.EVSEndpoint)
	if err != nil {
		return domain.CloudPendingOrder{}, err
	}
	op := effectOp("CreateVolume")
	resp, err := invoke(ctx, c, op, who, func(rt http.RoundTripper) (*evsmodel.CreateVolumeResponse, error) {
		hc, err := c.sdkClient(evs.EvsClientBuilder(), endpoint, cred, rt)
		if err != nil {
			return nil, err
		}
		return evs.NewEvsClient(hc).CreateVolume(&evsmodel.CreateVolumeRequest{
			XClientToken: optStr(req.ClientToken),
			Body:         &evsmodel.CreateVolumeRequestBody{BssParam: bp, Volume: vol},
		})
	})
	if err != nil {
		return domain.CloudPendingOrder{}, err
	}
	if str(resp.OrderId) == "" {
		return domain.CloudPendingOrder{}, c.fail(op, who, failure{status: resp.HttpStatusCode, undecoded: true}, nil)
	}
	out := domain.CloudPendingOrder{OrderID: *resp.OrderId, JobID: str(resp.JobId)}
	if resp.VolumeIds != nil {
		out.ResourceIDs = append(out.ResourceIDs, *resp.VolumeIds...)
	}
	return out, nil
}
