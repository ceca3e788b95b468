package token_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/caldera-srp/caldera/token"
)

// TestSigner: the header is Cognito's ({"alg":"RS256","kid":KID}), the key
// set is one RSA signing key, and bad keys or claims are refused.
func TestSigner(t *testing.T) {
	k := fixtureKeys(t)
	s, err := token.NewSigner(k.a, "kid-1")
	require.NoError(t, err)
	assert.Equal(t, "kid-1", s.KeyID())
	tok, err := s.Sign(idClaims())
	require.NoError(t, err)
	h, err := b64dec(strings.Split(tok, ".")[0])
	require.NoError(t, err)
	assert.JSONEq(t, `{"alg":"RS256","kid":"kid-1"}`, string(h))
	var set struct{ Keys []map[string]string }
	require.NoError(t, json.Unmarshal(s.JWKS(), &set))
	require.Len(t, set.Keys, 1)
	assert.Equal(t, map[string]string{"alg": "RS256", "kid": "kid-1", "kty": "RSA", "use": "sig", "e": "AQAB",
		"n": b64(k.a.N.Bytes())}, set.Keys[0])

	_, err = token.NewSigner(nil, "k")
	assert.Error(t, err)
	_, err = token.NewSigner(k.small, "k")
	assert.ErrorContains(t, err, "1024-bit")
	_, err = token.NewSigner(k.a, "")
	assert.Error(t, err)
	_, err = s.Sign(map[string]any{"c": make(chan int)})
	assert.Error(t, err)
}

// TestKeySetParsing: a private key published by mistake verifies through
// its public half; the first of two keys with one kid wins; a long
// attacker-chosen value is cut short in messages.
func TestKeySetParsing(t *testing.T) {
	k := fixtureKeys(t)
	priv := jwkJSON(t, jose.JSONWebKey{Key: k.a, KeyID: "kidA", Algorithm: "RS256", Use: "sig"})
	dup := jwkJSON(t, jose.JSONWebKey{Key: &k.b.PublicKey, KeyID: "kidA", Algorithm: "RS256", Use: "sig"})
	v, err := token.NewVerifier(token.Config{
		Pools: []token.Pool{{ID: poolA, JWKS: jwksDoc(t, priv, dup), Use: token.IDToken, ClientIDs: []string{"clientA"}}},
		Now:   func() time.Time { return t0 },
	})
	require.NoError(t, err)
	_, err = v.Verify(context.Background(), jwt(t, hdr("kidA"), idClaims(), k.a))
	require.NoError(t, err)
	_, err = v.Verify(context.Background(), jwt(t, hdr("kidA"), idClaims(), k.b))
	require.ErrorIs(t, err, token.ErrSignature)

	long := "https://" + strings.Repeat("é", 100)
	_, err = v.Verify(context.Background(), jwt(t, hdr("kidA"), with(idClaims(), "iss", long), k.a))
	require.ErrorIs(t, err, token.ErrWrongIssuer)
	assert.Less(t, len(err.Error()), 100)
	assert.True(t, strings.HasSuffix(err.Error(), `"…`), err.Error())
}

func b64dec(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }

// TestAnyIssuer: a pool with AnyIssuer accepts any iss signed by a key of
// its offline set, and only that; a pool named by its iss comes first;
// the option is refused without an offline set or next to an issuer.
func TestAnyIssuer(t *testing.T) {
	k := fixtureKeys(t)
	setA := jwksDoc(t, jwkJSON(t, jose.JSONWebKey{Key: &k.a.PublicKey, KeyID: "kidA", Algorithm: "RS256", Use: "sig"}))
	setB := jwksDoc(t, jwkJSON(t, jose.JSONWebKey{Key: &k.b.PublicKey, KeyID: "kidB", Algorithm: "RS256", Use: "sig"}))
	v, err := token.NewVerifier(token.Config{
		Pools: []token.Pool{{AnyIssuer: true, JWKS: setA, Use: token.EitherToken, AnyClient: true},
			{ID: poolA, JWKS: setB, Use: token.IDToken, ClientIDs: []string{"clientA"}}},
		Now: func() time.Time { return t0 },
	})
	require.NoError(t, err)
	c, err := v.Verify(context.Background(), jwt(t, hdr("kidA"), with(idClaims(), "iss", "http://127.0.0.1:9229/us-east-1_X"), k.a))
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:9229/us-east-1_X", c.Issuer)
	_, err = v.Verify(context.Background(), jwt(t, hdr("kidB"), with(idClaims(), "iss", "http://other/us-east-1_X"), k.b))
	assert.ErrorIs(t, err, token.ErrUnknownKey)
	// poolA's iss goes to poolA's set, not to the AnyIssuer one.
	_, err = v.Verify(context.Background(), jwt(t, hdr("kidA"), idClaims(), k.a))
	assert.ErrorIs(t, err, token.ErrUnknownKey)
	_, err = v.Verify(context.Background(), jwt(t, hdr("kidB"), idClaims(), k.b))
	assert.NoError(t, err)

	for _, p := range []token.Pool{
		{AnyIssuer: true, Use: token.IDToken, AnyClient: true},
		{AnyIssuer: true, JWKS: setA, Issuer: "https://x", Use: token.IDToken, AnyClient: true},
		{AnyIssuer: true, JWKS: setA, JWKSURL: "https://x/jwks", Use: token.IDToken, AnyClient: true},
	} {
		_, err := token.NewVerifier(token.Config{Pools: []token.Pool{p}})
		assert.Error(t, err)
	}
	_, err = token.NewVerifier(token.Config{Pools: []token.Pool{
		{AnyIssuer: true, JWKS: setA, Use: token.IDToken, AnyClient: true},
		{AnyIssuer: true, JWKS: setB, Use: token.IDToken, AnyClient: true}}})
	assert.Error(t, err)
}
