package identitypool_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentity/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/caldera-srp/caldera/flow"
	"github.com/caldera-srp/caldera/identitypool"
)

const (
	poolID     = "us-east-1:0b4b5c6d-7e8f-4a1b-9c2d-3e4f5a6b7c8d"
	userPoolID = "us-east-1_Xz7Pq3mWd"
	loginKey   = "cognito-idp.us-east-1.amazonaws.com/us-east-1_Xz7Pq3mWd"
	identityID = "us-east-1:6a1f0c2e-0b9d-4c57-9e1a-2f3b4c5d6e7f"
)

// recorder is an identity-pool service for tests (member names from
// botocore cognito-identity 2014-06-30): it records each call and answers
// from answer, or with credentials valid for ttl.
type recorder struct {
	mu     sync.Mutex
	calls  []string
	bodies []map[string]any
	ttl    time.Duration
	now    func() time.Time
	n      int
	answer func(op string, in map[string]any) (int, string)
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var in map[string]any
	json.Unmarshal(b, &in)
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AWSCognitoIdentityService.")
	rc.mu.Lock()
	rc.calls = append(rc.calls, op)
	rc.bodies = append(rc.bodies, in)
	rc.n++
	n := rc.n
	rc.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	if r.Header.Get("Authorization") != "" {
		w.WriteHeader(400)
		fmt.Fprint(w, `{"__type":"InvalidParameterException","message":"signed"}`)
		return
	}
	if rc.answer != nil {
		if status, body := rc.answer(op, in); status != 0 {
			w.WriteHeader(status)
			io.WriteString(w, body)
			return
		}
	}
	switch op {
	case "GetId":
		fmt.Fprintf(w, `{"IdentityId":%q}`, identityID)
	case "GetCredentialsForIdentity":
		fmt.Fprintf(w, `{"IdentityId":%q,"Credentials":{"AccessKeyId":"ASIAFAKE%d","SecretKey":"secret-%d","SessionToken":"session-%d","Expiration":%d}}`,
			in["IdentityId"], n, n, n, rc.now().Add(rc.ttl).Unix())
	}
}

func (rc *recorder) callList() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]string(nil), rc.calls...)
}

type fixture struct {
	rc     *recorder
	now    time.Time
	client *cognitoidentity.Client
	tokens int
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{now: time.Unix(1_700_000_000, 0).UTC()}
	f.rc = &recorder{ttl: time.Hour, now: func() time.Time { return f.now }}
	srv := httptest.NewServer(f.rc)
	t.Cleanup(srv.Close)
	f.client = cognitoidentity.New(cognitoidentity.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		RetryMaxAttempts: 1, HTTPClient: srv.Client()})
	return f
}

func (f *fixture) config() identitypool.Config {
	return identitypool.Config{
		IdentityPoolID: poolID, UserPoolID: userPoolID, Client: f.client,
		Tokens: identitypool.IDTokenFunc(func(context.Context) (string, error) {
			f.tokens++
			return fmt.Sprintf("id-token-%d", f.tokens), nil
		}),
		Now: func() time.Time { return f.now },
	}
}

func TestRetrieveCachesUntilShortlyBeforeExpiry(t *testing.T) {
	f := newFixture(t)
	p, err := identitypool.New(f.config())
	require.NoError(t, err)
	c, err := p.Retrieve(context.Background())
	require.NoError(t, err)
	assert.Equal(t, aws.Credentials{AccessKeyID: "ASIAFAKE2", SecretAccessKey: "secret-2", SessionToken: "session-2",
		Source: "CognitoIdentityPool", CanExpire: true, Expires: f.now.Add(time.Hour)}, c)
	assert.Equal(t, []string{"GetId", "GetCredentialsForIdentity"}, f.rc.callList())
	assert.Equal(t, map[string]any{"IdentityPoolId": poolID, "Logins": map[string]any{loginKey: "id-token-1"}}, f.rc.bodies[0])
	assert.Equal(t, map[string]any{"IdentityId": identityID, "Logins": map[string]any{loginKey: "id-token-1"}}, f.rc.bodies[1])
	assert.Equal(t, identityID, p.IdentityID())

	f.now = f.now.Add(58 * time.Minute) // two minutes left: kept
	c2, err := p.Retrieve(context.Background())
	require.NoError(t, err)
	assert.Equal(t, c, c2)
	assert.Len(t, f.rc.callList(), 2)

	f.now = f.now.Add(90 * time.Second) // 30 s left, inside the window: new ones, no GetId
	c3, err := p.Retrieve(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "ASIAFAKE3", c3.AccessKeyID)
	assert.Equal(t, []string{"GetId", "GetCredentialsForIdentity", "GetCredentialsForIdentity"}, f.rc.callList())
	assert.Equal(t, "id-token-2", f.rc.bodies[2]["Logins"].(map[string]any)[loginKey], "a fresh ID token for each fetch")

	// The SDK's own cache honours Expires as well.
	cache := aws.NewCredentialsCache(p)
	c4, err := cache.Retrieve(context.Background())
	require.NoError(t, err)
	assert.Equal(t, c3.AccessKeyID, c4.AccessKeyID)
}

func TestCustomRoleAccountAndProviderName(t *testing.T) {
	f := newFixture(t)
	cfg := f.config()
	cfg.CustomRoleARN = "arn:aws:iam::123456789012:role/Reader"
	cfg.AccountID = "123456789012"
	cfg.ProviderName = "127.0.0.1:9229/us-east-1_Local"
	cfg.UserPoolID = ""
	p, err := identitypool.New(cfg)
	require.NoError(t, err)
	_, err = p.Retrieve(context.Background())
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"AccountId": "123456789012", "IdentityPoolId": poolID,
		"Logins": map[string]any{"127.0.0.1:9229/us-east-1_Local": "id-token-1"}}, f.rc.bodies[0])
	assert.Equal(t, map[string]any{"CustomRoleArn": "arn:aws:iam::123456789012:role/Reader", "IdentityId": identityID,
		"Logins": map[string]any{"127.0.0.1:9229/us-east-1_Local": "id-token-1"}}, f.rc.bodies[1])
}

func TestKeptIdentityID(t *testing.T) {
	f := newFixture(t)
	cfg := f.config()
	cfg.IdentityID = "us-east-1:11111111-2222-4333-8444-555555555555"
	p, err := identitypool.New(cfg)
	require.NoError(t, err)
	_, err = p.Retrieve(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{"GetCredentialsForIdentity"}, f.rc.callList(), "no GetId with a kept identity id")

	// A kept identity id the pool no longer knows: GetId again, once.
	f = newFixture(t)
	f.rc.answer = func(op string, in map[string]any) (int, string) {
		if op == "GetCredentialsForIdentity" && in["IdentityId"] != identityID {
			return 400, `{"__type":"ResourceNotFoundException","message":"Identity not found"}`
		}
		return 0, ""
	}
	cfg = f.config()
	cfg.IdentityID = "us-east-1:11111111-2222-4333-8444-555555555555"
	p, err = identitypool.New(cfg)
	require.NoError(t, err)
	c, err := p.Retrieve(context.Background())
	require.NoError(t, err)
	assert.True(t, c.HasKeys())
	assert.Equal(t, []string{"GetCredentialsForIdentity", "GetId", "GetCredentialsForIdentity"}, f.rc.callList())
	assert.Equal(t, identityID, p.IdentityID())
}

func TestRetrieveErrors(t *testing.T) {
	f := newFixture(t)
	f.rc.answer = func(op string, in map[string]any) (int, string) {
		return 400, `{"__type":"NotAuthorizedException","message":"Invalid login token. Token expired."}`
	}
	p, err := identitypool.New(f.config())
	require.NoError(t, err)
	_, err = p.Retrieve(context.Background())
	var na *types.NotAuthorizedException
	require.ErrorAs(t, err, &na)
	assert.Contains(t, err.Error(), "identitypool: GetId")
	assert.Equal(t, "", p.IdentityID())

	for _, c := range []struct {
		name, op, body string
	}{
		{"no identity id", "GetId", `{}`},
		{"no credentials", "GetCredentialsForIdentity", `{"IdentityId":"x"}`},
		{"no session token", "GetCredentialsForIdentity", `{"Credentials":{"AccessKeyId":"a","SecretKey":"s","Expiration":1700003600}}`},
		{"no expiration", "GetCredentialsForIdentity", `{"Credentials":{"AccessKeyId":"a","SecretKey":"s","SessionToken":"t"}}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			f.rc.answer = func(op string, in map[string]any) (int, string) {
				if op == c.op {
					return 200, c.body
				}
				return 0, ""
			}
			p, err := identitypool.New(f.config())
			require.NoError(t, err)
			_, err = p.Retrieve(context.Background())
			assert.ErrorIs(t, err, identitypool.ErrMalformedResponse)
		})
	}

	boom := errors.New("sign-in failed")
	cfg := f.config()
	cfg.Tokens = identitypool.IDTokenFunc(func(context.Context) (string, error) { return "", boom })
	p, _ = identitypool.New(cfg)
	_, err = p.Retrieve(context.Background())
	assert.ErrorIs(t, err, boom)
	cfg.Tokens = identitypool.IDTokenFunc(func(context.Context) (string, error) { return "", nil })
	p, _ = identitypool.New(cfg)
	_, err = p.Retrieve(context.Background())
	assert.ErrorIs(t, err, identitypool.ErrNoIDToken)
}

func TestNewRefuses(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct {
		name string
		mod  func(*identitypool.Config)
	}{
		{"no pool", func(c *identitypool.Config) { c.IdentityPoolID = "" }},
		{"pool without region", func(c *identitypool.Config) { c.IdentityPoolID = ":abc" }},
		{"pool with a bad region", func(c *identitypool.Config) { c.IdentityPoolID = "US_EAST:abc" }},
		{"no client", func(c *identitypool.Config) { c.Client = nil }},
		{"no tokens", func(c *identitypool.Config) { c.Tokens = nil }},
		{"no provider", func(c *identitypool.Config) { c.UserPoolID = "" }},
		{"bad user pool", func(c *identitypool.Config) { c.UserPoolID = "nounderscore" }},
		{"negative window", func(c *identitypool.Config) { c.ExpiryWindow = -time.Second }},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := f.config()
			c.mod(&cfg)
			_, err := identitypool.New(cfg)
			assert.ErrorIs(t, err, identitypool.ErrInvalidConfig)
		})
	}
}

func TestConcurrentRetrieveSharesOneFetch(t *testing.T) {
	f := newFixture(t)
	p, err := identitypool.New(f.config())
	require.NoError(t, err)
	var wg sync.WaitGroup
	keys := make([]string, 8)
	for i := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := p.Retrieve(context.Background())
			if err == nil {
				keys[i] = c.AccessKeyID
			}
		}()
	}
	wg.Wait()
	for _, k := range keys {
		assert.Equal(t, "ASIAFAKE2", k)
	}
	assert.Len(t, f.rc.callList(), 2)
}

// scripted answers a flow sign-in with fixed tokens.
type scripted struct{ n int }

func (s *scripted) Call(_ context.Context, op flow.Operation, _ json.RawMessage) (json.RawMessage, error) {
	s.n++
	return json.RawMessage(fmt.Sprintf(`{"AuthenticationResult":{"AccessToken":"at-%d","IdToken":"flow-id-%d","RefreshToken":"rt","ExpiresIn":3600,"TokenType":"Bearer"}}`, s.n, s.n)), nil
}

func TestFlowTokens(t *testing.T) {
	f := newFixture(t)
	tr := &scripted{}
	ts := flow.NewTokenSource(context.Background(), flow.Config{UserPoolID: userPoolID, ClientID: "c",
		Username: "alice", Password: "pw", Flow: flow.UserPasswordAuth, Now: func() time.Time { return f.now }}, tr, nil)
	cfg := f.config()
	cfg.Tokens = identitypool.FlowTokens(ts)
	p, err := identitypool.New(cfg)
	require.NoError(t, err)
	_, err = p.Retrieve(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "flow-id-1", f.rc.bodies[0]["Logins"].(map[string]any)[loginKey])
	f.now = f.now.Add(time.Hour) // both expired: the token source refreshes, new credentials
	_, err = p.Retrieve(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "flow-id-2", f.rc.bodies[2]["Logins"].(map[string]any)[loginKey])
	assert.Equal(t, 2, tr.n)
}
