package token

import (
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/go-jose/go-jose/v4"
)

// Signer signs tokens the way Cognito does: RS256 (RFC 7518, Section 3.3)
// with the header {"alg":"RS256","kid":KID}. It is what an issuer (idp,
// a test) uses; the Verifier verifies what it signs.
type Signer struct {
	signer jose.Signer
	kid    string
	pub    *rsa.PublicKey
}

// NewSigner returns a Signer for key, an RSA key of at least 2048 bits,
// named kid in the key set.
func NewSigner(key *rsa.PrivateKey, kid string) (*Signer, error) {
	if key == nil || key.N == nil {
		return nil, errors.New("token: NewSigner: no key")
	}
	if key.N.BitLen() < minRSABits {
		return nil, fmt.Errorf("token: NewSigner: %d-bit key, want at least %d", key.N.BitLen(), minRSABits)
	}
	if kid == "" {
		return nil, errors.New("token: NewSigner: empty kid")
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: kid}}, nil)
	if err != nil {
		return nil, fmt.Errorf("token: NewSigner: %w", err)
	}
	return &Signer{signer: s, kid: kid, pub: &key.PublicKey}, nil
}

// Sign returns the compact JWS of claims, marshaled with encoding/json.
func (s *Signer) Sign(claims any) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("token: Sign: %w", err)
	}
	jws, err := s.signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("token: Sign: %w", err)
	}
	return jws.CompactSerialize()
}

// KeyID returns the signer's kid.
func (s *Signer) KeyID() string { return s.kid }

// JWKS returns the key set that verifies the signer's tokens, as Cognito
// serves it at <issuer>/.well-known/jwks.json: one RSA key with its kid,
// alg RS256 and use sig (RFC 7517, Section 5).
func (s *Signer) JWKS() []byte {
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
		Key: s.pub, KeyID: s.kid, Algorithm: string(jose.RS256), Use: "sig",
	}}})
	if err != nil {
		panic("token: marshaling a valid RSA public key: " + err.Error()) // cannot happen
	}
	return b
}
