package idp

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/caldera-srp/caldera/flow"
	"github.com/caldera-srp/caldera/idp/store"
	"github.com/caldera-srp/caldera/idp/userpool"
	"github.com/caldera-srp/caldera/transport/awsjson"
)

// Where issue 12's operations meet issue 11's rules.

// Cognito's messages (the service's wording).
const (
	msgUnauthorizedAttr = "A client attempted to write unauthorized attribute"
	msgCodeWrong        = "Invalid verification code provided, please try again."
)

// TestAttributeWritesFollowSchema: UpdateUserAttributes,
// DeleteUserAttributes and AdminDeleteUserAttributes go through the
// pool's schema like every other write path (idp/doc.go "Attributes";
// botocore cognito-idp 2016-04-18: UpdateUserAttributes, UserPoolClientType
// WriteAttributes): unknown attributes, sub, *_verified and dev: written
// by the user, attributes outside the client's WriteAttributes, required
// attributes removed; an alias verified by a second user is
// AliasExistsException.
func TestAttributeWritesFollowSchema(t *testing.T) {
	h := newHarness(t, nil)
	f := h.fixture(PoolConfig{AliasAttributes: []string{"email"}, AutoVerifiedAttributes: []string{"email"},
		Schema: []userpool.SchemaAttributeInput{{Name: "tier"}, {Name: "given_name", Required: true}, {Name: "flag", DeveloperOnly: true}}},
		ClientConfig{ExplicitAuthFlows: pwFlows},
		UserConfig{Attributes: map[string]string{"email": "alice@example.com", "given_name": "Alice", "custom:tier": "gold", "dev:flag": "1"}})
	access := h.pwSignIn(f, f.user, f.password)["AccessToken"].(string)
	update := func(name, value string) *apiError {
		_, e := h.call("UpdateUserAttributes", map[string]any{"AccessToken": access, "UserAttributes": []map[string]string{{"Name": name, "Value": value}}})
		return e
	}
	del := func(names ...string) *apiError {
		_, e := h.call("DeleteUserAttributes", map[string]any{"AccessToken": access, "UserAttributeNames": names})
		return e
	}
	adminDel := func(names ...string) *apiError {
		_, e := h.call("AdminDeleteUserAttributes", map[string]any{"UserPoolId": f.pool, "Username": f.user, "UserAttributeNames": names})
		return e
	}
	const unknown = "Attributes did not conform to the schema: custom:nope: Attribute does not exist in the schema.\n"
	wantErr(t, update("custom:nope", "x"), "InvalidParameterException", unknown)
	wantErr(t, update("cognito:groups", "admins"), "InvalidParameterException", "Attributes did not conform to the schema: cognito:groups: Attribute does not exist in the schema.\n")
	wantErr(t, del("custom:nope"), "InvalidParameterException", unknown)
	wantErr(t, adminDel("custom:nope"), "InvalidParameterException", unknown)
	wantErr(t, update("email_verified", "true"), "NotAuthorizedException", msgUnauthorizedAttr)
	wantErr(t, del("email_verified"), "NotAuthorizedException", msgUnauthorizedAttr)
	wantErr(t, update("dev:flag", "2"), "NotAuthorizedException", msgUnauthorizedAttr)
	wantErr(t, del("dev:flag"), "NotAuthorizedException", msgUnauthorizedAttr)
	wantErr(t, del("given_name"), "InvalidParameterException", "Attributes did not conform to the schema: given_name: The attribute is required")
	wantErr(t, adminDel("sub"), "InvalidParameterException", "Attributes did not conform to the schema: sub: Attribute cannot be updated. (changing an immutable attribute)\n")
	if e := update("custom:tier", "platinum"); e != nil {
		t.Fatal(e)
	}
	// An admin may remove a developer-only attribute and a *_verified flag.
	h.mustCall("AdminDeleteUserAttributes", map[string]any{"UserPoolId": f.pool, "Username": f.user, "UserAttributeNames": []string{"dev:flag", "email_verified"}})
	u, err := h.srv.svc.FindUser(f.pool, f.user)
	require.Nil(t, err)
	require.Equal(t, "platinum", u.Attrs["custom:tier"])
	require.NotContains(t, u.Attrs, "dev:flag")
	require.NotContains(t, u.Attrs, "email_verified")

	// A client with WriteAttributes bounds what its users write.
	narrow, cerr := h.srv.CreateClient(f.pool, ClientConfig{ExplicitAuthFlows: pwFlows, WriteAttributes: []string{"nickname"}})
	require.NoError(t, cerr)
	nf := f
	nf.client, nf.secret = narrow.ID, narrow.Secret
	access2 := h.pwSignIn(nf, f.user, f.password)["AccessToken"].(string)
	_, e := h.call("UpdateUserAttributes", map[string]any{"AccessToken": access2, "UserAttributes": []map[string]string{{"Name": "custom:tier", "Value": "tin"}}})
	wantErr(t, e, "NotAuthorizedException", msgUnauthorizedAttr)
	_, e = h.call("DeleteUserAttributes", map[string]any{"AccessToken": access2, "UserAttributeNames": []string{"custom:tier"}})
	wantErr(t, e, "NotAuthorizedException", msgUnauthorizedAttr)
	h.mustCall("UpdateUserAttributes", map[string]any{"AccessToken": access2, "UserAttributes": []map[string]string{{"Name": "nickname", "Value": "al"}}})

	// Alias uniqueness: bob changes his e-mail to Alice's (now unverified)
	// address; alice verifies hers first, and bob's verification is then
	// refused: two users never hold one alias.
	_, cerr = h.srv.CreateUser(f.pool, UserConfig{Username: "bob", Password: f.password, Attributes: map[string]string{"given_name": "Bob"}})
	require.NoError(t, cerr)
	bob := h.pwSignIn(f, "bob", f.password)["AccessToken"].(string)
	h.mustCall("UpdateUserAttributes", map[string]any{"AccessToken": bob, "UserAttributes": []map[string]string{{"Name": "email", "Value": "alice@example.com"}}})
	bobCode := h.srv.LastCode(f.pool, "bob")
	h.mustCall("GetUserAttributeVerificationCode", map[string]any{"AccessToken": access, "AttributeName": "email"})
	h.mustCall("VerifyUserAttribute", map[string]any{"AccessToken": access, "AttributeName": "email", "Code": h.srv.LastCode(f.pool, f.user)})
	_, e = h.call("VerifyUserAttribute", map[string]any{"AccessToken": bob, "AttributeName": "email", "Code": bobCode})
	wantErr(t, e, "AliasExistsException", "An account with the email already exists.")
	if a := h.attrsOf(bob); a["email_verified"] != "false" {
		t.Fatalf("bob's e-mail verified: %v", a)
	}
}

// TestCodeLimitsResetAndVerify: ConfirmForgotPassword and
// VerifyUserAttribute count wrong codes like ConfirmSignUp (idp/doc.go
// "One-time codes"): five wrong ones lock that kind of code
// (LimitExceededException "Attempt limit exceeded, please try after some
// time.", even for the right code) and void the pending code, so the
// lock's end does not reopen guessing; a new code then works.
func TestCodeLimitsResetAndVerify(t *testing.T) {
	h := newHarness(t, nil)
	f := h.fixture(PoolConfig{AutoVerifiedAttributes: []string{"email"}}, ClientConfig{ExplicitAuthFlows: pwFlows},
		UserConfig{Attributes: map[string]string{"email": "alice@example.com"}})
	wrongOf := func(code string) string {
		if code == "000000" {
			return "111111"
		}
		return "000000"
	}
	const limit = "Attempt limit exceeded, please try after some time."

	t.Run("ConfirmForgotPassword", func(t *testing.T) {
		h.mustCall("ForgotPassword", map[string]any{"ClientId": f.client, "Username": f.user})
		code := h.srv.LastCode(f.pool, f.user)
		confirm := func(c, pw string) *apiError {
			_, e := h.call("ConfirmForgotPassword", map[string]any{"ClientId": f.client, "Username": f.user, "ConfirmationCode": c, "Password": pw})
			return e
		}
		for range 5 {
			wantErr(t, confirm(wrongOf(code), "Reset-Horse-7"), "CodeMismatchException", msgCodeWrong)
		}
		wantErr(t, confirm(code, "Reset-Horse-7"), "LimitExceededException", limit)
		h.clock.Advance(DefaultLockout + time.Second)
		// The lock is over, but the code it voided stays void; that
		// wrong code locks again, for twice as long.
		wantErr(t, confirm(code, "Reset-Horse-7"), "CodeMismatchException", msgCodeWrong)
		h.pwSignIn(f, f.user, f.password)
		h.mustCall("ForgotPassword", map[string]any{"ClientId": f.client, "Username": f.user})
		wantErr(t, confirm(h.srv.LastCode(f.pool, f.user), "Reset-Horse-7"), "LimitExceededException", limit)
		h.clock.Advance(2*DefaultLockout + time.Second)
		if e := confirm(h.srv.LastCode(f.pool, f.user), "Reset-Horse-7"); e != nil {
			t.Fatal(e)
		}
		f.password = "Reset-Horse-7"
		h.pwSignIn(f, f.user, f.password)
	})

	t.Run("VerifyUserAttribute", func(t *testing.T) {
		access := h.pwSignIn(f, f.user, f.password)["AccessToken"].(string)
		h.mustCall("GetUserAttributeVerificationCode", map[string]any{"AccessToken": access, "AttributeName": "email"})
		code := h.srv.LastCode(f.pool, f.user)
		verify := func(c string) *apiError {
			_, e := h.call("VerifyUserAttribute", map[string]any{"AccessToken": access, "AttributeName": "email", "Code": c})
			return e
		}
		for range 5 {
			wantErr(t, verify(wrongOf(code)), "CodeMismatchException", msgCodeWrong)
		}
		wantErr(t, verify(code), "LimitExceededException", limit)
		h.clock.Advance(DefaultLockout + time.Second)
		wantErr(t, verify(code), "CodeMismatchException", msgCodeWrong) // void
		h.mustCall("GetUserAttributeVerificationCode", map[string]any{"AccessToken": access, "AttributeName": "email"})
		wantErr(t, verify(h.srv.LastCode(f.pool, f.user)), "LimitExceededException", limit)
		h.clock.Advance(2*DefaultLockout + time.Second)
		if e := verify(h.srv.LastCode(f.pool, f.user)); e != nil {
			t.Fatal(e)
		}
	})
}

// TestRecoveryHidesUnknownUsers: with PreventUserExistenceErrors ENABLED
// (the default) ForgotPassword and ResendConfirmationCode answer an
// unknown user with a simulated CodeDeliveryDetails, the same at every
// call, and ConfirmForgotPassword with CodeMismatchException after the
// password policy ("Managing user existence error responses", Amazon
// Cognito Developer Guide); a LEGACY client says UserNotFoundException.
func TestRecoveryHidesUnknownUsers(t *testing.T) {
	h := newHarness(t, nil)
	f := h.fixture(PoolConfig{}, ClientConfig{ExplicitAuthFlows: pwFlows}, UserConfig{})
	details := func(op, client, user string) map[string]string {
		t.Helper()
		return strMap(h.mustCall(op, map[string]any{"ClientId": client, "Username": user})["CodeDeliveryDetails"])
	}
	for _, op := range []string{"ForgotPassword", "ResendConfirmationCode"} {
		d := details(op, f.client, "nobody")
		if d["DeliveryMedium"] != "EMAIL" || d["AttributeName"] != "email" || len(d["Destination"]) < 5 || d["Destination"][1:5] != "***@" {
			t.Fatalf("%s simulated %v", op, d)
		}
		require.Equal(t, d, details(op, f.client, "nobody"), "the same answer at every call")
		require.Equal(t, map[string]string{"AttributeName": "email", "DeliveryMedium": "EMAIL", "Destination": "c***@example.net"},
			details(op, f.client, "carol@example.net"))
		require.Equal(t, map[string]string{"AttributeName": "phone_number", "DeliveryMedium": "SMS", "Destination": "+*******0199"},
			details(op, f.client, "+15555550199"))
	}
	require.Empty(t, h.srv.Outbox(f.pool, "nobody"))
	confirm := func(client, pw string) *apiError {
		_, e := h.call("ConfirmForgotPassword", map[string]any{"ClientId": client, "Username": "nobody", "ConfirmationCode": "123456", "Password": pw})
		return e
	}
	wantErr(t, confirm(f.client, "weak"), "InvalidPasswordException", "")
	wantErr(t, confirm(f.client, "Reset-Horse-8"), "CodeMismatchException", msgCodeWrong)

	legacy, err := h.srv.CreateClient(f.pool, ClientConfig{ExplicitAuthFlows: pwFlows, PreventUserExistenceErrors: "LEGACY"})
	require.NoError(t, err)
	for _, op := range []string{"ForgotPassword", "ResendConfirmationCode"} {
		_, e := h.call(op, map[string]any{"ClientId": legacy.ID, "Username": "nobody"})
		wantErr(t, e, "UserNotFoundException", "Username/client id combination not found.")
	}
	wantErr(t, confirm(legacy.ID, "Reset-Horse-8"), "UserNotFoundException", "Username/client id combination not found.")
}

// TestDeleteUserPoolDropsKey: DeleteUserPool deletes the pool's signing
// key with it (meta poolkey/ID) and the cached issuer, so the pool's
// tokens no longer verify and its JWKS is gone.
func TestDeleteUserPoolDropsKey(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.SigningKey = nil })
	f := h.fixture(PoolConfig{}, ClientConfig{ExplicitAuthFlows: pwFlows}, UserConfig{})
	access := h.pwSignIn(f, f.user, f.password)["AccessToken"].(string)
	_, verr := h.srv.VerifyToken(access)
	require.NoError(t, verr)
	var der []byte
	require.NoError(t, h.srv.store.View(func(tx store.Tx) (err error) { der, err = store.GetPoolKey(tx, f.pool); return err }))
	require.NotEmpty(t, der)

	h.mustCall("DeleteUserPool", map[string]any{"UserPoolId": f.pool})
	require.NoError(t, h.srv.store.View(func(tx store.Tx) (err error) { der, err = store.GetPoolKey(tx, f.pool); return err }))
	require.Empty(t, der, "the pool's key outlived it")
	_, verr = h.srv.VerifyToken(access)
	require.Error(t, verr)
	_, jerr := h.srv.JWKS(f.pool)
	require.Error(t, jerr)
	_, e := h.call("GetSigningCertificate", map[string]any{"UserPoolId": f.pool})
	wantErr(t, e, "ResourceNotFoundException", "")
}

// memTokenStore is a flow.TokenStore in memory that keeps every token
// saved.
type memTokenStore struct {
	mu    sync.Mutex
	saved []flow.Token
}

func (m *memTokenStore) LoadToken() (*flow.Token, error) { return nil, nil }

func (m *memTokenStore) SaveToken(t *flow.Token) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.saved = append(m.saved, *t)
	return nil
}

// TestFlowTokenSourceRotation: flow.TokenSource refreshes through idp's
// GetTokensFromRefreshToken on a client with RefreshTokenRotation
// (issue 13 item 2), keeps the newest refresh token each time (the old
// one dies after the grace period) and saves it in its TokenStore.
func TestFlowTokenSourceRotation(t *testing.T) {
	h := newHarness(t, nil)
	f := h.fixture(PoolConfig{}, ClientConfig{GenerateSecret: true, AccessTokenValidity: 5 * time.Minute,
		RefreshTokenRotation: &store.RefreshTokenRotation{Feature: "ENABLED", RetryGracePeriodSeconds: 10}}, UserConfig{})
	tr, err := awsjson.New(awsjson.Options{Endpoint: h.http.URL + "/"})
	require.NoError(t, err)
	cfg := flow.Config{UserPoolID: f.pool, ClientID: f.client, ClientSecret: f.secret, Username: f.user,
		Password: f.password, Flow: flow.UserSRPAuth, Now: h.clock.Now}
	ts := flow.NewTokenSource(context.Background(), cfg, tr, nil)
	st := &memTokenStore{}
	ts.Store = st

	first, err := ts.Token()
	require.NoError(t, err)
	refreshes := []string{first.RefreshToken}
	for range 3 {
		h.clock.Advance(5 * time.Minute)
		tok, err := ts.Token()
		require.NoError(t, err)
		require.NotEqual(t, refreshes[len(refreshes)-1], tok.RefreshToken, "rotation gives a new refresh token")
		c, verr := h.srv.VerifyToken(tok.AccessToken)
		require.NoError(t, verr)
		require.Equal(t, h.clock.Now().Unix(), int64(c["iat"].(float64)), "a fresh access token")
		refreshes = append(refreshes, tok.RefreshToken)
	}
	require.Len(t, st.saved, 4)
	require.Equal(t, refreshes[3], st.saved[3].RefreshToken, "the store keeps the newest")
	// The rotated-out tokens die after the grace period; the newest works.
	h.clock.Advance(11 * time.Second)
	for _, old := range refreshes[:3] {
		_, e := h.call("GetTokensFromRefreshToken", map[string]any{"ClientId": f.client, "ClientSecret": f.secret, "RefreshToken": old})
		wantErr(t, e, "NotAuthorizedException", "")
	}
	out := h.mustCall("GetTokensFromRefreshToken", map[string]any{"ClientId": f.client, "ClientSecret": f.secret, "RefreshToken": refreshes[3]})
	require.NotEmpty(t, out["AuthenticationResult"].(map[string]any)["RefreshToken"])
}

// TestGetTokensFromRefreshTokenBoundToSub: GetTokensFromRefreshToken,
// like REFRESH_TOKEN_AUTH, refuses a refresh token whose sign-in belongs
// to another sub than the user now under that name (idp/doc.go, "Users
// deleted and created again"); here a sign-in record that outlived its
// user, as a file written before AdminDeleteUser removed them could hold.
func TestGetTokensFromRefreshTokenBoundToSub(t *testing.T) {
	h := newHarness(t, nil)
	f := h.fixture(PoolConfig{}, ClientConfig{ExplicitAuthFlows: pwFlows,
		RefreshTokenRotation: &store.RefreshTokenRotation{Feature: "ENABLED"}}, UserConfig{})
	rt := h.pwSignIn(f, f.user, f.password)["RefreshToken"].(string)
	refresh := func() *apiError {
		_, e := h.call("GetTokensFromRefreshToken", map[string]any{"ClientId": f.client, "RefreshToken": rt})
		return e
	}
	out := h.mustCall("GetTokensFromRefreshToken", map[string]any{"ClientId": f.client, "RefreshToken": rt})
	rt = out["AuthenticationResult"].(map[string]any)["RefreshToken"].(string)
	require.NoError(t, h.srv.store.Update(func(tx store.Tx) error {
		u, err := store.GetUser(tx, f.pool, f.user)
		if err != nil {
			return err
		}
		u.Sub = "another-sub-under-the-same-name"
		return store.PutUser(tx, u)
	}))
	wantErr(t, refresh(), "NotAuthorizedException", "")
}

// TestDiscoveryIssuerNotFromHost: the discovery document's issuer follows
// the same rule as the tokens' iss (issue 11 item 11): a bare handler
// without Endpoint answers InternalErrorException rather than name the
// request's Host; with Endpoint the Host is ignored.
func TestDiscoveryIssuerNotFromHost(t *testing.T) {
	get := func(s *Server, path string) (int, map[string]any) {
		req := httptest.NewRequest(http.MethodGet, "http://evil.example"+path, nil)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		var out map[string]any
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &out))
		return w.Code, out
	}
	bare, err := New(Options{SigningKey: testKey()})
	require.NoError(t, err)
	defer bare.Close()
	p, err := bare.CreatePool(PoolConfig{Name: "p"})
	require.NoError(t, err)
	code, out := get(bare, "/"+p.ID+"/.well-known/openid-configuration")
	require.NotEqual(t, http.StatusOK, code, "%v", out)
	require.Equal(t, "InternalErrorException", out["__type"])

	fixed, err := New(Options{SigningKey: testKey(), Endpoint: "http://127.0.0.1:9229"})
	require.NoError(t, err)
	defer fixed.Close()
	p, err = fixed.CreatePool(PoolConfig{Name: "p"})
	require.NoError(t, err)
	code, out = get(fixed, "/"+p.ID+"/.well-known/openid-configuration")
	require.Equal(t, http.StatusOK, code, "%v", out)
	require.Equal(t, "http://127.0.0.1:9229/"+p.ID, out["issuer"])
}

// TestPreSignUpAfterSchema: SignUp checks the pool's schema before the
// pre sign-up trigger runs, so a trigger never sees (nor acts on) a
// sign-up the pool refuses: an unknown attribute or a *_verified flag.
func TestPreSignUpAfterSchema(t *testing.T) {
	var mu sync.Mutex
	var calls int
	h := newHarness(t, func(o *Options) {
		o.Triggers.PreSignUp = func(context.Context, PreSignUpInput) (PreSignUpOutput, error) {
			mu.Lock()
			defer mu.Unlock()
			calls++
			return PreSignUpOutput{}, nil
		}
	})
	f := h.fixture(PoolConfig{}, ClientConfig{ExplicitAuthFlows: pwFlows}, UserConfig{})
	signUp := func(user string, attrs ...map[string]string) *apiError {
		_, e := h.call("SignUp", map[string]any{"ClientId": f.client, "Username": user, "Password": "Bob-Pass-1", "UserAttributes": attrs})
		return e
	}
	wantErr(t, signUp("bob", map[string]string{"Name": "custom:role", "Value": "admin"}), "InvalidParameterException",
		"Attributes did not conform to the schema: custom:role: Attribute does not exist in the schema.\n")
	wantErr(t, signUp("bob", map[string]string{"Name": "email", "Value": "b@x.example"}, map[string]string{"Name": "email_verified", "Value": "true"}),
		"NotAuthorizedException", msgUnauthorizedAttr)
	mu.Lock()
	require.Equal(t, 0, calls)
	mu.Unlock()
	if e := signUp("bob", map[string]string{"Name": "email", "Value": "b@x.example"}); e != nil {
		t.Fatal(e)
	}
	mu.Lock()
	require.Equal(t, 1, calls)
	mu.Unlock()
}
