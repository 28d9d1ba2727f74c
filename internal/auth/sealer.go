package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/partnerlab/storefront/internal/domain"
)

// SealerKeySize is the AES-256 key length in bytes.
const SealerKeySize = 32

// sealedVersion is the first byte of every sealed value: the format (AES-256-GCM,
// 96-bit random nonce, 128-bit tag) and key generation it was made with, so a
// later key or format can be told apart from this one.
const sealedVersion byte = 1

// Sealer encrypts small secrets at rest (TOTP secrets) with AES-256-GCM:
// version ‖ nonce ‖ ciphertext ‖ tag. The associated data (e.g. the owning
// user's id) is authenticated but not stored, so a sealed value copied to
// another row does not open there.
type Sealer struct {
	aead cipher.AEAD
}

var _ domain.SecretSealer = (*Sealer)(nil)

// NewSealer takes a 32-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != SealerKeySize {
		return nil, fmt.Errorf("sealer: key is %d bytes, want %d", len(key), SealerKeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("sealer: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("sealer: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// ParseSealerKey decodes a base64 (standard or URL alphabet, padded or not)
// 32-byte key, as TOTP_ENCRYPTION_KEY holds it. Errors never contain the key.
func ParseSealerKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) != SealerKeySize {
				return nil, fmt.Errorf("want %d bytes, base64-encoded (openssl rand -base64 32); got %d bytes", SealerKeySize, len(b))
			}
			return b, nil
		}
	}
	return nil, errors.New("not base64: want 32 random bytes, base64-encoded (openssl rand -base64 32)")
}

// Seal implements domain.SecretSealer.
func (s *Sealer) Seal(plaintext, associatedData []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	out := make([]byte, 1+n, 1+n+len(plaintext)+s.aead.Overhead())
	out[0] = sealedVersion
	nonce := out[1:]
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("sealer: nonce: %w", err)
	}
	return s.aead.Seal(out, nonce, plaintext, associatedData), nil
}

// errSealed is the one answer for a value that does not open: wrong key,
// wrong associated data, tampered or truncated. Which one is not said.
var errSealed = errors.New("sealer: sealed value does not open")

// Open implements domain.SecretSealer.
func (s *Sealer) Open(sealed, associatedData []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < 1+n+s.aead.Overhead() || sealed[0] != sealedVersion {
		return nil, errSealed
	}
	pt, err := s.aead.Open(nil, sealed[1:1+n], sealed[1+n:], associatedData)
	if err != nil {
		return nil, errSealed
	}
	return pt, nil
}
