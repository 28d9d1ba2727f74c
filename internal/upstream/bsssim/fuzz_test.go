package bsssim

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	bssmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"
)

// FuzzDecodeRequest feeds arbitrary requests through the whole gateway:
// Authorization parsing, canonicalisation, signature check, and — when the
// request is validly signed — the handlers' body and query decoding. Nothing
// may panic (handler panics are recovered by the gateway and counted, so the
// count must stay zero).
func FuzzDecodeRequest(f *testing.F) {
	f.Add("POST", "/v2/partners/sub-customers", "", []byte(`{"xaccount_id":"a","xaccount_type":"storefront_sim"}`), true)
	f.Add("POST", "/v2/accounts/partner-accounts/adjust-amount", "", []byte(`{"customer_id":"x","amount":"1.5"}`), true)
	f.Add("GET", "/v3/accounts/partner-accounts/adjust-records?limit=5&offset=-1&operation_time_begin=x", "", []byte(nil), true)
	f.Add("POST", "/v2/partners/sub-customers/query", "SDK-HMAC-SHA256 Access=SIMPARTNERAKEXAMPLE0, SignedHeaders=x-sdk-date, Signature=00", []byte(`{"limit":"10"}`), false)
	f.Add("GET", "/v2/accounts/partner-accounts/balances", "SDK-HMAC-SHA256 ,,,=,Access", []byte{0xff, 0xfe}, false)
	f.Add("POST", "/v3.0/OS-CREDENTIAL/securitytokens", "", []byte(`{"auth":{"identity":{"methods":["assume_role"],"assume_role":null}}}`), true)

	sim, err := New(Config{Seed: 1, Start: testStart, DisableRateLimits: true})
	if err != nil {
		f.Fatal(err)
	}
	defer sim.Close()
	h := sim.Handler()

	f.Fuzz(func(t *testing.T, method, target, auth string, body []byte, sign bool) {
		parseAuthorization(auth)
		u, err := url.ParseRequestURI(target)
		if err != nil || strings.HasPrefix(u.Path, "/_sim") || !validMethod(method) {
			return
		}
		req := &http.Request{Method: method, URL: u, Host: "sim", Header: http.Header{}, RemoteAddr: "192.0.2.1:1000",
			Body: httpBody(body), RequestURI: target}
		req.Header.Set("User-Agent", "fuzz")
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Sdk-Date", sim.wallNow().Format(sdkDateLayout))
		if sign {
			signPartner(sim, req, body)
		} else if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code == 0 || rec.Header().Get("X-Request-Id") == "" && rec.Code != http.StatusForbidden {
			t.Fatalf("%s %s: status %d, request id %q", method, target, rec.Code, rec.Header().Get("X-Request-Id"))
		}
		if sign && rec.Code == http.StatusUnauthorized {
			t.Fatalf("%s %s: a correctly signed request was refused: %s", method, target, rec.Body)
		}
		if n := sim.panics.Load(); n != 0 {
			t.Fatalf("%d handler panics (last request %s %s %q)", n, method, target, body)
		}
	})
}

func validMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

func httpBody(b []byte) *nopCloser { return &nopCloser{bytes.NewReader(b)} }

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

// BenchmarkSignedRead measures signed reads through the real SDK over
// loopback HTTP: every request is signed by the SDK and verified by the
// gateway, then answered under the state lock. Rate limits are off so that
// the figure is raw throughput.
//
//	go test -run '^$' -bench BenchmarkSignedRead -benchtime 5s ./internal/upstream/bsssim/
func BenchmarkSignedRead(b *testing.B) {
	h := newHarness(b, nil)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := h.bss.ListPartnerBalances(&bssmodel.ListPartnerBalancesRequest{})
			if err != nil || len(*resp.AccountBalances) != 2 {
				b.Errorf("read: %v", err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}
