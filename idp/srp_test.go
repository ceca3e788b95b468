package idp

import (
	"encoding/base64"
	"encoding/hex"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/caldera-srp/caldera/challenge"
	"github.com/caldera-srp/caldera/srp"
)

func TestUserSRPAuth(t *testing.T) {
	h := newHarness(t, nil)
	for _, secret := range []bool{false, true} {
		f := h.fixture(PoolConfig{}, ClientConfig{GenerateSecret: secret}, UserConfig{Attributes: map[string]string{"email": "alice@example.com"}})
		out, e := h.srpSignIn(f, "alice", f.password)
		if e != nil {
			t.Fatalf("secret=%v: %s %s", secret, e.Type, e.Message)
		}
		res, _ := out["AuthenticationResult"].(map[string]any)
		if res == nil {
			t.Fatalf("secret=%v: no tokens: %v", secret, out)
		}
		claims, err := h.srv.VerifyToken(res["IdToken"].(string))
		if err != nil {
			t.Fatal(err)
		}
		if claims.String("cognito:username") != "alice" || claims.String("token_use") != "id" ||
			claims.String("aud") != f.client || claims.String("iss") != h.http.URL+"/"+f.pool ||
			claims.String("email") != "alice@example.com" {
			t.Fatalf("id token claims %v", claims)
		}
		if _, ok := claims["iat"].(float64); !ok {
			t.Fatalf("iat not numeric: %v", claims["iat"])
		}
		ac, err := h.srv.VerifyToken(res["AccessToken"].(string))
		if err != nil {
			t.Fatal(err)
		}
		if ac.String("username") != "alice" || ac.String("client_id") != f.client || ac.String("token_use") != "access" {
			t.Fatalf("access token claims %v", ac)
		}
		_, e = h.srpSignIn(f, "alice", "Wrong-Horse-1")
		wantErr(t, e, "NotAuthorizedException", "Incorrect username or password.")
	}
}

// TestDifferentialClaim: a claim that the srp client computes for a user the
// server created verifies, and a single-bit change to the signature, the
// TIMESTAMP, the SECRET_BLOCK or the USERNAME is refused.
func TestDifferentialClaim(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.MaxFailures = 1 << 20 })
	f := h.fixture(PoolConfig{}, ClientConfig{}, UserConfig{})
	fresh := func() (map[string]any, map[string]any) {
		cl, ch, e := h.srpStart(f, f.user, nil)
		if e != nil {
			t.Fatal(e.Type, e.Message)
		}
		return ch, h.claim(f, cl, ch, f.password, h.clock.Now())
	}
	refused := func(what string, i int, ch map[string]any, r map[string]any) {
		t.Helper()
		out, e := h.respond(f, "PASSWORD_VERIFIER", ch["Session"], r)
		if e == nil {
			t.Fatalf("%s bit %d: accepted: %v", what, i, out)
		}
		if e.Type != "NotAuthorizedException" && e.Type != "InvalidParameterException" {
			t.Fatalf("%s bit %d: %s %s", what, i, e.Type, e.Message)
		}
	}
	flipB64 := func(s string, bit int) string {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		b[bit/8] ^= 1 << (bit % 8)
		return base64.StdEncoding.EncodeToString(b)
	}
	flipStr := func(s string, bit int) string {
		b := []byte(s)
		b[bit/8] ^= 1 << (bit % 8)
		return string(b)
	}

	// SECRET_BLOCK and USERNAME changes are refused before the SRP state is
	// used, so one session serves every bit, and then the true claim.
	ch, r := fresh()
	block := r["PASSWORD_CLAIM_SECRET_BLOCK"].(string)
	raw, _ := base64.StdEncoding.DecodeString(block)
	for i := range len(raw) * 8 {
		r2 := maps.Clone(r)
		r2["PASSWORD_CLAIM_SECRET_BLOCK"] = flipB64(block, i)
		refused("SECRET_BLOCK", i, ch, r2)
	}
	for i := range len(f.user) * 8 {
		r2 := maps.Clone(r)
		r2["USERNAME"] = flipStr(f.user, i)
		refused("USERNAME", i, ch, r2)
	}
	if out, e := h.respond(f, "PASSWORD_VERIFIER", ch["Session"], r); e != nil || out["AuthenticationResult"] == nil {
		t.Fatalf("true claim refused: %v %v", e, out)
	}

	// A signature or TIMESTAMP change consumes the session: one sign-in
	// each. Every bit; with -short, one bit per byte.
	step := 1
	if testing.Short() {
		step = 9
	}
	for i := 0; i < 32*8; i += step {
		ch, r := fresh()
		r["PASSWORD_CLAIM_SIGNATURE"] = flipB64(r["PASSWORD_CLAIM_SIGNATURE"].(string), i)
		refused("signature", i, ch, r)
	}
	ts := challenge.FormatTimestamp(h.clock.Now())
	for i := 0; i < len(ts)*8; i += step {
		ch, r := fresh()
		r["TIMESTAMP"] = flipStr(ts, i)
		refused("TIMESTAMP", i, ch, r)
	}
}

func TestReplayAndExpiry(t *testing.T) {
	h := newHarness(t, nil)
	f := h.fixture(PoolConfig{}, ClientConfig{}, UserConfig{})
	cl, ch, e := h.srpStart(f, f.user, nil)
	if e != nil {
		t.Fatal(e)
	}
	r := h.claim(f, cl, ch, f.password, h.clock.Now())
	if _, e := h.respond(f, "PASSWORD_VERIFIER", ch["Session"], r); e != nil {
		t.Fatal(e)
	}
	// The same answer again, with and without the Session: the SECRET_BLOCK
	// was single-use.
	_, e = h.respond(f, "PASSWORD_VERIFIER", ch["Session"], r)
	wantErr(t, e, "NotAuthorizedException", msgInvalidSession)
	_, e = h.respond(f, "PASSWORD_VERIFIER", nil, r)
	wantErr(t, e, "NotAuthorizedException", msgInvalidSession)

	// Without a Session the SECRET_BLOCK names it.
	cl, ch, _ = h.srpStart(f, f.user, nil)
	r = h.claim(f, cl, ch, f.password, h.clock.Now())
	if out, e := h.respond(f, "PASSWORD_VERIFIER", nil, r); e != nil || out["AuthenticationResult"] == nil {
		t.Fatalf("session-less answer: %v %v", e, out)
	}

	// A wrong claim consumes the session too.
	cl, ch, _ = h.srpStart(f, f.user, nil)
	good := h.claim(f, cl, ch, f.password, h.clock.Now()) // a claim uses a up: compute the right one first
	other, err := srp.Cognito().NewClient(nil)
	if err != nil {
		t.Fatal(err)
	}
	bad := h.claim(f, other, ch, "Wrong-Horse-1", h.clock.Now())
	_, e = h.respond(f, "PASSWORD_VERIFIER", ch["Session"], bad)
	wantErr(t, e, "NotAuthorizedException", msgIncorrect)
	_, e = h.respond(f, "PASSWORD_VERIFIER", ch["Session"], good)
	wantErr(t, e, "NotAuthorizedException", msgInvalidSession)

	// Sessions expire after three minutes.
	cl, ch, _ = h.srpStart(f, f.user, nil)
	h.clock.Advance(DefaultSessionTTL + time.Second)
	_, e = h.respond(f, "PASSWORD_VERIFIER", ch["Session"], h.claim(f, cl, ch, f.password, h.clock.Now()))
	wantErr(t, e, "NotAuthorizedException", msgInvalidSession)
	cl, ch, _ = h.srpStart(f, f.user, nil)
	h.clock.Advance(DefaultSessionTTL - time.Second)
	if _, e := h.respond(f, "PASSWORD_VERIFIER", ch["Session"], h.claim(f, cl, ch, f.password, h.clock.Now())); e != nil {
		t.Fatalf("answer within the session lifetime: %v", e)
	}
}

func TestTimestampRules(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.MaxFailures = 100 })
	f := h.fixture(PoolConfig{}, ClientConfig{}, UserConfig{})
	now := h.clock.Now() // Tue Mar 4 05:06:07 UTC 2025
	for _, tc := range []struct {
		name    string
		ts      time.Time
		mangle  func(string) string
		typ     string
		message string
	}{
		{"stale", now.Add(-DefaultTimestampSkew - time.Minute), nil, "NotAuthorizedException", msgIncorrect},
		{"future", now.Add(DefaultTimestampSkew + time.Minute), nil, "NotAuthorizedException", msgIncorrect},
		// Parsed, re-rendered canonically, signed: a zero-padded day or a
		// wrong weekday signs a different string (docs/protocol.md §4).
		{"zero-padded day", now, func(s string) string { return strings.Replace(s, "Mar 4", "Mar 04", 1) }, "NotAuthorizedException", msgIncorrect},
		{"wrong weekday", now, func(s string) string { return strings.Replace(s, "Tue", "Wed", 1) }, "NotAuthorizedException", msgIncorrect},
		{"12-hour clock", now, func(s string) string { return strings.Replace(s, "05:06:07", "5:06:07", 1) }, "InvalidParameterException", msgTimestamp},
		{"GMT", now, func(s string) string { return strings.Replace(s, "UTC", "GMT", 1) }, "InvalidParameterException", msgTimestamp},
	} {
		cl, ch, e := h.srpStart(f, f.user, nil)
		if e != nil {
			t.Fatal(e)
		}
		cp := strMap(ch["ChallengeParameters"])
		ts := challenge.FormatTimestamp(tc.ts)
		if tc.mangle != nil {
			ts = tc.mangle(ts)
		}
		poolName, _ := srp.PoolName(f.pool)
		c, err := cl.PasswordClaim(srp.PasswordClaimParams{
			PoolName: poolName, UserIDForSRP: cp["USER_ID_FOR_SRP"], Password: f.password,
			SRPB: cp["SRP_B"], Salt: cp["SALT"], SecretBlock: cp["SECRET_BLOCK"], Timestamp: ts,
		})
		if err != nil {
			t.Fatal(err)
		}
		_, e = h.respond(f, "PASSWORD_VERIFIER", ch["Session"], map[string]any{
			"USERNAME": f.user, "PASSWORD_CLAIM_SECRET_BLOCK": c.SecretBlock, "TIMESTAMP": ts, "PASSWORD_CLAIM_SIGNATURE": c.Signature,
		})
		t.Run(tc.name, func(t *testing.T) { wantErr(t, e, tc.typ, tc.message) })
	}
	// Within the window, either side, is accepted.
	for _, d := range []time.Duration{-DefaultTimestampSkew + time.Second, DefaultTimestampSkew - time.Second} {
		cl, ch, _ := h.srpStart(f, f.user, nil)
		if _, e := h.respond(f, "PASSWORD_VERIFIER", ch["Session"], h.claim(f, cl, ch, f.password, now.Add(d))); e != nil {
			t.Fatalf("skew %v refused: %v", d, e)
		}
	}
}

func TestLockout(t *testing.T) {
	h := newHarness(t, nil)
	f := h.fixture(PoolConfig{}, ClientConfig{ExplicitAuthFlows: []string{"ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH"}}, UserConfig{})
	for range DefaultMaxFailures {
		_, e := h.srpSignIn(f, f.user, "Wrong-Horse-1")
		wantErr(t, e, "NotAuthorizedException", msgIncorrect)
	}
	// Locked: even the right password is refused, in every flow.
	_, e := h.srpSignIn(f, f.user, f.password)
	wantErr(t, e, "PasswordAttemptsExceededException", msgAttempts)
	_, e = h.call("InitiateAuth", map[string]any{"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": f.client,
		"AuthParameters": map[string]string{"USERNAME": f.user, "PASSWORD": f.password}})
	wantErr(t, e, "PasswordAttemptsExceededException", msgAttempts)
	h.clock.Advance(DefaultLockout + time.Second)
	if _, e := h.srpSignIn(f, f.user, f.password); e != nil {
		t.Fatalf("after the lockout: %v", e)
	}
	// A success resets the count.
	for range DefaultMaxFailures - 1 {
		h.srpSignIn(f, f.user, "Wrong-Horse-1")
	}
	if _, e := h.srpSignIn(f, f.user, f.password); e != nil {
		t.Fatal(e)
	}
	if _, e := h.srpSignIn(f, f.user, "Wrong-Horse-1"); e == nil || e.Type != "NotAuthorizedException" {
		t.Fatalf("count not reset: %v", e)
	}
}

func TestSecretHash(t *testing.T) {
	h := newHarness(t, nil)
	f := h.fixture(PoolConfig{}, ClientConfig{GenerateSecret: true}, UserConfig{})
	start := func(hash any) *apiError {
		cl, _ := srp.Cognito().NewClient(nil)
		p := map[string]any{"USERNAME": f.user, "SRP_A": cl.PublicHex()}
		if hash != nil {
			p["SECRET_HASH"] = hash
		}
		_, e := h.call("InitiateAuth", map[string]any{"AuthFlow": "USER_SRP_AUTH", "ClientId": f.client, "AuthParameters": p})
		return e
	}
	wantErr(t, start(nil), "NotAuthorizedException", "Client "+f.client+" is configured with secret but SECRET_HASH was not received")
	wantErr(t, start(challenge.SecretHash(f.secret+"x", f.user, f.client)), "NotAuthorizedException", "Unable to verify secret hash for client "+f.client)
	wantErr(t, start(challenge.SecretHash(f.secret, "bob", f.client)), "NotAuthorizedException", "Unable to verify secret hash for client "+f.client)
	if e := start(challenge.SecretHash(f.secret, f.user, f.client)); e != nil {
		t.Fatal(e)
	}
	// The challenge answer needs it too.
	cl, ch, _ := h.srpStart(f, f.user, nil)
	r := h.claim(f, cl, ch, f.password, h.clock.Now())
	r["SECRET_HASH"] = challenge.SecretHash(f.secret, "mallory", f.client)
	_, e := h.respond(f, "PASSWORD_VERIFIER", ch["Session"], r)
	wantErr(t, e, "NotAuthorizedException", "Unable to verify secret hash for client "+f.client)
}

func TestMalformedRequests(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.MaxBodyBytes = 4096 })
	f := h.fixture(PoolConfig{}, ClientConfig{}, UserConfig{})
	for _, body := range []string{`{"AuthFlow":`, `[1,2]`, `{"AuthFlow":"USER_SRP_AUTH"} {}`, `{"AuthParameters":{"USERNAME":7}}`, "\xff"} {
		_, e := h.call("InitiateAuth", body)
		wantErr(t, e, "SerializationException", "")
		if e.Status != 400 {
			t.Fatalf("status %d", e.Status)
		}
	}
	_, e := h.call("InitiateAuth", `{"AuthFlow":"USER_SRP_AUTH","ClientId":"`+strings.Repeat("x", 5000)+`"}`)
	wantErr(t, e, "SerializationException", "")
	if e.Status != 413 {
		t.Fatalf("status %d for an oversized body", e.Status)
	}
	_, e = h.call("NoSuchOperation", `{}`)
	wantErr(t, e, "UnknownOperationException", "")
	_, e = h.call("InitiateAuth", map[string]any{"AuthFlow": "USER_SRP_AUTH", "ClientId": "nope", "AuthParameters": map[string]string{"USERNAME": "a", "SRP_A": "02"}})
	wantErr(t, e, "ResourceNotFoundException", "User pool client nope does not exist.")
	// PreventUserExistenceErrors is ENABLED by default: an unknown user
	// gets a challenge (TestAttackUserEnumeration has the rest).
	out, e := h.call("InitiateAuth", map[string]any{"AuthFlow": "USER_SRP_AUTH", "ClientId": f.client, "AuthParameters": map[string]string{"USERNAME": "nobody", "SRP_A": "02"}})
	if e != nil || out["ChallengeName"] != "PASSWORD_VERIFIER" {
		t.Fatalf("unknown user: %v %v", out, e)
	}
	for _, a := range []string{"0", "zz", hex.EncodeToString(srp.Cognito().N()), strings.Repeat("f", 2000)} {
		_, e = h.call("InitiateAuth", map[string]any{"AuthFlow": "USER_SRP_AUTH", "ClientId": f.client, "AuthParameters": map[string]string{"USERNAME": f.user, "SRP_A": a}})
		wantErr(t, e, "InvalidParameterException", "")
	}
	_, e = h.call("InitiateAuth", map[string]any{"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": f.client, "AuthParameters": map[string]string{"USERNAME": f.user, "PASSWORD": f.password}})
	wantErr(t, e, "InvalidParameterException", "USER_PASSWORD_AUTH flow not enabled for this client")
	// A bad SRP answer shape: missing signature, garbage SECRET_BLOCK.
	cl, ch, _ := h.srpStart(f, f.user, nil)
	r := h.claim(f, cl, ch, f.password, h.clock.Now())
	r2 := maps.Clone(r)
	r2["PASSWORD_CLAIM_SECRET_BLOCK"] = "not base64!"
	_, e = h.respond(f, "PASSWORD_VERIFIER", ch["Session"], r2)
	wantErr(t, e, "NotAuthorizedException", msgIncorrect)
	r2 = maps.Clone(r)
	r2["PASSWORD_CLAIM_SIGNATURE"] = "%%%"
	_, e = h.respond(f, "PASSWORD_VERIFIER", ch["Session"], r2)
	wantErr(t, e, "NotAuthorizedException", msgIncorrect)
}
