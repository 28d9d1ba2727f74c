package bsssim

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	bssmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"
	iam "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/iam/v3"
	iammodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/iam/v3/model"
)

func TestTemporaryCredentialsAndProjects(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	id := h.newCustomer("iam1")
	before := time.Now().Truncate(time.Second)
	cred := h.customerCreds(id, 3600)
	after := time.Now()
	if len(cred.Access) != 20 || cred.Secret == "" || cred.Securitytoken == "" {
		t.Fatalf("credential = %+v", cred)
	}
	// An hour of real time, whatever the virtual clock says.
	exp, err := time.Parse(iamExpiresLayout, cred.ExpiresAt)
	if err != nil || exp.Before(before.Add(time.Hour)) || exp.After(after.Add(time.Hour)) {
		t.Fatalf("expires_at %q: %v", cred.ExpiresAt, err)
	}

	ci := iam.NewIamClient(h.build(iam.IamClientBuilder(), cred.Access, cred.Secret, cred.Securitytoken, 0))
	resp, err := ci.KeystoneListProjects(&iammodel.KeystoneListProjectsRequest{Name: tref("cn-north-4")})
	if err != nil {
		t.Fatal(err)
	}
	if len(*resp.Projects) != 1 {
		t.Fatalf("projects = %s", resp)
	}
	p := (*resp.Projects)[0]
	if p.Name != "cn-north-4" || p.DomainId != id || len(p.Id) != 32 || !p.Enabled {
		t.Fatalf("project = %+v", p)
	}
	h.sim.mu.Lock()
	owner, ok := h.sim.projectOwner(p.Id)
	h.sim.mu.Unlock()
	if !ok || owner != id {
		t.Fatalf("projectOwner = %q %v", owner, ok)
	}
	// Deterministic: a second listing gives the same id; all regions without a filter.
	all, err := ci.KeystoneListProjects(&iammodel.KeystoneListProjectsRequest{})
	if err != nil || len(*all.Projects) != len(simRegions) || (*all.Projects)[0].Id != p.Id {
		t.Fatalf("all projects: %v %s", err, all)
	}

	// Errors.
	_, err = h.iam.CreateTemporaryAccessKeyByAgency(assumeRole("wrong_agency", id, 900))
	sdkErr(t, err, http.StatusNotFound, "IAM.0004")
	_, err = h.iam.CreateTemporaryAccessKeyByAgency(assumeRole(h.sim.cfg.XAccountType, "nobody", 900))
	sdkErr(t, err, http.StatusNotFound, "IAM.0004")
	for _, d := range []int32{899, 86401} {
		_, err = h.iam.CreateTemporaryAccessKeyByAgency(assumeRole(h.sim.cfg.XAccountType, id, d))
		sdkErr(t, err, http.StatusBadRequest, "IAM.0001")
	}
	// A customer credential cannot mint credentials.
	_, err = ci.CreateTemporaryAccessKeyByAgency(assumeRole(h.sim.cfg.XAccountType, id, 900))
	sdkErr(t, err, http.StatusForbidden, "CBC.0155")
	// By domain name too.
	name := h.state().Customers[0].DomainName
	req := assumeRole(h.sim.cfg.XAccountType, id, 900)
	req.Body.Auth.Identity.AssumeRole.DomainId = nil
	req.Body.Auth.Identity.AssumeRole.DomainName = &name
	if _, err := h.iam.CreateTemporaryAccessKeyByAgency(req); err != nil {
		t.Fatalf("by domain_name: %v", err)
	}
}

func TestResetIsDeterministic(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	first := h.newCustomer("det")
	h.fund(first, "5")
	h.admin(http.MethodPost, "/_sim/faults", map[string]any{"operation": "*", "kind": "429", "count": 5}, nil, http.StatusOK)
	h.advance("30h")

	h.admin(http.MethodPost, "/_sim/reset", nil, nil, http.StatusOK)
	st := h.state()
	if len(st.Customers) != 0 || len(st.AdjustRecords) != 0 || st.allocatable() != "1000000.00" || st.Now[:13] != "2026-11-21T10" {
		t.Fatalf("state after reset: %+v", st)
	}
	var faults struct {
		Faults []fault `json:"faults"`
	}
	h.admin(http.MethodGet, "/_sim/faults", nil, &faults, http.StatusOK)
	if len(faults.Faults) != 0 {
		t.Fatal("faults survived the reset")
	}
	var j struct {
		Entries []journalEntry `json:"entries"`
	}
	h.admin(http.MethodGet, "/_sim/journal", nil, &j, http.StatusOK)
	if len(j.Entries) != 0 {
		t.Fatalf("journal survived the reset: %d entries", len(j.Entries))
	}
	if again := h.newCustomer("det"); again != first {
		t.Fatalf("same seed and calls gave %s then %s", first, again)
	}

	other := newHarness(t, func(c *Config) { c.Seed = 8 })
	if id := other.newCustomer("det"); id == first {
		t.Fatal("another seed gave the same id")
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sim.json")
	cfg := Config{Seed: 3, Start: testStart, SnapshotPath: path, DisableRateLimits: true}

	sim, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var id, ak string
	func() {
		h := newHarnessFor(t, sim)
		id = h.newCustomer("snap")
		h.fund(id, "42.42")
		h.sendCode("13500000001")
		cred := h.customerCreds(id, 7200)
		ak = cred.Access
		h.advance("3h")
	}()
	if err := sim.Close(); err != nil {
		t.Fatal(err)
	}

	sim2, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h2 := newHarnessFor(t, sim2)
	st := h2.state()
	if len(st.Customers) != 1 || st.balance(id) != "42.42" || st.allocatable() != "999957.58" || len(st.AdjustRecords) != 1 {
		t.Fatalf("restored state: %+v", st)
	}
	if st.Now[:13] != "2026-11-21T13" {
		t.Fatalf("restored clock %s", st.Now)
	}
	sim2.mu.Lock()
	_, hasCred := sim2.st.Temp[ak]
	nSMS := len(sim2.st.SMS)
	_, byName := sim2.st.byName[st.Customers[0].DomainName]
	sim2.mu.Unlock()
	if !hasCred || nSMS != 1 || !byName {
		t.Fatalf("restored indexes: cred %v sms %d name %v", hasCred, nSMS, byName)
	}
	// Ids continue from the saved sequence: no collision with the restored customer.
	if id2 := h2.newCustomer("snap2"); id2 == id {
		t.Fatal("id reused after restore")
	}
	recs, err := h2.bss.ListPartnerAdjustRecords(&bssmodel.ListPartnerAdjustRecordsRequest{CustomerId: &id})
	if err != nil || *recs.TotalCount != 1 {
		t.Fatalf("records after restore: %v %s", err, recs)
	}

	// A corrupt snapshot is an error, not a silent fresh start.
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte("{nope"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{SnapshotPath: bad}); err == nil {
		t.Fatal("corrupt snapshot accepted")
	}
}
