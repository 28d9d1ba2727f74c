// Package crypto seals sensitive fields for storage (AES-256-GCM) and
// computes blind indexes (HMAC-SHA256) for exact search of sealed values.
// It implements domain.Cipher and domain.BlindIndexer.
//
// One secret (DATA_ENCRYPTION_KEY, 32 random bytes) yields, through HKDF,
// the encryption key, a 4-byte key id and the index key, so the secret
// itself never encrypts anything. A sealed value is
//
//	version (1 byte, 1) ‖ key id (4 bytes) ‖ nonce (12 random bytes) ‖ ciphertext ‖ tag (16 bytes)
//
// The key id lets a keyring hold the current key plus retired ones: Seal
// always uses the current key, Open picks the key the value names, so keys
// rotate without rewriting every row at once. Blind indexes come from the
// current secret only: rotating it means recomputing the indexes.
package crypto

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length of a secret in bytes.
const KeySize = 32

const (
	version  = 1
	idSize   = 4
	header   = 1 + idSize
	infoEnc  = "storefront field encryption v1"
	infoID   = "storefront field encryption key id v1"
	infoHMAC = "storefront blind index v1"
)

// ErrOpen is the one answer for a value that cannot be opened: unknown key,
// tampered bytes, wrong associated data. It says nothing more on purpose.
var ErrOpen = errors.New("crypto: sealed value cannot be opened")

type key struct {
	id   [idSize]byte
	aead cipher.AEAD
}

// Keyring seals with its current key and opens with any of its keys.
type Keyring struct {
	current key
	byID    map[[idSize]byte]cipher.AEAD
	index   []byte
}

// ParseKey decodes a base64 (standard or URL alphabet, padded or not)
// secret of exactly KeySize bytes. Errors never contain the value.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) != KeySize {
				return nil, fmt.Errorf("want %d bytes, got %d", KeySize, len(b))
			}
			return b, nil
		}
	}
	return nil, errors.New("not base64")
}

// New builds a keyring whose current key comes from secret; retired
// secrets only open what they sealed.
func New(secret []byte, retired ...[]byte) (*Keyring, error) {
	cur, err := derive(secret)
	if err != nil {
		return nil, err
	}
	idx, err := hkdf.Key(sha256.New, secret, nil, infoHMAC, 32)
	if err != nil {
		return nil, err
	}
	k := &Keyring{current: cur, byID: map[[idSize]byte]cipher.AEAD{cur.id: cur.aead}, index: idx}
	for _, r := range retired {
		old, err := derive(r)
		if err != nil {
			return nil, err
		}
		if _, dup := k.byID[old.id]; dup {
			continue
		}
		k.byID[old.id] = old.aead
	}
	return k, nil
}

func derive(secret []byte) (key, error) {
	if len(secret) != KeySize {
		return key{}, fmt.Errorf("crypto: a secret is %d bytes, got %d", KeySize, len(secret))
	}
	ek, err := hkdf.Key(sha256.New, secret, nil, infoEnc, 32)
	if err != nil {
		return key{}, err
	}
	id, err := hkdf.Key(sha256.New, secret, nil, infoID, idSize)
	if err != nil {
		return key{}, err
	}
	block, err := aes.NewCipher(ek)
	if err != nil {
		return key{}, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return key{}, err
	}
	var k key
	copy(k.id[:], id)
	k.aead = aead
	return k, nil
}

// Seal encrypts plaintext with the current key and a fresh random nonce.
// associatedData is authenticated, not stored: Open needs the same bytes, so
// binding it to the row and column (for example "realname_applications.name:<id>")
// makes a value copied to another place unreadable.
func (k *Keyring) Seal(plaintext, associatedData []byte) ([]byte, error) {
	a := k.current.aead
	out := make([]byte, header+a.NonceSize(), header+a.NonceSize()+len(plaintext)+a.Overhead())
	out[0] = version
	copy(out[1:header], k.current.id[:])
	nonce := out[header : header+a.NonceSize()]
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	// The header is authenticated too: a value cannot be relabelled.
	return a.Seal(out, nonce, plaintext, append(out[:header:header], associatedData...)), nil
}

// Open decrypts a value sealed by this keyring's current or retired keys.
// Errors: ErrOpen.
func (k *Keyring) Open(sealed, associatedData []byte) ([]byte, error) {
	if len(sealed) < header || sealed[0] != version {
		return nil, ErrOpen
	}
	var id [idSize]byte
	copy(id[:], sealed[1:header])
	a, ok := k.byID[id]
	if !ok || len(sealed) < header+a.NonceSize()+a.Overhead() {
		return nil, ErrOpen
	}
	nonce := sealed[header : header+a.NonceSize()]
	ad := append(sealed[:header:header], associatedData...)
	pt, err := a.Open(nil, nonce, sealed[header+a.NonceSize():], ad)
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

// NeedsRotation reports whether sealed was made with a retired key (a
// re-encryption job would rewrite it).
func (k *Keyring) NeedsRotation(sealed []byte) bool {
	return len(sealed) < header || [idSize]byte(sealed[1:header]) != k.current.id
}

// BlindIndex is HMAC-SHA256 of value under the index key: equal values give
// equal indexes, and without the key an index reveals nothing and cannot be
// checked against guesses. Callers normalise value first.
func (k *Keyring) BlindIndex(value []byte) []byte {
	m := hmac.New(sha256.New, k.index)
	m.Write(value)
	return m.Sum(nil)
}
