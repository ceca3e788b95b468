// Package moto_test drives Caldera's sign-in machine (flow.Run) over both
// transports — transport/awsjson (plain HTTP) and transport/awssdk (the AWS
// SDK for Go v2) — against moto_server, a Cognito emulator nobody on this
// project wrote (Python moto 5.x, https://github.com/getmoto/moto).
//
// The tests run when CALDERA_MOTO_ENDPOINT is set to a moto_server URL
// (.ci/run starts one with MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP=true and
// sets it); otherwise they skip. Pools, clients and users are created with
// the SDK and static fake credentials, one pool per test, so the tests share
// a server safely.
//
// moto is an emulator, not Cognito. The quirks met here (moto 5.2.1,
// moto/cognitoidp/models.py) are noted where they matter:
//
//   - Content-Type of every answer is "application/json", not
//     "application/x-amz-json-1.1" (awsjson accepts both).
//   - USER_SRP_AUTH is not verified: SALT and SRP_B are random UUID hex,
//     SECRET_BLOCK is the Session (a UUID with dashes, not base64), and any
//     PASSWORD_CLAIM_SIGNATURE is accepted; moto even looks the session up by
//     PASSWORD_CLAIM_SECRET_BLOCK. See TestUserSRPAuth.
//   - NEW_PASSWORD_REQUIRED carries only USERNAME: no userAttributes and no
//     requiredAttributes, which Cognito always sends (JSON text in strings)
//     and Caldera requires, as the reference JavaScript client does
//     (docs/protocol.md §9).
//   - MFA_SETUP carries MFAS_CAN_SETUP as a JSON array; Cognito sends JSON
//     text inside a string ("[\"SOFTWARE_TOKEN_MFA\"]"), and the
//     ChallengeParameters map is string-to-string on the wire. The SDK
//     cannot even deserialize moto's answer.
//   - The TOTP secret is the constant "asdfasdfasdf" for every user: 12
//     base32 characters whose last one has non-zero unused bits, which
//     totp.DecodeSecret refuses (it wants one spelling per secret); moto
//     decodes it leniently to 7 bytes. Codes are checked only when
//     MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP=true.
//   - SOFTWARE_TOKEN_MFA and MFA_SETUP carry empty ChallengeParameters (no
//     USERNAME).
//   - After MFA_SETUP, moto asks for SOFTWARE_TOKEN_MFA at the next
//     USER_PASSWORD_AUTH only because the pool's MFA is ON and the token was
//     verified; the user's MFA preference is not set by VerifySoftwareToken.
//   - ConfirmDevice and UpdateDeviceStatus are not implemented, and no
//     NewDeviceMetadata is ever issued, so device flows cannot be tried here.
//   - REFRESH_TOKEN_AUTH answers without a RefreshToken (as Cognito does).
//
// The first two answer-shape quirks are bridged by cognitoShape, an HTTP
// round-tripper under both transports that rewrites moto's answers into
// Cognito's shape; TestMotoShapesRefused shows what Caldera says without it.
package moto_test

import (
	"bytes"
	"context"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/caldera-srp/caldera/challenge"
	"github.com/caldera-srp/caldera/flow"
	"github.com/caldera-srp/caldera/srp"
	"github.com/caldera-srp/caldera/totp"
	"github.com/caldera-srp/caldera/transport/awsjson"
	"github.com/caldera-srp/caldera/transport/awssdk"
)

const endpointEnv = "CALDERA_MOTO_ENDPOINT"

// endpoint returns the moto_server URL or skips the test.
func endpoint(t *testing.T) string {
	t.Helper()
	ep := os.Getenv(endpointEnv)
	if ep == "" {
		t.Skipf("%s is not set: start moto_server (python3 -m moto.server -H 127.0.0.1 -p PORT, "+
			"with MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP=true) and set %s=http://127.0.0.1:PORT; .ci/run does this",
			endpointEnv, endpointEnv)
	}
	return ep
}

// sdkClient is an SDK client for moto with static fake credentials. rt,
// when set, is the HTTP round-tripper under it.
func sdkClient(ep string, rt http.RoundTripper) *cip.Client {
	opts := cip.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(ep),
		Credentials:      credentials.NewStaticCredentialsProvider("testing", "testing", ""),
		RetryMaxAttempts: 1,
	}
	if rt != nil {
		opts.HTTPClient = &http.Client{Transport: rt}
	}
	return cip.New(opts)
}

// pool is one user pool on moto, with an app client allowing the flows
// tested here.
type pool struct {
	id, clientID string
	admin        *cip.Client
}

var poolSeq atomic.Int64

func newPool(t *testing.T, ep string, mfa bool) *pool {
	t.Helper()
	ctx := context.Background()
	admin := sdkClient(ep, nil)
	name := fmt.Sprintf("caldera-%s-%d-%d", strings.ReplaceAll(t.Name(), "/", "-"), time.Now().UnixNano(), poolSeq.Add(1))
	if len(name) > 128 {
		name = name[len(name)-128:]
	}
	up, err := admin.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String(name)})
	if err != nil {
		t.Fatalf("CreateUserPool: %v", err)
	}
	p := &pool{id: *up.UserPool.Id, admin: admin}
	t.Cleanup(func() {
		_, _ = admin.DeleteUserPool(context.Background(), &cip.DeleteUserPoolInput{UserPoolId: aws.String(p.id)})
	})
	cl, err := admin.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId: aws.String(p.id), ClientName: aws.String("caldera"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{
			types.ExplicitAuthFlowsTypeAllowUserPasswordAuth,
			types.ExplicitAuthFlowsTypeAllowUserSrpAuth,
			types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth,
		},
	})
	if err != nil {
		t.Fatalf("CreateUserPoolClient: %v", err)
	}
	p.clientID = *cl.UserPoolClient.ClientId
	if mfa {
		// Cognito refuses MfaConfiguration ON in CreateUserPool without SMS;
		// set-ups turn it on afterwards (docs/protocol.md §9).
		if _, err := admin.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{
			UserPoolId:                    aws.String(p.id),
			MfaConfiguration:              types.UserPoolMfaTypeOn,
			SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true},
		}); err != nil {
			t.Fatalf("SetUserPoolMfaConfig: %v", err)
		}
	}
	return p
}

// user creates a user; permanent sets the password for good, otherwise it
// is a temporary password (FORCE_CHANGE_PASSWORD).
func (p *pool) user(t *testing.T, name, password string, permanent bool) {
	t.Helper()
	ctx := context.Background()
	in := &cip.AdminCreateUserInput{
		UserPoolId: aws.String(p.id), Username: aws.String(name),
		MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{
			{Name: aws.String("email"), Value: aws.String(name + "@example.com")},
		},
	}
	if !permanent {
		in.TemporaryPassword = aws.String(password)
	}
	if _, err := p.admin.AdminCreateUser(ctx, in); err != nil {
		t.Fatalf("AdminCreateUser: %v", err)
	}
	if permanent {
		if _, err := p.admin.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
			UserPoolId: aws.String(p.id), Username: aws.String(name), Password: aws.String(password), Permanent: true,
		}); err != nil {
			t.Fatalf("AdminSetUserPassword: %v", err)
		}
	}
}

// transports are the two transports under test, built on one HTTP
// round-tripper.
func transports(t *testing.T, ep string, rt http.RoundTripper) map[string]flow.Transport {
	t.Helper()
	plain, err := awsjson.New(awsjson.Options{Endpoint: ep, HTTPClient: &http.Client{Transport: rt}, Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return map[string]flow.Transport{
		"awsjson": plain,
		"awssdk":  awssdk.New(sdkClient(ep, rt)),
	}
}

// eachTransport runs f once per transport, over the cognitoShape bridge.
func eachTransport(t *testing.T, f func(t *testing.T, ep string, tr flow.Transport)) {
	ep := endpoint(t)
	for _, name := range []string{"awsjson", "awssdk"} {
		t.Run(name, func(t *testing.T) {
			f(t, ep, transports(t, ep, cognitoShape{http.DefaultTransport})[name])
		})
	}
}

func (p *pool) config(username, password string, fl flow.AuthFlow) flow.Config {
	return flow.Config{UserPoolID: p.id, ClientID: p.clientID, Username: username, Password: password, Flow: fl}
}

func run(t *testing.T, cfg flow.Config, tr flow.Transport, pr flow.Prompter) (*flow.Result, error) {
	t.Helper()
	m, err := flow.New(cfg)
	if err != nil {
		t.Fatalf("flow.New: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return flow.Run(ctx, m, tr, pr)
}

// checkTokens asserts the result carries moto's tokens: three-part JWTs
// whose payload names the pool and the client.
func checkTokens(t *testing.T, p *pool, res *flow.Result, wantRefresh bool) {
	t.Helper()
	tok := res.Tokens
	if tok.TokenType != "Bearer" || tok.ExpiresIn <= 0 {
		t.Errorf("TokenType %q ExpiresIn %d", tok.TokenType, tok.ExpiresIn)
	}
	if (tok.RefreshToken != "") != wantRefresh {
		t.Errorf("RefreshToken present = %v, want %v", tok.RefreshToken != "", wantRefresh)
	}
	for name, jwt := range map[string]string{"access": tok.AccessToken, "id": tok.IDToken} {
		parts := strings.Split(jwt, ".")
		if len(parts) != 3 {
			t.Errorf("%s token is not a JWT: %q", name, jwt)
			continue
		}
		payload, err := base64URL(parts[1])
		if err != nil {
			t.Errorf("%s token payload: %v", name, err)
			continue
		}
		var claims map[string]any
		if err := json.Unmarshal(payload, &claims); err != nil {
			t.Errorf("%s token payload: %v", name, err)
			continue
		}
		if iss, _ := claims["iss"].(string); !strings.HasSuffix(iss, "/"+p.id) {
			t.Errorf("%s token iss = %q, want .../%s", name, iss, p.id)
		}
	}
}

func base64URL(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

func TestUserPasswordAuth(t *testing.T) {
	eachTransport(t, func(t *testing.T, ep string, tr flow.Transport) {
		p := newPool(t, ep, false)
		p.user(t, "alice", "Passw0rd!ok", true)

		res, err := run(t, p.config("alice", "Passw0rd!ok", flow.UserPasswordAuth), tr, nil)
		if err != nil {
			t.Fatalf("sign-in: %v", err)
		}
		checkTokens(t, p, res, true)

		// Wrong password: moto answers NotAuthorizedException with Cognito's
		// message.
		_, err = run(t, p.config("alice", "wrong", flow.UserPasswordAuth), tr, nil)
		var ae *flow.APIError
		if !errors.Is(err, flow.ErrNotAuthorized) || !errors.As(err, &ae) || ae.Message != "Incorrect username or password." || ae.StatusCode != 400 {
			t.Errorf("wrong password: %v", err)
		}

		// Unknown user: moto says UserNotFoundException (Cognito may answer
		// NotAuthorizedException when user existence errors are hidden).
		_, err = run(t, p.config("nobody", "x", flow.UserPasswordAuth), tr, nil)
		if !errors.Is(err, flow.ErrUserNotFound) {
			t.Errorf("unknown user: %v", err)
		}
	})
}

func TestRefreshTokenAuth(t *testing.T) {
	eachTransport(t, func(t *testing.T, ep string, tr flow.Transport) {
		p := newPool(t, ep, false)
		p.user(t, "bob", "Passw0rd!ok", true)
		first, err := run(t, p.config("bob", "Passw0rd!ok", flow.UserPasswordAuth), tr, nil)
		if err != nil {
			t.Fatalf("sign-in: %v", err)
		}
		cfg := p.config("bob", "", flow.RefreshTokenAuth)
		cfg.RefreshToken = first.Tokens.RefreshToken
		res, err := run(t, cfg, tr, nil)
		if err != nil {
			t.Fatalf("refresh: %v", err)
		}
		// moto, like Cognito, answers without a RefreshToken; the machine
		// hands back the one it used.
		checkTokens(t, p, res, true)
		if res.Tokens.RefreshToken != first.Tokens.RefreshToken {
			t.Error("refresh did not keep the refresh token it used")
		}
		if res.Tokens.AccessToken == first.Tokens.AccessToken {
			t.Error("refresh returned the same access token")
		}

		cfg.RefreshToken = "not-a-refresh-token"
		_, err = run(t, cfg, tr, nil)
		var ae *flow.APIError
		if !errors.As(err, &ae) || !errors.Is(err, flow.ErrNotAuthorized) || ae.Message != "Refresh Token has been revoked" {
			t.Errorf("bogus refresh token: %v", err)
		}
	})
}

func TestNewPasswordRequired(t *testing.T) {
	eachTransport(t, func(t *testing.T, ep string, tr flow.Transport) {
		p := newPool(t, ep, false)
		p.user(t, "carol", "Temp0rary!pw", false)
		var prompts []flow.PromptKind
		pr := flow.PrompterFunc(func(_ context.Context, q *flow.Prompt) (flow.Answer, error) {
			prompts = append(prompts, q.Kind)
			if q.Kind != flow.PromptNewPassword {
				return flow.Answer{}, fmt.Errorf("unexpected prompt %v", q.Kind)
			}
			if q.Username != "carol" || len(q.RequiredAttributes) != 0 {
				t.Errorf("prompt Username %q RequiredAttributes %v", q.Username, q.RequiredAttributes)
			}
			return flow.Answer{NewPassword: "N3w!Password"}, nil
		})
		res, err := run(t, p.config("carol", "Temp0rary!pw", flow.UserPasswordAuth), tr, pr)
		if err != nil {
			t.Fatalf("sign-in: %v", err)
		}
		if len(prompts) != 1 {
			t.Errorf("prompts = %v, want one PromptNewPassword", prompts)
		}
		checkTokens(t, p, res, true)

		// The new password is now the password, and no challenge is left.
		if _, err := run(t, p.config("carol", "N3w!Password", flow.UserPasswordAuth), tr, nil); err != nil {
			t.Errorf("sign-in with the new password: %v", err)
		}
	})
}

// motoTOTPSecret decodes moto's TOTP secret as moto does: base32 without
// the canonical-spelling check of totp.DecodeSecret (see the package doc).
func motoTOTPSecret(t *testing.T, code string) []byte {
	t.Helper()
	if _, err := totp.DecodeSecret(code); err == nil {
		t.Logf("moto's TOTP secret %q is now canonical base32", code)
	}
	b, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(code))
	if err != nil {
		t.Fatalf("moto's TOTP secret %q: %v", code, err)
	}
	return b
}

// freshCode returns the TOTP code of secret now, first waiting out the last
// two seconds of a 30-second step: moto checks codes with no skew window
// (cryptography's TOTP.verify at int(time.time())), so a code that crosses a
// step boundary on its way would be refused.
func freshCode(secret []byte) (string, error) {
	if into := time.Now().UnixMilli() % 30000; into > 28000 {
		time.Sleep(time.Duration(30000-into+50) * time.Millisecond)
	}
	return totp.Code(secret, time.Now())
}

func TestMFASetupThenSoftwareTokenMFA(t *testing.T) {
	eachTransport(t, func(t *testing.T, ep string, tr flow.Transport) {
		p := newPool(t, ep, true)
		p.user(t, "dave", "Temp0rary!pw", false)

		// First sign-in: NEW_PASSWORD_REQUIRED, then MFA_SETUP, which the
		// machine answers with AssociateSoftwareToken, a prompt showing the
		// secret, VerifySoftwareToken and RespondToAuthChallenge.
		var secret []byte
		var kinds []flow.PromptKind
		pr := flow.PrompterFunc(func(_ context.Context, q *flow.Prompt) (flow.Answer, error) {
			kinds = append(kinds, q.Kind)
			switch q.Kind {
			case flow.PromptNewPassword:
				return flow.Answer{NewPassword: "N3w!Password"}, nil
			case flow.PromptTOTPSetup:
				if q.SecretCode == "" || !strings.HasPrefix(q.OTPAuthURI, "otpauth://totp/") {
					t.Errorf("TOTP prompt: SecretCode %q OTPAuthURI %q", q.SecretCode, q.OTPAuthURI)
				}
				secret = motoTOTPSecret(t, q.SecretCode)
				code, err := freshCode(secret)
				return flow.Answer{Code: code}, err
			}
			return flow.Answer{}, fmt.Errorf("unexpected prompt %v", q.Kind)
		})
		res, err := run(t, p.config("dave", "Temp0rary!pw", flow.UserPasswordAuth), tr, pr)
		if err != nil {
			t.Fatalf("first sign-in: %v", err)
		}
		if fmt.Sprint(kinds) != fmt.Sprint([]flow.PromptKind{flow.PromptNewPassword, flow.PromptTOTPSetup}) {
			t.Errorf("prompts = %v", kinds)
		}
		checkTokens(t, p, res, true)

		// A wrong code: moto checks it (MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP)
		// and answers CodeMismatchException.
		wrong := flow.PrompterFunc(func(_ context.Context, q *flow.Prompt) (flow.Answer, error) {
			if q.Kind != flow.PromptMFACode || q.Challenge != challenge.SoftwareTokenMFA {
				return flow.Answer{}, fmt.Errorf("unexpected prompt %v %s", q.Kind, q.Challenge)
			}
			good, err := freshCode(secret)
			n, _ := strconv.Atoi(good)
			return flow.Answer{Code: fmt.Sprintf("%06d", (n+500000)%1000000)}, err
		})
		_, err = run(t, p.config("dave", "N3w!Password", flow.UserPasswordAuth), tr, wrong)
		var ae *flow.APIError
		if !errors.Is(err, flow.ErrCodeMismatch) || !errors.As(err, &ae) || ae.Message != "MFA Code Mismatch" {
			t.Errorf("wrong TOTP code: %v", err)
		}

		// Second sign-in: SOFTWARE_TOKEN_MFA with the enrolled secret.
		n := 0
		right := flow.PrompterFunc(func(_ context.Context, q *flow.Prompt) (flow.Answer, error) {
			n++
			if q.Kind != flow.PromptMFACode || q.Challenge != challenge.SoftwareTokenMFA {
				return flow.Answer{}, fmt.Errorf("unexpected prompt %v %s", q.Kind, q.Challenge)
			}
			code, err := freshCode(secret)
			return flow.Answer{Code: code}, err
		})
		res, err = run(t, p.config("dave", "N3w!Password", flow.UserPasswordAuth), tr, right)
		if err != nil {
			t.Fatalf("SOFTWARE_TOKEN_MFA sign-in: %v", err)
		}
		if n != 1 {
			t.Errorf("%d prompts, want 1", n)
		}
		checkTokens(t, p, res, true)
	})
}

// TestUserSRPAuth: moto does not implement SRP. It answers InitiateAuth
// with PASSWORD_VERIFIER whose SALT and SRP_B are random UUID hex (so the
// arithmetic "works" on garbage) and whose SECRET_BLOCK is the Session, a
// UUID such as "3f2a…-…". A real SECRET_BLOCK is base64 of an opaque blob
// that must be echoed; a UUID is not base64 (its dashes are not in the
// standard alphabet, and it is not a whole number of quanta), so
// srp.DecodeSecretBlock refuses it with srp.ErrMalformedBase64 and a message
// naming the UUID. Caldera stops there rather than sign a claim a real
// server could never check; moto would have accepted any signature, so
// going on would test nothing. Real SRP verification is tested against the
// local server (idp/) and the reference JavaScript client instead.
func TestUserSRPAuth(t *testing.T) {
	eachTransport(t, func(t *testing.T, ep string, tr flow.Transport) {
		p := newPool(t, ep, false)
		p.user(t, "erin", "Passw0rd!ok", true)
		_, err := run(t, p.config("erin", "Passw0rd!ok", flow.UserSRPAuth), tr, nil)
		if !errors.Is(err, srp.ErrMalformedBase64) || !strings.Contains(err.Error(), "SECRET_BLOCK is a UUID") {
			t.Fatalf("USER_SRP_AUTH against moto: err = %v, want srp.ErrMalformedBase64 naming the UUID SECRET_BLOCK", err)
		}
		var ae *flow.APIError
		if errors.As(err, &ae) {
			t.Errorf("reported as a service error: %v", ae)
		}
	})
}

// TestMotoShapesRefused signs in without the cognitoShape bridge and checks
// that moto's non-Cognito answers end in clear typed errors, not a panic or
// a half-finished sign-in.
func TestMotoShapesRefused(t *testing.T) {
	ep := endpoint(t)
	for name, tr := range transports(t, ep, http.DefaultTransport) {
		t.Run(name, func(t *testing.T) {
			// NEW_PASSWORD_REQUIRED without userAttributes/requiredAttributes.
			p := newPool(t, ep, false)
			p.user(t, "frank", "Temp0rary!pw", false)
			_, err := run(t, p.config("frank", "Temp0rary!pw", flow.UserPasswordAuth), tr, nil)
			var pe *challenge.ParameterError
			if !errors.Is(err, challenge.ErrMissingParameter) || !errors.As(err, &pe) {
				t.Errorf("NEW_PASSWORD_REQUIRED as moto sends it: %v", err)
			}

			// MFA_SETUP with MFAS_CAN_SETUP as a JSON array.
			p = newPool(t, ep, true)
			p.user(t, "grace", "Temp0rary!pw", false)
			pr := flow.PrompterFunc(func(context.Context, *flow.Prompt) (flow.Answer, error) {
				return flow.Answer{NewPassword: "N3w!Password"}, nil
			})
			// Without the bridge NEW_PASSWORD_REQUIRED fails first; answer it
			// by hand to get to MFA_SETUP.
			_, err = run(t, p.config("grace", "Temp0rary!pw", flow.UserPasswordAuth), tr, pr)
			if !errors.Is(err, challenge.ErrMissingParameter) {
				t.Errorf("NEW_PASSWORD_REQUIRED as moto sends it (MFA pool): %v", err)
			}
			params, err := mfaSetupAnswer(t, tr, p, "grace")
			switch name {
			case "awsjson":
				// The raw answer reaches the machine, whose parser refuses it.
				if err != nil {
					t.Fatalf("MFA_SETUP over awsjson: %v", err)
				}
				if _, err := challenge.ParseParameters(challenge.MFASetup, params); !errors.Is(err, challenge.ErrMalformedParameter) {
					t.Errorf("MFAS_CAN_SETUP as a JSON array: %v", err)
				}
			case "awssdk":
				// The SDK's deserializer refuses the map value that is not a
				// string: an ordinary error, not a service error.
				var ae *flow.APIError
				if err == nil || errors.As(err, &ae) || !strings.Contains(err.Error(), "deserializ") {
					t.Errorf("MFA_SETUP over the SDK: %v", err)
				}
			}
		})
	}
}

// mfaSetupAnswer answers NEW_PASSWORD_REQUIRED by hand over tr and returns
// the ChallengeParameters of moto's MFA_SETUP answer, or the error of that
// second call.
func mfaSetupAnswer(t *testing.T, tr flow.Transport, p *pool, user string) (json.RawMessage, error) {
	t.Helper()
	ctx := context.Background()
	in, _ := json.Marshal(map[string]any{"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": p.clientID,
		"AuthParameters": map[string]string{"USERNAME": user, "PASSWORD": "Temp0rary!pw"}})
	out, err := tr.Call(ctx, flow.OpInitiateAuth, in)
	if err != nil {
		t.Fatalf("InitiateAuth: %v", err)
	}
	var first struct{ ChallengeName, Session string }
	if err := json.Unmarshal(out, &first); err != nil || first.ChallengeName != "NEW_PASSWORD_REQUIRED" {
		t.Fatalf("InitiateAuth answer %s", out)
	}
	in, _ = json.Marshal(map[string]any{"ChallengeName": "NEW_PASSWORD_REQUIRED", "ClientId": p.clientID, "Session": first.Session,
		"ChallengeResponses": map[string]string{"USERNAME": user, "NEW_PASSWORD": "N3w!Password"}})
	out, err = tr.Call(ctx, flow.OpRespondToAuthChallenge, in)
	if err != nil {
		return nil, err
	}
	var second struct {
		ChallengeName       string
		ChallengeParameters json.RawMessage
	}
	if err := json.Unmarshal(out, &second); err != nil || second.ChallengeName != "MFA_SETUP" {
		t.Fatalf("RespondToAuthChallenge answer %s", out)
	}
	return second.ChallengeParameters, nil
}

// cognitoShape rewrites moto's answers to the sign-in operations into the
// shape Cognito gives them (see the package doc), below both transports:
// NEW_PASSWORD_REQUIRED gets userAttributes "{}" and requiredAttributes "[]"
// when absent, and a ChallengeParameters value that is a JSON array becomes
// that array's JSON text in a string. Everything else passes unchanged.
type cognitoShape struct{ next http.RoundTripper }

func (c cognitoShape) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	switch strings.TrimPrefix(req.Header.Get("X-Amz-Target"), "AWSCognitoIdentityProviderService.") {
	case "InitiateAuth", "RespondToAuthChallenge", "AdminInitiateAuth", "AdminRespondToAuthChallenge":
	default:
		return resp, nil
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	var out map[string]json.RawMessage
	if json.Unmarshal(body, &out) == nil && out["ChallengeParameters"] != nil {
		var params map[string]json.RawMessage
		if json.Unmarshal(out["ChallengeParameters"], &params) == nil {
			for k, v := range params {
				if v = bytes.TrimSpace(v); len(v) > 0 && v[0] == '[' {
					s, _ := json.Marshal(string(v))
					params[k] = s
				}
			}
			var name string
			_ = json.Unmarshal(out["ChallengeName"], &name)
			if name == "NEW_PASSWORD_REQUIRED" {
				if _, ok := params["userAttributes"]; !ok {
					params["userAttributes"] = json.RawMessage(`"{}"`)
				}
				if _, ok := params["requiredAttributes"]; !ok {
					params["requiredAttributes"] = json.RawMessage(`"[]"`)
				}
			}
			out["ChallengeParameters"], _ = json.Marshal(params)
			body, _ = json.Marshal(out)
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
	return resp, nil
}
