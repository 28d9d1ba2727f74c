package auth_test

import (
	"encoding/base64"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"

	"github.com/partnerlab/storefront/internal/auth"
)

var tiny = auth.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}

func TestArgon2RoundTrip(t *testing.T) {
	t.Parallel()
	h := auth.NewArgon2Hasher(tiny)
	for _, pw := range []string{"correct horse battery staple", "", "密码-🔑", strings.Repeat("x", 128)} {
		enc, err := h.Hash(pw)
		if err != nil {
			t.Fatal(err)
		}
		ok, err := h.Verify(enc, pw)
		if err != nil || !ok {
			t.Fatalf("Verify(own hash of %q) = %v, %v", pw, ok, err)
		}
		ok, err = h.Verify(enc, pw+"x")
		if err != nil || ok {
			t.Fatalf("Verify(wrong password) = %v, %v", ok, err)
		}
	}
}

func TestArgon2PHCFormat(t *testing.T) {
	t.Parallel()
	h := auth.NewArgon2Hasher(auth.Argon2Params{MemoryKiB: 128, Time: 2, Threads: 2})
	a, err := h.Hash("password-1")
	if err != nil {
		t.Fatal(err)
	}
	phc := regexp.MustCompile(`^\$argon2id\$v=19\$m=128,t=2,p=2\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$`)
	m := phc.FindStringSubmatch(a)
	if m == nil {
		t.Fatalf("not PHC argon2id: %s", a)
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(m[1])
	key, err2 := base64.RawStdEncoding.DecodeString(m[2])
	if err1 != nil || err2 != nil || len(salt) != 16 || len(key) != 32 {
		t.Fatalf("salt %d bytes, key %d bytes (%v, %v)", len(salt), len(key), err1, err2)
	}
	// Salted: the same password never hashes the same twice.
	b, _ := h.Hash("password-1")
	if a == b {
		t.Fatal("two hashes of one password are equal")
	}
}

// TestArgon2OldParams: a hash made with other parameters still verifies,
// so the cost can be raised without resetting passwords.
func TestArgon2OldParams(t *testing.T) {
	t.Parallel()
	old, err := auth.NewArgon2Hasher(tiny).Hash("password-1")
	if err != nil {
		t.Fatal(err)
	}
	ok, err := auth.NewArgon2Hasher(auth.Argon2Params{MemoryKiB: 256, Time: 3, Threads: 1}).Verify(old, "password-1")
	if err != nil || !ok {
		t.Fatalf("Verify with new params = %v, %v", ok, err)
	}
}

// TestArgon2VerifiesIndependentHash: Verify reads a PHC string built
// straight from x/crypto/argon2, not only the ones Hash writes, and refuses
// it when one bit of the key differs.
func TestArgon2VerifiesIndependentHash(t *testing.T) {
	t.Parallel()
	salt := []byte("0123456789abcdef")
	key := argon2.IDKey([]byte("vector"), salt, 1, 64, 1, 32)
	phc := func(k []byte) string {
		return "$argon2id$v=19$m=64,t=1,p=1$" + base64.RawStdEncoding.EncodeToString(salt) + "$" + base64.RawStdEncoding.EncodeToString(k)
	}
	h := auth.NewArgon2Hasher(auth.DefaultArgon2) // params come from the string, not the hasher
	if ok, err := h.Verify(phc(key), "vector"); err != nil || !ok {
		t.Fatalf("independent hash: %v, %v", ok, err)
	}
	bad := append([]byte(nil), key...)
	bad[31] ^= 1
	if ok, err := h.Verify(phc(bad), "vector"); err != nil || ok {
		t.Fatalf("one bit off: %v, %v", ok, err)
	}
}

func TestArgon2MalformedHash(t *testing.T) {
	t.Parallel()
	h := auth.NewArgon2Hasher(tiny)
	good, err := h.Hash("pw")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, "$")
	with := func(i int, v string) string {
		p := append([]string(nil), parts...)
		p[i] = v
		return strings.Join(p, "$")
	}
	for name, enc := range map[string]string{
		"empty":         "",
		"bcrypt":        "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
		"argon2i":       with(1, "argon2i"),
		"version 16":    with(2, "v=16"),
		"no params":     with(3, "m=,t=,p="),
		"bad salt":      with(4, "!!!"),
		"bad key":       with(5, "!!!"),
		"empty key":     with(5, ""),
		"missing field": strings.Join(parts[:5], "$"),
	} {
		ok, err := h.Verify(enc, "pw")
		if err == nil || ok {
			t.Errorf("%s: Verify(%q) = %v, %v; want an error", name, enc, ok, err)
		}
	}
}
