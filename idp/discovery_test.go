package idp

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"strings"
	"testing"
)

func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode
}

// TestOIDCDiscovery: a relying party that knows only the token's iss
// finds the metadata (OpenID Connect Discovery 1.0, Section 4: issuer +
// "/.well-known/openid-configuration"), whose issuer equals iss (Section
// 4.3) and whose jwks_uri gives the key that verifies the token — here an
// ID token carrying cognito:groups.
func TestOIDCDiscovery(t *testing.T) {
	h := newHarness(t, nil)
	f := h.fixture(PoolConfig{}, ClientConfig{ExplicitAuthFlows: pwFlows}, UserConfig{})
	h.mustCall("CreateGroup", map[string]any{"UserPoolId": f.pool, "GroupName": "readers"})
	h.mustCall("AdminAddUserToGroup", map[string]any{"UserPoolId": f.pool, "Username": f.user, "GroupName": "readers"})
	tok := h.pwSignIn(f, f.user, f.password)["IdToken"].(string)
	parts := strings.Split(tok, ".")
	pb, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims struct {
		Iss    string
		Groups []string `json:"cognito:groups"`
	}
	if err := json.Unmarshal(pb, &claims); err != nil {
		t.Fatal(err)
	}
	if claims.Iss != h.http.URL+"/"+f.pool || len(claims.Groups) != 1 || claims.Groups[0] != "readers" {
		t.Fatalf("claims %+v", claims)
	}
	var meta struct {
		Issuer  string   `json:"issuer"`
		JWKSURI string   `json:"jwks_uri"`
		Algs    []string `json:"id_token_signing_alg_values_supported"`
		Subject []string `json:"subject_types_supported"`
	}
	if st := getJSON(t, claims.Iss+"/.well-known/openid-configuration", &meta); st != http.StatusOK {
		t.Fatalf("discovery status %d", st)
	}
	if meta.Issuer != claims.Iss || meta.JWKSURI != claims.Iss+"/.well-known/jwks.json" || len(meta.Algs) != 1 || meta.Algs[0] != "RS256" || len(meta.Subject) == 0 {
		t.Fatalf("metadata %+v", meta)
	}
	var set JWKSet
	if st := getJSON(t, meta.JWKSURI, &set); st != http.StatusOK || len(set.Keys) != 1 {
		t.Fatalf("jwks %d %+v", st, set)
	}
	nb, _ := base64.RawURLEncoding.DecodeString(set.Keys[0].N)
	eb, _ := base64.RawURLEncoding.DecodeString(set.Keys[0].E)
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(nb), E: int(new(big.Int).SetBytes(eb).Int64())}
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	d := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, d[:], sig); err != nil {
		t.Fatalf("token does not verify with the discovered JWKS: %v", err)
	}
	if st := getJSON(t, h.http.URL+"/us-east-1_Nope/.well-known/openid-configuration", &meta); st != http.StatusNotFound {
		t.Fatalf("unknown pool discovery: %d", st)
	}
}
