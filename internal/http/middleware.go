package http

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"regexp"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/go-chi/httprate"

	"github.com/partnerlab/storefront/internal/domain"
)

// reqInfo is per-request state the access log reads after the handler ran.
type reqInfo struct {
	id string
}

type reqInfoKey struct{}

func info(ctx context.Context) *reqInfo {
	ri, _ := ctx.Value(reqInfoKey{}).(*reqInfo)
	if ri == nil {
		return &reqInfo{}
	}
	return ri
}

func requestID(ctx context.Context) string { return info(ctx).id }

type principalKey struct{}

func withPrincipal(ctx context.Context, p domain.Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// principal returns the authenticated caller; the gate put it there for
// every operation whose rule is not public.
func principal(ctx context.Context) (domain.Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(domain.Principal)
	return p, ok
}

var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{8,64}$`)

// withRequestInfo accepts a well-formed X-Request-Id or makes one, echoes
// it, and starts the per-request state.
func withRequestInfo(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !validRequestID.MatchString(id) {
			id = newRequestID()
		}
		w.Header().Set("X-Request-Id", id)
		ri := &reqInfo{id: id}
		ctx := context.WithValue(r.Context(), reqInfoKey{}, ri)
		next.ServeHTTP(w, r.WithContext(domain.WithRequestID(ctx, id)))
	})
}

func newRequestID() string {
	return "req_" + rand.Text()
}

// routeOf is the route template for logs and metrics: chi's pattern when
// chi routed the request, else "unmatched" (never the raw path, which would
// explode label cardinality).
func routeOf(r *http.Request) string {
	if rc := chi.RouteContext(r.Context()); rc != nil {
		if p := rc.RoutePattern(); p != "" && p != "/*" && p != "/v1/*" {
			return p
		}
	}
	return "unmatched"
}

// accessLog logs one line per request: never headers or bodies.
func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		d := time.Since(start)
		route := routeOf(r)
		status := ww.Status()
		if status == 0 {
			status = http.StatusOK
		}
		s.metrics.observe(route, r.Method, status, d)
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("request_id", requestID(r.Context())),
			slog.String("method", r.Method),
			slog.String("route", route),
			slog.Int("status", status),
			slog.Int("bytes", ww.BytesWritten()),
			slog.Duration("duration", d),
			slog.String("client_ip", middleware.GetClientIP(r.Context())),
		)
	})
}

// recoverer turns a panic into a 500 problem and logs the stack once.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.ErrorContext(r.Context(), "panic", slog.String("request_id", requestID(r.Context())),
					slog.String("panic", fmt.Sprint(v)), slog.String("stack", string(debug.Stack())))
				writeProblem(w, problemOf(&domain.Error{Code: domain.CodeInternal}, requestID(r.Context())))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// securityHeaders are the OWASP secure-headers defaults for a JSON API; the
// docs page sets its own Content-Security-Policy. The values are shared,
// read-only slices: Header.Set would allocate one per header per request.
var securityHeaderValues = map[string][]string{
	"X-Content-Type-Options":       {"nosniff"},
	"X-Frame-Options":              {"DENY"},
	"Referrer-Policy":              {"no-referrer"},
	"Strict-Transport-Security":    {"max-age=63072000; includeSubDomains"},
	"Cross-Origin-Opener-Policy":   {"same-origin"},
	"Cross-Origin-Resource-Policy": {"same-origin"},
	"Content-Security-Policy":      {"default-src 'none'; frame-ancestors 'none'"},
	"Cache-Control":                {"no-store"},
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		for k, v := range securityHeaderValues {
			h[k] = v
		}
		next.ServeHTTP(w, r)
	})
}

// MaxJSONBody is the body limit of every /v1 request but uploads.
const MaxJSONBody = 1 << 20

// MaxUploadBody is the body limit of a multipart upload (POST /v1/files):
// the largest file (docs/design.md §4: 10 MB) plus room for the form's
// boundaries, part headers and small fields. The domain measures the file
// itself and answers 413 past domain.MaxFileSize.
const MaxUploadBody = domain.MaxFileSize + 64<<10

// uploadPath is the one route that takes multipart bodies.
const uploadPath = "/v1/files"

// bodyLimit reads at most max bytes (MaxUploadBody for a multipart POST to
// /v1/files); a larger body is refused with 413 before anything parses it.
// Buffering lets the validator and the handler both read the body; an
// upload costs its size in memory while it is checked.
func (s *Server) bodyLimit(jsonMax int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Body == nil || r.Body == http.NoBody {
				next.ServeHTTP(w, r)
				return
			}
			max := jsonMax
			if isUpload(r) {
				max = MaxUploadBody
			}
			if r.ContentLength > max {
				s.writeError(w, r, domain.Errorf(codePayloadTooLarge, "the body is larger than %d bytes", max))
				return
			}
			b, err := io.ReadAll(io.LimitReader(r.Body, max+1))
			if err != nil {
				s.writeError(w, r, domain.Errorf(domain.CodeInvalid, "the body could not be read"))
				return
			}
			if int64(len(b)) > max {
				s.writeError(w, r, domain.Errorf(codePayloadTooLarge, "the body is larger than %d bytes", max))
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(b))
			r.ContentLength = int64(len(b))
			next.ServeHTTP(w, r)
		})
	}
}

// isUpload: a multipart POST to the upload route.
func isUpload(r *http.Request) bool {
	if r.Method != http.MethodPost || r.URL.Path != uploadPath {
		return false
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "multipart/form-data"
}

// requireMediaType refuses a body whose media type the API never accepts
// (415) before the validator, which would call it a 400. Which media type an
// operation takes exactly is the validator's check.
func (s *Server) requireMediaType(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength != 0 && r.Body != nil && r.Body != http.NoBody && !isUpload(r) {
			mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if err != nil || (mt != "application/json" && mt != "application/x-www-form-urlencoded") {
				s.writeError(w, r, domain.Errorf(codeUnsupportedMediaType, "send application/json (application/x-www-form-urlencoded for /oauth/token, multipart/form-data for /files)"))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// rateLimit limits per resolved client IP (middleware.ClientIPFrom* decides
// whom to trust) and answers 429 problems with Retry-After.
func (s *Server) rateLimit(perMinute int) func(http.Handler) http.Handler {
	if perMinute <= 0 {
		return func(next http.Handler) http.Handler { return next }
	}
	return httprate.LimitBy(perMinute, time.Minute,
		func(r *http.Request) (string, error) {
			return httprate.CanonicalizeIP(middleware.GetClientIP(r.Context())), nil
		},
		httprate.WithResponseHeaders(httprate.ResponseHeaders{
			Limit: "RateLimit-Limit", Remaining: "RateLimit-Remaining", Reset: "RateLimit-Reset", RetryAfter: "Retry-After",
		}),
		httprate.WithLimitHandler(func(w http.ResponseWriter, r *http.Request) {
			if w.Header().Get("Retry-After") == "" {
				w.Header().Set("Retry-After", strconv.Itoa(60))
			}
			s.writeError(w, r, domain.Errorf(domain.CodeRateLimited, "rate limit exceeded; retry later"))
		}),
	)
}
