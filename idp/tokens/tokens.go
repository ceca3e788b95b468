// Package tokens holds the local server's token keys and every JSON Web
// Token it signs or verifies: the RS256 ID and access tokens with Cognito's
// claims (docs/protocol.md §8), their verification, the JSON Web Key Set
// (RFC 7517) served at <issuer>/.well-known/jwks.json, and the opaque
// refresh tokens (an origin id and a secret whose SHA-256 the store keeps).
//
// An Issuer is one pool's key: the JOSE work is the library package
// github.com/caldera-srp/caldera/token's (token.Signer signs, RS256 with
// {"alg","kid"} as Cognito does; token.Verifier verifies against the
// pool's own key set, offline, with AnyIssuer: the caller checks iss, which
// follows the endpoint a client used). An Issuer is immutable and safe for
// concurrent use: no lock is taken to sign or verify.
//
// Imports within idp: none (outside idp: token).
package tokens

import (
	"context"
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
	"math/big"
	"strings"
	"time"

	"github.com/caldera-srp/caldera/token"
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

// Issuer signs and verifies the tokens of one pool with its RSA key.
type Issuer struct {
	key      *rsa.PrivateKey // for Certificate only
	signer   *token.Signer
	verifier *token.Verifier
	jwks     JWKSet
}

// NewIssuer returns the Issuer of pool poolID for key (at least 2048
// bits); now is the clock tokens are verified against.
func NewIssuer(poolID string, key *rsa.PrivateKey, now func() time.Time) (*Issuer, error) {
	if key == nil || key.N == nil || key.N.BitLen() < 2048 {
		return nil, errors.New("idp/tokens: signing key must be RSA of at least 2048 bits")
	}
	sg, err := token.NewSigner(key, KeyID(poolID, &key.PublicKey))
	if err != nil {
		return nil, fmt.Errorf("idp/tokens: %w", err)
	}
	set := sg.JWKS()
	v, err := token.NewVerifier(token.Config{
		Pools: []token.Pool{{AnyIssuer: true, JWKS: set, Use: token.EitherToken, AnyClient: true}},
		Now:   now,
	})
	if err != nil {
		return nil, fmt.Errorf("idp/tokens: %w", err)
	}
	is := &Issuer{key: key, signer: sg, verifier: v}
	if err := json.Unmarshal(set, &is.jwks); err != nil {
		return nil, fmt.Errorf("idp/tokens: %w", err)
	}
	return is, nil
}

// KeyID names a pool's public key in its JWKS: the standard base64 of the
// SHA-256 of the pool id, a NUL and the modulus, so that two pools never
// share a kid (even when a test gives them one key).
func KeyID(poolID string, k *rsa.PublicKey) string {
	h := sha256.New()
	h.Write([]byte(poolID))
	h.Write([]byte{0})
	h.Write(k.N.Bytes())
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// Sign returns an RS256 JWS compact serialization (RFC 7515, Section
// 7.1) of claims with the issuer's key id.
func (is *Issuer) Sign(claims map[string]any) (string, error) { return is.signer.Sign(claims) }

// Verify checks a token's RS256 signature against the issuer's key set
// and its times (exp, iat) against the clock, and returns its claims. The
// iss claim and revocation are the caller's business (the origin_jti
// claim names the sign-in).
func (is *Issuer) Verify(tok string) (Claims, error) {
	c, err := is.verifier.Verify(context.Background(), tok)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrToken, err)
	}
	// Numbers as encoding/json decodes them by default (float64), as
	// callers of this package have always seen them.
	out := make(Claims, len(c.Raw))
	for k, v := range c.Raw {
		if n, ok := v.(json.Number); ok {
			f, _ := n.Float64()
			v = f
		}
		out[k] = v
	}
	return out, nil
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
func (is *Issuer) JWKS() JWKSet { return is.jwks }

// PoolOf returns the pool id a token's (unverified) iss names: its last
// path segment. It only chooses the key set to verify with; the key set
// decides.
func PoolOf(tok string) string {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 || len(parts[1]) > 16<<10 {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var c struct {
		Iss string `json:"iss"`
	}
	if json.Unmarshal(b, &c) != nil {
		return ""
	}
	return c.Iss[strings.LastIndexByte(c.Iss, '/')+1:]
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
	// Scope, when set, is the access token's scope claim (an OAuth 2.0
	// sign-in at the hosted pages, space-separated); the ID token then
	// carries at_hash (OpenID Connect Core 1.0, Section 3.1.3.6).
	Scope string
	// Nonce, when set, is the ID token's nonce claim (OpenID Connect Core
	// 1.0, Section 3.1.2.1).
	Nonce string
	// Groups are the user's groups, in the order of the cognito:groups
	// claim (ID and access token); Roles and PreferredRole are the
	// cognito:roles and cognito:preferred_role claims of the ID token.
	// Empty ones are left out.
	Groups        []string
	Roles         []string
	PreferredRole string
	// IDClaims and AccessClaims are added to the tokens (overriding what
	// is there) after IDSuppress and AccessSuppress are removed;
	// ScopeOverride, when set, replaces the access token's scope. They
	// carry a pre token generation trigger's answer; Mint ignores reserved
	// claims in them.
	IDClaims, AccessClaims     map[string]any
	IDSuppress, AccessSuppress []string
	ScopeOverride              *string
}

// Pair is a signed ID and access token.
type Pair struct {
	IDToken     string
	AccessToken string
}

// Mint signs the ID and access tokens of g with Cognito's claims: numeric
// iat, exp and auth_time; *_verified attributes as booleans; the access
// token's scope aws.cognito.signin.user.admin (or g.Scope, or a trigger's
// g.ScopeOverride) and its device_key when the sign-in used a device
// (docs/protocol.md §8); nonce and at_hash when g asks for them (the access
// token is signed first, since the ID token's at_hash is computed over it);
// the groups' cognito:groups (both tokens), cognito:roles and
// cognito:preferred_role (ID token); and a pre token generation trigger's
// changes (g.IDSuppress, g.IDClaims, …).
//
// Reserved claims (Reserved) come last, from g's own fields only: no
// attribute and no trigger claim or suppression ever replaces or removes
// one, whatever the caller checked before.
func (is *Issuer) Mint(g Grant) (Pair, error) {
	id := map[string]any{}
	for k, v := range g.Attrs {
		if Reserved(k) {
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
	access := map[string]any{}
	trigger := func(claims map[string]any, suppress []string, add map[string]any) {
		for _, c := range suppress {
			if !Reserved(c) {
				delete(claims, c)
			}
		}
		for k, v := range add {
			if !Reserved(k) {
				claims[k] = v
			}
		}
	}
	trigger(id, g.IDSuppress, g.IDClaims)
	trigger(access, g.AccessSuppress, g.AccessClaims)
	for k, v := range map[string]any{
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
	} {
		id[k] = v
	}
	scope := "aws.cognito.signin.user.admin"
	if g.Scope != "" {
		scope = g.Scope
	}
	if g.ScopeOverride != nil {
		scope = *g.ScopeOverride
	}
	for k, v := range map[string]any{
		"sub":        g.Sub,
		"iss":        g.Issuer,
		"client_id":  g.ClientID,
		"origin_jti": g.OriginJTI,
		"event_id":   g.EventID,
		"token_use":  "access",
		"scope":      scope,
		"auth_time":  g.AuthTime.Unix(),
		"exp":        g.Now.Add(g.AccessTTL).Unix(),
		"iat":        g.Now.Unix(),
		"jti":        g.AccessJTI,
		"username":   g.Username,
	} {
		access[k] = v
	}
	if g.DeviceKey != "" {
		access["device_key"] = g.DeviceKey
	}
	if g.Nonce != "" {
		id["nonce"] = g.Nonce
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
	accTok, err := is.Sign(access)
	if err != nil {
		return Pair{}, err
	}
	if g.Scope != "" {
		id["at_hash"] = AtHash(accTok)
	}
	idTok, err := is.Sign(id)
	if err != nil {
		return Pair{}, err
	}
	return Pair{IDToken: idTok, AccessToken: accTok}, nil
}

// Reserved reports whether a claim name is one only the server sets (RFC
// 7519 Section 4.1, OpenID Connect Core Section 2, and Cognito's own):
// Mint never takes it from an attribute, whether or not it mints it.
func Reserved(name string) bool {
	switch name {
	case "sub", "iss", "aud", "exp", "nbf", "iat", "jti", "auth_time", "nonce", "acr", "amr", "azp", "at_hash",
		"token_use", "origin_jti", "event_id", "client_id", "username", "scope", "device_key", "version":
		return true
	}
	return strings.HasPrefix(name, "cognito:")
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
