package domain

import (
	"crypto/hmac"
	"crypto/sha1" // RFC 6238's default, which every authenticator app implements; HMAC-SHA-1 is not broken
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"strconv"
	"time"
)

// TOTP parameters (RFC 6238 with the values authenticator apps assume).
const (
	TOTPDigits     = 6
	TOTPPeriod     = 30 * time.Second
	TOTPSecretSize = 20 // bytes: 160 bits, as RFC 4226 §4 recommends
	// totpSkew is how many steps either side of now a code is accepted for,
	// for clocks that drift and people who type slowly.
	totpSkew = 1
)

// totpBase32 is how secrets are shown: RFC 4648 base32 without padding, as
// otpauth:// URIs carry them.
var totpBase32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// TOTPStep is the RFC 6238 time step of t: whole periods since the Unix epoch.
func TOTPStep(t time.Time) int64 {
	return t.Unix() / int64(TOTPPeriod/time.Second)
}

// TOTPCode is the 6-digit code of secret for one time step.
func TOTPCode(secret []byte, step int64) string {
	return hotp(secret, uint64(step), TOTPDigits)
}

// hotp is RFC 4226 HOTP with HMAC-SHA-1: dynamic truncation of the MAC of
// the big-endian counter, reduced to digits decimal digits.
func hotp(secret []byte, counter uint64, digits int) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac := hmac.New(sha1.New, secret)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	s := strconv.FormatUint(uint64(bin%mod), 10)
	for len(s) < digits {
		s = "0" + s
	}
	return s
}

// totpMatch looks for code among the steps around now. It returns the step
// it matched, and fresh = false when every matching step is at or below
// lastUsed (a code already accepted once, or an older one). ok is false when
// no step in the window matches.
func totpMatch(secret []byte, code string, now time.Time, lastUsed *int64) (step int64, ok, fresh bool) {
	if !wellFormedCode(code) {
		return 0, false, false
	}
	cur := TOTPStep(now)
	for s := cur + totpSkew; s >= cur-totpSkew; s-- { // newest first: prefer a step not used yet
		if subtle.ConstantTimeCompare([]byte(TOTPCode(secret, s)), []byte(code)) != 1 {
			continue
		}
		if lastUsed != nil && s <= *lastUsed {
			if !ok {
				step, ok = s, true
			}
			continue
		}
		return s, true, true
	}
	return step, ok, false
}

func wellFormedCode(code string) bool {
	if len(code) != TOTPDigits {
		return false
	}
	for _, c := range []byte(code) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
