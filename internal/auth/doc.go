// Package auth owns credential cryptography: argon2id password hashes and
// Ed25519-signed JWT access tokens with their JWKS. The rules about who may
// sign in live in domain.AuthService; this package only signs and verifies.
package auth
