package auth_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/partnerlab/storefront/internal/auth"
	"github.com/partnerlab/storefront/internal/domain"
)

// RFC 8037 Appendix A: the Ed25519 key and (A.3) its RFC 7638 thumbprint.
const (
	rfc8037D          = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
	rfc8037X          = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
	rfc8037Thumbprint = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
)

func rfc8037Key(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	seed, err := base64.RawURLEncoding.DecodeString(rfc8037D)
	if err != nil {
		t.Fatal(err)
	}
	return ed25519.NewKeyFromSeed(seed)
}

func TestKeyIDIsRFC7638Thumbprint(t *testing.T) {
	t.Parallel()
	x, err := base64.RawURLEncoding.DecodeString(rfc8037X)
	if err != nil {
		t.Fatal(err)
	}
	if got := auth.KeyID(ed25519.PublicKey(x)); got != rfc8037Thumbprint {
		t.Fatalf("KeyID = %s, want %s", got, rfc8037Thumbprint)
	}
	// The RFC's private key yields that public key, and the signer publishes it.
	s := auth.NewSigner(rfc8037Key(t), nil, "iss", "aud", time.Minute)
	want := auth.JWK{Kty: "OKP", Crv: "Ed25519", X: rfc8037X, Kid: rfc8037Thumbprint, Use: "sig", Alg: "EdDSA"}
	if got := s.JWKS(); len(got) != 1 || got[0] != want {
		t.Fatalf("JWKS = %+v, want [%+v]", got, want)
	}
}

func newKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestIssueVerify(t *testing.T) {
	t.Parallel()
	s := auth.NewSigner(newKey(t), nil, "iss", "aud", 15*time.Minute)
	for _, p := range []domain.Principal{
		{Kind: domain.PrincipalUser, ID: uuid.Must(uuid.NewV7()), Roles: []domain.Role{domain.RoleFinance, domain.RoleOperator}},
		{Kind: domain.PrincipalClient, ID: uuid.Must(uuid.NewV7()), Scopes: []domain.Scope{"orders:read"}},
	} {
		tok, ttl, err := s.IssueAccess(p, time.Now())
		if err != nil || ttl != 15*time.Minute {
			t.Fatalf("IssueAccess: %v, %v", ttl, err)
		}
		got, err := s.Verify(tok)
		if err != nil {
			t.Fatal(err)
		}
		if got.Kind != p.Kind || got.ID != p.ID || !slices.Equal(got.Roles, p.Roles) || !slices.Equal(got.Scopes, p.Scopes) {
			t.Fatalf("Verify = %+v, want %+v", got, p)
		}
	}
}

func TestVerifyTimeAndAudience(t *testing.T) {
	t.Parallel()
	key := newKey(t)
	s := auth.NewSigner(key, nil, "iss", "aud", 15*time.Minute)
	p := domain.Principal{Kind: domain.PrincipalUser, ID: uuid.New(), Roles: []domain.Role{domain.RoleCustomer}}
	issue := func(signer *auth.Signer, at time.Time) string {
		tok, _, err := signer.IssueAccess(p, at)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	now := time.Now()
	cases := []struct {
		name string
		tok  string
		ok   bool
	}{
		{"now", issue(s, now), true},
		{"expired within leeway", issue(s, now.Add(-15*time.Minute-auth.Leeway/2)), true},
		{"expired beyond leeway", issue(s, now.Add(-15*time.Minute-auth.Leeway-5*time.Second)), false},
		{"issued slightly ahead (skew)", issue(s, now.Add(auth.Leeway/2)), true},
		{"issued in the future", issue(s, now.Add(auth.Leeway+time.Minute)), false},
		{"other issuer", issue(auth.NewSigner(key, nil, "other", "aud", 15*time.Minute), now), false},
		{"other audience", issue(auth.NewSigner(key, nil, "iss", "other", 15*time.Minute), now), false},
		{"other key", issue(auth.NewSigner(newKey(t), nil, "iss", "aud", 15*time.Minute), now), false},
	}
	for _, c := range cases {
		_, err := s.Verify(c.tok)
		if (err == nil) != c.ok {
			t.Errorf("%s: Verify err = %v, want ok=%v", c.name, err, c.ok)
		}
		if err != nil && !errors.Is(err, auth.ErrInvalidToken) {
			t.Errorf("%s: %v is not ErrInvalidToken", c.name, err)
		}
	}
}

// TestKeyRotation: tokens of the previous key verify while it is listed as
// an extra key, and stop verifying once it is dropped.
func TestKeyRotation(t *testing.T) {
	t.Parallel()
	oldKey, newK := newKey(t), newKey(t)
	p := domain.Principal{Kind: domain.PrincipalUser, ID: uuid.New()}
	oldTok, _, err := auth.NewSigner(oldKey, nil, "iss", "aud", time.Minute).IssueAccess(p, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	rotated := auth.NewSigner(newK, []ed25519.PublicKey{oldKey.Public().(ed25519.PublicKey)}, "iss", "aud", time.Minute)
	if _, err := rotated.Verify(oldTok); err != nil {
		t.Fatalf("old token during rotation: %v", err)
	}
	jwks := rotated.JWKS()
	if len(jwks) != 2 || jwks[0].Kid != auth.KeyID(newK.Public().(ed25519.PublicKey)) ||
		jwks[1].Kid != auth.KeyID(oldKey.Public().(ed25519.PublicKey)) {
		t.Fatalf("JWKS %+v: want the signing key first, then the old one", jwks)
	}
	after := auth.NewSigner(newK, nil, "iss", "aud", time.Minute)
	if _, err := after.Verify(oldTok); err == nil {
		t.Fatal("old token verified after its key was dropped")
	}
}

func TestPEM(t *testing.T) {
	t.Parallel()
	k := rfc8037Key(t)
	b, err := auth.MarshalPrivateKeyPEM(k)
	if err != nil {
		t.Fatal(err)
	}
	got, err := auth.ParsePrivateKeyPEM(b)
	if err != nil || !got.Equal(k) {
		t.Fatalf("round trip: %v", err)
	}

	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecPEM, err := auth.MarshalPrivateKeyPEM(ec)
	if err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string][]byte{
		"empty":     nil,
		"not PEM":   []byte("hello"),
		"ECDSA key": ecPEM,
		"garbage":   pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("nope")}),
	} {
		if _, err := auth.ParsePrivateKeyPEM(in); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}

	pubPEM := func(k any) []byte {
		der, err := x509.MarshalPKIXPublicKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	}
	a, b2 := newKey(t).Public().(ed25519.PublicKey), newKey(t).Public().(ed25519.PublicKey)
	keys, err := auth.ParsePublicKeysPEM(append(pubPEM(a), pubPEM(b2)...))
	if err != nil || len(keys) != 2 || !keys[0].Equal(a) || !keys[1].Equal(b2) {
		t.Fatalf("ParsePublicKeysPEM: %d keys, %v", len(keys), err)
	}
	if _, err := auth.ParsePublicKeysPEM(pubPEM(&ec.PublicKey)); err == nil {
		t.Fatal("parsed an ECDSA public key as Ed25519")
	}
}

// TestVerifyCacheKeepsTimeChecks: a token verified once (and cached) is
// still refused once it expires, and the cache never admits a token that
// did not verify.
func TestVerifyCacheKeepsTimeChecks(t *testing.T) {
	t.Parallel()
	start := time.Now()
	now := start
	s := auth.NewSigner(newKey(t), nil, "iss", "aud", 15*time.Minute)
	auth.SetClock(s, func() time.Time { return now })
	tok, _, err := s.IssueAccess(domain.Principal{Kind: domain.PrincipalUser, ID: uuid.New()}, start)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second call is served from the cache
		if _, err := s.Verify(tok); err != nil {
			t.Fatal(err)
		}
	}
	now = start.Add(15*time.Minute + auth.Leeway - time.Second)
	if _, err := s.Verify(tok); err != nil {
		t.Fatalf("within leeway after expiry: %v", err)
	}
	now = start.Add(15*time.Minute + auth.Leeway + time.Second)
	if _, err := s.Verify(tok); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("cached token after expiry: %v", err)
	}

	// A token not valid yet is refused, and is not cached as valid later on.
	now = start
	early, _, err := s.IssueAccess(domain.Principal{Kind: domain.PrincipalUser, ID: uuid.New()}, start.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Verify(early); err == nil {
		t.Fatal("token from the future verified")
	}
	// Tampering with a cached token's bytes is a cache miss and a refusal.
	parts := []byte(tok)
	parts[len(parts)-3] ^= 1
	now = start
	if _, err := s.Verify(string(parts)); err == nil {
		t.Fatal("tampered token verified")
	}
}

// forge signs claims with key under the signer's kid, with extra header
// fields: a token only our own key could have made, shaped as a test needs.
func forge(t *testing.T, key ed25519.PrivateKey, header map[string]any, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	tok.Header["kid"] = auth.KeyID(key.Public().(ed25519.PublicKey))
	for k, v := range header {
		tok.Header[k] = v
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestVerifyRefusesCritAndLongLifetime: a correctly signed token is still
// refused when its header marks an extension critical (we understand none)
// or when it claims to live longer than the configured lifetime.
func TestVerifyRefusesCritAndLongLifetime(t *testing.T) {
	t.Parallel()
	key := newKey(t)
	const ttl = 15 * time.Minute
	s := auth.NewSigner(key, nil, "iss", "aud", ttl)
	now := time.Now()
	claims := func(iat, exp time.Time) jwt.MapClaims {
		c := jwt.MapClaims{"iss": "iss", "aud": []string{"aud"}, "sub": uuid.NewString(), "exp": exp.Unix(),
			"nbf": now.Add(-time.Second).Unix(), "jti": uuid.NewString(), "knd": "user", "typ": "access"}
		if !iat.IsZero() {
			c["iat"] = iat.Unix()
		}
		return c
	}
	cases := []struct {
		name   string
		header map[string]any
		claims jwt.MapClaims
		ok     bool
	}{
		{"forged like ours", nil, claims(now, now.Add(ttl)), true},
		{"crit with an unknown extension", map[string]any{"crit": []string{"exp-ext"}, "exp-ext": true}, claims(now, now.Add(ttl)), false},
		{"crit listing b64", map[string]any{"crit": []string{"b64"}, "b64": true}, claims(now, now.Add(ttl)), false},
		{"crit empty", map[string]any{"crit": []string{}}, claims(now, now.Add(ttl)), false},
		{"lifetime one second over", nil, claims(now, now.Add(ttl+time.Second)), false},
		{"lifetime a day", nil, claims(now, now.Add(24*time.Hour)), false},
		{"issued long ago, still unexpired", nil, claims(now.Add(-time.Hour), now.Add(time.Minute)), false},
		{"no iat", nil, claims(time.Time{}, now.Add(ttl)), false},
	}
	for _, c := range cases {
		_, err := s.Verify(forge(t, key, c.header, c.claims))
		if (err == nil) != c.ok {
			t.Errorf("%s: Verify err = %v, want ok=%v", c.name, err, c.ok)
		}
		if err != nil && !errors.Is(err, auth.ErrInvalidToken) {
			t.Errorf("%s: %v is not ErrInvalidToken", c.name, err)
		}
	}

	// A lifetime that is not whole seconds is rounded up, as exp and iat are
	// written in seconds: the signer's own tokens always verify.
	odd := auth.NewSigner(key, nil, "iss", "aud", 1500*time.Millisecond)
	for i := range 5 {
		tok, _, err := odd.IssueAccess(domain.Principal{Kind: domain.PrincipalUser, ID: uuid.New()}, now.Add(time.Duration(i)*300*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := odd.Verify(tok); err != nil {
			t.Fatalf("own token with a 1.5 s lifetime: %v", err)
		}
	}
}
