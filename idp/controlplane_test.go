package idp

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/caldera-srp/caldera/idp/wire"
)

// botocorePublic are the operations botocore's model of Cognito
// (data/cognito-idp/2016-04-18/service-2.json, botocore 1.x) marks
// "authtype": "none": sign-up, sign-in, recovery and the calls authorised
// by an access token or a session. Every other operation is authorised
// with IAM, that is a SigV4 signature.
var botocorePublic = []string{
	"AssociateSoftwareToken", "ChangePassword", "CompleteWebAuthnRegistration", "ConfirmDevice",
	"ConfirmForgotPassword", "ConfirmSignUp", "DeleteUser", "DeleteUserAttributes", "DeleteWebAuthnCredential",
	"ForgetDevice", "ForgotPassword", "GetDevice", "GetTokensFromRefreshToken", "GetUser",
	"GetUserAttributeVerificationCode", "GetUserAuthFactors", "GlobalSignOut", "InitiateAuth", "ListDevices",
	"ListWebAuthnCredentials", "ResendConfirmationCode", "RespondToAuthChallenge", "RevokeToken",
	"SetUserMFAPreference", "SetUserSettings", "SignUp", "StartWebAuthnRegistration", "UpdateAuthEventFeedback",
	"UpdateDeviceStatus", "UpdateUserAttributes", "VerifySoftwareToken", "VerifyUserAttribute",
}

// rawPost sends one operation with the given headers (and, when creds is
// set, signed at the given time) and returns the response and its body.
func rawPost(t *testing.T, h *harness, op string, body string, creds *AdminCredentials, at time.Time, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.http.URL+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+op)
	req.Header.Set("Origin", "https://evil.example")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	if creds != nil {
		require.NoError(t, creds.SignRequest(req, []byte(body), "eu-west-1", at))
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func errType(t *testing.T, b []byte) (typ, msg string) {
	t.Helper()
	var e apiError
	require.NoError(t, json.Unmarshal(b, &e), "body %q", b)
	return e.Type, e.Message
}

// TestControlPlanePublicSet: exactly the operations botocore marks
// unauthenticated are public; every other operation the server answers
// needs a signature.
func TestControlPlanePublicSet(t *testing.T) {
	for _, op := range Operations() {
		assert.Equal(t, slices.Contains(botocorePublic, op), wire.IsPublic(op), op)
	}
	for _, op := range botocorePublic {
		assert.True(t, wire.IsPublic(op), op)
	}
}

// TestAttackUnsignedControlPlane is issue 11 item 5: a page on another
// origin (or anyone reaching the port) calls admin operations unsigned.
// Every non-public operation answers MissingAuthenticationTokenException
// (HTTP 400, as AWS JSON services do), without
// Access-Control-Allow-Origin, and DescribeUserPoolClient does not leak
// the client secret.
func TestAttackUnsignedControlPlane(t *testing.T) {
	h := newHarness(t, nil)
	f := h.fixture(PoolConfig{Name: "p"}, ClientConfig{Name: "c", GenerateSecret: true}, UserConfig{})
	for _, op := range Operations() {
		if wire.IsPublic(op) {
			continue
		}
		resp, b := rawPost(t, h, op, `{"UserPoolId":"`+f.pool+`","ClientId":"`+f.client+`","Username":"alice"}`, nil, time.Time{}, nil)
		typ, msg := errType(t, b)
		assert.Equal(t, "MissingAuthenticationTokenException", typ, op)
		assert.Equal(t, "Request is missing Authentication Token", msg, op)
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, op)
		assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"), op)
		assert.NotContains(t, string(b), f.secret, op)
	}
	// The same request, signed, is answered, and still carries no CORS
	// header: a browser page can never read a control-plane answer.
	resp, b := rawPost(t, h, "DescribeUserPoolClient", `{"UserPoolId":"`+f.pool+`","ClientId":"`+f.client+`"}`, &testAdmin, h.clock.Now(), nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
	assert.Contains(t, string(b), f.secret)
	assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))

	// Public operations stay open to every origin, as Cognito's are.
	resp, b = rawPost(t, h, "InitiateAuth", `{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"`+f.client+`","AuthParameters":{"USERNAME":"alice","PASSWORD":"x"}}`, nil, time.Time{}, nil)
	typ, _ := errType(t, b)
	assert.NotEqual(t, "MissingAuthenticationTokenException", typ)
	assert.Equal(t, "*", resp.Header.Get("Access-Control-Allow-Origin"))
}

// TestAttackForgedSignatures: a wrong key id, a wrong secret, a body
// changed after signing, a credential for another service, an old or
// future X-Amz-Date and a replayed request are all refused, with AWS's
// error types (UnrecognizedClientException: "The security token included
// in the request is invalid."; InvalidSignatureException for the rest,
// "Signature expired: … is now earlier than … (… - 5 min.)" as AWS words
// it).
func TestAttackForgedSignatures(t *testing.T) {
	// RefuseSignatureReplay for the replay case below (the default, as
	// AWS, accepts a signature again within its window: TestSignatureReplay).
	h := newHarness(t, func(o *Options) { o.RefuseSignatureReplay = true })
	body := `{"PoolName":"evil"}`
	now := h.clock.Now()

	other := AdminCredentials{AccessKeyID: "AKIAOTHER00000000000", SecretAccessKey: testAdmin.SecretAccessKey}
	_, b := rawPost(t, h, "CreateUserPool", body, &other, now, nil)
	typ, msg := errType(t, b)
	assert.Equal(t, "UnrecognizedClientException", typ)
	assert.Equal(t, "The security token included in the request is invalid.", msg)

	wrongSecret := AdminCredentials{AccessKeyID: testAdmin.AccessKeyID, SecretAccessKey: "guessed"}
	_, b = rawPost(t, h, "CreateUserPool", body, &wrongSecret, now, nil)
	typ, _ = errType(t, b)
	assert.Equal(t, "InvalidSignatureException", typ)

	// Signed, then the body is swapped.
	req, _ := http.NewRequest(http.MethodPost, h.http.URL+"/", strings.NewReader(`{"PoolName":"other"}`))
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.CreateUserPool")
	require.NoError(t, testAdmin.SignRequest(req, []byte(body), "us-east-1", now))
	_, b = do(t, req)
	typ, _ = errType(t, b)
	assert.Equal(t, "InvalidSignatureException", typ)

	// A signed header changed after signing.
	req, _ = http.NewRequest(http.MethodPost, h.http.URL+"/", strings.NewReader(body))
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.CreateUserPool")
	require.NoError(t, testAdmin.SignRequest(req, []byte(body), "us-east-1", now))
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.DescribeUserPool")
	_, b = do(t, req)
	typ, _ = errType(t, b)
	assert.Equal(t, "InvalidSignatureException", typ)

	// Outside the ±5 minute window, both ways.
	_, b = rawPost(t, h, "CreateUserPool", body, &testAdmin, now.Add(-6*time.Minute), nil)
	typ, msg = errType(t, b)
	assert.Equal(t, "InvalidSignatureException", typ)
	assert.Equal(t, "Signature expired: 20250304T050007Z is now earlier than 20250304T050107Z (20250304T050607Z - 5 min.)", msg)
	_, b = rawPost(t, h, "CreateUserPool", body, &testAdmin, now.Add(6*time.Minute), nil)
	typ, msg = errType(t, b)
	assert.Equal(t, "InvalidSignatureException", typ)
	assert.True(t, strings.HasPrefix(msg, "Signature not yet current"), msg)
	// Inside it, accepted.
	resp, b := rawPost(t, h, "CreateUserPool", body, &testAdmin, now.Add(-4*time.Minute), nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)

	// Replay: the very same signed request a second time.
	req, _ = http.NewRequest(http.MethodPost, h.http.URL+"/", strings.NewReader(body))
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.CreateUserPool")
	require.NoError(t, testAdmin.SignRequest(req, []byte(body), "us-east-1", now))
	replay := req.Clone(req.Context())
	replay.Body = io.NopCloser(strings.NewReader(body))
	resp, b = do(t, req)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
	_, b = do(t, replay)
	typ, _ = errType(t, b)
	assert.Equal(t, "InvalidSignatureException", typ)
	// After the window the signature is forgotten, and refused as expired.
	h.clock.Advance(6 * time.Minute)
	replay2 := req.Clone(req.Context())
	replay2.Body = io.NopCloser(strings.NewReader(body))
	_, b = do(t, replay2)
	_, msg = errType(t, b)
	assert.True(t, strings.HasPrefix(msg, "Signature expired"), msg)

	// A credential scoped to another service.
	req, _ = http.NewRequest(http.MethodPost, h.http.URL+"/", strings.NewReader(body))
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.CreateUserPool")
	req.Header.Set("X-Amz-Date", h.clock.Now().UTC().Format("20060102T150405Z"))
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+testAdmin.AccessKeyID+"/20250304/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=00")
	_, b = do(t, req)
	typ, _ = errType(t, b)
	assert.Equal(t, "InvalidSignatureException", typ)
}

// TestAttackOutbox: the outbox (every code and temporary password the
// server "sent") answers only Authorization: Bearer <admin secret>, sends
// no CORS header and answers no preflight.
func TestAttackOutbox(t *testing.T) {
	h := newHarness(t, nil)
	f := h.fixture(PoolConfig{Name: "p"}, ClientConfig{Name: "c"}, UserConfig{})
	_, err := h.srv.CreateUser(f.pool, UserConfig{Username: "bob", Password: "Temp-Pass-1", Temporary: true})
	require.NoError(t, err)
	h.mustCall("AdminCreateUser", map[string]any{"UserPoolId": f.pool, "Username": "carol",
		"UserAttributes": []map[string]string{{"Name": "email", "Value": "carol@example.com"}}})
	url := h.http.URL + "/_caldera/outbox?pool=" + f.pool + "&username=carol"
	get := func(auth string) (*http.Response, []byte) {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Origin", "https://evil.example")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		return do(t, req)
	}
	for _, auth := range []string{"", "Bearer wrong", "Bearer " + testAdmin.AccessKeyID, testAdmin.SecretAccessKey} {
		resp, b := get(auth)
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, auth)
		assert.NotContains(t, string(b), "carol@example.com", auth)
		assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"), auth)
	}
	resp, b := get("Bearer " + testAdmin.SecretAccessKey)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
	assert.Contains(t, string(b), "carol@example.com")
	assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))

	pre, _ := http.NewRequest(http.MethodOptions, url, nil)
	pre.Header.Set("Origin", "https://evil.example")
	pre.Header.Set("Access-Control-Request-Method", "GET")
	pre.Header.Set("Access-Control-Request-Headers", "authorization")
	resp, _ = do(t, pre)
	assert.NotEqual(t, http.StatusNoContent, resp.StatusCode)
	assert.NotEqual(t, http.StatusOK, resp.StatusCode)
	assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))
	assert.Empty(t, resp.Header.Get("Access-Control-Allow-Headers"))
}

// TestInsecureAdmin: Options.InsecureAdmin answers control-plane operations
// and the outbox unsigned (the old behaviour, on request only).
func TestInsecureAdmin(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.InsecureAdmin = true; o.AdminCredentials = AdminCredentials{} })
	assert.Equal(t, AdminCredentials{}, h.srv.AdminCredentials())
	resp, b := rawPost(t, h, "CreateUserPool", `{"PoolName":"open"}`, nil, time.Time{}, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
	assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))
	resp, _ = do(t, mustOK(http.NewRequest(http.MethodGet, h.http.URL+"/_caldera/outbox", nil)))
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

// TestGeneratedAdminCredentials: without a key in Options, New draws one:
// unsigned calls are refused and the drawn key signs.
func TestGeneratedAdminCredentials(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.AdminCredentials = AdminCredentials{} })
	c := h.srv.AdminCredentials()
	require.True(t, strings.HasPrefix(c.AccessKeyID, "AKIA") && len(c.AccessKeyID) == 20, c.AccessKeyID)
	require.Len(t, c.SecretAccessKey, 40)
	_, b := rawPost(t, h, "CreateUserPool", `{"PoolName":"x"}`, nil, time.Time{}, nil)
	typ, _ := errType(t, b)
	assert.Equal(t, "MissingAuthenticationTokenException", typ)
	resp, b := rawPost(t, h, "CreateUserPool", `{"PoolName":"x"}`, &c, h.clock.Now(), nil)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
	_, err := New(Options{SigningKey: testKey(), AdminCredentials: AdminCredentials{AccessKeyID: "AKIA", SecretAccessKey: ""}})
	assert.Error(t, err)
	_, err = ParseAdminCredentials("no-colon")
	assert.Error(t, err)
	p, err := ParseAdminCredentials("AKIAEXAMPLE:sec:ret")
	require.NoError(t, err)
	assert.Equal(t, AdminCredentials{AccessKeyID: "AKIAEXAMPLE", SecretAccessKey: "sec:ret"}, p)
}

func mustOK[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestAttackIssuerFromHost is issue 11 item 11: a server used as a bare
// http.Handler without Endpoint took each token's iss from the request's
// Host header, so a caller chose the issuer of server-signed tokens. Now
// it mints no token (InternalErrorException) unless
// Options.IssuerFromHost asks for the Host; with Endpoint set, Host is
// ignored.
func TestAttackIssuerFromHost(t *testing.T) {
	signIn := func(s *Server, host string) (int, map[string]any) {
		p, err := s.CreatePool(PoolConfig{Name: "p"})
		require.NoError(t, err)
		c, err := s.CreateClient(p.ID, ClientConfig{Name: "c", ExplicitAuthFlows: []string{"ALLOW_USER_PASSWORD_AUTH"}})
		require.NoError(t, err)
		_, err = s.CreateUser(p.ID, UserConfig{Username: "alice", Password: "Correct-Horse-1"})
		require.NoError(t, err)
		body := `{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"` + c.ID + `","AuthParameters":{"USERNAME":"alice","PASSWORD":"Correct-Horse-1"}}`
		req := httptest.NewRequest(http.MethodPost, "http://"+host+"/", bytes.NewReader([]byte(body)))
		req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.InitiateAuth")
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		var out map[string]any
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &out))
		return w.Code, out
	}
	issOf := func(out map[string]any) string {
		ar, _ := out["AuthenticationResult"].(map[string]any)
		tok, _ := ar["IdToken"].(string)
		parts := strings.Split(tok, ".")
		require.Len(t, parts, 3)
		var claims struct{ Iss string }
		require.NoError(t, json.Unmarshal(mustOK(base64.RawURLEncoding.DecodeString(parts[1])), &claims))
		return claims.Iss
	}

	bare, err := New(Options{SigningKey: testKey()})
	require.NoError(t, err)
	defer bare.Close()
	code, out := signIn(bare, "evil.example")
	assert.NotEqual(t, http.StatusOK, code, "%v", out)
	assert.Equal(t, "InternalErrorException", out["__type"])
	assert.NotContains(t, out, "AuthenticationResult")

	opted, err := New(Options{SigningKey: testKey(), IssuerFromHost: true})
	require.NoError(t, err)
	defer opted.Close()
	code, out = signIn(opted, "idp.internal:9229")
	require.Equal(t, http.StatusOK, code, "%v", out)
	assert.True(t, strings.HasPrefix(issOf(out), "http://idp.internal:9229/"), issOf(out))

	fixed, err := New(Options{SigningKey: testKey(), Endpoint: "http://127.0.0.1:9229", IssuerFromHost: true})
	require.NoError(t, err)
	defer fixed.Close()
	code, out = signIn(fixed, "evil.example")
	require.Equal(t, http.StatusOK, code, "%v", out)
	assert.True(t, strings.HasPrefix(issOf(out), "http://127.0.0.1:9229/"), issOf(out))
}

// TestSignatureReplay: by default an identical signed request (botocore
// sends one whenever a call is repeated within a second) is answered
// again, as AWS answers it within X-Amz-Date's window; with
// RefuseSignatureReplay it is refused.
func TestSignatureReplay(t *testing.T) {
	for _, allow := range []bool{false, true} {
		h := newHarness(t, func(o *Options) { o.RefuseSignatureReplay = !allow })
		f := h.fixture(PoolConfig{Name: "p"}, ClientConfig{Name: "c"}, UserConfig{})
		body := `{"UserPoolId":"` + f.pool + `","Username":"alice"}`
		req, _ := http.NewRequest(http.MethodPost, h.http.URL+"/", strings.NewReader(body))
		req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.AdminGetUser")
		require.NoError(t, testAdmin.SignRequest(req, []byte(body), "us-east-1", h.clock.Now()))
		again := req.Clone(req.Context())
		again.Body = io.NopCloser(strings.NewReader(body))
		resp, b := do(t, req)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
		resp, b = do(t, again)
		if allow {
			assert.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
		} else {
			typ, msg := errType(t, b)
			assert.Equal(t, "InvalidSignatureException", typ)
			assert.Equal(t, "Signature has already been used", msg)
		}
	}
}
