package flow

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caldera-srp/caldera/challenge"
)

// scripted is a Transport that answers from a function and records calls.
type scripted struct {
	calls []string
	fn    func(op Operation, in map[string]any) (string, error)
}

func (s *scripted) Call(ctx context.Context, op Operation, in json.RawMessage) (json.RawMessage, error) {
	var m map[string]any
	json.Unmarshal(in, &m)
	s.calls = append(s.calls, string(op)+" "+string(in))
	out, err := s.fn(op, m)
	if err != nil {
		return nil, err
	}
	return json.RawMessage(out), nil
}

func TestTokenSourceRefreshesBeforeExpiry(t *testing.T) {
	now := testEpoch
	issued := 0
	tr := &scripted{fn: func(op Operation, in map[string]any) (string, error) {
		p, _ := in["AuthParameters"].(map[string]any)
		switch in["AuthFlow"] {
		case "USER_PASSWORD_AUTH":
			return `{"ChallengeName":"SMS_MFA","Session":"s1","ChallengeParameters":{"USERNAME":"uuid-9"}}`, nil
		case "REFRESH_TOKEN_AUTH":
			if p["SECRET_HASH"] != challenge.SecretHash(testSecret, "uuid-9", testClientID) || p["REFRESH_TOKEN"] != "refresh-1" {
				return "", &APIError{Type: "NotAuthorizedException", Message: "Invalid Refresh Token"}
			}
			issued++
			if issued > 1 {
				return "", &APIError{Type: "NotAuthorizedException", Message: "Refresh Token has expired"}
			}
			return `{"AuthenticationResult":{"AccessToken":"access-2","ExpiresIn":3600,"TokenType":"Bearer"}}`, nil
		}
		return `{"AuthenticationResult":{"AccessToken":"access-1","RefreshToken":"refresh-1","ExpiresIn":3600,"TokenType":"Bearer"}}`, nil
	}}
	prompts := 0
	p := PrompterFunc(func(ctx context.Context, pr *Prompt) (Answer, error) {
		prompts++
		if prompts == 1 {
			return Answer{}, nil // refused: asked again
		}
		return Answer{Code: "123456"}, nil
	})
	ts := NewTokenSource(context.Background(), Config{
		UserPoolID: testPoolID, ClientID: testClientID, ClientSecret: testSecret,
		Username: "alice@example.com", Password: "pw", Flow: UserPasswordAuth,
		Now: func() time.Time { return now },
	}, tr, p)
	ts.Refresh = RefreshTokenAuth
	tok, err := ts.Token()
	if err != nil || tok.AccessToken != "access-1" || tok.RefreshToken != "refresh-1" || !tok.Expiry.Equal(now.Add(time.Hour)) {
		t.Fatalf("first token %+v, %v", tok, err)
	}
	if prompts != 2 {
		t.Fatalf("prompts = %d, want 2 (an empty code is asked again)", prompts)
	}
	now = now.Add(58 * time.Minute)
	if tok, _ = ts.Token(); tok.AccessToken != "access-1" || len(tr.calls) != 2 {
		t.Fatalf("cached token: %+v, %d calls", tok, len(tr.calls))
	}
	now = now.Add(90 * time.Second) // within a minute of expiry
	tok, err = ts.Token()
	if err != nil || tok.AccessToken != "access-2" || tok.RefreshToken != "refresh-1" {
		t.Fatalf("refreshed token %+v, %v", tok, err)
	}
	now = now.Add(2 * time.Hour) // refresh refused: a new sign-in
	tok, err = ts.Token()
	if err != nil || tok.AccessToken != "access-1" {
		t.Fatalf("token after refused refresh %+v, %v", tok, err)
	}
	if len(tr.calls) != 6 {
		t.Fatalf("%d calls: %q", len(tr.calls), tr.calls)
	}
}

func TestRunErrors(t *testing.T) {
	cfg := Config{UserPoolID: testPoolID, ClientID: testClientID, Username: "u", Password: "p", Flow: UserPasswordAuth}
	mfa := &scripted{fn: func(op Operation, in map[string]any) (string, error) {
		return `{"ChallengeName":"SMS_MFA","Session":"s1","ChallengeParameters":{}}`, nil
	}}
	m, _ := New(cfg)
	if _, err := Run(context.Background(), m, mfa, nil); !errors.Is(err, ErrNoPrompter) {
		t.Errorf("no prompter: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	m, _ = New(cfg)
	if _, err := Run(ctx, m, mfa, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v", err)
	}
	boom := errors.New("prompt failed")
	m, _ = New(cfg)
	if _, err := Run(context.Background(), m, mfa, PrompterFunc(func(context.Context, *Prompt) (Answer, error) { return Answer{}, boom })); !errors.Is(err, boom) {
		t.Errorf("prompter error: %v", err)
	}
	loop := &scripted{fn: func(op Operation, in map[string]any) (string, error) {
		return `{"ChallengeName":"CUSTOM_CHALLENGE","Session":"s1","ChallengeParameters":{}}`, nil
	}}
	m, _ = New(cfg)
	always := PrompterFunc(func(context.Context, *Prompt) (Answer, error) { return Answer{Text: "x"}, nil })
	if _, err := Run(context.Background(), m, loop, always); err == nil {
		t.Error("endless challenges ended without error")
	}
}

func testDeviceStore(t *testing.T, s DeviceStore) {
	d := &Device{DeviceKey: "dk", DeviceGroupKey: "dgk", DevicePassword: "dpw"}
	if _, err := s.Get(testPoolID, "alice@example.com"); !errors.Is(err, ErrDeviceNotFound) {
		t.Fatalf("empty store: %v", err)
	}
	r := &Result{UserID: "uuid-1", Device: d, NewDevice: true}
	if err := Remember(s, testPoolID, "alice@example.com", r); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"alice@example.com", "uuid-1"} {
		got, err := s.Get(testPoolID, name)
		if err != nil || *got != *d {
			t.Fatalf("Get(%s) = %+v, %v", name, got, err)
		}
	}
	if _, err := s.Get("eu-west-1_Other", "uuid-1"); !errors.Is(err, ErrDeviceNotFound) {
		t.Fatalf("other pool: %v", err)
	}
	if err := Remember(s, testPoolID, "alice@example.com", &Result{UserID: "uuid-1", DeviceForgotten: true}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"alice@example.com", "uuid-1"} {
		if _, err := s.Get(testPoolID, name); !errors.Is(err, ErrDeviceNotFound) {
			t.Fatalf("after delete, Get(%s): %v", name, err)
		}
	}
}

func TestMemoryDeviceStore(t *testing.T) { testDeviceStore(t, &MemoryDeviceStore{}) }

func TestFileDeviceStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "devices.json")
	s := NewFileDeviceStore(path)
	testDeviceStore(t, s)
	if err := s.Put(testPoolID, "uuid-2", nil, &Device{DeviceKey: "k", DeviceGroupKey: "g", DevicePassword: "p"}); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", st.Mode().Perm())
	}
	// A new store on the same file finds the record: New looks it up.
	m, err := New(Config{UserPoolID: testPoolID, ClientID: testClientID, Username: "uuid-2", Password: "pw",
		Flow: UserSRPAuth, Devices: NewFileDeviceStore(path), Rand: newTestRand(9)})
	if err != nil {
		t.Fatal(err)
	}
	var in struct{ AuthParameters map[string]string }
	json.Unmarshal(m.Start().Request.Input, &in)
	if in.AuthParameters["DEVICE_KEY"] != "k" {
		t.Fatalf("DEVICE_KEY from the store: %q", in.AuthParameters["DEVICE_KEY"])
	}
}

func TestRedactJSON(t *testing.T) {
	for in, want := range map[string]string{
		`not json`:        `"[unparsable body redacted]"`,
		`{"a":1} {"b":2}`: `"[unparsable body redacted]"`,
		``:                `""`,
		`{"ChallengeName":"CUSTOM_CHALLENGE","ChallengeResponses":{"ANSWER":"secret-answer","USERNAME":"u"}}`: `{"ChallengeName":"CUSTOM_CHALLENGE","ChallengeResponses":{"ANSWER":"[redacted]","USERNAME":"u"}}`,
		`{"ChallengeName":"SELECT_MFA_TYPE","ChallengeResponses":{"ANSWER":"SMS_MFA"}}`:                       `{"ChallengeName":"SELECT_MFA_TYPE","ChallengeResponses":{"ANSWER":"SMS_MFA"}}`,
		`{"DeviceSecretVerifierConfig":{"PasswordVerifier":"v","Salt":"s"},"AccessToken":"t","Session":null}`: `{"AccessToken":"[redacted]","DeviceSecretVerifierConfig":{"PasswordVerifier":"[redacted]","Salt":"[redacted]"},"Session":null}`,
		`[{"AuthParameters":{"REFRESH_TOKEN":"r","SECRET_HASH":"h","DEVICE_KEY":"d"}}]`:                       `[{"AuthParameters":{"DEVICE_KEY":"d","REFRESH_TOKEN":"[redacted]","SECRET_HASH":"[redacted]"}}]`,
	} {
		if got := string(RedactJSON([]byte(in))); got != want {
			t.Errorf("RedactJSON(%s)\n got %s\nwant %s", in, got, want)
		}
	}
}

func TestConfigLimits(t *testing.T) {
	base := Config{UserPoolID: testPoolID, ClientID: testClientID, Username: "u", Password: "p", Flow: UserPasswordAuth}
	for name, mod := range map[string]func(*Config){
		"non-UTF-8 username": func(c *Config) { c.Username = "al\xffice" },
		"129-char username":  func(c *Config) { c.Username = strings.Repeat("ü", 129) },
		"non-UTF-8 password": func(c *Config) { c.Password = "\xfe" },
		"257-char password":  func(c *Config) { c.Password = strings.Repeat("p", 257) },
		"bad pool id":        func(c *Config) { c.UserPoolID = "us-east-1" },
		"empty device field": func(c *Config) { c.Device = &Device{DeviceKey: "k"} },
		"unknown policy":     func(c *Config) { c.DevicePolicy = 9 },
		"unknown preferred":  func(c *Config) { c.Flow, c.PreferredChallenge = UserAuth, "MAGIC" },
	} {
		c := base
		mod(&c)
		if _, err := New(c); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: %v", name, err)
		}
	}
	c := base
	c.Username = strings.Repeat("ü", 128)
	if _, err := New(c); err != nil {
		t.Errorf("128-char username: %v", err)
	}
}
