package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/caldera-srp/caldera/flow"
	"github.com/caldera-srp/caldera/identitypool"
	"github.com/caldera-srp/caldera/idp"
)

// TestCredentialsProcessIdp runs caldera credentials against caldera's own
// idp end to end: the first run signs alice in with SRP (the password on
// the prompt stream), trades her ID token at idp's identity pool and
// prints fake credentials; then aws-sdk-go-v2's processcreds runs the
// command as the AWS CLI's credential_process would (the test binary
// re-executed, TestMain), with the cached tokens past their expiry (a
// silent REFRESH_TOKEN_AUTH: idp has no GetTokensFromRefreshToken yet),
// and the SDK reads the credentials.
func TestCredentialsProcessIdp(t *testing.T) {
	srv, ep := startLoginServer(t)
	key, err := identitypool.LoginKey("us-east-1_Local")
	require.NoError(t, err)
	ip, err := srv.CreateIdentityPool(idp.IdentityPoolConfig{Name: "local_users",
		Providers: []idp.IdentityProvider{{ProviderName: key, ClientID: "localpublicclient"}}})
	require.NoError(t, err)
	dir := t.TempDir()
	args := []string{"--pool-id", "us-east-1_Local", "--client-id", "localpublicclient", "--identity-pool-id", ip.ID,
		"--username", "alice", "--endpoint", ep, "--refresh", "refresh-token-auth",
		"--cache-dir", filepath.Join(dir, "cache"), "--device-file", filepath.Join(dir, "devices.json")}

	start := time.Now()
	code, stdout, stderr, prompts := runCredentials(t, "Correct-Horse-1\n", args...)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "Password for alice: \n", prompts)
	var pc processCredentials
	require.NoError(t, json.Unmarshal([]byte(stdout), &pc))
	assert.Equal(t, 1, pc.Version)
	assert.Regexp(t, `^ASIACALDERAFAKE[A-Z2-7]{5}$`, pc.AccessKeyID)
	assert.Len(t, pc.SecretAccessKey, 40)
	assert.True(t, strings.HasPrefix(pc.SessionToken, "caldera-local-fake-session-token:"), pc.SessionToken)
	exp, err := time.Parse(time.RFC3339, pc.Expiration)
	require.NoError(t, err)
	assert.WithinDuration(t, start.Add(time.Hour), exp, 30*time.Second)

	// The tokens expire: the credential process refreshes them silently.
	files, err := filepath.Glob(filepath.Join(dir, "cache", "*.tokens.json"))
	require.NoError(t, err)
	require.Len(t, files, 1)
	store := flow.NewFileTokenStore(files[0])
	tok, err := store.LoadToken()
	require.NoError(t, err)
	tok.Expiry = time.Now().Add(-time.Minute)
	require.NoError(t, store.SaveToken(tok))
	t.Setenv(execMainEnv, "1")
	quoted := make([]string, 0, len(args)+2)
	for _, a := range append([]string{os.Args[0], "credentials"}, args...) {
		quoted = append(quoted, shellQuote(a))
	}
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(processcreds.NewProvider(strings.Join(quoted, " "))))
	require.NoError(t, err)
	creds, err := cfg.Credentials.Retrieve(context.Background())
	require.NoError(t, err)
	assert.Regexp(t, `^ASIACALDERAFAKE[A-Z2-7]{5}$`, creds.AccessKeyID)
	assert.NotEqual(t, pc.AccessKeyID+pc.SecretAccessKey, creds.AccessKeyID+creds.SecretAccessKey, "fresh credentials")
	assert.True(t, creds.CanExpire)
	assert.WithinDuration(t, time.Now().Add(time.Hour), creds.Expires, time.Minute)
	tok2, err := store.LoadToken()
	require.NoError(t, err)
	assert.NotEqual(t, tok.AccessToken, tok2.AccessToken, "refreshed")
	assert.True(t, tok2.Expiry.After(time.Now()))

	// The server's own issuer without scheme as the provider name
	// (--provider-name), for an identity pool configured that way.
	local := srv.IdentityProviderName("us-east-1_Local")
	assert.Equal(t, strings.TrimPrefix(ep, "http://")+"/us-east-1_Local", local)
	ip2, err := srv.CreateIdentityPool(idp.IdentityPoolConfig{Name: "local_issuer",
		Providers: []idp.IdentityProvider{{ProviderName: local, ClientID: "localpublicclient"}}})
	require.NoError(t, err)
	args2 := append([]string{}, args...)
	args2[5] = ip2.ID
	code, stdout, stderr, prompts = runCredentials(t, "Correct-Horse-1\n", append(args2, "--provider-name", local)...)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, `"AccessKeyId":"ASIACALDERAFAKE`)
	assert.Equal(t, "Password for alice: \n", prompts, "another cache entry: a new sign-in")

	// An identity pool that trusts another app client refuses the token.
	ip3, err := srv.CreateIdentityPool(idp.IdentityPoolConfig{Name: "other_client",
		Providers: []idp.IdentityProvider{{ProviderName: key, ClientID: "localsecretclient"}}})
	require.NoError(t, err)
	args3 := append([]string{}, args...)
	args3[5] = ip3.ID
	code, _, stderr, _ = runCredentials(t, "Correct-Horse-1\n", args3...)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "NotAuthorizedException")
	assert.Contains(t, stderr, "Incorrect token audience.")
}
