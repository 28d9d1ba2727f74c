package crypto

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func secret(t *testing.T) []byte {
	t.Helper()
	b := make([]byte, KeySize)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSealOpen(t *testing.T) {
	t.Parallel()
	k, err := New(secret(t))
	if err != nil {
		t.Fatal(err)
	}
	ad := []byte("realname_applications.name:1")
	pt := []byte("张三")
	s1, err := k.Seal(pt, ad)
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := k.Seal(pt, ad)
	if bytes.Equal(s1, s2) {
		t.Fatal("two seals of one value are equal: the nonce is not random")
	}
	if bytes.Contains(s1, pt) {
		t.Fatal("plaintext visible in the sealed value")
	}
	got, err := k.Open(s1, ad)
	if err != nil || !bytes.Equal(got, pt) {
		t.Fatalf("open: %q %v", got, err)
	}
	// Another row, a flipped bit, a truncated value, a relabelled key id: all refused alike.
	if _, err := k.Open(s1, []byte("realname_applications.name:2")); !errors.Is(err, ErrOpen) {
		t.Fatalf("other associated data: %v", err)
	}
	for _, mutate := range []func([]byte) []byte{
		func(b []byte) []byte { b[len(b)-1] ^= 1; return b },
		func(b []byte) []byte { return b[:10] },
		func(b []byte) []byte { b[1] ^= 1; return b },
		func(b []byte) []byte { b[0] = 2; return b },
		func([]byte) []byte { return nil },
	} {
		if _, err := k.Open(mutate(bytes.Clone(s1)), ad); !errors.Is(err, ErrOpen) {
			t.Fatalf("tampered value opened: %v", err)
		}
	}
	other, _ := New(secret(t))
	if _, err := other.Open(s1, ad); !errors.Is(err, ErrOpen) {
		t.Fatalf("another key opened it: %v", err)
	}
}

func TestRotation(t *testing.T) {
	t.Parallel()
	oldSecret, newSecret := secret(t), secret(t)
	oldRing, _ := New(oldSecret)
	sealed, _ := oldRing.Seal([]byte("E12345678"), nil)

	ring, err := New(newSecret, oldSecret)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := ring.Open(sealed, nil); err != nil || string(got) != "E12345678" {
		t.Fatalf("retired key: %q %v", got, err)
	}
	if !ring.NeedsRotation(sealed) {
		t.Fatal("a value under a retired key needs rotation")
	}
	fresh, _ := ring.Seal([]byte("x"), nil)
	if ring.NeedsRotation(fresh) {
		t.Fatal("a fresh value needs no rotation")
	}
	if _, err := oldRing.Open(fresh, nil); !errors.Is(err, ErrOpen) {
		t.Fatal("the retired ring opened a value under the new key")
	}
}

func TestBlindIndex(t *testing.T) {
	t.Parallel()
	s := secret(t)
	a, _ := New(s)
	b, _ := New(s)
	if !bytes.Equal(a.BlindIndex([]byte("张三")), b.BlindIndex([]byte("张三"))) {
		t.Fatal("same secret, same value: indexes differ")
	}
	if bytes.Equal(a.BlindIndex([]byte("张三")), a.BlindIndex([]byte("李四"))) {
		t.Fatal("different values share an index")
	}
	c, _ := New(secret(t))
	if bytes.Equal(a.BlindIndex([]byte("张三")), c.BlindIndex([]byte("张三"))) {
		t.Fatal("the index does not depend on the key")
	}
	if len(a.BlindIndex(nil)) != 32 {
		t.Fatal("an index is 32 bytes")
	}
}

func TestParseKey(t *testing.T) {
	t.Parallel()
	raw := secret(t)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		got, err := ParseKey(" " + enc.EncodeToString(raw) + "\n")
		if err != nil || !bytes.Equal(got, raw) {
			t.Fatalf("%v: %v", enc, err)
		}
	}
	short := base64.StdEncoding.EncodeToString(raw[:16])
	for _, bad := range []string{"", "not base64 at all!", short} {
		_, err := ParseKey(bad)
		if err == nil {
			t.Fatalf("%q accepted", bad)
		}
		if bad != "" && strings.Contains(err.Error(), bad) {
			t.Fatalf("error echoes the value: %v", err)
		}
	}
	if _, err := New(raw[:16]); err == nil {
		t.Fatal("a 16-byte secret accepted")
	}
}
