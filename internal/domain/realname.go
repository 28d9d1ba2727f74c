package domain

import (
	"bytes"
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// --- attachment files ---

// FilePurpose is what an uploaded file is for.
type FilePurpose string

const FilePurposeRealName FilePurpose = "realname"

// MaxFileSize is Huawei's limit for a real-name attachment (docs/huawei-bss.md §2).
const MaxFileSize = 10 << 20

// MaxAttachments is the most files one application may carry (docs/huawei-bss.md §2).
const MaxAttachments = 4

// File is an uploaded attachment's metadata; the bytes live in Files under
// StorageKey, which is also the path Huawei is given.
type File struct {
	ID          uuid.UUID
	CustomerID  uuid.UUID
	Purpose     FilePurpose
	StorageKey  string
	ContentType string // decided from the content, never from the name
	Size        int64
	SHA256      []byte
	UploadedBy  uuid.UUID
	CreatedAt   time.Time
}

// contentKinds are the formats Huawei accepts, by magic number. The checks
// agree with net/http's content sniffing for these types (a test holds them
// to it) and are stricter for BMP, whose two-byte signature alone would
// accept any text starting with "BM".
var contentKinds = []struct {
	contentType, ext string
	match            func(head []byte) bool
}{
	{"image/jpeg", "jpg", func(b []byte) bool { return bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}) }},
	{"image/png", "png", func(b []byte) bool { return bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) }},
	{"image/gif", "gif", func(b []byte) bool {
		return bytes.HasPrefix(b, []byte("GIF87a")) || bytes.HasPrefix(b, []byte("GIF89a"))
	}},
	{"image/bmp", "bmp", isBMP},
	{"application/pdf", "pdf", func(b []byte) bool { return bytes.HasPrefix(b, []byte("%PDF-")) }},
}

// isBMP checks the file header: "BM", reserved words zero, and a DIB header
// size one of the published versions (core, V1 … V5, OS/2 2.x).
func isBMP(b []byte) bool {
	if len(b) < 18 || b[0] != 'B' || b[1] != 'M' {
		return false
	}
	if b[6] != 0 || b[7] != 0 || b[8] != 0 || b[9] != 0 {
		return false
	}
	switch uint32(b[14]) | uint32(b[15])<<8 | uint32(b[16])<<16 | uint32(b[17])<<24 {
	case 12, 16, 40, 52, 56, 64, 108, 124:
		return true
	}
	return false
}

// SniffLen is how many leading bytes SniffContentType needs.
const SniffLen = 512

// SniffContentType names the accepted format of a file from its first bytes,
// and the extension its storage key gets. ok is false for anything else.
func SniffContentType(head []byte) (contentType, ext string, ok bool) {
	for _, k := range contentKinds {
		if k.match(head) {
			return k.contentType, k.ext, true
		}
	}
	return "", "", false
}

// --- applications ---

// RealNameKind is what an application verifies.
type RealNameKind string

const (
	RealNameIndividual RealNameKind = "individual"
	RealNameEnterprise RealNameKind = "enterprise"
	RealNameChange     RealNameKind = "change" // a verified individual becomes an enterprise
)

// RealNameIDType is an individual's scheme: a certificate (with Huawei's
// verified_type) or a bank card.
type RealNameIDType string

const (
	IDPassport         RealNameIDType = "passport"
	IDHKMacauPermit    RealNameIDType = "hk_macau_permit"
	IDTaiwanPermit     RealNameIDType = "taiwan_permit"
	IDHKMacauResidence RealNameIDType = "hk_macau_residence"
	IDTaiwanResidence  RealNameIDType = "taiwan_residence"
	IDBankCard         RealNameIDType = "bank_card"
)

// certificatePageCount: a certificate needs the identity page, the back or
// entry-stamp page and a hand-held photo, in that order (docs/huawei-bss.md §2.1).
const certificatePageCount = 3

// verifiedType is Huawei's verified_type per certificate (docs/huawei-bss.md §2.1).
var verifiedType = map[RealNameIDType]int{
	IDPassport: 3, IDHKMacauPermit: 5, IDTaiwanPermit: 6, IDHKMacauResidence: 9, IDTaiwanResidence: 10,
}

// CertificateType is an enterprise's organisation certificate.
type CertificateType string

const (
	CertBusinessLicense    CertificateType = "business_license"
	CertPublicInstitution  CertificateType = "public_institution"
	CertSocialOrganization CertificateType = "social_organization"
	CertLawEnforcement     CertificateType = "law_enforcement"
	CertOrganizationCode   CertificateType = "organization_code"
	CertOther              CertificateType = "other"
)

// certificateCode is Huawei's certificate_type (docs/huawei-bss.md §2.2).
var certificateCode = map[CertificateType]int{
	CertBusinessLicense: 0, CertPublicInstitution: 1, CertSocialOrganization: 2, CertLawEnforcement: 3,
	CertOrganizationCode: 4, CertOther: 99,
}

// ApplicationStatus is where an application stands.
type ApplicationStatus string

const (
	ApplicationPending  ApplicationStatus = "pending"   // recorded; Huawei has not accepted it yet
	ApplicationInReview ApplicationStatus = "in_review" // Huawei accepted it and reviews by hand
	ApplicationVerified ApplicationStatus = "verified"
	ApplicationRejected ApplicationStatus = "rejected" // Huawei's reviewer said no (Opinion)
	ApplicationFailed   ApplicationStatus = "failed"   // Huawei refused the submission (Upstream)
)

// Open reports whether the application still awaits an outcome.
func (s ApplicationStatus) Open() bool { return s == ApplicationPending || s == ApplicationInReview }

// RealNameApplication is one application as stored: every name, number and
// code is sealed (Cipher) with associated data naming the application and
// the field, so only RealNameService reads them.
type RealNameApplication struct {
	ID              uuid.UUID
	CustomerID      uuid.UUID
	Kind            RealNameKind
	Status          ApplicationStatus
	IDType          RealNameIDType  // individual only
	CertificateType CertificateType // enterprise and change only
	Sealed          SealedFields
	RegCountry      string
	RegAddress      string
	FileIDs         []uuid.UUID
	Opinion         string          // Huawei's reason, when rejected
	Upstream        *UpstreamDetail // what Huawei answered, when failed
	// Baseline is Huawei's review state read just before the first
	// submission; SubmittingSince is set (in its own transaction) before every
	// send. Together they decide, after an unknown outcome, whether Huawei
	// has the submission (docs/design.md §2.3).
	Baseline        *CloudRealNameReview
	SubmittingSince *time.Time
	CreatedBy       uuid.UUID
	CreatedAt       time.Time
	UpdatedAt       time.Time
	DecidedAt       *time.Time
}

// SealedFields are the sensitive values of an application, sealed. A nil
// field was not given.
type SealedFields struct {
	Name        []byte // the person's name, or the company name
	Number      []byte // certificate number, or the credit code
	BankAccount []byte
	BankMobile  []byte
	SMSCode     []byte // cleared once Huawei has answered the submission
	LegalName   []byte
	LegalNumber []byte
}

// RealNameStore keeps attachment metadata, applications and the customer's
// real-name state. Changes happen inside a transaction.
type RealNameStore interface {
	// CreateFile errors: ErrAlreadyExists (id or key taken).
	CreateFile(ctx context.Context, f File) error
	// FileByID errors: ErrNotFound.
	FileByID(ctx context.Context, id uuid.UUID) (File, error)
	// FilesByID returns those of ids that exist, in any order.
	FilesByID(ctx context.Context, ids []uuid.UUID) ([]File, error)

	// CreateApplication errors: ErrConflict when the customer already has a
	// pending or in-review application.
	CreateApplication(ctx context.Context, a RealNameApplication) error
	// ApplicationByID errors: ErrNotFound.
	ApplicationByID(ctx context.Context, id uuid.UUID) (RealNameApplication, error)
	// ApplicationForUpdate locks the row. Errors: ErrNotFound.
	ApplicationForUpdate(ctx context.Context, id uuid.UUID) (RealNameApplication, error)
	// UpdateApplication writes Status, Sealed.SMSCode, Opinion, Upstream,
	// Baseline, SubmittingSince, UpdatedAt and DecidedAt. Errors: ErrNotFound.
	UpdateApplication(ctx context.Context, a RealNameApplication) error
	// ListApplications returns a customer's applications newest first,
	// starting after the id `after` (uuid.Nil: from the newest).
	ListApplications(ctx context.Context, customerID, after uuid.UUID, limit int) ([]RealNameApplication, error)
	// LatestApplication is the customer's newest application with one of
	// statuses (any status when none are given). Errors: ErrNotFound.
	LatestApplication(ctx context.Context, customerID uuid.UUID, statuses ...ApplicationStatus) (RealNameApplication, error)

	// SetCustomerRealName sets the customer's real-name status; nameIndex,
	// when not nil, replaces the blind index of the verified name.
	// Errors: ErrNotFound.
	SetCustomerRealName(ctx context.Context, customerID uuid.UUID, status RealNameStatus, nameIndex []byte, now time.Time) error
}

// NormalizeRealName is the form a real-name name is indexed and searched
// by: trimmed, inner white space collapsed to one space, lower case (names
// in Latin script are compared without case).
func NormalizeRealName(name string) string {
	return strings.ToLower(strings.Join(strings.Fields(name), " "))
}

// RealNameIndex is the blind index of a verified real-name name: the value
// customers.realname_name_index holds, and what an exact-name search looks
// for.
func RealNameIndex(idx BlindIndexer, name string) []byte {
	return idx.BlindIndex([]byte("realname-name:" + NormalizeRealName(name)))
}

// --- masking ---

// MaskName keeps the first character and, from three characters on, the
// last: 张* , 张*丰, Z*******n. At most ten stars, so a mask does not tell
// a long name's length.
func MaskName(s string) string { return mask(s, 1, 1, 10) }

// MaskCompany keeps two characters at each end.
func MaskCompany(s string) string { return mask(s, 2, 2, 10) }

// MaskNumber keeps the first and last four characters of long numbers
// (1234**********5678), two of medium ones, one of short ones.
func MaskNumber(s string) string {
	n := utf8.RuneCountInString(s)
	switch {
	case n >= 12:
		return mask(s, 4, 4, 24)
	case n >= 8:
		return mask(s, 2, 2, 24)
	default:
		return mask(s, 1, 1, 24)
	}
}

// MaskTail keeps only the last four characters (bank accounts, mobiles).
func MaskTail(s string) string { return mask(s, 0, 4, 16) }

// mask keeps head and tail runes and stars the middle; a value too short
// to keep anything and still hide something is starred whole, except that a
// two-rune name keeps its first (张*).
func mask(s string, head, tail, maxStars int) string {
	r := []rune(s)
	n := len(r)
	if n == 0 {
		return ""
	}
	if head+tail >= n {
		switch {
		case n >= 2 && head > 0:
			head, tail = 1, 0
		default:
			return strings.Repeat("*", min(n, maxStars))
		}
		if head+tail >= n {
			return strings.Repeat("*", min(n, maxStars))
		}
	}
	stars := min(n-head-tail, maxStars)
	return string(r[:head]) + strings.Repeat("*", stars) + string(r[n-tail:])
}
