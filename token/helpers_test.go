package token_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/require"

	"github.com/caldera-srp/caldera/token"
)

// t0 is the fixed clock of the tests.
var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// The pools of the fixture: A accepts ID tokens of two clients, B access
// tokens with scope "read" or "write", C either kind from any client in
// group admin or ops. Each has its own key.
const (
	poolA = "us-east-1_PoolA"
	poolB = "eu-west-1_PoolB"
	poolC = "us-east-1_PoolC"
	issA  = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_PoolA"
	issB  = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_PoolB"
	issC  = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_PoolC"
)

type keys struct {
	a, b, c, other *rsa.PrivateKey // 2048-bit
	small          *rsa.PrivateKey // 1024-bit
	ec             *ecdsa.PrivateKey
}

var (
	keysOnce sync.Once
	testKeys keys
)

// fixtureKeys generates the test keys once per test binary.
func fixtureKeys(t testing.TB) keys {
	t.Helper()
	keysOnce.Do(func() {
		gen := func(bits int) *rsa.PrivateKey {
			k, err := rsa.GenerateKey(rand.Reader, bits)
			if err != nil {
				panic(err)
			}
			return k
		}
		ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		testKeys = keys{a: gen(2048), b: gen(2048), c: gen(2048), other: gen(2048), small: gen(1024), ec: ec}
	})
	return testKeys
}

func jwkJSON(t testing.TB, k jose.JSONWebKey) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(k)
	require.NoError(t, err)
	return b
}

func jwksDoc(t testing.TB, ks ...json.RawMessage) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"keys": ks})
	require.NoError(t, err)
	return b
}

// fixture is a Verifier over pools A, B and C with offline key sets, and
// signers for them.
type fixture struct {
	keys keys
	v    *token.Verifier
	// checked counts the calls of the Check hook.
	checked int
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	k := fixtureKeys(t)
	f := &fixture{keys: k}
	rsaJWK := func(key *rsa.PrivateKey, kid, alg string) json.RawMessage {
		return jwkJSON(t, jose.JSONWebKey{Key: &key.PublicKey, KeyID: kid, Algorithm: alg, Use: "sig"})
	}
	setC := jwksDoc(t,
		rsaJWK(k.c, "kidC", "RS256"),
		jwkJSON(t, jose.JSONWebKey{Key: &k.ec.PublicKey, KeyID: "ec", Algorithm: "ES256", Use: "sig"}),
		rsaJWK(k.c, "rs512", "RS512"),
		rsaJWK(k.small, "small", ""),
		rsaJWK(k.c, "enc", ""), // replaced below: use "enc"
		json.RawMessage(`{"kty":"oct","kid":"oct","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"}`),
	)
	// The "enc" key is an encryption key: never used to verify.
	var doc map[string][]map[string]any
	require.NoError(t, json.Unmarshal(setC, &doc))
	doc["keys"][4]["use"] = "enc"
	setC, _ = json.Marshal(doc)

	v, err := token.NewVerifier(token.Config{
		Pools: []token.Pool{
			{ID: poolA, JWKS: jwksDoc(t, rsaJWK(k.a, "kidA", "RS256")), Use: token.IDToken, ClientIDs: []string{"clientA", "clientA2"}},
			{ID: poolB, JWKS: jwksDoc(t, rsaJWK(k.b, "kidB", "")), Use: token.AccessToken, ClientIDs: []string{"clientB"}, Scopes: []string{"read", "write"}},
			{ID: poolC, JWKS: setC, Use: token.EitherToken, AnyClient: true, Groups: []string{"admin", "ops"}},
		},
		Now: func() time.Time { return t0 },
		Check: func(_ context.Context, c *token.Claims) error {
			f.checked++
			if c.String("custom:banned") == "true" {
				return errBanned
			}
			return nil
		},
	})
	require.NoError(t, err)
	f.v = v
	return f
}

var errBanned = errors.New("the user is banned")

// idClaims are the claims of a good ID token of pool A at t0.
func idClaims() map[string]any {
	return map[string]any{
		"sub": "5f0e8b1c-0000-4000-8000-000000000001", "iss": issA, "aud": "clientA", "token_use": "id",
		"cognito:username": "alice", "email": "alice@example.com", "auth_time": t0.Unix() - 60,
		"iat": t0.Unix() - 60, "exp": t0.Unix() + 3540, "jti": "j1", "origin_jti": "o1", "event_id": "e1",
	}
}

// accessClaims are the claims of a good access token of pool B at t0.
func accessClaims() map[string]any {
	return map[string]any{
		"sub": "5f0e8b1c-0000-4000-8000-000000000002", "iss": issB, "client_id": "clientB", "token_use": "access",
		"scope": "aws.cognito.signin.user.admin read", "username": "bob", "auth_time": t0.Unix() - 10,
		"iat": t0.Unix() - 10, "exp": t0.Unix() + 3590, "jti": "j2", "origin_jti": "o2", "event_id": "e2",
	}
}

// with returns a copy of c with the given changes; a nil value deletes.
func with(c map[string]any, kv ...any) map[string]any {
	out := maps.Clone(c)
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
		} else {
			out[kv[i].(string)] = kv[i+1]
		}
	}
	return out
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

// rs256 signs input with PKCS #1 v1.5 and SHA-256.
func rs256(t testing.TB, key *rsa.PrivateKey, input string) []byte {
	t.Helper()
	h := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, h[:])
	require.NoError(t, err)
	return sig
}

// jwt assembles a compact JWS by hand from a header and claims, signed
// with RS256 by key (nil: no signature).
func jwt(t testing.TB, header map[string]any, claims any, key *rsa.PrivateKey) string {
	t.Helper()
	input := b64(mustJSON(t, header)) + "." + b64(mustJSON(t, claims))
	if key == nil {
		return input + "."
	}
	return input + "." + b64(rs256(t, key, input))
}

func hdr(kid string) map[string]any { return map[string]any{"alg": "RS256", "kid": kid} }
