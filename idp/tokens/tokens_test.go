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

var testNow = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

func testIssuer(t *testing.T) (*Issuer, *rsa.PrivateKey) {
	return testIssuerAt(t, func() time.Time { return testNow })
}

func testIssuerAt(t *testing.T, now func() time.Time) (*Issuer, *rsa.PrivateKey) {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	is, err := NewIssuer("us-east-1_A", k, now)
	if err != nil {
		t.Fatal(err)
	}
	return is, k
}

func TestMintVerify(t *testing.T) {
	now := testNow
	clock := now
	is, k := testIssuerAt(t, func() time.Time { return clock })
	g := Grant{
		Issuer: "http://x/us-east-1_A", ClientID: "c", Username: "alice", Sub: "s-1",
		Attrs: map[string]string{"email": "a@x", "email_verified": "true", "sub": "ignored",
			"iss": "https://evil", "token_use": "access", "aud": "other", "exp": "9999999999", "cognito:groups": "admins", "nbf": "1"},
		OriginJTI: "o-1", DeviceKey: "us-east-1_d", AuthTime: now.Add(-time.Minute), Now: now,
		AccessTTL: time.Hour, IDTTL: 2 * time.Hour, EventID: "e", IDJTI: "j1", AccessJTI: "j2",
	}
	p, err := is.Mint(g)
	if err != nil {
		t.Fatal(err)
	}
	id, err := is.Verify(p.IDToken)
	if err != nil {
		t.Fatal(err)
	}
	if id.String("token_use") != "id" || id.String("aud") != "c" || id.String("cognito:username") != "alice" ||
		id["email_verified"] != true || id.String("sub") != "s-1" || id.String("jti") != "j1" ||
		!id.Unix("exp").Equal(now.Add(2*time.Hour)) || !id.Unix("auth_time").Equal(now.Add(-time.Minute)) ||
		id.String("iss") != "http://x/us-east-1_A" || id["cognito:groups"] != nil || id["nbf"] != nil {
		t.Fatalf("id claims %v", id)
	}
	ac, err := is.Verify(p.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if ac.String("token_use") != "access" || ac.String("client_id") != "c" || ac.String("device_key") != "us-east-1_d" ||
		ac.String("scope") != "aws.cognito.signin.user.admin" || ac.String("origin_jti") != "o-1" {
		t.Fatalf("access claims %v", ac)
	}
	// Expired at exp.
	clock = now.Add(time.Hour)
	if _, err := is.Verify(p.AccessToken); !errors.Is(err, ErrToken) {
		t.Fatalf("expired token: %v", err)
	}
	clock = now
	// A changed payload, a foreign key and garbage are refused.
	parts := strings.Split(p.AccessToken, ".")
	forged := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"exp":9999999999,"token_use":"access"}`)) + "." + parts[2]
	other, _ := testIssuer(t)
	p2, _ := other.Mint(g)
	for name, tok := range map[string]string{"forged": forged, "other key": p2.AccessToken, "garbage": "a.b", "empty": ""} {
		if _, err := is.Verify(tok); !errors.Is(err, ErrToken) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// The JWKS carries the signing key's public half.
	j := is.JWKS().Keys[0]
	n, _ := base64.RawURLEncoding.DecodeString(j.N)
	if j.Kid != KeyID("us-east-1_A", &k.PublicKey) || new(big.Int).SetBytes(n).Cmp(k.N) != 0 || j.Alg != "RS256" {
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
	if _, err := NewIssuer("p", k, time.Now); err == nil {
		t.Fatal("1024-bit key accepted")
	}
	if _, err := NewIssuer("p", nil, time.Now); err == nil {
		t.Fatal("nil key accepted")
	}
}

// TestPoolKeyIDs: one key given to two pools still gives two kids, and a
// token of one does not verify under the other's key set.
func TestPoolKeyIDs(t *testing.T) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return testNow }
	a, _ := NewIssuer("us-east-1_A", k, now)
	b, _ := NewIssuer("us-east-1_B", k, now)
	if a.JWKS().Keys[0].Kid == b.JWKS().Keys[0].Kid {
		t.Fatal("two pools share a kid")
	}
	p, err := a.Mint(Grant{Issuer: "http://x/us-east-1_A", ClientID: "c", Username: "u", Sub: "s", Now: testNow, AuthTime: testNow, AccessTTL: time.Hour, IDTTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Verify(p.IDToken); !errors.Is(err, ErrToken) {
		t.Fatalf("pool B verified pool A's token: %v", err)
	}
	if PoolOf(p.IDToken) != "us-east-1_A" || PoolOf("x.y.z") != "" {
		t.Fatalf("PoolOf %q", PoolOf(p.IDToken))
	}
}

// TestMintTriggerCannotTouchReserved: a pre token generation trigger's
// claims and suppressions (Grant.IDClaims, AccessSuppress, …) change only
// unreserved claims; the groups, roles and preferred role come from the
// Grant's own fields; the reserved claims are Mint's whatever the caller
// passed (Cognito: "You can't add, override or suppress" them, Amazon
// Cognito Developer Guide, pre token generation).
func TestMintTriggerCannotTouchReserved(t *testing.T) {
	is, _ := testIssuer(t)
	bad := map[string]any{"iss": "https://evil", "sub": "x", "aud": "other", "token_use": "access", "cognito:username": "root",
		"cognito:groups": []string{"admins"}, "cognito:preferred_role": "arn:evil", "exp": 9999999999, "origin_jti": "o-2",
		"client_id": "other", "scope": "admin", "username": "root", "device_key": "d-2", "jti": "j9"}
	idAdd := map[string]any{"tier": "gold"}
	accAdd := map[string]any{"tenant": "t1"}
	for k, v := range bad {
		idAdd[k], accAdd[k] = v, v
	}
	var reserved []string
	for k := range bad {
		reserved = append(reserved, k)
	}
	scope := "openid read"
	g := Grant{
		Issuer: "http://x/us-east-1_A", ClientID: "c", Username: "alice", Sub: "s-1",
		Attrs:     map[string]string{"email": "a@x", "nickname": "al"},
		OriginJTI: "o-1", DeviceKey: "us-east-1_d", AuthTime: testNow, Now: testNow,
		AccessTTL: time.Hour, IDTTL: time.Hour, EventID: "e", IDJTI: "j1", AccessJTI: "j2",
		Groups: []string{"staff"}, Roles: []string{"arn:aws:iam::1:role/staff"}, PreferredRole: "arn:aws:iam::1:role/staff",
		IDClaims: idAdd, AccessClaims: accAdd, IDSuppress: append([]string{"nickname"}, reserved...), AccessSuppress: reserved,
		ScopeOverride: &scope,
	}
	p, err := is.Mint(g)
	if err != nil {
		t.Fatal(err)
	}
	id, err := is.Verify(p.IDToken)
	if err != nil {
		t.Fatal(err)
	}
	ac, err := is.Verify(p.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"iss": "http://x/us-east-1_A", "sub": "s-1", "aud": "c", "token_use": "id", "cognito:username": "alice",
		"cognito:preferred_role": "arn:aws:iam::1:role/staff", "origin_jti": "o-1", "jti": "j1", "tier": "gold", "email": "a@x"}
	for k, v := range want {
		if id[k] != v {
			t.Errorf("id %s = %v, want %v", k, id[k], v)
		}
	}
	if _, ok := id["nickname"]; ok || id["exp"] != float64(testNow.Add(time.Hour).Unix()) {
		t.Errorf("id claims %v", id)
	}
	if gs, _ := id["cognito:groups"].([]any); len(gs) != 1 || gs[0] != "staff" {
		t.Errorf("id cognito:groups %v", id["cognito:groups"])
	}
	for _, k := range []string{"client_id", "username", "scope", "device_key"} {
		if _, ok := id[k]; ok {
			t.Errorf("id token has %s: %v", k, id[k])
		}
	}
	want = map[string]any{"iss": "http://x/us-east-1_A", "sub": "s-1", "token_use": "access", "client_id": "c", "username": "alice",
		"scope": "openid read", "device_key": "us-east-1_d", "origin_jti": "o-1", "jti": "j2", "tenant": "t1"}
	for k, v := range want {
		if ac[k] != v {
			t.Errorf("access %s = %v, want %v", k, ac[k], v)
		}
	}
	for _, k := range []string{"aud", "cognito:username", "cognito:preferred_role"} {
		if _, ok := ac[k]; ok {
			t.Errorf("access token has %s: %v", k, ac[k])
		}
	}
	if gs, _ := ac["cognito:groups"].([]any); len(gs) != 1 || gs[0] != "staff" {
		t.Errorf("access cognito:groups %v", ac["cognito:groups"])
	}
}
