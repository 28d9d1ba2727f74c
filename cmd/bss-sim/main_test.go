package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is the process's stdout, read while run writes it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestRun(t *testing.T) {
	t.Parallel()
	snap := filepath.Join(t.TempDir(), "state.json")
	env := map[string]string{
		"SIM_ADDR":          "127.0.0.1:0",
		"SIM_PARTNER_AK":    "TESTAK0000000000",
		"SIM_PARTNER_SK":    "do-not-print-this-sk",
		"SIM_SEED":          "42",
		"SIM_SNAPSHOT":      snap,
		"SIM_REVIEW_DELAY":  "0",
		"SIM_XACCOUNT_TYPE": "test_platform",
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, func(k string) string { return env[k] }, out) }()

	addr := ""
	for deadline := time.Now().Add(5 * time.Second); addr == "" && time.Now().Before(deadline); {
		sc := bufio.NewScanner(strings.NewReader(out.String()))
		for sc.Scan() {
			var line struct {
				Msg  string `json:"msg"`
				Addr string `json:"addr"`
			}
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "bss-sim listening" {
				addr = line.Addr
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	if addr == "" {
		t.Fatalf("no listening line in %q", out.String())
	}

	resp, err := http.Get("http://" + addr + "/_sim/clock")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("clock: %d", resp.StatusCode)
	}
	resp, err = http.Get("http://" + addr + "/v2/accounts/partner-accounts/balances")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unsigned call: %d", resp.StatusCode)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop")
	}
	if strings.Contains(out.String(), "do-not-print-this-sk") {
		t.Fatal("the secret key reached the log")
	}
	if !strings.Contains(out.String(), "TESTAK0000000000") || !strings.Contains(out.String(), "bss-sim stopped") {
		t.Fatalf("log = %s", out.String())
	}
	b, err := os.ReadFile(snap)
	if err != nil || !json.Valid(b) {
		t.Fatalf("snapshot: %v", err)
	}
}

func TestLoadConfig(t *testing.T) {
	t.Parallel()
	get := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	c, err := loadConfig(get(nil))
	if err != nil || c.Addr != "127.0.0.1:8081" || c.Sim.ReviewDelay != 10*time.Minute || c.Sim.AssociationDelay != 30*time.Second || c.Sim.Seed != 0 {
		t.Fatalf("defaults: %+v %v", c, err)
	}
	if c, err := loadConfig(get(map[string]string{"SIM_ASSOCIATION_DELAY": "0"})); err != nil || c.Sim.AssociationDelay != 0 {
		t.Fatalf("SIM_ASSOCIATION_DELAY=0: %+v %v", c, err)
	}
	if !strings.Contains(c.String(), "partner_sk=(default)") {
		t.Fatalf("String() = %s", c)
	}
	for _, bad := range []map[string]string{{"SIM_SEED": "x"}, {"SIM_REVIEW_DELAY": "-1m"}, {"SIM_REVIEW_DELAY": "soon"}, {"SIM_ASSOCIATION_DELAY": "-1s"}, {"SIM_ASSOCIATION_DELAY": "later"}} {
		if _, err := loadConfig(get(bad)); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	c, _ = loadConfig(get(map[string]string{"SIM_PARTNER_SK": "s3cret"}))
	if strings.Contains(c.String(), "s3cret") {
		t.Fatal("String() shows the secret")
	}
}

func TestRunListenError(t *testing.T) {
	t.Parallel()
	err := run(context.Background(), func(k string) string {
		if k == "SIM_ADDR" {
			return "256.0.0.1:1"
		}
		return ""
	}, &syncBuffer{})
	if err == nil {
		t.Fatal("bad address accepted")
	}
}
