package http

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"time"

	"github.com/google/uuid"

	"github.com/partnerlab/storefront/internal/domain"
	genapi "github.com/partnerlab/storefront/internal/http/api"
)

func (h *handlers) CheckRegistration(ctx context.Context, req genapi.CheckRegistrationRequestObject) (genapi.CheckRegistrationResponseObject, error) {
	p, _ := principal(ctx)
	res, err := h.s.customers.CheckRegistration(ctx, p, domain.RegistrationCheck{Kind: domain.CloudIdentityKind(req.Body.Type), Value: req.Body.Value})
	if err != nil {
		return nil, err
	}
	out := genapi.RegistrationCheckResult{Available: res.Available}
	if res.Reason != "" {
		r := genapi.RegistrationCheckResultReason(res.Reason)
		out.Reason = &r
	}
	if res.MobileRemaining >= 0 {
		n := int32(res.MobileRemaining)
		out.MobileRemaining = &n
	}
	return genapi.CheckRegistration200JSONResponse{Body: out}, nil
}

func (h *handlers) SendRegistrationSmsCode(ctx context.Context, req genapi.SendRegistrationSmsCodeRequestObject) (genapi.SendRegistrationSmsCodeResponseObject, error) {
	p, _ := principal(ctx)
	expires, err := h.s.customers.SendRegistrationCode(ctx, p, req.Body.Mobile)
	if err != nil {
		return nil, err
	}
	return genapi.SendRegistrationSmsCode202JSONResponse{Body: genapi.SmsCodeSent{ExpiresAt: expires}}, nil
}

func (h *handlers) CreateCustomer(ctx context.Context, req genapi.CreateCustomerRequestObject) (genapi.CreateCustomerResponseObject, error) {
	p, _ := principal(ctx)
	in := domain.NewCustomer{AccountName: req.Body.AccountName, Mobile: req.Body.Mobile, SMSCode: req.Body.SmsCode}
	if req.Body.Email != nil {
		in.Email = string(*req.Body.Email)
	}
	if req.Body.UserId != nil {
		in.UserID = *req.Body.UserId
	}
	c, err := h.s.customers.CreateCustomer(ctx, p, in)
	if err != nil {
		return nil, err
	}
	return genapi.CreateCustomer201JSONResponse{Body: customerOut(c)}, nil
}

func (h *handlers) ListCustomers(ctx context.Context, req genapi.ListCustomersRequestObject) (genapi.ListCustomersResponseObject, error) {
	p, _ := principal(ctx)
	q := req.Params
	in := domain.CustomerListInput{Limit: defaultPageSize}
	if q.Limit != nil {
		in.Limit = int(*q.Limit)
	}
	if q.Cursor != nil {
		after, err := customerCursorIn(*q.Cursor)
		if err != nil {
			return nil, err
		}
		in.After = &after
	}
	if q.Q != nil {
		in.Search = *q.Q
	}
	if q.Status != nil {
		in.Status = domain.CustomerStatus(*q.Status)
	}
	if q.RealnameStatus != nil {
		in.RealNameStatus = domain.RealNameStatus(*q.RealnameStatus)
	}
	if q.CreatedFrom != nil {
		in.CreatedFrom = *q.CreatedFrom
	}
	if q.CreatedTo != nil {
		in.CreatedTo = *q.CreatedTo
	}
	page, err := h.s.customers.ListCustomers(ctx, p, in)
	if err != nil {
		return nil, err
	}
	out := genapi.CustomerPage{Items: make([]genapi.Customer, len(page.Items))}
	for i, c := range page.Items {
		out.Items[i] = customerOut(c)
	}
	if page.Next != nil {
		s := customerCursorOut(*page.Next)
		out.NextCursor = &s
	}
	return genapi.ListCustomers200JSONResponse{Body: out}, nil
}

func (h *handlers) GetCustomer(ctx context.Context, req genapi.GetCustomerRequestObject) (genapi.GetCustomerResponseObject, error) {
	p, _ := principal(ctx)
	c, err := h.s.customers.Customer(ctx, p, req.Id)
	if err != nil {
		return nil, err
	}
	return genapi.GetCustomer200JSONResponse{Body: customerOut(c)}, nil
}

func (h *handlers) FreezeCustomer(ctx context.Context, req genapi.FreezeCustomerRequestObject) (genapi.FreezeCustomerResponseObject, error) {
	p, _ := principal(ctx)
	c, err := h.s.customers.RequestFreeze(ctx, p, req.Id, req.Body.Reason, domain.FreezeScope(req.Body.Scope))
	if err != nil {
		return nil, err
	}
	return genapi.FreezeCustomer202JSONResponse{Body: customerOut(c)}, nil
}

func (h *handlers) UnfreezeCustomer(ctx context.Context, req genapi.UnfreezeCustomerRequestObject) (genapi.UnfreezeCustomerResponseObject, error) {
	p, _ := principal(ctx)
	c, err := h.s.customers.RequestUnfreeze(ctx, p, req.Id, req.Body.Reason)
	if err != nil {
		return nil, err
	}
	return genapi.UnfreezeCustomer202JSONResponse{Body: customerOut(c)}, nil
}

func customerOut(c domain.Customer) genapi.Customer {
	out := genapi.Customer{
		Id: c.ID, AccountName: c.AccountName, Mobile: domain.MaskMobile(c.Mobile),
		Status: genapi.CustomerStatus(c.Status), RealnameStatus: genapi.CustomerRealnameStatus(c.RealNameStatus),
		CreatedAt: c.CreatedAt,
	}
	if c.UserID != uuid.Nil {
		id := c.UserID
		out.UserId = &id
	}
	if c.Email != "" {
		e := c.Email
		out.Email = &e
	}
	if c.FrozenScope != "" {
		s := genapi.CustomerFrozenScope(c.FrozenScope)
		out.FrozenScope = &s
	}
	if c.PendingAction != "" {
		a := genapi.CustomerPendingAction(c.PendingAction)
		out.PendingAction = &a
	}
	out.ActionError = upstreamOut(c.ActionErr)
	out.Huawei.Registration = genapi.CustomerHuaweiRegistration(c.Registration)
	out.Huawei.Association = genapi.CustomerHuaweiAssociation(c.Association)
	out.Huawei.Error = upstreamOut(c.RegistrationErr)
	if c.DomainID != "" {
		id, name := c.DomainID, c.DomainName
		out.Huawei.DomainId, out.Huawei.DomainName = &id, &name
	}
	return out
}

func upstreamOut(d *domain.UpstreamDetail) *genapi.UpstreamError {
	if d == nil {
		return nil
	}
	return &genapi.UpstreamError{Code: d.Code, Message: d.Message}
}

// Customer cursors are the last row's sort key, (created_at, id): 8 bytes
// of Unix microseconds and the 16 bytes of the id, base64url. Opaque to
// clients; stable under inserts.
const customerCursorLen = 8 + 16

func customerCursorOut(c domain.CustomerCursor) string {
	var b [customerCursorLen]byte
	binary.BigEndian.PutUint64(b[:8], uint64(c.CreatedAt.UnixMicro()))
	copy(b[8:], c.ID[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func customerCursorIn(s string) (domain.CustomerCursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != customerCursorLen {
		return domain.CustomerCursor{}, &domain.Error{Code: domain.CodeValidation, Message: "cursor is not valid",
			Fields: []domain.FieldError{{Field: "cursor", Code: "invalid", Message: "not a cursor from this API"}}}
	}
	var id uuid.UUID
	copy(id[:], b[8:])
	return domain.CustomerCursor{CreatedAt: time.UnixMicro(int64(binary.BigEndian.Uint64(b[:8]))).UTC(), ID: id}, nil
}
