package huawei

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/partnerlab/storefront/internal/domain"
)

// secretsIn fails if any secret appears in any rendering of err.
func secretsIn(t *testing.T, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		t.Fatal("no error to inspect")
	}
	var de *domain.Error
	renderings := []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)}
	if errors.As(err, &de) {
		if de.Upstream != nil {
			renderings = append(renderings, fmt.Sprintf("%#v", *de.Upstream))
		}
		for u := errors.Unwrap(de); u != nil; u = errors.Unwrap(u) {
			renderings = append(renderings, u.Error())
		}
	}
	for _, s := range secrets {
		if s == "" {
			t.Fatal("empty secret in the test")
		}
		for _, r := range renderings {
			if strings.Contains(r, s) {
				t.Fatalf("secret %q leaked in %q", s, r)
			}
		}
	}
}

// A hostile (or merely chatty) upstream echoes our credentials back. The
// partner's calls go to it; IAM is the real simulator, so customer calls
// carry a real temporary credential for it to echo.
func TestSecretsNeverReachErrors(t *testing.T) {
	t.Parallel()
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		msg := "echo: " + r.Header.Get("Authorization") + " token " + r.Header.Get("X-Security-Token") + " sk " + simSK
		status := http.StatusBadRequest
		if strings.Contains(r.URL.Path, "adjust-amount") {
			status = http.StatusUnauthorized
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"error_code": "CBC.0100", "error_msg": msg})
	}))
	defer echo.Close()

	e := newEnv(t)
	id := e.customer()
	cfg := e.cfg
	cfg.BSSEndpoint = echo.URL
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := e.ctx()

	_, err = c.AllocateToCustomer(ctx, id, dec("1"))
	wantErr(t, err, domain.CodeUpstreamForbidden, domain.OutcomeDefinite, "")
	secretsIn(t, err, simSK, simAK)

	_, err = c.RateRenewal(ctx, id, domain.CloudRenewalRating{ResourceIDs: []string{"r"}, Period: domain.CloudPeriodMonth, Periods: 1})
	wantErr(t, err, domain.CodeUpstreamInvalid, domain.OutcomeDefinite, "CBC.0100")
	cred, cerr := c.creds.get(ctx, id)
	if cerr != nil {
		t.Fatal(cerr)
	}
	secretsIn(t, err, simSK, simAK, cred.sk, cred.token, cred.ak)
	if !strings.Contains(err.Error()+fmt.Sprintf("%#v", *err.(*domain.Error).Upstream), "***") {
		t.Fatal("the echoed secrets should have been masked, not dropped silently")
	}

	// Transport failures print URLs and addresses; still nothing secret.
	cfg.BSSEndpoint = "http://127.0.0.1:1"
	dead, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	err = dead.PayOrder(ctx, id, domain.CloudPayOrder{OrderID: "CS-any"})
	wantErr(t, err, domain.CodeUpstreamUnavailable, domain.OutcomeRetryable, "-")
	deadCred, cerr := dead.creds.get(ctx, id)
	if cerr != nil {
		t.Fatal(cerr)
	}
	secretsIn(t, err, simSK, deadCred.sk, deadCred.token)
}

func TestConfigIsLogSafe(t *testing.T) {
	t.Parallel()
	cfg := Config{BSSEndpoint: "https://bss.example", PartnerAK: "AKPUBLICISH", PartnerSK: "the-secret-key-value"}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "huawei", cfg)
	for _, out := range []string{cfg.String(), fmt.Sprint(cfg), fmt.Sprintf("%v", cfg), buf.String()} {
		if strings.Contains(out, cfg.PartnerSK) {
			t.Fatalf("secret key in %q", out)
		}
	}
	if !strings.Contains(cfg.String(), "https://bss.example") {
		t.Fatalf("config string lost the endpoint: %s", cfg)
	}
}

func TestConfigValidation(t *testing.T) {
	t.Parallel()
	good := Config{BSSEndpoint: "u", IAMEndpoint: "u", ECSEndpoint: "u", EVSEndpoint: "u", PartnerAK: "ak", PartnerSK: "sk", XAccountType: "x"}
	if _, err := New(good); err != nil {
		t.Fatal(err)
	}
	for name, mut := range map[string]func(*Config){
		"no sk":          func(c *Config) { c.PartnerSK = "" },
		"no agency":      func(c *Config) { c.XAccountType = " " },
		"no endpoint":    func(c *Config) { c.EVSEndpoint = "" },
		"short duration": func(c *Config) { c.CredentialDuration = time.Minute },
		"huge margin":    func(c *Config) { c.CredentialRefreshMargin = 2 * time.Hour },
	} {
		c := good
		mut(&c)
		if _, err := New(c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
