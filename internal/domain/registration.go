package domain

import (
	"regexp"
	"strings"
)

// Huawei's format rules for registration (docs/huawei-bss.md §1.1, §1.3),
// checked before anything is sent, so a bad value costs no upstream call.
var (
	// An account name: 5–32 letters, digits, '_' and '-', starting with a
	// letter or '-' (CheckUserIdentity's rule; CreateSubCustomer's is
	// looser, so a name that passes here passes there). The first character
	// also rules out an all-digit name.
	reAccountName = regexp.MustCompile(`^[a-zA-Z-][a-zA-Z0-9_-]{4,31}$`)
	// A mainland China mobile number, 11 digits, no country code.
	reMobile  = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
	reSMSCode = regexp.MustCompile(`^[0-9]{6}$`)
)

// huaweiCheckMax is the longest value CheckUserIdentity takes.
const huaweiCheckMax = 64

// mobileCountryPrefix is how CheckUserIdentity wants a mainland mobile.
const mobileCountryPrefix = "0086-"

// accountNameProblem says what is wrong with a Huawei account name, or "".
func accountNameProblem(name string) string {
	if !reAccountName.MatchString(name) {
		return "5–32 letters, digits, '_' or '-', starting with a letter or '-'"
	}
	l := strings.ToLower(name)
	if strings.HasPrefix(l, "op_") || strings.HasPrefix(l, "shadow_") {
		return "must not start with op_ or shadow_"
	}
	return ""
}

// mobileProblem says what is wrong with a mainland mobile number, or "".
func mobileProblem(m string) string {
	if !reMobile.MatchString(m) {
		return "a mainland China mobile number: 11 digits starting with 13–19, no country code"
	}
	return ""
}

// emailProblem says what is wrong with an email address, or "": the
// project's one email rule (ParseEmail: ASCII local part, IDNA-checked
// domain), within Huawei's length limit.
func emailProblem(e string, maxLen int) string {
	if len(e) > maxLen {
		return "too long"
	}
	if _, err := ParseEmail(e); err != nil {
		return errorMessage(err)
	}
	return ""
}

// smsCodeProblem says what is wrong with an SMS verification code, or "".
func smsCodeProblem(code string) string {
	if !reSMSCode.MatchString(code) {
		return "6 digits"
	}
	return ""
}

// MaskMobile shows a mobile as 138****5678: enough to recognise it, not
// enough to call it. Anything too short to mask is hidden whole.
func MaskMobile(m string) string {
	if len(m) < 8 {
		return strings.Repeat("*", len(m))
	}
	return m[:3] + "****" + m[len(m)-4:]
}

// fieldErrors collects field problems into one validation error (nil when
// there are none).
type fieldErrors []FieldError

func (fe *fieldErrors) check(field, code, problem string) {
	if problem != "" {
		*fe = append(*fe, FieldError{Field: field, Code: code, Message: problem})
	}
}

func (fe fieldErrors) err() error {
	if len(fe) == 0 {
		return nil
	}
	return &Error{Code: CodeValidation, Message: "the request has invalid fields", Fields: fe}
}
