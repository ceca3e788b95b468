package idp

import (
	"encoding/base64"
	"maps"
	"regexp"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/caldera-srp/caldera/idp/store"
	"github.com/caldera-srp/caldera/srp"
)

// TestAttackUserEnumeration is issue 11 item 8. With
// PreventUserExistenceErrors ENABLED (the default for new clients, as in
// Cognito's console; "Managing user existence error responses", Amazon
// Cognito Developer Guide) a user name that does not exist gets a
// PASSWORD_VERIFIER challenge of the same shape as a real user's (its salt
// the same at every call, SRP_B fresh), the claim is refused with the
// wrong password's NotAuthorizedException "Incorrect username or
// password.", and the session is spent as a real one is.
func TestAttackUserEnumeration(t *testing.T) {
	h := newHarness(t, nil)
	f := h.fixture(PoolConfig{Name: "p"}, ClientConfig{Name: "c", ExplicitAuthFlows: []string{"ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH"}}, UserConfig{})

	_, real, e := h.srpStart(f, f.user, nil)
	require.Nil(t, e)
	_, fake, e := h.srpStart(f, "nobody", nil)
	require.Nil(t, e, "an unknown user is not disclosed at InitiateAuth")
	assert.Equal(t, real["ChallengeName"], fake["ChallengeName"])
	rp, fp := strMap(real["ChallengeParameters"]), strMap(fake["ChallengeParameters"])
	assert.Equal(t, slices.Sorted(maps.Keys(rp)), slices.Sorted(maps.Keys(fp)))
	lowerHex := regexp.MustCompile(`^[0-9a-f]+$`)
	for _, k := range []string{"SALT", "SRP_B"} {
		assert.Regexp(t, lowerHex, fp[k], k)
		assert.InDelta(t, len(rp[k]), len(fp[k]), 4, k)
	}
	rb, err := base64.StdEncoding.DecodeString(rp["SECRET_BLOCK"])
	require.NoError(t, err)
	fb, err := base64.StdEncoding.DecodeString(fp["SECRET_BLOCK"])
	require.NoError(t, err)
	assert.Len(t, fb, len(rb))
	assert.Len(t, fake["Session"], len(real["Session"].(string)))
	assert.Equal(t, "nobody", fp["USER_ID_FOR_SRP"])
	assert.Equal(t, "nobody", fp["USERNAME"])

	// The salt is stable, B is fresh, and another name has another salt.
	_, again, e := h.srpStart(f, "nobody", nil)
	require.Nil(t, e)
	ap := strMap(again["ChallengeParameters"])
	assert.Equal(t, fp["SALT"], ap["SALT"])
	assert.NotEqual(t, fp["SRP_B"], ap["SRP_B"])
	_, other, _ := h.srpStart(f, "nobody2", nil)
	assert.NotEqual(t, fp["SALT"], strMap(other["ChallengeParameters"])["SALT"])

	// The claim is refused as a wrong password is, and the session is spent.
	cl, ch, _ := h.srpStart(f, "nobody", nil)
	claim := h.claim(f, cl, ch, "Whatever-1", h.clock.Now())
	_, e = h.respond(f, "PASSWORD_VERIFIER", ch["Session"], claim)
	wantErr(t, e, "NotAuthorizedException", msgIncorrect)
	_, e = h.respond(f, "PASSWORD_VERIFIER", ch["Session"], claim)
	wantErr(t, e, "NotAuthorizedException", msgInvalidSession)
	cl, ch, _ = h.srpStart(f, f.user, nil)
	claim = h.claim(f, cl, ch, "Wrong-Passw0rd", h.clock.Now())
	_, e = h.respond(f, "PASSWORD_VERIFIER", ch["Session"], claim)
	wantErr(t, e, "NotAuthorizedException", msgIncorrect)
	_, e = h.respond(f, "PASSWORD_VERIFIER", ch["Session"], claim)
	wantErr(t, e, "NotAuthorizedException", msgInvalidSession)

	// USER_PASSWORD_AUTH: the wrong password's answer.
	_, e = h.call("InitiateAuth", map[string]any{"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": f.client,
		"AuthParameters": map[string]string{"USERNAME": "nobody", "PASSWORD": "Whatever-1"}})
	wantErr(t, e, "NotAuthorizedException", msgIncorrect)
	// ConfirmSignUp: the wrong code's answer.
	_, e = h.call("ConfirmSignUp", map[string]any{"ClientId": f.client, "Username": "nobody", "ConfirmationCode": "123456"})
	wantErr(t, e, "CodeMismatchException", "Invalid verification code provided, please try again.")
}

// TestUserExistenceLegacy: a LEGACY client answers UserNotFoundException,
// as Cognito does; CreateUserPoolClient takes the setting and
// DescribeUserPoolClient shows it (botocore: PreventUserExistenceErrors,
// enum LEGACY | ENABLED).
func TestUserExistenceLegacy(t *testing.T) {
	h := newHarness(t, nil)
	f := h.fixture(PoolConfig{Name: "p"}, ClientConfig{Name: "c"}, UserConfig{})
	out := h.mustCall("DescribeUserPoolClient", map[string]any{"UserPoolId": f.pool, "ClientId": f.client})
	assert.Equal(t, "ENABLED", out["UserPoolClient"].(map[string]any)["PreventUserExistenceErrors"])
	out = h.mustCall("CreateUserPoolClient", map[string]any{"UserPoolId": f.pool, "ClientName": "legacy", "PreventUserExistenceErrors": "LEGACY"})
	legacy := out["UserPoolClient"].(map[string]any)
	assert.Equal(t, "LEGACY", legacy["PreventUserExistenceErrors"])
	_, e := h.call("CreateUserPoolClient", map[string]any{"UserPoolId": f.pool, "ClientName": "x", "PreventUserExistenceErrors": "MAYBE"})
	wantErr(t, e, "InvalidParameterException", "")

	lf := f
	lf.client = legacy["ClientId"].(string)
	_, _, e = h.srpStart(lf, "nobody", nil)
	wantErr(t, e, "UserNotFoundException", msgUserNotExist)
	_, e = h.call("ConfirmSignUp", map[string]any{"ClientId": lf.client, "Username": "nobody", "ConfirmationCode": "123456"})
	wantErr(t, e, "UserNotFoundException", "")
}

// TestUserExistenceDisabledAndLocked: with ENABLED, a disabled or locked
// user gets the challenge like anyone, and is refused only after the
// proof: a disabled user with the right password learns it is disabled, a
// locked one gets PasswordAttemptsExceededException; a wrong proof gets
// the wrong password's answer.
func TestUserExistenceDisabledAndLocked(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.MaxFailures = 2 })
	f := h.fixture(PoolConfig{Name: "p"}, ClientConfig{Name: "c"}, UserConfig{})
	_, err := h.srv.CreateUser(f.pool, UserConfig{Username: "dora", Password: "Dora-Passw0rd-1"})
	require.NoError(t, err)
	require.NoError(t, h.srv.store.Update(func(tx store.Tx) error {
		u, err := store.GetUser(tx, f.pool, "dora")
		if err != nil {
			return err
		}
		u.Enabled = false
		return store.PutUser(tx, u)
	}))
	_, e := h.srpSignIn(f, "dora", "Wrong-Passw0rd")
	wantErr(t, e, "NotAuthorizedException", msgIncorrect)
	_, e = h.srpSignIn(f, "dora", "Dora-Passw0rd-1")
	wantErr(t, e, "NotAuthorizedException", "User is disabled.")

	for range 2 {
		_, e = h.srpSignIn(f, f.user, "Wrong-Passw0rd")
		wantErr(t, e, "NotAuthorizedException", msgIncorrect)
	}
	_, ch, e := h.srpStart(f, f.user, nil)
	require.Nil(t, e, "a locked user still gets the challenge")
	require.Equal(t, "PASSWORD_VERIFIER", ch["ChallengeName"])
	_, e = h.srpSignIn(f, f.user, f.password)
	wantErr(t, e, "PasswordAttemptsExceededException", msgAttempts)
}

// TestUserExistenceUserAuth: USER_AUTH offers an unknown user the password
// factors a real user without e-mail or phone gets, and answers both as a
// wrong password.
func TestUserExistenceUserAuth(t *testing.T) {
	h := newHarness(t, nil)
	f := h.fixture(PoolConfig{Name: "p"}, ClientConfig{Name: "c", ExplicitAuthFlows: []string{"ALLOW_USER_AUTH"}}, UserConfig{})
	start := func(name string) map[string]any {
		return h.mustCall("InitiateAuth", map[string]any{"AuthFlow": "USER_AUTH", "ClientId": f.client, "AuthParameters": map[string]string{"USERNAME": name}})
	}
	real, fake := start(f.user), start("nobody")
	assert.Equal(t, "SELECT_CHALLENGE", fake["ChallengeName"])
	assert.Equal(t, real["AvailableChallenges"], fake["AvailableChallenges"])
	_, e := h.respond(f, "SELECT_CHALLENGE", fake["Session"], map[string]any{"USERNAME": "nobody", "ANSWER": "PASSWORD", "PASSWORD": "Whatever-1"})
	wantErr(t, e, "NotAuthorizedException", msgIncorrect)
	fake = start("nobody")
	cl, out, e := h.srpStartSelect(f, "nobody", fake["Session"])
	require.Nil(t, e)
	require.Equal(t, "PASSWORD_VERIFIER", out["ChallengeName"])
	_, e = h.respond(f, "PASSWORD_VERIFIER", out["Session"], h.claim(f, cl, out, "Whatever-1", h.clock.Now()))
	wantErr(t, e, "NotAuthorizedException", msgIncorrect)
}

// srpStartSelect answers SELECT_CHALLENGE with PASSWORD_SRP.
func (h *harness) srpStartSelect(f fixture, username string, session any) (*srp.Client, map[string]any, *apiError) {
	h.t.Helper()
	cl, err := srp.Cognito().NewClient(nil)
	require.NoError(h.t, err)
	out, e := h.respond(f, "SELECT_CHALLENGE", session, map[string]any{"USERNAME": username, "ANSWER": "PASSWORD_SRP", "SRP_A": cl.PublicHex()})
	return cl, out, e
}
