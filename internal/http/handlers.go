package http

import (
	"context"
	"encoding/base64"
	"strings"

	"github.com/google/uuid"

	"github.com/partnerlab/storefront/internal/domain"
	genapi "github.com/partnerlab/storefront/internal/http/api"
)

// handlers implements genapi.StrictServerInterface: decode the generated
// request, call one use case, encode the generated response. Errors go back
// to the strict server, which hands them to writeError.
type handlers struct{ s *Server }

var _ genapi.StrictServerInterface = (*handlers)(nil)

func (h *handlers) Signup(ctx context.Context, req genapi.SignupRequestObject) (genapi.SignupResponseObject, error) {
	in := domain.SignupInput{Email: string(req.Body.Email), Password: string(req.Body.Password)}
	if req.Body.Mobile != nil {
		in.Mobile = *req.Body.Mobile
	}
	pair, err := h.s.auth.Signup(ctx, in)
	if err != nil {
		return nil, err
	}
	return genapi.Signup201JSONResponse{Body: tokenPair(pair)}, nil
}

func (h *handlers) Login(ctx context.Context, req genapi.LoginRequestObject) (genapi.LoginResponseObject, error) {
	pair, err := h.s.auth.Login(ctx, req.Body.Email, req.Body.Password)
	if err != nil {
		return nil, err
	}
	return genapi.Login200JSONResponse{Body: tokenPair(pair)}, nil
}

func (h *handlers) RefreshToken(ctx context.Context, req genapi.RefreshTokenRequestObject) (genapi.RefreshTokenResponseObject, error) {
	pair, err := h.s.auth.Refresh(ctx, req.Body.RefreshToken)
	if err != nil {
		return nil, err
	}
	return genapi.RefreshToken200JSONResponse{Body: tokenPair(pair)}, nil
}

func (h *handlers) Logout(ctx context.Context, req genapi.LogoutRequestObject) (genapi.LogoutResponseObject, error) {
	if err := h.s.auth.Logout(ctx, req.Body.RefreshToken); err != nil {
		return nil, err
	}
	return genapi.Logout204Response{}, nil
}

func (h *handlers) GetMe(ctx context.Context, _ genapi.GetMeRequestObject) (genapi.GetMeResponseObject, error) {
	p, _ := principal(ctx)
	id, err := h.s.auth.Me(ctx, p)
	if err != nil {
		return nil, err
	}
	if c := id.Client; c != nil {
		return genapi.GetMe200JSONResponse{Body: genapi.Me{Id: c.ID, Kind: genapi.MeKindApiClient, Status: genapi.MeStatus(c.Status),
			Roles: []genapi.Role{}, Scopes: scopesOut(p.Scopes), CreatedAt: c.CreatedAt}}, nil
	}
	u := id.User
	me := genapi.Me{Id: u.ID, Kind: genapi.MeKindUser, Email: &u.Email, Status: genapi.MeStatus(u.Status), Roles: rolesOut(u.Roles), Scopes: []genapi.Scope{}, CreatedAt: u.CreatedAt}
	if u.Mobile != "" {
		me.Mobile = &u.Mobile
	}
	me.CustomerId = u.CustomerID
	return genapi.GetMe200JSONResponse{Body: me}, nil
}

func (h *handlers) ListStaff(ctx context.Context, req genapi.ListStaffRequestObject) (genapi.ListStaffResponseObject, error) {
	p, _ := principal(ctx)
	after, limit, err := pageParams(req.Params.Cursor, req.Params.Limit)
	if err != nil {
		return nil, err
	}
	page, err := h.s.auth.ListStaff(ctx, p, after, limit)
	if err != nil {
		return nil, err
	}
	out := genapi.StaffPage{Items: make([]genapi.Staff, len(page.Items)), NextCursor: cursorOut(page.Next)}
	for i, u := range page.Items {
		out.Items[i] = staffOut(u)
	}
	return genapi.ListStaff200JSONResponse{Body: out}, nil
}

func (h *handlers) CreateStaff(ctx context.Context, req genapi.CreateStaffRequestObject) (genapi.CreateStaffResponseObject, error) {
	p, _ := principal(ctx)
	in := domain.CreateStaffInput{Email: string(req.Body.Email), Password: string(req.Body.Password)}
	if req.Body.Name != nil {
		in.Name = *req.Body.Name
	}
	for _, r := range req.Body.Roles {
		in.Roles = append(in.Roles, domain.Role(r))
	}
	u, err := h.s.auth.CreateStaff(ctx, p, in)
	if err != nil {
		return nil, err
	}
	return genapi.CreateStaff201JSONResponse{Body: staffOut(u)}, nil
}

func (h *handlers) GetStaff(ctx context.Context, req genapi.GetStaffRequestObject) (genapi.GetStaffResponseObject, error) {
	p, _ := principal(ctx)
	u, err := h.s.auth.Staff(ctx, p, req.Id)
	if err != nil {
		return nil, err
	}
	return genapi.GetStaff200JSONResponse{Body: staffOut(u)}, nil
}

func (h *handlers) UpdateStaff(ctx context.Context, req genapi.UpdateStaffRequestObject) (genapi.UpdateStaffResponseObject, error) {
	p, _ := principal(ctx)
	u, err := h.s.auth.SetStaffStatus(ctx, p, req.Id, domain.Status(req.Body.Status))
	if err != nil {
		return nil, err
	}
	return genapi.UpdateStaff200JSONResponse{Body: staffOut(u)}, nil
}

func (h *handlers) ListApiClients(ctx context.Context, req genapi.ListApiClientsRequestObject) (genapi.ListApiClientsResponseObject, error) {
	p, _ := principal(ctx)
	after, limit, err := pageParams(req.Params.Cursor, req.Params.Limit)
	if err != nil {
		return nil, err
	}
	page, err := h.s.auth.ListAPIClients(ctx, p, after, limit)
	if err != nil {
		return nil, err
	}
	out := genapi.ApiClientPage{Items: make([]genapi.ApiClient, len(page.Items)), NextCursor: cursorOut(page.Next)}
	for i, c := range page.Items {
		out.Items[i] = genapi.ApiClient{Id: c.ID, Name: c.Name, Scopes: scopesOut(c.Scopes), Status: genapi.ApiClientStatus(c.Status), CreatedAt: c.CreatedAt}
	}
	return genapi.ListApiClients200JSONResponse{Body: out}, nil
}

func (h *handlers) CreateApiClient(ctx context.Context, req genapi.CreateApiClientRequestObject) (genapi.CreateApiClientResponseObject, error) {
	p, _ := principal(ctx)
	scopes := make([]domain.Scope, len(req.Body.Scopes))
	for i, s := range req.Body.Scopes {
		scopes[i] = domain.Scope(s)
	}
	c, secret, err := h.s.auth.CreateAPIClient(ctx, p, req.Body.Name, scopes)
	if err != nil {
		return nil, err
	}
	return genapi.CreateApiClient201JSONResponse{Body: genapi.ApiClientWithSecret{
		Id: c.ID, ClientId: c.ID, ClientSecret: secret, Name: c.Name, Scopes: scopesOut(c.Scopes),
		Status: genapi.ApiClientWithSecretStatus(c.Status), CreatedAt: c.CreatedAt,
	}}, nil
}

func (h *handlers) DisableApiClient(ctx context.Context, req genapi.DisableApiClientRequestObject) (genapi.DisableApiClientResponseObject, error) {
	p, _ := principal(ctx)
	if err := h.s.auth.DisableAPIClient(ctx, p, req.Id); err != nil {
		return nil, err
	}
	return genapi.DisableApiClient204Response{}, nil
}

func (h *handlers) OauthToken(ctx context.Context, req genapi.OauthTokenRequestObject) (genapi.OauthTokenResponseObject, error) {
	var requested []domain.Scope
	if req.Body.Scope != nil {
		for _, s := range strings.Fields(*req.Body.Scope) {
			requested = append(requested, domain.Scope(s))
		}
	}
	tok, err := h.s.auth.ClientCredentials(ctx, req.Body.ClientId, req.Body.ClientSecret, requested)
	if err != nil {
		return nil, err
	}
	scopes := make([]string, len(tok.Scopes))
	for i, s := range tok.Scopes {
		scopes[i] = string(s)
	}
	noStore := "no-store"
	return genapi.OauthToken200JSONResponse{
		Body: genapi.ClientToken{AccessToken: tok.AccessToken, TokenType: genapi.ClientTokenTokenTypeBearer,
			ExpiresIn: int32(tok.ExpiresIn.Seconds()), Scope: strings.Join(scopes, " ")},
		Headers: genapi.OauthToken200ResponseHeaders{CacheControl: &noStore},
	}, nil
}

func tokenPair(p domain.TokenPair) genapi.TokenPair {
	return genapi.TokenPair{AccessToken: p.AccessToken, RefreshToken: p.RefreshToken, TokenType: genapi.TokenPairTokenTypeBearer, ExpiresIn: int32(p.ExpiresIn.Seconds())}
}

func staffOut(u domain.User) genapi.Staff {
	st := genapi.Staff{Id: u.ID, Email: genapi.Email(u.Email), Status: genapi.StaffStatus(u.Status), CreatedAt: u.CreatedAt, Roles: make([]genapi.StaffRole, 0, len(u.Roles))}
	for _, r := range u.Roles {
		if r != domain.RoleCustomer {
			st.Roles = append(st.Roles, genapi.StaffRole(r))
		}
	}
	if u.Name != "" {
		st.Name = &u.Name
	}
	return st
}

func rolesOut(rs []domain.Role) []genapi.Role {
	out := make([]genapi.Role, len(rs))
	for i, r := range rs {
		out[i] = genapi.Role(r)
	}
	return out
}

func scopesOut(ss []domain.Scope) []genapi.Scope {
	out := make([]genapi.Scope, len(ss))
	for i, s := range ss {
		out[i] = genapi.Scope(s)
	}
	return out
}

// Cursors are the last id of the previous page, base64url: opaque to
// clients, stable under inserts because ids are UUIDv7 and pages go by id.
func cursorOut(next *uuid.UUID) *string {
	if next == nil {
		return nil
	}
	s := base64.RawURLEncoding.EncodeToString(next[:])
	return &s
}

const defaultPageSize = 50

func pageParams(cursor *string, limit *int32) (uuid.UUID, int, error) {
	n := defaultPageSize
	if limit != nil {
		n = int(*limit)
	}
	if cursor == nil {
		return uuid.Nil, n, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(*cursor)
	if err != nil || len(b) != 16 {
		return uuid.Nil, 0, &domain.Error{Code: domain.CodeValidation, Message: "cursor is not valid",
			Fields: []domain.FieldError{{Field: "cursor", Code: "invalid", Message: "not a cursor from this API"}}}
	}
	return uuid.UUID(b), n, nil
}
