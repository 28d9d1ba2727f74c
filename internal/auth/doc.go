// Package auth owns credential cryptography: argon2id password hashes,
// Ed25519-signed JWT access tokens with their JWKS, and the AES-256-GCM
// sealer that keeps TOTP secrets encrypted at rest. The rules about who may
// sign in live in domain.AuthService; this package only signs and verifies.
package auth
