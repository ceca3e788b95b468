package idp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lambdaEndpoint is an HTTP trigger endpoint for tests: it decodes
// Cognito's trigger event, records it and fills in the response the way a
// Lambda function returns the event.
type lambdaEndpoint struct {
	mu     sync.Mutex
	events []map[string]any
}

func (l *lambdaEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var ev map[string]any
	if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	l.mu.Lock()
	l.events = append(l.events, ev)
	l.mu.Unlock()
	req, _ := ev["request"].(map[string]any)
	attrs, _ := req["userAttributes"].(map[string]any)
	switch r.URL.Path {
	case "/pre-signup":
		if email, _ := attrs["email"].(string); strings.HasSuffix(email, "@auto.example") {
			ev["response"] = map[string]any{"autoConfirmUser": true, "autoVerifyEmail": true}
		}
		if email, _ := attrs["email"].(string); strings.HasSuffix(email, "@blocked.example") {
			http.Error(w, "blocked domain", http.StatusForbidden)
			return
		}
	case "/custom-message":
		ev["response"] = map[string]any{"emailMessage": "Hello " + attrs["email"].(string) + ", your code is {####}.", "emailSubject": "Your code", "smsMessage": "code {####}"}
	case "/post-confirmation":
	case "/pre-token":
		gc, _ := req["groupConfiguration"].(map[string]any)
		groups, _ := gc["groupsToOverride"].([]any)
		ev["response"] = map[string]any{"claimsAndScopeOverrideDetails": map[string]any{
			"idTokenGeneration": map[string]any{
				"claimsToAddOrOverride": map[string]any{"tenant": "acme", "seen_groups": len(groups), "email": "hidden@acme.example"},
				"claimsToSuppress":      []string{"nickname"},
			},
			"accessTokenGeneration": map[string]any{
				"claimsToAddOrOverride": map[string]any{"tier": "gold"},
				"scopesToAdd":           []string{"orders/read"},
			},
			"groupOverrideDetails": map[string]any{"groupsToOverride": []string{"override"}, "iamRolesToOverride": []string{}, "preferredRole": nil},
		}}
	case "/define":
		sess, _ := req["session"].([]any)
		resp := map[string]any{"challengeName": "CUSTOM_CHALLENGE"}
		if n := len(sess); n > 0 {
			last := sess[n-1].(map[string]any)
			if last["challengeResult"] == true {
				resp = map[string]any{"issueTokens": true}
			} else if n >= 2 {
				resp = map[string]any{"failAuthentication": true}
			}
		}
		ev["response"] = resp
	case "/create":
		ev["response"] = map[string]any{"publicChallengeParameters": map[string]string{"question": "6*7"},
			"privateChallengeParameters": map[string]string{"answer": "42"}, "challengeMetadata": "q1"}
	case "/verify":
		private, _ := req["privateChallengeParameters"].(map[string]any)
		ev["response"] = map[string]any{"answerCorrect": req["challengeAnswer"] == private["answer"]}
	default:
		http.NotFound(w, r)
		return
	}
	json.NewEncoder(w).Encode(ev)
}

func (l *lambdaEndpoint) sources() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, e := range l.events {
		out = append(out, e["triggerSource"].(string))
	}
	return out
}

// TestHTTPTriggers: every supported trigger forwarded over HTTP with the
// Lambda event JSON (Cognito's trigger event shapes: pre sign-up, post
// confirmation, pre token generation V2_0, define/create/verify auth
// challenge) and its response applied.
func TestHTTPTriggers(t *testing.T) {
	le := &lambdaEndpoint{}
	ts := httptest.NewServer(le)
	defer ts.Close()
	flags := []string{"PreSignUp=" + ts.URL + "/pre-signup", "PostConfirmation=" + ts.URL + "/post-confirmation", "PreTokenGeneration=" + ts.URL + "/pre-token",
		"DefineAuthChallenge=" + ts.URL + "/define", "CreateAuthChallenge=" + ts.URL + "/create", "VerifyAuthChallengeResponse=" + ts.URL + "/verify", "CustomMessage=" + ts.URL + "/custom-message"}
	urls, err := ParseTriggerFlags(flags)
	if err != nil {
		t.Fatal(err)
	}
	trig, custom, err := HTTPTriggers(urls, ts.Client())
	if err != nil || custom == nil {
		t.Fatal(err)
	}
	h := newHarness(t, func(o *Options) { o.Triggers, o.CustomAuth = trig, custom })
	f := h.fixture(PoolConfig{}, ClientConfig{ExplicitAuthFlows: append(slices.Clone(pwFlows), "ALLOW_CUSTOM_AUTH")}, UserConfig{Attributes: map[string]string{"nickname": "al", "email": "alice@example.com"}})
	h.mustCall("CreateGroup", map[string]any{"UserPoolId": f.pool, "GroupName": "real"})
	h.mustCall("AdminAddUserToGroup", map[string]any{"UserPoolId": f.pool, "Username": f.user, "GroupName": "real"})

	res := h.pwSignIn(f, f.user, f.password)
	id, _ := h.srv.VerifyToken(res["IdToken"].(string))
	ac, _ := h.srv.VerifyToken(res["AccessToken"].(string))
	if id["tenant"] != "acme" || id["seen_groups"] != float64(1) || id["email"] != "hidden@acme.example" || id["nickname"] != nil {
		t.Fatalf("ID claims %v", id)
	}
	if !slices.Equal(id["cognito:groups"].([]any), []any{"override"}) || !slices.Equal(ac["cognito:groups"].([]any), []any{"override"}) {
		t.Fatalf("groups %v / %v", id["cognito:groups"], ac["cognito:groups"])
	}
	if ac["tier"] != "gold" || ac["scope"] != "aws.cognito.signin.user.admin orders/read" || ac["sub"] != id["sub"] {
		t.Fatalf("access claims %v", ac)
	}
	// The event the endpoint saw.
	le.mu.Lock()
	ev := le.events[len(le.events)-1]
	le.mu.Unlock()
	if ev["version"] != "2" || ev["triggerSource"] != "TokenGeneration_Authentication" || ev["userPoolId"] != f.pool || ev["userName"] != f.user ||
		ev["callerContext"].(map[string]any)["clientId"] != f.client {
		t.Fatalf("event %v", ev)
	}
	gc := ev["request"].(map[string]any)["groupConfiguration"].(map[string]any)
	if !slices.Equal(gc["groupsToOverride"].([]any), []any{"real"}) {
		t.Fatalf("groupConfiguration %v", gc)
	}
	// Refresh runs it too, with its own source.
	h.mustCall("GetTokensFromRefreshToken", map[string]any{"RefreshToken": res["RefreshToken"], "ClientId": f.client})
	if s := le.sources(); s[len(s)-1] != "TokenGeneration_RefreshTokens" {
		t.Fatalf("sources %v", s)
	}

	// Pre sign-up: auto-confirm, refuse; post confirmation after ConfirmSignUp.
	out := h.mustCall("SignUp", map[string]any{"ClientId": f.client, "Username": "auto", "Password": "Auto-Pass-1",
		"UserAttributes": []map[string]string{{"Name": "email", "Value": "a@auto.example"}}})
	if out["UserConfirmed"] != true || out["CodeDeliveryDetails"] != nil {
		t.Fatalf("auto-confirmed SignUp %v", out)
	}
	if a := h.attrsOf(h.pwSignIn(f, "auto", "Auto-Pass-1")["AccessToken"].(string)); a["email_verified"] != "true" {
		t.Fatalf("autoVerifyEmail: %v", a)
	}
	_, e := h.call("SignUp", map[string]any{"ClientId": f.client, "Username": "blocked", "Password": "Auto-Pass-1",
		"UserAttributes": []map[string]string{{"Name": "email", "Value": "b@blocked.example"}}})
	wantErr(t, e, "UserLambdaValidationException", "")
	if _, e := h.call("AdminGetUser", map[string]any{"UserPoolId": f.pool, "Username": "blocked"}); e == nil {
		t.Fatal("refused sign-up created the user")
	}
	// AdminCreateUser runs it too (triggerSource PreSignUp_AdminCreateUser,
	// no clientId: Cognito sends one only for a call through an app client,
	// as awslabs/swift-aws-lambda-events#71 reports); a refusal creates no
	// user, and the response's auto-confirm and auto-verify flags do not
	// apply to an administrator's user (Cognito's pre sign-up documentation,
	// as KensioSoftware/yulin#462 read it).
	_, e = h.call("AdminCreateUser", map[string]any{"UserPoolId": f.pool, "Username": "blocked2", "MessageAction": "SUPPRESS",
		"UserAttributes": []map[string]string{{"Name": "email", "Value": "c@blocked.example"}}})
	wantErr(t, e, "UserLambdaValidationException", "")
	if _, e := h.call("AdminGetUser", map[string]any{"UserPoolId": f.pool, "Username": "blocked2"}); e == nil {
		t.Fatal("refused AdminCreateUser created the user")
	}
	out = h.mustCall("AdminCreateUser", map[string]any{"UserPoolId": f.pool, "Username": "made", "MessageAction": "SUPPRESS",
		"UserAttributes": []map[string]string{{"Name": "email", "Value": "m@auto.example"}}})
	if u := out["User"].(map[string]any); u["UserStatus"] != "FORCE_CHANGE_PASSWORD" {
		t.Fatalf("AdminCreateUser after the trigger: %v", out)
	}
	got := h.mustCall("AdminGetUser", map[string]any{"UserPoolId": f.pool, "Username": "made"})
	for _, a := range got["UserAttributes"].([]any) {
		if a.(map[string]any)["Name"] == "email_verified" {
			t.Fatalf("autoVerifyEmail applied to an administrator's user: %v", got)
		}
	}
	le.mu.Lock()
	ev = le.events[len(le.events)-1]
	le.mu.Unlock()
	if ev["triggerSource"] != "PreSignUp_AdminCreateUser" || ev["userName"] != "made" || ev["callerContext"].(map[string]any)["clientId"] != nil {
		t.Fatalf("event %v", ev)
	}
	out = h.mustCall("SignUp", map[string]any{"ClientId": f.client, "Username": "manual", "Password": "Manual-Pass-1",
		"UserAttributes": []map[string]string{{"Name": "email", "Value": "m@example.com"}},
		"ValidationData": []map[string]string{{"Name": "invite", "Value": "abc"}}, "ClientMetadata": map[string]string{"source": "test"}})
	if out["UserConfirmed"] != false {
		t.Fatalf("SignUp %v", out)
	}
	// The pre sign-up event carries ValidationData and ClientMetadata
	// (botocore's SignUpRequest; the trigger's request.validationData and
	// request.clientMetadata).
	le.mu.Lock()
	var pre map[string]any
	for _, e := range le.events {
		if e["triggerSource"] == "PreSignUp_SignUp" && e["userName"] == "manual" {
			pre = e
		}
	}
	le.mu.Unlock()
	require.NotNil(t, pre)
	req := pre["request"].(map[string]any)
	assert.Equal(t, map[string]any{"invite": "abc"}, req["validationData"])
	assert.Equal(t, map[string]any{"source": "test"}, req["clientMetadata"])
	if a := h.mustCall("AdminGetUser", map[string]any{"UserPoolId": f.pool, "Username": "manual"}); strings.Contains(fmt.Sprint(a), "invite") {
		t.Fatalf("validation data stored: %v", a)
	}
	msgs := h.srv.Outbox(f.pool, "manual")
	if m := msgs[len(msgs)-1]; m.Text != "Hello m@example.com, your code is "+m.Code+"." || m.Subject != "Your code" {
		t.Fatalf("custom message %+v", m)
	}
	if s := le.sources(); s[len(s)-1] != "CustomMessage_SignUp" {
		t.Fatalf("sources %v", s)
	}
	// A resent code has its own source (Cognito's CustomMessage_ResendCode).
	h.mustCall("ResendConfirmationCode", map[string]any{"ClientId": f.client, "Username": "manual"})
	if s := le.sources(); s[len(s)-1] != "CustomMessage_ResendCode" {
		t.Fatalf("sources %v", s)
	}
	if msgs := h.srv.Outbox(f.pool, "manual"); msgs[len(msgs)-1].Purpose != "RESEND_CODE" {
		t.Fatalf("outbox %+v", msgs[len(msgs)-1])
	}
	h.mustCall("ConfirmSignUp", map[string]any{"ClientId": f.client, "Username": "manual", "ConfirmationCode": h.srv.LastCode(f.pool, "manual")})
	if s := le.sources(); s[len(s)-1] != "PostConfirmation_ConfirmSignUp" {
		t.Fatalf("sources %v", s)
	}

	// Custom auth over HTTP.
	out = h.mustCall("InitiateAuth", map[string]any{"AuthFlow": "CUSTOM_AUTH", "ClientId": f.client, "AuthParameters": map[string]string{"USERNAME": f.user}})
	if out["ChallengeName"] != "CUSTOM_CHALLENGE" || strMap(out["ChallengeParameters"])["question"] != "6*7" {
		t.Fatalf("%v", out)
	}
	out, e = h.respond(f, "CUSTOM_CHALLENGE", out["Session"], map[string]any{"USERNAME": f.user, "ANSWER": "42"})
	if e != nil {
		t.Fatal(e)
	}
	tokensOf(t, out)

	// Bad flags.
	for _, bad := range [][]string{{"PostAuthentication=" + ts.URL}, {"PreSignUp"}, {"PreSignUp=ftp://x"}, {"DefineAuthChallenge=" + ts.URL}} {
		u, err := ParseTriggerFlags(bad)
		if err == nil {
			_, _, err = HTTPTriggers(u, nil)
		}
		if err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

// TestPreTokenGenerationReserved: a Go hook may not change reserved
// claims (InvalidLambdaResponseException); a failing hook fails the
// sign-in (UserLambdaValidationException).
func TestPreTokenGenerationReserved(t *testing.T) {
	var answer PreTokenGenerationOutput
	var fail error
	var mu sync.Mutex
	var seen []PreTokenGenerationInput
	h := newHarness(t, func(o *Options) {
		o.Triggers.PreTokenGeneration = func(_ context.Context, in PreTokenGenerationInput) (PreTokenGenerationOutput, error) {
			mu.Lock()
			seen = append(seen, in)
			mu.Unlock()
			return answer, fail
		}
	})
	f := h.fixture(PoolConfig{}, ClientConfig{ExplicitAuthFlows: pwFlows}, UserConfig{})
	signIn := func() *apiError {
		_, e := h.call("InitiateAuth", map[string]any{"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": f.client, "AuthParameters": map[string]string{"USERNAME": f.user, "PASSWORD": f.password}})
		return e
	}
	for _, c := range []string{"sub", "iss", "aud", "token_use", "cognito:groups", "origin_jti", "exp"} {
		answer = PreTokenGenerationOutput{ClaimsAndScopeOverrideDetails: &ClaimsAndScopeOverrideDetails{
			IDTokenGeneration: &TokenGeneration{ClaimsToAddOrOverride: map[string]any{c: "x"}}}}
		wantErr(t, signIn(), "InvalidLambdaResponseException", "")
		answer = PreTokenGenerationOutput{ClaimsAndScopeOverrideDetails: &ClaimsAndScopeOverrideDetails{
			AccessTokenGeneration: &TokenGeneration{ClaimsToSuppress: []string{c}}}}
		wantErr(t, signIn(), "InvalidLambdaResponseException", "")
	}
	answer, fail = PreTokenGenerationOutput{}, errors.New("boom")
	wantErr(t, signIn(), "UserLambdaValidationException", "PreTokenGeneration failed with error boom.")
	fail = nil
	if e := signIn(); e != nil {
		t.Fatal(e)
	}
	// The trigger sees the sign-in's source and ClientMetadata; a
	// NEW_PASSWORD_REQUIRED answer is TokenGeneration_NewPasswordChallenge.
	h.mustCall("InitiateAuth", map[string]any{"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": f.client, "ClientMetadata": map[string]string{"k": "v"},
		"AuthParameters": map[string]string{"USERNAME": f.user, "PASSWORD": f.password}})
	last := seen[len(seen)-1]
	if last.TriggerSource != "TokenGeneration_Authentication" || last.ClientMetadata["k"] != "v" || last.User.Username != f.user || last.UserAttributes["sub"] == "" {
		t.Fatalf("trigger input %+v", last)
	}
	if _, err := h.srv.CreateUser(f.pool, UserConfig{Username: "temp", Password: "Temp-Pass-1", Temporary: true}); err != nil {
		t.Fatal(err)
	}
	out := h.mustCall("InitiateAuth", map[string]any{"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": f.client, "AuthParameters": map[string]string{"USERNAME": "temp", "PASSWORD": "Temp-Pass-1"}})
	if _, e := h.respond(f, "NEW_PASSWORD_REQUIRED", out["Session"], map[string]any{"USERNAME": "temp", "NEW_PASSWORD": "Perm-Pass-1"}); e != nil {
		t.Fatal(e)
	}
	if src := seen[len(seen)-1].TriggerSource; src != "TokenGeneration_NewPasswordChallenge" {
		t.Fatalf("source %q", src)
	}
}
