// Package tokens holds the local server's token keys and every JSON Web
// Token it signs or verifies: the RS256 ID and access tokens with Cognito's
// claims (docs/protocol.md §8), their verification, the JSON Web Key Set
// (RFC 7517) served at <issuer>/.well-known/jwks.json, and the opaque
// refresh tokens (an origin id and a secret whose SHA-256 the store keeps).
//
// All JWT signing and verification of idp is here and nowhere else, so
// that it can be moved onto a JWT library in one place. Signing is RSA
// PKCS #1 v1.5 with SHA-256 (RFC 7518, Section 3.3) from crypto/rsa; the
// key id is compared in constant time and the signature check is
// crypto/rsa's. An Issuer is immutable and safe for concurrent use: no lock
// is taken to sign or verify.
//
// It imports nothing else of idp.
package tokens

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"strings"
	"time"
)

// Claims are the decoded claims of a token.
type Claims map[string]any

// String returns the claim name as a string, or "".
func (c Claims) String(name string) string {
	v, _ := c[name].(string)
	return v
}

// Unix returns a numeric claim (exp, iat, auth_time) as a time.
func (c Claims) Unix(name string) time.Time {
	switch v := c[name].(type) {
	case float64:
		return time.Unix(int64(v), 0)
	case json.Number:
		n, _ := v.Int64()
		return time.Unix(n, 0)
	}
	return time.Time{}
}

// ErrToken is returned by Verify for a token that is malformed, not signed
// by this issuer's key, or expired.
var ErrToken = errors.New("idp: invalid token")

// Issuer signs and verifies tokens with one RSA key.
type Issuer struct {
	key *rsa.PrivateKey
	kid string
}

// NewIssuer returns an Issuer for key (at least 2048 bits).
func NewIssuer(key *rsa.PrivateKey) (*Issuer, error) {
	if key == nil || key.N.BitLen() < 2048 {
		return nil, errors.New("idp/tokens: signing key must be RSA of at least 2048 bits")
	}
	return &Issuer{key: key, kid: KeyID(&key.PublicKey)}, nil
}

// KeyID names a public key in the JWKS: the standard base64 of the SHA-256
// of its modulus.
func KeyID(k *rsa.PublicKey) string {
	h := sha256.Sum256(k.N.Bytes())
	return base64.StdEncoding.EncodeToString(h[:])
}

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// Sign returns an RS256 JWS compact serialization (RFC 7515, Section
// 7.1) of claims with the issuer's key id.
func (is *Issuer) Sign(claims map[string]any) (string, error) {
	header, err := json.Marshal(map[string]string{"kid": is.kid, "alg": "RS256"})
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	signing := b64url(header) + "." + b64url(payload)
	h := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(nil, is.key, crypto.SHA256, h[:])
	if err != nil {
		return "", err
	}
	return signing + "." + b64url(sig), nil
}

// Verify checks a token's RS256 signature against the issuer's key and its
// expiry against now, and returns its claims. Revocation is the caller's
// business (the origin_jti claim names the sign-in).
func (is *Issuer) Verify(token string, now time.Time) (Claims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%w: not a JWT", ErrToken)
	}
	hb, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	pb, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	sig, err3 := base64.RawURLEncoding.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil {
		return nil, fmt.Errorf("%w: bad base64", ErrToken)
	}
	var hdr struct{ Alg, Kid string }
	if json.Unmarshal(hb, &hdr) != nil || hdr.Alg != "RS256" || subtle.ConstantTimeCompare([]byte(hdr.Kid), []byte(is.kid)) != 1 {
		return nil, fmt.Errorf("%w: header", ErrToken)
	}
	h := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(&is.key.PublicKey, crypto.SHA256, h[:], sig) != nil {
		return nil, fmt.Errorf("%w: signature", ErrToken)
	}
	var c Claims
	if err := json.Unmarshal(pb, &c); err != nil {
		return nil, fmt.Errorf("%w: claims", ErrToken)
	}
	if exp := c.Unix("exp"); exp.IsZero() || !now.Before(exp) {
		return nil, fmt.Errorf("%w: expired", ErrToken)
	}
	return c, nil
}

// JWK is one key of a JSON Web Key Set (RFC 7517), as Cognito publishes it.
type JWK struct {
	Alg string `json:"alg"`
	E   string `json:"e"`
	Kid string `json:"kid"`
	Kty string `json:"kty"`
	N   string `json:"n"`
	Use string `json:"use"`
}

// JWKSet is the document served at <issuer>/.well-known/jwks.json.
type JWKSet struct {
	Keys []JWK `json:"keys"`
}

// JWKS returns the key set that verifies the issuer's tokens.
func (is *Issuer) JWKS() JWKSet {
	pub := &is.key.PublicKey
	return JWKSet{Keys: []JWK{{
		Alg: "RS256", Kty: "RSA", Use: "sig", Kid: is.kid,
		N: b64url(pub.N.Bytes()), E: b64url(big.NewInt(int64(pub.E)).Bytes()),
	}}}
}

// Grant is what one ID and access token pair says: who signed in, through
// which client and sign-in (origin), and for how long.
type Grant struct {
	Issuer    string // <endpoint>/<poolId>
	ClientID  string
	Username  string // internal name
	Sub       string
	Attrs     map[string]string // the user's attributes, for the ID token
	OriginJTI string
	DeviceKey string // "" for none
	AuthTime  time.Time
	Now       time.Time
	AccessTTL time.Duration
	IDTTL     time.Duration
	// EventID, IDJTI and AccessJTI are fresh random ids (caller-drawn).
	EventID, IDJTI, AccessJTI string
	// Groups are the user's groups, in the order of the cognito:groups
	// claim (ID and access token); Roles and PreferredRole are the
	// cognito:roles and cognito:preferred_role claims of the ID token.
	// Empty ones are left out.
	Groups        []string
	Roles         []string
	PreferredRole string
	// IDClaims and AccessClaims are added to the tokens (overriding what
	// is there) after IDSuppress and AccessSuppress are removed; Scope,
	// when set, replaces the access token's scope. They carry a pre token
	// generation trigger's answer; the caller keeps reserved claims out.
	IDClaims, AccessClaims     map[string]any
	IDSuppress, AccessSuppress []string
	Scope                      *string
}

// Pair is a signed ID and access token.
type Pair struct {
	IDToken     string
	AccessToken string
}

// Mint signs the ID and access tokens of g with Cognito's claims: numeric
// iat, exp and auth_time; *_verified attributes as booleans; the access
// token's scope aws.cognito.signin.user.admin and its device_key when the
// sign-in used a device (docs/protocol.md §8).
func (is *Issuer) Mint(g Grant) (Pair, error) {
	id := map[string]any{
		"sub":              g.Sub,
		"iss":              g.Issuer,
		"cognito:username": g.Username,
		"origin_jti":       g.OriginJTI,
		"aud":              g.ClientID,
		"event_id":         g.EventID,
		"token_use":        "id",
		"auth_time":        g.AuthTime.Unix(),
		"exp":              g.Now.Add(g.IDTTL).Unix(),
		"iat":              g.Now.Unix(),
		"jti":              g.IDJTI,
	}
	for k, v := range g.Attrs {
		if k == "sub" {
			continue
		}
		switch v {
		case "true", "false":
			if strings.HasSuffix(k, "_verified") {
				id[k] = v == "true"
				continue
			}
		}
		id[k] = v
	}
	access := map[string]any{
		"sub":        g.Sub,
		"iss":        g.Issuer,
		"client_id":  g.ClientID,
		"origin_jti": g.OriginJTI,
		"event_id":   g.EventID,
		"token_use":  "access",
		"scope":      "aws.cognito.signin.user.admin",
		"auth_time":  g.AuthTime.Unix(),
		"exp":        g.Now.Add(g.AccessTTL).Unix(),
		"iat":        g.Now.Unix(),
		"jti":        g.AccessJTI,
		"username":   g.Username,
	}
	if g.DeviceKey != "" {
		access["device_key"] = g.DeviceKey
	}
	if len(g.Groups) > 0 {
		id["cognito:groups"], access["cognito:groups"] = g.Groups, g.Groups
	}
	if len(g.Roles) > 0 {
		id["cognito:roles"] = g.Roles
	}
	if g.PreferredRole != "" {
		id["cognito:preferred_role"] = g.PreferredRole
	}
	for _, c := range g.IDSuppress {
		delete(id, c)
	}
	for _, c := range g.AccessSuppress {
		delete(access, c)
	}
	maps.Copy(id, g.IDClaims)
	maps.Copy(access, g.AccessClaims)
	if g.Scope != nil {
		access["scope"] = *g.Scope
	}
	idTok, err := is.Sign(id)
	if err != nil {
		return Pair{}, err
	}
	accTok, err := is.Sign(access)
	if err != nil {
		return Pair{}, err
	}
	return Pair{IDToken: idTok, AccessToken: accTok}, nil
}

// Refresh tokens are opaque to clients: the origin's id and a random
// secret, each base64url, joined by ".". The store keeps only the secret's
// SHA-256 (RefreshHash), so a stolen store does not yield usable tokens.

// EncodeRefresh returns the refresh token of origin jti with secret.
func EncodeRefresh(jti string, secret []byte) string {
	return b64url([]byte(jti)) + "." + b64url(secret)
}

// ParseRefresh splits a refresh token into its origin id and secret.
func ParseRefresh(token string) (jti string, secret []byte, ok bool) {
	id, sec, found := strings.Cut(token, ".")
	if !found {
		return "", nil, false
	}
	j, err1 := base64.RawURLEncoding.DecodeString(id)
	s, err2 := base64.RawURLEncoding.DecodeString(sec)
	if err1 != nil || err2 != nil {
		return "", nil, false
	}
	return string(j), s, true
}

// RefreshHash is the hash of a refresh secret that the store keeps.
func RefreshHash(secret []byte) []byte {
	h := sha256.Sum256(secret)
	return h[:]
}

// RefreshMatches reports in constant time whether secret hashes to hash.
func RefreshMatches(secret, hash []byte) bool {
	return subtle.ConstantTimeCompare(RefreshHash(secret), hash) == 1
}

// Certificate returns a self-signed X.509 certificate (base64 of its DER)
// of the issuer's public key with common name cn, valid for ten years from
// now: what GetSigningCertificate answers.
func (is *Issuer) Certificate(cn string, now time.Time) (string, error) {
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    now.Add(-time.Minute),
		NotAfter:     now.AddDate(10, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &is.key.PublicKey, is.key)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(der), nil
}
