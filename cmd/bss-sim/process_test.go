package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/partnerlab/storefront/internal/domain"
	"github.com/partnerlab/storefront/internal/upstream/huawei"
)

// simProcess is the bss-sim binary running as its own process: nothing of
// the simulator shares the test's memory, so the adapter can only know the
// simulator's time from the wire, as with Huawei.
type simProcess struct {
	t   *testing.T
	url string
}

// startSimProcess builds cmd/bss-sim into a temporary directory, starts it
// on a port the kernel picks (read back from its "listening" log line) and
// waits until its admin API answers. The process is interrupted at cleanup.
func startSimProcess(t *testing.T, env ...string) *simProcess {
	t.Helper()
	// The go command running this test is on PATH (go test puts GOROOT/bin there).
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is not on PATH: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "bss-sim")
	build := exec.Command(goBin, "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), append([]string{"SIM_ADDR=127.0.0.1:0"}, env...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var line struct {
				Msg  string `json:"msg"`
				Addr string `json:"addr"`
			}
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "bss-sim listening" {
				addrc <- line.Addr
				break
			}
		}
		io.Copy(io.Discard, stdout) // keep the pipe drained so the process never blocks on its log
		exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("bss-sim exited with %v: %s", err, stderr.String())
			}
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
			t.Error("bss-sim did not stop on interrupt")
		}
	})

	var addr string
	select {
	case addr = <-addrc:
	case err := <-exited:
		t.Fatalf("bss-sim exited before listening: %v: %s", err, stderr.String())
	case <-time.After(20 * time.Second):
		t.Fatal("bss-sim did not log its address")
	}
	p := &simProcess{t: t, url: "http://" + addr}
	for deadline := time.Now().Add(10 * time.Second); ; {
		resp, err := http.Get(p.url + "/_sim/clock")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("bss-sim at %s never answered: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return p
}

// advance moves the process's virtual clock and returns its new time.
func (p *simProcess) advance(d string) time.Time {
	p.t.Helper()
	resp, err := http.Post(p.url+"/_sim/clock/advance", "application/json", strings.NewReader(`{"duration":"`+d+`"}`))
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Now time.Time `json:"now"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		p.t.Fatalf("advance %s: %d %v", d, resp.StatusCode, err)
	}
	return out.Now
}

// The simulator's clock is business time only: a month after
// /_sim/clock/advance, the adapter — signing with the real time, as it does
// against Huawei — is still let in, with the partner credential and with a
// customer's temporary one.
func TestAdapterAfterClockAdvance(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the bss-sim binary")
	}
	p := startSimProcess(t, "SIM_SEED=5", "SIM_REVIEW_DELAY=0")
	if now := p.advance("30d"); now.Before(time.Now().Add(30*24*time.Hour - time.Minute)) {
		t.Fatalf("virtual clock at %s after advancing 30 days", now)
	}

	c, err := huawei.New(huawei.Config{
		BSSEndpoint: p.url, IAMEndpoint: p.url, ECSEndpoint: p.url, EVSEndpoint: p.url,
		// The simulator's documented fake defaults.
		PartnerAK: "SIMPARTNERAKEXAMPLE0", PartnerSK: "sim-partner-sk-not-a-secret", XAccountType: "storefront_sim",
		Region: "cn-north-4", CallTimeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	bals, err := c.PartnerBalances(ctx)
	if err != nil || len(bals) == 0 {
		t.Fatalf("partner balances after a virtual month: %v %+v", err, bals)
	}
	chk, err := c.CheckUserIdentity(ctx, domain.CloudIdentityCheck{Kind: domain.CloudIdentityName, Value: "monthlater01"})
	if err != nil || !chk.Available {
		t.Fatalf("customer check: %v %+v", err, chk)
	}
	cu, err := c.CreateSubCustomer(ctx, domain.CloudNewSubCustomer{XAccountID: "month-later", DomainName: "monthlater01"})
	if err != nil {
		t.Fatalf("create customer: %v", err)
	}
	// The partner association completes SIM_ASSOCIATION_DELAY (default 30 s)
	// of virtual time later; advancing the clock completes it.
	listed := func() int {
		t.Helper()
		page, err := c.ListSubCustomers(ctx, domain.CloudSubCustomerQuery{CustomerID: cu.DomainID})
		if err != nil {
			t.Fatalf("list customers: %v", err)
		}
		return page.Total
	}
	if n := listed(); n != 0 {
		t.Fatalf("listed before the association completed: %d", n)
	}
	p.advance("30s")
	if n := listed(); n != 1 {
		t.Fatalf("not listed once associated: %d", n)
	}
	if _, err := c.AllocateToCustomer(ctx, cu.DomainID, decimal.RequireFromString("12.30")); err != nil {
		t.Fatalf("allocate: %v", err)
	}
	cb, err := c.CustomerBalances(ctx, []string{cu.DomainID})
	if err != nil || len(cb) != 1 || !cb[0].Amount.Equal(decimal.RequireFromString("12.30")) {
		t.Fatalf("customer balances: %v %+v", err, cb)
	}
	// A customer credential from IAM, then a call made with it.
	if _, err := c.CustomerProjectID(ctx, cu.DomainID, "cn-north-4"); err != nil {
		t.Fatalf("call with the customer's credential: %v", err)
	}

	// And another jump, with that credential cached: it lives in real time.
	p.advance("400d")
	if _, err := c.RateRenewal(ctx, cu.DomainID, domain.CloudRenewalRating{ResourceIDs: []string{"r-1"}, Period: domain.CloudPeriodMonth, Periods: 1}); err != nil {
		t.Fatalf("customer call after another jump: %v", err)
	}
}
