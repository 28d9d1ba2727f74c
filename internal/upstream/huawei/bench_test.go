package huawei

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/global"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	bss "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"

	"github.com/partnerlab/storefront/internal/upstream/bsssim"
)

// The adapter's own cost per call is BenchmarkAdapterListPartnerBalances
// minus BenchmarkRawSignedRoundTrip (the same signed request by hand on
// net/http, the floor); BenchmarkSDKListPartnerBalances shows how much of
// the difference is the SDK itself. Rate limits are off on both sides.
// Each runs over loopback TCP and in memory (the simulator's handler called
// directly by the transport), which takes the kernel's noise out of the
// difference.
//
//	go test -run '^$' -bench 'ListPartnerBalances|RawSigned' -benchmem -count 6 ./internal/upstream/huawei/

// handlerTransport serves requests by calling the handler in-process.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body == nil {
		r.Body = http.NoBody
	}
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

type benchTarget struct {
	url       string
	transport http.RoundTripper // nil → the client's own TCP transport
}

// benchSims runs fn over loopback TCP and in memory.
func benchSims(b *testing.B, fn func(b *testing.B, t benchTarget)) {
	sim, err := bsssim.New(bsssim.Config{Seed: 3, DisableRateLimits: true})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	b.Cleanup(func() { sim.Close(); srv.Close() })
	b.Run("loopback", func(b *testing.B) { fn(b, benchTarget{url: srv.URL}) })
	b.Run("inmemory", func(b *testing.B) {
		fn(b, benchTarget{url: "http://sim.invalid", transport: handlerTransport{sim.Handler()}})
	})
}

func BenchmarkAdapterListPartnerBalances(b *testing.B) {
	benchSims(b, func(b *testing.B, t benchTarget) {
		c, err := New(Config{
			BSSEndpoint: t.url, IAMEndpoint: t.url, ECSEndpoint: t.url, EVSEndpoint: t.url,
			PartnerAK: simAK, PartnerSK: simSK, XAccountType: simXAccountType,
			DisableRateLimits: true, Transport: t.transport,
		})
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			bals, err := c.PartnerBalances(ctx)
			if err != nil || len(bals) == 0 {
				b.Fatal(err, bals)
			}
		}
	})
}

func BenchmarkSDKListPartnerBalances(b *testing.B) {
	benchSims(b, func(b *testing.B, t benchTarget) {
		cred, err := global.NewCredentialsBuilder().WithAk(simAK).WithSk(simSK).SafeBuild()
		if err != nil {
			b.Fatal(err)
		}
		hcfg := config.DefaultHttpConfig().WithUserAgent("bench")
		if t.transport != nil {
			hcfg = hcfg.WithHttpRoundTripper(t.transport)
		}
		hc, err := bss.BssClientBuilder().WithEndpoints([]string{t.url}).WithCredential(cred).WithHttpConfig(hcfg).SafeBuild()
		if err != nil {
			b.Fatal(err)
		}
		cl := bss.NewBssClient(hc)
		b.ReportAllocs()
		for b.Loop() {
			resp, err := cl.ListPartnerBalances(&model.ListPartnerBalancesRequest{})
			if err != nil || resp.AccountBalances == nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkRawSignedRoundTrip(b *testing.B) {
	benchSims(b, func(b *testing.B, t benchTarget) {
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
		if t.transport != nil {
			client.Transport = t.transport
		}
		b.ReportAllocs()
		for b.Loop() {
			if err := rawPartnerBalances(client, t.url); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func TestRawSignedRoundTrip(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if err := rawPartnerBalances(e.srv.Client(), e.srv.URL); err != nil {
		t.Fatal(err)
	}
}

// rawPartnerBalances is GET /v2/accounts/partner-accounts/balances signed
// by hand (SDK-HMAC-SHA256, docs/huawei-bss.md §8.2) and decoded with
// encoding/json: what any client must do at the least.
func rawPartnerBalances(client *http.Client, base string) error {
	const (
		path = "/v2/accounts/partner-accounts/balances"
		ua   = "raw-bench"
	)
	date := time.Now().UTC().Format("20060102T150405Z")
	empty := sha256.Sum256(nil)
	canonical := "GET\n" + path + "/\n\n" + "user-agent:" + ua + "\nx-sdk-date:" + date + "\n\n" +
		"user-agent;x-sdk-date\n" + hex.EncodeToString(empty[:])
	sum := sha256.Sum256([]byte(canonical))
	mac := hmac.New(sha256.New, []byte(simSK))
	mac.Write([]byte("SDK-HMAC-SHA256\n" + date + "\n" + hex.EncodeToString(sum[:])))
	req, err := http.NewRequest(http.MethodGet, base+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", ua)
	req.Header.Set("X-Sdk-Date", date)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "SDK-HMAC-SHA256 Access="+simAK+", SignedHeaders=user-agent;x-sdk-date, Signature="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var out struct {
		AccountBalances []struct {
			AccountType int     `json:"account_type"`
			Amount      float64 `json:"amount"`
		} `json:"account_balances"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || len(out.AccountBalances) == 0 {
		return &httpError{status: resp.StatusCode}
	}
	return nil
}
