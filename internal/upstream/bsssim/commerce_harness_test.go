package bsssim

import (
	"testing"
	"time"

	core "github.com/huaweicloud/huaweicloud-sdk-go-v3/core"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	bss "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2"
	bssmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"
	ecs "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ecs/v2"
	ecsmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ecs/v2/model"
	evs "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/evs/v2"
	iam "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/iam/v3"
	iammodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/iam/v3/model"
	"github.com/shopspring/decimal"
)

// buyer is a customer of the partner, seen through its own temporary
// credential (IAM securitytokens with the partner credential), as the
// storefront sees it.
type buyer struct {
	t       *testing.T
	h       *harness
	id      string // domain id
	project string // cn-north-4 project id
	bss     *bss.BssClient
	ecs     *ecs.EcsClient
	evs     *evs.EvsClient
	cred    *iammodel.Credential
}

const testRegion = "cn-north-4"

// newBuyer registers a real-name verified customer, funds it with amount
// (skipped when empty) and logs in as it.
func newBuyer(t *testing.T, h *harness, xaccountID, amount string) *buyer {
	t.Helper()
	b := &buyer{t: t, h: h, id: h.newCustomer(xaccountID)}
	// Real-name verification is another part's flow; only its outcome
	// matters here.
	h.sim.mu.Lock()
	cu, _ := h.sim.customerByID(b.id)
	cu.Realname.Status = verifiedOK
	h.sim.mu.Unlock()
	if amount != "" {
		h.fund(b.id, amount)
	}
	b.login()
	return b
}

// login (re)builds the customer's clients with fresh temporary credentials:
// a clock jump outlives the old ones.
func (b *buyer) login() {
	b.t.Helper()
	cr := b.h.customerCreds(b.id, 86400)
	b.bss = bss.NewBssClient(b.h.build(bss.BssClientBuilder(), cr.Access, cr.Secret, cr.Securitytoken, 0))
	if b.project == "" {
		ic := iam.NewIamClient(b.h.build(iam.IamClientBuilder(), cr.Access, cr.Secret, cr.Securitytoken, 0))
		resp, err := ic.KeystoneListProjects(&iammodel.KeystoneListProjectsRequest{Name: ptrTo(testRegion)})
		if err != nil {
			b.t.Fatalf("list projects: %v", err)
		}
		if resp.Projects == nil || len(*resp.Projects) != 1 {
			b.t.Fatalf("projects for %s: %+v", testRegion, resp.Projects)
		}
		b.project = (*resp.Projects)[0].Id
	}
	b.ecs = ecs.NewEcsClient(b.projectClient(ecs.EcsClientBuilder(), cr))
	b.evs = evs.NewEvsClient(b.projectClient(evs.EvsClientBuilder(), cr))
	b.cred = cr
}

// projectClient builds a client for a project-scoped service (ECS, EVS):
// these take basic (project) credentials, and the SDK fills {project_id}
// in the path from them.
func (b *buyer) projectClient(builder *core.HcHttpClientBuilder, cr *iammodel.Credential) *core.HcHttpClient {
	b.t.Helper()
	cred, err := basic.NewCredentialsBuilder().WithAk(cr.Access).WithSk(cr.Secret).
		WithSecurityToken(cr.Securitytoken).WithProjectId(b.project).SafeBuild()
	if err != nil {
		b.t.Fatal(err)
	}
	hc, err := builder.WithEndpoints([]string{b.h.srv.URL}).WithCredential(cred).WithHttpConfig(config.DefaultHttpConfig()).SafeBuild()
	if err != nil {
		b.t.Fatal(err)
	}
	return hc
}

// advance moves the virtual clock and logs in again.
func (b *buyer) advance(d string) {
	b.t.Helper()
	b.h.advance(d)
	b.login()
}

// ecsOrder creates a prepaid server with a 40 GB SSD system disk and
// returns the order id and server id.
func (b *buyer) ecsOrder(flavor, periodType string, periodNum int32, mod func(*ecsmodel.PrePaidServer)) (string, string) {
	b.t.Helper()
	resp, err := b.createServer(flavor, periodType, periodNum, mod)
	if err != nil {
		b.t.Fatalf("CreateServers: %v", err)
	}
	if resp.OrderId == nil || resp.JobId == nil || resp.ServerIds == nil || len(*resp.ServerIds) != 1 {
		b.t.Fatalf("CreateServers answer: %+v", resp)
	}
	return *resp.OrderId, (*resp.ServerIds)[0]
}

func (b *buyer) createServer(flavor, periodType string, periodNum int32, mod func(*ecsmodel.PrePaidServer)) (*ecsmodel.CreateServersResponse, error) {
	pt := ecsmodel.GetPrePaidServerExtendParamPeriodTypeEnum().MONTH
	if periodType == "year" {
		pt = ecsmodel.GetPrePaidServerExtendParamPeriodTypeEnum().YEAR
	}
	size := int32(40)
	sv := &ecsmodel.PrePaidServer{
		ImageRef:  "67f433d8-ed0e-4321-a8a2-a71838539e09",
		FlavorRef: flavor,
		Name:      "web",
		Vpcid:     "0dae26c9-9a70-4392-93f3-87d53115d171",
		Nics:      []ecsmodel.PrePaidServerNic{{SubnetId: ptrTo("1d6e2eb5-4b8c-4a5e-8c8e-9a4f3e9b1c2d")}},
		RootVolume: &ecsmodel.PrePaidServerRootVolume{
			Volumetype: ecsmodel.GetPrePaidServerRootVolumeVolumetypeEnum().SSD, Size: &size,
		},
		Extendparam: &ecsmodel.PrePaidServerExtendParam{
			ChargingMode: ptrTo(ecsmodel.GetPrePaidServerExtendParamChargingModeEnum().PRE_PAID),
			PeriodType:   &pt,
			PeriodNum:    &periodNum,
			IsAutoPay:    ptrTo(ecsmodel.GetPrePaidServerExtendParamIsAutoPayEnum().FALSE),
			IsAutoRenew:  ptrTo(ecsmodel.GetPrePaidServerExtendParamIsAutoRenewEnum().FALSE),
		},
	}
	if mod != nil {
		mod(sv)
	}
	return b.ecs.CreateServers(&ecsmodel.CreateServersRequest{Body: &ecsmodel.CreateServersRequestBody{Server: sv}})
}

func (b *buyer) pay(orderID string) error {
	_, err := b.bss.PayOrders(&bssmodel.PayOrdersRequest{Body: &bssmodel.PayCustomerOrderV3Req{
		OrderId: orderID, UseCoupon: "NO", UseDiscount: "NO"}})
	return err
}

func (b *buyer) mustPay(orderID string) {
	b.t.Helper()
	if err := b.pay(orderID); err != nil {
		b.t.Fatalf("PayOrders %s: %v", orderID, err)
	}
}

// order reads an order with the partner credential.
func (b *buyer) order(orderID string) *bssmodel.ShowCustomerOrderDetailsResponse {
	b.t.Helper()
	resp, err := b.h.bss.ShowCustomerOrderDetails(&bssmodel.ShowCustomerOrderDetailsRequest{OrderId: orderID})
	if err != nil {
		b.t.Fatalf("ShowCustomerOrderDetails %s: %v", orderID, err)
	}
	return resp
}

// resources lists the customer's yearly/monthly resources with the partner
// credential.
func (b *buyer) resources(req bssmodel.QueryResourcesReq) []bssmodel.OrderInstanceV2 {
	b.t.Helper()
	req.CustomerId = &b.id
	resp, err := b.h.bss.ListPayPerUseCustomerResources(&bssmodel.ListPayPerUseCustomerResourcesRequest{Body: &req})
	if err != nil {
		b.t.Fatalf("ListPayPerUseCustomerResources: %v", err)
	}
	if resp.Data == nil {
		return nil
	}
	return *resp.Data
}

func (b *buyer) resource(id string) *bssmodel.OrderInstanceV2 {
	b.t.Helper()
	rs := b.resources(bssmodel.QueryResourcesReq{ResourceIds: &[]string{id}, OnlyMainResource: ptrTo(int32(1))})
	if len(rs) != 1 {
		b.t.Fatalf("resource %s: %d found", id, len(rs))
	}
	return &rs[0]
}

func (b *buyer) balance() decimal.Decimal {
	b.t.Helper()
	return decimal.RequireFromString(b.h.state().balance(b.id))
}

// now is the simulator's virtual time.
func (b *buyer) now() time.Time {
	b.h.sim.mu.Lock()
	defer b.h.sim.mu.Unlock()
	return b.h.sim.now()
}

func parseWire(t *testing.T, v *string) time.Time {
	t.Helper()
	if v == nil {
		t.Fatal("time field missing")
	}
	tm, err := time.Parse(hwTime, *v)
	if err != nil {
		t.Fatalf("time %q: %v", *v, err)
	}
	return tm
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// fen converts an SDK float64 money field, as the storefront adapter does.
func fen(f *float64) decimal.Decimal {
	if f == nil {
		return decimal.Decimal{}
	}
	return decimal.NewFromFloat(*f).Round(2)
}

func wantDec(t *testing.T, what string, got decimal.Decimal, want string) {
	t.Helper()
	if !got.Equal(dec(want)) {
		t.Fatalf("%s = %s, want %s", what, got, want)
	}
}
