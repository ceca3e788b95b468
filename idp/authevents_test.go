package idp

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/caldera-srp/caldera/idp/store"
	"github.com/caldera-srp/caldera/srp"
	"github.com/caldera-srp/caldera/totp"
)

// TestAuthEvents: issue 13, item 5. Each sign-in of a known user is one
// entry of AdminListUserAuthEvents, with the end user's IP address from
// UserContextData (the request's source without it) and the outcome of
// each proof. The shape is Cognito's AuthEventType in botocore's
// cognito-idp 2016-04-18 model: EventType SignIn, EventResponse
// Pass|Fail|InProgress, ChallengeResponses of ChallengeName Password|Mfa
// and ChallengeResponse Success|Failure, EventContextData.IpAddress,
// MaxResults 0–60 (0: 60) with NextToken.
func TestAuthEvents(t *testing.T) {
	h := newHarness(t, nil)
	secret := []byte("12345678901234567890")
	f := h.fixture(PoolConfig{MFA: "ON", SoftwareTokenMFA: true}, ClientConfig{}, UserConfig{TOTPSecret: totp.EncodeSecret(secret)})
	events := func(extra map[string]any) []map[string]any {
		t.Helper()
		in := map[string]any{"UserPoolId": f.pool, "Username": f.user}
		for k, v := range extra {
			in[k] = v
		}
		out := h.mustCall("AdminListUserAuthEvents", in)
		var evs []map[string]any
		for _, e := range out["AuthEvents"].([]any) {
			evs = append(evs, e.(map[string]any))
		}
		return evs
	}
	require.Empty(t, events(nil))
	ctx := map[string]any{"UserContextData": map[string]any{"IpAddress": "203.0.113.7", "EncodedData": "opaque"}}

	// 1. The right password and a wrong TOTP code: Fail, Password
	// Success then Mfa Failure, at the address the client named.
	cl, ch, e := h.srpStart(f, f.user, nil)
	require.Nil(t, e)
	r := h.claim(f, cl, ch, f.password, h.clock.Now())
	in := map[string]any{"ChallengeName": "PASSWORD_VERIFIER", "ClientId": f.client, "ChallengeResponses": r, "Session": ch["Session"]}
	for k, v := range ctx {
		in[k] = v
	}
	out, e := h.call("RespondToAuthChallenge", in)
	require.Nil(t, e)
	require.Equal(t, "SOFTWARE_TOKEN_MFA", out["ChallengeName"])
	evs := events(nil)
	require.Len(t, evs, 1)
	assert.Equal(t, "InProgress", evs[0]["EventResponse"], "a challenge is open")
	good, _ := totp.Code(secret, h.clock.Now())
	n, err := strconv.Atoi(good)
	require.NoError(t, err)
	wrong := fmt.Sprintf("%06d", (n+1)%1000000)
	_, e = h.respond(f, "SOFTWARE_TOKEN_MFA", out["Session"], map[string]any{"USERNAME": f.user, "SOFTWARE_TOKEN_MFA_CODE": wrong})
	wantErr(t, e, "CodeMismatchException", "")
	evs = events(nil)
	require.Len(t, evs, 1)
	first := evs[0]
	assert.Equal(t, "SignIn", first["EventType"])
	assert.Equal(t, "Fail", first["EventResponse"])
	assert.Equal(t, []any{
		map[string]any{"ChallengeName": "Password", "ChallengeResponse": "Success"},
		map[string]any{"ChallengeName": "Mfa", "ChallengeResponse": "Failure"},
	}, first["ChallengeResponses"])
	// InitiateAuth named no address, so the source was recorded first;
	// the sign-in keeps the address of its first step.
	assert.Equal(t, map[string]any{"IpAddress": "127.0.0.1"}, first["EventContextData"])
	assert.Equal(t, "NoRisk", first["EventRisk"].(map[string]any)["RiskDecision"])
	assert.InDelta(t, float64(h.clock.Now().Unix()), first["CreationDate"], 1)

	// 2. A sign-in left after SRP's first step, which proves nothing,
	// leaves no event (a flood of such starts writes nothing); then a
	// wrong password with the address on InitiateAuth: Fail, Password
	// Failure.
	h.clock.Advance(time.Minute)
	_, _, e = h.srpStart(f, f.user, nil)
	require.Nil(t, e)
	require.Len(t, events(nil), 1)
	h.clock.Advance(time.Second)
	cl2, ch2 := srpStartWith(t, h, f, ctx)
	_, e = h.respond(f, "PASSWORD_VERIFIER", ch2["Session"], h.claim(f, cl2, ch2, "Wrong-Horse-1", h.clock.Now()))
	wantErr(t, e, "NotAuthorizedException", msgIncorrect)

	// 3. A full sign-in: Pass, and the tokens' event_id names the event.
	h.clock.Advance(time.Minute)
	cl3, ch3 := srpStartWith(t, h, f, ctx)
	out, e = h.respond(f, "PASSWORD_VERIFIER", ch3["Session"], h.claim(f, cl3, ch3, f.password, h.clock.Now()))
	require.Nil(t, e)
	good, _ = totp.Code(secret, h.clock.Now())
	out, e = h.respond(f, "SOFTWARE_TOKEN_MFA", out["Session"], map[string]any{"USERNAME": f.user, "SOFTWARE_TOKEN_MFA_CODE": good})
	require.Nil(t, e)
	idc, err := h.srv.VerifyToken(tokensOf(t, out)["IdToken"].(string))
	require.NoError(t, err)

	evs = events(nil)
	// Newest first: the pass, the wrong password, then step 1.
	require.Len(t, evs, 3)
	assert.Equal(t, "Pass", evs[0]["EventResponse"])
	assert.Equal(t, idc.String("event_id"), evs[0]["EventId"])
	assert.Equal(t, []any{
		map[string]any{"ChallengeName": "Password", "ChallengeResponse": "Success"},
		map[string]any{"ChallengeName": "Mfa", "ChallengeResponse": "Success"},
	}, evs[0]["ChallengeResponses"])
	assert.Equal(t, map[string]any{"IpAddress": "203.0.113.7"}, evs[0]["EventContextData"])
	assert.Equal(t, "Fail", evs[1]["EventResponse"])
	assert.Equal(t, []any{map[string]any{"ChallengeName": "Password", "ChallengeResponse": "Failure"}}, evs[1]["ChallengeResponses"])
	assert.Equal(t, first["EventId"], evs[2]["EventId"])

	// Paging: MaxResults and NextToken walk the same list.
	out = h.mustCall("AdminListUserAuthEvents", map[string]any{"UserPoolId": f.pool, "Username": f.user, "MaxResults": 2})
	require.Len(t, out["AuthEvents"], 2)
	next, _ := out["NextToken"].(string)
	require.NotEmpty(t, next)
	rest := events(map[string]any{"NextToken": next})
	require.Len(t, rest, 1)
	assert.Equal(t, first["EventId"], rest[0]["EventId"])

	// The admin call's ContextData names the address of an admin sign-in;
	// an address that is not one is not recorded (the source is).
	g := h.fixture(PoolConfig{}, ClientConfig{ExplicitAuthFlows: []string{"ALLOW_ADMIN_USER_PASSWORD_AUTH"}}, UserConfig{Username: "bob"})
	adminAuth := func(ip string) {
		t.Helper()
		_, e := h.call("AdminInitiateAuth", map[string]any{
			"UserPoolId": g.pool, "ClientId": g.client, "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
			"AuthParameters": map[string]any{"USERNAME": "bob", "PASSWORD": g.password},
			"ContextData":    map[string]any{"IpAddress": ip, "ServerName": "app.example", "ServerPath": "/login", "HttpHeaders": []any{}},
		})
		require.Nil(t, e)
	}
	adminAuth("2001:db8::1")
	h.clock.Advance(time.Second)
	adminAuth("<script>")
	out = h.mustCall("AdminListUserAuthEvents", map[string]any{"UserPoolId": g.pool, "Username": "bob"})
	bob := out["AuthEvents"].([]any)
	require.Len(t, bob, 2)
	assert.Equal(t, map[string]any{"IpAddress": "127.0.0.1"}, bob[0].(map[string]any)["EventContextData"])
	assert.Equal(t, map[string]any{"IpAddress": "2001:db8::1"}, bob[1].(map[string]any)["EventContextData"])
	assert.Equal(t, []any{map[string]any{"ChallengeName": "Password", "ChallengeResponse": "Success"}},
		bob[1].(map[string]any)["ChallengeResponses"])

	// AdminUpdateAuthEventFeedback: an administrator's verdict shows as
	// EventFeedback (botocore's EventFeedbackType: FeedbackValue, Provider,
	// FeedbackDate); FeedbackValue is the enum Valid|Invalid.
	h.mustCall("AdminUpdateAuthEventFeedback", map[string]any{"UserPoolId": f.pool, "Username": f.user, "EventId": first["EventId"], "FeedbackValue": "Invalid"})
	evs = events(nil)
	fb, _ := evs[len(evs)-1]["EventFeedback"].(map[string]any)
	require.NotNil(t, fb, "%v", evs[len(evs)-1])
	assert.Equal(t, "Invalid", fb["FeedbackValue"])
	assert.Equal(t, "Admin", fb["Provider"])
	assert.Nil(t, evs[0]["EventFeedback"])
	_, e = h.call("AdminUpdateAuthEventFeedback", map[string]any{"UserPoolId": f.pool, "Username": f.user, "EventId": first["EventId"], "FeedbackValue": "Maybe"})
	wantErr(t, e, "InvalidParameterException", "")
	_, e = h.call("AdminUpdateAuthEventFeedback", map[string]any{"UserPoolId": f.pool, "Username": f.user, "EventId": "no-such-event", "FeedbackValue": "Valid"})
	wantErr(t, e, "ResourceNotFoundException", "")

	// Errors: an unknown user, a bad limit.
	_, e = h.call("AdminListUserAuthEvents", map[string]any{"UserPoolId": f.pool, "Username": "nobody"})
	wantErr(t, e, "UserNotFoundException", "")
	_, e = h.call("AdminListUserAuthEvents", map[string]any{"UserPoolId": f.pool, "Username": f.user, "MaxResults": 61})
	wantErr(t, e, "InvalidParameterException", "")

	// Deleting the user deletes its history; a new user of the same name
	// starts with none.
	h.mustCall("AdminDeleteUser", map[string]any{"UserPoolId": g.pool, "Username": "bob"})
	h.mustCall("AdminCreateUser", map[string]any{"UserPoolId": g.pool, "Username": "bob", "MessageAction": "SUPPRESS"})
	out = h.mustCall("AdminListUserAuthEvents", map[string]any{"UserPoolId": g.pool, "Username": "bob"})
	assert.Empty(t, out["AuthEvents"])
}

// TestAuthEventsBounded: the history of a user is bounded (memory is, on a
// server anyone can send sign-ins to): the oldest events go first.
func TestAuthEventsBounded(t *testing.T) {
	h := newHarness(t, nil)
	f := h.fixture(PoolConfig{}, ClientConfig{ExplicitAuthFlows: []string{"ALLOW_USER_PASSWORD_AUTH"}}, UserConfig{})
	var firstKept string
	for i := 0; i < store.MaxAuthEvents+5; i++ {
		h.clock.Advance(time.Second)
		out, e := h.call("InitiateAuth", map[string]any{"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": f.client,
			"AuthParameters": map[string]any{"USERNAME": f.user, "PASSWORD": f.password}})
		require.Nil(t, e)
		if i == 5 {
			idc, err := h.srv.VerifyToken(tokensOf(t, out)["IdToken"].(string))
			require.NoError(t, err)
			firstKept = idc.String("event_id")
		}
	}
	var all []any
	next := ""
	for {
		in := map[string]any{"UserPoolId": f.pool, "Username": f.user}
		if next != "" {
			in["NextToken"] = next
		}
		out := h.mustCall("AdminListUserAuthEvents", in)
		all = append(all, out["AuthEvents"].([]any)...)
		if next, _ = out["NextToken"].(string); next == "" {
			break
		}
	}
	require.Len(t, all, store.MaxAuthEvents)
	assert.Equal(t, firstKept, all[len(all)-1].(map[string]any)["EventId"])
}

// TestAuthEventsUserAuth: a password chosen at USER_AUTH's
// SELECT_CHALLENGE is a Password proof of the event, right or wrong.
func TestAuthEventsUserAuth(t *testing.T) {
	h := newHarness(t, nil)
	f := h.fixture(PoolConfig{Name: "p"}, ClientConfig{Name: "c", ExplicitAuthFlows: []string{"ALLOW_USER_AUTH"}}, UserConfig{})
	for _, pw := range []string{"Wrong-Horse-1", f.password} {
		h.clock.Advance(time.Second)
		sel := h.mustCall("InitiateAuth", map[string]any{"AuthFlow": "USER_AUTH", "ClientId": f.client, "AuthParameters": map[string]string{"USERNAME": f.user}})
		require.Equal(t, "SELECT_CHALLENGE", sel["ChallengeName"])
		h.respond(f, "SELECT_CHALLENGE", sel["Session"], map[string]any{"USERNAME": f.user, "ANSWER": "PASSWORD", "PASSWORD": pw})
	}
	out := h.mustCall("AdminListUserAuthEvents", map[string]any{"UserPoolId": f.pool, "Username": f.user})
	evs := out["AuthEvents"].([]any)
	require.Len(t, evs, 2)
	pass, fail := evs[0].(map[string]any), evs[1].(map[string]any)
	assert.Equal(t, "Pass", pass["EventResponse"])
	assert.Equal(t, []any{map[string]any{"ChallengeName": "Password", "ChallengeResponse": "Success"}}, pass["ChallengeResponses"])
	assert.Equal(t, "Fail", fail["EventResponse"])
	assert.Equal(t, []any{map[string]any{"ChallengeName": "Password", "ChallengeResponse": "Failure"}}, fail["ChallengeResponses"])
}

// TestAuthEventsAccount: the other event types of Cognito's EventType —
// SignUp, ResendCode, ForgotPassword (InProgress when the code is sent,
// then Fail or Pass at ConfirmForgotPassword) and PasswordChange (Fail or
// Pass) — each with the end user's address (UserContextData where the
// operation takes it; the request's source for ChangePassword, which does
// not).
func TestAuthEventsAccount(t *testing.T) {
	h := newHarness(t, nil)
	f := h.fixture(PoolConfig{}, ClientConfig{ExplicitAuthFlows: pwFlows},
		UserConfig{Attributes: map[string]string{"email": "alice@example.com", "email_verified": "true"}})
	ctx := map[string]any{"IpAddress": "198.51.100.4"}
	history := func(user string) [][3]any {
		t.Helper()
		out := h.mustCall("AdminListUserAuthEvents", map[string]any{"UserPoolId": f.pool, "Username": user})
		var got [][3]any
		for _, e := range out["AuthEvents"].([]any) {
			m := e.(map[string]any)
			got = append(got, [3]any{m["EventType"], m["EventResponse"], m["EventContextData"].(map[string]any)["IpAddress"]})
		}
		return got
	}

	h.mustCall("SignUp", map[string]any{"ClientId": f.client, "Username": "eve", "Password": "Eve-Passw0rd!",
		"UserAttributes": []map[string]string{{"Name": "email", "Value": "eve@example.com"}}, "UserContextData": ctx})
	h.mustCall("ResendConfirmationCode", map[string]any{"ClientId": f.client, "Username": "eve", "UserContextData": ctx})
	assert.Equal(t, [][3]any{{"ResendCode", "Pass", "198.51.100.4"}, {"SignUp", "Pass", "198.51.100.4"}}, history("eve"))

	h.mustCall("ForgotPassword", map[string]any{"ClientId": f.client, "Username": f.user, "UserContextData": ctx})
	code, wrong := h.srv.LastCode(f.pool, f.user), "000000"
	if code == wrong {
		wrong = "111111"
	}
	_, e := h.call("ConfirmForgotPassword", map[string]any{"ClientId": f.client, "Username": f.user, "ConfirmationCode": wrong,
		"Password": "New-Horse-2", "UserContextData": ctx})
	wantErr(t, e, "CodeMismatchException", "")
	h.mustCall("ConfirmForgotPassword", map[string]any{"ClientId": f.client, "Username": f.user, "ConfirmationCode": code,
		"Password": "New-Horse-2", "UserContextData": ctx})
	access := h.pwSignIn(f, f.user, "New-Horse-2")["AccessToken"]
	_, e = h.call("ChangePassword", map[string]any{"AccessToken": access, "PreviousPassword": "Wrong-Horse-1", "ProposedPassword": "Newer-Horse-3"})
	wantErr(t, e, "NotAuthorizedException", msgIncorrect)
	h.mustCall("ChangePassword", map[string]any{"AccessToken": access, "PreviousPassword": "New-Horse-2", "ProposedPassword": "Newer-Horse-3"})
	assert.Equal(t, [][3]any{
		{"PasswordChange", "Pass", "127.0.0.1"},
		{"PasswordChange", "Fail", "127.0.0.1"},
		{"SignIn", "Pass", "127.0.0.1"},
		{"ForgotPassword", "Pass", "198.51.100.4"},
		{"ForgotPassword", "Fail", "198.51.100.4"},
		{"ForgotPassword", "InProgress", "198.51.100.4"},
	}, history(f.user))
}

// TestAuthEventsDisabled: on a client that hides users, a disabled user
// is refused only after the right password: the event fails with the
// Password proof a success.
func TestAuthEventsDisabled(t *testing.T) {
	h := newHarness(t, nil)
	f := h.fixture(PoolConfig{}, ClientConfig{ExplicitAuthFlows: pwFlows}, UserConfig{})
	h.mustCall("AdminDisableUser", map[string]any{"UserPoolId": f.pool, "Username": f.user})
	_, e := h.call("InitiateAuth", map[string]any{"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": f.client,
		"AuthParameters": map[string]string{"USERNAME": f.user, "PASSWORD": f.password}})
	wantErr(t, e, "NotAuthorizedException", "User is disabled.")
	out := h.mustCall("AdminListUserAuthEvents", map[string]any{"UserPoolId": f.pool, "Username": f.user})
	evs := out["AuthEvents"].([]any)
	require.Len(t, evs, 1)
	ev := evs[0].(map[string]any)
	assert.Equal(t, "Fail", ev["EventResponse"])
	assert.Equal(t, []any{map[string]any{"ChallengeName": "Password", "ChallengeResponse": "Success"}}, ev["ChallengeResponses"])
}

// srpStartWith sends InitiateAuth USER_SRP_AUTH with extra request members
// (UserContextData) and returns the client and the challenge.
func srpStartWith(t *testing.T, h *harness, f fixture, extra map[string]any) (*srp.Client, map[string]any) {
	t.Helper()
	cl, err := srp.Cognito().NewClient(nil)
	require.NoError(t, err)
	in := map[string]any{"AuthFlow": "USER_SRP_AUTH", "ClientId": f.client,
		"AuthParameters": map[string]any{"USERNAME": f.user, "SRP_A": cl.PublicHex()}}
	for k, v := range extra {
		in[k] = v
	}
	out, e := h.call("InitiateAuth", in)
	require.Nil(t, e)
	return cl, out
}
