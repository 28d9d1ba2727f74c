package auth_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/partnerlab/storefront/internal/auth"
)

func newSealer(t *testing.T) *auth.Sealer {
	t.Helper()
	s, err := auth.NewSealer(randomKey(t))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func randomKey(t *testing.T) []byte {
	t.Helper()
	key := make([]byte, auth.SealerKeySize)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	return key
}

func TestSealerRoundTrip(t *testing.T) {
	t.Parallel()
	s := newSealer(t)
	secret := []byte("12345678901234567890")
	ad := []byte("user-1")
	a, err := s.Seal(secret, ad)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Seal(secret, ad)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a, b) {
		t.Fatal("two seals of one secret are equal: the nonce is not random")
	}
	if bytes.Contains(a, secret) {
		t.Fatal("sealed value contains the plaintext")
	}
	if len(a) != 1+12+len(secret)+16 {
		t.Fatalf("sealed length %d", len(a))
	}
	for _, sealed := range [][]byte{a, b} {
		got, err := s.Open(sealed, ad)
		if err != nil || !bytes.Equal(got, secret) {
			t.Fatalf("Open = %q, %v", got, err)
		}
	}
}

// TestSealerRefuses: the wrong associated data (another user's row), the
// wrong key, a flipped bit, a truncated value or another version never open.
func TestSealerRefuses(t *testing.T) {
	t.Parallel()
	s := newSealer(t)
	sealed, err := s.Seal([]byte("secret"), []byte("user-1"))
	if err != nil {
		t.Fatal(err)
	}
	other := newSealer(t)
	flip := func(i int) []byte { c := bytes.Clone(sealed); c[i] ^= 1; return c }
	for name, tc := range map[string]struct {
		s      *auth.Sealer
		sealed []byte
		ad     string
	}{
		"other associated data": {s, sealed, "user-2"},
		"other key":             {other, sealed, "user-1"},
		"version":               {s, flip(0), "user-1"},
		"nonce":                 {s, flip(1), "user-1"},
		"ciphertext":            {s, flip(14), "user-1"},
		"tag":                   {s, flip(len(sealed) - 1), "user-1"},
		"truncated":             {s, sealed[:20], "user-1"},
		"empty":                 {s, nil, "user-1"},
	} {
		if pt, err := tc.s.Open(tc.sealed, []byte(tc.ad)); err == nil {
			t.Errorf("%s: opened to %q", name, pt)
		}
	}
}

func TestSealerKey(t *testing.T) {
	t.Parallel()
	key := randomKey(t)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		got, err := auth.ParseSealerKey(" " + enc.EncodeToString(key) + "\n")
		if err != nil || !bytes.Equal(got, key) {
			t.Fatalf("ParseSealerKey = %x, %v", got, err)
		}
	}
	for _, bad := range []string{"", "not base64 at all!", base64.StdEncoding.EncodeToString(key[:16]), base64.StdEncoding.EncodeToString(append(key, 0))} {
		if _, err := auth.ParseSealerKey(bad); err == nil {
			t.Errorf("ParseSealerKey(%q) accepted", bad)
		} else if bad != "" && strings.Contains(err.Error(), bad) {
			t.Errorf("error echoes the key: %v", err)
		}
	}
	if _, err := auth.NewSealer(key[:16]); err == nil {
		t.Fatal("NewSealer accepted a 16-byte key")
	}
}
