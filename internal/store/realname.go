package store

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/partnerlab/storefront/internal/domain"
	"github.com/partnerlab/storefront/internal/store/internal/db"
)

// RealNameStore implements domain.RealNameStore.
type RealNameStore struct{ s *Store }

var _ domain.RealNameStore = (*RealNameStore)(nil)

// RealName is the real-name store: attachments, applications, the
// customer's real-name state.
func (s *Store) RealName() domain.RealNameStore { return &RealNameStore{s: s} }

// translateRealName gives this store's unique constraints their meaning,
// then falls back to translate.
func translateRealName(err error, what string) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		switch pgErr.ConstraintName {
		case "realname_applications_open_key":
			return domain.Wrap(err, domain.CodeConflict, "an application for this customer is already pending or in review")
		case "files_pkey", "files_storage_key_key", "realname_applications_pkey":
			return domain.Wrap(err, domain.CodeAlreadyExists, what+" already exists")
		}
	}
	return translate(err, what)
}

func (r *RealNameStore) CreateFile(ctx context.Context, f domain.File) error {
	return translateRealName(r.s.q.CreateFile(ctx, db.CreateFileParams{
		ID: f.ID, CustomerID: f.CustomerID, Purpose: string(f.Purpose), StorageKey: f.StorageKey, ContentType: f.ContentType,
		Size: f.Size, Sha256: f.SHA256, UploadedBy: f.UploadedBy, CreatedAt: f.CreatedAt,
	}), "file")
}

func (r *RealNameStore) FileByID(ctx context.Context, id uuid.UUID) (domain.File, error) {
	row, err := r.s.q.FileByID(ctx, id)
	if err != nil {
		return domain.File{}, translate(err, "file")
	}
	return fileFromDB(row), nil
}

func (r *RealNameStore) FilesByID(ctx context.Context, ids []uuid.UUID) ([]domain.File, error) {
	rows, err := r.s.q.FilesByID(ctx, ids)
	if err != nil {
		return nil, translate(err, "files")
	}
	out := make([]domain.File, len(rows))
	for i, row := range rows {
		out[i] = fileFromDB(row)
	}
	return out, nil
}

func fileFromDB(r db.File) domain.File {
	return domain.File{ID: r.ID, CustomerID: r.CustomerID, Purpose: domain.FilePurpose(r.Purpose), StorageKey: r.StorageKey,
		ContentType: r.ContentType, Size: r.Size, SHA256: r.Sha256, UploadedBy: r.UploadedBy, CreatedAt: r.CreatedAt}
}

func (r *RealNameStore) CreateApplication(ctx context.Context, a domain.RealNameApplication) error {
	return translateRealName(r.s.q.CreateRealnameApplication(ctx, db.CreateRealnameApplicationParams{
		ID: a.ID, CustomerID: a.CustomerID, Kind: string(a.Kind), Status: string(a.Status),
		IDType: nullable(string(a.IDType)), CertificateType: nullable(string(a.CertificateType)),
		NameEnc: a.Sealed.Name, NumberEnc: a.Sealed.Number, BankAccountEnc: a.Sealed.BankAccount, BankMobileEnc: a.Sealed.BankMobile,
		SmsCodeEnc: a.Sealed.SMSCode, LegalNameEnc: a.Sealed.LegalName, LegalNumberEnc: a.Sealed.LegalNumber,
		RegCountry: nullable(a.RegCountry), RegAddress: nullable(a.RegAddress), FileIds: a.FileIDs,
		CreatedBy: a.CreatedBy, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
	}), "real-name application")
}

func (r *RealNameStore) ApplicationByID(ctx context.Context, id uuid.UUID) (domain.RealNameApplication, error) {
	row, err := r.s.q.RealnameApplicationByID(ctx, id)
	if err != nil {
		return domain.RealNameApplication{}, translate(err, "real-name application")
	}
	return applicationFromDB(row), nil
}

func (r *RealNameStore) ApplicationForUpdate(ctx context.Context, id uuid.UUID) (domain.RealNameApplication, error) {
	row, err := r.s.q.RealnameApplicationForUpdate(ctx, id)
	if err != nil {
		return domain.RealNameApplication{}, translate(err, "real-name application")
	}
	return applicationFromDB(row), nil
}

func (r *RealNameStore) UpdateApplication(ctx context.Context, a domain.RealNameApplication) error {
	p := db.UpdateRealnameApplicationParams{
		ID: a.ID, Status: string(a.Status), SmsCodeEnc: a.Sealed.SMSCode, Opinion: nullable(a.Opinion),
		SubmittingSince: a.SubmittingSince, UpdatedAt: a.UpdatedAt, DecidedAt: a.DecidedAt,
	}
	if u := a.Upstream; u != nil {
		status := int32(u.HTTPStatus)
		op := u.Operation
		p.ErrorOperation, p.ErrorHttpStatus, p.ErrorCode, p.ErrorMessage = &op, &status, nullable(u.Code), nullable(u.Message)
	}
	if b := a.Baseline; b != nil {
		p.BaselineReview, p.BaselineOpinion = nullable(string(b.Status)), nullable(b.Opinion)
	}
	n, err := r.s.q.UpdateRealnameApplication(ctx, p)
	if err != nil {
		return translateRealName(err, "real-name application")
	}
	if n == 0 {
		return domain.Errorf(domain.CodeNotFound, "real-name application not found")
	}
	return nil
}

func (r *RealNameStore) ListApplications(ctx context.Context, customerID, after uuid.UUID, limit int) ([]domain.RealNameApplication, error) {
	rows, err := r.s.q.ListRealnameApplications(ctx, db.ListRealnameApplicationsParams{CustomerID: customerID, After: after, Lim: int32(limit)})
	if err != nil {
		return nil, translate(err, "real-name applications")
	}
	out := make([]domain.RealNameApplication, len(rows))
	for i, row := range rows {
		out[i] = applicationFromDB(row)
	}
	return out, nil
}

func (r *RealNameStore) LatestApplication(ctx context.Context, customerID uuid.UUID, statuses ...domain.ApplicationStatus) (domain.RealNameApplication, error) {
	ss := make([]string, len(statuses))
	for i, s := range statuses {
		ss[i] = string(s)
	}
	row, err := r.s.q.LatestRealnameApplication(ctx, db.LatestRealnameApplicationParams{CustomerID: customerID, Statuses: ss})
	if err != nil {
		return domain.RealNameApplication{}, translate(err, "real-name application")
	}
	return applicationFromDB(row), nil
}

func (r *RealNameStore) SetCustomerRealName(ctx context.Context, customerID uuid.UUID, status domain.RealNameStatus, nameIndex []byte, now time.Time) error {
	n, err := r.s.q.SetCustomerRealname(ctx, db.SetCustomerRealnameParams{ID: customerID, RealnameStatus: string(status), NameIndex: nameIndex, UpdatedAt: now})
	if err != nil {
		return translate(err, "customer")
	}
	if n == 0 {
		return domain.Errorf(domain.CodeNotFound, "customer not found")
	}
	return nil
}

func applicationFromDB(r db.RealnameApplication) domain.RealNameApplication {
	a := domain.RealNameApplication{
		ID: r.ID, CustomerID: r.CustomerID, Kind: domain.RealNameKind(r.Kind), Status: domain.ApplicationStatus(r.Status),
		IDType: domain.RealNameIDType(deref(r.IDType)), CertificateType: domain.CertificateType(deref(r.CertificateType)),
		Sealed: domain.SealedFields{
			Name: r.NameEnc, Number: r.NumberEnc, BankAccount: r.BankAccountEnc, BankMobile: r.BankMobileEnc,
			SMSCode: r.SmsCodeEnc, LegalName: r.LegalNameEnc, LegalNumber: r.LegalNumberEnc,
		},
		RegCountry: deref(r.RegCountry), RegAddress: deref(r.RegAddress), FileIDs: r.FileIds, Opinion: deref(r.Opinion),
		SubmittingSince: r.SubmittingSince, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, DecidedAt: r.DecidedAt,
	}
	if r.ErrorOperation != nil {
		a.Upstream = &domain.UpstreamDetail{Operation: *r.ErrorOperation, Code: deref(r.ErrorCode), Message: deref(r.ErrorMessage), Outcome: domain.OutcomeDefinite}
		if r.ErrorHttpStatus != nil {
			a.Upstream.HTTPStatus = int(*r.ErrorHttpStatus)
		}
	}
	if r.BaselineReview != nil {
		a.Baseline = &domain.CloudRealNameReview{Status: domain.CloudReviewStatus(*r.BaselineReview), Opinion: deref(r.BaselineOpinion)}
	}
	return a
}
