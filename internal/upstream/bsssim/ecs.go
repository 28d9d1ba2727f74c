package bsssim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// ECS CreateServers with prePaid charging (docs/huawei-bss.md §7.1, SDK ecs/v2):
// the native create API is how yearly/monthly orders come to exist. The
// simulator prices the servers, their disks and an optional EIP with
// dedicated bandwidth from the price book, registers a pending-payment
// order (or pays it at once with isAutoPay "true") and returns its id with
// the server ids the order will create. Only prePaid is simulated: the
// sandbox has no on-demand billing.
//
// The operating system of a flavour's price ("<flavor>.linux" or ".win")
// comes from imageRef: an image id containing "win" (any case) is Windows.

func (s *Server) ecsOps() []op {
	return []op{
		{Name: "CreateServers", Method: http.MethodPost, Path: "/v1.1/{project_id}/cloudservers", Creds: credCustomer, Handle: s.createServers},
		// ECS and EVS publish ShowJob on the same path; one handler answers
		// for the job's own service.
		{Name: "ShowJob", Method: http.MethodGet, Path: "/v1/{project_id}/jobs/{job_id}", Creds: credCustomer, Handle: s.showJob},
	}
}

// serviceErr is the native ECS/EVS error answer: the service's own
// {"error":{"code","message"}} object (the framework adds error_code and
// error_msg beside it, which the SDK reads first).
func serviceErr(status int, code, msg string) *apiError {
	e := cbcErr(status, code, msg)
	e.Extra = map[string]any{"error": map[string]any{"code": code, "message": msg}}
	return e
}

func ecsParam(format string, args ...any) *apiError {
	return serviceErr(http.StatusBadRequest, "Ecs.0005", fmt.Sprintf(format, args...))
}

type ecsServerReq struct {
	ImageRef  string            `json:"imageRef"`
	FlavorRef string            `json:"flavorRef"`
	Name      string            `json:"name"`
	Vpcid     string            `json:"vpcid"`
	Nics      []json.RawMessage `json:"nics"`
	Publicip  *struct {
		ID  *string `json:"id"`
		Eip *struct {
			Iptype    string `json:"iptype"`
			Bandwidth *struct {
				Size       *int32  `json:"size"`
				Sharetype  string  `json:"sharetype"`
				Chargemode *string `json:"chargemode"`
				ID         *string `json:"id"`
			} `json:"bandwidth"`
			Extendparam *struct {
				ChargingMode *string `json:"chargingMode"`
			} `json:"extendparam"`
		} `json:"eip"`
	} `json:"publicip"`
	Count        *int32 `json:"count"`
	IsAutoRename *bool  `json:"isAutoRename"`
	RootVolume   *struct {
		Volumetype string `json:"volumetype"`
		Size       *int32 `json:"size"`
	} `json:"root_volume"`
	DataVolumes []struct {
		Volumetype string `json:"volumetype"`
		Size       int32  `json:"size"`
	} `json:"data_volumes"`
	AvailabilityZone *string       `json:"availability_zone"`
	Extendparam      *prepaidParam `json:"extendparam"`
}

// prepaidParam is ECS extendparam / EVS bssParam: the same field names.
type prepaidParam struct {
	ChargingMode *string `json:"chargingMode"`
	RegionID     *string `json:"regionID"`
	PeriodType   *string `json:"periodType"`
	PeriodNum    *int32  `json:"periodNum"`
	IsAutoRenew  *string `json:"isAutoRenew"`
	IsAutoPay    *string `json:"isAutoPay"`
}

// prepaid is a validated prePaid request.
type prepaid struct {
	PeriodType, PeriodNum int
	AutoRenew, AutoPay    bool
}

// parsePrepaid validates the charging parameters; maxYears is the
// service's year limit (ECS 3, EVS 1).
func parsePrepaid(p *prepaidParam, maxYears int, bad func(string, ...any) *apiError) (prepaid, *apiError) {
	var out prepaid
	if p == nil || p.ChargingMode == nil || *p.ChargingMode == "postPaid" {
		return out, bad("chargingMode: only prePaid (yearly/monthly) is simulated")
	}
	if *p.ChargingMode != "prePaid" {
		return out, bad("chargingMode must be prePaid or postPaid")
	}
	if p.PeriodType == nil || p.PeriodNum == nil {
		return out, bad("periodType and periodNum are required when chargingMode is prePaid")
	}
	n := int(*p.PeriodNum)
	switch *p.PeriodType {
	case "month":
		if n < 1 || n > 9 {
			return out, bad("periodNum must be from 1 to 9 for month")
		}
		out.PeriodType = periodMonth
	case "year":
		if n < 1 || n > maxYears {
			return out, bad("periodNum must be from 1 to %d for year", maxYears)
		}
		out.PeriodType = periodYear
	default:
		return out, bad("periodType must be month or year")
	}
	out.PeriodNum = n
	for _, f := range []struct {
		name string
		v    *string
		dst  *bool
	}{{"isAutoRenew", p.IsAutoRenew, &out.AutoRenew}, {"isAutoPay", p.IsAutoPay, &out.AutoPay}} {
		if f.v == nil {
			continue
		}
		switch *f.v {
		case "true":
			*f.dst = true
		case "false":
		default:
			return out, bad("%s must be \"true\" or \"false\"", f.name)
		}
	}
	return out, nil
}

// checkBuyer applies what every native create checks about the caller:
// the project is one of the caller's, and the account may buy (real-name
// verified, not frozen: purchases in the Chinese mainland need both).
func (s *Server) checkBuyer(c *call, forbidden func(string) *apiError, badProject *apiError) (region string, aerr *apiError) {
	pid := c.Param("project_id")
	owner, ok := s.projectOwner(pid)
	if !ok || owner != c.Caller.CustomerID {
		return "", badProject
	}
	region, _ = s.projectRegion(pid)
	cu, ok := s.customerByID(c.Caller.CustomerID)
	switch {
	case !ok:
		return "", forbidden("The account does not exist.")
	case cu.Frozen:
		return "", forbidden("The account is frozen and cannot buy cloud services.")
	case !cu.RealnameVerified():
		return "", forbidden("Real-name authentication is required to buy cloud services in the Chinese mainland.")
	}
	return region, nil
}

// idempotent replays the answer of an earlier create with the same
// X-Client-Token from the same customer.
func (s *Server) idempotent(c *call, opName string) (any, bool) {
	tok := c.Header("X-Client-Token")
	if tok == "" {
		return nil, false
	}
	for _, t := range s.com.ClientTokens {
		if t.CustomerID == c.Caller.CustomerID && t.Operation == opName && t.Token == tok && c.Now.Sub(t.Time) <= clientTokenTTL {
			return t.Response, true
		}
	}
	return nil, false
}

// clientTokenTTL is how long a create answer is replayed. Huawei does not
// publish the window; a week covers any retry and the payment window.
const clientTokenTTL = 7 * 24 * time.Hour

func (s *Server) rememberToken(c *call, opName string, resp map[string]any) {
	s.com.ClientTokens = slices.DeleteFunc(s.com.ClientTokens, func(t ClientToken) bool {
		return c.Now.Sub(t.Time) > clientTokenTTL
	})
	if tok := c.Header("X-Client-Token"); tok != "" {
		s.com.ClientTokens = append(s.com.ClientTokens, ClientToken{
			CustomerID: c.Caller.CustomerID, Operation: opName, Token: tok, Response: resp, Time: c.Now,
		})
	}
}

// ClientToken is a remembered X-Client-Token answer.
type ClientToken struct {
	CustomerID string         `json:"customer_id"`
	Operation  string         `json:"operation"`
	Token      string         `json:"token"`
	Response   map[string]any `json:"response"`
	Time       time.Time      `json:"time"`
}

func (s *Server) createServers(c *call) (any, *apiError) {
	if resp, ok := s.idempotent(c, "CreateServers"); ok {
		return resp, nil
	}
	var req struct {
		DryRun *bool         `json:"dry_run"`
		Server *ecsServerReq `json:"server"`
	}
	if err := json.Unmarshal(c.Body, &req); err != nil {
		return nil, ecsParam("request body is illegal: %v", err)
	}
	sv := req.Server
	if sv == nil {
		return nil, ecsParam("server is required")
	}
	switch {
	case sv.ImageRef == "":
		return nil, ecsParam("imageRef is required")
	case sv.FlavorRef == "":
		return nil, ecsParam("flavorRef is required")
	case sv.Name == "" || len(sv.Name) > 64:
		return nil, ecsParam("name is required (1 to 64 characters)")
	case sv.Vpcid == "":
		return nil, ecsParam("vpcid is required")
	case len(sv.Nics) == 0 || len(sv.Nics) > 12:
		return nil, ecsParam("nics must hold 1 to 12 items")
	case sv.RootVolume == nil:
		return nil, ecsParam("root_volume is required")
	case len(sv.DataVolumes) > 23:
		return nil, ecsParam("data_volumes must hold at most 23 items")
	}
	count := 1
	if sv.Count != nil {
		if *sv.Count < 1 || *sv.Count > 100 {
			return nil, ecsParam("count must be from 1 to 100")
		}
		count = int(*sv.Count)
	}
	pp, aerr := parsePrepaid(sv.Extendparam, 3, ecsParam)
	if aerr != nil {
		return nil, aerr
	}
	region, aerr := s.checkBuyer(c,
		func(msg string) *apiError { return serviceErr(http.StatusForbidden, "Ecs.0003", msg) },
		serviceErr(http.StatusForbidden, "Ecs.0003", "You do not have permission to perform this operation on project "+c.Param("project_id")+"."))
	if aerr != nil {
		return nil, aerr
	}
	if r := sv.Extendparam.RegionID; r != nil && *r != "" && *r != region {
		return nil, ecsParam("regionID %s does not match the project's region %s", *r, region)
	}

	osSuffix := ".linux"
	if strings.Contains(strings.ToLower(sv.ImageRef), "win") {
		osSuffix = ".win"
	}
	vm, ok := s.com.book.lookup(svcECS, rtVM, sv.FlavorRef+osSuffix, region)
	if !ok {
		return nil, ecsParam("flavor %s does not exist in %s", sv.FlavorRef, region)
	}
	type part struct {
		p    *product
		size int
		name string
		main bool
	}
	rootSize := 40
	if sv.RootVolume.Size != nil {
		rootSize = int(*sv.RootVolume.Size)
	}
	if rootSize < 40 || rootSize > 1024 {
		return nil, ecsParam("root_volume size must be from 40 to 1024 GB")
	}
	root, ok := s.com.book.byResource(rtVolume, sv.RootVolume.Volumetype)
	if !ok {
		return nil, ecsParam("rootVolume type[%s] is not exist", sv.RootVolume.Volumetype)
	}
	parts := []part{{vm, 0, "", true}, {root, rootSize, "-volume-0000", false}}
	for i, dv := range sv.DataVolumes {
		p, ok := s.com.book.byResource(rtVolume, dv.Volumetype)
		if !ok {
			return nil, ecsParam("dataVolume type[%s] is not exist", dv.Volumetype)
		}
		if dv.Size < 10 || dv.Size > 32768 {
			return nil, ecsParam("data_volumes[%d] size must be from 10 to 32768 GB", i)
		}
		parts = append(parts, part{p, int(dv.Size), fmt.Sprintf("-volume-%04d", i+1), false})
	}
	if pub := sv.Publicip; pub != nil && pub.Eip != nil && (pub.ID == nil || *pub.ID == "") {
		eip := pub.Eip
		onDemand := eip.Extendparam != nil && eip.Extendparam.ChargingMode != nil && *eip.Extendparam.ChargingMode == "postPaid"
		if !onDemand { // an on-demand EIP is billed outside the yearly/monthly order
			ip, ok := s.com.book.byResource(rtIP, eip.Iptype)
			if !ok {
				return nil, ecsParam("publicip iptype %s is not supported", eip.Iptype)
			}
			parts = append(parts, part{ip, 0, "-eip", false})
			bw := eip.Bandwidth
			if bw == nil {
				return nil, ecsParam("publicip.eip.bandwidth is required")
			}
			switch bw.Sharetype {
			case "PER":
				if bw.Chargemode != nil && *bw.Chargemode == "traffic" {
					return nil, ecsParam("a yearly/monthly EIP must be billed by bandwidth, not traffic")
				}
				if bw.Size == nil || *bw.Size < 1 || *bw.Size > 2000 {
					return nil, ecsParam("bandwidth size must be from 1 to 2000 Mbit/s")
				}
				spec := "19_" + strings.TrimPrefix(eip.Iptype, "5_")
				bp, ok := s.com.book.byResource(rtBandwidth, spec)
				if !ok {
					return nil, ecsParam("bandwidth for iptype %s is not supported", eip.Iptype)
				}
				parts = append(parts, part{bp, int(*bw.Size), "-bandwidth", false})
			case "WHOLE":
				if bw.ID == nil || *bw.ID == "" {
					return nil, ecsParam("a shared (WHOLE) bandwidth needs its id")
				}
			default:
				return nil, ecsParam("bandwidth sharetype must be PER or WHOLE")
			}
		}
	}
	if req.DryRun != nil && *req.DryRun {
		return map[string]any{}, nil
	}

	pct := s.com.percentOff(c.Caller.CustomerID)
	autoRename := sv.IsAutoRename == nil || *sv.IsAutoRename
	var lines []*OrderLine
	var serverIDs []string
	for i := range count {
		name := sv.Name
		if count > 1 && autoRename {
			name = fmt.Sprintf("%s-%04d", sv.Name, i+1)
		}
		serverID := s.newUUID()
		serverIDs = append(serverIDs, serverID)
		for _, pt := range parts {
			pr, _ := ratePeriod(pt.p, pp.PeriodType, pp.PeriodNum, pt.size, 1, pct)
			l := &OrderLine{
				ResourceID: serverID, ResourceName: name, IsMain: pt.main,
				ServiceTypeCode: pt.p.ServiceType, ResourceTypeCode: pt.p.ResourceType, ResourceSpec: pt.p.Spec,
				ProductID: pt.p.ProductID, ProductSpecDesc: pt.p.SpecDesc, PeriodType: pp.PeriodType, PeriodNum: pp.PeriodNum,
				SubscriptionNum: 1, Official: pr.Official, Amount: pr.Amount,
			}
			if !pt.main {
				l.ResourceID, l.ResourceName, l.ParentResourceID = s.newUUID(), name+pt.name, serverID
			}
			if pt.p.Linear {
				l.Size, l.SizeMeasureID = pt.size, pt.p.SizeMeasureID
			}
			lines = append(lines, l)
		}
	}
	o := s.newOrder(c.Now, c.Caller.CustomerID, orderNew, sourceCustomer, svcECS, lines)
	o.ProjectID, o.Region, o.AutoRenew = c.Param("project_id"), region, pp.AutoRenew
	if pp.AutoPay {
		// A failed automatic payment leaves the order pending, as Huawei
		// does; the customer can still pay it with PayOrders.
		_ = s.payOrder(o, c.Now)
	}
	o.JobID = s.newJobID()
	resp := map[string]any{"job_id": o.JobID, "order_id": o.OrderID, "serverIds": serverIDs}
	s.rememberToken(c, "CreateServers", resp)
	return resp, nil
}

// showJob reports the provisioning job of a yearly/monthly purchase: INIT
// while the order waits for payment, RUNNING while a paid order is
// processing (status 3, see commerce_provision.go), SUCCESS once its
// resources exist (at payment by default: provisioning is instantaneous
// unless /_sim/provisioning says otherwise), FAIL when the order was
// cancelled or lapsed, or when its provisioning failed.
func (s *Server) showJob(c *call) (any, *apiError) {
	pid, jobID := c.Param("project_id"), c.Param("job_id")
	var o *Order
	for _, x := range s.com.Orders {
		if x.JobID != "" && x.JobID == jobID && x.ProjectID == pid && x.CustomerID == c.Caller.CustomerID {
			o = x
		}
	}
	if o == nil {
		return nil, serviceErr(http.StatusNotFound, "Ecs.0005", "The job "+jobID+" does not exist.")
	}
	status, failReason, errCode := "INIT", "", ""
	begin, end := o.CreateTime, ""
	if o.PaymentTime != nil {
		begin = *o.PaymentTime
	}
	switch o.Status {
	case orderProcessing:
		status = "RUNNING"
	case orderCompleted:
		status = "SUCCESS"
		done := begin
		if o.ProvisionedAt != nil {
			done = *o.ProvisionedAt
		}
		end = jobTime(done)
		if o.ProvisionFail {
			status, errCode = "FAIL", "Ecs.0000"
			failReason = "Provisioning failed; the order was unsubscribed and refunded in full (" + o.RefundOrderID + ")."
		}
	case orderCancelled:
		status, failReason, errCode = "FAIL", "The order was cancelled or not paid in time.", "Ecs.0002"
	}
	var mains []*OrderLine
	for _, l := range o.Lines {
		if l.IsMain {
			mains = append(mains, l)
		}
	}
	subs := make([]map[string]any, 0, len(mains))
	for i, l := range mains {
		ent := map[string]any{"server_id": l.ResourceID}
		jobType := "createSingleServer"
		if o.ServiceTypeCode == svcEVS {
			ent = map[string]any{"volume_id": l.ResourceID, "volume_type": l.ResourceSpec, "size": l.Size, "name": l.ResourceName}
			jobType = "createVolume"
		}
		subs = append(subs, map[string]any{
			"status": status, "entities": ent, "job_id": fmt.Sprintf("%s%02d", o.JobID[:30], i),
			"job_type": jobType, "begin_time": jobTime(begin), "end_time": end, "error_code": errCode, "fail_reason": failReason,
		})
	}
	out := map[string]any{
		"status": status, "job_id": o.JobID, "begin_time": jobTime(begin), "end_time": end,
		"error_code": errCode, "fail_reason": failReason,
	}
	if o.ServiceTypeCode == svcEVS {
		out["job_type"] = "batchCreateVolumes"
		ent := map[string]any{"sub_jobs": subs}
		if len(mains) == 1 {
			ent = map[string]any{"volume_id": mains[0].ResourceID, "volume_type": mains[0].ResourceSpec, "size": mains[0].Size, "name": mains[0].ResourceName}
		}
		out["entities"] = ent
	} else {
		out["job_type"] = "createServers"
		out["entities"] = map[string]any{"sub_jobs": subs, "sub_jobs_total": len(subs)}
	}
	return out, nil
}

// jobTime is the millisecond UTC layout of job timestamps.
func jobTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
