package http_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/partnerlab/storefront/internal/crypto"
	"github.com/partnerlab/storefront/internal/domain"
	"github.com/partnerlab/storefront/internal/files"
	"github.com/partnerlab/storefront/internal/upstream/bsssim"
)

// newDataProtection is the harness's keyring (a fresh random key) and file
// store (the per-test directory the simulator reads).
func newDataProtection(t testing.TB, dir string) (*crypto.Keyring, *files.Dir) {
	t.Helper()
	secret := make([]byte, crypto.KeySize)
	if _, err := rand.Read(secret); err != nil {
		t.Fatal(err)
	}
	keys, err := crypto.New(secret)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := files.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fs.Close() })
	return keys, fs
}

// --- fixtures ---

var fixtureSeq atomic.Int64

// rnCustomer is a signed-up user who is a customer with a Huawei account.
type rnCustomer struct {
	token    string
	id       uuid.UUID
	domainID string
}

// realnameCustomer is a TEST FIXTURE standing in for registration, which is
// built separately: it signs a user up through the API, then writes the
// customer row through the store and creates the Huawei account on the
// simulator directly (h.cloud.CreateSubCustomer), and links the two with an
// UPDATE. withAccount false leaves the customer without a Huawei account,
// as if registration had not finished.
func (h *harness) realnameCustomer(withAccount bool) rnCustomer {
	h.t.Helper()
	ctx := context.Background()
	n := fixtureSeq.Add(1)
	email := fmt.Sprintf("rn%d-%d@example.com", n, time.Now().UnixNano())
	tok := h.signup(email)
	u, err := h.st.Auth().UserByEmail(ctx, domain.NormalizeEmail(email))
	if err != nil {
		h.t.Fatal(err)
	}
	now := time.Now().UTC()
	cu := domain.Customer{ID: uuid.Must(uuid.NewV7()), UserID: u.ID, AccountName: fmt.Sprintf("rnacct%d%d", n, now.UnixNano()%1e9),
		Email: email, Mobile: fmt.Sprintf("139%08d", n), CreatedAt: now, UpdatedAt: now}
	if err := h.st.InTx(ctx, func(tx domain.Tx) error { return tx.Customers().CreateCustomer(ctx, cu, "") }); err != nil {
		h.t.Fatal(err)
	}
	out := rnCustomer{token: tok.AccessToken, id: cu.ID}
	if !withAccount {
		return out
	}
	created, err := h.cloud.CreateSubCustomer(ctx, domain.CloudNewSubCustomer{XAccountID: cu.ID.String(), DomainName: cu.AccountName})
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.pool.Exec(ctx, `UPDATE customers SET huawei_domain_id = $1, huawei_domain_name = $2,
		registration_status = 'created', association = 'confirmed' WHERE id = $3`, created.DomainID, created.DomainName, cu.ID); err != nil {
		h.t.Fatal(err)
	}
	out.domainID = created.DomainID
	return out
}

// File contents by format; each starts with its magic number.
var (
	pngBytes  = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{7}, 200)...)
	jpegBytes = append([]byte("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00"), bytes.Repeat([]byte{9}, 200)...)
	pdfBytes  = []byte("%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n")
)

type fileOut struct {
	ID          string `json:"id"`
	CustomerID  string `json:"customer_id"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	ContentType string `json:"content_type"`
	Purpose     string `json:"purpose"`
}

// uploadRaw posts a multipart form: fields, then `file` (omitted when content is nil).
func (h *harness) uploadRaw(token string, fields map[string]string, filename, partType string, content []byte) response {
	h.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			h.t.Fatal(err)
		}
	}
	if content != nil {
		hdr := make(map[string][]string)
		hdr["Content-Disposition"] = []string{fmt.Sprintf(`form-data; name="file"; filename=%q`, filename)}
		hdr["Content-Type"] = []string{partType}
		w, err := mw.CreatePart(hdr)
		if err != nil {
			h.t.Fatal(err)
		}
		w.Write(content)
	}
	mw.Close()
	return h.do(req{method: "POST", path: "/v1/files", token: token, body: b.Bytes(), contentType: mw.FormDataContentType()})
}

// upload stores a realname file for the caller (customerID "" = itself) and returns its id.
func (h *harness) upload(token, customerID, filename string, content []byte) string {
	h.t.Helper()
	fields := map[string]string{"purpose": "realname"}
	if customerID != "" {
		fields["customer_id"] = customerID
	}
	res := h.uploadRaw(token, fields, filename, "application/octet-stream", content)
	res.wantStatus(h.t, http.StatusCreated)
	var f fileOut
	res.json(h.t, &f)
	return f.ID
}

type application struct {
	ID              string   `json:"id"`
	CustomerID      string   `json:"customer_id"`
	Kind            string   `json:"kind"`
	Status          string   `json:"status"`
	IDType          *string  `json:"id_type"`
	CertificateType *string  `json:"certificate_type"`
	Name            *string  `json:"name"`
	IDNumber        *string  `json:"id_number"`
	BankAccount     *string  `json:"bank_account"`
	CompanyName     *string  `json:"company_name"`
	CreditCode      *string  `json:"credit_code"`
	FileIDs         []string `json:"file_ids"`
	Opinion         *string  `json:"opinion"`
	LegalPerson     *struct {
		Name     string `json:"name"`
		IDNumber string `json:"id_number"`
	} `json:"legal_person"`
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	DecidedAt *string `json:"decided_at"`
}

type realnameOut struct {
	Status     string  `json:"status"`
	Opinion    *string `json:"opinion"`
	Kind       *string `json:"kind"`
	VerifiedAt *string `json:"verified_at"`
}

func (h *harness) apply(token string, customerID uuid.UUID, body map[string]any) response {
	h.t.Helper()
	return h.do(req{method: "POST", path: "/v1/customers/" + customerID.String() + "/realname-applications", token: token, body: body})
}

func (h *harness) applyOK(token string, customerID uuid.UUID, body map[string]any) application {
	h.t.Helper()
	res := h.apply(token, customerID, body)
	res.wantStatus(h.t, http.StatusCreated)
	var a application
	res.json(h.t, &a)
	if a.Status != "pending" || a.Kind != body["kind"] {
		h.t.Fatalf("created %+v", a)
	}
	return a
}

func (h *harness) application(token string, customerID uuid.UUID, id string) application {
	h.t.Helper()
	res := h.do(req{method: "GET", path: "/v1/customers/" + customerID.String() + "/realname-applications/" + id, token: token})
	res.wantStatus(h.t, http.StatusOK)
	var a application
	res.json(h.t, &a)
	return a
}

// waitApplication waits until the jobs bring the application to status.
func (h *harness) waitApplication(token string, customerID uuid.UUID, id, status string) application {
	h.t.Helper()
	var a application
	h.eventually("application "+status, func() bool {
		a = h.application(token, customerID, id)
		return a.Status == status
	})
	return a
}

func (h *harness) realname(token string, customerID uuid.UUID) realnameOut {
	h.t.Helper()
	res := h.do(req{method: "GET", path: "/v1/customers/" + customerID.String() + "/realname", token: token})
	res.wantStatus(h.t, http.StatusOK)
	var r realnameOut
	res.json(h.t, &r)
	return r
}

// simCalls counts the simulator's journal entries for an operation.
func (h *harness) simCalls(operation string) int {
	h.t.Helper()
	var j struct {
		Entries []struct {
			Operation string `json:"operation"`
		} `json:"entries"`
	}
	h.simDo("GET", "/_sim/journal", nil, &j)
	n := 0
	for _, e := range j.Entries {
		if e.Operation == operation {
			n++
		}
	}
	return n
}

// noPlaintext fails when any sealed column, or the audit trail, holds one of
// the secrets in clear.
func (h *harness) noPlaintext(secrets ...string) {
	h.t.Helper()
	rows, err := h.pool.Query(context.Background(), `SELECT coalesce(name_enc, ''), coalesce(number_enc, ''), coalesce(bank_account_enc, ''),
		coalesce(bank_mobile_enc, ''), coalesce(sms_code_enc, ''), coalesce(legal_name_enc, ''), coalesce(legal_number_enc, ''),
		row_to_json(realname_applications)::text FROM realname_applications`)
	if err != nil {
		h.t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
		var cols [7][]byte
		var whole string
		if err := rows.Scan(&cols[0], &cols[1], &cols[2], &cols[3], &cols[4], &cols[5], &cols[6], &whole); err != nil {
			h.t.Fatal(err)
		}
		for _, s := range secrets {
			for i, c := range cols {
				if bytes.Contains(c, []byte(s)) {
					h.t.Errorf("sealed column %d holds %q in clear", i, s)
				}
			}
			if strings.Contains(whole, s) {
				h.t.Errorf("an application row holds %q in clear", s)
			}
		}
	}
	if n == 0 {
		h.t.Fatal("no applications to check")
	}
	var audit string
	if err := h.pool.QueryRow(context.Background(), `SELECT coalesce(string_agg(details::text, ' '), '') FROM audit_events`).Scan(&audit); err != nil {
		h.t.Fatal(err)
	}
	for _, s := range secrets {
		if strings.Contains(audit, s) {
			h.t.Errorf("the audit trail holds %q", s)
		}
	}
}

// --- the flows ---

// An individual applies with a passport, Huawei reviews it for ten minutes
// of its time, the job polls until it is approved; then the individual
// changes to an enterprise.
func TestRealNameIndividualThenChange(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withSim(func(c *bsssim.Config) { c.ReviewDelay = 10 * time.Minute }))
	c := h.realnameCustomer(true)

	pages := []string{h.upload(c.token, "", "front.png", pngBytes), h.upload(c.token, c.id.String(), "back.jpg", jpegBytes), h.upload(c.token, "", "hand.pdf", pdfBytes)}
	const name, number = "张三丰", "E123456789012345"
	a := h.applyOK(c.token, c.id, map[string]any{"kind": "individual", "id_type": "passport", "name": name, "id_number": number, "file_ids": pages})
	if *a.Name != "张*丰" || *a.IDNumber != "E123********2345" || *a.IDType != "passport" || strings.Join(a.FileIDs, ",") != strings.Join(pages, ",") {
		t.Fatalf("created %+v", a)
	}
	h.waitApplication(c.token, c.id, a.ID, "in_review")
	if r := h.realname(c.token, c.id); r.Status != "in_review" || *r.Kind != "individual" || r.VerifiedAt != nil {
		t.Fatalf("realname in review %+v", r)
	}
	// What Huawei got: the storage keys, in order, under the same directory.
	var st struct {
		Customers []struct {
			DomainID string `json:"domain_id"`
			Review   *struct {
				Kind string `json:"kind"`
			} `json:"realname_review"`
		} `json:"customers"`
	}
	h.simDo("GET", "/_sim/state", nil, &st)
	for _, cu := range st.Customers {
		if cu.DomainID == c.domainID && (cu.Review == nil || cu.Review.Kind != "individual") {
			t.Fatalf("simulator review %+v", cu.Review)
		}
	}
	// A second application while one is in review.
	h.apply(c.token, c.id, map[string]any{"kind": "enterprise", "company_name": "Acme Ltd", "credit_code": "91110000MA0000000X", "file_ids": pages[:1]}).
		wantProblem(t, http.StatusConflict, "conflict")

	h.simDo("POST", "/_sim/clock/advance", map[string]string{"duration": "10m"}, nil)
	a = h.waitApplication(c.token, c.id, a.ID, "verified")
	if a.DecidedAt == nil || a.Opinion != nil {
		t.Fatalf("verified %+v", a)
	}
	r := h.realname(c.token, c.id)
	if r.Status != "verified" || *r.Kind != "individual" || r.VerifiedAt == nil || r.Opinion != nil {
		t.Fatalf("realname verified %+v", r)
	}
	// The blind index of the verified name: exact search without decrypting.
	var index []byte
	if err := h.pool.QueryRow(context.Background(), `SELECT realname_name_index FROM customers WHERE id = $1`, c.id).Scan(&index); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(index, domain.RealNameIndex(h.keys, " 张三丰 ")) {
		t.Fatal("realname_name_index is not the blind index of the verified name")
	}
	// Verified: another individual application is refused; a change is the way on.
	h.apply(c.token, c.id, map[string]any{"kind": "individual", "id_type": "passport", "name": name, "id_number": number, "file_ids": pages}).
		wantProblem(t, http.StatusConflict, "conflict")

	licence := h.upload(c.token, "", "licence.pdf", pdfBytes)
	ch := h.applyOK(c.token, c.id, map[string]any{"kind": "change", "company_name": "Example Tech Co., Ltd.", "credit_code": "91110000MA01234567", "file_ids": []string{licence}})
	if *ch.CompanyName != "Ex**********d." || *ch.CreditCode != "9111**********4567" || *ch.CertificateType != "business_license" || ch.Name != nil {
		t.Fatalf("change %+v", ch)
	}
	h.waitApplication(c.token, c.id, ch.ID, "in_review")
	// The individual verification stays in force while the change is reviewed.
	if r := h.realname(c.token, c.id); r.Status != "verified" || *r.Kind != "individual" {
		t.Fatalf("realname during the change %+v", r)
	}
	h.simDo("POST", "/_sim/realname/review", map[string]string{"customer_id": c.domainID, "decision": "approve"}, nil)
	h.waitApplication(c.token, c.id, ch.ID, "verified")
	if r := h.realname(c.token, c.id); r.Status != "verified" || *r.Kind != "change" {
		t.Fatalf("realname after the change %+v", r)
	}
	if err := h.pool.QueryRow(context.Background(), `SELECT realname_name_index FROM customers WHERE id = $1`, c.id).Scan(&index); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(index, domain.RealNameIndex(h.keys, "example tech co., ltd.")) {
		t.Fatal("after the change the index is the company's")
	}

	var page struct {
		Items []application `json:"items"`
	}
	res := h.do(req{method: "GET", path: "/v1/customers/" + c.id.String() + "/realname-applications", token: c.token})
	res.wantStatus(t, http.StatusOK)
	res.json(t, &page)
	if len(page.Items) != 2 || page.Items[0].ID != ch.ID || page.Items[1].ID != a.ID {
		t.Fatalf("list %+v", page.Items)
	}
	for _, secret := range []string{name, number, "Example Tech", "MA01234567"} {
		if bytes.Contains(res.body, []byte(secret)) {
			t.Fatalf("the list shows %q", secret)
		}
	}
	h.noPlaintext(name, number, "Example Tech Co., Ltd.", "91110000MA01234567")
}

// An operator applies for a customer (enterprise with a legal person);
// Huawei's reviewer rejects it with an opinion; the customer may apply again.
func TestRealNameEnterpriseRejected(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.realnameCustomer(true)
	admin := h.admin()
	h.createStaff(admin.AccessToken, "sales@example.com", "operator")
	op := h.login("sales@example.com", "staff-password-1").AccessToken

	// Staff name the customer they upload for.
	h.uploadRaw(op, map[string]string{"purpose": "realname"}, "x.png", "image/png", pngBytes).wantProblem(t, http.StatusBadRequest, "validation_failed")
	ids := []string{h.upload(op, c.id.String(), "licence.pdf", pdfBytes), h.upload(op, c.id.String(), "id-front.jpg", jpegBytes), h.upload(op, c.id.String(), "id-back.png", pngBytes)}
	body := map[string]any{"kind": "enterprise", "company_name": "Storefront Test Co., Ltd.", "credit_code": "91110000MA00000001",
		"certificate_type": "business_license", "legal_person": map[string]string{"name": "赵六", "id_number": "110101199001010033"},
		"reg_country": "CN", "reg_address": "Beijing", "file_ids": ids}
	a := h.applyOK(op, c.id, body)
	if a.LegalPerson == nil || a.LegalPerson.Name != "赵*" || a.LegalPerson.IDNumber != "1101**********0033" {
		t.Fatalf("legal person %+v", a.LegalPerson)
	}
	h.waitApplication(c.token, c.id, a.ID, "in_review")
	h.apply(op, c.id, body).wantProblem(t, http.StatusConflict, "conflict")

	h.simDo("POST", "/_sim/realname/review", map[string]string{"customer_id": c.domainID, "decision": "reject", "opinion": "licence photo is blurry"}, nil)
	a = h.waitApplication(c.token, c.id, a.ID, "rejected")
	if a.Opinion == nil || *a.Opinion != "licence photo is blurry" || a.Error != nil {
		t.Fatalf("rejected %+v", a)
	}
	if r := h.realname(c.token, c.id); r.Status != "rejected" || *r.Opinion != "licence photo is blurry" || *r.Kind != "enterprise" || r.VerifiedAt != nil {
		t.Fatalf("realname %+v", r)
	}
	// Rejected: a new application goes through (the same files may serve again).
	again := h.applyOK(c.token, c.id, body)
	h.waitApplication(c.token, c.id, again.ID, "in_review")
	h.simDo("POST", "/_sim/realname/review", map[string]string{"customer_id": c.domainID, "decision": "approve"}, nil)
	h.waitApplication(op, c.id, again.ID, "verified")
	if r := h.realname(op, c.id); r.Status != "verified" || *r.Kind != "enterprise" || r.Opinion != nil || r.VerifiedAt == nil {
		t.Fatalf("realname %+v", r)
	}
	h.noPlaintext("Storefront Test", "MA00000001", "赵六", "110101199001010033")
}

// The bank-card scheme: an SMS code sent for the card's mobile; a wrong
// code is Huawei's definite refusal, shown on the application; the right
// one verifies at once (no manual review).
func TestRealNameBankCard(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.realnameCustomer(true)
	const mobile = "13912345678"
	res := h.do(req{method: "POST", path: "/v1/customers/" + c.id.String() + "/realname-sms-codes", token: c.token, body: map[string]string{"mobile": mobile}})
	res.wantStatus(t, http.StatusAccepted)
	var sms struct {
		Messages []struct {
			Mobile string `json:"mobile_phone"`
			Code   string `json:"code"`
			Scene  int    `json:"scene"`
		} `json:"messages"`
	}
	h.simDo("GET", "/_sim/sms", nil, &sms)
	code := ""
	for _, m := range sms.Messages {
		if m.Mobile == mobile && m.Scene == 18 {
			code = m.Code
		}
	}
	if code == "" {
		t.Fatalf("no scene-18 code: %+v", sms)
	}
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	face := h.upload(c.token, "", "face.jpg", jpegBytes)
	body := map[string]any{"kind": "individual", "id_type": "bank_card", "name": "王五", "id_number": "110101199001010022",
		"bank_account": "6222020200112233", "mobile": mobile, "sms_code": wrong, "file_ids": []string{face}}
	a := h.applyOK(c.token, c.id, body)
	a = h.waitApplication(c.token, c.id, a.ID, "failed")
	if a.Error == nil || a.Error.Code != "CBC.99000027" || a.Error.Message == "" || *a.BankAccount != "************2233" {
		t.Fatalf("failed %+v", a)
	}
	if r := h.realname(c.token, c.id); r.Status != "unverified" {
		t.Fatalf("a refused submission leaves the customer as it was: %+v", r)
	}
	body["sms_code"] = code
	a = h.applyOK(c.token, c.id, body)
	h.waitApplication(c.token, c.id, a.ID, "verified")
	if r := h.realname(c.token, c.id); r.Status != "verified" || *r.Kind != "individual" {
		t.Fatalf("realname %+v", r)
	}
	var smsLeft int
	if err := h.pool.QueryRow(context.Background(), `SELECT count(*) FROM realname_applications WHERE sms_code_enc IS NOT NULL`).Scan(&smsLeft); err != nil || smsLeft != 0 {
		t.Fatalf("SMS codes kept after use: %d %v", smsLeft, err)
	}
	h.noPlaintext("王五", "110101199001010022", "6222020200112233", mobile)
}

// Huawei takes the submission but the answer is lost (5xx after commit):
// the job reads the review back and follows it instead of sending twice.
func TestRealNameUnknownOutcomeReadsBack(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.realnameCustomer(true)
	h.simDo("POST", "/_sim/faults", map[string]any{"operation": "CreatePersonalRealnameAuth", "kind": "commit_then_5xx", "count": 1}, nil)
	pages := []string{h.upload(c.token, "", "a.png", pngBytes), h.upload(c.token, "", "b.png", pngBytes), h.upload(c.token, "", "c.png", pngBytes)}
	a := h.applyOK(c.token, c.id, map[string]any{"kind": "individual", "id_type": "taiwan_permit", "name": "李四", "id_number": "T12345678", "file_ids": pages})
	h.waitApplication(c.token, c.id, a.ID, "in_review")
	if n := h.simCalls("CreatePersonalRealnameAuth"); n != 1 {
		t.Fatalf("submitted %d times", n)
	}
}

// Uploads: size and type are decided by the bytes; the tenant wall holds
// for files, applications and the real-name status.
func TestRealNameFilesAndWalls(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.realnameCustomer(true)
	other := h.realnameCustomer(true)
	pending := h.realnameCustomer(false)

	// Content decides: a text file named like an image is refused, whatever the part says.
	h.uploadRaw(c.token, map[string]string{"purpose": "realname"}, "x.png", "image/png", []byte("just text, not a picture")).
		wantProblem(t, http.StatusUnsupportedMediaType, "unsupported_media_type")
	// A PNG named .pdf is a PNG.
	res := h.uploadRaw(c.token, map[string]string{"purpose": "realname"}, "scan.pdf", "application/pdf", pngBytes)
	res.wantStatus(t, http.StatusCreated)
	var f fileOut
	res.json(t, &f)
	if f.ContentType != "image/png" || f.Size != int64(len(pngBytes)) || len(f.SHA256) != 64 || f.CustomerID != c.id.String() {
		t.Fatalf("file %+v", f)
	}
	key := filepath.Join(h.filesDir, "realname", c.id.String(), f.ID+".png")
	if b, err := os.ReadFile(key); err != nil || !bytes.Equal(b, pngBytes) {
		t.Fatalf("stored object: %v", err)
	}
	// Too large: one byte over 10 MB, counted by the domain on the bytes it
	// stores (nothing is left behind); well past it, refused by the body
	// limit before anything parses it.
	over := append(append([]byte{}, pngBytes...), bytes.Repeat([]byte{0}, domain.MaxFileSize+1-len(pngBytes))...)
	h.uploadRaw(c.token, map[string]string{"purpose": "realname"}, "big.png", "image/png", over).wantProblem(t, http.StatusRequestEntityTooLarge, "payload_too_large")
	h.uploadRaw(c.token, map[string]string{"purpose": "realname"}, "huge.png", "image/png", make([]byte, domain.MaxFileSize+100<<10)).
		wantProblem(t, http.StatusRequestEntityTooLarge, "payload_too_large")
	// Exactly 10 MB is fine.
	exact := append(append([]byte{}, pdfBytes...), bytes.Repeat([]byte{' '}, domain.MaxFileSize-len(pdfBytes))...)
	h.upload(c.token, "", "exact.pdf", exact)
	if entries, _ := os.ReadDir(filepath.Join(h.filesDir, "realname", c.id.String())); len(entries) != 2 {
		t.Fatalf("stored objects after refusals: %d", len(entries))
	}
	// The JSON limit still holds elsewhere.
	h.do(req{method: "POST", path: "/v1/customers/" + c.id.String() + "/realname-applications", token: c.token, body: strings.Repeat(" ", 2<<20)}).
		wantProblem(t, http.StatusRequestEntityTooLarge, "payload_too_large")
	h.uploadRaw(c.token, map[string]string{"purpose": "avatar"}, "x.png", "image/png", pngBytes).wantProblem(t, http.StatusBadRequest, "validation_failed")
	h.uploadRaw(c.token, map[string]string{"purpose": "realname"}, "", "", nil).wantProblem(t, http.StatusBadRequest, "validation_failed")
	h.uploadRaw(c.token, map[string]string{"purpose": "realname", "colour": "red"}, "x.png", "image/png", pngBytes).wantProblem(t, http.StatusBadRequest, "validation_failed")
	h.do(req{method: "POST", path: "/v1/files", token: c.token, body: `{"purpose":"realname"}`}).wantProblem(t, http.StatusUnsupportedMediaType, "unsupported_media_type")

	// A customer uploads for itself only; another customer's file is not there for it.
	h.uploadRaw(c.token, map[string]string{"purpose": "realname", "customer_id": other.id.String()}, "x.png", "image/png", pngBytes).
		wantProblem(t, http.StatusNotFound, "not_found")
	theirs := h.upload(other.token, "", "theirs.png", pngBytes)
	h.do(req{method: "GET", path: "/v1/files/" + theirs, token: c.token}).wantProblem(t, http.StatusNotFound, "not_found")
	h.do(req{method: "GET", path: "/v1/files/" + uuid.NewString(), token: c.token}).wantProblem(t, http.StatusNotFound, "not_found")
	h.do(req{method: "GET", path: "/v1/files/" + theirs, token: other.token}).wantStatus(t, http.StatusOK)
	h.do(req{method: "GET", path: "/v1/files/" + theirs, token: h.admin().AccessToken}).wantStatus(t, http.StatusOK)

	mine := []string{h.upload(c.token, "", "1.png", pngBytes), h.upload(c.token, "", "2.png", pngBytes), h.upload(c.token, "", "3.png", pngBytes)}
	passport := func(files ...string) map[string]any {
		return map[string]any{"kind": "individual", "id_type": "passport", "name": "张三", "id_number": "E12345678", "file_ids": files}
	}
	// Another customer's file answers like a missing one: a field error naming it.
	p := h.apply(c.token, c.id, passport(theirs, mine[1], mine[2])).wantProblem(t, http.StatusBadRequest, "validation_failed")
	if len(p.Errors) != 1 || p.Errors[0].Field != "file_ids[0]" {
		t.Fatalf("errors %+v", p.Errors)
	}
	p = h.apply(c.token, c.id, passport(uuid.NewString(), mine[1], mine[2])).wantProblem(t, http.StatusBadRequest, "validation_failed")
	if len(p.Errors) != 1 || p.Errors[0].Field != "file_ids[0]" {
		t.Fatalf("errors %+v", p.Errors)
	}
	h.apply(c.token, c.id, passport(mine[0], mine[1], mine[2], mine[0], mine[1])).wantProblem(t, http.StatusBadRequest, "validation_failed")
	p = h.apply(c.token, c.id, passport(mine[0], mine[1], mine[0])).wantProblem(t, http.StatusBadRequest, "validation_failed")
	if len(p.Errors) != 1 || p.Errors[0].Field != "file_ids[2]" || p.Errors[0].Code != "duplicate" {
		t.Fatalf("errors %+v", p.Errors)
	}
	p = h.apply(c.token, c.id, passport(mine[0], mine[1])).wantProblem(t, http.StatusBadRequest, "validation_failed")
	if p.Errors[0].Field != "file_ids" {
		t.Fatalf("errors %+v", p.Errors)
	}
	// Not a Huawei customer yet.
	pf := h.upload(pending.token, "", "p.png", pngBytes)
	h.apply(pending.token, pending.id, passport(pf, pf, pf)).wantProblem(t, http.StatusBadRequest, "validation_failed")
	pf2, pf3 := h.upload(pending.token, "", "p2.png", pngBytes), h.upload(pending.token, "", "p3.png", pngBytes)
	h.apply(pending.token, pending.id, passport(pf, pf2, pf3)).wantProblem(t, http.StatusConflict, "conflict")
	// A change needs a verified individual.
	h.apply(c.token, c.id, map[string]any{"kind": "change", "company_name": "Acme Ltd", "credit_code": "9111", "file_ids": mine[:1]}).
		wantProblem(t, http.StatusConflict, "conflict")

	// Another customer's application, status and list: not found, as if absent.
	a := h.applyOK(c.token, c.id, passport(mine...))
	for _, path := range []string{
		"/v1/customers/" + c.id.String() + "/realname-applications/" + a.ID,
		"/v1/customers/" + c.id.String() + "/realname-applications",
		"/v1/customers/" + c.id.String() + "/realname",
	} {
		h.do(req{method: "GET", path: path, token: other.token}).wantProblem(t, http.StatusNotFound, "not_found")
	}
	// Its own application under another customer's path: not found either.
	h.do(req{method: "GET", path: "/v1/customers/" + other.id.String() + "/realname-applications/" + a.ID, token: h.admin().AccessToken}).
		wantProblem(t, http.StatusNotFound, "not_found")
	h.apply(other.token, c.id, passport(mine...)).wantProblem(t, http.StatusNotFound, "not_found")
	h.do(req{method: "POST", path: "/v1/customers/" + c.id.String() + "/realname-sms-codes", token: other.token, body: map[string]string{"mobile": "13912345678"}}).
		wantProblem(t, http.StatusNotFound, "not_found")
	// Staff read; finance may not apply.
	h.createStaff(h.admin().AccessToken, "money@example.com", "finance")
	fin := h.login("money@example.com", "staff-password-1").AccessToken
	if got := h.application(fin, c.id, a.ID); got.ID != a.ID || *got.Name != "张*" {
		t.Fatalf("finance reads %+v", got)
	}
	h.apply(fin, c.id, passport(mine...)).wantProblem(t, http.StatusForbidden, "forbidden")
}
