package http

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/mail"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/partnerlab/storefront/internal/domain"
)

// route is what the gate knows of one /v1 operation, prepared once at start.
type route struct {
	operationID string
	rule        domain.Rule
	kin         *routers.Route // for request validation; chi did the routing
	// hasInput: the operation declares parameters or a body. Without either
	// there is nothing for the validator to check (security is the gate's),
	// so GET /v1/me and its kind skip the call.
	hasInput bool
}

// buildRoutes indexes the spec's /v1 operations by method and chi pattern
// ("GET /v1/staff/{id}"), each with its rule from domain.Policy.
func buildRoutes(spec *openapi3.T) (map[string]*route, error) {
	out := map[string]*route{}
	// kin-openapi validates an OpenAPI 3.1 document with a JSON Schema
	// 2020-12 validator that it compiles anew for every request (most of a
	// write's CPU and allocations). Our request schemas use nothing its
	// OpenAPI 3.0 validator lacks (type lists, enums, patterns, formats,
	// additionalProperties), so requests are validated with that one, from
	// a copy of the document that says 3.0. Responses in tests are still
	// checked against the document as written.
	spec30 := *spec
	spec30.OpenAPI = "3.0.3"
	spec = &spec30
	for path, item := range spec.Paths.Map() {
		if len(item.Servers) > 0 { // ops endpoints live outside /v1
			continue
		}
		for method, op := range item.Operations() {
			rule, ok := domain.Policy[op.OperationID]
			if !ok {
				return nil, fmt.Errorf("operation %q has no rule in domain.Policy", op.OperationID)
			}
			out[method+" /v1"+path] = &route{
				operationID: op.OperationID,
				rule:        rule,
				kin:         &routers.Route{Spec: spec, Path: path, PathItem: item, Method: method, Operation: op},
				hasInput:    len(item.Parameters) > 0 || len(op.Parameters) > 0 || op.RequestBody != nil,
			}
		}
	}
	return out, nil
}

// gate runs after chi matched a /v1 operation and before its handler:
// authentication (token, then the principal's current status), the
// operation's rule from domain.Policy, then request validation against the
// spec. Anonymous callers learn nothing about a body's shape.
func (s *Server) gate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if r.Method != http.MethodGet { // reads write no audit records
			ctx = domain.WithClientIP(ctx, middleware.GetClientIP(ctx))
			r = r.WithContext(ctx)
		}
		rc := chi.RouteContext(ctx)
		rt := s.routes[r.Method+" "+rc.RoutePattern()]
		if rt == nil { // the inventory test keeps chi and the spec equal
			s.writeError(w, r, fmt.Errorf("http: no spec operation for %s %s", r.Method, rc.RoutePattern()))
			return
		}
		if !rt.rule.Public {
			p, err := s.authenticate(r)
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			if !rt.rule.Allows(&p) {
				s.writeError(w, r, domain.Errorf(domain.CodeForbidden, "your role may not do this"))
				return
			}
			ctx = withPrincipal(ctx, p)
			r = r.WithContext(ctx)
			if key := r.Header.Get("Idempotency-Key"); key != "" && r.Method != http.MethodGet && s.idem != nil {
				s.idempotent(w, r, p, key, claimsInUseCase[rt.operationID], http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					s.validateThen(w, r, rt, next)
				}))
				return
			}
		}
		s.validateThen(w, r, rt, next)
	})
}

// validateThen checks the request against the spec, then runs next.
func (s *Server) validateThen(w http.ResponseWriter, r *http.Request, rt *route, next http.Handler) {
	if rt.hasInput || r.ContentLength != 0 || r.URL.RawQuery != "" {
		ctx, rc := r.Context(), chi.RouteContext(r.Context())
		params := make(map[string]string, len(rc.URLParams.Keys))
		for i, k := range rc.URLParams.Keys {
			params[k] = rc.URLParams.Values[i]
		}
		in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: rt.kin, Options: &s.validation}
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			s.validationError(w, r, rt, err)
			return
		}
	}
	// What the schema cannot say: no duplicate keys, trailing data, invalid
	// UTF-8 or control characters (input.go).
	s.checkInput(next).ServeHTTP(w, r)
}

// validationOptions: security is the gate's (domain.Policy), so the
// validator's own check is a no-op; unknown formats are ours.
func validationOptions() openapi3filter.Options {
	return openapi3filter.Options{
		AuthenticationFunc:      openapi3filter.NoopAuthenticationFunc,
		MultiError:              true,
		SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.WithStringFormatValidators(stringFormats())},
	}
}

// stringFormats are checked by the validator, so a value the generated
// decoder would refuse (openapi_types.Email, uuid.UUID) is a field error
// naming the field, not an undecodable body or a nameless parameter.
// kin-openapi checks neither format by default.
func stringFormats() map[string]openapi3.StringFormatValidator {
	return map[string]openapi3.StringFormatValidator{
		// Exactly what openapi_types.Email accepts, and no display-name form
		// ("Bob <bob@example.com>"), which it would silently rewrite.
		"email": openapi3.NewCallbackValidator(func(v string) error {
			if a, err := mail.ParseAddress(v); err != nil || a.Address != v {
				return errors.New("not an email address")
			}
			return nil
		}),
		"uuid": openapi3.NewRegexpFormatValidator(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`),
	}
}

// authenticate checks the bearer token's signature and lifetime, then asks
// the domain whether its principal is still active.
func (s *Server) authenticate(r *http.Request) (domain.Principal, error) {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return domain.Principal{}, domain.Errorf(domain.CodeUnauthenticated, "a valid access token is required")
	}
	p, err := s.tokens.Verify(strings.TrimSpace(tok))
	if err != nil {
		s.log.DebugContext(r.Context(), "token refused", "request_id", requestID(r.Context()), "error", err)
		return domain.Principal{}, domain.Errorf(domain.CodeUnauthenticated, "a valid access token is required")
	}
	if err := s.auth.Authenticate(r.Context(), p); err != nil {
		return domain.Principal{}, err
	}
	return p, nil
}

// validationError renders what the validator refused.
func (s *Server) validationError(w http.ResponseWriter, r *http.Request, rt *route, err error) {
	if op := rt.kin.Operation; op.RequestBody != nil && op.RequestBody.Value != nil && r.ContentLength != 0 {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if op.RequestBody.Value.Content.Get(mt) == nil {
			s.writeError(w, r, domain.Errorf(codeUnsupportedMediaType, "this endpoint does not accept %q", mt))
			return
		}
	}
	s.writeError(w, r, &domain.Error{Code: domain.CodeValidation, Message: "the request does not match the API contract", Fields: fieldErrors(err)})
}

// fieldErrors flattens kin-openapi's errors into {field, code, message}.
func fieldErrors(err error) []domain.FieldError {
	var out []domain.FieldError
	// param is the parameter an enclosing RequestError is about: its schema
	// errors sit inside a MultiError and know nothing of it.
	var walk func(err error, param string)
	walk = func(err error, param string) {
		if me, ok := err.(openapi3.MultiError); ok {
			for _, e := range me {
				walk(e, param)
			}
			return
		}
		var re *openapi3filter.RequestError
		if param == "" && errors.As(err, &re) && re.Parameter != nil {
			param = re.Parameter.Name
		}
		var me openapi3.MultiError
		if errors.As(err, &me) {
			for _, e := range me {
				walk(e, param)
			}
			return
		}
		var se *openapi3.SchemaError
		switch {
		case errors.As(err, &se):
			field := strings.TrimPrefix(strings.Join(se.JSONPointer(), "."), ".")
			if param != "" {
				field = param
			}
			if field == "" {
				field = "body"
			}
			code := se.SchemaField
			if code == "" {
				code = "invalid"
			}
			out = append(out, domain.FieldError{Field: field, Code: code, Message: se.Reason})
		case errors.As(err, &re):
			field := "body"
			if re.Parameter != nil {
				field = re.Parameter.Name
			}
			msg := re.Reason
			if msg == "" && re.Err != nil {
				msg = firstLine(re.Err.Error())
			}
			out = append(out, domain.FieldError{Field: field, Code: "invalid", Message: msg})
		default:
			out = append(out, domain.FieldError{Field: "body", Code: "invalid", Message: firstLine(err.Error())})
		}
	}
	walk(err, "")
	if len(out) > 100 {
		out = out[:100]
	}
	return out
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 1000 {
		s = s[:1000]
	}
	return s
}
