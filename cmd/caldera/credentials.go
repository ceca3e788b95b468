package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentity"

	"github.com/caldera-srp/caldera/flow"
	"github.com/caldera-srp/caldera/identitypool"
	"github.com/caldera-srp/caldera/transport/awsjson"
)

const credentialsUsage = `Usage: caldera credentials --pool-id ID --client-id ID --identity-pool-id ID
                           --username NAME [--client-secret S]
                           [--endpoint URL | --region R] [--identity-endpoint URL]
                           [--provider-name NAME] [--role-arn ARN]
                           [--flow FLOW] [--refresh get-tokens|refresh-token-auth]
                           [--cache-dir DIR] [--device-file FILE] [-v]

Prints temporary AWS credentials for a Cognito user, for the AWS CLI's and
SDKs' credential_process:

  [profile cognito]
  credential_process = caldera credentials --pool-id eu-west-1_AbC --client-id 1a2b3c --identity-pool-id eu-west-1:0f1e... --username alice

The first run signs in (--flow user-srp by default, as caldera login does),
asking for the password and any MFA code on the terminal (/dev/tty, since the
AWS CLI keeps the process's standard error; standard input and error when
there is no terminal), and uses the device remembered in --device-file. The
tokens are cached in --cache-dir (mode 0600); later runs refresh them silently
with the refresh token (GetTokensFromRefreshToken, which keeps the rotated
refresh token, or REFRESH_TOKEN_AUTH with --refresh refresh-token-auth) and
sign in again only when the refresh token is refused. The ID token is traded
for credentials through the identity pool (GetId, kept in the cache, then
GetCredentialsForIdentity) with the login key
cognito-idp.REGION.amazonaws.com/POOL_ID, or --provider-name.

Standard output is one JSON object:
  {"Version":1,"AccessKeyId":…,"SecretAccessKey":…,"SessionToken":…,"Expiration":…}

Flags:
`

func credentialsCommand(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var in io.Reader = os.Stdin
	var out io.Writer = os.Stderr
	if tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0); err == nil {
		defer tty.Close()
		in, out = tty, tty
	}
	return credentialsMain(ctx, args, in, os.Stdout, os.Stderr, out)
}

// credentialsMain runs the command: prompts are read from promptIn and
// written to promptOut (the terminal), the credentials go to stdout and
// errors and -v logs to stderr.
func credentialsMain(ctx context.Context, args []string, promptIn io.Reader, stdout, stderr, promptOut io.Writer) int {
	fs := flag.NewFlagSet("credentials", flag.ContinueOnError)
	poolID := fs.String("pool-id", "", "user pool id, REGION_NAME (required)")
	clientID := fs.String("client-id", "", "app client id (required)")
	clientSecret := fs.String("client-secret", "", "app client secret, if the client has one (or CALDERA_CLIENT_SECRET)")
	identityPool := fs.String("identity-pool-id", "", "identity pool id, REGION:GUID (required)")
	username := fs.String("username", "", "user name or alias (required)")
	endpoint := fs.String("endpoint", "", "user-pool service URL, e.g. http://127.0.0.1:9229 for caldera serve")
	region := fs.String("region", "", "AWS region of the user pool (default: the pool id's prefix)")
	identityEndpoint := fs.String("identity-endpoint", "", "identity-pool service URL (default: --endpoint, else the identity pool's region)")
	providerName := fs.String("provider-name", "", "login key (default cognito-idp.REGION.amazonaws.com/POOL_ID)")
	roleARN := fs.String("role-arn", "", "role to ask for instead of the pool's authenticated role")
	flowName := fs.String("flow", "user-srp", "user-srp, custom, custom-srp, user-auth or user-password")
	refreshName := fs.String("refresh", "get-tokens", "get-tokens (GetTokensFromRefreshToken) or refresh-token-auth")
	cacheDir := fs.String("cache-dir", "", "token cache directory (default <user config dir>/caldera/credentials)")
	deviceFile := fs.String("device-file", "", "file of remembered devices (default <user config dir>/caldera/devices.json)")
	verbose := fs.Bool("v", false, "log the redacted requests and answers to stderr")
	if code, done := parseFlags(fs, args, stderr, credentialsUsage, false); done {
		return code
	}
	fail := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "caldera credentials: "+format+"\n", args...)
		return 2
	}
	switch {
	case *poolID == "" || *clientID == "" || *identityPool == "" || *username == "":
		return fail("--pool-id, --client-id, --identity-pool-id and --username are required")
	case *endpoint != "" && *region != "":
		return fail("give --endpoint or --region, not both")
	}
	authFlow, ok := loginFlows[*flowName]
	if !ok || authFlow == flow.RefreshTokenAuth {
		return fail("--flow %q is not one of user-srp, custom, custom-srp, user-auth, user-password", *flowName)
	}
	refreshFlow, ok := map[string]flow.AuthFlow{"get-tokens": flow.GetTokensFromRefreshToken, "refresh-token-auth": flow.RefreshTokenAuth}[*refreshName]
	if !ok {
		return fail("--refresh %q is not get-tokens or refresh-token-auth", *refreshName)
	}
	if *clientSecret == "" {
		*clientSecret = os.Getenv("CALDERA_CLIENT_SECRET")
	}
	t, err := userPoolTransport(awsjson.Options{Endpoint: *endpoint, Region: *region}, *poolID, *verbose, stderr)
	if err != nil {
		return fail("%v", err)
	}
	if *identityEndpoint == "" {
		*identityEndpoint = *endpoint
	}
	idRegion, _, _ := strings.Cut(*identityPool, ":")
	ciOpts := cognitoidentity.Options{Region: idRegion, RetryMaxAttempts: 2,
		HTTPClient: &http.Client{Timeout: 30 * time.Second}}
	if *identityEndpoint != "" {
		ciOpts.BaseEndpoint = aws.String(*identityEndpoint)
	}

	if *cacheDir, err = userConfig(*cacheDir, "credentials", "--cache-dir"); err != nil {
		return fail("%v", err)
	}
	if *deviceFile, err = userConfig(*deviceFile, "devices.json", "--device-file"); err != nil {
		return fail("%v", err)
	}
	for _, d := range []string{*cacheDir, filepath.Dir(*deviceFile)} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fail("%v", err)
		}
	}
	// One cache entry per endpoint, pool, client, user and identity pool.
	sum := sha256.Sum256([]byte(strings.Join([]string{*endpoint, *region, *poolID, *clientID, *username, *identityPool, *providerName}, "\x00")))
	base := filepath.Join(*cacheDir, hex.EncodeToString(sum[:12]))
	store := flow.NewFileTokenStore(base + ".tokens.json")
	idFile := base + ".identity"
	devices := flow.NewFileDeviceStore(*deviceFile)

	cfg := flow.Config{
		UserPoolID: *poolID, ClientID: *clientID, ClientSecret: *clientSecret,
		Username: *username, Flow: authFlow,
		Devices: devices, DeviceName: deviceName(), DevicePolicy: flow.RememberDevice,
		FriendlyDeviceName: deviceName(),
	}
	con := newConsole(promptIn, promptOut)
	prompter := &loginPrompter{con: con, plainOK: cfg.PlainPasswordAllowed()}
	cached, err := store.LoadToken()
	if err != nil {
		return fail("%v", err)
	}
	needsPassword := authFlow == flow.UserSRPAuth || authFlow == flow.CustomAuthSRP || authFlow == flow.UserPasswordAuth
	askPassword := func() error {
		if !needsPassword {
			return nil
		}
		pw, err := con.secret(fmt.Sprintf("Password for %s: ", *username))
		if err == nil && pw == "" {
			err = errors.New("no password given")
		}
		cfg.Password, prompter.password = pw, pw
		return err
	}
	if cached == nil || cached.RefreshToken == "" {
		if err := askPassword(); err != nil {
			return fail("%v", err)
		}
	}
	newSource := func() *flow.TokenSource {
		ts := flow.NewTokenSource(ctx, cfg, t, prompter)
		ts.Refresh, ts.Store = refreshFlow, store
		return ts
	}
	ts := newSource()
	tok, err := ts.Token()
	if err != nil && cfg.Password == "" && needsPassword &&
		(errors.Is(err, flow.ErrNotAuthorized) || errors.Is(err, flow.ErrRefreshTokenReuse)) {
		// The cached refresh token was refused: sign in again.
		if err := store.Delete(); err != nil {
			return fail("%v", err)
		}
		if err := askPassword(); err != nil {
			return fail("%v", err)
		}
		ts = newSource()
		tok, err = ts.Token()
	}
	if err != nil {
		fmt.Fprintf(stderr, "caldera credentials: %s\n", loginError(err))
		return 1
	}

	kept, _ := os.ReadFile(idFile)
	p, err := identitypool.New(identitypool.Config{
		IdentityPoolID: *identityPool, UserPoolID: *poolID, ProviderName: *providerName,
		CustomRoleARN: *roleARN, IdentityID: strings.TrimSpace(string(kept)),
		Client: cognitoidentity.New(ciOpts), Tokens: identitypool.IDTokenFunc(func(context.Context) (string, error) {
			return tok.IDToken, nil
		}),
	})
	if err != nil {
		return fail("%v", err)
	}
	creds, err := p.Retrieve(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "caldera credentials: %v\n", err)
		return 1
	}
	if id := p.IdentityID(); id != "" && id != strings.TrimSpace(string(kept)) {
		if err := os.WriteFile(idFile, []byte(id+"\n"), 0o600); err != nil {
			fmt.Fprintf(stderr, "caldera credentials: the identity id was not kept: %v\n", err)
		}
	}
	b, err := json.Marshal(processCredentials{Version: 1, AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey,
		SessionToken: creds.SessionToken, Expiration: creds.Expires.UTC().Format(time.RFC3339)})
	if err != nil {
		return fail("%v", err)
	}
	if _, err := fmt.Fprintf(stdout, "%s\n", b); err != nil {
		return 1
	}
	return 0
}

// processCredentials is the credential_process output format (Version 1),
// as the AWS CLI and aws-sdk-go-v2/credentials/processcreds read it.
type processCredentials struct {
	Version         int
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string
	SessionToken    string
	Expiration      string
}
