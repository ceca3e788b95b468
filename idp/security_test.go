package idp

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/caldera-srp/caldera/idp/store"
	"github.com/caldera-srp/caldera/srp"
	"github.com/caldera-srp/caldera/token"
	"github.com/caldera-srp/caldera/totp"
)

// The attack tests of issue 11 (items 1, 2, 3, 4, 6, 7, 10): each one
// failed on the server before the rule it tests, through ServeHTTP.

// adminCall is the one place these tests call admin (IAM-authorised)
// operations through (h.call signs them with the harness's admin key).
func adminCall(t testing.TB, h *harness) func(op string, in any) (map[string]any, *apiError) {
	t.Helper()
	return h.call
}

// schemaMsg is Cognito's message for an attribute outside the pool's
// schema: "Attributes did not conform to the schema: NAME: Attribute does
// not exist in the schema." with a newline after each attribute (as
// reported from the service in aws-amplify/amplify-flutter#509 and
// aws-amplify/aws-sdk-android#1629).
func schemaMsg(names ...string) string {
	var b strings.Builder
	b.WriteString("Attributes did not conform to the schema: ")
	for _, n := range names {
		b.WriteString(n + ": Attribute does not exist in the schema.\n")
	}
	return b.String()
}

func signUp(h *harness, f fixture, name, password string, attrs map[string]string) (map[string]any, *apiError) {
	h.t.Helper()
	var list []map[string]string
	for k, v := range attrs {
		list = append(list, map[string]string{"Name": k, "Value": v})
	}
	in := map[string]any{"ClientId": f.client, "Username": name, "Password": password, "UserAttributes": list}
	if f.secret != "" {
		in["SecretHash"] = secretHash(f, name)
	}
	return h.call("SignUp", in)
}

// Item 1: attributes outside Cognito's schema (reserved claim names
// above all) are refused on every write path, and *_verified is never
// written by the user.
func TestAttackClaimInjection(t *testing.T) {
	h := newHarness(t, nil)
	admin := adminCall(t, h)
	f := h.fixture(PoolConfig{}, ClientConfig{}, UserConfig{})

	for _, name := range []string{"iss", "aud", "token_use", "cognito:username", "cognito:groups", "exp", "origin_jti", "custom:undeclared"} {
		_, e := signUp(h, f, "mallory", "Mallory-Pass-1", map[string]string{name: "forged"})
		wantErr(t, e, "InvalidParameterException", schemaMsg(name))
	}
	// *_verified by the user themself: Cognito's WriteAttributes refusal
	// (NotAuthorizedException, "A client attempted to write unauthorized
	// attribute").
	_, e := signUp(h, f, "mallory", "Mallory-Pass-1", map[string]string{"email": "m@example.com", "email_verified": "true"})
	wantErr(t, e, "NotAuthorizedException", "A client attempted to write unauthorized attribute")

	_, e = admin("AdminCreateUser", map[string]any{"UserPoolId": f.pool, "Username": "eve", "MessageAction": "SUPPRESS",
		"UserAttributes": []map[string]string{{"Name": "token_use", "Value": "access"}}})
	wantErr(t, e, "InvalidParameterException", schemaMsg("token_use"))
	_, e = admin("AdminUpdateUserAttributes", map[string]any{"UserPoolId": f.pool, "Username": f.user,
		"UserAttributes": []map[string]string{{"Name": "cognito:groups", "Value": "admins"}}})
	wantErr(t, e, "InvalidParameterException", schemaMsg("cognito:groups"))
	// sub is immutable.
	_, e = admin("AdminUpdateUserAttributes", map[string]any{"UserPoolId": f.pool, "Username": f.user,
		"UserAttributes": []map[string]string{{"Name": "sub", "Value": "someone-else"}}})
	wantErr(t, e, "InvalidParameterException", "")
	// The Go API (seed files) follows the same schema.
	_, err := h.srv.CreateUser(f.pool, UserConfig{Username: "trent", Password: "Trent-Pass-1", Attributes: map[string]string{"iss": "x"}})
	require.ErrorIs(t, err, ErrInvalidParameter)

	// NEW_PASSWORD_REQUIRED's userAttributes.*.
	_, err = h.srv.CreateUser(f.pool, UserConfig{Username: "temp", Password: "Temp-Pass-1", Temporary: true})
	require.NoError(t, err)
	out, e := h.srpSignIn(f, "temp", "Temp-Pass-1")
	require.Nil(t, e)
	require.Equal(t, "NEW_PASSWORD_REQUIRED", out["ChallengeName"])
	_, e = h.respond(f, "NEW_PASSWORD_REQUIRED", out["Session"], map[string]any{"USERNAME": "temp", "NEW_PASSWORD": "Temp-Pass-2",
		"userAttributes.token_use": "access", "userAttributes.iss": "https://evil"})
	require.NotNil(t, e)
	require.Equal(t, "InvalidParameterException", e.Type)
	require.True(t, strings.HasPrefix(e.Message, "Attributes did not conform to the schema: "), e.Message)
	out, e = h.srpSignIn(f, "temp", "Temp-Pass-1")
	require.Nil(t, e)
	_, e = h.respond(f, "NEW_PASSWORD_REQUIRED", out["Session"], map[string]any{"USERNAME": "temp", "NEW_PASSWORD": "Temp-Pass-2",
		"userAttributes.email_verified": "true", "userAttributes.email": "t@example.com"})
	wantErr(t, e, "NotAuthorizedException", "A client attempted to write unauthorized attribute")

	// Standard attributes are accepted, and the token's reserved claims
	// are the server's.
	_, e = signUp(h, f, "carol", "Carol-Pass-1", map[string]string{"email": "c@example.com", "given_name": "Carol", "custom:x": "1"})
	wantErr(t, e, "InvalidParameterException", schemaMsg("custom:x"))
	_, e = signUp(h, f, "carol", "Carol-Pass-1", map[string]string{"given_name": strings.Repeat("x", 2049)})
	wantErr(t, e, "InvalidParameterException", "")
	su, e := signUp(h, f, "carol", "Carol-Pass-1", map[string]string{"email": "c@example.com", "given_name": "Carol"})
	require.Nil(t, e)
	require.NotEmpty(t, su["UserSub"])
}

// Item 1: custom attributes come from the pool's Schema (CreateUserPool,
// AddCustomAttributes) and show in DescribeUserPool's SchemaAttributes;
// an immutable one cannot be changed; an app client's WriteAttributes
// bound what its users may write, ReadAttributes what its ID tokens
// carry (botocore cognito-idp 2016-04-18: SchemaAttributeType,
// AddCustomAttributes, UserPoolClientType.ReadAttributes/WriteAttributes).
func TestAttackCustomAttributeSchema(t *testing.T) {
	h := newHarness(t, nil)
	admin := adminCall(t, h)
	cp, e := admin("CreateUserPool", map[string]any{"PoolName": "schema", "Schema": []map[string]any{
		{"Name": "tier", "AttributeDataType": "String", "Mutable": true},
		{"Name": "employee_id", "AttributeDataType": "String", "Mutable": false},
	}})
	require.Nil(t, e)
	pool := cp["UserPool"].(map[string]any)["Id"].(string)
	_, e = admin("AddCustomAttributes", map[string]any{"UserPoolId": pool, "CustomAttributes": []map[string]any{
		{"Name": "plan", "AttributeDataType": "String", "Mutable": true}}})
	require.Nil(t, e)
	_, e = admin("AddCustomAttributes", map[string]any{"UserPoolId": pool, "CustomAttributes": []map[string]any{
		{"Name": "plan", "AttributeDataType": "String"}}})
	wantErr(t, e, "InvalidParameterException", "")
	dp, e := admin("DescribeUserPool", map[string]any{"UserPoolId": pool})
	require.Nil(t, e)
	names := map[string]bool{}
	for _, a := range dp["UserPool"].(map[string]any)["SchemaAttributes"].([]any) {
		names[a.(map[string]any)["Name"].(string)] = true
	}
	for _, n := range []string{"custom:tier", "custom:employee_id", "custom:plan", "email", "sub", "given_name"} {
		require.True(t, names[n], "SchemaAttributes lacks %s: %v", n, names)
	}
	cc, e := admin("CreateUserPoolClient", map[string]any{"UserPoolId": pool, "ClientName": "web",
		"ExplicitAuthFlows": []string{"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"},
		"WriteAttributes":   []string{"email", "custom:tier", "custom:employee_id"},
		"ReadAttributes":    []string{"email", "custom:tier"}})
	require.Nil(t, e)
	f := fixture{pool: pool, client: cc["UserPoolClient"].(map[string]any)["ClientId"].(string)}

	_, e = signUp(h, f, "bob", "Bob-Pass-12", map[string]string{"custom:plan": "gold"})
	wantErr(t, e, "NotAuthorizedException", "A client attempted to write unauthorized attribute")
	_, e = signUp(h, f, "bob", "Bob-Pass-12", map[string]string{"custom:nope": "x"})
	wantErr(t, e, "InvalidParameterException", schemaMsg("custom:nope"))
	_, e = signUp(h, f, "bob", "Bob-Pass-12", map[string]string{"custom:tier": "gold", "custom:employee_id": "42", "email": "b@example.com"})
	require.Nil(t, e)
	_, e = admin("AdminConfirmSignUp", map[string]any{"UserPoolId": pool, "Username": "bob"})
	require.Nil(t, e)
	_, e = admin("AdminUpdateUserAttributes", map[string]any{"UserPoolId": pool, "Username": "bob",
		"UserAttributes": []map[string]string{{"Name": "custom:employee_id", "Value": "7"}}})
	wantErr(t, e, "InvalidParameterException", "")
	_, e = admin("AdminUpdateUserAttributes", map[string]any{"UserPoolId": pool, "Username": "bob",
		"UserAttributes": []map[string]string{{"Name": "custom:plan", "Value": "silver"}}})
	require.Nil(t, e)
	f.user, f.password = "bob", "Bob-Pass-12"
	out, e := h.srpSignIn(f, "bob", "Bob-Pass-12")
	require.Nil(t, e)
	idc, err := h.srv.VerifyToken(tokensOf(t, out)["IdToken"].(string))
	require.NoError(t, err)
	require.Equal(t, "gold", idc.String("custom:tier"))
	require.Equal(t, "b@example.com", idc.String("email"))
	require.NotContains(t, idc, "custom:plan", "ReadAttributes leaves custom:plan out")
	require.NotContains(t, idc, "custom:employee_id")
	require.Equal(t, "bob", idc.String("cognito:username"))
}

// Item 2: each pool signs with its own key and kid; a token of one pool
// never verifies under another's key set or for another pool; the keys
// survive a restart with a file store.
func TestAttackOnePoolKeyForAll(t *testing.T) {
	path := filepath.Join(t.TempDir(), "idp.db")
	bolt, err := OpenBoltStore(path)
	require.NoError(t, err)
	h := newHarness(t, func(o *Options) { o.SigningKey, o.Store = nil, bolt })
	fa := h.fixture(PoolConfig{ID: "us-east-1_PoolA"}, ClientConfig{}, UserConfig{})
	fb := h.fixture(PoolConfig{ID: "us-east-1_PoolB"}, ClientConfig{}, UserConfig{})
	out, e := h.srpSignIn(fa, fa.user, fa.password)
	require.Nil(t, e)
	idTok := tokensOf(t, out)["IdToken"].(string)

	jwksA, jwksB := h.getJWKS(fa.pool), h.getJWKS(fb.pool)
	require.NotEqual(t, string(jwksA), string(jwksB), "two pools publish the same key set")
	// A relying party of pool B, handed B's key set, refuses A's token
	// even when told to accept A's issuer.
	vb, err := token.NewVerifier(token.Config{Now: h.clock.Now, Pools: []token.Pool{{Issuer: h.srv.Issuer(fa.pool), JWKS: jwksB, Use: token.EitherToken, AnyClient: true}}})
	require.NoError(t, err)
	_, err = vb.Verify(context.Background(), idTok)
	require.ErrorIs(t, err, token.ErrUnknownKey)
	va, err := token.NewVerifier(token.Config{Now: h.clock.Now, Pools: []token.Pool{{Issuer: h.srv.Issuer(fa.pool), JWKS: jwksA, Use: token.EitherToken, AnyClient: true}}})
	require.NoError(t, err)
	_, err = va.Verify(context.Background(), idTok)
	require.NoError(t, err)
	// The server's own check, for the other pool.
	_, err = h.srv.VerifyPoolToken(fb.pool, idTok)
	require.Error(t, err)
	c, err := h.srv.VerifyPoolToken(fa.pool, idTok)
	require.NoError(t, err)
	require.Equal(t, fa.user, c.String("cognito:username"))

	// Keys persist: a new server over the same file publishes the same
	// key set and still verifies the token.
	h.http.Close()
	require.NoError(t, h.srv.Close())
	bolt2, err := OpenBoltStore(path)
	require.NoError(t, err)
	h2 := newHarness(t, func(o *Options) { o.SigningKey, o.Store, o.Clock = nil, bolt2, h.clock.Now })
	require.Equal(t, string(jwksA), string(h2.getJWKS(fa.pool)))
	_, err = h2.srv.VerifyPoolToken(fa.pool, idTok)
	require.NoError(t, err)
}

func (h *harness) getJWKS(pool string) []byte {
	h.t.Helper()
	resp, err := h.http.Client().Get(h.http.URL + "/" + pool + "/.well-known/jwks.json")
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return []byte(b.String())
}

// Item 3: wrong one-time codes are counted per user across sessions;
// after five, the right code is refused too, for a while
// (TooManyFailedAttemptsException for sign-in challenges: the choice of
// this server, see idp/doc.go; LimitExceededException "Attempt limit
// exceeded, please try after some time." for ConfirmSignUp, both in
// botocore's error list of ConfirmSignUp).
func TestAttackCodeAttemptLimits(t *testing.T) {
	h := newHarness(t, nil)
	secret := make([]byte, 20)
	for i := range secret {
		secret[i] = byte(i + 1)
	}
	f := h.fixture(PoolConfig{MFA: "ON", SoftwareTokenMFA: true}, ClientConfig{}, UserConfig{TOTPSecret: totp.EncodeSecret(secret)})
	wrong := func(now time.Time) string {
		c, _ := totp.Code(secret, now)
		b := []byte(c)
		b[0] = '0' + (b[0]-'0'+5)%10
		return string(b)
	}
	for i := 0; i < 5; i++ {
		out, e := h.srpSignIn(f, f.user, f.password)
		require.Nil(t, e)
		require.Equal(t, "SOFTWARE_TOKEN_MFA", out["ChallengeName"])
		_, e = h.respond(f, "SOFTWARE_TOKEN_MFA", out["Session"], map[string]any{"USERNAME": f.user, "SOFTWARE_TOKEN_MFA_CODE": wrong(h.clock.Now())})
		wantErr(t, e, "CodeMismatchException", "")
	}
	h.clock.Advance(30 * time.Second)
	out, e := h.srpSignIn(f, f.user, f.password)
	require.Nil(t, e)
	good, _ := totp.Code(secret, h.clock.Now())
	_, e = h.respond(f, "SOFTWARE_TOKEN_MFA", out["Session"], map[string]any{"USERNAME": f.user, "SOFTWARE_TOKEN_MFA_CODE": good})
	wantErr(t, e, "TooManyFailedAttemptsException", "")
	// The window passes.
	h.clock.Advance(16 * time.Minute)
	out, e = h.srpSignIn(f, f.user, f.password)
	require.Nil(t, e)
	good, _ = totp.Code(secret, h.clock.Now())
	out, e = h.respond(f, "SOFTWARE_TOKEN_MFA", out["Session"], map[string]any{"USERNAME": f.user, "SOFTWARE_TOKEN_MFA_CODE": good})
	require.Nil(t, e)
	tokensOf(t, out)

	// ConfirmSignUp.
	g := h.fixture(PoolConfig{}, ClientConfig{}, UserConfig{Username: "someone"})
	_, e = signUp(h, g, "dave", "Dave-Pass-12", map[string]string{"email": "d@example.com"})
	require.Nil(t, e)
	code := h.srv.LastCode(g.pool, "dave")
	for i := 0; i < 5; i++ {
		_, e = h.call("ConfirmSignUp", map[string]any{"ClientId": g.client, "Username": "dave", "ConfirmationCode": "000000"})
		wantErr(t, e, "CodeMismatchException", "")
	}
	_, e = h.call("ConfirmSignUp", map[string]any{"ClientId": g.client, "Username": "dave", "ConfirmationCode": code})
	wantErr(t, e, "LimitExceededException", "Attempt limit exceeded, please try after some time.")
	// After the window the code that was pending is void.
	h.clock.Advance(2 * time.Minute)
	_, e = h.call("ConfirmSignUp", map[string]any{"ClientId": g.client, "Username": "dave", "ConfirmationCode": code})
	wantErr(t, e, "CodeMismatchException", "")
}

// Item 3: a passwordless first factor (EMAIL_OTP) does not stand in for a
// configured TOTP second factor.
func TestAttackOTPSkipsTOTP(t *testing.T) {
	h := newHarness(t, nil)
	secret := []byte("12345678901234567890")
	f := h.fixture(PoolConfig{MFA: "OPTIONAL", SoftwareTokenMFA: true, FirstAuthFactors: []string{"PASSWORD", "EMAIL_OTP"}},
		ClientConfig{ExplicitAuthFlows: []string{"ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}},
		UserConfig{TOTPSecret: totp.EncodeSecret(secret), Attributes: map[string]string{"email": "a@example.com", "email_verified": "true"}})
	out, e := h.call("InitiateAuth", map[string]any{"AuthFlow": "USER_AUTH", "ClientId": f.client,
		"AuthParameters": map[string]string{"USERNAME": f.user, "PREFERRED_CHALLENGE": "EMAIL_OTP"}})
	require.Nil(t, e)
	require.Equal(t, "EMAIL_OTP", out["ChallengeName"])
	out, e = h.respond(f, "EMAIL_OTP", out["Session"], map[string]any{"USERNAME": f.user, "EMAIL_OTP_CODE": h.srv.LastCode(f.pool, f.user)})
	require.Nil(t, e)
	require.Equal(t, "SOFTWARE_TOKEN_MFA", out["ChallengeName"], "EMAIL_OTP stood in for TOTP: %v", out)
}

// Item 4: a user-side change of e-mail clears email_verified, and no
// sign-in code goes to an unverified address; MFA_SETUP's EMAIL is stored
// only once its code is proven.
func TestAttackRedirectMFA(t *testing.T) {
	h := newHarness(t, nil)
	admin := adminCall(t, h)
	f := h.fixture(PoolConfig{MFA: "ON", EmailMFA: true}, ClientConfig{},
		UserConfig{Temporary: true, EmailMFA: true, Attributes: map[string]string{"email": "alice@example.com", "email_verified": "true"}})
	out, e := h.srpSignIn(f, f.user, f.password)
	require.Nil(t, e)
	require.Equal(t, "NEW_PASSWORD_REQUIRED", out["ChallengeName"])
	out, e = h.respond(f, "NEW_PASSWORD_REQUIRED", out["Session"], map[string]any{"USERNAME": f.user, "NEW_PASSWORD": "New-Pass-123",
		"userAttributes.email": "attacker@evil.example"})
	require.Nil(t, e)
	require.NotEqual(t, "EMAIL_OTP", out["ChallengeName"], "a code went to the unverified address")
	for _, m := range h.srv.Outbox(f.pool, "") {
		require.NotContains(t, m.Destination, "evil", "message to the new, unverified address: %+v", m)
	}
	u, e := admin("AdminGetUser", map[string]any{"UserPoolId": f.pool, "Username": f.user})
	require.Nil(t, e)
	attrs := map[string]string{}
	for _, a := range u["UserAttributes"].([]any) {
		attrs[a.(map[string]any)["Name"].(string)] = a.(map[string]any)["Value"].(string)
	}
	require.Equal(t, "false", attrs["email_verified"])

	// MFA_SETUP with EMAIL.
	g := h.fixture(PoolConfig{MFA: "ON", EmailMFA: true}, ClientConfig{}, UserConfig{Username: "bob", Attributes: map[string]string{"email": "bob@example.com", "email_verified": "false"}})
	out, e = h.srpSignIn(g, g.user, g.password)
	require.Nil(t, e)
	require.Equal(t, "MFA_SETUP", out["ChallengeName"])
	out, e = h.respond(g, "MFA_SETUP", out["Session"], map[string]any{"USERNAME": g.user, "EMAIL": "attacker@evil.example"})
	require.Nil(t, e)
	require.Equal(t, "EMAIL_OTP", out["ChallengeName"])
	u, e = admin("AdminGetUser", map[string]any{"UserPoolId": g.pool, "Username": g.user})
	require.Nil(t, e)
	for _, a := range u["UserAttributes"].([]any) {
		if a.(map[string]any)["Name"] == "email" {
			require.Equal(t, "bob@example.com", a.(map[string]any)["Value"], "the address was stored before its code was proven")
		}
	}
	msgs := h.srv.Outbox(g.pool, g.user)
	require.Equal(t, "attacker@evil.example", msgs[len(msgs)-1].Destination) // the code proves the new address
	out, e = h.respond(g, "EMAIL_OTP", out["Session"], map[string]any{"USERNAME": g.user, "EMAIL_OTP_CODE": msgs[len(msgs)-1].Code})
	require.Nil(t, e)
	tokensOf(t, out)
	u, e = admin("AdminGetUser", map[string]any{"UserPoolId": g.pool, "Username": g.user})
	require.Nil(t, e)
	attrs = map[string]string{}
	for _, a := range u["UserAttributes"].([]any) {
		attrs[a.(map[string]any)["Name"].(string)] = a.(map[string]any)["Value"].(string)
	}
	require.Equal(t, "attacker@evil.example", attrs["email"])
	require.Equal(t, "true", attrs["email_verified"])
}

// Item 6: a sign-in begun for a user does not finish for another user
// created under the same name; refresh tokens, access tokens and devices
// of a deleted user do not work for its successor. (The refresh-token and
// device checks held before; the unfinished sign-in did not.)
func TestAttackDeletedUserSuccessor(t *testing.T) {
	h := newHarness(t, nil)
	admin := adminCall(t, h)
	f := h.fixture(PoolConfig{DeviceConfiguration: &DeviceConfiguration{}}, ClientConfig{}, UserConfig{})
	out, e := h.srpSignIn(f, f.user, f.password)
	require.Nil(t, e)
	res := tokensOf(t, out)
	refresh := res["RefreshToken"].(string)

	cl, ch, e := h.srpStart(f, f.user, nil)
	require.Nil(t, e)
	_, e = admin("AdminDeleteUser", map[string]any{"UserPoolId": f.pool, "Username": f.user})
	require.Nil(t, e)
	_, err := h.srv.CreateUser(f.pool, UserConfig{Username: f.user, Password: "Other-Pass-123"})
	require.NoError(t, err)
	// The old user's password finishes the sign-in begun before.
	out, e = h.respond(f, "PASSWORD_VERIFIER", ch["Session"], h.claim(f, cl, ch, f.password, h.clock.Now()))
	require.NotNil(t, e, "the deleted user's sign-in gave tokens of its successor: %v", out)
	_, e = h.call("InitiateAuth", map[string]any{"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": f.client,
		"AuthParameters": map[string]string{"REFRESH_TOKEN": refresh}})
	wantErr(t, e, "NotAuthorizedException", msgBadRefresh)
	// The old sign-in's access token and device are gone with the user.
	_, e = h.call("GetUser", map[string]any{"AccessToken": res["AccessToken"]})
	wantErr(t, e, "NotAuthorizedException", "")
	dk := res["NewDeviceMetadata"].(map[string]any)["DeviceKey"].(string)
	cl, ch, e = h.srpStart(f, f.user, map[string]any{"DEVICE_KEY": dk})
	require.Nil(t, e)
	r := h.claim(f, cl, ch, "Other-Pass-123", h.clock.Now())
	r["DEVICE_KEY"] = dk
	_, e = h.respond(f, "PASSWORD_VERIFIER", ch["Session"], r)
	wantErr(t, e, "ResourceNotFoundException", msgDeviceNotExist)
}

// Item 7: ConfirmDevice takes only the unconfirmed device of the caller's
// own sign-in; degenerate verifiers are refused.
func TestAttackDeviceRekey(t *testing.T) {
	h := newHarness(t, nil)
	f := h.fixture(PoolConfig{DeviceConfiguration: &DeviceConfiguration{}}, ClientConfig{}, UserConfig{})
	signIn := func() (access, dk, gk string) {
		out, e := h.srpSignIn(f, f.user, f.password)
		require.Nil(t, e)
		res := tokensOf(t, out)
		meta := res["NewDeviceMetadata"].(map[string]any)
		return res["AccessToken"].(string), meta["DeviceKey"].(string), meta["DeviceGroupKey"].(string)
	}
	a1, dk1, gk1 := signIn()
	_, dk2, gk2 := signIn()
	confirm := func(access, dk, gk string) *apiError {
		dv, err := srp.NewDeviceVerifier(nil, gk, dk)
		require.NoError(t, err)
		_, e := h.call("ConfirmDevice", map[string]any{"AccessToken": access, "DeviceKey": dk,
			"DeviceSecretVerifierConfig": map[string]string{"Salt": dv.Config.Salt, "PasswordVerifier": dv.Config.PasswordVerifier}})
		return e
	}
	wantErr(t, confirm(a1, dk2, gk2), "NotAuthorizedException", "")
	require.Nil(t, confirm(a1, dk1, gk1))
	wantErr(t, confirm(a1, dk1, gk1), "NotAuthorizedException", "") // re-keying a confirmed device

	// v = 1: every password matches (srp.ParseDeviceSecretVerifierConfig
	// refuses it with srp.ErrDegenerateVerifier).
	a3, dk3, _ := signIn()
	_, e := h.call("ConfirmDevice", map[string]any{"AccessToken": a3, "DeviceKey": dk3,
		"DeviceSecretVerifierConfig": map[string]string{"Salt": "AAAAAAAAAAAAAAAA", "PasswordVerifier": "AQ=="}})
	wantErr(t, e, "InvalidParameterException", "")
	require.ErrorIs(t, srp.Cognito().CheckVerifier([]byte{1}), srp.ErrDegenerateVerifier)
}

// Item 10: an alias names one confirmed user whose attribute is verified;
// a second user cannot take it (AliasExistsException, botocore
// ConfirmSignUp ForceAliasCreation: "If false and an attribute belongs to
// an existing alias, this request returns an AliasExistsException").
func TestAttackAliasTakeover(t *testing.T) {
	h := newHarness(t, nil)
	admin := adminCall(t, h)
	// LEGACY, so that "names no one" is visible as UserNotFoundException
	// (an ENABLED client answers an unknown name with a stand-in challenge).
	f := h.fixture(PoolConfig{AliasAttributes: []string{"email"}, AutoVerifiedAttributes: []string{"email"}},
		ClientConfig{PreventUserExistenceErrors: "LEGACY"},
		UserConfig{Username: "bob", Attributes: map[string]string{"email": "bob@example.com"}})
	_, e := signUp(h, f, "mallory", "Mallory-Pass-1", map[string]string{"email": "BOB@example.com"})
	require.Nil(t, e)
	_, ch, e := h.srpStart(f, "bob@example.com", nil)
	require.Nil(t, e)
	require.Equal(t, "bob", strMap(ch["ChallengeParameters"])["USER_ID_FOR_SRP"], "the alias resolved to the unconfirmed newcomer")
	_, e = h.call("ConfirmSignUp", map[string]any{"ClientId": f.client, "Username": "mallory", "ConfirmationCode": h.srv.LastCode(f.pool, "mallory")})
	wantErr(t, e, "AliasExistsException", "An account with the email already exists.")
	_, ch, e = h.srpStart(f, "bob@example.com", nil)
	require.Nil(t, e)
	require.Equal(t, "bob", strMap(ch["ChallengeParameters"])["USER_ID_FOR_SRP"])
	// ForceAliasCreation moves the alias to the newcomer, as botocore
	// documents it; bob then signs in by name only.
	_, e = signUp(h, f, "trudy", "Trudy-Pass-12", map[string]string{"email": "bob@example.com"})
	require.Nil(t, e)
	_, e = h.call("ConfirmSignUp", map[string]any{"ClientId": f.client, "Username": "trudy", "ConfirmationCode": h.srv.LastCode(f.pool, "trudy"),
		"ForceAliasCreation": true})
	require.Nil(t, e)
	_, ch, e = h.srpStart(f, "bob@example.com", nil)
	require.Nil(t, e)
	require.Equal(t, "trudy", strMap(ch["ChallengeParameters"])["USER_ID_FOR_SRP"])
	_, _, e = h.srpStart(f, "bob", nil)
	require.Nil(t, e)

	// An admin cannot give a second user the verified alias either.
	_, err := h.srv.CreateUser(f.pool, UserConfig{Username: "carol", Password: "Carol-Pass-1"})
	require.NoError(t, err)
	_, e = admin("AdminUpdateUserAttributes", map[string]any{"UserPoolId": f.pool, "Username": "carol",
		"UserAttributes": []map[string]string{{"Name": "email", "Value": "BOB@example.com"}, {"Name": "email_verified", "Value": "true"}}})
	wantErr(t, e, "AliasExistsException", "An account with the email already exists.")

	// An unverified alias names no one.
	_, err = h.srv.CreateUser(f.pool, UserConfig{Username: "dan", Password: "Dan-Pass-123", Attributes: map[string]string{"email": "dan@example.com", "email_verified": "false"}})
	require.NoError(t, err)
	_, _, e = h.srpStart(f, "dan@example.com", nil)
	wantErr(t, e, "UserNotFoundException", "")
}

// Item 7: a stored password verifier that any claim would match (v = 1,
// from a tampered or hand-made file) lets no one in: the server refuses
// it (srp.ErrDegenerateVerifier) instead of answering with a B that any
// client can complete.
func TestAttackDegenerateStoredVerifier(t *testing.T) {
	mem := NewMemoryStore()
	h := newHarness(t, func(o *Options) { o.Store = mem })
	f := h.fixture(PoolConfig{}, ClientConfig{}, UserConfig{})
	require.NoError(t, mem.Update(func(tx store.Tx) error {
		u, err := store.GetUser(tx, f.pool, f.user)
		if err != nil {
			return err
		}
		u.V = []byte{1}
		return store.PutUser(tx, u)
	}))
	_, _, e := h.srpStart(f, f.user, nil)
	wantErr(t, e, "NotAuthorizedException", msgIncorrect)
}

// Item 3: the counts of wrong codes are store records: a restart over the
// same file does not reset them.
func TestAttackCodeCountsPersist(t *testing.T) {
	path := filepath.Join(t.TempDir(), "idp.db")
	bolt, err := OpenBoltStore(path)
	require.NoError(t, err)
	h := newHarness(t, func(o *Options) { o.Store = bolt })
	f := h.fixture(PoolConfig{ID: "us-east-1_Codes"}, ClientConfig{ID: "codesclient"}, UserConfig{Username: "someone"})
	_, e := signUp(h, f, "erin", "Erin-Pass-123", map[string]string{"email": "e@example.com"})
	require.Nil(t, e)
	code := h.srv.LastCode(f.pool, "erin")
	for i := 0; i < 4; i++ {
		_, e = h.call("ConfirmSignUp", map[string]any{"ClientId": f.client, "Username": "erin", "ConfirmationCode": "000000"})
		wantErr(t, e, "CodeMismatchException", "")
	}
	h.http.Close()
	require.NoError(t, h.srv.Close())
	bolt2, err := OpenBoltStore(path)
	require.NoError(t, err)
	h2 := newHarness(t, func(o *Options) { o.Store, o.Clock = bolt2, h.clock.Now })
	_, e = h2.call("ConfirmSignUp", map[string]any{"ClientId": f.client, "Username": "erin", "ConfirmationCode": "000000"})
	wantErr(t, e, "CodeMismatchException", "")
	_, e = h2.call("ConfirmSignUp", map[string]any{"ClientId": f.client, "Username": "erin", "ConfirmationCode": code})
	wantErr(t, e, "LimitExceededException", "")
}
