package idp

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/caldera-srp/caldera/challenge"
	"github.com/caldera-srp/caldera/srp"
	"github.com/caldera-srp/caldera/totp"
)

func tokensOf(t testing.TB, out map[string]any) map[string]any {
	t.Helper()
	res, _ := out["AuthenticationResult"].(map[string]any)
	if res == nil {
		t.Fatalf("no AuthenticationResult in %v", out)
	}
	return res
}

// deviceSignIn answers DEVICE_SRP_AUTH and DEVICE_PASSWORD_VERIFIER.
func (h *harness) deviceSignIn(f fixture, out map[string]any, username, deviceKey, groupKey, devicePassword string) (map[string]any, *apiError) {
	h.t.Helper()
	if out["ChallengeName"] != "DEVICE_SRP_AUTH" {
		h.t.Fatalf("want DEVICE_SRP_AUTH, got %v", out)
	}
	dc, _ := srp.Cognito().NewClient(nil)
	out, e := h.respond(f, "DEVICE_SRP_AUTH", out["Session"], map[string]any{"USERNAME": username, "DEVICE_KEY": deviceKey, "SRP_A": dc.PublicHex()})
	if e != nil {
		return nil, e
	}
	cp := strMap(out["ChallengeParameters"])
	if out["ChallengeName"] != "DEVICE_PASSWORD_VERIFIER" || cp["DEVICE_KEY"] != deviceKey {
		h.t.Fatalf("want DEVICE_PASSWORD_VERIFIER, got %v", out)
	}
	c, err := dc.DeviceClaim(groupKey, deviceKey, devicePassword, cp["SRP_B"], cp["SALT"], cp["SECRET_BLOCK"], challenge.FormatTimestamp(h.srv.now()))
	if err != nil {
		h.t.Fatal(err)
	}
	return h.respond(f, "DEVICE_PASSWORD_VERIFIER", out["Session"], map[string]any{
		"USERNAME": username, "DEVICE_KEY": deviceKey, "PASSWORD_CLAIM_SECRET_BLOCK": c.SecretBlock,
		"TIMESTAMP": c.Timestamp, "PASSWORD_CLAIM_SIGNATURE": c.Signature,
	})
}

func TestDeviceFlow(t *testing.T) {
	h := newHarness(t, nil)
	f := h.fixture(PoolConfig{DeviceConfiguration: &DeviceConfiguration{ChallengeRequiredOnNewDevice: true}},
		ClientConfig{GenerateSecret: true}, UserConfig{})
	out, e := h.srpSignIn(f, f.user, f.password)
	if e != nil {
		t.Fatal(e)
	}
	res := tokensOf(t, out)
	meta, _ := res["NewDeviceMetadata"].(map[string]any)
	dk, gk := meta["DeviceKey"].(string), meta["DeviceGroupKey"].(string)
	if !strings.HasPrefix(dk, "us-east-1_") || gk == "" {
		t.Fatalf("NewDeviceMetadata %v", meta)
	}
	access := res["AccessToken"].(string)
	if c, _ := h.srv.VerifyToken(access); c.String("device_key") != dk {
		t.Fatalf("access token device_key %q, want %q", c.String("device_key"), dk)
	}
	dv, err := srp.NewDeviceVerifier(nil, gk, dk)
	if err != nil {
		t.Fatal(err)
	}
	cd := h.mustCall("ConfirmDevice", map[string]any{"AccessToken": access, "DeviceKey": dk, "DeviceName": "test-laptop",
		"DeviceSecretVerifierConfig": map[string]string{"Salt": dv.Config.Salt, "PasswordVerifier": dv.Config.PasswordVerifier}})
	if cd["UserConfirmationNecessary"] != false {
		t.Fatalf("ConfirmDevice: %v", cd)
	}
	h.mustCall("UpdateDeviceStatus", map[string]any{"AccessToken": access, "DeviceKey": dk, "DeviceRememberedStatus": "remembered"})
	ld := h.mustCall("ListDevices", map[string]any{"AccessToken": access})
	if devs := ld["Devices"].([]any); len(devs) != 1 || devs[0].(map[string]any)["DeviceKey"] != dk {
		t.Fatalf("ListDevices %v", ld)
	}

	// Sign in again with the device: DEVICE_KEY in InitiateAuth, and (a
	// fresh JS client object) only in the PASSWORD_VERIFIER answer.
	for _, inInitiate := range []bool{true, false} {
		extra := map[string]any{}
		if inInitiate {
			extra["DEVICE_KEY"] = dk
		}
		cl, ch, e := h.srpStart(f, f.user, extra)
		if e != nil {
			t.Fatal(e)
		}
		r := h.claim(f, cl, ch, f.password, h.clock.Now())
		r["DEVICE_KEY"] = dk
		out, e := h.respond(f, "PASSWORD_VERIFIER", ch["Session"], r)
		if e != nil {
			t.Fatal(e)
		}
		out, e = h.deviceSignIn(f, out, f.user, dk, gk, dv.DevicePassword)
		if e != nil {
			t.Fatal(e)
		}
		res := tokensOf(t, out)
		if res["NewDeviceMetadata"] != nil {
			t.Fatalf("new device metadata for a known device: %v", res)
		}
		if c, _ := h.srv.VerifyToken(res["AccessToken"].(string)); c.String("device_key") != dk {
			t.Fatalf("device_key %q", c.String("device_key"))
		}
	}

	// A wrong device password is refused.
	cl, ch, _ := h.srpStart(f, f.user, map[string]any{"DEVICE_KEY": dk})
	r := h.claim(f, cl, ch, f.password, h.clock.Now())
	r["DEVICE_KEY"] = dk
	out, _ = h.respond(f, "PASSWORD_VERIFIER", ch["Session"], r)
	_, e = h.deviceSignIn(f, out, f.user, dk, gk, "d3Jvbmc=")
	wantErr(t, e, "NotAuthorizedException", msgIncorrect)

	// Forget the device; the JS client's retry (docs/protocol.md §9): the same
	// PASSWORD_VERIFIER request is refused with ResourceNotFoundException
	// before the SRP state is consumed, then re-sent with "DEVICE_KEY": null.
	h.mustCall("ForgetDevice", map[string]any{"AccessToken": access, "DeviceKey": dk})
	cl, ch, _ = h.srpStart(f, f.user, map[string]any{"DEVICE_KEY": dk})
	r = h.claim(f, cl, ch, f.password, h.clock.Now())
	r["DEVICE_KEY"] = dk
	_, e = h.respond(f, "PASSWORD_VERIFIER", ch["Session"], r)
	wantErr(t, e, "ResourceNotFoundException", msgDeviceNotExist)
	r["DEVICE_KEY"] = nil
	out, e = h.respond(f, "PASSWORD_VERIFIER", ch["Session"], r)
	if e != nil {
		t.Fatalf("retry with DEVICE_KEY null: %v", e)
	}
	if tokensOf(t, out)["NewDeviceMetadata"] == nil {
		t.Fatal("no new device after the old one was forgotten")
	}
	// AdminForgetDevice too.
	meta = tokensOf(t, out)["NewDeviceMetadata"].(map[string]any)
	h.mustCall("AdminForgetDevice", map[string]any{"UserPoolId": f.pool, "Username": f.user, "DeviceKey": meta["DeviceKey"]})
	_, e = h.call("AdminForgetDevice", map[string]any{"UserPoolId": f.pool, "Username": f.user, "DeviceKey": meta["DeviceKey"]})
	wantErr(t, e, "ResourceNotFoundException", msgDeviceNotExist)
}

func TestNewPasswordRequired(t *testing.T) {
	h := newHarness(t, nil)
	p, _ := h.srv.CreatePool(PoolConfig{})
	c, _ := h.srv.CreateClient(p.ID, ClientConfig{})
	h.mustCall("AdminCreateUser", map[string]any{"UserPoolId": p.ID, "Username": "carol", "TemporaryPassword": "Temp-Pass-1",
		"UserAttributes": []map[string]string{{"Name": "email", "Value": "carol@example.com"}}})
	f := fixture{pool: p.ID, client: c.ID, user: "carol"}
	out, e := h.srpSignIn(f, "carol", "Temp-Pass-1")
	if e != nil {
		t.Fatal(e)
	}
	cp := strMap(out["ChallengeParameters"])
	if out["ChallengeName"] != "NEW_PASSWORD_REQUIRED" {
		t.Fatalf("got %v", out)
	}
	var ua map[string]string
	var req []string
	if json.Unmarshal([]byte(cp["userAttributes"]), &ua) != nil || json.Unmarshal([]byte(cp["requiredAttributes"]), &req) != nil || ua["email"] != "carol@example.com" {
		t.Fatalf("userAttributes/requiredAttributes not JSON strings: %v", cp)
	}
	_, e = h.respond(f, "NEW_PASSWORD_REQUIRED", out["Session"], map[string]any{"USERNAME": "carol", "NEW_PASSWORD": "short"})
	wantErr(t, e, "InvalidPasswordException", "Password did not conform with policy: Password not long enough")
	out, e = h.respond(f, "NEW_PASSWORD_REQUIRED", out["Session"], map[string]any{"USERNAME": "carol", "NEW_PASSWORD": "Brand-New-Pass-2", "userAttributes.name": "Carol"})
	if e != nil {
		t.Fatal(e)
	}
	idc, _ := h.srv.VerifyToken(tokensOf(t, out)["IdToken"].(string))
	if idc.String("name") != "Carol" {
		t.Fatalf("attribute not set: %v", idc)
	}
	if _, e := h.srpSignIn(f, "carol", "Temp-Pass-1"); e == nil {
		t.Fatal("temporary password still works")
	}
	if out, e := h.srpSignIn(f, "carol", "Brand-New-Pass-2"); e != nil || out["AuthenticationResult"] == nil {
		t.Fatalf("new password: %v %v", e, out)
	}
	// AdminSetUserPassword, permanent.
	h.mustCall("AdminSetUserPassword", map[string]any{"UserPoolId": p.ID, "Username": "carol", "Password": "Admin-Set-Pass-3", "Permanent": true})
	if out, e := h.srpSignIn(f, "carol", "Admin-Set-Pass-3"); e != nil || out["AuthenticationResult"] == nil {
		t.Fatalf("admin-set password: %v %v", e, out)
	}
}

func TestTOTPSetupAndSignIn(t *testing.T) {
	h := newHarness(t, nil)
	f := h.fixture(PoolConfig{MFA: "ON", SoftwareTokenMFA: true}, ClientConfig{GenerateSecret: true}, UserConfig{})
	out, e := h.srpSignIn(f, f.user, f.password)
	if e != nil {
		t.Fatal(e)
	}
	if out["ChallengeName"] != "MFA_SETUP" || strMap(out["ChallengeParameters"])["MFAS_CAN_SETUP"] != `["SOFTWARE_TOKEN_MFA"]` {
		t.Fatalf("got %v", out)
	}
	as := h.mustCall("AssociateSoftwareToken", map[string]any{"Session": out["Session"]})
	secret, err := totp.DecodeSecret(as["SecretCode"].(string))
	if err != nil {
		t.Fatal(err)
	}
	_, e = h.call("VerifySoftwareToken", map[string]any{"Session": as["Session"], "UserCode": "000000"})
	wantErr(t, e, "EnableSoftwareTokenMFAException", "")
	code, _ := totp.Code(secret, h.clock.Now())
	vs := h.mustCall("VerifySoftwareToken", map[string]any{"Session": as["Session"], "UserCode": code, "FriendlyDeviceName": "phone"})
	if vs["Status"] != "SUCCESS" {
		t.Fatalf("VerifySoftwareToken %v", vs)
	}
	out, e = h.respond(f, "MFA_SETUP", vs["Session"], map[string]any{"USERNAME": f.user})
	if e != nil {
		t.Fatal(e)
	}
	tokensOf(t, out)

	// Now every sign-in asks for the code. The code just used is refused
	// (replay) until the next step; ±1 step is accepted.
	mfa := func() map[string]any {
		out, e := h.srpSignIn(f, f.user, f.password)
		if e != nil || out["ChallengeName"] != "SOFTWARE_TOKEN_MFA" {
			t.Fatalf("want SOFTWARE_TOKEN_MFA: %v %v", e, out)
		}
		return out
	}
	out = mfa()
	_, e = h.respond(f, "SOFTWARE_TOKEN_MFA", out["Session"], map[string]any{"USERNAME": f.user, "SOFTWARE_TOKEN_MFA_CODE": code})
	wantErr(t, e, "CodeMismatchException", msgCodeMismatch)
	h.clock.Advance(30 * time.Second)
	next, _ := totp.Code(secret, h.clock.Now().Add(30*time.Second)) // one step ahead
	out2, e := h.respond(f, "SOFTWARE_TOKEN_MFA", out["Session"], map[string]any{"USERNAME": f.user, "SOFTWARE_TOKEN_MFA_CODE": next})
	if e != nil {
		t.Fatalf("code one step ahead, after a wrong try on the same session: %v", e)
	}
	tokensOf(t, out2)
	out = mfa()
	far, _ := totp.Code(secret, h.clock.Now().Add(90*time.Second))
	_, e = h.respond(f, "SOFTWARE_TOKEN_MFA", out["Session"], map[string]any{"USERNAME": f.user, "SOFTWARE_TOKEN_MFA_CODE": far})
	wantErr(t, e, "CodeMismatchException", msgCodeMismatch)
}

func TestSMSAndEmailMFA(t *testing.T) {
	h := newHarness(t, nil)
	f := h.fixture(PoolConfig{MFA: "OPTIONAL", SoftwareTokenMFA: true, SMSMFA: true, EmailMFA: true}, ClientConfig{},
		UserConfig{Attributes: map[string]string{"email": "alice@example.com", "phone_number": "+15555550123", "email_verified": "true", "phone_number_verified": "true"}})
	// OPTIONAL with nothing enabled: no MFA.
	if out, e := h.srpSignIn(f, f.user, f.password); e != nil || out["AuthenticationResult"] == nil {
		t.Fatalf("%v %v", e, out)
	}
	h.mustCall("AdminSetUserMFAPreference", map[string]any{"UserPoolId": f.pool, "Username": f.user,
		"SMSMfaSettings": map[string]bool{"Enabled": true}, "EmailMfaSettings": map[string]bool{"Enabled": true}, "SoftwareTokenMfaSettings": nil})
	out, e := h.srpSignIn(f, f.user, f.password)
	if e != nil || out["ChallengeName"] != "SELECT_MFA_TYPE" {
		t.Fatalf("want SELECT_MFA_TYPE: %v %v", e, out)
	}
	out, e = h.respond(f, "SELECT_MFA_TYPE", out["Session"], map[string]any{"USERNAME": f.user, "ANSWER": "SMS_MFA"})
	if e != nil || out["ChallengeName"] != "SMS_MFA" || strMap(out["ChallengeParameters"])["CODE_DELIVERY_DESTINATION"] != "+*******0123" {
		t.Fatalf("want SMS_MFA: %v %v", e, out)
	}
	code := h.srv.LastCode(f.pool, f.user)
	// The JS client's sendMFACode sends both code keys.
	out, e = h.respond(f, "SMS_MFA", out["Session"], map[string]any{"USERNAME": f.user, "SMS_MFA_CODE": code, "SOFTWARE_TOKEN_MFA_CODE": code})
	if e != nil {
		t.Fatal(e)
	}
	tokensOf(t, out)

	// Preferred e-mail; the outbox over HTTP.
	h.mustCall("AdminSetUserMFAPreference", map[string]any{"UserPoolId": f.pool, "Username": f.user,
		"EmailMfaSettings": map[string]bool{"Enabled": true, "PreferredMfa": true}})
	out, e = h.srpSignIn(f, f.user, f.password)
	if e != nil || out["ChallengeName"] != "EMAIL_OTP" {
		t.Fatalf("want EMAIL_OTP: %v %v", e, out)
	}
	oreq, _ := http.NewRequest(http.MethodGet, h.http.URL+"/_caldera/outbox?pool="+f.pool+"&username=alice@example.com", nil)
	oreq.Header.Set("Authorization", "Bearer "+testAdmin.SecretAccessKey)
	resp, err := http.DefaultClient.Do(oreq)
	if err != nil {
		t.Fatal(err)
	}
	var msgs []Message
	json.NewDecoder(resp.Body).Decode(&msgs)
	resp.Body.Close()
	if len(msgs) == 0 || msgs[len(msgs)-1].Purpose != "EMAIL_OTP" || msgs[len(msgs)-1].Medium != "EMAIL" {
		t.Fatalf("outbox %v", msgs)
	}
	_, e = h.respond(f, "EMAIL_OTP", out["Session"], map[string]any{"USERNAME": f.user, "EMAIL_OTP_CODE": "999999x"})
	wantErr(t, e, "CodeMismatchException", "")
	out, e = h.respond(f, "EMAIL_OTP", out["Session"], map[string]any{"USERNAME": f.user, "EMAIL_OTP_CODE": msgs[len(msgs)-1].Code})
	if e != nil {
		t.Fatal(e)
	}
	tokensOf(t, out)
}

// customHook asks one question after an optional SRP step.
type customHook struct{}

func (customHook) DefineAuthChallenge(_ context.Context, in DefineAuthChallengeInput) (DefineAuthChallengeOutput, error) {
	s := in.Session
	switch {
	case len(s) == 1 && s[0].ChallengeName == "SRP_A":
		return DefineAuthChallengeOutput{ChallengeName: "PASSWORD_VERIFIER"}, nil
	case len(s) > 0 && s[len(s)-1].ChallengeName == "CUSTOM_CHALLENGE" && s[len(s)-1].ChallengeResult:
		return DefineAuthChallengeOutput{IssueTokens: true}, nil
	case len(s) >= 3 && !s[len(s)-1].ChallengeResult:
		return DefineAuthChallengeOutput{FailAuthentication: true}, nil
	}
	return DefineAuthChallengeOutput{ChallengeName: "CUSTOM_CHALLENGE"}, nil
}

func (customHook) CreateAuthChallenge(_ context.Context, in CreateAuthChallengeInput) (CreateAuthChallengeOutput, error) {
	return CreateAuthChallengeOutput{
		PublicChallengeParameters:  map[string]string{"question": "2+2"},
		PrivateChallengeParameters: map[string]string{"answer": "4"},
	}, nil
}

func (customHook) VerifyAuthChallenge(_ context.Context, in VerifyAuthChallengeInput) (VerifyAuthChallengeOutput, error) {
	return VerifyAuthChallengeOutput{AnswerCorrect: in.ChallengeAnswer == in.PrivateChallengeParameters["answer"]}, nil
}

func TestCustomAuth(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.CustomAuth = customHook{} })
	f := h.fixture(PoolConfig{}, ClientConfig{}, UserConfig{})
	out := h.mustCall("InitiateAuth", map[string]any{"AuthFlow": "CUSTOM_AUTH", "ClientId": f.client, "AuthParameters": map[string]string{"USERNAME": f.user}})
	if out["ChallengeName"] != "CUSTOM_CHALLENGE" || strMap(out["ChallengeParameters"])["question"] != "2+2" {
		t.Fatalf("%v", out)
	}
	out, e := h.respond(f, "CUSTOM_CHALLENGE", out["Session"], map[string]any{"USERNAME": f.user, "ANSWER": "5"})
	if e != nil || out["ChallengeName"] != "CUSTOM_CHALLENGE" {
		t.Fatalf("wrong answer should give another challenge: %v %v", e, out)
	}
	out, e = h.respond(f, "CUSTOM_CHALLENGE", out["Session"], map[string]any{"USERNAME": f.user, "ANSWER": "4"})
	if e != nil {
		t.Fatal(e)
	}
	tokensOf(t, out)

	// With SRP first (CHALLENGE_NAME=SRP_A).
	cl, _ := srp.Cognito().NewClient(nil)
	ch := h.mustCall("InitiateAuth", map[string]any{"AuthFlow": "CUSTOM_AUTH", "ClientId": f.client,
		"AuthParameters": map[string]string{"USERNAME": f.user, "SRP_A": cl.PublicHex(), "CHALLENGE_NAME": "SRP_A"}})
	if ch["ChallengeName"] != "PASSWORD_VERIFIER" {
		t.Fatalf("%v", ch)
	}
	out, e = h.respond(f, "PASSWORD_VERIFIER", ch["Session"], h.claim(f, cl, ch, f.password, h.clock.Now()))
	if e != nil || out["ChallengeName"] != "CUSTOM_CHALLENGE" {
		t.Fatalf("%v %v", e, out)
	}
	out, e = h.respond(f, "CUSTOM_CHALLENGE", out["Session"], map[string]any{"USERNAME": f.user, "ANSWER": "4"})
	if e != nil {
		t.Fatal(e)
	}
	tokensOf(t, out)

	// Without a hook, CUSTOM_AUTH is refused.
	h2 := newHarness(t, nil)
	f2 := h2.fixture(PoolConfig{}, ClientConfig{}, UserConfig{})
	_, e = h2.call("InitiateAuth", map[string]any{"AuthFlow": "CUSTOM_AUTH", "ClientId": f2.client, "AuthParameters": map[string]string{"USERNAME": f2.user}})
	wantErr(t, e, "InvalidParameterException", "")
}

func TestUserAuthChoice(t *testing.T) {
	h := newHarness(t, nil)
	f := h.fixture(PoolConfig{FirstAuthFactors: []string{"PASSWORD", "EMAIL_OTP"}}, ClientConfig{ExplicitAuthFlows: []string{"ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}},
		UserConfig{Attributes: map[string]string{"email": "alice@example.com", "email_verified": "true"}})
	out := h.mustCall("InitiateAuth", map[string]any{"AuthFlow": "USER_AUTH", "ClientId": f.client, "AuthParameters": map[string]string{"USERNAME": f.user}})
	if out["ChallengeName"] != "SELECT_CHALLENGE" || len(out["AvailableChallenges"].([]any)) != 3 {
		t.Fatalf("%v", out)
	}
	cl, _ := srp.Cognito().NewClient(nil)
	ch, e := h.respond(f, "SELECT_CHALLENGE", out["Session"], map[string]any{"USERNAME": f.user, "ANSWER": "PASSWORD_SRP", "SRP_A": cl.PublicHex()})
	if e != nil || ch["ChallengeName"] != "PASSWORD_VERIFIER" {
		t.Fatalf("%v %v", e, ch)
	}
	out, e = h.respond(f, "PASSWORD_VERIFIER", ch["Session"], h.claim(f, cl, ch, f.password, h.clock.Now()))
	if e != nil {
		t.Fatal(e)
	}
	tokensOf(t, out)

	// PREFERRED_CHALLENGE PASSWORD, right and wrong.
	out = h.mustCall("InitiateAuth", map[string]any{"AuthFlow": "USER_AUTH", "ClientId": f.client,
		"AuthParameters": map[string]string{"USERNAME": f.user, "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": f.password}})
	tokensOf(t, out)
	_, e = h.call("InitiateAuth", map[string]any{"AuthFlow": "USER_AUTH", "ClientId": f.client,
		"AuthParameters": map[string]string{"USERNAME": f.user, "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": "Wrong-Horse-1"}})
	wantErr(t, e, "NotAuthorizedException", msgIncorrect)

	// Passwordless e-mail code.
	out = h.mustCall("InitiateAuth", map[string]any{"AuthFlow": "USER_AUTH", "ClientId": f.client,
		"AuthParameters": map[string]string{"USERNAME": f.user, "PREFERRED_CHALLENGE": "EMAIL_OTP"}})
	if out["ChallengeName"] != "EMAIL_OTP" {
		t.Fatalf("%v", out)
	}
	out, e = h.respond(f, "EMAIL_OTP", out["Session"], map[string]any{"USERNAME": f.user, "EMAIL_OTP_CODE": h.srv.LastCode(f.pool, f.user)})
	if e != nil {
		t.Fatal(e)
	}
	tokensOf(t, out)
}

func TestPasswordAuthRefreshRevoke(t *testing.T) {
	h := newHarness(t, nil)
	f := h.fixture(PoolConfig{}, ClientConfig{GenerateSecret: true, ExplicitAuthFlows: []string{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}}, UserConfig{})
	pw := func(password string) (map[string]any, *apiError) {
		return h.call("InitiateAuth", map[string]any{"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": f.client, "AuthParameters": map[string]string{
			"USERNAME": f.user, "PASSWORD": password, "SECRET_HASH": challenge.SecretHash(f.secret, f.user, f.client)}})
	}
	_, e := pw("Wrong-Horse-1")
	wantErr(t, e, "NotAuthorizedException", msgIncorrect)
	out, e := pw(f.password)
	if e != nil {
		t.Fatal(e)
	}
	res := tokensOf(t, out)
	refresh, access := res["RefreshToken"].(string), res["AccessToken"].(string)
	sub := h.mustCall("GetUser", map[string]any{"AccessToken": access})["Username"]
	if sub != f.user {
		t.Fatalf("GetUser %v", sub)
	}
	idc, _ := h.srv.VerifyToken(res["IdToken"].(string))

	// REFRESH_TOKEN_AUTH with SECRET_HASH over the internal name or the sub.
	for _, name := range []string{f.user, idc.String("sub")} {
		h.clock.Advance(time.Second)
		out = h.mustCall("InitiateAuth", map[string]any{"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": f.client, "AuthParameters": map[string]string{
			"REFRESH_TOKEN": refresh, "SECRET_HASH": challenge.SecretHash(f.secret, name, f.client)}})
		r := tokensOf(t, out)
		if r["RefreshToken"] != nil || r["AccessToken"] == access {
			t.Fatalf("refresh result %v", r)
		}
	}
	_, e = h.call("InitiateAuth", map[string]any{"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": f.client, "AuthParameters": map[string]string{
		"REFRESH_TOKEN": refresh + "x", "SECRET_HASH": challenge.SecretHash(f.secret, f.user, f.client)}})
	wantErr(t, e, "NotAuthorizedException", msgBadRefresh)

	// RevokeToken kills the refresh token and that sign-in's access tokens.
	_, e = h.call("RevokeToken", map[string]any{"Token": refresh, "ClientId": f.client, "ClientSecret": "nope"})
	wantErr(t, e, "NotAuthorizedException", "")
	h.mustCall("RevokeToken", map[string]any{"Token": refresh, "ClientId": f.client, "ClientSecret": f.secret})
	_, e = h.call("GetUser", map[string]any{"AccessToken": access})
	wantErr(t, e, "NotAuthorizedException", msgRevokedToken)
	_, e = h.call("InitiateAuth", map[string]any{"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": f.client, "AuthParameters": map[string]string{
		"REFRESH_TOKEN": refresh, "SECRET_HASH": challenge.SecretHash(f.secret, f.user, f.client)}})
	wantErr(t, e, "NotAuthorizedException", msgBadRefresh)

	// GlobalSignOut ends every sign-in of the user.
	a1 := tokensOf(t, must(pw(f.password)))["AccessToken"]
	a2 := tokensOf(t, must(pw(f.password)))["AccessToken"]
	h.mustCall("GlobalSignOut", map[string]any{"AccessToken": a1})
	for _, a := range []any{a1, a2} {
		_, e = h.call("GetUser", map[string]any{"AccessToken": a})
		wantErr(t, e, "NotAuthorizedException", msgRevokedToken)
	}
	// Expired access tokens are refused.
	a3 := tokensOf(t, must(pw(f.password)))["AccessToken"]
	h.clock.Advance(time.Hour + time.Second) // the default access token lifetime
	_, e = h.call("GetUser", map[string]any{"AccessToken": a3})
	wantErr(t, e, "NotAuthorizedException", msgBadAccessToken)
}

func must(out map[string]any, e *apiError) map[string]any {
	if e != nil {
		panic(e.Type + ": " + e.Message)
	}
	return out
}

func TestSignUpConfirm(t *testing.T) {
	h := newHarness(t, nil)
	p, _ := h.srv.CreatePool(PoolConfig{UsernameAttributes: []string{"email"}, AutoVerifiedAttributes: []string{"email"}})
	c, _ := h.srv.CreateClient(p.ID, ClientConfig{GenerateSecret: true})
	f := fixture{pool: p.ID, client: c.ID, secret: c.Secret}
	email := "dave@example.com"
	su := h.mustCall("SignUp", map[string]any{"ClientId": c.ID, "Username": email, "Password": "Dave-Pass-1",
		"SecretHash": challenge.SecretHash(c.Secret, email, c.ID)})
	if su["UserConfirmed"] != false || su["UserSub"] == "" {
		t.Fatalf("SignUp %v", su)
	}
	_, e := h.srpSignIn(f, email, "Dave-Pass-1")
	wantErr(t, e, "UserNotConfirmedException", "")
	_, e = h.call("ConfirmSignUp", map[string]any{"ClientId": c.ID, "Username": email, "ConfirmationCode": "000000x",
		"SecretHash": challenge.SecretHash(c.Secret, email, c.ID)})
	wantErr(t, e, "CodeMismatchException", "")
	h.mustCall("ConfirmSignUp", map[string]any{"ClientId": c.ID, "Username": email, "ConfirmationCode": h.srv.LastCode(p.ID, email),
		"SecretHash": challenge.SecretHash(c.Secret, email, c.ID)})
	// Alias pool: the challenge names the user by sub (USER_ID_FOR_SRP).
	cl, ch, e := h.srpStart(f, email, nil)
	if e != nil {
		t.Fatal(e)
	}
	if uid := strMap(ch["ChallengeParameters"])["USER_ID_FOR_SRP"]; uid != su["UserSub"] {
		t.Fatalf("USER_ID_FOR_SRP %q, want the sub %q", uid, su["UserSub"])
	}
	out, e := h.respond(f, "PASSWORD_VERIFIER", ch["Session"], h.claim(f, cl, ch, "Dave-Pass-1", h.clock.Now()))
	if e != nil {
		t.Fatal(e)
	}
	idc, _ := h.srv.VerifyToken(tokensOf(t, out)["IdToken"].(string))
	if idc.String("email") != email || idc["email_verified"] != true {
		t.Fatalf("claims %v", idc)
	}
}

// TestJWKS verifies a token with nothing but the published key set.
func TestJWKS(t *testing.T) {
	h := newHarness(t, nil)
	f := h.fixture(PoolConfig{}, ClientConfig{}, UserConfig{})
	out, e := h.srpSignIn(f, f.user, f.password)
	if e != nil {
		t.Fatal(e)
	}
	tok := tokensOf(t, out)["IdToken"].(string)
	var claims struct{ Iss string }
	parts := strings.Split(tok, ".")
	pb, _ := base64.RawURLEncoding.DecodeString(parts[1])
	json.Unmarshal(pb, &claims)
	resp, err := http.Get(claims.Iss + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	var set JWKSet
	json.NewDecoder(resp.Body).Decode(&set)
	resp.Body.Close()
	var hdr struct{ Kid, Alg string }
	hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
	json.Unmarshal(hb, &hdr)
	if len(set.Keys) != 1 || set.Keys[0].Kid != hdr.Kid || hdr.Alg != "RS256" {
		t.Fatalf("jwks %v header %v", set, hdr)
	}
	nb, _ := base64.RawURLEncoding.DecodeString(set.Keys[0].N)
	eb, _ := base64.RawURLEncoding.DecodeString(set.Keys[0].E)
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(nb), E: int(new(big.Int).SetBytes(eb).Int64())}
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	d := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, d[:], sig); err != nil {
		t.Fatalf("token does not verify with the JWKS: %v", err)
	}
	resp, _ = http.Get(h.http.URL + "/us-east-1_Nope/.well-known/jwks.json")
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown pool JWKS: %d", resp.StatusCode)
	}
	resp.Body.Close()
}
