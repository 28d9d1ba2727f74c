package http_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/partnerlab/storefront/internal/domain"
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

// TestPolicyInventory: the spec's security lists say exactly what
// domain.Policy enforces, operation by operation, so the document clients
// read and the rule the server applies cannot drift apart.
func TestPolicyInventory(t *testing.T) {
	t.Parallel()
	spec := loadSpec(t)
	seen := map[string]bool{}
	for path, item := range spec.Paths.Map() {
		if len(item.Servers) > 0 { // ops endpoints outside /v1
			continue
		}
		for method, op := range item.Operations() {
			seen[op.OperationID] = true
			rule, ok := domain.Policy[op.OperationID]
			if !ok {
				t.Errorf("%s %s (%s): no rule in domain.Policy", method, path, op.OperationID)
				continue
			}
			sec := spec.Security
			if op.Security != nil {
				sec = *op.Security
			}
			var want domain.Rule
			switch {
			case len(sec) == 0:
				want.Public = true
			default:
				for _, req := range sec {
					for scheme, list := range req {
						switch scheme {
						case "bearerAuth":
							if len(list) == 0 {
								want.AnyPrincipal = true
							}
							for _, r := range list {
								want.Roles = append(want.Roles, domain.Role(r))
							}
						case "clientCredentials":
							want.Scopes = []domain.Scope{}
							for _, s := range list {
								want.Scopes = append(want.Scopes, domain.Scope(s))
							}
						default:
							t.Errorf("%s: unknown security scheme %q", op.OperationID, scheme)
						}
					}
				}
			}
			if !sameRule(rule, want) {
				t.Errorf("%s: domain.Policy says %+v, the spec's security says %+v", op.OperationID, rule, want)
			}
		}
	}
	for id := range domain.Policy {
		if !seen[id] {
			t.Errorf("domain.Policy has %q, which the spec does not document", id)
		}
	}
}

func sameRule(a, b domain.Rule) bool {
	sorted := func(x []domain.Role) []domain.Role { x = slices.Clone(x); slices.Sort(x); return x }
	sortedS := func(x []domain.Scope) []domain.Scope { x = slices.Clone(x); slices.Sort(x); return x }
	return a.Public == b.Public && a.AnyPrincipal == b.AnyPrincipal &&
		slices.Equal(sorted(a.Roles), sorted(b.Roles)) &&
		(a.Scopes == nil) == (b.Scopes == nil) && slices.Equal(sortedS(a.Scopes), sortedS(b.Scopes))
}
