package bsssim

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// SDK-HMAC-SHA256 as the Go SDK computes it (docs/huawei-bss.md §8.2): the
// simulator recomputes the signature from what it received and compares.

const (
	signAlgorithm  = "SDK-HMAC-SHA256"
	sdkDateLayout  = "20060102T150405Z"
	maxClockSkew   = 15 * time.Minute
	msgSignFail    = "Incorrect IAM authentication information: verify aksk signature fail"
	headerSdkDate  = "X-Sdk-Date"
	headerSecToken = "X-Security-Token"
	headerContent  = "X-Sdk-Content-Sha256"
)

// authHeader is a parsed Authorization header.
type authHeader struct {
	Access        string
	SignedHeaders []string // lower-case, as listed
	Signature     string
}

// parseAuthorization parses `SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex`.
func parseAuthorization(v string) (authHeader, bool) {
	var a authHeader
	alg, rest, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok || alg != signAlgorithm {
		return a, false
	}
	for part := range strings.SplitSeq(rest, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return a, false
		}
		switch k {
		case "Access":
			a.Access = val
		case "SignedHeaders":
			if val != "" {
				a.SignedHeaders = strings.Split(val, ";")
			}
		case "Signature":
			a.Signature = val
		}
	}
	if a.Access == "" || a.Signature == "" || len(a.SignedHeaders) == 0 {
		return a, false
	}
	return a, true
}

// canonicalRequest rebuilds the string the client hashed.
func canonicalRequest(r *http.Request, body []byte, signed []string) string {
	var b strings.Builder
	b.Grow(256 + len(r.URL.RawQuery))
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(canonicalURI(r.URL.Path))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(r.URL.Query()))
	b.WriteByte('\n')
	for _, name := range signed {
		var vals []string
		if name == "host" {
			vals = []string{r.Host}
		} else {
			vals = r.Header.Values(name)
		}
		if len(vals) > 1 {
			vals = slices.Clone(vals)
			slices.Sort(vals)
		}
		for _, v := range vals {
			b.WriteString(name)
			b.WriteByte(':')
			b.WriteString(strings.TrimSpace(v))
			b.WriteByte('\n')
		}
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(signed, ";"))
	b.WriteByte('\n')
	if h := r.Header.Get(headerContent); h != "" {
		b.WriteString(h)
	} else {
		sum := sha256.Sum256(body)
		b.WriteString(hex.EncodeToString(sum[:]))
	}
	return b.String()
}

// canonicalURI escapes each path segment and always ends in '/', even though
// the request itself is sent without it.
func canonicalURI(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		segs[i] = signEscape(s)
	}
	u := strings.Join(segs, "/")
	if !strings.HasSuffix(u, "/") {
		u += "/"
	}
	return u
}

func canonicalQuery(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		vals := slices.Clone(q[k])
		slices.Sort(vals)
		for _, v := range vals {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(signEscape(k))
			b.WriteByte('=')
			b.WriteString(signEscape(v))
		}
	}
	return b.String()
}

// signEscape percent-encodes everything but A–Z a–z 0–9 - _ . ~ with
// upper-case hex (so a space is %20, never '+').
func signEscape(s string) string {
	const hexDigits = "0123456789ABCDEF"
	n := 0
	for i := 0; i < len(s); i++ {
		if shouldEscape(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	t := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if shouldEscape(c) {
			t = append(t, '%', hexDigits[c>>4], hexDigits[c&15])
		} else {
			t = append(t, c)
		}
	}
	return string(t)
}

func shouldEscape(c byte) bool {
	return !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~')
}

// stringToSign is the second input of the HMAC.
func stringToSign(sdkDate, canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	return signAlgorithm + "\n" + sdkDate + "\n" + hex.EncodeToString(sum[:])
}

// signature is hex(HMAC-SHA256(SK, stringToSign)); the SDK derives no key.
func signature(sk, sts string) string {
	m := hmac.New(sha256.New, []byte(sk))
	m.Write([]byte(sts))
	return hex.EncodeToString(m.Sum(nil))
}

func authErr(msg string) *apiError {
	return cbcErr(http.StatusUnauthorized, "APIG.0301", msg)
}

// authenticate checks the signature, the clock skew and, for temporary
// credentials, the security token and its expiry. Skew and expiry are
// judged by the wall clock, as Huawei's gateway judges them by real time:
// advancing the virtual (business) clock must not lock every client out.
func (s *Server) authenticate(r *http.Request, body []byte) (caller, *apiError) {
	a, ok := parseAuthorization(r.Header.Get("Authorization"))
	if !ok {
		return caller{}, authErr(msgSignFail)
	}
	if !slices.Contains(a.SignedHeaders, "x-sdk-date") {
		return caller{}, authErr(msgSignFail)
	}
	date := r.Header.Get(headerSdkDate)
	t, err := time.Parse(sdkDateLayout, date)
	if err != nil {
		return caller{}, authErr(msgSignFail)
	}

	var (
		sk  string
		who caller
		tmp *tempCred
	)
	if a.Access == s.cfg.PartnerAK {
		sk, who = s.cfg.PartnerSK, caller{Partner: true}
	} else {
		s.mu.Lock()
		if tc, ok := s.st.Temp[a.Access]; ok {
			cp := *tc
			tmp = &cp
		}
		s.mu.Unlock()
		if tmp == nil {
			return caller{}, authErr(msgSignFail)
		}
		sk, who = tmp.Secret, caller{CustomerID: tmp.DomainID}
	}

	want := signature(sk, stringToSign(t.UTC().Format(sdkDateLayout), canonicalRequest(r, body, a.SignedHeaders)))
	if !hmac.Equal([]byte(want), []byte(a.Signature)) {
		return caller{}, authErr(msgSignFail)
	}

	now := s.wallNow()
	if d := t.Sub(now); d > maxClockSkew || d < -maxClockSkew {
		return caller{}, authErr("Incorrect IAM authentication information: the request has expired, X-Sdk-Date " + date + " is more than 15 minutes from the server time")
	}

	if tmp != nil {
		tok := r.Header.Get(headerSecToken)
		if tok == "" || !slices.Contains(a.SignedHeaders, "x-security-token") ||
			!hmac.Equal([]byte(tok), []byte(tmp.Token)) {
			return caller{}, authErr("Incorrect IAM authentication information: decrypt token fail")
		}
		if !now.Before(tmp.ExpiresAt) {
			return caller{}, authErr("Incorrect IAM authentication information: the token expires")
		}
	}
	return who, nil
}
