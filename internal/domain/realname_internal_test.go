package domain

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// Samples of each accepted format and of near misses.
var sniffSamples = map[string][]byte{
	"jpeg":        []byte("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00"),
	"png":         []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
	"gif87":       []byte("GIF87a\x01\x00\x01\x00"),
	"gif89":       []byte("GIF89a\x01\x00\x01\x00"),
	"bmp":         append([]byte("BM\x46\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00\x00\x00"), make([]byte, 40)...),
	"pdf":         []byte("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n"),
	"text":        []byte("just some text named x.png"),
	"bm text":     []byte("BM is how this text starts, and it is long enough"),
	"html":        []byte("<html><body>hi</body></html>"),
	"zip":         []byte("PK\x03\x04\x14\x00"),
	"webp":        []byte("RIFF\x00\x00\x00\x00WEBPVP8 "),
	"leading pdf": []byte(" %PDF-1.7"),
}

// SniffContentType agrees with net/http's sniffing on every accepted
// format, and is stricter on BMP (a text starting "BM" is not an image).
func TestSniffAgreesWithNetHTTP(t *testing.T) {
	t.Parallel()
	for name, b := range sniffSamples {
		got, _, ok := SniffContentType(b)
		std := http.DetectContentType(b)
		switch {
		case ok && got != std:
			t.Errorf("%s: sniffed %s, net/http says %s", name, got, std)
		case !ok && name != "bm text" && strings.HasPrefix(std, "image/") && std != "image/webp":
			t.Errorf("%s: refused, net/http says %s", name, std)
		}
	}
	for _, name := range []string{"text", "bm text", "html", "zip", "webp", "leading pdf"} {
		if ct, _, ok := SniffContentType(sniffSamples[name]); ok {
			t.Errorf("%s accepted as %s", name, ct)
		}
	}
	for name, ext := range map[string]string{"jpeg": "jpg", "png": "png", "gif89": "gif", "bmp": "bmp", "pdf": "pdf"} {
		if _, got, _ := SniffContentType(sniffSamples[name]); got != ext {
			t.Errorf("%s: extension %q, want %q", name, got, ext)
		}
	}
}

func TestMasks(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ got, want string }{
		{MaskName("张三"), "张*"},
		{MaskName("张三丰"), "张*丰"},
		{MaskName("张"), "*"},
		{MaskName("Zhang San"), "Z*******n"},
		{MaskName(strings.Repeat("a", 200)), "a**********a"},
		{MaskName(""), ""},
		{MaskNumber("110101199001011234"), "1101**********1234"},
		{MaskNumber("E12345678"), "E1*****78"},
		{MaskNumber("12345"), "1***5"},
		{MaskNumber("12"), "1*"},
		{MaskTail("6222020200112233"), "************2233"},
		{MaskTail("1234"), "****"},
		{MaskCompany("Example Tech Co., Ltd."), "Ex**********d."},
	} {
		if c.got != c.want {
			t.Errorf("mask %q, want %q", c.got, c.want)
		}
	}
}

func TestNormalizeRealName(t *testing.T) {
	t.Parallel()
	if NormalizeRealName("  Zhang \t San ") != "zhang san" || NormalizeRealName("张三") != "张三" {
		t.Fatal(NormalizeRealName("  Zhang \t San "))
	}
}

func TestPollDelay(t *testing.T) {
	t.Parallel()
	s := NewRealNameService(RealNameDeps{PollInterval: 5 * time.Second, PollMaxInterval: time.Minute})
	var got []time.Duration
	for r := 1; r <= 6; r++ {
		got = append(got, s.pollDelay(r))
	}
	want := []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 40 * time.Second, time.Minute, time.Minute}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("delays %v, want %v", got, want)
		}
	}
	if d := NewRealNameService(RealNameDeps{}).pollDelay(1); d != DefaultPollInterval {
		t.Fatalf("default %v", d)
	}
}

// landed decides, after an unknown outcome, whether Huawei has the
// submission: never resend one that arrived.
func TestLanded(t *testing.T) {
	t.Parallel()
	none := &CloudRealNameReview{Status: CloudReviewNeverSubmitted}
	rejected := &CloudRealNameReview{Status: CloudReviewRejected, Opinion: "blurry"}
	approved := &CloudRealNameReview{Status: CloudReviewApproved}
	for _, c := range []struct {
		name     string
		baseline *CloudRealNameReview
		now      CloudRealNameReview
		want     bool
	}{
		{"first submission never arrived", none, CloudReviewNeverSubmitted.review(""), false},
		{"first submission under review", none, CloudReviewPending.review(""), true},
		{"first submission approved at once", none, CloudReviewApproved.review(""), true},
		{"resubmission after a rejection: old rejection still shows", rejected, CloudReviewRejected.review("blurry"), false},
		{"resubmission rejected anew", rejected, CloudReviewRejected.review("name mismatch"), true},
		{"resubmission under review", rejected, CloudReviewPending.review(""), true},
		{"change: old approval still shows", approved, CloudReviewApproved.review(""), false},
		{"change under review", approved, CloudReviewPending.review(""), true},
		{"change rejected", approved, CloudReviewRejected.review("x"), true},
	} {
		if got := landed(c.baseline, c.now); got != c.want {
			t.Errorf("%s: landed = %v", c.name, got)
		}
	}
}

func (s CloudReviewStatus) review(opinion string) CloudRealNameReview {
	return CloudRealNameReview{Status: s, Opinion: opinion}
}

func TestApplicationInputValidate(t *testing.T) {
	t.Parallel()
	ids := func(n int) []uuid.UUID {
		out := make([]uuid.UUID, n)
		for i := range out {
			out[i] = uuid.New()
		}
		return out
	}
	fields := func(in ApplicationInput) string {
		var fs []string
		for _, f := range in.validate() {
			fs = append(fs, f.Field)
		}
		return strings.Join(fs, ",")
	}
	dup := ids(3)
	dup[2] = dup[0]
	for _, c := range []struct {
		name string
		in   ApplicationInput
		want string
	}{
		{"passport", ApplicationInput{Kind: RealNameIndividual, IDType: IDPassport, Name: "张三", IDNumber: "E1", FileIDs: ids(3)}, ""},
		{"passport, two pages", ApplicationInput{Kind: RealNameIndividual, IDType: IDPassport, Name: "张三", IDNumber: "E1", FileIDs: ids(2)}, "file_ids"},
		{"duplicate file", ApplicationInput{Kind: RealNameIndividual, IDType: IDPassport, Name: "张三", IDNumber: "E1", FileIDs: dup}, "file_ids[2]"},
		{"five files", ApplicationInput{Kind: RealNameEnterprise, CompanyName: "Acme Ltd", CreditCode: "9111", FileIDs: ids(5)}, "file_ids"},
		{"bank card", ApplicationInput{Kind: RealNameIndividual, IDType: IDBankCard, Name: "张三", IDNumber: "1101", BankAccount: "6222-01", Mobile: "13900000001", SMSCode: "123456", FileIDs: ids(1)}, ""},
		{"bank card without code", ApplicationInput{Kind: RealNameIndividual, IDType: IDBankCard, Name: "张三", IDNumber: "1101", BankAccount: "6222-01", Mobile: "13900000001", FileIDs: ids(1)}, "sms_code"},
		{"certificate with bank fields", ApplicationInput{Kind: RealNameIndividual, IDType: IDTaiwanPermit, Name: "张三", IDNumber: "1", SMSCode: "123456", FileIDs: ids(3)}, "sms_code"},
		{"individual with company", ApplicationInput{Kind: RealNameIndividual, IDType: IDPassport, Name: "张三", IDNumber: "E1", CompanyName: "Acme", FileIDs: ids(3)}, "company_name"},
		{"no id type", ApplicationInput{Kind: RealNameIndividual, Name: "张三", IDNumber: "E1", FileIDs: ids(1)}, "id_type"},
		{"enterprise", ApplicationInput{Kind: RealNameEnterprise, CompanyName: "Acme Ltd", CreditCode: "9111", FileIDs: ids(1)}, ""},
		{"enterprise name of symbols", ApplicationInput{Kind: RealNameEnterprise, CompanyName: "123 !!", CreditCode: "9111", FileIDs: ids(1)}, "company_name"},
		{"legal person needs three files", ApplicationInput{Kind: RealNameChange, CompanyName: "Acme Ltd", CreditCode: "9111", LegalPerson: &LegalPerson{Name: "李四", IDNumber: "1"}, FileIDs: ids(1)}, "file_ids"},
		{"enterprise with a person's fields", ApplicationInput{Kind: RealNameEnterprise, CompanyName: "Acme Ltd", CreditCode: "9111", Name: "x", IDType: IDPassport, FileIDs: ids(1)}, "id_type,name"},
		{"bad kind", ApplicationInput{Kind: "robot", FileIDs: ids(1)}, "kind"},
		{"no files", ApplicationInput{Kind: RealNameEnterprise, CompanyName: "Acme Ltd", CreditCode: "9111"}, "file_ids"},
	} {
		if got := fields(c.in); got != c.want {
			t.Errorf("%s: fields %q, want %q", c.name, got, c.want)
		}
	}
}
