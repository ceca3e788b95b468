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
