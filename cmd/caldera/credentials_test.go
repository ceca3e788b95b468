package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	citypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentity/types"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/caldera-srp/caldera/flow"
	"github.com/caldera-srp/caldera/identitypool"
	"github.com/caldera-srp/caldera/totp"
)

// execMainEnv makes the test binary run the command line instead of the
// tests, so that processcreds can run "caldera credentials" as the AWS CLI
// would.
const execMainEnv = "CALDERA_TEST_EXEC_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(execMainEnv) == "1" {
		os.Exit(run(os.Args[1:], os.Stderr))
	}
	os.Exit(m.Run())
}

func runCredentials(t *testing.T, stdin string, args ...string) (code int, stdout, stderr, prompts string) {
	t.Helper()
	var out, errOut, promptOut bytes.Buffer
	code = credentialsMain(context.Background(), args, strings.NewReader(stdin), &out, &errOut, &promptOut)
	return code, out.String(), errOut.String(), promptOut.String()
}

// motoIdentitySetup makes, on moto, a user pool with an app client allowing
// USER_PASSWORD_AUTH and REFRESH_TOKEN_AUTH, a user with a permanent
// password, and an identity pool trusting that pool and client. moto 5.2.1
// checks no login token (moto/cognitoidentity/models.py: GetId draws an id,
// GetCredentialsForIdentity answers fixed fake keys valid for 90 s).
func motoIdentitySetup(t *testing.T, ep string) (poolID, clientID, identityPoolID string) {
	t.Helper()
	ctx := context.Background()
	static := credentials.NewStaticCredentialsProvider("testing", "testing", "")
	pools := cip.New(cip.Options{Region: "us-east-1", BaseEndpoint: aws.String(ep), Credentials: static, RetryMaxAttempts: 1})
	up, err := pools.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String(fmt.Sprintf("caldera-credentials-%d", time.Now().UnixNano()))})
	require.NoError(t, err)
	poolID = *up.UserPool.Id
	t.Cleanup(func() {
		pools.DeleteUserPool(context.Background(), &cip.DeleteUserPoolInput{UserPoolId: aws.String(poolID)})
	})
	cl, err := pools.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(poolID), ClientName: aws.String("cli"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}})
	require.NoError(t, err)
	clientID = *cl.UserPoolClient.ClientId
	_, err = pools.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(poolID), Username: aws.String("alice"),
		MessageAction: types.MessageActionTypeSuppress})
	require.NoError(t, err)
	_, err = pools.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: aws.String(poolID), Username: aws.String("alice"),
		Password: aws.String("Alice-Pass-1!"), Permanent: true})
	require.NoError(t, err)
	key, err := identitypool.LoginKey(poolID)
	require.NoError(t, err)
	ci := cognitoidentity.New(cognitoidentity.Options{Region: "us-east-1", BaseEndpoint: aws.String(ep), Credentials: static, RetryMaxAttempts: 1})
	ip, err := ci.CreateIdentityPool(ctx, &cognitoidentity.CreateIdentityPoolInput{
		IdentityPoolName: aws.String("caldera_credentials"), AllowUnauthenticatedIdentities: false,
		CognitoIdentityProviders: []citypes.CognitoIdentityProvider{{ProviderName: aws.String(key), ClientId: aws.String(clientID)}},
	})
	require.NoError(t, err)
	identityPoolID = *ip.IdentityPoolId
	t.Cleanup(func() {
		ci.DeleteIdentityPool(context.Background(), &cognitoidentity.DeleteIdentityPoolInput{IdentityPoolId: aws.String(identityPoolID)})
	})
	return poolID, clientID, identityPoolID
}

// TestCredentialsProcessMoto signs in once, then runs caldera credentials
// as the SDK's credential_process provider (processcreds) with the cached
// tokens, past their expiry (a silent REFRESH_TOKEN_AUTH; moto has no
// GetTokensFromRefreshToken), and calls an AWS API with the credentials.
func TestCredentialsProcessMoto(t *testing.T) {
	ep := os.Getenv("CALDERA_MOTO_ENDPOINT")
	if ep == "" {
		t.Skip("CALDERA_MOTO_ENDPOINT is not set: . interop/moto/moto.sh; moto_start (.ci/run does this)")
	}
	poolID, clientID, identityPoolID := motoIdentitySetup(t, ep)
	dir := t.TempDir()
	args := []string{"--pool-id", poolID, "--client-id", clientID, "--identity-pool-id", identityPoolID,
		"--username", "alice", "--endpoint", ep, "--flow", "user-password", "--refresh", "refresh-token-auth",
		"--cache-dir", filepath.Join(dir, "cache"), "--device-file", filepath.Join(dir, "devices.json")}

	code, stdout, stderr, prompts := runCredentials(t, "Alice-Pass-1!\n", args...)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "Password for alice: \n", prompts)
	var pc processCredentials
	require.NoError(t, json.Unmarshal([]byte(stdout), &pc))
	assert.Equal(t, 1, pc.Version)
	assert.Equal(t, "TESTACCESSKEY12345", pc.AccessKeyID) // moto's fixed fake key
	assert.NotEmpty(t, pc.SecretAccessKey)
	assert.NotEmpty(t, pc.SessionToken)
	exp, err := time.Parse(time.RFC3339, pc.Expiration)
	require.NoError(t, err)
	assert.WithinDuration(t, time.Now().Add(90*time.Second), exp, 30*time.Second)

	files, err := filepath.Glob(filepath.Join(dir, "cache", "*"))
	require.NoError(t, err)
	require.Len(t, files, 2, "tokens and identity id")
	var tokFile, idFile string
	for _, f := range files {
		st, err := os.Stat(f)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), st.Mode().Perm(), f)
		if strings.HasSuffix(f, ".tokens.json") {
			tokFile = f
		} else {
			idFile = f
		}
	}
	identity, err := os.ReadFile(idFile)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(identity), "us-east-1:"), "identity id %q", identity)
	store := flow.NewFileTokenStore(tokFile)
	tok, err := store.LoadToken()
	require.NoError(t, err)
	require.NotEmpty(t, tok.RefreshToken)
	firstAccess := tok.AccessToken

	// Second run: no prompt, cached tokens, the kept identity id.
	code, stdout, stderr, prompts = runCredentials(t, "", args...)
	require.Equal(t, 0, code, stderr)
	assert.Empty(t, prompts)
	assert.Contains(t, stdout, `"Version":1`)
	tok2, err := store.LoadToken()
	require.NoError(t, err)
	assert.Equal(t, firstAccess, tok2.AccessToken)

	// The tokens expire: the process refreshes them silently.
	tok2.Expiry = time.Now().Add(-time.Minute)
	require.NoError(t, store.SaveToken(tok2))
	t.Setenv(execMainEnv, "1")
	quoted := make([]string, 0, len(args)+2)
	for _, a := range append([]string{os.Args[0], "credentials"}, args...) {
		quoted = append(quoted, shellQuote(a))
	}
	provider := processcreds.NewProvider(strings.Join(quoted, " "))
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(provider), config.WithBaseEndpoint(ep))
	require.NoError(t, err)
	creds, err := cfg.Credentials.Retrieve(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "TESTACCESSKEY12345", creds.AccessKeyID)
	assert.True(t, creds.CanExpire)
	tok3, err := store.LoadToken()
	require.NoError(t, err)
	assert.NotEqual(t, firstAccess, tok3.AccessToken, "refreshed")
	assert.Equal(t, tok2.RefreshToken, tok3.RefreshToken, "REFRESH_TOKEN_AUTH returns no new refresh token: the old one is kept")
	assert.True(t, tok3.Expiry.After(time.Now()))

	// An AWS call signed with the process's credentials.
	out, err := cognitoidentity.NewFromConfig(cfg).ListIdentityPools(context.Background(),
		&cognitoidentity.ListIdentityPoolsInput{MaxResults: aws.Int32(60)})
	require.NoError(t, err)
	found := false
	for _, p := range out.IdentityPools {
		found = found || aws.ToString(p.IdentityPoolId) == identityPoolID
	}
	assert.True(t, found, "the identity pool is listed")
}

func TestCredentialsUsageErrors(t *testing.T) {
	code, _, stderr, _ := runCredentials(t, "", "-h")
	assert.Equal(t, 0, code)
	assert.Contains(t, stderr, "credential_process = caldera credentials")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--pool-id", "us-east-1_x", "--client-id", "c"}, "are required"},
		{[]string{"--pool-id", "us-east-1_x", "--client-id", "c", "--identity-pool-id", "us-east-1:x", "--username", "u", "--flow", "refresh"}, "--flow"},
		{[]string{"--pool-id", "us-east-1_x", "--client-id", "c", "--identity-pool-id", "us-east-1:x", "--username", "u", "--refresh", "sometimes"}, "--refresh"},
		{[]string{"--pool-id", "us-east-1_x", "--client-id", "c", "--identity-pool-id", "us-east-1:x", "--username", "u", "--endpoint", "http://x", "--region", "r"}, "not both"},
	} {
		code, _, stderr, _ := runCredentials(t, "", c.args...)
		assert.Equal(t, 2, code)
		assert.Contains(t, stderr, c.want)
	}
}

// TestCredentialsMFA signs in to idp (SRP, then the TOTP code asked on the
// prompt stream) and trades the ID token at moto's identity pool; a cached
// refresh token that the pool refuses leads to a new sign-in, asked again.
func TestCredentialsMFA(t *testing.T) {
	motoEP := os.Getenv("CALDERA_MOTO_ENDPOINT")
	if motoEP == "" {
		t.Skip("CALDERA_MOTO_ENDPOINT is not set: . interop/moto/moto.sh; moto_start (.ci/run does this)")
	}
	_, ep := startLoginServer(t)
	key, err := identitypool.LoginKey("us-east-1_Mfa")
	require.NoError(t, err)
	ci := cognitoidentity.New(cognitoidentity.Options{Region: "us-east-1", BaseEndpoint: aws.String(motoEP),
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", ""), RetryMaxAttempts: 1})
	ip, err := ci.CreateIdentityPool(context.Background(), &cognitoidentity.CreateIdentityPoolInput{
		IdentityPoolName: aws.String("caldera_mfa"), CognitoIdentityProviders: []citypes.CognitoIdentityProvider{
			{ProviderName: aws.String(key), ClientId: aws.String("mfaclient")}}})
	require.NoError(t, err)
	secret, err := totp.DecodeSecret("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
	require.NoError(t, err)
	code, err := totp.Code(secret, time.Now())
	require.NoError(t, err)
	dir := t.TempDir()
	args := []string{"--pool-id", "us-east-1_Mfa", "--client-id", "mfaclient", "--identity-pool-id", *ip.IdentityPoolId,
		"--username", "carol", "--endpoint", ep, "--identity-endpoint", motoEP, "--refresh", "refresh-token-auth",
		"--cache-dir", filepath.Join(dir, "cache"), "--device-file", filepath.Join(dir, "devices.json"), "-v"}
	exit, stdout, stderr, prompts := runCredentials(t, "Carol-Pass-1!\n"+code+"\n", args...)
	require.Equal(t, 0, exit, stderr)
	assert.Equal(t, "Password for carol: \nSOFTWARE_TOKEN_MFA code (from your authenticator app): \n", prompts)
	assert.Contains(t, stdout, `"AccessKeyId":"TESTACCESSKEY12345"`)
	assert.Contains(t, stderr, "op=InitiateAuth")
	assert.NotContains(t, stderr, "Carol-Pass-1!")

	// The pool refuses the cached refresh token: sign in again.
	files, _ := filepath.Glob(filepath.Join(dir, "cache", "*.tokens.json"))
	require.Len(t, files, 1)
	store := flow.NewFileTokenStore(files[0])
	tok, err := store.LoadToken()
	require.NoError(t, err)
	tok.Expiry, tok.RefreshToken = time.Now().Add(-time.Hour), "refused-refresh-token"
	require.NoError(t, store.SaveToken(tok))
	code2, err := totp.Code(secret, time.Now().Add(30*time.Second)) // a code not used yet
	require.NoError(t, err)
	exit, stdout, stderr, prompts = runCredentials(t, "Carol-Pass-1!\n"+code2+"\n", args...)
	require.Equal(t, 0, exit, stderr)
	assert.Contains(t, stderr, "op=InitiateAuth")
	assert.Contains(t, stderr, "status=NotAuthorizedException")
	assert.True(t, strings.HasPrefix(prompts, "Password for carol: \n"), prompts)
	assert.Contains(t, stdout, `"Version":1`)
	tok2, err := store.LoadToken()
	require.NoError(t, err)
	assert.NotEqual(t, "refused-refresh-token", tok2.RefreshToken)
}
