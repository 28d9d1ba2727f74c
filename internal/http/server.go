// Package http is Storefront's public HTTP surface: the routes (all in
// Handler), the middleware chain, request validation against
// api/openapi.yaml, authentication, and the one mapping from domain errors
// to RFC 9457 problems. Handlers implement the strict interface that
// oapi-codegen generates in package api.
package http

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/go-chi/cors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/partnerlab/storefront/api"
	"github.com/partnerlab/storefront/internal/auth"
	"github.com/partnerlab/storefront/internal/domain"
	genapi "github.com/partnerlab/storefront/internal/http/api"
	"github.com/partnerlab/storefront/internal/http/docsui"
)

// TokenVerifier checks access tokens and publishes the verification keys.
type TokenVerifier interface {
	Verify(token string) (domain.Principal, error)
	JWKS() []auth.JWK
}

// Config is what the server needs beyond its collaborators.
type Config struct {
	CORSAllowedOrigins []string
	// TrustedProxies are CIDRs whose X-Forwarded-For is believed; empty means
	// the TCP peer is the client.
	TrustedProxies []string
	// AuthRateLimit is requests per minute per client IP on /v1/auth/* and /v1/oauth/token.
	AuthRateLimit int
	// APIRateLimit is requests per minute per client IP on everything else (0 = off).
	APIRateLimit int
}

// Deps are the server's collaborators.
type Deps struct {
	Auth      *domain.AuthService
	Customers *domain.CustomerService
	RealName  *domain.RealNameService
	Audit     *domain.AuditService
	Money     *domain.MoneyService
	StepUp    *domain.StepUpService
	Commerce  *domain.CommerceService
	// Idempotency stores Idempotency-Key answers; nil turns the layer off.
	Idempotency domain.IdempotencyStore
	// Now is the clock of idempotency locks; nil means time.Now.
	Now     func() time.Time
	Tokens  TokenVerifier
	Ready   func(ctx context.Context) (uint, error)
	Metrics *Metrics
	Logger  *slog.Logger
}

// Server serves the public API.
type Server struct {
	cfg        Config
	auth       *domain.AuthService
	customers  *domain.CustomerService
	realname   *domain.RealNameService
	audit      *domain.AuditService
	money      *domain.MoneyService
	commerce   *domain.CommerceService
	stepUp     *domain.StepUpService
	tokens     TokenVerifier
	ready      func(ctx context.Context) (uint, error)
	metrics    *Metrics
	log        *slog.Logger
	idem       domain.IdempotencyStore
	now        func() time.Time
	routes     map[string]*route
	validation openapi3filter.Options
}

// New builds a Server; it fails only if the embedded spec is broken.
func New(cfg Config, d Deps) (*Server, error) {
	// The document as written (genapi.GetSpec rewrites operation ids).
	spec, err := openapi3.NewLoader().LoadFromData(api.Spec)
	if err != nil {
		return nil, fmt.Errorf("http: load spec: %w", err)
	}
	routes, err := buildRoutes(spec)
	if err != nil {
		return nil, fmt.Errorf("http: %w", err)
	}
	log := d.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	now := d.Now
	if now == nil {
		now = time.Now
	}
	return &Server{idem: d.Idempotency, now: now, cfg: cfg, auth: d.Auth, customers: d.Customers, realname: d.RealName, audit: d.Audit, money: d.Money, commerce: d.Commerce, stepUp: d.StepUp, tokens: d.Tokens, ready: d.Ready, metrics: d.Metrics, log: log, routes: routes, validation: validationOptions()}, nil
}

// Handler is every public route.
func (s *Server) Handler() http.Handler {
	r := chi.NewRouter()
	r.Use(withRequestInfo)
	if len(s.cfg.TrustedProxies) > 0 {
		r.Use(middleware.ClientIPFromXFF(s.cfg.TrustedProxies...))
	} else {
		r.Use(middleware.ClientIPFromRemoteAddr)
	}
	r.Use(s.accessLog, s.recoverer, securityHeaders, s.headerLimit)
	if len(s.cfg.CORSAllowedOrigins) > 0 {
		r.Use(cors.Handler(cors.Options{
			AllowedOrigins:   s.cfg.CORSAllowedOrigins,
			AllowedMethods:   []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete},
			AllowedHeaders:   []string{"Authorization", "Content-Type", "Idempotency-Key", "X-Request-Id"},
			ExposedHeaders:   []string{"X-Request-Id", "Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Idempotent-Replayed"},
			AllowCredentials: false,
			MaxAge:           600,
		}))
	}
	r.Use(s.rateLimit(s.cfg.APIRateLimit))
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, domain.Errorf(domain.CodeNotFound, "no such endpoint"))
	})
	mux := r
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		// chi sets Allow only in its own default handler; RFC 9110 §15.5.6 requires it.
		var allow []string
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			if mux.Match(chi.NewRouteContext(), m, r.URL.Path) {
				allow = append(allow, m)
			}
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		s.writeError(w, r, domain.Errorf(codeMethodNotAllowed, "%s is not allowed on this path", r.Method))
	})

	// Ops (documented in the spec under the "ops" tag, outside /v1).
	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Get("/openapi.yaml", serveSpec)
	r.Get("/.well-known/jwks.json", s.jwks)
	docs := docsui.Handler()
	r.Get("/docs", docs.ServeHTTP)
	r.Get("/docs/redoc.standalone.js", docs.ServeHTTP)

	// The API: chi routes; the gate authenticates, applies domain.Policy and
	// validates against the spec before the generated handler decodes.
	r.Route("/v1", func(v1 chi.Router) {
		v1.Use(s.bodyLimit(MaxJSONBody), s.requireMediaType, s.authEndpointsLimit())
		genapi.HandlerWithOptions(genapi.NewStrictHandlerWithOptions(&handlers{s: s}, []genapi.StrictMiddlewareFunc{withAccept}, genapi.StrictHTTPServerOptions{
			RequestErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
				s.writeError(w, r, domain.Wrap(err, domain.CodeInvalid, "the request body could not be decoded"))
			},
			ResponseErrorHandlerFunc: s.writeError,
		}), genapi.ChiServerOptions{
			BaseRouter:  v1,
			Middlewares: []genapi.MiddlewareFunc{s.gate},
			// The generated wrapper binds parameters before the gate runs;
			// run the gate anyway, so an anonymous caller gets 401 and a bad
			// parameter gets the validator's field error naming it.
			ErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
				s.gate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					s.writeError(w, r, paramError(err))
				})).ServeHTTP(w, r)
			},
		})
	})
	return r
}

// paramError names the parameter the generated binder refused.
func paramError(err error) error {
	var f *genapi.InvalidParamFormatError
	if errors.As(err, &f) {
		return &domain.Error{Code: domain.CodeValidation, Message: "a parameter is invalid", Err: err,
			Fields: []domain.FieldError{{Field: f.ParamName, Code: "format", Message: "has the wrong format"}}}
	}
	return domain.Wrap(err, domain.CodeValidation, "a parameter is invalid")
}

// authEndpointsLimit applies the stricter per-IP limit to credential endpoints.
func (s *Server) authEndpointsLimit() func(http.Handler) http.Handler {
	limit := s.rateLimit(s.cfg.AuthRateLimit)
	return func(next http.Handler) http.Handler {
		limited := limit(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/v1/auth/") || r.URL.Path == "/v1/oauth/token" {
				limited.ServeHTTP(w, r)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// AdminHandler is the loopback listener: Prometheus metrics and pprof.
func (s *Server) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	if s.metrics != nil {
		mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.Registry, promhttp.HandlerOpts{}))
	}
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	v, err := s.ready(r.Context())
	if err != nil {
		s.log.WarnContext(r.Context(), "not ready", "error", err)
		s.writeError(w, r, &domain.Error{Code: codeNotReady, Message: "database unreachable or schema not current", RetryAfter: readyRetryAfter})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "schema_version": v})
}

// readyRetryAfter is the Retry-After of a 503 from /readyz.
const readyRetryAfter = 5 * time.Second

func serveSpec(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/yaml")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(api.Spec)
}

func (s *Server) jwks(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSON(w, http.StatusOK, map[string]any{"keys": s.tokens.JWKS()})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
