package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"time"
)

// errToken is returned for a token that does not verify against the JWKS.
var errToken = errors.New("caldera: token does not verify")

// jwks is a JSON Web Key Set (RFC 7517, Section 5) reduced to the RSA
// signing keys, by key id.
type jwks map[string]*rsa.PublicKey

// fetchJWKS downloads and parses the key set at url, as any resource server
// would do with <issuer>/.well-known/jwks.json.
func fetchJWKS(ctx context.Context, c *http.Client, url string) (jwks, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("caldera: JWKS: %w", err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("caldera: JWKS: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("caldera: JWKS: HTTP %d from %s", resp.StatusCode, url)
	}
	var set struct {
		Keys []struct {
			Kty, Kid, Use, Alg, N, E string
		} `json:"keys"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&set); err != nil {
		return nil, fmt.Errorf("caldera: JWKS: %w", err)
	}
	keys := jwks{}
	for _, k := range set.Keys {
		if k.Kty != "RSA" || (k.Use != "" && k.Use != "sig") {
			continue
		}
		n, err1 := base64.RawURLEncoding.DecodeString(k.N)
		e, err2 := base64.RawURLEncoding.DecodeString(k.E)
		if err1 != nil || err2 != nil || len(e) == 0 || len(e) > 4 {
			return nil, fmt.Errorf("caldera: JWKS: key %q is malformed", k.Kid)
		}
		keys[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("caldera: JWKS: no RSA signing key at %s", url)
	}
	return keys, nil
}

// verifiedJWT is a token whose RS256 signature verified.
type verifiedJWT struct {
	Kid    string
	Claims map[string]any
}

// verify checks an RS256 JWT (RFC 7515, Section 5.2; RFC 7518, Section 3.3)
// against the key set and its exp against now, and returns its claims.
func (ks jwks) verify(token string, now time.Time) (*verifiedJWT, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%w: not a JWS compact serialization", errToken)
	}
	var hdr struct{ Alg, Kid string }
	if err := decodeSegment(parts[0], &hdr); err != nil {
		return nil, err
	}
	if hdr.Alg != "RS256" {
		return nil, fmt.Errorf("%w: alg %q, want RS256", errToken, hdr.Alg)
	}
	key := ks[hdr.Kid]
	if key == nil {
		return nil, fmt.Errorf("%w: no key %q in the JWKS", errToken, hdr.Kid)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, fmt.Errorf("%w: signature is not base64url", errToken)
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(key, crypto.SHA256, digest[:], sig); err != nil {
		return nil, fmt.Errorf("%w: bad signature", errToken)
	}
	var claims map[string]any
	if err := decodeSegment(parts[1], &claims); err != nil {
		return nil, err
	}
	exp, ok := claims["exp"].(json.Number)
	if !ok {
		return nil, fmt.Errorf("%w: no numeric exp", errToken)
	}
	if e, err := exp.Int64(); err != nil || !now.Before(time.Unix(e, 0)) {
		return nil, fmt.Errorf("%w: expired", errToken)
	}
	return &verifiedJWT{Kid: hdr.Kid, Claims: claims}, nil
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return fmt.Errorf("%w: segment is not base64url", errToken)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: segment is not JSON", errToken)
	}
	return nil
}
