package http_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	storehttp "github.com/partnerlab/storefront/internal/http"
)

// TestRouteInventory: the router serves exactly the operations the spec
// documents, no more and no fewer.
func TestRouteInventory(t *testing.T) {
	t.Parallel()
	srv, err := storehttp.New(storehttp.Config{}, storehttp.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	routes, ok := srv.Handler().(chi.Routes)
	if !ok {
		t.Fatalf("Handler() is %T, not a chi router", srv.Handler())
	}
	var served []string
	err = chi.Walk(routes, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		served = append(served, method+" "+route)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	spec := loadSpec(t)
	if len(spec.Servers) != 1 || spec.Servers[0].URL != "/v1" {
		t.Fatalf("spec servers %v, want one: /v1", spec.Servers)
	}
	var documented []string
	for path, item := range spec.Paths.Map() {
		base := "/v1"
		if len(item.Servers) > 0 {
			if len(item.Servers) != 1 {
				t.Fatalf("%s: %d servers, want one", path, len(item.Servers))
			}
			base = strings.TrimSuffix(item.Servers[0].URL, "/")
		}
		for method := range item.Operations() {
			documented = append(documented, method+" "+base+path)
		}
	}

	slices.Sort(served)
	slices.Sort(documented)
	if len(served) < 10 {
		t.Fatalf("walked only %d routes: %v", len(served), served)
	}
	for _, r := range served {
		if !slices.Contains(documented, r) {
			t.Errorf("served but not in the spec: %s", r)
		}
	}
	for _, d := range documented {
		if !slices.Contains(served, d) {
			t.Errorf("in the spec but not served: %s", d)
		}
	}
}
