package domain_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/partnerlab/storefront/internal/domain"
)

func TestParseEmail(t *testing.T) {
	t.Parallel()
	ok := map[string]string{
		"kate@example.com":                       "kate@example.com",
		"  Kate@Example.COM ":                    "kate@example.com",
		"first.last+tag@sub.example.co.uk":       "first.last+tag@sub.example.co.uk",
		"o'brien!#$%&*/=?^_`{|}~-@example.com":   "o'brien!#$%&*/=?^_`{|}~-@example.com",
		"user@bücher.example":                    "user@xn--bcher-kva.example",
		"user@bu\u0308cher.example":              "user@xn--bcher-kva.example", // NFD input, NFC first
		"user@xn--bcher-kva.example":             "user@xn--bcher-kva.example",
		"user@XN--BCHER-KVA.example":             "user@xn--bcher-kva.example",
		"user@例え.jp":                             "user@xn--r8jz45g.jp",
		"user@пример.рф":                         "user@xn--e1afmkfd.xn--p1ai",
		"a@b.co":                                 "a@b.co",
		strings.Repeat("a", 64) + "@example.com": strings.Repeat("a", 64) + "@example.com",
	}
	for in, want := range ok {
		got, err := domain.ParseEmail(in)
		if err != nil || got != want {
			t.Errorf("ParseEmail(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	bad := []string{
		"",
		"kate",
		"kate@",
		"@example.com",
		"kate@@example.com",
		"ka@te@example.com",
		"\u212aate@example.com",     // KELVIN SIGN: lower-cases to "k"
		"k\u0430te@example.com",     // Cyrillic а in the local part
		"ka\u200bte@example.com",    // zero-width space
		"kate\u202e@example.com",    // right-to-left override
		"kate@exa\u200bmple.com",    // zero-width space in the domain (IDNA would map it away)
		"kate@\u212aelvin.example",  // KELVIN SIGN in the domain (IDNA would map it to k)
		"kate@ｅｘａｍｐｌｅ.com",          // full-width letters (mapped)
		"kate@B\u00dcCHER.example",  // upper-case non-ASCII (mapped)
		"kate@exam\u202eple.com",    // bidi override in the domain
		"kate@example\u3002com",     // ideographic full stop (mapped to ".")
		"kate@xn--zz.example",       // broken punycode
		"kate@ex_ample.com",         // not LDH
		"kate@-example.com",         // leading hyphen
		"kate@example..com",         // empty label
		"kate@.example.com",         // empty label
		"kate@example.com.",         // root label
		"kate@localhost",            // one label
		"kate@[127.0.0.1]",          // IP literal
		"kate@127.0.0.1",            // numeric top-level label
		"\"kate\"@example.com",      // quoted string
		"Kate <kate@example.com>",   // display name
		"kate(comment)@example.com", // comment
		".kate@example.com",         // leading dot
		"kate.@example.com",         // trailing dot
		"ka..te@example.com",        // two dots
		"ka te@example.com",         // space
		"kate\x00@example.com",      // NUL
		"jos\u00e9@example.com",     // non-ASCII local part
		strings.Repeat("a", 65) + "@example.com",
		"a@" + strings.Repeat("b", 64) + ".com", // label over 63
		strings.Repeat("a", 64) + "@" + strings.Repeat("b", 60) + "." + strings.Repeat("c", 60) + "." + strings.Repeat("d", 60) + ".example", // 255
		"a@" + strings.Repeat(strings.Repeat("b", 60)+".", 5) + "com",                                                                        // domain over 253
	}
	for _, in := range bad {
		got, err := domain.ParseEmail(in)
		var de *domain.Error
		if !errors.As(err, &de) || de.Code != domain.CodeValidation || len(de.Fields) != 1 || de.Fields[0].Field != "email" || de.Fields[0].Message == "" {
			t.Errorf("ParseEmail(%q) = %q, %#v; want a validation error naming email", in, got, err)
		}
	}
}

// The canonical form is a fixed point, so parsing stored addresses again
// (e.g. at login) finds the same key.
func FuzzParseEmail(f *testing.F) {
	for _, s := range []string{"kate@example.com", "user@bücher.example", "\u212aate@example.com", "a@b.c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := domain.ParseEmail(s)
		if err != nil {
			return
		}
		again, err := domain.ParseEmail(got)
		if err != nil || again != got {
			t.Fatalf("ParseEmail(%q) = %q, but ParseEmail(%q) = %q, %v", s, got, got, again, err)
		}
		for _, r := range got {
			if r >= 0x80 || r <= 0x20 {
				t.Fatalf("ParseEmail(%q) = %q: not printable ASCII", s, got)
			}
		}
	})
}

// TestEmailRuleInUseCases: every use case that takes an email applies
// ParseEmail, so a lookalike can neither create an account nor reach one.
func TestEmailRuleInUseCases(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	const kelvin = "\u212aate@example.com" // "Kate@…" with K KELVIN SIGN
	isEmailError := func(err error) bool {
		var de *domain.Error
		return errors.As(err, &de) && de.Code == domain.CodeValidation && len(de.Fields) == 1 && de.Fields[0].Field == "email"
	}

	if _, err := f.svc.EnsureAdmin(ctx, kelvin, "first-password"); !isEmailError(err) {
		t.Fatalf("EnsureAdmin with a lookalike: %v", err)
	}
	if created, err := f.svc.EnsureAdmin(ctx, " Root@Example.COM ", "first-password"); err != nil || !created {
		t.Fatalf("EnsureAdmin: %v, %v", created, err)
	}
	if _, err := f.svc.Signup(ctx, domain.SignupInput{Email: "kate@example.com", Password: "right-password"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Signup(ctx, domain.SignupInput{Email: kelvin, Password: "right-password"}); !isEmailError(err) {
		t.Fatalf("Signup with a lookalike: %v", err)
	}
	if _, err := f.svc.Login(ctx, kelvin, "right-password"); !isEmailError(err) {
		t.Fatalf("Login with a lookalike: %v", err)
	}
	if _, err := f.svc.Login(ctx, "KATE@example.com", "right-password"); err != nil {
		t.Fatalf("Login in another ASCII case: %v", err)
	}
	if _, err := f.svc.Login(ctx, "root@example.com", "first-password"); err != nil {
		t.Fatalf("bootstrap admin stored in canonical form: %v", err)
	}
	admin := domain.Principal{Kind: domain.PrincipalUser, ID: uuid.Must(uuid.NewV7()), Roles: []domain.Role{domain.RoleAdmin}}
	if _, err := f.svc.CreateStaff(ctx, admin, domain.CreateStaffInput{Email: "op\u200b@example.com", Password: "staff-password", Roles: []domain.Role{domain.RoleOperator}}); !isEmailError(err) {
		t.Fatalf("CreateStaff with a zero-width space: %v", err)
	}
	u, err := f.svc.CreateStaff(ctx, admin, domain.CreateStaffInput{Email: "Op@Bücher.example", Password: "staff-password", Roles: []domain.Role{domain.RoleOperator}})
	if err != nil || u.Email != "op@xn--bcher-kva.example" {
		t.Fatalf("CreateStaff with an IDN: %q, %v", u.Email, err)
	}
}
