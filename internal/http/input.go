package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/partnerlab/storefront/internal/domain"
)

// Field error codes of checkInput (errors[].code under validation_failed).
const (
	fieldSyntax       = "syntax"              // not JSON / not a form body
	fieldTrailingData = "trailing_data"       // something after the one JSON value
	fieldDuplicateKey = "duplicate_key"       // a member or form parameter given twice
	fieldInvalidUTF8  = "invalid_utf8"        // bytes that are not UTF-8, or a lone \uD800-\uDFFF escape
	fieldForbidden    = "forbidden_character" // see forbiddenRune
)

// maxInputErrors bounds errors[] (the Problem schema allows 100).
const maxInputErrors = 50

// checkInput refuses, with 400 validation_failed naming the field, what the
// spec validator and encoding/json would let through to the handlers:
//
//   - a JSON body that is not exactly one value: trailing garbage or a
//     second document after it (encoding/json's Decoder stops after the first);
//   - a JSON object with a member name twice, or twice up to the case folding
//     encoding/json matches struct fields with (so "Roles" repeats "roles"):
//     the decoder would silently keep the last one;
//   - bytes that are not UTF-8, and \u escapes of lone surrogates (the
//     decoder replaces both with U+FFFD and the damage gets stored);
//   - forbidden characters (forbiddenRune) in any string: member names,
//     values at any depth, form parameters, query parameters;
//   - in an application/x-www-form-urlencoded body (the OAuth token
//     endpoint), a parameter given twice (RFC 6749 §3.2).
//
// It runs after the validator, so routing (404, 405) and authentication
// (401, 403) answer first, exactly as for any other bad body, and before the
// generated handlers decode anything. Bodies are already buffered and
// bounded by bodyLimit.
func (s *Server) checkInput(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var errs []domain.FieldError
		if r.URL.RawQuery != "" {
			errs = append(errs, checkForm(r.URL.RawQuery, false)...)
		}
		if r.Body != nil && r.Body != http.NoBody {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				s.writeError(w, r, domain.Errorf(domain.CodeInvalid, "the body could not be read"))
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			if len(body) > 0 {
				mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
				switch {
				case mt == "application/json" || strings.HasSuffix(mt, "+json"):
					errs = append(errs, checkJSON(body)...)
				case mt == "application/x-www-form-urlencoded":
					errs = append(errs, checkForm(string(body), true)...)
				}
			}
		}
		if len(errs) > 0 {
			if len(errs) > maxInputErrors {
				errs = errs[:maxInputErrors]
			}
			s.writeError(w, r, &domain.Error{Code: domain.CodeValidation, Message: "the request is not well-formed", Fields: errs})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// forbiddenRune reports whether r may not appear in any string the API
// accepts, and names what it is. The set:
//
//   - C0 controls U+0000–U+001F, including TAB, LF and CR, and DEL U+007F:
//     no field of the API is free text: names, emails, passwords, tokens and
//     ids are single-line. NUL is refused by Postgres (a 500 before this
//     check); CR/LF forge log lines and CSV rows; the rest is invisible. A
//     future multi-line field gets an explicit, documented exception here.
//   - C1 controls U+0080–U+009F: invisible, and U+009B is a terminal CSI.
//   - U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR: line breaks in
//     JavaScript, log viewers and many editors, the same forgery as LF.
//   - the bidirectional embeddings, overrides and isolates U+202A–U+202E and
//     U+2066–U+2069 (CVE-2021-42574, "Trojan Source"): they reorder how a name
//     is displayed to staff, e.g. hide an extension or a different account.
//
// Other format characters (zero-width joiners, needed by Persian, Indic
// scripts and emoji) are allowed in general text; emails are stricter
// (domain.ParseEmail).
func forbiddenRune(r rune) (string, bool) {
	switch {
	case r < 0x20 || r == 0x7f:
		return "a control character", true
	case r >= 0x80 && r <= 0x9f:
		return "a C1 control character", true
	case r == 0x2028 || r == 0x2029:
		return "a line or paragraph separator", true
	case (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069):
		return "a bidirectional formatting character", true
	}
	return "", false
}

// checkText checks one decoded string.
func checkText(field, s string) (domain.FieldError, bool) {
	if !utf8.ValidString(s) {
		return domain.FieldError{Field: field, Code: fieldInvalidUTF8, Message: "is not valid UTF-8"}, false
	}
	for i, r := range s {
		if what, bad := forbiddenRune(r); bad {
			return domain.FieldError{Field: field, Code: fieldForbidden,
				Message: fmt.Sprintf("contains %s (%U) at character %d", what, r, utf8.RuneCountInString(s[:i])+1)}, false
		}
	}
	return domain.FieldError{}, true
}

// checkJSON walks the tokens of a JSON body. Field paths are the JSON
// pointer's segments joined with dots ("roles.1"), as fieldErrors writes
// them; "body" is the whole body.
func checkJSON(body []byte) []domain.FieldError {
	w := &jsonWalk{body: body, dec: json.NewDecoder(bytes.NewReader(body))}
	w.dec.UseNumber()
	if err := w.value(""); err != nil {
		return append(w.errs, syntaxError(err))
	}
	// Exactly one value: only whitespace may follow it.
	rest := body[w.dec.InputOffset():]
	if extra := bytes.TrimLeft(rest, " \t\r\n"); len(extra) > 0 {
		w.errs = append(w.errs, domain.FieldError{Field: "body", Code: fieldTrailingData,
			Message: fmt.Sprintf("data after the JSON value, at byte %d", len(body)-len(extra))})
	}
	return w.errs
}

func syntaxError(err error) domain.FieldError {
	msg := "not valid JSON"
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		msg = fmt.Sprintf("not valid JSON at byte %d: %s", se.Offset, se.Error())
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		msg = "the JSON value ends early"
	}
	return domain.FieldError{Field: "body", Code: fieldSyntax, Message: msg}
}

type jsonWalk struct {
	body []byte
	dec  *json.Decoder
	errs []domain.FieldError
}

func (w *jsonWalk) add(e domain.FieldError) {
	if len(w.errs) <= maxInputErrors {
		w.errs = append(w.errs, e)
	}
}

// token reads the next token and the raw bytes it came from (with any
// separator and whitespace before it, which are ASCII).
func (w *jsonWalk) token() (json.Token, []byte, error) {
	start := w.dec.InputOffset()
	tok, err := w.dec.Token()
	if err != nil {
		return nil, nil, err
	}
	return tok, w.body[start:w.dec.InputOffset()], nil
}

// value walks one value at path; an error is a syntax error.
func (w *jsonWalk) value(path string) error {
	tok, raw, err := w.token()
	if err != nil {
		return err
	}
	switch v := tok.(type) {
	case string:
		w.text(pathOr(path), v, raw)
	case json.Delim:
		switch v {
		case '{':
			// Keys by encoding/json's folding, which decides which struct
			// field a member fills.
			seen := map[string]string{}
			for w.dec.More() {
				ktok, kraw, err := w.token()
				if err != nil {
					return err
				}
				key, _ := ktok.(string)
				child := join(path, key)
				if _, ok := checkText(child, key); !ok || !utf8.Valid(kraw) || loneSurrogate(kraw) {
					// A bad name does not make a readable path: name the object.
					w.text(pathOr(path), key, kraw)
					child = join(path, strconv.QuoteToASCII(key))
				} else {
					w.text(child, key, kraw)
				}
				folded := foldKey(key)
				if first, dup := seen[folded]; dup {
					msg := "is given twice"
					if first != key {
						msg = fmt.Sprintf("repeats %q (names match case-insensitively)", first)
					}
					w.add(domain.FieldError{Field: child, Code: fieldDuplicateKey, Message: msg})
				} else {
					seen[folded] = key
				}
				if err := w.value(child); err != nil {
					return err
				}
			}
			_, err := w.dec.Token() // '}'
			return err
		case '[':
			for i := 0; w.dec.More(); i++ {
				if err := w.value(join(path, strconv.Itoa(i))); err != nil {
					return err
				}
			}
			_, err := w.dec.Token() // ']'
			return err
		}
	}
	return nil
}

// text checks a decoded string token and its raw form: the decoder has
// already replaced invalid UTF-8 and lone surrogates with U+FFFD, so those
// are found in raw.
func (w *jsonWalk) text(field, s string, raw []byte) {
	if !utf8.Valid(raw) {
		w.add(domain.FieldError{Field: field, Code: fieldInvalidUTF8, Message: "is not valid UTF-8"})
		return
	}
	if loneSurrogate(raw) {
		w.add(domain.FieldError{Field: field, Code: fieldInvalidUTF8, Message: "contains an unpaired UTF-16 surrogate escape"})
		return
	}
	if fe, ok := checkText(field, s); !ok {
		w.add(fe)
	}
}

// loneSurrogate reports whether raw JSON string bytes hold a \uD800–\uDFFF
// escape that is not a high surrogate followed by a low one.
func loneSurrogate(raw []byte) bool {
	hex := func(i int) (rune, bool) {
		if i+6 > len(raw) || raw[i] != '\\' || raw[i+1] != 'u' {
			return 0, false
		}
		n, err := strconv.ParseUint(string(raw[i+2:i+6]), 16, 16)
		return rune(n), err == nil
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		if i+1 < len(raw) && raw[i+1] != 'u' {
			i++ // \", \\, \n …: skip the escaped byte
			continue
		}
		r, ok := hex(i)
		if !ok {
			continue
		}
		switch {
		case r >= 0xd800 && r <= 0xdbff:
			lo, ok := hex(i + 6)
			if !ok || lo < 0xdc00 || lo > 0xdfff {
				return true
			}
			i += 11
		case r >= 0xdc00 && r <= 0xdfff:
			return true
		default:
			i += 5
		}
	}
	return false
}

// foldKey is how encoding/json matches a member name to a struct field:
// case-insensitively, with the Unicode simple folds (K KELVIN SIGN matches
// "k", ſ LONG S matches "s").
func foldKey(s string) string {
	return strings.Map(func(r rune) rune { return unicode.ToLower(unicode.ToUpper(r)) }, s)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func pathOr(path string) string {
	if path == "" {
		return "body"
	}
	return path
}

// checkForm checks a query string or a form body: every name and value,
// and for a body (RFC 6749 §3.2) no parameter twice.
func checkForm(raw string, body bool) []domain.FieldError {
	where := "the query"
	if body {
		where = "the body"
	}
	var errs []domain.FieldError
	counts := map[string]int{}
	var order []string
	for pair := range strings.SplitSeq(raw, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err1 := url.QueryUnescape(k)
		val, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			field := "body"
			if !body {
				field = "query"
			}
			if err1 == nil {
				field = key
			}
			errs = append(errs, domain.FieldError{Field: field, Code: fieldSyntax, Message: "bad percent-encoding in " + where})
			continue
		}
		if fe, ok := checkText(key, key); !ok {
			fe.Field = strconv.QuoteToASCII(key)
			fe.Message = "parameter name " + fe.Message
			errs = append(errs, fe)
			continue
		}
		if fe, ok := checkText(key, val); !ok {
			errs = append(errs, fe)
		}
		if counts[key] == 0 {
			order = append(order, key)
		}
		counts[key]++
	}
	if body {
		for _, k := range order {
			if counts[k] > 1 {
				errs = append(errs, domain.FieldError{Field: k, Code: fieldDuplicateKey, Message: fmt.Sprintf("is given %d times", counts[k])})
			}
		}
	}
	return errs
}
