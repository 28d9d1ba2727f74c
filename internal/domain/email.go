package domain

import (
	"fmt"
	"strings"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"
)

// MaxEmailLength is the longest address accepted, in octets of its ASCII
// form (RFC 5321 §4.5.3.1.3: a 256-octet path less the angle brackets).
const MaxEmailLength = 254

// emailDomains validates a domain as RFC 5891 §4 registration does (the
// IDNA2008 rules as UTS #46 tables carry them, no mapping) and converts it to
// its ASCII (A-label, punycode) form.
var emailDomains = idna.Registration

// ParseEmail is the one rule for email addresses: signup, login, staff
// accounts and the bootstrap admin all go through it. It returns the
// canonical address, which is both what is stored and shown and the key
// accounts are unique by, or a validation *Error naming the field "email".
//
// The rule, chosen so that two addresses that look alike are either the same
// account or one of them is refused, never two accounts or one account
// reachable by a lookalike (a Cyrillic "а", a zero-width space, U+202E, or
// the KELVIN SIGN U+212A, which Unicode lower-casing turns into "k"):
//
//   - Surrounding white space is trimmed; the address is local@domain with
//     exactly one "@", no display name, comment or quoted string.
//   - The local part is ASCII only: a dot-atom of RFC 5322 §3.2.3 atext
//     (letters, digits and !#$%&'*+-/=?^_`{|}~; dots neither first, last nor
//     doubled), at most 64 octets, lower-cased. Internationalized local parts
//     (RFC 6531) are refused: that is where lookalikes live, and mail systems
//     disagree on how to compare them.
//   - The domain is ASCII-lower-cased and NFC-normalized (golang.org/x/text),
//     then must be a valid IDNA2008 domain name for registration
//     (golang.org/x/net/idna, Registration profile: no character that needs
//     mapping, i.e. no zero-width or compatibility characters, no KELVIN
//     SIGN, no upper-case non-ASCII letters; the Bidi and ContextJ rules;
//     LDH labels of at most 63 octets), with at least two labels and a
//     top-level label that is not all digits; no IP literal. It is stored in
//     its ASCII form ("bücher.example" becomes "xn--bcher-kva.example"), so
//     a homograph of another domain shows as what it is.
//   - The whole ASCII address is at most MaxEmailLength octets.
func ParseEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	at := strings.IndexByte(s, '@')
	if at < 0 || strings.Count(s, "@") != 1 {
		return "", emailError("must be one address of the form name@example.com")
	}
	local, domain := s[:at], s[at+1:]
	if err := checkLocalPart(local); err != "" {
		return "", emailError(err)
	}
	if domain == "" {
		return "", emailError("the domain after @ is missing")
	}
	if strings.HasPrefix(domain, "[") {
		return "", emailError("an IP address is not accepted as the domain")
	}
	ascii, err := emailDomains.ToASCII(norm.NFC.String(asciiLower(domain)))
	if err != nil {
		return "", emailError("the domain after @ is not a valid domain name (characters that look like others, invisible or formatting characters are not accepted)")
	}
	labels := strings.Split(ascii, ".")
	if len(labels) < 2 {
		return "", emailError("the domain after @ needs a dot, as in example.com")
	}
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return "", emailError("the domain after @ is not a domain name")
	}
	addr := asciiLower(local) + "@" + ascii
	if len(addr) > MaxEmailLength {
		return "", emailError(fmt.Sprintf("is longer than %d characters", MaxEmailLength))
	}
	return addr, nil
}

// checkLocalPart returns why local is refused, or "".
func checkLocalPart(local string) string {
	switch {
	case local == "":
		return "the part before @ is missing"
	case len(local) > 64:
		return "the part before @ is longer than 64 characters"
	case local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, ".."):
		return "the part before @ may not start or end with a dot, or have two dots in a row"
	}
	for i := 0; i < len(local); i++ {
		c := local[i]
		switch {
		case c >= 0x80:
			return "the part before @ must be ASCII letters, digits and !#$%&'*+-/=?^_`{|}~."
		case !isAtext(c) && c != '.':
			return fmt.Sprintf("the part before @ may not contain %q", c)
		}
	}
	return ""
}

// isAtext is RFC 5322 §3.2.3 atext, ASCII only.
func isAtext(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// asciiLower lower-cases A–Z only: Unicode lower-casing maps lookalikes
// (U+212A KELVIN SIGN) onto ASCII letters.
func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + ('a' - 'A')
		}
		return r
	}, s)
}

func emailError(msg string) *Error {
	return &Error{Code: CodeValidation, Message: "email is not acceptable",
		Fields: []FieldError{{Field: "email", Code: "invalid", Message: msg}}}
}
