package http

import (
	"context"
	"encoding/hex"
	"io"
	"mime/multipart"
	"strings"

	"github.com/google/uuid"

	"github.com/partnerlab/storefront/internal/domain"
	genapi "github.com/partnerlab/storefront/internal/http/api"
)

// uploadMemory is how much of a multipart form is held in memory; larger
// files spill to temporary files, removed when the request ends.
const uploadMemory = 1 << 20

func (h *handlers) UploadFile(ctx context.Context, req genapi.UploadFileRequestObject) (genapi.UploadFileResponseObject, error) {
	p, _ := principal(ctx)
	form, err := req.Body.ReadForm(uploadMemory)
	if err != nil {
		return nil, domain.Wrap(err, domain.CodeInvalid, "the multipart form could not be read")
	}
	defer func() { _ = form.RemoveAll() }()
	in := domain.UploadFileInput{Purpose: domain.FilePurpose(formValue(form, "purpose"))}
	if v := formValue(form, "customer_id"); v != "" {
		id, err := uuid.Parse(v)
		if err != nil {
			return nil, &domain.Error{Code: domain.CodeValidation, Message: "customer_id is not a UUID",
				Fields: []domain.FieldError{{Field: "customer_id", Code: "format", Message: "not a UUID"}}}
		}
		in.CustomerID = &id
	}
	content, err := formFile(form)
	if err != nil {
		return nil, err
	}
	defer content.Close()
	in.Content = content
	f, err := h.s.realname.UploadFile(ctx, p, in)
	if err != nil {
		return nil, err
	}
	return genapi.UploadFile201JSONResponse{Body: fileOut(f)}, nil
}

func formValue(form *multipart.Form, name string) string {
	if v := form.Value[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// formFile is the one `file` part: a file part, or a plain field when the
// client sent no filename.
func formFile(form *multipart.Form) (io.ReadCloser, error) {
	files, values := form.File["file"], form.Value["file"]
	one := func() error {
		return &domain.Error{Code: domain.CodeValidation, Message: "send exactly one file",
			Fields: []domain.FieldError{{Field: "file", Code: "count", Message: "exactly one file per upload"}}}
	}
	switch {
	case len(files)+len(values) != 1:
		return nil, one()
	case len(files) == 1:
		return files[0].Open()
	}
	return io.NopCloser(strings.NewReader(values[0])), nil
}

func fileOut(f domain.File) genapi.File {
	id := f.CustomerID
	return genapi.File{Id: f.ID, CustomerId: &id, Size: f.Size, Sha256: hex.EncodeToString(f.SHA256),
		ContentType: genapi.FileContentType(f.ContentType), Purpose: genapi.FilePurpose(f.Purpose), CreatedAt: f.CreatedAt}
}

func (h *handlers) GetFile(ctx context.Context, req genapi.GetFileRequestObject) (genapi.GetFileResponseObject, error) {
	p, _ := principal(ctx)
	f, err := h.s.realname.File(ctx, p, req.Id)
	if err != nil {
		return nil, err
	}
	return genapi.GetFile200JSONResponse{Body: fileOut(f)}, nil
}

func (h *handlers) SendRealnameSmsCode(ctx context.Context, req genapi.SendRealnameSmsCodeRequestObject) (genapi.SendRealnameSmsCodeResponseObject, error) {
	p, _ := principal(ctx)
	expires, err := h.s.realname.SendBankCardCode(ctx, p, req.Id, req.Body.Mobile)
	if err != nil {
		return nil, err
	}
	return genapi.SendRealnameSmsCode202JSONResponse{Body: genapi.SmsCodeSent{ExpiresAt: expires}}, nil
}

func (h *handlers) CreateRealnameApplication(ctx context.Context, req genapi.CreateRealnameApplicationRequestObject) (genapi.CreateRealnameApplicationResponseObject, error) {
	p, _ := principal(ctx)
	b := req.Body
	in := domain.ApplicationInput{
		Kind: domain.RealNameKind(b.Kind), Name: strValue(b.Name), IDNumber: strValue(b.IdNumber), BankAccount: strValue(b.BankAccount),
		Mobile: strValue(b.Mobile), SMSCode: strValue(b.SmsCode), CompanyName: strValue(b.CompanyName), CreditCode: strValue(b.CreditCode),
		RegCountry: strValue(b.RegCountry), RegAddress: strValue(b.RegAddress), FileIDs: b.FileIds,
	}
	if b.IdType != nil {
		in.IDType = domain.RealNameIDType(*b.IdType)
	}
	if b.CertificateType != nil {
		in.CertificateType = domain.CertificateType(*b.CertificateType)
	}
	if lp := b.LegalPerson; lp != nil {
		in.LegalPerson = &domain.LegalPerson{Name: lp.Name, IDNumber: lp.IdNumber}
	}
	v, err := h.s.realname.Apply(ctx, p, req.Id, in)
	if err != nil {
		return nil, err
	}
	return genapi.CreateRealnameApplication201JSONResponse{Body: applicationOut(v)}, nil
}

func (h *handlers) ListRealnameApplications(ctx context.Context, req genapi.ListRealnameApplicationsRequestObject) (genapi.ListRealnameApplicationsResponseObject, error) {
	p, _ := principal(ctx)
	after, limit, err := pageParams(req.Params.Cursor, req.Params.Limit)
	if err != nil {
		return nil, err
	}
	page, err := h.s.realname.Applications(ctx, p, req.Id, after, limit)
	if err != nil {
		return nil, err
	}
	out := genapi.RealnameApplicationPage{Items: make([]genapi.RealnameApplication, len(page.Items)), NextCursor: cursorOut(page.Next)}
	for i, v := range page.Items {
		out.Items[i] = applicationOut(v)
	}
	return genapi.ListRealnameApplications200JSONResponse{Body: out}, nil
}

func (h *handlers) GetRealnameApplication(ctx context.Context, req genapi.GetRealnameApplicationRequestObject) (genapi.GetRealnameApplicationResponseObject, error) {
	p, _ := principal(ctx)
	v, err := h.s.realname.Application(ctx, p, req.Id, req.AppId)
	if err != nil {
		return nil, err
	}
	return genapi.GetRealnameApplication200JSONResponse{Body: applicationOut(v)}, nil
}

func (h *handlers) GetRealname(ctx context.Context, req genapi.GetRealnameRequestObject) (genapi.GetRealnameResponseObject, error) {
	p, _ := principal(ctx)
	v, err := h.s.realname.Status(ctx, p, req.Id)
	if err != nil {
		return nil, err
	}
	out := genapi.Realname{Status: genapi.RealnameStatus(v.Status), Opinion: strOrNil(v.Opinion), VerifiedAt: v.VerifiedAt}
	if v.Kind != "" {
		k := genapi.RealnameKind(v.Kind)
		out.Kind = &k
	}
	return genapi.GetRealname200JSONResponse{Body: out}, nil
}

func applicationOut(v domain.ApplicationView) genapi.RealnameApplication {
	out := genapi.RealnameApplication{
		Id: v.ID, CustomerId: v.CustomerID, Kind: genapi.RealnameApplicationKind(v.Kind), Status: genapi.RealnameApplicationStatus(v.Status),
		Name: strOrNil(v.Name), IdNumber: strOrNil(v.IDNumber), BankAccount: strOrNil(v.BankAccount),
		CompanyName: strOrNil(v.CompanyName), CreditCode: strOrNil(v.CreditCode), RegCountry: strOrNil(v.RegCountry),
		FileIds: v.FileIDs, Opinion: strOrNil(v.Opinion), CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt, DecidedAt: v.DecidedAt,
	}
	if v.IDType != "" {
		t := genapi.RealnameApplicationIdType(v.IDType)
		out.IdType = &t
	}
	if v.CertificateType != "" {
		t := genapi.RealnameApplicationCertificateType(v.CertificateType)
		out.CertificateType = &t
	}
	if out.FileIds == nil {
		out.FileIds = []uuid.UUID{}
	}
	if lp := v.LegalPerson; lp != nil {
		out.LegalPerson = &struct {
			IdNumber string `json:"id_number"`
			Name     string `json:"name"`
		}{IdNumber: lp.IDNumber, Name: lp.Name}
	}
	if u := v.Upstream; u != nil {
		out.Error = &genapi.UpstreamError{Code: u.Code, Message: u.Message}
	}
	return out
}

func strValue(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func strOrNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
