package flow_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/caldera-srp/caldera/challenge"
	"github.com/caldera-srp/caldera/flow"
	"github.com/caldera-srp/caldera/srp"
)

// FuzzMachine feeds a sign-in machine up to three arbitrary answers, as a
// hostile server would send them, and answers every prompt. Whatever comes,
// the machine must not panic, must give exactly one thing per step, must
// end with a typed error, must never put the password in an error or
// (for the SRP flows) in a request, and every request must be a JSON
// object. Seed corpus: testdata/fuzz/FuzzMachine. Run with:
// go test -run '^$' -fuzz '^FuzzMachine$' -fuzztime 5m -parallel 1 ./flow
func FuzzMachine(f *testing.F) {
	const (
		password = "Fuzz-Pa55word-SECRET"
		poolID   = "us-east-1_FuzzPool"
	)
	v, err := srp.PasswordVerifierFromSalt(srp.PadHex([]byte{1, 2, 3, 4}), "FuzzPool", "alice", password)
	if err != nil {
		f.Fatal(err)
	}
	s, err := srp.Cognito().NewServerFromSecret(v.V, bytes.Repeat([]byte{3}, 128))
	if err != nil {
		f.Fatal(err)
	}
	pv, _ := json.Marshal(map[string]any{
		"ChallengeName": "PASSWORD_VERIFIER", "Session": "s1",
		"ChallengeParameters": map[string]string{
			"USER_ID_FOR_SRP": "alice", "USERNAME": "alice", "SRP_B": s.PublicHex(), "SALT": v.SaltHex(), "SECRET_BLOCK": "AAAA",
		},
	})
	tokens := `{"AuthenticationResult":{"AccessToken":"a.b.c","IdToken":"i.d.t","RefreshToken":"r","ExpiresIn":3600,"TokenType":"Bearer"}}`
	for _, seed := range []struct {
		flow       uint8
		r1, r2, r3 string
	}{
		{0, string(pv), tokens, ""},
		{0, string(pv), `{"ChallengeName":"SOFTWARE_TOKEN_MFA","ChallengeParameters":{"USERNAME":"alice"},"Session":"s2"}`, tokens},
		{0, string(pv), `{"ChallengeName":"SMS_MFA","ChallengeParameters":{"CODE_DELIVERY_DESTINATION":"+***1"},"Session":"s2"}`, tokens},
		{0, string(pv), `{"ChallengeName":"NEW_PASSWORD_REQUIRED","ChallengeParameters":{"userAttributes":"{}","requiredAttributes":"[]"},"Session":"s2"}`, tokens},
		{0, string(pv), `{"ChallengeName":"SELECT_MFA_TYPE","ChallengeParameters":{"MFAS_CAN_CHOOSE":"[\"SMS_MFA\",\"SOFTWARE_TOKEN_MFA\"]"},"Session":"s2"}`, tokens},
		{0, string(pv), `{"ChallengeName":"MFA_SETUP","ChallengeParameters":{"MFAS_CAN_SETUP":"[\"SOFTWARE_TOKEN_MFA\"]"},"Session":"s2"}`, `{"SecretCode":"JBSWY3DPEHPK3PXP","Session":"s3"}`},
		{0, string(pv), `{"AuthenticationResult":{"AccessToken":"a","NewDeviceMetadata":{"DeviceKey":"us-east-1_d","DeviceGroupKey":"g"}}}`, `{"UserConfirmationNecessary":false}`},
		{0, string(pv), `{"ChallengeName":"DEVICE_SRP_AUTH","ChallengeParameters":{},"Session":"s2"}`, ""},
		{0, `{"ChallengeName":"PASSWORD_VERIFIER","ChallengeName":"SMS_MFA"}`, "", ""},
		{0, `{}`, "", ""},
		{0, `null`, "", ""},
		{0, `<html>`, "", ""},
		{1, `{"ChallengeName":"CUSTOM_CHALLENGE","ChallengeParameters":{"q":"2+2"},"Session":"s"}`, tokens, ""},
		{2, `{"ChallengeName":"SELECT_CHALLENGE","AvailableChallenges":["PASSWORD_SRP","EMAIL_OTP"],"Session":"s"}`, string(pv), tokens},
		{3, tokens, "", ""},
	} {
		f.Add(seed.flow, seed.r1, seed.r2, seed.r3)
	}
	flows := []flow.AuthFlow{flow.UserSRPAuth, flow.CustomAuth, flow.UserAuth, flow.RefreshTokenAuth, flow.GetTokensFromRefreshToken}
	typed := []error{
		flow.ErrInvalidConfig, flow.ErrMalformedResponse, flow.ErrUnexpectedResponse, flow.ErrMissingSession,
		flow.ErrNoDevice, flow.ErrInvalidAnswer, flow.ErrNotWaiting, flow.ErrFinished, flow.ErrExpired,
		flow.ErrSoftwareTokenNotVerified, flow.ErrNoPrompter,
		challenge.ErrMissingParameter, challenge.ErrMalformedParameter, challenge.ErrUnknownChallenge,
		srp.ErrBZero, srp.ErrUZero, srp.ErrMalformedHex, srp.ErrMalformedBase64, srp.ErrTooWide, srp.ErrEmpty,
	}
	isTyped := func(err error) bool {
		var ae *flow.APIError
		if errors.As(err, &ae) {
			return true
		}
		for _, e := range typed {
			if errors.Is(err, e) {
				return true
			}
		}
		return false
	}
	f.Fuzz(func(t *testing.T, flowIdx uint8, r1, r2, r3 string) {
		af := flows[int(flowIdx)%len(flows)]
		cfg := flow.Config{
			UserPoolID: poolID, ClientID: "fuzzclient", Username: "alice", Password: password, Flow: af,
			Rand: bytes.NewReader(bytes.Repeat([]byte{0x6b}, 1<<14)),
			Now:  func() time.Time { return time.Date(2019, 1, 1, 6, 6, 9, 0, time.UTC) },
		}
		if af == flow.RefreshTokenAuth || af == flow.GetTokensFromRefreshToken {
			cfg.RefreshToken = "refresh-token"
		}
		m, err := flow.New(cfg)
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		answers := []string{r1, r2, r3}
		step := m.Start()
		for i := 0; i < 20; i++ {
			n := 0
			for _, set := range []bool{step.Request != nil, step.Prompt != nil, step.Result != nil, step.Err != nil} {
				if set {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("step %d sets %d of Request, Prompt, Result, Err: %+v", i, n, step)
			}
			switch {
			case step.Err != nil:
				if !isTyped(step.Err) {
					t.Fatalf("untyped error %v", step.Err)
				}
				if strings.Contains(step.Err.Error(), password) {
					t.Fatalf("error %q contains the password", step.Err)
				}
				if m.Done() {
					return
				}
				// ErrInvalidAnswer / ErrNotWaiting: the machine waits on;
				// nothing else to feed it.
				return
			case step.Result != nil:
				if step.Result.Tokens.AccessToken == "" {
					t.Fatalf("result without an access token: %+v", step.Result)
				}
				return
			case step.Prompt != nil:
				step = m.Answer(flow.Answer{
					Code: "123456", NewPassword: "N3w-Passw0rd!", Choice: challenge.SoftwareTokenMFA,
					Text: "4", Password: password, Email: "a@example.com",
				})
			case step.Request != nil:
				if !json.Valid(step.Request.Input) || !bytes.HasPrefix(bytes.TrimSpace(step.Request.Input), []byte("{")) {
					t.Fatalf("request %s is not a JSON object: %.80q", step.Request.Op, step.Request.Input)
				}
				if af == flow.UserSRPAuth && bytes.Contains(step.Request.Input, []byte(password)) {
					t.Fatalf("SRP sign-in sends the password: %s", step.Request.Op)
				}
				if len(answers) == 0 {
					return
				}
				out := answers[0]
				answers = answers[1:]
				step = m.Receive(json.RawMessage(out), nil)
			}
		}
	})
}
