package auth

import (
	"crypto"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/partnerlab/storefront/internal/domain"
)

// Claims are the access token's claims. Kind separates people from API
// clients, so a client token can never pass as a user's.
type Claims struct {
	jwt.RegisteredClaims
	Kind  domain.PrincipalKind `json:"knd"`
	Roles []domain.Role        `json:"roles,omitempty"`
	Scope []domain.Scope       `json:"scp,omitempty"`
	Typ   string               `json:"typ"`
}

// accessTyp marks an access token (RFC 9068 uses "at+jwt" in the header;
// we also pin it in a claim so no other JWT we might sign is accepted).
const accessTyp = "access"

// Leeway tolerates clock skew between replicas.
const Leeway = 30 * time.Second

// Signer signs with one Ed25519 key and verifies with it and any extra
// public keys (key rotation: publish the new key before signing with it).
type Signer struct {
	kid      string
	priv     ed25519.PrivateKey
	pub      map[string]ed25519.PublicKey
	issuer   string
	audience string
	ttl      time.Duration
	parser   *jwt.Parser
	now      func() time.Time
	cache    verifiedCache
}

// verifiedCache remembers tokens whose signature and claims were checked, so
// a client reusing its token (the normal case, for 15 minutes) costs a map
// lookup instead of an Ed25519 verification. Keyed by the exact token bytes;
// the time window is checked again on every hit. Bounded: when full it is
// emptied, which only costs re-verification.
type verifiedCache struct {
	mu sync.Mutex
	m  map[string]verifiedToken
}

type verifiedToken struct {
	p         domain.Principal
	notBefore time.Time
	expires   time.Time
}

const verifiedCacheMax = 4096

func (c *verifiedCache) get(tok string, now time.Time) (domain.Principal, bool) {
	c.mu.Lock()
	v, ok := c.m[tok]
	c.mu.Unlock()
	if !ok || now.Add(Leeway).Before(v.notBefore) || !now.Add(-Leeway).Before(v.expires) {
		return domain.Principal{}, false
	}
	return v.p, true
}

func (c *verifiedCache) put(tok string, v verifiedToken) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= verifiedCacheMax {
		c.m = make(map[string]verifiedToken, 256)
	}
	c.m[tok] = v
}

// NewSigner builds a signer. extra are verification-only public keys.
func NewSigner(priv ed25519.PrivateKey, extra []ed25519.PublicKey, issuer, audience string, ttl time.Duration) *Signer {
	s := &Signer{priv: priv, pub: map[string]ed25519.PublicKey{}, issuer: issuer, audience: audience, ttl: ttl, now: time.Now}
	own := priv.Public().(ed25519.PublicKey)
	s.kid = KeyID(own)
	s.pub[s.kid] = own
	for _, k := range extra {
		s.pub[KeyID(k)] = k
	}
	s.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
		jwt.WithIssuer(issuer),
		jwt.WithAudience(audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(Leeway),
		// The same clock as the cache, so both judge a token's window alike.
		jwt.WithTimeFunc(func() time.Time { return s.now() }),
	)
	return s
}

// IssueAccess implements domain.TokenIssuer.
func (s *Signer) IssueAccess(p domain.Principal, now time.Time) (string, time.Duration, error) {
	c := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    s.issuer,
			Subject:   p.ID.String(),
			Audience:  jwt.ClaimStrings{s.audience},
			ExpiresAt: jwt.NewNumericDate(now.Add(s.ttl)),
			NotBefore: jwt.NewNumericDate(now),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        uuid.Must(uuid.NewV7()).String(),
		},
		Kind:  p.Kind,
		Roles: p.Roles,
		Scope: p.Scopes,
		Typ:   accessTyp,
	}
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c)
	t.Header["kid"] = s.kid
	signed, err := t.SignedString(s.priv)
	if err != nil {
		return "", 0, fmt.Errorf("auth: sign: %w", err)
	}
	return signed, s.ttl, nil
}

// ErrInvalidToken is every reason a token is refused; the reason is logged,
// never told to the caller.
var ErrInvalidToken = errors.New("auth: invalid access token")

// Verify parses and checks an access token: EdDSA only, a known kid, no
// "crit" header (RFC 7515 §4.1.11: we understand no extension, so a token
// that marks one as critical must be refused), iss, aud, exp (required), nbf,
// iat (required), a lifetime exp − iat no longer than the configured one (a
// token minted elsewhere with a longer life, or under an older, longer
// setting, is refused), and our access-token marker.
func (s *Signer) Verify(token string) (domain.Principal, error) {
	if p, ok := s.cache.get(token, s.now()); ok {
		return p, nil
	}
	var c Claims
	_, err := s.parser.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) {
		if _, ok := t.Header["crit"]; ok {
			return nil, errors.New(`"crit" header present: no JWS extension is understood`)
		}
		kid, _ := t.Header["kid"].(string)
		k, ok := s.pub[kid]
		if !ok {
			return nil, fmt.Errorf("unknown kid %q", kid)
		}
		return k, nil
	})
	if err != nil {
		return domain.Principal{}, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	if c.IssuedAt == nil {
		return domain.Principal{}, fmt.Errorf("%w: no iat", ErrInvalidToken)
	}
	if life := c.ExpiresAt.Sub(c.IssuedAt.Time); life > s.maxLifetime() {
		return domain.Principal{}, fmt.Errorf("%w: lifetime %s exceeds %s", ErrInvalidToken, life, s.ttl)
	}
	if c.Typ != accessTyp || (c.Kind != domain.PrincipalUser && c.Kind != domain.PrincipalClient) {
		return domain.Principal{}, fmt.Errorf("%w: not an access token", ErrInvalidToken)
	}
	id, err := uuid.Parse(c.Subject)
	if err != nil {
		return domain.Principal{}, fmt.Errorf("%w: bad subject", ErrInvalidToken)
	}
	p := domain.Principal{Kind: c.Kind, ID: id, Roles: c.Roles, Scopes: c.Scope}
	v := verifiedToken{p: p, expires: c.ExpiresAt.Time}
	if c.NotBefore != nil {
		v.notBefore = c.NotBefore.Time
	}
	s.cache.put(token, v)
	return p, nil
}

// maxLifetime is the configured lifetime rounded up to the precision of
// NumericDate (whole seconds), which is how exp and iat are written.
func (s *Signer) maxLifetime() time.Duration {
	d := s.ttl.Truncate(jwt.TimePrecision)
	if d < s.ttl {
		d += jwt.TimePrecision
	}
	return d
}

// JWK is one RFC 8037 OKP public key.
type JWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
}

// JWKS returns every verification key.
func (s *Signer) JWKS() []JWK {
	keys := make([]JWK, 0, len(s.pub))
	// The signing key first, so clients that take keys[0] get the current one.
	keys = append(keys, jwkOf(s.kid, s.pub[s.kid]))
	for kid, k := range s.pub {
		if kid != s.kid {
			keys = append(keys, jwkOf(kid, k))
		}
	}
	return keys
}

func jwkOf(kid string, k ed25519.PublicKey) JWK {
	return JWK{Kty: "OKP", Crv: "Ed25519", X: base64.RawURLEncoding.EncodeToString(k), Kid: kid, Use: "sig", Alg: "EdDSA"}
}

// KeyID is the RFC 7638 JWK thumbprint of an Ed25519 public key.
func KeyID(k ed25519.PublicKey) string {
	// Members in lexicographic order, no whitespace (RFC 7638 §3.2).
	canon, _ := json.Marshal(struct {
		Crv string `json:"crv"`
		Kty string `json:"kty"`
		X   string `json:"x"`
	}{"Ed25519", "OKP", base64.RawURLEncoding.EncodeToString(k)})
	sum := sha256.Sum256(canon)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// ParsePrivateKeyPEM reads a PKCS#8 Ed25519 private key (openssl genpkey -algorithm ed25519).
func ParsePrivateKeyPEM(data []byte) (ed25519.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("auth: no PEM block in private key")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("auth: parse private key: %w", err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, errors.New("auth: private key is not Ed25519")
	}
	return priv, nil
}

// ParsePublicKeysPEM reads every PKIX Ed25519 public key in data.
func ParsePublicKeysPEM(data []byte) ([]ed25519.PublicKey, error) {
	var out []ed25519.PublicKey
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return out, nil
		}
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("auth: parse public key: %w", err)
		}
		pub, ok := k.(ed25519.PublicKey)
		if !ok {
			return nil, errors.New("auth: public key is not Ed25519")
		}
		out = append(out, pub)
	}
}

// MarshalPrivateKeyPEM is the inverse of ParsePrivateKeyPEM (for tests and dev keys).
func MarshalPrivateKeyPEM(k crypto.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}
