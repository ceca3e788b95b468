package token_test

import (
	"context"
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/caldera-srp/caldera/token"
)

// TestBadTokens: every way a token can be wrong gets its typed error, and
// no error message contains the token or its signature.
func TestBadTokens(t *testing.T) {
	f := newFixture(t)
	k := f.keys
	good := jwt(t, hdr("kidA"), idClaims(), k.a)
	parts := strings.Split(good, ".")
	sign := func(claims map[string]any) string { return jwt(t, hdr("kidA"), claims, k.a) }
	signB := func(claims map[string]any) string { return jwt(t, hdr("kidB"), claims, k.b) }
	signC := func(claims map[string]any) string { return jwt(t, hdr("kidC"), claims, k.c) }
	cClaims := func(kv ...any) map[string]any {
		return with(idClaims(), append([]any{"iss", issC, "cognito:groups", []string{"users", "admin"}}, kv...)...)
	}
	pubPEM := func() []byte {
		der, err := x509.MarshalPKIXPublicKey(&k.a.PublicKey)
		require.NoError(t, err)
		return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	}()

	cases := []struct {
		name  string
		token string
		want  error
	}{
		// Form.
		{"empty", "", token.ErrMalformed},
		{"two parts", parts[0] + "." + parts[1], token.ErrMalformed},
		{"four parts", good + ".x", token.ErrMalformed},
		{"truncated", good[:len(good)/2], token.ErrMalformed},
		{"oversized", sign(with(idClaims(), "pad", strings.Repeat("x", 17<<10))), token.ErrMalformed},
		{"non-base64 header", "!!!." + parts[1] + "." + parts[2], token.ErrMalformed},
		{"non-base64 payload", parts[0] + ".%%%." + parts[2], token.ErrMalformed},
		{"non-base64 signature", parts[0] + "." + parts[1] + ".***", token.ErrMalformed},
		{"header JSON garbage", b64([]byte(`{"alg":"RS256",`)) + "." + parts[1] + "." + parts[2], token.ErrMalformed},
		{"payload JSON garbage", jwtRaw(t, hdr("kidA"), []byte(`{"iss":`), k.a), token.ErrMalformed},
		{"payload is an array", jwtRaw(t, hdr("kidA"), []byte(`["iss"]`), k.a), token.ErrMalformed},
		{"payload is two objects", jwtRaw(t, hdr("kidA"), []byte(`{}{}`), k.a), token.ErrMalformed},
		{"exp is a string", sign(with(idClaims(), "exp", "2030-01-01")), token.ErrMalformed},
		{"exp is negative", sign(with(idClaims(), "exp", -1)), token.ErrMalformed},

		// Algorithm.
		{"alg none", jwt(t, map[string]any{"alg": "none", "kid": "kidA"}, idClaims(), nil), token.ErrAlgorithm},
		{"alg nOnE", jwt(t, map[string]any{"alg": "nOnE", "kid": "kidA"}, idClaims(), nil), token.ErrAlgorithm},
		{"no alg", jwt(t, map[string]any{"kid": "kidA"}, idClaims(), k.a), token.ErrAlgorithm},
		{"HS256 with the public key as secret", hs256(t, pubPEM, idClaims()), token.ErrAlgorithm},
		{"RS512 by the right key", rsWith(t, k.a, "RS512", crypto.SHA512, idClaims()), token.ErrAlgorithm},
		{"PS256 by the right key", ps256(t, k.a, idClaims()), token.ErrAlgorithm},
		{"ES256 header", jwt(t, map[string]any{"alg": "ES256", "kid": "ec"}, cClaims(), k.c), token.ErrAlgorithm},
		{"kid names an EC key", jwt(t, hdr("ec"), cClaims(), k.c), token.ErrAlgorithm},
		{"kid names an RS512 key", jwt(t, hdr("rs512"), cClaims(), k.c), token.ErrAlgorithm},
		{"kid names a 1024-bit key", jwt(t, hdr("small"), cClaims(), k.small), token.ErrAlgorithm},

		// Key.
		{"no kid", jwt(t, map[string]any{"alg": "RS256"}, idClaims(), k.a), token.ErrUnknownKey},
		{"kid miss", jwt(t, hdr("kidZ"), idClaims(), k.a), token.ErrUnknownKey},
		{"kid of another pool's set only", jwt(t, hdr("kidB"), idClaims(), k.b), token.ErrUnknownKey},
		{"kid of an HMAC key in the set", jwt(t, hdr("oct"), cClaims(), k.c), token.ErrUnknownKey},
		{"kid of an encryption key", jwt(t, hdr("enc"), cClaims(), k.c), token.ErrUnknownKey},

		// Signature.
		{"signed by another key", jwt(t, hdr("kidA"), idClaims(), k.other), token.ErrSignature},
		{"tampered payload", parts[0] + "." + b64(mustJSON(t, with(idClaims(), "cognito:username", "mallory"))) + "." + parts[2], token.ErrSignature},
		{"tampered header", b64(mustJSON(t, map[string]any{"alg": "RS256", "kid": "kidA", "typ": "JWT"})) + "." + parts[1] + "." + parts[2], token.ErrSignature},
		{"flipped signature bit", parts[0] + "." + parts[1] + "." + flip(t, parts[2]), token.ErrSignature},
		{"signature stripped", parts[0] + "." + parts[1] + ".", token.ErrSignature},
		{"signature of another token", parts[0] + "." + parts[1] + "." + strings.Split(sign(with(idClaims(), "jti", "j9")), ".")[2], token.ErrSignature},
		{"embedded jwk of the signer", jwt(t, map[string]any{"alg": "RS256", "kid": "kidA", "jwk": jwkOf(t, k.other)}, idClaims(), k.other), token.ErrSignature},

		// Issuer.
		{"wrong issuer", sign(with(idClaims(), "iss", "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Evil")), token.ErrWrongIssuer},
		{"issuer with a trailing slash", sign(with(idClaims(), "iss", issA+"/")), token.ErrWrongIssuer},
		{"issuer over http", sign(with(idClaims(), "iss", strings.Replace(issA, "https", "http", 1))), token.ErrWrongIssuer},
		{"missing iss", sign(with(idClaims(), "iss", nil)), token.ErrMissingClaim},

		// Time (the clock is t0).
		{"expired", sign(with(idClaims(), "exp", t0.Unix()-1)), token.ErrExpired},
		{"expires now", sign(with(idClaims(), "exp", t0.Unix())), token.ErrExpired},
		{"not yet valid", sign(with(idClaims(), "nbf", t0.Unix()+60)), token.ErrNotYetValid},
		{"iat in the future", sign(with(idClaims(), "iat", t0.Unix()+60)), token.ErrNotYetValid},
		{"missing exp", sign(with(idClaims(), "exp", nil)), token.ErrMissingClaim},
		{"missing iat", sign(with(idClaims(), "iat", nil)), token.ErrMissingClaim},

		// Claims.
		{"missing sub", sign(with(idClaims(), "sub", nil)), token.ErrMissingClaim},
		{"missing token_use", sign(with(idClaims(), "token_use", nil)), token.ErrMissingClaim},
		{"access token where ID tokens go", sign(with(idClaims(), "token_use", "access", "client_id", "clientA")), token.ErrWrongTokenUse},
		{"ID token where access tokens go", signB(with(accessClaims(), "token_use", "id", "aud", "clientB")), token.ErrWrongTokenUse},
		{"token_use refresh where either goes", signC(cClaims("token_use", "refresh")), token.ErrWrongTokenUse},
		{"wrong client (aud)", sign(with(idClaims(), "aud", "clientX")), token.ErrWrongClient},
		{"wrong client (client_id)", signB(with(accessClaims(), "client_id", "clientX")), token.ErrWrongClient},
		{"client in aud of an access token", signB(with(accessClaims(), "client_id", nil, "aud", "clientB")), token.ErrMissingClaim},
		{"client in client_id of an ID token", sign(with(idClaims(), "aud", nil, "client_id", "clientA")), token.ErrMissingClaim},
		{"two audiences", sign(with(idClaims(), "aud", []string{"clientA", "clientX"})), token.ErrWrongClient},
		{"no required scope", signB(with(accessClaims(), "scope", "aws.cognito.signin.user.admin")), token.ErrMissingScope},
		{"scope as a substring only", signB(with(accessClaims(), "scope", "reader writer")), token.ErrMissingScope},
		{"no required group", signC(cClaims("cognito:groups", []string{"users"})), token.ErrMissingGroup},
		{"no groups", signC(cClaims("cognito:groups", nil)), token.ErrMissingGroup},
		{"refused by the check hook", sign(with(idClaims(), "custom:banned", "true")), token.ErrCheck},
	}
	require.GreaterOrEqual(t, len(cases), 25)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := f.v.Verify(context.Background(), tc.token)
			require.ErrorIs(t, err, tc.want, "token %.40s…", tc.token)
			assert.Nil(t, c)
			msg := err.Error()
			t.Log(msg)
			if tc.token != "" {
				assert.NotContains(t, msg, tc.token)
			}
			if p := strings.Split(tc.token, "."); len(p) == 3 && len(p[2]) > 8 {
				assert.NotContains(t, msg, p[2][:8], "the message shows the signature")
			}
			if p := strings.Split(tc.token, "."); len(p) >= 2 && len(p[1]) > 16 {
				assert.NotContains(t, msg, p[1][:16], "the message shows the payload")
			}
		})
	}
	t.Run("hook error wrapped", func(t *testing.T) {
		_, err := f.v.Verify(context.Background(), sign(with(idClaims(), "custom:banned", "true")))
		require.ErrorIs(t, err, errBanned)
	})
}

// TestGoodTokens: the fixture's pools accept what they should, and the
// claims are read out.
func TestGoodTokens(t *testing.T) {
	f := newFixture(t)
	k := f.keys
	ctx := context.Background()

	c, err := f.v.Verify(ctx, jwt(t, hdr("kidA"), idClaims(), k.a))
	require.NoError(t, err)
	assert.Equal(t, token.IDToken, c.Use)
	assert.Equal(t, issA, c.Issuer)
	assert.Equal(t, poolA, c.PoolID)
	assert.Equal(t, "clientA", c.ClientID)
	assert.Equal(t, "alice", c.Username)
	assert.Equal(t, "kidA", c.KeyID)
	assert.Equal(t, "alice@example.com", c.String("email"))
	assert.Equal(t, t0.Add(3540*time.Second), c.Expiry.UTC())
	assert.Equal(t, t0.Add(-60*time.Second), c.IssuedAt.UTC())
	assert.Equal(t, t0.Add(-60*time.Second), c.AuthTime.UTC())
	assert.True(t, c.NotBefore.IsZero())

	// The second client of pool A; aud as a one-element array.
	_, err = f.v.Verify(ctx, jwt(t, hdr("kidA"), with(idClaims(), "aud", []string{"clientA2"}), k.a))
	require.NoError(t, err)

	c, err = f.v.Verify(ctx, jwt(t, hdr("kidB"), accessClaims(), k.b))
	require.NoError(t, err)
	assert.Equal(t, token.AccessToken, c.Use)
	assert.Equal(t, "clientB", c.ClientID)
	assert.Equal(t, "bob", c.Username)
	assert.Equal(t, []string{"aws.cognito.signin.user.admin", "read"}, c.Scopes)

	// Pool C takes either kind, from any client, in group ops.
	for _, use := range []string{"id", "access"} {
		cl := with(idClaims(), "iss", issC, "token_use", use, "client_id", "anyclient", "aud", "anyclient", "cognito:groups", []string{"ops"})
		c, err = f.v.Verify(ctx, jwt(t, hdr("kidC"), cl, k.c))
		require.NoError(t, err, use)
		assert.Equal(t, token.Use(use), c.Use)
		assert.Equal(t, []string{"ops"}, c.Groups)
		assert.Equal(t, "anyclient", c.ClientID)
	}
	// nbf and iat exactly now are valid; fractional NumericDates too.
	_, err = f.v.Verify(ctx, jwt(t, hdr("kidA"), with(idClaims(), "nbf", t0.Unix(), "iat", t0.Unix(), "exp", float64(t0.Unix())+0.5), k.a))
	require.NoError(t, err)
	assert.Equal(t, 6, f.checked, "the check hook runs once per good token")
}

// TestLeeway: exp, nbf and iat are off by the leeway, no more.
func TestLeeway(t *testing.T) {
	k := fixtureKeys(t)
	s, err := token.NewSigner(k.a, "kidA")
	require.NoError(t, err)
	v, err := token.NewVerifier(token.Config{
		Pools:  []token.Pool{{ID: poolA, JWKS: s.JWKS(), Use: token.IDToken, ClientIDs: []string{"clientA"}}},
		Leeway: 30 * time.Second, Now: func() time.Time { return t0 },
	})
	require.NoError(t, err)
	for _, tc := range []struct {
		claims map[string]any
		want   error
	}{
		{with(idClaims(), "exp", t0.Unix()-29), nil},
		{with(idClaims(), "exp", t0.Unix()-30), token.ErrExpired},
		{with(idClaims(), "nbf", t0.Unix()+30), nil},
		{with(idClaims(), "nbf", t0.Unix()+31), token.ErrNotYetValid},
		{with(idClaims(), "iat", t0.Unix()+30), nil},
		{with(idClaims(), "iat", t0.Unix()+31), token.ErrNotYetValid},
	} {
		tok, err := s.Sign(tc.claims)
		require.NoError(t, err)
		_, err = v.Verify(context.Background(), tok)
		if tc.want == nil {
			assert.NoError(t, err, "%v", tc.claims)
		} else {
			assert.ErrorIs(t, err, tc.want, "%v", tc.claims)
		}
	}
}

// TestNewVerifierRefuses: configurations that would accept too much, or
// nothing, are refused.
func TestNewVerifierRefuses(t *testing.T) {
	jwks := []byte(`{"keys":[]}`)
	ok := token.Pool{ID: poolA, Use: token.IDToken, ClientIDs: []string{"c"}}
	for name, cfg := range map[string]token.Config{
		"no pools":          {},
		"no use":            {Pools: []token.Pool{{ID: poolA, ClientIDs: []string{"c"}}}},
		"unknown use":       {Pools: []token.Pool{{ID: poolA, Use: "refresh", ClientIDs: []string{"c"}}}},
		"no clients":        {Pools: []token.Pool{{ID: poolA, Use: token.IDToken}}},
		"no id nor issuer":  {Pools: []token.Pool{{Use: token.IDToken, ClientIDs: []string{"c"}}}},
		"bad pool id":       {Pools: []token.Pool{{ID: "PoolA", Use: token.IDToken, ClientIDs: []string{"c"}}}},
		"issuer twice":      {Pools: []token.Pool{ok, ok}},
		"empty offline set": {Pools: []token.Pool{{ID: poolA, JWKS: jwks, Use: token.IDToken, ClientIDs: []string{"c"}}}},
		"negative leeway":   {Pools: []token.Pool{ok}, Leeway: -time.Second},
		"leeway too large":  {Pools: []token.Pool{ok}, Leeway: time.Hour},
	} {
		_, err := token.NewVerifier(cfg)
		assert.Error(t, err, name)
	}
	iss, err := token.CognitoIssuer("ap-southeast-2_AbC123")
	require.NoError(t, err)
	assert.Equal(t, "https://cognito-idp.ap-southeast-2.amazonaws.com/ap-southeast-2_AbC123", iss)
	_, err = token.CognitoIssuer("us-east-1_../evil")
	assert.Error(t, err)
	// China's regions answer under amazonaws.com.cn, as their endpoints
	// (and identitypool.LoginKey, which is this issuer without https://).
	iss, err = token.CognitoIssuer("cn-north-1_AbC123")
	require.NoError(t, err)
	assert.Equal(t, "https://cognito-idp.cn-north-1.amazonaws.com.cn/cn-north-1_AbC123", iss)
}

// jwtRaw signs a raw payload.
func jwtRaw(t testing.TB, header map[string]any, payload []byte, key *rsa.PrivateKey) string {
	input := b64(mustJSON(t, header)) + "." + b64(payload)
	return input + "." + b64(rs256(t, key, input))
}

// hs256 is the alg-confusion attack: HMAC-SHA256 keyed with the
// verifier's own public key, in the PEM form many libraries load.
func hs256(t testing.TB, secret []byte, claims any) string {
	input := b64(mustJSON(t, map[string]any{"alg": "HS256", "kid": "kidA"})) + "." + b64(mustJSON(t, claims))
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(input))
	return input + "." + b64(m.Sum(nil))
}

func rsWith(t testing.TB, key *rsa.PrivateKey, alg string, h crypto.Hash, claims any) string {
	input := b64(mustJSON(t, map[string]any{"alg": alg, "kid": "kidA"})) + "." + b64(mustJSON(t, claims))
	d := sha512.Sum512([]byte(input))
	sig, err := rsa.SignPKCS1v15(nil, key, h, d[:])
	require.NoError(t, err)
	return input + "." + b64(sig)
}

func ps256(t testing.TB, key *rsa.PrivateKey, claims any) string {
	input := b64(mustJSON(t, map[string]any{"alg": "PS256", "kid": "kidA"})) + "." + b64(mustJSON(t, claims))
	d := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPSS(rand.Reader, key, crypto.SHA256, d[:], nil)
	require.NoError(t, err)
	return input + "." + b64(sig)
}

func flip(t testing.TB, sig string) string {
	b, err := base64.RawURLEncoding.DecodeString(sig)
	require.NoError(t, err)
	b[len(b)/2] ^= 1
	return b64(b)
}

func jwkOf(t testing.TB, key *rsa.PrivateKey) json.RawMessage {
	return jwkJSON(t, jose.JSONWebKey{Key: &key.PublicKey, KeyID: "kidA", Algorithm: "RS256", Use: "sig"})
}
