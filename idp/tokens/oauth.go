package tokens

import (
	"crypto/sha256"
	"time"
)

// AtHash is the at_hash of an access token for an RS256 ID token: the
// base64url of the left half of the SHA-256 of its ASCII octets (OpenID
// Connect Core 1.0, Section 3.1.3.6).
func AtHash(accessToken string) string {
	h := sha256.Sum256([]byte(accessToken))
	return b64url(h[:len(h)/2])
}

// ClientGrant is what a client_credentials access token says (RFC 6749,
// Section 4.4): the client itself is the subject.
type ClientGrant struct {
	Issuer   string // <endpoint>/<poolId>
	ClientID string
	Scope    string // space-separated resource-server scopes
	Now      time.Time
	TTL      time.Duration
	JTI      string // a fresh random id (caller-drawn)
}

// MintClient signs a client_credentials access token with Cognito's
// claims: sub and client_id are the client, token_use access, version 2.
func (is *Issuer) MintClient(g ClientGrant) (string, error) {
	return is.Sign(map[string]any{
		"sub":       g.ClientID,
		"token_use": "access",
		"scope":     g.Scope,
		"auth_time": g.Now.Unix(),
		"iss":       g.Issuer,
		"exp":       g.Now.Add(g.TTL).Unix(),
		"iat":       g.Now.Unix(),
		"version":   2,
		"jti":       g.JTI,
		"client_id": g.ClientID,
	})
}
