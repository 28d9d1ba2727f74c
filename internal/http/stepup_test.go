package http_test

import (
	"crypto/rand"
	"testing"

	"github.com/partnerlab/storefront/internal/auth"
)

// testSealer seals TOTP secrets with a random key, as TOTP_ENCRYPTION_KEY would.
func testSealer(t *testing.T) *auth.Sealer {
	t.Helper()
	key := make([]byte, auth.SealerKeySize)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	s, err := auth.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
