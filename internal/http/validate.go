package http

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/mail"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	nethttpmw "github.com/oapi-codegen/nethttp-middleware"

	"github.com/partnerlab/storefront/internal/domain"
)

// errForbiddenRole is returned by authenticate when the token is good but
// the role or scope is not; the validator wraps it, and validationError
// turns it into 403 rather than 401.
var errForbiddenRole = errors.New("role or scope not allowed")

// validator checks every /v1 request against the spec: route, parameters,
// body (unknown fields refused where the schema says so) and security, with
// authenticate as the security check.
func (s *Server) validator(spec *openapi3.T) func(http.Handler) http.Handler {
	return nethttpmw.OapiRequestValidatorWithOptions(spec, &nethttpmw.Options{
		Options: openapi3filter.Options{
			AuthenticationFunc:      s.authenticate,
			MultiError:              true,
			SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.WithStringFormatValidators(stringFormats())},
		},
		SilenceServersWarning: true,
		ErrorHandlerWithOpts:  s.validationError,
	})
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

// authenticate implements the spec's security schemes. For bearerAuth the
// requirement's list holds roles (OpenAPI 3.1 allows role names there); for
// clientCredentials it holds scopes.
func (s *Server) authenticate(ctx context.Context, in *openapi3filter.AuthenticationInput) error {
	r := in.RequestValidationInput.Request
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return errors.New("no bearer token")
	}
	p, err := s.tokens.Verify(strings.TrimSpace(tok))
	if err != nil {
		return err
	}
	switch in.SecuritySchemeName {
	case "bearerAuth":
		if len(in.Scopes) > 0 {
			roles := make([]domain.Role, len(in.Scopes))
			for i, x := range in.Scopes {
				roles[i] = domain.Role(x)
			}
			if p.Kind != domain.PrincipalUser || !p.HasAnyRole(roles...) {
				return errForbiddenRole
			}
		}
	case "clientCredentials":
		scopes := make([]domain.Scope, len(in.Scopes))
		for i, x := range in.Scopes {
			scopes[i] = domain.Scope(x)
		}
		if p.Kind != domain.PrincipalClient || !p.HasAllScopes(scopes...) {
			return errForbiddenRole
		}
	default:
		return fmt.Errorf("unknown security scheme %q", in.SecuritySchemeName)
	}
	info(r.Context()).principal = &p
	return nil
}

// validationError renders what the validator refused.
func (s *Server) validationError(ctx context.Context, err error, w http.ResponseWriter, r *http.Request, opts nethttpmw.ErrorHandlerOpts) {
	if opts.MatchedRoute != nil && opts.MatchedRoute.Route != nil {
		info(ctx).route = "/v1" + opts.MatchedRoute.Route.Path
	}
	switch {
	case errors.Is(err, routers.ErrMethodNotAllowed):
		w.Header().Set("Allow", strings.Join(s.allowedMethods(r), ", "))
		s.writeError(w, r, domain.Errorf(codeMethodNotAllowed, "%s is not allowed on this path", r.Method))
		return
	case opts.MatchedRoute == nil:
		s.writeError(w, r, domain.Errorf(domain.CodeNotFound, "no such endpoint"))
		return
	}
	var secErr *openapi3filter.SecurityRequirementsError
	if errors.As(err, &secErr) {
		for _, e := range secErr.Errors {
			if errors.Is(e, errForbiddenRole) {
				s.writeError(w, r, domain.Errorf(domain.CodeForbidden, "your role may not do this"))
				return
			}
		}
		s.log.DebugContext(ctx, "authentication failed", "request_id", requestID(ctx), "error", err)
		s.writeError(w, r, domain.Errorf(domain.CodeUnauthenticated, "a valid access token is required"))
		return
	}
	if op := opts.MatchedRoute.Route.Operation; op != nil && op.RequestBody != nil && op.RequestBody.Value != nil && r.ContentLength != 0 {
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

// allowedMethods lists the methods the spec routes for r's path (the Allow
// header of a 405).
func (s *Server) allowedMethods(r *http.Request) []string {
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, _, err := s.router.FindRoute(probe); err == nil {
			out = append(out, m)
		}
	}
	return out
}
