package flow

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// memTokenStore records what a TokenSource saves.
type memTokenStore struct {
	mu    sync.Mutex
	tok   *Token
	saves []string // refresh tokens saved, in order
}

func (s *memTokenStore) LoadToken() (*Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok == nil {
		return nil, nil
	}
	c := *s.tok
	return &c, nil
}

func (s *memTokenStore) SaveToken(t *Token) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := *t
	s.tok = &c
	s.saves = append(s.saves, t.RefreshToken)
	return nil
}

// rotatingServer answers GetTokensFromRefreshToken as an app client with
// refresh-token rotation does (botocore cognito-idp 2016-04-18): each valid
// refresh token gives a new one and is then refused with
// RefreshTokenReuseException.
type rotatingServer struct {
	valid   map[string]bool
	n       int
	signIns int
	inputs  []map[string]any
}

func (rs *rotatingServer) fn(op Operation, in map[string]any) (string, error) {
	rs.inputs = append(rs.inputs, in)
	switch op {
	case OpGetTokensFromRefreshToken:
		rt, _ := in["RefreshToken"].(string)
		if in["ClientSecret"] != testSecret {
			return "", &APIError{Type: "NotAuthorizedException", Message: "Unable to verify secret hash for client"}
		}
		if !rs.valid[rt] {
			return "", &APIError{Type: "RefreshTokenReuseException", Message: "Refresh token has been revoked"}
		}
		delete(rs.valid, rt)
		rs.n++
		next := "refresh-" + string(rune('a'+rs.n))
		rs.valid[next] = true
		return `{"AuthenticationResult":{"AccessToken":"access-r` + string(rune('0'+rs.n)) + `","IdToken":"id-r","RefreshToken":"` + next + `","ExpiresIn":3600,"TokenType":"Bearer"}}`, nil
	case OpInitiateAuth:
		rs.signIns++
		rs.valid["refresh-a"] = true
		return `{"AuthenticationResult":{"AccessToken":"access-s","IdToken":"id-s","RefreshToken":"refresh-a","ExpiresIn":3600,"TokenType":"Bearer",` +
			`"NewDeviceMetadata":{"DeviceKey":"us-east-1_dev1","DeviceGroupKey":"-grp"}}}`, nil
	case OpConfirmDevice:
		return `{"UserConfirmationNecessary":false}`, nil
	}
	return "", errors.New("unexpected " + string(op))
}

func TestTokenSourceRotation(t *testing.T) {
	now := testEpoch
	rs := &rotatingServer{valid: map[string]bool{}}
	tr := &scripted{fn: rs.fn}
	store := &memTokenStore{}
	devices := &MemoryDeviceStore{}
	cfg := Config{
		UserPoolID: testPoolID, ClientID: testClientID, ClientSecret: testSecret,
		Username: "alice@example.com", Password: "pw", Flow: UserPasswordAuth,
		Devices: devices, Rand: newTestRand(9), Now: func() time.Time { return now },
	}
	ts := NewTokenSource(context.Background(), cfg, tr, nil)
	ts.Store = store
	tok, err := ts.Token()
	require.NoError(t, err)
	assert.Equal(t, "refresh-a", tok.RefreshToken)
	assert.Equal(t, []string{"refresh-a"}, store.saves)

	now = now.Add(59*time.Minute + 30*time.Second)
	tok, err = ts.Token()
	require.NoError(t, err)
	assert.Equal(t, "access-r1", tok.AccessToken)
	assert.Equal(t, "refresh-b", tok.RefreshToken, "the rotated refresh token is kept")
	last := rs.inputs[len(rs.inputs)-1]
	assert.Equal(t, "us-east-1_dev1", last["DeviceKey"], "the device confirmed at sign-in goes with the refresh")
	assert.Nil(t, last["SECRET_HASH"])

	now = now.Add(time.Hour)
	tok, err = ts.Token()
	require.NoError(t, err)
	assert.Equal(t, "refresh-c", tok.RefreshToken)
	assert.Equal(t, []string{"refresh-a", "refresh-b", "refresh-c"}, store.saves)
	assert.Equal(t, 1, rs.signIns)

	// A restart: a new TokenSource loads the newest token from the store
	// and finds the device in the device store.
	now = now.Add(time.Hour)
	ts2 := NewTokenSource(context.Background(), cfg, tr, nil)
	ts2.Store = store
	tok, err = ts2.Token()
	require.NoError(t, err)
	assert.Equal(t, "refresh-d", tok.RefreshToken)
	assert.Equal(t, "us-east-1_dev1", rs.inputs[len(rs.inputs)-1]["DeviceKey"])
	assert.Equal(t, 1, rs.signIns)

	// The old source still holds refresh-c, rotated away: the refusal
	// (RefreshTokenReuseException) leads to a new sign-in.
	now = now.Add(2 * time.Hour)
	tok, err = ts.Token()
	require.NoError(t, err)
	assert.Equal(t, 2, rs.signIns)
	assert.Equal(t, "access-s", tok.AccessToken)
	assert.Equal(t, "refresh-a", store.saves[len(store.saves)-1])
}

func TestTokenSourceWithoutRotation(t *testing.T) {
	now := testEpoch
	calls := 0
	tr := &scripted{fn: func(op Operation, in map[string]any) (string, error) {
		calls++
		if op == OpGetTokensFromRefreshToken {
			return `{"AuthenticationResult":{"AccessToken":"access-2","IdToken":"id-2","ExpiresIn":3600,"TokenType":"Bearer"}}`, nil
		}
		return `{"AuthenticationResult":{"AccessToken":"access-1","IdToken":"id-1","RefreshToken":"refresh-1","ExpiresIn":3600,"TokenType":"Bearer"}}`, nil
	}}
	store := &memTokenStore{}
	ts := NewTokenSource(context.Background(), Config{UserPoolID: testPoolID, ClientID: testClientID,
		Username: "bob", Password: "pw", Flow: UserPasswordAuth, Now: func() time.Time { return now }}, tr, nil)
	ts.Store = store
	_, err := ts.Token()
	require.NoError(t, err)
	now = now.Add(time.Hour)
	tok, err := ts.Token()
	require.NoError(t, err)
	assert.Equal(t, "access-2", tok.AccessToken)
	assert.Equal(t, "refresh-1", tok.RefreshToken, "no RefreshToken in the answer: the one used stays")
	assert.Equal(t, []string{"refresh-1", "refresh-1"}, store.saves)
	assert.Equal(t, 2, calls)
}

func TestTokenSourceStoreErrors(t *testing.T) {
	boom := errors.New("disk full")
	tr := &scripted{fn: func(Operation, map[string]any) (string, error) {
		return `{"AuthenticationResult":{"AccessToken":"a","RefreshToken":"r","ExpiresIn":3600}}`, nil
	}}
	cfg := Config{UserPoolID: testPoolID, ClientID: testClientID, Username: "bob", Password: "pw", Flow: UserPasswordAuth}
	ts := NewTokenSource(context.Background(), cfg, tr, nil)
	ts.Store = failingStore{load: boom}
	_, err := ts.Token()
	assert.ErrorIs(t, err, boom)
	ts = NewTokenSource(context.Background(), cfg, tr, nil)
	ts.Store = failingStore{save: boom}
	_, err = ts.Token()
	assert.ErrorIs(t, err, boom)
}

func TestTokenSourceRefreshFlowChecked(t *testing.T) {
	tr := &scripted{fn: func(Operation, map[string]any) (string, error) {
		return `{"AuthenticationResult":{"AccessToken":"a","RefreshToken":"r","ExpiresIn":0}}`, nil
	}}
	ts := NewTokenSource(context.Background(), Config{UserPoolID: testPoolID, ClientID: testClientID,
		Username: "bob", Password: "pw", Flow: UserPasswordAuth}, tr, nil)
	ts.Refresh = UserSRPAuth
	_, err := ts.Token() // signs in; the token is already expired
	require.NoError(t, err)
	_, err = ts.Token()
	assert.ErrorIs(t, err, ErrInvalidConfig)
	assert.ErrorContains(t, err, "TokenSource.Refresh")
}

type failingStore struct{ load, save error }

func (f failingStore) LoadToken() (*Token, error) { return nil, f.load }
func (f failingStore) SaveToken(*Token) error     { return f.save }

func TestFileTokenStore(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "token.json")
	s := NewFileTokenStore(path)
	tok, err := s.LoadToken()
	require.NoError(t, err)
	assert.Nil(t, tok, "no file: no token")
	want := &Token{AccessToken: "a", IDToken: "i", RefreshToken: "r", TokenType: "Bearer",
		Expiry: testEpoch.Add(time.Hour), UserID: "uuid-1"}
	require.NoError(t, s.SaveToken(want))
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	got, err := s.LoadToken()
	require.NoError(t, err)
	assert.Equal(t, want, got)
	require.NoError(t, s.Delete())
	require.NoError(t, s.Delete(), "deleting twice is fine")

	require.NoError(t, os.WriteFile(path, []byte("{not json"), 0o600))
	_, err = s.LoadToken()
	assert.ErrorContains(t, err, "token store")
	require.NoError(t, os.WriteFile(path, []byte(`{"AccessToken":"`+strings.Repeat("x", 2<<20)+`"}`), 0o600))
	_, err = s.LoadToken()
	assert.ErrorContains(t, err, "larger than 1 MiB")
}

func TestContextDataRedacted(t *testing.T) {
	in := `{"AuthFlow":"USER_SRP_AUTH","AnalyticsMetadata":{"AnalyticsEndpointId":"ep-1"},` +
		`"UserContextData":{"IpAddress":"203.0.113.7","EncodedData":"fp-xyz"},` +
		`"ContextData":{"IpAddress":"198.51.100.1","ServerName":"www.example.com","ServerPath":"/login",` +
		`"HttpHeaders":[{"headerName":"Cookie","headerValue":"sid=42"}],"EncodedData":"fp-abc"}}`
	out := string(RedactJSON([]byte(in)))
	for _, s := range []string{"203.0.113.7", "fp-xyz", "198.51.100.1", "sid=42", "fp-abc"} {
		assert.NotContains(t, out, s)
	}
	for _, s := range []string{"ep-1", "www.example.com", "/login", `"headerName":"Cookie"`} {
		assert.Contains(t, out, s)
	}
}

func TestContextDataConfig(t *testing.T) {
	base := Config{UserPoolID: testPoolID, ClientID: testClientID, Username: "u", Password: "p", Flow: UserPasswordAuth}
	for _, tc := range []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"user context with admin", func(c *Config) {
			c.Admin, c.Flow = true, AdminUserPasswordAuth
			c.UserContextData = &UserContextData{IPAddress: "203.0.113.7"}
		}, "UserContextData is for user operations"},
		{"admin context without admin", func(c *Config) {
			c.ContextData = &ContextData{IPAddress: "203.0.113.7", ServerName: "s", ServerPath: "/"}
		}, "ContextData is for the Admin operations"},
		{"header without name", func(c *Config) {
			c.Admin, c.Flow = true, AdminUserPasswordAuth
			c.ContextData = &ContextData{IPAddress: "203.0.113.7", ServerName: "s", ServerPath: "/", HTTPHeaders: []HTTPHeader{{Value: "v"}}}
		}, "header without name"},
		{"too long", func(c *Config) {
			c.UserContextData = &UserContextData{EncodedData: strings.Repeat("x", 8<<10+1)}
		}, "longer than 8 KiB"},
		{"not UTF-8", func(c *Config) { c.AnalyticsEndpointID = "\xff" }, "AnalyticsEndpointID"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := base
			tc.mod(&c)
			_, err := New(c)
			assert.ErrorIs(t, err, ErrInvalidConfig)
			assert.ErrorContains(t, err, tc.want)
		})
	}
	// An admin ContextData with no headers still sends the required list.
	c := base
	c.Admin, c.Flow = true, AdminUserPasswordAuth
	c.ContextData = &ContextData{IPAddress: "203.0.113.7", ServerName: "s", ServerPath: "/"}
	m, err := New(c)
	require.NoError(t, err)
	assert.Contains(t, string(m.Start().Request.Input), `"HttpHeaders":[]`)
}

// The context of the request that restores replaces the saved one; without
// one, the saved context goes on.
func TestRestoreContext(t *testing.T) {
	now := testEpoch
	cfg := Config{UserPoolID: testPoolID, ClientID: testClientID, Username: "u", Password: "p", Flow: UserPasswordAuth,
		AnalyticsEndpointID: "ep-1", UserContextData: &UserContextData{IPAddress: "203.0.113.7", EncodedData: "fp-1"},
		Now: func() time.Time { return now }}
	m, err := New(cfg)
	require.NoError(t, err)
	m.Start()
	s := m.Receive([]byte(`{"ChallengeName":"SMS_MFA","Session":"sess-1","ChallengeParameters":{"USERNAME":"uuid-1"}}`), nil)
	require.NotNil(t, s.Prompt)
	st, err := m.Seal(testSealKey)
	require.NoError(t, err)
	context := func(m *Machine) map[string]any {
		s := m.Answer(Answer{Code: "123456"})
		require.NotNil(t, s.Request, "%v", s.Err)
		var in map[string]any
		require.NoError(t, json.Unmarshal(s.Request.Input, &in))
		return map[string]any{"a": in["AnalyticsMetadata"], "u": in["UserContextData"]}
	}
	rc := Config{UserPoolID: testPoolID, ClientID: testClientID, Now: cfg.Now}
	r, err := Restore(rc, st, testSealKey)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"a": map[string]any{"AnalyticsEndpointId": "ep-1"},
		"u": map[string]any{"IpAddress": "203.0.113.7", "EncodedData": "fp-1"}}, context(r))
	rc.UserContextData = &UserContextData{IPAddress: "192.0.2.9"}
	r, err = Restore(rc, st, testSealKey)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"a": map[string]any{"AnalyticsEndpointId": "ep-1"},
		"u": map[string]any{"IpAddress": "192.0.2.9"}}, context(r))

	// A state without context encodes as before: no trailer.
	cfg.AnalyticsEndpointID, cfg.UserContextData = "", nil
	m2, _ := New(cfg)
	m2.Start()
	m2.Receive([]byte(`{"ChallengeName":"SMS_MFA","Session":"sess-1","ChallengeParameters":{"USERNAME":"uuid-1"}}`), nil)
	plain2, err := m2.MarshalBinary()
	require.NoError(t, err)
	plain1, err := m.MarshalBinary()
	require.NoError(t, err)
	assert.Equal(t, len("ep-1")+len("203.0.113.7")+len("fp-1")+3+2, len(plain1)-len(plain2))
}
