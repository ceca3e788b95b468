package tokens

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"
)

func testIssuer(t *testing.T) (*Issuer, *rsa.PrivateKey) {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	is, err := NewIssuer(k)
	if err != nil {
		t.Fatal(err)
	}
	return is, k
}

func TestMintVerify(t *testing.T) {
	is, k := testIssuer(t)
	now := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	g := Grant{
		Issuer: "http://x/us-east-1_A", ClientID: "c", Username: "alice", Sub: "s-1",
		Attrs:     map[string]string{"email": "a@x", "email_verified": "true", "sub": "ignored"},
		OriginJTI: "o-1", DeviceKey: "us-east-1_d", AuthTime: now.Add(-time.Minute), Now: now,
		AccessTTL: time.Hour, IDTTL: 2 * time.Hour, EventID: "e", IDJTI: "j1", AccessJTI: "j2",
	}
	p, err := is.Mint(g)
	if err != nil {
		t.Fatal(err)
	}
	id, err := is.Verify(p.IDToken, now)
	if err != nil {
		t.Fatal(err)
	}
	if id.String("token_use") != "id" || id.String("aud") != "c" || id.String("cognito:username") != "alice" ||
		id["email_verified"] != true || id.String("sub") != "s-1" || id.String("jti") != "j1" ||
		!id.Unix("exp").Equal(now.Add(2*time.Hour)) || !id.Unix("auth_time").Equal(now.Add(-time.Minute)) {
		t.Fatalf("id claims %v", id)
	}
	ac, err := is.Verify(p.AccessToken, now)
	if err != nil {
		t.Fatal(err)
	}
	if ac.String("token_use") != "access" || ac.String("client_id") != "c" || ac.String("device_key") != "us-east-1_d" ||
		ac.String("scope") != "aws.cognito.signin.user.admin" || ac.String("origin_jti") != "o-1" {
		t.Fatalf("access claims %v", ac)
	}
	// Expired at exp.
	if _, err := is.Verify(p.AccessToken, now.Add(time.Hour)); !errors.Is(err, ErrToken) {
		t.Fatalf("expired token: %v", err)
	}
	// A changed payload, a foreign key and garbage are refused.
	parts := strings.Split(p.AccessToken, ".")
	forged := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"exp":9999999999,"token_use":"access"}`)) + "." + parts[2]
	other, _ := testIssuer(t)
	p2, _ := other.Mint(g)
	for name, tok := range map[string]string{"forged": forged, "other key": p2.AccessToken, "garbage": "a.b", "empty": ""} {
		if _, err := is.Verify(tok, now); !errors.Is(err, ErrToken) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// The JWKS carries the signing key's public half.
	j := is.JWKS().Keys[0]
	n, _ := base64.RawURLEncoding.DecodeString(j.N)
	if j.Kid != KeyID(&k.PublicKey) || new(big.Int).SetBytes(n).Cmp(k.N) != 0 || j.Alg != "RS256" {
		t.Fatalf("JWKS %+v", j)
	}
}

func TestRefresh(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	tok := EncodeRefresh("o-1", secret)
	jti, sec, ok := ParseRefresh(tok)
	if !ok || jti != "o-1" || string(sec) != string(secret) {
		t.Fatalf("parse %q: %q %q %v", tok, jti, sec, ok)
	}
	h := RefreshHash(secret)
	if !RefreshMatches(sec, h) || RefreshMatches([]byte("x"), h) {
		t.Fatal("RefreshMatches")
	}
	for _, bad := range []string{"", "nodot", "!!.!!"} {
		if _, _, ok := ParseRefresh(bad); ok {
			t.Errorf("parsed %q", bad)
		}
	}
}

func TestNewIssuerRefusesSmallKeys(t *testing.T) {
	k, _ := rsa.GenerateKey(rand.Reader, 1024)
	if _, err := NewIssuer(k); err == nil {
		t.Fatal("1024-bit key accepted")
	}
	if _, err := NewIssuer(nil); err == nil {
		t.Fatal("nil key accepted")
	}
}
