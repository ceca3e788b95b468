package idp

import (
	"context"
	"errors"
	"testing"

	"github.com/caldera-srp/caldera/flow"
	"github.com/caldera-srp/caldera/totp"
	"github.com/caldera-srp/caldera/transport/awsjson"
)

// flowRun signs in with Caldera's own state machine over plain HTTP
// (transport/awsjson), answering prompts from the outbox and a TOTP secret.
func (h *harness) flowRun(f fixture, cfg flow.Config, answer func(*flow.Prompt) flow.Answer) (*flow.Result, error) {
	h.t.Helper()
	tr, err := awsjson.New(awsjson.Options{Endpoint: h.http.URL + "/"})
	if err != nil {
		h.t.Fatal(err)
	}
	cfg.UserPoolID, cfg.ClientID, cfg.ClientSecret = f.pool, f.client, f.secret
	cfg.Now = h.clock.Now
	if cfg.Username == "" {
		cfg.Username = f.user
	}
	m, err := flow.New(cfg)
	if err != nil {
		h.t.Fatal(err)
	}
	p := flow.PrompterFunc(func(ctx context.Context, pr *flow.Prompt) (flow.Answer, error) {
		if answer == nil {
			return flow.Answer{}, errors.New("unexpected prompt " + pr.Kind.String())
		}
		return answer(pr), nil
	})
	return flow.Run(context.Background(), m, tr, p)
}

func wantTokens(t *testing.T, h *harness, r *flow.Result, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	c, verr := h.srv.VerifyToken(r.Tokens.AccessToken)
	if verr != nil || c.String("token_use") != "access" || r.Tokens.RefreshToken == "" {
		t.Fatalf("tokens %+v: %v", r.Tokens, verr)
	}
}

func TestFlowSRPWithDevice(t *testing.T) {
	h := newHarness(t, nil)
	f := h.fixture(PoolConfig{DeviceConfiguration: &DeviceConfiguration{ChallengeRequiredOnNewDevice: true}}, ClientConfig{GenerateSecret: true}, UserConfig{})
	r, err := h.flowRun(f, flow.Config{Password: f.password, Flow: flow.UserSRPAuth}, nil)
	wantTokens(t, h, r, err)
	if !r.NewDevice || r.Device == nil || r.DeviceErr != nil {
		t.Fatalf("device not confirmed: %+v", r)
	}
	dev := r.Device
	r, err = h.flowRun(f, flow.Config{Password: f.password, Flow: flow.UserSRPAuth, Device: dev}, nil)
	wantTokens(t, h, r, err)
	if c, _ := h.srv.VerifyToken(r.Tokens.AccessToken); c.String("device_key") != dev.DeviceKey || r.NewDevice {
		t.Fatalf("remembered device not used: %+v", r)
	}
	// Wrong password through the machine.
	_, err = h.flowRun(f, flow.Config{Password: "Wrong-Horse-1", Flow: flow.UserSRPAuth, Device: dev}, nil)
	if !errors.Is(err, flow.ErrNotAuthorized) {
		t.Fatalf("wrong password: %v", err)
	}
	// Forgotten device: the machine drops it and signs in without it.
	if err := h.srv.ForgetDevice(f.pool, f.user, dev.DeviceKey); err != nil {
		t.Fatal(err)
	}
	r, err = h.flowRun(f, flow.Config{Password: f.password, Flow: flow.UserSRPAuth, Device: dev}, nil)
	wantTokens(t, h, r, err)
	if !r.DeviceForgotten {
		t.Fatalf("forgotten device not reported: %+v", r)
	}
	// Refresh with the internal name.
	r2, err := h.flowRun(f, flow.Config{Flow: flow.RefreshTokenAuth, RefreshToken: r.Tokens.RefreshToken, Username: r.UserID}, nil)
	if err != nil || r2.Tokens.AccessToken == "" {
		t.Fatalf("refresh: %v", err)
	}
}

func TestFlowNewPasswordAndTOTP(t *testing.T) {
	h := newHarness(t, nil)
	f := h.fixture(PoolConfig{MFA: "ON", SoftwareTokenMFA: true}, ClientConfig{}, UserConfig{Temporary: true})
	var secret []byte
	answer := func(p *flow.Prompt) flow.Answer {
		switch p.Kind {
		case flow.PromptNewPassword:
			return flow.Answer{NewPassword: "Brand-New-Pass-2"}
		case flow.PromptTOTPSetup:
			secret, _ = totp.DecodeSecret(p.SecretCode)
			fallthrough
		case flow.PromptMFACode:
			code, _ := totp.Code(secret, h.clock.Now())
			return flow.Answer{Code: code}
		}
		t.Fatalf("unexpected prompt %v", p.Kind)
		return flow.Answer{}
	}
	r, err := h.flowRun(f, flow.Config{Password: f.password, Flow: flow.UserSRPAuth}, answer)
	wantTokens(t, h, r, err)
	h.clock.Advance(30e9)
	r, err = h.flowRun(f, flow.Config{Password: "Brand-New-Pass-2", Flow: flow.UserSRPAuth}, answer)
	wantTokens(t, h, r, err)
}

func TestFlowSMSAndEmail(t *testing.T) {
	h := newHarness(t, nil)
	f := h.fixture(PoolConfig{MFA: "OPTIONAL", SMSMFA: true, EmailMFA: true, FirstAuthFactors: []string{"PASSWORD", "EMAIL_OTP"}},
		ClientConfig{ExplicitAuthFlows: []string{"ALLOW_USER_SRP_AUTH", "ALLOW_USER_AUTH", "ALLOW_USER_PASSWORD_AUTH"}},
		UserConfig{SMSMFA: true, EmailMFA: true, Attributes: map[string]string{"email": "a@example.com", "phone_number": "+15555550100", "email_verified": "true", "phone_number_verified": "true"}})
	answer := func(p *flow.Prompt) flow.Answer {
		switch p.Kind {
		case flow.PromptSelectMFAType:
			return flow.Answer{Choice: "SMS_MFA"}
		case flow.PromptSelectChallenge:
			return flow.Answer{Choice: "PASSWORD_SRP"}
		case flow.PromptMFACode:
			return flow.Answer{Code: h.srv.LastCode(f.pool, f.user)}
		}
		t.Fatalf("unexpected prompt %v", p.Kind)
		return flow.Answer{}
	}
	for _, cfg := range []flow.Config{
		{Password: f.password, Flow: flow.UserSRPAuth},
		{Password: f.password, Flow: flow.UserPasswordAuth},
		{Password: f.password, Flow: flow.UserAuth},
		{Password: f.password, Flow: flow.UserAuth, PreferredChallenge: "PASSWORD"},
		{Flow: flow.UserAuth, PreferredChallenge: "EMAIL_OTP"},
	} {
		r, err := h.flowRun(f, cfg, answer)
		if err != nil {
			t.Fatalf("%s %s: %v", cfg.Flow, cfg.PreferredChallenge, err)
		}
		wantTokens(t, h, r, err)
	}
}

func TestFlowCustomAuth(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.CustomAuth = customHook{} })
	f := h.fixture(PoolConfig{}, ClientConfig{GenerateSecret: true}, UserConfig{})
	answer := func(p *flow.Prompt) flow.Answer {
		if p.Kind != flow.PromptCustomChallenge || p.Parameters["question"] != "2+2" {
			t.Fatalf("prompt %+v", p)
		}
		return flow.Answer{Text: "4"}
	}
	for _, fl := range []flow.AuthFlow{flow.CustomAuth, flow.CustomAuthSRP} {
		r, err := h.flowRun(f, flow.Config{Password: f.password, Flow: fl}, answer)
		if err != nil {
			t.Fatalf("%s: %v", fl, err)
		}
		wantTokens(t, h, r, err)
	}
}
