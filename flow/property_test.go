package flow

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/caldera-srp/caldera/challenge"
	"github.com/caldera-srp/caldera/srp"
)

var errTestTransport = errors.New("test transport failure")

// typedErrors are the errors a sign-in may end with.
var typedErrors = []error{
	ErrInvalidConfig, ErrMalformedResponse, ErrUnexpectedResponse, ErrMissingSession, ErrNoDevice,
	ErrInvalidAnswer, ErrNotWaiting, ErrFinished, ErrExpired, ErrSoftwareTokenNotVerified, ErrPlainPassword,
	challenge.ErrMissingParameter, challenge.ErrMalformedParameter, challenge.ErrUnknownChallenge,
	srp.ErrBZero, srp.ErrUZero, srp.ErrMalformedHex, srp.ErrMalformedBase64, srp.ErrTooWide, srp.ErrEmpty,
	errTestTransport,
}

func isTyped(err error) bool {
	var ae *APIError
	if errors.As(err, &ae) {
		return true
	}
	for _, e := range typedErrors {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

var propFlows = []AuthFlow{UserSRPAuth, CustomAuth, CustomAuthSRP, UserAuth, UserPasswordAuth, RefreshTokenAuth, AdminUserPasswordAuth, GetTokensFromRefreshToken}

var propNames = []string{
	"PASSWORD_VERIFIER", "DEVICE_SRP_AUTH", "DEVICE_PASSWORD_VERIFIER", "SMS_MFA", "SOFTWARE_TOKEN_MFA",
	"EMAIL_OTP", "SMS_OTP", "SELECT_MFA_TYPE", "MFA_SETUP", "NEW_PASSWORD_REQUIRED", "CUSTOM_CHALLENGE",
	"SELECT_CHALLENGE", "WEB_AUTHN", "QUANTUM_MFA", "", "password_verifier", strings.Repeat("X", 300),
}

// propValues are candidate values per parameter, valid and not.
var propValues = map[string][]string{
	"USERNAME":                   {"u", "7c9e6679-7425-40de-944b-e07fc1f90ae7", ""},
	"USER_ID_FOR_SRP":            {"u", "7c9e6679-7425-40de-944b-e07fc1f90ae7", ""},
	"SRP_B":                      {"02", "ab12", "zz", "0", strings.Repeat("f", 800), strings.Repeat("1", 5000), hexN},
	"SALT":                       {"1a2b", "-1a2b", "g", "", strings.Repeat("7", 40)},
	"SECRET_BLOCK":               {"AAAA", "not base64!", "QUJD", "", strings.Repeat("QUJD", 1000)},
	"MFAS_CAN_CHOOSE":            {`["SMS_MFA","SOFTWARE_TOKEN_MFA"]`, `[]`, `[1]`, `nope`, `["SMS_MFA","SMS_MFA"]`},
	"MFAS_CAN_SETUP":             {`["SOFTWARE_TOKEN_MFA"]`, `["SOFTWARE_TOKEN_MFA","EMAIL_OTP"]`, `["SMS_MFA"]`, `{}`},
	"userAttributes":             {`{}`, `{"email":"a@b","n":1,"x":null}`, `[`, `{"a":{"b":1}}`},
	"requiredAttributes":         {`[]`, `["userAttributes.name"]`, `[""]`, `"x"`},
	"CREDENTIAL_REQUEST_OPTIONS": {`{"challenge":"abc"}`, `{`, ``},
	"DEVICE_KEY":                 {"dk", ""},
	"CODE_DELIVERY_DESTINATION":  {"+***1", ""},
	"AVAILABLE_CHALLENGES":       {`["PASSWORD_SRP","EMAIL_OTP"]`, `x`},
}

var hexN = func() string {
	return fmt.Sprintf("%x", srp.Cognito().N())
}()

var propErrorTypes = []string{
	"NotAuthorizedException", "UserNotFoundException", "PasswordResetRequiredException",
	"UserNotConfirmedException", "CodeMismatchException", "ExpiredCodeException",
	"TooManyRequestsException", "LimitExceededException", "ResourceNotFoundException", "SomethingNewException",
}

// answer is one generated server answer and the Session it carries.
type answer struct {
	out     []byte
	err     error
	session string // the Session the machine must use next ("" if none)
	keep    bool   // the answer does not replace the Session (Associate, Verify without one)
}

func drawSession(t *rapid.T) (json.RawMessage, string, bool) {
	switch rapid.IntRange(0, 4).Draw(t, "sessionKind") {
	case 0:
		return nil, "", false
	case 1:
		return json.RawMessage(`null`), "", false
	case 2:
		return json.RawMessage(`42`), "", false
	}
	s := rapid.SampledFrom([]string{"sess-a", "sess-b", "s", "sess-" + strings.Repeat("z", 64)}).Draw(t, "session")
	b, _ := json.Marshal(s)
	return b, s, true
}

func drawAnswer(t *rapid.T) answer {
	switch rapid.IntRange(0, 9).Draw(t, "answerKind") {
	case 0, 1, 2, 3: // a challenge
		name := rapid.SampledFrom(propNames).Draw(t, "name")
		params := map[string]any{}
		for k, vals := range propValues {
			switch rapid.IntRange(0, 3).Draw(t, "has "+k) {
			case 0:
			case 1:
				params[k] = nil
			default:
				params[k] = rapid.SampledFrom(vals).Draw(t, k)
			}
		}
		if rapid.IntRange(0, 9).Draw(t, "wrongType") == 0 {
			params["SALT"] = 12
		}
		resp := map[string]any{"ChallengeName": name, "ChallengeParameters": params}
		raw, s, ok := drawSession(t)
		if raw != nil {
			resp["Session"] = raw
		}
		if rapid.Bool().Draw(t, "available") {
			resp["AvailableChallenges"] = []string{"PASSWORD_SRP", "PASSWORD", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN"}
		}
		b, _ := json.Marshal(resp)
		if !ok {
			s = ""
		}
		return answer{out: b, session: s}
	case 4: // tokens
		r := map[string]any{"ExpiresIn": rapid.SampledFrom([]any{3600, -1, "3600", 1e30, nil}).Draw(t, "expires")}
		if rapid.IntRange(0, 4).Draw(t, "access") > 0 {
			r["AccessToken"] = "access"
		}
		if rapid.Bool().Draw(t, "newDevice") {
			r["NewDeviceMetadata"] = map[string]any{"DeviceKey": rapid.SampledFrom([]any{"dk", "", 1}).Draw(t, "dk"), "DeviceGroupKey": "dgk"}
		}
		b, _ := json.Marshal(map[string]any{"AuthenticationResult": r})
		return answer{out: b}
	case 5: // an answer of another operation
		raw, s, ok := drawSession(t)
		m := map[string]any{
			"SecretCode":                rapid.SampledFrom([]any{"JBSWY3DP", "", nil, 3}).Draw(t, "secret"),
			"Status":                    rapid.SampledFrom([]any{"SUCCESS", "ERROR", nil}).Draw(t, "status"),
			"UserConfirmationNecessary": rapid.SampledFrom([]any{true, false, "yes"}).Draw(t, "ucn"),
		}
		if raw != nil {
			m["Session"] = raw
		}
		b, _ := json.Marshal(m)
		return answer{out: b, session: s, keep: !ok}
	case 6:
		return answer{err: &APIError{Type: rapid.SampledFrom(propErrorTypes).Draw(t, "type"), Message: "m"}}
	case 7:
		return answer{err: errTestTransport}
	case 8:
		return answer{out: rapid.SliceOfN(rapid.Byte(), 0, 64).Draw(t, "garbage")}
	}
	return answer{out: []byte(rapid.SampledFrom([]string{
		`null`, `[]`, `{"ChallengeName":5}`, `{"ChallengeParameters":[]}`, `{"AuthenticationResult":"x"}`,
		`{"ChallengeName":"SMS_MFA","Session":"s","ChallengeParameters":{"a":"b","a":"c"}}`, `{} {}`, `"str"`,
	}).Draw(t, "odd"))}
}

func drawPromptAnswer(t *rapid.T, p *Prompt) Answer {
	choices := append([]challenge.Name{"BOGUS"}, p.Options...)
	a := Answer{
		Code:        rapid.SampledFrom([]string{"", "123456"}).Draw(t, "code"),
		NewPassword: rapid.SampledFrom([]string{"", "new-pw"}).Draw(t, "newpw"),
		Choice:      rapid.SampledFrom(choices).Draw(t, "choice"),
		Email:       rapid.SampledFrom([]string{"", "a@b"}).Draw(t, "email"),
		Text:        rapid.SampledFrom([]string{"", "answer"}).Draw(t, "text"),
		Credential:  json.RawMessage(rapid.SampledFrom([]string{"", "{}", "{"}).Draw(t, "cred")),
		Password:    rapid.SampledFrom([]string{"", propPassword}).Draw(t, "password"),
	}
	if rapid.Bool().Draw(t, "attrs") {
		a.Attributes = map[string]string{}
		for _, r := range p.RequiredAttributes {
			a.Attributes[r] = "v"
		}
	}
	return a
}

// propPassword is the password of the property tests' machines, long
// enough to be found in a request.
const propPassword = "Pw-never-in-clear-7"

// TestPropertyArbitraryAnswers drives machines of every flow with arbitrary
// sequences of answers (valid, malformed, out of order, unknown challenge
// names, missing or ill-typed Sessions, errors) and arbitrary prompt
// answers, sometimes saving and restoring at a prompt. It checks that
// nothing panics, that every step is exactly one of request, prompt, result
// or error, that every ending error is typed, that every request that
// continues a Session carries the Session of the last answer, and that the
// password goes on the wire only where the configuration sends it
// (Config.AllowPlainPassword, the password flows).
func TestPropertyArbitraryAnswers(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		now := testEpoch
		cfg := Config{
			UserPoolID: testPoolID, ClientID: testClientID, Username: "u", Password: propPassword,
			Flow:               rapid.SampledFrom(propFlows).Draw(t, "flow"),
			PreferredChallenge: rapid.SampledFrom([]string{"", "PASSWORD_SRP", "PASSWORD", "EMAIL_OTP"}).Draw(t, "preferred"),
			AllowPlainPassword: rapid.IntRange(0, 3).Draw(t, "allowPlain") == 0,
			RefreshToken:       "r",
			Rand:               newTestRand(rapid.Byte().Draw(t, "seed")),
			Now:                func() time.Time { return now },
		}
		cfg.Admin = cfg.Flow == AdminUserPasswordAuth
		if rapid.Bool().Draw(t, "secret") {
			cfg.ClientSecret = testSecret
		}
		if rapid.Bool().Draw(t, "device") {
			cfg.Device = &Device{DeviceKey: "dk", DeviceGroupKey: "dgk", DevicePassword: "dpw"}
		}
		if rapid.Bool().Draw(t, "context") { // carried through the restores below
			cfg.AnalyticsEndpointID = "ep"
			if cfg.Admin {
				cfg.ContextData = &ContextData{IPAddress: "192.0.2.1", ServerName: "s", ServerPath: "/",
					HTTPHeaders: []HTTPHeader{{Name: "User-Agent", Value: "x"}}}
			} else {
				cfg.UserContextData = &UserContextData{IPAddress: "192.0.2.1"}
			}
		}
		m, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		step := m.Start()
		session := ""
		for i := 0; i < 10; i++ {
			n := 0
			for _, set := range []bool{step.Request != nil, step.Prompt != nil, step.Result != nil, step.Err != nil} {
				if set {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("step with %d fields set: %+v", n, step)
			}
			switch step.Kind() {
			case StepRequest:
				checkSession(t, step.Request, session)
				if !cfg.PlainPasswordAllowed() && strings.Contains(string(step.Request.Input), propPassword) {
					t.Fatalf("%s sign-in sent the password in clear: %s", cfg.Flow, step.Request.Input)
				}
				checkContext(t, step.Request, cfg)
				a := drawAnswer(t)
				if a.err == nil && !a.keep {
					session = a.session
				}
				step = m.Receive(a.out, a.err)
			case StepPrompt:
				if rapid.Bool().Draw(t, "restore") {
					st, err := m.Seal(testSealKey)
					if err != nil {
						t.Fatal(err)
					}
					c := cfg
					c.Rand = cfg.Rand.(*testRand).clone()
					c.AnalyticsEndpointID, c.UserContextData, c.ContextData = "", nil, nil
					if m, err = Restore(c, st, testSealKey); err != nil {
						t.Fatalf("restore: %v", err)
					}
				}
				if rapid.IntRange(0, 9).Draw(t, "late") == 0 {
					now = now.Add(DefaultSessionLifetime)
				}
				step = m.Answer(drawPromptAnswer(t, step.Prompt))
				if errors.Is(step.Err, ErrInvalidAnswer) {
					if m.Done() || m.Prompt() == nil {
						t.Fatal("an invalid answer ended the machine")
					}
					step = Step{Prompt: m.Prompt()}
				}
			case StepResult:
				if !m.Done() || step.Result.Tokens.AccessToken == "" {
					t.Fatalf("result without tokens or machine not done: %+v", step.Result)
				}
				return
			default:
				if !isTyped(step.Err) {
					t.Fatalf("untyped error: %v", step.Err)
				}
				if !m.Done() {
					t.Fatalf("error %v but machine not done", step.Err)
				}
				if s := m.Receive([]byte(`{}`), nil); !errors.Is(s.Err, ErrFinished) {
					t.Fatalf("input after the end: %v", s.Err)
				}
				return
			}
		}
	})
}

// checkSession: a request that continues a sign-in carries exactly the
// Session of the last answer (none if that answer had none).
func checkSession(t *rapid.T, r *Request, session string) {
	var in struct {
		Session *string
	}
	if err := json.Unmarshal(r.Input, &in); err != nil {
		t.Fatalf("request is not JSON: %s", r.Input)
	}
	got := ""
	if in.Session != nil {
		got = *in.Session
	}
	switch r.Op {
	case OpRespondToAuthChallenge, OpAdminRespondToAuthChallenge:
		if got != session {
			t.Fatalf("%s with Session %q, last answer gave %q", r.Op, got, session)
		}
	case OpAssociateSoftwareToken, OpVerifySoftwareToken:
		if got == "" || got != session {
			t.Fatalf("%s with Session %q, last answer gave %q", r.Op, got, session)
		}
	}
}

// checkContext checks that every sign-in request carries the context of
// the Config, also after restores whose Config had none.
func checkContext(t *rapid.T, r *Request, cfg Config) {
	switch r.Op {
	case OpInitiateAuth, OpRespondToAuthChallenge, OpAdminInitiateAuth, OpAdminRespondToAuthChallenge:
	default:
		return
	}
	var in struct {
		AnalyticsMetadata *struct{ AnalyticsEndpointId string }
		UserContextData   *struct{ IpAddress string }
		ContextData       *struct{ IpAddress string }
	}
	if err := json.Unmarshal(r.Input, &in); err != nil {
		t.Fatalf("request is not JSON: %s", r.Input)
	}
	ok := (in.AnalyticsMetadata != nil) == (cfg.AnalyticsEndpointID != "") &&
		(in.UserContextData != nil) == (cfg.UserContextData != nil) && (in.ContextData != nil) == (cfg.ContextData != nil)
	if in.UserContextData != nil && in.UserContextData.IpAddress != "192.0.2.1" || in.ContextData != nil && in.ContextData.IpAddress != "192.0.2.1" {
		ok = false
	}
	if !ok {
		t.Fatalf("%s without the sign-in's context: %s", r.Op, r.Input)
	}
}

// TestParseParametersNeverPanics feeds ChallengeParameters arbitrary
// bytes.
func TestParseParametersNeverPanics(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		b := rapid.OneOf(
			rapid.SliceOfN(rapid.Byte(), 0, 100),
			rapid.Map(rapid.MapOfN(rapid.StringN(0, 8, 8), rapid.StringN(0, 8, 8), 0, 5), func(m map[string]string) []byte {
				b, _ := json.Marshal(m)
				return b
			}),
		).Draw(t, "raw")
		p, err := challenge.ParseParameters(challenge.PasswordVerifier, b)
		if err != nil {
			if !errors.Is(err, challenge.ErrMalformedParameter) {
				t.Fatalf("untyped: %v", err)
			}
			return
		}
		// Whatever parses must be checkable without a panic.
		challenge.ParsePasswordVerifier(p)
		challenge.ParseNewPasswordRequired(p)
		challenge.ParseSelectMFAType(p)
	})
}
